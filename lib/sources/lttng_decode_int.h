/* lttng_decode_int.h: what lttng_decode.c (decoding, merging) and lttng_lanes.c (streams decoded
 * ahead on worker threads) share: a decoded event and the batches that carry them. */
#ifndef LATSCOPE_SOURCES_LTTNG_DECODE_INT_H
#define LATSCOPE_SOURCES_LTTNG_DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/lttng_tsdl.h"

union val {
	uint64_t u;
	int64_t i;
	const char *s;
};

struct trace;

#define RAW_MAGIC 0x4C54544Eu /* "LTTN": lat_kevent.raw is a view */

/*
 * One decoded event as deliver() and the field readers see it (lat_kevent.raw points to one):
 * the values of each scope, indexed by the scope's op (lttng_tsdl.h), and the packet it is in.
 * Strings point into the stream's mapping or into the batch (or cursor) that decoded it.
 */
struct view {
	uint32_t magic; /* first: tells lat_lttng_is_event() a view from a bt_event */
	uint32_t cpu;   /* the packet context's cpu_id */
	struct trace *tr;
	const struct lat_tsdl_stream *sc;
	const struct lat_tsdl_event *ev;
	int64_t ts;
	const unsigned char *pkt; /* the packet's first byte (arrays' elements are read there) */
	const union val *v_hdr, *v_sctx, *v_ectx, *v_pay, *v_pkt;
};

/* What a stream's batch holds, in the stream's order. */
enum item_kind {
	ITEM_EVENT,
	ITEM_LOSS,  /* events or packets lost before the next event (note_loss()) */
	ITEM_ERROR, /* the stream's decoding failed: `ret`, the text in the cursor */
	ITEM_END,   /* the stream's last item */
};

struct item {
	struct view v; /* first: ITEM_EVENT */
	uint8_t kind;
	bool packets; /* ITEM_LOSS */
	int ret;      /* ITEM_ERROR */
	uint64_t count;
	int64_t begin, end;
};

/*
 * A stream's events decoded ahead, with their values and copied strings. The items array may
 * grow while the batch is filled (nothing points into it until it is handed over); values and
 * strings never move (the views point into them): a batch is closed when they run short.
 */
struct batch {
	struct item *items;
	uint32_t n, cap;
	union val *vals;
	size_t nvals, vcap;
	char *str;
	size_t nstr, strcap;
	int err; /* set by lttng_lanes.c: the fill failed (-ENOMEM) and the stream ends here */
};

struct lat_lanes;

/*
 * Fills batch `b` (reset: n, nvals, nstr 0) with the next items of stream `stream`. Returns 1
 * when the batch ends with ITEM_END or ITEM_ERROR (the stream's last batch), 0 otherwise.
 * Called for one stream by one thread at a time (a worker, or the consumer when it would wait).
 */
typedef int (*lat_lanes_fill_fn)(void *ctx, uint32_t stream, struct batch *b);

/*
 * Starts `nworkers` threads decoding `nstreams` streams ahead, `depth` batches per stream at
 * most. Returns 0, -ENOMEM or -EAGAIN (no thread could start).
 */
int lat_lanes_start(uint32_t nstreams, unsigned nworkers, unsigned depth, lat_lanes_fill_fn fill,
		    void *ctx, struct lat_lanes **out);

/*
 * The next batch of `stream`, in order, for the consumer: gives back the stream's previous one
 * (whose items must no longer be used), then waits for the next, or fills it itself when no
 * worker is on it. Never called again for a stream after its last batch.
 */
struct batch *lat_lanes_next(struct lat_lanes *lanes, uint32_t stream);

/* Stops the workers (between batches) and frees everything. */
void lat_lanes_stop(struct lat_lanes *lanes);

#endif /* LATSCOPE_SOURCES_LTTNG_DECODE_INT_H */
