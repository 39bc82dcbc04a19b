/* irq.h: the irq analyses (lttng-analyses' lttng-irqstats, lttng-irqfreq, lttng-irqlog). */
#ifndef LATSCOPE_ANALYSES_IRQ_H
#define LATSCOPE_ANALYSES_IRQ_H

#include "analyses/analysis.h"

extern const struct lat_analysis_ops lat_irqstats_ops;
extern const struct lat_analysis_ops lat_irqfreq_ops;
extern const struct lat_analysis_ops lat_irqlog_ops;

/*
 * Its tables' roles (struct lat_table.role). One FREQ table a statistics row, in the order of
 * the HARD then SOFT rows (group: LAT_IRQ_GROUP_*, subject: the IRQ's number); --freq-series
 * makes them the count columns of one FREQ_SERIES table (group -1).
 */
enum lat_irq_table {
	LAT_IRQ_LOG = 1,
	LAT_IRQ_HARD, /* statistics of the hard IRQs */
	LAT_IRQ_SOFT,
	LAT_IRQ_FREQ,
	LAT_IRQ_FREQ_SERIES,
};

enum lat_irq_group {
	LAT_IRQ_GROUP_HARD = 0,
	LAT_IRQ_GROUP_SOFT = 1,
};

#endif /* LATSCOPE_ANALYSES_IRQ_H */
