/*
 * sched.c: wakeup -> switch-in latencies (lttng-analyses' cli/sched.py and core/sched.py, same
 * numbers): one analysis with four names (schedlog, schedtop, schedstats, schedfreq), each
 * implying its own --log/--top/--stats/--freq, all four combinable.
 *
 * The peer's rules, kept: a latency is measured at a sched_switch whose next task has a pending
 * wakeup (the state model keeps the first wakeup and ignores a wakeup of a running task); the
 * waker is the task current on the CPU that emitted the wakeup; the priority is the wakee's at
 * the switch. Log and top rows show the tasks as they are at the end of the analysis (the peer
 * keeps references to its live process objects); per-TID rows keep the comm and pid of when the
 * TID was first seen in the period.
 */
#include "analyses/sched.h"
#include "outputs/analyses_text.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sched_event {
	int64_t wakeup_ts, switch_ts;
	int32_t prio;
	uint32_t cpu;
	uint32_t wakee; /* state task index */
	int32_t waker;  /* state task index, -1 if none */
	uint32_t tidx;  /* index in the per-TID map */
};

struct tid_sched {
	char comm[LAT_STATE_COMM_LEN];
	int32_t pid;
	int32_t *prios; /* chronological priorities */
	uint32_t nprios, prios_cap;
	uint64_t count;
	int64_t min, max, total;
};

struct sched_priv {
	struct lat_analysis_config cfg; /* with the implied flag and the default grouping */
	struct sched_event *events;
	uint32_t nevents, events_cap;
	struct lat_tid_map map;
	struct tid_sched *tids;
	uint32_t tids_cap;
	/* --freq-series: table classes made at finish (per-TID, per-prio), freed at fini */
	struct lat_table_class series_cls[2];
	struct lat_column_class *series_cols[2];
	char (*series_titles[2])[32];
};

struct stats {
	uint64_t count;
	int64_t min, max, total;
	unsigned __int128 total_sq;
};

static const struct lat_column_class event_columns[] = {
    {"wakeup_ts", "Wakeup timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"switch_ts", "Switch timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"latency", "Scheduling latency", LAT_CLS_DURATION, NULL},
    {"prio", "Priority", LAT_CLS_NUMBER, NULL},
    {"target_cpu", "Target CPU", LAT_CLS_CPU, NULL},
    {"wakee_proc", "Wakee process", LAT_CLS_PROCESS, NULL},
    {"waker_proc", "Waker process", LAT_CLS_PROCESS, NULL},
};
static const struct lat_column_class total_columns[] = {
    {"count", "Scheduling count", LAT_CLS_NUMBER, "schedulings"},
    {"min_latency", "Minimum latency", LAT_CLS_DURATION, NULL},
    {"avg_latency", "Average latency", LAT_CLS_DURATION, NULL},
    {"max_latency", "Maximum latency", LAT_CLS_DURATION, NULL},
    {"stdev_latency", "Scheduling latency standard deviation", LAT_CLS_DURATION, NULL},
};
static const struct lat_column_class tid_columns[] = {
    {"process", "Wakee process", LAT_CLS_PROCESS, NULL},
    {"count", "Scheduling count", LAT_CLS_NUMBER, "schedulings"},
    {"min_latency", "Minimum latency", LAT_CLS_DURATION, NULL},
    {"avg_latency", "Average latency", LAT_CLS_DURATION, NULL},
    {"max_latency", "Maximum latency", LAT_CLS_DURATION, NULL},
    {"stdev_latency", "Scheduling latency standard deviation", LAT_CLS_DURATION, NULL},
    {"prio_list", "Chronological priorities", LAT_CLS_STRING, NULL},
};
static const struct lat_column_class prio_columns[] = {
    {"prio", "Priority", LAT_CLS_NUMBER, NULL},
    {"count", "Scheduling count", LAT_CLS_NUMBER, "schedulings"},
    {"min_latency", "Minimum latency", LAT_CLS_DURATION, NULL},
    {"avg_latency", "Average latency", LAT_CLS_DURATION, NULL},
    {"max_latency", "Maximum latency", LAT_CLS_DURATION, NULL},
    {"stdev_latency", "Scheduling latency standard deviation", LAT_CLS_DURATION, NULL},
};
static const struct lat_column_class freq_columns[] = {
    {"duration_lower", "Duration (lower bound)", LAT_CLS_DURATION, NULL},
    {"duration_upper", "Duration (upper bound)", LAT_CLS_DURATION, NULL},
    {"count", "Scheduling count", LAT_CLS_NUMBER, "schedulings"},
};

#define CLASS(name, title, cols)                                  \
	{                                                         \
		name, title, cols, sizeof(cols) / sizeof(cols[0]) \
	}
static const struct lat_table_class log_class = CLASS("log", "Scheduling log", event_columns);
static const struct lat_table_class top_class = CLASS("top", "Scheduling top", event_columns);
static const struct lat_table_class total_class =
    CLASS("total_stats", "Scheduling latency stats (total)", total_columns);
static const struct lat_table_class tid_class =
    CLASS("per_tid_stats", "Scheduling latency stats (per-TID)", tid_columns);
static const struct lat_table_class prio_class =
    CLASS("per_prio_stats", "Scheduling latency stats (per-prio)", prio_columns);
static const struct lat_table_class freq_class =
    CLASS("freq", "Scheduling latency frequency distribution", freq_columns);
static const struct lat_table_class *const classes[] = {
    &log_class, &top_class, &total_class, &tid_class, &prio_class, &freq_class,
};
static const char *const tags[] = {"sched", "stats", "freq", "top", "log", NULL};

static int sched_init(void *priv, const struct lat_analysis_config *config)
{
	struct sched_priv *sp = priv;

	sp->cfg = *config;
	if (!sp->cfg.total && !sp->cfg.per_prio) {
		sp->cfg.per_tid = true;
	}
	if (sp->cfg.freq_series) {
		sp->cfg.freq_uniform = true;
	}
	if (sp->cfg.freq_resolution <= 0) {
		sp->cfg.freq_resolution = 20;
	}
	return 0;
}

static int init_log(void *priv, const struct lat_analysis_config *config)
{
	sched_init(priv, config);
	((struct sched_priv *)priv)->cfg.log = true;
	return 0;
}

static int init_top(void *priv, const struct lat_analysis_config *config)
{
	sched_init(priv, config);
	((struct sched_priv *)priv)->cfg.top = true;
	return 0;
}

static int init_stats(void *priv, const struct lat_analysis_config *config)
{
	sched_init(priv, config);
	((struct sched_priv *)priv)->cfg.stats = true;
	return 0;
}

static int init_freq(void *priv, const struct lat_analysis_config *config)
{
	sched_init(priv, config);
	((struct sched_priv *)priv)->cfg.freq = true;
	return 0;
}

static int add_prio(struct tid_sched *ts, int32_t prio)
{
	if (lat_grow((void **)&ts->prios, &ts->prios_cap, ts->nprios + 1, sizeof(*ts->prios))) {
		return -ENOMEM;
	}
	ts->prios[ts->nprios++] = prio;
	return 0;
}

/* The per-TID entry of a task, made (with its current priority) on first sight. */
static int get_tid(struct sched_priv *sp, const struct lat_task *task, uint32_t *index)
{
	int ret = lat_tid_map_get(&sp->map, task->tid, index);

	if (ret < 0 || lat_grow((void **)&sp->tids, &sp->tids_cap, *index + 1, sizeof(*sp->tids))) {
		return -ENOMEM;
	}
	if (ret == 1) {
		struct tid_sched *ts = &sp->tids[*index];

		memset(ts, 0, sizeof(*ts));
		memcpy(ts->comm, task->comm, sizeof(ts->comm));
		ts->pid = task->pid;
		return add_prio(ts, task->has_prio ? task->prio : 0);
	}
	return 0;
}

static int sched_handle_event(void *priv, const struct lat_kevent *ev,
			      const struct lat_state_change *change, const struct lat_state *state)
{
	struct sched_priv *sp = priv;
	const struct lat_task *wakee = change->task, *waker = NULL;
	struct sched_event *se;
	uint32_t index, wakee_index;
	int64_t latency;

	/* prio_changed notifications come before the switch's own one */
	for (int i = 0; i < change->nprio; i++) {
		if (lat_tid_map_find(&sp->map, change->prio_changes[i].tid, &index) &&
		    add_prio(&sp->tids[index], change->prio_changes[i].prio)) {
			return -ENOMEM;
		}
	}
	if (ev->type != LAT_EV_SCHED_SWITCH || !wakee) {
		return 0;
	}
	if (!lat_config_task_ok(&sp->cfg, wakee) || !lat_config_cpu_ok(&sp->cfg, ev->cpu)) {
		return 0;
	}
	if (change->wakeup_ts < 0) {
		return 0;
	}
	latency = ev->ts - change->wakeup_ts;
	if (sp->cfg.has_min && (double)latency < sp->cfg.min_ns) {
		return 0;
	}
	if (sp->cfg.has_max && (double)latency > sp->cfg.max_ns) {
		return 0;
	}
	if (change->waker_tid != LAT_NO_TID) {
		waker = lat_state_task(state, change->waker_tid);
	}
	if (waker && !lat_tid_map_find(&sp->map, waker->tid, &index) &&
	    get_tid(sp, waker, &index)) {
		return -ENOMEM;
	}
	if (get_tid(sp, wakee, &wakee_index) ||
	    lat_grow((void **)&sp->events, &sp->events_cap, sp->nevents + 1, sizeof(*sp->events))) {
		return -ENOMEM;
	}
	se = &sp->events[sp->nevents++];
	se->wakeup_ts = change->wakeup_ts;
	se->switch_ts = ev->ts;
	se->prio = wakee->has_prio ? wakee->prio : 0;
	se->cpu = ev->cpu;
	se->wakee = (uint32_t)(wakee - state->tasks);
	se->waker = waker ? (int32_t)(waker - state->tasks) : -1;
	se->tidx = wakee_index;
	{
		struct tid_sched *ts = &sp->tids[wakee_index];

		if (ts->count == 0 || latency < ts->min) {
			ts->min = latency;
		}
		if (ts->count == 0 || latency > ts->max) {
			ts->max = latency;
		}
		ts->count++;
		ts->total += latency;
	}
	return 0;
}

static inline int64_t latency_of(const struct sched_event *se)
{
	return se->switch_ts - se->wakeup_ts;
}

static void stats_add(struct stats *st, int64_t latency)
{
	if (st->count == 0 || latency < st->min) {
		st->min = latency;
	}
	if (st->count == 0 || latency > st->max) {
		st->max = latency;
	}
	st->count++;
	st->total += latency;
	st->total_sq += (unsigned __int128)((__int128)latency * latency);
}

/* Python's statistics.stdev(): the exact variance, square-rooted and rounded once. */
static double exact_stdev(const struct stats *st)
{
	__int128 n = st->count, sum = st->total;
	__int128 num = n * (__int128)st->total_sq - sum * sum;
	__int128 den = n * (n - 1);
	__float128 v, x;

	if (num <= 0) {
		return 0;
	}
	v = (__float128)num / (__float128)den;
	x = (__float128)__builtin_sqrt((double)v);
	for (int i = 0; i < 3; i++) {
		x = (x + v / x) / 2;
	}
	return (double)x;
}

static struct lat_cell stdev_cell(const struct stats *st)
{
	return st->count >= 2 ? lat_cell_float(LAT_CLS_DURATION, exact_stdev(st))
			      : lat_cell_unknown();
}

static struct lat_cell task_cell(struct lat_result *result, const struct lat_task *task)
{
	return lat_cell_process(lat_result_strdup(result, task->comm), task->pid != LAT_NO_TID,
				task->pid, true, task->tid);
}

static int add_event_row(struct sched_priv *sp, const struct lat_state *state,
			 struct lat_result *result, struct lat_table *table,
			 const struct sched_event *se)
{
	struct lat_cell *row = lat_table_add_row(table);

	if (!row) {
		return -ENOMEM;
	}
	row[0] = lat_cell_int(LAT_CLS_TIMESTAMP, se->wakeup_ts);
	row[1] = lat_cell_int(LAT_CLS_TIMESTAMP, se->switch_ts);
	row[2] = lat_cell_int(LAT_CLS_DURATION, latency_of(se));
	row[3] = lat_cell_int(LAT_CLS_NUMBER, se->prio);
	row[4] = lat_cell_int(LAT_CLS_CPU, se->cpu);
	row[5] = task_cell(result, &state->tasks[se->wakee]);
	row[6] = se->waker >= 0 ? task_cell(result, &state->tasks[se->waker])
				: (struct lat_cell){.cls = LAT_CLS_EMPTY};
	return 0;
}

static int add_stats_row(struct lat_table *table, const struct stats *st, struct lat_cell first,
			 bool has_first)
{
	struct lat_cell *row = lat_table_add_row(table);
	int c = 0;

	if (!row) {
		return -ENOMEM;
	}
	if (has_first) {
		row[c++] = first;
	}
	row[c++] = lat_cell_int(LAT_CLS_NUMBER, (int64_t)st->count);
	row[c++] = lat_cell_int(LAT_CLS_DURATION, st->min);
	row[c++] = st->count ? lat_cell_float(LAT_CLS_DURATION, (double)st->total / st->count)
			     : lat_cell_int(LAT_CLS_DURATION, 0);
	row[c++] = lat_cell_int(LAT_CLS_DURATION, st->max);
	row[c++] = stdev_cell(st);
	return 0;
}

static void format_prio_list(char *buf, size_t len, const struct tid_sched *ts)
{
	int32_t *sorted = malloc((ts->nprios + 1) * sizeof(*sorted));
	size_t n = 0;

	snprintf(buf, len, "[]");
	if (!sorted || ts->nprios == 0) {
		free(sorted);
		return;
	}
	memcpy(sorted, ts->prios, ts->nprios * sizeof(*sorted));
	for (uint32_t i = 1; i < ts->nprios; i++) { /* insertion sort: lists are short */
		int32_t v = sorted[i];
		uint32_t j = i;

		for (; j > 0 && sorted[j - 1] > v; j--) {
			sorted[j] = sorted[j - 1];
		}
		sorted[j] = v;
	}
	n += snprintf(buf + n, len - n, "[");
	for (uint32_t i = 0; i < ts->nprios && n < len;) {
		uint32_t j = i;

		while (j < ts->nprios && sorted[j] == sorted[i]) {
			j++;
		}
		n += snprintf(buf + n, len - n, "%s%" PRId32, i ? ", " : "", sorted[i]);
		if (j - i > 1 && n < len) {
			n += snprintf(buf + n, len - n, " (%u times)", j - i);
		}
		i = j;
	}
	if (n < len) {
		snprintf(buf + n, len - n, "]");
	}
	free(sorted);
}

static int cmp_comm(const void *a, const void *b, void *arg)
{
	const struct sched_priv *sp = arg;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	const unsigned char *ca = (const unsigned char *)sp->tids[ia].comm;
	const unsigned char *cb = (const unsigned char *)sp->tids[ib].comm;

	for (;; ca++, cb++) {
		int x = tolower(*ca), y = tolower(*cb);

		if (x != y) {
			return x - y;
		}
		if (!x) {
			break;
		}
	}
	return ia < ib ? -1 : ia > ib;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return x < y ? -1 : x > y;
}

/* Groups: the events of each TID (sorted) or each priority (sorted), or all (one group). */
struct groups {
	uint32_t n;
	int32_t *keys;
	struct stats *stats;
	uint32_t *of_event; /* event -> group */
};

enum grouping {
	BY_TOTAL = LAT_SCHED_GROUP_TOTAL,
	BY_TID = LAT_SCHED_GROUP_TID,
	BY_PRIO = LAT_SCHED_GROUP_PRIO,
};

/* A group's distribution's title ("TID: 12", "Priority: 20"), from what the table says it is. */
static void freq_title(char *buf, size_t len, int32_t group, int32_t key)
{
	snprintf(buf, len, "%s: %" PRId32, group == BY_TID ? "TID" : "Priority", key);
}

static int make_groups(const struct sched_priv *sp, enum grouping by, struct groups *g)
{
	uint32_t cap = by == BY_TOTAL ? 1 : sp->nevents + 1;

	memset(g, 0, sizeof(*g));
	g->keys = calloc(cap, sizeof(*g->keys));
	g->stats = calloc(cap, sizeof(*g->stats));
	g->of_event = calloc(sp->nevents + 1, sizeof(*g->of_event));
	if (!g->keys || !g->stats || !g->of_event) {
		return -ENOMEM;
	}
	if (by == BY_TOTAL) {
		g->n = 1;
	} else {
		for (uint32_t e = 0; e < sp->nevents; e++) {
			const struct sched_event *se = &sp->events[e];

			g->keys[g->n++] = by == BY_TID ? sp->map.tids[se->tidx] : se->prio;
		}
		qsort(g->keys, g->n, sizeof(*g->keys), cmp_i32);
		{
			uint32_t u = 0;

			for (uint32_t i = 0; i < g->n; i++) {
				if (u == 0 || g->keys[u - 1] != g->keys[i]) {
					g->keys[u++] = g->keys[i];
				}
			}
			g->n = u;
		}
	}
	for (uint32_t e = 0; e < sp->nevents; e++) {
		const struct sched_event *se = &sp->events[e];
		uint32_t k = 0;

		if (by != BY_TOTAL) {
			int32_t key = by == BY_TID ? sp->map.tids[se->tidx] : se->prio;
			int32_t *found = bsearch(&key, g->keys, g->n, sizeof(*g->keys), cmp_i32);

			k = (uint32_t)(found - g->keys);
		}
		g->of_event[e] = k;
		stats_add(&g->stats[k], latency_of(se));
	}
	return 0;
}

static void free_groups(struct groups *g)
{
	free(g->keys);
	free(g->stats);
	free(g->of_event);
}

struct freq_range {
	double min, max, step;
};

/*
 * Command._find_uniform_freq_values(): --min/--max, else the extremes, in µs. The peer takes
 * --min/--max there in ns (its bins run to 1000 times --max, and --min fails with an
 * IndexError): latscope takes them in µs (docs/conformance.md).
 */
static struct freq_range uniform_range(const struct sched_priv *sp)
{
	struct freq_range r = {0, 0, 0};
	int64_t lo = 0, hi = 0;

	for (uint32_t e = 0; e < sp->nevents; e++) {
		int64_t l = latency_of(&sp->events[e]);

		if (e == 0 || l < lo) {
			lo = l;
		}
		if (e == 0 || l > hi) {
			hi = l;
		}
	}
	r.min = sp->cfg.has_min ? sp->cfg.min_ns / 1000 : sp->nevents ? (double)lo / 1000 : 0;
	r.max = sp->cfg.has_max ? sp->cfg.max_ns / 1000 : sp->nevents ? (double)hi / 1000 : 0;
	r.step = (r.max - r.min) / sp->cfg.freq_resolution;
	return r;
}

static int fill_freq(const struct sched_priv *sp, const struct groups *g, uint32_t k,
		     const struct freq_range *uniform, struct lat_table *table)
{
	int res = sp->cfg.freq_resolution;
	struct freq_range r;
	int64_t *counts;

	if (uniform) {
		r = *uniform;
	} else {
		r.min = (sp->cfg.has_min ? sp->cfg.min_ns : (double)g->stats[k].min) / 1000;
		r.max = (sp->cfg.has_max ? sp->cfg.max_ns : (double)g->stats[k].max) / 1000;
		if (!sp->cfg.has_min && g->stats[k].count == 0) {
			r.min = 0;
		}
		if (!sp->cfg.has_max && g->stats[k].count == 0) {
			r.max = 0;
		}
		r.step = (r.max - r.min) / res;
	}
	if (r.step == 0) {
		return 0;
	}
	counts = calloc(res, sizeof(*counts));
	if (!counts) {
		return -ENOMEM;
	}
	for (uint32_t e = 0; e < sp->nevents; e++) {
		double duration, q;
		int64_t index;

		if (g->of_event[e] != k) {
			continue;
		}
		duration = (double)latency_of(&sp->events[e]) / 1000;
		q = (duration - r.min) / r.step;
		if (!(fabs(q) < 9e18)) {
			continue;
		}
		index = (int64_t)q; /* int(): towards zero */
		if (index >= res) {
			/* the max value goes in the last bucket */
			if (duration == r.max && index == res) {
				counts[index - 1]++;
			}
			continue;
		}
		if (index < 0) {
			continue; /* below --min (not in the sample: filtered at the switch) */
		}
		counts[index]++;
	}
	for (int i = 0; i < res; i++) {
		struct lat_cell *row = lat_table_add_row(table);

		if (!row) {
			free(counts);
			return -ENOMEM;
		}
		row[0] = lat_cell_float(LAT_CLS_DURATION, (i * r.step + r.min) * 1000);
		row[1] = lat_cell_float(LAT_CLS_DURATION, ((i + 1) * r.step + r.min) * 1000);
		row[2] = lat_cell_int(LAT_CLS_NUMBER, counts[i]);
	}
	free(counts);
	return 0;
}

/*
 * --freq-series: the per-group tables of `scratch` as one table (bounds, then one count column a
 * group, titled by its group and key (freq_title)), as the peer's LAMI output has it; the text
 * printer draws one graph a column, which is what the peer prints.
 */
static int add_series_table(struct sched_priv *sp, struct lat_result *result,
			    const struct lat_result *scratch, enum grouping by, int64_t begin,
			    int64_t end)
{
	int s = by == BY_TID ? 0 : 1;
	size_t n = scratch->ntables;
	struct lat_column_class *cols = calloc(n + 2, sizeof(*cols));
	char(*titles)[32] = calloc(n + 1, sizeof(*titles));
	struct lat_table *table;

	if (!cols || !titles) {
		free(cols);
		free(titles);
		return -ENOMEM;
	}
	sp->series_cols[s] = cols;
	sp->series_titles[s] = titles;
	cols[0] = freq_columns[0];
	cols[1] = freq_columns[1];
	for (size_t k = 0; k < n; k++) {
		freq_title(titles[k], sizeof(titles[k]), scratch->tables[k].group,
			   scratch->tables[k].subject);
		cols[k + 2] =
		    (struct lat_column_class){NULL, titles[k], LAT_CLS_NUMBER, "schedulings"};
	}
	sp->series_cls[s] = (struct lat_table_class){
	    NULL, "Scheduling latencies frequency distributions", cols, n + 2};
	table = lat_result_add_table(result, &sp->series_cls[s], begin, end, NULL);
	if (!table) {
		return -ENOMEM;
	}
	table->role = LAT_SCHED_FREQ_SERIES;
	table->group = by;
	for (size_t r = 0; n && r < scratch->tables[0].nrows; r++) {
		struct lat_cell *row = lat_table_add_row(table);

		if (!row) {
			return -ENOMEM;
		}
		row[0] = *lat_table_cell(&scratch->tables[0], r, 0);
		row[1] = *lat_table_cell(&scratch->tables[0], r, 1);
		for (size_t k = 0; k < n; k++) {
			row[k + 2] = scratch->tables[k].nrows > r
					 ? *lat_table_cell(&scratch->tables[k], r, 2)
					 : lat_cell_int(LAT_CLS_NUMBER, 0);
		}
	}
	return 0;
}

static int add_freq_tables(struct sched_priv *sp, struct lat_result *result, enum grouping by,
			   int64_t begin, int64_t end);

static int add_freq(struct sched_priv *sp, struct lat_result *result, enum grouping by,
		    int64_t begin, int64_t end)
{
	struct lat_result scratch;
	int ret;

	if (by == BY_TOTAL || !sp->cfg.freq_series) {
		return add_freq_tables(sp, result, by, begin, end);
	}
	lat_result_init(&scratch);
	ret = add_freq_tables(sp, &scratch, by, begin, end);
	if (!ret && scratch.ntables) {
		ret = add_series_table(sp, result, &scratch, by, begin, end);
	}
	lat_result_fini(&scratch);
	return ret;
}

static int add_freq_tables(struct sched_priv *sp, struct lat_result *result, enum grouping by,
			   int64_t begin, int64_t end)
{
	struct freq_range uniform;
	struct groups g;
	size_t first = result->ntables;
	int ret = make_groups(sp, by, &g);

	if (ret) {
		goto out;
	}
	if (sp->cfg.freq_uniform) {
		uniform = uniform_range(sp);
	}
	for (uint32_t k = 0; k < g.n; k++) {
		char subtitle[64];
		struct lat_table *table;

		if (by != BY_TOTAL) {
			freq_title(subtitle, sizeof(subtitle), by, g.keys[k]);
		}
		table = lat_result_add_table(result, &freq_class, begin, end,
					     by == BY_TOTAL ? NULL : subtitle);
		if (!table) {
			ret = -ENOMEM;
			goto out;
		}
		table->role = LAT_SCHED_FREQ;
		table->group = by;
		table->subject = by == BY_TOTAL ? -1 : g.keys[k];
		ret = fill_freq(sp, &g, k, sp->cfg.freq_uniform ? &uniform : NULL, table);
		if (ret) {
			goto out;
		}
	}
	(void)first;
out:
	free_groups(&g);
	return ret;
}

static int sched_finish(void *priv, const struct lat_state *state, int64_t begin, int64_t end,
			struct lat_result *result)
{
	struct sched_priv *sp = priv;
	struct lat_table *table;
	int ret = 0;

	if (sp->cfg.log) {
		table = lat_result_add_table(result, &log_class, begin, end, NULL);
		if (!table) {
			return -ENOMEM;
		}
		table->role = LAT_SCHED_LOG;
		for (uint32_t e = 0; e < sp->nevents && !ret; e++) {
			ret = add_event_row(sp, state, result, table, &sp->events[e]);
		}
	}
	if (!ret && sp->cfg.top) {
		double *keys = calloc(sp->nevents + 1, sizeof(*keys));
		uint32_t *order = calloc(sp->nevents + 1, sizeof(*order));

		table = lat_result_add_table(result, &top_class, begin, end, NULL);
		if (!keys || !order || !table) {
			ret = -ENOMEM;
		} else {
			table->role = LAT_SCHED_TOP;
		}
		for (uint32_t e = 0; !ret && e < sp->nevents; e++) {
			keys[e] = (double)latency_of(&sp->events[e]);
		}
		if (!ret) {
			lat_sort_desc_stable(order, sp->nevents, keys);
		}
		for (uint32_t k = 0; !ret && k < sp->nevents; k++) {
			if (sp->cfg.limit > 0 && k >= (uint32_t)sp->cfg.limit) {
				break;
			}
			ret = add_event_row(sp, state, result, table, &sp->events[order[k]]);
		}
		free(keys);
		free(order);
	}
	if (!ret && sp->cfg.stats && sp->cfg.total) {
		struct stats st = {0};

		for (uint32_t e = 0; e < sp->nevents; e++) {
			stats_add(&st, latency_of(&sp->events[e]));
		}
		table = lat_result_add_table(result, &total_class, begin, end, NULL);
		if (table) {
			table->role = LAT_SCHED_TOTAL;
		}
		ret = table ? add_stats_row(table, &st, (struct lat_cell){0}, false) : -ENOMEM;
	}
	if (!ret && sp->cfg.stats && sp->cfg.per_tid) {
		uint32_t n = sp->map.count, *order = calloc(n + 1, sizeof(*order));
		struct stats *per = calloc(n + 1, sizeof(*per));

		table = lat_result_add_table(result, &tid_class, begin, end, NULL);
		if (!order || !per || !table) {
			ret = -ENOMEM;
		} else {
			table->role = LAT_SCHED_PER_TID;
		}
		for (uint32_t e = 0; !ret && e < sp->nevents; e++) {
			stats_add(&per[sp->events[e].tidx], latency_of(&sp->events[e]));
		}
		for (uint32_t i = 0; !ret && i < n; i++) {
			order[i] = i;
		}
		if (!ret) {
			qsort_r(order, n, sizeof(*order), cmp_comm, sp);
		}
		for (uint32_t k = 0; !ret && k < n; k++) {
			uint32_t i = order[k];
			const struct tid_sched *ts = &sp->tids[i];
			char prios[1024];

			if (per[i].count == 0) {
				continue;
			}
			format_prio_list(prios, sizeof(prios), ts);
			ret = add_stats_row(table, &per[i],
					    lat_cell_process(lat_result_strdup(result, ts->comm),
							     false, 0, true, sp->map.tids[i]),
					    true);
			if (!ret) {
				struct lat_cell *row =
				    &table->cells[(table->nrows - 1) * table->cls->ncolumns];

				row[6] =
				    lat_cell_str(LAT_CLS_STRING, lat_result_strdup(result, prios));
			}
		}
		free(order);
		free(per);
	}
	if (!ret && sp->cfg.stats && sp->cfg.per_prio) {
		struct groups g;

		ret = make_groups(sp, BY_PRIO, &g);
		table = ret ? NULL : lat_result_add_table(result, &prio_class, begin, end, NULL);
		if (!ret && !table) {
			ret = -ENOMEM;
		} else if (table) {
			table->role = LAT_SCHED_PER_PRIO;
		}
		for (uint32_t k = 0; !ret && k < g.n; k++) {
			ret = add_stats_row(table, &g.stats[k],
					    lat_cell_int(LAT_CLS_NUMBER, g.keys[k]), true);
		}
		free_groups(&g);
	}
	if (!ret && sp->cfg.freq && sp->cfg.total) {
		ret = add_freq(sp, result, BY_TOTAL, begin, end);
	}
	if (!ret && sp->cfg.freq && sp->cfg.per_tid) {
		ret = add_freq(sp, result, BY_TID, begin, end);
	}
	if (!ret && sp->cfg.freq && sp->cfg.per_prio) {
		ret = add_freq(sp, result, BY_PRIO, begin, end);
	}
	/* the peer prints the time range even with nothing else: an empty table carries it */
	if (!ret && result->ntables == 0) {
		table = lat_result_add_table(result, &freq_class, begin, end, NULL);
		if (table) {
			table->role = LAT_SCHED_FREQ;
		} else {
			ret = -ENOMEM;
		}
	}
	return ret;
}

static void sched_fini(void *priv)
{
	struct sched_priv *sp = priv;

	for (uint32_t i = 0; i < sp->map.count && sp->tids; i++) {
		free(sp->tids[i].prios);
	}
	free(sp->tids);
	free(sp->events);
	for (int i = 0; i < 2; i++) {
		free(sp->series_cols[i]);
		free(sp->series_titles[i]);
	}
	lat_tid_map_fini(&sp->map);
}

#define SCHED_OPS(VAR, NAME, SUMMARY, INIT)                                                     \
	const struct lat_analysis_ops VAR = {                                                   \
	    .name = NAME,                                                                       \
	    .summary = SUMMARY,                                                                 \
	    .lami = {"Scheduling latencies analysis",                                           \
		     "Scheduling latencies frequency distribution, statistics, top, and log",   \
		     tags, classes, sizeof(classes) / sizeof(classes[0])},                      \
	    .options = LAT_OPTS_PROC_FILTER | LAT_OPTS_TOP | LAT_OPTS_MIN_MAX | LAT_OPTS_FREQ | \
		       LAT_OPTS_LOG | LAT_OPTS_STATS | LAT_OPTS_SCHED,                          \
	    .priv_size = sizeof(struct sched_priv),                                             \
	    .init = INIT,                                                                       \
	    .handle_event = sched_handle_event,                                                 \
	    .finish = sched_finish,                                                             \
	    .print_text = lat_sched_print_text,                                                 \
	    .fini = sched_fini,                                                                 \
	}

SCHED_OPS(lat_schedlog_ops, "schedlog", "Scheduling latencies (wakeup to switch), in order",
	  init_log);
SCHED_OPS(lat_schedtop_ops, "schedtop", "The longest scheduling latencies", init_top);
SCHED_OPS(lat_schedstats_ops, "schedstats", "Scheduling latency statistics", init_stats);
SCHED_OPS(lat_schedfreq_ops, "schedfreq", "Scheduling latency frequency distribution", init_freq);
