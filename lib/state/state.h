/* state.h: the kernel state model (CPUs, tasks, fds, disks, IRQ names) that every analysis reads.
 */
#ifndef LATSCOPE_STATE_STATE_H
#define LATSCOPE_STATE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/event.h"

/* A task name from a trace, with its NUL (LTTng writes 16 bytes; other tracers may write more;
 * the live trackers use bpf/track.h's LAT_COMM_LEN, the kernel's 16). */
#define LAT_STATE_COMM_LEN 32
#define LAT_MAX_CPUS       1024
#define LAT_NO_TID         (-1)

/* A syscall in flight on a task (entry seen, exit not yet). */
struct lat_syscall {
	const char *name; /* lives as long as the source */
	uint32_t id;
	int64_t begin_ts, end_ts;
	int64_t ret;
	bool has_ret;
};

struct lat_fd {
	int32_t fd;
	bool cloexec;
	char *filename;
};

struct lat_task {
	int32_t tid;
	int32_t pid;  /* LAT_NO_TID when not known yet */
	int32_t prio; /* valid when has_prio */
	bool has_prio;
	bool in_syscall;
	char comm[LAT_STATE_COMM_LEN]; /* "" when not known yet */
	int32_t prev_tid;              /* the task scheduled out when this one came in */
	int32_t last_waker;            /* LAT_NO_TID when none */
	int64_t last_wakeup;           /* -1 when none */
	struct lat_syscall syscall;
	struct lat_fd *fds;
	uint32_t nfds, fds_cap;
};

#define LAT_NR_SOFTIRQ    16 /* vectors tracked (Linux has 10) */
#define LAT_SOFTIRQ_QUEUE 4

/* A soft IRQ raised and/or running: raise_ts or begin_ts is -1 when not seen. */
struct lat_softirq {
	int64_t raise_ts, begin_ts;
};

struct lat_softirq_queues {
	struct lat_softirq q[LAT_NR_SOFTIRQ][LAT_SOFTIRQ_QUEUE];
	uint8_t n[LAT_NR_SOFTIRQ];
};

struct lat_cpu {
	bool known;          /* seen in a sched_switch or an IRQ event, or as a wakeup's CPU */
	bool in_hardirq;     /* between irq_handler_entry and exit */
	int32_t current_tid; /* LAT_NO_TID for idle (swapper) or unknown */
	int32_t hardirq;
	int64_t hardirq_begin;
	struct lat_softirq_queues *softirqs; /* allocated on the CPU's first soft IRQ */
};

/* A completed interrupt handler (irq_handler_exit, softirq_exit). */
struct lat_irq {
	bool hard;
	int32_t nr;       /* IRQ number or softirq vector */
	int32_t ret;      /* hard: handler's return value */
	int64_t raise_ts; /* soft: first pending raise, -1 if none seen */
	int64_t begin_ts; /* -1 if the entry was not seen (soft) */
	int64_t end_ts;
};

struct lat_disk {
	uint64_t dev;
	char name[32];
};

/*
 * What one event changed, for the analyses: they run right after lat_state_update() and read
 * this instead of re-deriving it. Pointers are valid until the next update.
 */
struct lat_state_change {
	struct lat_task
	    *task;             /* sched_switch: next; syscall/mm: the CPU's current task;
				  migrate/wakeup/exec/fork(child)/pi_setprio: that task; NULL if none */
	struct lat_task *prev; /* sched_switch: prev */
	int32_t waker_tid;     /* sched_switch: next's last waker, LAT_NO_TID if none */
	int64_t wakeup_ts;     /* sched_switch: next's pending wakeup, -1 if none */
	int nprio;             /* priority changes, in the order they happened */
	struct {
		int32_t tid, prio;
	} prio_changes[2];
	const struct lat_syscall *syscall; /* syscall exit: the completed call */
	const struct lat_irq *irq; /* irq_handler_exit, softirq_exit: the completed handler */
	bool accounted;            /* page alloc/free: counted for a task */
};

struct lat_state {
	struct lat_cpu cpus[LAT_MAX_CPUS];
	uint32_t ncpus;                    /* CPUs known */
	uint16_t known_cpus[LAT_MAX_CPUS]; /* their ids, in order of first sight */
	struct lat_task *tasks;
	uint32_t ntasks, tasks_cap;
	uint32_t *task_index; /* open addressing: tid -> index + 1 (0 = empty) */
	uint32_t index_cap;
	struct lat_disk *disks;
	uint32_t ndisks, disks_cap;
	char (*irq_names)[32];
	uint32_t nirq_names;
	int64_t page_count; /* pages allocated minus freed since the trace start */
	int tracer_major, tracer_minor, tracer_patch;
	struct lat_syscall done; /* storage for lat_state_change.syscall */
	struct lat_irq irq_done; /* storage for lat_state_change.irq */
};

int lat_state_init(struct lat_state *state);
void lat_state_fini(struct lat_state *state);

/* The LTTng tracer version changes how some fields read (sched_wakeup prio before 2.7.1). */
void lat_state_set_tracer_version(struct lat_state *state, int major, int minor, int patch);

/* Applies one event; fills *change. Returns 0 or -ENOMEM. */
int lat_state_update(struct lat_state *state, const struct lat_kevent *ev,
		     struct lat_state_change *change);

/* The task with this tid, or NULL. */
struct lat_task *lat_state_task(const struct lat_state *state, int32_t tid);

/* Disk name for a device number, or NULL. IRQ name for a number, or NULL. */
const char *lat_state_disk_name(const struct lat_state *state, uint64_t dev);
const char *lat_state_irq_name(const struct lat_state *state, int32_t irq);

#endif /* LATSCOPE_STATE_STATE_H */
