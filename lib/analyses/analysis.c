/* analysis.c: the table of analyses, and the driver feeding the state model and one analysis. */
#include "analyses/analysis.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/cputop.h"
#include "analyses/io.h"
#include "analyses/irq.h"
#include "analyses/memtop.h"
#include "analyses/periods.h"
#include "analyses/sched.h"
#include "analyses/syscallstats.h"

/* Adding an analysis: one file in lib/analyses/ and one line here. */
static const struct lat_analysis_ops *const analyses[] = {
    &lat_cputop_ops,         &lat_memtop_ops,        &lat_syscallstats_ops, &lat_schedlog_ops,
    &lat_schedtop_ops,       &lat_schedstats_ops,    &lat_schedfreq_ops,    &lat_iousagetop_ops,
    &lat_iolatencystats_ops, &lat_iolatencyfreq_ops, &lat_iolatencytop_ops, &lat_iolog_ops,
    &lat_irqstats_ops,       &lat_irqfreq_ops,       &lat_irqlog_ops,
};

const struct lat_analysis_ops *lat_analysis_find(const char *name)
{
	for (size_t i = 0; i < sizeof(analyses) / sizeof(analyses[0]); i++) {
		if (strcmp(analyses[i]->name, name) == 0) {
			return analyses[i];
		}
	}
	return NULL;
}

const struct lat_analysis_ops *const *lat_analysis_list(size_t *count)
{
	*count = sizeof(analyses) / sizeof(analyses[0]);
	return analyses;
}

int lat_analysis_run_init(struct lat_analysis_run *run, const struct lat_analysis_ops *ops,
			  const struct lat_analysis_config *config)
{
	int ret;

	memset(run, 0, sizeof(*run));
	run->ops = ops;
	run->config = config;
	ret = lat_state_init(&run->state);
	if (ret) {
		return ret;
	}
	run->priv = calloc(1, ops->priv_size ? ops->priv_size : 1);
	if (!run->priv) {
		lat_state_fini(&run->state);
		return -ENOMEM;
	}
	ret = ops->init ? ops->init(run->priv, config) : 0;
	if (ret) {
		free(run->priv);
		run->priv = NULL;
		lat_state_fini(&run->state);
	}
	return ret;
}

/* -r/--refresh: the analysis forgets its period data (the state model keeps everything). */
static int new_period(struct lat_analysis_run *run)
{
	const struct lat_analysis_ops *ops = run->ops;

	if (ops->new_period) {
		return ops->new_period(run->priv);
	}
	if (ops->fini) {
		ops->fini(run->priv);
	}
	memset(run->priv, 0, ops->priv_size ? ops->priv_size : 1);
	return ops->init ? ops->init(run->priv, run->config) : 0;
}

int lat_analysis_run_event(struct lat_analysis_run *run, const struct lat_kevent *ev)
{
	struct lat_state_change change;
	int ret;

	if (run->ended) {
		return 1;
	}
	if (run->config->end_ts && ev->ts > run->config->end_ts) {
		run->ended = true;
		return 1;
	}
	run->last_ts = ev->ts;
	if (!run->started && (!run->config->begin_ts || ev->ts >= run->config->begin_ts)) {
		run->started = true;
		run->period_begin = ev->ts;
	}
	if (run->started && run->config->refresh_ns && run->on_interval &&
	    ev->ts >= run->period_begin + run->config->refresh_ns) {
		ret =
		    run->on_interval(run, run->priv, run->period_begin, ev->ts, run->interval_user);
		if (ret == 0) {
			ret = new_period(run);
		}
		if (ret) {
			return ret;
		}
		run->period_begin = ev->ts;
	}
	if (run->started && run->periods) {
		/* periods begin and end first (the peer's Analysis.process_event): the event that
		   begins an instance is its first, the one that ends it is not its own */
		ret = lat_periods_event(run->periods, ev);
		if (ret < 0 || run->period_error) {
			return ret < 0 ? ret : run->period_error;
		}
	}
	ret = lat_state_update(&run->state, ev, &change);
	if (ret) {
		return ret;
	}
	if (run->started && run->periods) {
		if (run->ops->pre_event) { /* the base priv: what spans periods */
			ret = run->ops->pre_event(run->priv, ev, &change, &run->state);
		}
		for (uint32_t i = 0; !ret && i < run->ninstances; i++) {
			ret = run->ops->handle_event(run->instances[i].priv, ev, &change,
						     &run->state);
		}
		run->events += run->ninstances > 0;
		return ret;
	}
	if (!run->started) {
		return run->ops->pre_event
			   ? run->ops->pre_event(run->priv, ev, &change, &run->state)
			   : 0;
	}
	run->events++;
	return run->ops->handle_event(run->priv, ev, &change, &run->state);
}

int lat_analysis_run_finish(struct lat_analysis_run *run, struct lat_result *result)
{
	if (run->periods) { /* the open instances end (incomplete): their results, no other */
		lat_periods_finish(run->periods);
		return run->period_error;
	}
	if (!run->started) {
		return 0;
	}
	return run->ops->finish(run->priv, &run->state, run->period_begin, run->last_ts, result);
}

int lat_analysis_run_interval(struct lat_analysis_run *run, void *priv, int64_t begin, int64_t end,
			      struct lat_result *result)
{
	return run->ops->finish(priv, &run->state, begin, end, result);
}

static void free_priv(const struct lat_analysis_ops *ops, void *priv)
{
	if (ops->fini) {
		ops->fini(priv);
	}
	free(priv);
}

/* The period engine's callback: an instance begins (a priv of its own) or ends (results). */
static int on_instance(const struct lat_periods *p, uint32_t record, bool begin, int64_t ts,
		       void *user)
{
	struct lat_analysis_run *run = user;
	const struct lat_analysis_ops *ops = run->ops;
	const struct lat_period_record *r = lat_periods_record(p, record);
	uint32_t i;
	int ret = 0;

	if (begin) {
		void *priv = calloc(1, ops->priv_size ? ops->priv_size : 1);

		if (!priv) {
			return run->period_error = -ENOMEM;
		}
		ret = ops->init ? ops->init(priv, run->config) : 0;
		if (!ret && ops->adopt) {
			ret = ops->adopt(priv, run->priv);
		}
		if (!ret && lat_grow((void **)&run->instances, &run->instances_cap,
				     run->ninstances + 1, sizeof(*run->instances))) {
			ret = -ENOMEM;
		}
		if (ret) {
			free_priv(ops, priv);
			return run->period_error = ret;
		}
		run->instances[run->ninstances++] = (struct lat_run_instance){record, priv};
		return 0;
	}
	for (i = 0; i < run->ninstances && run->instances[i].record != record; i++) {
	}
	if (i == run->ninstances || !r) {
		return 0;
	}
	if (run->on_interval && !run->period_error) {
		ret = run->on_interval(run, run->instances[i].priv, r->begin_ts, ts,
				       run->interval_user);
	}
	free_priv(ops, run->instances[i].priv);
	memmove(&run->instances[i], &run->instances[i + 1],
		(run->ninstances - i - 1) * sizeof(*run->instances));
	run->ninstances--;
	if (ret && !run->period_error) {
		run->period_error = ret;
	}
	return ret;
}

void lat_analysis_run_set_periods(struct lat_analysis_run *run, struct lat_periods *periods)
{
	run->periods = periods;
	lat_periods_set_instance_callback(periods, on_instance, run);
}

void lat_analysis_run_fini(struct lat_analysis_run *run)
{
	for (uint32_t i = 0; i < run->ninstances; i++) {
		free_priv(run->ops, run->instances[i].priv);
	}
	free(run->instances);
	if (run->priv && run->ops->fini) {
		run->ops->fini(run->priv);
	}
	free(run->priv);
	lat_state_fini(&run->state);
	memset(run, 0, sizeof(*run));
}

bool lat_config_cpu_ok(const struct lat_analysis_config *config, uint32_t cpu)
{
	if (config->ncpus == 0) {
		return true;
	}
	for (int i = 0; i < config->ncpus; i++) {
		if (config->cpus[i] == (int32_t)cpu) {
			return true;
		}
	}
	return false;
}

bool lat_config_task_ok(const struct lat_analysis_config *config, const struct lat_task *task)
{
	bool ok;

	if (!task) {
		return true;
	}
	if (config->nprocnames) {
		ok = false;
		for (int i = 0; i < config->nprocnames; i++) {
			if (strcmp(config->procnames[i], task->comm) == 0) {
				ok = true;
				break;
			}
		}
		if (!ok) {
			return false;
		}
	}
	if (config->ntids) {
		for (int i = 0; i < config->ntids; i++) {
			if (config->tids[i] == task->tid) {
				return true;
			}
		}
		return false;
	}
	return true;
}

static int compare_desc(const void *a, const void *b, void *arg)
{
	const double *sort_keys = arg;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;

	if (sort_keys[ia] != sort_keys[ib]) {
		return sort_keys[ia] < sort_keys[ib] ? 1 : -1;
	}
	return ia < ib ? -1 : ia > ib;
}

void lat_sort_desc_stable(uint32_t *order, size_t count, const double *keys)
{
	/* order[] holds indexes into keys[] in insertion order; ties keep that order */
	for (size_t i = 0; i < count; i++) {
		order[i] = (uint32_t)i;
	}
	qsort_r(order, count, sizeof(*order), compare_desc, (void *)keys);
}

static inline uint32_t map_hash(int32_t tid, uint32_t cap)
{
	return ((uint32_t)tid * 2654435761u) & (cap - 1);
}

bool lat_tid_map_find(const struct lat_tid_map *map, int32_t tid, uint32_t *index)
{
	uint32_t slot;

	if (!map->cap) {
		return false;
	}
	slot = map_hash(tid, map->cap);
	while (map->slots[slot]) {
		if (map->tids[map->slots[slot] - 1] == tid) {
			*index = map->slots[slot] - 1;
			return true;
		}
		slot = (slot + 1) & (map->cap - 1);
	}
	return false;
}

int lat_grow(void **array, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t new_cap = *cap ? *cap : 16;
	void *grown;

	if (need <= *cap) {
		return 0;
	}
	while (new_cap < need) {
		new_cap *= 2;
	}
	grown = realloc(*array, (size_t)new_cap * elem);
	if (!grown) {
		return -ENOMEM;
	}
	memset((char *)grown + (size_t)*cap * elem, 0, (size_t)(new_cap - *cap) * elem);
	*array = grown;
	*cap = new_cap;
	return 0;
}

int lat_tid_map_get(struct lat_tid_map *map, int32_t tid, uint32_t *index)
{
	uint32_t slot;

	if (lat_tid_map_find(map, tid, index)) {
		return 0;
	}
	if ((map->count + 1) * 2 > map->cap) {
		uint32_t cap = map->cap ? map->cap * 2 : 256;
		uint32_t *slots = calloc(cap, sizeof(*slots));

		if (!slots) {
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < map->count; i++) {
			slot = map_hash(map->tids[i], cap);
			while (slots[slot]) {
				slot = (slot + 1) & (cap - 1);
			}
			slots[slot] = i + 1;
		}
		free(map->slots);
		map->slots = slots;
		map->cap = cap;
	}
	if (lat_grow((void **)&map->tids, &map->tids_cap, map->count + 1, sizeof(*map->tids))) {
		return -ENOMEM;
	}
	map->tids[map->count] = tid;
	slot = map_hash(tid, map->cap);
	while (map->slots[slot]) {
		slot = (slot + 1) & (map->cap - 1);
	}
	map->slots[slot] = ++map->count;
	*index = map->count - 1;
	return 1;
}

void lat_tid_map_fini(struct lat_tid_map *map)
{
	free(map->slots);
	free(map->tids);
	memset(map, 0, sizeof(*map));
}
