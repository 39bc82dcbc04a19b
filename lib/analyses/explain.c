/* explain.c: why one event was slow: its critical path cut into causes, across waited-for tasks. */
#include "analyses/explain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/explain_log.h"

#define MAX_RECURSION 64 /* explanations of tasks waited for, one inside the other */

/* --- computing ----------------------------------------------------------------------------- */

struct ctx {
	const struct lat_explain *x;
	int64_t trace_end;
	uint32_t max_depth;
};

/* The call of t in flight at ts (begin <= ts < end), or NULL. */
static const struct sys_rec *sys_at(const struct xtask *t, int64_t ts)
{
	long lo = 0, hi = t ? (long)t->nsys - 1 : -1, found = -1;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;

		if (t->sys[mid].begin <= ts) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (found < 0 || (t->sys[found].end >= 0 && t->sys[found].end <= ts)) {
		return NULL;
	}
	return &t->sys[found];
}

/* The first call of t that may overlap ts on (the calls of a task do not overlap). */
static uint32_t first_sys(const struct xtask *t, int64_t ts)
{
	long lo = 0, hi = t ? (long)t->nsys - 1 : -1, found = 0;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;

		if (t->sys[mid].begin <= ts) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return (uint32_t)found;
}

static bool is_sleep_call(const char *n)
{
	return strcmp(n, "nanosleep") == 0 || strcmp(n, "clock_nanosleep") == 0;
}

static bool is_timeout_call(const char *n)
{
	static const char *const calls[] = {"poll",        "ppoll",        "epoll_wait",
					    "epoll_pwait", "epoll_pwait2", "select",
					    "pselect6",    "_newselect",   NULL};

	for (size_t i = 0; calls[i]; i++) {
		if (strcmp(n, calls[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* The call waited for a timer: a sleep, or a call that returned because its timeout ran out. */
static bool timer_wait(const struct sys_rec *s, bool *timed_out)
{
	*timed_out = false;
	if (!s) {
		return false;
	}
	if (is_sleep_call(s->name)) {
		return true;
	}
	if (s->has_ret && s->ret == 0 && is_timeout_call(s->name)) {
		*timed_out = true;
		return true;
	}
	if (s->has_ret && s->ret == ETIMEDOUT_RET && strncmp(s->name, "futex", 5) == 0) {
		*timed_out = true;
		return true;
	}
	return false;
}

/* The index of the last element with key <= ts (slices, by ts), or -1. */
static long slice_at(const struct xcpu *c, int64_t ts)
{
	long lo = 0, hi = (long)c->nslices - 1, found = -1;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;

		if (c->slices[mid].ts <= ts) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

/* The CPU task tid ran on at ts (switched in at or before ts, not out), or -1. */
static int32_t cpu_running(const struct lat_explain *x, int32_t tid, int64_t ts)
{
	for (uint32_t c = 0; c <= x->max_cpu && c < LAT_MAX_CPUS; c++) {
		long i = slice_at(&x->cpus[c], ts);

		if (i >= 0 && x->cpus[c].slices[i].tid == tid) {
			return (int32_t)c;
		}
	}
	return -1;
}

/* The CPU tid was switched in on at exactly ts, else the one it was switched out of at from. */
static int32_t cpu_waited(const struct lat_explain *x, int32_t tid, int64_t from, int64_t ts)
{
	int32_t c = cpu_running(x, tid, ts);

	if (c >= 0) {
		return c;
	}
	return from > 0 ? cpu_running(x, tid, from - 1) : -1;
}

/* IRQ time on CPU c inside [b, e]; nr and name get the longest handler's. */
static int64_t irq_time(const struct xcpu *c, int64_t b, int64_t e, int32_t *nr, const char **name)
{
	int64_t total = 0, best = 0;
	long lo = 0, hi = (long)c->nirqs - 1, first = (long)c->nirqs;

	while (lo <= hi) { /* the first handler ending after b */
		long mid = (lo + hi) / 2;

		if (c->irqs[mid].end > b) {
			first = mid;
			hi = mid - 1;
		} else {
			lo = mid + 1;
		}
	}
	for (long i = first; i < (long)c->nirqs && c->irqs[i].begin < e; i++) {
		int64_t lb = c->irqs[i].begin > b ? c->irqs[i].begin : b;
		int64_t le = c->irqs[i].end < e ? c->irqs[i].end : e;

		if (le > lb) {
			total += le - lb;
			if (le - lb > best) {
				best = le - lb;
				*nr = c->irqs[i].nr;
				*name = c->irqs[i].name;
			}
		}
	}
	/* handlers overlap only when events were lost: never more than the interval */
	return total < e - b ? total : e - b;
}

static int add_task(struct lat_xp_item *it, int32_t tid, const char *comm, int64_t ns, int64_t irq)
{
	for (size_t i = 0; i < it->ntasks; i++) {
		if (it->tasks[i].tid == tid) {
			it->tasks[i].ns += ns;
			it->tasks[i].irq_ns += irq;
			return 0;
		}
	}
	struct lat_xp_task *a = realloc(it->tasks, (it->ntasks + 1) * sizeof(*a));

	if (!a) {
		return -ENOMEM;
	}
	it->tasks = a;
	it->tasks[it->ntasks++] = (struct lat_xp_task){tid, comm ? comm : "", ns, irq};
	return 0;
}

static int add_syscall(struct lat_xp_item *it, const char *name, int64_t ns, uint32_t count)
{
	for (size_t i = 0; i < it->nsyscalls; i++) {
		if (strcmp(it->syscalls[i].name, name) == 0) {
			it->syscalls[i].ns += ns;
			it->syscalls[i].count += count;
			return 0;
		}
	}
	struct lat_xp_syscall *a = realloc(it->syscalls, (it->nsyscalls + 1) * sizeof(*a));

	if (!a) {
		return -ENOMEM;
	}
	it->syscalls = a;
	it->syscalls[it->nsyscalls++] = (struct lat_xp_syscall){name, ns, count};
	return 0;
}

static void item_fini(struct lat_xp_item *it)
{
	free(it->tasks);
	free(it->syscalls);
	for (size_t i = 0; i < it->nchildren; i++) {
		item_fini(&it->children[i]);
	}
	free(it->children);
}

/* A growing list of items. */
struct items {
	struct lat_xp_item *v;
	size_t n, cap;
};

static struct lat_xp_item *new_item(struct items *l, const struct lat_cp_interval *iv,
				    uint8_t state, int64_t b, int64_t e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct lat_xp_item *a = realloc(l->v, cap * sizeof(*a));

		if (!a) {
			return NULL;
		}
		l->v = a;
		l->cap = cap;
	}
	struct lat_xp_item *it = &l->v[l->n++];

	*it = (struct lat_xp_item){.state = state,
				   .tid = iv->tid,
				   .comm = iv->comm,
				   .ns = e - b,
				   .count = 1,
				   .first = b,
				   .cpu = -1,
				   .fd = -1,
				   .file = "",
				   .timeout_ns = -1,
				   .queue_ns = -1,
				   .device = "",
				   .netif = "",
				   .peer = "",
				   .irq = -1,
				   .irq_name = ""};
	return it;
}

static const char *comm_of(struct ctx *c, int32_t tid)
{
	const char *comm = lat_critpath_comm(c->x->cp, tid);

	return comm ? comm : "";
}

/* Fills the blocked item's call (name, fd, file, timeout) from the call in flight at b. */
static int set_call(struct lat_xp_item *it, const struct sys_rec *s, int64_t ns)
{
	if (!s) {
		return 0;
	}
	it->fd = s->fd;
	it->file = s->file;
	it->peer = s->peer;
	it->timeout_ns = s->timeout_ns;
	return add_syscall(it, s->name, ns, 1);
}

static int running_item(struct ctx *c, struct items *l, const struct lat_cp_interval *iv)
{
	const struct xtask *t = lat_xplog_find_task(c->x, iv->tid);
	int32_t cpu = cpu_running(c->x, iv->tid, iv->begin), nr = -1;
	const char *name = "";
	int64_t irq = 0, kernel = 0, run;
	struct lat_xp_item *it;

	if (cpu >= 0) {
		irq = irq_time(&c->x->cpus[cpu], iv->begin, iv->end, &nr, &name);
	}
	run = iv->end - iv->begin - irq;
	it = new_item(l, iv, LAT_XP_RUNNING, iv->begin, iv->end);
	if (!it) {
		return -ENOMEM;
	}
	it->ns = run;
	it->cpu = cpu;
	for (uint32_t i = first_sys(t, iv->begin); t && i < t->nsys; i++) {
		const struct sys_rec *s = &t->sys[i];
		int64_t se = s->end < 0 ? c->trace_end : s->end;
		int64_t lb, le;

		if (se <= iv->begin) {
			continue;
		}
		if (s->begin >= iv->end) {
			break;
		}
		lb = s->begin > iv->begin ? s->begin : iv->begin;
		le = se < iv->end ? se : iv->end;
		if (le > lb) {
			kernel += le - lb;
			if (add_syscall(it, s->name, le - lb, 1)) {
				return -ENOMEM;
			}
		}
	}
	it->kernel_ns = kernel < run ? kernel : run;
	it->user_ns = run - it->kernel_ns;
	if (irq > 0) {
		it = new_item(l, iv, LAT_XP_IRQ, iv->begin, iv->end);
		if (!it) {
			return -ENOMEM;
		}
		it->ns = irq;
		it->cpu = cpu;
		it->irq = nr;
		it->irq_name = name;
	}
	return 0;
}

static int preempted_item(struct ctx *c, struct items *l, const struct lat_cp_interval *iv)
{
	int32_t cpu = cpu_waited(c->x, iv->tid, iv->begin, iv->end), nr = -1;
	struct lat_xp_item *it = new_item(l, iv, LAT_XP_PREEMPTED, iv->begin, iv->end);
	const char *name = "";

	if (!it) {
		return -ENOMEM;
	}
	it->cpu = cpu;
	if (cpu < 0) {
		if (iv->other_tid > 0) {
			return add_task(it, iv->other_tid, iv->other_comm, iv->end - iv->begin, 0);
		}
		return 0;
	}
	const struct xcpu *xc = &c->x->cpus[cpu];
	long i = slice_at(xc, iv->begin);

	for (i = i < 0 ? 0 : i; i < (long)xc->nslices && xc->slices[i].ts < iv->end; i++) {
		int64_t lb = xc->slices[i].ts > iv->begin ? xc->slices[i].ts : iv->begin;
		int64_t se = i + 1 < (long)xc->nslices ? xc->slices[i + 1].ts : iv->end;
		int64_t le = se < iv->end ? se : iv->end;
		int32_t tid = xc->slices[i].tid;
		int64_t irq;

		if (le <= lb) {
			continue;
		}
		/* the interrupt handlers' time is the CPU's, not the task's it interrupted */
		irq = irq_time(xc, lb, le, &nr, &name);
		it->irq_ns += irq;
		if (tid <= 0) {
			it->idle_ns += le - lb - irq;
		} else if (tid != iv->tid &&
			   add_task(it, tid, comm_of(c, tid), le - lb - irq, irq)) {
			return -ENOMEM;
		}
	}
	return 0;
}

/* The wake-up of tid at ts, or NULL. */
static const struct wake_rec *wake_at(const struct xtask *t, int64_t ts)
{
	long lo = 0, hi = t ? (long)t->nwakes - 1 : -1;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;

		if (t->wakes[mid].ts < ts) {
			lo = mid + 1;
		} else if (t->wakes[mid].ts > ts) {
			hi = mid - 1;
		} else {
			return &t->wakes[mid];
		}
	}
	return NULL;
}

static int explain_task(struct ctx *c, int32_t tid, int64_t b, int64_t e, uint32_t rec,
			struct lat_xp_item *parent);

/*
 * A request of the task: inserted in its context (the submitter) or, when the trace has no
 * insert for it, issued there (blk-mq also dispatches other tasks' queued requests from the
 * context of whoever runs the queue: an issue alone names the submitter only without an insert).
 */
static bool own_request(const struct block_rec *r, int32_t tid)
{
	return r->insert_ts >= 0 ? r->tid == tid : r->issue_tid == tid;
}

static int disk_requests(struct ctx *c, struct lat_xp_item *it, int32_t tid, int64_t b, int64_t e)
{
	const struct lat_explain *x = c->x;
	bool any = false;

	for (int pass = 0; pass < 2 && !any; pass++) {
		for (uint32_t i = 0; i < x->ndone; i++) {
			const struct block_rec *r = &x->done[i];

			if (r->complete_ts <= b || r->complete_ts > e) {
				continue;
			}
			/* the task's own requests, else the ones completed at the wake-up */
			if (pass == 0 ? !own_request(r, tid) : r->complete_ts < e - 1000000) {
				continue;
			}
			any = true;
			it->requests++;
			it->bytes += (uint64_t)r->nr_sector * 512;
			it->device = r->disk;
			if (r->issue_ts >= 0) {
				it->service_ns += r->complete_ts - r->issue_ts;
				if (r->insert_ts >= 0 && r->insert_ts <= r->issue_ts) {
					it->queue_ns = (it->queue_ns < 0 ? 0 : it->queue_ns) +
						       r->issue_ts - r->insert_ts;
				}
			}
		}
	}
	return any;
}

static int blocked_item(struct ctx *c, struct items *l, const struct lat_cp_interval *iv,
			uint32_t rec)
{
	const struct xtask *t = lat_xplog_find_task(c->x, iv->tid);
	const struct sys_rec *s = sys_at(t, iv->begin);
	struct lat_xp_item *it = new_item(l, iv, LAT_XP_BLOCKED, iv->begin, iv->end);
	bool timed_out;
	int ret;

	if (!it) {
		return -ENOMEM;
	}
	ret = set_call(it, s, iv->end - iv->begin);
	if (ret) {
		return ret;
	}
	if (iv->state == LAT_CP_UNKNOWN) {
		it->on = LAT_XP_ON_UNKNOWN;
		it->why = LAT_XP_WHY_NOT_SEEN;
		return 0;
	}
	if (timer_wait(s, &timed_out)) {
		/* a sleep ends on its timer (or a signal), whatever the CPU was doing then (even a
		   task first seen later: the timer's interrupt came while it was in a call) */
		it->on = LAT_XP_ON_TIMER;
		it->timed_out = timed_out;
		return 0;
	}
	switch (iv->cause) {
	case LAT_CP_CAUSE_TIMER:
		it->on = LAT_XP_ON_TIMER;
		return 0;
	case LAT_CP_CAUSE_DISK:
		it->on = LAT_XP_ON_DISK;
		disk_requests(c, it, iv->tid, iv->begin, iv->end);
		if (!it->device[0]) {
			it->device = iv->detail;
		}
		return 0;
	case LAT_CP_CAUSE_NETWORK: {
		const struct wake_rec *w = wake_at(t, iv->end);

		it->on = LAT_XP_ON_NETWORK;
		it->netif = iv->detail;
		if (!it->peer[0] && iv->peer) { /* no connect() seen: the segment's sender */
			it->peer = iv->peer;
		}
		if (w && w->cur_tid > 0 && w->cur_tid != iv->tid && w->cur_sys &&
		    rec < MAX_RECURSION) {
			/* a local socket: the packet was sent (and received) in the sender's call
			 */
			ret = add_task(it, w->cur_tid, comm_of(c, w->cur_tid), iv->end - iv->begin,
				       0);
			return ret ? ret
				   : explain_task(c, w->cur_tid, iv->begin, iv->end, rec + 1, it);
		}
		return 0;
	}
	case LAT_CP_CAUSE_TASK:
		it->on = LAT_XP_ON_TASK;
		it->why = LAT_XP_WHY_NO_HISTORY;
		return add_task(it, iv->other_tid, iv->other_comm, iv->end - iv->begin, 0);
	default:
		break;
	}
	/* no interrupt or task in the trace woke it: tell it from the call */
	if (timer_wait(s, &timed_out)) {
		it->on = LAT_XP_ON_TIMER;
		it->timed_out = timed_out;
		return 0;
	}
	if (disk_requests(c, it, iv->tid, iv->begin, iv->end)) {
		it->on = LAT_XP_ON_DISK;
		return 0;
	}
	it->on = LAT_XP_ON_UNKNOWN;
	if (iv->cause == LAT_CP_CAUSE_IRQ || iv->cause == LAT_CP_CAUSE_SOFTIRQ) {
		it->why = LAT_XP_WHY_IRQ;
		it->irq = iv->irq;
		it->irq_name =
		    iv->cause == LAT_CP_CAUSE_IRQ ? iv->detail : lat_cp_softirq_name(iv->irq);
	} else {
		it->why = iv->cause == LAT_CP_CAUSE_NO_WAKEUP ? LAT_XP_WHY_NO_WAKEUP
							      : LAT_XP_WHY_UNTRACED;
	}
	return 0;
}

static int build(struct ctx *c, const struct lat_cp_interval *iv, size_t n, uint16_t depth,
		 uint32_t rec, int32_t tid, struct items *out);

/* A wait of task `tid` replaced on the path by the path of the task that woke it: iv[0..n). */
static int waited_item(struct ctx *c, struct items *l, const struct lat_cp_interval *iv, size_t n,
		       uint16_t depth, uint32_t rec, int32_t tid, int32_t waker)
{
	int64_t b = iv[0].begin, e = iv[n - 1].end;
	const struct sys_rec *s = sys_at(lat_xplog_find_task(c->x, tid), b);
	struct lat_cp_interval self = {.tid = tid, .comm = comm_of(c, tid)};
	struct lat_xp_item *it = new_item(l, &self, LAT_XP_BLOCKED, b, e);
	struct items sub = {0};
	bool timed_out;
	int ret;

	if (!it) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (iv[i].depth == depth) { /* the task's own, named as the path names it */
			it->comm = iv[i].comm;
		}
	}
	ret = set_call(it, s, e - b);
	if (ret) {
		return ret;
	}
	if (timer_wait(s, &timed_out)) {
		/* nobody wakes a sleep: the timer interrupt came while that task was in a call */
		it->on = LAT_XP_ON_TIMER;
		it->timed_out = timed_out;
		return 0;
	}
	it->on = LAT_XP_ON_TASK;
	ret = add_task(it, waker, comm_of(c, waker), e - b, 0);
	if (ret) {
		return ret;
	}
	ret = build(c, iv, n, (uint16_t)(depth + 1), rec + 1, waker, &sub);
	it = &l->v[l->n - 1];
	it->children = sub.v;
	it->nchildren = sub.n;
	if (depth + 1u > c->max_depth) {
		c->max_depth = depth + 1u;
	}
	return ret;
}

static bool same_key(const struct lat_xp_item *a, const struct lat_xp_item *b)
{
	if (a->state != b->state || a->on != b->on || a->why != b->why || a->tid != b->tid) {
		return false;
	}
	if (a->state != LAT_XP_BLOCKED) {
		return true;
	}
	if ((a->ntasks ? a->tasks[0].tid : 0) != (b->ntasks ? b->tasks[0].tid : 0)) {
		return false;
	}
	if ((a->nsyscalls != 0) != (b->nsyscalls != 0) ||
	    (a->nsyscalls && strcmp(a->syscalls[0].name, b->syscalls[0].name) != 0)) {
		return false;
	}
	return strcmp(a->device, b->device) == 0;
}

/* Adds b into a (b's arrays are freed). */
static int merge(struct lat_xp_item *a, struct lat_xp_item *b)
{
	int ret = 0;

	a->ns += b->ns;
	a->count += b->count;
	if (b->comm && b->comm[0]) {
		a->comm = b->comm; /* the latest name (the items are in time order) */
	}
	a->user_ns += b->user_ns;
	a->kernel_ns += b->kernel_ns;
	a->irq_ns += b->irq_ns;
	a->idle_ns += b->idle_ns;
	a->requests += b->requests;
	a->bytes += b->bytes;
	a->service_ns += b->service_ns;
	if (b->queue_ns >= 0) {
		a->queue_ns = (a->queue_ns < 0 ? 0 : a->queue_ns) + b->queue_ns;
	}
	if (a->timeout_ns != b->timeout_ns) {
		a->timeout_ns = a->timeout_ns < 0 ? b->timeout_ns : a->timeout_ns;
	}
	a->timed_out = a->timed_out || b->timed_out;
	if (!a->peer[0]) {
		a->peer = b->peer;
	}
	if (b->cpu >= 0) {
		a->cpu = b->cpu;
	}
	for (size_t i = 0; !ret && i < b->ntasks; i++) {
		ret = add_task(a, b->tasks[i].tid, b->tasks[i].comm, b->tasks[i].ns,
			       b->tasks[i].irq_ns);
	}
	for (size_t i = 0; !ret && i < b->nsyscalls; i++) {
		ret = add_syscall(a, b->syscalls[i].name, b->syscalls[i].ns, b->syscalls[i].count);
	}
	if (!ret && b->nchildren) {
		struct lat_xp_item *ch =
		    realloc(a->children, (a->nchildren + b->nchildren) * sizeof(*ch));

		if (!ch) {
			ret = -ENOMEM;
		} else {
			memcpy(ch + a->nchildren, b->children, b->nchildren * sizeof(*ch));
			a->children = ch;
			a->nchildren += b->nchildren;
			free(b->children);
			b->children = NULL;
			b->nchildren = 0;
		}
	}
	item_fini(b);
	return ret;
}

static int cmp_item(const void *pa, const void *pb)
{
	const struct lat_xp_item *a = pa, *b = pb;

	if (a->ns != b->ns) {
		return a->ns > b->ns ? -1 : 1;
	}
	return a->first < b->first ? -1 : a->first > b->first;
}

static int cmp_task(const void *pa, const void *pb)
{
	const struct lat_xp_task *a = pa, *b = pb;

	if (a->ns != b->ns) {
		return a->ns > b->ns ? -1 : 1;
	}
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

static int cmp_syscall(const void *pa, const void *pb)
{
	const struct lat_xp_syscall *a = pa, *b = pb;

	if (a->ns != b->ns) {
		return a->ns > b->ns ? -1 : 1;
	}
	return strcmp(a->name, b->name);
}

/* Adds up the items of one list by kind (in place), recursively; longest first. */
static int aggregate(struct lat_xp_item *v, size_t *n)
{
	size_t w = 0;
	int ret = 0;

	for (size_t i = 0; i < *n; i++) {
		size_t j;

		if (v[i].ns <= 0 && v[i].nchildren == 0) {
			item_fini(&v[i]);
			continue;
		}
		for (j = 0; j < w && !same_key(&v[j], &v[i]); j++) {
		}
		if (j < w) {
			ret = ret ? ret : merge(&v[j], &v[i]);
			if (ret) {
				item_fini(&v[i]);
			}
		} else {
			v[w++] = v[i];
		}
	}
	*n = w;
	for (size_t i = 0; i < w; i++) {
		if (v[i].nchildren) {
			ret = ret ? ret : aggregate(v[i].children, &v[i].nchildren);
		}
		if (v[i].ntasks > 1) { /* (qsort's base must not be NULL, even for 0 elements) */
			qsort(v[i].tasks, v[i].ntasks, sizeof(*v[i].tasks), cmp_task);
		}
		if (v[i].nsyscalls > 1) {
			qsort(v[i].syscalls, v[i].nsyscalls, sizeof(*v[i].syscalls), cmp_syscall);
		}
	}
	if (w > 1) {
		qsort(v, w, sizeof(*v), cmp_item);
	}
	return ret;
}

/* The items of task `tid`'s path iv[0..n) at `depth` (deeper intervals: the tasks it waited
 * for). */
static int build(struct ctx *c, const struct lat_cp_interval *iv, size_t n, uint16_t depth,
		 uint32_t rec, int32_t tid, struct items *out)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < n;) {
		const struct lat_cp_interval *v = &iv[i];

		if (v->depth <= depth) {
			switch (v->state) {
			case LAT_CP_RUNNING:
				ret = running_item(c, out, v);
				break;
			case LAT_CP_PREEMPTED:
			case LAT_CP_WAIT_CPU:
				ret = preempted_item(c, out, v);
				break;
			default:
				ret = blocked_item(c, out, v, rec);
				break;
			}
			i++;
			continue;
		}
		/* a wait replaced by the waker's path: up to the next interval at this depth, or
		   until another task at depth + 1 (another wait right after) */
		size_t j = i;
		int32_t waker = LAT_NO_TID;

		for (; j < n && iv[j].depth > depth; j++) {
			if (iv[j].depth == depth + 1) {
				if (waker == LAT_NO_TID) {
					waker = iv[j].tid;
				} else if (iv[j].tid != waker) {
					break;
				}
			}
		}
		if (rec >= MAX_RECURSION) {
			struct lat_cp_interval self = {.tid = tid, .comm = comm_of(c, tid)};
			struct lat_xp_item *it =
			    new_item(out, &self, LAT_XP_BLOCKED, iv[i].begin, iv[j - 1].end);

			if (!it) {
				return -ENOMEM;
			}
			it->on = LAT_XP_ON_TASK;
			ret = add_task(it, waker, comm_of(c, waker), it->ns, 0);
		} else {
			ret = waited_item(c, out, iv + i, j - i, depth, rec, tid, waker);
		}
		i = j;
	}
	return ret;
}

/* The explanation of tid over [b, e] as parent's children (a sender on a local socket). */
static int explain_task(struct ctx *c, int32_t tid, int64_t b, int64_t e, uint32_t rec,
			struct lat_xp_item *parent)
{
	struct lat_cp_path p;
	struct items sub = {0};
	int ret = lat_critpath_compute(c->x->cp, tid, b, e, &p);

	if (ret == -ENOENT || ret == -EINVAL) {
		return 0;
	}
	if (ret) {
		return ret;
	}
	ret = build(c, p.intervals, p.n, 0, rec, tid, &sub);
	lat_cp_path_fini(&p);
	parent->children = sub.v;
	parent->nchildren = sub.n;
	return ret;
}

int lat_explain_compute(const struct lat_explain *x, int32_t tid, int64_t begin, int64_t end,
			struct lat_explanation *out)
{
	struct ctx c = {.x = x};
	struct items items = {0};
	int64_t tb;
	int ret;

	memset(out, 0, sizeof(*out));
	out->tid = tid;
	out->begin = begin;
	out->end = end;
	lat_critpath_range(x->cp, &tb, &c.trace_end);
	out->comm = lat_critpath_comm(x->cp, tid);
	if (!out->comm) {
		return -ENOENT;
	}
	ret = lat_critpath_compute(x->cp, tid, begin, end, &out->path);
	if (ret) {
		return ret;
	}
	ret = build(&c, out->path.intervals, out->path.n, 0, 0, tid, &items);
	if (!ret) {
		ret = aggregate(items.v, &items.n);
	}
	out->items = items.v;
	out->n = items.n;
	out->depth = c.max_depth;
	out->io_device = "";
	for (uint32_t i = 0; i < x->ndone; i++) {
		const struct block_rec *r = &x->done[i];

		if (own_request(r, tid) && r->complete_ts > begin && r->complete_ts <= end) {
			out->io_requests++;
			out->io_bytes += (uint64_t)r->nr_sector * 512;
			out->io_device = r->disk;
		}
	}
	out->has_syscalls = x->has_syscalls;
	out->has_block = x->has_block;
	out->has_irq = x->has_irq;
	out->has_hrtimer = x->has_hrtimer;
	out->has_insert = x->has_insert;
	if (ret) {
		lat_explanation_fini(out);
	}
	return ret;
}

void lat_explanation_fini(struct lat_explanation *e)
{
	for (size_t i = 0; i < e->n; i++) {
		item_fini(&e->items[i]);
	}
	free(e->items);
	e->items = NULL;
	e->n = 0;
	lat_cp_path_fini(&e->path);
}

const char *lat_xp_state_name(enum lat_xp_state state)
{
	switch (state) {
	case LAT_XP_RUNNING:
		return "running";
	case LAT_XP_PREEMPTED:
		return "preempted";
	case LAT_XP_BLOCKED:
		return "blocked";
	default:
		return "irq";
	}
}

const char *lat_xp_on_name(enum lat_xp_on on)
{
	switch (on) {
	case LAT_XP_ON_TIMER:
		return "timer";
	case LAT_XP_ON_DISK:
		return "disk";
	case LAT_XP_ON_NETWORK:
		return "network";
	case LAT_XP_ON_TASK:
		return "task";
	case LAT_XP_ON_UNKNOWN:
		return "unknown";
	default:
		return "";
	}
}
