/* memtop.h: the memtop analysis (lttng-analyses' lttng-memtop), for the analysis table. */
#ifndef LATSCOPE_ANALYSES_MEMTOP_H
#define LATSCOPE_ANALYSES_MEMTOP_H

#include "analyses/analysis.h"

extern const struct lat_analysis_ops lat_memtop_ops;

#endif /* LATSCOPE_ANALYSES_MEMTOP_H */
