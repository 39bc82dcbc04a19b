/* units.h: parsing and printing of durations and sizes with units, shared by every command. */
#ifndef LATSCOPE_UTIL_UNITS_H
#define LATSCOPE_UTIL_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses a duration such as "10ms", "1.5s", "250us", "250µs", "800ns", "2m", "1h".
 * A bare number takes default_unit_ns (1 for ns, 1000 for µs...).
 * Returns 0, or -EINVAL on a malformed string, -ERANGE when it does not fit in 64 bits.
 */
int lat_parse_duration(const char *text, uint64_t default_unit_ns, uint64_t *out_ns);

/*
 * Parses a size such as "4096", "64k", "64KiB", "8M", "1G" (binary multiples: k = 1024).
 * Returns 0, -EINVAL or -ERANGE.
 */
int lat_parse_size(const char *text, uint64_t *out_bytes);

/* Prints a duration with the largest unit that keeps it readable ("12.345ms", "800ns"). */
void lat_format_duration(uint64_t ns, char *buf, size_t len);

#endif /* LATSCOPE_UTIL_UNITS_H */
