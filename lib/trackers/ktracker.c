/* ktracker.c: the table of kernel trackers and what every tracker shares: field formatting,
 * series names, exact durations, printable command names. */
#include "trackers/ktracker.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The trackers, in the order --help lists them. Add yours here (and in ktracker.h). */
/* clang-format off */
static const struct lat_ktracker *const trackers[] = {
    &lat_ktracker_syscall,
    &lat_ktracker_wakeup,
    &lat_ktracker_offcpu,
    &lat_ktracker_block,
    &lat_ktracker_irq,
    &lat_ktracker_net,
    &lat_ktracker_ttfb,
};
/* clang-format on */

#define TRACKER_COUNT (sizeof(trackers) / sizeof(trackers[0]))

size_t lat_ktracker_count(void)
{
	return TRACKER_COUNT;
}

const struct lat_ktracker *lat_ktracker_at(size_t i)
{
	return i < TRACKER_COUNT ? trackers[i] : NULL;
}

const struct lat_ktracker *lat_ktracker_find(const char *name)
{
	for (size_t i = 0; i < TRACKER_COUNT; i++) {
		if (strcmp(trackers[i]->name, name) == 0) {
			return trackers[i];
		}
	}
	return NULL;
}

const char *lat_ktracker_series_name(const struct lat_ktracker *t, int series)
{
	if (series < 0 || series >= LAT_STATS_SERIES_MAX) {
		return NULL;
	}
	return t->series ? t->series[series] : (series ? NULL : t->name);
}

int lat_ktracker_nseries(const struct lat_ktracker *t)
{
	int n = 0;

	while (n < LAT_STATS_SERIES_MAX && lat_ktracker_series_name(t, n)) {
		n++;
	}
	return n;
}

int lat_alert_field_set(struct lat_alert_field *field, const char *name, bool is_string,
			const char *fmt, ...)
{
	va_list args;

	field->name = name;
	field->is_string = is_string;
	va_start(args, fmt);
	vsnprintf(field->value, sizeof(field->value), fmt, args);
	va_end(args);
	return 1;
}

void lat_format_duration_exact(uint64_t ns, char *buf, size_t len)
{
	if (ns && ns % 1000000000ULL == 0) {
		snprintf(buf, len, "%" PRIu64 "s", ns / UINT64_C(1000000000));
	} else if (ns && ns % 1000000ULL == 0) {
		snprintf(buf, len, "%" PRIu64 "ms", ns / UINT64_C(1000000));
	} else if (ns && ns % 1000ULL == 0) {
		snprintf(buf, len, "%" PRIu64 "us", ns / UINT64_C(1000));
	} else {
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	}
}

void lat_comm_text(const char *comm, char out[LAT_COMM_LEN + 1])
{
	int i;

	for (i = 0; i < LAT_COMM_LEN && comm[i]; i++) {
		out[i] = (comm[i] > 0x20 && comm[i] < 0x7f) ? comm[i] : '?';
	}
	out[i] = '\0';
}
