/* critpath.h: the critical path of a task (execution graph and backward walk, as Trace Compass). */
#ifndef LATSCOPE_ANALYSES_CRITPATH_H
#define LATSCOPE_ANALYSES_CRITPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/event.h"
#include "state/state.h"

/*
 * The execution graph (Giraldeau and Dagenais, "Wait analysis of distributed systems using
 * kernel tracing"; Trace Compass' OsExecutionGraph): for every task, its time cut into
 * contiguous segments, each RUNNING, PREEMPTED (runnable, switched out while it could run),
 * WAIT_CPU (woken, waiting for a CPU), BLOCKED (with what ended the wait: the task that woke it,
 * or the interrupt context of the wake-up: timer, disk, network, other IRQ), or UNKNOWN (before
 * the task is first seen, or a switch-in without a known past).
 *
 * The critical path of task T over [begin, end] walks T's segments backward from `end`: a
 * segment blocked on a task W is replaced by W's own critical path over the blocked interval
 * (recursively: W may itself have been blocked on X...), anything else is kept as it is. The
 * result covers [begin, end] exactly: contiguous intervals, no overlap, durations adding up to
 * end - begin.
 *
 * Feed every event of the trace in time order with lat_critpath_event(), right after
 * lat_state_update() applied it (comms and the CPU's current task are read from the state * model),
 * then lat_critpath_finish() at the end of the trace.
 *
 * Several hosts: one graph per trace, fed with timestamps already put on one clock (latscope
 * sync's transforms), then lat_critpath_compute_hosts(). A task blocked on the network whose
 * wake-up ran where a TCP segment was received (inet_sock_local_in, in the same interrupt) is
 * then followed to the task that sent that segment on another host (inet_sock_local_out with
 * the same seq, ack_seq, flags and window): the packet's flight is an interval of its own,
 * and before it the sender's path. The segments' fields are read from the event's babeltrace2
 * fields (lat_kevent.raw): the events must come from a CTF source. net_dev_queue /
 * netif_receive_skb with their IP and TCP headers (lttng-modules >= 2.9) are read the same way.
 */
struct lat_critpath;

enum lat_cp_state {
	LAT_CP_UNKNOWN = 0,
	LAT_CP_RUNNING,
	LAT_CP_PREEMPTED, /* other: the task that took the CPU */
	LAT_CP_WAIT_CPU,  /* other: the task that had the CPU when it got it back (or none) */
	LAT_CP_BLOCKED,   /* cause: what woke it up */
};

enum lat_cp_cause {
	LAT_CP_CAUSE_NONE = 0,
	LAT_CP_CAUSE_TASK,     /* other: the waker */
	LAT_CP_CAUSE_TIMER,    /* hrtimer expiry, timer or hrtimer soft IRQ */
	LAT_CP_CAUSE_DISK,     /* block soft IRQ or a request completed in this IRQ; detail: disk */
	LAT_CP_CAUSE_NETWORK,  /* NET_RX soft IRQ or a packet received in it; detail: interface;
				  other (several hosts): the sender of the segment, on other_host */
	LAT_CP_CAUSE_IRQ,      /* another hard IRQ (irq: its number, detail: its name) */
	LAT_CP_CAUSE_SOFTIRQ,  /* another soft IRQ (irq: its vector) */
	LAT_CP_CAUSE_UNTRACED, /* an interrupt the trace does not show: woken from an idle CPU, or
				 while its task ran in user mode (its syscalls are traced) */
	LAT_CP_CAUSE_NO_WAKEUP, /* no wake-up seen (switched in, or still blocked at the end) */
};

/* One interval of a critical path. Strings live as long as the lat_critpath. */
struct lat_cp_interval {
	int64_t begin, end;
	int32_t tid;
	int32_t other_tid; /* see the states and causes; LAT_NO_TID when none */
	int32_t irq;       /* IRQ number or softirq vector, -1 when none */
	uint8_t state, cause;
	uint16_t depth;         /* 0: the task itself, 1: a task it waited for, 2: ... */
	const char *comm;       /* the task's name then ("" when unknown) */
	const char *other_comm; /* "" when none */
	const char *detail;     /* disk, interface or IRQ name ("" when none) */
	const char *peer;       /* blocked on the network: the sender "a.b.c.d:port" of the TCP
				   segment received at the wake-up, when the trace has its IPv4
				   and TCP headers ("" else) */
	const char *host;       /* the graph's host name ("" when not set) */
	const char *other_host; /* other_tid's host */
};

/* Time on the path per task, and per kind of interval (label). */
struct lat_cp_task_sum {
	int32_t tid;
	const char *comm, *host;
	int64_t ns;
};

struct lat_cp_state_sum {
	char label[48]; /* lat_cp_label() */
	int64_t ns;
	uint32_t count;
};

struct lat_cp_path {
	int32_t tid;
	int64_t begin, end;
	struct lat_cp_interval *intervals; /* in time order */
	size_t n, cap;
	struct lat_cp_task_sum *tasks; /* by time, longest first */
	size_t ntasks;
	struct lat_cp_state_sum *states; /* by time, longest first */
	size_t nstates;
	uint32_t max_depth;
	uint32_t packets_followed; /* waits followed to another host through a packet */
};

int lat_critpath_create(struct lat_critpath **out);
void lat_critpath_destroy(struct lat_critpath *cp);

/* Names the graph's host (copied), for the intervals. Returns 0 or -ENOMEM. */
int lat_critpath_set_host(struct lat_critpath *cp, const char *host);

/* Adds one event to the graph (after lat_state_update()). Returns 0 or -ENOMEM. */
int lat_critpath_event(struct lat_critpath *cp, const struct lat_kevent *ev,
		       const struct lat_state *state);

/* Closes every open segment at end_ts (the trace's last event). */
void lat_critpath_finish(struct lat_critpath *cp, int64_t end_ts);

/* The first and last event time fed. */
void lat_critpath_range(const struct lat_critpath *cp, int64_t *begin, int64_t *end);

/*
 * A task's life in the trace: from its fork (or the trace's first event) to its last switch-out
 * after it exited (or the trace's end). Returns 0, or -ENOENT when no event named that tid.
 */
int lat_critpath_task_life(const struct lat_critpath *cp, int32_t tid, int64_t *begin,
			   int64_t *end);

/*
 * The tasks that were ever named `comm` (before or after an exec), in order of first sight:
 * up to max tids in tids[]; returns how many there are (0: none).
 */
size_t lat_critpath_find_comm(const struct lat_critpath *cp, const char *comm, int32_t *tids,
			      size_t max);

/* The task's latest name ("" when never known), or NULL when the tid is unknown. */
const char *lat_critpath_comm(const struct lat_critpath *cp, int32_t tid);

/*
 * The critical path of `tid` over [begin, end] (begin < end, inside its life), with its
 * summaries. Returns 0, -ENOENT (unknown tid), -EINVAL (empty range), -ENOMEM.
 */
int lat_critpath_compute(const struct lat_critpath *cp, int32_t tid, int64_t begin, int64_t end,
			 struct lat_cp_path *path);
/* The same across the graphs of several hosts: tid is a task of cps[index]. */
int lat_critpath_compute_hosts(const struct lat_critpath *const *cps, size_t ncps, size_t index,
			       int32_t tid, int64_t begin, int64_t end, struct lat_cp_path *path);
void lat_cp_path_fini(struct lat_cp_path *path);

/* TCP segments seen: sent by a task, received in an interrupt (for the summaries). */
void lat_critpath_packets(const struct lat_critpath *cp, uint64_t *sent, uint64_t *received);

/* "running", "preempted", "waiting for CPU", "blocked: timer"... (what the summary groups). */
const char *lat_cp_label(const struct lat_cp_interval *iv, char *buf, size_t len);

/* "state" words for JSON: "running", "preempted", "wait_cpu", "blocked", "unknown". */
const char *lat_cp_state_name(enum lat_cp_state state);
/* "task", "timer", "disk", "network", "irq", "softirq", "untraced", "no_wakeup", "" (none). */
const char *lat_cp_cause_name(enum lat_cp_cause cause);
/* The soft IRQ vector's name ("TIMER", "NET_RX"...) or "?". */
const char *lat_cp_softirq_name(int32_t vec);

#endif /* LATSCOPE_ANALYSES_CRITPATH_H */
