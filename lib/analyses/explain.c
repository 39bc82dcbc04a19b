/* explain.c: why one event was slow: its critical path cut into causes, across waited-for tasks. */
#include "analyses/explain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/analysis.h"
#include "analyses/period_expr.h"
#include "sources/ctf_fields.h"

#define MAX_RECURSION 64     /* explanations of tasks waited for, one inside the other */
#define MAX_PENDING   4096   /* block requests inserted or issued and not completed yet */
#define ETIMEDOUT_RET (-110) /* a futex wait's -ETIMEDOUT */

/* A system call of a task: [begin, end] (end -1 while in flight). */
struct sys_rec {
	int64_t begin, end;
	const char *name; /* lives as long as the source */
	const char *file; /* interned, the fd's name then ("" when unknown) */
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

enum { XF_TIMEOUT_MSECS, XF_TIMEOUT, XF_DEV, XF_SECTOR, XF_NR_SECTOR, XF_TID, XF_COUNT };

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
	struct lat_pfields pfields;
	struct lat_ctf_fields *fields;
	bool has_syscalls, has_block, has_irq, has_hrtimer, has_insert;
};

/* --- interned strings ---------------------------------------------------------------------- */

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h = (h ^ (uint8_t)*s) * 16777619u;
	}
	return h;
}

static const char *intern(struct lat_explain *x, const char *s)
{
	uint32_t i;

	if (!s || !*s) {
		return "";
	}
	if ((x->nstrings + 1) * 2 > x->strings_cap) {
		uint32_t cap = x->strings_cap ? x->strings_cap * 2 : 256;
		char **table = calloc(cap, sizeof(*table));

		if (!table) {
			return NULL;
		}
		for (uint32_t j = 0; j < x->strings_cap; j++) {
			if (x->strings[j]) {
				for (i = hash_str(x->strings[j]) & (cap - 1); table[i];
				     i = (i + 1) & (cap - 1)) {
				}
				table[i] = x->strings[j];
			}
		}
		free(x->strings);
		x->strings = table;
		x->strings_cap = cap;
	}
	for (i = hash_str(s) & (x->strings_cap - 1); x->strings[i];
	     i = (i + 1) & (x->strings_cap - 1)) {
		if (strcmp(x->strings[i], s) == 0) {
			return x->strings[i];
		}
	}
	x->strings[i] = strdup(s);
	if (!x->strings[i]) {
		return NULL;
	}
	x->nstrings++;
	return x->strings[i];
}

/* --- feeding ------------------------------------------------------------------------------- */

static char f_timeout_msecs[] = "timeout_msecs", f_timeout[] = "timeout", f_dev[] = "dev",
	    f_sector[] = "sector", f_nr_sector[] = "nr_sector", f_tid[] = "tid";
static struct lat_pfield xp_fields[XF_COUNT] = {
    [XF_TIMEOUT_MSECS] = {LAT_PSCOPE_PAYLOAD, false, f_timeout_msecs},
    [XF_TIMEOUT] = {LAT_PSCOPE_PAYLOAD, false, f_timeout},
    [XF_DEV] = {LAT_PSCOPE_PAYLOAD, false, f_dev},
    [XF_SECTOR] = {LAT_PSCOPE_PAYLOAD, false, f_sector},
    [XF_NR_SECTOR] = {LAT_PSCOPE_PAYLOAD, false, f_nr_sector},
    [XF_TID] = {LAT_PSCOPE_PAYLOAD, false, f_tid},
};

int lat_explain_create(struct lat_explain **out)
{
	struct lat_explain *x = calloc(1, sizeof(*x));
	int ret;

	*out = NULL;
	if (!x) {
		return -ENOMEM;
	}
	x->cpus = calloc(LAT_MAX_CPUS, sizeof(*x->cpus));
	ret = x->cpus ? lat_critpath_create(&x->cp) : -ENOMEM;
	if (ret) {
		free(x->cpus);
		free(x);
		return ret;
	}
	for (uint32_t i = 0; i < LAT_MAX_CPUS; i++) {
		x->cpus[i].hard_begin = x->cpus[i].soft_begin = -1;
	}
	*out = x;
	return 0;
}

void lat_explain_destroy(struct lat_explain *x)
{
	if (!x) {
		return;
	}
	lat_critpath_destroy(x->cp);
	for (uint32_t i = 0; i < x->map.count; i++) {
		free(x->tasks[i].sys);
		free(x->tasks[i].wakes);
	}
	free(x->tasks);
	lat_tid_map_fini(&x->map);
	for (uint32_t i = 0; i < LAT_MAX_CPUS; i++) {
		free(x->cpus[i].slices);
		free(x->cpus[i].irqs);
	}
	free(x->cpus);
	free(x->done);
	free(x->pending);
	for (uint32_t i = 0; i < x->strings_cap; i++) {
		free(x->strings[i]);
	}
	free(x->strings);
	lat_ctf_fields_destroy(x->fields);
	free(x);
}

const struct lat_critpath *lat_explain_graph(const struct lat_explain *x)
{
	return x->cp;
}

static struct xtask *find_task(const struct lat_explain *x, int32_t tid)
{
	uint32_t index;

	if (tid <= 0 || !lat_tid_map_find(&x->map, tid, &index)) {
		return NULL;
	}
	return &x->tasks[index];
}

static struct xtask *get_task(struct lat_explain *x, int32_t tid, int *err)
{
	uint32_t index;
	int ret;

	if (tid <= 0) {
		return NULL;
	}
	ret = lat_tid_map_get(&x->map, tid, &index);
	if (ret < 0) {
		*err = ret;
		return NULL;
	}
	if (ret == 1) {
		if (lat_grow((void **)&x->tasks, &x->tasks_cap, index + 1, sizeof(*x->tasks))) {
			*err = -ENOMEM;
			return NULL;
		}
		memset(&x->tasks[index], 0, sizeof(x->tasks[index]));
		x->tasks[index].tid = tid;
	}
	return &x->tasks[index];
}

/* A raw payload field of the event as an integer; false when missing. */
static bool raw_int(struct lat_explain *x, const struct lat_kevent *ev, uint32_t id, int64_t *out,
		    int *err)
{
	struct lat_pval v;

	if (!ev->raw) {
		return false;
	}
	if (!x->fields) {
		x->pfields =
		    (struct lat_pfields){.v = xp_fields, .count = XF_COUNT, .cap = XF_COUNT};
		*err = lat_ctf_fields_create(&x->pfields, &x->fields);
		if (*err) {
			return false;
		}
	}
	*err = lat_ctf_fields_read(x->fields, ev->raw, id, &v);
	if (*err) {
		return false;
	}
	if (v.kind == LAT_PVAL_SINT) {
		*out = v.i;
		return true;
	}
	if (v.kind == LAT_PVAL_UINT) {
		*out = (int64_t)v.u;
		return true;
	}
	return false;
}

/* The timeout a call asks for in its entry arguments (poll, epoll_wait: ms), or -1. */
static int64_t entry_timeout(struct lat_explain *x, const struct lat_kevent *ev, int *err)
{
	const char *n = ev->syscall.name;
	int64_t ms;

	if (!n || (n[0] != 'p' && n[0] != 'e')) {
		return -1;
	}
	if (strcmp(n, "poll") == 0) {
		if (raw_int(x, ev, XF_TIMEOUT_MSECS, &ms, err)) {
			return (int32_t)ms >= 0 ? (int64_t)(int32_t)ms * 1000000 : -1;
		}
	} else if (strncmp(n, "epoll_wait", 10) == 0 || strcmp(n, "epoll_pwait") == 0) {
		if (raw_int(x, ev, XF_TIMEOUT, &ms, err)) {
			return (int32_t)ms >= 0 ? (int64_t)(int32_t)ms * 1000000 : -1;
		}
	}
	return -1;
}

/* The fd's name in the state model (the task's, else its process's), or NULL. */
static const char *fd_name(const struct lat_state *state, const struct lat_task *t, int64_t fd)
{
	for (int pass = 0; t && pass < 2; pass++) {
		for (uint32_t i = 0; i < t->nfds; i++) {
			if (t->fds[i].fd == fd) {
				return t->fds[i].filename;
			}
		}
		t = t->pid > 0 && t->pid != t->tid ? lat_state_task(state, t->pid) : NULL;
	}
	return NULL;
}

static int on_syscall(struct lat_explain *x, const struct lat_kevent *ev,
		      const struct lat_state *state)
{
	int32_t cur = state->cpus[ev->cpu].current_tid;
	int err = 0;
	struct xtask *t = get_task(x, cur, &err);
	struct sys_rec *s;

	if (!t) {
		return err;
	}
	x->has_syscalls = true;
	if (ev->type == LAT_EV_SYSCALL_EXIT) {
		if (t->nsys && t->sys[t->nsys - 1].end < 0) {
			s = &t->sys[t->nsys - 1];
			s->end = ev->ts;
			s->has_ret = (ev->present & LAT_HAS_RET) != 0;
			s->ret = ev->syscall.ret;
		}
		return 0;
	}
	if (t->nsys && t->sys[t->nsys - 1].end < 0) {
		t->sys[t->nsys - 1].end = ev->ts; /* its exit was lost */
	}
	if (lat_grow((void **)&t->sys, &t->sys_cap, t->nsys + 1, sizeof(*t->sys))) {
		return -ENOMEM;
	}
	s = &t->sys[t->nsys++];
	*s = (struct sys_rec){.begin = ev->ts,
			      .end = -1,
			      .name = ev->syscall.name ? ev->syscall.name : "",
			      .file = "",
			      .fd = -1,
			      .timeout_ns = -1};
	if (ev->present & LAT_HAS_FD) {
		const char *name = fd_name(state, lat_state_task(state, cur), ev->syscall.fd);

		s->fd = ev->syscall.fd;
		s->file = name ? intern(x, name) : "";
		if (!s->file) {
			return -ENOMEM;
		}
	}
	s->timeout_ns = entry_timeout(x, ev, &err);
	return err;
}

static int on_wakeup(struct lat_explain *x, const struct lat_kevent *ev,
		     const struct lat_state *state)
{
	int err = 0;
	struct xtask *t = get_task(x, ev->task.tid, &err);
	const struct lat_cpu *c = &state->cpus[ev->cpu];
	const struct xcpu *xc = &x->cpus[ev->cpu];
	struct wake_rec w = {.ts = ev->ts, .cur_tid = c->current_tid, .cpu = (int32_t)ev->cpu};
	const struct xtask *cur;

	if (!t) {
		return err;
	}
	w.in_irq = xc->hard_begin >= 0 || xc->soft_begin >= 0;
	cur = find_task(x, c->current_tid);
	if (cur && cur->nsys && cur->sys[cur->nsys - 1].end < 0) {
		w.cur_sys = cur->sys[cur->nsys - 1].name;
	}
	if (lat_grow((void **)&t->wakes, &t->wakes_cap, t->nwakes + 1, sizeof(*t->wakes))) {
		return -ENOMEM;
	}
	t->wakes[t->nwakes++] = w;
	return 0;
}

static int on_switch(struct lat_explain *x, const struct lat_kevent *ev)
{
	struct xcpu *c = &x->cpus[ev->cpu];

	if (lat_grow((void **)&c->slices, &c->slices_cap, c->nslices + 1, sizeof(*c->slices))) {
		return -ENOMEM;
	}
	c->slices[c->nslices++] =
	    (struct slice){ev->ts, ev->sched_switch.next_tid > 0 ? ev->sched_switch.next_tid : 0};
	return 0;
}

static int push_irq(struct xcpu *c, int64_t begin, int64_t end, int32_t nr, const char *name)
{
	if (begin < 0 || end <= begin) {
		return 0;
	}
	if (lat_grow((void **)&c->irqs, &c->irqs_cap, c->nirqs + 1, sizeof(*c->irqs))) {
		return -ENOMEM;
	}
	c->irqs[c->nirqs++] = (struct irq_rec){begin, end, nr, name};
	return 0;
}

static int on_irq(struct lat_explain *x, const struct lat_kevent *ev)
{
	struct xcpu *c = &x->cpus[ev->cpu];
	int ret = 0;

	x->has_irq = true;
	switch (ev->type) {
	case LAT_EV_IRQ_ENTRY:
		c->hard_begin = ev->ts;
		c->hard_nr = ev->irq.irq;
		c->hard_name = intern(x, ev->irq.name ? ev->irq.name : "");
		return c->hard_name ? 0 : -ENOMEM;
	case LAT_EV_IRQ_EXIT:
		if (c->soft_begin < 0) { /* inside a soft IRQ: counted with it */
			ret = push_irq(c, c->hard_begin, ev->ts, c->hard_nr, c->hard_name);
		}
		c->hard_begin = -1;
		return ret;
	case LAT_EV_SOFTIRQ_ENTRY:
		c->soft_begin = ev->ts;
		c->soft_nr = ev->irq.irq;
		return 0;
	default: /* LAT_EV_SOFTIRQ_EXIT */
		ret = push_irq(c, c->soft_begin, ev->ts, c->soft_nr,
			       intern(x, lat_cp_softirq_name(ev->irq.irq)));
		c->soft_begin = -1;
		return ret;
	}
}

static struct block_rec *pending_find(struct lat_explain *x, uint64_t dev, uint64_t sector)
{
	for (uint32_t i = x->npending; i-- > 0;) {
		if (x->pending[i].dev == dev && x->pending[i].sector == sector) {
			return &x->pending[i];
		}
	}
	return NULL;
}

static struct block_rec *pending_add(struct lat_explain *x, uint64_t dev, uint64_t sector)
{
	if (x->npending == MAX_PENDING) { /* completions lost: forget the oldest */
		memmove(x->pending, x->pending + 1, (MAX_PENDING - 1) * sizeof(*x->pending));
		x->npending--;
	}
	if (lat_grow((void **)&x->pending, &x->pending_cap, x->npending + 1, sizeof(*x->pending))) {
		return NULL;
	}
	struct block_rec *r = &x->pending[x->npending++];

	*r = (struct block_rec){.dev = dev,
				.sector = sector,
				.tid = LAT_NO_TID,
				.issue_tid = LAT_NO_TID,
				.insert_ts = -1,
				.issue_ts = -1,
				.complete_ts = -1,
				.disk = ""};
	return r;
}

static int on_block(struct lat_explain *x, const struct lat_kevent *ev,
		    const struct lat_state *state, bool insert)
{
	uint64_t dev = ev->block.dev, sector = ev->block.sector;
	struct block_rec *r;
	int err = 0;

	x->has_block = true;
	if (insert) {
		int64_t v;

		if (!raw_int(x, ev, XF_DEV, &v, &err)) {
			return err;
		}
		dev = (uint64_t)v;
		if (!raw_int(x, ev, XF_SECTOR, &v, &err)) {
			return err;
		}
		sector = (uint64_t)v;
		x->has_insert = true;
	}
	r = pending_find(x, dev, sector);
	if (ev->type == LAT_EV_BLOCK_RQ_COMPLETE) {
		const char *name;
		char buf[32];

		if (!r) {
			return 0; /* issued before the trace */
		}
		r->complete_ts = ev->ts;
		name = lat_state_disk_name(state, dev);
		if (!name) {
			snprintf(buf, sizeof(buf), "%u:%u", (unsigned)(dev >> 20),
				 (unsigned)(dev & 0xfffff));
			name = buf;
		}
		r->disk = intern(x, name);
		if (!r->disk ||
		    lat_grow((void **)&x->done, &x->done_cap, x->ndone + 1, sizeof(*x->done))) {
			return -ENOMEM;
		}
		x->done[x->ndone++] = *r;
		*r = x->pending[--x->npending];
		return 0;
	}
	if (!r || (!insert && r->issue_ts >= 0)) {
		r = pending_add(x, dev, sector);
		if (!r) {
			return -ENOMEM;
		}
	}
	if (insert) {
		int64_t v;

		r->insert_ts = ev->ts;
		if (raw_int(x, ev, XF_TID, &v, &err)) {
			r->tid = (int32_t)v;
		}
		if (raw_int(x, ev, XF_NR_SECTOR, &v, &err)) {
			r->nr_sector = (uint32_t)v;
		}
		return err;
	}
	r->issue_ts = ev->ts;
	r->nr_sector = ev->block.nr_sector;
	r->issue_tid = ev->block.tid > 0 ? ev->block.tid : LAT_NO_TID;
	return 0;
}

int lat_explain_event(struct lat_explain *x, const struct lat_kevent *ev,
		      const struct lat_state *state)
{
	int ret = lat_critpath_event(x->cp, ev, state);

	if (ret || ev->cpu >= LAT_MAX_CPUS) {
		return ret;
	}
	if (ev->cpu > x->max_cpu) {
		x->max_cpu = ev->cpu;
	}
	switch (ev->type) {
	case LAT_EV_SCHED_SWITCH:
		return on_switch(x, ev);
	case LAT_EV_SCHED_WAKEUP:
		return on_wakeup(x, ev, state);
	case LAT_EV_SYSCALL_ENTRY:
	case LAT_EV_SYSCALL_EXIT:
		return on_syscall(x, ev, state);
	case LAT_EV_IRQ_ENTRY:
	case LAT_EV_IRQ_EXIT:
	case LAT_EV_SOFTIRQ_ENTRY:
	case LAT_EV_SOFTIRQ_EXIT:
		return on_irq(x, ev);
	case LAT_EV_BLOCK_RQ_ISSUE:
	case LAT_EV_BLOCK_RQ_COMPLETE:
		return on_block(x, ev, state, false);
	case LAT_EV_OTHER:
		if (ev->name && ev->name[0] == 'b' && strcmp(ev->name, "block_rq_insert") == 0) {
			return on_block(x, ev, state, true);
		}
		if (ev->name && strstr(ev->name, "hrtimer_expire_entry")) {
			x->has_hrtimer = true;
		}
		return 0;
	default:
		return 0;
	}
}

void lat_explain_finish(struct lat_explain *x, int64_t end_ts)
{
	lat_critpath_finish(x->cp, end_ts);
}

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
	it->timeout_ns = s->timeout_ns;
	return add_syscall(it, s->name, ns, 1);
}

static int running_item(struct ctx *c, struct items *l, const struct lat_cp_interval *iv)
{
	const struct xtask *t = find_task(c->x, iv->tid);
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

/* A request of the task: inserted or issued in its context. */
static bool own_request(const struct block_rec *r, int32_t tid)
{
	return r->tid == tid || r->issue_tid == tid;
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
	const struct xtask *t = find_task(c->x, iv->tid);
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
	const struct sys_rec *s = sys_at(find_task(c->x, tid), b);
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
		qsort(v[i].tasks, v[i].ntasks, sizeof(*v[i].tasks), cmp_task);
		qsort(v[i].syscalls, v[i].nsyscalls, sizeof(*v[i].syscalls), cmp_syscall);
	}
	qsort(v, w, sizeof(*v), cmp_item);
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
