/* text.c: human output helpers in lttng-analyses' exact formats. */
#include "outputs/text.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#define GRAPH_WIDTH 80
#define BAR_CHAR    "\xe2\x96\x88" /* U+2588 FULL BLOCK */

void lat_format_timestamp(char *buf, size_t len, int64_t ts, bool print_date, bool gmt)
{
	time_t secs = (time_t)(ts >= 0 ? ts / 1000000000LL : (ts - 999999999LL) / 1000000000LL);
	int64_t nsec = ts - (int64_t)secs * 1000000000LL;
	struct tm tm;

	if (gmt) {
		gmtime_r(&secs, &tm);
	} else {
		localtime_r(&secs, &tm);
	}
	if (print_date) {
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%09" PRId64, tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nsec);
	} else {
		snprintf(buf, len, "%02d:%02d:%02d.%09" PRId64, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 nsec);
	}
}

void lat_format_time_range(char *buf, size_t len, int64_t begin, int64_t end, bool print_date,
			   bool gmt)
{
	char b[64], e[64];

	lat_format_timestamp(b, sizeof(b), begin, print_date, gmt);
	lat_format_timestamp(e, sizeof(e), end, print_date, gmt);
	snprintf(buf, len, "[%s, %s]", b, e);
}

void lat_text_print_timerange(FILE *out, int64_t begin, int64_t end, bool gmt)
{
	char range[160];

	lat_format_time_range(range, sizeof(range), begin, end, true, gmt);
	fprintf(out, "Timerange: %s\n", range);
}

void lat_format_round3(char *buf, size_t len, double value)
{
	size_t n;

	snprintf(buf, len, "%.3f", value);
	if (strcmp(buf, "-0.000") == 0) {
		snprintf(buf, len, "-0.0");
		return;
	}
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0') {
		buf[--n] = '\0';
	}
	if (n > 0 && buf[n - 1] == '.') {
		buf[n++] = '0';
		buf[n] = '\0';
	}
}

static void format_bar_value(char *buf, size_t len, const struct lat_bar *bar, const char *unit)
{
	if (bar->is_float) {
		snprintf(buf, len, "%.2f", bar->value);
	} else {
		snprintf(buf, len, "%.0f", bar->value);
	}
	if (unit && *unit) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, " %s", unit);
	}
}

void lat_text_bar_graph(FILE *out, const char *title, const char *unit, const char *label_header,
			const struct lat_bar *bars, size_t nbars)
{
	double max_value = 0;
	size_t max_len = 0;
	char value[64];

	if (nbars == 0) {
		return;
	}
	for (size_t i = 0; i < nbars; i++) {
		format_bar_value(value, sizeof(value), &bars[i], unit);
		if (bars[i].value > max_value) {
			max_value = bars[i].value;
		}
		if (strlen(value) > max_len) {
			max_len = strlen(value);
		}
	}
	if (label_header) {
		int spaces = GRAPH_WIDTH - (int)strlen(title) + 1 + (int)max_len + 1;

		fprintf(out, "%s%*s%s\n", title, spaces > 0 ? spaces : 0, "", label_header);
	} else {
		fprintf(out, "%s\n", title);
	}
	for (int i = 0; i < GRAPH_WIDTH; i++) {
		fputc('#', out);
	}
	fputc('\n', out);
	for (size_t i = 0; i < nbars; i++) {
		int width = 0;

		if (max_value != 0) {
			width = (int)(GRAPH_WIDTH * bars[i].value / max_value);
		}
		for (int c = 0; c < width; c++) {
			fputs(BAR_CHAR, out);
		}
		fprintf(out, "%*s", GRAPH_WIDTH - width, "");
		format_bar_value(value, sizeof(value), &bars[i], unit);
		fprintf(out, " %*s%s %s\n", (int)(max_len - strlen(value)), "", value,
			bars[i].label);
	}
	fputc('\n', out);
}
