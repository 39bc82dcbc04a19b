/* cputop.h: the cputop analysis (lttng-analyses' lttng-cputop), for the analysis table. */
#ifndef LATSCOPE_ANALYSES_CPUTOP_H
#define LATSCOPE_ANALYSES_CPUTOP_H

#include "analyses/analysis.h"

extern const struct lat_analysis_ops lat_cputop_ops;

#endif /* LATSCOPE_ANALYSES_CPUTOP_H */
