/* periods_freq.c: the frequency distributions of periodfreq: each period's durations, the
 * per-parent durations, counts and ratios (of all periods, then of each group), the uniform
 * bounds of --freq-uniform and the per-group series of --freq-series. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/periods_internal.h"

/* What a distribution is (struct lat_table's role, group, parent and subject). */
struct tag {
	int role;
	int32_t group, parent, subject;
};

/* The distribution tables (freq_values_table() and freq_tables() below). */
static int freq_values_table(struct lat_periods *p, struct lat_result *res,
			     const struct lat_table_class *cls, const struct tag *tag,
			     const char *subtitle, const double *vals, uint32_t n, double ratio,
			     const struct urange *u);
static void bucket_values(const struct lat_periods *p, const double *vals, uint32_t n, double ratio,
			  const struct urange *r, uint64_t *counts);
static int freq_tables(struct lat_periods *p, struct lat_result *res);

/* --- --freq-uniform -------------------------------------------------------------------------- */

static void uni_update(struct lat_periods *p, int cat, const double *v, size_t n, double ratio)
{
	struct uni_cat *u = &p->uni[cat];
	double mn, mx;

	if (n == 0) {
		u->min = u->max = 0;
		u->has_min = u->has_max = true;
		return;
	}
	mn = mx = v[0];
	for (size_t i = 1; i < n; i++) {
		mn = v[i] < mn ? v[i] : mn;
		mx = v[i] > mx ? v[i] : mx;
	}
	if (!u->has_min || mn / ratio < u->min) {
		u->min = mn / ratio;
		u->has_min = true;
	}
	if (!u->has_max || mx / ratio > u->max) {
		u->max = mx / ratio;
		u->has_max = true;
	}
}

static struct urange uni_range(const struct lat_periods *p, int cat)
{
	const struct uni_cat *u = &p->uni[cat];

	return (struct urange){u->min, u->max, (u->max - u->min) / p->opts.freq_resolution};
}

/* --- per-parent and per-group distributions -------------------------------------------------- */

/* The per-parent distributions of one source and one kind (see lat_periods_freq_all). */
static int pp_freq_kind(struct lat_periods *p, struct lat_result *res, int k, const struct agg *a,
			const struct parent_stats *global_by_def, const struct pgroup *group,
			const struct urange *uni, bool *scanned)
{
	static const struct {
		const char *text;
		int kind; /* 0 duration, 1 count, 2 ratio */
		bool global;
	} kinds[6] = {
	    {"Duration of ", 0, false},    {"Global duration of ", 0, true},
	    {"Number of ", 1, false},      {"Global number of ", 1, true},
	    {"Usage ratio of ", 2, false}, {"Global usage ratio of ", 2, true},
	};
	const struct lat_table_class *cls = kinds[k].kind == 0   ? &lat_periods_freq_duration_class
					    : kinds[k].kind == 1 ? &lat_periods_freq_count_class
								 : &lat_periods_freq_ratio_class;
	uint32_t parents[LAT_PERIODS_MAX_ARGS];
	size_t np = 0;
	int ret = 0;

	for (uint32_t i = 0; i < a->norder; i++) {
		parents[np++] = a->order[i];
	}
	qsort_r(parents, np, sizeof(parents[0]), lat_periods_cmp_def_name, p);
	for (size_t i = 0; i < np && !ret; i++) {
		const struct parent_stats *ps = &a->by_def[parents[i]];
		uint32_t desc[LAT_PERIODS_MAX_ARGS], nr = global_by_def[parents[i]].nr_periods;
		size_t ndesc = 0;

		if (!aggby_ok(p, lat_periods_def_name(p, parents[i]))) {
			continue;
		}
		lat_periods_descendants(p, parents[i], desc, &ndesc);
		for (size_t j = 0; j < ndesc && !ret; j++) {
			const struct child_stats *cs = &ps->kids[desc[j]];
			uint32_t n = cs->n, total = n;
			struct tag tag = {LAT_PERIODS_FREQ_DURATION + k,
					  group ? (int32_t)group->index : -1, (int32_t)parents[i],
					  (int32_t)desc[j]};
			char subtitle[700];
			double *v;

			if (!n || !sel_ok(p, lat_periods_def_name(p, desc[j]))) {
				continue;
			}
			if (kinds[k].global && nr > n) {
				total = nr;
			}
			v = calloc(total, sizeof(*v));
			if (!v) {
				return -ENOMEM;
			}
			for (uint32_t x = 0; x < n; x++) {
				v[x] = kinds[k].kind == 0   ? (double)cs->durations[x]
				       : kinds[k].kind == 1 ? cs->counts[x]
							    : cs->pcs[x];
			}
			if (scanned) { /* --freq-uniform: the first pass, over the same lists */
				uni_update(p, UNI_DURATION + k, v, total,
					   kinds[k].kind == 0 ? 1000 : 1);
				*scanned = true;
				free(v);
				continue;
			}
			snprintf(subtitle, sizeof(subtitle), "%s%s%s per %s",
				 group ? group->freq_prefix : "", kinds[k].text,
				 p->defs[desc[j]].path, p->defs[parents[i]].path);
			ret = freq_values_table(p, res, cls, &tag, subtitle, v, total,
						kinds[k].kind == 0 ? 1000 : 1, uni);
			free(v);
		}
	}
	return ret;
}

/* The filtered durations of a group's period (own_n + 1 slots); returns how many. */
static uint32_t group_durations(const struct lat_periods *p, const struct pgroup *x, uint32_t def,
				double *v)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < x->own_n[def]; i++) {
		if (duration_ok(p, x->own[def][i])) {
			v[n++] = (double)x->own[def][i];
		}
	}
	return n;
}

/*
 * A group's per-period distributions ("'KEY' - Duration of period: NAME"), in order met; with
 * --freq-uniform, `uni` holds the bounds common to every group's (even an empty list then gets
 * its table of zeros, as in the peer).
 */
static int group_period_freq(struct lat_periods *p, const struct pgroup *x, struct lat_result *res,
			     const struct urange *uni)
{
	int ret = 0;

	for (uint32_t k = 0; k < x->nown_order && !ret; k++) {
		uint32_t def = x->own_order[k], n;
		struct tag tag = {LAT_PERIODS_FREQ_PERIOD, (int32_t)x->index, -1, (int32_t)def};
		double *v;
		char subtitle[700];

		if (!sel_ok(p, lat_periods_def_name(p, def))) {
			continue;
		}
		v = malloc((x->own_n[def] + 1) * sizeof(*v));
		if (!v) {
			return -ENOMEM;
		}
		n = group_durations(p, x, def, v);
		snprintf(subtitle, sizeof(subtitle), "%sDuration of period: %s", x->prefix,
			 lat_periods_def_name(p, def));
		if (n || uni) {
			ret = freq_values_table(p, res, &lat_periods_freq_duration_class, &tag,
						subtitle, v, n, 1000, uni);
		}
		free(v);
	}
	return ret;
}

/*
 * --freq-series (_get_per_group_freq_series_tables, LAMI only as in the peer): for each period
 * of the groups' per-period distributions, one table of the common (uniform) buckets with one
 * count column a group. The peer fails (KeyError, IndexError) when a group lacks the period or
 * the buckets are empty; latscope counts 0 for that group, and makes no series when all are.
 */
static int series_tables(struct lat_periods *p, const struct groups *g, const struct urange *uni,
			 struct lat_periods_result *out)
{
	struct lat_result *res = &out->tables;
	static const struct lat_column_class bounds[2] = {
	    {"duration_lower", "Duration (lower bound)", LAT_CLS_DURATION, NULL},
	    {"duration_upper", "Duration (upper bound)", LAT_CLS_DURATION, NULL},
	};
	uint32_t order[LAT_PERIODS_MAX_ARGS], n = 0;
	int res_n = p->opts.freq_resolution;

	if (!g->n || uni->step == 0) {
		return 0;
	}
	for (uint32_t i = 0; i < g->n; i++) { /* periods in the order the groups meet them */
		for (uint32_t k = 0; k < g->v[i].nown_order; k++) {
			uint32_t def = g->v[i].own_order[k], j = 0;

			while (j < n && order[j] != def) {
				j++;
			}
			if (j == n && sel_ok(p, lat_periods_def_name(p, def))) {
				order[n++] = def;
			}
		}
	}
	p->series_cls = calloc(n ? n : 1, sizeof(*p->series_cls));
	p->series_cols = calloc(n ? n : 1, sizeof(*p->series_cols));
	if (!p->series_cls || !p->series_cols) {
		return -ENOMEM;
	}
	for (uint32_t s = 0; s < n; s++) {
		uint32_t def = order[s];
		struct lat_column_class *cols = calloc(g->n + 2, sizeof(*cols));
		uint64_t *counts = calloc((size_t)res_n * g->n, sizeof(*counts));
		char *title = NULL;
		struct lat_table *t;

		if (!cols || !counts ||
		    asprintf(&title, "Period '%s' duration frequency distribution per group",
			     lat_periods_def_name(p, def)) < 0) {
			free(cols);
			free(counts);
			return -ENOMEM;
		}
		p->series_cols[s] = cols;
		p->series_cls[s] = (struct lat_table_class){NULL, title, cols, g->n + 2};
		p->nseries++;
		cols[0] = bounds[0];
		cols[1] = bounds[1];
		for (uint32_t i = 0; i < g->n; i++) {
			const struct pgroup *x = &g->v[i];
			double *v;

			cols[i + 2] = (struct lat_column_class){NULL, out->groups[i],
								LAT_CLS_NUMBER, "count"};
			if (def >= p->ndefs || !x->own_n[def]) {
				continue;
			}
			v = malloc((x->own_n[def] + 1) * sizeof(*v));
			if (!v) {
				free(counts);
				return -ENOMEM;
			}
			bucket_values(p, v, group_durations(p, x, def, v), 1000, uni,
				      counts + (size_t)i * res_n);
			free(v);
		}
		t = lat_result_add_table(res, &p->series_cls[s], p->first_ts, p->last_ts, NULL);
		if (t) {
			t->role = LAT_PERIODS_FREQ_SERIES;
			t->subject = (int32_t)def;
		}
		for (int r = 0; t && r < res_n; r++) {
			struct lat_cell *c = lat_table_add_row(t);

			if (!c) {
				t = NULL;
				break;
			}
			c[0] = lat_cell_float(LAT_CLS_DURATION, (r * uni->step + uni->min) * 1000);
			c[1] = lat_cell_float(LAT_CLS_DURATION,
					      ((r + 1) * uni->step + uni->min) * 1000);
			for (uint32_t i = 0; i < g->n; i++) {
				c[i + 2] = lat_cell_int(LAT_CLS_NUMBER,
							(int64_t)counts[(size_t)i * res_n + r]);
			}
		}
		free(counts);
		if (!t) {
			return -ENOMEM;
		}
	}
	return 0;
}

/* --freq-uniform: the six per-parent categories' bounds for one source (all periods, a group) */
static void pp_uniform(struct lat_periods *p, const struct agg *a,
		       const struct parent_stats *global_by_def, struct urange ranges[6])
{
	for (int k = 0; k < 6; k++) {
		bool scanned = false;

		pp_freq_kind(p, NULL, k, a, global_by_def, NULL, NULL, &scanned);
		/* _find_table_min_max_step: no list, no step; the maximum starts at 0 */
		ranges[k] = uni_range(p, UNI_DURATION + k);
		if (ranges[k].max < 0) {
			ranges[k].max = 0;
			ranges[k].step = (0 - ranges[k].min) / p->opts.freq_resolution;
		}
		if (!scanned) {
			ranges[k] = (struct urange){0, 0, 0};
		}
	}
}

/*
 * Every distribution of periodfreq, grouped by class as the peer's LAMI: durations (per period,
 * per parent, globally; all periods then each group), counts, ratios; then the --freq-series
 * tables. With --freq-uniform the bounds are computed in the peer's order, since its running
 * bounds carry from one step to the next: the groups' per-period durations, the per-period
 * durations, the per-parent values of all periods, then of each group.
 */
int lat_periods_freq_all(struct lat_periods *p, struct agg *a, struct groups *g,
			 struct lat_periods_result *out)
{
	struct lat_result *res = &out->tables;
	/* the peer's append order; lat_periods_results() then groups the tables by class */
	static const int kinds[6] = {0, 2, 4, 1, 3, 5};
	struct urange group_uni = {0, 0, 0}, pp_uni[6];
	bool uniform = p->opts.freq_uniform;
	int ret = 0;

	if (uniform) {
		/* _find_filtered_uniform_freq_values: every group's periods, the last bounds */
		for (uint32_t i = 0; i < g->n && !ret; i++) {
			const struct pgroup *x = &g->v[i];

			for (uint32_t k = 0; k < x->nown_order; k++) {
				uint32_t def = x->own_order[k];
				double *v = malloc((x->own_n[def] + 1) * sizeof(*v));

				if (!v) {
					return -ENOMEM;
				}
				uni_update(p, UNI_DURATION, v, group_durations(p, x, def, v), 1000);
				free(v);
				group_uni = uni_range(p, UNI_DURATION);
			}
		}
	}
	ret = freq_tables(p, res);
	if (uniform) {
		pp_uniform(p, a, a->by_def, pp_uni);
	}
	for (int k = 0; k < 6 && !ret; k++) {
		ret = pp_freq_kind(p, res, kinds[k], a, a->by_def, NULL,
				   uniform ? &pp_uni[kinds[k]] : NULL, NULL);
	}
	for (uint32_t i = 0; i < g->n && !ret; i++) {
		ret = group_period_freq(p, &g->v[i], res, uniform ? &group_uni : NULL);
		if (uniform) {
			pp_uniform(p, &g->v[i].agg, a->by_def, pp_uni);
		}
		for (int k = 0; k < 6 && !ret; k++) {
			ret = pp_freq_kind(p, res, kinds[k], &g->v[i].agg, a->by_def, &g->v[i],
					   uniform ? &pp_uni[kinds[k]] : NULL, NULL);
		}
	}
	if (!ret && p->opts.freq_series) {
		ret = series_tables(p, g, &group_uni, out);
	}
	return ret;
}

/* --- per-period distributions ---------------------------------------------------------------- */

/*
 * Duration distribution of each period (_get_per_period_freq_result_tables and
 * _fill_freq_result_table): periods by name; `resolution` buckets between the shortest and the
 * longest period (µs); the longest goes in the last bucket.
 */
static int freq_tables(struct lat_periods *p, struct lat_result *res)
{
	uint32_t order[LAT_PERIODS_MAX_ARGS];
	struct urange uni = {0, 0, 0};
	size_t n = 0;

	if (p->opts.freq_uniform) {
		/* _get_per_period_freq_result_tables: the durations of every period in range */
		size_t total = 0, k = 0;
		double *all;

		for (size_t i = 0; i < p->ndefs; i++) {
			total += p->defs[i].ndurations;
		}
		all = malloc((total + 1) * sizeof(*all));
		if (!all) {
			return -ENOMEM;
		}
		for (size_t i = 0; i < p->ndefs; i++) {
			for (uint32_t j = 0; j < p->defs[i].ndurations; j++) {
				if (duration_ok(p, p->defs[i].durations[j])) {
					all[k++] = (double)p->defs[i].durations[j];
				}
			}
		}
		uni_update(p, UNI_DEFAULT, all, k, 1000);
		uni = uni_range(p, UNI_DEFAULT);
		free(all);
	}
	for (size_t i = 0; i < p->ndefs; i++) {
		if (p->defs[i].ndurations && sel_ok(p, lat_periods_def_name(p, (uint32_t)i))) {
			order[n++] = (uint32_t)i;
		}
	}
	qsort_r(order, n, sizeof(order[0]), lat_periods_cmp_def_name, p);
	for (size_t k = 0; k < n; k++) {
		const struct pdef *d = &p->defs[order[k]];
		double min = 0, max = 0, step;
		uint64_t *buckets;
		bool any = false;
		int res_n = p->opts.freq_resolution;
		struct lat_table *t;
		char subtitle[300];

		for (uint32_t i = 0; i < d->ndurations; i++) {
			double v = (double)d->durations[i];

			if (!duration_ok(p, d->durations[i])) {
				continue;
			}
			if (!any || v < min) {
				min = v;
			}
			if (!any || v > max) {
				max = v;
			}
			any = true;
		}
		min /= 1000;
		max /= 1000;
		step = (max - min) / res_n;
		if (p->opts.freq_uniform) {
			min = uni.min, max = uni.max, step = uni.step;
		}
		if (step == 0) {
			continue;
		}
		snprintf(subtitle, sizeof(subtitle), "Duration of period: %s",
			 lat_periods_def_name(p, order[k]));
		t = lat_result_add_table(res, &lat_periods_freq_duration_class, p->first_ts,
					 p->last_ts, subtitle);
		buckets = calloc((size_t)res_n, sizeof(*buckets));
		if (!t || !buckets) {
			free(buckets);
			return -ENOMEM;
		}
		t->role = LAT_PERIODS_FREQ_PERIOD;
		t->subject = (int32_t)order[k];
		for (uint32_t i = 0; i < d->ndurations; i++) {
			double v = (double)d->durations[i] / 1000;
			long b;

			if (!duration_ok(p, d->durations[i])) {
				continue;
			}
			b = (long)((v - min) / step);
			if (b >= res_n) {
				if (v == max) {
					buckets[b - 1 < res_n ? b - 1 : res_n - 1]++;
				}
				continue;
			}
			buckets[b >= 0 ? b : res_n + b]++;
		}
		for (int i = 0; i < res_n; i++) {
			struct lat_cell *c = lat_table_add_row(t);

			if (!c) {
				free(buckets);
				return -ENOMEM;
			}
			c[0] = lat_cell_float(LAT_CLS_DURATION, (i * step + min) * 1000);
			c[1] = lat_cell_float(LAT_CLS_DURATION, ((i + 1) * step + min) * 1000);
			c[2] = lat_cell_int(LAT_CLS_NUMBER, (int64_t)buckets[i]);
		}
		free(buckets);
	}
	return 0;
}

/*
 * One distribution of per-parent values (_fill_freq_result_table_values): between the min and
 * the max of the values (divided by ratio); --min/--max-duration filter the raw values (the
 * peer does so for counts and ratios too). Bounds are durations in every class, as the peer's.
 */
static void bucket_values(const struct lat_periods *p, const double *vals, uint32_t n, double ratio,
			  const struct urange *r, uint64_t *counts)
{
	int res_n = p->opts.freq_resolution;

	for (uint32_t i = 0; i < n; i++) {
		double d = vals[i] / ratio;
		long idx;

		if ((p->opts.has_min && vals[i] < p->opts.min_us * 1000) ||
		    (p->opts.has_max && vals[i] > p->opts.max_us * 1000)) {
			continue;
		}
		idx = (long)((d - r->min) / r->step);
		if (idx >= res_n) {
			if (d == r->max) {
				counts[idx - 1 < res_n ? idx - 1 : res_n - 1]++;
			}
			continue;
		}
		counts[idx >= 0 ? idx : 0]++;
	}
}

static int freq_values_table(struct lat_periods *p, struct lat_result *res,
			     const struct lat_table_class *cls, const struct tag *tag,
			     const char *subtitle, const double *vals, uint32_t n, double ratio,
			     const struct urange *u)
{
	struct urange r = {0, 0, 0};
	int res_n = p->opts.freq_resolution;
	uint64_t *counts;
	struct lat_table *t;

	if (u) { /* --freq-uniform: the bounds common to the category */
		r = *u;
	} else if (n) {
		r.min = r.max = vals[0];
		for (uint32_t i = 0; i < n; i++) {
			r.min = vals[i] < r.min ? vals[i] : r.min;
			r.max = vals[i] > r.max ? vals[i] : r.max;
		}
		r.min /= ratio;
		r.max /= ratio;
		r.step = (r.max - r.min) / res_n;
	}
	if (r.step == 0) {
		return 0; /* an empty table: neither printed nor in LAMI */
	}
	counts = calloc((size_t)res_n, sizeof(*counts));
	t = lat_result_add_table(res, cls, p->first_ts, p->last_ts, subtitle);
	if (!counts || !t) {
		free(counts);
		return -ENOMEM;
	}
	t->role = tag->role;
	t->group = tag->group;
	t->parent = tag->parent;
	t->subject = tag->subject;
	bucket_values(p, vals, n, ratio, &r, counts);
	for (int i = 0; i < res_n; i++) {
		struct lat_cell *c = lat_table_add_row(t);

		if (!c) {
			free(counts);
			return -ENOMEM;
		}
		c[0] = lat_cell_float(LAT_CLS_DURATION, (i * r.step + r.min) * 1000);
		c[1] = lat_cell_float(LAT_CLS_DURATION, ((i + 1) * r.step + r.min) * 1000);
		c[2] = lat_cell_int(LAT_CLS_NUMBER, (int64_t)counts[i]);
	}
	free(counts);
	return 0;
}
