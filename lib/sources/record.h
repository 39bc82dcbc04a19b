/* record.h: `latscope record`: kernel events from eBPF (bpf/record.bpf.c) written as an LTTng
 * kernel CTF trace (outputs/ctf_writer.h), with a statedump from /proc at start. */
#ifndef LATSCOPE_SOURCES_RECORD_H
#define LATSCOPE_SOURCES_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lat_ctf_sink;
struct lat_rec_hdr;
struct lat_rec_syscall;

/*
 * Another consumer of the probes' records (the live analyses: sources/live.h): each record's
 * header and payload (after the lat_rec_ctx when with_ctx), in ring-buffer order. Return 0, or
 * -EINVAL for a malformed record (counted), or another -errno to stop (lat_record_poll()
 * returns it).
 */
typedef int (*lat_record_consume_fn)(void *user, const struct lat_rec_hdr *hdr, const void *payload,
				     size_t size);

struct lat_record_opts {
	const char *dir;     /* the session folder: the trace goes to DIR/kernel/ */
	const char *events;  /* comma-separated event names or groups; NULL: every event */
	size_t buffer_bytes; /* BPF ring buffer (a power of two; 0: 32 MiB) */
	size_t packet_bytes; /* CTF packet size (0: 1 MiB) */
	bool record_self;    /* also record the recorder's own syscalls */
	const char *context; /* LTTng contexts of every event, comma-separated: procname, tid,
			      * pid, ppid, prio, vpid, vtid (NULL: none) */
	/* Not NULL (plain recording): the trace goes there (outputs/relayd.h), not to DIR. */
	const struct lat_ctf_sink *sink;
	/* Flight recorder: events kept in per-CPU memory rings (record_flight.h), written to
	 * DIR/NAME/kernel/ by lat_record_snapshot() only. */
	bool flight;
	uint64_t keep_bytes; /* flight: ring memory, all CPUs together (0: 64 MiB) */
	uint64_t keep_ns;    /* flight: also drop events older than this (0: no age limit) */
	/* flight: the rings in the recorder's memory, every event crossing to user space through
	 * the ring buffer (the design before kernel-resident rings), not in the kernel's */
	bool flight_user;
	/* Not NULL: the records go to consume (not with flight or sink); with dir NULL, only
	 * there (no trace, no statedump), else to the trace in dir too, after consume. */
	lat_record_consume_fn consume;
	void *consume_user;
};

struct lat_record_stats {
	uint64_t events;    /* written to the trace (statedump included) */
	uint64_t discarded; /* lost in the ring buffer (all CPUs) */
	uint64_t malformed; /* records too short for their kind, or of no known kind: dropped */
	uint64_t bytes;     /* stream bytes written */
	uint32_t cpus;      /* streams */
	/* flight recorder */
	uint64_t kept;        /* events in the rings now */
	uint64_t kept_bytes;  /* ring bytes in use, of ring_bytes */
	uint64_t ring_bytes;  /* all CPUs */
	uint64_t kept_ns;     /* time between the oldest and the newest event kept */
	uint64_t overwritten; /* oldest events overwritten because their CPU's ring was full */
	uint64_t expired;     /* events dropped because older than keep_ns */
	uint64_t snapshots;   /* snapshots written */
};

/* One snapshot written by lat_record_snapshot(). */
struct lat_record_snapshot_info {
	uint64_t events;    /* written (statedump included) */
	uint64_t discarded; /* lost before reaching the rings, inside the snapshot's window */
	uint64_t bytes;     /* stream bytes */
	uint64_t first_ts;  /* the window: oldest and newest event (CLOCK_MONOTONIC ns) */
	uint64_t last_ts;
};

struct lat_record;

/*
 * The probes do not wake the reader per record: it reads every LAT_RECORD_READ_TIMER_MS (LTTng's
 * consumer read timer), and earlier only when the ring buffer is 1/LAT_RECORD_WAKE_FRACTION
 * full (at most once per LAT_RECORD_WAKE_GAP_NS per CPU).
 */
#define LAT_RECORD_READ_TIMER_MS 200
#define LAT_RECORD_WAKE_FRACTION 8
#define LAT_RECORD_WAKE_GAP_NS   1000000ull

/*
 * Checks the events list: 0, or -EINVAL with the unknown name in why. The groups are sched,
 * syscall (every syscall_entry_X/syscall_exit_X), block, irq, net, kmem, and all; an LTTng event
 * name selects that event (syscall_entry_X selects all system calls).
 */
int lat_record_parse_events(const char *events, char *why, size_t why_len);

/* The LTTng name of a record kind's event ("sched_switch"; NULL: a syscall kind or unknown). */
const char *lat_record_kind_name(unsigned kind);

/* The LTTng description of system call nr (its name and fields), or NULL (syscall_*_unknown). */
const struct lat_rec_syscall *lat_record_syscall(long nr);

/* Checks a --context list: 0, or -EINVAL with the reason in why (unknown, given twice). */
int lat_record_parse_context(const char *list, char *why, size_t why_len);

/* The known event names and groups, for --help ("sched_switch,sched_waking,..."). */
const char *lat_record_event_names(void);

/*
 * Loads the probes (not attached) and creates the trace folder. Returns 0 or -errno with a
 * one-line reason in why.
 */
int lat_record_open(const struct lat_record_opts *opts, struct lat_record **out, char *why,
		    size_t why_len);

/* The selected events this kernel's tracepoints cannot give as the probes read them (another
 * layout, or absent: kvm without KVM), left out, comma-separated; "" when none. */
const char *lat_record_unsupported(const struct lat_record *rec);

/* Attaches the probes, then writes the statedump. Returns 0 or -errno with why. */
int lat_record_start(struct lat_record *rec, char *why, size_t why_len);

/* Waits up to timeout_ms (at most LAT_RECORD_READ_TIMER_MS, the probes wake the reader only
 * past the watermark) or until the ring buffer's fd is ready, then writes the events it holds
 * (0: no wait; takes the fd's readiness, then reads). Returns the number of records consumed,
 * or -errno (-EINTR when a signal arrived). */
int lat_record_poll(struct lat_record *rec, int timeout_ms);

/* The fd to poll for records (an edge-triggered epoll fd: readable once per wake-up of the
 * probes, until lat_record_poll() takes it), besides a timer of LAT_RECORD_READ_TIMER_MS. */
int lat_record_fd(struct lat_record *rec);

/*
 * Flight recorder: drains the ring buffer, then writes what the rings hold to DIR/NAME/kernel/
 * (a statedump of the processes now, stamped at the window's start, then the events), first in
 * DIR/.NAME.tmp, renamed to DIR/NAME once complete: the snapshot is complete or absent. The
 * rings keep their events. Returns 0 or -errno with why (-EEXIST when DIR/NAME exists, -EINVAL
 * when not recording in flight mode).
 */
int lat_record_snapshot(struct lat_record *rec, const char *name,
			struct lat_record_snapshot_info *info, char *why, size_t why_len);

/*
 * Live (with a sink): drains the ring buffer, then hands over every open packet; idle streams
 * get a beacon (or a first, empty packet) at the time the drain began. Returns 0 or -errno.
 */
int lat_record_live_flush(struct lat_record *rec);

/* Flight recorder: the next snapshots go to sink (outputs/relayd.h) instead of DIR/NAME/kernel/
 * (NULL: back to DIR). */
void lat_record_set_snapshot_sink(struct lat_record *rec, const struct lat_ctf_sink *sink);

void lat_record_get_stats(struct lat_record *rec, struct lat_record_stats *stats);

/* Detaches, writes what is left and the metadata, frees; the final totals go to *stats (if not
 * NULL). Returns 0 or the first error. */
int lat_record_close(struct lat_record *rec, struct lat_record_stats *stats);

#endif /* LATSCOPE_SOURCES_RECORD_H */
