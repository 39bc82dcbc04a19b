/* analyses_text.h: the text printers of cputop, memtop, syscallstats, irq* and sched* (the
 * lat_analysis_ops' print_text), reading only their results. */
#ifndef LATSCOPE_OUTPUTS_ANALYSES_TEXT_H
#define LATSCOPE_OUTPUTS_ANALYSES_TEXT_H

#include <stdio.h>

#include "outputs/result.h"
#include "outputs/text.h"

void lat_cputop_print_text(const struct lat_result *result, const struct lat_text_opts *opts,
			   FILE *out);
void lat_memtop_print_text(const struct lat_result *result, const struct lat_text_opts *opts,
			   FILE *out);
void lat_syscallstats_print_text(const struct lat_result *result, const struct lat_text_opts *opts,
				 FILE *out);
/* irqstats, irqfreq and irqlog */
void lat_irq_print_text(const struct lat_result *result, const struct lat_text_opts *opts,
			FILE *out);
/* schedlog, schedtop, schedstats and schedfreq */
void lat_sched_print_text(const struct lat_result *result, const struct lat_text_opts *opts,
			  FILE *out);

#endif /* LATSCOPE_OUTPUTS_ANALYSES_TEXT_H */
