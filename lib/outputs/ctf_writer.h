/* ctf_writer.h: writes CTF 1.8 traces as lttng-modules does (packet header and context, large
 * event header, "monotonic" clock, env block), one stream per CPU; no babeltrace needed. */
#ifndef LATSCOPE_OUTPUTS_CTF_WRITER_H
#define LATSCOPE_OUTPUTS_CTF_WRITER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Field types: every one is byte-aligned little-endian, as in LTTng kernel traces, so a payload
 * is its fields' bytes one after the other.
 */
enum lat_ctf_type {
	LAT_CTF_U8,
	LAT_CTF_U16,
	LAT_CTF_U32,
	LAT_CTF_U64,
	LAT_CTF_S8,
	LAT_CTF_S16,
	LAT_CTF_S32,
	LAT_CTF_S64,
	LAT_CTF_X32,    /* unsigned, shown in hexadecimal */
	LAT_CTF_X64,    /* unsigned, shown in hexadecimal */
	LAT_CTF_COMM,   /* char[16], UTF-8 (task names) */
	LAT_CTF_STRING, /* NUL-terminated UTF-8 */
	LAT_CTF_CMD,    /* u64 __NAME_length, then u8 _NAME[__NAME_length] in hex (block cmd) */
	LAT_CTF_VTIDS,  /* u8 __NAME_length, then s32 _NAME[__NAME_length] (sched_process_fork) */
};

/* One payload field; the name is written with LTTng's '_' prefix. */
struct lat_ctf_field {
	const char *name;
	enum lat_ctf_type type;
};

/* A packet the writer closed (sink): its context's values. */
struct lat_ctf_packet_info {
	uint32_t cpu;
	uint64_t ts_begin, ts_end;
	uint64_t bytes;     /* content = packet size (no padding) */
	uint64_t seq;       /* packet_seq_num */
	uint64_t discarded; /* events_discarded */
	uint64_t events;    /* events in it */
};

/*
 * Where the writer's packets and metadata go instead of files (outputs/relayd.h: to lttng-relayd).
 * packet() returns 0, -ENOBUFS when it dropped the packet (its events are then counted in the
 * stream's next packets' events_discarded) or another -errno (the writer's error); metadata()
 * gets the whole text each time; beacon() (may be NULL) says a stream idle until ts (live).
 */
struct lat_ctf_sink {
	int (*packet)(void *ctx, const struct lat_ctf_packet_info *info, const uint8_t *data);
	int (*metadata)(void *ctx, const char *text, size_t len);
	void (*beacon)(void *ctx, uint32_t cpu, uint64_t ts);
	void *ctx;
};

struct lat_ctf_writer_opts {
	const char *dir; /* the stream folder (created): metadata and channel0_CPU */
	const struct lat_ctf_sink *sink; /* not NULL: no files (dir unused), packets go there */
	uint32_t cpus;                   /* streams: 0 .. cpus-1 */
	size_t packet_bytes;             /* largest packet (0: 1 MiB) */
	int64_t clock_offset_ns; /* epoch time of clock value 0 (CLOCK_REALTIME - MONOTONIC) */
	const char *hostname;    /* env; NULL: from uname() */
	const char *tracer_name; /* env; NULL: "lttng-modules" */
	int tracer_major;        /* env; 0: 2.10.5 (the version whose layouts are used) */
	int tracer_minor;
	int tracer_patchlevel;
	/* The stream event context (lttng add-context): fixed-size fields only (integers, COMM),
	 * written after every event's header from lat_ctf_writer_set_context(); 0: none. */
	const struct lat_ctf_field *context;
	unsigned context_count;
};

struct lat_ctf_writer;

/* Creates dir (and its parents) and the stream files. Returns 0 or -errno. */
int lat_ctf_writer_create(const struct lat_ctf_writer_opts *opts, struct lat_ctf_writer **out);

/* Declares an event class; its id goes to *id. Before the first event only. Returns 0 or -errno. */
int lat_ctf_writer_add_class(struct lat_ctf_writer *w, const char *name,
			     const struct lat_ctf_field *fields, unsigned count, uint32_t *id);

/* Writes DIR/metadata (to a temporary file, then renamed). Returns 0 or -errno. */
int lat_ctf_writer_write_metadata(struct lat_ctf_writer *w);

/*
 * Starts an event of class id at time ts (ns on the trace clock) on stream cpu, with room for
 * max_payload bytes at *payload; lat_ctf_event_commit() then says how many were written. Times
 * going backwards on a stream are raised to the stream's last time. Returns 0 or -errno (a full
 * packet is written out here: -EIO, -ENOSPC...; -E2BIG when max_payload cannot fit a packet).
 */
int lat_ctf_event_begin(struct lat_ctf_writer *w, uint32_t cpu, uint32_t id, uint64_t ts,
			size_t max_payload, uint8_t **payload);
void lat_ctf_event_commit(struct lat_ctf_writer *w, uint32_t cpu, size_t payload_len);

/*
 * A recording's time range, as LTTng's buffers have it (they exist from the session's start and
 * its stop flushes every stream, empty or not): with begin_at, the streams' first packets begin
 * at ts or before their first event; flush_at closes every stream's last packet at ts (an empty
 * packet for a stream with none open), so that the streams' intersection, which babeltrace2 and
 * lttng-analyses keep, is the whole recording however few events a CPU had. flush_at returns 0
 * or -errno.
 */
void lat_ctf_writer_begin_at(struct lat_ctf_writer *w, uint64_t ts);
int lat_ctf_writer_flush_at(struct lat_ctf_writer *w, uint64_t ts);

/* One call: an event whose payload is already laid out. */
int lat_ctf_event_write(struct lat_ctf_writer *w, uint32_t cpu, uint32_t id, uint64_t ts,
			const void *payload, size_t len);

/* Sets the event context of a stream's next events (the opts.context fields' bytes, laid out
 * one after the other: lat_ctf_writer_context_bytes() of them). */
void lat_ctf_writer_set_context(struct lat_ctf_writer *w, uint32_t cpu, const void *bytes);
size_t lat_ctf_writer_context_bytes(const struct lat_ctf_writer *w);

/* Sets a stream's count of discarded events so far (written in the next packets' context). */
void lat_ctf_writer_set_discarded(struct lat_ctf_writer *w, uint32_t cpu, uint64_t total);

/* Writes out every open packet. Returns 0 or -errno. */
int lat_ctf_writer_flush(struct lat_ctf_writer *w);

/*
 * Live: writes out every open packet; a stream that never had one gets an empty packet at ts,
 * the others a beacon at ts (sink only). Returns 0 or -errno.
 */
int lat_ctf_writer_live_flush(struct lat_ctf_writer *w, uint64_t ts);

/* Totals, for summaries. */
uint64_t lat_ctf_writer_events(const struct lat_ctf_writer *w);
uint64_t lat_ctf_writer_bytes(const struct lat_ctf_writer *w);

/* Flushes, writes the metadata, closes and frees. Returns 0 or the first error met. */
int lat_ctf_writer_close(struct lat_ctf_writer *w);

/* Payload helpers: append a value at *p and advance it. */
static inline void lat_ctf_put(uint8_t **p, const void *v, size_t n)
{
	__builtin_memcpy(*p, v, n);
	*p += n;
}
#define LAT_CTF_PUT(p, type, value)              \
	do {                                     \
		type v_ = (type)(value);         \
		lat_ctf_put(p, &v_, sizeof(v_)); \
	} while (0)
/* Appends a string of at most max bytes (NUL included; truncated if needed). */
void lat_ctf_put_string(uint8_t **p, const char *s, size_t max);

#endif /* LATSCOPE_OUTPUTS_CTF_WRITER_H */
