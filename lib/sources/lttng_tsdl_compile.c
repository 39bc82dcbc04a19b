/* lttng_tsdl_compile.c: a parsed TSDL scope compiled into the flat reads of lttng_tsdl.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sources/lttng_tsdl.h"
#include "sources/lttng_tsdl_int.h"

struct compiler {
	struct parser *ps;
	struct lat_tsdl_op *ops;
	uint32_t nops, cap;
	bool header_roles; /* packet header/context, event header: fields with roles */
};

static int role_of(const char *name)
{
	static const char *const names[LAT_ROLE_COUNT] = {
	    [LAT_ROLE_MAGIC] = "magic",
	    [LAT_ROLE_STREAM_ID] = "stream_id",
	    [LAT_ROLE_TS_BEGIN] = "timestamp_begin",
	    [LAT_ROLE_TS_END] = "timestamp_end",
	    [LAT_ROLE_CONTENT_SIZE] = "content_size",
	    [LAT_ROLE_PACKET_SIZE] = "packet_size",
	    [LAT_ROLE_SEQ_NUM] = "packet_seq_num",
	    [LAT_ROLE_DISCARDED] = "events_discarded",
	    [LAT_ROLE_CPU_ID] = "cpu_id",
	    [LAT_ROLE_EVENT_ID] = "id",
	};

	for (int i = 1; i < LAT_ROLE_COUNT; i++) {
		if (strcmp(names[i], name) == 0) {
			return i;
		}
	}
	return LAT_ROLE_NONE;
}

static struct lat_tsdl_op *emit(struct compiler *c)
{
	if (c->nops == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 16;
		struct lat_tsdl_op *bigger;

		if (cap > MAX_OPS) {
			fail(c->ps, -ENOTSUP, "event layout too large");
			return NULL;
		}
		bigger = realloc(c->ops, cap * sizeof(*bigger));
		if (!bigger) {
			fail(c->ps, -ENOMEM, "out of memory");
			return NULL;
		}
		c->ops = bigger;
		c->cap = cap;
	}
	memset(&c->ops[c->nops], 0, sizeof(c->ops[0]));
	return &c->ops[c->nops++];
}

/* Slots of the members compiled so far in the enclosing structures (for lengths and tags). */
struct scope {
	const struct scope *up;
	const struct type *type;
	uint32_t *slots; /* per member: its op index */
	uint32_t n;
};

static int find_in_scope(const struct scope *s, const char *name, const struct type **type)
{
	for (; s; s = s->up) {
		for (uint32_t i = s->n; i-- > 0;) {
			if (strcmp(s->type->members[i].name, name) == 0) {
				*type = s->type->members[i].type;
				return (int)s->slots[i];
			}
		}
	}
	return -1;
}

static int compile(struct compiler *c, const struct type *ty, const char *name, bool top,
		   const struct scope *sc, int depth);

static int compile_struct(struct compiler *c, const struct type *ty, bool top,
			  const struct scope *up, int depth)
{
	uint32_t slots[ty->nmembers ? ty->nmembers : 1];
	struct scope sc = {up, ty, slots, 0};
	struct lat_tsdl_op *op = emit(c);

	if (!op) {
		return c->ps->status;
	}
	op->code = LAT_OP_ALIGN;
	op->align = ty->align;
	for (uint32_t i = 0; i < ty->nmembers; i++) {
		slots[i] = c->nops;
		if (compile(c, ty->members[i].type, ty->members[i].name, top, &sc, depth + 1)) {
			return c->ps->status;
		}
		sc.n++;
	}
	return 0;
}

static int compile(struct compiler *c, const struct type *ty, const char *name, bool top,
		   const struct scope *sc, int depth)
{
	struct lat_tsdl_op *op;
	uint32_t at;

	if (depth > MAX_DEPTH) {
		return fail(c->ps, -EINVAL, "types nested too deep");
	}
	if (ty->kind == K_STRUCT) {
		return compile_struct(c, ty, false, sc, depth);
	}
	at = c->nops;
	op = emit(c);
	if (!op) {
		return c->ps->status;
	}
	op->name = name;
	op->top = top;
	op->align = ty->align;
	switch (ty->kind) {
	case K_INT:
	case K_ENUM:
		op->code = LAT_OP_INT;
		op->size = ty->size;
		op->sign = ty->sign;
		op->be = ty->be < 0 ? (uint8_t)c->ps->t->byte_order_be : (uint8_t)ty->be;
		op->clock = ty->clock;
		if (ty->kind == K_ENUM) {
			op->labels = ty->labels;
			op->nlabels = ty->nlabels;
		}
		if (c->header_roles && top) {
			op->role = (uint8_t)role_of(name);
			if (op->role == LAT_ROLE_TS_END) {
				op->clock = 0; /* the packet's end does not move the clock */
			}
		} else if (c->header_roles && strcmp(name, "id") == 0) {
			op->role = LAT_ROLE_EVENT_ID; /* the extended header's id */
		}
		return 0;
	case K_STRING:
		op->code = LAT_OP_STRING;
		return 0;
	case K_ARRAY:
	case K_SEQ: {
		const struct type *elem = ty->elem;
		bool text = elem->kind == K_INT && elem->size == 8 && elem->text;

		if (ty->kind == K_SEQ) {
			const struct type *lt;
			int ref = find_in_scope(sc, ty->lenref, &lt);

			if (ref < 0 || (lt->kind != K_INT && lt->kind != K_ENUM)) {
				return fail(c->ps, -ENOTSUP, "sequence length '%s' not found",
					    ty->lenref);
			}
			op->ref = (uint32_t)ref;
		}
		op->len = ty->len;
		if (text) {
			op->code = ty->kind == K_SEQ ? LAT_OP_TEXT_SEQ : LAT_OP_TEXT_ARR;
			return 0;
		}
		op->code = ty->kind == K_SEQ ? LAT_OP_SEQ : LAT_OP_ARRAY;
		if (compile(c, elem, name, false, sc, depth + 1)) {
			return c->ps->status;
		}
		c->ops[at].body = c->nops - at - 1;
		return 0;
	}
	case K_VARIANT: {
		const struct type *tt;
		int ref = ty->tag ? find_in_scope(sc, ty->tag, &tt) : -1;
		struct lat_tsdl_range *ranges;
		uint32_t *start, *len, nr = 0;

		if (ref < 0 || tt->kind != K_ENUM) {
			return fail(c->ps, -ENOTSUP, "variant tag '%s' not found",
				    ty->tag ? ty->tag : "");
		}
		ranges = pool_alloc(c->ps->t, (tt->nlabels + 1) * sizeof(*ranges));
		start = pool_alloc(c->ps->t, (ty->nmembers + 1) * sizeof(*start));
		len = pool_alloc(c->ps->t, (ty->nmembers + 1) * sizeof(*len));
		if (!ranges || !start || !len) {
			return fail(c->ps, -ENOMEM, "out of memory");
		}
		for (uint32_t l = 0; l < tt->nlabels; l++) {
			for (uint32_t m = 0; m < ty->nmembers; m++) {
				const char *mn = ty->members[m].name;

				/* member names lost their underscore; labels did not */
				if (strcmp(tt->labels[l].name, mn) == 0 ||
				    (tt->labels[l].name[0] == '_' &&
				     strcmp(tt->labels[l].name + 1, mn) == 0)) {
					ranges[nr].lo = tt->labels[l].lo;
					ranges[nr].hi = tt->labels[l].hi;
					ranges[nr].option = m;
					nr++;
					break;
				}
			}
		}
		op->code = LAT_OP_VARIANT;
		op->ref = (uint32_t)ref;
		op->len = ty->nmembers;
		op->align = 1;
		for (uint32_t m = 0; m < ty->nmembers; m++) {
			start[m] = c->nops - at - 1;
			if (compile(c, ty->members[m].type, ty->members[m].name, false, sc,
				    depth + 1)) {
				return c->ps->status;
			}
			len[m] = c->nops - at - 1 - start[m];
		}
		op = &c->ops[at];
		op->ranges = ranges;
		op->nranges = nr;
		op->opt_start = start;
		op->opt_len = len;
		op->body = c->nops - at - 1;
		return 0;
	}
	default:
		return fail(c->ps, -ENOTSUP, "unsupported field type");
	}
}

int lat_tsdl_compile_scope(struct parser *ps, const struct type *ty, struct lat_tsdl_prog *prog,
			   bool roles)
{
	struct compiler c = {.ps = ps, .header_roles = roles};

	if (!ty) {
		return 0;
	}
	if (ty->kind != K_STRUCT) {
		return fail(ps, -ENOTSUP, "a scope that is not a structure");
	}
	if (compile_struct(&c, ty, true, NULL, 0)) {
		free(c.ops);
		return ps->status;
	}
	prog->ops = pool_alloc(ps->t, (c.nops + 1) * sizeof(*c.ops));
	if (!prog->ops) {
		free(c.ops);
		return fail(ps, -ENOMEM, "out of memory");
	}
	memcpy(prog->ops, c.ops, c.nops * sizeof(*c.ops));
	prog->nops = c.nops;
	free(c.ops);
	return 0;
}

int lat_tsdl_find(const struct lat_tsdl_prog *p, const char *name)
{
	for (uint32_t i = 0; i < p->nops; i++) {
		if (p->ops[i].top && p->ops[i].name && strcmp(p->ops[i].name, name) == 0) {
			return (int)i;
		}
	}
	return -1;
}
