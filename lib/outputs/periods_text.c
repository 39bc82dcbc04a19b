/* periods_text.c: the period views as the peer's lttng-period* commands print them (log, top,
 * stats, freq, the groups', the aggregated log) and one period as it ends, from the results. */
#include "outputs/periods_text.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/pyrepr.h"

static void fmt_ts(char *buf, size_t len, int64_t ts, const struct lat_text_opts *o)
{
	lat_format_timestamp(buf, len, ts, o->multi_day, o->gmt);
}

static int cmp_cap_name(const void *a, const void *b)
{
	return strcmp(((const struct lat_period_capture_value *)a)->name,
		      ((const struct lat_period_capture_value *)b)->name);
}

/* `'%s = %s' % (key, value)` of the next capture popped from the end of the sorted list. */
static void pop_capture(struct lat_period_capture_value *caps, uint32_t *n, struct lat_sbuf *b)
{
	b->len = 0;
	if (b->s) {
		b->s[0] = '\0';
	}
	if (!*n) {
		return;
	}
	(*n)--;
	lat_sbuf_puts(b, caps[*n].name);
	lat_sbuf_puts(b, " = ");
	lat_py_value(b, &caps[*n].v, false);
}

/* The log and top: a line a period, then a line a capture of it, sorted by name, last first. */
static void print_events(const struct lat_periods_result *res, const struct lat_table *t,
			 const struct lat_text_opts *o, FILE *out)
{
	fprintf(out, "\n%s\n", t->cls->title);
	fprintf(out, "%-20s %-19s %15s %-24s %-35s %-35s\n", "Begin", "End", "Duration (us)",
		"Name", "Begin capture", "End capture");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct lat_cell *row = lat_table_cell(t, i, 0);
		int64_t ref = lat_table_row_ref(t, i);
		const struct lat_period_record *r =
		    ref >= 0 && ref < res->nrecords ? &res->records[ref] : NULL;
		struct lat_period_capture_value *bc = NULL, *ec = NULL;
		uint32_t nbegin = 0, nend = 0, lines;
		struct lat_sbuf bs = {0}, es = {0};
		char b[48], e[48], dur[32];

		if (r) {
			nbegin = r->nbegin_caps;
			nend = r->nend_caps;
			bc = malloc((nbegin + 1) * sizeof(*bc));
			ec = malloc((nend + 1) * sizeof(*ec));
			if (!bc || !ec) {
				free(bc);
				free(ec);
				return;
			}
			if (nbegin) {
				memcpy(bc, r->begin_caps, nbegin * sizeof(*bc));
			}
			if (nend) {
				memcpy(ec, r->end_caps, nend * sizeof(*ec));
			}
			qsort(bc, nbegin, sizeof(*bc), cmp_cap_name);
			qsort(ec, nend, sizeof(*ec), cmp_cap_name);
		}
		fmt_ts(b, sizeof(b), row[0].i, o);
		fmt_ts(e, sizeof(e), row[1].i, o);
		snprintf(dur, sizeof(dur), "%0.03f", (double)row[2].i / 1000);
		pop_capture(bc, &nbegin, &bs);
		pop_capture(ec, &nend, &es);
		fprintf(out, "[%-18s, %-18s] %15s %-24s %-35s %-35s\n", b, e, dur, row[3].s,
			bs.s ? bs.s : "", es.s ? es.s : "");
		lines = nbegin > nend ? nbegin : nend;
		for (uint32_t l = 0; l < lines; l++) {
			pop_capture(bc, &nbegin, &bs);
			pop_capture(ec, &nend, &es);
			fprintf(out, "%-18s %-18s %18s %-24s %-35s %-35s\n", "", "", "", "",
				bs.s ? bs.s : "", es.s ? es.s : "");
		}
		free(bs.s);
		free(es.s);
		free(bc);
		free(ec);
	}
}

static void print_tree(const struct lat_periods_result *res, FILE *out)
{
	for (uint32_t i = 0; i < res->ntree; i++) {
		const struct lat_periods_tree_line *l = &res->tree[i];

		if (l->depth == 0) {
			fprintf(out, "%s\n", l->name);
		} else {
			fprintf(out, "%*s|-- %s\n", (int)(l->depth - 1) * 4, "", l->name);
		}
	}
}

/* A duration cell in µs, "%0.03f" ("?" when unknown). */
static void fmt_us(char *buf, size_t len, const struct lat_cell *c)
{
	if (c->cls == LAT_CLS_UNKNOWN) {
		snprintf(buf, len, "?");
	} else {
		snprintf(buf, len, "%0.03f", (c->is_float ? c->d : (double)c->i) / 1000);
	}
}

static double num(const struct lat_cell *c)
{
	return c->is_float ? c->d : (double)c->i;
}

static void print_stats(const struct lat_periods_result *res, const struct lat_table *t, FILE *out)
{
	fprintf(out, "Period tree:\n");
	print_tree(res, out);
	if (!t->nrows) {
		return;
	}
	fprintf(out, "\n%s (us)\n", t->cls->title);
	fprintf(out, "%-25s %8s  %12s  %12s  %12s  %12s %12s\n", "Period", "Count", "Min", "Avg",
		"Max", "Stdev", "Runtime");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct lat_cell *r = lat_table_cell(t, i, 0);
		char cnt[24], mn[32], av[32], mx[32], sd[32], rt[32];

		snprintf(cnt, sizeof(cnt), "%" PRId64, r[1].i);
		fmt_us(mn, sizeof(mn), &r[2]);
		fmt_us(av, sizeof(av), &r[3]);
		fmt_us(mx, sizeof(mx), &r[4]);
		fmt_us(sd, sizeof(sd), &r[5]);
		fmt_us(rt, sizeof(rt), &r[6]);
		fprintf(out, "%-25s %8s  %12s  %12s  %12s  %12s %12s\n", r[0].s, cnt, mn, av, mx,
			sd, rt);
	}
}

/* _print_per_parent_stats / _count / _pc */
static void print_per_parent(const struct lat_table *t, int kind, FILE *out)
{
	if (!t->nrows) {
		return;
	}
	fprintf(out, "\n%s%s\n%s\n", t->cls->title,
		kind == 0   ? " (us)"
		: kind == 2 ? " (%)"
			    : "",
		t->subtitle ? t->subtitle : "");
	fprintf(out, "%-25s %-25s  %12s  %12s  %12s  %12s\n", "Period", "Parent", "Min", "Avg",
		"Max", "Stdev");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct lat_cell *r = lat_table_cell(t, i, 0);
		char mn[32], av[32], mx[32], sd[32];

		if (kind == 0) {
			fmt_us(mn, sizeof(mn), &r[2]);
			fmt_us(av, sizeof(av), &r[3]);
			fmt_us(mx, sizeof(mx), &r[4]);
			fmt_us(sd, sizeof(sd), &r[5]);
		} else {
			snprintf(mn, sizeof(mn), "%lld", (long long)num(&r[2]));
			snprintf(av, sizeof(av), "%0.03f", num(&r[3]));
			snprintf(mx, sizeof(mx), "%lld", (long long)num(&r[4]));
			if (r[5].cls == LAT_CLS_UNKNOWN) {
				snprintf(sd, sizeof(sd), "?");
			} else {
				snprintf(sd, sizeof(sd), "%0.03f", num(&r[5]));
			}
		}
		fprintf(out, "%-25s %-25s  %12s  %12s  %12s  %12s\n", r[0].s, r[1].s, mn, av, mx,
			sd);
	}
}

/* termgraph.FreqGraph: "%7.3f" lower bound, a 72-column bar, the count. */
static void print_freq(const struct lat_table *t, const char *unit, FILE *out)
{
	uint64_t maxv = 0;
	int maxlen = 0;

	if (!t->nrows) {
		return;
	}
	for (size_t i = 0; i < t->nrows; i++) {
		uint64_t v = (uint64_t)lat_table_cell(t, i, 2)->i;
		char tmp[32];
		int len = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

		maxv = v > maxv ? v : maxv;
		maxlen = len > maxlen ? len : maxlen;
	}
	fprintf(out, "%s - %s (%s)\n", t->cls->title, t->subtitle ? t->subtitle : "", unit);
	for (int i = 0; i < 80; i++) {
		fputc('#', out);
	}
	fputc('\n', out);
	for (size_t i = 0; i < t->nrows; i++) {
		const struct lat_cell *r = lat_table_cell(t, i, 0);
		uint64_t v = (uint64_t)r[2].i;
		int width = maxv ? (int)(72 * (double)v / (double)maxv) : 0;

		fprintf(out, "%7.3f ", num(&r[0]) / 1000);
		for (int k = 0; k < width; k++) {
			fputs("\u2588", out);
		}
		fprintf(out, "%*s %*" PRIu64 "\n", 72 - width, "", maxlen, v);
	}
	fprintf(out, "\n");
}

/* _print_aggregated_log */
static void print_agg_log(const struct lat_table *t, const struct lat_text_opts *o, FILE *out)
{
	fprintf(out, "\n%s\n%s\n", t->cls->title, t->subtitle ? t->subtitle : "");
	fprintf(out, "%-35s Parent %-32s | %-35s | %-25s Durations (us) %-22s |\n", "", "", "", "",
		"");
	fprintf(out, "%-20s %-19s %18s %-15s %-24s %12s | %10s %12s %12s %13s %12s | %12s\n",
		"Begin", "End", "Duration (us)", "Name", "| Child name", "Count", "Min", "Avg",
		"Max", "Stdev", "Runtime", "Parent captures");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct lat_cell *r = lat_table_cell(t, i, 0);
		char b[48], e[48], pd[32], child[300], cnt[24], mn[32], av[32], mx[32], sd[32],
		    rt[32];

		fmt_ts(b, sizeof(b), r[1].i, o);
		fmt_ts(e, sizeof(e), r[2].i, o);
		snprintf(pd, sizeof(pd), "%0.03f", (double)(r[2].i - r[1].i) / 1000);
		snprintf(child, sizeof(child), "| %s", r[3].s);
		snprintf(cnt, sizeof(cnt), "%" PRId64, r[4].i);
		fmt_us(mn, sizeof(mn), &r[5]);
		fmt_us(av, sizeof(av), &r[6]);
		fmt_us(mx, sizeof(mx), &r[7]);
		fmt_us(sd, sizeof(sd), &r[8]);
		fmt_us(rt, sizeof(rt), &r[9]);
		fprintf(out,
			"[%-18s, %-18s] %18s %-15s %-24s %12s | %10s %12s %12s %12s %13s | %12s\n",
			b, e, pd, r[0].s, child, cnt, mn, av, mx, sd, rt, r[10].s);
	}
}

/* The first table of `res` with this role, of this group (-1: of all periods). */
static const struct lat_table *find_table(const struct lat_result *res, int role, int32_t group)
{
	for (size_t i = 0; i < res->ntables; i++) {
		const struct lat_table *t = &res->tables[i];

		if (t->role == role && t->group == group) {
			return t;
		}
	}
	return NULL;
}

/* The six per-parent tables of one source (group, or -1), in the peer's text order. */
static void print_pp_set(const struct lat_result *res, int32_t group, FILE *out)
{
	static const struct {
		int role;
		int kind; /* print_per_parent()'s: 0 duration, 1 count, 2 ratio */
	} order[6] = {
	    {LAT_PERIODS_PARENT_DURATION, 0},     {LAT_PERIODS_PARENT_RATIO, 2},
	    {LAT_PERIODS_PARENT_COUNT, 1},        {LAT_PERIODS_PARENT_DURATION_GLOBAL, 0},
	    {LAT_PERIODS_PARENT_RATIO_GLOBAL, 2}, {LAT_PERIODS_PARENT_COUNT_GLOBAL, 1},
	};

	for (int i = 0; i < 6; i++) {
		const struct lat_table *t = find_table(res, order[i].role, group);

		if (t) {
			print_per_parent(t, order[i].kind, out);
		}
	}
}

/* The distributions of one source (group, or -1): per period, then per parent. */
static void print_freq_set(const struct lat_result *res, int32_t group, FILE *out)
{
	static const struct {
		int role;
		const char *unit;
	} order[] = {
	    {LAT_PERIODS_FREQ_PERIOD, "us"},
	    {LAT_PERIODS_FREQ_DURATION, "us"},
	    {LAT_PERIODS_FREQ_RATIO, "%"},
	    {LAT_PERIODS_FREQ_COUNT, "instances"},
	    {LAT_PERIODS_FREQ_DURATION_GLOBAL, "us"},
	    {LAT_PERIODS_FREQ_RATIO_GLOBAL, "%"},
	    {LAT_PERIODS_FREQ_COUNT_GLOBAL, "instances"},
	};

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		for (size_t i = 0; i < res->ntables; i++) {
			const struct lat_table *t = &res->tables[i];

			if (t->role == order[k].role && t->group == group) {
				print_freq(t, order[k].unit, out);
			}
		}
	}
}

void lat_periods_print_text(const struct lat_periods_result *res, const struct lat_text_opts *opts,
			    FILE *out)
{
	const struct lat_table *log = find_table(&res->tables, LAT_PERIODS_LOG, -1);
	const struct lat_table *top = find_table(&res->tables, LAT_PERIODS_TOP, -1);
	const struct lat_table *stats = find_table(&res->tables, LAT_PERIODS_STATS, -1);

	lat_text_print_timerange(out, res->first_ts, res->last_ts, opts->gmt);
	if (res->stats && stats) {
		print_stats(res, stats, out);
		print_pp_set(&res->tables, -1, out);
		for (uint32_t i = 0; i < res->ngroups; i++) {
			const struct lat_table *group_stats =
			    find_table(&res->text, LAT_PERIODS_STATS, (int32_t)i);

			fprintf(out, "\n\n### Group: %s ###\n", res->groups[i]);
			if (group_stats) {
				print_stats(res, group_stats, out);
			}
			print_pp_set(&res->tables, (int32_t)i, out);
		}
	}
	if (res->freq) {
		print_freq_set(&res->tables, -1, out);
		for (uint32_t i = 0; i < res->ngroups; i++) {
			fprintf(out, "\n\n### Group: %s ###\n", res->groups[i]);
			print_freq_set(&res->tables, (int32_t)i, out);
		}
	}
	if (log) {
		print_events(res, log, opts, out);
	}
	if (top) {
		print_events(res, top, opts, out);
	}
	for (size_t i = 0; i < res->text.ntables; i++) {
		if (res->text.tables[i].role == LAT_PERIODS_AGGREGATED_LOG) {
			print_agg_log(&res->text.tables[i], opts, out);
		}
	}
}

void lat_periods_print_record(const struct lat_period_record *r, const char *path,
			      const struct lat_text_opts *opts, FILE *out)
{
	char b[48], e[48];
	struct lat_sbuf bc = {0}, ec = {0};

	fmt_ts(b, sizeof(b), r->begin_ts, opts);
	fmt_ts(e, sizeof(e), r->end_ts, opts);
	lat_py_dict(&bc, r->begin_caps, r->nbegin_caps);
	lat_py_dict(&ec, r->end_caps, r->nend_caps);
	fprintf(out, "[%s, %s] %15.3f %-24s %s %s\n", b, e,
		(double)(r->end_ts - r->begin_ts) / 1000, path, bc.s ? bc.s : "{}",
		ec.s ? ec.s : "{}");
	free(bc.s);
	free(ec.s);
}
