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
	{"1e30s", 1, -ERANGE, 0},
};

struct size_case {
	const char *text;
	int expected_status;
	uint64_t expected_bytes;
};

static const struct size_case size_cases[] = {
	{"4096", 0, 4096},     {"64k", 0, 65536},   {"64KiB", 0, 65536}, {"8M", 0, 8388608},
	{"1G", 0, 1073741824}, {"12q", -EINVAL, 0}, {"", -EINVAL, 0},
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

	char buf[32];
	lat_format_duration(12345678, buf, sizeof(buf));
	is_str(buf, "12.346ms", "format 12345678 ns");
	lat_format_duration(800, buf, sizeof(buf));
	is_str(buf, "800ns", "format 800 ns");
	return tap_done_testing();
}
