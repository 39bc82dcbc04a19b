/* sched.h: scheduling latencies (lttng-analyses' schedlog, schedtop, schedstats, schedfreq). */
#ifndef LATSCOPE_ANALYSES_SCHED_H
#define LATSCOPE_ANALYSES_SCHED_H

#include "analyses/analysis.h"

extern const struct lat_analysis_ops lat_schedlog_ops;
extern const struct lat_analysis_ops lat_schedtop_ops;
extern const struct lat_analysis_ops lat_schedstats_ops;
extern const struct lat_analysis_ops lat_schedfreq_ops;

#endif /* LATSCOPE_ANALYSES_SCHED_H */
