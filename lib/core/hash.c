/* hash.c: lat_hash64(), liblatscope's default key hash (wyhash-style 64x64->128 multiply mixing).
 */
#include "core/hash.h"

#include "latscope/tracker.h"

LAT_API uint64_t lat_hash64(const void *key, size_t len, uint64_t seed)
{
	return lat_hash_seeded(key, len, lat_hash_seed_state(seed));
}
