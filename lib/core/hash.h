/* hash.h: lat_hash64()'s body, inlined into the tracker's hot path. */
#ifndef LATSCOPE_CORE_HASH_H
#define LATSCOPE_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LAT_HASH_P0 0xa0761d6478bd642fULL
#define LAT_HASH_P1 0xe7037ed1a0b428dbULL
#define LAT_HASH_P2 0x8ebc6af09c88c6e3ULL
#define LAT_HASH_P3 0x589965cc75374cc3ULL

static inline uint64_t lat_hash_mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* The part of lat_hash64() that depends on the seed only: computed once per tracker. */
static inline uint64_t lat_hash_seed_state(uint64_t seed)
{
	return seed ^ lat_hash_mix(seed ^ LAT_HASH_P0, LAT_HASH_P1);
}

static inline uint64_t lat_hash_read64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t lat_hash_read32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* lat_hash64(key, len, seed) == lat_hash_seeded(key, len, lat_hash_seed_state(seed)). */
static inline uint64_t lat_hash_seeded(const void *key, size_t len, uint64_t state)
{
	const unsigned char *p = key;
	uint64_t h = state ^ len;
	size_t left = len;
	uint64_t a, b;

	if (len == 8) { /* the common key (an id, a pointer): the general path's values, no loop */
		return lat_hash_mix(LAT_HASH_P2 ^ 8,
				    lat_hash_mix(lat_hash_read32(p) ^ LAT_HASH_P1,
						 lat_hash_read32(p + 4) ^ h ^ LAT_HASH_P3));
	}
	while (left > 16) {
		h = lat_hash_mix(lat_hash_read64(p) ^ LAT_HASH_P1, lat_hash_read64(p + 8) ^ h);
		p += 16;
		left -= 16;
	}
	if (left > 8) {
		a = lat_hash_read64(p);
		b = lat_hash_read64(p + left - 8);
	} else if (left >= 4) {
		a = lat_hash_read32(p);
		b = lat_hash_read32(p + left - 4);
	} else if (left > 0) {
		a = ((uint64_t)p[0] << 16) | ((uint64_t)p[left >> 1] << 8) | p[left - 1];
		b = 0;
	} else {
		a = b = 0;
	}
	return lat_hash_mix(LAT_HASH_P2 ^ len, lat_hash_mix(a ^ LAT_HASH_P1, b ^ h ^ LAT_HASH_P3));
}

#endif /* LATSCOPE_CORE_HASH_H */
