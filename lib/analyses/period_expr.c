/* period_expr.c: the period expression language's lexer and recursive-descent parser (the
 * evaluator and the peer's repr(): period_expr_eval.c). */
#include "analyses/period_expr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- lexer ---------------------------------------------------------------------------------- */

enum tok_type {
	T_END = 0,
	T_IDENT,
	T_DOLLAR, /* $word */
	T_DOT,
	T_NUMBER,
	T_STRING,
	T_OP, /* == != < <= > >= =* */
	T_ASSIGN,
	T_AND,
	T_OR,
	T_NOT,
	T_LPAREN,
	T_RPAREN,
	T_COLON,
	T_COMMA,
	T_BAD,
};

struct tok {
	enum tok_type type;
	const char *start;
	size_t len;
	int column;
	enum lat_pop op;
};

struct parser {
	const char *text;
	const char *pos;
	struct tok tok; /* the current token */
	struct lat_pfields *fields;
	struct lat_perr *err;
	int status; /* 0 or the first error */
	int parent_ref_column;
	int depth;       /* of '(' and '!' being parsed */
	int comparisons; /* so far */
};

/* Bounds that keep the recursive parser, evaluator and free far from the stack's end. */
#define MAX_DEPTH       256
#define MAX_COMPARISONS 10000

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void fail_at(struct parser *p, int column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_at(struct parser *p, int column, const char *fmt, ...)
{
	va_list ap;

	if (p->status) {
		return;
	}
	p->status = -EINVAL;
	if (!p->err) {
		return;
	}
	p->err->column = column;
	va_start(ap, fmt);
	vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
}

static void fail_nomem(struct parser *p)
{
	if (!p->status) {
		p->status = -ENOMEM;
		if (p->err) {
			p->err->column = 0;
			snprintf(p->err->message, sizeof(p->err->message), "out of memory");
		}
	}
}

/* A quoted token for messages: 'text' (shortened), or "the end". */
static const char *tok_desc(const struct tok *t, char *buf, size_t len)
{
	if (t->type == T_END) {
		return "the end";
	}
	if (t->len > 24) {
		snprintf(buf, len, "'%.21s...'", t->start);
	} else {
		snprintf(buf, len, "'%.*s'", (int)t->len, t->start);
	}
	return buf;
}

static void next(struct parser *p)
{
	const char *s = p->pos;
	struct tok *t = &p->tok;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
		s++;
	}
	memset(t, 0, sizeof(*t));
	t->start = s;
	t->column = (int)(s - p->text) + 1;
	if (*s == '\0') {
		t->type = T_END;
		p->pos = s;
		return;
	}
	if (is_ident_start(*s)) {
		while (is_ident_char(*s)) {
			s++;
		}
		t->type = T_IDENT;
	} else if (*s == '$') {
		s++;
		while (is_ident_char(*s)) {
			s++;
		}
		t->type = T_DOLLAR;
	} else if (is_digit(*s) || *s == '+' || *s == '-') {
		const char *d;

		if (*s == '+' || *s == '-') {
			s++;
		}
		if (!is_digit(*s)) {
			t->type = T_BAD;
			t->len = (size_t)(s - t->start);
			p->pos = s;
			return;
		}
		while (is_digit(*s)) {
			s++;
		}
		if (*s == '.') {
			s++;
			while (is_digit(*s)) {
				s++;
			}
		}
		d = s;
		if (*d == 'e' || *d == 'E') {
			d++;
			if (*d == '+' || *d == '-') {
				d++;
			}
			if (is_digit(*d)) {
				while (is_digit(*d)) {
					d++;
				}
				s = d;
			}
		}
		t->type = T_NUMBER;
	} else if (*s == '"') {
		s++;
		while (*s && *s != '"' && *s != '\n' && *s != '\r') {
			if (*s == '\\' && s[1] && s[1] != '\n' && s[1] != '\r') {
				s++;
			}
			s++;
		}
		if (*s != '"') {
			t->type = T_BAD;
			t->len = 1;
			p->pos = s;
			t->op = (enum lat_pop) - 1; /* marks an unterminated string */
			return;
		}
		s++;
		t->type = T_STRING;
	} else if (s[0] == '=' && s[1] == '=') {
		t->type = T_OP, t->op = LAT_POP_EQ, s += 2;
	} else if (s[0] == '=' && s[1] == '*') {
		t->type = T_OP, t->op = LAT_POP_GLOB, s += 2;
	} else if (s[0] == '!' && s[1] == '=') {
		t->type = T_OP, t->op = LAT_POP_NE, s += 2;
	} else if (s[0] == '<' && s[1] == '=') {
		t->type = T_OP, t->op = LAT_POP_LE, s += 2;
	} else if (s[0] == '>' && s[1] == '=') {
		t->type = T_OP, t->op = LAT_POP_GE, s += 2;
	} else if (s[0] == '<') {
		t->type = T_OP, t->op = LAT_POP_LT, s++;
	} else if (s[0] == '>') {
		t->type = T_OP, t->op = LAT_POP_GT, s++;
	} else if (s[0] == '&' && s[1] == '&') {
		t->type = T_AND, s += 2;
	} else if (s[0] == '|' && s[1] == '|') {
		t->type = T_OR, s += 2;
	} else {
		switch (*s) {
		case '=':
			t->type = T_ASSIGN;
			break;
		case '!':
			t->type = T_NOT;
			break;
		case '.':
			t->type = T_DOT;
			break;
		case '(':
			t->type = T_LPAREN;
			break;
		case ')':
			t->type = T_RPAREN;
			break;
		case ':':
			t->type = T_COLON;
			break;
		case ',':
			t->type = T_COMMA;
			break;
		default:
			t->type = T_BAD;
			break;
		}
		s++;
	}
	t->len = (size_t)(s - t->start);
	p->pos = s;
}

static bool tok_is_dollar(const struct tok *t, const char *word)
{
	return t->type == T_DOLLAR && t->len == strlen(word) && memcmp(t->start, word, t->len) == 0;
}

/* A bad token gets its own message; otherwise "expected X at/after Y". */
static void fail_expected(struct parser *p, const char *what, const char *after)
{
	char buf[40];

	if (p->tok.type == T_BAD && p->tok.op == (enum lat_pop) - 1) {
		fail_at(p, p->tok.column, "unterminated string (missing '\"')");
	} else if (p->tok.type == T_BAD && (p->tok.start[0] == '+' || p->tok.start[0] == '-')) {
		fail_at(p, p->tok.column, "expected digits after '%c'", p->tok.start[0]);
	} else if (after) {
		fail_at(p, p->tok.column, "expected %s after '%s', not %s", what, after,
			tok_desc(&p->tok, buf, sizeof(buf)));
	} else {
		fail_at(p, p->tok.column, "expected %s, not %s", what,
			tok_desc(&p->tok, buf, sizeof(buf)));
	}
}

/* --- strings, fields ----------------------------------------------------------------------- */

/* pyparsing 3's QuotedString('"', '\\') unquoting: \t \n \f \r first, then \X -> X. */
static char *unquote(const char *start, size_t len)
{
	char *tmp = malloc(len + 1), *out;
	size_t n = 0, i;
	static const char ws[][2] = {{'t', '\t'}, {'n', '\n'}, {'f', '\f'}, {'r', '\r'}};

	if (!tmp) {
		return NULL;
	}
	memcpy(tmp, start, len);
	tmp[len] = '\0';
	for (size_t w = 0; w < 4; w++) { /* str.replace(r'\t', '\t')... in dict order */
		char *src = tmp, *dst = tmp;

		while (*src) {
			if (src[0] == '\\' && src[1] == ws[w][0]) {
				*dst++ = ws[w][1];
				src += 2;
			} else {
				*dst++ = *src++;
			}
		}
		*dst = '\0';
	}
	out = malloc(strlen(tmp) + 1);
	if (!out) {
		free(tmp);
		return NULL;
	}
	for (i = 0; tmp[i];) { /* re.sub(r'\\(.)', r'\g<1>') */
		if (tmp[i] == '\\' && tmp[i + 1] && tmp[i + 1] != '\n') {
			out[n++] = tmp[i + 1];
			i += 2;
		} else {
			out[n++] = tmp[i++];
		}
	}
	out[n] = '\0';
	free(tmp);
	return out;
}

void lat_pfields_fini(struct lat_pfields *fields)
{
	for (uint32_t i = 0; i < fields->count; i++) {
		free(fields->v[i].name);
	}
	free(fields->v);
	memset(fields, 0, sizeof(*fields));
}

static int intern(struct lat_pfields *f, uint8_t scope, bool is_name, const char *name, size_t len,
		  uint32_t *id)
{
	for (uint32_t i = 0; i < f->count; i++) {
		const struct lat_pfield *x = &f->v[i];

		if (is_name ? x->is_name
			    : (!x->is_name && x->scope == scope && strlen(x->name) == len &&
			       memcmp(x->name, name, len) == 0)) {
			*id = i;
			return 0;
		}
	}
	if (f->count == f->cap) {
		uint32_t cap = f->cap ? f->cap * 2 : 8;
		struct lat_pfield *v = realloc(f->v, cap * sizeof(*v));

		if (!v) {
			return -ENOMEM;
		}
		f->v = v;
		f->cap = cap;
	}
	f->v[f->count].scope = scope;
	f->v[f->count].is_name = is_name;
	f->v[f->count].name = NULL;
	if (!is_name) {
		f->v[f->count].name = strndup(name, len);
		if (!f->v[f->count].name) {
			return -ENOMEM;
		}
	}
	*id = f->count++;
	return 0;
}

static const char *const scope_names[LAT_PSCOPE_COUNT] = {
    [LAT_PSCOPE_AUTO] = NULL,
    [LAT_PSCOPE_PAYLOAD] = "$payload",
    [LAT_PSCOPE_CTX] = "$ctx",
    [LAT_PSCOPE_STREAM_CTX] = "$stream_ctx",
    [LAT_PSCOPE_HEADER] = "$header",
    [LAT_PSCOPE_PKT_CTX] = "$pkt_ctx",
    [LAT_PSCOPE_PKT_HEADER] = "$pkt_header",
};

const char *lat_pscope_name(enum lat_pscope scope)
{
	return (size_t)scope < LAT_PSCOPE_COUNT && scope_names[scope] ? scope_names[scope] : "";
}

/* --- parser --------------------------------------------------------------------------------- */

/*
 * ref := ['$parent' '.'] ['$begin' '.'] '$evt' '.' ('$name' | [SCOPE '.'] NAME)
 * The current token is the first one of the reference.
 */
static bool parse_ref(struct parser *p, struct lat_pref *ref, bool *is_name)
{
	int column = p->tok.column;
	bool parent = false, begin = false;
	uint8_t scope = LAT_PSCOPE_AUTO;
	char after[80];
	uint32_t id;

	memset(ref, 0, sizeof(*ref));
	ref->column = column;
	if (tok_is_dollar(&p->tok, "$parent")) {
		parent = true;
		if (!p->parent_ref_column) {
			p->parent_ref_column = column;
		}
		next(p);
		if (p->tok.type != T_DOT) {
			fail_expected(p, "'.'", "$parent");
			return false;
		}
		next(p);
		if (!tok_is_dollar(&p->tok, "$begin")) {
			fail_expected(p,
				      "'$begin' (a parent period is read through its begin event)",
				      "$parent.");
			return false;
		}
	}
	if (tok_is_dollar(&p->tok, "$begin")) {
		begin = true;
		next(p);
		if (p->tok.type != T_DOT) {
			fail_expected(p, "'.'", "$begin");
			return false;
		}
		next(p);
		if (!tok_is_dollar(&p->tok, "$evt")) {
			fail_expected(p, "'$evt'", parent ? "$parent.$begin." : "$begin.");
			return false;
		}
	}
	if (!tok_is_dollar(&p->tok, "$evt")) {
		if (p->tok.type == T_DOLLAR) {
			char buf[40];

			fail_at(p, p->tok.column,
				"unknown %s: expected $evt, $begin.$evt or $parent.$begin.$evt",
				tok_desc(&p->tok, buf, sizeof(buf)));
		} else {
			fail_expected(
			    p, "an event reference ($evt, $begin.$evt, $parent.$begin.$evt)", NULL);
		}
		return false;
	}
	snprintf(after, sizeof(after), "%s$evt",
		 parent  ? "$parent.$begin."
		 : begin ? "$begin."
			 : "");
	next(p);
	if (p->tok.type != T_DOT) {
		fail_expected(p, "'.'", after);
		return false;
	}
	strcat(after, ".");
	next(p);
	ref->event = parent ? LAT_PEV_PARENT_BEGIN : begin ? LAT_PEV_BEGIN : LAT_PEV_EVT;
	if (tok_is_dollar(&p->tok, "$name")) {
		*is_name = true;
		if (intern(p->fields, 0, true, NULL, 0, &id)) {
			fail_nomem(p);
			return false;
		}
		ref->id = id;
		next(p);
		return true;
	}
	*is_name = false;
	if (p->tok.type == T_DOLLAR) {
		for (uint8_t s = LAT_PSCOPE_PAYLOAD; s < LAT_PSCOPE_COUNT; s++) {
			if (tok_is_dollar(&p->tok, scope_names[s])) {
				scope = s;
			}
		}
		if (scope == LAT_PSCOPE_AUTO) {
			char buf[40];

			fail_at(
			    p, p->tok.column,
			    "unknown scope %s: expected $name, a field name or one of $payload, "
			    "$ctx, $stream_ctx, $header, $pkt_ctx, $pkt_header",
			    tok_desc(&p->tok, buf, sizeof(buf)));
			return false;
		}
		snprintf(after + strlen(after), sizeof(after) - strlen(after), "%s",
			 scope_names[scope]);
		next(p);
		if (p->tok.type != T_DOT) {
			fail_expected(p, "'.'", after);
			return false;
		}
		strcat(after, ".");
		next(p);
		if (p->tok.type != T_IDENT) {
			fail_expected(p, "a field name", after);
			return false;
		}
	} else if (p->tok.type != T_IDENT) {
		fail_expected(p, "a field name, $name or a scope ($payload, $ctx, ...)", after);
		return false;
	}
	if (intern(p->fields, scope, false, p->tok.start, p->tok.len, &id)) {
		fail_nomem(p);
		return false;
	}
	ref->id = id;
	next(p);
	return true;
}

static struct lat_pexpr *new_node(struct parser *p, enum lat_pnode_kind kind)
{
	struct lat_pexpr *e = calloc(1, sizeof(*e));

	if (!e) {
		fail_nomem(p);
		return NULL;
	}
	e->kind = kind;
	return e;
}

static const char *const op_names[] = {"==", "!=", "<", "<=", ">", ">=", "=*"};

const char *lat_pop_name(enum lat_pop op)
{
	return (size_t)op < sizeof(op_names) / sizeof(op_names[0]) ? op_names[op] : "?";
}

static struct lat_pexpr *parse_comparison(struct parser *p)
{
	struct lat_pexpr *e;
	bool is_name, rname;
	char reftext[160], after[180];
	const char *ref_start = p->tok.start;
	enum lat_pop op;

	e = new_node(p, LAT_PN_CMP);
	if (!e) {
		return NULL;
	}
	e->left.kind = LAT_PO_REF;
	if (!parse_ref(p, &e->left.ref, &is_name)) {
		free(e);
		return NULL;
	}
	snprintf(reftext, sizeof(reftext), "%.*s", (int)(p->tok.start - ref_start), ref_start);
	/* trim the blanks before the operator */
	for (size_t n = strlen(reftext); n && (reftext[n - 1] == ' ' || reftext[n - 1] == '\t');) {
		reftext[--n] = '\0';
	}
	if (p->tok.type != T_OP) {
		fail_expected(p, is_name ? "'==', '!=' or '=*'" : "a comparison operator", reftext);
		free(e);
		return NULL;
	}
	op = p->tok.op;
	e->op = (uint8_t)op;
	snprintf(after, sizeof(after), "%s %s", reftext, op_names[op]);
	if (is_name && op != LAT_POP_EQ && op != LAT_POP_NE && op != LAT_POP_GLOB) {
		fail_at(p, p->tok.column,
			"an event name compares with '==', '!=' or '=*' only, not '%s'",
			op_names[op]);
		free(e);
		return NULL;
	}
	next(p);
	switch (p->tok.type) {
	case T_STRING:
		if (op != LAT_POP_EQ && op != LAT_POP_NE && op != LAT_POP_GLOB) {
			fail_at(p, p->tok.column,
				"a string compares with '==', '!=' or '=*' only, not '%s'",
				op_names[op]);
			free(e);
			return NULL;
		}
		e->right.kind = LAT_PO_STRING;
		e->right.string = unquote(p->tok.start + 1, p->tok.len - 2);
		if (!e->right.string) {
			fail_nomem(p);
			free(e);
			return NULL;
		}
		next(p);
		return e;
	case T_NUMBER:
		if (is_name || op == LAT_POP_GLOB) {
			break;
		}
		e->right.kind = LAT_PO_NUMBER;
		e->right.number = strtod(p->tok.start, NULL);
		next(p);
		return e;
	case T_DOLLAR:
		if (is_name || op == LAT_POP_GLOB) {
			break;
		}
		e->right.kind = LAT_PO_REF;
		if (!parse_ref(p, &e->right.ref, &rname)) {
			free(e);
			return NULL;
		}
		if (rname) {
			fail_at(p, e->right.ref.column,
				"an event name ($name) compares with a string only");
			free(e);
			return NULL;
		}
		return e;
	default:
		break;
	}
	fail_expected(p,
		      is_name || op == LAT_POP_GLOB ? "a string (\"...\")"
						    : "a number, a string or an event field",
		      after);
	free(e);
	return NULL;
}

static struct lat_pexpr *parse_or(struct parser *p);

static struct lat_pexpr *parse_not_(struct parser *p);

static struct lat_pexpr *parse_not(struct parser *p)
{
	struct lat_pexpr *e;

	if (++p->depth > MAX_DEPTH) {
		fail_at(p, p->tok.column, "expression nested too deeply (more than %d '(' or '!')",
			MAX_DEPTH);
		p->depth--;
		return NULL;
	}
	e = parse_not_(p);
	p->depth--;
	return e;
}

static struct lat_pexpr *parse_not_(struct parser *p)
{
	if (p->tok.type == T_NOT) {
		struct lat_pexpr *e = new_node(p, LAT_PN_NOT);

		if (!e) {
			return NULL;
		}
		next(p);
		e->lhs = parse_not(p);
		if (!e->lhs) {
			free(e);
			return NULL;
		}
		return e;
	}
	if (p->tok.type == T_LPAREN) {
		struct lat_pexpr *e;
		int column = p->tok.column;

		next(p);
		e = parse_or(p);
		if (!e) {
			return NULL;
		}
		if (p->tok.type != T_RPAREN) {
			char buf[40];

			fail_at(
			    p, p->tok.column,
			    "expected ')' (to close the '(' of column %d), '&&' or '||', not %s",
			    column, tok_desc(&p->tok, buf, sizeof(buf)));
			lat_pexpr_free(e);
			return NULL;
		}
		next(p);
		return e;
	}
	if (p->tok.type != T_DOLLAR) {
		fail_expected(p, "a comparison, '!' or '('", NULL);
		return NULL;
	}
	if (++p->comparisons > MAX_COMPARISONS) {
		fail_at(p, p->tok.column, "too many comparisons (more than %d)", MAX_COMPARISONS);
		return NULL;
	}
	return parse_comparison(p);
}

static struct lat_pexpr *parse_binary(struct parser *p, enum tok_type optok,
				      enum lat_pnode_kind kind,
				      struct lat_pexpr *(*operand)(struct parser *))
{
	struct lat_pexpr *lhs = operand(p);

	while (lhs && p->tok.type == optok) {
		struct lat_pexpr *e = new_node(p, kind);

		if (!e) {
			lat_pexpr_free(lhs);
			return NULL;
		}
		next(p);
		e->lhs = lhs;
		e->rhs = operand(p);
		if (!e->rhs) {
			lat_pexpr_free(e);
			return NULL;
		}
		lhs = e;
	}
	return lhs;
}

static struct lat_pexpr *parse_and(struct parser *p)
{
	return parse_binary(p, T_AND, LAT_PN_AND, parse_not);
}

static struct lat_pexpr *parse_or(struct parser *p)
{
	return parse_binary(p, T_OR, LAT_PN_OR, parse_and);
}

static void parser_init(struct parser *p, const char *text, struct lat_pfields *fields,
			struct lat_perr *err)
{
	memset(p, 0, sizeof(*p));
	p->text = text;
	p->pos = text;
	p->fields = fields;
	p->err = err;
	if (err) {
		err->column = 0;
		err->message[0] = '\0';
	}
	next(p);
}

static void fail_trailing(struct parser *p, const char *what)
{
	fail_expected(p, what, NULL);
}

int lat_pexpr_parse(const char *text, struct lat_pfields *fields, struct lat_pexpr **out,
		    struct lat_perr *err)
{
	struct parser p;
	struct lat_pexpr *e;

	*out = NULL;
	parser_init(&p, text, fields, err);
	e = parse_or(&p);
	if (e && p.tok.type != T_END) {
		fail_trailing(&p, "'&&', '||' or the end");
	}
	if (p.status) {
		lat_pexpr_free(e);
		return p.status;
	}
	*out = e;
	return 0;
}

static char *tok_strdup(struct parser *p)
{
	char *s = strndup(p->tok.start, p->tok.len);

	if (!s) {
		fail_nomem(p);
	}
	return s;
}

int lat_period_def_parse(const char *text, struct lat_pfields *fields,
			 struct lat_period_def_ast *out, struct lat_perr *err)
{
	struct parser p;

	memset(out, 0, sizeof(*out));
	parser_init(&p, text, fields, err);
	if (p.tok.type == T_IDENT) {
		out->name = tok_strdup(&p);
		next(&p);
		if (!p.status && p.tok.type == T_LPAREN) {
			next(&p);
			if (p.tok.type != T_IDENT) {
				fail_expected(&p, "the parent period's name", "(");
			} else {
				out->parent = tok_strdup(&p);
				out->parent_column = p.tok.column;
				next(&p);
				if (p.tok.type != T_RPAREN) {
					fail_expected(&p, "')'", out->parent);
				} else {
					next(&p);
				}
			}
		}
		if (!p.status && p.tok.type != T_COLON) {
			fail_expected(&p, out->parent ? "':'" : "'(PARENT)' or ':'", out->name);
		}
	} else if (p.tok.type != T_COLON) {
		fail_expected(&p, "a period name or ':'", NULL);
	}
	if (!p.status) {
		next(&p);
		out->begin = parse_or(&p);
	}
	if (!p.status && p.tok.type == T_COLON) {
		next(&p);
		out->end = parse_or(&p);
		if (!p.status && p.tok.type != T_END) {
			fail_trailing(&p, "'&&', '||' or the end");
		}
	} else if (!p.status && p.tok.type != T_END) {
		fail_trailing(&p, "'&&', '||', ':' (then the end expression) or the end");
	} else if (!p.status) {
		out->end = out->begin;
	}
	out->parent_ref_column = p.parent_ref_column;
	if (!p.status && p.parent_ref_column && !out->parent) {
		fail_at(&p, p.parent_ref_column,
			"$parent refers to the parent period, but this period has none "
			"(NAME (PARENT) : ...)");
	}
	if (p.status) {
		lat_period_def_ast_fini(out);
		return p.status;
	}
	return 0;
}

static int parse_caprefs(struct parser *p, struct lat_pcapture **out, size_t *count)
{
	size_t cap = 0;

	*out = NULL;
	*count = 0;
	if (p->tok.type == T_END || p->tok.type == T_COLON) {
		return 0;
	}
	for (;;) {
		struct lat_pcapture c = {0};
		const char *start = p->tok.start;
		bool is_name;
		char text[200];

		if (p->tok.type == T_IDENT) {
			c.name = tok_strdup(p);
			next(p);
			if (p->tok.type != T_ASSIGN) {
				fail_expected(p, "'='", c.name);
				free(c.name);
				return p->status;
			}
			next(p);
		}
		if (p->tok.type != T_DOLLAR) {
			fail_expected(p, "a capture (NAME = $evt.FIELD, or $evt.FIELD)",
				      c.name ? "=" : NULL);
			free(c.name);
			return p->status;
		}
		if (!parse_ref(p, &c.ref, &is_name)) {
			free(c.name);
			return p->status;
		}
		if (!c.name) {
			lat_pref_format(&c.ref, p->fields, text, sizeof(text));
			c.name = strdup(text);
			if (!c.name) {
				fail_nomem(p);
				return p->status;
			}
		}
		for (size_t i = 0; i < *count; i++) {
			if (strcmp((*out)[i].name, c.name) == 0) {
				fail_at(p, (int)(start - p->text) + 1,
					"Duplicate period capture name: \"%s\"", c.name);
				free(c.name);
				return p->status;
			}
		}
		if (*count == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct lat_pcapture *v = realloc(*out, ncap * sizeof(*v));

			if (!v) {
				free(c.name);
				fail_nomem(p);
				return p->status;
			}
			*out = v;
			cap = ncap;
		}
		(*out)[(*count)++] = c;
		if (p->tok.type != T_COMMA) {
			return 0;
		}
		next(p);
	}
}

int lat_period_captures_parse(const char *text, struct lat_pfields *fields,
			      struct lat_period_captures_ast *out, struct lat_perr *err)
{
	struct parser p;

	memset(out, 0, sizeof(*out));
	parser_init(&p, text, fields, err);
	if (p.tok.type != T_IDENT) {
		fail_expected(&p, "a period name", NULL);
		goto out;
	}
	out->name = tok_strdup(&p);
	next(&p);
	if (p.status) {
		goto out;
	}
	if (p.tok.type != T_COLON) {
		fail_expected(&p, "':'", out->name);
		goto out;
	}
	next(&p);
	if (parse_caprefs(&p, &out->begin, &out->nbegin)) {
		goto out;
	}
	if (p.tok.type == T_COLON) {
		next(&p);
		if (p.tok.type == T_END) {
			fail_expected(&p, "a capture (NAME = $evt.FIELD, or $evt.FIELD)", ":");
			goto out;
		}
		if (parse_caprefs(&p, &out->end, &out->nend)) {
			goto out;
		}
	}
	if (p.tok.type != T_END) {
		fail_trailing(&p, out->end ? "',' or the end" : "',', ':' or the end");
	}
out:
	if (p.status) {
		lat_period_captures_ast_fini(out);
	}
	return p.status;
}

void lat_pexpr_free(struct lat_pexpr *e)
{
	if (!e) {
		return;
	}
	lat_pexpr_free(e->lhs);
	lat_pexpr_free(e->rhs);
	free(e->left.string);
	free(e->right.string);
	free(e);
}

void lat_period_def_ast_fini(struct lat_period_def_ast *def)
{
	if (def->end != def->begin) {
		lat_pexpr_free(def->end);
	}
	lat_pexpr_free(def->begin);
	free(def->name);
	free(def->parent);
	memset(def, 0, sizeof(*def));
}

void lat_period_captures_ast_fini(struct lat_period_captures_ast *caps)
{
	for (size_t i = 0; i < caps->nbegin; i++) {
		free(caps->begin[i].name);
	}
	for (size_t i = 0; i < caps->nend; i++) {
		free(caps->end[i].name);
	}
	free(caps->begin);
	free(caps->end);
	free(caps->name);
	memset(caps, 0, sizeof(*caps));
}

void lat_pexpr_for_each_ref(const struct lat_pexpr *e,
			    void (*fn)(const struct lat_pref *ref, void *user), void *user)
{
	if (!e) {
		return;
	}
	if (e->kind == LAT_PN_CMP) {
		fn(&e->left.ref, user);
		if (e->right.kind == LAT_PO_REF) {
			fn(&e->right.ref, user);
		}
		return;
	}
	lat_pexpr_for_each_ref(e->lhs, fn, user);
	lat_pexpr_for_each_ref(e->rhs, fn, user);
}
