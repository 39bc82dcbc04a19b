/* cputop.c: per-TID, per-CPU and total CPU usage (lttng-analyses' cputop, same numbers). */
#include "analyses/cputop.h"
#include "outputs/analyses_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct tid_usage {
	char comm[LAT_STATE_COMM_LEN]; /* as first seen in the period */
	int64_t total;                 /* ns on CPU */
	int64_t last_sched;            /* when it came on a CPU; -1 when off */
	uint32_t migrations;
	int32_t *prios; /* chronological priorities */
	uint32_t nprios, prios_cap;
};

struct cpu_usage {
	bool known;
	int64_t total, start; /* start: -1 when idle or filtered */
};

struct cputop {
	const struct lat_analysis_config *config;
	struct lat_tid_map map;
	struct tid_usage *tids;
	uint32_t tids_cap;
	struct cpu_usage cpus[LAT_MAX_CPUS];
	int64_t period_begin;
	bool begun;
};

static const struct lat_column_class per_process_columns[] = {
    {"process", "Process", LAT_CLS_PROCESS, NULL},
    {"migrations", "Migration count", LAT_CLS_NUMBER, "migrations"},
    {"prio_list", "Chronological priorities", LAT_CLS_STRING, NULL},
    {"usage", "CPU usage", LAT_CLS_RATIO, NULL},
};
static const struct lat_column_class per_cpu_columns[] = {
    {"cpu", "CPU", LAT_CLS_CPU, NULL},
    {"usage", "CPU usage", LAT_CLS_RATIO, NULL},
};
static const struct lat_column_class total_columns[] = {
    {"usage", "CPU usage", LAT_CLS_RATIO, NULL},
};
static const struct lat_column_class summary_columns[] = {
    {"time_range", "Time range", LAT_CLS_TIME_RANGE, NULL},
    {"usage", "Total CPU usage", LAT_CLS_RATIO, NULL},
};

#define CLASS(name, title, cols)                                  \
	{                                                         \
		name, title, cols, sizeof(cols) / sizeof(cols[0]) \
	}
static const struct lat_table_class per_process_class =
    CLASS("per-process", "Per-TID top CPU usage", per_process_columns);
static const struct lat_table_class per_cpu_class =
    CLASS("per-cpu", "Per-CPU top CPU usage", per_cpu_columns);
static const struct lat_table_class total_class = CLASS("total", "Total CPU usage", total_columns);
static const struct lat_table_class summary_class =
    CLASS("summary", "CPU usage - summary", summary_columns);
static const struct lat_table_class *const classes[] = {
    &per_process_class,
    &per_cpu_class,
    &total_class,
    &summary_class,
};
static const char *const tags[] = {"cpu", "top", NULL};

static int cputop_init(void *priv, const struct lat_analysis_config *config)
{
	struct cputop *ct = priv;

	ct->config = config;
	return 0;
}

/* cputop leaves out the idle task, then applies --procname/--tid. */
static bool task_ok(const struct cputop *ct, const struct lat_task *task)
{
	if (task && task->tid == 0) {
		return false;
	}
	return lat_config_task_ok(ct->config, task);
}

static struct tid_usage *get_tid(struct cputop *ct, int32_t tid, const char *comm, bool *created)
{
	uint32_t index;
	int ret = lat_tid_map_get(&ct->map, tid, &index);

	if (ret < 0 || lat_grow((void **)&ct->tids, &ct->tids_cap, index + 1, sizeof(*ct->tids))) {
		return NULL;
	}
	if (ret == 1) {
		snprintf(ct->tids[index].comm, sizeof(ct->tids[index].comm), "%s",
			 comm ? comm : "");
		ct->tids[index].last_sched = -1;
	}
	*created = ret == 1;
	return &ct->tids[index];
}

static int add_prio(struct tid_usage *usage, int32_t prio)
{
	if (lat_grow((void **)&usage->prios, &usage->prios_cap, usage->nprios + 1,
		     sizeof(*usage->prios))) {
		return -ENOMEM;
	}
	usage->prios[usage->nprios++] = prio;
	return 0;
}

static int apply_prio_changes(struct cputop *ct, const struct lat_state_change *change)
{
	for (int i = 0; i < change->nprio; i++) {
		uint32_t index;

		if (lat_tid_map_find(&ct->map, change->prio_changes[i].tid, &index) &&
		    add_prio(&ct->tids[index], change->prio_changes[i].prio)) {
			return -ENOMEM;
		}
	}
	return 0;
}

static int on_switch(struct cputop *ct, const struct lat_kevent *ev,
		     const struct lat_state_change *change)
{
	const struct lat_ev_sched_switch *sw = &ev->sched_switch;
	const struct lat_task *wakee = change->task;
	struct tid_usage *prev, *next;
	struct cpu_usage *cpu;
	bool created;

	if (!lat_config_cpu_ok(ct->config, ev->cpu) || ev->cpu >= LAT_MAX_CPUS) {
		return 0;
	}
	cpu = &ct->cpus[ev->cpu];
	if (!cpu->known) {
		cpu->known = true;
		cpu->start =
		    ct->period_begin; /* busy since the period began, as the peer assumes */
	}
	if (cpu->start >= 0) {
		cpu->total += ev->ts - cpu->start;
	}
	cpu->start = task_ok(ct, wakee) ? ev->ts : -1;

	/*
	 * lttng-analyses accounts the previous task whatever --tid/--procname say, so that tasks
	 * outside the filter show up in its per-TID table: we apply the filter (docs/analyses.md).
	 * Like it, we keep the idle task here when no filter is given.
	 */
	if (change->prev && !lat_config_task_ok(ct->config, change->prev)) {
		goto next;
	}
	prev = get_tid(ct, sw->prev_tid, sw->prev_comm, &created);
	if (!prev) {
		return -ENOMEM;
	}
	if (created) {
		prev->last_sched = ct->period_begin;
	}
	if (prev->last_sched >= 0) {
		prev->total += ev->ts - prev->last_sched;
		prev->last_sched = -1;
	}
next:
	if (!task_ok(ct, wakee)) {
		return 0;
	}
	next = get_tid(ct, sw->next_tid, sw->next_comm, &created);
	if (!next) {
		return -ENOMEM;
	}
	if (created && wakee->has_prio && add_prio(next, wakee->prio)) {
		return -ENOMEM;
	}
	next->last_sched = ev->ts;
	return 0;
}

static int cputop_handle_event(void *priv, const struct lat_kevent *ev,
			       const struct lat_state_change *change, const struct lat_state *state)
{
	struct cputop *ct = priv;
	int ret;

	if (!ct->begun) {
		ct->begun = true;
		ct->period_begin = ev->ts;
	}
	switch (ev->type) {
	case LAT_EV_SCHED_SWITCH:
		ret = apply_prio_changes(ct, change);
		return ret ? ret : on_switch(ct, ev, change);
	case LAT_EV_SCHED_MIGRATE:
		if (task_ok(ct, change->task) && lat_config_cpu_ok(ct->config, ev->cpu)) {
			bool created;
			struct tid_usage *usage =
			    get_tid(ct, change->task->tid, change->task->comm, &created);

			if (!usage) {
				return -ENOMEM;
			}
			usage->migrations++;
		}
		return apply_prio_changes(ct, change);
	case LAT_EV_SCHED_WAKEUP:
	case LAT_EV_SCHED_PI_SETPRIO:
		return apply_prio_changes(ct, change);
	default:
		return 0;
	}
}

static int compare_int32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* "[20]", "[20 (3 times), 39]": distinct priorities, ascending, with their counts. */
static void format_prio_list(char *buf, size_t len, const struct tid_usage *usage)
{
	int32_t *sorted = malloc((usage->nprios + 1) * sizeof(*sorted));
	size_t n = 0;

	if (!sorted || usage->nprios == 0) {
		free(sorted);
		snprintf(buf, len, "[]");
		return;
	}
	memcpy(sorted, usage->prios, usage->nprios * sizeof(*sorted));
	qsort(sorted, usage->nprios, sizeof(*sorted), compare_int32);
	n += snprintf(buf + n, len - n, "[");
	for (uint32_t i = 0; i < usage->nprios && n < len;) {
		uint32_t j = i;

		while (j < usage->nprios && sorted[j] == sorted[i]) {
			j++;
		}
		n += snprintf(buf + n, len - n, "%s%d", i ? ", " : "", sorted[i]);
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

static int cputop_finish(void *priv, const struct lat_state *state, int64_t begin, int64_t end,
			 struct lat_result *result)
{
	struct cputop *ct = priv;
	int64_t duration = end - begin;
	struct lat_table *per_tid, *per_cpu, *total;
	uint32_t count = ct->map.count, *order;
	double *usage, cpu_usage[LAT_MAX_CPUS], sum = 0;
	uint32_t cpu_order[LAT_MAX_CPUS], ncpus = 0;
	char prios[512];

	usage = calloc(count + 1, sizeof(*usage));
	order = calloc(count + 1, sizeof(*order));
	per_tid = lat_result_add_table(result, &per_process_class, begin, end, NULL);
	per_cpu = lat_result_add_table(result, &per_cpu_class, begin, end, NULL);
	if (!usage || !order || !per_tid || !per_cpu) {
		free(usage);
		free(order);
		return -ENOMEM;
	}
	per_tid->role = LAT_CPUTOP_PER_TID;
	per_cpu->role = LAT_CPUTOP_PER_CPU;
	for (uint32_t i = 0; i < count; i++) {
		struct tid_usage *t = &ct->tids[i];

		if (t->last_sched >= 0) {
			t->total += end - t->last_sched;
		}
		usage[i] = duration ? (double)(t->total * 100) / (double)duration : 0;
	}
	lat_sort_desc_stable(order, count, usage);
	for (uint32_t k = 0; k < count; k++) {
		uint32_t i = order[k];
		struct lat_cell *row;

		if (ct->config->limit > 0 && k >= (uint32_t)ct->config->limit) {
			break;
		}
		row = lat_table_add_row(per_tid);
		if (!row) {
			goto nomem;
		}
		format_prio_list(prios, sizeof(prios), &ct->tids[i]);
		row[0] = lat_cell_process(lat_result_strdup(result, ct->tids[i].comm), false, 0,
					  true, ct->map.tids[i]);
		row[1] = lat_cell_int(LAT_CLS_NUMBER, ct->tids[i].migrations);
		row[2] = lat_cell_str(LAT_CLS_STRING, lat_result_strdup(result, prios));
		row[3] = lat_cell_float(LAT_CLS_RATIO, usage[i] / 100);
	}
	for (uint32_t c = 0; c < LAT_MAX_CPUS; c++) {
		struct cpu_usage *cpu = &ct->cpus[c];
		struct lat_cell *row;

		if (!cpu->known) {
			continue;
		}
		if (cpu->start >= 0) {
			cpu->total += end - cpu->start;
		}
		cpu_usage[ncpus] = duration ? (double)(cpu->total * 100) / (double)duration : 0;
		row = lat_table_add_row(per_cpu);
		if (!row) {
			goto nomem;
		}
		row[0] = lat_cell_int(LAT_CLS_CPU, c);
		row[1] = lat_cell_float(LAT_CLS_RATIO, cpu_usage[ncpus] / 100);
		ncpus++;
	}
	/* the total: the mean over every CPU the state knows, summed in descending order */
	if (state->ncpus) {
		lat_sort_desc_stable(cpu_order, ncpus, cpu_usage);
		for (uint32_t k = 0; k < ncpus; k++) {
			sum += cpu_usage[cpu_order[k]];
		}
		total = lat_result_add_table(result, &total_class, begin, end, NULL);
		struct lat_cell *row = total ? lat_table_add_row(total) : NULL;
		if (!row) {
			goto nomem;
		}
		total->role = LAT_CPUTOP_TOTAL;
		row[0] = lat_cell_float(LAT_CLS_RATIO, sum / state->ncpus / 100);
	}
	free(usage);
	free(order);
	return 0;
nomem:
	free(usage);
	free(order);
	return -ENOMEM;
}

static void cputop_fini(void *priv)
{
	struct cputop *ct = priv;

	for (uint32_t i = 0; i < ct->map.count; i++) {
		free(ct->tids[i].prios);
	}
	free(ct->tids);
	lat_tid_map_fini(&ct->map);
}

const struct lat_analysis_ops lat_cputop_ops = {
    .name = "cputop",
    .summary = "Per-TID, per-CPU and total top CPU usage",
    .lami = {"Top CPU usage", "Per-TID, per-CPU, and total top CPU usage", tags, classes,
	     sizeof(classes) / sizeof(classes[0])},
    .options = LAT_OPTS_PROC_FILTER | LAT_OPTS_TOP,
    .priv_size = sizeof(struct cputop),
    .init = cputop_init,
    .handle_event = cputop_handle_event,
    .finish = cputop_finish,
    .print_text = lat_cputop_print_text,
    .fini = cputop_fini,
};
