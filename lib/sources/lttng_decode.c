/* lttng_decode.c: LTTng kernel CTF trace files decoded from mmap'd streams, merged by time. */
#include "sources/lttng_decode.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyses/period_expr.h"
#include "sources/event.h"
#include "sources/lttng_decode_int.h"
#include "sources/lttng_tsdl.h"

#define MAX_STREAMS 4096
#define MAX_DEPTH   32
#define CTF_MAGIC   0xC1FC1FC1u

enum { K_I32, K_I64, K_U32, K_U64, K_STR, K_IPV4 }; /* ctf.c's field kinds */

struct trace {
	struct lat_tsdl *t;
	struct evmap *maps; /* per event of t->events */
	struct ctxmap *ctx; /* per stream class */
};

/* An event class's typed mapping, built on its first event. */
struct evmap {
	bool built;
	uint16_t type;
	uint32_t syscall_id;
	const char *syscall_name;
	int cpu_pay, cpu_ctx; /* `cpu_id` in the payload, the event's context, or -1 */
	uint32_t nfields;
	struct {
		uint32_t slot;
		uint16_t offset;
		uint8_t kind, sign;
		uint32_t present;
		const char *path; /* the rest of a path name ("b/c" of "a/b/c"), or NULL */
	} f[LAT_LTTNG_MAX_FIELDS];
};

struct ctxmap { /* LTTng add-context fields of a stream class, or -1 */
	int pid, tid, procname, cpu;
};

struct cursor {
	struct view cur; /* the current event (lat_kevent.raw when one thread decodes) */
	struct trace *tr;
	const struct lat_tsdl_stream *sc;
	const unsigned char *map;
	size_t size;
	char path[PATH_MAX];
	/* current packet */
	size_t pkt_off, pkt_bytes;
	uint64_t content_bits, pos;
	bool in_packet, started;
	uint64_t clock;
	uint32_t cpu;
	/* previous packet, for the lost events and packets */
	bool have_prev;
	uint64_t prev_disc, prev_seq;
	int64_t prev_end;
	bool prev_has_seq, prev_has_disc;
	/* the stream's times so far, as babeltrace2's muxer checks them (events, packet
	 * beginnings and ends, each one at least the one before) */
	int64_t last_ts, cur_end;
	bool have_last, cur_has_end;
	uint64_t nevents, npackets;
	/* the values of the current event and packet (when one thread decodes) */
	union val *v_hdr, *v_sctx, *v_ectx, *v_pay, *v_pkt;
	char *strbuf;
	size_t strcap, strused;
	/* decoding ahead (lttng_lanes.c): the batch being filled, whether it has the current
	 * packet's values, the stream's error (its ITEM_ERROR's text) */
	struct batch *bat;
	bool pkt_in_bat;
	uint32_t nops; /* the longest scope of the stream's trace (max_ops()) */
	char err[512];
};

struct lat_lttng {
	struct trace traces[64];
	int ntraces;
	struct cursor *cursors;
	uint32_t ncursors;
	uint32_t *heap, nheap;
	int64_t *keys;           /* per stream: its next event's time (the heap's order) */
	struct lat_lanes *lanes; /* streams decoded ahead on threads, or NULL */
	struct item **next;      /* per stream: the item after its current one (with lanes) */
	struct batch **bat;      /* per stream: the batch the consumer reads (with lanes) */
	uint32_t batch_events;   /* events per batch (with lanes) */
	struct lat_ctf_stats *stats;
	char *err;
	size_t err_len;
};

static int failf(struct lat_lttng *l, int ret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int failf(struct lat_lttng *l, int ret, const char *fmt, ...)
{
	va_list ap;

	if (l->err && l->err_len && !l->err[0]) {
		va_start(ap, fmt);
		vsnprintf(l->err, l->err_len, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* An error of stream c: when it is decoded ahead, into its own text (its ITEM_ERROR's). */
static int cfailf(struct lat_lttng *l, const struct cursor *c, int ret, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int cfailf(struct lat_lttng *l, const struct cursor *c, int ret, const char *fmt, ...)
{
	char *dst = c->bat ? (char *)c->err : l->err;
	size_t len = c->bat ? sizeof(c->err) : l->err_len;
	va_list ap;

	if (dst && len && !dst[0]) {
		va_start(ap, fmt);
		vsnprintf(dst, len, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* cycles -> ns from the epoch exactly as babeltrace2 computes it (bt_util_ns_from_origin) */
static inline uint64_t ns_from_value(uint64_t freq, uint64_t value)
{
	if (freq == 1000000000ULL) {
		return value;
	}
	double d = (1e9 * (double)value) / (double)freq;

	return d >= (double)UINT64_MAX ? UINT64_MAX : (uint64_t)d;
}

static inline int64_t to_ns(const struct lat_tsdl *t, uint64_t cycles)
{
	int64_t ns = t->offset_s * 1000000000LL + (int64_t)ns_from_value(t->freq, t->offset);
	uint64_t secs = cycles / t->freq;

	ns += (int64_t)(secs * 1000000000ULL);
	return ns + (int64_t)ns_from_value(t->freq, cycles - secs * t->freq);
}

/* --- reading bits ------------------------------------------------------------------------ */

struct rd {
	const unsigned char *base;
	uint64_t pos, limit; /* bits */
	uint64_t *clock;
	uint64_t roles[LAT_ROLE_COUNT];
	uint32_t role_set;
	char *strbuf;
	size_t *strused, strcap;
	const char *why;
};

static inline uint64_t read_bits(const unsigned char *base, uint64_t off, unsigned size, bool be)
{
	uint64_t v = 0;
	unsigned got = 0;

	if ((off & 7) == 0 && !be) {
		const unsigned char *p = base + (off >> 3);

		switch (size) {
		case 8:
			return p[0];
		case 16:
			return (uint64_t)p[0] | (uint64_t)p[1] << 8;
		case 32: {
			uint32_t x;
			memcpy(&x, p, 4);
			return x;
		}
		case 64: {
			uint64_t x;
			memcpy(&x, p, 8);
			return x;
		}
		}
	}
	while (got < size) {
		unsigned sh = off & 7, take = 8 - sh;
		uint64_t byte = base[off >> 3];

		if (take > size - got) {
			take = size - got;
		}
		if (be) {
			v = v << take | ((byte >> (8 - sh - take)) & ((1u << take) - 1));
		} else {
			v |= ((byte >> sh) & ((1u << take) - 1)) << got;
		}
		got += take;
		off += take;
	}
	return v;
}

static const char text_full[] = "text larger than its packet";

static int exec(struct rd *r, const struct lat_tsdl_prog *p, uint32_t from, uint32_t to,
		union val *v, int depth)
{
	if (depth > MAX_DEPTH) {
		r->why = "fields nested too deep";
		return -EINVAL;
	}
	for (uint32_t i = from; i < to;) {
		const struct lat_tsdl_op *op = &p->ops[i];
		uint64_t a = op->align, n;

		if (a > 1) {
			r->pos = (r->pos + a - 1) & ~(a - 1);
		}
		switch (op->code) {
		case LAT_OP_ALIGN:
			i++;
			break;
		case LAT_OP_INT: {
			uint64_t x;

			if (r->pos > r->limit || r->limit - r->pos < op->size) {
				r->why = "event past the end of its packet";
				return -EINVAL;
			}
			x = read_bits(r->base, r->pos, op->size, op->be);
			r->pos += op->size;
			if (op->sign && op->size < 64 && (x >> (op->size - 1)) & 1) {
				x |= ~0ULL << op->size;
			}
			v[i].u = x;
			if (op->clock) {
				if (op->size == 64) {
					*r->clock = x;
				} else {
					uint64_t mask = (1ULL << op->size) - 1;

					x &= mask;
					if (x < (*r->clock & mask)) {
						*r->clock += 1ULL << op->size;
					}
					*r->clock = (*r->clock & ~mask) | x;
				}
			}
			if (op->role) {
				r->roles[op->role] = v[i].u;
				r->role_set |= 1u << op->role;
			}
			i++;
			break;
		}
		case LAT_OP_STRING: {
			const unsigned char *s, *nul;

			if (r->pos > r->limit) {
				r->why = "string past the end of its packet";
				return -EINVAL;
			}
			s = r->base + (r->pos >> 3);
			nul = memchr(s, 0, (r->limit - r->pos) >> 3);
			if (!nul) {
				r->why = "unterminated string";
				return -EINVAL;
			}
			v[i].s = (const char *)s;
			r->pos += (uint64_t)(nul - s + 1) * 8;
			i++;
			break;
		}
		case LAT_OP_TEXT_ARR:
		case LAT_OP_TEXT_SEQ: {
			const unsigned char *s;
			size_t len;

			n = op->code == LAT_OP_TEXT_ARR ? op->len : v[op->ref].u;
			if (r->pos > r->limit || (r->limit - r->pos) / 8 < n) {
				r->why = "text past the end of its packet";
				return -EINVAL;
			}
			s = r->base + (r->pos >> 3);
			len = strnlen((const char *)s, n);
			if (*r->strused + len + 1 > r->strcap) {
				r->why = text_full;
				return -EINVAL;
			}
			v[i].s = r->strbuf + *r->strused;
			memcpy(r->strbuf + *r->strused, s, len);
			r->strbuf[*r->strused + len] = '\0';
			*r->strused += len + 1;
			r->pos += n * 8;
			i++;
			break;
		}
		case LAT_OP_ARRAY:
		case LAT_OP_SEQ:
			n = op->code == LAT_OP_ARRAY ? op->len : v[op->ref].u;
			if (r->pos > r->limit || n > r->limit - r->pos) {
				r->why = "sequence longer than its packet";
				return -EINVAL;
			}
			v[i].u = r->pos; /* where the elements begin (lat_lttng_event_uints) */
			for (uint64_t j = 0; j < n; j++) {
				uint64_t before = r->pos;
				int ret = exec(r, p, i + 1, i + 1 + op->body, v, depth + 1);

				if (ret) {
					return ret;
				}
				if (r->pos == before) {
					break; /* empty elements: the others would read nothing
						  either */
				}
			}
			i += 1 + op->body;
			break;
		case LAT_OP_VARIANT: {
			int64_t tag = v[op->ref].i;
			uint32_t o = UINT32_MAX;
			int ret;

			for (uint32_t k = 0; k < op->nranges; k++) {
				if (tag >= op->ranges[k].lo && tag <= op->ranges[k].hi) {
					o = op->ranges[k].option;
					break;
				}
			}
			if (o == UINT32_MAX) {
				r->why = "variant tag without an option";
				return -EINVAL;
			}
			ret = exec(r, p, i + 1 + op->opt_start[o],
				   i + 1 + op->opt_start[o] + op->opt_len[o], v, depth + 1);
			if (ret) {
				return ret;
			}
			i += 1 + op->body;
			break;
		}
		default:
			r->why = "bad layout";
			return -EINVAL;
		}
	}
	return 0;
}

/* --- packets ------------------------------------------------------------------------------ */

static int cursor_fail(struct lat_lttng *l, struct cursor *c, const char *why)
{
	return cfailf(l, c, -EINVAL, "%s: packet at offset %zu (byte %llu): %s", c->path,
		      c->pkt_off, (unsigned long long)(c->pos / 8), why);
}

/* A loss of `count` events or packets (UINT64_MAX: of unknown count), counted. */
static void count_loss(struct lat_lttng *l, const struct cursor *c, bool packets, uint64_t count,
		       int64_t begin, int64_t end)
{
	struct lat_ctf_stats *st = l->stats;

	if (!st || count == 0) {
		return;
	}
	st->discarded_records++;
	if (count == UINT64_MAX) { /* unknown: as ctf.c's count_loss() for babeltrace2 */
		st->discarded_unknown++;
	} else if (packets) {
		st->discarded_packets += count;
	} else {
		st->discarded_events += count;
	}
	if (st->nlosses < LAT_CTF_MAX_LOSSES) {
		struct lat_ctf_loss *loss = &st->losses[st->nlosses++];

		memset(loss, 0, sizeof(*loss));
		loss->count = count == UINT64_MAX ? 0 : count;
		loss->count_unknown = count == UINT64_MAX;
		loss->packets = packets;
		loss->begin = begin;
		loss->end = end;
		size_t n = strnlen(c->path, sizeof(loss->stream) - 1);

		memcpy(loss->stream, c->path, n);
		loss->stream[n] = '\0';
	}
}

/* Room for `more` items in batch b (the array grows: nothing points into it yet). */
static int reserve_items(struct batch *b, uint32_t more)
{
	if (b->cap - b->n < more) {
		uint32_t cap = b->cap * 2 > b->n + more ? b->cap * 2 : b->n + more;
		struct item *bigger = realloc(b->items, cap * sizeof(*bigger));

		if (!bigger) {
			return -ENOMEM;
		}
		b->items = bigger;
		b->cap = cap;
	}
	return 0;
}

/* A loss found while decoding: counted now, or when the consumer reaches it in the batch. */
static void note_loss(struct lat_lttng *l, struct cursor *c, bool packets, uint64_t count,
		      int64_t begin, int64_t end)
{
	struct item *it;

	if (!c->bat) {
		count_loss(l, c, packets, count, begin, end);
		return;
	}
	if (count == 0) {
		return;
	}
	it = &c->bat->items[c->bat->n++]; /* load_packet() reserved it */
	it->kind = ITEM_LOSS;
	it->packets = packets;
	it->count = count;
	it->begin = begin;
	it->end = end;
}

/*
 * A time of the stream (event, packet beginning or end) before the one before it: -ERANGE and
 * the error as ctf.c's diagnose() words it for libbabeltrace2.
 */
static int check_time(struct lat_lttng *l, struct cursor *c, int64_t ns, const char *what,
		      uint64_t nth)
{
	if (c->have_last && ns < c->last_ts) {
		return cfailf(l, c, -ERANGE,
			      "%s: its %s %llu goes back in time (%lld ns after %lld)", c->path,
			      what, (unsigned long long)nth, (long long)ns, (long long)c->last_ts);
	}
	c->last_ts = ns;
	c->have_last = true;
	return 0;
}

/*
 * Reads the next packet's header and context. Returns 1 (a packet), 0 (end of the stream) or
 * a negative errno. `account`: count the lost events and packets (not while scanning).
 */
static int load_packet(struct lat_lttng *l, struct cursor *c, bool account, int64_t *pbegin,
		       int64_t *pend)
{
	const struct lat_tsdl *t = c->tr->t;
	struct rd r = {0};
	uint64_t packet_bits, content_bits, sid = 0;
	const struct lat_tsdl_stream *sc = NULL;
	int ret;

	if (c->started) {
		c->pkt_off += c->pkt_bytes;
	}
	if (account && c->started && c->cur_has_end) {
		c->cur_has_end = false; /* the packet just read: its end */
		ret = check_time(l, c, c->cur_end, "packet end", c->npackets);
		if (ret) {
			return ret;
		}
	}
	c->started = true;
	c->in_packet = false;
	if (c->pkt_off >= c->size) {
		return 0;
	}
	if (account && c->bat && reserve_items(c->bat, 3)) { /* 2 losses, then an event */
		return -ENOMEM;
	}
	c->pkt_in_bat = false;
	if (!c->strbuf) {
		c->strbuf = malloc(4096);
		if (!c->strbuf) {
			return -ENOMEM;
		}
		c->strcap = 4096;
	}
	r.base = c->map + c->pkt_off;
	r.limit = (uint64_t)(c->size - c->pkt_off) * 8;
	r.clock = &c->clock;
	r.strbuf = c->strbuf;
	r.strused = &c->strused;
	r.strcap = c->strcap;
	c->strused = 0;
	ret = exec(&r, &t->packet_header, 0, t->packet_header.nops, c->v_pkt, 0);
	if (ret) {
		return cursor_fail(l, c, r.why ? r.why : "bad packet header");
	}
	if ((r.role_set & 1u << LAT_ROLE_MAGIC) && r.roles[LAT_ROLE_MAGIC] != CTF_MAGIC) {
		return cursor_fail(l, c, "bad packet magic");
	}
	if (r.role_set & 1u << LAT_ROLE_STREAM_ID) {
		sid = r.roles[LAT_ROLE_STREAM_ID];
	}
	for (uint32_t i = 0; i < t->nstreams; i++) {
		if (t->streams[i].id == sid) {
			sc = &t->streams[i];
		}
	}
	if (!sc || (c->sc && c->sc != sc)) {
		return cursor_fail(l, c, "unknown or changing stream id");
	}
	c->sc = sc;
	ret = exec(&r, &sc->packet_context, 0, sc->packet_context.nops, c->v_pkt, 0);
	if (ret) {
		return cursor_fail(l, c, r.why ? r.why : "bad packet context");
	}
	packet_bits = r.role_set & 1u << LAT_ROLE_PACKET_SIZE
			  ? r.roles[LAT_ROLE_PACKET_SIZE]
			  : (uint64_t)(c->size - c->pkt_off) * 8;
	content_bits =
	    r.role_set & 1u << LAT_ROLE_CONTENT_SIZE ? r.roles[LAT_ROLE_CONTENT_SIZE] : packet_bits;
	if (packet_bits == 0 || packet_bits % 8 || packet_bits / 8 > c->size - c->pkt_off) {
		return cursor_fail(l, c,
				   packet_bits / 8 > c->size - c->pkt_off
				       ? "packet larger than the rest of the file (truncated)"
				       : "bad packet size");
	}
	if (content_bits > packet_bits || r.pos > content_bits) {
		return cursor_fail(l, c, "bad content size");
	}
	c->pkt_bytes = packet_bits / 8;
	c->content_bits = content_bits;
	c->pos = r.pos;
	c->cpu = r.role_set & 1u << LAT_ROLE_CPU_ID ? (uint32_t)r.roles[LAT_ROLE_CPU_ID] : 0;
	if (r.role_set & 1u << LAT_ROLE_TS_BEGIN) {
		c->clock = r.roles[LAT_ROLE_TS_BEGIN];
	}
	int64_t begin = to_ns(t, r.roles[LAT_ROLE_TS_BEGIN]);
	int64_t end =
	    r.role_set & 1u << LAT_ROLE_TS_END ? to_ns(t, r.roles[LAT_ROLE_TS_END]) : begin;

	if (pbegin) {
		*pbegin = begin;
		*pend = end;
	}
	if (account) {
		c->npackets++;
		if (r.role_set & 1u << LAT_ROLE_TS_BEGIN) {
			ret = check_time(l, c, begin, "packet", c->npackets);
			if (ret) {
				return ret;
			}
		}
		c->cur_has_end = r.role_set & 1u << LAT_ROLE_TS_END;
		c->cur_end = end;
	}
	if (account) {
		bool has_disc = r.role_set & 1u << LAT_ROLE_DISCARDED;
		bool has_seq = r.role_set & 1u << LAT_ROLE_SEQ_NUM;
		uint64_t disc = r.roles[LAT_ROLE_DISCARDED], seq = r.roles[LAT_ROLE_SEQ_NUM];

		if (c->have_prev && has_seq && c->prev_has_seq && seq > c->prev_seq + 1) {
			note_loss(l, c, true, seq - c->prev_seq - 1, c->prev_end, begin);
		}
		if (has_disc) {
			if (c->have_prev && c->prev_has_disc) {
				if (disc > c->prev_disc) {
					note_loss(l, c, false, disc - c->prev_disc, c->prev_end,
						  end);
				}
			} else if (!c->have_prev && disc) {
				/* babeltrace2 gives no count for a first packet's: unknown */
				note_loss(l, c, false, UINT64_MAX, begin, end);
			}
		}
		c->have_prev = true;
		c->prev_disc = disc;
		c->prev_seq = seq;
		c->prev_has_disc = has_disc;
		c->prev_has_seq = has_seq;
		c->prev_end = end;
	}
	if (c->strcap < c->pkt_bytes * 2 + 64) {
		size_t cap = c->pkt_bytes * 2 + 64;
		char *bigger = realloc(c->strbuf, cap);

		if (!bigger) {
			return -ENOMEM;
		}
		c->strbuf = bigger;
		c->strcap = cap;
	}
	c->in_packet = true;
	return 1;
}

/* n values for a scope: the cursor's own, or the next ones of the batch being filled */
static inline union val *take_vals(struct cursor *c, union val *own, uint32_t n)
{
	union val *v;

	if (!c->bat) {
		return own;
	}
	v = c->bat->vals + c->bat->nvals; /* fill_batch() checked the room */
	c->bat->nvals += n;
	return v;
}

/*
 * The next event of a stream: 1 (c->cur set), 0 (end) or -errno; -ENOSPC (nothing said, the
 * cursor as before the event) when its text does not fit in the rest of the batch.
 */
static int cursor_next(struct lat_lttng *l, struct cursor *c)
{
	const struct lat_tsdl_stream *sc;
	const struct lat_tsdl_event *ev;
	union val *v_hdr, *v_sctx, *v_ectx, *v_pay;
	struct rd r = {0};
	bool limited = false;
	uint64_t id = 0, clock0;
	int ret;

	while (!c->in_packet || c->pos >= c->content_bits) {
		ret = load_packet(l, c, true, NULL, NULL);
		if (ret <= 0) {
			return ret;
		}
	}
	sc = c->sc;
	r.base = c->map + c->pkt_off;
	r.pos = c->pos;
	r.limit = c->content_bits;
	r.clock = &c->clock;
	clock0 = c->clock;
	if (c->bat) { /* texts into the batch, within the same bound as below */
		struct batch *b = c->bat;
		size_t room = b->strcap - b->nstr;

		if (!c->pkt_in_bat) {
			union val *v = take_vals(c, NULL, c->nops);

			memcpy(v, c->v_pkt, c->nops * sizeof(*v));
			c->cur.v_pkt = v;
			c->pkt_in_bat = true;
		}
		limited = room < c->strcap;
		r.strbuf = b->str;
		r.strused = &b->nstr;
		r.strcap = b->nstr + (limited ? room : c->strcap);
	} else {
		r.strbuf = c->strbuf;
		c->strused = 0;
		r.strused = &c->strused;
		r.strcap = c->strcap;
		c->cur.v_pkt = c->v_pkt;
	}
	v_hdr = take_vals(c, c->v_hdr, sc->event_header.nops);
	ret = exec(&r, &sc->event_header, 0, sc->event_header.nops, v_hdr, 0);
	if (ret) {
		if (limited && r.why == text_full) {
			c->clock = clock0;
			return -ENOSPC;
		}
		return cursor_fail(l, c, r.why);
	}
	if (r.role_set & 1u << LAT_ROLE_EVENT_ID) {
		id = r.roles[LAT_ROLE_EVENT_ID];
	}
	if (id >= sc->nby_id || !(ev = sc->by_id[id])) {
		char msg[64];

		snprintf(msg, sizeof(msg), "event of an unknown class (id %llu)",
			 (unsigned long long)id);
		return cursor_fail(l, c, msg);
	}
	v_sctx = take_vals(c, c->v_sctx, sc->event_context.nops);
	v_ectx = take_vals(c, c->v_ectx, ev->context.nops);
	v_pay = take_vals(c, c->v_pay, ev->payload.nops);
	if ((ret = exec(&r, &sc->event_context, 0, sc->event_context.nops, v_sctx, 0)) ||
	    (ret = exec(&r, &ev->context, 0, ev->context.nops, v_ectx, 0)) ||
	    (ret = exec(&r, &ev->payload, 0, ev->payload.nops, v_pay, 0))) {
		if (limited && r.why == text_full) {
			c->clock = clock0;
			return -ENOSPC;
		}
		return cursor_fail(l, c, r.why);
	}
	if (r.pos == c->pos) {
		return cursor_fail(l, c, "empty event");
	}
	c->pos = r.pos;
	c->cur.ev = ev;
	c->cur.sc = sc;
	c->cur.cpu = c->cpu;
	c->cur.pkt = r.base;
	c->cur.v_hdr = v_hdr;
	c->cur.v_sctx = v_sctx;
	c->cur.v_ectx = v_ectx;
	c->cur.v_pay = v_pay;
	c->cur.ts = to_ns(c->tr->t, c->clock);
	ret = check_time(l, c, c->cur.ts, "event", ++c->nevents);
	return ret ? ret : 1;
}

/* --- opening ------------------------------------------------------------------------------ */

/* A metadata file's TSDL text (lttng_tsdl.h). */
static uint32_t get32(const unsigned char *p, bool be)
{
	return be ? (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]
		  : (uint32_t)p[3] << 24 | p[2] << 16 | p[1] << 8 | p[0];
}

char *lat_tsdl_unpack(const unsigned char *data, size_t size, size_t *len, const char **why)
{
	size_t off = 0, n = 0;
	char *text;
	bool be;

	*why = NULL;
	if (size < 4 || (get32(data, false) != 0x75d11d57 && get32(data, true) != 0x75d11d57)) {
		text = malloc(size + 1);
		if (text) {
			memcpy(text, data, size);
			text[size] = '\0';
			*len = size;
		}
		return text;
	}
	be = get32(data, true) == 0x75d11d57;
	text = malloc(size + 1);
	if (!text) {
		return NULL;
	}
	while (off < size) {
		uint32_t content, packet;

		if (size - off < 37 || get32(data + off, be) != 0x75d11d57) {
			*why = "bad metadata packet header";
			break;
		}
		content = get32(data + off + 24, be) / 8;
		packet = get32(data + off + 28, be) / 8;
		if (content < 37 || packet < content || packet > size - off || data[off + 32] ||
		    data[off + 33]) {
			*why = data[off + 32] || data[off + 33] ? "compressed or encrypted metadata"
								: "bad metadata packet size";
			break;
		}
		memcpy(text + n, data + off + 37, content - 37);
		n += content - 37;
		off += packet;
	}
	if (*why) {
		free(text);
		return NULL;
	}
	text[n] = '\0';
	*len = n;
	return text;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint32_t max_ops(const struct lat_tsdl *t)
{
	uint32_t m = t->packet_header.nops;

	for (uint32_t i = 0; i < t->nstreams; i++) {
		const struct lat_tsdl_stream *s = &t->streams[i];

		m = s->packet_context.nops > m ? s->packet_context.nops : m;
		m = s->event_header.nops > m ? s->event_header.nops : m;
		m = s->event_context.nops > m ? s->event_context.nops : m;
	}
	for (uint32_t i = 0; i < t->nevents; i++) {
		m = t->events[i].context.nops > m ? t->events[i].context.nops : m;
		m = t->events[i].payload.nops > m ? t->events[i].payload.nops : m;
	}
	return m + 1;
}

static int open_trace(struct lat_lttng *l, const char *dir)
{
	char path[PATH_MAX], *names[MAX_STREAMS];
	struct trace *tr = &l->traces[l->ntraces];
	int n = 0, fd, ret = 0;
	struct dirent *e;
	struct stat st;
	void *map;
	const char *why;
	char *text;
	size_t len;
	DIR *d;

	snprintf(path, sizeof(path), "%s/metadata", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || st.st_size == 0) {
		if (fd >= 0) {
			close(fd);
		}
		return failf(l, -EINVAL, "%s: cannot read the metadata", path);
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		return failf(l, -EINVAL, "%s: %s", path, strerror(errno));
	}
	text = lat_tsdl_unpack(map, st.st_size, &len, &why);
	munmap(map, st.st_size);
	if (!text) {
		return why ? failf(l, -EINVAL, "%s: %s", path, why) : -ENOMEM;
	}
	char perr[256] = "";
	ret = lat_tsdl_parse(text, len, &tr->t, perr, sizeof(perr));
	free(text);
	if (ret) {
		return ret == -ENOMEM ? ret : failf(l, ret, "%s: %s", path, perr);
	}
	l->ntraces++;
	tr->maps = calloc(tr->t->nevents + 1, sizeof(*tr->maps));
	tr->ctx = calloc(tr->t->nstreams + 1, sizeof(*tr->ctx));
	if (!tr->maps || !tr->ctx) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < tr->t->nstreams; i++) {
		const struct lat_tsdl_prog *p = &tr->t->streams[i].event_context;
		int s;

		s = lat_tsdl_find(p, "pid");
		tr->ctx[i].pid = s >= 0 && p->ops[s].code == LAT_OP_INT && p->ops[s].sign ? s : -1;
		s = lat_tsdl_find(p, "tid");
		tr->ctx[i].tid = s >= 0 && p->ops[s].code == LAT_OP_INT && p->ops[s].sign ? s : -1;
		s = lat_tsdl_find(p, "cpu_id");
		tr->ctx[i].cpu = s >= 0 && p->ops[s].code == LAT_OP_INT ? s : -1;
		s = lat_tsdl_find(p, "procname");
		tr->ctx[i].procname =
		    s >= 0 && p->ops[s].code != LAT_OP_INT && p->ops[s].code <= LAT_OP_TEXT_SEQ
			? s
			: -1;
	}
	d = opendir(dir);
	if (!d) {
		return failf(l, -EINVAL, "%s: %s", dir, strerror(errno));
	}
	while ((e = readdir(d)) && n < MAX_STREAMS) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "metadata") == 0) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size == 0) {
			continue;
		}
		if (!(names[n] = strdup(path))) {
			ret = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), compare_names);
	uint32_t nops = max_ops(tr->t);
	for (int i = 0; i < n; i++) {
		struct cursor *c;

		if (ret == 0) {
			struct cursor *bigger =
			    realloc(l->cursors, (l->ncursors + 1) * sizeof(*l->cursors));

			if (!bigger) {
				ret = -ENOMEM;
			} else {
				l->cursors = bigger;
			}
		}
		if (ret == 0) {
			c = &l->cursors[l->ncursors];
			memset(c, 0, sizeof(*c));
			c->cur.magic = RAW_MAGIC;
			c->cur.tr = tr;
			c->tr = tr;
			c->nops = nops;
			snprintf(c->path, sizeof(c->path), "%s", names[i]);
			c->v_pkt = calloc(nops * 5, sizeof(union val));
			fd = open(names[i], O_RDONLY);
			if (!c->v_pkt) {
				ret = -ENOMEM;
			} else if (fd < 0 || fstat(fd, &st)) {
				ret = failf(l, -EINVAL, "%s: %s", names[i], strerror(errno));
			} else {
				c->size = st.st_size;
				map = mmap(NULL, c->size, PROT_READ, MAP_PRIVATE, fd, 0);
				if (map == MAP_FAILED) {
					ret =
					    failf(l, -EINVAL, "%s: %s", names[i], strerror(errno));
				} else {
					c->map = map;
					madvise(map, c->size, MADV_SEQUENTIAL);
				}
			}
			if (fd >= 0) {
				close(fd);
			}
			c->v_hdr = c->v_pkt + nops;
			c->v_sctx = c->v_pkt + 2 * nops;
			c->v_ectx = c->v_pkt + 3 * nops;
			c->v_pay = c->v_pkt + 4 * nops;
			l->ncursors++;
		}
		free(names[i]);
	}
	return ret;
}

int lat_lttng_open(char *const *dirs, int ndirs, struct lat_lttng **out, char *err, size_t err_len)
{
	struct lat_lttng *l = calloc(1, sizeof(*l));
	int ret = 0;

	*out = NULL;
	if (err && err_len) {
		err[0] = '\0';
	}
	if (!l) {
		return -ENOMEM;
	}
	l->err = err;
	l->err_len = err_len;
	for (int i = 0; i < ndirs && ret == 0; i++) {
		if (!dirs[i]) {
			continue;
		}
		if (l->ntraces == 64) {
			ret = failf(l, -ENOTSUP, "too many traces");
			break;
		}
		ret = open_trace(l, dirs[i]);
	}
	if (ret == 0 && l->ncursors == 0) {
		ret = failf(l, -ENODATA, "the trace has no data stream");
	}
	if (ret) {
		lat_lttng_destroy(l);
		return ret;
	}
	*out = l;
	return 0;
}

int lat_lttng_ranges(struct lat_lttng *l, int64_t *begin, int64_t *end, int64_t *ibegin,
		     int64_t *iend)
{
	*begin = INT64_MAX;
	*end = INT64_MIN;
	*ibegin = INT64_MIN;
	*iend = INT64_MAX;
	for (uint32_t i = 0; i < l->ncursors; i++) {
		struct cursor *c = &l->cursors[i];
		int64_t b, e, first = 0, last = 0;
		bool have = false;
		int ret;

		while ((ret = load_packet(l, c, false, &b, &e)) == 1) {
			if (!have) {
				first = b;
			}
			last = e;
			have = true;
		}
		c->started = false;
		c->pkt_off = 0;
		c->pkt_bytes = 0;
		c->in_packet = false;
		c->sc = NULL;
		if (ret < 0) {
			return ret;
		}
		if (!have) {
			return failf(l, -EINVAL, "%s: no packet", c->path);
		}
		*begin = first < *begin ? first : *begin;
		*end = last > *end ? last : *end;
		*ibegin = first > *ibegin ? first : *ibegin;
		*iend = last < *iend ? last : *iend;
	}
	return l->ncursors ? 0 : -ENODATA;
}

/* --- merging and typed events ------------------------------------------------------------- */

static inline bool before(const struct lat_lttng *l, uint32_t a, uint32_t b)
{
	return l->keys[a] < l->keys[b] || (l->keys[a] == l->keys[b] && a < b);
}

static void sift_down(struct lat_lttng *l, uint32_t i)
{
	for (;;) {
		uint32_t m = i, lc = 2 * i + 1, rc = 2 * i + 2;

		if (lc < l->nheap && before(l, l->heap[lc], l->heap[m])) {
			m = lc;
		}
		if (rc < l->nheap && before(l, l->heap[rc], l->heap[m])) {
			m = rc;
		}
		if (m == i) {
			return;
		}
		uint32_t tmp = l->heap[i];
		l->heap[i] = l->heap[m];
		l->heap[m] = tmp;
		i = m;
	}
}

/* Whether a payload member can fill a field of this kind (the first step of a path: a variant) */
static bool field_fits(const struct lat_tsdl_op *op, uint8_t kind, bool path)
{
	if (path) {
		return op->code == LAT_OP_VARIANT;
	}
	switch (kind) {
	case K_STR:
		return op->code == LAT_OP_STRING || op->code == LAT_OP_TEXT_ARR ||
		       op->code == LAT_OP_TEXT_SEQ;
	case K_IPV4:
		return op->code == LAT_OP_INT || op->code == LAT_OP_ARRAY || op->code == LAT_OP_SEQ;
	default:
		return op->code == LAT_OP_INT;
	}
}

static int build_map(const struct lat_lttng_run *run, const struct lat_tsdl_event *ev,
		     struct evmap *m)
{
	struct lat_lttng_typed typed;
	int ret, s;

	memset(&typed, 0, sizeof(typed));
	ret = run->map(run->map_ctx, ev->name, &typed);
	if (ret) {
		return ret;
	}
	m->type = typed.type;
	s = lat_tsdl_find(&ev->payload, "cpu_id");
	m->cpu_pay = s >= 0 && ev->payload.ops[s].code == LAT_OP_INT ? s : -1;
	s = lat_tsdl_find(&ev->context, "cpu_id");
	m->cpu_ctx = s >= 0 && ev->context.ops[s].code == LAT_OP_INT ? s : -1;
	m->syscall_id = typed.syscall_id;
	m->syscall_name = typed.syscall_name;
	for (uint32_t i = 0; i < typed.nfields && m->nfields < LAT_LTTNG_MAX_FIELDS; i++) {
		const struct lat_lttng_field *f = &typed.fields[i];
		const char *slash = strchr(f->name, '/');
		char first[64];

		snprintf(first, sizeof(first), "%.*s",
			 slash ? (int)(slash - f->name) : (int)strlen(f->name), f->name);
		s = lat_tsdl_find(&ev->payload, first);
		const struct lat_tsdl_op *op;

		if (s < 0) {
			continue;
		}
		op = &ev->payload.ops[s];
		m->f[m->nfields].path = slash ? slash + 1 : NULL;
		if (!field_fits(op, f->kind, slash != NULL)) {
			continue;
		}
		m->f[m->nfields].slot = (uint32_t)s;
		m->f[m->nfields].offset = f->offset;
		m->f[m->nfields].kind = f->kind;
		m->f[m->nfields].sign = op->sign;
		m->f[m->nfields].present = f->present;
		m->nfields++;
	}
	m->built = true;
	return 0;
}

/*
 * The op at `path` ("b/c") under the variant at payload slot s: through the option the
 * variant's tag selected in this event, the first member so named, and so on; -1 when a step
 * is missing (another option: not IPv4, not TCP).
 */
static int path_slot(const struct view *c, uint32_t s, const char *path)
{
	const struct lat_tsdl_prog *p = &c->ev->payload;

	while (path) {
		const struct lat_tsdl_op *op = &p->ops[s];
		const char *slash = strchr(path, '/');
		size_t len = slash ? (size_t)(slash - path) : strlen(path);
		uint32_t o = UINT32_MAX, from, to;

		if (op->code != LAT_OP_VARIANT) {
			return -1;
		}
		for (uint32_t k = 0; k < op->nranges; k++) {
			if (c->v_pay[op->ref].i >= op->ranges[k].lo &&
			    c->v_pay[op->ref].i <= op->ranges[k].hi) {
				o = op->ranges[k].option;
				break;
			}
		}
		if (o == UINT32_MAX) {
			return -1;
		}
		from = s + 1 + op->opt_start[o];
		to = from + op->opt_len[o];
		for (s = from; s < to; s++) {
			const char *n = p->ops[s].name;

			if (n && strncmp(n, path, len) == 0 && n[len] == '\0') {
				break;
			}
		}
		if (s == to) {
			return -1;
		}
		path = slash ? slash + 1 : NULL;
	}
	return (int)s;
}

/* A path or K_IPV4 field (ctf.c's FK_IPV4: an unsigned integer, or 4 unsigned bytes)
 * into dst when this event has it. */
static bool store_checked(const struct view *c, uint32_t slot, const char *path, uint8_t kind,
			  char *dst)
{
	const struct lat_tsdl_prog *p = &c->ev->payload;
	int s = path ? path_slot(c, slot, path) : (int)slot;
	const struct lat_tsdl_op *op, *elem;
	uint32_t a = 0;

	if (s < 0) {
		return false;
	}
	op = &p->ops[s];
	if (op->code == LAT_OP_INT && !(kind == K_IPV4 && op->sign)) {
		if (kind == K_I64 || kind == K_U64) {
			*(uint64_t *)dst = c->v_pay[s].u;
		} else {
			*(uint32_t *)dst = (uint32_t)c->v_pay[s].u;
		}
		return true;
	}
	if (kind != K_IPV4 || (op->code != LAT_OP_ARRAY && op->code != LAT_OP_SEQ) ||
	    op->body != 1 || (op->code == LAT_OP_ARRAY ? op->len : c->v_pay[op->ref].u) != 4) {
		return false; /* not 4 bytes: no address (connect's v4addr of another family), or
				 IPv6's */
	}
	elem = &p->ops[s + 1];
	if (elem->code != LAT_OP_INT || elem->sign || elem->size % 8 || elem->align > elem->size) {
		return false;
	}
	for (uint64_t i = 0; i < 4; i++) {
		a = a << 8 | (uint32_t)(read_bits(c->pkt, c->v_pay[s].u + i * elem->size,
						  elem->size, elem->be) &
					255);
	}
	*(uint32_t *)dst = a;
	return true;
}

static int deliver(struct lat_lttng *l, const struct lat_lttng_run *run, const struct view *c)
{
	struct trace *tr = c->tr;
	const struct lat_tsdl_event *e = c->ev;
	struct evmap *m = &tr->maps[e - tr->t->events];
	const struct ctxmap *cx = &tr->ctx[c->sc - tr->t->streams];
	struct lat_kevent ev;

	if (!m->built) { /* first: babeltrace2's path maps skipped events' classes too */
		int ret = build_map(run, e, m);

		if (ret) {
			return ret;
		}
	}
	if (run->intersect && (c->ts < run->begin || c->ts > run->end)) {
		l->stats->skipped++;
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.ts = c->ts;
	ev.type = m->type;
	ev.name = e->name;
	/* `cpu_id` as babeltrace 1 looks it up (ctf.c's event_cpu()): the payload, the event's
	 * context, the stream's event context, and last the packet context */
	if (m->cpu_pay >= 0) {
		ev.cpu = (uint32_t)c->v_pay[m->cpu_pay].u;
	} else if (m->cpu_ctx >= 0) {
		ev.cpu = (uint32_t)c->v_ectx[m->cpu_ctx].u;
	} else if (cx->cpu >= 0) {
		ev.cpu = (uint32_t)c->v_sctx[cx->cpu].u;
	} else {
		ev.cpu = c->cpu;
	}
	ev.raw = c;
	if (cx->pid >= 0) {
		ev.ctx_pid = (int32_t)c->v_sctx[cx->pid].i;
		ev.ctx_mask |= LAT_CTX_PID;
	}
	if (cx->tid >= 0) {
		ev.ctx_tid = (int32_t)c->v_sctx[cx->tid].i;
		ev.ctx_mask |= LAT_CTX_TID;
	}
	if (cx->procname >= 0) {
		ev.ctx_procname = c->v_sctx[cx->procname].s;
		ev.ctx_mask |= LAT_CTX_PROCNAME;
	}
	for (uint32_t i = 0; i < m->nfields; i++) {
		char *dst = (char *)&ev + m->f[i].offset;
		const union val *v = &c->v_pay[m->f[i].slot];

		if (m->f[i].path || m->f[i].kind == K_IPV4) {
			if (store_checked(c, m->f[i].slot, m->f[i].path, m->f[i].kind, dst)) {
				ev.present |= m->f[i].present;
			}
			continue;
		}
		switch (m->f[i].kind) {
		case K_STR:
			*(const char **)dst = v->s;
			break;
		case K_I32:
			*(int32_t *)dst = (int32_t)v->i;
			break;
		case K_U32:
			*(uint32_t *)dst = (uint32_t)v->u;
			break;
		case K_I64:
			*(int64_t *)dst = v->i;
			break;
		case K_U64:
			*(uint64_t *)dst = v->u;
			break;
		}
		ev.present |= m->f[i].present;
	}
	if (ev.type == LAT_EV_SYSCALL_ENTRY || ev.type == LAT_EV_SYSCALL_EXIT) {
		ev.syscall.id = m->syscall_id;
		ev.syscall.name = m->syscall_name;
	}
	l->stats->events++;
	return run->fn(&ev, run->user);
}

/* --- decoding ahead on threads (lttng_lanes.c) --------------------------------------------- */

/* Fills batch b with stream `stream`'s next items (lat_lanes_fill_fn). */
static int fill_batch(void *ctx, uint32_t stream, struct batch *b)
{
	struct lat_lttng *l = ctx;
	struct cursor *c = &l->cursors[stream];
	size_t need = 5 * (size_t)c->nops, committed = 0;
	int ret = 1;

	if (!b->vals) {
		b->vcap = (size_t)l->batch_events * 16 + 4 * need;
		b->strcap = (size_t)l->batch_events * 64;
		b->vals = malloc(b->vcap * sizeof(*b->vals));
		b->str = malloc(b->strcap);
		if (!b->vals || !b->str || reserve_items(b, l->batch_events + 8)) {
			free(b->vals);
			free(b->str);
			b->vals = NULL;
			b->str = NULL;
			return -ENOMEM;
		}
	}
	c->bat = b;
	c->pkt_in_bat = false;
	while (b->n < l->batch_events && b->vcap - b->nvals >= need) {
		if (reserve_items(b, 4)) {
			ret = -ENOMEM;
			break;
		}
		ret = cursor_next(l, c);
		if (ret == 1) {
			struct item *it = &b->items[b->n++];

			it->kind = ITEM_EVENT;
			it->v = c->cur;
			committed = b->nstr;
			continue;
		}
		if (ret != -ENOSPC) {
			break;
		}
		b->nstr = committed; /* the texts of the event that did not fit */
		if (committed) {
			c->bat = NULL;
			return 0; /* the event begins the next batch */
		}
		char *bigger =
		    malloc(c->strcap); /* an event's texts alone: as large as its packet */

		if (!bigger) {
			ret = -ENOMEM;
			break;
		}
		free(b->str);
		b->str = bigger;
		b->strcap = c->strcap;
	}
	c->bat = NULL;
	if (ret == 1) {
		return 0; /* the batch is full */
	}
	if (b->n == b->cap) {
		return -ENOMEM;
	}
	b->items[b->n].kind = ret ? ITEM_ERROR : ITEM_END; /* reserved */
	b->items[b->n].ret = ret;
	b->n++;
	return 1;
}

/* Whether the streams may be decoded ahead: no text in a packet's header or context (their
 * values are copied into each batch, and such texts would live in the cursor only). */
static bool may_decode_ahead(const struct lat_lttng *l)
{
	for (int i = 0; i < l->ntraces; i++) {
		const struct lat_tsdl *t = l->traces[i].t;

		for (uint32_t k = 0; k <= t->nstreams; k++) {
			const struct lat_tsdl_prog *p =
			    k == t->nstreams ? &t->packet_header : &t->streams[k].packet_context;

			for (uint32_t o = 0; o < p->nops; o++) {
				if (p->ops[o].code == LAT_OP_TEXT_ARR ||
				    p->ops[o].code == LAT_OP_TEXT_SEQ) {
					return false;
				}
			}
		}
	}
	return true;
}

/* LATSCOPE_CTF_THREADS (1: the merging thread decodes every stream itself), else the CPUs. */
static unsigned thread_count(void)
{
	const char *s = getenv("LATSCOPE_CTF_THREADS");
	long n = 0;

	if (s && *s) {
		char *end;

		n = strtol(s, &end, 10);
		if (*end || n < 1) {
			n = 0;
		}
	}
	if (n == 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
	}
	return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

/* The next event of stream i from its batches: 1 (l->keys[i] set), 0 (its end) or -errno. */
static int reader_next(struct lat_lttng *l, uint32_t i)
{
	const struct cursor *c = &l->cursors[i];

	for (;;) {
		struct item *it = l->next[i];

		if (!it || it == l->bat[i]->items + l->bat[i]->n) {
			struct batch *b = lat_lanes_next(l->lanes, i);

			l->bat[i] = b;
			if (!b) {
				l->next[i] = NULL;
				return 0;
			}
			if (b->err) {
				return b->err;
			}
			it = b->items;
		}
		l->next[i] = it + 1;
		switch (it->kind) {
		case ITEM_EVENT:
			l->keys[i] = it->v.ts;
			return 1;
		case ITEM_LOSS:
			count_loss(l, c, it->packets, it->count, it->begin, it->end);
			break;
		case ITEM_ERROR:
			return c->err[0] ? failf(l, it->ret, "%s", c->err) : it->ret;
		default:
			l->next[i] = NULL;
			return 0;
		}
	}
}

/* The next event of stream i, decoded here or ahead: 1, 0 (its end) or -errno. */
static int stream_next(struct lat_lttng *l, uint32_t i)
{
	int ret;

	if (l->lanes) {
		return reader_next(l, i);
	}
	ret = cursor_next(l, &l->cursors[i]);
	if (ret == 1) {
		l->keys[i] = l->cursors[i].cur.ts;
	}
	return ret;
}

static const struct view *stream_event(const struct lat_lttng *l, uint32_t i)
{
	return l->lanes ? &l->next[i][-1].v : &l->cursors[i].cur;
}

static int start_lanes(struct lat_lttng *l)
{
	unsigned threads = thread_count();

	if (threads < 2 || l->ncursors > 4096 || !may_decode_ahead(l)) {
		return 0;
	}
	/* the merging thread decodes too (when it would wait): threads - 1 workers, no more
	 * than there are streams */
	unsigned workers = threads - 1 < l->ncursors ? threads - 1 : l->ncursors;

	/* ~64 K events in flight in all (3 batches per stream at most): fewer hand-overs with
	 * few streams, bounded memory with many (~300 bytes an event) */
	l->batch_events = 65536 / l->ncursors;
	l->batch_events = l->batch_events < 64     ? 64
			  : l->batch_events > 8192 ? 8192
						   : l->batch_events;
	for (uint32_t i = 0; i < l->ncursors; i++) {
		l->cursors[i].err[0] = '\0';
	}
	l->next = calloc(l->ncursors, sizeof(*l->next));
	l->bat = calloc(l->ncursors, sizeof(*l->bat));
	if (!l->next || !l->bat) {
		return -ENOMEM;
	}
	return lat_lanes_start(l->ncursors, workers, 3, fill_batch, l, &l->lanes);
}

static int merge(struct lat_lttng *l, const struct lat_lttng_run *run)
{
	int ret;

	for (uint32_t i = 0; i < l->ncursors; i++) {
		ret = stream_next(l, i);
		if (ret < 0) {
			return ret;
		}
		if (ret == 1) {
			l->heap[l->nheap++] = i;
		}
	}
	for (uint32_t i = l->nheap / 2 + 1; i-- > 0;) {
		sift_down(l, i);
	}
	while (l->nheap) {
		uint32_t s = l->heap[0];

		ret = deliver(l, run, stream_event(l, s));
		if (ret) {
			return ret > 0 ? 0 : ret;
		}
		ret = stream_next(l, s);
		if (ret < 0) {
			return ret;
		}
		if (ret == 0) {
			l->heap[0] = l->heap[--l->nheap];
		}
		sift_down(l, 0);
	}
	return 0;
}

int lat_lttng_run(struct lat_lttng *l, const struct lat_lttng_run *run, char *err, size_t err_len)
{
	int ret;

	l->err = err;
	l->err_len = err_len;
	if (err && err_len) {
		err[0] = '\0';
	}
	l->stats = run->stats;
	free(l->heap);
	free(l->keys);
	l->heap = calloc(l->ncursors + 1, sizeof(*l->heap));
	l->keys = calloc(l->ncursors + 1, sizeof(*l->keys));
	if (!l->heap || !l->keys) {
		return -ENOMEM;
	}
	l->nheap = 0;
	ret = start_lanes(l);
	if (ret == 0) {
		ret = merge(l, run);
	}
	lat_lanes_stop(l->lanes); /* the workers stop between batches */
	l->lanes = NULL;
	free(l->next);
	free(l->bat);
	l->next = NULL;
	l->bat = NULL;
	return ret;
}

void lat_lttng_destroy(struct lat_lttng *l)
{
	if (!l) {
		return;
	}
	for (uint32_t i = 0; i < l->ncursors; i++) {
		if (l->cursors[i].map) {
			munmap((void *)l->cursors[i].map, l->cursors[i].size);
		}
		free(l->cursors[i].v_pkt);
		free(l->cursors[i].strbuf);
	}
	for (int i = 0; i < l->ntraces; i++) {
		lat_tsdl_free(l->traces[i].t);
		free(l->traces[i].maps);
		free(l->traces[i].ctx);
	}
	free(l->cursors);
	free(l->heap);
	free(l->keys);
	free(l);
}

/* --- fields by name (periods, I/O arguments) ---------------------------------------------- */

bool lat_lttng_is_event(const void *raw)
{
	uint32_t magic;

	memcpy(&magic, raw, sizeof(magic));
	return magic == RAW_MAGIC;
}

/* The packet-context fields babeltrace2 consumes and does not show. */
static bool hidden_pkt_field(const struct lat_tsdl_op *op)
{
	return op->role && op->role != LAT_ROLE_CPU_ID;
}

static bool read_scope(const struct lat_tsdl_prog *p, const union val *v, const char *name,
		       bool pkt, struct lat_pval *out)
{
	int s = lat_tsdl_find(p, name);
	const struct lat_tsdl_op *op;

	if (s < 0) {
		return false;
	}
	op = &p->ops[s];
	if (pkt && hidden_pkt_field(op)) {
		return false;
	}
	switch (op->code) {
	case LAT_OP_INT:
		if (op->nlabels) { /* an enumeration reads as its first label, as babeltrace does */
			for (uint32_t i = 0; i < op->nlabels; i++) {
				const struct lat_tsdl_label *lb = &op->labels[i];
				bool in = op->sign ? v[s].i >= lb->lo && v[s].i <= lb->hi
						   : v[s].u >= (uint64_t)lb->lo &&
							 v[s].u <= (uint64_t)lb->hi;

				if (in) {
					out->kind = LAT_PVAL_STR;
					out->s = lb->name;
					return true;
				}
			}
			return true;
		}
		out->kind = op->sign ? LAT_PVAL_SINT : LAT_PVAL_UINT;
		out->u = v[s].u;
		return true;
	case LAT_OP_STRING:
	case LAT_OP_TEXT_ARR:
	case LAT_OP_TEXT_SEQ:
		out->kind = LAT_PVAL_STR;
		out->s = v[s].s;
		return true;
	default:
		return true; /* compound: found, but missing */
	}
}

void lat_lttng_event_field(const void *raw, unsigned scope, const char *name, struct lat_pval *out)
{
	const struct view *c = raw;
	const struct lat_tsdl_prog *pkt =
	    c->sc ? &c->sc->packet_context : NULL; /* packet header: not shown either */

	out->kind = LAT_PVAL_MISSING;
	switch (scope) {
	case LAT_PSCOPE_AUTO:
		if (read_scope(&c->ev->payload, c->v_pay, name, false, out) ||
		    read_scope(&c->ev->context, c->v_ectx, name, false, out) ||
		    read_scope(&c->sc->event_context, c->v_sctx, name, false, out)) {
			return;
		}
		read_scope(pkt, c->v_pkt, name, true, out);
		return;
	case LAT_PSCOPE_PAYLOAD:
		read_scope(&c->ev->payload, c->v_pay, name, false, out);
		return;
	case LAT_PSCOPE_CTX:
		read_scope(&c->ev->context, c->v_ectx, name, false, out);
		return;
	case LAT_PSCOPE_STREAM_CTX:
		read_scope(&c->sc->event_context, c->v_sctx, name, false, out);
		return;
	case LAT_PSCOPE_PKT_CTX:
		read_scope(pkt, c->v_pkt, name, true, out);
		return;
	default: /* $header, $pkt_header: not exposed by babeltrace2 either */
		return;
	}
}

int lat_lttng_event_uints(const void *raw, const char *name, uint64_t *out, int max)
{
	const struct view *c = raw;
	const struct lat_tsdl_prog *p = &c->ev->payload;
	int s = lat_tsdl_find(p, name);
	const struct lat_tsdl_op *op, *elem;
	uint64_t n, pos;

	if (s < 0) {
		return -1;
	}
	op = &p->ops[s];
	if (op->code == LAT_OP_INT && !op->sign) {
		if (max > 0) {
			out[0] = c->v_pay[s].u;
		}
		return 0; /* an integer, not an array */
	}
	if ((op->code != LAT_OP_ARRAY && op->code != LAT_OP_SEQ) || op->body != 1) {
		return -1;
	}
	elem = &p->ops[s + 1];
	if (elem->code != LAT_OP_INT || elem->sign || elem->size % 8 || elem->align > elem->size) {
		return -1;
	}
	n = op->code == LAT_OP_ARRAY ? op->len : c->v_pay[op->ref].u;
	pos = c->v_pay[s].u;
	for (uint64_t i = 0; i < n && i < (uint64_t)max; i++) {
		out[i] = read_bits(c->pkt, pos + i * elem->size, elem->size, elem->be);
	}
	return n > (uint64_t)max ? max : (int)n;
}
