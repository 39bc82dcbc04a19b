/* live.h: this machine's kernel events now, as typed events (event.h): `latscope record`'s eBPF
 * probes decoded straight to struct lat_kevent, a statedump from /proc first (analyze --live). */
#ifndef LATSCOPE_SOURCES_LIVE_H
#define LATSCOPE_SOURCES_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/event.h"

struct lat_pfield;
struct lat_pval;

/*
 * The probes are record.c's (bpf/record.bpf.c, lat_record_opts.consume): the same records that
 * `latscope record` writes as CTF become the events the CTF source would give for the trace
 * (same names, fields, syscall names and ids, statedump), except:
 * - lat_kevent.raw is NULL: analyses that read untyped fields through it (io.c's fildes, cmd,
 *   newfd, oldfd, family, dport, v4addr; critpath, explain) do without them; the periods read
 *   fields through lat_live_source_field() (lat_periods_set_field_reader());
 * - no LTTng contexts (ctx_mask 0), as a `latscope record` trace without --context;
 * - the statedump has no lttng_statedump_interrupt events.
 * The ring buffer is one for all CPUs, in reservation order: the events are held
 * LAT_LIVE_HOLD_NS and delivered in time order (ties: ring order). A record that comes later
 * than that (its CPU held it longer) is delivered at once, its time raised to the last time
 * delivered, and counted (late).
 */
struct lat_live_source;

#define LAT_LIVE_EVENTS  "sched,syscall,block,irq,net,kmem"
#define LAT_LIVE_HOLD_NS 2000000ll

struct lat_live_opts {
	const char
	    *events; /* record's selection (lat_record_parse_events); NULL: LAT_LIVE_EVENTS */
	size_t buffer_bytes;  /* the BPF ring buffer (a power of two); 0: 32 MiB */
	uint64_t duration_ns; /* lat_live_source_run() returns after this; 0: when interrupted */
	bool record_self;     /* also the events of this process's system calls */
	/* Not NULL: the same records also written as `latscope record -o DIR` writes them (its
	 * statedump included): the trace of what was analysed. */
	const char *record_dir;
};

struct lat_live_stats {
	uint64_t events;    /* delivered to the callback (statedump included) */
	uint64_t statedump; /* of which the statedump's */
	uint64_t discarded; /* lost in the ring buffer (full) */
	uint64_t malformed; /* records of no known kind, or too short: dropped */
	uint64_t late;      /* delivered out of time order (see above) */
};

/* Called once per event, in time order: 0 goes on, > 0 stops (run returns 0), < 0 fails. */
typedef int (*lat_live_event_fn)(const struct lat_kevent *ev, void *user);

/* Loads the probes (not attached). Returns 0 or -errno with one line in err (-EINVAL: bad
 * options; -EPERM: not root; what lat_record_open() says). */
int lat_live_source_open(const struct lat_live_opts *opts, struct lat_live_source **out, char *err,
			 size_t err_len);

/* Attaches the probes, then delivers the statedump (stamped before any probe event) to fn.
 * Returns 0 or -errno with err. */
int lat_live_source_start(struct lat_live_source *src, lat_live_event_fn fn, void *user, char *err,
			  size_t err_len);

/* Delivers the events until lat_live_source_interrupt(), the duration, or fn stops; then
 * detaches and delivers what the probes wrote before. Returns 0 or -errno (error text). */
int lat_live_source_run(struct lat_live_source *src);

/*
 * The same in steps, for a caller with its own event loop (top, the agent): poll
 * lat_live_source_fd() (readable when the probes wake the reader) beside a timer of at most
 * LAT_RECORD_READ_TIMER_MS, then lat_live_source_poll(src, 0); it waits up to timeout_ms, reads
 * and delivers what is older than the hold. Returns 0, > 0 when fn stopped, or -errno.
 * lat_live_source_stop() detaches, reads the rest and delivers it (deliver_rest), once.
 */
int lat_live_source_poll(struct lat_live_source *src, int timeout_ms);
int lat_live_source_fd(const struct lat_live_source *src);
int lat_live_source_stop(struct lat_live_source *src, bool deliver_rest);

/* Async-signal-safe: makes lat_live_source_run() stop soon (Ctrl-C). */
void lat_live_source_interrupt(struct lat_live_source *src);

/* The first and the last event's time (ns since the epoch; 0 when none). */
void lat_live_source_range(const struct lat_live_source *src, int64_t *begin, int64_t *end);

const struct lat_live_stats *lat_live_source_stats(const struct lat_live_source *src);

/* Distinct syscall names met so far (bounds lat_ev_syscall.id). */
uint32_t lat_live_source_syscall_count(const struct lat_live_source *src);

/* The events this kernel cannot give (record's lat_record_unsupported()), "" when none. */
const char *lat_live_source_unsupported(const struct lat_live_source *src);

/* The LTTng kernel tracer whose events the probes give as they are (the version `latscope
 * record` writes in its traces' env: 2.10.5), for the state model's rules by version. */
void lat_live_source_tracer_version(const struct lat_live_source *src, int *major, int *minor,
				    int *patch);

/* One line describing the last failure (empty when none). */
const char *lat_live_source_error(const struct lat_live_source *src);

/*
 * A lat_periods_field_fn (user: the source): a field of the event being delivered, by its
 * LTTng name ($evt.fd, $evt.prev_tid, $evt.$pkt_ctx.cpu_id...); LAT_PVAL_MISSING when the
 * event has none. Returns 0.
 */
int lat_live_source_field(void *user, const struct lat_kevent *ev, const struct lat_pfield *field,
			  struct lat_pval *out);

void lat_live_source_destroy(struct lat_live_source *src);

#endif /* LATSCOPE_SOURCES_LIVE_H */
