/* periods_internal.h: the period engine's state, shared by periods.c (engine) and the files of
 * its views' results (periods_tables.c, periods_parents.c, periods_freq.c); not an API. */
#ifndef LATSCOPE_ANALYSES_PERIODS_INTERNAL_H
#define LATSCOPE_ANALYSES_PERIODS_INTERNAL_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/periods.h"
#include "sources/ctf_fields.h"

struct pdef {
	char *name; /* NULL: unnamed ("") */
	char *path; /* "root/child" (the peer's full period path) */
	int parent; /* definition index, -1 */
	struct lat_pexpr *begin, *end;
	bool end_is_begin;
	struct lat_pcapture *bcaps, *ecaps;
	size_t nbcaps, necaps;
	int *children;
	size_t nchildren;
	/* stats: the durations of completed instances, in completion order */
	int64_t *durations;
	uint32_t *records; /* their record indexes */
	uint32_t ndurations, durations_cap;
	bool seen; /* an instance began (the peer creates its stats then) */
};

struct pinst {
	uint32_t def;
	uint32_t record;
	struct pinst *parent;
	struct pinst **kids;
	uint32_t nkids, kids_cap;
	struct lat_pval *snap; /* the begin event's fields read through $begin/$parent.$begin */
};

struct lat_periods {
	struct lat_periods_options opts;
	struct lat_pfields fields;
	struct lat_ctf_fields *cf;
	struct pdef *defs;
	size_t ndefs;
	int *roots; /* root definitions, in definition order */
	size_t nroots;
	struct lat_period_captures_ast *caps; /* --period-captures, by period name */
	size_t ncaps;
	int32_t *snap_slot; /* field id -> snapshot slot, -1 */
	uint32_t nsnap;
	uint32_t *snap_ids; /* slot -> field id */
	struct pinst **open_roots;
	uint32_t nopen_roots, open_roots_cap;
	struct lat_period_record *records;
	uint32_t nrecords, records_cap;
	uint64_t completed;
	int64_t first_ts, last_ts;
	bool have_first, started, ended;
	lat_period_end_fn end_fn;
	void *end_user;
	lat_period_instance_fn inst_fn; /* every begin and end (complete or not) */
	void *inst_user;
	lat_periods_field_fn field_fn;
	void *field_user;
	char *agg_by; /* --aggregate-by, its last path component */
	char **sel;   /* --select, each name's last path component */
	uint32_t nsel;
	/* --freq-uniform: the peer's running bounds per category (see uni_update) */
	struct uni_cat {
		bool has_min, has_max;
		double min, max;
	} uni[7];
	/* --freq-series: the table classes of the series tables (made by the results) */
	struct lat_table_class *series_cls;
	struct lat_column_class **series_cols;
	uint32_t nseries;
	int status;
};

/* Grows *v (of *cap elements) to hold `need`: 0 or -ENOMEM. */
static inline int lat_periods_grow(void **v, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t ncap;
	void *n;

	if (need <= *cap) {
		return 0;
	}
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need) {
		ncap *= 2;
	}
	n = realloc(*v, (size_t)ncap * elem);
	if (!n) {
		return -ENOMEM;
	}
	*v = n;
	*cap = ncap;
	return 0;
}

/* --min-duration and --max-duration (µs) keep a period of duration d (ns)? */
static inline bool duration_ok(const struct lat_periods *p, int64_t d)
{
	if (p->opts.has_min && (double)d < p->opts.min_us * 1000) {
		return false;
	}
	if (p->opts.has_max && (double)d > p->opts.max_us * 1000) {
		return false;
	}
	return true;
}

/* A completed period's duration (ns). */
static inline int64_t rec_duration(const struct lat_period_record *r)
{
	return r->end_ts - r->begin_ts;
}

/*
 * --select and --aggregate-by filter as the peer does: `name in self._args.select` on the raw
 * option string, i.e. a substring test ("db" selects "db_queries").
 */
static inline bool sel_ok(const struct lat_periods *p, const char *name)
{
	return !p->opts.select || strstr(p->opts.select, name);
}

static inline bool aggby_ok(const struct lat_periods *p, const char *name)
{
	return !p->agg_by || strstr(p->agg_by, name);
}

/* The table classes of the views (periods_tables.c). */
extern const struct lat_table_class lat_periods_stats_class, lat_periods_freq_duration_class,
    lat_periods_freq_count_class, lat_periods_freq_ratio_class, lat_periods_pp_stats_class,
    lat_periods_pp_count_class, lat_periods_pp_pc_class;

/* statistics.stdev() of integers (exact variance, one rounding) and of floats; NAN if n < 2. */
double lat_periods_stdev_int(const int64_t *v, size_t n);
double lat_periods_stdev_float(const double *v, size_t n);

/* qsort_r() of definition indexes (uint32_t) by name; user: the engine. */
int lat_periods_cmp_def_name(const void *a, const void *b, void *user);

/*
 * Per-parent statistics (_get_aggregated_lists / _AggregatedPeriodStats): for each parent
 * period P and each descendant definition D, per instance of P: how many D instances, their
 * total duration and its share of P's duration.
 */
struct child_stats {
	int64_t *durations; /* per P instance having D: total D duration */
	double *counts, *pcs;
	uint32_t n, cap;
};

struct parent_stats {
	bool used;
	uint32_t nr_periods;
	struct child_stats *kids; /* by definition index */
};

struct agg {
	struct lat_periods *p;
	struct parent_stats *by_def;
	uint32_t *order; /* parents in the order the peer meets them */
	uint32_t norder;
	/* per active instance: per-definition list of descendant durations */
	int64_t *acc_sum;  /* [depth][def] */
	uint32_t *acc_cnt; /* [depth][def] */
	int status;
};

struct pgroup {
	uint32_t index; /* in struct groups: the tables' group */
	char *key;
	char prefix[512];      /* "'KEY' - " */
	char freq_prefix[512]; /* "'KEY' -- " */
	struct agg agg;        /* by_def, order: the per-parent statistics of the group */
	int64_t **own;         /* by definition: the durations of the group's instances */
	uint32_t *own_n, *own_cap;
	uint32_t *own_order; /* definitions in the order met */
	uint32_t nown_order;
	int32_t *tmp_of; /* record -> tmpagg */
	struct tmpagg *tmps;
	uint32_t ntmps, tmps_cap;
};

struct groups {
	struct pgroup *v;
	uint32_t n, cap;
	char **strings; /* owned */
	uint32_t nstrings, strings_cap;
	int status;
};

/* Every descendant definition of `def`, depth first. */
void lat_periods_descendants(const struct lat_periods *p, uint32_t def, uint32_t *out, size_t *n);

/* Per-parent statistics (stats) and distributions (freq), in the peer's table order. */
int lat_periods_parent_tables(struct lat_periods *p, struct lat_periods_result *out, bool stats,
			      bool freq);

/*
 * --freq-uniform, as the peer's Command._find_uniform_freq_values: one running minimum and
 * maximum per category (kept across calls: the groups' per-period distributions and the
 * per-parent durations share "duration"), updated with a list of values divided by `ratio`; an
 * empty list sets both to 0. The bounds of a distribution are then [min, max] in `resolution`
 * steps. Categories: the per-period durations ("default"), then the six per-parent kinds.
 */
enum { UNI_DEFAULT, UNI_DURATION, UNI_N = 7 };

struct urange {
	double min, max, step;
};

/*
 * Every distribution of periodfreq (periods_freq.c): per period, per parent (all periods, then
 * each group of `g`), then the --freq-series tables.
 */
int lat_periods_freq_all(struct lat_periods *p, struct agg *a, struct groups *g,
			 struct lat_periods_result *out);

#endif /* LATSCOPE_ANALYSES_PERIODS_INTERNAL_H */
