/* periods_parents.c: the per-parent statistics of the period views (each parent period's
 * children: their count, durations and share) and the --group-by groups they are kept for. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/periods_internal.h"
#include "outputs/pyrepr.h"

/* --- per-parent statistics ------------------------------------------------------------------- */

static void agg_use(struct agg *a, uint32_t def)
{
	if (!a->by_def[def].used) {
		a->by_def[def].used = true;
		a->order[a->norder++] = def;
	}
}

void lat_periods_descendants(const struct lat_periods *p, uint32_t def, uint32_t *out, size_t *n)
{
	const struct pdef *d = &p->defs[def];

	for (size_t i = 0; i < d->nchildren; i++) {
		out[(*n)++] = (uint32_t)d->children[i];
		lat_periods_descendants(p, (uint32_t)d->children[i], out, n);
	}
}

static void agg_sub(struct agg *a, uint32_t rec, uint32_t depth)
{
	struct lat_periods *p = a->p;
	const struct lat_period_record *r = &p->records[rec];
	size_t nd = p->ndefs;
	int64_t *sum = &a->acc_sum[depth * nd];
	uint32_t *cnt = &a->acc_cnt[depth * nd];
	struct parent_stats *ps = &a->by_def[r->def];
	int64_t pdur = rec_duration(r);

	memset(sum, 0, nd * sizeof(*sum));
	memset(cnt, 0, nd * sizeof(*cnt));
	for (uint32_t i = 0; i < r->nchildren; i++) {
		const struct lat_period_record *c = &p->records[r->children[i]];
		int64_t d = rec_duration(c);

		if (!duration_ok(p, d)) {
			continue;
		}
		agg_use(a, c->def);
		/* _TmpAggregation.add_child: this instance and all active ancestors */
		for (uint32_t up = 0; up <= depth; up++) {
			a->acc_sum[up * nd + c->def] += d;
			a->acc_cnt[up * nd + c->def]++;
		}
		agg_sub(a, r->children[i], depth + 1);
	}
	for (size_t def = 0; def < nd; def++) {
		struct child_stats *cs;

		if (!cnt[def]) {
			continue;
		}
		cs = &ps->kids[def];
		if (lat_periods_grow((void **)&cs->durations, &cs->cap, cs->n + 1,
				     sizeof(int64_t))) {
			a->status = -ENOMEM;
			return;
		}
		cs->counts = realloc(cs->counts, cs->cap * sizeof(double));
		cs->pcs = realloc(cs->pcs, cs->cap * sizeof(double));
		if (!cs->counts || !cs->pcs) {
			a->status = -ENOMEM;
			return;
		}
		cs->durations[cs->n] = sum[def];
		cs->counts[cs->n] = cnt[def];
		cs->pcs[cs->n] = pdur ? (double)sum[def] / (double)pdur * 100 : 0;
		cs->n++;
	}
	ps->nr_periods++;
}

struct minmax {
	double min, max, total;
};

static struct minmax mm_of(const double *v, uint32_t n)
{
	struct minmax m = {v[0], v[0], 0};

	for (uint32_t i = 0; i < n; i++) {
		m.min = v[i] < m.min ? v[i] : m.min;
		m.max = v[i] > m.max ? v[i] : m.max;
		m.total += v[i];
	}
	return m;
}

/*
 * One per-parent statistics table (_get_per_parent_stats_result_table). kind: 0 duration,
 * 1 duration globally, 2 count, 3 count globally, 4 ratio, 5 ratio globally. `by_def` holds
 * the statistics of one source (all periods, or one --group-by group); `global_by_def` the
 * ungrouped ones, whose parent counts make the "globally" zeros.
 */
static int pp_stats_table(struct lat_periods *p, struct lat_result *res, int kind,
			  const struct parent_stats *by_def, const uint32_t *order, uint32_t norder,
			  const struct parent_stats *global_by_def, const struct pgroup *group)
{
	static const struct lat_table_class *const cls[6] = {
	    &lat_periods_pp_stats_class, &lat_periods_pp_stats_class, &lat_periods_pp_count_class,
	    &lat_periods_pp_count_class, &lat_periods_pp_pc_class,    &lat_periods_pp_pc_class};
	char subtitle[600]; /* a group's prefix (512) and the kind */
	struct lat_table *t;
	bool global = kind % 2;

	snprintf(subtitle, sizeof(subtitle), "%s%s", group ? group->prefix : "",
		 global ? "Globally" : "With active children");
	t = lat_result_add_table(res, cls[kind], p->first_ts, p->last_ts, subtitle);
	if (!t) {
		return -ENOMEM;
	}
	t->role = LAT_PERIODS_PARENT_DURATION + kind;
	t->group = group ? (int32_t)group->index : -1;
	for (uint32_t k = 0; k < norder; k++) {
		uint32_t parent = order[k], desc[LAT_PERIODS_MAX_ARGS];
		const struct parent_stats *ps = &by_def[parent];
		size_t ndesc = 0;

		if (!aggby_ok(p, lat_periods_def_name(p, parent))) {
			continue;
		}
		lat_periods_descendants(p, parent, desc, &ndesc);
		for (size_t j = 0; j < ndesc; j++) {
			const struct child_stats *cs = &ps->kids[desc[j]];

			if (!sel_ok(p, lat_periods_def_name(p, desc[j]))) {
				continue;
			}
			uint32_t n = cs->n, nr = global_by_def[parent].nr_periods;
			uint32_t zeros = nr > n ? nr - n : 0, m = global ? nr : n;
			int64_t dmin, dmax, dtot = 0;
			struct minmax mc, mp;
			struct lat_cell *c;
			bool sd = global ? nr > 2 : n > 2;

			if (!n) {
				continue;
			}
			dmin = dmax = cs->durations[0];
			for (uint32_t i = 0; i < n; i++) {
				dmin = cs->durations[i] < dmin ? cs->durations[i] : dmin;
				dmax = cs->durations[i] > dmax ? cs->durations[i] : dmax;
				dtot += cs->durations[i];
			}
			mc = mm_of(cs->counts, n);
			mp = mm_of(cs->pcs, n);
			c = lat_table_add_row(t);
			if (!c) {
				return -ENOMEM;
			}
			c[0] = lat_cell_str(LAT_CLS_STRING, p->defs[desc[j]].path);
			c[1] = lat_cell_str(LAT_CLS_STRING, p->defs[parent].path);
			c[5] = lat_cell_unknown();
			if (kind / 2 == 0) {
				c[2] = lat_cell_int(LAT_CLS_DURATION, global && zeros ? 0 : dmin);
				c[3] = lat_cell_float(LAT_CLS_DURATION, (double)dtot / m);
				c[4] = lat_cell_int(LAT_CLS_DURATION, dmax);
			} else if (kind / 2 == 1) {
				c[2] = lat_cell_int(LAT_CLS_NUMBER,
						    global && zeros ? 0 : (int64_t)mc.min);
				c[3] = lat_cell_float(LAT_CLS_NUMBER, mc.total / m);
				c[4] = lat_cell_int(LAT_CLS_NUMBER, (int64_t)mc.max);
			} else {
				c[2] = global && zeros ? lat_cell_int(LAT_CLS_NUMBER, 0)
						       : lat_cell_float(LAT_CLS_NUMBER, mp.min);
				c[3] = lat_cell_float(LAT_CLS_NUMBER, mp.total / m);
				c[4] = lat_cell_float(LAT_CLS_NUMBER, mp.max);
			}
			if (sd) {
				/* the values, then a zero for each parent instance without this
				 * child */
				int64_t *vi = calloc(m > n ? m : n, sizeof(*vi));
				double *vd = calloc(m > n ? m : n, sizeof(*vd));

				if (!vi || !vd) {
					free(vi);
					free(vd);
					return -ENOMEM;
				}
				for (uint32_t i = 0; i < n; i++) {
					vi[i] = cs->durations[i];
					vd[i] = kind / 2 == 1 ? cs->counts[i] : cs->pcs[i];
				}
				c[5] = kind / 2 == 0
					   ? lat_cell_float(LAT_CLS_DURATION,
							    lat_periods_stdev_int(vi, m))
					   : lat_cell_float(LAT_CLS_NUMBER,
							    lat_periods_stdev_float(vd, m));
				free(vi);
				free(vd);
			}
		}
	}
	return 0;
}

/* --- --group-by groups ----------------------------------------------------------------------- */

/*
 * --group-by P.capture[,...]: the peer's _hierarchical_sub / _account_parents_in_group. Each
 * period instance gets the lists of (P.capture, value) of itself, its descendants and its
 * ancestors; each list makes a group key ("P.c = v, ..."), under which the instance's duration
 * and its ancestors' per-parent statistics are accounted. The peer's quirks are kept: an
 * ancestor's aggregation is linked to its own parent only when that one was not yet known, and
 * a descendant is added to every ancestor both directly and through those links.
 */
struct ctuple {
	const char *key, *val;
};

struct clist {
	struct ctuple *v;
	uint32_t n;
};

struct clists {
	struct clist *v;
	uint32_t n, cap;
};

struct tmpagg {
	int32_t parent; /* index in the group's tmpaggs, -1 */
	int64_t *sum;   /* by definition */
	uint32_t *cnt;
};

static const char *groups_keep(struct groups *g, char *s)
{
	if (!s || lat_periods_grow((void **)&g->strings, &g->strings_cap, g->nstrings + 1,
				   sizeof(char *))) {
		free(s);
		g->status = -ENOMEM;
		return "";
	}
	g->strings[g->nstrings++] = s;
	return s;
}

static int cmp_cap_value(const void *a, const void *b)
{
	return strcmp(((const struct lat_period_capture_value *)a)->name,
		      ((const struct lat_period_capture_value *)b)->name);
}

/* Is `cap` among the --group-by captures of period `name`? */
static bool grouped(const struct lat_periods *p, const char *name, const char *cap)
{
	const char *s = p->opts.group_by;

	while (s && *s) {
		const char *end = strchr(s, ','), *dot;
		size_t len = end ? (size_t)(end - s) : strlen(s);
		char item[256];
		size_t a = 0, b = len;

		while (a < b && (s[a] == ' ' || s[a] == '\t')) {
			a++;
		}
		while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) {
			b--;
		}
		snprintf(item, sizeof(item), "%.*s", (int)(b - a), s + a);
		dot = strchr(item, '.');
		if (dot) {
			const char *pname = item, *slash;
			char period[256];

			snprintf(period, sizeof(period), "%.*s", (int)(dot - item), item);
			slash = strrchr(period, '/');
			pname = slash ? slash + 1 : period;
			if (strcmp(pname, name) == 0 && strncmp(dot + 1, cap, strlen(cap)) == 0 &&
			    (dot[1 + strlen(cap)] == '\0' || dot[1 + strlen(cap)] == '.')) {
				return true;
			}
		}
		s = end ? end + 1 : NULL;
	}
	return false;
}

/* event.filtered_captures(): the record's grouped captures, begin then end, keys sorted. */
static struct clist filtered_captures(struct lat_periods *p, struct groups *g, uint32_t rec)
{
	const struct lat_period_record *r = &p->records[rec];
	const char *name = lat_periods_def_name(p, r->def);
	struct clist out = {0};

	out.v = calloc(r->nbegin_caps + r->nend_caps + 1, sizeof(*out.v));
	if (!out.v) {
		g->status = -ENOMEM;
		return out;
	}
	for (int side = 0; side < 2; side++) {
		uint32_t n = side ? r->nend_caps : r->nbegin_caps;
		struct lat_period_capture_value *caps = malloc((n + 1) * sizeof(*caps));

		if (!caps) {
			g->status = -ENOMEM;
			return out;
		}
		if (n) {
			memcpy(caps, side ? r->end_caps : r->begin_caps, n * sizeof(*caps));
		}
		qsort(caps, n, sizeof(*caps), cmp_cap_value);
		for (uint32_t i = 0; i < n; i++) {
			struct lat_sbuf k = {0}, v = {0};

			if (!grouped(p, name, caps[i].name)) {
				continue;
			}
			lat_sbuf_puts(&k, name);
			lat_sbuf_putc(&k, '.');
			lat_sbuf_puts(&k, caps[i].name);
			lat_py_value(&v, &caps[i].v, false);
			out.v[out.n].key = groups_keep(g, k.s ? k.s : strdup(""));
			out.v[out.n].val = groups_keep(g, v.s ? v.s : strdup(""));
			out.n++;
		}
		free(caps);
	}
	return out;
}

static struct clist cl_concat(struct groups *g, const struct clist *a, const struct clist *b)
{
	struct clist out = {calloc(a->n + b->n + 1, sizeof(struct ctuple)), a->n + b->n};

	if (!out.v) {
		g->status = -ENOMEM;
		out.n = 0;
		return out;
	}
	if (a->n) {
		memcpy(out.v, a->v, a->n * sizeof(struct ctuple));
	}
	if (b->n) {
		memcpy(out.v + a->n, b->v, b->n * sizeof(struct ctuple));
	}
	return out;
}

static bool cl_equal(const struct clist *a, const struct clist *b)
{
	if (a->n != b->n) {
		return false;
	}
	for (uint32_t i = 0; i < a->n; i++) {
		if (strcmp(a->v[i].key, b->v[i].key) || strcmp(a->v[i].val, b->v[i].val)) {
			return false;
		}
	}
	return true;
}

static void cls_push(struct groups *g, struct clists *l, struct clist c)
{
	if (lat_periods_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v))) {
		free(c.v);
		g->status = -ENOMEM;
		return;
	}
	l->v[l->n++] = c;
}

static void cls_free(struct clists *l)
{
	for (uint32_t i = 0; i < l->n; i++) {
		free(l->v[i].v);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int agg_alloc(struct agg *a, size_t nd)
{
	a->by_def = calloc(nd, sizeof(*a->by_def));
	a->order = calloc(nd, sizeof(*a->order));
	if (!a->by_def || !a->order) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < nd; i++) {
		a->by_def[i].kids = calloc(nd, sizeof(*a->by_def[i].kids));
		if (!a->by_def[i].kids) {
			return -ENOMEM;
		}
	}
	return 0;
}

static void agg_free(struct agg *a, size_t nd)
{
	if (a->by_def) {
		for (size_t i = 0; i < nd; i++) {
			if (!a->by_def[i].kids) {
				continue;
			}
			for (size_t j = 0; j < nd; j++) {
				free(a->by_def[i].kids[j].durations);
				free(a->by_def[i].kids[j].counts);
				free(a->by_def[i].kids[j].pcs);
			}
			free(a->by_def[i].kids);
		}
	}
	free(a->by_def);
	free(a->order);
	free(a->acc_sum);
	free(a->acc_cnt);
}

static struct pgroup *group_get(struct lat_periods *p, struct groups *g, const char *key)
{
	struct pgroup *x;

	for (uint32_t i = 0; i < g->n; i++) {
		if (strcmp(g->v[i].key, key) == 0) {
			return &g->v[i];
		}
	}
	if (lat_periods_grow((void **)&g->v, &g->cap, g->n + 1, sizeof(*g->v))) {
		g->status = -ENOMEM;
		return NULL;
	}
	x = &g->v[g->n];
	memset(x, 0, sizeof(*x));
	x->index = g->n;
	x->key = strdup(key);
	x->own = calloc(p->ndefs, sizeof(*x->own));
	x->own_n = calloc(p->ndefs, sizeof(*x->own_n));
	x->own_cap = calloc(p->ndefs, sizeof(*x->own_cap));
	x->own_order = calloc(p->ndefs, sizeof(*x->own_order));
	x->tmp_of = malloc((p->nrecords ? p->nrecords : 1) * sizeof(*x->tmp_of));
	g->n++;
	if (!x->key || !x->own || !x->own_n || !x->own_cap || !x->own_order || !x->tmp_of ||
	    agg_alloc(&x->agg, p->ndefs)) {
		g->status = -ENOMEM;
		return NULL;
	}
	x->agg.p = p;
	for (uint32_t i = 0; i < p->nrecords; i++) {
		x->tmp_of[i] = -1;
	}
	snprintf(x->prefix, sizeof(x->prefix), "'%s' - ", key);
	snprintf(x->freq_prefix, sizeof(x->freq_prefix), "'%s' -- ", key);
	return x;
}

static int32_t tmp_new(struct lat_periods *p, struct groups *g, struct pgroup *x, int32_t parent)
{
	struct tmpagg *t;

	if (lat_periods_grow((void **)&x->tmps, &x->tmps_cap, x->ntmps + 1, sizeof(*x->tmps))) {
		g->status = -ENOMEM;
		return -1;
	}
	t = &x->tmps[x->ntmps];
	t->parent = parent;
	t->sum = calloc(p->ndefs, sizeof(*t->sum));
	t->cnt = calloc(p->ndefs, sizeof(*t->cnt));
	if (!t->sum || !t->cnt) {
		free(t->sum);
		free(t->cnt);
		g->status = -ENOMEM;
		return -1;
	}
	return (int32_t)x->ntmps++;
}

/* _add_parent_per_group_active_periods */
static int32_t tmp_add_chain(struct lat_periods *p, struct groups *g, struct pgroup *x,
			     uint32_t rec)
{
	int64_t parent = p->records[rec].parent;
	int32_t link = -1, t;

	if (parent >= 0 && x->tmp_of[parent] < 0) {
		link = tmp_add_chain(p, g, x, (uint32_t)parent);
	}
	t = tmp_new(p, g, x, link);
	if (t >= 0) {
		x->tmp_of[rec] = t;
	}
	return t;
}

/* _AggregatedPeriodStats.finish_period */
static void finish_period(struct groups *g, struct parent_stats *ps, int64_t pdur,
			  const struct tmpagg *t, size_t nd)
{
	for (size_t def = 0; def < nd; def++) {
		struct child_stats *cs = &ps->kids[def];

		if (!t->cnt[def]) {
			continue;
		}
		if (lat_periods_grow((void **)&cs->durations, &cs->cap, cs->n + 1,
				     sizeof(int64_t)) ||
		    !(cs->counts = realloc(cs->counts, cs->cap * sizeof(double))) ||
		    !(cs->pcs = realloc(cs->pcs, cs->cap * sizeof(double)))) {
			g->status = -ENOMEM;
			return;
		}
		cs->durations[cs->n] = t->sum[def];
		cs->counts[cs->n] = t->cnt[def];
		cs->pcs[cs->n] = pdur ? (double)t->sum[def] / (double)pdur * 100 : 0;
		cs->n++;
	}
	ps->nr_periods++;
}

static int cmp_tuple_key(const void *a, const void *b)
{
	return strcmp(((const struct ctuple *)a)->key, ((const struct ctuple *)b)->key);
}

/* _account_parents_in_group */
static void account(struct lat_periods *p, struct groups *g, uint32_t rec,
		    const struct clists *full, uint32_t ngroup_periods)
{
	const struct lat_period_record *r = &p->records[rec];
	int64_t dur = rec_duration(r);

	for (uint32_t i = 0; i < full->n && !g->status; i++) {
		const struct clist *c = &full->v[i];
		struct ctuple *sorted;
		struct lat_sbuf key = {0};
		struct pgroup *x;

		if (c->n < ngroup_periods || c->n == 0) {
			continue;
		}
		sorted = malloc(c->n * sizeof(*sorted));
		if (!sorted) {
			g->status = -ENOMEM;
			return;
		}
		memcpy(sorted, c->v, c->n * sizeof(*sorted));
		/* sorted(..., key=x[0]) is stable: insertion sort */
		for (uint32_t a = 1; a < c->n; a++) {
			struct ctuple v = sorted[a];
			uint32_t b = a;

			while (b > 0 && cmp_tuple_key(&sorted[b - 1], &v) > 0) {
				sorted[b] = sorted[b - 1];
				b--;
			}
			sorted[b] = v;
		}
		for (uint32_t a = 0; a < c->n; a++) {
			if (a) {
				lat_sbuf_puts(&key, ", ");
			}
			lat_sbuf_puts(&key, sorted[a].key);
			lat_sbuf_puts(&key, " = ");
			lat_sbuf_puts(&key, sorted[a].val);
		}
		free(sorted);
		x = key.s ? group_get(p, g, key.s) : NULL;
		free(key.s);
		if (!x) {
			g->status = g->status ? g->status : -ENOMEM;
			return;
		}
		if (!x->own_cap[r->def] && !x->own_n[r->def]) {
			bool met = false;

			for (uint32_t k = 0; k < x->nown_order; k++) {
				met |= x->own_order[k] == r->def;
			}
			if (!met) {
				x->own_order[x->nown_order++] = r->def;
			}
		}
		if (lat_periods_grow((void **)&x->own[r->def], &x->own_cap[r->def],
				     x->own_n[r->def] + 1, sizeof(int64_t))) {
			g->status = -ENOMEM;
			return;
		}
		x->own[r->def][x->own_n[r->def]++] = dur;
		agg_use(&x->agg, r->def);
		for (int64_t parent = r->parent; parent >= 0; parent = p->records[parent].parent) {
			int32_t t;

			if (x->tmp_of[parent] < 0 && tmp_add_chain(p, g, x, (uint32_t)parent) < 0) {
				return;
			}
			agg_use(&x->agg, p->records[parent].def);
			/* _TmpAggregation.add_child: this one and its linked ancestors */
			for (t = x->tmp_of[parent]; t >= 0; t = x->tmps[t].parent) {
				x->tmps[t].sum[r->def] += dur;
				x->tmps[t].cnt[r->def]++;
			}
		}
		if (x->tmp_of[rec] >= 0) {
			finish_period(g, &x->agg.by_def[r->def], dur, &x->tmps[x->tmp_of[rec]],
				      p->ndefs);
		}
	}
}

/* _hierarchical_sub: returns the local capture lists of `rec` */
static struct clists hierarchical_sub(struct lat_periods *p, struct groups *g, uint32_t rec,
				      const struct clist *ancestors, uint32_t ngroup_periods)
{
	const struct lat_period_record *r = &p->records[rec];
	struct clist own = filtered_captures(p, g, rec), anc_own;
	struct clists local = {0}, full = {0};

	anc_own = cl_concat(g, ancestors, &own);
	for (uint32_t i = 0; i < r->nchildren && !g->status; i++) {
		struct clists cc;

		if (!duration_ok(p, rec_duration(&p->records[r->children[i]]))) {
			continue;
		}
		cc = hierarchical_sub(p, g, r->children[i], &anc_own, ngroup_periods);
		for (uint32_t j = 0; j < cc.n; j++) {
			cls_push(g, &local, cl_concat(g, &own, &cc.v[j]));
		}
		cls_free(&cc);
	}
	if (!local.n) {
		cls_push(g, &local, cl_concat(g, &own, &(struct clist){0}));
	}
	for (uint32_t i = 0; i < local.n; i++) {
		struct clist c = cl_concat(g, &local.v[i], ancestors);
		bool dup = false;

		for (uint32_t j = 0; j < full.n && !dup; j++) {
			dup = cl_equal(&full.v[j], &c);
		}
		if (dup) {
			free(c.v);
		} else {
			cls_push(g, &full, c);
		}
	}
	account(p, g, rec, &full, ngroup_periods);
	cls_free(&full);
	free(own.v);
	free(anc_own.v);
	return local;
}

static int groups_build(struct lat_periods *p, struct groups *g)
{
	char names[LAT_PERIODS_MAX_ARGS][256];
	uint32_t nnames = 0;
	const char *s = p->opts.group_by;

	if (!s || !*s) {
		return 0;
	}
	/* how many periods the groups name (a capture list shorter than that is skipped) */
	while (s && *s) {
		const char *end = strchr(s, ','), *dot;
		char item[256], *it = item, *slash;
		bool seen = false;

		snprintf(item, sizeof(item), "%.*s", (int)(end ? (size_t)(end - s) : strlen(s)), s);
		while (*it == ' ' || *it == '\t') {
			it++;
		}
		dot = strchr(it, '.');
		if (*it && dot) {
			item[dot - item] = '\0';
			slash = strrchr(it, '/');
			it = slash ? slash + 1 : it;
			for (uint32_t i = 0; i < nnames; i++) {
				seen |= strcmp(names[i], it) == 0;
			}
			if (!seen && nnames < LAT_PERIODS_MAX_ARGS) {
				snprintf(names[nnames++], sizeof(names[0]), "%s", it);
			}
		}
		s = end ? end + 1 : NULL;
	}
	for (uint32_t i = 0; i < p->nrecords && !g->status; i++) {
		const struct lat_period_record *r = &p->records[i];
		struct clists local;

		if (!r->completed || r->parent >= 0 || !duration_ok(p, rec_duration(r))) {
			continue;
		}
		local = hierarchical_sub(p, g, i, &(struct clist){0}, nnames);
		cls_free(&local);
	}
	return g->status;
}

static void groups_fini(struct lat_periods *p, struct groups *g)
{
	for (uint32_t i = 0; i < g->n; i++) {
		struct pgroup *x = &g->v[i];

		free(x->key);
		for (size_t d = 0; x->own && d < p->ndefs; d++) {
			free(x->own[d]);
		}
		free(x->own);
		free(x->own_n);
		free(x->own_cap);
		free(x->own_order);
		free(x->tmp_of);
		for (uint32_t t = 0; t < x->ntmps; t++) {
			free(x->tmps[t].sum);
			free(x->tmps[t].cnt);
		}
		free(x->tmps);
		agg_free(&x->agg, p->ndefs);
	}
	free(g->v);
	for (uint32_t i = 0; i < g->nstrings; i++) {
		free(g->strings[i]);
	}
	free(g->strings);
	memset(g, 0, sizeof(*g));
}

/* The per-period statistics of one group (text only: the peer's LAMI leaves them out). */
static int group_stats_table(struct lat_periods *p, const struct pgroup *x, struct lat_result *res)
{
	struct lat_table *t =
	    lat_result_add_table(res, &lat_periods_stats_class, p->first_ts, p->last_ts, NULL);

	if (!t) {
		return -ENOMEM;
	}
	t->role = LAT_PERIODS_STATS;
	t->group = (int32_t)x->index;
	for (uint32_t k = 0; k < x->nown_order; k++) {
		uint32_t def = x->own_order[k], n = 0;
		int64_t *vals, min = 0, max = 0, total = 0;
		struct lat_cell *c;
		double sd;

		if (!sel_ok(p, lat_periods_def_name(p, def))) {
			continue;
		}
		vals = malloc((x->own_n[def] + 1) * sizeof(*vals));
		if (!vals) {
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < x->own_n[def]; i++) {
			int64_t v = x->own[def][i];

			if (!duration_ok(p, v)) {
				continue;
			}
			min = !n || v < min ? v : min;
			max = !n || v > max ? v : max;
			total += v;
			vals[n++] = v;
		}
		sd = lat_periods_stdev_int(vals, n);
		free(vals);
		c = lat_table_add_row(t);
		if (!c) {
			return -ENOMEM;
		}
		c[0] = lat_cell_str(LAT_CLS_STRING, p->defs[def].path);
		c[1] = lat_cell_int(LAT_CLS_NUMBER, n);
		c[2] = lat_cell_int(LAT_CLS_DURATION, min);
		c[3] = n ? lat_cell_float(LAT_CLS_DURATION, (double)total / n)
			 : lat_cell_int(LAT_CLS_DURATION, 0);
		c[4] = lat_cell_int(LAT_CLS_DURATION, max);
		c[5] = isnan(sd) ? lat_cell_unknown() : lat_cell_float(LAT_CLS_DURATION, sd);
		c[6] = lat_cell_int(LAT_CLS_DURATION, total);
	}
	return 0;
}

int lat_periods_parent_tables(struct lat_periods *p, struct lat_periods_result *out, bool stats,
			      bool freq)
{
	struct lat_result *res = &out->tables;
	struct agg a = {.p = p};
	struct groups g = {0};
	size_t nd = p->ndefs;
	int ret = -ENOMEM;

	a.acc_sum = calloc(nd * (nd + 1), sizeof(*a.acc_sum));
	a.acc_cnt = calloc(nd * (nd + 1), sizeof(*a.acc_cnt));
	if (agg_alloc(&a, nd) || !a.acc_sum || !a.acc_cnt) {
		goto out;
	}
	for (uint32_t i = 0; i < p->nrecords; i++) {
		const struct lat_period_record *r = &p->records[i];

		if (!r->completed || r->parent >= 0 || !duration_ok(p, rec_duration(r))) {
			continue;
		}
		agg_use(&a, r->def);
		agg_sub(&a, i, 0);
		if (a.status) {
			goto out;
		}
	}
	ret = groups_build(p, &g);
	if (ret) {
		goto out;
	}
	if (g.n) {
		out->groups = calloc(g.n, sizeof(*out->groups));
		if (!out->groups) {
			ret = -ENOMEM;
			goto out;
		}
		for (uint32_t k = 0; k < g.n && !ret; k++) {
			out->groups[out->ngroups++] = lat_result_strdup(res, g.v[k].key);
			ret = group_stats_table(p, &g.v[k], &out->text);
		}
		if (ret) {
			goto out;
		}
	}
	if (stats) {
		/*
		 * Grouped by class, as the peer's LAMI: for each class (duration, count,
		 * ratio), all periods then each group, with active children then globally.
		 */
		for (int cls = 0; cls < 3 && !ret; cls++) {
			for (int kind = cls * 2; kind < cls * 2 + 2 && !ret; kind++) {
				ret = pp_stats_table(p, res, kind, a.by_def, a.order, a.norder,
						     a.by_def, NULL);
			}
			for (uint32_t k = 0; k < g.n && !ret; k++) {
				for (int kind = cls * 2; kind < cls * 2 + 2 && !ret; kind++) {
					ret = pp_stats_table(p, res, kind, g.v[k].agg.by_def,
							     g.v[k].agg.order, g.v[k].agg.norder,
							     a.by_def, &g.v[k]);
				}
			}
		}
		if (ret) {
			goto out;
		}
	}
	if (freq) {
		ret = lat_periods_freq_all(p, &a, &g, out);
	}
out:
	groups_fini(p, &g);
	agg_free(&a, nd);
	return ret;
}
