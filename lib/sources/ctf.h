/* ctf.h: CTF kernel traces (LTTng) read with libbabeltrace2 and turned into typed events. */
#ifndef LATSCOPE_SOURCES_CTF_H
#define LATSCOPE_SOURCES_CTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/event.h"

/*
 * A source is a babeltrace2 graph: src.ctf.fs (one per trace folder found under the path) ->
 * flt.utils.muxer -> our own simple sink, which maps each event class onto a typed event once
 * and then fills a struct lat_kevent per message, without allocating.
 *
 * The source component is chosen from the path: a folder, or a `net://` URL of an LTTng live
 * session (src.ctf.lttng-live, which merges the streams itself, -> the same sink).
 */
struct lat_ctf_source;

struct lat_ctf_options {
	bool intersect; /* keep only the time range every stream covers (lttng-analyses' default) */
	bool kernel_only; /* refuse traces that are not kernel ones (lat_ctf_source_open()) */
};

/* One report of lost events or packets, as the tracer wrote it. */
struct lat_ctf_loss {
	uint64_t count;     /* 0 when count_unknown */
	bool packets;       /* packets rather than events */
	bool count_unknown; /* lost, but how many is not known (babeltrace2 gives no count) */
	int64_t begin, end; /* ns since the epoch; 0 when the trace does not say */
	char stream[256];   /* the stream file */
};

#define LAT_CTF_MAX_LOSSES 64
#define LAT_CTF_MAX_NOTES  8

struct lat_ctf_stats {
	uint64_t events;           /* event messages delivered to the callback */
	uint64_t skipped;          /* event messages outside the intersection */
	uint64_t discarded_events; /* events the tracer reported as lost */
	uint64_t discarded_packets;
	uint64_t discarded_records; /* how many discarded-events/packets messages */
	/*
	 * Losses of unknown size: a stream's first packet whose events_discarded is not 0 (lost
	 * before it, babeltrace2 gives no count), or a counter that went backwards. Not in
	 * discarded_events/packets; every one is also in losses[] with count_unknown.
	 */
	uint64_t discarded_unknown;
	struct lat_ctf_loss losses[LAT_CTF_MAX_LOSSES]; /* the first ones */
	uint32_t nlosses;
	/* What the checks found and worked around (a packet index that disagrees with its
	 * packets: the packets' timestamps are used): one line each, naming the file. */
	char notes[LAT_CTF_MAX_NOTES][384];
	uint32_t nnotes;
};

/*
 * Called once per event, in time order. Return 0 to go on, a positive value to stop early
 * (lat_ctf_source_run() then returns 0), a negative errno to fail.
 */
typedef int (*lat_ctf_event_fn)(const struct lat_kevent *ev, void *user);

/*
 * Finds the CTF traces under `path` (the folder itself, a session folder holding kernel/, or
 * any folder above; up to 4 levels), builds the graph and reads the trace ranges.
 * Returns 0, -ENOENT (no such path), -ENODATA (no CTF trace there), -EMEDIUMTYPE (traces, but
 * none from the kernel), -EINVAL (babeltrace2 cannot read the trace; see the error text),
 * -ENOMEM. On failure *out is NULL and `err` (if not NULL) holds one line of explanation.
 */
int lat_ctf_source_open(const char *path, const struct lat_ctf_options *opts,
			struct lat_ctf_source **out, char *err, size_t err_len);

/*
 * Runs the graph to the end (or until fn stops it). Returns 0 or a negative errno. A live
 * session runs until it is destroyed (lttng destroy) or lat_ctf_source_interrupt(); with
 * kernel_only, a session whose trace is not a kernel one fails on its first event
 * (-EMEDIUMTYPE, "no kernel events in this live session ...").
 */
int lat_ctf_source_run(struct lat_ctf_source *src, lat_ctf_event_fn fn, void *user);

/* True for net://, net4:// and net6:// URLs (lttng-live: net://HOST[:PORT]/host/NAME/SESSION). */
bool lat_ctf_is_live_url(const char *path);

/*
 * A live session (net:// URL): no intersection; lat_ctf_source_range() and the tracer version
 * are known only from the events read so far.
 */
bool lat_ctf_source_is_live(const struct lat_ctf_source *src);

/* Async-signal-safe: makes lat_ctf_source_run() of a live session return soon (Ctrl-C). */
void lat_ctf_source_interrupt(struct lat_ctf_source *src);

/* One line describing the last failure (empty when none). */
const char *lat_ctf_source_error(const struct lat_ctf_source *src);

/*
 * One line saying what was guessed when the traces do not say it (a trace without env.domain
 * read as a kernel trace from the events it declares), or an empty string.
 */
const char *lat_ctf_source_note(const struct lat_ctf_source *src);

/* The range the streams cover, in ns since the epoch (before intersection). */
void lat_ctf_source_range(const struct lat_ctf_source *src, int64_t *begin, int64_t *end);

/*
 * The intersection of the streams' ranges; returns false when the streams have no common
 * range. Known after lat_ctf_source_open() from the trace's packet indexes.
 */
bool lat_ctf_source_intersection(const struct lat_ctf_source *src, int64_t *begin, int64_t *end);

/* tracer_major/minor/patchlevel of the kernel trace's env; -ENOENT when absent. */
int lat_ctf_source_tracer_version(const struct lat_ctf_source *src, int *major, int *minor,
				  int *patch);

const struct lat_ctf_stats *lat_ctf_source_stats(const struct lat_ctf_source *src);

/* Number of distinct syscall names met so far (bounds lat_ev_syscall.id). */
uint32_t lat_ctf_source_syscall_count(const struct lat_ctf_source *src);

/* Total size of the stream files, for progress estimates. */
uint64_t lat_ctf_source_size(const struct lat_ctf_source *src);

/*
 * Which decoder reads the trace: "lttng" (lttng_decode.c, trace files only) or "babeltrace2".
 * LATSCOPE_CTF_DECODER chooses: unset or "auto" (the default: lttng, else babeltrace2; when the
 * trace has what lttng_decode.c does not handle, *fallback says what, else it is NULL),
 * "lttng" (forced: a trace it cannot read fails), "babeltrace2". Live sessions always get
 * babeltrace2.
 */
const char *lat_ctf_source_decoder(const struct lat_ctf_source *src, const char **fallback);

void lat_ctf_source_destroy(struct lat_ctf_source *src);

/*
 * The warnings to show after a run beyond the counted losses: each note, then one line when
 * some losses have no count ("N losses of unknown size (...)"). Lines without a newline.
 */
uint32_t lat_ctf_stats_warning_count(const struct lat_ctf_stats *stats);
void lat_ctf_stats_warning(const struct lat_ctf_stats *stats, uint32_t i, char *out, size_t len);

/*
 * Takes the calling thread's libbabeltrace2 error (if any) and writes its useful part in
 * one line: the root cause's first sentence, then the stream file and offset the causes
 * above it name ("Invalid CTF magic number (/t/kernel/channel0_1)"). Empty when no error.
 */
void lat_ctf_bt_error_text(char *out, size_t out_len);

#endif /* LATSCOPE_SOURCES_CTF_H */
