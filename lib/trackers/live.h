/* live.h: the one owner of a live run of kernel trackers (rtla's run_tool is the model): the
 * front end parses its options, then
 *   lat_live_create()            init: signals blocked and read through a signalfd
 *   lat_live_add() per tracker   its probe checked, configured and loaded, its ring buffer read
 *   lat_live_attach()            enable: every probe attached (or lat_live_add(.attach))
 *   lat_live_run()               the main loop: records decoded into typed alerts (alert.h) and
 *                                handed to the front end, its own fds, signals, a deadline
 *   lat_live_stop()              the probes disabled and what they sent read, for the statistics
 *   lat_live_free()
 * `latscope track`, `latscope top` and the agent are front ends of it. No printing, no exit. */
#ifndef LATSCOPE_TRACKERS_LIVE_H
#define LATSCOPE_TRACKERS_LIVE_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trackers/alert.h"

#define LAT_LIVE_TRACKERS_MAX 16
#define LAT_LIVE_FDS_MAX      32 /* the front end's own fds polled with the ring buffer's */

/* What the front end does with what the run sees (every member but alert is optional). */
struct lat_live_ops {
	/* A decoded alert of the tracker added with tracker_ctx: 0 to go on reading. */
	int (*alert)(void *ctx, void *tracker_ctx, const struct lat_alert *a);
	/* A malformed record (counted, never printed). */
	void (*bad_record)(void *ctx, void *tracker_ctx);
	/* A signal: 1 to stop the run, 0 to go on (NULL: every signal stops it). */
	int (*signal)(void *ctx, int signo);
	/* Adds the front end's fds to poll (at most max); returns how many. It may lower
	 * *timeout_ms (-1: none) for a deadline of its own. */
	int (*poll_fds)(void *ctx, struct pollfd *fds, int max, int *timeout_ms);
	/* After every poll (ready: poll's result, 0 for a timeout): the front end's fds; 1 to stop
	 * the run, 0 to go on, or a negative errno. */
	int (*poll_ready)(void *ctx, const struct pollfd *fds, int nfds, int ready);
};

struct lat_live;

/*
 * Blocks SIGINT, SIGTERM, SIGHUP and the signals in more (NULL: none), reads them through a
 * signalfd, ignores SIGPIPE (a peer that goes away must not kill the run). Returns 0 or -errno
 * with a one-line reason in why.
 */
int lat_live_create(const struct lat_live_ops *ops, void *ctx, const sigset_t *more,
		    struct lat_live **out, char *why, size_t why_len);

/*
 * The same for a caller that keeps its own loop and signals (the flight recorder): no signal
 * is touched; poll lat_live_fd() and call lat_live_drain() when it is ready.
 */
int lat_live_create_in_loop(const struct lat_live_ops *ops, void *ctx, struct lat_live **out);
/* The fd to poll for records (-1 until a tracker is added). */
int lat_live_fd(const struct lat_live *live);

/* How one tracker runs. */
struct lat_live_tracker_opts {
	const struct lat_ktracker *tracker;
	struct lat_tracker_filter filter; /* ustack_size is kept only for trackers with
					     user_stacks; self_tgid is set here */
	struct lat_tracker_ctl ctl;       /* initial threshold, timeout, worst */
	size_t ringbuf_bytes;             /* 0: the probe's default */
	struct lat_syscall_set syscalls;  /* the syscall tracker's calls (on = 0: all) */
	bool attach;                      /* attach at once (else at lat_live_attach()) */
};

/*
 * Checks the kernel for the tracker (lat_ebpf_check()), loads its probe and reads its ring
 * buffer; tracker_ctx is handed back with its alerts. Returns 0 with *probe (owned by the run,
 * may be NULL), or -errno with a one-line reason in why (nothing is left of the tracker then).
 */
int lat_live_add(struct lat_live *live, const struct lat_live_tracker_opts *opts, void *tracker_ctx,
		 struct lat_ebpf_probe **probe, char *why, size_t why_len);

/* Attaches every probe not attached yet; 0 or -errno with why. */
int lat_live_attach(struct lat_live *live, char *why, size_t why_len);

/*
 * At most budget_ns of reading records at a time (0: until the buffers are empty): a flood must
 * not starve signals, control requests and scrapes; the rest is read at the next turn.
 */
void lat_live_set_budget(struct lat_live *live, uint64_t budget_ns);

/*
 * Runs until deadline_ns (CLOCK_MONOTONIC; 0: none): 0 at the deadline, 1 when a signal or
 * the front end stopped it, or a negative errno (poll, the ring buffer).
 */
int lat_live_run(struct lat_live *live, uint64_t deadline_ns);

/* Reads what the probes sent so far (the budget does not apply). */
void lat_live_drain(struct lat_live *live);
/* Disables every probe (lat_tracker_ctl.enabled = 0), then reads what they sent. */
void lat_live_stop(struct lat_live *live);

/* Destroys the probes and the ring buffer, restores nothing else (the signals stay blocked). */
void lat_live_free(struct lat_live *live);

/* CLOCK_MONOTONIC in ns. */
uint64_t lat_live_now_ns(void);

#endif /* LATSCOPE_TRACKERS_LIVE_H */
