/* lttng_decode.h: LTTng kernel CTF 1.8 trace files decoded without libbabeltrace2 (ctf.c's
 * default for trace folders). */
#ifndef LATSCOPE_SOURCES_LTTNG_DECODE_H
#define LATSCOPE_SOURCES_LTTNG_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/ctf.h"

/*
 * The stream files of each trace folder are mmap'd and read packet by packet; each event
 * class's layout was compiled once (lttng_tsdl.c); the streams are merged by timestamp with a
 * heap of per-stream cursors (ties: the stream found first). Event names map onto typed events
 * through ctf.c's own table (lat_lttng_map_fn), once per class, on the class's first event.
 * lat_kevent.raw is the stream's cursor: ctf_fields.c reads fields by name through
 * lat_lttng_event_field(), with babeltrace2's scopes and rules (see ctf_fields.h).
 */
struct lat_lttng;

/* What ctf.c's table says about an event name (kinds: ctf.c's FK_I32, FK_I64, FK_U32,
 * FK_U64, FK_STR, FK_IPV4, in that order). */
struct lat_lttng_field {
	const char *name; /* a payload member, or a path "a/b/c" through variants (ctf.c) */
	uint16_t offset;  /* in struct lat_kevent */
	uint8_t kind;
	uint32_t present;
};

#define LAT_LTTNG_MAX_FIELDS 16

struct lat_lttng_typed {
	uint16_t type; /* enum lat_kevent_type */
	uint32_t syscall_id;
	const char *syscall_name;
	uint32_t nfields;
	struct lat_lttng_field fields[LAT_LTTNG_MAX_FIELDS];
};

/* Returns 0 or -ENOMEM. */
typedef int (*lat_lttng_map_fn)(void *ctx, const char *name, struct lat_lttng_typed *out);

struct lat_lttng_run {
	lat_ctf_event_fn fn;
	void *user;
	lat_lttng_map_fn map;
	void *map_ctx;
	bool intersect;
	int64_t begin, end; /* the intersection, when intersect */
	struct lat_ctf_stats *stats;
};

/*
 * Parses the metadata of every folder and maps their stream files. Returns 0, -ENOTSUP (a
 * trace this decoder does not handle: use libbabeltrace2; `err` says why), -EINVAL (bad
 * metadata or stream files), -ENOMEM.
 */
int lat_lttng_open(char *const *dirs, int ndirs, struct lat_lttng **out, char *err, size_t err_len);

/*
 * The streams' whole range and intersection from their packet contexts (ns), checking every
 * packet's sizes on the way. Returns 0 or -EINVAL (the error text given to lat_lttng_open()).
 */
int lat_lttng_ranges(struct lat_lttng *l, int64_t *begin, int64_t *end, int64_t *ibegin,
		     int64_t *iend);

/*
 * Decodes every stream to the end (or until fn stops). Returns 0, -ERANGE (a stream's time
 * goes back, which libbabeltrace2's muxer refuses: `err` names the stream and the event or
 * packet) or another negative errno.
 */
int lat_lttng_run(struct lat_lttng *l, const struct lat_lttng_run *run, char *err, size_t err_len);

void lat_lttng_destroy(struct lat_lttng *l);

struct lat_pval;

/* True when `raw` (lat_kevent.raw) comes from this decoder rather than babeltrace2. */
bool lat_lttng_is_event(const void *raw);

/* Field `name` of scope `scope` (enum lat_pscope) of the event `raw`, as ctf_fields.c reads
 * it from a babeltrace2 event; kind LAT_PVAL_MISSING when absent. */
void lat_lttng_event_field(const void *raw, unsigned scope, const char *name, struct lat_pval *out);

/*
 * The elements of payload array or sequence `name` of unsigned integers (up to max): their
 * count; 0 with out[0] set when `name` is an unsigned integer; -1 when absent or another type.
 */
int lat_lttng_event_uints(const void *raw, const char *name, uint64_t *out, int max);

#endif /* LATSCOPE_SOURCES_LTTNG_DECODE_H */
