/* explain_log.c: latscope explain's logs of a trace: system calls, wake-ups, CPUs, IRQs, disks. */
#include "analyses/explain_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PENDING 4096 /* block requests inserted or issued and not completed yet */

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
	x->keep_from = INT64_MIN;
	*out = x;
	return 0;
}

void lat_explain_keep_from(struct lat_explain *x, int64_t begin)
{
	x->keep_from = begin;
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
	free(x->peers);
	free(x);
}

const struct lat_critpath *lat_explain_graph(const struct lat_explain *x)
{
	return x->cp;
}

struct xtask *lat_xplog_find_task(const struct lat_explain *x, int32_t tid)
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

/* The timeout a call asks for in its entry arguments (poll, epoll_wait: ms), or -1. */
static int64_t entry_timeout(const struct lat_kevent *ev)
{
	const char *n = ev->syscall.name;
	int32_t ms = (int32_t)ev->syscall.timeout;

	if (!n || (n[0] != 'p' && n[0] != 'e') || !(ev->present & LAT_HAS_TIMEOUT)) {
		return -1;
	}
	if (strcmp(n, "poll") == 0 || strncmp(n, "epoll_wait", 10) == 0 ||
	    strcmp(n, "epoll_pwait") == 0) {
		return ms >= 0 ? (int64_t)ms * 1000000 : -1;
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

static struct xpeer *peer_find(struct lat_explain *x, int32_t pid, int64_t fd)
{
	for (uint32_t i = 0; i < x->npeers; i++) {
		if (x->peers[i].pid == pid && x->peers[i].fd == fd) {
			return &x->peers[i];
		}
	}
	return NULL;
}

/*
 * connect() to an IPv4 address (lttng-modules' family, dport and v4addr) names the socket's
 * peer; close() forgets it. Returns the peer of the call's fd ("" when unknown), NULL on
 * -ENOMEM.
 */
static const char *socket_peer(struct lat_explain *x, const struct lat_kevent *ev,
			       const struct lat_task *task, int32_t tid)
{
	const uint32_t connect_bits = LAT_HAS_FD | LAT_HAS_FAMILY | LAT_HAS_DPORT | LAT_HAS_V4ADDR;
	int32_t pid = task && task->pid > 0 ? task->pid : tid;
	const char *n = ev->syscall.name ? ev->syscall.name : "";
	struct xpeer *p = peer_find(x, pid, ev->syscall.fd);
	char buf[32];

	if (n[0] == 'c' && strcmp(n, "close") == 0 && p) {
		*p = x->peers[--x->npeers];
		return "";
	}
	if (n[0] != 'c' || strcmp(n, "connect") != 0 ||
	    (ev->present & connect_bits) != connect_bits || ev->syscall.family != 2) {
		return p ? p->peer : "";
	}
	if (!p) {
		if (lat_grow((void **)&x->peers, &x->peers_cap, x->npeers + 1, sizeof(*x->peers))) {
			return NULL;
		}
		p = &x->peers[x->npeers++];
		p->pid = pid;
		p->fd = ev->syscall.fd;
	}
	snprintf(buf, sizeof(buf), "%u.%u.%u.%u:%u", ev->syscall.v4addr >> 24,
		 (ev->syscall.v4addr >> 16) & 255, (ev->syscall.v4addr >> 8) & 255,
		 ev->syscall.v4addr & 255, ev->syscall.dport);
	p->peer = intern(x, buf);
	return p->peer;
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
	if (t->nsys && t->sys[t->nsys - 1].end < x->keep_from) {
		t->nsys--; /* over before what is explained: its place is taken */
	}
	if (lat_grow((void **)&t->sys, &t->sys_cap, t->nsys + 1, sizeof(*t->sys))) {
		return -ENOMEM;
	}
	s = &t->sys[t->nsys++];
	*s = (struct sys_rec){.begin = ev->ts,
			      .end = -1,
			      .name = ev->syscall.name ? ev->syscall.name : "",
			      .file = "",
			      .peer = "",
			      .fd = -1,
			      .timeout_ns = -1};
	if (ev->present & LAT_HAS_FD) {
		const char *name = fd_name(state, lat_state_task(state, cur), ev->syscall.fd);

		s->fd = ev->syscall.fd;
		s->file = name ? intern(x, name) : "";
		s->peer = socket_peer(x, ev, lat_state_task(state, cur), cur);
		if (!s->file || !s->peer) {
			return -ENOMEM;
		}
	}
	s->timeout_ns = entry_timeout(ev);
	return 0;
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
	cur = lat_xplog_find_task(x, c->current_tid);
	if (cur && cur->nsys && cur->sys[cur->nsys - 1].end < 0) {
		w.cur_sys = cur->sys[cur->nsys - 1].name;
	}
	if (t->nwakes && w.ts < x->keep_from) {
		t->nwakes--; /* before what is explained, and not the last one before it */
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

	if (c->nslices && ev->ts < x->keep_from) {
		c->nslices--; /* before what is explained, and not the last one before it */
	}
	if (lat_grow((void **)&c->slices, &c->slices_cap, c->nslices + 1, sizeof(*c->slices))) {
		return -ENOMEM;
	}
	c->slices[c->nslices++] =
	    (struct slice){ev->ts, ev->sched_switch.next_tid > 0 ? ev->sched_switch.next_tid : 0};
	return 0;
}

static int push_irq(struct lat_explain *x, struct xcpu *c, int64_t begin, int64_t end, int32_t nr,
		    const char *name)
{
	if (begin < 0 || end <= begin || end < x->keep_from) {
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
			ret = push_irq(x, c, c->hard_begin, ev->ts, c->hard_nr, c->hard_name);
		}
		c->hard_begin = -1;
		return ret;
	case LAT_EV_SOFTIRQ_ENTRY:
		c->soft_begin = ev->ts;
		c->soft_nr = ev->irq.irq;
		return 0;
	default: /* LAT_EV_SOFTIRQ_EXIT */
		ret = push_irq(x, c, c->soft_begin, ev->ts, c->soft_nr,
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

	x->has_block = true;
	if (insert) {
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
	/* a request issued again (requeued: the device was busy) keeps its first submitter and
	   insert; its service time is from its last issue */
	if (!r) {
		r = pending_add(x, dev, sector);
		if (!r) {
			return -ENOMEM;
		}
	}
	if (insert) {
		if (r->insert_ts < 0) {
			r->insert_ts = ev->ts;
		}
		if (r->tid <= 0) {
			r->tid = ev->block.tid;
		}
		r->nr_sector = ev->block.nr_sector;
		return 0;
	}
	r->issue_ts = ev->ts;
	r->nr_sector = ev->block.nr_sector;
	if (r->issue_tid <= 0) {
		r->issue_tid = ev->block.tid > 0 ? ev->block.tid : LAT_NO_TID;
	}
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
	case LAT_EV_BLOCK_RQ_INSERT:
		return on_block(x, ev, state, true);
	case LAT_EV_OTHER:
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
