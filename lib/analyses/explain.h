/* explain.h: why one event was slow: its critical path cut into causes (CPU, timer, disk...). */
#ifndef LATSCOPE_ANALYSES_EXPLAIN_H
#define LATSCOPE_ANALYSES_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyses/critpath.h"
#include "sources/event.h"
#include "state/state.h"

/*
 * `latscope explain`: a consumer of the critical path (critpath.h). The task's interval is walked
 * on its critical path; each interval of the path becomes a cause, and the causes are added up
 * per kind, recursively across the tasks it waited for:
 *   running     the task ran (user, kernel: in which system calls); the IRQ and soft IRQ
 *               handlers that ran on its CPU meanwhile are an `irq` cause of their own;
 *   preempted   runnable, not running: who ran on its CPU instead (with their shares), the
 *               IRQ time and the idle time (a wake-up waiting for an idle CPU) there;
 *   blocked on  a timer (nanosleep, poll/epoll/select timeouts: the timeout asked when the
 *               trace has it), the disk (device, requests, queue and service time), the
 *               network (interface, the task that sent the packet on a local socket), another
 *               task (pipe, futex, local socket, wait4: then that task's own explanation over
 *               the wait), or unknown (with what the trace lacks to know).
 *
 * Without hrtimer events (latscope record has none) a timer's wake-up has no interrupt in the
 * trace: the sleep is told from the system call the task was blocked in (nanosleep and
 * clock_nanosleep; poll, epoll_wait, select... that returned 0; a futex wait that returned
 * -ETIMEDOUT) and a wake-up by no task. When the timer interrupt hit a task in a system call,
 * the critical path takes that task for the waker; a task blocked in nanosleep is never woken
 * by another task, so that wait is a timer all the same.
 *
 * Feed every event in time order with lat_explain_event() after lat_state_update() (it feeds
 * the critical path's graph too), lat_explain_finish() at the end, then lat_explain_compute()
 * for any number of events. No printing: results are structs (lib/outputs/explain_*.c print).
 */
struct lat_explain;

enum lat_xp_state {
	LAT_XP_RUNNING = 0,
	LAT_XP_PREEMPTED, /* runnable: preempted, or woken and waiting for its CPU */
	LAT_XP_BLOCKED,
	LAT_XP_IRQ, /* IRQ and soft IRQ handlers that ran on the task's CPU while it ran */
};

enum lat_xp_on {
	LAT_XP_ON_NONE = 0, /* not blocked */
	LAT_XP_ON_TIMER,
	LAT_XP_ON_DISK,
	LAT_XP_ON_NETWORK,
	LAT_XP_ON_TASK,
	LAT_XP_ON_UNKNOWN,
};

/* Why a blocked wait's cause is unknown (what the trace lacks). */
enum lat_xp_why {
	LAT_XP_WHY_NONE = 0,
	LAT_XP_WHY_UNTRACED,   /* woken by an interrupt the trace does not show */
	LAT_XP_WHY_NO_WAKEUP,  /* no wake-up seen: lost events, or still blocked at the end */
	LAT_XP_WHY_NOT_SEEN,   /* the task is not in the trace before this */
	LAT_XP_WHY_IRQ,        /* woken in an interrupt handler (irq, irq_name) of no known kind */
	LAT_XP_WHY_NO_HISTORY, /* woken by a task (tasks[0]) whose past the trace does not cover */
};

/* A task and the time it took (preempted: who ran instead; blocked: who it waited for). */
struct lat_xp_task {
	int32_t tid;
	const char *comm;
	int64_t ns;     /* its time, without the interrupt handlers that ran in it */
	int64_t irq_ns; /* preempted: those handlers' time */
};

/* Time in one system call (running: kernel time per call; blocked: the calls it waited in). */
struct lat_xp_syscall {
	const char *name;
	int64_t ns;
	uint32_t count;
};

/* One cause: what the task (tid) did for ns, added up over count intervals of the path. */
struct lat_xp_item {
	uint8_t state; /* enum lat_xp_state */
	uint8_t on;    /* enum lat_xp_on (blocked only) */
	uint8_t why;   /* enum lat_xp_why (unknown only) */
	int32_t tid;   /* whose time it is */
	const char *comm;
	int64_t ns;
	uint32_t count;
	int64_t first; /* the first interval's begin (the items are kept in this order) */
	struct lat_xp_task *tasks; /* preempted: who ran instead, longest first; blocked on a task
				      or network: the waker / sender */
	size_t ntasks;
	struct lat_xp_syscall *syscalls; /* running: kernel time per system call; blocked: the
					    calls it was blocked in */
	size_t nsyscalls;
	int64_t user_ns, kernel_ns; /* running */
	int64_t irq_ns, idle_ns;    /* preempted: IRQ handlers and idle time on its CPU */
	int32_t cpu;                /* running, preempted, irq: the (last) CPU; -1 when unknown */
	/* blocked */
	int64_t fd;         /* the fd of the call (-1: none) */
	const char *file;   /* its name when the trace knows it ("" else) */
	int64_t timeout_ns; /* timer: the timeout asked (-1: not in the trace) */
	bool timed_out;     /* the call returned 0 / -ETIMEDOUT */
	const char *device; /* disk */
	uint32_t requests;  /* disk: block requests of the task completed in the wait */
	uint64_t bytes;     /* disk */
	int64_t queue_ns;   /* disk: insert -> issue, all requests (-1: no insert events) */
	int64_t service_ns; /* disk: issue -> complete, all requests */
	const char *netif;  /* network: interface ("" when unknown) */
	const char *peer;   /* network: the socket's peer "a.b.c.d:port", when the trace has its
			       connect() (lttng-modules records the address; "" else) */
	int32_t irq;        /* unknown, LAT_XP_WHY_IRQ: the IRQ; irq items: the main one */
	const char *irq_name;
	struct lat_xp_item *children; /* blocked on a task or a sender: that task's explanation
					 over the wait */
	size_t nchildren;
};

struct lat_explanation {
	int32_t tid;
	const char *comm;
	int64_t begin, end;
	char tracker[32];          /* the tracker that reported the event ("" when none) */
	struct lat_xp_item *items; /* the causes, longest first */
	size_t n;
	struct lat_cp_path path; /* the critical path it was computed from (a timeline) */
	uint32_t depth;          /* tasks waited for, one inside the other */
	/* the task's block requests completed during the event, whether it blocked on them or
	   not (a fast disk completes some while it is still runnable) */
	uint32_t io_requests;
	uint64_t io_bytes;
	const char *io_device;
	/* what the trace had: the causes it can tell */
	bool has_syscalls, has_block, has_irq, has_hrtimer, has_insert;
};

int lat_explain_create(struct lat_explain **out);
void lat_explain_destroy(struct lat_explain *x);

/*
 * Keeps only what explaining intervals that begin at `begin` or later needs: the system calls
 * and interrupts that ended before it are dropped as they come, and of the wake-ups and CPU
 * slices before it only the last. The same answers for such intervals, in a fraction of the
 * memory (a snapshot's event near its end). Call before the first event.
 */
void lat_explain_keep_from(struct lat_explain *x, int64_t begin);

/* Adds one event (after lat_state_update()). Returns 0 or -ENOMEM. */
int lat_explain_event(struct lat_explain *x, const struct lat_kevent *ev,
		      const struct lat_state *state);

/* Closes what is open at end_ts (0: the last event's time). */
void lat_explain_finish(struct lat_explain *x, int64_t end_ts);

/* The critical path's graph (task lives, names, range). */
const struct lat_critpath *lat_explain_graph(const struct lat_explain *x);

/*
 * Explains task tid over [begin, end] (inside its life). Returns 0, -ENOENT (unknown tid),
 * -EINVAL (empty range), -ENOMEM.
 */
int lat_explain_compute(const struct lat_explain *x, int32_t tid, int64_t begin, int64_t end,
			struct lat_explanation *out);
void lat_explanation_fini(struct lat_explanation *e);

/* "running", "preempted", "blocked", "irq"; "timer", "disk", "network", "task", "unknown", "". */
const char *lat_xp_state_name(enum lat_xp_state state);
const char *lat_xp_on_name(enum lat_xp_on on);

#endif /* LATSCOPE_ANALYSES_EXPLAIN_H */
