/* units.c: parsing and printing of durations and sizes with units. */
#include "util/units.h"

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
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
    {"", 1ULL},          {"b", 1ULL},        {"k", 1ULL << 10},   {"kb", 1ULL << 10},
    {"kib", 1ULL << 10}, {"m", 1ULL << 20},  {"mb", 1ULL << 20},  {"mib", 1ULL << 20},
    {"g", 1ULL << 30},   {"gb", 1ULL << 30}, {"gib", 1ULL << 30},
};

/*
 * Splits "12.5ms" into the number and the suffix; the suffix is compared case-insensitively. An
 * integer is converted exactly (no double rounding above 2^53); the result is at most limit.
 */
static int parse_with_units(const char *text, const struct unit *units, size_t unit_count,
			    uint64_t default_multiplier, uint64_t limit, uint64_t *out)
{
	const char *p;
	char *end;
	double value;
	uint64_t multiplier = 0;
	bool integer = true;

	if (!text) {
		return -EINVAL;
	}
	while (isspace((unsigned char)*text)) {
		text++;
	}
	/* digits or ".5" first: no sign, "inf", "nan" or hexadecimal ("0x10") */
	if (!isdigit((unsigned char)text[0]) &&
	    !(text[0] == '.' && isdigit((unsigned char)text[1]))) {
		return -EINVAL;
	}
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		return -EINVAL;
	}
	errno = 0;
	value = strtod(text, &end);
	if (end == text) {
		return -EINVAL;
	}
	if (errno == ERANGE || !isfinite(value)) {
		return value < 1 ? -EINVAL : -ERANGE; /* underflow ("1e-400") is no duration */
	}
	for (p = text; p < end; p++) {
		integer &= isdigit((unsigned char)*p) != 0;
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
	if (integer) {
		unsigned long long v;

		errno = 0;
		v = strtoull(text, NULL, 10);
		if (errno == ERANGE || v > limit / multiplier) {
			return -ERANGE;
		}
		*out = (uint64_t)v * multiplier;
		return 0;
	}
	value *= (double)multiplier;
	/* (double)limit rounds up to 2^63 or 2^64: anything at or above it does not fit */
	if (value >= (double)limit) {
		return -ERANGE;
	}
	uint64_t whole = (uint64_t)value;

	if (value - (double)whole >= 0.5) {
		whole++;
	}
	if (whole > limit) {
		return -ERANGE;
	}
	*out = whole;
	return 0;
}

static int parse_digits(const char *text, bool negative_ok, bool *negative,
			unsigned long long *magnitude)
{
	const char *p = text;

	*negative = false;
	if (!text) {
		return -EINVAL;
	}
	if (*p == '-' && negative_ok) {
		*negative = true;
		p++;
	}
	if (!isdigit((unsigned char)*p)) {
		return -EINVAL;
	}
	*magnitude = 0;
	for (; *p; p++) {
		unsigned d;

		if (!isdigit((unsigned char)*p)) {
			return -EINVAL;
		}
		d = (unsigned)(*p - '0');
		if (*magnitude > (ULLONG_MAX - d) / 10) {
			/* too many digits: still check the rest is digits, then say out of range */
			while (isdigit((unsigned char)*p)) {
				p++;
			}
			return *p ? -EINVAL : -ERANGE;
		}
		*magnitude = *magnitude * 10 + d;
	}
	return 0;
}

int lat_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	bool negative;
	int ret = parse_digits(text, true, &negative, &v);

	if (ret) {
		return ret;
	}
	if ((negative && v != 0) || v < min || v > max) { /* "-0" is 0; "-1" is below min */
		return -ERANGE;
	}
	*out = v;
	return 0;
}

int lat_parse_i64(const char *text, int64_t min, int64_t max, int64_t *out)
{
	unsigned long long v;
	bool negative;
	int64_t value;
	int ret = parse_digits(text, true, &negative, &v);

	if (ret) {
		return ret;
	}
	if (negative) {
		if (v > (unsigned long long)INT64_MAX + 1) {
			return -ERANGE;
		}
		value = v == (unsigned long long)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > INT64_MAX) {
			return -ERANGE;
		}
		value = (int64_t)v;
	}
	if (value < min || value > max) {
		return -ERANGE;
	}
	*out = value;
	return 0;
}

int lat_parse_int(const char *text, int min, int max, int *out)
{
	int64_t v;
	int ret = lat_parse_i64(text, min, max, &v);

	if (ret == 0) {
		*out = (int)v;
	}
	return ret;
}

int lat_parse_int_list(const char *text, int min, int max, int32_t *out, int max_count, int *count)
{
	const char *p = text;

	*count = 0;
	if (!text || !*text) {
		return -EINVAL;
	}
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char *item;
		int v, ret;

		if (len == 0) {
			return -EINVAL;
		}
		item = strndup(p, len);
		if (!item) {
			return -ENOMEM;
		}
		ret = lat_parse_int(item, min, max, &v);
		free(item);
		if (ret) {
			return ret;
		}
		if (*count >= max_count) {
			return -E2BIG;
		}
		out[(*count)++] = v;
		if (!comma) {
			return 0;
		}
		p = comma + 1;
	}
}

const char *lat_parse_strerror(int status)
{
	switch (status) {
	case 0:
		return "ok";
	case -EINVAL:
		return "not a number";
	case -ERANGE:
		return "out of range";
	case -E2BIG:
		return "too many values";
	case -ENOMEM:
		return "out of memory";
	default:
		return "cannot parse";
	}
}

int lat_parse_duration(const char *text, uint64_t default_unit_ns, uint64_t *out_ns)
{
	return parse_with_units(text, duration_units,
				sizeof(duration_units) / sizeof(duration_units[0]),
				default_unit_ns ? default_unit_ns : 1, LAT_DURATION_MAX_NS, out_ns);
}

int lat_parse_size(const char *text, uint64_t *out_bytes)
{
	return parse_with_units(text, size_units, sizeof(size_units) / sizeof(size_units[0]), 1,
				UINT64_MAX, out_bytes);
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
