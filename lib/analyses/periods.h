/* periods.h: user-defined periods (lttng-analyses' --period engine and period* views' results). */
#ifndef LATSCOPE_ANALYSES_PERIODS_H
#define LATSCOPE_ANALYSES_PERIODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyses/period_expr.h"
#include "outputs/lami.h"
#include "outputs/result.h"
#include "sources/event.h"

#define LAT_PERIODS_MAX_ARGS 64

struct lat_periods_options {
	const char *defs[LAT_PERIODS_MAX_ARGS]; /* --period */
	size_t ndefs;
	const char *captures[LAT_PERIODS_MAX_ARGS]; /* --period-captures */
	size_t ncaptures;
	bool log, top, stats, freq; /* the views (several at once) */
	bool order_hierarchy;       /* --order-by hierarchy (log: parents then their children) */
	bool has_min, has_max;      /* --min-duration, --max-duration (µs) */
	double min_us, max_us;
	long limit;          /* --limit for top; <= 0: unlimited */
	int freq_resolution; /* --freq-resolution (20) */
	bool freq_uniform;   /* --freq-uniform: common bounds, as the peer's (see periods.c) */
	bool freq_series;    /* --freq-series (implies freq_uniform): per-group series (LAMI) */
	int64_t begin_ts, end_ts; /* --begin/--end in ns, 0: not set */
	const char *group_by;     /* --group-by "PERIOD.capture[, ...]" (stats and freq) */
	const char *select;       /* --select "PERIOD[, ...]" (as the peer: a substring test) */
	const char *aggregate_by; /* --aggregate-by PERIOD (log with --select, per-parent views) */
};

/* One period instance, in the order periods began. */
struct lat_period_record {
	int64_t begin_ts, end_ts;
	uint32_t def;   /* index of its definition */
	int64_t parent; /* record index of the parent instance, -1 for a root period */
	bool completed; /* its end expression matched (otherwise it is dropped, as the peer does) */
	bool open;
	struct lat_period_capture_value *begin_caps, *end_caps;
	uint32_t nbegin_caps, nend_caps;
	uint32_t *children; /* completed child records, in the order they ended */
	uint32_t nchildren, children_cap;
};

struct lat_periods;

/* Called when a period ends (completed), for live output. */
typedef void (*lat_period_end_fn)(const struct lat_periods *p, const struct lat_period_record *r,
				  void *user);

/*
 * Parses and checks the definitions. Returns 0, -EINVAL with `err` holding one line
 * ("--period: column 23: expected ..." or "--period: cannot find parent period ..."), -ENOMEM.
 */
int lat_periods_create(const struct lat_periods_options *opts, struct lat_periods **out, char *err,
		       size_t err_len);
void lat_periods_destroy(struct lat_periods *p);

void lat_periods_set_end_callback(struct lat_periods *p, lat_period_end_fn fn, void *user);

/*
 * Called when an instance begins (begin: its begin event, at ts) and when it ends, completed or
 * not (its parent ended, or lat_periods_finish(): the peer's _remove_periods calls its period
 * end callback for those too), children before their parent: what --period on the other
 * analyses needs (lib/analyses/analysis.c). A non-zero return becomes lat_periods_event()'s.
 */
typedef int (*lat_period_instance_fn)(const struct lat_periods *p, uint32_t record, bool begin,
				      int64_t ts, void *user);
void lat_periods_set_instance_callback(struct lat_periods *p, lat_period_instance_fn fn,
				       void *user);
/* A record (lat_period_instance_fn's). */
const struct lat_period_record *lat_periods_record(const struct lat_periods *p, uint32_t record);

/*
 * Reads a field of an event for the expressions. By default the fields of CTF events are read
 * from ev->raw (a bt_event) through ctf_fields; another source (or a test) sets its own reader.
 * $name never reaches it (ev->name is used). Fill *out (LAT_PVAL_MISSING if absent); strings
 * must stay valid until the next event.
 */
typedef int (*lat_periods_field_fn)(void *user, const struct lat_kevent *ev,
				    const struct lat_pfield *field, struct lat_pval *out);
void lat_periods_set_field_reader(struct lat_periods *p, lat_periods_field_fn fn, void *user);

/*
 * Feeds one event (any source: fields are read from ev->raw through ctf_fields when it is a
 * babeltrace2 event). Returns 0, 1 once past --end (stop feeding), or -ENOMEM.
 */
int lat_periods_event(struct lat_periods *p, const struct lat_kevent *ev);

/* The end of the trace: open periods are dropped (incomplete), as the peer does. */
void lat_periods_finish(struct lat_periods *p);

/*
 * The roles of the views' tables (struct lat_table's role). Tables of one group (--group-by)
 * have its index as their group, the others -1; per-parent tables have the parent period's
 * definition as their parent, and tables about one period its definition as their subject.
 */
enum lat_periods_role {
	LAT_PERIODS_LOG = 1, /* periodlog; rows' refs: their records */
	LAT_PERIODS_TOP,     /* periodtop; rows' refs: their records */
	LAT_PERIODS_STATS,   /* per-period statistics (a group's: text only) */
	/* per-parent statistics: with active children, then globally, of each kind */
	LAT_PERIODS_PARENT_DURATION,
	LAT_PERIODS_PARENT_DURATION_GLOBAL,
	LAT_PERIODS_PARENT_COUNT,
	LAT_PERIODS_PARENT_COUNT_GLOBAL,
	LAT_PERIODS_PARENT_RATIO,
	LAT_PERIODS_PARENT_RATIO_GLOBAL,
	LAT_PERIODS_FREQ_PERIOD, /* the durations of one period (subject) */
	/* per-parent distributions, in the same order as the per-parent statistics */
	LAT_PERIODS_FREQ_DURATION,
	LAT_PERIODS_FREQ_DURATION_GLOBAL,
	LAT_PERIODS_FREQ_COUNT,
	LAT_PERIODS_FREQ_COUNT_GLOBAL,
	LAT_PERIODS_FREQ_RATIO,
	LAT_PERIODS_FREQ_RATIO_GLOBAL,
	LAT_PERIODS_FREQ_SERIES,    /* --freq-series: one period's distribution, a column a group */
	LAT_PERIODS_AGGREGATED_LOG, /* --select with --aggregate-by (text only) */
};

/* One line of the period tree: a definition's name and depth, depth first, in definition order. */
struct lat_periods_tree_line {
	const char *name;
	uint32_t depth;
};

/*
 * What the views found, for the printers (lib/outputs/periods_text.c) and LAMI: plain data.
 * Strings live in `tables`; `records` and the --freq-series classes are the engine's, valid
 * until lat_periods_destroy().
 */
struct lat_periods_result {
	struct lat_result tables; /* the peer's tables, in its LAMI order (text and LAMI) */
	struct lat_result text;   /* what the peer prints as text only: each group's per-period
				     statistics, the aggregated log */
	int64_t first_ts, last_ts;
	bool stats, freq;    /* the views asked (a group is headed even when it has no table) */
	const char **groups; /* --group-by's groups ("request.worker_pid = 12"), in table order */
	uint32_t ngroups;
	struct lat_periods_tree_line *tree;
	uint32_t ntree;
	const struct lat_period_record *records; /* what the log and top rows' refs index */
	uint32_t nrecords;
};

/* Builds the results of the selected views (the peer's table classes and order); 0, -ENOMEM. */
int lat_periods_results(struct lat_periods *p, struct lat_periods_result *out);
void lat_periods_result_fini(struct lat_periods_result *res);

/* Accessors. */
const char *lat_periods_def_path(const struct lat_periods *p, uint32_t def); /* "req/child" */
const char *lat_periods_def_name(const struct lat_periods *p, uint32_t def);
uint64_t lat_periods_count(const struct lat_periods *p); /* completed periods */
int64_t lat_periods_first_ts(const struct lat_periods *p);
int64_t lat_periods_last_ts(const struct lat_periods *p);

/* The LAMI metadata of the period commands. */
extern const struct lat_lami_meta lat_periods_lami_meta;

#endif /* LATSCOPE_ANALYSES_PERIODS_H */
