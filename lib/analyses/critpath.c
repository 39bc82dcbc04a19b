/* critpath.c: the execution graph of every task and the critical path walked backward on it. */
#include "analyses/critpath.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/analysis.h"

#define MAX_DEPTH 4096 /* tasks waited for, one inside the other */

/* One segment of a task's time (an edge of its horizontal chain in the execution graph). */
struct seg {
	int64_t begin, end;
	const char *comm;   /* interned */
	const char *detail; /* interned, "" when none */
	int32_t other;
	uint32_t pkt; /* blocked, network: the segment received at the wake-up (index + 1) */
	int16_t irq;
	uint8_t state, cause;
};

/* A TCP segment sent by a task or received in an interrupt (inet_sock_local_out/in). */
struct packet {
	uint32_t seq, ack;
	uint16_t flags, window, check;
	int32_t tid; /* the sender (sent ones) */
	int64_t ts;
	const char *peer; /* received ones: the sender "a.b.c.d:port" (interned), or NULL */
};

static int cmp_packet(const void *a, const void *b);

struct task {
	int32_t tid;
	struct seg *segs;
	uint32_t n, cap;
	struct seg open; /* the current segment, from open.begin; valid when has_open */
	bool has_open;
	bool exiting, dead;
	bool sys_seen, in_sys; /* a system call seen; between its entry and exit */
	int64_t birth, death;  /* -1 when not seen */
	const char *comm;      /* latest, interned */
};

/* What a CPU is doing besides running its current task: the context of a wake-up. */
struct cpu_ctx {
	int32_t hardirq, softirq; /* -1 when none */
	int32_t hrtimer;          /* hrtimer_expire_entry depth */
	const char *hardirq_name; /* interned or NULL */
	const char *disk;         /* a request completed in the current interrupt */
	const char *netif;        /* a packet received in the current interrupt */
	uint32_t pkt;             /* a TCP segment received in it (index + 1 in recvs) */
	int64_t last_switch;      /* the CPU's last sched_switch, or its first event */
	bool seen;
};

struct lat_critpath {
	struct lat_tid_map map; /* tid -> index in tasks */
	struct task *tasks;
	uint32_t tasks_cap;
	struct cpu_ctx *cpus; /* LAT_MAX_CPUS */
	char **strings;       /* interned strings: open addressing */
	uint32_t strings_cap, nstrings;
	int64_t first_ts, last_ts;
	bool started;
	const char *host;
	struct packet *sends, *recvs; /* sends sorted by key then time after finish */
	uint32_t nsends, sends_cap, nrecvs, recvs_cap;
};

/* --- interned strings ---------------------------------------------------------------- */

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h = (h ^ (uint8_t)*s) * 16777619u;
	}
	return h;
}

static const char *intern(struct lat_critpath *cp, const char *s)
{
	uint32_t i;

	if (!s || !*s) {
		return "";
	}
	if ((cp->nstrings + 1) * 2 > cp->strings_cap) {
		uint32_t cap = cp->strings_cap ? cp->strings_cap * 2 : 256;
		char **table = calloc(cap, sizeof(*table));

		if (!table) {
			return NULL;
		}
		for (uint32_t j = 0; j < cp->strings_cap; j++) {
			if (cp->strings[j]) {
				for (i = hash_str(cp->strings[j]) & (cap - 1); table[i];
				     i = (i + 1) & (cap - 1)) {
				}
				table[i] = cp->strings[j];
			}
		}
		free(cp->strings);
		cp->strings = table;
		cp->strings_cap = cap;
	}
	for (i = hash_str(s) & (cp->strings_cap - 1); cp->strings[i];
	     i = (i + 1) & (cp->strings_cap - 1)) {
		if (strcmp(cp->strings[i], s) == 0) {
			return cp->strings[i];
		}
	}
	cp->strings[i] = strdup(s);
	if (!cp->strings[i]) {
		return NULL;
	}
	cp->nstrings++;
	return cp->strings[i];
}

/* --- the graph --------------------------------------------------------------------------- */

int lat_critpath_create(struct lat_critpath **out)
{
	struct lat_critpath *cp = calloc(1, sizeof(*cp));

	*out = NULL;
	if (!cp) {
		return -ENOMEM;
	}
	cp->cpus = calloc(LAT_MAX_CPUS, sizeof(*cp->cpus));
	if (!cp->cpus) {
		free(cp);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < LAT_MAX_CPUS; i++) {
		cp->cpus[i].hardirq = -1;
		cp->cpus[i].softirq = -1;
	}
	cp->host = "";
	*out = cp;
	return 0;
}

void lat_critpath_destroy(struct lat_critpath *cp)
{
	if (!cp) {
		return;
	}
	for (uint32_t i = 0; i < cp->map.count; i++) {
		free(cp->tasks[i].segs);
	}
	free(cp->tasks);
	lat_tid_map_fini(&cp->map);
	for (uint32_t i = 0; i < cp->strings_cap; i++) {
		free(cp->strings[i]);
	}
	free(cp->strings);
	free(cp->cpus);
	free(cp->sends);
	free(cp->recvs);
	free(cp);
}

int lat_critpath_set_host(struct lat_critpath *cp, const char *host)
{
	cp->host = intern(cp, host);
	return cp->host ? 0 : -ENOMEM;
}

void lat_critpath_packets(const struct lat_critpath *cp, uint64_t *sent, uint64_t *received)
{
	*sent = cp->nsends;
	*received = cp->nrecvs;
}

static struct task *find_task(const struct lat_critpath *cp, int32_t tid)
{
	uint32_t index;

	if (tid <= 0 || !lat_tid_map_find(&cp->map, tid, &index)) {
		return NULL;
	}
	return &cp->tasks[index];
}

/* The task (created when new), or NULL for the idle task / no memory (*err set). */
static struct task *get_task(struct lat_critpath *cp, int32_t tid, int *err)
{
	uint32_t index;
	int ret;

	if (tid <= 0) {
		return NULL;
	}
	ret = lat_tid_map_get(&cp->map, tid, &index);
	if (ret < 0) {
		*err = ret;
		return NULL;
	}
	if (ret == 1) {
		if (lat_grow((void **)&cp->tasks, &cp->tasks_cap, index + 1, sizeof(*cp->tasks))) {
			*err = -ENOMEM;
			return NULL;
		}
		memset(&cp->tasks[index], 0, sizeof(cp->tasks[index]));
		cp->tasks[index].tid = tid;
		cp->tasks[index].birth = -1;
		cp->tasks[index].death = -1;
		cp->tasks[index].comm = "";
	}
	return &cp->tasks[index];
}

/* Appends [begin, end] (empty ones are dropped; overlaps with the last segment clipped). */
static int push_seg(struct task *t, struct seg s)
{
	if (t->n && s.begin < t->segs[t->n - 1].end) {
		s.begin = t->segs[t->n - 1].end;
	}
	if (s.end <= s.begin) {
		return 0;
	}
	if (lat_grow((void **)&t->segs, &t->cap, t->n + 1, sizeof(*t->segs))) {
		return -ENOMEM;
	}
	t->segs[t->n++] = s;
	return 0;
}

static struct seg new_seg(const struct task *t, int64_t begin, uint8_t state)
{
	return (struct seg){.begin = begin,
			    .end = begin,
			    .comm = t->comm,
			    .detail = "",
			    .other = LAT_NO_TID,
			    .irq = -1,
			    .state = state};
}

/* Closes the open segment at ts (if any) and opens `next` (when not NULL). */
static int close_open(struct task *t, int64_t ts, const struct seg *next)
{
	int ret = 0;

	if (t->has_open) {
		t->open.end = ts;
		ret = push_seg(t, t->open);
	}
	t->has_open = next != NULL;
	if (next) {
		t->open = *next;
	}
	return ret;
}

/* Before a task's first segment: unknown since its birth or the trace's beginning. */
static int begin_task(struct lat_critpath *cp, struct task *t, int64_t ts)
{
	if (t->n || t->has_open) {
		return 0;
	}
	struct seg s = new_seg(t, t->birth >= 0 ? t->birth : cp->first_ts, LAT_CP_UNKNOWN);

	s.end = ts;
	return push_seg(t, s);
}

static void set_comm(struct lat_critpath *cp, struct task *t, const char *comm)
{
	const char *c = intern(cp, comm);

	if (c && *c) {
		t->comm = c;
	}
}

static bool preempted_state(int64_t prev_state)
{
	/* 0 (R), or R with the "preempted" mark: TASK_STATE_MAX (2048, Linux 4.4-4.13) or
	   TASK_REPORT_MAX (256, Linux >= 4.14) */
	return (prev_state & 0xff) == 0;
}

static bool dead_state(int64_t prev_state)
{
	/* EXIT_DEAD 16, EXIT_ZOMBIE 32, TASK_DEAD 64 (before 4.14), without a sleeping state */
	return (prev_state & 0x70) != 0 && (prev_state & 0x3) == 0;
}

/* A task taken for dead runs again (a kthread parked: 0x40 is TASK_PARKED on Linux >= 4.14). */
static void revive(struct task *t)
{
	if (t->dead && !t->exiting) {
		t->dead = false;
		t->death = -1;
	}
}

static int on_switch(struct lat_critpath *cp, const struct lat_kevent *ev,
		     const struct lat_state *state, struct cpu_ctx *cpu)
{
	const struct lat_ev_sched_switch *sw = &ev->sched_switch;
	int64_t since = cpu->last_switch;
	struct task *prev, *next;
	int err = 0, ret = 0;

	(void)state;
	/* No hrtimer callback spans a switch: an expiry whose exit the trace lacks (a recording
	   whose exit probe was attached after the entry's, a lost event) ends here, else every
	   later wake-up on this CPU would be taken for a timer's. */
	cpu->hrtimer = 0;
	prev = get_task(cp, sw->prev_tid, &err);
	next = get_task(cp, sw->next_tid, &err);
	if (err) {
		return err;
	}
	prev = find_task(cp, sw->prev_tid); /* the array may have moved */
	if (prev) {
		struct seg s;

		set_comm(cp, prev, sw->prev_comm);
		if (!prev->has_open || prev->open.state != LAT_CP_RUNNING) {
			/* first sight, or a switch-in we missed: running since the CPU's last
			 * switch */
			if (since < cp->first_ts) {
				since = cp->first_ts;
			}
			ret = begin_task(cp, prev, since);
			s = new_seg(prev, since, LAT_CP_RUNNING);
			ret = ret ? ret : close_open(prev, since, &s);
		}
		if (prev->exiting || dead_state(sw->prev_state)) {
			prev->dead = true;
			prev->death = ev->ts;
			ret = ret ? ret : close_open(prev, ev->ts, NULL);
		} else if (preempted_state(sw->prev_state)) {
			s = new_seg(prev, ev->ts, LAT_CP_PREEMPTED);
			s.other = sw->next_tid > 0 ? sw->next_tid : LAT_NO_TID;
			ret = ret ? ret : close_open(prev, ev->ts, &s);
		} else {
			s = new_seg(prev, ev->ts, LAT_CP_BLOCKED);
			ret = ret ? ret : close_open(prev, ev->ts, &s);
		}
	}
	if (next) {
		struct seg s;

		set_comm(cp, next, sw->next_comm);
		revive(next);
		ret = ret ? ret : begin_task(cp, next, ev->ts);
		if (next->has_open) {
			if (next->open.state == LAT_CP_WAIT_CPU) {
				next->open.other = sw->prev_tid > 0 ? sw->prev_tid : LAT_NO_TID;
			} else if (next->open.state == LAT_CP_BLOCKED) {
				next->open.cause = LAT_CP_CAUSE_NO_WAKEUP;
			}
		}
		s = new_seg(next, ev->ts, LAT_CP_RUNNING);
		ret = ret ? ret : close_open(next, ev->ts, &s);
	}
	cpu->last_switch = ev->ts;
	return ret;
}

/* What woke a task up on this CPU now: fills cause, other, irq and detail of *s. */
static void wakeup_cause(const struct lat_critpath *cp, const struct cpu_ctx *cpu,
			 const struct lat_state *state, uint32_t cpu_id, int32_t wakee,
			 struct seg *s)
{
	(void)cp;
	if (cpu->hrtimer > 0) {
		s->cause = LAT_CP_CAUSE_TIMER;
	} else if (cpu->hardirq >= 0) {
		if (cpu->disk) {
			s->cause = LAT_CP_CAUSE_DISK;
			s->detail = cpu->disk;
		} else if (cpu->netif || cpu->pkt) {
			s->cause = LAT_CP_CAUSE_NETWORK;
			s->detail = cpu->netif;
		} else if (cpu->hardirq_name && strstr(cpu->hardirq_name, "timer")) {
			s->cause = LAT_CP_CAUSE_TIMER;
		} else {
			s->cause = LAT_CP_CAUSE_IRQ;
			s->irq = (int16_t)cpu->hardirq;
			s->detail = cpu->hardirq_name ? cpu->hardirq_name : "";
		}
	} else if (cpu->softirq >= 0) {
		if (cpu->softirq == 1 || cpu->softirq == 8) { /* TIMER, HRTIMER */
			s->cause = LAT_CP_CAUSE_TIMER;
		} else if (cpu->softirq == 3 || cpu->netif || cpu->pkt) { /* NET_RX */
			s->cause = LAT_CP_CAUSE_NETWORK;
			s->detail = cpu->netif ? cpu->netif : "";
		} else if (cpu->softirq == 4 || cpu->disk) { /* BLOCK */
			s->cause = LAT_CP_CAUSE_DISK;
			s->detail = cpu->disk ? cpu->disk : "";
		} else {
			s->cause = LAT_CP_CAUSE_SOFTIRQ;
			s->irq = (int16_t)cpu->softirq;
		}
	} else {
		int32_t cur = cpu_id < LAT_MAX_CPUS ? state->cpus[cpu_id].current_tid : LAT_NO_TID;

		const struct task *waker = find_task(cp, cur);

		if (cur > 0 && cur != wakee && !(waker && waker->sys_seen && !waker->in_sys)) {
			s->cause = LAT_CP_CAUSE_TASK;
			s->other = cur;
		} else {
			/* an idle CPU, or a task in user mode (it wakes nobody there): an interrupt
			   the trace does not show (the local timer's has no irq_handler_entry) */
			s->cause = LAT_CP_CAUSE_UNTRACED;
		}
	}
	if (s->cause == LAT_CP_CAUSE_NETWORK) {
		s->pkt = cpu->pkt;
	}
}

static int on_wakeup(struct lat_critpath *cp, const struct lat_kevent *ev,
		     const struct lat_state *state, struct cpu_ctx *cpu)
{
	int err = 0, ret;
	struct task *t = get_task(cp, ev->task.tid, &err);
	struct seg s;

	if (!t) {
		return err;
	}
	set_comm(cp, t, ev->task.comm);
	if (t->has_open && t->open.state != LAT_CP_BLOCKED) {
		return 0; /* running or runnable: sched_wakeup after sched_waking, or a no-op */
	}
	if (!t->has_open) {
		/* first sight, or one taken for dead: blocked since the beginning */
		revive(t);
		s = new_seg(t, t->n ? t->segs[t->n - 1].end : cp->first_ts, LAT_CP_BLOCKED);
		if (t->birth >= 0 && t->birth > s.begin) {
			s.begin = t->birth;
		}
		t->open = s;
		t->has_open = true;
	}
	wakeup_cause(cp, cpu, state, ev->cpu, t->tid, &t->open);
	s = new_seg(t, ev->ts, LAT_CP_WAIT_CPU);
	ret = close_open(t, ev->ts, &s);
	return ret;
}

static int on_fork(struct lat_critpath *cp, const struct lat_kevent *ev)
{
	int err = 0;
	struct task *child = get_task(cp, ev->fork.child_tid, &err);
	struct seg s;

	if (!child) {
		return err;
	}
	set_comm(cp, child, ev->fork.child_comm);
	if (child->n || child->has_open) {
		/* a tid we saw before: a new task from here on */
		int ret = close_open(child, ev->ts, NULL);

		if (ret) {
			return ret;
		}
		child->dead = false;
		child->exiting = false;
		child->death = -1;
	}
	child->birth = ev->ts;
	s = new_seg(child, ev->ts, LAT_CP_WAIT_CPU);
	s.other = ev->fork.parent_tid > 0 ? ev->fork.parent_tid : LAT_NO_TID;
	child->open = s;
	child->has_open = true;
	return 0;
}

static const char *disk_name(struct lat_critpath *cp, const struct lat_state *state, uint64_t dev)
{
	const char *name = lat_state_disk_name(state, dev);
	char buf[32];

	if (name) {
		return intern(cp, name);
	}
	/* lttng-modules' dev: the kernel's dev_t (major << 20 | minor) */
	snprintf(buf, sizeof(buf), "%u:%u", (unsigned)(dev >> 20), (unsigned)(dev & 0xfffff));
	return intern(cp, buf);
}

/* Keeps a TCP segment: sent by the CPU's task, or received in an interrupt. */
static int keep_packet(struct lat_critpath *cp, const struct lat_kevent *ev,
		       const struct lat_state *state, struct cpu_ctx *cpu, bool send,
		       struct packet pk)
{
	if (send) {
		if (cpu->hardirq >= 0 || cpu->softirq >= 0 || ev->cpu >= LAT_MAX_CPUS ||
		    state->cpus[ev->cpu].current_tid <= 0) {
			return 0; /* sent by the kernel (an ACK from a soft IRQ...): no task to
				     follow */
		}
		pk.tid = state->cpus[ev->cpu].current_tid;
		if (lat_grow((void **)&cp->sends, &cp->sends_cap, cp->nsends + 1, sizeof(pk))) {
			return -ENOMEM;
		}
		cp->sends[cp->nsends++] = pk;
		return 0;
	}
	if (cpu->hardirq < 0 && cpu->softirq < 0) {
		return 0; /* processed in the task's own context: no wake-up to explain */
	}
	if (lat_grow((void **)&cp->recvs, &cp->recvs_cap, cp->nrecvs + 1, sizeof(pk))) {
		return -ENOMEM;
	}
	cp->recvs[cp->nrecvs++] = pk;
	cpu->pkt = cp->nrecvs;
	return 0;
}

/*
 * A TCP segment (inet_sock_local_out/in of lttng-modules' addons; net_dev_queue and
 * netif_receive_skb with their IP and TCP headers, lttng-modules >= 2.9), when the event has
 * one.
 */
static int on_segment(struct lat_critpath *cp, const struct lat_kevent *ev,
		      const struct lat_state *state, struct cpu_ctx *cpu, bool send)
{
	struct packet pk = {.ts = ev->ts, .tid = LAT_NO_TID};

	if (!(ev->present & LAT_HAS_TCP)) {
		return 0; /* not a segment we can match (UDP, ARP..., or no headers recorded) */
	}
	pk.seq = ev->net.seq;
	pk.ack = ev->net.ack_seq;
	pk.flags = (uint16_t)ev->net.flags;
	pk.window = (uint16_t)ev->net.window;
	pk.check = (uint16_t)ev->net.check;
	if (!send &&
	    (ev->present & (LAT_HAS_IPV4 | LAT_HAS_PORTS)) == (LAT_HAS_IPV4 | LAT_HAS_PORTS)) {
		const uint32_t a = ev->net.saddr;
		char buf[32];

		snprintf(buf, sizeof(buf), "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255,
			 (a >> 8) & 255, a & 255, ev->net.sport);
		pk.peer = intern(cp, buf);
		if (!pk.peer) {
			return -ENOMEM;
		}
	}
	return keep_packet(cp, ev, state, cpu, send, pk);
}

/* hrtimer_expire_entry/exit (lttng-modules: timer_hrtimer_expire_*): no typed event for them. */
static int hrtimer_event(const char *name)
{
	if (!name || (name[0] != 't' && name[0] != 'h')) {
		return 0;
	}
	if (strncmp(name, "timer_", 6) == 0) {
		name += 6;
	}
	if (strcmp(name, "hrtimer_expire_entry") == 0) {
		return 1;
	}
	if (strcmp(name, "hrtimer_expire_exit") == 0) {
		return -1;
	}
	return 0;
}

/* An interrupt begins or ends: what it did (disk, packets) is forgotten. */
static void new_context(struct cpu_ctx *cpu, int32_t *which, int32_t value)
{
	*which = value;
	cpu->disk = cpu->netif = NULL;
	cpu->pkt = 0;
}

int lat_critpath_event(struct lat_critpath *cp, const struct lat_kevent *ev,
		       const struct lat_state *state)
{
	struct cpu_ctx *cpu;
	struct task *t;
	int h;

	if (!cp->started) {
		cp->first_ts = ev->ts;
		cp->started = true;
	}
	cp->last_ts = ev->ts;
	if (ev->cpu >= LAT_MAX_CPUS) {
		return 0;
	}
	cpu = &cp->cpus[ev->cpu];
	if (!cpu->seen) {
		cpu->seen = true;
		cpu->last_switch = ev->ts;
	}
	switch (ev->type) {
	case LAT_EV_SCHED_SWITCH:
		return on_switch(cp, ev, state, cpu);
	case LAT_EV_SCHED_WAKEUP:
		return on_wakeup(cp, ev, state, cpu);
	case LAT_EV_SCHED_FORK:
		return on_fork(cp, ev);
	case LAT_EV_SCHED_EXEC: {
		const struct lat_task *st = lat_state_task(state, ev->task.tid);

		t = find_task(cp, ev->task.tid);
		if (t && st) {
			set_comm(cp, t, st->comm);
			if (t->has_open) {
				t->open.end = ev->ts; /* the name changes: a new segment */
				struct seg s = t->open;

				s.begin = ev->ts;
				s.comm = t->comm;
				if (push_seg(t, t->open)) {
					return -ENOMEM;
				}
				t->open = s;
			}
		}
		return 0;
	}
	case LAT_EV_SYSCALL_ENTRY:
	case LAT_EV_SYSCALL_EXIT: {
		int err = 0;

		t = get_task(cp, state->cpus[ev->cpu].current_tid, &err);
		if (t) {
			t->sys_seen = true;
			t->in_sys = ev->type == LAT_EV_SYSCALL_ENTRY;
		}
		return err;
	}
	case LAT_EV_SCHED_EXIT:
		t = find_task(cp, ev->task.tid);
		if (t) {
			t->exiting = true;
		}
		return 0;
	case LAT_EV_IRQ_ENTRY:
		cpu->hardirq_name = ev->irq.name ? intern(cp, ev->irq.name) : NULL;
		new_context(cpu, &cpu->hardirq, ev->irq.irq);
		return 0;
	case LAT_EV_IRQ_EXIT:
		new_context(cpu, &cpu->hardirq, -1);
		return 0;
	case LAT_EV_SOFTIRQ_ENTRY:
		new_context(cpu, &cpu->softirq, ev->irq.irq);
		return 0;
	case LAT_EV_SOFTIRQ_EXIT:
		new_context(cpu, &cpu->softirq, -1);
		return 0;
	case LAT_EV_BLOCK_RQ_COMPLETE:
		if (cpu->hardirq >= 0 || cpu->softirq >= 0) {
			cpu->disk = disk_name(cp, state, ev->block.dev);
		}
		return 0;
	case LAT_EV_NET_RECV:
		if (cpu->hardirq >= 0 || cpu->softirq >= 0) {
			cpu->netif = intern(cp, ev->net.name ? ev->net.name : "?");
		}
		return on_segment(cp, ev, state, cpu, false);
	case LAT_EV_NET_QUEUE:
	case LAT_EV_INET_SOCK_OUT:
		return on_segment(cp, ev, state, cpu, true);
	case LAT_EV_INET_SOCK_IN:
		return on_segment(cp, ev, state, cpu, false);
	case LAT_EV_OTHER:
		h = hrtimer_event(ev->name);
		if (h > 0) {
			cpu->hrtimer++;
		} else if (h < 0 && cpu->hrtimer > 0) {
			cpu->hrtimer--;
		}
		return 0;
	default:
		return 0;
	}
}

void lat_critpath_finish(struct lat_critpath *cp, int64_t end_ts)
{
	if (end_ts > cp->last_ts) {
		cp->last_ts = end_ts;
	}
	for (uint32_t i = 0; i < cp->map.count; i++) {
		struct task *t = &cp->tasks[i];

		if (t->has_open) {
			if (t->open.state == LAT_CP_BLOCKED) {
				t->open.cause = LAT_CP_CAUSE_NO_WAKEUP;
			}
			close_open(t, cp->last_ts, NULL); /* no allocation failure matters here */
		}
	}
	if (cp->nsends > 1) {
		qsort(cp->sends, cp->nsends, sizeof(*cp->sends), cmp_packet);
	}
}

void lat_critpath_range(const struct lat_critpath *cp, int64_t *begin, int64_t *end)
{
	*begin = cp->first_ts;
	*end = cp->last_ts;
}

int lat_critpath_task_life(const struct lat_critpath *cp, int32_t tid, int64_t *begin, int64_t *end)
{
	const struct task *t = find_task(cp, tid);

	if (!t) {
		return -ENOENT;
	}
	*begin = t->birth >= 0 ? t->birth : cp->first_ts;
	*end = t->dead ? t->death : cp->last_ts;
	return 0;
}

size_t lat_critpath_find_comm(const struct lat_critpath *cp, const char *comm, int32_t *tids,
			      size_t max)
{
	size_t found = 0;

	for (uint32_t i = 0; i < cp->map.count; i++) {
		const struct task *t = &cp->tasks[i];
		bool match = strcmp(t->comm, comm) == 0;

		for (uint32_t s = 0; !match && s < t->n; s++) {
			match = strcmp(t->segs[s].comm, comm) == 0;
		}
		if (match) {
			if (found < max) {
				tids[found] = t->tid;
			}
			found++;
		}
	}
	return found;
}

const char *lat_critpath_comm(const struct lat_critpath *cp, int32_t tid)
{
	const struct task *t = find_task(cp, tid);

	return t ? t->comm : NULL;
}

/* --- the backward walk ------------------------------------------------------------------- */

struct frame {
	const struct lat_critpath *cp; /* the task's host */
	const struct task *task;
	int64_t lo, t;                         /* walk [lo, t] backward: t goes down to lo */
	const struct lat_critpath *blocked_cp; /* depth > 0: the task that waited for this one, */
	const struct task *blocked;            /* its host, */
	struct seg blocked_seg;                /* and its blocked segment */
	uint16_t depth;
};

/* Appends [begin, end] of task (of host cp) as segment s says; s->other is a task of ocp. */
static int emit(const struct lat_critpath *cp, const struct lat_critpath *ocp,
		struct lat_cp_path *p, const struct task *task, const struct seg *s, int64_t begin,
		int64_t end, uint16_t depth)
{
	const char *other_comm = "";
	struct lat_cp_interval *iv;

	if (end <= begin) {
		return 0;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct lat_cp_interval *a = realloc(p->intervals, cap * sizeof(*a));

		if (!a) {
			return -ENOMEM;
		}
		p->intervals = a;
		p->cap = cap;
	}
	if (s->other > 0) {
		const char *c = lat_critpath_comm(ocp, s->other);

		other_comm = c ? c : "";
	}
	iv = &p->intervals[p->n++];
	*iv = (struct lat_cp_interval){.begin = begin,
				       .end = end,
				       .tid = task->tid,
				       .other_tid = s->other,
				       .irq = s->irq,
				       .state = s->state,
				       .cause = s->cause,
				       .depth = depth,
				       .comm = s->comm ? s->comm : task->comm,
				       .other_comm = other_comm,
				       .detail = s->detail ? s->detail : "",
				       .peer = s->pkt && s->pkt <= cp->nrecvs &&
						       cp->recvs[s->pkt - 1].peer
						   ? cp->recvs[s->pkt - 1].peer
						   : "",
				       .host = cp->host,
				       .other_host = ocp->host};
	if (depth > p->max_depth) {
		p->max_depth = depth;
	}
	return 0;
}

/* The index of the last segment beginning before t, or -1. */
static long seg_before(const struct task *task, int64_t t)
{
	long lo = 0, hi = (long)task->n - 1, found = -1;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;

		if (task->segs[mid].begin < t) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

static int push_frame(struct frame **stack, size_t *n, size_t *cap, struct frame f)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		struct frame *a = realloc(*stack, c * sizeof(*a));

		if (!a) {
			return -ENOMEM;
		}
		*stack = a;
		*cap = c;
	}
	(*stack)[(*n)++] = f;
	return 0;
}

static bool same_interval(const struct lat_cp_interval *a, const struct lat_cp_interval *b)
{
	return a->tid == b->tid && a->state == b->state && a->cause == b->cause &&
	       a->other_tid == b->other_tid && a->irq == b->irq && a->depth == b->depth &&
	       a->comm == b->comm && a->detail == b->detail && a->host == b->host &&
	       a->other_host == b->other_host;
}

/* Per-task sums: sorted by (host, tid, first appearance), then by time, longest first. */
struct task_acc {
	struct lat_cp_task_sum sum;
	size_t first;
};

static int cmp_task_key(const void *a, const void *b)
{
	const struct task_acc *x = a, *y = b;

	if (x->sum.host != y->sum.host) {
		return (uintptr_t)x->sum.host < (uintptr_t)y->sum.host ? -1 : 1;
	}
	if (x->sum.tid != y->sum.tid) {
		return x->sum.tid < y->sum.tid ? -1 : 1;
	}
	return x->first < y->first ? -1 : x->first > y->first;
}

static int cmp_task_time(const void *a, const void *b)
{
	const struct task_acc *x = a, *y = b;

	if (x->sum.ns != y->sum.ns) {
		return x->sum.ns > y->sum.ns ? -1 : 1;
	}
	return x->first < y->first ? -1 : x->first > y->first;
}

static int summarize(struct lat_cp_path *p)
{
	struct task_acc *acc = calloc(p->n ? p->n : 1, sizeof(*acc));
	size_t n = 0;

	p->tasks = calloc(p->n ? p->n : 1, sizeof(*p->tasks));
	p->states = calloc(p->n ? p->n : 1, sizeof(*p->states));
	if (!acc || !p->tasks || !p->states) {
		free(acc);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct lat_cp_interval *iv = &p->intervals[i];
		int64_t d = iv->end - iv->begin;
		char label[48];
		size_t j;

		acc[i] = (struct task_acc){
		    {.tid = iv->tid, .comm = iv->comm, .host = iv->host, .ns = d}, i};
		lat_cp_label(iv, label, sizeof(label));
		for (j = 0; j < p->nstates && strcmp(p->states[j].label, label) != 0; j++) {
		}
		if (j == p->nstates) {
			snprintf(p->states[p->nstates++].label, sizeof(p->states[0].label), "%s",
				 label);
		}
		p->states[j].ns += d;
		p->states[j].count++;
	}
	/* one entry per task: its first appearance, the latest name on the path */
	qsort(acc, p->n, sizeof(*acc), cmp_task_key);
	for (size_t i = 0; i < p->n; i++) {
		if (n && acc[n - 1].sum.host == acc[i].sum.host &&
		    acc[n - 1].sum.tid == acc[i].sum.tid) {
			acc[n - 1].sum.ns += acc[i].sum.ns;
			acc[n - 1].sum.comm = acc[i].sum.comm;
		} else {
			acc[n++] = acc[i];
		}
	}
	qsort(acc, n, sizeof(*acc), cmp_task_time);
	for (size_t i = 0; i < n; i++) {
		p->tasks[i] = acc[i].sum;
	}
	p->ntasks = n;
	free(acc);
	/* states: a handful of labels; longest first (insertion sort: stable) */
	for (size_t i = 1; i < p->nstates; i++) {
		struct lat_cp_state_sum x = p->states[i];
		size_t j = i;

		for (; j > 0 && p->states[j - 1].ns < x.ns; j--) {
			p->states[j] = p->states[j - 1];
		}
		p->states[j] = x;
	}
	return 0;
}

static int cmp_packet(const void *a, const void *b)
{
	const struct packet *x = a, *y = b;
	/* by (seq, ack_seq), (flags, window), then time */
	uint64_t kx = (uint64_t)x->seq << 32 | x->ack, ky = (uint64_t)y->seq << 32 | y->ack;
	uint32_t fx = (uint32_t)x->flags << 16 | x->window,
		 fy = (uint32_t)y->flags << 16 | y->window;

	if (kx != ky) {
		return kx < ky ? -1 : 1;
	}
	if (fx != fy) {
		return fx < fy ? -1 : 1;
	}
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/*
 * The send of segment `rx` (received on host `self`) on another host: same seq, ack_seq, flags
 * and window (the checksum preferred, as latscope sync matches them), the latest one before the
 * reception. NULL when none; *host gets the sender's graph.
 */
static const struct packet *find_send(const struct lat_critpath *const *cps, size_t ncps,
				      const struct lat_critpath *self, const struct packet *rx,
				      const struct lat_critpath **host)
{
	const struct packet *best = NULL;

	for (size_t g = 0; g < ncps; g++) {
		const struct lat_critpath *cp = cps[g];
		struct packet key = *rx;
		size_t lo = 0, hi = cp->nsends;

		if (cp == self) {
			continue;
		}
		key.ts = INT64_MIN;
		while (lo < hi) { /* the first send >= key */
			size_t mid = (lo + hi) / 2;

			if (cmp_packet(&cp->sends[mid], &key) < 0) {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
		for (size_t i = lo; i < cp->nsends; i++) {
			const struct packet *tx = &cp->sends[i];

			key.ts = tx->ts;
			if (cmp_packet(tx, &key) != 0 || tx->ts >= rx->ts) {
				break;
			}
			if (!best || (tx->check == rx->check && best->check != rx->check) ||
			    ((tx->check == rx->check) == (best->check == rx->check) &&
			     tx->ts > best->ts)) {
				best = tx;
				*host = cp;
			}
		}
	}
	return best;
}

/* One step of the walk on the top frame; may push a frame. */
static int walk_step(const struct lat_critpath *const *cps, size_t ncps, struct lat_cp_path *p,
		     struct frame **stack, size_t *nstack, size_t *capstack)
{
	struct frame *f = &(*stack)[*nstack - 1];
	const struct lat_critpath *cp = f->cp, *scp = NULL;
	const struct packet *tx = NULL;
	const struct task *waker = NULL;
	long i = seg_before(f->task, f->t);
	int ret;

	if (i < 0 || f->task->segs[i].end < f->t) {
		/* a gap in this task's history: before its first segment, or after its death */
		int64_t from = i < 0 ? f->lo : f->task->segs[i].end;
		struct seg gap = new_seg(f->task, from, LAT_CP_UNKNOWN);

		if (from < f->lo) {
			from = f->lo;
		}
		if (f->depth > 0) { /* the waiting task stays blocked on this one */
			ret = emit(f->blocked_cp, cp, p, f->blocked, &f->blocked_seg, from, f->t,
				   f->depth - 1);
		} else {
			ret = emit(cp, cp, p, f->task, &gap, from, f->t, f->depth);
		}
		f->t = from;
		return ret;
	}
	const struct seg *s = &f->task->segs[i];
	int64_t from = s->begin > f->lo ? s->begin : f->lo;

	if (s->state == LAT_CP_BLOCKED && s->cause == LAT_CP_CAUSE_TASK &&
	    s->other != f->task->tid && f->depth < MAX_DEPTH) {
		waker = find_task(cp, s->other);
	}
	if (s->state == LAT_CP_BLOCKED && s->cause == LAT_CP_CAUSE_NETWORK && s->pkt && ncps > 1 &&
	    f->depth < MAX_DEPTH) {
		tx = find_send(cps, ncps, cp, &cp->recvs[s->pkt - 1], &scp);
		if (tx && tx->ts >= f->t) {
			tx = NULL; /* sent after this part of the wait: nothing to follow here */
		}
	}
	if (tx) {
		/* the packet's flight, then (before it) the sender's path */
		struct seg flight = *s;
		int64_t sent = tx->ts > from ? tx->ts : from;
		struct frame nf = {.cp = scp,
				   .task = find_task(scp, tx->tid),
				   .lo = from,
				   .t = sent,
				   .blocked_cp = cp,
				   .blocked = f->task,
				   .blocked_seg = *s,
				   .depth = (uint16_t)(f->depth + 1)};

		flight.other = tx->tid;
		ret = emit(cp, scp, p, f->task, &flight, sent, f->t, f->depth);
		p->packets_followed++;
		f->t = from;
		if (ret || sent <= from) {
			return ret;
		}
		if (!nf.task) {
			return emit(cp, cp, p, f->task, s, from, sent, f->depth);
		}
		return push_frame(stack, nstack, capstack, nf);
	}
	if (waker) {
		struct frame nf = {.cp = cp,
				   .task = waker,
				   .lo = from,
				   .t = f->t,
				   .blocked_cp = cp,
				   .blocked = f->task,
				   .blocked_seg = *s,
				   .depth = (uint16_t)(f->depth + 1)};

		f->t = from;
		return push_frame(stack, nstack, capstack, nf);
	}
	ret = emit(cp, cp, p, f->task, s, from, f->t, f->depth);
	f->t = from;
	return ret;
}

int lat_critpath_compute_hosts(const struct lat_critpath *const *cps, size_t ncps, size_t index,
			       int32_t tid, int64_t begin, int64_t end, struct lat_cp_path *p)
{
	const struct task *target = index < ncps ? find_task(cps[index], tid) : NULL;
	struct frame *stack = NULL;
	size_t nstack = 0, capstack = 0;
	int ret;

	memset(p, 0, sizeof(*p));
	p->tid = tid;
	p->begin = begin;
	p->end = end;
	if (!target) {
		return -ENOENT;
	}
	if (end <= begin) {
		return -EINVAL;
	}
	ret = push_frame(&stack, &nstack, &capstack,
			 (struct frame){.cp = cps[index], .task = target, .lo = begin, .t = end});
	while (!ret && nstack) {
		if (stack[nstack - 1].t <= stack[nstack - 1].lo) {
			nstack--;
			continue;
		}
		ret = walk_step(cps, ncps, p, &stack, &nstack, &capstack);
	}
	free(stack);
	if (ret) {
		lat_cp_path_fini(p);
		return ret;
	}
	/* emitted backward: reverse, then merge neighbours that say the same thing */
	for (size_t i = 0; i < p->n / 2; i++) {
		struct lat_cp_interval x = p->intervals[i];

		p->intervals[i] = p->intervals[p->n - 1 - i];
		p->intervals[p->n - 1 - i] = x;
	}
	size_t w = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (w && same_interval(&p->intervals[w - 1], &p->intervals[i]) &&
		    p->intervals[w - 1].end == p->intervals[i].begin) {
			p->intervals[w - 1].end = p->intervals[i].end;
		} else {
			p->intervals[w++] = p->intervals[i];
		}
	}
	p->n = w;
	ret = summarize(p);
	if (ret) {
		lat_cp_path_fini(p);
	}
	return ret;
}

int lat_critpath_compute(const struct lat_critpath *cp, int32_t tid, int64_t begin, int64_t end,
			 struct lat_cp_path *p)
{
	return lat_critpath_compute_hosts(&cp, 1, 0, tid, begin, end, p);
}

void lat_cp_path_fini(struct lat_cp_path *p)
{
	free(p->intervals);
	free(p->tasks);
	free(p->states);
	p->intervals = NULL;
	p->tasks = NULL;
	p->states = NULL;
	p->n = p->cap = p->ntasks = p->nstates = 0;
}

/* --- names ------------------------------------------------------------------------------- */

const char *lat_cp_softirq_name(int32_t vec)
{
	static const char *const names[] = {"HI",       "TIMER",   "NET_TX", "NET_RX",  "BLOCK",
					    "IRQ_POLL", "TASKLET", "SCHED",  "HRTIMER", "RCU"};

	if (vec < 0 || (size_t)vec >= sizeof(names) / sizeof(names[0])) {
		return "?";
	}
	return names[vec];
}

const char *lat_cp_state_name(enum lat_cp_state state)
{
	switch (state) {
	case LAT_CP_RUNNING:
		return "running";
	case LAT_CP_PREEMPTED:
		return "preempted";
	case LAT_CP_WAIT_CPU:
		return "wait_cpu";
	case LAT_CP_BLOCKED:
		return "blocked";
	default:
		return "unknown";
	}
}

const char *lat_cp_cause_name(enum lat_cp_cause cause)
{
	switch (cause) {
	case LAT_CP_CAUSE_TASK:
		return "task";
	case LAT_CP_CAUSE_TIMER:
		return "timer";
	case LAT_CP_CAUSE_DISK:
		return "disk";
	case LAT_CP_CAUSE_NETWORK:
		return "network";
	case LAT_CP_CAUSE_IRQ:
		return "irq";
	case LAT_CP_CAUSE_SOFTIRQ:
		return "softirq";
	case LAT_CP_CAUSE_UNTRACED:
		return "untraced";
	case LAT_CP_CAUSE_NO_WAKEUP:
		return "no_wakeup";
	default:
		return "";
	}
}

const char *lat_cp_label(const struct lat_cp_interval *iv, char *buf, size_t len)
{
	const char *what;

	switch (iv->state) {
	case LAT_CP_RUNNING:
		what = "running";
		break;
	case LAT_CP_PREEMPTED:
		what = "preempted";
		break;
	case LAT_CP_WAIT_CPU:
		what = "waiting for CPU";
		break;
	case LAT_CP_BLOCKED:
		switch (iv->cause) {
		case LAT_CP_CAUSE_TASK:
			what = "blocked on a task"; /* its path unknown there */
			break;
		case LAT_CP_CAUSE_TIMER:
			what = "blocked: timer";
			break;
		case LAT_CP_CAUSE_DISK:
			what = "blocked: disk";
			break;
		case LAT_CP_CAUSE_NETWORK:
			what = "blocked: network";
			break;
		case LAT_CP_CAUSE_IRQ:
			what = "blocked: irq";
			break;
		case LAT_CP_CAUSE_SOFTIRQ:
			what = "blocked: softirq";
			break;
		case LAT_CP_CAUSE_UNTRACED:
			what = "blocked: untraced interrupt";
			break;
		default:
			what = "blocked: no wake-up seen";
			break;
		}
		break;
	default:
		what = "unknown";
		break;
	}
	snprintf(buf, len, "%s", what);
	return buf;
}
