/* explain_log.h: what latscope explain keeps of a trace besides the critical path's graph (inside
 * lib/analyses only): every task's system calls and wake-ups, every CPU's tasks and interrupt
 * handlers over time, the block requests. explain_log.c fills them (lat_explain_event()),
 * explain.c reads them. */
#ifndef LATSCOPE_ANALYSES_EXPLAIN_LOG_H
#define LATSCOPE_ANALYSES_EXPLAIN_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "analyses/analysis.h"
#include "analyses/explain.h"

#define ETIMEDOUT_RET (-110) /* a futex wait's -ETIMEDOUT */

/* A system call of a task: [begin, end] (end -1 while in flight). */
struct sys_rec {
	int64_t begin, end;
	const char *name; /* lives as long as the source */
	const char *file; /* interned, the fd's name then ("" when unknown) */
	const char *peer; /* interned, the socket's peer "a.b.c.d:port" from its connect() ("") */
	int64_t fd;       /* -1: none */
	int64_t timeout_ns;
	int64_t ret;
	bool has_ret;
};

/* A wake-up of a task: the context of the CPU it ran on. */
struct wake_rec {
	int64_t ts;
	int32_t cur_tid;     /* the CPU's task then (LAT_NO_TID: idle) */
	const char *cur_sys; /* its system call then, NULL when none */
	int32_t cpu;
	bool in_irq; /* a hard or soft IRQ was running */
};

struct xtask {
	int32_t tid;
	struct sys_rec *sys;
	uint32_t nsys, sys_cap;
	struct wake_rec *wakes;
	uint32_t nwakes, wakes_cap;
};

/* A socket's peer, from the connect() on it (lttng-modules records the address). */
struct xpeer {
	int32_t pid;
	int64_t fd;
	const char *peer; /* interned "a.b.c.d:port" */
};

/* Who ran on a CPU from ts on. */
struct slice {
	int64_t ts;
	int32_t tid;
};

/* An outermost interrupt handler on a CPU (soft IRQs include the hard ones inside them). */
struct irq_rec {
	int64_t begin, end;
	int32_t nr;
	const char *name; /* interned */
};

struct xcpu {
	struct slice *slices;
	uint32_t nslices, slices_cap;
	struct irq_rec *irqs;
	uint32_t nirqs, irqs_cap;
	int64_t hard_begin, soft_begin; /* -1 when none */
	int32_t hard_nr, soft_nr;
	const char *hard_name;
};

struct block_rec {
	uint64_t dev, sector;
	uint32_t nr_sector;
	int32_t tid, issue_tid; /* the task at insert (the submitter) and at issue (or kblockd) */
	int64_t insert_ts, issue_ts, complete_ts; /* -1 when not seen */
	const char *disk;                         /* interned */
};

struct lat_explain {
	struct lat_critpath *cp;
	struct lat_tid_map map;
	struct xtask *tasks;
	uint32_t tasks_cap;
	struct xcpu *cpus; /* LAT_MAX_CPUS, allocated on first use */
	uint32_t max_cpu;
	struct block_rec *done; /* completed requests, in completion order */
	uint32_t ndone, done_cap;
	struct block_rec *pending;
	uint32_t npending, pending_cap;
	char **strings;
	uint32_t strings_cap, nstrings;
	bool has_syscalls, has_block, has_irq, has_hrtimer, has_insert;
	int64_t keep_from;   /* lat_explain_keep_from(), INT64_MIN: everything */
	struct xpeer *peers; /* the sockets connect()ed to an IPv4 peer, by process and fd */
	uint32_t npeers, peers_cap;
};

/* The task's logs, or NULL (never seen). */
struct xtask *lat_xplog_find_task(const struct lat_explain *x, int32_t tid);

#endif /* LATSCOPE_ANALYSES_EXPLAIN_LOG_H */
