/* pyrepr.h: values as the peer (Python) prints them: str(), repr() and str(dict), into a
 * growing string. */
#ifndef LATSCOPE_OUTPUTS_PYREPR_H
#define LATSCOPE_OUTPUTS_PYREPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyses/period_expr.h"

/* A growing string: zero it to start, free(s) when done; oom says a character was lost. */
struct lat_sbuf {
	char *s; /* NULL until the first character */
	size_t len, cap;
	bool oom;
};

void lat_sbuf_putc(struct lat_sbuf *b, char c);
void lat_sbuf_puts(struct lat_sbuf *b, const char *s);

/* Python's repr() of a str: 'a', "it's" (quotes as Python picks them), controls as \xNN. */
void lat_py_repr_str(struct lat_sbuf *b, const char *s);
/* str() of a value (repr() when repr and a string); a missing value is "None". */
void lat_py_value(struct lat_sbuf *b, const struct lat_pval *v, bool repr);
/* str(dict) of captures: "{'worker_pid': 1234, 'name': 'apache2'}". */
void lat_py_dict(struct lat_sbuf *b, const struct lat_period_capture_value *caps, uint32_t n);

#endif /* LATSCOPE_OUTPUTS_PYREPR_H */
