/*
 * io.c: the I/O analyses of lttng-analyses (cli/io.py, core/io.py, linuxautomaton/io.py and
 * block.py): system call I/O requests by category (open/read/write/sync/close), fds tracked per
 * process (statedump, open/close/dup/fcntl, fork copies, exec CLOEXEC), block requests by disk.
 *
 * Two levels, as the peer: the "automaton" fds (every event, also before --begin) and the
 * period's per-process fd history (only from the period start), which decides whether a
 * successful read/write is counted and which path a request shows. The tables are made in
 * io_stats.c, their text in io_text.c (io_int.h: what the three share).
 */
#include "analyses/io.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/io_int.h"

/* ---------------------------------------------------------------- syscall names */

static bool in_list(const char *name, const char *const *list)
{
	for (; *list; list++) {
		if (strcmp(*list, name) == 0) {
			return true;
		}
	}
	return false;
}

static const char *const open_sc[] = {"open", "openat", "socket", "fcntl",
				      "dup",  "dup2",   "dup3",   NULL};
static const char *const read_sc[] = {"read",  "recvmsg", "recvfrom", "readv",
				      "pread", "pread64", "preadv",   NULL};
static const char *const write_sc[] = {"write",  "sendmsg",  "sendto",  "writev",
				       "pwrite", "pwrite64", "pwritev", NULL};
static const char *const sync_sc[] = {"sync", "sync_file_range", "fsync", "fdatasync", NULL};

/* ---------------------------------------------------------------- helpers */

static int64_t field_int(struct io *io, const struct lat_kevent *ev, int id, bool *ok)
{
	static const uint32_t bits[] = {
	    [F_FD] = LAT_HAS_FD,       [F_FLAGS] = LAT_HAS_FLAGS, [F_OLDFD] = LAT_HAS_OLDFD,
	    [F_NEWFD] = LAT_HAS_NEWFD, [F_CMD] = LAT_HAS_CMD,     [F_FAMILY] = LAT_HAS_FAMILY,
	    [F_DPORT] = LAT_HAS_DPORT,
	};
	const struct lat_ev_syscall *sc = &ev->syscall;

	*ok = (ev->present & bits[id]) != 0;
	if (!*ok) {
		return 0;
	}
	switch (id) {
	case F_FD:
		return sc->fd;
	case F_FLAGS:
		return sc->flags;
	case F_OLDFD:
		return sc->oldfd;
	case F_NEWFD:
		return sc->newfd;
	case F_CMD:
		return sc->cmd;
	case F_FAMILY:
		return sc->family;
	default:
		return sc->dport;
	}
}

static struct aproc *aproc_get(struct io *io, int32_t tid)
{
	uint32_t index;
	int ret = lat_tid_map_get(&io->amap, tid, &index);

	if (ret < 0 ||
	    lat_grow((void **)&io->aprocs, &io->aprocs_cap, index + 1, sizeof(*io->aprocs))) {
		return NULL;
	}
	return &io->aprocs[index];
}

static struct afd *afd_find(struct aproc *p, int32_t fd)
{
	for (uint32_t i = 0; i < p->nfds; i++) {
		if (p->fds[i].fd == fd) {
			return &p->fds[i];
		}
	}
	return NULL;
}

static int afd_add(struct aproc *p, int32_t fd, const char *filename, uint8_t type, bool cloexec)
{
	char *copy = strdup(filename ? filename : "unknown");

	if (!copy || lat_grow((void **)&p->fds, &p->cap, p->nfds + 1, sizeof(*p->fds))) {
		free(copy);
		return -ENOMEM;
	}
	p->fds[p->nfds++] =
	    (struct afd){.fd = fd, .type = type, .cloexec = cloexec, .filename = copy};
	return 0;
}

static void afd_del(struct aproc *p, int32_t fd)
{
	for (uint32_t i = 0; i < p->nfds; i++) {
		if (p->fds[i].fd == fd) {
			free(p->fds[i].filename);
			memmove(&p->fds[i], &p->fds[i + 1], (p->nfds - i - 1) * sizeof(*p->fds));
			p->nfds--;
			return;
		}
	}
}

static void aproc_clear(struct aproc *p)
{
	for (uint32_t i = 0; i < p->nfds; i++) {
		free(p->fds[i].filename);
	}
	p->nfds = 0;
}

/* The period's ProcessIOStats of a task, created from it (new_from_process) when missing. */
static struct pproc *pproc_get(struct io *io, const struct lat_state *state, int32_t tid,
			       uint32_t *index_out)
{
	uint32_t index;
	int ret = lat_tid_map_get(&io->pmap, tid, &index);

	if (ret < 0 ||
	    lat_grow((void **)&io->pprocs, &io->pprocs_cap, index + 1, sizeof(*io->pprocs))) {
		return NULL;
	}
	if (ret == 1) {
		const struct lat_task *task = lat_state_task(state, tid);

		io->pprocs[index].pid = task ? task->pid : LAT_NO_TID;
		if (task) {
			memcpy(io->pprocs[index].comm, task->comm, LAT_STATE_COMM_LEN);
		}
	}
	if (index_out) {
		*index_out = index;
	}
	return &io->pprocs[index];
}

static struct pfd *pfd_current(struct pproc *p, int32_t fd)
{
	for (uint32_t i = p->nfds; i-- > 0;) {
		if (p->fds[i].fd == fd) {
			return p->fds[i].close_ts == -1 ? &p->fds[i] : NULL;
		}
	}
	return NULL;
}

static struct pfd *pfd_last(struct pproc *p, int32_t fd)
{
	for (uint32_t i = p->nfds; i-- > 0;) {
		if (p->fds[i].fd == fd) {
			return &p->fds[i];
		}
	}
	return NULL;
}

/* notification create_fd(fd, parent_proc) */
static int notify_create_fd(struct io *io, const struct lat_state *state, int32_t ptid,
			    const struct afd *afd, int64_t ts)
{
	struct pproc *p;
	char *copy;

	if (!io->in_period) {
		return 0;
	}
	p = pproc_get(io, state, ptid, NULL);
	copy = strdup(afd->filename);
	if (!p || !copy || lat_grow((void **)&p->fds, &p->cap, p->nfds + 1, sizeof(*p->fds))) {
		free(copy);
		return -ENOMEM;
	}
	p->fds[p->nfds++] = (struct pfd){
	    .fd = afd->fd, .type = afd->type, .open_ts = ts, .close_ts = -1, .filename = copy};
	return 0;
}

static void notify_close_fd(struct io *io, int32_t ptid, int32_t fd, int64_t ts)
{
	uint32_t index;
	struct pfd *last;

	if (!io->in_period || !lat_tid_map_find(&io->pmap, ptid, &index)) {
		return;
	}
	last = pfd_current(&io->pprocs[index], fd);
	if (last) {
		last->close_ts = ts;
	}
}

static int notify_update_fd(struct io *io, const struct lat_state *state, int32_t ptid,
			    const struct afd *afd, int64_t ts)
{
	uint32_t index;
	struct pfd *last;
	char *copy;

	if (!io->in_period) {
		return 0;
	}
	if (!lat_tid_map_find(&io->pmap, ptid, &index)) {
		return 0; /* the peer raises KeyError here; not reached on statedumps */
	}
	if (!pfd_last(&io->pprocs[index], afd->fd)) {
		int ret = notify_create_fd(io, state, ptid, afd, ts);

		if (ret) {
			return ret;
		}
	}
	last = pfd_last(&io->pprocs[index], afd->fd);
	copy = strdup(afd->filename);
	if (!copy) {
		return -ENOMEM;
	}
	free(last->filename);
	last->filename = copy;
	return 0;
}

/* The process holding a task's fds (_get_parent_proc). */
static int32_t parent_tid(const struct lat_task *task)
{
	return task->pid != LAT_NO_TID && task->pid != task->tid ? task->pid : task->tid;
}

/* ---------------------------------------------------------------- automaton */

static int on_statedump_fd(struct io *io, const struct lat_kevent *ev,
			   const struct lat_state *state)
{
	struct aproc *p = aproc_get(io, ev->sd_fd.pid);
	struct afd *afd;
	bool cloexec = (ev->present & LAT_HAS_FLAGS) && (ev->sd_fd.flags & O_CLOEXEC);
	int ret;

	if (!p) {
		return -ENOMEM;
	}
	afd = afd_find(p, ev->sd_fd.fd);
	if (!afd) {
		ret = afd_add(p, ev->sd_fd.fd, ev->sd_fd.filename, FDT_UNKNOWN, cloexec);
		return ret ? ret
			   : notify_create_fd(io, state, ev->sd_fd.pid, &p->fds[p->nfds - 1],
					      ev->ts);
	}
	free(afd->filename);
	afd->filename = strdup(ev->sd_fd.filename ? ev->sd_fd.filename : "");
	if (!afd->filename) {
		return -ENOMEM;
	}
	return notify_update_fd(io, state, ev->sd_fd.pid, afd, ev->ts);
}

static int on_statedump_process(struct io *io, const struct lat_kevent *ev,
				const struct lat_state *state)
{
	int32_t tid = ev->sd_process.tid, pid = ev->sd_process.pid;
	struct aproc *t, *parent;
	uint32_t ti, pi;

	if (pid == tid) {
		return 0;
	}
	t = aproc_get(io, tid);
	parent = aproc_get(io, pid);
	if (!t || !parent) {
		return -ENOMEM;
	}
	t = aproc_get(io, tid); /* the array may have moved */
	for (uint32_t i = 0; i < t->nfds; i++) {
		struct afd *pf = afd_find(parent, t->fds[i].fd);

		if (!pf) {
			if (lat_grow((void **)&parent->fds, &parent->cap, parent->nfds + 1,
				     sizeof(*parent->fds))) {
				return -ENOMEM;
			}
			parent->fds[parent->nfds++] = t->fds[i];
			continue;
		}
		if (!pf->filename[0]) {
			free(pf->filename);
			pf->filename = t->fds[i].filename;
		} else {
			free(t->fds[i].filename);
		}
	}
	t->nfds = 0;
	/* notification create_parent_proc: the period's thread gets its pid, its fds go */
	if (!io->in_period) {
		return 0;
	}
	if (!pproc_get(io, state, tid, &ti) || !pproc_get(io, state, pid, &pi)) {
		return -ENOMEM;
	}
	io->pprocs[ti].pid = pid;
	{
		struct pproc *pt = &io->pprocs[ti], *pp = &io->pprocs[pi];

		/* _assign_fds_to_parent: an fd's whole history moves when the parent has none
		   for that number; otherwise the parent's open fd takes the name if it has none */
		if (lat_grow((void **)&pp->fds, &pp->cap, pp->nfds + pt->nfds + 1,
			     sizeof(*pp->fds))) {
			return -ENOMEM;
		}
		pt = &io->pprocs[ti];
		for (uint32_t i = 0; i < pt->nfds; i++) {
			int32_t fd = pt->fds[i].fd;
			bool seen = false;
			struct pfd *cur;

			for (uint32_t j = 0; j < i && !seen; j++) {
				seen = pt->fds[j].fd == fd;
			}
			if (seen) {
				continue;
			}
			if (!pfd_last(pp, fd)) {
				for (uint32_t j = i; j < pt->nfds; j++) {
					if (pt->fds[j].fd == fd) {
						pp->fds[pp->nfds++] = pt->fds[j];
						pt->fds[j].filename = NULL;
					}
				}
				continue;
			}
			cur = pfd_current(pp, fd);
			if (cur && !cur->filename[0] && pfd_current(pt, fd)) {
				char *copy = strdup(pfd_current(pt, fd)->filename);

				if (!copy) {
					return -ENOMEM;
				}
				free(cur->filename);
				cur->filename = copy;
			}
		}
		for (uint32_t i = 0; i < pt->nfds; i++) {
			free(pt->fds[i].filename);
		}
		pt->nfds = 0;
	}
	return 0;
}

static int on_fork(struct io *io, const struct lat_kevent *ev, const struct lat_state *state)
{
	struct aproc *parent, *child;
	int ret;

	parent = aproc_get(io, ev->fork.parent_pid);
	child = aproc_get(io, ev->fork.child_tid);
	if (!parent || !child) {
		return -ENOMEM;
	}
	parent = aproc_get(io, ev->fork.parent_pid);
	if (parent == child) {
		return 0;
	}
	aproc_clear(child);
	child->pending.valid = false;
	for (uint32_t i = 0; i < parent->nfds; i++) {
		ret = afd_add(child, parent->fds[i].fd, parent->fds[i].filename,
			      parent->fds[i].type, parent->fds[i].cloexec);
		if (!ret) {
			ret =
			    notify_create_fd(io, state, ev->fork.child_tid, &child->fds[i], ev->ts);
		}
		if (ret) {
			return ret;
		}
	}
	return 0;
}

static int on_exec(struct io *io, const struct lat_kevent *ev)
{
	struct aproc *p = aproc_get(io, ev->task.tid);

	if (!p) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < p->nfds;) {
		if (p->fds[i].cloexec) {
			notify_close_fd(io, ev->task.tid, p->fds[i].fd, ev->ts);
			afd_del(p, p->fds[i].fd);
		} else {
			i++;
		}
	}
	return 0;
}

/* connect's v4addr as "a.b.c.d" (a sequence in lttng-modules >= 2.6, or an integer) */
static bool read_v4addr(const struct lat_kevent *ev, char *buf, size_t len)
{
	uint32_t a = ev->syscall.v4addr;

	if (!(ev->present & LAT_HAS_V4ADDR)) {
		return false;
	}
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return true;
}

/* syscall_entry_connect on AF_INET: the fd's name becomes the peer address (update_fd) */
static int on_connect(struct io *io, const struct lat_kevent *ev, struct lat_task *task,
		      const struct lat_state *state)
{
	char addr[64];
	bool ok;
	int32_t fd;
	int64_t dport;
	struct aproc *parent;
	struct afd *afd;

	if (field_int(io, ev, F_FAMILY, &ok) != 2 || !ok) {
		return 0;
	}
	fd = (int32_t)field_int(io, ev, F_FD, &ok);
	dport = field_int(io, ev, F_DPORT, &ok);
	if (!read_v4addr(ev, addr, sizeof(addr) - 24)) {
		return 0;
	}
	snprintf(addr + strlen(addr), 24, ":%" PRId64, dport);
	parent = aproc_get(io, parent_tid(task));
	if (!parent) {
		return -ENOMEM;
	}
	afd = afd_find(parent, fd);
	if (afd) {
		char *copy = strdup(addr);

		if (!copy) {
			return -ENOMEM;
		}
		free(afd->filename);
		afd->filename = copy;
	}
	/* the peer notifies with the thread itself as the fds' owner */
	if (task->pid == LAT_NO_TID || task->pid == task->tid) {
		afd = afd_find(parent, fd);
		if (afd) {
			return notify_update_fd(io, state, task->tid, afd, ev->ts);
		}
	}
	return 0;
}

static int on_syscall_entry(struct io *io, const struct lat_kevent *ev,
			    const struct lat_state_change *change, const struct lat_state *state)
{
	const char *name = ev->syscall.name;
	struct lat_task *task = change->task;
	struct aproc *p, *pp;
	struct rq *rq;
	bool ok;

	if (!task) {
		return 0;
	}
	p = aproc_get(io, task->tid);
	if (!p) {
		return -ENOMEM;
	}
	if (strcmp(name, "connect") == 0) {
		p->pending.valid = false;
		return on_connect(io, ev, task, state);
	}
	rq = &p->pending;
	memset(rq, 0, sizeof(*rq));
	rq->begin = ev->ts;
	rq->size = -1;
	rq->fd = rq->fd_in = rq->fd_out = -1;
	rq->tid = task->tid;
	rq->name = name;
	if (in_list(name, open_sc)) {
		rq->op = OP_OPEN;
		if (strcmp(name, "open") == 0 || strcmp(name, "openat") == 0) {
			const char *fn =
			    (ev->present & LAT_HAS_FILENAME) ? ev->syscall.filename : NULL;

			rq->filename = strdup(fn ? fn : "");
			if (!rq->filename) {
				return -ENOMEM;
			}
			rq->fd_type = FDT_DISK;
			rq->cloexec =
			    (ev->present & LAT_HAS_FLAGS) && (ev->syscall.flags & O_CLOEXEC);
		} else if (strcmp(name, "socket") == 0) {
			rq->filename = strdup("socket");
			rq->fd_type = FDT_NET;
			if (!rq->filename) {
				return -ENOMEM;
			}
		} else {
			/* dup, dup2, dup3, fcntl(F_DUPFD) */
			int32_t ptid = parent_tid(task);
			int64_t oldfd;
			struct afd *old;

			pp = aproc_get(io, ptid);
			p = aproc_get(io, task->tid);
			if (!pp || !p) {
				return -ENOMEM;
			}
			rq = &p->pending;
			if (strcmp(name, "dup") == 0) {
				oldfd = field_int(io, ev, F_OLDFD, &ok);
			} else if (strcmp(name, "fcntl") == 0) {
				if (field_int(io, ev, F_CMD, &ok) != 0 || !ok) {
					return 0; /* not F_DUPFD: no request */
				}
				oldfd = field_int(io, ev, F_FD, &ok);
			} else {
				int32_t newfd = (int32_t)field_int(io, ev, F_NEWFD, &ok);

				oldfd = field_int(io, ev, F_OLDFD, &ok);
				if (afd_find(pp, newfd)) {
					notify_close_fd(io, ptid, newfd, ev->ts);
					afd_del(pp, newfd);
				}
			}
			old = afd_find(pp, (int32_t)oldfd);
			rq->filename = strdup(old ? old->filename : "unknown");
			if (!rq->filename) {
				return -ENOMEM;
			}
			rq->fd_type = old ? old->type : FDT_UNKNOWN;
			if (strcmp(name, "dup3") == 0) {
				rq->cloexec = (field_int(io, ev, F_FLAGS, &ok) & O_CLOEXEC) != 0;
			}
		}
	} else if (strcmp(name, "close") == 0) {
		rq->op = OP_CLOSE;
		rq->fd = (int32_t)field_int(io, ev, F_FD, &ok);
	} else if (in_list(name, read_sc) || in_list(name, write_sc)) {
		/* the entry's count/vlen/len is read by the peer, then lost: SyscallIORequest
		   passes size None up, so the size is the returned one */
		rq->op = in_list(name, read_sc) ? OP_READ : OP_WRITE;
		rq->fd = (int32_t)field_int(io, ev, F_FD, &ok);
	} else if (in_list(name, sync_sc)) {
		rq->op = OP_SYNC;
		if (strcmp(name, "sync") != 0) {
			rq->fd = (int32_t)field_int(io, ev, F_FD, &ok);
		}
	} else {
		/* splice, sendfile64: the peer lists them as I/O syscalls, but its entry handler
		   makes no request for them (they are in neither READ_ nor WRITE_SYSCALLS) */
		return 0;
	}
	rq->valid = true;
	return 0;
}

static int record_rq(struct io *io, const struct lat_state *state, struct lat_task *task,
		     int32_t ptid, struct rq *rq)
{
	uint32_t pi, pti;
	struct pproc *proc, *parent;

	if (!io->in_period) {
		return 0;
	}
	if (!pproc_get(io, state, task->tid, &pi) || !pproc_get(io, state, ptid, &pti)) {
		return -ENOMEM;
	}
	proc = &io->pprocs[pi];
	parent = &io->pprocs[pti];
	if (rq->err == 0) {
		if ((rq->op == OP_READ || rq->op == OP_WRITE) && !pfd_current(parent, rq->fd)) {
			return 0;
		}
		if (rq->op == OP_READ_WRITE &&
		    (!pfd_current(parent, rq->fd_in) || !pfd_current(parent, rq->fd_out))) {
			return 0;
		}
	}
	if (lat_grow((void **)&io->rqs, &io->rqs_cap, io->nrqs + 1, sizeof(*io->rqs))) {
		return -ENOMEM;
	}
	/* update_io_stats (by the type of the parent's fd) and update_fd_stats */
	if (rq->err == 0 && rq->size >= 0 && (rq->op == OP_READ || rq->op == OP_WRITE)) {
		struct pfd *f = pfd_current(parent, rq->fd);
		bool rd = rq->op == OP_READ;
		int64_t *slot = f->type == FDT_DISK ? (rd ? &proc->disk_r : &proc->disk_w)
				: f->type == FDT_NET || f->type == FDT_MAYBE_NET
				    ? (rd ? &proc->net_r : &proc->net_w)
				    : (rd ? &proc->unk_r : &proc->unk_w);

		*slot += rq->returned;
		if (rd) {
			f->io_read += rq->returned;
		} else {
			f->io_write += rq->returned;
		}
	}
	rq->proc = pi;
	rq->seq = io->nrqs;
	io->rqs[io->nrqs++] = *rq;
	rq->filename = NULL; /* now owned by io->rqs */
	memcpy(proc->comm, task->comm, LAT_STATE_COMM_LEN);
	{
		const struct lat_task *pt = lat_state_task(state, ptid);

		if (pt) {
			memcpy(parent->comm, pt->comm, LAT_STATE_COMM_LEN);
		}
	}
	return 0;
}

static int on_syscall_exit(struct io *io, const struct lat_kevent *ev,
			   const struct lat_state_change *change, const struct lat_state *state)
{
	struct lat_task *task = change->task;
	const struct lat_syscall *call = change->syscall;
	struct aproc *p, *pp;
	struct rq rq;
	int32_t ptid;
	int64_t ret;
	int r = 0;

	if (!task || !call) {
		return 0;
	}
	p = aproc_get(io, task->tid);
	if (!p) {
		return -ENOMEM;
	}
	if (!p->pending.valid || p->pending.begin != call->begin_ts) {
		return 0;
	}
	rq = p->pending;
	p->pending.valid = false;
	p->pending.filename = NULL;
	ret = call->has_ret ? call->ret : 0;
	rq.end = ev->ts;
	if (ret < 0) {
		rq.err = (int32_t)-ret;
	}
	if (rq.op == OP_OPEN && ret >= 0) {
		rq.fd = (int32_t)ret;
	}
	if ((rq.op == OP_READ || rq.op == OP_WRITE || rq.op == OP_READ_WRITE) && ret >= 0) {
		rq.returned = ret;
		if (rq.size < 0) {
			rq.size = ret;
		}
	}
	ptid = parent_tid(task);
	pp = aproc_get(io, ptid);
	if (!pp) {
		r = -ENOMEM;
		goto out;
	}
	if (ret >= 0) {
		/* _create_fd */
		if (rq.fd >= 0 && !afd_find(pp, rq.fd)) {
			if (rq.op == OP_OPEN) {
				r = afd_add(pp, rq.fd, rq.filename, rq.fd_type, rq.cloexec);
			} else {
				r = afd_add(pp, rq.fd, "unknown", FDT_UNKNOWN, false);
			}
			if (!r) {
				r = notify_create_fd(io, state, ptid, &pp->fds[pp->nfds - 1],
						     rq.end);
			}
		} else if (rq.op == OP_READ_WRITE) {
			int32_t fds[2] = {rq.fd_in, rq.fd_out};

			for (int i = 0; i < 2 && !r; i++) {
				if (fds[i] >= 0 && !afd_find(pp, fds[i])) {
					r = afd_add(pp, fds[i], "unknown", FDT_UNKNOWN, false);
					if (!r) {
						r = notify_create_fd(io, state, ptid,
								     &pp->fds[pp->nfds - 1],
								     rq.end);
					}
				}
			}
		}
		if (r) {
			goto out;
		}
	}
	r = record_rq(io, state, task, ptid, &rq);
	if (r) {
		goto out;
	}
	if (rq.op == OP_CLOSE && ret == 0) {
		notify_close_fd(io, ptid, rq.fd, rq.end);
		afd_del(pp, rq.fd);
	}
out:
	free(rq.filename);
	return r;
}

/* ---------------------------------------------------------------- block */

static struct pdisk *pdisk_get(struct io *io, uint64_t dev, const struct lat_state *state)
{
	const char *name;

	for (uint32_t i = 0; i < io->ndisks; i++) {
		if (io->disks[i].dev == dev) {
			return &io->disks[i];
		}
	}
	if (lat_grow((void **)&io->disks, &io->disks_cap, io->ndisks + 1, sizeof(*io->disks))) {
		return NULL;
	}
	memset(&io->disks[io->ndisks], 0, sizeof(io->disks[0]));
	io->disks[io->ndisks].dev = dev;
	name = lat_state_disk_name(state, dev);
	if (name) {
		snprintf(io->disks[io->ndisks].name, sizeof(io->disks[0].name), "%s", name);
	} else {
		snprintf(io->disks[io->ndisks].name, sizeof(io->disks[0].name), "(%u,%u)",
			 (unsigned)(dev >> 20), (unsigned)(dev & ((1u << 20) - 1)));
	}
	return &io->disks[io->ndisks++];
}

static int on_block(struct io *io, const struct lat_kevent *ev, const struct lat_state *state)
{
	const struct lat_ev_block *b = &ev->block;
	uint64_t dev = b->dev;

	switch (ev->type) {
	case LAT_EV_BLOCK_BIO_REMAP:
		for (uint32_t i = 0; i < io->nremaps; i++) {
			if (io->remaps[i].dev == b->old_dev &&
			    io->remaps[i].sector == b->old_sector) {
				io->remaps[i].dev = b->dev;
				io->remaps[i].sector = b->sector;
				return 0;
			}
		}
		if (lat_grow((void **)&io->remaps, &io->remaps_cap, io->nremaps + 1,
			     sizeof(*io->remaps))) {
			return -ENOMEM;
		}
		io->remaps[io->nremaps++] =
		    (struct remap){b->dev, b->sector, b->old_dev, b->old_sector};
		return 0;
	case LAT_EV_BLOCK_BIO_BACKMERGE:
		for (uint32_t i = 0; i < io->nremaps;) {
			if (io->remaps[i].dev == b->dev && io->remaps[i].sector == b->sector) {
				memmove(&io->remaps[i], &io->remaps[i + 1],
					(io->nremaps - i - 1) * sizeof(*io->remaps));
				io->nremaps--;
			} else {
				i++;
			}
		}
		return 0;
	case LAT_EV_BLOCK_RQ_ISSUE:
		if (b->nr_sector == 0) {
			return 0;
		}
		for (uint32_t i = 0; i < io->nremaps; i++) {
			if (io->remaps[i].dev == dev && io->remaps[i].sector == b->sector) {
				dev = io->remaps[i].old_dev;
				break;
			}
		}
		for (uint32_t i = 0; i < io->nbrqs; i++) {
			if (io->brqs[i].dev == dev && io->brqs[i].sector == b->sector) {
				io->brqs[i] = (struct brq){dev,    b->sector, b->nr_sector,
							   ev->ts, b->tid,    b->rwbs % 2 != 0};
				return 0;
			}
		}
		if (lat_grow((void **)&io->brqs, &io->brqs_cap, io->nbrqs + 1, sizeof(*io->brqs))) {
			return -ENOMEM;
		}
		io->brqs[io->nbrqs++] =
		    (struct brq){dev, b->sector, b->nr_sector, ev->ts, b->tid, b->rwbs % 2 != 0};
		return 0;
	case LAT_EV_BLOCK_RQ_COMPLETE: {
		struct pdisk *d;

		if (b->nr_sector == 0) {
			return 0;
		}
		for (uint32_t i = 0; i < io->nremaps; i++) {
			if (io->remaps[i].dev == dev && io->remaps[i].sector == b->sector) {
				dev = io->remaps[i].old_dev;
				memmove(&io->remaps[i], &io->remaps[i + 1],
					(io->nremaps - i - 1) * sizeof(*io->remaps));
				io->nremaps--;
				break;
			}
		}
		for (uint32_t i = 0; i < io->nbrqs; i++) {
			struct brq *r = &io->brqs[i];

			if (r->dev != dev || r->sector != b->sector) {
				continue;
			}
			if (r->nr_sector != b->nr_sector) {
				return 0;
			}
			if (io->in_period) {
				d = pdisk_get(io, dev, state);
				if (!d || lat_grow((void **)&d->rqs, &d->cap, d->nrqs + 1,
						   sizeof(*d->rqs))) {
					return -ENOMEM;
				}
				d->rqs[d->nrqs++] = (struct drq){ev->ts - r->begin, r->nr_sector};
				/* the issuing task, when the state knows it: update_block_stats */
				if (lat_state_task(state, r->tid)) {
					struct pproc *p = pproc_get(io, state, r->tid, NULL);

					if (!p) {
						return -ENOMEM;
					}
					if (r->write) {
						p->block_w += (int64_t)r->nr_sector * 512;
					} else {
						p->block_r += (int64_t)r->nr_sector * 512;
					}
				}
			}
			io->brqs[i] = io->brqs[--io->nbrqs];
			return 0;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/* ---------------------------------------------------------------- network */

/* net_dev_xmit / netif_receive_skb: the interface's bytes (period), and the automaton's
   guess that a write syscall in flight on this CPU writes to the network (maybe_net) */
static int on_net(struct io *io, const struct lat_kevent *ev, const struct lat_state *state)
{
	const char *name = ev->net.name ? ev->net.name : "";
	struct iface *f = NULL;

	if (io->in_period) {
		for (uint32_t i = 0; i < io->nifaces && !f; i++) {
			if (strcmp(io->ifaces[i].name, name) == 0) {
				f = &io->ifaces[i];
			}
		}
		if (!f) {
			if (lat_grow((void **)&io->ifaces, &io->ifaces_cap, io->nifaces + 1,
				     sizeof(*io->ifaces))) {
				return -ENOMEM;
			}
			f = &io->ifaces[io->nifaces];
			*f = (struct iface){.name = strdup(name)};
			if (!f->name) {
				return -ENOMEM;
			}
			io->nifaces++;
		}
		if (ev->type == LAT_EV_NET_XMIT) {
			f->sent += (int64_t)ev->net.len;
		} else {
			f->recv += (int64_t)ev->net.len;
		}
	}
	if (ev->type == LAT_EV_NET_XMIT && ev->cpu < LAT_MAX_CPUS && state->cpus[ev->cpu].known &&
	    state->cpus[ev->cpu].current_tid != LAT_NO_TID) {
		const struct lat_task *task =
		    lat_state_task(state, state->cpus[ev->cpu].current_tid);
		uint32_t index;
		struct aproc *p, *parent;
		struct afd *afd;

		if (!task || !task->in_syscall || !task->syscall.name ||
		    !in_list(task->syscall.name, write_sc) ||
		    !lat_tid_map_find(&io->amap, task->tid, &index)) {
			return 0;
		}
		p = &io->aprocs[index];
		if (!p->pending.valid || p->pending.op != OP_WRITE ||
		    p->pending.begin != task->syscall.begin_ts) {
			return 0;
		}
		if (!lat_tid_map_find(&io->amap, parent_tid(task), &index)) {
			return 0;
		}
		parent = &io->aprocs[index];
		afd = afd_find(parent, p->pending.fd);
		if (afd && afd->type == FDT_UNKNOWN) {
			afd->type = FDT_MAYBE_NET;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- events */

static int io_event(struct io *io, const struct lat_kevent *ev,
		    const struct lat_state_change *change, const struct lat_state *state)
{
	switch (ev->type) {
	case LAT_EV_SYSCALL_ENTRY:
		return on_syscall_entry(io, ev, change, state);
	case LAT_EV_SYSCALL_EXIT:
		return on_syscall_exit(io, ev, change, state);
	case LAT_EV_STATEDUMP_FD:
		return on_statedump_fd(io, ev, state);
	case LAT_EV_STATEDUMP_PROCESS:
		return on_statedump_process(io, ev, state);
	case LAT_EV_STATEDUMP_BLOCKDEV:
		if (io->in_period) {
			struct pdisk *d = pdisk_get(io, ev->blockdev.dev, state);

			if (!d) {
				return -ENOMEM;
			}
			snprintf(d->name, sizeof(d->name), "%s",
				 ev->blockdev.diskname ? ev->blockdev.diskname : "");
		}
		return 0;
	case LAT_EV_SCHED_FORK:
		return on_fork(io, ev, state);
	case LAT_EV_SCHED_EXEC:
		return on_exec(io, ev);
	case LAT_EV_BLOCK_RQ_ISSUE:
	case LAT_EV_BLOCK_RQ_COMPLETE:
	case LAT_EV_BLOCK_BIO_REMAP:
	case LAT_EV_BLOCK_BIO_BACKMERGE:
		return on_block(io, ev, state);
	case LAT_EV_NET_XMIT:
	case LAT_EV_NET_RECV:
		return on_net(io, ev, state);
	default:
		return 0;
	}
}

static int io_pre_event(void *priv, const struct lat_kevent *ev,
			const struct lat_state_change *change, const struct lat_state *state)
{
	struct io *io = priv;

	io->in_period = false;
	return io_event(io, ev, change, state);
}

static int io_handle_event(void *priv, const struct lat_kevent *ev,
			   const struct lat_state_change *change, const struct lat_state *state)
{
	struct io *io = priv;

	io->in_period = true;
	return io_event(io, ev, change, state);
}

static int io_init_want(void *priv, const struct lat_analysis_config *config, unsigned own)
{
	struct io *io = priv;

	io->config = config;
	io->want = own | (config->stats ? WANT_STATS : 0) | (config->top ? WANT_TOP : 0) |
		   (config->log ? WANT_LOG : 0) | (config->freq ? WANT_FREQ : 0) |
		   (config->usage ? WANT_USAGE : 0);
	return 0;
}

static void io_fini(void *priv)
{
	struct io *io = priv;

	for (uint32_t i = 0; i < io->amap.count; i++) {
		aproc_clear(&io->aprocs[i]);
		free(io->aprocs[i].fds);
		free(io->aprocs[i].pending.filename);
	}
	free(io->aprocs);
	lat_tid_map_fini(&io->amap);
	for (uint32_t i = 0; i < io->pmap.count; i++) {
		for (uint32_t f = 0; f < io->pprocs[i].nfds; f++) {
			free(io->pprocs[i].fds[f].filename);
		}
		free(io->pprocs[i].fds);
	}
	free(io->pprocs);
	lat_tid_map_fini(&io->pmap);
	for (uint32_t i = 0; i < io->nrqs; i++) {
		free(io->rqs[i].filename);
	}
	free(io->rqs);
	free(io->brqs);
	free(io->remaps);
	for (uint32_t i = 0; i < io->ndisks; i++) {
		free(io->disks[i].rqs);
	}
	free(io->disks);
	for (uint32_t i = 0; i < io->nifaces; i++) {
		free(io->ifaces[i].name);
	}
	free(io->ifaces);
}

/*
 * -r/--refresh: a new period forgets the period's processes, fds, requests, disks and
 * interfaces (lttng-analyses' io period data) and keeps the automaton's processes and fds and
 * the block requests in flight.
 */
static int io_new_period(void *priv)
{
	struct io *io = priv;

	for (uint32_t i = 0; i < io->pmap.count; i++) {
		for (uint32_t f = 0; f < io->pprocs[i].nfds; f++) {
			free(io->pprocs[i].fds[f].filename);
		}
		free(io->pprocs[i].fds);
	}
	free(io->pprocs);
	io->pprocs = NULL;
	io->pprocs_cap = 0;
	lat_tid_map_fini(&io->pmap);
	for (uint32_t i = 0; i < io->nrqs; i++) {
		free(io->rqs[i].filename);
	}
	io->nrqs = 0;
	for (uint32_t i = 0; i < io->ndisks; i++) {
		free(io->disks[i].rqs);
	}
	io->ndisks = 0;
	for (uint32_t i = 0; i < io->nifaces; i++) {
		free(io->ifaces[i].name);
	}
	io->nifaces = 0;
	return 0;
}

/*
 * --period: a period instance starts with the automaton's processes and fds and the block
 * requests in flight of the base priv (which has seen every event), as the peer's periods all
 * read the one automaton.
 */
static int io_adopt(void *priv, const void *base_priv)
{
	struct io *io = priv;
	const struct io *base = base_priv;
	uint32_t index;

	for (uint32_t i = 0; i < base->amap.count; i++) {
		const struct aproc *from = &base->aprocs[i];
		struct aproc *to;

		if (lat_tid_map_get(&io->amap, base->amap.tids[i], &index) < 0 ||
		    lat_grow((void **)&io->aprocs, &io->aprocs_cap, index + 1,
			     sizeof(*io->aprocs))) {
			return -ENOMEM;
		}
		to = &io->aprocs[index];
		for (uint32_t f = 0; f < from->nfds; f++) {
			if (afd_add(to, from->fds[f].fd, from->fds[f].filename, from->fds[f].type,
				    from->fds[f].cloexec)) {
				return -ENOMEM;
			}
		}
		to->pending = from->pending;
		to->pending.filename = NULL;
		if (from->pending.filename &&
		    !(to->pending.filename = strdup(from->pending.filename))) {
			return -ENOMEM;
		}
	}
	if (lat_grow((void **)&io->brqs, &io->brqs_cap, base->nbrqs + 1, sizeof(*io->brqs)) ||
	    lat_grow((void **)&io->remaps, &io->remaps_cap, base->nremaps + 1,
		     sizeof(*io->remaps))) {
		return -ENOMEM;
	}
	if (base->nbrqs) {
		memcpy(io->brqs, base->brqs, base->nbrqs * sizeof(*io->brqs));
	}
	io->nbrqs = base->nbrqs;
	if (base->nremaps) {
		memcpy(io->remaps, base->remaps, base->nremaps * sizeof(*io->remaps));
	}
	io->nremaps = base->nremaps;
	return 0;
}

static int init_stats(void *priv, const struct lat_analysis_config *c)
{
	return io_init_want(priv, c, WANT_STATS);
}
static int init_top(void *priv, const struct lat_analysis_config *c)
{
	return io_init_want(priv, c, WANT_TOP);
}
static int init_log(void *priv, const struct lat_analysis_config *c)
{
	return io_init_want(priv, c, WANT_LOG);
}
static int init_freq(void *priv, const struct lat_analysis_config *c)
{
	return io_init_want(priv, c, WANT_FREQ);
}
static int init_usage(void *priv, const struct lat_analysis_config *c)
{
	return io_init_want(priv, c, WANT_USAGE);
}

static const char *const tags[] = {"io", "syscall", "stats", "freq", "log", "top", NULL};

#define IO_OPS(NAME, INIT, SUMMARY)                                                            \
	{                                                                                      \
		.name = NAME, .summary = SUMMARY,                                              \
		.lami = {"I/O analysis",                                                       \
			 "System call/disk latency statistics, system call "                   \
			 "latency distribution, system call top latencies, I/O usage top, "    \
			 "and I/O operations log",                                             \
			 tags, lat_io_classes, LAT_IO_NCLASSES},                               \
		.options = LAT_OPTS_TOP | LAT_OPTS_MIN_MAX | LAT_OPTS_FREQ | LAT_OPTS_LOG |    \
			   LAT_OPTS_STATS | LAT_OPTS_IO,                                       \
		.priv_size = sizeof(struct io), .init = INIT, .handle_event = io_handle_event, \
		.pre_event = io_pre_event, .new_period = io_new_period, .adopt = io_adopt,     \
		.finish = lat_io_finish, .print_text = lat_io_print_text, .fini = io_fini,     \
	}

const struct lat_analysis_ops lat_iousagetop_ops =
    IO_OPS("iousagetop", init_usage, "I/O usage top (per process, file, disk, interface)");
const struct lat_analysis_ops lat_iolatencystats_ops =
    IO_OPS("iolatencystats", init_stats, "System call and disk I/O latency statistics");
const struct lat_analysis_ops lat_iolatencyfreq_ops =
    IO_OPS("iolatencyfreq", init_freq, "I/O latency distribution");
const struct lat_analysis_ops lat_iolatencytop_ops =
    IO_OPS("iolatencytop", init_top, "Top I/O latencies by category");
const struct lat_analysis_ops lat_iolog_ops = IO_OPS("iolog", init_log, "I/O operations log");
