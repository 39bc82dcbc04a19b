/* sync.h: trace synchronization by network packets (convex hull; Duda's bounds). */
#ifndef LATSCOPE_ANALYSES_SYNC_H
#define LATSCOPE_ANALYSES_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Two traces recorded on different machines have different clocks. Every TCP segment one
 * machine sent (inet_sock_local_out) and the other received (inet_sock_local_in) gives one
 * constraint on the clock relation: the reception comes after the send. With the reference
 * trace's time on y and the other trace's time on x, a linear relation y = a x + b must pass
 * above every point (x = reception, y = send) of the packets the reference sent, and below every
 * point (x = send, y = reception) of the packets it received. Only the upper hull of the first
 * set and the lower hull of the second matter (Duda et al.; Jabbarifar, Poirier and Dagenais'
 * fully incremental convex hull, as Trace Compass and the LTTng tools use it): the feasible
 * slopes form an interval [a_min, a_max], each end given by a line through one point of each
 * hull; the estimate is the bisector of those two lines (the average of their slopes and
 * intercepts), and the accuracy is the worst distance, anywhere in the trace's time range,
 * between the estimate and any line that satisfies every constraint.
 *
 * Segments are matched by their TCP header: (seq, ack_seq, flags, window) must be equal; when
 * several sends have that header (retransmissions, repeated ACKs), the one with the same
 * checksum is preferred, then the earliest. The checksum is not a key: a sender with checksum
 * offload records a partial checksum (scp-sync: SYN sent with 0x2847, received as 0xfa2d).
 */

struct lat_sync_key {
	uint32_t seq, ack_seq;
	uint16_t flags, window, check;
};

/* One point of the plane above: x in the other trace's ns, y in the reference's ns. */
struct lat_sync_point {
	int64_t x, y;
};

/* y = slope * x + offset_ns, with x and y in ns since the epoch. */
struct lat_sync_fit {
	long double slope, offset_ns;
	long double slope_min, slope_max; /* the feasible slopes (Duda's bounds) */
	double accuracy_ns;               /* worst error of the estimate over [x_begin, x_end] */
	double accuracy_packets_ns;       /* the same over the packets' time span only */
	uint32_t hull_below, hull_above;  /* points on each hull */
	bool accuracy_exact; /* false when the hulls were too large to enumerate every bound */
};

/*
 * Fits the relation from `below` (points the line must pass above or through: packets the
 * reference sent) and `above` (points it must pass below or through: packets it received).
 * x_begin..x_end: the range over which the accuracy is given (the other trace's range).
 * Returns 0, -ENODATA (one of the sets is empty: the drift cannot be bounded), -ERANGE (the
 * packets of the two directions do not interleave in time: one slope bound is infinite), -EDOM
 * (no line satisfies every constraint: the clocks are not linearly related, or packets were
 * mismatched), -ENOMEM. `why` (when not NULL) then says so in one line.
 */
int lat_sync_fit_points(const struct lat_sync_point *below, size_t nbelow,
			const struct lat_sync_point *above, size_t nabove, int64_t x_begin,
			int64_t x_end, struct lat_sync_fit *fit, char *why, size_t why_len);

/* The packets of several traces, then their clock relations. */
struct lat_sync;

int lat_sync_create(uint32_t ntraces, struct lat_sync **out);
void lat_sync_destroy(struct lat_sync *s);

/* One segment sent (send = true) or received by trace `trace` at `ts` (ns since the epoch). */
int lat_sync_add(struct lat_sync *s, uint32_t trace, bool send, const struct lat_sync_key *key,
		 int64_t ts);

/* The trace's time range (for the accuracy); without it, the range of its packets. */
void lat_sync_set_range(struct lat_sync *s, uint32_t trace, int64_t begin, int64_t end);

/* The result for one trace: corrected = slope * ts + offset_ns, on the reference's clock. */
struct lat_sync_transform {
	long double slope, offset_ns;
	long double slope_min, slope_max; /* of the pair with `via` */
	double accuracy_ns; /* worst error over the trace's range (summed along the chain) */
	double accuracy_packets_ns; /* the same over the span of the packets with `via` */
	uint32_t via;            /* the trace it was synchronized with (itself for the reference) */
	uint32_t hops;           /* pairs between it and the reference */
	uint64_t sent, received; /* packets matched with `via`: sent to it, received from it */
	uint32_t hull_below, hull_above;
	bool accuracy_exact;
	int status; /* 0, or why it could not be synchronized (negative errno) */
	char why[200];
};

/* Statistics of the matching. */
struct lat_sync_stats {
	uint64_t sends, receives; /* segments added */
	uint64_t matched;         /* receptions matched with a send of another trace */
	uint64_t unmatched;       /* receptions without a send in another trace */
	/* After correction, over the matched packets between synchronized traces: */
	uint64_t checked;    /* packets checked */
	uint64_t violations; /* received before sent (0 unless chained pairs disagree) */
	double min_delay_ns; /* the smallest corrected one-way delay */
};

/*
 * Matches the segments, fits every pair of traces that exchanged packets both ways and chains
 * the pairs from `reference` (the most accurate pair first). out[ntraces]: the reference has
 * slope 1, offset 0. Returns 0 when every trace is synchronized; otherwise the first failing
 * trace's status, with its reason in `err` (the other transforms are still filled).
 */
int lat_sync_compute(struct lat_sync *s, uint32_t reference, struct lat_sync_transform *out,
		     struct lat_sync_stats *stats, char *err, size_t err_len);

/* What reading a trace found. */
struct lat_sync_trace_info {
	int64_t begin, end;        /* first and last event, ns since the epoch */
	uint64_t events;           /* events read */
	uint64_t sends, receives;  /* inet_sock_local_out / inet_sock_local_in */
	uint64_t bad;              /* such events without seq/ack_seq/flags */
	uint64_t discarded_events; /* the tracer's lost events */
	uint32_t ntraces;          /* CTF folders under the path (read as one host) */
	char hostname[64];         /* the trace's env hostname */
};

/*
 * Reads the TCP segments of the CTF trace(s) under `path` as trace `index` of `s`. Every stream
 * is read on its own (no muxer): the order between streams does not matter here, and the muxer
 * refuses traces whose packets overlap (lttng-modules 2.1: a packet's end after the next one's
 * beginning). Returns 0, -ENOENT, -ENODATA (no CTF trace), -EINVAL (babeltrace2 cannot read
 * it), -ENOMEM; `err` says why in one line.
 */
int lat_sync_read_trace(struct lat_sync *s, uint32_t index, const char *path,
			struct lat_sync_trace_info *info, char *err, size_t err_len);

/*
 * The hosts' traces under `path`: each folder holding CTF metadata (4 levels down), as its
 * session folder when it is SESSION/kernel. *out: n strdup'ed paths, sorted; free them with
 * lat_sync_free_hosts(). Returns 0 or -ENOMEM.
 */
int lat_sync_find_hosts(const char *path, char ***out, uint32_t *n);
void lat_sync_free_hosts(char **hosts, uint32_t n);

/*
 * Writes a corrected copy of the trace(s) under `path` to `outdir` (same sub-folders): the
 * stream files are linked or copied, the metadata is rewritten as text with each clock's freq
 * and offsets changed so that every reader sees slope * t + offset_ns. CTF wants an integer
 * frequency: *max_err is the worst error that rounding makes over [begin, end].
 */
int lat_sync_write_trace(const char *path, const char *outdir, long double slope,
			 long double offset_ns, int64_t begin, int64_t end, double *max_err,
			 char *err, size_t err_len);

/*
 * Reads a `latscope sync --json` file and returns the transform of the trace at `trace_path`
 * (compared by real path with each entry's "path", else "trace"; the reference gets slope 1,
 * offset 0). Returns 0, -ENOENT (no such file, or the trace is not in it), -EINVAL (not a sync
 * file), -ENOMEM; `err` says why in one line.
 */
int lat_sync_file_lookup(const char *file, const char *trace_path, long double *slope,
			 long double *offset_ns, char *err, size_t err_len);

#endif /* LATSCOPE_ANALYSES_SYNC_H */
