/* analysis.h: the interface every analysis implements, and the driver that feeds it events. */
#ifndef LATSCOPE_ANALYSES_ANALYSIS_H
#define LATSCOPE_ANALYSES_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "outputs/lami.h"
#include "outputs/result.h"
#include "outputs/text.h"
#include "sources/event.h"
#include "state/state.h"

#define LAT_MAX_FILTER 64

struct lat_periods;

/* The options lttng-analyses' commands share (the CLI fills it; tests build it by hand). */
struct lat_analysis_config {
	int64_t begin_ts, end_ts; /* 0: not set */
	long limit;               /* --limit; <= 0: unlimited */
	int ncpus, ntids, nprocnames;
	int32_t cpus[LAT_MAX_FILTER];
	int32_t tids[LAT_MAX_FILTER];
	const char *procnames[LAT_MAX_FILTER];
	/* --min/--max (given in µs, kept in ns as the peer's float), --log/--top/--stats/--freq
	   (the analysis' own one is implied), --freq-resolution (default 20), --freq-uniform
	   (implied by --freq-series); sched: --total, --per-tid, --per-prio */
	bool has_min, has_max;
	double min_ns, max_ns;
	bool log, top, stats, freq, freq_uniform, freq_series;
	int freq_resolution;
	bool total, per_tid, per_prio;
	/* io: --usage, --minsize/--maxsize (bytes) */
	bool usage, has_minsize, has_maxsize;
	double minsize, maxsize;
	const char *irq_list, *softirq_list; /* irq: --irq, --softirq (comma-separated, as given) */
	/* -r/--refresh: results every refresh_ns of trace time (0: one result), as lttng-analyses'
	   _check_refresh: the first event at or after the interval's begin + refresh_ns ends it
	   and begins the next one (it belongs to the next) */
	int64_t refresh_ns;
};

/* Which command-line option families an analysis takes (beyond the common ones). */
enum {
	LAT_OPTS_PROC_FILTER = 1u << 0, /* --procname, --tid */
	LAT_OPTS_TOP = 1u << 1,         /* --limit, --top */
	LAT_OPTS_MIN_MAX = 1u << 2,     /* --min, --max */
	LAT_OPTS_FREQ = 1u << 3, /* --freq, --freq-resolution, --freq-uniform, --freq-series */
	LAT_OPTS_LOG = 1u << 4,
	LAT_OPTS_STATS = 1u << 5,
	LAT_OPTS_SCHED = 1u << 6, /* --total, --per-tid, --per-prio */
	LAT_OPTS_IO = 1u << 8,    /* --usage, --minsize, --maxsize */
	LAT_OPTS_IRQ = 1u << 7,   /* --irq, --softirq */
};

/*
 * One analysis. It does no I/O: the driver calls init, then handle_event for each event of
 * the analysed range right after the state model has applied it (`change` says what changed),
 * then finish, which hands back result tables; print_text renders those tables for people
 * (the LAMI output needs nothing from the analysis beyond `lami`).
 */
struct lat_analysis_ops {
	const char *name; /* "cputop": `latscope analyze cputop` */
	const char *summary;
	struct lat_lami_meta lami;
	unsigned options; /* LAT_OPTS_* */
	size_t priv_size; /* zeroed, handed to every callback */
	int (*init)(void *priv, const struct lat_analysis_config *config);
	int (*handle_event)(void *priv, const struct lat_kevent *ev,
			    const struct lat_state_change *change, const struct lat_state *state);
	/* Optional: the events before the analysed range (for state an analysis keeps itself). */
	int (*pre_event)(void *priv, const struct lat_kevent *ev,
			 const struct lat_state_change *change, const struct lat_state *state);
	/*
	 * Optional: forgets the period's data and keeps what spans periods (-r/--refresh starts a
	 * new period). Without it the driver calls fini, zeroes priv and calls init again (every
	 * analysis whose priv holds only period data, as lttng-analyses' period data objects).
	 */
	int (*new_period)(void *priv);
	/*
	 * Optional, with pre_event: --period makes one priv a period instance (init, then this),
	 * which takes from the base priv (which sees every event through pre_event) what spans
	 * periods. Without it an instance starts from init alone.
	 */
	int (*adopt)(void *priv, const void *base);
	/* Builds the tables of the period [begin, end]. */
	int (*finish)(void *priv, const struct lat_state *state, int64_t begin, int64_t end,
		      struct lat_result *result);
	void (*print_text)(const struct lat_result *result, const struct lat_text_opts *opts,
			   FILE *out);
	void (*fini)(void *priv);
};

/* The table of analyses (analysis.c). */
const struct lat_analysis_ops *lat_analysis_find(const char *name);
const struct lat_analysis_ops *const *lat_analysis_list(size_t *count);

/*
 * The driver: the period logic of lttng-analyses (the analysed range starts at the first
 * event at or after --begin and stops before the first event after --end; the state model sees
 * every event before the range too).
 */
struct lat_analysis_run {
	const struct lat_analysis_ops *ops;
	const struct lat_analysis_config *config;
	struct lat_state state;
	void *priv;
	bool started, ended;
	int64_t last_ts, period_begin;
	uint64_t events; /* events the analysis saw */
	/* -r/--refresh, --period: called when an interval [begin, end] ends, with the priv
	   holding its data (lat_analysis_run_interval() builds its results); non-zero stops */
	int (*on_interval)(struct lat_analysis_run *run, void *priv, int64_t begin, int64_t end,
			   void *user);
	void *interval_user;
	/* --period (lat_analysis_run_set_periods()): one priv per open period instance */
	struct lat_periods *periods;
	struct lat_run_instance *instances;
	uint32_t ninstances, instances_cap;
	int period_error;
};

struct lat_run_instance {
	uint32_t record; /* lat_periods_record() */
	void *priv;
};

int lat_analysis_run_init(struct lat_analysis_run *run, const struct lat_analysis_ops *ops,
			  const struct lat_analysis_config *config);
/* Returns 0, 1 once past --end (stop feeding), or a negative errno. */
int lat_analysis_run_event(struct lat_analysis_run *run, const struct lat_kevent *ev);
/* Builds the results; returns 0 (with no table when no event was in range) or -errno. */
int lat_analysis_run_finish(struct lat_analysis_run *run, struct lat_result *result);
/* From on_interval: the results of the interval [begin, end] that ends. */
int lat_analysis_run_interval(struct lat_analysis_run *run, void *priv, int64_t begin, int64_t end,
			      struct lat_result *result);
/*
 * --period on any analysis (lttng-analyses 0.6's user-defined periods): the analysis sees only
 * the events inside period instances, each instance with its own data, from its begin event
 * up to the event that ends it (excluded); each instance that ends, completed or not (its
 * parent ended, the end of the trace), gives on_interval [its begin, the ending event's ts].
 * No whole-range result then (lat_analysis_run_finish() ends the open instances). The engine
 * (lib/analyses/periods.c) is the caller's, created with no --begin/--end (the driver's).
 */
void lat_analysis_run_set_periods(struct lat_analysis_run *run, struct lat_periods *periods);
void lat_analysis_run_fini(struct lat_analysis_run *run);

/* Filters shared by the analyses (lttng-analyses' _filter_cpu and _filter_process). */
bool lat_config_cpu_ok(const struct lat_analysis_config *config, uint32_t cpu);
bool lat_config_task_ok(const struct lat_analysis_config *config, const struct lat_task *task);

/*
 * tid -> dense index (0, 1, 2... in order of first sight), for per-task statistics kept in
 * arrays: the order is lttng-analyses' dict order, which decides ties when sorting.
 */
struct lat_tid_map {
	uint32_t *slots; /* index + 1, 0 = empty */
	int32_t *tids;   /* by index */
	uint32_t cap, count, tids_cap;
};

/* Finds or adds tid; *index gets its dense index. Returns 1 if added, 0 if found, -ENOMEM. */
int lat_tid_map_get(struct lat_tid_map *map, int32_t tid, uint32_t *index);
/* Finds tid; returns false if absent. */
bool lat_tid_map_find(const struct lat_tid_map *map, int32_t tid, uint32_t *index);
void lat_tid_map_fini(struct lat_tid_map *map);

/* Grows an array of elem-sized items to hold at least `need`; returns 0 or -ENOMEM. */
int lat_grow(void **array, uint32_t *cap, uint32_t need, size_t elem);

/* Stable order helpers: sort `count` indexes by a key, descending, keeping ties in order. */
void lat_sort_desc_stable(uint32_t *order, size_t count, const double *keys);

#endif /* LATSCOPE_ANALYSES_ANALYSIS_H */
