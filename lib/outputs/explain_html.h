/* explain_html.h: `latscope explain`'s explanation as a section of an HTML report (latscope
 * report). */
#ifndef LATSCOPE_OUTPUTS_EXPLAIN_HTML_H
#define LATSCOPE_OUTPUTS_EXPLAIN_HTML_H

#include "analyses/explain.h"
#include "outputs/html.h"

/*
 * A section "Why this event was slow": the summary, a timeline of the critical path (one row per
 * task on it, one mark per interval coloured by state: an SVG of class "chart timeline" with
 * data-points = the intervals), and the causes as a table (nested ones indented).
 */
void lat_xp_print_html(struct lat_html *h, const struct lat_explanation *e);

#endif /* LATSCOPE_OUTPUTS_EXPLAIN_HTML_H */
