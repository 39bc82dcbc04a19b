/* periods_tables.c: the period views' tables: their classes (LAMI metadata), the log, the top,
 * the per-period statistics and the aggregated log; lat_periods_results() in the peer's order. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/periods_internal.h"
#include "outputs/pyrepr.h"

/* --- statistics ------------------------------------------------------------------------------ */

/* statistics.stdev() of integers: exact variance, one rounding (as syscallstats does). */
double lat_periods_stdev_int(const int64_t *v, size_t n)
{
	__int128 sum = 0, sq = 0, num, den;
	__float128 var, x;

	if (n < 2) {
		return NAN;
	}
	for (size_t i = 0; i < n; i++) {
		sum += v[i];
		sq += (__int128)v[i] * v[i];
	}
	num = (__int128)n * sq - sum * sum;
	den = (__int128)n * (__int128)(n - 1);
	if (num <= 0) {
		return 0;
	}
	var = (__float128)num / (__float128)den;
	x = (__float128)__builtin_sqrt((double)var);
	for (int i = 0; i < 3; i++) {
		x = (x + var / x) / 2;
	}
	return (double)x;
}

/* statistics.stdev() of floats, two-pass in quad precision. */
double lat_periods_stdev_float(const double *v, size_t n)
{
	__float128 mean = 0, ss = 0, var, x;

	if (n < 2) {
		return NAN;
	}
	for (size_t i = 0; i < n; i++) {
		mean += v[i];
	}
	mean /= n;
	for (size_t i = 0; i < n; i++) {
		__float128 d = v[i] - mean;

		ss += d * d;
	}
	var = ss / (n - 1);
	if (var <= 0) {
		return 0;
	}
	x = (__float128)__builtin_sqrt((double)var);
	for (int i = 0; i < 3; i++) {
		x = (x + var / x) / 2;
	}
	return (double)x;
}

/* --- table classes --------------------------------------------------------------------------- */

static const struct lat_column_class log_columns[] = {
    {"begin_ts", "Period begin timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"end_ts", "Period end timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"duration", "Period duration", LAT_CLS_DURATION, NULL},
    {"name", "Period name", LAT_CLS_STRING, NULL},
    {"begin_captures", "Begin captures", LAT_CLS_STRING, NULL},
    {"end_captures", "End captures", LAT_CLS_STRING, NULL},
};
static const struct lat_column_class stats_columns[] = {
    {"name", "Period name", LAT_CLS_STRING, NULL},
    {"count", "Period count", LAT_CLS_NUMBER, "occurences"},
    {"min_duration", "Minimum duration", LAT_CLS_DURATION, NULL},
    {"avg_duration", "Average duration", LAT_CLS_DURATION, NULL},
    {"max_duration", "Maximum duration", LAT_CLS_DURATION, NULL},
    {"stdev_duration", "Period duration standard deviation", LAT_CLS_DURATION, NULL},
    {"runtime", "Total runtime", LAT_CLS_DURATION, NULL},
};
static const struct lat_column_class freq_duration_columns[] = {
    {"lower", "Duration (lower bound)", LAT_CLS_DURATION, NULL},
    {"upper", "Duration (upper bound)", LAT_CLS_DURATION, NULL},
    {"count", "Period duration", LAT_CLS_NUMBER, "us"},
};
static const struct lat_column_class freq_count_columns[] = {
    {"lower", "Count (lower bound)", LAT_CLS_NUMBER, NULL},
    {"upper", "Count (upper bound)", LAT_CLS_NUMBER, NULL},
    {"count", "Period count", LAT_CLS_NUMBER, "count"},
};
static const struct lat_column_class freq_ratio_columns[] = {
    {"lower", "Ratio (lower bound)", LAT_CLS_NUMBER, NULL},
    {"upper", "Ratio (upper bound)", LAT_CLS_NUMBER, NULL},
    {"count", "Period usage ratio", LAT_CLS_NUMBER, "%"},
};
static const struct lat_column_class hier_columns[] = {
    {"parent_begin_ts", "Parent begin timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"parent_end_ts", "Parent end timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"parent_name", "Parent period name", LAT_CLS_STRING, NULL},
    {"child_begin_ts", "Child begin timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"child_end_ts", "Child end timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"child_name", "Child period name", LAT_CLS_STRING, NULL},
    {"child_duration", "Child period duration", LAT_CLS_DURATION, NULL},
    {"parent_duration", "Parent period duration", LAT_CLS_DURATION, NULL},
    {"captures", "Captures", LAT_CLS_STRING, NULL},
};
static const struct lat_column_class agg_stats_columns[] = {
    {"parent_name", "Parent period name", LAT_CLS_STRING, NULL},
    {"parent_begin_ts", "Parent begin timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"parent_end_ts", "Parent end timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"child_name", "Child period name", LAT_CLS_STRING, NULL},
    {"count", "Period count", LAT_CLS_NUMBER, "occurences"},
    {"min_duration", "Minimum duration", LAT_CLS_DURATION, NULL},
    {"avg_duration", "Average duration", LAT_CLS_DURATION, NULL},
    {"max_duration", "Maximum duration", LAT_CLS_DURATION, NULL},
    {"stdev_duration", "Period duration standard deviation", LAT_CLS_DURATION, NULL},
    {"runtime", "Total runtime", LAT_CLS_DURATION, NULL},
    {"parent_captures", "Parent captures", LAT_CLS_STRING, NULL},
};
static const struct lat_column_class pp_stats_columns[] = {
    {"name", "Period name", LAT_CLS_STRING, NULL},
    {"parent", "Parent", LAT_CLS_STRING, NULL},
    {"min_duration", "Minimum duration", LAT_CLS_DURATION, NULL},
    {"avg_duration", "Average duration", LAT_CLS_DURATION, NULL},
    {"max_duration", "Maximum duration", LAT_CLS_DURATION, NULL},
    {"stdev_duration", "Period duration standard deviation", LAT_CLS_DURATION, NULL},
};
static const struct lat_column_class pp_count_columns[] = {
    {"name", "Period name", LAT_CLS_STRING, NULL},
    {"parent", "Parent", LAT_CLS_STRING, NULL},
    {"min", "Minimum", LAT_CLS_NUMBER, "occurences"},
    {"avg", "Average", LAT_CLS_NUMBER, "occurences"},
    {"max", "Maximum", LAT_CLS_NUMBER, "occurences"},
    {"stdev", "Standard deviation", LAT_CLS_DURATION, NULL},
};

#define CLASS(name, title, cols)                                  \
	{                                                         \
		name, title, cols, sizeof(cols) / sizeof(cols[0]) \
	}
static const struct lat_table_class log_class = CLASS("log", "Period log", log_columns);
static const struct lat_table_class top_class = CLASS("top", "Period top", log_columns);
const struct lat_table_class lat_periods_stats_class =
    CLASS("per_period_stats", "Period statistics", stats_columns);
const struct lat_table_class lat_periods_freq_duration_class =
    CLASS("freq_duration", "Period duration frequency distribution", freq_duration_columns);
const struct lat_table_class lat_periods_freq_count_class =
    CLASS("freq_count", "Period count frequency distribution", freq_count_columns);
const struct lat_table_class lat_periods_freq_ratio_class =
    CLASS("freq_ratio", "Period usage ratio frequency distribution", freq_ratio_columns);
static const struct lat_table_class hier_log_class =
    CLASS("aggregated_log", "Hierarchical period log", hier_columns);
static const struct lat_table_class agg_top_class =
    CLASS("aggregated_top", "Aggregated period top", hier_columns);
static const struct lat_table_class agg_stats_class =
    CLASS("aggregated_stats", "Aggregated log", agg_stats_columns);
const struct lat_table_class lat_periods_pp_stats_class =
    CLASS("per_parent_stats", "Per-parent period duration statistics", pp_stats_columns);
const struct lat_table_class lat_periods_pp_count_class =
    CLASS("per_parent_count", "Per-parent period count statistics", pp_count_columns);
const struct lat_table_class lat_periods_pp_pc_class =
    CLASS("per_parent_percentage", "Per-parent duration ratio", pp_count_columns);

static const struct lat_table_class *const classes[] = {
    &log_class,
    &top_class,
    &lat_periods_stats_class,
    &lat_periods_pp_stats_class,
    &lat_periods_pp_count_class,
    &lat_periods_pp_pc_class,
    &lat_periods_freq_duration_class,
    &lat_periods_freq_count_class,
    &lat_periods_freq_ratio_class,
    &hier_log_class,
    &agg_top_class,
    &agg_stats_class,
};
static const char *const tags[] = {"period", "stats", "freq", "top", "log", NULL};

const struct lat_lami_meta lat_periods_lami_meta = {
    "Periods analysis",
    "Periods frequency distribution, statistics, top, and log",
    tags,
    classes,
    sizeof(classes) / sizeof(classes[0]),
};

/* --- the views' tables ----------------------------------------------------------------------- */

static int add_record_row(struct lat_periods *p, struct lat_result *res, struct lat_table *t,
			  const struct lat_period_record *r, bool full_path)
{
	struct lat_cell *c = lat_table_add_row(t);
	struct lat_sbuf b = {0}, e = {0};

	if (!c) {
		return -ENOMEM;
	}
	lat_py_dict(&b, r->begin_caps, r->nbegin_caps);
	lat_py_dict(&e, r->end_caps, r->nend_caps);
	if (b.oom || e.oom) {
		free(b.s);
		free(e.s);
		return -ENOMEM;
	}
	c[0] = lat_cell_int(LAT_CLS_TIMESTAMP, r->begin_ts);
	c[1] = lat_cell_int(LAT_CLS_TIMESTAMP, r->end_ts);
	c[2] = lat_cell_int(LAT_CLS_DURATION, rec_duration(r));
	c[3] = lat_cell_str(LAT_CLS_STRING,
			    full_path ? p->defs[r->def].path : lat_periods_def_name(p, r->def));
	c[4] = lat_cell_str(LAT_CLS_STRING, lat_result_strdup(res, b.s));
	c[5] = lat_cell_str(LAT_CLS_STRING, lat_result_strdup(res, e.s));
	free(b.s);
	free(e.s);
	return lat_table_set_row_ref(t, r - p->records); /* the text finds the captures back */
}

static int add_hierarchy(struct lat_periods *p, struct lat_result *res, struct lat_table *t,
			 uint32_t rec)
{
	const struct lat_period_record *r = &p->records[rec];
	int ret = add_record_row(p, res, t, r, true);

	for (uint32_t i = 0; !ret && i < r->nchildren; i++) {
		if (duration_ok(p, rec_duration(&p->records[r->children[i]]))) {
			ret = add_hierarchy(p, res, t, r->children[i]);
		}
	}
	return ret;
}

static int log_table(struct lat_periods *p, struct lat_result *res)
{
	struct lat_table *t = lat_result_add_table(res, &log_class, p->first_ts, p->last_ts, NULL);

	if (!t) {
		return -ENOMEM;
	}
	t->role = LAT_PERIODS_LOG;
	for (uint32_t i = 0; i < p->nrecords; i++) {
		const struct lat_period_record *r = &p->records[i];
		int ret;

		if (!r->completed || !duration_ok(p, rec_duration(r))) {
			continue;
		}
		if (p->opts.order_hierarchy) {
			if (r->parent >= 0) {
				continue;
			}
			ret = add_hierarchy(p, res, t, i);
		} else {
			ret = add_record_row(p, res, t, r, true);
		}
		if (ret) {
			return ret;
		}
	}
	return 0;
}

static int cmp_duration_desc(const void *a, const void *b, void *user)
{
	const struct lat_periods *p = user;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int64_t dx = rec_duration(&p->records[x]), dy = rec_duration(&p->records[y]);

	if (dx != dy) {
		return dx > dy ? -1 : 1;
	}
	return x < y ? -1 : x > y; /* stable: Python's sorted() */
}

static int top_table(struct lat_periods *p, struct lat_result *res)
{
	struct lat_table *t = lat_result_add_table(res, &top_class, p->first_ts, p->last_ts, NULL);
	uint32_t *order, n = 0;
	long count = 0;
	int ret = 0;

	if (!t) {
		return -ENOMEM;
	}
	t->role = LAT_PERIODS_TOP;
	order = malloc((p->nrecords ? p->nrecords : 1) * sizeof(*order));
	if (!order) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < p->nrecords; i++) {
		if (p->records[i].completed) {
			order[n++] = i;
		}
	}
	qsort_r(order, n, sizeof(*order), cmp_duration_desc, p);
	for (uint32_t i = 0; i < n && !ret; i++) {
		const struct lat_period_record *r = &p->records[order[i]];

		if (!duration_ok(p, rec_duration(r)) ||
		    !sel_ok(p, lat_periods_def_name(p, r->def))) {
			continue;
		}
		ret = add_record_row(p, res, t, r, false);
		if (++count == p->opts.limit) {
			break;
		}
	}
	free(order);
	return ret;
}

int lat_periods_cmp_def_name(const void *a, const void *b, void *user)
{
	const struct lat_periods *p = user;

	return strcmp(lat_periods_def_name(p, *(const uint32_t *)a),
		      lat_periods_def_name(p, *(const uint32_t *)b));
}

/* The definitions in the peer's stats order: a root, then its children sorted by name. */
static void tree_order(const struct lat_periods *p, uint32_t def, uint32_t *out, size_t *n)
{
	const struct pdef *d = &p->defs[def];
	uint32_t kids[LAT_PERIODS_MAX_ARGS];

	out[(*n)++] = def;
	for (size_t i = 0; i < d->nchildren; i++) {
		kids[i] = (uint32_t)d->children[i];
	}
	qsort_r(kids, d->nchildren, sizeof(kids[0]), lat_periods_cmp_def_name, (void *)p);
	for (size_t i = 0; i < d->nchildren; i++) {
		tree_order(p, kids[i], out, n);
	}
}

static int stats_table(struct lat_periods *p, struct lat_result *res)
{
	struct lat_table *t =
	    lat_result_add_table(res, &lat_periods_stats_class, p->first_ts, p->last_ts, NULL);
	uint32_t order[LAT_PERIODS_MAX_ARGS];
	size_t n = 0;

	if (!t) {
		return -ENOMEM;
	}
	t->role = LAT_PERIODS_STATS;
	for (size_t i = 0; i < p->nroots; i++) {
		tree_order(p, (uint32_t)p->roots[i], order, &n);
	}
	for (size_t k = 0; k < n; k++) {
		const struct pdef *d = &p->defs[order[k]];
		int64_t *vals, min = 0, max = 0, total = 0;
		size_t count = 0;
		struct lat_cell *c;
		double sd;

		if (!d->ndurations || !sel_ok(p, lat_periods_def_name(p, order[k]))) {
			continue;
		}
		vals = malloc(d->ndurations * sizeof(*vals));
		if (!vals) {
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < d->ndurations; i++) {
			int64_t v = d->durations[i];

			if (!duration_ok(p, v)) {
				continue;
			}
			if (!count || v < min) {
				min = v;
			}
			if (!count || v > max) {
				max = v;
			}
			total += v;
			vals[count++] = v;
		}
		if (!count) {
			free(vals);
			continue;
		}
		sd = lat_periods_stdev_int(vals, count);
		free(vals);
		c = lat_table_add_row(t);
		if (!c) {
			return -ENOMEM;
		}
		c[0] = lat_cell_str(LAT_CLS_STRING, d->path);
		c[1] = lat_cell_int(LAT_CLS_NUMBER, (int64_t)count);
		c[2] = lat_cell_int(LAT_CLS_DURATION, min);
		c[3] = lat_cell_float(LAT_CLS_DURATION, (double)total / (double)count);
		c[4] = lat_cell_int(LAT_CLS_DURATION, max);
		c[5] = isnan(sd) ? lat_cell_unknown() : lat_cell_float(LAT_CLS_DURATION, sd);
		c[6] = lat_cell_int(LAT_CLS_DURATION, total);
	}
	return 0;
}

/*
 * The aggregated log of `periodlog --select ... --aggregate-by P` (_get_aggregated_log_table,
 * text only: the peer's LAMI leaves it out): for each instance of P, each selected descendant
 * period's count and durations.
 */
static bool sel_listed(const struct lat_periods *p, const char *name)
{
	if (!p->nsel) {
		return true;
	}
	for (uint32_t i = 0; i < p->nsel; i++) {
		if (strcmp(p->sel[i], name) == 0) {
			return true;
		}
	}
	return false;
}

/* _find_aggregated_subperiods: the selected descendants (below the first level: unfiltered) */
static int agg_collect(const struct lat_periods *p, uint32_t rec, uint32_t **items, uint32_t *n,
		       uint32_t *cap)
{
	const struct lat_period_record *r = &p->records[rec];

	if (sel_listed(p, lat_periods_def_name(p, r->def))) {
		if (lat_periods_grow((void **)items, cap, *n + 1, sizeof(**items))) {
			return -ENOMEM;
		}
		(*items)[(*n)++] = rec;
	}
	for (uint32_t i = 0; i < r->nchildren; i++) {
		if (agg_collect(p, r->children[i], items, n, cap)) {
			return -ENOMEM;
		}
	}
	return 0;
}

static int agg_log_table(struct lat_periods *p, struct lat_result *text)
{
	char sub[1024];
	size_t used = 0;
	struct lat_table *t;
	uint32_t *items = NULL, cap = 0;
	int ret = 0;

	used += (size_t)snprintf(sub, sizeof(sub), "Aggregation of (");
	for (uint32_t i = 0; i < p->nsel && used < sizeof(sub); i++) {
		used += (size_t)snprintf(sub + used, sizeof(sub) - used, "%s%s", i ? ", " : "",
					 p->sel[i]);
	}
	if (used < sizeof(sub)) {
		snprintf(sub + used, sizeof(sub) - used, ") by %s", p->agg_by ? p->agg_by : "None");
	}
	t = lat_result_add_table(text, &agg_stats_class, p->first_ts, p->last_ts, sub);
	if (!t) {
		return -ENOMEM;
	}
	t->role = LAT_PERIODS_AGGREGATED_LOG;
	for (uint32_t i = 0; i < p->nrecords && !ret && p->agg_by; i++) {
		const struct lat_period_record *r = &p->records[i];
		uint32_t n = 0, *names = NULL, nnames = 0;
		struct lat_sbuf caps = {0};

		if (!r->completed || !duration_ok(p, rec_duration(r)) ||
		    strcmp(lat_periods_def_name(p, r->def), p->agg_by) != 0) {
			continue;
		}
		for (uint32_t c = 0; c < r->nchildren && !ret; c++) {
			if (duration_ok(p, rec_duration(&p->records[r->children[c]]))) {
				ret = agg_collect(p, r->children[c], &items, &n, &cap);
			}
		}
		/* full_captures(): begin then end captures, "P.c = v, ..." or None */
		for (int side = 0; side < 2; side++) {
			uint32_t nc = side ? r->nend_caps : r->nbegin_caps;
			const struct lat_period_capture_value *cv =
			    side ? r->end_caps : r->begin_caps;

			for (uint32_t c = 0; c < nc; c++) {
				if (caps.len) {
					lat_sbuf_puts(&caps, ", ");
				}
				lat_sbuf_puts(&caps, lat_periods_def_name(p, r->def));
				lat_sbuf_putc(&caps, '.');
				lat_sbuf_puts(&caps, cv[c].name);
				lat_sbuf_puts(&caps, " = ");
				lat_py_value(&caps, &cv[c].v, false);
			}
		}
		names = calloc(n + 1, sizeof(*names));
		if (!names) {
			free(caps.s);
			ret = -ENOMEM;
			break;
		}
		for (uint32_t k = 0; k < n; k++) { /* child names in the order met */
			uint32_t def = p->records[items[k]].def, m = 0;

			while (m < nnames && names[m] != def) {
				m++;
			}
			if (m == nnames) {
				names[nnames++] = def;
			}
		}
		for (uint32_t m = 0; m < nnames && !ret; m++) {
			int64_t *vals = calloc(n + 1, sizeof(*vals)), min = 0, max = 0, total = 0;
			uint32_t cnt = 0;
			struct lat_cell *c;
			double sd;

			if (!vals) {
				ret = -ENOMEM;
				break;
			}
			for (uint32_t k = 0; k < n; k++) {
				int64_t d = rec_duration(&p->records[items[k]]);

				if (p->records[items[k]].def != names[m] || !duration_ok(p, d)) {
					continue;
				}
				min = !cnt || d < min ? d : min;
				max = !cnt || d > max ? d : max;
				total += d;
				vals[cnt++] = d;
			}
			sd = lat_periods_stdev_int(vals, cnt);
			free(vals);
			if (!cnt) {
				continue;
			}
			c = lat_table_add_row(t);
			if (!c) {
				ret = -ENOMEM;
				break;
			}
			c[0] = lat_cell_str(LAT_CLS_STRING, lat_periods_def_name(p, r->def));
			c[1] = lat_cell_int(LAT_CLS_TIMESTAMP, r->begin_ts);
			c[2] = lat_cell_int(LAT_CLS_TIMESTAMP, r->end_ts);
			c[3] = lat_cell_str(LAT_CLS_STRING, p->defs[names[m]].path);
			c[4] = lat_cell_int(LAT_CLS_NUMBER, cnt);
			c[5] = lat_cell_int(LAT_CLS_DURATION, min);
			c[6] = lat_cell_float(LAT_CLS_DURATION, (double)total / cnt);
			c[7] = lat_cell_int(LAT_CLS_DURATION, max);
			c[8] =
			    isnan(sd) ? lat_cell_unknown() : lat_cell_float(LAT_CLS_DURATION, sd);
			c[9] = lat_cell_int(LAT_CLS_DURATION, total);
			c[10] = lat_cell_str(LAT_CLS_STRING,
					     lat_result_strdup(text, caps.s ? caps.s : "None"));
		}
		free(names);
		free(caps.s);
		n = 0;
	}
	free(items);
	return ret;
}

/*
 * The peer's LAMI lists tables grouped by class, classes in the order their first non-empty
 * table was added (empty tables are left out): a stable reordering of the tables.
 */
static void group_by_class(struct lat_result *res)
{
	const struct lat_table_class *seen[32];
	size_t nseen = 0, n = res->ntables;
	struct lat_table *sorted;
	size_t *rank, k = 0;

	if (n < 2) {
		return;
	}
	sorted = malloc(n * sizeof(*sorted));
	rank = malloc(n * sizeof(*rank));
	if (!sorted || !rank) {
		free(sorted);
		free(rank);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct lat_table *t = &res->tables[i];
		size_t r = 0;

		while (r < nseen && seen[r] != t->cls) {
			r++;
		}
		if (r == nseen && t->nrows && nseen < 32) {
			seen[nseen++] = t->cls;
		}
		rank[i] = r < nseen ? r : 32; /* empty tables of an unseen class: last */
	}
	for (size_t i = 0; i < n; i++) { /* classes seen later get their rank now */
		if (rank[i] == 32) {
			for (size_t r = 0; r < nseen; r++) {
				rank[i] = seen[r] == res->tables[i].cls ? r : rank[i];
			}
		}
	}
	for (size_t r = 0; r <= 32; r++) {
		for (size_t i = 0; i < n; i++) {
			if (rank[i] == r) {
				sorted[k++] = res->tables[i];
			}
		}
	}
	memcpy(res->tables, sorted, n * sizeof(*sorted));
	free(sorted);
	free(rank);
}

/* The period tree, depth first (children in definition order), for the text's "Period tree". */
static void add_tree(const struct lat_periods *p, struct lat_periods_result *out, uint32_t def,
		     uint32_t depth)
{
	const struct pdef *d = &p->defs[def];

	out->tree[out->ntree++] =
	    (struct lat_periods_tree_line){lat_periods_def_name(p, def), depth};
	for (size_t i = 0; i < d->nchildren; i++) {
		add_tree(p, out, (uint32_t)d->children[i], depth + 1);
	}
}

int lat_periods_results(struct lat_periods *p, struct lat_periods_result *out)
{
	int ret = 0;

	memset(out, 0, sizeof(*out));
	lat_result_init(&out->tables);
	lat_result_init(&out->text);
	out->first_ts = p->first_ts;
	out->last_ts = p->last_ts;
	out->stats = p->opts.stats;
	out->freq = p->opts.freq;
	out->records = p->records;
	out->nrecords = p->nrecords;
	out->tree = calloc(p->ndefs ? p->ndefs : 1, sizeof(*out->tree));
	if (!out->tree) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->nroots; i++) {
		add_tree(p, out, (uint32_t)p->roots[i], 0);
	}
	if (!p->have_first) {
		return 0;
	}
	if (!ret && p->opts.log) {
		if (p->opts.select && !p->opts.order_hierarchy) {
			ret = agg_log_table(p, &out->text); /* instead of the log, as the peer */
		} else {
			ret = log_table(p, &out->tables);
		}
	}
	if (!ret && p->opts.top) {
		ret = top_table(p, &out->tables);
	}
	if (!ret && p->opts.stats) {
		ret = stats_table(p, &out->tables);
	}
	if (!ret && (p->opts.stats || p->opts.freq)) {
		ret = lat_periods_parent_tables(p, out, p->opts.stats, p->opts.freq);
	}
	if (!ret) {
		group_by_class(&out->tables);
	}
	return ret;
}

void lat_periods_result_fini(struct lat_periods_result *res)
{
	lat_result_fini(&res->tables);
	lat_result_fini(&res->text);
	free(res->groups);
	free(res->tree);
	memset(res, 0, sizeof(*res));
}
