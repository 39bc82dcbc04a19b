/* syscallstats.h: the syscallstats analysis (lttng-analyses' lttng-syscallstats), for the analysis
 * table. */
#ifndef LATSCOPE_ANALYSES_SYSCALLSTATS_H
#define LATSCOPE_ANALYSES_SYSCALLSTATS_H

#include "analyses/analysis.h"

extern const struct lat_analysis_ops lat_syscallstats_ops;

#endif /* LATSCOPE_ANALYSES_SYSCALLSTATS_H */
