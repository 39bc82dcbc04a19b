/* io.h: the I/O analyses (lttng-analyses' lttng-iousagetop, -iolatencystats, -iolatencyfreq,
 * -iolatencytop, -iolog: one program, cli/io.py), for the analysis table. */
#ifndef LATSCOPE_ANALYSES_IO_H
#define LATSCOPE_ANALYSES_IO_H

#include "analyses/analysis.h"

extern const struct lat_analysis_ops lat_iousagetop_ops;
extern const struct lat_analysis_ops lat_iolatencystats_ops;
extern const struct lat_analysis_ops lat_iolatencyfreq_ops;
extern const struct lat_analysis_ops lat_iolatencytop_ops;
extern const struct lat_analysis_ops lat_iolog_ops;

#endif /* LATSCOPE_ANALYSES_IO_H */
