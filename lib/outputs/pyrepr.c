/* pyrepr.c: values as the peer (Python) prints them: str(), repr() and str(dict), into a
 * growing string. */
#include "outputs/pyrepr.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/lami.h"

void lat_sbuf_putc(struct lat_sbuf *b, char c)
{
	if (b->len + 2 > b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		char *n = realloc(b->s, ncap);

		if (!n) {
			b->oom = true;
			return;
		}
		b->s = n;
		b->cap = ncap;
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

void lat_sbuf_puts(struct lat_sbuf *b, const char *s)
{
	while (*s) {
		lat_sbuf_putc(b, *s++);
	}
}

/* Python's repr() of a str. */
void lat_py_repr_str(struct lat_sbuf *b, const char *s)
{
	char quote = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';

	lat_sbuf_putc(b, quote);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		char tmp[8];

		if (*c == '\\' || *c == (unsigned char)quote) {
			lat_sbuf_putc(b, '\\');
			lat_sbuf_putc(b, (char)*c);
		} else if (*c == '\n') {
			lat_sbuf_puts(b, "\\n");
		} else if (*c == '\r') {
			lat_sbuf_puts(b, "\\r");
		} else if (*c == '\t') {
			lat_sbuf_puts(b, "\\t");
		} else if (*c < 0x20 || *c == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *c);
			lat_sbuf_puts(b, tmp);
		} else {
			lat_sbuf_putc(b, (char)*c);
		}
	}
	lat_sbuf_putc(b, quote);
}

void lat_py_value(struct lat_sbuf *b, const struct lat_pval *v, bool repr)
{
	char tmp[64];

	switch (v->kind) {
	case LAT_PVAL_SINT:
		snprintf(tmp, sizeof(tmp), "%" PRId64, v->i);
		break;
	case LAT_PVAL_UINT:
		snprintf(tmp, sizeof(tmp), "%" PRIu64, v->u);
		break;
	case LAT_PVAL_FLOAT:
		if (isnan(v->d)) {
			snprintf(tmp, sizeof(tmp), "nan");
		} else if (isinf(v->d)) {
			snprintf(tmp, sizeof(tmp), v->d > 0 ? "inf" : "-inf");
		} else {
			lat_json_double(tmp, sizeof(tmp), v->d);
		}
		break;
	case LAT_PVAL_STR:
		if (repr) {
			lat_py_repr_str(b, v->s);
		} else {
			lat_sbuf_puts(b, v->s);
		}
		return;
	default:
		snprintf(tmp, sizeof(tmp), "None");
		break;
	}
	lat_sbuf_puts(b, tmp);
}

/* str(dict) of the captures: "{'worker_pid': 1234, 'name': 'apache2'}". */
void lat_py_dict(struct lat_sbuf *b, const struct lat_period_capture_value *caps, uint32_t n)
{
	lat_sbuf_putc(b, '{');
	for (uint32_t i = 0; i < n; i++) {
		if (i) {
			lat_sbuf_puts(b, ", ");
		}
		lat_py_repr_str(b, caps[i].name);
		lat_sbuf_puts(b, ": ");
		lat_py_value(b, &caps[i].v, true);
	}
	lat_sbuf_putc(b, '}');
}
