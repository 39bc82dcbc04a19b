/* explain_html.c: the explanation of one slow event in an HTML report: summary, timeline, causes.
 */
#include "outputs/explain_html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/explain_text.h"

#define MAX_ROWS 24 /* tasks on the timeline */

/* The colour of an interval of the path. */
static const char *colour(const struct lat_cp_interval *iv)
{
	switch (iv->state) {
	case LAT_CP_RUNNING:
		return "#16a34a";
	case LAT_CP_PREEMPTED:
	case LAT_CP_WAIT_CPU:
		return "#f59e0b";
	case LAT_CP_BLOCKED:
		switch (iv->cause) {
		case LAT_CP_CAUSE_TIMER:
		case LAT_CP_CAUSE_UNTRACED:
			return "#3b82f6";
		case LAT_CP_CAUSE_DISK:
			return "#8b5cf6";
		case LAT_CP_CAUSE_NETWORK:
			return "#14b8a6";
		default:
			return "#9ca3af";
		}
	default:
		return "#ef4444";
	}
}

static void timeline(struct lat_html *h, const struct lat_explanation *e)
{
	const struct lat_cp_path *p = &e->path;
	int32_t rows[MAX_ROWS];
	size_t nrows = 0;
	double left = 200, width = 760, row = 22, top = 24;
	double span = (double)(e->end - e->begin > 0 ? e->end - e->begin : 1);

	for (size_t i = 0; i < p->n && nrows < MAX_ROWS; i++) {
		size_t r;

		for (r = 0; r < nrows && rows[r] != p->intervals[i].tid; r++) {
		}
		if (r == nrows) {
			rows[nrows++] = p->intervals[i].tid;
		}
	}
	fprintf(h->out,
		"<svg class=\"chart timeline\" data-points=\"%zu\" viewBox=\"0 0 1000 %.0f\" "
		"role=\"img\"><text class=\"t\" x=\"4\" y=\"16\">Critical path: the tasks it "
		"waited for (green running, orange runnable, blue timer, purple disk, teal "
		"network, grey another task, red unknown)</text>\n",
		p->n, top + row * (double)nrows + 8);
	for (size_t r = 0; r < nrows; r++) {
		const char *comm = "";
		char label[64];

		for (size_t i = 0; i < p->n; i++) {
			if (p->intervals[i].tid == rows[r]) {
				comm = p->intervals[i].comm;
			}
		}
		snprintf(label, sizeof(label), "%s (%d)", comm[0] ? comm : "?", rows[r]);
		fprintf(h->out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", left - 8,
			top + row * (double)r + 15);
		lat_html_escape(h->out, label);
		fputs("</text>\n", h->out);
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct lat_cp_interval *iv = &p->intervals[i];
		double x = left + width * (double)(iv->begin - e->begin) / span;
		double w = width * (double)(iv->end - iv->begin) / span;
		char label[48], d[32];
		size_t r;

		for (r = 0; r < nrows && rows[r] != iv->tid; r++) {
		}
		if (r == nrows) {
			continue;
		}
		lat_cp_label(iv, label, sizeof(label));
		lat_html_format_ns(d, sizeof(d), (double)(iv->end - iv->begin));
		fprintf(h->out,
			"<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\" "
			"data-tip=\"",
			x, top + row * (double)r + 3, w > 0.5 ? w : 0.5, row - 6, colour(iv));
		lat_html_escape(h->out, iv->comm[0] ? iv->comm : "?");
		fprintf(h->out, " (%d): ", iv->tid);
		lat_html_escape(h->out, label);
		if (iv->detail[0]) {
			fputc(' ', h->out);
			lat_html_escape(h->out, iv->detail);
		}
		fprintf(h->out, ", %s\"/>\n", d);
	}
	fputs("</svg>\n", h->out);
}

/* Rows of the causes table, nested ones indented; cells/values grow as needed. */
struct rows {
	char **cells; /* 4 a row: cause, duration, share, detail */
	double *values;
	size_t n, cap;
};

static int add_rows(struct rows *t, const struct lat_explanation *e, const struct lat_xp_item *v,
		    size_t n, int depth, double total)
{
	for (size_t i = 0; i < n && t->n < 400; i++) {
		const struct lat_xp_item *it = &v[i];
		const char *on = lat_xp_on_name(it->on);
		char buf[1024];

		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 32;
			char **c = realloc(t->cells, cap * 4 * sizeof(*c));
			double *d = c ? realloc(t->values, cap * 4 * sizeof(*d)) : NULL;

			if (c) {
				t->cells = c;
			}
			if (!d) {
				return -1;
			}
			t->values = d;
			t->cap = cap;
		}
		char **row = &t->cells[t->n * 4];
		double *val = &t->values[t->n * 4];

		buf[0] = '\0';
		for (int k = 0; k < depth && k < 16; k++) {
			strcat(buf,
			       "\u00a0\u00a0\u00a0\u00a0"); /* nested: indented (no-break spaces) */
		}
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s (%d) %s%s%s",
			 depth ? "\u21b3 " : "", it->comm[0] ? it->comm : "?", it->tid,
			 lat_xp_state_name(it->state), on[0] ? " on " : "", on);
		row[0] = strdup(buf);
		lat_html_format_ns(buf, sizeof(buf), (double)it->ns);
		row[1] = strdup(buf);
		snprintf(buf, sizeof(buf), "%.1f %%", 100.0 * (double)it->ns / total);
		row[2] = strdup(buf);
		lat_xp_detail(e, it, buf, sizeof(buf));
		row[3] = strdup(buf);
		val[0] = val[3] = 0;
		val[1] = (double)it->ns;
		val[2] = 100.0 * (double)it->ns / total;
		t->n++;
		if (!row[0] || !row[1] || !row[2] || !row[3] ||
		    add_rows(t, e, it->children, it->nchildren, depth + 1, total)) {
			return -1;
		}
	}
	return 0;
}

void lat_xp_print_html(struct lat_html *h, const struct lat_explanation *e)
{
	static const char *const headers[] = {"Cause", "Duration", "Share", "Detail"};
	static const bool num[] = {false, true, true, false};
	char summary[4096], missing[512];
	struct rows t = {0};

	lat_html_section(h, "explain", "Why this event was slow",
			 "latscope explain of the event that triggered this snapshot");
	lat_xp_summary(e, summary, sizeof(summary));
	lat_html_para(h, NULL, summary);
	timeline(h, e);
	if (add_rows(&t, e, e->items, e->n, 0, (double)(e->end - e->begin)) == 0) {
		lat_html_table(h, headers, 4, (const char *const *)t.cells, t.values, num, t.n);
	} else {
		lat_html_para(h, "warn", "the causes: out of memory");
	}
	for (size_t i = 0; i < t.n * 4; i++) {
		free(t.cells[i]);
	}
	free(t.cells);
	free(t.values);
	lat_xp_missing(e, missing, sizeof(missing));
	if (missing[0]) {
		lat_html_para(h, "note", missing);
	}
}
