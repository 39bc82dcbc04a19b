/* text.h: human output helpers in lttng-analyses' exact formats (bar graphs, times, numbers). */
#ifndef LATSCOPE_OUTPUTS_TEXT_H
#define LATSCOPE_OUTPUTS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct lat_text_opts {
	bool gmt;       /* times in UTC instead of local time */
	bool multi_day; /* the trace spans several days: print dates with times */
};

/* "HH:MM:SS.nnnnnnnnn", prefixed by "YYYY-MM-DD " when print_date. */
void lat_format_timestamp(char *buf, size_t len, int64_t ts, bool print_date, bool gmt);
/* "[begin, end]" */
void lat_format_time_range(char *buf, size_t len, int64_t begin, int64_t end, bool print_date,
			   bool gmt);
/* The first line of every analysis: "Timerange: [YYYY-MM-DD ..., YYYY-MM-DD ...]". */
void lat_text_print_timerange(FILE *out, int64_t begin, int64_t end, bool gmt);

/* Python's str(round(value, 3)) for a finite value: "0.0", "1.5", "435.096". */
void lat_format_round3(char *buf, size_t len, double value);

/* One bar of a bar graph: the value, and its label. */
struct lat_bar {
	double value;
	bool is_float; /* values print as "%.2f" when float, as integers otherwise */
	const char *label;
};

/*
 * lttng-analyses' termgraph.BarGraph: title (padded, then label_header if any), 80 '#',
 * one line per bar (80-column bar of U+2588, the value and unit, the label), then a blank
 * line. Nothing at all when there are no bars.
 */
void lat_text_bar_graph(FILE *out, const char *title, const char *unit, const char *label_header,
			const struct lat_bar *bars, size_t nbars);

#endif /* LATSCOPE_OUTPUTS_TEXT_H */
