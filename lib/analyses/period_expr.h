/* period_expr.h: lttng-analyses' period expression language (parser: period_expr.c, evaluator and
 * text: period_expr_eval.c). */
#ifndef LATSCOPE_ANALYSES_PERIOD_EXPR_H
#define LATSCOPE_ANALYSES_PERIOD_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The grammar is the one of lttng-analyses 0.6.1 (cli/period_parsing.py), without its two
 * parser failures (a child period "NAME (PARENT)" raises KeyError; any '/' in the argument
 * cuts it, strings included):
 *
 *   period   := [NAME ['(' PARENT ')']] ':' expr [':' expr]      (end defaults to begin)
 *   captures := NAME ':' [capref {',' capref}] [':' capref {',' capref}]
 *   capref   := [NAME '='] ref
 *   expr     := or;  or := and {'||' and};  and := not {'&&' not};
 *   not      := '!' not | '(' expr ')' | comp
 *   comp     := ref(.$name) ('=='|'!='|'=*') STRING
 *             | ref(field) ('=='|'!='|'<'|'<='|'>'|'>=') (NUMBER | ref(field))
 *             | ref(field) ('=='|'!='|'=*') STRING
 *   ref      := ['$parent' '.'] ['$begin' '.'] '$evt' '.' ('$name' | [SCOPE '.'] NAME)
 *   SCOPE    := $payload | $ctx | $stream_ctx | $header | $pkt_ctx | $pkt_header
 *   NUMBER   := [+-]DIGITS ['.' [DIGITS]] [(e|E) [+-]DIGITS];  STRING := "..." with \ escapes
 *
 * Semantics (core/period.py): a missing value makes a comparison false; `!=` is `!(==)` (so
 * it is true on a missing field); values of different types compare false, except that a
 * float right-hand side is truncated to an integer when the left side is an integer; `=*` is
 * an fnmatch glob over the whole string. `$parent` must be followed by `$begin`.
 */

/* Where a field is looked up. AUTO searches the scopes in lttng-analyses' order. */
enum lat_pscope {
	LAT_PSCOPE_AUTO = 0,   /* payload, ctx, stream_ctx, header, pkt_ctx, pkt_header */
	LAT_PSCOPE_PAYLOAD,    /* $payload: event fields */
	LAT_PSCOPE_CTX,        /* $ctx: event (specific) context */
	LAT_PSCOPE_STREAM_CTX, /* $stream_ctx: stream event context (LTTng add-context) */
	LAT_PSCOPE_HEADER,     /* $header: stream event header */
	LAT_PSCOPE_PKT_CTX,    /* $pkt_ctx: packet context */
	LAT_PSCOPE_PKT_HEADER, /* $pkt_header: trace packet header */
	LAT_PSCOPE_COUNT,
};

/* Which event a reference reads. */
enum lat_pevent {
	LAT_PEV_EVT = 0,      /* $evt: the current event */
	LAT_PEV_BEGIN,        /* $begin.$evt: the event that began this period */
	LAT_PEV_PARENT_BEGIN, /* $parent.$begin.$evt: the event that began the parent period */
};

enum lat_pval_kind {
	LAT_PVAL_MISSING = 0,
	LAT_PVAL_SINT,
	LAT_PVAL_UINT,
	LAT_PVAL_FLOAT,
	LAT_PVAL_STR,
};

/* A value read from an event. Strings belong to the provider. */
struct lat_pval {
	uint8_t kind; /* enum lat_pval_kind */
	union {
		int64_t i;
		uint64_t u;
		double d;
		const char *s;
	};
};

/*
 * The fields the expressions of one program read, interned: every reference to the same
 * (scope, name) gets the same id, whatever event it reads, so that a source resolves each one
 * once per event class and caches it by id.
 */
struct lat_pfield {
	uint8_t scope; /* enum lat_pscope */
	bool is_name;  /* $name: the event's name */
	char *name;    /* NULL for $name */
};

struct lat_pfields {
	struct lat_pfield *v;
	uint32_t count, cap;
};

void lat_pfields_fini(struct lat_pfields *fields);

struct lat_pref {
	uint8_t event; /* enum lat_pevent */
	uint32_t id;   /* in struct lat_pfields */
	int column;    /* 1-based, where the reference starts */
};

enum lat_pop {
	LAT_POP_EQ = 0,
	LAT_POP_NE,
	LAT_POP_LT,
	LAT_POP_LE,
	LAT_POP_GT,
	LAT_POP_GE,
	LAT_POP_GLOB,
};

enum lat_pnode_kind {
	LAT_PN_OR = 0,
	LAT_PN_AND,
	LAT_PN_NOT,
	LAT_PN_CMP,
};

enum lat_poperand_kind {
	LAT_PO_REF = 0,
	LAT_PO_NUMBER,
	LAT_PO_STRING,
};

struct lat_poperand {
	uint8_t kind; /* enum lat_poperand_kind */
	struct lat_pref ref;
	double number;
	char *string;
};

struct lat_pexpr {
	uint8_t kind;                    /* enum lat_pnode_kind */
	uint8_t op;                      /* enum lat_pop (comparisons) */
	struct lat_pexpr *lhs, *rhs;     /* or/and: both; not: lhs */
	struct lat_poperand left, right; /* comparisons: left is always a reference */
};

/* A parse error: 1-based column in the text, and what was expected there. */
struct lat_perr {
	int column;
	char message[200];
};

struct lat_pcapture {
	char *name; /* given, or the reference's text ("$evt.fd") as the peer names it */
	struct lat_pref ref;
};

/* A captured value (a copy: it outlives the event). */
struct lat_period_capture_value {
	const char *name;  /* the capture's name (lives as long as the engine) */
	struct lat_pval v; /* strings are owned copies */
};

struct lat_period_def_ast {
	char *name;   /* NULL: unnamed period */
	char *parent; /* NULL: a root period */
	int parent_column;
	int parent_ref_column;         /* first $parent reference, 0 if none */
	struct lat_pexpr *begin, *end; /* end == begin when no end expression was given */
};

struct lat_period_captures_ast {
	char *name;
	struct lat_pcapture *begin, *end;
	size_t nbegin, nend;
};

/*
 * Each returns 0, -EINVAL with err filled (column and message), or -ENOMEM. Fields met are
 * interned into `fields`.
 */
int lat_pexpr_parse(const char *text, struct lat_pfields *fields, struct lat_pexpr **out,
		    struct lat_perr *err);
int lat_period_def_parse(const char *text, struct lat_pfields *fields,
			 struct lat_period_def_ast *out, struct lat_perr *err);
int lat_period_captures_parse(const char *text, struct lat_pfields *fields,
			      struct lat_period_captures_ast *out, struct lat_perr *err);

void lat_pexpr_free(struct lat_pexpr *expr);
void lat_period_def_ast_fini(struct lat_period_def_ast *def);
void lat_period_captures_ast_fini(struct lat_period_captures_ast *caps);

/* Calls fn for every reference of the expression (for example to find $begin ones). */
void lat_pexpr_for_each_ref(const struct lat_pexpr *expr,
			    void (*fn)(const struct lat_pref *ref, void *user), void *user);

/*
 * Reads one reference: fills *out (kind MISSING when the event has no such field or there is
 * no such event). The return value is ignored beyond "< 0: missing".
 */
typedef int (*lat_pget_fn)(void *user, const struct lat_pref *ref, struct lat_pval *out);

bool lat_pexpr_eval(const struct lat_pexpr *expr, const struct lat_pfields *fields, lat_pget_fn get,
		    void *user);

/* Compares two values as the peer does (missing or different types: false). */
bool lat_pval_compare(enum lat_pop op, const struct lat_pval *l, const struct lat_pval *r);

/* The text of a scope ("$ctx"; "" for AUTO) and of an operator ("<="). */
const char *lat_pscope_name(enum lat_pscope scope);
const char *lat_pop_name(enum lat_pop op);

/* "$begin.$evt.$ctx.name": the peer's text of a reference. Returns the length it needs. */
int lat_pref_format(const struct lat_pref *ref, const struct lat_pfields *fields, char *buf,
		    size_t len);
/* The peer's repr() of a parsed expression ("(($evt.a == 1.0) && ...)"), for tests. */
int lat_pexpr_format(const struct lat_pexpr *expr, const struct lat_pfields *fields, char *buf,
		     size_t len);

#endif /* LATSCOPE_ANALYSES_PERIOD_EXPR_H */
