/* html.h: self-contained HTML reports: one page of inline CSS, inline SVG charts and tables, a
 * little inline JavaScript for hover details only (no network, no external file). */
#ifndef LATSCOPE_OUTPUTS_HTML_H
#define LATSCOPE_OUTPUTS_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "outputs/folded.h"
#include "outputs/result.h"

/*
 * The writer. Everything goes to `out` as it is produced; lat_html_end() says whether it all got
 * there. Charts carry their kind and their number of marks as attributes (class "chart KIND",
 * data-points="N"), so tests and scripts can check them in the DOM.
 */
struct lat_html {
	FILE *out;
	unsigned next_id; /* chart ids */
	bool in_section;
	bool flames; /* a flame graph was written: the page gets its script */
};

/* Starts the page: title (escaped), a subtitle line (escaped, may be NULL). */
void lat_html_begin(struct lat_html *h, FILE *out, const char *title, const char *subtitle);
/* Ends the page; returns 0, or -EIO when anything failed to be written. */
int lat_html_end(struct lat_html *h);

/* A section (h2 with an anchor in the page's table of contents); note may be NULL. */
void lat_html_section(struct lat_html *h, const char *id, const char *title, const char *note);
/* A sub-heading inside a section. */
void lat_html_heading(struct lat_html *h, const char *title, const char *note);
/* A paragraph of text (escaped); cls is a CSS class ("note", "warn") or NULL. */
void lat_html_para(struct lat_html *h, const char *cls, const char *text);

/* Summary cards: a row of label/value boxes; warn marks a value to look at (losses). */
struct lat_html_card {
	const char *label;
	char value[64];
	bool warn;
};
void lat_html_cards(struct lat_html *h, const struct lat_html_card *cards, size_t count);

/* Writes text with &, <, >, " and ' escaped. */
void lat_html_escape(FILE *out, const char *text);

/* Durations and sizes for people: "812 ns", "3.42 ms", "1.20 s"; "4.0 KiB". */
void lat_html_format_ns(char *buf, size_t len, double ns);
void lat_html_format_size(char *buf, size_t len, double bytes);

/*
 * A latency distribution on a log-scale duration axis: bars of the buckets [low, high) (e.g. the
 * trackers' log2 histograms of every completed event), and, when values are given, their density
 * (a Gaussian kernel estimate on log10(duration), scaled to the bars' area) as a line; a marker
 * at the threshold when > 0. One bar mark per non-empty bucket.
 */
struct lat_html_bucket {
	double low, high; /* ns */
	uint64_t count;
};
void lat_html_histogram(struct lat_html *h, const char *title,
			const struct lat_html_bucket *buckets, size_t nbuckets,
			const double *values, size_t nvalues, double threshold_ns);

/*
 * Latency over time: one point per event (x: seconds from t0, y: duration in ns on a log axis),
 * coloured by series; `detail` (plain text, several lines) is shown when the pointer is over the
 * point. hollow: drawn as a ring (timeouts). Series names index colours and the legend.
 */
struct lat_html_point {
	double x_s, y_ns;
	unsigned series;
	bool hollow;
	const char *detail;
};
void lat_html_scatter(struct lat_html *h, const char *title, const struct lat_html_point *points,
		      size_t npoints, const char *const *series, size_t nseries,
		      double threshold_ns);

/* Horizontal bars (top offenders): label, value, and the text printed at the bar's end. */
struct lat_html_bar {
	const char *label;
	double value;
	char text[96];
};
void lat_html_bars(struct lat_html *h, const char *title, const struct lat_html_bar *bars,
		   size_t count);

/*
 * A simple table of text cells (rows * ncols, escaped); numeric columns (num[col]) are right
 * aligned and get an inline bar scaled to the column's largest value (values[row * ncols + col]).
 */
void lat_html_table(struct lat_html *h, const char *const *headers, size_t ncols,
		    const char *const *cells, const double *values, const bool *num, size_t nrows);

/*
 * An analysis' result table (lib/outputs/result.h): frequency tables (lower bound, upper bound,
 * count) become a bar chart plus the table; others a table with inline bars on their numeric
 * columns (usage, sizes, counts, durations). At most max_rows rows are shown (the rest is counted).
 */
void lat_html_result_table(struct lat_html *h, const struct lat_table *table, size_t max_rows);

/*
 * A flame graph of folded stacks (finished, lib/outputs/folded.h; the SVG of
 * lat_flamegraph_svg(), values in unit) under a heading, with a search box (a regular expression:
 * matching frames are coloured and their share printed; the svg gets data-matched="PCT"); a
 * click on a frame zooms on it, on the root resets.
 */
void lat_html_flamegraph(struct lat_html *h, const char *title, const char *note,
			 const struct lat_folded *folded, const char *unit);

#endif /* LATSCOPE_OUTPUTS_HTML_H */
