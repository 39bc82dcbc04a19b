/* tracker.h: liblatscope's keyed latency tracker: pair an in and an out event by key, act on slow
 * ones. */
#ifndef LATSCOPE_TRACKER_H
#define LATSCOPE_TRACKER_H

/*
 * The tracker of the original latency_tracker kernel module, for a process that tracks its own
 * requests. lat_tracker_event_in(key) when an operation starts, lat_tracker_event_out(key) when it
 * ends; when out - in > threshold, a callback runs in the thread that called event_out. When an
 * event asked for a timeout and no out came by then, the callback runs from the tracker's timer
 * thread with LAT_CB_TIMEOUT; the event stays in flight, and if the out still comes the callback
 * runs again with LAT_CB_NORMAL (and ctx->timed_out set) if the delay is above the threshold.
 *
 * Thread safety: every function may be called from any thread at the same time, except
 * lat_tracker_destroy(). The table is a fixed array of buckets (two per event at least), each with
 * its own spin lock held for a few instructions (never across a callback, an allocation or a
 * system call), so threads working on different keys do not wait for each other; an in/out pair
 * costs two atomic instructions. Event memory is preallocated at create time and recycled through
 * per-thread caches, so the hot path never allocates. A tracker does not survive fork(): the child
 * has no timer thread; create trackers after forking.
 *
 * Errors: functions return 0 (or a count) on success and a negative errno on failure; the library
 * never prints, never exits and never calls back with a lock held.
 *
 * Time: nanoseconds of CLOCK_MONOTONIC unless lat_tracker_options.clock_ns or .clock say otherwise.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LAT_API __attribute__((visibility("default")))

struct lat_tracker; /* opaque: one tracker (table, free list, timer thread, counters) */
struct lat_event;   /* opaque: one in-flight event, seen through lat_tracker_get_event() */

/* Why a callback runs (same values as the original's enum latency_tracker_cb_flag). */
enum lat_tracker_cb_flag {
	LAT_CB_NORMAL = 0,  /* an out came and out - in > threshold */
	LAT_CB_TIMEOUT = 1, /* no out came within the event's timeout; the event stays in flight */
	LAT_CB_GC = 3,      /* the event was older than gc_age_ns and was removed */
};

/* What a callback sees. Valid only during the call; copy what you keep. */
struct lat_tracker_event_ctx {
	const void *key;
	size_t key_len;
	uint64_t start_ns;     /* time of the event_in */
	uint64_t end_ns;       /* time of the event_out (NORMAL) or of the check (TIMEOUT, GC) */
	uint64_t delay_ns;     /* end_ns - start_ns */
	uint64_t threshold_ns; /* the threshold that applied to this event */
	enum lat_tracker_cb_flag flag;
	bool timed_out;     /* NORMAL only: a TIMEOUT callback already ran for this event */
	void *priv;         /* the priv given to event_in */
	void *tracker_priv; /* lat_tracker_options.priv */
};

/*
 * A callback. It runs outside any lock, so it may call the tracker
 * (event_in, event_out, get_event, counters...), but not lat_tracker_destroy(). NORMAL callbacks
 * run in the thread calling event_out; TIMEOUT and GC callbacks run in the tracker's timer thread,
 * one at a time, so a slow callback delays the next timeouts.
 */
typedef void (*lat_tracker_cb)(const struct lat_tracker_event_ctx *ctx);

/* Per-event arguments of event_in: 0 (or NULL) takes the tracker's current default. */
#define LAT_TRACKER_DEFAULT 0
/* As a threshold: never run the NORMAL callback. As a timeout: no timeout for this event. */
#define LAT_TRACKER_NEVER UINT64_MAX

/* event_in flags: what a second in for a key already in flight does. */
enum lat_tracker_in_flags {
	LAT_IN_DEFAULT = 0,     /* the tracker's choice (lat_tracker_options.duplicates) */
	LAT_IN_UNIQUE = 1 << 0, /* replace the in-flight event (counted as replaced, no callback) */
	LAT_IN_DUPLICATE = 1 << 1, /* keep both; one event_out completes every one of them */
};

/*
 * Built-in clocks (lat_tracker_options.clock). Both give nanoseconds in CLOCK_MONOTONIC's time
 * base, so ctx->start_ns can be compared with clock_gettime(CLOCK_MONOTONIC).
 */
enum lat_tracker_clock {
	/* clock_gettime(CLOCK_MONOTONIC): exact, ~30 ns a call on a VM with kvm-clock */
	LAT_TRACKER_CLOCK_MONOTONIC = 0,
	/*
	 * rdtsc scaled to ns: a few ns a call. Calibrated against CLOCK_MONOTONIC at create (20 ms
	 * window, error a few ppm) and anchored to it then; it does not follow later NTP slewing of
	 * CLOCK_MONOTONIC, so over hours the two drift apart by the calibration error (a few ppm).
	 */
	LAT_TRACKER_CLOCK_TSC = 1,
};

/*
 * Options of lat_tracker_create(). Zero-initialize, then set what you need: a field left at 0 (or
 * NULL, or false) takes the default written next to it.
 */
struct lat_tracker_options {
	/*
	 * Events in flight at most, all preallocated; 0: 4096. Each thread keeps up to
	 * 2 * max(1, min(64, max_events / 512)) free or retired events in private batches (no
	 * atomics on the hot path), so leave that margin per thread.
	 */
	size_t max_events;
	size_t max_key_len; /* bytes; longer keys are refused with -EINVAL; 0: 32 */
	/* Key hash; NULL: lat_hash64(). seed is random per tracker. */
	uint64_t (*hash)(const void *key, size_t len, uint64_t seed);
	/* Key equality, called only for keys of the same length; 0 = equal; NULL: memcmp(). */
	int (*match)(const void *a, const void *b, size_t len);
	uint64_t threshold_ns; /* default threshold; 0: 1 ms; LAT_TRACKER_NEVER: no NORMAL cb */
	uint64_t timeout_ns;   /* default timeout; 0 or LAT_TRACKER_NEVER: no timeout */
	lat_tracker_cb
	    callback;    /* default callback; NULL: none (counters, stats, alerts still run) */
	void *priv;      /* handed to every callback as ctx->tracker_priv */
	bool duplicates; /* default for a second in of a key in flight: false = replace it */
	bool worst;      /* "worst" mode, see lat_tracker_set_worst() */
	bool start_off;  /* start with tracking off (the original's default); false: on */
	/*
	 * Timer thread period (timeouts, GC, reclaim); 0: 1 ms. With nothing to do for 64 periods
	 * it naps 100 ms at a time, and a new timeout or retired batch wakes it at once.
	 */
	uint64_t timer_period_ns;
	uint64_t gc_age_ns; /* remove events older than this (LAT_CB_GC); 0: no GC */
	uint64_t
	    alert_interval_ns; /* the alert fd is signalled at most once per interval; 0: 1 s */
	/*
	 * Clock; NULL: the built-in clock chosen by `clock` below. Must be monotonic and callable
	 * from any thread. Setting both clock_ns and a `clock` other than the default: -EINVAL.
	 */
	uint64_t (*clock_ns)(void *clock_priv);
	void *clock_priv;
	/*
	 * Built-in clock (when clock_ns is NULL); 0 = LAT_TRACKER_CLOCK_MONOTONIC. With
	 * LAT_TRACKER_CLOCK_TSC, create() fails with -ENOTSUP unless the CPU is x86 and reports
	 * constant_tsc and nonstop_tsc (/proc/cpuinfo), and spends ~20 ms calibrating.
	 */
	enum lat_tracker_clock clock;
};

/*
 * Counters, read with lat_tracker_get_counters(). They always add up:
 *
 *   ins  == tracked + drops
 *   tracked == in_flight + completed + replaced + gc + flushed
 *   outs == outs_matched + outs_without_in
 *   over_threshold <= completed,  outs_matched <= completed,  timeouts <= tracked
 *
 * A snapshot taken while other threads work is consistent (in_flight is never negative: every
 * end of an event that the snapshot counts has its start counted too); when no call is in
 * progress, in_flight is exactly the number of events in the table. Calls refused for bad
 * arguments (-EINVAL) are not counted; calls made while tracking is off are counted in ignored.
 */
struct lat_tracker_counters {
	uint64_t ins;             /* event_in calls while tracking was on: tracked + drops */
	uint64_t tracked;         /* events inserted */
	uint64_t drops;           /* event_in refused because max_events were in flight (-ENOSPC) */
	uint64_t in_flight;       /* events inserted and not ended */
	uint64_t completed;       /* events ended by an event_out (each duplicate counts) */
	uint64_t replaced;        /* events ended by a unique event_in of the same key */
	uint64_t gc;              /* events ended by garbage collection (LAT_CB_GC) */
	uint64_t flushed;         /* events ended by lat_tracker_set_tracking(false) or destroy */
	uint64_t outs;            /* event_out calls while tracking was on */
	uint64_t outs_matched;    /* event_out calls that completed at least one event */
	uint64_t outs_without_in; /* event_out calls that found no event (-ENOENT) */
	uint64_t over_threshold;  /* completed events above their threshold (LAT_CB_NORMAL) */
	uint64_t timeouts;        /* LAT_CB_TIMEOUT callbacks */
	uint64_t ignored;         /* event_in/event_out calls made while tracking was off */
	uint64_t alerts;          /* times the alert fd was signalled */
};

/* Delays of every completed event, below the threshold included. */
struct lat_tracker_stats {
	uint64_t count;  /* == counters.completed */
	uint64_t min_ns; /* 0 when count == 0 */
	uint64_t max_ns;
	uint64_t total_ns;
	uint64_t avg_ns; /* total_ns / count, 0 when count == 0 */
};

/*
 * Creates a tracker: preallocates max_events events and the hash table, opens the alert fd and
 * starts the timer thread. options may be NULL (all defaults).
 * Returns 0 and sets *trackerp, or -EINVAL (bad option), -ENOTSUP (LAT_TRACKER_CLOCK_TSC on a
 * CPU without an invariant TSC), -ENOMEM, or another -errno.
 */
LAT_API int lat_tracker_create(const struct lat_tracker_options *options,
			       struct lat_tracker **trackerp);

/*
 * Stops the timer thread, removes every event still in flight (counted as flushed, no callback),
 * and frees everything. Pre: no other thread uses the tracker any more, every event from
 * lat_tracker_get_event() was put back, and the caller is not a callback of this tracker.
 * NULL is accepted.
 */
LAT_API void lat_tracker_destroy(struct lat_tracker *tracker);

/*
 * Starts tracking key (key_len bytes, copied). threshold_ns, timeout_ns, callback: 0/NULL takes
 * the tracker default of the moment; LAT_TRACKER_NEVER disables the threshold or the timeout for
 * this event. priv is handed back in the callback context and by lat_event_priv(). flags: one of
 * enum lat_tracker_in_flags.
 * Returns 0; -ENOSPC when max_events are in flight (counted in drops; events that other threads
 * keep in their private caches, or that the timer thread still holds for a timeout already
 * completed, are not available at once); -ECANCELED when tracking is off (counted in ignored);
 * -EINVAL for a NULL tracker or key, key_len 0 or above max_key_len, or unknown flags.
 */
LAT_API int lat_tracker_event_in(struct lat_tracker *tracker, const void *key, size_t key_len,
				 uint64_t threshold_ns, uint64_t timeout_ns,
				 lat_tracker_cb callback, void *priv, unsigned int flags);

/*
 * Ends every in-flight event with this key (one, or all its duplicates): exactly the events in
 * the table at the moment the out takes effect (an event started by an in racing with this call
 * is ended with it or left for the next out, never half). For each one whose delay is above its
 * threshold, its callback runs (LAT_CB_NORMAL) in this thread before this function returns.
 * Returns the number of events completed (>= 1); -ENOENT when none was in flight (counted in
 * outs_without_in); -ECANCELED when tracking is off; -EINVAL for bad arguments.
 */
LAT_API int lat_tracker_event_out(struct lat_tracker *tracker, const void *key, size_t key_len);

/*
 * Looks at an in-flight event without removing it. Returns it with a reference held, or NULL
 * (errno untouched) when no event with this key is in flight. With duplicates, one of them. The
 * event's memory stays valid, and its fields unchanged, until lat_tracker_put_event(), even if an
 * out completes it meanwhile.
 */
LAT_API struct lat_event *lat_tracker_get_event(struct lat_tracker *tracker, const void *key,
						size_t key_len);
/* Drops the reference taken by lat_tracker_get_event(). NULL is accepted. */
LAT_API void lat_tracker_put_event(struct lat_tracker *tracker, struct lat_event *event);

/* Accessors of an event held with lat_tracker_get_event(). */
LAT_API uint64_t lat_event_start_ns(const struct lat_event *event);
LAT_API void *lat_event_priv(const struct lat_event *event);
LAT_API const void *lat_event_key(const struct lat_event *event, size_t *key_len);

/* Reads the counters (see the invariant above). Returns 0, or -EINVAL. */
LAT_API int lat_tracker_get_counters(struct lat_tracker *tracker,
				     struct lat_tracker_counters *counters);
/* Reads the statistics of completed events. Returns 0, or -EINVAL. */
LAT_API int lat_tracker_get_stats(struct lat_tracker *tracker, struct lat_tracker_stats *stats);

/*
 * Tracking on/off. Off: event_in and event_out return -ECANCELED (counted in ignored) and every
 * event in flight is removed, without callback (counted in flushed). On: tracking resumes.
 * Calls racing with the switch may still be served by the old state.
 */
LAT_API void lat_tracker_set_tracking(struct lat_tracker *tracker, bool on);
LAT_API bool lat_tracker_get_tracking(struct lat_tracker *tracker);

/*
 * Defaults for events started from now on (events in flight keep the values they started with).
 * threshold 0 is accepted here and means "any delay above 0"; LAT_TRACKER_NEVER disables it;
 * timeout 0 or LAT_TRACKER_NEVER disables the default timeout.
 */
LAT_API void lat_tracker_set_threshold(struct lat_tracker *tracker, uint64_t threshold_ns);
LAT_API uint64_t lat_tracker_get_threshold(struct lat_tracker *tracker);
LAT_API void lat_tracker_set_timeout(struct lat_tracker *tracker, uint64_t timeout_ns);
LAT_API uint64_t lat_tracker_get_timeout(struct lat_tracker *tracker);

/*
 * "Worst" mode (the original's worst_threshold): an event completes above threshold only if its
 * delay is above both its own threshold and the tracker's current default threshold, and each
 * such delay then becomes the tracker's default threshold. So only new worst delays are reported.
 */
LAT_API void lat_tracker_set_worst(struct lat_tracker *tracker, bool on);

/*
 * The alert fd (an eventfd, non-blocking, close-on-exec, owned by the tracker: do not close it).
 * It becomes readable (poll POLLIN) when a callback fires (NORMAL, TIMEOUT or GC, with or without
 * a callback function), at most once per alert_interval_ns (tracker clock); reading 8 bytes
 * returns how many alerts were signalled since the last read and makes it unreadable again.
 * This is the original's wakeup_pipe: hang an action, such as a trace snapshot, on it.
 */
LAT_API int lat_tracker_alert_fd(struct lat_tracker *tracker);

/* The default key hash: 64 bits, fast on short keys, good avalanche (wyhash-style mixing). */
LAT_API uint64_t lat_hash64(const void *key, size_t len, uint64_t seed);

#ifdef __cplusplus
}
#endif

#endif /* LATSCOPE_TRACKER_H */
