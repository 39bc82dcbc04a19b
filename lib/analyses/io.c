/*
 * io.c: the I/O analyses of lttng-analyses (cli/io.py, core/io.py, linuxautomaton/io.py and
 * block.py): system call I/O requests by category (open/read/write/sync/close), fds tracked per
 * process (statedump, open/close/dup/fcntl, fork copies, exec CLOEXEC), block requests by disk.
 *
 * Two levels, as the peer: the "automaton" fds (every event, also before --begin) and the
 * period's per-process fd history (only from the period start), which decides whether a
 * successful read/write is counted and which path a request shows.
 */
#include "analyses/io.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { OP_NONE = 0, OP_OPEN, OP_READ, OP_WRITE, OP_CLOSE, OP_SYNC, OP_READ_WRITE };
enum { FDT_UNKNOWN = 0, FDT_DISK, FDT_NET, FDT_MAYBE_NET };

/* The entry arguments read (typed fields of the event, lib/sources/event.h). */
enum { F_FD, F_FLAGS, F_OLDFD, F_NEWFD, F_CMD, F_FAMILY, F_DPORT };

struct afd { /* the automaton's sv.FD */
	int32_t fd;
	uint8_t type;
	bool cloexec;
	char *filename;
};

struct rq { /* a syscall I/O request (sv.SyscallIORequest and subclasses) */
	int64_t begin, end;
	int64_t size; /* -1: None */
	int64_t returned;
	int32_t fd, fd_in, fd_out; /* -1: None (fds are never negative in the peer's requests) */
	int32_t tid;
	int32_t err; /* 0: None */
	uint8_t op, fd_type;
	bool cloexec, valid;
	const char *name;
	char *filename; /* open requests */
	uint32_t proc;  /* period process index (completed requests) */
	uint32_t seq;
};

struct aproc { /* automaton process (by tid) */
	struct afd *fds;
	uint32_t nfds, cap;
	struct rq pending; /* pending.valid: the I/O request of the syscall in flight */
};

struct pfd { /* FDStats */
	int32_t fd;
	uint8_t type;
	int64_t open_ts, close_ts; /* close_ts -1: open */
	char *filename;
	int64_t io_read, io_write; /* FDStats.io: bytes read/written through this fd */
};

struct pproc {       /* ProcessIOStats */
	int32_t pid; /* LAT_NO_TID: None */
	char comm[LAT_COMM_LEN];
	struct pfd *fds;
	uint32_t nfds, cap;
	/* disk_io, net_io, unk_io (syscalls, by the fd's type) and block_io: read, write */
	int64_t disk_r, disk_w, net_r, net_w, unk_r, unk_w, block_r, block_w;
};

struct brq { /* a block request in flight */
	uint64_t dev, sector;
	uint32_t nr_sector;
	int64_t begin;
	int32_t tid;
	bool write;
};

struct remap {
	uint64_t dev, sector, old_dev, old_sector;
};

struct drq { /* a completed block request */
	int64_t duration;
	uint32_t nr_sector;
};

struct iface { /* IfaceStats */
	char *name;
	int64_t recv, sent;
};

struct pdisk { /* DiskStats */
	uint64_t dev;
	char name[32];
	struct drq *rqs;
	uint32_t nrqs, cap;
};

enum { WANT_STATS = 1, WANT_TOP = 2, WANT_LOG = 4, WANT_FREQ = 8, WANT_USAGE = 16 };

struct io {
	const struct lat_analysis_config *config;
	unsigned want;
	struct lat_tid_map amap;
	struct aproc *aprocs;
	uint32_t aprocs_cap;
	struct lat_tid_map pmap;
	struct pproc *pprocs;
	uint32_t pprocs_cap;
	struct rq *rqs;
	uint32_t nrqs, rqs_cap;
	struct brq *brqs;
	uint32_t nbrqs, brqs_cap;
	struct remap *remaps;
	uint32_t nremaps, remaps_cap;
	struct pdisk *disks;
	uint32_t ndisks, disks_cap;
	struct iface *ifaces;
	uint32_t nifaces, ifaces_cap;
	bool in_period;
};

/* ---------------------------------------------------------------- table classes */

static const struct lat_column_class stats_columns[] = {
    {"obj", "System call category", LAT_CLS_STRING, NULL},
    {"count", "Call count", LAT_CLS_NUMBER, "calls"},
    {"min_latency", "Minimum call latency", LAT_CLS_DURATION, NULL},
    {"avg_latency", "Average call latency", LAT_CLS_DURATION, NULL},
    {"max_latency", "Maximum call latency", LAT_CLS_DURATION, NULL},
    {"stdev_latency", "System call latency standard deviation", LAT_CLS_DURATION, NULL},
};
static const struct lat_column_class disk_stats_columns[] = {
    {"obj", "Partition", LAT_CLS_DISK, NULL},
    {"count", "Access count", LAT_CLS_NUMBER, "accesses"},
    {"min_latency", "Minimum access latency", LAT_CLS_DURATION, NULL},
    {"avg_latency", "Average access latency", LAT_CLS_DURATION, NULL},
    {"max_latency", "Maximum access latency", LAT_CLS_DURATION, NULL},
    {"stdev_latency", "System access latency standard deviation", LAT_CLS_DURATION, NULL},
};
static const struct lat_column_class freq_columns[] = {
    {"latency_lower", "Latency (lower bound)", LAT_CLS_DURATION, NULL},
    {"latency_upper", "Latency (upper bound)", LAT_CLS_DURATION, NULL},
    {"count", "Request count", LAT_CLS_NUMBER, "requests"},
};
static const struct lat_column_class log_columns[] = {
    {"time_range", "Call time range", LAT_CLS_TIME_RANGE, NULL},
    {"out_of_range", "System call out of range?", LAT_CLS_BOOL, NULL},
    {"duration", "Call duration", LAT_CLS_DURATION, NULL},
    {"syscall", "System call", LAT_CLS_SYSCALL, NULL},
    {"size", "Read/write size", LAT_CLS_SIZE, NULL},
    {"process", "Process", LAT_CLS_PROCESS, NULL},
    {"path", "File path", LAT_CLS_PATH, NULL},
    {"fd", "File descriptor", LAT_CLS_FD, NULL},
};
static const struct lat_column_class proc_top_columns[] = {
    {"process", "Process", LAT_CLS_PROCESS, NULL},
    {"size", "Total operations size", LAT_CLS_SIZE, NULL},
    {"disk_size", "Disk operations size", LAT_CLS_SIZE, NULL},
    {"net_size", "Network operations size", LAT_CLS_SIZE, NULL},
    {"unknown_size", "Unknown operations size", LAT_CLS_SIZE, NULL},
};
static const struct lat_column_class file_top_columns[] = {
    {"path", "File path/info", LAT_CLS_PATH, NULL},
    {"size", "Operations size", LAT_CLS_SIZE, NULL},
    {"fd_owners", "File descriptor owners", LAT_CLS_STRING, NULL},
};
static const struct lat_column_class block_top_columns[] = {
    {"process", "Process", LAT_CLS_PROCESS, NULL},
    {"size", "Operations size", LAT_CLS_SIZE, NULL},
};
static const struct lat_column_class disk_sector_columns[] = {
    {"disk", "Disk", LAT_CLS_DISK, NULL},
    {"count", "Sector count", LAT_CLS_NUMBER, "sectors"},
};
static const struct lat_column_class disk_request_columns[] = {
    {"disk", "Disk", LAT_CLS_DISK, NULL},
    {"count", "Request count", LAT_CLS_NUMBER, "I/O requests"},
};
static const struct lat_column_class disk_rtps_columns[] = {
    {"disk", "Disk", LAT_CLS_DISK, NULL},
    {"rtps", "Request time/sector", LAT_CLS_DURATION, NULL},
};
static const struct lat_column_class netif_columns[] = {
    {"netif", "Network interface", LAT_CLS_NETIF, NULL},
    {"size", "Operations size", LAT_CLS_SIZE, NULL},
};

#define CLASS(name, title, cols)                                  \
	{                                                         \
		name, title, cols, sizeof(cols) / sizeof(cols[0]) \
	}
static const struct lat_table_class stats_class =
    CLASS("syscall-latency-stats", "System call latency statistics", stats_columns);
static const struct lat_table_class disk_stats_class =
    CLASS("disk-latency-stats", "Partition latency statistics", disk_stats_columns);
static const struct lat_table_class freq_class =
    CLASS("freq", "I/O request latency distribution", freq_columns);
static const struct lat_table_class top_class =
    CLASS("top-syscall", "Top system call latencies", log_columns);
static const struct lat_table_class log_class = CLASS("log", "I/O operations log", log_columns);
static const struct lat_table_class proc_top_class =
    CLASS("per-process-top", "Per-process top I/O operations", proc_top_columns);
static const struct lat_table_class file_top_class =
    CLASS("per-file-top", "Per-file top I/O operations", file_top_columns);
static const struct lat_table_class block_top_class =
    CLASS("per-process-top-block", "Per-process top block I/O operations", block_top_columns);
static const struct lat_table_class disk_sector_class =
    CLASS("per-disk-top-sector", "Per-disk top sector I/O operations", disk_sector_columns);
static const struct lat_table_class disk_request_class =
    CLASS("per-disk-top-request", "Per-disk top I/O requests", disk_request_columns);
static const struct lat_table_class disk_rtps_class =
    CLASS("per-disk-top-rps", "Per-disk top I/O request time/sector", disk_rtps_columns);
static const struct lat_table_class netif_class =
    CLASS("per-netif-top", "Per-network interface top I/O operations", netif_columns);
static const struct lat_table_class *const classes[] = {
    &stats_class,       &disk_stats_class,   &freq_class,      &top_class,
    &log_class,         &proc_top_class,     &file_top_class,  &block_top_class,
    &disk_sector_class, &disk_request_class, &disk_rtps_class, &netif_class,
};

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
			memcpy(io->pprocs[index].comm, task->comm, LAT_COMM_LEN);
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
	memcpy(proc->comm, task->comm, LAT_COMM_LEN);
	{
		const struct lat_task *pt = lat_state_task(state, ptid);

		if (pt) {
			memcpy(parent->comm, pt->comm, LAT_COMM_LEN);
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

/* ---------------------------------------------------------------- results */

static bool filter_rq(const struct io *io, int64_t size, int64_t duration)
{
	const struct lat_analysis_config *c = io->config;

	if (size >= 0) {
		if (c->has_maxsize && (double)size > c->maxsize) {
			return false;
		}
		if (c->has_minsize && (double)size < c->minsize) {
			return false;
		}
	}
	if (c->has_max && (double)duration > c->max_ns) {
		return false;
	}
	if (c->has_min && (double)duration < c->min_ns) {
		return false;
	}
	return true;
}

static bool op_matches(int want, int op)
{
	if (want == OP_READ) {
		return op == OP_READ || op == OP_READ_WRITE;
	}
	if (want == OP_WRITE) {
		return op == OP_WRITE || op == OP_READ_WRITE;
	}
	return want == op;
}

/* statistics.stdev of integer durations, exactly rounded */
static double exact_stdev(uint64_t count, __int128 sum, unsigned __int128 sum_sq)
{
	__int128 n = count;
	__int128 num = n * (__int128)sum_sq - sum * sum;
	__int128 den = n * (n - 1);
	__float128 v, x;

	if (num <= 0) {
		return 0;
	}
	v = (__float128)num / (__float128)den;
	x = (__float128)__builtin_sqrt((double)v);
	for (int i = 0; i < 3; i++) {
		x = (x + v / x) / 2;
	}
	return (double)x;
}

struct acc {
	uint64_t count;
	int64_t min, max;
	__int128 sum;
	unsigned __int128 sum_sq;
};

static void acc_add(struct acc *a, int64_t d)
{
	if (a->count == 0 || d < a->min) {
		a->min = d;
	}
	if (a->count == 0 || d > a->max) {
		a->max = d;
	}
	a->count++;
	a->sum += d;
	a->sum_sq += (unsigned __int128)((__int128)d * d);
}

static int add_stats_row(struct lat_table *t, struct lat_cell obj, const struct acc *a)
{
	struct lat_cell *row = lat_table_add_row(t);

	if (!row) {
		return -ENOMEM;
	}
	row[0] = obj;
	row[1] = lat_cell_int(LAT_CLS_NUMBER, (int64_t)a->count);
	row[2] = lat_cell_int(LAT_CLS_DURATION, a->count ? a->min : 0);
	row[3] = a->count ? lat_cell_float(LAT_CLS_DURATION, (double)a->sum / (double)a->count)
			  : lat_cell_int(LAT_CLS_DURATION, 0);
	if (a->count) {
		/* Python's int / int: correctly rounded */
		row[3].d = (double)((__float128)a->sum / (__float128)a->count);
	}
	row[4] = lat_cell_int(LAT_CLS_DURATION, a->count ? a->max : 0);
	row[5] = a->count >= 2
		     ? lat_cell_float(LAT_CLS_DURATION, exact_stdev(a->count, a->sum, a->sum_sq))
		     : lat_cell_unknown();
	return 0;
}

static int add_stats(struct io *io, struct lat_result *result, int64_t begin, int64_t end)
{
	static const char *const names[] = {"Open", "Read", "Write", "Sync"};
	static const int ops[] = {OP_OPEN, OP_READ, OP_WRITE, OP_SYNC};
	struct lat_table *t = lat_result_add_table(result, &stats_class, begin, end, NULL);

	if (!t) {
		return -ENOMEM;
	}
	for (int k = 0; k < 4; k++) {
		struct acc a = {0};

		for (uint32_t i = 0; i < io->nrqs; i++) {
			const struct rq *rq = &io->rqs[i];

			if (op_matches(ops[k], rq->op) &&
			    filter_rq(io, rq->size, rq->end - rq->begin)) {
				acc_add(&a, rq->end - rq->begin);
			}
		}
		if (add_stats_row(t, lat_cell_str(LAT_CLS_STRING, names[k]), &a)) {
			return -ENOMEM;
		}
	}
	if (io->ndisks == 0) {
		return 0;
	}
	t = lat_result_add_table(result, &disk_stats_class, begin, end, NULL);
	if (!t) {
		return -ENOMEM;
	}
	for (uint32_t d = 0; d < io->ndisks; d++) {
		struct acc a = {0};

		if (io->disks[d].nrqs == 0) {
			continue;
		}
		for (uint32_t i = 0; i < io->disks[d].nrqs; i++) {
			const struct drq *r = &io->disks[d].rqs[i];

			if (filter_rq(io, (int64_t)r->nr_sector * 512, r->duration)) {
				acc_add(&a, r->duration);
			}
		}
		if (add_stats_row(t, lat_cell_str(LAT_CLS_DISK, io->disks[d].name), &a)) {
			return -ENOMEM;
		}
	}
	return 0;
}

struct sort_item {
	int64_t key;
	uint32_t pos;
};

static int cmp_asc(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;

	if (x->key != y->key) {
		return x->key < y->key ? -1 : 1;
	}
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_desc(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;

	if (x->key != y->key) {
		return x->key > y->key ? -1 : 1;
	}
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The peer's request order: per process in dict order, then in completion order. */
static uint32_t *request_order(const struct io *io)
{
	struct sort_item *items = calloc(io->nrqs + 1, sizeof(*items));
	uint32_t *order = calloc(io->nrqs + 1, sizeof(*order));

	if (!items || !order) {
		free(items);
		free(order);
		return NULL;
	}
	for (uint32_t i = 0; i < io->nrqs; i++) {
		items[i] = (struct sort_item){io->rqs[i].proc, i};
	}
	qsort(items, io->nrqs, sizeof(*items), cmp_asc);
	for (uint32_t i = 0; i < io->nrqs; i++) {
		order[i] = items[i].pos;
	}
	free(items);
	return order;
}

/* ProcessIOStats._get_fd_by_timestamp: the peer's recursive binary search, as written. */
static const struct pfd *fd_by_timestamp(const struct pproc *p, const uint32_t *list, size_t n,
					 int64_t ts)
{
	size_t mid;
	const struct pfd *f;

	if (n == 0) {
		return NULL;
	}
	mid = n / 2;
	f = &p->fds[list[mid]];
	if (f->close_ts == -1) {
		if (ts >= f->open_ts) {
			return f;
		}
		return NULL; /* the peer falls through and returns None */
	}
	if (f->open_ts <= ts && ts <= f->close_ts) {
		return f;
	}
	if (ts < f->open_ts) {
		return fd_by_timestamp(p, list, mid, ts);
	}
	return fd_by_timestamp(p, list + mid + 1, n - mid - 1, ts);
}

static int add_log_row(struct io *io, struct lat_result *result, struct lat_table *t,
		       const struct rq *rq)
{
	const struct lat_analysis_config *c = io->config;
	struct lat_cell *row = lat_table_add_row(t);
	const struct pproc *proc = &io->pprocs[rq->proc];
	bool oor_begin, oor;

	if (!row) {
		return -ENOMEM;
	}
	row[0] = (struct lat_cell){.cls = LAT_CLS_TIME_RANGE, .i = rq->begin, .i2 = rq->end};
	/* (begin_ts and rq.begin < begin_ts) or (end_ts and rq.end > end_ts): None, or a bool */
	oor_begin = c->begin_ts && rq->begin < c->begin_ts;
	if (oor_begin) {
		oor = true;
		row[1] = (struct lat_cell){.cls = LAT_CLS_BOOL, .flag = true};
	} else if (c->end_ts) {
		oor = rq->end > c->end_ts;
		row[1] = (struct lat_cell){.cls = LAT_CLS_BOOL, .flag = oor};
	} else {
		oor = false;
		row[1] =
		    (struct lat_cell){.cls = LAT_CLS_BOOL, .i = -1}; /* `False or None`: None */
	}
	(void)oor;
	row[2] = lat_cell_int(LAT_CLS_DURATION, rq->end - rq->begin);
	row[3] = lat_cell_str(LAT_CLS_SYSCALL, rq->name);
	row[4] = rq->size >= 0 ? lat_cell_int(LAT_CLS_SIZE, rq->size)
			       : (struct lat_cell){.cls = LAT_CLS_EMPTY};
	row[5] = lat_cell_process(lat_result_strdup(result, proc->comm), false, 0, true, rq->tid);
	if (rq->fd < 0) {
		row[6] = (struct lat_cell){.cls = LAT_CLS_EMPTY};
		row[7] = (struct lat_cell){.cls = LAT_CLS_EMPTY};
	} else {
		const struct pproc *parent = proc;
		const struct pfd *f = NULL;
		uint32_t pi, *list;
		size_t n = 0;

		if (proc->pid != LAT_NO_TID && lat_tid_map_find(&io->pmap, proc->pid, &pi)) {
			parent = &io->pprocs[pi];
		}
		list = calloc(parent->nfds + 1, sizeof(*list));
		if (!list) {
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < parent->nfds; i++) {
			if (parent->fds[i].fd == rq->fd) {
				list[n++] = i;
			}
		}
		f = fd_by_timestamp(parent, list, n, rq->end);
		free(list);
		row[6] = f ? lat_cell_str(LAT_CLS_PATH, lat_result_strdup(result, f->filename))
			   : lat_cell_unknown();
		row[7] = lat_cell_int(LAT_CLS_FD, rq->fd);
	}
	return 0;
}

/* Top tables (by duration, longest first: --limit + 1 rows, as the peer's `count > limit`) or
   the log (by begin time). */
static int fill_log(struct io *io, struct lat_result *result, struct lat_table *t, int op, bool top)
{
	uint32_t *order = request_order(io);
	struct sort_item *items = calloc(io->nrqs + 1, sizeof(*items));
	size_t n = 0;
	int ret = 0;

	if (!order || !items) {
		free(order);
		free(items);
		return -ENOMEM;
	}
	for (uint32_t k = 0; k < io->nrqs; k++) {
		const struct rq *rq = &io->rqs[order[k]];

		if ((op == OP_NONE || op_matches(op, rq->op)) &&
		    filter_rq(io, rq->size, rq->end - rq->begin)) {
			items[n] =
			    (struct sort_item){top ? rq->end - rq->begin : rq->begin, order[k]};
			items[n].pos = order[k];
			n++;
		}
	}
	/* stable: ties keep the peer's order (pos is not that order: re-key it) */
	for (size_t i = 0; i < n; i++) {
		items[i].pos = (uint32_t)i;
	}
	{
		uint32_t *which = calloc(n + 1, sizeof(*which));
		size_t j = 0;

		if (!which) {
			ret = -ENOMEM;
			goto out;
		}
		for (uint32_t k = 0; k < io->nrqs; k++) {
			const struct rq *rq = &io->rqs[order[k]];

			if ((op == OP_NONE || op_matches(op, rq->op)) &&
			    filter_rq(io, rq->size, rq->end - rq->begin)) {
				which[j++] = order[k];
			}
		}
		qsort(items, n, sizeof(*items), top ? cmp_desc : cmp_asc);
		for (size_t i = 0; i < n && !ret; i++) {
			if (top && io->config->limit >= 0 && (long)i > io->config->limit) {
				break;
			}
			ret = add_log_row(io, result, t, &io->rqs[which[items[i].pos]]);
		}
		free(which);
	}
out:
	free(order);
	free(items);
	return ret;
}

static int add_top(struct io *io, struct lat_result *result, int64_t begin, int64_t end)
{
	static const char *const names[] = {"open", "read", "write", "sync"};
	static const int ops[] = {OP_OPEN, OP_READ, OP_WRITE, OP_SYNC};

	for (int k = 0; k < 4; k++) {
		struct lat_table *t =
		    lat_result_add_table(result, &top_class, begin, end, names[k]);
		int ret;

		if (!t) {
			return -ENOMEM;
		}
		ret = fill_log(io, result, t, ops[k], true);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

static int add_log(struct io *io, struct lat_result *result, int64_t begin, int64_t end)
{
	struct lat_table *t = lat_result_add_table(result, &log_class, begin, end, NULL);

	return t ? fill_log(io, result, t, OP_NONE, false) : -ENOMEM;
}

/* _fill_freq_result_table: nothing for no duration or a zero step (one distinct value) */
static int fill_freq(const struct io *io, struct lat_table *t, const int64_t *durs, size_t n)
{
	int res = io->config->freq_resolution > 0 ? io->config->freq_resolution : 20;
	int64_t mn, mx;
	double min_us, max_us, step;
	int64_t *values;

	if (n == 0) {
		return 0;
	}
	mn = mx = durs[0];
	for (size_t i = 1; i < n; i++) {
		mn = durs[i] < mn ? durs[i] : mn;
		mx = durs[i] > mx ? durs[i] : mx;
	}
	min_us = (double)mn / 1000;
	max_us = (double)mx / 1000;
	step = (max_us - min_us) / res;
	if (step == 0) {
		return 0;
	}
	values = calloc((size_t)res, sizeof(*values));
	if (!values) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		double v = ((double)durs[i] / 1000 - min_us) / step;
		int index = (int)v;

		values[index < res - 1 ? index : res - 1]++;
	}
	for (int i = 0; i < res; i++) {
		struct lat_cell *row = lat_table_add_row(t);

		if (!row) {
			free(values);
			return -ENOMEM;
		}
		row[0] = lat_cell_float(LAT_CLS_DURATION, (i * step + min_us) * 1000);
		row[1] = lat_cell_float(LAT_CLS_DURATION, ((i + 1) * step + min_us) * 1000);
		row[2] = lat_cell_int(LAT_CLS_NUMBER, values[i]);
	}
	free(values);
	return 0;
}

static int add_freq(struct io *io, struct lat_result *result, int64_t begin, int64_t end)
{
	static const char *const names[] = {"open", "read", "write", "sync"};
	static const int ops[] = {OP_OPEN, OP_READ, OP_WRITE, OP_SYNC};
	size_t cap = io->nrqs + 1;
	int64_t *durs;
	int ret = 0;

	for (uint32_t d = 0; d < io->ndisks; d++) {
		cap = io->disks[d].nrqs + 1 > cap ? io->disks[d].nrqs + 1 : cap;
	}
	durs = calloc(cap, sizeof(*durs));
	if (!durs) {
		return -ENOMEM;
	}
	for (int k = 0; k < 4 && !ret; k++) {
		struct lat_table *t =
		    lat_result_add_table(result, &freq_class, begin, end, names[k]);
		size_t n = 0;

		if (!t) {
			ret = -ENOMEM;
			break;
		}
		for (uint32_t i = 0; i < io->nrqs; i++) {
			const struct rq *rq = &io->rqs[i];

			if (op_matches(ops[k], rq->op) &&
			    filter_rq(io, rq->size, rq->end - rq->begin)) {
				durs[n++] = rq->end - rq->begin;
			}
		}
		ret = fill_freq(io, t, durs, n);
	}
	for (uint32_t d = 0; d < io->ndisks && !ret; d++) {
		char subtitle[64];
		struct lat_table *t;
		size_t n = 0;

		snprintf(subtitle, sizeof(subtitle), "disk: %s", io->disks[d].name);
		t = lat_result_add_table(result, &freq_class, begin, end, subtitle);
		if (!t) {
			ret = -ENOMEM;
			break;
		}
		for (uint32_t i = 0; i < io->disks[d].nrqs; i++) {
			const struct drq *r = &io->disks[d].rqs[i];

			if (filter_rq(io, (int64_t)r->nr_sector * 512, r->duration)) {
				durs[n++] = r->duration;
			}
		}
		ret = fill_freq(io, t, durs, n);
	}
	free(durs);
	return ret;
}

/* ---------------------------------------------------------------- usage */

/* The elements 0..n-1 ordered by key, largest first, ties in index order (Python's stable
   sorted(..., reverse=True)); returns a malloc'd array of indexes. */
static uint32_t *order_desc(const int64_t *keys, uint32_t n)
{
	struct sort_item *items = calloc(n + 1, sizeof(*items));
	uint32_t *order = calloc(n + 1, sizeof(*order));

	if (!items || !order) {
		free(items);
		free(order);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		items[i] = (struct sort_item){keys[i], i};
	}
	qsort(items, n, sizeof(*items), cmp_desc);
	for (uint32_t i = 0; i < n; i++) {
		order[i] = items[i].pos;
	}
	free(items);
	return order;
}

/* _fill_usage_result_table's limit: stop once `limit` rows are in (at least one row). */
static bool usage_full(const struct io *io, long count)
{
	return io->config->limit >= 0 && count >= io->config->limit;
}

struct file_stats { /* FileStats */
	char *name;
	int64_t read, write;
	char *owners; /* "fd N in COMM (PID) " for each pid, first fd */
	int32_t *pids;
	uint32_t npids;
};

static void files_free(struct file_stats *files, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		free(files[i].name);
		free(files[i].owners);
		free(files[i].pids);
	}
	free(files);
}

static bool is_generic_name(const char *name)
{
	static const char *const generic[] = {"pipe", "socket", "anon_inode", "unknown"};

	for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++) {
		if (strncmp(name, generic[i], strlen(generic[i])) == 0) {
			return true;
		}
	}
	return false;
}

/* get_files_stats: per file name over every period process' fds (dict orders kept). */
static int files_stats(const struct io *io, struct file_stats **out, uint32_t *nout)
{
	struct file_stats *files = NULL;
	uint32_t n = 0, cap = 0;

	for (uint32_t pi = 0; pi < io->pmap.count; pi++) {
		const struct pproc *p = &io->pprocs[pi];
		int32_t owner = p->pid != LAT_NO_TID ? p->pid : io->pmap.tids[pi];

		for (uint32_t i = 0; i < p->nfds; i++) {
			bool seen = false;

			for (uint32_t j = 0; j < i && !seen; j++) {
				seen = p->fds[j].fd == p->fds[i].fd;
			}
			if (seen) {
				continue; /* this fd's history went with its first entry */
			}
			for (uint32_t k = i; k < p->nfds; k++) {
				const struct pfd *f = &p->fds[k];
				char name[4200];
				struct file_stats *fs = NULL;
				bool has_owner = false;

				if (f->fd != p->fds[i].fd) {
					continue;
				}
				if (is_generic_name(f->filename)) {
					snprintf(name, sizeof(name), "%s (%s)", f->filename,
						 p->comm);
				} else {
					snprintf(name, sizeof(name), "%s", f->filename);
				}
				for (uint32_t x = 0; x < n && !fs; x++) {
					if (strcmp(files[x].name, name) == 0) {
						fs = &files[x];
					}
				}
				if (!fs) {
					if (lat_grow((void **)&files, &cap, n + 1,
						     sizeof(*files))) {
						goto nomem;
					}
					fs = &files[n];
					memset(fs, 0, sizeof(*fs));
					fs->name = strdup(name);
					n++;
					if (!fs->name) {
						goto nomem;
					}
				}
				fs->read += f->io_read;
				fs->write += f->io_write;
				for (uint32_t x = 0; x < fs->npids && !has_owner; x++) {
					has_owner = fs->pids[x] == owner;
				}
				if (!has_owner) {
					uint32_t ocap = fs->npids;
					char entry[128], *grown;
					const char *comm = "";
					uint32_t oi;
					size_t len = fs->owners ? strlen(fs->owners) : 0;

					if (lat_grow((void **)&fs->pids, &ocap, fs->npids + 1,
						     sizeof(*fs->pids))) {
						goto nomem;
					}
					fs->pids[fs->npids++] = owner;
					if (lat_tid_map_find(&io->pmap, owner, &oi)) {
						comm = io->pprocs[oi].comm;
					}
					snprintf(entry, sizeof(entry), "fd %d in %s (%d) ", f->fd,
						 comm, owner);
					grown = realloc(fs->owners, len + strlen(entry) + 1);
					if (!grown) {
						goto nomem;
					}
					memcpy(grown + len, entry, strlen(entry) + 1);
					fs->owners = grown;
				}
			}
		}
	}
	*out = files;
	*nout = n;
	return 0;
nomem:
	files_free(files, n);
	return -ENOMEM;
}

static struct lat_cell proc_cell(const struct io *io, struct lat_result *result, uint32_t pi,
				 bool name_or_none)
{
	const struct pproc *p = &io->pprocs[pi];
	const char *name = lat_result_strdup(result, p->comm);

	return lat_cell_process(name_or_none && !p->comm[0] ? NULL : name, p->pid != LAT_NO_TID,
				p->pid, true, io->pmap.tids[pi]);
}

enum { K_READ, K_WRITE, K_BLOCK_READ, K_BLOCK_WRITE };

static int64_t proc_key(const struct pproc *p, int k)
{
	switch (k) {
	case K_READ:
		return p->disk_r + p->net_r + p->unk_r;
	case K_WRITE:
		return p->disk_w + p->net_w + p->unk_w;
	case K_BLOCK_READ:
		return p->block_r;
	default:
		return p->block_w;
	}
}

static int add_proc_tables(struct io *io, struct lat_result *result, int64_t begin, int64_t end,
			   int k)
{
	static const char *const subtitles[] = {"read", "written", "read", "written"};
	uint32_t n = io->pmap.count;
	int64_t *keys = calloc(n + 1, sizeof(*keys));
	uint32_t *order = NULL;
	struct lat_table *t;
	long count = 0;
	int ret = -ENOMEM;

	t = lat_result_add_table(result, k < K_BLOCK_READ ? &proc_top_class : &block_top_class,
				 begin, end, subtitles[k]);
	if (!keys || !t) {
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		keys[i] = proc_key(&io->pprocs[i], k);
	}
	order = order_desc(keys, n);
	if (!order) {
		goto out;
	}
	for (uint32_t x = 0; x < n; x++) {
		uint32_t i = order[x];
		const struct pproc *p = &io->pprocs[i];
		struct lat_cell *row;

		if (k >= K_BLOCK_READ && keys[i] == 0) {
			continue;
		}
		row = lat_table_add_row(t);
		if (!row) {
			goto out;
		}
		row[0] = proc_cell(io, result, i, k >= K_BLOCK_READ);
		row[1] = lat_cell_int(LAT_CLS_SIZE, keys[i]);
		if (k < K_BLOCK_READ) {
			bool rd = k == K_READ;

			row[2] = lat_cell_int(LAT_CLS_SIZE, rd ? p->disk_r : p->disk_w);
			row[3] = lat_cell_int(LAT_CLS_SIZE, rd ? p->net_r : p->net_w);
			row[4] = lat_cell_int(LAT_CLS_SIZE, rd ? p->unk_r : p->unk_w);
		}
		if (usage_full(io, ++count)) {
			break;
		}
	}
	ret = 0;
out:
	free(keys);
	free(order);
	return ret;
}

static int add_file_tables(struct io *io, struct lat_result *result, int64_t begin, int64_t end)
{
	struct file_stats *files = NULL;
	uint32_t n = 0;
	int ret = files_stats(io, &files, &n);

	for (int w = 0; w < 2 && !ret; w++) {
		struct lat_table *t = lat_result_add_table(result, &file_top_class, begin, end,
							   w ? "written" : "read");
		int64_t *keys = calloc(n + 1, sizeof(*keys));
		uint32_t *order = NULL;
		long count = 0;

		ret = -ENOMEM;
		if (!t || !keys) {
			free(keys);
			break;
		}
		for (uint32_t i = 0; i < n; i++) {
			keys[i] = w ? files[i].write : files[i].read;
		}
		order = order_desc(keys, n);
		ret = order ? 0 : -ENOMEM;
		for (uint32_t x = 0; x < n && !ret; x++) {
			const struct file_stats *fs = &files[order[x]];
			struct lat_cell *row;

			if (keys[order[x]] == 0) {
				continue;
			}
			row = lat_table_add_row(t);
			if (!row) {
				ret = -ENOMEM;
				break;
			}
			row[0] = lat_cell_str(LAT_CLS_PATH, lat_result_strdup(result, fs->name));
			row[1] = lat_cell_int(LAT_CLS_SIZE, keys[order[x]]);
			row[2] =
			    lat_cell_str(LAT_CLS_STRING,
					 lat_result_strdup(result, fs->owners ? fs->owners : ""));
			if (usage_full(io, ++count)) {
				break;
			}
		}
		free(keys);
		free(order);
	}
	files_free(files, n);
	return ret;
}

static int add_disk_tables(struct io *io, struct lat_result *result, int64_t begin, int64_t end)
{
	uint32_t n = io->ndisks;
	int64_t *sectors = calloc(n + 1, sizeof(*sectors)),
		*counts = calloc(n + 1, sizeof(*counts));
	int64_t *durations = calloc(n + 1, sizeof(*durations));
	uint32_t *order = NULL;
	int ret = -ENOMEM;

	if (!sectors || !counts || !durations) {
		goto out;
	}
	for (uint32_t d = 0; d < n; d++) {
		counts[d] = io->disks[d].nrqs;
		for (uint32_t i = 0; i < io->disks[d].nrqs; i++) {
			sectors[d] += io->disks[d].rqs[i].nr_sector;
			durations[d] += io->disks[d].rqs[i].duration;
		}
	}
	for (int k = 0; k < 3; k++) {
		static const struct lat_table_class *const cls[] = {
		    &disk_sector_class, &disk_request_class, &disk_rtps_class};
		struct lat_table *t = lat_result_add_table(result, cls[k], begin, end, NULL);
		long count = 0;

		if (!t) {
			goto out;
		}
		free(order);
		order = NULL;
		if (k < 2) {
			order = order_desc(k == 0 ? sectors : counts, n);
			if (!order) {
				goto out;
			}
		}
		for (uint32_t x = 0; x < n; x++) {
			uint32_t d = order ? order[x] : x;
			struct lat_cell *row;

			if ((k == 0 && sectors[d] == 0) || counts[d] == 0) {
				continue;
			}
			row = lat_table_add_row(t);
			if (!row) {
				goto out;
			}
			row[0] = lat_cell_str(LAT_CLS_DISK,
					      lat_result_strdup(result, io->disks[d].name));
			if (k == 0) {
				row[1] = lat_cell_int(LAT_CLS_NUMBER, sectors[d]);
			} else if (k == 1) {
				row[1] = lat_cell_int(LAT_CLS_NUMBER, counts[d]);
			} else {
				/* total_rq_duration / rq_count: Python's true division */
				row[1] = lat_cell_float(LAT_CLS_DURATION,
							(double)durations[d] / (double)counts[d]);
			}
			if (usage_full(io, ++count)) {
				break;
			}
		}
	}
	ret = 0;
out:
	free(sectors);
	free(counts);
	free(durations);
	free(order);
	return ret;
}

static int add_netif_tables(struct io *io, struct lat_result *result, int64_t begin, int64_t end)
{
	uint32_t n = io->nifaces;
	int ret = 0;

	for (int sent = 0; sent < 2 && !ret; sent++) {
		struct lat_table *t = lat_result_add_table(result, &netif_class, begin, end,
							   sent ? "sent" : "received");
		int64_t *keys = calloc(n + 1, sizeof(*keys));
		uint32_t *order = NULL;
		long count = 0;

		ret = -ENOMEM;
		if (!t || !keys) {
			free(keys);
			break;
		}
		for (uint32_t i = 0; i < n; i++) {
			keys[i] = sent ? io->ifaces[i].sent : io->ifaces[i].recv;
		}
		order = order_desc(keys, n);
		ret = order ? 0 : -ENOMEM;
		for (uint32_t x = 0; x < n && !ret; x++) {
			struct lat_cell *row = lat_table_add_row(t);

			if (!row) {
				ret = -ENOMEM;
				break;
			}
			row[0] = lat_cell_str(LAT_CLS_NETIF,
					      lat_result_strdup(result, io->ifaces[order[x]].name));
			row[1] = lat_cell_int(LAT_CLS_SIZE, keys[order[x]]);
			if (usage_full(io, ++count)) {
				break;
			}
		}
		free(keys);
		free(order);
	}
	return ret;
}

/* _get_usage_result_tables: per-process read/written, per-file read/written, block per process
   read/written, per-disk sectors/requests/request time, per-interface received/sent */
static int add_usage(struct io *io, struct lat_result *result, int64_t begin, int64_t end)
{
	int ret = add_proc_tables(io, result, begin, end, K_READ);

	if (!ret) {
		ret = add_proc_tables(io, result, begin, end, K_WRITE);
	}
	if (!ret) {
		ret = add_file_tables(io, result, begin, end);
	}
	if (!ret) {
		ret = add_proc_tables(io, result, begin, end, K_BLOCK_READ);
	}
	if (!ret) {
		ret = add_proc_tables(io, result, begin, end, K_BLOCK_WRITE);
	}
	if (!ret) {
		ret = add_disk_tables(io, result, begin, end);
	}
	if (!ret) {
		ret = add_netif_tables(io, result, begin, end);
	}
	return ret;
}

static int io_finish(void *priv, const struct lat_state *state, int64_t begin, int64_t end,
		     struct lat_result *result)
{
	struct io *io = priv;
	int ret = 0;

	(void)state;
	/* MI order: log, stats, disk stats, top, usage, freq */
	if (io->want & WANT_LOG) {
		ret = add_log(io, result, begin, end);
	}
	if (!ret && (io->want & WANT_STATS)) {
		ret = add_stats(io, result, begin, end);
	}
	if (!ret && (io->want & WANT_TOP)) {
		ret = add_top(io, result, begin, end);
	}
	if (!ret && (io->want & WANT_USAGE)) {
		ret = add_usage(io, result, begin, end);
	}
	if (!ret && (io->want & WANT_FREQ)) {
		ret = add_freq(io, result, begin, end);
	}
	return ret;
}

/* ---------------------------------------------------------------- text */

#define STATS_FORMAT "%-14s %14s %14s %14s %14s %14s\n"

static void print_stats_table(const struct lat_table *t, FILE *out)
{
	for (size_t r = 0; r < t->nrows; r++) {
		char count[32], min[32], avg[32], max[32], stdev[32];
		const struct lat_cell *c3 = lat_table_cell(t, r, 3), *c5 = lat_table_cell(t, r, 5);

		snprintf(count, sizeof(count), "%" PRId64, lat_table_cell(t, r, 1)->i);
		snprintf(min, sizeof(min), "%.3f", lat_table_cell(t, r, 2)->i / 1000.0);
		snprintf(avg, sizeof(avg), "%.3f", c3->is_float ? c3->d / 1000 : c3->i / 1000.0);
		snprintf(max, sizeof(max), "%.3f", lat_table_cell(t, r, 4)->i / 1000.0);
		if (c5->cls == LAT_CLS_UNKNOWN) {
			snprintf(stdev, sizeof(stdev), "?");
		} else {
			snprintf(stdev, sizeof(stdev), "%.3f", c5->d / 1000);
		}
		fprintf(out, STATS_FORMAT, lat_table_cell(t, r, 0)->s, count, min, avg, max, stdev);
	}
}

static void print_separator(FILE *out)
{
	for (int i = 0; i < 89; i++) {
		fputc('-', out);
	}
	fputc('\n', out);
}

static void format_size(char *buf, size_t len, int64_t size)
{
	static const char *const units[] = {"  B", "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB", "ZiB", "YiB"};
	int exponent = 0;
	double v = (double)size;

	if (size > 0) {
		exponent = (int)(log((double)size) / log(1024.0));
		if (exponent >= 9) {
			exponent = 8;
		}
		v = (double)size / pow(1024.0, exponent);
	}
	if (exponent == 0) {
		snprintf(buf, len, "%.0f %s", v, units[0]);
	} else {
		snprintf(buf, len, "%.2f %s", v, units[exponent]);
	}
}

static void print_log_table(const struct lat_table *t, const struct lat_text_opts *opts, FILE *out)
{
	bool any_oor = false;

	if (t->nrows == 0) {
		return;
	}
	fprintf(out, "\n%s %s (usec)\n", t->cls->title, t->subtitle ? t->subtitle : "None");
	fprintf(out, "%-20s %-20s %-16s %-23s %-5s %-24s %-8s %-14s\n", "Begin", "End", "Name",
		"Duration (usec)", "Size", "Proc", "PID", "Filename");
	for (size_t r = 0; r < t->nrows; r++) {
		const struct lat_cell *tr = lat_table_cell(t, r, 0), *oor = lat_table_cell(t, r, 1);
		const struct lat_cell *size = lat_table_cell(t, r, 4),
				      *proc = lat_table_cell(t, r, 5);
		const struct lat_cell *path = lat_table_cell(t, r, 6),
				      *fd = lat_table_cell(t, r, 7);
		char range[128], dur[48], sz[48], file[4200], tid[16];
		bool is_oor = oor->i >= 0 && oor->flag;

		lat_format_time_range(range, sizeof(range) - 1, tr->i, tr->i2, opts->multi_day,
				      opts->gmt);
		strcat(range, is_oor ? "*" : " ");
		snprintf(dur, sizeof(dur), "%.3f%s", lat_table_cell(t, r, 2)->i / 1000.0,
			 is_oor ? "*" : " ");
		if (size->cls == LAT_CLS_EMPTY) {
			snprintf(sz, sizeof(sz), "N/A");
		} else {
			format_size(sz, sizeof(sz), size->i);
		}
		if (fd->cls == LAT_CLS_EMPTY) {
			snprintf(file, sizeof(file), "N/A");
		} else {
			snprintf(file, sizeof(file), "%s (fd=%" PRId64 ")",
				 path->cls == LAT_CLS_UNKNOWN ? "unknown" : path->s, fd->i);
		}
		snprintf(tid, sizeof(tid), "%d", proc->tid);
		fprintf(out, "%-40s %-16s %16s %11s  %-24s %-8s %-14s\n", range,
			lat_table_cell(t, r, 3)->s, dur, sz, proc->s, tid, file);
		any_oor |= is_oor;
	}
	if (any_oor) {
		fprintf(out,
			"*: Syscalls started and/or completed outside of the range specified\n");
	}
}

/* Python's '{:<N}' / '{:>N}' on text: padded to N characters (code points, not bytes). */
static void pad(char *buf, size_t len, const char *text, int width, bool left)
{
	int chars = 0, fill;

	for (const char *c = text; *c; c++) {
		chars += ((unsigned char)*c & 0xc0) != 0x80;
	}
	fill = width > chars ? width - chars : 0;
	if (left) {
		snprintf(buf, len, "%s%*s", text, fill, "");
	} else {
		snprintf(buf, len, "%*s%s", fill, "", text);
	}
}

static size_t text_chars(const char *text)
{
	size_t chars = 0;

	for (const char *c = text; *c; c++) {
		chars += ((unsigned char)*c & 0xc0) != 0x80;
	}
	return chars;
}

/* termgraph.BarGraph with the value strings given (format_size, or "N unit") */
static void bar_graph(FILE *out, const char *title, const char *label_header, const double *values,
		      char *const *value_strs, char *const *labels, size_t n)
{
	double maxv = 0;
	size_t maxlen = 0;

	if (n == 0) {
		return;
	}
	for (size_t i = 0; i < n; i++) {
		maxv = values[i] > maxv ? values[i] : maxv;
		maxlen = text_chars(value_strs[i]) > maxlen ? text_chars(value_strs[i]) : maxlen;
	}
	if (label_header) {
		int spaces = 80 - (int)text_chars(title) + 1 + (int)maxlen + 1;

		fprintf(out, "%s%*s%s\n", title, spaces > 0 ? spaces : 0, "", label_header);
	} else {
		fprintf(out, "%s\n", title);
	}
	for (int i = 0; i < 80; i++) {
		fputc('#', out);
	}
	fputc('\n', out);
	for (size_t i = 0; i < n; i++) {
		int width = maxv == 0 ? 0 : (int)(80 * values[i] / maxv);

		for (int c = 0; c < width; c++) {
			fputs("\u2588", out);
		}
		fprintf(out, "%*s %*s%s %s\n", 80 - width, "",
			(int)(maxlen - text_chars(value_strs[i])), "", value_strs[i], labels[i]);
	}
	fputc('\n', out);
}

static void print_usage_table(const struct lat_table *t, FILE *out)
{
	size_t n = t->nrows;
	double *values = calloc(n + 1, sizeof(*values));
	char **strs = calloc(n + 1, sizeof(*strs)), **labels = calloc(n + 1, sizeof(*labels));
	char title[128], header[128];
	const char *label_header = NULL;
	bool ok = values && strs && labels;

	for (size_t r = 0; r < n && ok; r++) {
		const struct lat_cell *c0 = lat_table_cell(t, r, 0), *c1 = lat_table_cell(t, r, 1);
		char value[64], label[4400], pid[64];

		if (t->cls == &disk_rtps_class) {
			values[r] = (c1->is_float ? c1->d : (double)c1->i) / 1000000;
			snprintf(value, sizeof(value), "%.2f ms", values[r]);
		} else if (t->cls == &disk_sector_class || t->cls == &disk_request_class) {
			values[r] = (double)c1->i;
			snprintf(value, sizeof(value), "%" PRId64 " %s", c1->i,
				 t->cls == &disk_sector_class ? "sectors" : "requests");
		} else {
			values[r] = (double)c1->i;
			format_size(value, sizeof(value), c1->i);
		}
		if (c0->cls == LAT_CLS_PROCESS) {
			if (c0->has_pid) {
				snprintf(pid, sizeof(pid), "%d", c0->pid);
			} else {
				snprintf(pid, sizeof(pid), "unknown (tid=%d)", c0->tid);
			}
		}
		if (t->cls == &proc_top_class) {
			char name[300], disk[64], net[64], unk[64], a[320], b[64], c[64], d[64];

			snprintf(name, sizeof(name), "%s (%s)", c0->s, pid);
			format_size(disk, sizeof(disk), lat_table_cell(t, r, 2)->i);
			format_size(net, sizeof(net), lat_table_cell(t, r, 3)->i);
			format_size(unk, sizeof(unk), lat_table_cell(t, r, 4)->i);
			pad(a, sizeof(a), name, 25, true);
			pad(b, sizeof(b), disk, 10, false);
			pad(c, sizeof(c), net, 10, false);
			pad(d, sizeof(d), unk, 10, false);
			snprintf(label, sizeof(label), "%s %s %s %s", a, b, c, d);
		} else if (t->cls == &block_top_class) {
			snprintf(label, sizeof(label), "%s (pid=%s)",
				 c0->has_name && c0->s[0] ? c0->s : "unknown", pid);
		} else {
			snprintf(label, sizeof(label), "%s", c0->s);
		}
		strs[r] = strdup(value);
		labels[r] = strdup(label);
		ok = strs[r] && labels[r];
	}
	if (t->cls == &proc_top_class) {
		char a[32], b[16], c[16], d[16];

		snprintf(title, sizeof(title), "Per-process I/O %s",
			 strcmp(t->subtitle, "read") == 0 ? "Read" : "Write");
		pad(a, sizeof(a), "Process", 25, true);
		pad(b, sizeof(b), "Disk", 10, true);
		pad(c, sizeof(c), "Net", 10, true);
		pad(d, sizeof(d), "Unknown", 10, true);
		snprintf(header, sizeof(header), "%s %s %s %s", a, b, c, d);
		label_header = header;
	} else if (t->cls == &file_top_class) {
		snprintf(title, sizeof(title), "Per-file I/O %s",
			 strcmp(t->subtitle, "read") == 0 ? "Read" : "Write");
		label_header = "Path";
	} else if (t->cls == &block_top_class) {
		snprintf(title, sizeof(title), "Block I/O %s",
			 strcmp(t->subtitle, "read") == 0 ? "Read" : "Write");
		label_header = "Process";
	} else if (t->cls == &disk_sector_class) {
		snprintf(title, sizeof(title), "Disk Requests Sector Count");
		label_header = "Disk";
	} else if (t->cls == &disk_request_class) {
		snprintf(title, sizeof(title), "Disk Request Count");
		label_header = "Disk";
	} else if (t->cls == &disk_rtps_class) {
		snprintf(title, sizeof(title), "Disk Request Average Latency");
		label_header = "Disk";
	} else {
		snprintf(title, sizeof(title), "Network %s Bytes",
			 strcmp(t->subtitle, "sent") == 0 ? "Sent" : "Received");
		label_header = "Interface";
	}
	if (ok) {
		bar_graph(out, title, label_header, values, strs, labels, n);
	}
	for (size_t r = 0; r < n && strs && labels; r++) {
		free(strs[r]);
		free(labels[r]);
	}
	free(values);
	free(strs);
	free(labels);
}

static bool is_usage_class(const struct lat_table_class *cls)
{
	return cls == &proc_top_class || cls == &file_top_class || cls == &block_top_class ||
	       cls == &disk_sector_class || cls == &disk_request_class || cls == &disk_rtps_class ||
	       cls == &netif_class;
}

/* termgraph.FreqGraph */
static void print_freq(const struct lat_table *t, FILE *out)
{
	int64_t maxv = 0;
	size_t maxlen = 0;

	if (!t->nrows) {
		return;
	}
	for (size_t r = 0; r < t->nrows; r++) {
		char v[32];
		int64_t value = lat_table_cell(t, r, 2)->i;
		size_t len = (size_t)snprintf(v, sizeof(v), "%" PRId64, value);

		maxv = value > maxv ? value : maxv;
		maxlen = len > maxlen ? len : maxlen;
	}
	fprintf(out, "%s %s (µs)\n", t->cls->title, t->subtitle ? t->subtitle : "None");
	for (int i = 0; i < 80; i++) {
		fputc('#', out);
	}
	fputc('\n', out);
	for (size_t r = 0; r < t->nrows; r++) {
		int64_t value = lat_table_cell(t, r, 2)->i;
		int width = maxv ? (int)(72 * (double)value / (double)maxv) : 0;
		char v[32];
		int len = snprintf(v, sizeof(v), "%" PRId64, value);

		fprintf(out, "%7.3f ", lat_table_cell(t, r, 0)->d / 1000);
		for (int i = 0; i < 72; i++) {
			fputs(i < width ? "\u2588" : " ", out);
		}
		fprintf(out, " %*s%s\n", (int)maxlen - len, "", v);
	}
	fputc('\n', out);
}

static void io_print_text(const struct lat_result *result, const struct lat_text_opts *opts,
			  FILE *out)
{
	if (result->ntables == 0) {
		return;
	}
	lat_text_print_timerange(out, result->tables[0].begin, result->tables[0].end, opts->gmt);
	for (size_t i = 0; i < result->ntables; i++) {
		if (is_usage_class(result->tables[i].cls)) {
			print_usage_table(&result->tables[i], out);
		}
	}
	for (size_t i = 0; i < result->ntables; i++) {
		const struct lat_table *t = &result->tables[i];

		if (t->cls == &stats_class) {
			fprintf(out, "\nSyscalls latency statistics (usec):\n");
			fprintf(out, STATS_FORMAT, "Type", "Count", "Min", "Average", "Max",
				"Stdev");
			print_separator(out);
			print_stats_table(t, out);
		} else if (t->cls == &disk_stats_class && t->nrows) {
			fprintf(out, "\nDisk latency statistics (usec):\n");
			fprintf(out, STATS_FORMAT, "Name", "Count", "Min", "Average", "Max",
				"Stdev");
			print_separator(out);
			print_stats_table(t, out);
		}
	}
	for (size_t i = 0; i < result->ntables; i++) {
		if (result->tables[i].cls == &top_class) {
			print_log_table(&result->tables[i], opts, out);
		}
	}
	for (size_t i = 0; i < result->ntables; i++) {
		if (result->tables[i].cls == &freq_class) {
			print_freq(&result->tables[i], out);
		}
	}
	for (size_t i = 0; i < result->ntables; i++) {
		if (result->tables[i].cls == &log_class) {
			print_log_table(&result->tables[i], opts, out);
		}
	}
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
			 tags, classes, sizeof(classes) / sizeof(classes[0])},                 \
		.options = LAT_OPTS_TOP | LAT_OPTS_MIN_MAX | LAT_OPTS_FREQ | LAT_OPTS_LOG |    \
			   LAT_OPTS_STATS | LAT_OPTS_IO,                                       \
		.priv_size = sizeof(struct io), .init = INIT, .handle_event = io_handle_event, \
		.pre_event = io_pre_event, .new_period = io_new_period, .adopt = io_adopt,     \
		.finish = io_finish, .print_text = io_print_text, .fini = io_fini,             \
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
