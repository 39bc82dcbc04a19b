/* memtop.h: the memtop analysis (lttng-analyses' lttng-memtop), for the analysis table. */
#ifndef LATSCOPE_ANALYSES_MEMTOP_H
#define LATSCOPE_ANALYSES_MEMTOP_H

#include "analyses/analysis.h"

extern const struct lat_analysis_ops lat_memtop_ops;

/* Its tables' roles (struct lat_table.role). */
enum lat_memtop_table {
	LAT_MEMTOP_ALLOCATED = 1, /* one row a task, by pages allocated */
	LAT_MEMTOP_FREED,
	LAT_MEMTOP_TOTAL, /* one row: allocated, freed */
};

#endif /* LATSCOPE_ANALYSES_MEMTOP_H */
