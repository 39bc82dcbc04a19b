/* hash.c: lat_hash64(), liblatscope's default key hash (wyhash-style 64x64->128 multiply mixing).
 */
#include "latscope/tracker.h"

#include <string.h>

static const uint64_t P0 = 0xa0761d6478bd642fULL;
static const uint64_t P1 = 0xe7037ed1a0b428dbULL;
static const uint64_t P2 = 0x8ebc6af09c88c6e3ULL;
static const uint64_t P3 = 0x589965cc75374cc3ULL;

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t read64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t read32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

LAT_API uint64_t lat_hash64(const void *key, size_t len, uint64_t seed)
{
	const unsigned char *p = key;
	uint64_t h = seed ^ mix(seed ^ P0, P1) ^ len;
	size_t left = len;
	uint64_t a, b;

	while (left > 16) {
		h = mix(read64(p) ^ P1, read64(p + 8) ^ h);
		p += 16;
		left -= 16;
	}
	if (left > 8) {
		a = read64(p);
		b = read64(p + left - 8);
	} else if (left >= 4) {
		a = read32(p);
		b = read32(p + left - 4);
	} else if (left > 0) {
		a = ((uint64_t)p[0] << 16) | ((uint64_t)p[left >> 1] << 8) | p[left - 1];
		b = 0;
	} else {
		a = b = 0;
	}
	return mix(P2 ^ len, mix(a ^ P1, b ^ h ^ P3));
}
