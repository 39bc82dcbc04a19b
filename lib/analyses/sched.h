/* sched.h: scheduling latencies (lttng-analyses' schedlog, schedtop, schedstats, schedfreq). */
#ifndef LATSCOPE_ANALYSES_SCHED_H
#define LATSCOPE_ANALYSES_SCHED_H

#include "analyses/analysis.h"

extern const struct lat_analysis_ops lat_schedlog_ops;
extern const struct lat_analysis_ops lat_schedtop_ops;
extern const struct lat_analysis_ops lat_schedstats_ops;
extern const struct lat_analysis_ops lat_schedfreq_ops;

/*
 * Its tables' roles (struct lat_table.role). FREQ tables: group says what they count per
 * (LAT_SCHED_GROUP_*), subject the group's key (a tid or a priority; -1 for the total);
 * --freq-series makes those of a grouping the count columns of one FREQ_SERIES table (group:
 * the grouping). An empty FREQ table (group -1) carries the time range when nothing else does.
 */
enum lat_sched_table {
	LAT_SCHED_LOG = 1,
	LAT_SCHED_TOP,
	LAT_SCHED_TOTAL, /* statistics over every latency */
	LAT_SCHED_PER_TID,
	LAT_SCHED_PER_PRIO,
	LAT_SCHED_FREQ,
	LAT_SCHED_FREQ_SERIES,
};

enum lat_sched_group {
	LAT_SCHED_GROUP_TOTAL = 0,
	LAT_SCHED_GROUP_TID,
	LAT_SCHED_GROUP_PRIO,
};

#endif /* LATSCOPE_ANALYSES_SCHED_H */
