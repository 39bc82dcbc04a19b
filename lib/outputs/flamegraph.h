/* flamegraph.h: an SVG flame graph of folded stacks (lib/outputs/folded.h), as flamegraph.pl
 * draws it: root at the bottom, widths proportional to the values, frames sorted by name. */
#ifndef LATSCOPE_OUTPUTS_FLAMEGRAPH_H
#define LATSCOPE_OUTPUTS_FLAMEGRAPH_H

#include <stdbool.h>
#include <stdio.h>

#include "outputs/folded.h"

struct lat_flamegraph_opts {
	const char *title; /* drawn at the top (escaped); NULL: none */
	const char *unit;  /* of the values, in the frames' titles; NULL: "samples" */
	double width;      /* px; 0: 1200 */
	bool standalone;   /* an SVG file (XML declaration); else an element inside an HTML page */
	unsigned id;       /* the element's id is "flameID" */
};

/*
 * Writes the flame graph of f (finished: lat_folded_finish()) to out. One <g class="f"> per frame,
 * holding a <title> "NAME (VALUE UNIT, SHARE%)", a <rect> and, when it fits, the name (cut
 * with ".."); the group carries data-v="VALUE" (the frame's summed value), data-d="DEPTH" (0: the
 * root "all") and data-n="NAME". The <svg> carries class "chart flame", data-points (frames
 * drawn), data-total (the root's value) and data-hidden (frames narrower than 0.1 px, not drawn,
 * as flamegraph.pl --minwidth). Names are XML-escaped, invalid UTF-8 and control characters
 * replaced by U+FFFD. Children are drawn left to right by name (bytes order). 0, -ENOMEM or
 * -EIO.
 */
int lat_flamegraph_svg(FILE *out, const struct lat_folded *f,
		       const struct lat_flamegraph_opts *opts);

/* Writes text (len bytes) XML-escaped, as valid UTF-8 (see above); at most max_chars characters
 * (0: no limit), ".." ending a cut text. */
void lat_flamegraph_escape(FILE *out, const char *text, size_t len, size_t max_chars);

#endif /* LATSCOPE_OUTPUTS_FLAMEGRAPH_H */
