/* state.c: the kernel state model, updated event by event (sched, statedump, syscalls, mm). */
#include "state/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lat_state_init(struct lat_state *state)
{
	memset(state, 0, sizeof(*state));
	for (int i = 0; i < LAT_MAX_CPUS; i++) {
		state->cpus[i].current_tid = LAT_NO_TID;
	}
	state->index_cap = 1024;
	state->task_index = calloc(state->index_cap, sizeof(*state->task_index));
	if (!state->task_index) {
		return -ENOMEM;
	}
	/* Unknown version: behave as a recent tracer. */
	state->tracer_major = 2;
	state->tracer_minor = 100;
	return 0;
}

void lat_state_fini(struct lat_state *state)
{
	for (uint32_t i = 0; i < state->ntasks; i++) {
		for (uint32_t f = 0; f < state->tasks[i].nfds; f++) {
			free(state->tasks[i].fds[f].filename);
		}
		free(state->tasks[i].fds);
	}
	for (int i = 0; i < LAT_MAX_CPUS; i++) {
		free(state->cpus[i].softirqs);
	}
	free(state->tasks);
	free(state->task_index);
	free(state->disks);
	free(state->irq_names);
	memset(state, 0, sizeof(*state));
}

void lat_state_set_tracer_version(struct lat_state *state, int major, int minor, int patch)
{
	state->tracer_major = major;
	state->tracer_minor = minor;
	state->tracer_patch = patch;
}

static bool tracer_older_than(const struct lat_state *state, int major, int minor, int patch)
{
	if (state->tracer_major != major) {
		return state->tracer_major < major;
	}
	if (state->tracer_minor != minor) {
		return state->tracer_minor < minor;
	}
	return state->tracer_patch < patch;
}

/* --- tasks: an array plus an open-addressing index on the tid ------------------------------- */

static inline uint32_t tid_hash(int32_t tid, uint32_t cap)
{
	return ((uint32_t)tid * 2654435761u) & (cap - 1);
}

struct lat_task *lat_state_task(const struct lat_state *state, int32_t tid)
{
	uint32_t slot = tid_hash(tid, state->index_cap);

	while (state->task_index[slot]) {
		struct lat_task *task = &state->tasks[state->task_index[slot] - 1];

		if (task->tid == tid) {
			return task;
		}
		slot = (slot + 1) & (state->index_cap - 1);
	}
	return NULL;
}

static int grow_index(struct lat_state *state)
{
	uint32_t cap = state->index_cap * 2;
	uint32_t *index = calloc(cap, sizeof(*index));

	if (!index) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < state->ntasks; i++) {
		uint32_t slot = tid_hash(state->tasks[i].tid, cap);

		while (index[slot]) {
			slot = (slot + 1) & (cap - 1);
		}
		index[slot] = i + 1;
	}
	free(state->task_index);
	state->task_index = index;
	state->index_cap = cap;
	return 0;
}

static void reset_task(struct lat_task *task, int32_t tid)
{
	for (uint32_t f = 0; f < task->nfds; f++) {
		free(task->fds[f].filename);
	}
	task->nfds = 0;
	task->tid = tid;
	task->pid = LAT_NO_TID;
	task->has_prio = false;
	task->prio = 0;
	task->in_syscall = false;
	task->comm[0] = '\0';
	task->prev_tid = LAT_NO_TID;
	task->last_waker = LAT_NO_TID;
	task->last_wakeup = -1;
}

/* Returns the task, creating an empty one (lttng-analyses' Process(tid=tid)) if needed. */
static struct lat_task *get_task(struct lat_state *state, int32_t tid, bool *created)
{
	struct lat_task *task = lat_state_task(state, tid);
	uint32_t slot;

	if (created) {
		*created = false;
	}
	if (task) {
		return task;
	}
	if ((state->ntasks + 1) * 2 > state->index_cap && grow_index(state)) {
		return NULL;
	}
	if (state->ntasks == state->tasks_cap) {
		uint32_t cap = state->tasks_cap ? state->tasks_cap * 2 : 512;
		struct lat_task *tasks = realloc(state->tasks, cap * sizeof(*tasks));

		if (!tasks) {
			return NULL;
		}
		state->tasks = tasks;
		state->tasks_cap = cap;
	}
	task = &state->tasks[state->ntasks];
	memset(task, 0, sizeof(*task));
	reset_task(task, tid);
	slot = tid_hash(tid, state->index_cap);
	while (state->task_index[slot]) {
		slot = (slot + 1) & (state->index_cap - 1);
	}
	state->task_index[slot] = ++state->ntasks;
	if (created) {
		*created = true;
	}
	return task;
}

static void set_comm(struct lat_task *task, const char *comm)
{
	/* on every sched_switch: no printf here */
	if (comm && !memccpy(task->comm, comm, '\0', sizeof(task->comm))) {
		task->comm[sizeof(task->comm) - 1] = '\0';
	}
}

static struct lat_fd *find_fd(struct lat_task *task, int32_t fd)
{
	for (uint32_t i = 0; i < task->nfds; i++) {
		if (task->fds[i].fd == fd) {
			return &task->fds[i];
		}
	}
	return NULL;
}

static int add_fd(struct lat_task *task, int32_t fd, const char *filename, bool cloexec)
{
	struct lat_fd *slot = find_fd(task, fd);
	char *copy = strdup(filename ? filename : "unknown");

	if (!copy) {
		return -ENOMEM;
	}
	if (slot) {
		free(slot->filename);
		slot->filename = copy;
		return 0;
	}
	if (task->nfds == task->fds_cap) {
		uint32_t cap = task->fds_cap ? task->fds_cap * 2 : 8;
		struct lat_fd *fds = realloc(task->fds, cap * sizeof(*fds));

		if (!fds) {
			free(copy);
			return -ENOMEM;
		}
		task->fds = fds;
		task->fds_cap = cap;
	}
	task->fds[task->nfds++] = (struct lat_fd){.fd = fd, .cloexec = cloexec, .filename = copy};
	return 0;
}

static struct lat_cpu *get_cpu(struct lat_state *state, int64_t id)
{
	struct lat_cpu *cpu;

	if (id < 0 || id >= LAT_MAX_CPUS) {
		return NULL;
	}
	cpu = &state->cpus[id];
	if (!cpu->known) {
		cpu->known = true;
		state->known_cpus[state->ncpus++] = (uint16_t)id;
	}
	return cpu;
}

/* The task running on the event's CPU, as lttng-analyses sees it (none for idle). */
static struct lat_task *current_task(struct lat_state *state, uint32_t cpu)
{
	if (cpu >= LAT_MAX_CPUS || !state->cpus[cpu].known ||
	    state->cpus[cpu].current_tid == LAT_NO_TID) {
		return NULL;
	}
	return lat_state_task(state, state->cpus[cpu].current_tid);
}

static void check_prio(struct lat_state *state, struct lat_task *task, int32_t prio,
		       struct lat_state_change *change)
{
	if (!task || task->tid == 0) {
		return;
	}
	if (!task->has_prio || task->prio != prio) {
		task->prio = prio;
		task->has_prio = true;
		if (change->nprio < 2) {
			change->prio_changes[change->nprio].tid = task->tid;
			change->prio_changes[change->nprio].prio = prio;
			change->nprio++;
		}
	}
}

static int on_sched_switch(struct lat_state *state, const struct lat_kevent *ev,
			   struct lat_state_change *change)
{
	const struct lat_ev_sched_switch *sw = &ev->sched_switch;
	struct lat_cpu *cpu = get_cpu(state, ev->cpu);
	struct lat_task *prev, *next;
	bool created;

	if (cpu) {
		cpu->current_tid = sw->next_tid == 0 ? LAT_NO_TID : sw->next_tid;
	}
	prev = get_task(state, sw->prev_tid, &created);
	if (prev && created && sw->prev_tid == 0) {
		prev->pid = 0;
	}
	next = get_task(state, sw->next_tid, &created);
	if (!prev || !next) {
		return -ENOMEM;
	}
	if (created && sw->next_tid == 0) {
		next->pid = 0;
	}
	prev = lat_state_task(state, sw->prev_tid); /* the array may have moved */
	set_comm(next, sw->next_comm);
	next->prev_tid = sw->prev_tid;
	check_prio(state, prev, sw->prev_prio, change);
	check_prio(state, next, sw->next_prio, change);
	change->task = next;
	change->prev = prev;
	change->waker_tid = next->last_waker;
	change->wakeup_ts = next->last_wakeup;
	next->last_waker = LAT_NO_TID;
	next->last_wakeup = -1;
	return 0;
}

static int on_sched_migrate(struct lat_state *state, const struct lat_kevent *ev,
			    struct lat_state_change *change)
{
	bool created;
	struct lat_task *task = get_task(state, ev->task.tid, &created);

	if (!task) {
		return -ENOMEM;
	}
	if (created) {
		set_comm(task, ev->task.comm);
	}
	change->task = task;
	check_prio(state, task, ev->task.prio, change);
	return 0;
}

static int on_sched_wakeup(struct lat_state *state, const struct lat_kevent *ev,
			   struct lat_state_change *change)
{
	int32_t prio = ev->task.prio;
	struct lat_cpu *current;
	struct lat_task *task;

	if (tracer_older_than(state, 2, 7, 1)) {
		prio -= 100;
	}
	get_cpu(state, ev->task.target_cpu);
	current = get_cpu(state, ev->cpu);
	for (uint32_t i = 0; i < state->ncpus; i++) {
		if (state->cpus[state->known_cpus[i]].current_tid == ev->task.tid) {
			return 0; /* already running: ignored */
		}
	}
	task = get_task(state, ev->task.tid, NULL);
	if (!task) {
		return -ENOMEM;
	}
	check_prio(state, task, prio, change);
	change->task = task;
	if (task->last_wakeup < 0) {
		task->last_wakeup = ev->ts;
		if (current && current->current_tid != LAT_NO_TID) {
			task->last_waker = current->current_tid;
		}
	}
	return 0;
}

static int on_sched_fork(struct lat_state *state, const struct lat_kevent *ev,
			 struct lat_state_change *change)
{
	const struct lat_ev_sched_fork *fork = &ev->fork;
	struct lat_task *parent, *child;
	bool created;

	/* lttng-analyses keys the parent by its pid (the thread-group leader). */
	parent = get_task(state, fork->parent_pid, &created);
	if (!parent) {
		return -ENOMEM;
	}
	parent->pid = fork->parent_pid;
	set_comm(parent, fork->parent_comm);
	child = get_task(state, fork->child_tid, NULL);
	if (!child) {
		return -ENOMEM;
	}
	parent = lat_state_task(state, fork->parent_pid);
	if (child != parent) {
		reset_task(child, fork->child_tid);
		child->pid = fork->child_pid;
		set_comm(child, fork->child_comm);
		for (uint32_t i = 0; i < parent->nfds; i++) {
			int ret = add_fd(child, parent->fds[i].fd, parent->fds[i].filename,
					 parent->fds[i].cloexec);
			if (ret) {
				return ret;
			}
		}
	}
	change->task = child;
	return 0;
}

static int on_sched_exec(struct lat_state *state, const struct lat_kevent *ev,
			 struct lat_state_change *change)
{
	struct lat_task *task = get_task(state, ev->task.tid, NULL);
	uint32_t kept = 0;

	if (!task) {
		return -ENOMEM;
	}
	if (ev->ctx_mask & LAT_CTX_PROCNAME) {
		set_comm(task, ev->ctx_procname);
	}
	for (uint32_t i = 0; i < task->nfds; i++) {
		if (task->fds[i].cloexec) {
			free(task->fds[i].filename);
		} else {
			task->fds[kept++] = task->fds[i];
		}
	}
	task->nfds = kept;
	change->task = task;
	return 0;
}

static int on_pi_setprio(struct lat_state *state, const struct lat_kevent *ev,
			 struct lat_state_change *change)
{
	struct lat_task *task = get_task(state, ev->task.tid, NULL);

	if (!task) {
		return -ENOMEM;
	}
	change->task = task;
	check_prio(state, task, ev->task.prio, change);
	return 0;
}

static bool is_io_syscall(const char *name)
{
	static const char *const io[] = {
	    "open",    "openat", "socket",          "fcntl",    "dup",       "dup2",   "dup3",
	    "close",   "read",   "recvmsg",         "recvfrom", "readv",     "pread",  "pread64",
	    "preadv",  "write",  "sendmsg",         "sendto",   "writev",    "pwrite", "pwrite64",
	    "pwritev", "sync",   "sync_file_range", "fsync",    "fdatasync", "splice", "sendfile64",
	};

	for (size_t i = 0; i < sizeof(io) / sizeof(io[0]); i++) {
		if (strcmp(io[i], name) == 0) {
			return true;
		}
	}
	return false;
}

static int on_syscall_entry(struct lat_state *state, const struct lat_kevent *ev,
			    struct lat_state_change *change)
{
	struct lat_task *task = current_task(state, ev->cpu);

	if (!task) {
		return 0;
	}
	task->in_syscall = true;
	task->syscall.name = ev->syscall.name;
	task->syscall.id = ev->syscall.id;
	task->syscall.begin_ts = ev->ts;
	task->syscall.end_ts = -1;
	task->syscall.has_ret = false;
	change->task = task;
	/* lttng-analyses learns a thread's pid from the pid context of I/O syscalls. */
	if ((ev->ctx_mask & LAT_CTX_PID) && task->pid == LAT_NO_TID &&
	    is_io_syscall(ev->syscall.name)) {
		int32_t tid = task->tid;
		char comm[LAT_STATE_COMM_LEN];
		bool has_prio = task->has_prio;
		int32_t prio = task->prio;

		task->pid = ev->ctx_pid;
		if (ev->ctx_pid != tid) {
			struct lat_task *parent;

			memcpy(comm, task->comm, sizeof(comm));
			parent = get_task(state, ev->ctx_pid, NULL);
			if (!parent) {
				return -ENOMEM;
			}
			reset_task(parent, ev->ctx_pid);
			parent->pid = ev->ctx_pid;
			memcpy(parent->comm, comm, sizeof(comm));
			parent->has_prio = has_prio;
			parent->prio = prio;
			change->task = lat_state_task(state, tid);
		}
	}
	return 0;
}

static int on_syscall_exit(struct lat_state *state, const struct lat_kevent *ev,
			   struct lat_state_change *change)
{
	struct lat_task *task = current_task(state, ev->cpu);

	if (!task || !task->in_syscall) {
		return 0;
	}
	state->done = task->syscall;
	state->done.end_ts = ev->ts;
	state->done.has_ret = (ev->present & LAT_HAS_RET) != 0;
	state->done.ret = ev->syscall.ret;
	task->in_syscall = false;
	change->task = task;
	change->syscall = &state->done;
	return 0;
}

static int on_statedump_process(struct lat_state *state, const struct lat_kevent *ev,
				struct lat_state_change *change)
{
	const struct lat_ev_statedump_process *sd = &ev->sd_process;
	struct lat_task *task = get_task(state, sd->tid, NULL), *parent;
	bool created;

	if (!task) {
		return -ENOMEM;
	}
	task->pid = sd->pid;
	set_comm(task, sd->name);
	if (!task->has_prio && (ev->present & LAT_HAS_PRIO)) {
		task->prio = sd->prio;
		task->has_prio = true;
	}
	if (sd->pid != sd->tid) {
		parent = get_task(state, sd->pid, &created);
		if (!parent) {
			return -ENOMEM;
		}
		if (created) {
			parent->pid = sd->pid;
			set_comm(parent, sd->name);
		}
		task = lat_state_task(state, sd->tid);
		/* a thread's fds belong to its process */
		for (uint32_t i = 0; i < task->nfds; i++) {
			struct lat_fd *fd = find_fd(parent, task->fds[i].fd);

			if (!fd) {
				int ret = add_fd(parent, task->fds[i].fd, task->fds[i].filename,
						 task->fds[i].cloexec);
				if (ret) {
					return ret;
				}
			}
			free(task->fds[i].filename);
		}
		task->nfds = 0;
	}
	change->task = task;
	return 0;
}

static int on_statedump_fd(struct lat_state *state, const struct lat_kevent *ev,
			   struct lat_state_change *change)
{
	bool created;
	struct lat_task *task = get_task(state, ev->sd_fd.pid, &created);

	if (!task) {
		return -ENOMEM;
	}
	if (created) {
		task->pid = ev->sd_fd.pid;
	}
	change->task = task;
	return add_fd(task, ev->sd_fd.fd, ev->sd_fd.filename,
		      (ev->present & LAT_HAS_FLAGS) && (ev->sd_fd.flags & O_CLOEXEC));
}

static int on_blockdev(struct lat_state *state, const struct lat_kevent *ev)
{
	for (uint32_t i = 0; i < state->ndisks; i++) {
		if (state->disks[i].dev == ev->blockdev.dev) {
			if (!state->disks[i].name[0] && ev->blockdev.diskname) {
				snprintf(state->disks[i].name, sizeof(state->disks[i].name), "%s",
					 ev->blockdev.diskname);
			}
			return 0;
		}
	}
	if (state->ndisks == state->disks_cap) {
		uint32_t cap = state->disks_cap ? state->disks_cap * 2 : 16;
		struct lat_disk *disks = realloc(state->disks, cap * sizeof(*disks));

		if (!disks) {
			return -ENOMEM;
		}
		state->disks = disks;
		state->disks_cap = cap;
	}
	state->disks[state->ndisks].dev = ev->blockdev.dev;
	snprintf(state->disks[state->ndisks].name, sizeof(state->disks[0].name), "%s",
		 ev->blockdev.diskname ? ev->blockdev.diskname : "");
	state->ndisks++;
	return 0;
}

static int on_irq_entry(struct lat_state *state, const struct lat_kevent *ev)
{
	uint32_t irq = (uint32_t)ev->irq.irq;
	struct lat_cpu *cpu = get_cpu(state, ev->cpu);

	if (cpu) {
		cpu->in_hardirq = true;
		cpu->hardirq = ev->irq.irq;
		cpu->hardirq_begin = ev->ts;
	}

	if (!ev->irq.name || ev->irq.irq < 0 || irq >= 4096) {
		return 0;
	}
	if (irq >= state->nirq_names) {
		uint32_t n = irq + 64;
		char(*names)[32] = realloc(state->irq_names, n * sizeof(*names));

		if (!names) {
			return -ENOMEM;
		}
		memset(names + state->nirq_names, 0, (n - state->nirq_names) * sizeof(*names));
		state->irq_names = names;
		state->nirq_names = n;
	}
	if (!state->irq_names[irq][0]) {
		snprintf(state->irq_names[irq], sizeof(state->irq_names[irq]), "%s", ev->irq.name);
	}
	return 0;
}

/* lttng-analyses' IrqStateProvider: one hard IRQ per CPU, level-triggered soft IRQ queues. */
static int on_irq_exit(struct lat_state *state, const struct lat_kevent *ev,
		       struct lat_state_change *change)
{
	struct lat_cpu *cpu = get_cpu(state, ev->cpu);

	if (!cpu) {
		return 0;
	}
	if (!cpu->in_hardirq || cpu->hardirq != ev->irq.irq) {
		cpu->in_hardirq = false;
		return 0;
	}
	state->irq_done = (struct lat_irq){.hard = true,
					   .nr = ev->irq.irq,
					   .ret = ev->irq.ret,
					   .raise_ts = -1,
					   .begin_ts = cpu->hardirq_begin,
					   .end_ts = ev->ts};
	change->irq = &state->irq_done;
	cpu->in_hardirq = false;
	return 0;
}

static int on_softirq(struct lat_state *state, const struct lat_kevent *ev,
		      struct lat_state_change *change)
{
	struct lat_cpu *cpu = get_cpu(state, ev->cpu);
	struct lat_softirq *q;
	uint8_t *n;
	int32_t vec = ev->irq.irq;

	if (!cpu || vec < 0 || vec >= LAT_NR_SOFTIRQ) {
		return 0;
	}
	if (!cpu->softirqs) {
		cpu->softirqs = calloc(1, sizeof(*cpu->softirqs));
		if (!cpu->softirqs) {
			return -ENOMEM;
		}
	}
	q = cpu->softirqs->q[vec];
	n = &cpu->softirqs->n[vec];
	switch (ev->type) {
	case LAT_EV_SOFTIRQ_RAISE:
		/* level-triggered: a raise while one is pending and not entered is the same one */
		if (*n && q[0].begin_ts < 0) {
			return 0;
		}
		if (*n < LAT_SOFTIRQ_QUEUE) {
			q[(*n)++] = (struct lat_softirq){.raise_ts = ev->ts, .begin_ts = -1};
		}
		return 0;
	case LAT_EV_SOFTIRQ_ENTRY:
		if (*n) {
			q[0].begin_ts = ev->ts;
		} else {
			q[(*n)++] = (struct lat_softirq){.raise_ts = -1, .begin_ts = ev->ts};
		}
		return 0;
	default: /* exit */
		if (!*n) {
			return 0;
		}
		state->irq_done = (struct lat_irq){.hard = false,
						   .nr = vec,
						   .raise_ts = q[0].raise_ts,
						   .begin_ts = q[0].begin_ts,
						   .end_ts = ev->ts};
		change->irq = &state->irq_done;
		memmove(&q[0], &q[1], (*n - 1) * sizeof(q[0]));
		(*n)--;
		return 0;
	}
}

const char *lat_state_disk_name(const struct lat_state *state, uint64_t dev)
{
	for (uint32_t i = 0; i < state->ndisks; i++) {
		if (state->disks[i].dev == dev && state->disks[i].name[0]) {
			return state->disks[i].name;
		}
	}
	return NULL;
}

const char *lat_state_irq_name(const struct lat_state *state, int32_t irq)
{
	if (irq < 0 || (uint32_t)irq >= state->nirq_names || !state->irq_names[irq][0]) {
		return NULL;
	}
	return state->irq_names[irq];
}

int lat_state_update(struct lat_state *state, const struct lat_kevent *ev,
		     struct lat_state_change *change)
{
	change->task = NULL;
	change->prev = NULL;
	change->waker_tid = LAT_NO_TID;
	change->wakeup_ts = -1;
	change->nprio = 0;
	change->syscall = NULL;
	change->irq = NULL;
	change->accounted = false;

	switch (ev->type) {
	case LAT_EV_SCHED_SWITCH:
		return on_sched_switch(state, ev, change);
	case LAT_EV_SCHED_MIGRATE:
		return on_sched_migrate(state, ev, change);
	case LAT_EV_SCHED_WAKEUP:
		return on_sched_wakeup(state, ev, change);
	case LAT_EV_SCHED_FORK:
		return on_sched_fork(state, ev, change);
	case LAT_EV_SCHED_EXEC:
		return on_sched_exec(state, ev, change);
	case LAT_EV_SCHED_PI_SETPRIO:
		return on_pi_setprio(state, ev, change);
	case LAT_EV_SYSCALL_ENTRY:
		return on_syscall_entry(state, ev, change);
	case LAT_EV_SYSCALL_EXIT:
		return on_syscall_exit(state, ev, change);
	case LAT_EV_PAGE_ALLOC:
		state->page_count++;
		change->task = current_task(state, ev->cpu);
		change->accounted = change->task != NULL;
		return 0;
	case LAT_EV_PAGE_FREE:
		/* lttng-analyses ignores frees while its allocation count is zero */
		if (state->page_count == 0) {
			return 0;
		}
		state->page_count--;
		change->task = current_task(state, ev->cpu);
		change->accounted = change->task != NULL;
		return 0;
	case LAT_EV_STATEDUMP_PROCESS:
		return on_statedump_process(state, ev, change);
	case LAT_EV_STATEDUMP_FD:
		return on_statedump_fd(state, ev, change);
	case LAT_EV_STATEDUMP_BLOCKDEV:
		return on_blockdev(state, ev);
	case LAT_EV_IRQ_ENTRY:
		return on_irq_entry(state, ev);
	case LAT_EV_IRQ_EXIT:
		return on_irq_exit(state, ev, change);
	case LAT_EV_SOFTIRQ_RAISE:
	case LAT_EV_SOFTIRQ_ENTRY:
	case LAT_EV_SOFTIRQ_EXIT:
		return on_softirq(state, ev, change);
	default:
		return 0;
	}
}
