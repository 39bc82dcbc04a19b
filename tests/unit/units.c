/* units.c: table-driven tests of duration and size parsing (valid and invalid side by side). */
#include "tap.h"
#include "util/units.h"

#include <errno.h>

struct duration_case {
	const char *text;
	uint64_t default_unit;
	int expected_status;
	uint64_t expected_ns;
};

static const struct duration_case duration_cases[] = {
    {"10ms", 1, 0, 10000000ULL},
    {"1.5s", 1, 0, 1500000000ULL},
    {"250us", 1, 0, 250000ULL},
    {"250\xc2\xb5s", 1, 0, 250000ULL},
    {"800ns", 1, 0, 800ULL},
    {"800", 1, 0, 800ULL},
    {"800", 1000, 0, 800000ULL},
    {"2m", 1, 0, 120000000000ULL},
    {"1h", 1, 0, 3600000000000ULL},
    {"5MS", 1, 0, 5000000ULL},
    {"0", 1, 0, 0},
    {"", 1, -EINVAL, 0},
    {"ms", 1, -EINVAL, 0},
    {"10xs", 1, -EINVAL, 0},
    {"-5ms", 1, -EINVAL, 0},
    {"+5ms", 1, -EINVAL, 0},
    {"1e30s", 1, -ERANGE, 0},
    {"0.5", 1000, 0, 500},
    {".5ms", 1, 0, 500000},
    {"1e3ms", 1, 0, 1000000000ULL},
    {"inf", 1, -EINVAL, 0},
    {"nan", 1, -EINVAL, 0},
    {"0x10ms", 1, -EINVAL, 0},
    {"1e-400s", 1, -EINVAL, 0},
    /* the 2^63 boundary: exact below it, an error at and above it (was 2^63, silently) */
    {"9223372036854775807", 1, 0, 9223372036854775807ULL},
    {"9223372036854775807ns", 1, 0, 9223372036854775807ULL},
    {"9223372036854775808", 1, -ERANGE, 0},
    {"9223372036854775808ns", 1, -ERANGE, 0},
    {"18446744073709551615", 1, -ERANGE, 0},
    {"18446744073709551616", 1, -ERANGE, 0},
    {"99999999999999999999999", 1, -ERANGE, 0},
    {"9223372036s", 1, 0, 9223372036000000000ULL},
    {"9223372037s", 1, -ERANGE, 0},
    {"9223372036.854775807s", 1, -ERANGE, 0}, /* as a double it is 2^63 */
    {"9.2e18", 1, 0, 9200000000000000000ULL},
    {"9.3e18", 1, -ERANGE, 0},
    {"2562047h", 1, 0, 2562047ULL * 3600000000000ULL},
    {"2562048h", 1, -ERANGE, 0},
    {"10 ms", 1, 0, 10000000ULL},
    {"10ms ", 1, -EINVAL, 0},
    {"10mss", 1, -EINVAL, 0},
};

struct size_case {
	const char *text;
	int expected_status;
	uint64_t expected_bytes;
};

static const struct size_case size_cases[] = {
    {"4096", 0, 4096},
    {"64k", 0, 65536},
    {"64KiB", 0, 65536},
    {"8M", 0, 8388608},
    {"1G", 0, 1073741824},
    {"12q", -EINVAL, 0},
    {"", -EINVAL, 0},
    {"-1k", -EINVAL, 0},
    {"18446744073709551615", 0, UINT64_MAX},
    {"18446744073709551616", -ERANGE, 0},
    {"17179869184G", -ERANGE, 0},
    {"17179869183G", 0, 17179869183ULL << 30},
    {"1.5k", 0, 1536},
};

/* Checked integers: the same text against different ranges, valid and invalid side by side. */
struct u64_case {
	const char *text;
	uint64_t min, max;
	int expected_status;
	uint64_t expected;
};

static const struct u64_case u64_cases[] = {
    {"0", 0, 10, 0, 0},
    {"10", 0, 10, 0, 10},
    {"11", 0, 10, -ERANGE, 0},
    {"-0", 0, 10, 0, 0},
    {"-1", 0, 10, -ERANGE, 0},
    {"5", 1, 4194304, 0, 5},
    {"4294967301", 1, 4194304, -ERANGE, 0},   /* was --tid 5 */
    {"4294967297", 0, INT32_MAX, -ERANGE, 0}, /* was --limit 1 */
    {"18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX},
    {"18446744073709551616", 0, UINT64_MAX, -ERANGE, 0},
    {"184467440737095516160000", 0, UINT64_MAX, -ERANGE, 0},
    {"0010", 0, 100, 0, 10},
    {"", 0, 10, -EINVAL, 0},
    {"-", 0, 10, -EINVAL, 0},
    {"+5", 0, 10, -EINVAL, 0},
    {" 5", 0, 10, -EINVAL, 0},
    {"5 ", 0, 10, -EINVAL, 0},
    {"5x", 0, 10, -EINVAL, 0},
    {"0x5", 0, 10, -EINVAL, 0},
    {"1e3", 0, 10000, -EINVAL, 0},
    {"5.0", 0, 10, -EINVAL, 0},
    {"99999999999999999999x", 0, 10, -EINVAL, 0},
};

struct int_case {
	const char *text;
	int min, max;
	int expected_status;
	int expected;
};

static const struct int_case int_cases[] = {
    {"-1", -1, 5, 0, -1},
    {"-2", -1, 5, -ERANGE, 0},
    {"4294967296", 0, 1023, -ERANGE, 0}, /* was --cpu 0 */
    {"-4294967295", INT32_MIN, INT32_MAX, -ERANGE, 0},
    {"2147483647", INT32_MIN, INT32_MAX, 0, INT32_MAX},
    {"2147483648", INT32_MIN, INT32_MAX, -ERANGE, 0},
    {"-2147483648", INT32_MIN, INT32_MAX, 0, INT32_MIN},
    {"-2147483649", INT32_MIN, INT32_MAX, -ERANGE, 0},
    {"--1", -5, 5, -EINVAL, 0},
    {"", -5, 5, -EINVAL, 0},
    {"3,4", 0, 5, -EINVAL, 0},
};

struct i64_case {
	const char *text;
	int expected_status;
	int64_t expected;
};

static const struct i64_case i64_cases[] = {
    {"9223372036854775807", 0, INT64_MAX},  {"9223372036854775808", -ERANGE, 0},
    {"-9223372036854775808", 0, INT64_MIN}, {"-9223372036854775809", -ERANGE, 0},
    {"-18446744073709551616", -ERANGE, 0},  {"-12", 0, -12},
};

struct list_case {
	const char *text;
	int expected_status;
	int expected_count;
	int32_t expected[4];
};

/* CPUs 0..1023, at most 3 of them */
static const struct list_case list_cases[] = {
    {"0", 0, 1, {0}},          {"1,2,1023", 0, 3, {1, 2, 1023}}, {"1,2,3,4", -E2BIG, 3, {1, 2, 3}},
    {"1024", -ERANGE, 0, {0}}, {"4294967296", -ERANGE, 0, {0}},  {"-1", -ERANGE, 0, {0}},
    {"1,,2", -EINVAL, 1, {1}}, {"1,", -EINVAL, 1, {1}},          {",1", -EINVAL, 0, {0}},
    {"", -EINVAL, 0, {0}},     {"1;2", -EINVAL, 0, {0}},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(duration_cases) / sizeof(duration_cases[0]); i++) {
		const struct duration_case *c = &duration_cases[i];
		uint64_t ns = 0;
		int status = lat_parse_duration(c->text, c->default_unit, &ns);

		is_int(status, c->expected_status, "duration '%s' status", c->text);
		if (c->expected_status == 0) {
			is_int(ns, c->expected_ns, "duration '%s' value", c->text);
		}
	}
	for (size_t i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
		const struct size_case *c = &size_cases[i];
		uint64_t bytes = 0;
		int status = lat_parse_size(c->text, &bytes);

		is_int(status, c->expected_status, "size '%s' status", c->text);
		if (c->expected_status == 0) {
			is_int(bytes, c->expected_bytes, "size '%s' value", c->text);
		}
	}

	for (size_t i = 0; i < sizeof(u64_cases) / sizeof(u64_cases[0]); i++) {
		const struct u64_case *c = &u64_cases[i];
		uint64_t v = 777;
		int status = lat_parse_u64(c->text, c->min, c->max, &v);

		is_int(status, c->expected_status, "u64 '%s' in [%llu, %llu] status", c->text,
		       (unsigned long long)c->min, (unsigned long long)c->max);
		ok(v == (c->expected_status == 0 ? c->expected : 777), "u64 '%s' value %llu",
		   c->text, (unsigned long long)v);
	}
	for (size_t i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
		const struct int_case *c = &int_cases[i];
		int v = 777;
		int status = lat_parse_int(c->text, c->min, c->max, &v);

		is_int(status, c->expected_status, "int '%s' in [%d, %d] status", c->text, c->min,
		       c->max);
		is_int(v, c->expected_status == 0 ? c->expected : 777, "int '%s' value", c->text);
	}
	for (size_t i = 0; i < sizeof(i64_cases) / sizeof(i64_cases[0]); i++) {
		const struct i64_case *c = &i64_cases[i];
		int64_t v = 777;
		int status = lat_parse_i64(c->text, INT64_MIN, INT64_MAX, &v);

		is_int(status, c->expected_status, "i64 '%s' status", c->text);
		ok(v == (c->expected_status == 0 ? c->expected : 777), "i64 '%s' value %lld",
		   c->text, (long long)v);
	}
	for (size_t i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
		const struct list_case *c = &list_cases[i];
		int32_t v[3] = {0};
		int count = -1;
		int status = lat_parse_int_list(c->text, 0, 1023, v, 3, &count);

		is_int(status, c->expected_status, "list '%s' status", c->text);
		is_int(count, c->expected_count, "list '%s' count", c->text);
		ok(memcmp(v, c->expected, (size_t)count * sizeof(v[0])) == 0, "list '%s' values",
		   c->text);
	}
	is_str(lat_parse_strerror(-ERANGE), "out of range", "strerror ERANGE");
	is_str(lat_parse_strerror(-EINVAL), "not a number", "strerror EINVAL");

	char buf[32];
	lat_format_duration(12345678, buf, sizeof(buf));
	is_str(buf, "12.346ms", "format 12345678 ns");
	lat_format_duration(800, buf, sizeof(buf));
	is_str(buf, "800ns", "format 800 ns");
	return tap_done_testing();
}
