/* syscallstats.h: the syscallstats analysis (lttng-analyses' lttng-syscallstats), for the analysis
 * table. */
#ifndef LATSCOPE_ANALYSES_SYSCALLSTATS_H
#define LATSCOPE_ANALYSES_SYSCALLSTATS_H

#include "analyses/analysis.h"

extern const struct lat_analysis_ops lat_syscallstats_ops;

/*
 * Its tables' roles (struct lat_table.role): one PER_TID table a task (subject: its tid), by
 * calls, then the TOTAL table, one row a task in the same order.
 */
enum lat_syscallstats_table {
	LAT_SYSCALLSTATS_PER_TID = 1,
	LAT_SYSCALLSTATS_TOTAL,
};

#endif /* LATSCOPE_ANALYSES_SYSCALLSTATS_H */
