/* lttng_tsdl.c: a TSDL parser for the metadata LTTng writes, compiling each scope to flat reads.
 */
#include "sources/lttng_tsdl.h"
#include "sources/lttng_tsdl_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- memory: everything of a trace in one pool ----------------------------------------- */

void *lat_tsdl_pool_alloc(struct lat_tsdl *t, size_t size)
{
	struct lat_tsdl_pool *p = t->pool;

	size = (size + 15) & ~(size_t)15;
	if (!p || p->used + size > p->cap) {
		size_t cap = size > 65536 ? size : 65536;

		p = malloc(sizeof(*p) + cap);
		if (!p) {
			return NULL;
		}
		p->next = t->pool;
		p->used = 0;
		p->cap = cap;
		t->pool = p;
	}
	void *r = (char *)p->data + p->used;
	p->used += size;
	memset(r, 0, size);
	return r;
}

char *lat_tsdl_pool_strndup(struct lat_tsdl *t, const char *s, size_t n)
{
	char *r = pool_alloc(t, n + 1);

	if (r) {
		memcpy(r, s, n);
		r[n] = '\0';
	}
	return r;
}

int lat_tsdl_fail(struct parser *ps, int status, const char *fmt, ...)
{
	va_list ap;

	if (ps->status == 0) {
		char msg[200];

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		if (ps->err && ps->err_len) {
			snprintf(ps->err, ps->err_len, "metadata line %d: %s", ps->line, msg);
		}
		ps->status = status;
	}
	return ps->status;
}

static void next(struct parser *ps)
{
	const char *p = ps->p;

	for (;;) {
		while (p < ps->end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
			ps->line += *p == '\n';
			p++;
		}
		if (p + 1 < ps->end && p[0] == '/' && p[1] == '*') {
			const char *q = p + 2;

			while (q + 1 < ps->end && !(q[0] == '*' && q[1] == '/')) {
				ps->line += *q == '\n';
				q++;
			}
			p = q + 2 <= ps->end ? q + 2 : ps->end;
			continue;
		}
		if (p + 1 < ps->end && p[0] == '/' && p[1] == '/') {
			while (p < ps->end && *p != '\n') {
				p++;
			}
			continue;
		}
		break;
	}
	ps->tk = p;
	if (p >= ps->end || *p == '\0') {
		ps->tok = T_EOF;
		ps->tklen = 0;
		ps->p = p;
		return;
	}
	if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_') {
		while (p < ps->end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				       (*p >= '0' && *p <= '9') || *p == '_')) {
			p++;
		}
		ps->tok = T_ID;
	} else if (*p >= '0' && *p <= '9') {
		while (p < ps->end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
				       (*p >= 'A' && *p <= 'Z'))) {
			p++;
		}
		ps->tok = T_NUM;
	} else if (*p == '"') {
		p++;
		while (p < ps->end && *p != '"' && *p != '\n') {
			p += (*p == '\\' && p + 1 < ps->end) ? 2 : 1;
		}
		if (p >= ps->end || *p != '"') {
			fail(ps, -EINVAL, "unterminated string");
			ps->tok = T_EOF;
			return;
		}
		p++;
		ps->tok = T_STR;
	} else {
		ps->tok = T_PUNCT;
		if (p + 2 < ps->end && p[0] == '.' && p[1] == '.' && p[2] == '.') {
			p += 3;
		} else if (p + 1 < ps->end && p[0] == ':' && p[1] == '=') {
			p += 2;
		} else if (p + 1 < ps->end && p[0] == '-' && p[1] == '>') {
			p += 2;
		} else {
			p++;
		}
	}
	ps->tklen = p - ps->tk;
	ps->p = p;
}

static bool is(struct parser *ps, const char *s)
{
	return ps->tok != T_EOF && ps->tok != T_STR && strlen(s) == ps->tklen &&
	       memcmp(ps->tk, s, ps->tklen) == 0;
}

static bool accept(struct parser *ps, const char *s)
{
	if (is(ps, s)) {
		next(ps);
		return true;
	}
	return false;
}

static int expect(struct parser *ps, const char *s)
{
	if (!accept(ps, s)) {
		return fail(ps, -EINVAL, "expected '%s', found '%.*s'", s, (int)ps->tklen, ps->tk);
	}
	return 0;
}

static int number(struct parser *ps, int64_t *v)
{
	bool neg = false;
	char buf[32], *endp;

	if (accept(ps, "-")) {
		neg = true;
	} else {
		accept(ps, "+");
	}
	if (ps->tok != T_NUM || ps->tklen >= sizeof(buf)) {
		return fail(ps, -EINVAL, "expected a number, found '%.*s'", (int)ps->tklen, ps->tk);
	}
	memcpy(buf, ps->tk, ps->tklen);
	buf[ps->tklen] = '\0';
	errno = 0;
	uint64_t u = strtoull(buf, &endp, 0);
	while (*endp == 'u' || *endp == 'U' || *endp == 'l' || *endp == 'L') {
		endp++;
	}
	if (*endp || errno) {
		return fail(ps, -EINVAL, "bad number '%s'", buf);
	}
	*v = neg ? -(int64_t)u : (int64_t)u;
	next(ps);
	return 0;
}

/* A value: number, string, identifier or dotted path, copied in `out` (truncated). */
static int value(struct parser *ps, char *out, size_t out_len, int64_t *num, bool *is_num)
{
	size_t n = 0;

	*is_num = false;
	out[0] = '\0';
	if (ps->tok == T_NUM || is(ps, "-") || is(ps, "+")) {
		*is_num = true;
		return number(ps, num);
	}
	if (ps->tok == T_STR) {
		snprintf(out, out_len, "%.*s", (int)(ps->tklen - 2), ps->tk + 1);
		next(ps);
		return 0;
	}
	while (ps->tok == T_ID || is(ps, ".")) {
		if (n + ps->tklen + 1 < out_len) {
			memcpy(out + n, ps->tk, ps->tklen);
			n += ps->tklen;
			out[n] = '\0';
		}
		next(ps);
	}
	if (n == 0) {
		return fail(ps, -EINVAL, "expected a value, found '%.*s'", (int)ps->tklen, ps->tk);
	}
	return 0;
}

/* --- type specifiers ---------------------------------------------------------------------- */

static struct type *new_type(struct parser *ps, int kind)
{
	struct type *ty = pool_alloc(ps->t, sizeof(*ty));

	if (!ty) {
		fail(ps, -ENOMEM, "out of memory");
		return NULL;
	}
	ty->kind = kind;
	ty->be = -1;
	return ty;
}

static struct type *lookup(struct parser *ps, const char *name)
{
	for (struct alias *a = ps->aliases; a; a = a->next) {
		if (strcmp(a->name, name) == 0) {
			return a->type;
		}
	}
	return NULL;
}

static int add_alias(struct parser *ps, const char *name, struct type *type)
{
	struct alias *a = pool_alloc(ps->t, sizeof(*a));

	if (!a || !(a->name = pool_strndup(ps->t, name, strlen(name)))) {
		return fail(ps, -ENOMEM, "out of memory");
	}
	a->type = type;
	a->next = ps->aliases;
	ps->aliases = a;
	return 0;
}

static struct type *type_spec(struct parser *ps);
static int members(struct parser *ps, struct type *ty);

static struct type *integer_spec(struct parser *ps, bool floating)
{
	struct type *ty = new_type(ps, floating ? K_FLOAT : K_INT);
	bool align_set = false;

	if (!ty || expect(ps, "{")) {
		return NULL;
	}
	ty->size = 0;
	while (!ps->status && !accept(ps, "}")) {
		char key[64], val[128];
		int64_t num = 0;
		bool is_num;

		if (value(ps, key, sizeof(key), &num, &is_num) || expect(ps, "=") ||
		    value(ps, val, sizeof(val), &num, &is_num) || expect(ps, ";")) {
			return NULL;
		}
		if (strcmp(key, "size") == 0) {
			if (!is_num || num < 1 || num > 64) {
				fail(ps, -ENOTSUP, "integer size %lld", (long long)num);
				return NULL;
			}
			ty->size = (uint8_t)num;
		} else if (strcmp(key, "align") == 0) {
			if (!is_num || num < 1 || num > 4096 || (num & (num - 1))) {
				fail(ps, -EINVAL, "bad alignment");
				return NULL;
			}
			ty->align = (uint16_t)num;
			align_set = true;
		} else if (strcmp(key, "signed") == 0) {
			ty->sign = is_num ? num != 0 : strcmp(val, "true") == 0;
		} else if (strcmp(key, "byte_order") == 0) {
			ty->be = strcmp(val, "be") == 0 || strcmp(val, "network") == 0 ? 1
				 : strcmp(val, "le") == 0                              ? 0
										       : -1;
		} else if (strcmp(key, "encoding") == 0) {
			ty->text =
			    !is_num && (strcmp(val, "UTF8") == 0 || strcmp(val, "ASCII") == 0);
		} else if (strcmp(key, "map") == 0) {
			ty->clock = strncmp(val, "clock.", 6) == 0;
		} else if (strcmp(key, "exp_dig") == 0 || strcmp(key, "mant_dig") == 0) {
			ty->size += (uint8_t)(num > 0 && num < 64 ? num : 0);
		}
	}
	if (floating || ty->size == 0) {
		fail(ps, -ENOTSUP, floating ? "floating-point fields" : "integer without a size");
		return NULL;
	}
	if (!align_set) {
		ty->align = ty->size % 8 ? 1 : 8;
	}
	return ty;
}

static struct type *enum_spec(struct parser *ps)
{
	char name[128] = "";
	struct type *ty;
	int64_t cur = 0;
	uint32_t cap = 0;

	if (ps->tok == T_ID && !is(ps, ":")) {
		snprintf(name, sizeof(name), "enum %.*s", (int)ps->tklen, ps->tk);
		next(ps);
	}
	if (!is(ps, ":") && !is(ps, "{")) {
		ty = lookup(ps, name);
		if (!ty) {
			fail(ps, -EINVAL, "unknown %s", name);
		}
		return ty;
	}
	ty = new_type(ps, K_ENUM);
	if (!ty) {
		return NULL;
	}
	if (accept(ps, ":")) {
		ty->elem = type_spec(ps);
	} else {
		ty->elem = lookup(ps, "int");
	}
	if (!ty->elem || ty->elem->kind != K_INT) {
		fail(ps, ps->status ? ps->status : -EINVAL, "enumeration without an integer type");
		return NULL;
	}
	if (expect(ps, "{")) {
		return NULL;
	}
	while (!ps->status && !accept(ps, "}")) {
		struct label *l;

		if (ps->tok != T_ID && ps->tok != T_STR) {
			fail(ps, -EINVAL, "bad enumeration label");
			return NULL;
		}
		if (ty->nlabels == cap) {
			struct label *bigger;

			cap = cap ? cap * 2 : 16;
			bigger = pool_alloc(ps->t, cap * sizeof(*bigger));
			if (!bigger) {
				fail(ps, -ENOMEM, "out of memory");
				return NULL;
			}
			if (ty->nlabels) {
				memcpy(bigger, ty->labels, ty->nlabels * sizeof(*bigger));
			}
			ty->labels = bigger;
		}
		l = &ty->labels[ty->nlabels++];
		l->name = ps->tok == T_STR ? pool_strndup(ps->t, ps->tk + 1, ps->tklen - 2)
					   : pool_strndup(ps->t, ps->tk, ps->tklen);
		next(ps);
		l->lo = l->hi = cur;
		if (accept(ps, "=")) {
			if (number(ps, &l->lo)) {
				return NULL;
			}
			l->hi = l->lo;
			if (accept(ps, "...") && number(ps, &l->hi)) {
				return NULL;
			}
		}
		cur = l->hi + 1;
		if (!accept(ps, ",") && !is(ps, "}")) {
			fail(ps, -EINVAL, "expected ',' in an enumeration");
			return NULL;
		}
	}
	ty->size = ty->elem->size;
	ty->sign = ty->elem->sign;
	ty->be = ty->elem->be;
	ty->align = ty->elem->align;
	ty->clock = ty->elem->clock;
	if (name[0] && add_alias(ps, name, ty)) {
		return NULL;
	}
	return ty;
}

/* A variant's tag names a member as TSDL spells it: without its leading underscore, as the
 * members are kept (and sequence lengths looked up) */
static const char *tag_name(struct parser *ps, const char *tag)
{
	const char *t = tag[0] == '_' && tag[1] ? tag + 1 : tag;

	return pool_strndup(ps->t, t, strlen(t));
}

static struct type *compound_spec(struct parser *ps, int kind)
{
	char name[128] = "", tag[128] = "";
	struct type *ty;

	if (ps->tok == T_ID) {
		snprintf(name, sizeof(name), "%s %.*s", kind == K_STRUCT ? "struct" : "variant",
			 (int)ps->tklen, ps->tk);
		next(ps);
	}
	if (kind == K_VARIANT && accept(ps, "<")) {
		int64_t num;
		bool is_num;

		if (value(ps, tag, sizeof(tag), &num, &is_num) || expect(ps, ">")) {
			return NULL;
		}
	}
	if (!is(ps, "{")) {
		ty = lookup(ps, name);
		if (!ty) {
			fail(ps, -EINVAL, "unknown %s", name[0] ? name : "type");
			return NULL;
		}
		if (tag[0]) { /* a named variant used with its tag */
			struct type *copy = new_type(ps, K_VARIANT);

			if (!copy) {
				return NULL;
			}
			*copy = *ty;
			copy->tag = tag_name(ps, tag);
			ty = copy;
		}
		return ty;
	}
	next(ps);
	ty = new_type(ps, kind);
	if (!ty) {
		return NULL;
	}
	ty->align = 1;
	if (tag[0]) {
		ty->tag = tag_name(ps, tag);
	}
	if (members(ps, ty)) {
		return NULL;
	}
	if (kind == K_STRUCT && accept(ps, "align")) {
		int64_t a;

		if (expect(ps, "(") || number(ps, &a) || expect(ps, ")")) {
			return NULL;
		}
		if (a < 1 || a > 4096 || (a & (a - 1))) {
			fail(ps, -EINVAL, "bad alignment");
			return NULL;
		}
		if (a > ty->align) { /* in bits, as for integers */
			ty->align = (uint16_t)a;
		}
	}
	if (name[0] && add_alias(ps, name, ty)) {
		return NULL;
	}
	return ty;
}

/* A type: a specifier, or a (multi-word) alias name. Stops before the declarator. */
static struct type *type_spec(struct parser *ps)
{
	struct type *ty = NULL;

	if (++ps->depth > MAX_DEPTH) {
		fail(ps, -EINVAL, "types nested too deep");
		return NULL;
	}
	if (accept(ps, "integer")) {
		ty = integer_spec(ps, false);
	} else if (accept(ps, "floating_point")) {
		ty = integer_spec(ps, true);
	} else if (accept(ps, "string")) {
		ty = new_type(ps, K_STRING);
		if (ty) {
			ty->align = 8;
		}
		if (ty && accept(ps, "{")) {
			while (!ps->status && !accept(ps, "}")) {
				next(ps);
				if (ps->tok == T_EOF) {
					fail(ps, -EINVAL, "unterminated string type");
				}
			}
		}
	} else if (accept(ps, "enum")) {
		ty = enum_spec(ps);
	} else if (accept(ps, "struct")) {
		ty = compound_spec(ps, K_STRUCT);
	} else if (accept(ps, "variant")) {
		ty = compound_spec(ps, K_VARIANT);
	} else if (ps->tok == T_ID) {
		/* the longest run of words naming an alias ("unsigned long", "uint8_t") */
		char name[128];
		size_t n = 0;
		const char *save_p = ps->p, *save_tk = ps->tk;
		size_t save_len = ps->tklen;
		int save_line = ps->line;
		struct type *best = NULL;
		const char *best_p = NULL;
		int best_line = 0;

		while (ps->tok == T_ID && n + ps->tklen + 2 < sizeof(name)) {
			if (n) {
				name[n++] = ' ';
			}
			memcpy(name + n, ps->tk, ps->tklen);
			n += ps->tklen;
			name[n] = '\0';
			next(ps);
			struct type *found = lookup(ps, name);
			if (found) {
				best = found;
				best_p = ps->tk;
				best_line = ps->line;
			}
		}
		if (!best) {
			ps->p = save_p;
			ps->tk = save_tk;
			ps->tklen = save_len;
			ps->line = save_line;
			fail(ps, -EINVAL, "unknown type '%.*s'", (int)save_len, save_tk);
		} else {
			ps->p = best_p;
			ps->line = best_line;
			next(ps);
			ty = best;
		}
	} else {
		fail(ps, -EINVAL, "expected a type, found '%.*s'", (int)ps->tklen, ps->tk);
	}
	ps->depth--;
	return ps->status ? NULL : ty;
}

/* `name`, `name[N]`, `name[len_field]` after a type: the declared type. */
static struct type *declarator(struct parser *ps, struct type *base, const char **name)
{
	struct type *ty = base;
	struct type *dims[8];
	int ndims = 0;

	if (ps->tok != T_ID) {
		fail(ps, -EINVAL, "expected a field name, found '%.*s'", (int)ps->tklen, ps->tk);
		return NULL;
	}
	/* CTF 1.8: a leading underscore is not part of the name */
	*name = ps->tk[0] == '_' && ps->tklen > 1 ? pool_strndup(ps->t, ps->tk + 1, ps->tklen - 1)
						  : pool_strndup(ps->t, ps->tk, ps->tklen);
	next(ps);
	while (accept(ps, "[")) {
		struct type *arr;

		if (ndims == 8) {
			fail(ps, -ENOTSUP, "too many array dimensions");
			return NULL;
		}
		if (ps->tok == T_NUM) {
			int64_t n;

			if (number(ps, &n)) {
				return NULL;
			}
			if (n < 0 || n > (1 << 24)) {
				fail(ps, -EINVAL, "bad array length");
				return NULL;
			}
			arr = new_type(ps, K_ARRAY);
			if (arr) {
				arr->len = (uint32_t)n;
			}
		} else {
			char ref[128];
			int64_t num;
			bool is_num;

			if (value(ps, ref, sizeof(ref), &num, &is_num)) {
				return NULL;
			}
			if (strchr(ref, '.')) {
				fail(ps, -ENOTSUP, "sequence length outside its structure ('%s')",
				     ref);
				return NULL;
			}
			arr = new_type(ps, K_SEQ);
			if (arr) {
				arr->lenref = pool_strndup(ps->t, ref[0] == '_' ? ref + 1 : ref,
							   strlen(ref[0] == '_' ? ref + 1 : ref));
			}
		}
		if (!arr || expect(ps, "]")) {
			return NULL;
		}
		dims[ndims++] = arr;
	}
	/* int a[2][3]: an array of 2 arrays of 3 */
	for (int i = ndims - 1; i >= 0; i--) {
		dims[i]->elem = ty;
		dims[i]->align = ty->align;
		ty = dims[i];
	}
	return ty;
}

static int members(struct parser *ps, struct type *ty)
{
	uint32_t cap = 0;

	while (!ps->status && !accept(ps, "}")) {
		struct type *base;

		if (ps->tok == T_EOF) {
			return fail(ps, -EINVAL, "unterminated structure");
		}
		if (accept(ps, "typealias") || accept(ps, "typedef")) {
			return fail(ps, -ENOTSUP, "type declarations inside a structure");
		}
		base = type_spec(ps);
		if (!base) {
			return ps->status;
		}
		do {
			struct member *m;

			if (ty->nmembers == cap) {
				struct member *bigger;

				cap = cap ? cap * 2 : 8;
				bigger = pool_alloc(ps->t, cap * sizeof(*bigger));
				if (!bigger) {
					return fail(ps, -ENOMEM, "out of memory");
				}
				if (ty->nmembers) {
					memcpy(bigger, ty->members, ty->nmembers * sizeof(*bigger));
				}
				ty->members = bigger;
			}
			m = &ty->members[ty->nmembers];
			m->type = declarator(ps, base, &m->name);
			if (!m->type) {
				return ps->status;
			}
			ty->nmembers++;
			if (ty->kind == K_STRUCT && m->type->align > ty->align) {
				ty->align = m->type->align;
			}
		} while (accept(ps, ","));
		if (expect(ps, ";")) {
			return ps->status;
		}
	}
	return ps->status;
}

/* --- top level ---------------------------------------------------------------------------- */

struct pending_stream {
	uint64_t id;
	struct type *pctx, *ehdr, *ectx;
};

struct pending_event {
	char *name;
	uint64_t id, stream_id;
	struct type *ctx, *fields;
};

/* key = value; / key := type; pairs of a block, until '}' */
static int block(struct parser *ps, const char *what, struct pending_stream *st,
		 struct pending_event *ev, struct type **pkt_header)
{
	if (expect(ps, "{")) {
		return ps->status;
	}
	while (!ps->status && !accept(ps, "}")) {
		char key[64], val[256];
		int64_t num = 0;
		bool is_num = false;

		if (ps->tok == T_EOF) {
			return fail(ps, -EINVAL, "unterminated %s block", what);
		}
		if (value(ps, key, sizeof(key), &num, &is_num)) {
			return ps->status;
		}
		if (accept(ps, ":=")) {
			struct type *ty = type_spec(ps);

			if (!ty) {
				return ps->status;
			}
			if (strcmp(what, "trace") == 0 && strcmp(key, "packet.header") == 0) {
				*pkt_header = ty;
			} else if (st && strcmp(key, "packet.context") == 0) {
				st->pctx = ty;
			} else if (st && strcmp(key, "event.header") == 0) {
				st->ehdr = ty;
			} else if (st && strcmp(key, "event.context") == 0) {
				st->ectx = ty;
			} else if (ev && strcmp(key, "context") == 0) {
				ev->ctx = ty;
			} else if (ev && strcmp(key, "fields") == 0) {
				ev->fields = ty;
			} else {
				return fail(ps, -ENOTSUP, "%s.%s", what, key);
			}
		} else {
			if (expect(ps, "=") || value(ps, val, sizeof(val), &num, &is_num)) {
				return ps->status;
			}
			if (strcmp(what, "trace") == 0 && strcmp(key, "byte_order") == 0) {
				ps->t->byte_order_be =
				    strcmp(val, "be") == 0 || strcmp(val, "network") == 0;
			} else if (strcmp(what, "trace") == 0 && strcmp(key, "major") == 0 &&
				   (!is_num || num != 1)) {
				return fail(ps, -ENOTSUP, "CTF %lld", (long long)num);
			} else if (strcmp(what, "clock") == 0 && !ps->have_clock) {
				if (strcmp(key, "freq") == 0 && is_num) {
					ps->t->freq = (uint64_t)num;
				} else if (strcmp(key, "offset_s") == 0 && is_num) {
					ps->t->offset_s = num;
				} else if (strcmp(key, "offset") == 0 && is_num) {
					ps->t->offset = (uint64_t)num;
				}
			} else if (st && strcmp(key, "id") == 0 && is_num) {
				st->id = (uint64_t)num;
			} else if (ev && strcmp(key, "id") == 0 && is_num) {
				ev->id = (uint64_t)num;
			} else if (ev && strcmp(key, "stream_id") == 0 && is_num) {
				ev->stream_id = (uint64_t)num;
			} else if (ev && strcmp(key, "name") == 0) {
				ev->name = pool_strndup(ps->t, val, strlen(val));
			}
		}
		if (expect(ps, ";")) {
			return ps->status;
		}
	}
	if (strcmp(what, "clock") == 0) {
		ps->have_clock = true;
	}
	return ps->status ? ps->status : expect(ps, ";");
}

static int build(struct parser *ps, struct type *pkt_header, struct pending_stream *streams,
		 uint32_t nstreams, struct pending_event *events, uint32_t nevents)
{
	struct lat_tsdl *t = ps->t;

	if (t->freq == 0) {
		t->freq = 1000000000ULL;
	}
	if (t->offset >= t->freq) { /* babeltrace2 keeps the cycles below one second */
		t->offset_s += (int64_t)(t->offset / t->freq);
		t->offset %= t->freq;
	}
	if (lat_tsdl_compile_scope(ps, pkt_header, &t->packet_header, true)) {
		return ps->status;
	}
	t->streams = pool_alloc(t, (nstreams + 1) * sizeof(*t->streams));
	t->events = pool_alloc(t, (nevents + 1) * sizeof(*t->events));
	if (!t->streams || !t->events) {
		return fail(ps, -ENOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < nstreams; i++) {
		struct lat_tsdl_stream *s = &t->streams[t->nstreams++];

		s->id = streams[i].id;
		if (lat_tsdl_compile_scope(ps, streams[i].pctx, &s->packet_context, true) ||
		    lat_tsdl_compile_scope(ps, streams[i].ehdr, &s->event_header, true) ||
		    lat_tsdl_compile_scope(ps, streams[i].ectx, &s->event_context, false)) {
			return ps->status;
		}
		for (uint32_t j = 0; j < nevents; j++) {
			if (events[j].stream_id == s->id && events[j].id >= s->nby_id) {
				if (events[j].id > (1u << 20)) {
					return fail(ps, -ENOTSUP, "event id %llu",
						    (unsigned long long)events[j].id);
				}
				s->nby_id = events[j].id + 1;
			}
		}
		s->by_id = pool_alloc(t, (s->nby_id + 1) * sizeof(*s->by_id));
		if (!s->by_id) {
			return fail(ps, -ENOMEM, "out of memory");
		}
	}
	for (uint32_t j = 0; j < nevents; j++) {
		struct lat_tsdl_event *e = &t->events[t->nevents++];
		struct lat_tsdl_stream *s = NULL;

		e->name = events[j].name ? events[j].name : "";
		e->id = events[j].id;
		for (uint32_t i = 0; i < t->nstreams; i++) {
			if (t->streams[i].id == events[j].stream_id) {
				s = &t->streams[i];
			}
		}
		if (!s) {
			return fail(ps, -EINVAL, "event '%s' of an unknown stream", e->name);
		}
		if (s->by_id[e->id]) {
			return fail(ps, -EINVAL, "two events with id %llu",
				    (unsigned long long)e->id);
		}
		s->by_id[e->id] = e;
		if (lat_tsdl_compile_scope(ps, events[j].ctx, &e->context, false) ||
		    lat_tsdl_compile_scope(ps, events[j].fields, &e->payload, false)) {
			return ps->status;
		}
	}
	return 0;
}

int lat_tsdl_parse(const char *text, size_t len, struct lat_tsdl **out, char *err, size_t err_len)
{
	struct parser ps = {
	    .p = text, .end = text + len, .line = 1, .err = err, .err_len = err_len};
	struct pending_stream *streams = NULL;
	struct pending_event *events = NULL;
	uint32_t nstreams = 0, nevents = 0, scap = 0, ecap = 0;
	struct type *pkt_header = NULL;
	bool have_trace = false;
	int ret;

	*out = NULL;
	ps.t = calloc(1, sizeof(*ps.t));
	if (!ps.t) {
		return -ENOMEM;
	}
	if (len > 9 && memcmp(text, "/* CTF 2.", 9) == 0) {
		fail(&ps, -ENOTSUP, "CTF 2");
	}
	next(&ps);
	while (!ps.status && ps.tok != T_EOF) {
		if (accept(&ps, "typealias")) {
			struct type *ty = type_spec(&ps);
			char name[128];
			size_t n = 0;

			if (!ty || expect(&ps, ":=")) {
				break;
			}
			while (ps.tok == T_ID && n + ps.tklen + 2 < sizeof(name)) {
				if (n) {
					name[n++] = ' ';
				}
				memcpy(name + n, ps.tk, ps.tklen);
				n += ps.tklen;
				name[n] = '\0';
				next(&ps);
			}
			if (n == 0) {
				fail(&ps, -EINVAL, "typealias without a name");
				break;
			}
			if (add_alias(&ps, name, ty) || expect(&ps, ";")) {
				break;
			}
		} else if (accept(&ps, "typedef")) {
			struct type *ty = type_spec(&ps);
			const char *name;

			if (!ty || !(ty = declarator(&ps, ty, &name)) || add_alias(&ps, name, ty) ||
			    expect(&ps, ";")) {
				break;
			}
		} else if (is(&ps, "struct") || is(&ps, "enum") || is(&ps, "variant")) {
			if (!type_spec(&ps) || expect(&ps, ";")) {
				break;
			}
		} else if (accept(&ps, "trace")) {
			have_trace = true;
			block(&ps, "trace", NULL, NULL, &pkt_header);
		} else if (accept(&ps, "env")) {
			block(&ps, "env", NULL, NULL, NULL);
		} else if (accept(&ps, "clock")) {
			block(&ps, "clock", NULL, NULL, NULL);
		} else if (accept(&ps, "callsite")) {
			block(&ps, "callsite", NULL, NULL, NULL);
		} else if (accept(&ps, "stream")) {
			if (nstreams == scap) {
				scap = scap ? scap * 2 : 4;
				void *bigger = realloc(streams, scap * sizeof(*streams));
				if (!bigger) {
					fail(&ps, -ENOMEM, "out of memory");
					break;
				}
				streams = bigger;
			}
			memset(&streams[nstreams], 0, sizeof(*streams));
			block(&ps, "stream", &streams[nstreams++], NULL, NULL);
		} else if (accept(&ps, "event")) {
			if (nevents == ecap) {
				ecap = ecap ? ecap * 2 : 256;
				void *bigger = realloc(events, ecap * sizeof(*events));
				if (!bigger) {
					fail(&ps, -ENOMEM, "out of memory");
					break;
				}
				events = bigger;
			}
			memset(&events[nevents], 0, sizeof(*events));
			block(&ps, "event", NULL, &events[nevents++], NULL);
		} else {
			fail(&ps, -EINVAL, "unexpected '%.*s'", (int)ps.tklen, ps.tk);
		}
	}
	if (!ps.status && !have_trace) {
		fail(&ps, -EINVAL, "no trace block");
	}
	if (!ps.status && nstreams == 0) {
		fail(&ps, -EINVAL, "no stream block");
	}
	if (!ps.status) {
		build(&ps, pkt_header, streams, nstreams, events, nevents);
	}
	free(streams);
	free(events);
	ret = ps.status;
	if (ret) {
		lat_tsdl_free(ps.t);
		return ret;
	}
	*out = ps.t;
	return 0;
}

void lat_tsdl_free(struct lat_tsdl *t)
{
	if (!t) {
		return;
	}
	while (t->pool) {
		struct lat_tsdl_pool *next = t->pool->next;

		free(t->pool);
		t->pool = next;
	}
	free(t);
}
