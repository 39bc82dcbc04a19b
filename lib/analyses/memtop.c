/* memtop.c: per-TID allocated and freed pages (lttng-analyses' memtop, same numbers). */
#include "analyses/memtop.h"
#include "outputs/analyses_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct tid_pages {
	char comm[LAT_STATE_COMM_LEN];
	int64_t allocated, freed;
};

struct memtop {
	const struct lat_analysis_config *config;
	struct lat_tid_map map;
	struct tid_pages *tids;
	uint32_t tids_cap;
};

static const struct lat_column_class allocd_columns[] = {
    {"process", "Process", LAT_CLS_PROCESS, NULL},
    {"pages", "Allocated pages", LAT_CLS_NUMBER, "pages"},
};
static const struct lat_column_class freed_columns[] = {
    {"process", "Process", LAT_CLS_PROCESS, NULL},
    {"pages", "Freed pages", LAT_CLS_NUMBER, "pages"},
};
static const struct lat_column_class total_columns[] = {
    {"allocd", "Total allocated pages", LAT_CLS_NUMBER, "pages"},
    {"freed", "Total freed pages", LAT_CLS_NUMBER, "pages"},
};
static const struct lat_column_class summary_columns[] = {
    {"time_range", "Time range", LAT_CLS_TIME_RANGE, NULL},
    {"allocd", "Total allocated pages", LAT_CLS_NUMBER, "pages"},
    {"freed", "Total freed pages", LAT_CLS_NUMBER, "pages"},
};

#define CLASS(name, title, cols)                                  \
	{                                                         \
		name, title, cols, sizeof(cols) / sizeof(cols[0]) \
	}
static const struct lat_table_class allocd_class =
    CLASS("allocd", "Per-TID top allocated memory", allocd_columns);
static const struct lat_table_class freed_class =
    CLASS("freed", "Per-TID top freed memory", freed_columns);
static const struct lat_table_class total_class =
    CLASS("total", "Total allocated/freed memory", total_columns);
static const struct lat_table_class summary_class =
    CLASS("summary", "Memory usage - summary", summary_columns);
static const struct lat_table_class *const classes[] = {
    &allocd_class,
    &freed_class,
    &total_class,
    &summary_class,
};
static const char *const tags[] = {"memory", "top", NULL};

static int memtop_init(void *priv, const struct lat_analysis_config *config)
{
	struct memtop *mt = priv;

	mt->config = config;
	return 0;
}

static int memtop_handle_event(void *priv, const struct lat_kevent *ev,
			       const struct lat_state_change *change, const struct lat_state *state)
{
	struct memtop *mt = priv;
	uint32_t index;
	int ret;

	if ((ev->type != LAT_EV_PAGE_ALLOC && ev->type != LAT_EV_PAGE_FREE) || !change->accounted) {
		return 0;
	}
	if (!lat_config_task_ok(mt->config, change->task) ||
	    !lat_config_cpu_ok(mt->config, ev->cpu)) {
		return 0;
	}
	ret = lat_tid_map_get(&mt->map, change->task->tid, &index);
	if (ret < 0 || lat_grow((void **)&mt->tids, &mt->tids_cap, index + 1, sizeof(*mt->tids))) {
		return -ENOMEM;
	}
	if (ret == 1) {
		memcpy(mt->tids[index].comm, change->task->comm, sizeof(mt->tids[index].comm));
	}
	if (ev->type == LAT_EV_PAGE_ALLOC) {
		mt->tids[index].allocated++;
	} else {
		mt->tids[index].freed++;
	}
	return 0;
}

static int add_top_table(struct memtop *mt, struct lat_result *result,
			 const struct lat_table_class *cls, int64_t begin, int64_t end,
			 bool allocated)
{
	uint32_t count = mt->map.count;
	double *keys = calloc(count + 1, sizeof(*keys));
	uint32_t *order = calloc(count + 1, sizeof(*order));
	struct lat_table *table = lat_result_add_table(result, cls, begin, end, NULL);
	int ret = 0;

	if (!keys || !order || !table) {
		ret = -ENOMEM;
		goto out;
	}
	table->role = allocated ? LAT_MEMTOP_ALLOCATED : LAT_MEMTOP_FREED;
	for (uint32_t i = 0; i < count; i++) {
		keys[i] = (double)(allocated ? mt->tids[i].allocated : mt->tids[i].freed);
	}
	lat_sort_desc_stable(order, count, keys);
	for (uint32_t k = 0; k < count; k++) {
		uint32_t i = order[k];
		struct lat_cell *row;

		if (mt->config->limit > 0 && k >= (uint32_t)mt->config->limit) {
			break;
		}
		row = lat_table_add_row(table);
		if (!row) {
			ret = -ENOMEM;
			break;
		}
		row[0] = lat_cell_process(lat_result_strdup(result, mt->tids[i].comm), false, 0,
					  true, mt->map.tids[i]);
		row[1] = lat_cell_int(LAT_CLS_NUMBER,
				      allocated ? mt->tids[i].allocated : mt->tids[i].freed);
	}
out:
	free(keys);
	free(order);
	return ret;
}

static int memtop_finish(void *priv, const struct lat_state *state, int64_t begin, int64_t end,
			 struct lat_result *result)
{
	struct memtop *mt = priv;
	int64_t allocated = 0, freed = 0;
	struct lat_table *total;
	struct lat_cell *row;
	int ret;

	ret = add_top_table(mt, result, &allocd_class, begin, end, true);
	if (!ret) {
		ret = add_top_table(mt, result, &freed_class, begin, end, false);
	}
	if (ret) {
		return ret;
	}
	for (uint32_t i = 0; i < mt->map.count; i++) {
		allocated += mt->tids[i].allocated;
		freed += mt->tids[i].freed;
	}
	total = lat_result_add_table(result, &total_class, begin, end, NULL);
	row = total ? lat_table_add_row(total) : NULL;
	if (!row) {
		return -ENOMEM;
	}
	total->role = LAT_MEMTOP_TOTAL;
	row[0] = lat_cell_int(LAT_CLS_NUMBER, allocated);
	row[1] = lat_cell_int(LAT_CLS_NUMBER, freed);
	return 0;
}

static void memtop_fini(void *priv)
{
	struct memtop *mt = priv;

	free(mt->tids);
	lat_tid_map_fini(&mt->map);
}

const struct lat_analysis_ops lat_memtop_ops = {
    .name = "memtop",
    .summary = "Per-TID top allocated/freed pages",
    .lami = {"Top memory usage", "Per-TID top allocated/freed memory", tags, classes,
	     sizeof(classes) / sizeof(classes[0])},
    .options = LAT_OPTS_PROC_FILTER | LAT_OPTS_TOP,
    .priv_size = sizeof(struct memtop),
    .init = memtop_init,
    .handle_event = memtop_handle_event,
    .finish = memtop_finish,
    .print_text = lat_memtop_print_text,
    .fini = memtop_fini,
};
