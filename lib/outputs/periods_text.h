/* periods_text.h: the period views as the peer's lttng-period* commands print them. */
#ifndef LATSCOPE_OUTPUTS_PERIODS_TEXT_H
#define LATSCOPE_OUTPUTS_PERIODS_TEXT_H

#include <stdio.h>

#include "analyses/periods.h"
#include "outputs/text.h"

/* The text of the peer's lttng-period* commands for lat_periods_results()' results. */
void lat_periods_print_text(const struct lat_periods_result *res, const struct lat_text_opts *opts,
			    FILE *out);

/* One line for a period as it ends (live): "[begin, end] duration path captures". */
void lat_periods_print_record(const struct lat_period_record *r, const char *path,
			      const struct lat_text_opts *opts, FILE *out);

#endif /* LATSCOPE_OUTPUTS_PERIODS_TEXT_H */
