/* explain_text.h: `latscope explain` as text: the summary paragraph, then the causes in detail. */
#ifndef LATSCOPE_OUTPUTS_EXPLAIN_TEXT_H
#define LATSCOPE_OUTPUTS_EXPLAIN_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analyses/explain.h"

/* The one-paragraph summary ("reader (2001) took 100.2ms: 99.8 % blocked in read() on ..."). */
void lat_xp_summary(const struct lat_explanation *e, char *buf, size_t len);

/* One cause's detail ("in nanosleep(): the timer", "on CPU 1: hog (12) 50.1 %...", ...). */
void lat_xp_detail(const struct lat_explanation *e, const struct lat_xp_item *it, char *buf,
		   size_t len);

/* What the trace lacks to tell some causes apart ("" when nothing). */
void lat_xp_missing(const struct lat_explanation *e, char *buf, size_t len);

/* The whole explanation: summary, breakdown (nested), the critical path, what is missing. */
void lat_xp_print_text(FILE *out, const struct lat_explanation *e, bool gmt);

#endif /* LATSCOPE_OUTPUTS_EXPLAIN_TEXT_H */
