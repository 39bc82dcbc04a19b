/* cputop.h: the cputop analysis (lttng-analyses' lttng-cputop), for the analysis table. */
#ifndef LATSCOPE_ANALYSES_CPUTOP_H
#define LATSCOPE_ANALYSES_CPUTOP_H

#include "analyses/analysis.h"

extern const struct lat_analysis_ops lat_cputop_ops;

/* Its tables' roles (struct lat_table.role). */
enum lat_cputop_table {
	LAT_CPUTOP_PER_TID = 1, /* one row a task, by usage */
	LAT_CPUTOP_PER_CPU,
	LAT_CPUTOP_TOTAL, /* one row */
};

#endif /* LATSCOPE_ANALYSES_CPUTOP_H */
