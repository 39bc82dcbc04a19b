/* irq.h: the irq analyses (lttng-analyses' lttng-irqstats, lttng-irqfreq, lttng-irqlog). */
#ifndef LATSCOPE_ANALYSES_IRQ_H
#define LATSCOPE_ANALYSES_IRQ_H

#include "analyses/analysis.h"

extern const struct lat_analysis_ops lat_irqstats_ops;
extern const struct lat_analysis_ops lat_irqfreq_ops;
extern const struct lat_analysis_ops lat_irqlog_ops;

#endif /* LATSCOPE_ANALYSES_IRQ_H */
