/* units.h: parsing and printing of durations and sizes with units, shared by every command. */
#ifndef LATSCOPE_UTIL_UNITS_H
#define LATSCOPE_UTIL_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses a duration such as "10ms", "1.5s", "250us", "250µs", "800ns", "2m", "1h".
 * A bare number takes default_unit_ns (1 for ns, 1000 for µs...).
 * Returns 0, or -EINVAL on a malformed string, -ERANGE above LAT_DURATION_MAX_NS.
 */
int lat_parse_duration(const char *text, uint64_t default_unit_ns, uint64_t *out_ns);

/*
 * Parses a size such as "4096", "64k", "64KiB", "8M", "1G" (binary multiples: k = 1024).
 * Returns 0, -EINVAL or -ERANGE (above UINT64_MAX bytes).
 */
int lat_parse_size(const char *text, uint64_t *out_bytes);

/*
 * Checked integers for every command-line option and configuration value: decimal digits only
 * (an optional '-' for the signed ones), no spaces, no trailing text, no wrap-around.
 * Returns 0 and stores the value, -EINVAL when the text is not such a number, -ERANGE when it
 * is outside [min, max] (out is then left alone).
 */
int lat_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out);
int lat_parse_i64(const char *text, int64_t min, int64_t max, int64_t *out);
int lat_parse_int(const char *text, int min, int max, int *out);

/*
 * A comma-separated list of such integers, each in [min, max], at most max_count of them
 * ("1,2,5"; no empty item). Returns 0, -EINVAL, -ERANGE (a value out of range) or -E2BIG (more
 * than max_count items); *count is the number stored.
 */
int lat_parse_int_list(const char *text, int min, int max, int32_t *out, int max_count, int *count);

/* Why a lat_parse_* call failed, for the front ends' messages: "not a number", "out of range". */
const char *lat_parse_strerror(int status);

/* The largest duration lat_parse_duration accepts: INT64_MAX ns (about 292 years). */
#define LAT_DURATION_MAX_NS ((uint64_t)INT64_MAX)

/* Prints a duration with the largest unit that keeps it readable ("12.345ms", "800ns"). */
void lat_format_duration(uint64_t ns, char *buf, size_t len);

#endif /* LATSCOPE_UTIL_UNITS_H */
