/* period_expr_eval.c: the period expression language's evaluator (the peer's comparisons) and
 * its text: references and expressions as the peer's repr() writes them. */
#include "analyses/period_expr.h"

#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/lami.h"

/* --- evaluation ----------------------------------------------------------------------------- */

/* An integer value as a 128-bit integer (exact for int64 and uint64 alike). */
static __int128 as_i128(const struct lat_pval *v)
{
	return v->kind == LAT_PVAL_UINT ? (__int128)v->u : (__int128)v->i;
}

static bool is_int(const struct lat_pval *v)
{
	return v->kind == LAT_PVAL_SINT || v->kind == LAT_PVAL_UINT;
}

static bool cmp_result(enum lat_pop op, int c)
{
	switch (op) {
	case LAT_POP_EQ:
		return c == 0;
	case LAT_POP_NE:
		return c != 0;
	case LAT_POP_LT:
		return c < 0;
	case LAT_POP_LE:
		return c <= 0;
	case LAT_POP_GT:
		return c > 0;
	case LAT_POP_GE:
		return c >= 0;
	default:
		return false;
	}
}

bool lat_pval_compare(enum lat_pop op, const struct lat_pval *l, const struct lat_pval *r)
{
	int c;

	if (op == LAT_POP_NE) {
		return !lat_pval_compare(LAT_POP_EQ, l, r);
	}
	if (l->kind == LAT_PVAL_MISSING || r->kind == LAT_PVAL_MISSING) {
		return false;
	}
	if (is_int(l) && r->kind == LAT_PVAL_FLOAT) {
		/* Python: int(rh) truncates toward zero; compare exactly (long double: 64-bit
		 * mantissa holds any int64/uint64). */
		long double t,
		    lv = l->kind == LAT_PVAL_UINT ? (long double)l->u : (long double)l->i;

		if (!isfinite(r->d)) {
			return false; /* int(inf) raises in the peer: no match */
		}
		t = truncl((long double)r->d);
		if (op == LAT_POP_GLOB) {
			return false;
		}
		c = lv < t ? -1 : lv > t ? 1 : 0;
		return cmp_result(op, c);
	}
	if (is_int(l) && is_int(r)) {
		__int128 a = as_i128(l), b = as_i128(r);

		if (op == LAT_POP_GLOB) {
			return false;
		}
		return cmp_result(op, a < b ? -1 : a > b ? 1 : 0);
	}
	if (l->kind != r->kind) {
		return false;
	}
	if (l->kind == LAT_PVAL_FLOAT) {
		if (op == LAT_POP_GLOB) {
			return false;
		}
		if (isnan(l->d) || isnan(r->d)) {
			return false;
		}
		return cmp_result(op, l->d < r->d ? -1 : l->d > r->d ? 1 : 0);
	}
	/* strings */
	if (op == LAT_POP_GLOB) {
		return fnmatch(r->s, l->s, FNM_NOESCAPE) == 0;
	}
	c = strcmp(l->s, r->s);
	return cmp_result(op, c);
}

static void read_operand(const struct lat_poperand *o, lat_pget_fn get, void *user,
			 struct lat_pval *v)
{
	memset(v, 0, sizeof(*v));
	switch (o->kind) {
	case LAT_PO_NUMBER:
		v->kind = LAT_PVAL_FLOAT;
		v->d = o->number;
		break;
	case LAT_PO_STRING:
		v->kind = LAT_PVAL_STR;
		v->s = o->string;
		break;
	default:
		if (get(user, &o->ref, v) < 0) {
			v->kind = LAT_PVAL_MISSING;
		}
		if (v->kind == LAT_PVAL_STR && !v->s) {
			v->kind = LAT_PVAL_MISSING;
		}
		break;
	}
}

bool lat_pexpr_eval(const struct lat_pexpr *e, const struct lat_pfields *fields, lat_pget_fn get,
		    void *user)
{
	struct lat_pval l, r;

	switch (e->kind) {
	case LAT_PN_OR:
		return lat_pexpr_eval(e->lhs, fields, get, user) ||
		       lat_pexpr_eval(e->rhs, fields, get, user);
	case LAT_PN_AND:
		return lat_pexpr_eval(e->lhs, fields, get, user) &&
		       lat_pexpr_eval(e->rhs, fields, get, user);
	case LAT_PN_NOT:
		return !lat_pexpr_eval(e->lhs, fields, get, user);
	default:
		break;
	}
	read_operand(&e->left, get, user, &l);
	if (e->op != LAT_POP_NE && l.kind == LAT_PVAL_MISSING) {
		return false;
	}
	read_operand(&e->right, get, user, &r);
	return lat_pval_compare((enum lat_pop)e->op, &l, &r);
}

/* --- formatting (the peer's repr) ----------------------------------------------------------- */

int lat_pref_format(const struct lat_pref *ref, const struct lat_pfields *fields, char *buf,
		    size_t len)
{
	const struct lat_pfield *f = &fields->v[ref->id];
	const char *prefix = ref->event == LAT_PEV_PARENT_BEGIN ? "$parent.$begin."
			     : ref->event == LAT_PEV_BEGIN      ? "$begin."
								: "";

	if (f->is_name) {
		return snprintf(buf, len, "%s$evt.$name", prefix);
	}
	if (f->scope != LAT_PSCOPE_AUTO) {
		return snprintf(buf, len, "%s$evt.%s.%s", prefix,
				lat_pscope_name((enum lat_pscope)f->scope), f->name);
	}
	return snprintf(buf, len, "%s$evt.%s", prefix, f->name);
}

struct sbuf {
	char *buf;
	size_t len, used;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->used < b->len ? b->buf + b->used : NULL,
		      b->used < b->len ? b->len - b->used : 0, fmt, ap);
	va_end(ap);
	if (n > 0) {
		b->used += (size_t)n;
	}
}

static void format_operand(struct sbuf *b, const struct lat_poperand *o,
			   const struct lat_pfields *fields)
{
	char tmp[256];

	switch (o->kind) {
	case LAT_PO_NUMBER:
		lat_json_double(tmp, sizeof(tmp), o->number);
		sb_printf(b, "%s", tmp);
		break;
	case LAT_PO_STRING:
		sb_printf(b, "\"%s\"", o->string);
		break;
	default:
		lat_pref_format(&o->ref, fields, tmp, sizeof(tmp));
		sb_printf(b, "%s", tmp);
		break;
	}
}

static void format_expr(struct sbuf *b, const struct lat_pexpr *e, const struct lat_pfields *fields)
{
	switch (e->kind) {
	case LAT_PN_OR:
	case LAT_PN_AND:
		sb_printf(b, "(");
		format_expr(b, e->lhs, fields);
		sb_printf(b, e->kind == LAT_PN_OR ? " || " : " && ");
		format_expr(b, e->rhs, fields);
		sb_printf(b, ")");
		break;
	case LAT_PN_NOT:
		sb_printf(b, "!(");
		format_expr(b, e->lhs, fields);
		sb_printf(b, ")");
		break;
	default:
		if (e->op == LAT_POP_NE) {
			sb_printf(b, "!(");
		}
		sb_printf(b, "(");
		format_operand(b, &e->left, fields);
		sb_printf(b, " %s ",
			  e->op == LAT_POP_NE ? "==" : lat_pop_name((enum lat_pop)e->op));
		format_operand(b, &e->right, fields);
		sb_printf(b, ")");
		if (e->op == LAT_POP_NE) {
			sb_printf(b, ")");
		}
		break;
	}
}

int lat_pexpr_format(const struct lat_pexpr *e, const struct lat_pfields *fields, char *buf,
		     size_t len)
{
	struct sbuf b = {buf, len, 0};

	if (len) {
		buf[0] = '\0';
	}
	format_expr(&b, e, fields);
	return (int)b.used;
}
