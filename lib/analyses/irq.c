/*
 * irq.c: hard and soft IRQ statistics, handler duration histograms and the IRQ log
 * (lttng-analyses' cli/irq.py and core/irq.py: same tables, same numbers). One analysis with
 * three names: irqstats implies --stats, irqfreq --freq, irqlog --log; all three combine.
 */
#include "analyses/irq.h"
#include "outputs/analyses_text.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HARD_IRQ 65536
#define MAX_NAMES    4
#define NR_SOFT      LAT_NR_SOFTIRQ

/* One handled interrupt (the peer's irq_list). */
struct irq_rec {
	int64_t begin, end, raise; /* raise: -1 if not seen (soft) or none (hard) */
	int32_t id;
	uint32_t cpu;
	bool hard;
};

/* The peer's IrqStats / HardIrqStats / SoftIrqStats. */
struct irq_stat {
	bool exists; /* a key of the peer's dict */
	int nnames;
	char names[MAX_NAMES][32];
	int64_t count, min, max, total;
	unsigned __int128 total_sq;
	int64_t raise_count, rmin, rmax, rtotal;
	unsigned __int128 rtotal_sq;
};

struct irq {
	struct lat_analysis_config cfg; /* with the analysis' own table implied */
	struct irq_stat *hard;
	uint32_t hard_cap;
	struct irq_stat soft[NR_SOFT];
	struct irq_rec *recs;
	uint32_t nrecs, recs_cap;
	bool keep_recs;
	/* --freq-series: a table class of its own */
	struct lat_table_class series_cls;
	struct lat_column_class *series_cols;
	char (*series_keys)[32];
};

static const char *const softirq_names[] = {
    "HI_SOFTIRQ",           "TIMER_SOFTIRQ",   "NET_TX_SOFTIRQ", "NET_RX_SOFTIRQ",  "BLOCK_SOFTIRQ",
    "BLOCK_IOPOLL_SOFTIRQ", "TASKLET_SOFTIRQ", "SCHED_SOFTIRQ",  "HRTIMER_SOFTIRQ", "RCU_SOFTIRQ",
};

static const struct lat_column_class log_columns[] = {
    {"time_range", "Time range", LAT_CLS_TIME_RANGE, NULL},
    {"raised_ts", "Raised timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"cpu", "CPU", LAT_CLS_CPU, NULL},
    {"irq", "Interrupt", LAT_CLS_IRQ, NULL},
};
static const struct lat_column_class hard_columns[] = {
    {"irq", "Interrupt", LAT_CLS_IRQ, NULL},
    {"count", "Interrupt count", LAT_CLS_NUMBER, "interrupts"},
    {"min_duration", "Minimum duration", LAT_CLS_DURATION, NULL},
    {"avg_duration", "Average duration", LAT_CLS_DURATION, NULL},
    {"max_duration", "Maximum duration", LAT_CLS_DURATION, NULL},
    {"stdev_duration", "Interrupt duration standard deviation", LAT_CLS_DURATION, NULL},
};
static const struct lat_column_class soft_columns[] = {
    {"irq", "Interrupt", LAT_CLS_IRQ, NULL},
    {"count", "Interrupt count", LAT_CLS_NUMBER, "interrupts"},
    {"min_duration", "Minimum duration", LAT_CLS_DURATION, NULL},
    {"avg_duration", "Average duration", LAT_CLS_DURATION, NULL},
    {"max_duration", "Maximum duration", LAT_CLS_DURATION, NULL},
    {"stdev_duration", "Interrupt duration standard deviation", LAT_CLS_DURATION, NULL},
    {"raise_count", "Interrupt raise count", LAT_CLS_NUMBER, "interrupt raises"},
    {"min_latency", "Minimum raise latency", LAT_CLS_DURATION, NULL},
    {"avg_latency", "Average raise latency", LAT_CLS_DURATION, NULL},
    {"max_latency", "Maximum raise latency", LAT_CLS_DURATION, NULL},
    {"stdev_latency", "Interrupt raise latency standard deviation", LAT_CLS_DURATION, NULL},
};
static const struct lat_column_class freq_columns[] = {
    {"duration_lower", "Duration (lower bound)", LAT_CLS_DURATION, NULL},
    {"duration_upper", "Duration (upper bound)", LAT_CLS_DURATION, NULL},
    {"count", "Interrupt count", LAT_CLS_NUMBER, "interrupts"},
};
static const struct lat_column_class summary_columns[] = {
    {"time_range", "Time range", LAT_CLS_TIME_RANGE, NULL},
    {"count", "Total interrupt count", LAT_CLS_NUMBER, "interrupts"},
};

#define CLASS(name, title, cols)                                  \
	{                                                         \
		name, title, cols, sizeof(cols) / sizeof(cols[0]) \
	}
static const struct lat_table_class log_class = CLASS("log", "Interrupt log", log_columns);
static const struct lat_table_class hard_class =
    CLASS("hard-stats", "Hardware interrupt statistics", hard_columns);
static const struct lat_table_class soft_class =
    CLASS("soft-stats", "Software interrupt statistics", soft_columns);
static const struct lat_table_class freq_class =
    CLASS("freq", "Interrupt handler duration frequency distribution", freq_columns);
static const struct lat_table_class summary_class =
    CLASS("summary", "Interrupt statistics - summary", summary_columns);
static const struct lat_table_class *const classes[] = {
    &log_class, &hard_class, &soft_class, &freq_class, &summary_class,
};
static const char *const tags[] = {"interrupt", "stats", "freq", "log", NULL};

static int irq_init_common(void *priv, const struct lat_analysis_config *config)
{
	struct irq *st = priv;

	st->cfg = *config;
	/* the peer's `if args.irq:` */
	if (st->cfg.irq_list && !st->cfg.irq_list[0]) {
		st->cfg.irq_list = NULL;
	}
	if (st->cfg.softirq_list && !st->cfg.softirq_list[0]) {
		st->cfg.softirq_list = NULL;
	}
	if (st->cfg.freq_series) {
		st->cfg.freq_uniform = true;
	}
	st->keep_recs = st->cfg.log || st->cfg.freq;
	return 0;
}

static int irqstats_init(void *priv, const struct lat_analysis_config *config)
{
	irq_init_common(priv, config);
	((struct irq *)priv)->cfg.stats = true;
	return 0;
}

static int irqfreq_init(void *priv, const struct lat_analysis_config *config)
{
	irq_init_common(priv, config);
	((struct irq *)priv)->cfg.freq = true;
	((struct irq *)priv)->keep_recs = true;
	return 0;
}

static int irqlog_init(void *priv, const struct lat_analysis_config *config)
{
	irq_init_common(priv, config);
	((struct irq *)priv)->cfg.log = true;
	((struct irq *)priv)->keep_recs = true;
	return 0;
}

static struct irq_stat *hard_stat(struct irq *st, int32_t id)
{
	if (id < 0 || id >= MAX_HARD_IRQ) {
		return NULL;
	}
	if ((uint32_t)id >= st->hard_cap) {
		uint32_t old = st->hard_cap;

		if (lat_grow((void **)&st->hard, &st->hard_cap, (uint32_t)id + 1,
			     sizeof(*st->hard))) {
			return NULL;
		}
		memset(st->hard + old, 0, (st->hard_cap - old) * sizeof(*st->hard));
	}
	return &st->hard[id];
}

static void add_name(struct irq_stat *s, const char *name)
{
	for (int i = 0; i < s->nnames; i++) {
		if (strncmp(s->names[i], name, sizeof(s->names[i]) - 1) == 0) {
			return;
		}
	}
	if (s->nnames < MAX_NAMES) {
		snprintf(s->names[s->nnames++], sizeof(s->names[0]), "%s", name);
	}
}

static void update_stats(struct irq_stat *s, const struct lat_irq *irq)
{
	int64_t d = irq->end_ts - irq->begin_ts;

	if (s->count == 0 || d < s->min) {
		s->min = d;
	}
	if (s->count == 0 || d > s->max) {
		s->max = d;
	}
	s->count++;
	s->total += d;
	s->total_sq += (unsigned __int128)((__int128)d * d);
	if (!irq->hard && irq->raise_ts >= 0) {
		int64_t l = irq->begin_ts - irq->raise_ts;

		if (s->raise_count == 0 || l < s->rmin) {
			s->rmin = l;
		}
		if (s->raise_count == 0 || l > s->rmax) {
			s->rmax = l;
		}
		s->raise_count++;
		s->rtotal += l;
		s->rtotal_sq += (unsigned __int128)((__int128)l * l);
	}
}

static int irq_handle_event(void *priv, const struct lat_kevent *ev,
			    const struct lat_state_change *change, const struct lat_state *state)
{
	struct irq *st = priv;
	const struct lat_irq *irq = change->irq;
	struct irq_stat *s;
	int64_t d;

	(void)state;
	if (ev->type == LAT_EV_IRQ_ENTRY) {
		s = hard_stat(st, ev->irq.irq);
		if (!s) {
			return ev->irq.irq >= 0 && ev->irq.irq < MAX_HARD_IRQ ? -ENOMEM : 0;
		}
		if (!s->exists) {
			s->exists = true;
		}
		add_name(s, ev->irq.name ? ev->irq.name : "");
		return 0;
	}
	if (!irq || (ev->type != LAT_EV_IRQ_EXIT && ev->type != LAT_EV_SOFTIRQ_EXIT)) {
		return 0;
	}
	/* a soft IRQ whose entry was not seen has no duration (the peer fails on it) */
	if (irq->begin_ts < 0 || !lat_config_cpu_ok(&st->cfg, ev->cpu)) {
		return 0;
	}
	d = irq->end_ts - irq->begin_ts;
	if ((st->cfg.has_min && (double)d < st->cfg.min_ns) ||
	    (st->cfg.has_max && (double)d > st->cfg.max_ns)) {
		return 0;
	}
	if (irq->hard) {
		s = hard_stat(st, irq->nr);
		if (!s) {
			return irq->nr >= 0 && irq->nr < MAX_HARD_IRQ ? -ENOMEM : 0;
		}
		if (!s->exists) {
			s->exists = true;
			add_name(s, "unknown");
		}
	} else {
		if (irq->nr < 0 || irq->nr >= NR_SOFT) {
			return 0;
		}
		s = &st->soft[irq->nr];
		s->exists = true;
	}
	if (st->keep_recs) {
		struct irq_rec *r;

		if (lat_grow((void **)&st->recs, &st->recs_cap, st->nrecs + 1, sizeof(*st->recs))) {
			return -ENOMEM;
		}
		r = &st->recs[st->nrecs++];
		r->begin = irq->begin_ts;
		r->end = irq->end_ts;
		r->raise = irq->hard ? -1 : irq->raise_ts;
		r->id = irq->nr;
		r->cpu = ev->cpu;
		r->hard = irq->hard;
	}
	update_stats(s, irq);
	return 0;
}

/* The peer's `str(id) in filter_list` on the comma-separated list. */
static bool in_list(const char *list, int32_t id)
{
	char num[16];
	size_t n = (size_t)snprintf(num, sizeof(num), "%d", id);

	while (list) {
		const char *comma = strchr(list, ',');
		size_t len = comma ? (size_t)(comma - list) : strlen(list);

		if (len == n && memcmp(list, num, n) == 0) {
			return true;
		}
		list = comma ? comma + 1 : NULL;
	}
	return false;
}

/* The peer's _filter_irq (for the log). */
static bool filter_irq(const struct irq *st, bool hard, int32_t id)
{
	const char *mine = hard ? st->cfg.irq_list : st->cfg.softirq_list;
	const char *other = hard ? st->cfg.softirq_list : st->cfg.irq_list;

	if (mine) {
		return in_list(mine, id);
	}
	return !other;
}

static const char *stat_name(struct irq *st, struct lat_result *result, bool hard, int32_t id)
{
	char buf[MAX_NAMES * 34];
	size_t n = 0;
	const struct irq_stat *s;

	if (!hard) {
		return id >= 0 && id < (int32_t)(sizeof(softirq_names) / sizeof(softirq_names[0]))
			   ? softirq_names[id]
			   : "unknown";
	}
	s = &st->hard[id];
	buf[0] = '\0';
	for (int i = 0; i < s->nnames; i++) {
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? ", " : "", s->names[i]);
	}
	return lat_result_strdup(result, buf);
}

/* A distribution's title, "name (nr)", in the result's strings. */
static const char *freq_title(struct irq *st, struct lat_result *result, bool hard, int32_t id)
{
	char title[256];

	snprintf(title, sizeof(title), "%s (%u)", stat_name(st, result, hard, id), (unsigned)id);
	return lat_result_strdup(result, title);
}

static struct lat_cell irq_cell(bool hard, int32_t nr, const char *name)
{
	struct lat_cell c = lat_cell_str(LAT_CLS_IRQ, name);

	c.flag = hard;
	c.i = nr;
	return c;
}

/* statistics.stdev() of values given by count, sum and sum of squares, exactly rounded. */
static double exact_stdev(int64_t count, int64_t total, unsigned __int128 total_sq)
{
	__int128 n = count, sum = total;
	__int128 num = n * (__int128)total_sq - sum * sum;
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

static int add_log(struct irq *st, struct lat_result *result, int64_t begin, int64_t end)
{
	struct lat_table *table = lat_result_add_table(result, &log_class, begin, end, NULL);
	if (!table) {
		return -ENOMEM;
	}
	table->role = LAT_IRQ_LOG;
	for (uint32_t i = 0; i < st->nrecs; i++) {
		const struct irq_rec *r = &st->recs[i];
		struct lat_cell *row;

		if (!filter_irq(st, r->hard, r->id)) {
			continue;
		}
		row = lat_table_add_row(table);
		if (!row) {
			return -ENOMEM;
		}
		row[0] = lat_cell_int(LAT_CLS_TIME_RANGE, r->begin);
		row[0].i2 = r->end;
		if (r->hard) {
			row[1] = (struct lat_cell){.cls = LAT_CLS_EMPTY};
		} else if (r->raise < 0) {
			row[1] = lat_cell_unknown();
		} else {
			row[1] = lat_cell_int(LAT_CLS_TIMESTAMP, r->raise);
		}
		row[2] = lat_cell_int(LAT_CLS_CPU, r->cpu);
		row[3] = irq_cell(r->hard, r->id, stat_name(st, result, r->hard, r->id));
	}
	return 0;
}

struct freq_bounds {
	bool done;
	double min, max;
};

/* The peer's _fill_freq_result_table. */
static int fill_freq(struct irq *st, struct lat_table *table, const struct irq_stat *s, bool hard,
		     int32_t id, struct freq_bounds *uniform)
{
	int res = st->cfg.freq_resolution;
	double mn, mx, step;
	int64_t *counts;

	if (st->cfg.freq_uniform) {
		if (!uniform->done) {
			int64_t dmin = 0, dmax = 0;

			for (uint32_t i = 0; i < st->nrecs; i++) {
				int64_t d = st->recs[i].end - st->recs[i].begin;

				if (i == 0 || d < dmin) {
					dmin = d;
				}
				if (i == 0 || d > dmax) {
					dmax = d;
				}
			}
			/* --min/--max in us, as the bins (the peer takes them in ns here) */
			uniform->min = st->cfg.has_min ? st->cfg.min_ns / 1000
				       : st->nrecs     ? (double)dmin / 1000
						       : 0;
			uniform->max = st->cfg.has_max ? st->cfg.max_ns / 1000
				       : st->nrecs     ? (double)dmax / 1000
						       : 0;
			uniform->done = true;
		}
		mn = uniform->min;
		mx = uniform->max;
	} else {
		mn = st->cfg.has_min ? st->cfg.min_ns : (double)s->min;
		mx = st->cfg.has_max ? st->cfg.max_ns : (double)s->max;
		mn /= 1000;
		mx /= 1000;
	}
	step = (mx - mn) / res;
	if (step == 0) {
		return 0;
	}
	counts = calloc((size_t)res, sizeof(*counts));
	if (!counts) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < st->nrecs; i++) {
		const struct irq_rec *r = &st->recs[i];
		double d, q;
		long long index;

		if (r->hard != hard || r->id != id) {
			continue;
		}
		d = (double)(r->end - r->begin) / 1000;
		q = trunc((d - mn) / step);
		if (!(q > -1e15 && q < 1e15)) {
			continue;
		}
		index = (long long)q;
		if (index >= res) {
			/* the max value goes in the last bucket (its upper bound included) */
			if (d == mx && index - 1 < res) {
				counts[index - 1]++;
			}
			continue;
		}
		if (index < 0) {
			continue;
		}
		counts[index]++;
	}
	for (int i = 0; i < res; i++) {
		struct lat_cell *row = lat_table_add_row(table);

		if (!row) {
			free(counts);
			return -ENOMEM;
		}
		row[0] = lat_cell_float(LAT_CLS_DURATION, ((double)i * step + mn) * 1000);
		row[1] = lat_cell_float(LAT_CLS_DURATION, ((double)(i + 1) * step + mn) * 1000);
		row[2] = lat_cell_int(LAT_CLS_NUMBER, counts[i]);
	}
	free(counts);
	return 0;
}

static int add_stats_row(struct lat_table *table, struct lat_result *result, struct irq *st,
			 const struct irq_stat *s, bool hard, int32_t id)
{
	struct lat_cell *row = lat_table_add_row(table);

	if (!row) {
		return -ENOMEM;
	}
	row[0] = irq_cell(hard, id, stat_name(st, result, hard, id));
	row[1] = lat_cell_int(LAT_CLS_NUMBER, s->count);
	row[2] = lat_cell_int(LAT_CLS_DURATION, s->min);
	row[3] = lat_cell_float(LAT_CLS_DURATION, (double)s->total / (double)s->count);
	row[4] = lat_cell_int(LAT_CLS_DURATION, s->max);
	row[5] = s->count >= 2 ? lat_cell_float(LAT_CLS_DURATION,
						exact_stdev(s->count, s->total, s->total_sq))
			       : lat_cell_unknown();
	if (hard) {
		return 0;
	}
	row[6] = lat_cell_int(LAT_CLS_NUMBER, s->raise_count);
	if (s->raise_count == 0) {
		row[7] = row[8] = row[9] = row[10] = lat_cell_unknown();
		return 0;
	}
	row[7] = lat_cell_int(LAT_CLS_DURATION, s->rmin);
	row[8] = lat_cell_float(LAT_CLS_DURATION, (double)s->rtotal / (double)s->raise_count);
	row[9] = lat_cell_int(LAT_CLS_DURATION, s->rmax);
	row[10] = s->raise_count >= 2
		      ? lat_cell_float(LAT_CLS_DURATION,
				       exact_stdev(s->raise_count, s->rtotal, s->rtotal_sq))
		      : lat_cell_unknown();
	return 0;
}

static int fill_stats_freq(struct irq *st, struct lat_result *result, int64_t begin, int64_t end,
			   bool hard, struct lat_table **hard_table, struct lat_table **soft_table,
			   size_t *freq_first, size_t *nfreq, struct freq_bounds *uniform)
{
	uint32_t n = hard ? st->hard_cap : NR_SOFT;
	const char *list = hard ? st->cfg.irq_list : st->cfg.softirq_list;

	for (uint32_t id = 0; id < n; id++) {
		const struct irq_stat *s = hard ? &st->hard[id] : &st->soft[id];
		int ret;

		if (!s->exists || (list && !in_list(list, (int32_t)id)) || s->count == 0) {
			continue;
		}
		if (st->cfg.stats) {
			ret = add_stats_row(hard ? *hard_table : *soft_table, result, st, s, hard,
					    (int32_t)id);
			if (ret) {
				return ret;
			}
		}
		if (st->cfg.freq) {
			struct lat_table *table;

			table = lat_result_add_table(result, &freq_class, begin, end,
						     freq_title(st, result, hard, (int32_t)id));
			if (!table) {
				return -ENOMEM;
			}
			table->role = LAT_IRQ_FREQ;
			table->group = hard ? LAT_IRQ_GROUP_HARD : LAT_IRQ_GROUP_SOFT;
			table->subject = (int32_t)id;
			/* the tables may have moved: find the stats tables again */
			*hard_table = &result->tables[(*freq_first) - 2];
			*soft_table = &result->tables[(*freq_first) - 1];
			(*nfreq)++;
			ret = fill_freq(st, table, s, hard, (int32_t)id, uniform);
			if (ret) {
				return ret;
			}
		}
	}
	return 0;
}

/* --freq-series: the freq tables as the columns of one table, in a class of its own. */
static int make_series(struct irq *st, struct lat_result *result, size_t first, size_t nfreq)
{
	struct lat_table *series, *t0;
	size_t ncols = nfreq + 2;
	size_t nrows;

	st->series_cols = calloc(ncols, sizeof(*st->series_cols));
	st->series_keys = calloc(ncols, sizeof(*st->series_keys));
	if (!st->series_cols || !st->series_keys) {
		return -ENOMEM;
	}
	st->series_cols[0] = freq_columns[0];
	st->series_cols[1] = freq_columns[1];
	for (size_t k = 0; k < nfreq; k++) {
		const struct lat_table *freq = &result->tables[first + k];

		snprintf(st->series_keys[k], sizeof(st->series_keys[k]), "irq%zu", k);
		st->series_cols[k + 2] = (struct lat_column_class){
		    st->series_keys[k],
		    freq_title(st, result, freq->group == LAT_IRQ_GROUP_HARD, freq->subject),
		    LAT_CLS_NUMBER, "interrupts"};
	}
	st->series_cls = (struct lat_table_class){
	    NULL, "Interrupt handlers duration frequency distributions", st->series_cols, ncols};
	series = lat_result_add_table(result, &st->series_cls, result->tables[first].begin,
				      result->tables[first].end, NULL);
	if (!series) {
		return -ENOMEM;
	}
	series->role = LAT_IRQ_FREQ_SERIES;
	t0 = &result->tables[first];
	nrows = t0->nrows;
	for (size_t k = 0; k < nfreq; k++) {
		if (result->tables[first + k].nrows < nrows) {
			nrows = result->tables[first + k].nrows;
		}
	}
	for (size_t r = 0; r < nrows; r++) {
		struct lat_cell *row = lat_table_add_row(series);

		if (!row) {
			return -ENOMEM;
		}
		t0 = &result->tables[first];
		row[0] = *lat_table_cell(t0, r, 0);
		row[1] = *lat_table_cell(t0, r, 1);
		for (size_t k = 0; k < nfreq; k++) {
			row[k + 2] = *lat_table_cell(&result->tables[first + k], r, 2);
		}
	}
	/* the per-IRQ tables are no longer results: move the series table in their place */
	for (size_t k = 0; k < nfreq; k++) {
		free(result->tables[first + k].cells);
	}
	result->tables[first] = result->tables[result->ntables - 1];
	result->ntables = first + 1;
	return 0;
}

static int irq_finish(void *priv, const struct lat_state *state, int64_t begin, int64_t end,
		      struct lat_result *result)
{
	struct irq *st = priv;
	struct lat_table *hard_table, *soft_table;
	struct freq_bounds uniform = {0};
	size_t freq_first, nfreq = 0;
	int ret;

	(void)state;
	if (st->cfg.log) {
		ret = add_log(st, result, begin, end);
		if (ret) {
			return ret;
		}
	}
	if (!st->cfg.stats && !st->cfg.freq) {
		return 0;
	}
	if (!lat_result_add_table(result, &hard_class, begin, end, NULL) ||
	    !lat_result_add_table(result, &soft_class, begin, end, NULL)) {
		return -ENOMEM;
	}
	freq_first = result->ntables;
	hard_table = &result->tables[freq_first - 2];
	soft_table = &result->tables[freq_first - 1];
	hard_table->role = LAT_IRQ_HARD;
	soft_table->role = LAT_IRQ_SOFT;
	if (st->cfg.irq_list || !st->cfg.softirq_list) {
		ret = fill_stats_freq(st, result, begin, end, true, &hard_table, &soft_table,
				      &freq_first, &nfreq, &uniform);
		if (ret) {
			return ret;
		}
	}
	if (st->cfg.softirq_list || !st->cfg.irq_list) {
		ret = fill_stats_freq(st, result, begin, end, false, &hard_table, &soft_table,
				      &freq_first, &nfreq, &uniform);
		if (ret) {
			return ret;
		}
	}
	if (st->cfg.freq_series && nfreq) {
		return make_series(st, result, freq_first, nfreq);
	}
	return 0;
}

static void irq_fini(void *priv)
{
	struct irq *st = priv;

	free(st->hard);
	free(st->recs);
	free(st->series_cols);
	free(st->series_keys);
}

#define IRQ_OPS(NAME, SUMMARY, INIT)                                                             \
	{                                                                                        \
		.name = NAME, .summary = SUMMARY,                                                \
		.lami = {"System interrupt analysis",                                            \
			 "Interrupt frequency distribution, statistics, and log", tags, classes, \
			 sizeof(classes) / sizeof(classes[0])},                                  \
		.options = LAT_OPTS_MIN_MAX | LAT_OPTS_FREQ | LAT_OPTS_LOG | LAT_OPTS_STATS |    \
			   LAT_OPTS_IRQ,                                                         \
		.priv_size = sizeof(struct irq), .init = INIT, .handle_event = irq_handle_event, \
		.finish = irq_finish, .print_text = lat_irq_print_text, .fini = irq_fini,        \
	}

const struct lat_analysis_ops lat_irqstats_ops =
    IRQ_OPS("irqstats", "Hardware and software IRQ statistics", irqstats_init);
const struct lat_analysis_ops lat_irqfreq_ops =
    IRQ_OPS("irqfreq", "IRQ handler duration frequency distribution", irqfreq_init);
const struct lat_analysis_ops lat_irqlog_ops =
    IRQ_OPS("irqlog", "IRQs in chronological order", irqlog_init);
