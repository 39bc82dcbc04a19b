/* units.c: parsing and printing of durations and sizes with units. */
#include "util/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit {
	const char *suffix;
	uint64_t multiplier;
};

static const struct unit duration_units[] = {
	{"ns", 1ULL},
	{"us", 1000ULL},
	{"\xc2\xb5s", 1000ULL}, /* µs */
	{"ms", 1000000ULL},
	{"s", 1000000000ULL},
	{"m", 60ULL * 1000000000ULL},
	{"min", 60ULL * 1000000000ULL},
	{"h", 3600ULL * 1000000000ULL},
};

static const struct unit size_units[] = {
	{"", 1ULL},	       {"b", 1ULL},	     {"k", 1ULL << 10},	 {"kb", 1ULL << 10},
	{"kib", 1ULL << 10},   {"m", 1ULL << 20},    {"mb", 1ULL << 20}, {"mib", 1ULL << 20},
	{"g", 1ULL << 30},     {"gb", 1ULL << 30},   {"gib", 1ULL << 30},
};

/* Splits "12.5ms" into the number and the suffix; the suffix is compared case-insensitively. */
static int parse_with_units(const char *text, const struct unit *units, size_t unit_count,
			    uint64_t default_multiplier, uint64_t *out)
{
	char *end;
	double value;
	uint64_t multiplier = 0;

	if (!text || !*text) {
		return -EINVAL;
	}
	while (isspace((unsigned char)*text)) {
		text++;
	}
	if (*text == '-' || *text == '+') {
		return -EINVAL;
	}
	errno = 0;
	value = strtod(text, &end);
	if (end == text || errno == ERANGE || !isfinite(value) || value < 0) {
		return end == text ? -EINVAL : -ERANGE;
	}
	while (isspace((unsigned char)*end)) {
		end++;
	}
	if (*end == '\0') {
		multiplier = default_multiplier;
	} else {
		for (size_t i = 0; i < unit_count; i++) {
			if (units[i].suffix[0] && strcasecmp(end, units[i].suffix) == 0) {
				multiplier = units[i].multiplier;
				break;
			}
		}
		if (!multiplier) {
			return -EINVAL;
		}
	}
	value *= (double)multiplier;
	if (value >= 18446744073709551615.0) {
		return -ERANGE;
	}
	*out = (uint64_t)llround(value);
	return 0;
}

int lat_parse_duration(const char *text, uint64_t default_unit_ns, uint64_t *out_ns)
{
	return parse_with_units(text, duration_units,
				sizeof(duration_units) / sizeof(duration_units[0]),
				default_unit_ns ? default_unit_ns : 1, out_ns);
}

int lat_parse_size(const char *text, uint64_t *out_bytes)
{
	return parse_with_units(text, size_units, sizeof(size_units) / sizeof(size_units[0]), 1,
				out_bytes);
}

void lat_format_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000ULL) {
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	} else if (ns < 1000000ULL) {
		snprintf(buf, len, "%.3fus", (double)ns / 1e3);
	} else if (ns < 1000000000ULL) {
		snprintf(buf, len, "%.3fms", (double)ns / 1e6);
	} else {
		snprintf(buf, len, "%.3fs", (double)ns / 1e9);
	}
}
