/* lttng_tsdl_int.h: what lttng_tsdl.c (parser) and lttng_tsdl_compile.c (compiler) share. */
#ifndef LATSCOPE_SOURCES_LTTNG_TSDL_INT_H
#define LATSCOPE_SOURCES_LTTNG_TSDL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/lttng_tsdl.h"

#define MAX_DEPTH 32
#define MAX_OPS   (1u << 16)

struct lat_tsdl_pool {
	struct lat_tsdl_pool *next;
	size_t used, cap;
	max_align_t data[];
};

void *lat_tsdl_pool_alloc(struct lat_tsdl *t, size_t size);
char *lat_tsdl_pool_strndup(struct lat_tsdl *t, const char *s, size_t n);
#define pool_alloc   lat_tsdl_pool_alloc
#define pool_strndup lat_tsdl_pool_strndup

/* --- types ------------------------------------------------------------------------------ */

enum kind { K_INT, K_FLOAT, K_STRING, K_ENUM, K_STRUCT, K_VARIANT, K_ARRAY, K_SEQ };

#define label lat_tsdl_label

struct member {
	const char *name;
	struct type *type;
};

struct type {
	int kind;
	uint8_t size, sign, clock, text;
	int8_t be; /* -1: native (the trace's) */
	uint16_t align;
	struct label *labels;
	uint32_t nlabels;
	struct member *members;
	uint32_t nmembers;
	const char *tag, *lenref;
	struct type *elem; /* also an enumeration's integer */
	uint32_t len;
};

struct alias {
	const char *name;
	struct type *type;
	struct alias *next;
};

/* --- lexer ------------------------------------------------------------------------------ */

enum tok { T_EOF, T_ID, T_NUM, T_STR, T_PUNCT };

struct parser {
	struct lat_tsdl *t;
	const char *p, *end;
	int tok;
	const char *tk; /* token text */
	size_t tklen;
	int line;
	struct alias *aliases;
	char *err;
	size_t err_len;
	int status; /* first error */
	int depth;
	bool have_clock;
};

int lat_tsdl_fail(struct parser *ps, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define fail lat_tsdl_fail

/* Compiles scope type `ty` (a structure, or NULL: empty) into `prog`; `roles`: packet and
 * header scopes, whose fields the decoder finds by name. Returns 0 or the parser's status. */
int lat_tsdl_compile_scope(struct parser *ps, const struct type *ty, struct lat_tsdl_prog *prog,
			   bool roles);

#endif /* LATSCOPE_SOURCES_LTTNG_TSDL_INT_H */
