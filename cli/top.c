/* top.c: `latscope top`: a live view of the worst latencies (per tracker series), CPU and I/O per
 * process, refreshed every interval; fed by the probes or by a running agent; ncurses on a
 * terminal, plain text frames otherwise (-b); the interval figures are trackers/top_acc.c's. */
#include "trackers/live.h"
#include "trackers/top_acc.h"

#include "state/hist.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "outputs/jsonl.h"
#include "util/ctlproto.h"
#include "util/units.h"

#include "../bpf/top.h"
#include "top.skel.h"

#define U(x) ((unsigned long long)(x))

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void comm_copy(char out[LAT_COMM_LEN + 1], const char *comm, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < LAT_COMM_LEN && comm[i]; i++) {
		out[i] = (comm[i] > 0x20 && comm[i] < 0x7f) ? comm[i] : '?';
	}
	out[i] = '\0';
}

static void fmt_dur(uint64_t ns, char *buf, size_t len)
{
	if (!ns) {
		snprintf(buf, len, "-");
	} else {
		lat_format_duration(ns, buf, len);
	}
}

/* --- per-process CPU and I/O ---------------------------------------------------------------- */

/* A small open-addressing table: u32 key (never 0) -> fixed-size value. */
struct kmap {
	size_t cap, n, vsize;
	uint32_t *keys;
	unsigned char *vals;
};

static int kmap_init(struct kmap *m, size_t vsize, size_t cap)
{
	m->cap = cap;
	m->n = 0;
	m->vsize = vsize;
	m->keys = calloc(cap, sizeof(uint32_t));
	m->vals = calloc(cap, vsize);
	return m->keys && m->vals ? 0 : -ENOMEM;
}

static void kmap_fini(struct kmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static void *kmap_get(struct kmap *m, uint32_t key, bool create)
{
	size_t i;

	if (!key || !m->cap) {
		return NULL;
	}
	if (create && (m->n + 1) * 2 > m->cap) {
		struct kmap bigger;

		if (kmap_init(&bigger, m->vsize, m->cap * 2) != 0) {
			kmap_fini(&bigger);
			return NULL;
		}
		for (size_t k = 0; k < m->cap; k++) {
			if (m->keys[k]) {
				memcpy(kmap_get(&bigger, m->keys[k], true), m->vals + k * m->vsize,
				       m->vsize);
			}
		}
		kmap_fini(m);
		*m = bigger;
	}
	for (i = (key * 2654435761u) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key) {
			return m->vals + i * m->vsize;
		}
	}
	if (!create) {
		return NULL;
	}
	m->keys[i] = key;
	m->n++;
	memset(m->vals + i * m->vsize, 0, m->vsize);
	return m->vals + i * m->vsize;
}

/* One process in the view. */
struct top_proc {
	uint32_t pid;
	char comm[LAT_COMM_LEN + 1];
	uint64_t cpu_ns;
	uint64_t rd, wr;         /* read/write syscalls (bytes) */
	uint64_t blk_rd, blk_wr; /* block (bytes) */
	uint64_t blk_reqs;
	uint64_t over, worst_ns;
	char worst_series[32];
};

/* /proc/PID figures (the fallback, and the agent mode). */
struct proc_snap {
	uint64_t ticks, rchar, wchar, read_bytes, write_bytes;
	char comm[LAT_COMM_LEN + 1];
};

struct top_view {
	struct kmap procs; /* pid -> struct top_proc, rebuilt each frame */
	bool use_bpf;
	struct top_bpf *skel;
	struct kmap prev_tasks; /* tid -> uint64_t total run time */
	struct kmap prev_io;    /* tgid -> struct top_io */
	struct kmap prev_proc;  /* pid -> struct proc_snap */
	uint64_t bpf_drops[TOP_DROP_MAX];
	int ncpus;
};

static struct top_proc *view_proc(struct top_view *v, uint32_t pid, const char *comm)
{
	struct top_proc *p = kmap_get(&v->procs, pid, true);

	if (p && !p->pid) {
		p->pid = pid;
		comm_copy(p->comm, comm, LAT_COMM_LEN);
	}
	return p;
}

/* Ids of the BPF map entries of exited tasks, removed after the walk. */
struct ids {
	uint32_t *v;
	size_t n, cap;
};

static void ids_push(struct ids *ids, uint32_t id)
{
	if (ids->n == ids->cap) {
		size_t cap = ids->cap * 2 + 64;
		uint32_t *v = realloc(ids->v, cap * sizeof(*v));

		if (!v) {
			return; /* removed at a later frame */
		}
		ids->v = v;
		ids->cap = cap;
	}
	ids->v[ids->n++] = id;
}

static bool task_gone(uint32_t id)
{
	return kill((pid_t)id, 0) != 0 && errno == ESRCH;
}

/* CPU and I/O from top.bpf.c: deltas of the kernel's counters since the last frame. */
static int view_collect_bpf(struct top_view *v, uint64_t now, uint64_t interval_ns)
{
	int tasks_fd = bpf_map__fd(v->skel->maps.top_tasks);
	int procs_fd = bpf_map__fd(v->skel->maps.top_procs);
	int cpus_fd = bpf_map__fd(v->skel->maps.top_cpus);
	struct top_cpu cpus[v->ncpus];
	struct kmap next_tasks, next_io;
	uint32_t key, next, zero = 0;
	struct ids gone = {0};
	struct top_task task;
	struct top_io io;

	if (kmap_init(&next_tasks, sizeof(uint64_t), 1024) != 0 ||
	    kmap_init(&next_io, sizeof(struct top_io), 1024) != 0) {
		kmap_fini(&next_tasks);
		return -ENOMEM;
	}
	if (bpf_map_lookup_elem(cpus_fd, &zero, cpus) != 0) {
		memset(cpus, 0, sizeof(cpus));
	}
	/* threads that ran: completed run time plus the time on a CPU since they were switched in
	 */
	for (int pass = 0; pass < 2; pass++) {
		int n = 0;
		bool more =
		    pass == 0 ? bpf_map_get_next_key(tasks_fd, NULL, &next) == 0 : v->ncpus > 0;

		while (more) {
			uint64_t total = 0, *prev, delta;
			const char *comm;
			uint32_t tgid;

			if (pass == 0) {
				key = next;
				more = bpf_map_get_next_key(tasks_fd, &key, &next) == 0;
				if (bpf_map_lookup_elem(tasks_fd, &key, &task) != 0) {
					continue;
				}
				total = task.run_ns;
				tgid = task.tgid;
				comm = task.comm;
				for (int c = 0; c < v->ncpus; c++) {
					if (cpus[c].tid == key && cpus[c].start_ns &&
					    now > cpus[c].start_ns) {
						total += now - cpus[c].start_ns;
					}
				}
			} else {
				/* a thread on a CPU since the start, never switched out yet */
				struct top_cpu *c = &cpus[n];

				more = ++n < v->ncpus;
				key = c->tid;
				if (!key || !c->start_ns || kmap_get(&next_tasks, key, false) ||
				    now <= c->start_ns) {
					continue;
				}
				total = now - c->start_ns;
				tgid = c->tgid;
				comm = c->comm;
			}
			prev = kmap_get(&v->prev_tasks, key, false);
			delta = prev && *prev <= total ? total - *prev : (prev ? 0 : total);
			delta = delta > interval_ns ? interval_ns : delta;
			prev = kmap_get(&next_tasks, key, true);
			if (prev) {
				*prev = total;
			}
			if (delta) {
				struct top_proc *p = view_proc(v, tgid, comm);

				if (p) {
					p->cpu_ns += delta;
					if (key == tgid) {
						comm_copy(p->comm, comm, LAT_COMM_LEN);
					}
				}
			} else if (pass == 0 && task_gone(key)) {
				ids_push(&gone, key);
			}
		}
	}
	for (size_t i = 0; i < gone.n; i++) {
		bpf_map_delete_elem(tasks_fd, &gone.v[i]);
	}
	gone.n = 0;
	/* I/O per process */
	for (bool more = bpf_map_get_next_key(procs_fd, NULL, &next) == 0; more;) {
		struct top_io *prev, zero_io = {0}, *saved;
		struct top_proc *p;

		key = next;
		more = bpf_map_get_next_key(procs_fd, &key, &next) == 0;
		if (bpf_map_lookup_elem(procs_fd, &key, &io) != 0) {
			continue;
		}
		prev = kmap_get(&v->prev_io, key, false);
		prev = prev ? prev : &zero_io;
		saved = kmap_get(&next_io, key, true);
		if (saved) {
			*saved = io;
		}
		if (io.rd_bytes == prev->rd_bytes && io.wr_bytes == prev->wr_bytes &&
		    io.blk_rd_reqs == prev->blk_rd_reqs && io.blk_wr_reqs == prev->blk_wr_reqs) {
			if (task_gone(key)) {
				ids_push(&gone, key);
			}
			continue;
		}
		p = view_proc(v, key, io.comm);
		if (p) {
			p->rd += io.rd_bytes - prev->rd_bytes;
			p->wr += io.wr_bytes - prev->wr_bytes;
			p->blk_rd += io.blk_rd_bytes - prev->blk_rd_bytes;
			p->blk_wr += io.blk_wr_bytes - prev->blk_wr_bytes;
			p->blk_reqs +=
			    io.blk_rd_reqs - prev->blk_rd_reqs + io.blk_wr_reqs - prev->blk_wr_reqs;
		}
	}
	for (size_t i = 0; i < gone.n; i++) {
		bpf_map_delete_elem(procs_fd, &gone.v[i]);
	}
	free(gone.v);
	kmap_fini(&v->prev_tasks);
	kmap_fini(&v->prev_io);
	v->prev_tasks = next_tasks;
	v->prev_io = next_io;
	for (int d = 0; d < TOP_DROP_MAX; d++) {
		v->bpf_drops[d] = v->skel->bss->top_drops[d];
	}
	return 0;
}

/* Reads /proc/PID/stat (utime + stime) and /proc/PID/io; returns 0 or -errno. */
static int proc_read(uint32_t pid, struct proc_snap *s)
{
	char path[64], buf[1024], *close_paren, *tok, *save = NULL;
	unsigned long long utime = 0, stime = 0, v;
	FILE *f;
	size_t n;
	int field = 3;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f) {
		return -errno;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	close_paren = strrchr(buf, ')');
	tok = strchr(buf, '(');
	if (!close_paren || !tok) {
		return -EINVAL;
	}
	comm_copy(s->comm, tok + 1, (size_t)(close_paren - tok - 1));
	for (tok = strtok_r(close_paren + 1, " ", &save); tok && field <= 15;
	     tok = strtok_r(NULL, " ", &save), field++) {
		if (field == 14) {
			utime = strtoull(tok, NULL, 10);
		} else if (field == 15) {
			stime = strtoull(tok, NULL, 10);
		}
	}
	s->ticks = utime + stime;
	snprintf(path, sizeof(path), "/proc/%u/io", pid);
	f = fopen(path, "re");
	if (!f) {
		return 0; /* not ours to read: CPU only */
	}
	while (fgets(buf, sizeof(buf), f)) {
		if (sscanf(buf, "rchar: %llu", &v) == 1) {
			s->rchar = v;
		} else if (sscanf(buf, "wchar: %llu", &v) == 1) {
			s->wchar = v;
		} else if (sscanf(buf, "read_bytes: %llu", &v) == 1) {
			s->read_bytes = v;
		} else if (sscanf(buf, "write_bytes: %llu", &v) == 1) {
			s->write_bytes = v;
		}
	}
	fclose(f);
	return 0;
}

/* CPU and I/O from /proc: deltas since the last frame (processes seen the first time: none). */
static int view_collect_proc(struct top_view *v, uint64_t interval_ns)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct kmap next;
	struct dirent *de;
	DIR *dir = opendir("/proc");
	pid_t self = getpid();

	if (!dir) {
		return -errno;
	}
	if (kmap_init(&next, sizeof(struct proc_snap), 1024) != 0) {
		closedir(dir);
		return -ENOMEM;
	}
	hz = hz > 0 ? hz : 100;
	while ((de = readdir(dir))) {
		struct proc_snap s, *prev, *saved;
		struct top_proc *p;
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || !pid || pid > UINT32_MAX || (pid_t)pid == self ||
		    proc_read((uint32_t)pid, &s) != 0) {
			continue;
		}
		saved = kmap_get(&next, (uint32_t)pid, true);
		if (saved) {
			*saved = s;
		}
		prev = kmap_get(&v->prev_proc, (uint32_t)pid, false);
		if (!prev ||
		    (s.ticks == prev->ticks && s.rchar == prev->rchar && s.wchar == prev->wchar &&
		     s.write_bytes == prev->write_bytes && s.read_bytes == prev->read_bytes)) {
			continue;
		}
		p = view_proc(v, (uint32_t)pid, s.comm);
		if (!p) {
			continue;
		}
		p->cpu_ns += s.ticks >= prev->ticks
				 ? (s.ticks - prev->ticks) * (1000000000ULL / (uint64_t)hz)
				 : 0;
		p->cpu_ns = p->cpu_ns > interval_ns * (uint64_t)v->ncpus
				? interval_ns * (uint64_t)v->ncpus
				: p->cpu_ns;
		p->rd += s.rchar >= prev->rchar ? s.rchar - prev->rchar : 0;
		p->wr += s.wchar >= prev->wchar ? s.wchar - prev->wchar : 0;
		p->blk_rd += s.read_bytes >= prev->read_bytes ? s.read_bytes - prev->read_bytes : 0;
		p->blk_wr +=
		    s.write_bytes >= prev->write_bytes ? s.write_bytes - prev->write_bytes : 0;
	}
	closedir(dir);
	kmap_fini(&v->prev_proc);
	v->prev_proc = next;
	return 0;
}

static int view_collect(struct top_view *v, const struct lat_top_frame *frame, uint64_t now)
{
	int err;

	kmap_fini(&v->procs);
	if (kmap_init(&v->procs, sizeof(struct top_proc), 256) != 0) {
		return -ENOMEM;
	}
	err = v->use_bpf ? view_collect_bpf(v, now, frame->interval_ns)
			 : view_collect_proc(v, frame->interval_ns);
	for (int i = 0; i < frame->nslow; i++) {
		const struct lat_top_slow *s = &frame->slow[i];
		struct top_proc *p = view_proc(v, s->pid, s->comm);

		if (p) {
			p->over += s->over;
			if (s->worst_ns > p->worst_ns) {
				p->worst_ns = s->worst_ns;
				snprintf(p->worst_series, sizeof(p->worst_series), "%s",
					 s->tracker);
			}
		}
	}
	return err;
}

/* --- rendering ------------------------------------------------------------------------------ */

enum top_sort { SORT_CPU = 'c', SORT_IO = 'i', SORT_LAT = 'l' };

static enum top_sort sort_key;

static uint64_t proc_io(const struct top_proc *p)
{
	return p->rd + p->wr + p->blk_rd + p->blk_wr;
}

static int proc_cmp(const void *a, const void *b)
{
	const struct top_proc *x = *(const struct top_proc *const *)a;
	const struct top_proc *y = *(const struct top_proc *const *)b;
	uint64_t kx, ky;

	switch (sort_key) {
	case SORT_IO:
		kx = proc_io(x), ky = proc_io(y);
		break;
	case SORT_LAT:
		kx = x->worst_ns, ky = y->worst_ns;
		break;
	default:
		kx = x->cpu_ns, ky = y->cpu_ns;
	}
	if (kx != ky) {
		return kx > ky ? -1 : 1;
	}
	if (x->cpu_ns != y->cpu_ns) {
		return x->cpu_ns > y->cpu_ns ? -1 : 1;
	}
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* "12.3M" per second. */
static void fmt_rate(uint64_t bytes, uint64_t interval_ns, char *buf, size_t len)
{
	static const char units[] = "BKMGT";
	double v = interval_ns ? (double)bytes * 1e9 / (double)interval_ns : 0;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0) {
		snprintf(buf, len, "%.0f%c", v, units[u]);
	} else {
		snprintf(buf, len, "%.1f%c", v, units[u]);
	}
}

struct top_opts {
	uint64_t delay_ns, duration_ns;
	long iterations;
	int limit;
	bool batch;
	const char *agent;
};

/*
 * Writes one frame as text lines; the process table has at most max_procs rows (-1: no limit).
 */
static void render(FILE *out, const struct top_opts *o, const struct lat_top_frame *frame,
		   struct top_view *v, int max_procs, const char *source)
{
	struct top_proc **list = NULL;
	size_t n = 0;
	char when[32], ival[32];
	time_t t = time(NULL);
	struct tm tm;
	uint64_t lost = 0;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	lat_format_duration(frame->interval_ns, ival, sizeof(ival));
	for (int i = 0; i < frame->nrows; i++) {
		lost += frame->rows[i].lost;
	}
	fprintf(out, "latscope top - %s, interval %s, source: %s, sort: %s\n", when, ival, source,
		sort_key == SORT_IO    ? "io"
		: sort_key == SORT_LAT ? "latency"
				       : "cpu");
	/* 80 columns hold every column but the worst event's details (the last) */
	fprintf(out, "%-11s %8s %6s %9s %9s %9s %9s %5s  %s\n", "SERIES", "EVENTS", "OVER",
		"THRESHOLD", "P50", "P99", "MAX", "LOST", "WORST EVENT");
	for (int i = 0; i < frame->nrows; i++) {
		const struct lat_top_row *r = &frame->rows[i];
		char thr[32], p50[32], p99[32], max[32], worst[32];

		if (r->off) {
			fprintf(out, "%-11s %8s (turned off: %s.enabled=0)\n", r->series, "off",
				r->tracker);
			continue;
		}
		fmt_dur(r->threshold_ns, thr, sizeof(thr));
		fmt_dur(r->p50_ns, p50, sizeof(p50));
		fmt_dur(r->p99_ns, p99, sizeof(p99));
		fmt_dur(r->max_ns, max, sizeof(max));
		fprintf(out, "%-11s %8llu %6llu %9s %9s %9s %9s %5llu ", r->series, U(r->events),
			U(r->over), thr, p50, p99, max, U(r->lost));
		if (r->worst.delay_ns) {
			lat_format_duration(r->worst.delay_ns, worst, sizeof(worst));
			fprintf(out, " %s %s[%u] %s%s\n", worst, r->worst.comm, r->worst.pid,
				r->worst.fields, r->worst.timeout ? " (timeout)" : "");
		} else {
			fprintf(out, " -\n");
		}
	}
	if (v->use_bpf) {
		fprintf(out,
			"CPU: sched_switch run time per thread, summed by process; I/O: read/write "
			"syscalls and block requests by issuing process (bpf)");
		if (v->bpf_drops[TOP_DROP_TASKS] || v->bpf_drops[TOP_DROP_PROCS]) {
			fprintf(out, "; not counted: %llu threads, %llu processes (tables full)",
				U(v->bpf_drops[TOP_DROP_TASKS]), U(v->bpf_drops[TOP_DROP_PROCS]));
		}
		fprintf(out, "\n");
	} else {
		fprintf(out,
			"CPU: /proc/PID/stat utime+stime; I/O: /proc/PID/io rchar/wchar "
			"(syscalls) and read_bytes/write_bytes (storage; no request counts)\n");
	}
	if (frame->slow_more) {
		fprintf(out, "(and %llu over-threshold events of %d+ other processes)\n",
			U(frame->slow_more), LAT_TOP_SLOW_MAX);
	}
	list = calloc(v->procs.n ? v->procs.n : 1, sizeof(*list));
	for (size_t i = 0; list && i < v->procs.cap; i++) {
		if (v->procs.keys[i]) {
			list[n++] = (struct top_proc *)(v->procs.vals + i * v->procs.vsize);
		}
	}
	if (list) {
		qsort(list, n, sizeof(*list), proc_cmp);
	}
	/* 80 columns hold every column up to WORST (the series is the last) */
	fprintf(out, "%7s %-15s %5s %6s %6s %6s %6s %5s %5s %9s %s\n", "PID", "COMM", "CPU%",
		"RD/s", "WR/s", "BRD/s", "BWR/s", "REQ/s", "OVER", "WORST", "SERIES");
	for (size_t i = 0; i < n && (max_procs < 0 || (int)i < max_procs); i++) {
		const struct top_proc *p = list[i];
		char rd[16], wr[16], brd[16], bwr[16], reqs[16], worst[32];
		double cpu =
		    frame->interval_ns ? (double)p->cpu_ns * 100.0 / (double)frame->interval_ns : 0;

		fmt_rate(p->rd, frame->interval_ns, rd, sizeof(rd));
		fmt_rate(p->wr, frame->interval_ns, wr, sizeof(wr));
		fmt_rate(p->blk_rd, frame->interval_ns, brd, sizeof(brd));
		fmt_rate(p->blk_wr, frame->interval_ns, bwr, sizeof(bwr));
		if (v->use_bpf) {
			snprintf(reqs, sizeof(reqs), "%.0f",
				 frame->interval_ns
				     ? (double)p->blk_reqs * 1e9 / (double)frame->interval_ns
				     : 0);
		} else {
			snprintf(reqs, sizeof(reqs), "-");
		}
		fmt_dur(p->worst_ns, worst, sizeof(worst));
		fprintf(out, "%7u %-15s %5.1f %6s %6s %6s %6s %5s %5llu %9s %s\n", p->pid, p->comm,
			cpu, rd, wr, brd, bwr, reqs, U(p->over), worst,
			p->worst_series[0] ? p->worst_series : "-");
	}
	free(list);
	(void)o;
}

/* Draws the frame's text on the terminal (headers in reverse video); the process rows fill it. */
static void render_curses(const struct top_opts *o, const struct lat_top_frame *frame,
			  struct top_view *v, const char *source)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	int fixed = 5 + frame->nrows + (frame->slow_more ? 1 : 0), y = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem) {
		return;
	}
	render(mem, o, frame, v, LINES - fixed > 0 ? LINES - fixed : 0, source);
	fclose(mem);
	erase();
	for (line = strtok_r(text, "\n", &save); line && y < LINES;
	     line = strtok_r(NULL, "\n", &save), y++) {
		bool header = !strncmp(line, "SERIES ", 7) || !strncmp(line, "    PID ", 8);

		if (header) {
			attron(A_REVERSE);
		}
		mvaddnstr(y, 0, line, COLS);
		if (header) {
			attroff(A_REVERSE);
		}
	}
	mvaddnstr(LINES - 1 > y ? y : LINES - 1, 0, "keys: c cpu, i io, l latency, q quit", COLS);
	refresh();
	free(text);
}

/* --- the agent as the source ---------------------------------------------------------------- */

struct agent_reply {
	struct lat_top_frame *frame;
	char *why;
	size_t why_len;
};

static int agent_line(void *ctx, const char *line, bool is_error)
{
	struct agent_reply *r = ctx;

	if (is_error) {
		snprintf(r->why, r->why_len, "agent: %.200s", line);
		return -EPROTO;
	}
	if (lat_top_frame_parse_line(r->frame, line) != 0) {
		snprintf(r->why, r->why_len, "agent: unexpected reply '%.60s'", line);
		return -EPROTO;
	}
	return 0;
}

/* Asks the agent for its last interval ("top" on its control socket). */
static int agent_fetch(const char *path, struct lat_top_frame *frame, char *why, size_t why_len)
{
	struct agent_reply r = {.frame = frame, .why = why, .why_len = why_len};
	struct lat_ctl_reply reply;
	int fd, err;

	memset(frame, 0, offsetof(struct lat_top_frame, slow));
	fd = lat_ctl_connect(path, 5);
	if (fd == -ENAMETOOLONG) {
		snprintf(why, why_len, "%s: %s", path, strerror(ENAMETOOLONG));
		return fd;
	}
	if (fd < 0) {
		snprintf(why, why_len, "%s: %s (is latscope agent running?)", path, strerror(-fd));
		return fd;
	}
	err = lat_ctl_exchange(fd, "top", agent_line, &r, &reply);
	if (err == -EPROTO) {
		return err;
	}
	if (err || !reply.ok) {
		snprintf(why, why_len, "%s: the agent closed the connection", path);
		return -EPROTO;
	}
	return 0;
}

/* --- the probes as the source --------------------------------------------------------------- */

static const char *const default_trackers[] = {"syscall", "wakeup", "offcpu", "block", "irq"};
#define NTRACKERS (sizeof(default_trackers) / sizeof(default_trackers[0]))

struct top_probes {
	struct lat_top_acc acc;
	struct lat_live *live; /* the probes (none with --agent), signals, the loop */
	struct lat_ebpf_probe *probe[NTRACKERS];
	int idx[NTRACKERS]; /* each tracker's in acc */
	/* while waiting for the next frame */
	bool keys, redraw, quit;
};

static int on_alert(void *ctx, void *tracker_ctx, const struct lat_alert *a)
{
	struct top_probes *tp = ctx;

	lat_top_acc_record(&tp->acc, *(const int *)tracker_ctx, a);
	return 0;
}

static void on_bad_record(void *ctx, void *tracker_ctx)
{
	struct top_probes *tp = ctx;

	lat_top_acc_bad_record(&tp->acc, *(const int *)tracker_ctx);
}

static int on_signal(void *ctx, int signo)
{
	((struct top_probes *)ctx)->quit = true;
	return 1;
}

static int keys_fds(void *ctx, struct pollfd *fds, int max, int *timeout_ms)
{
	struct top_probes *tp = ctx;

	if (!tp->keys || max < 1) {
		return 0;
	}
	fds[0] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
	return 1;
}

/* The keys typed: q quits, c, i, l sort (and redraw at once), a resize redraws. */
static int keys_ready(void *ctx, const struct pollfd *fds, int nfds, int ready)
{
	struct top_probes *tp = ctx;
	int ch;

	if (ready <= 0 || nfds < 1 || !fds[0].revents) {
		return 0;
	}
	while ((ch = getch()) != ERR) {
		if (ch == 'q' || ch == 'Q') {
			tp->quit = true;
			return 1;
		}
		if (ch == 'c' || ch == 'i' || ch == 'l') {
			sort_key = (enum top_sort)ch;
			tp->redraw = true;
		} else if (ch == KEY_RESIZE) {
			tp->redraw = true;
		}
	}
	return tp->redraw ? 1 : 0;
}

static const struct lat_live_ops top_ops = {
    .alert = on_alert,
    .bad_record = on_bad_record,
    .signal = on_signal,
    .poll_fds = keys_fds,
    .poll_ready = keys_ready,
};

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return 0;
}

static int probes_start(struct top_probes *tp, struct top_view *v)
{
	char why[512];
	int err;

	lat_top_acc_init(&tp->acc, mono_ns());
	for (size_t i = 0; i < NTRACKERS; i++) {
		const struct lat_ktracker *t = lat_ktracker_find(default_trackers[i]);
		struct lat_live_tracker_opts opts = {
		    .tracker = t,
		    .ctl = {.threshold_ns = t ? t->default_threshold_ns : 0},
		    .ringbuf_bytes = 1 << 20,
		};

		if (!t) {
			cli_error("top: no tracker '%s'", default_trackers[i]);
			return -ENOENT;
		}
		tp->idx[i] = (int)i;
		err = lat_live_add(tp->live, &opts, &tp->idx[i], &tp->probe[i], why, sizeof(why));
		if (err) {
			cli_error("top: %s", why);
			return err;
		}
	}
	err = lat_live_attach(tp->live, why, sizeof(why));
	if (err) {
		cli_error("top: %s", why);
		return err;
	}
	for (size_t i = 0; i < NTRACKERS; i++) {
		lat_top_acc_add(&tp->acc, lat_ktracker_find(default_trackers[i]), tp->probe[i]);
	}
	/* per-process CPU and I/O */
	v->skel = top_bpf__open();
	if (!v->skel) {
		cli_error("top: top.bpf: %s", strerror(errno));
		return -errno;
	}
	v->skel->rodata->top_self_tgid = (uint32_t)getpid();
	{
		const long nr[8] = {SYS_read,  SYS_pread64,  SYS_readv,  SYS_preadv,
				    SYS_write, SYS_pwrite64, SYS_writev, SYS_pwritev};

		memcpy((void *)v->skel->rodata->top_rw_nr, nr, sizeof(nr));
	}
	err = top_bpf__load(v->skel);
	if (!err) {
		err = top_bpf__attach(v->skel);
	}
	if (err) {
		/* the trackers run: CPU and I/O per process from /proc then (the frame says so) */
		top_bpf__destroy(v->skel);
		v->skel = NULL;
		return view_collect_proc(v, 0) == 0 ? 0 : err;
	}
	v->use_bpf = true;
	return 0;
}

static void probes_stop(struct top_probes *tp, struct top_view *v)
{
	lat_live_free(tp->live);
	tp->live = NULL;
	top_bpf__destroy(v->skel);
	v->skel = NULL;
}

/* --- command line --------------------------------------------------------------------------- */

static void print_help(void)
{
	printf("Usage: latscope top [-b] [-d DELAY] [-n N] [--duration DURATION] [-s c|i|l] "
	       "[--limit N]\n"
	       "                    [--agent SOCKET]\n\n"
	       "A live view of the worst latencies and of CPU and I/O per process, refreshed\n"
	       "every DELAY (like top, rtla). Per tracker series (syscall, wakeup, offcpu, block,\n"
	       "block_queue, irq_*): the interval's events, how many were over the threshold,\n"
	       "p50/p99/max and the worst event with its process and fields. Per process: CPU\n"
	       "(sched_switch run time), read/write syscall bytes, block bytes and requests\n"
	       "issued, over-threshold events and the worst one.\n\n"
	       "Straight from the probes by default (root, BTF); with --agent, from a running\n"
	       "`latscope agent` (its last second) and /proc for CPU and I/O per process.\n"
	       "On a terminal: keys c (sort by CPU), i (by I/O), l (by latency), q (quit).\n"
	       "Not on a terminal, or with -b: one plain text frame per interval.\n\n"
	       "  -b, --batch             plain text frames, even on a terminal\n"
	       "  -d, --delay DURATION    interval between frames (default 1s, at least 100ms)\n"
	       "  -n, --iterations N      stop after N frames\n"
	       "      --duration DURATION stop after DURATION (10s, 1m)\n"
	       "  -s, --sort c|i|l        sort processes by CPU (default), I/O or latency\n"
	       "      --limit N           processes per frame in batch mode (default 20, 0: all)\n"
	       "  -a, --agent SOCKET      read a running agent (its control socket, e.g.\n"
	       "                          /run/latscope/agent.sock)\n"
	       "  -h, --help              this help\n");
}

static int parse_args(struct top_opts *o, int argc, char **argv)
{
	static const struct option options[] = {
	    {"batch", no_argument, NULL, 'b'},
	    {"delay", required_argument, NULL, 'd'},
	    {"iterations", required_argument, NULL, 'n'},
	    {"duration", required_argument, NULL, 'D'},
	    {"sort", required_argument, NULL, 's'},
	    {"limit", required_argument, NULL, 'L'},
	    {"agent", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":bd:n:s:a:h", options, NULL)) != -1) {
		switch (opt) {
		case 'b':
			o->batch = true;
			break;
		case 'd':
			if (lat_parse_duration(optarg, 1000000000ULL, &o->delay_ns) != 0 ||
			    o->delay_ns < 100000000ULL) {
				return cli_usage_error("top",
						       "top: bad --delay '%s' (a duration, at "
						       "least 100ms: 1s, 500ms)",
						       optarg);
			}
			break;
		case 'n': {
			int n;

			if (lat_parse_int(optarg, 1, INT_MAX, &n)) {
				return cli_usage_error(
				    "top", "top: bad --iterations '%s' (a number, 1..%d)", optarg,
				    INT_MAX);
			}
			o->iterations = n;
			break;
		}
		case 'D':
			if (lat_parse_duration(optarg, 1000000000ULL, &o->duration_ns) != 0 ||
			    !o->duration_ns) {
				return cli_usage_error(
				    "top", "top: bad --duration '%s' (a duration: 10s, 1m)",
				    optarg);
			}
			break;
		case 's':
			if (strlen(optarg) != 1 || !strchr("cil", optarg[0])) {
				return cli_usage_error("top", "top: bad --sort '%s' (c, i or l)",
						       optarg);
			}
			sort_key = (enum top_sort)optarg[0];
			break;
		case 'L':
			if (lat_parse_int(optarg, 0, INT_MAX, &o->limit)) {
				return cli_usage_error("top",
						       "top: bad --limit '%s' (a number, 0..%d)",
						       optarg, INT_MAX);
			}
			break;
		case 'a':
			o->agent = optarg;
			break;
		case 'h':
			print_help();
			return -1;
		case ':':
			return cli_usage_error("top", "top: option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error("top", "top: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return cli_usage_error("top", "top: unexpected argument '%s'", argv[optind]);
	}
	return 0;
}

/* Waits until deadline, feeding the probes' records and the keys; returns 1 to quit. */
static int wait_until(struct top_probes *tp, uint64_t deadline, bool keys, bool *redraw)
{
	int rc;

	tp->keys = keys;
	tp->redraw = tp->quit = false;
	rc = lat_live_run(tp->live, deadline);
	*redraw = tp->redraw;
	return rc < 0 || tp->quit;
}

int cmd_top(int argc, char **argv)
{
	static struct top_probes tp_storage;
	static struct lat_top_frame frame;
	struct top_probes *tp = &tp_storage;
	struct top_opts o = {.delay_ns = 1000000000ULL, .limit = 20};
	struct top_view v = {0};
	bool curses = false, have_frame = false;
	char source[160], why[512];
	uint64_t start, next;
	int rc;
	long frames = 0;

	memset(tp, 0, sizeof(*tp));
	sort_key = SORT_CPU;
	rc = parse_args(&o, argc, argv);
	if (rc) {
		return rc < 0 ? CLI_EXIT_OK : rc;
	}
	rc = CLI_EXIT_FAILURE;
	v.ncpus = libbpf_num_possible_cpus();
	v.ncpus = v.ncpus > 0 ? v.ncpus : 1;
	libbpf_set_print(libbpf_quiet);
	if (lat_live_create(&top_ops, tp, NULL, &tp->live, why, sizeof(why)) != 0) {
		cli_error("top: %s", why);
		return CLI_EXIT_FAILURE;
	}
	if (o.agent) {
		if (agent_fetch(o.agent, &frame, why, sizeof(why)) != 0) {
			cli_error("top: %s", why);
			goto out;
		}
		snprintf(source, sizeof(source), "agent %s (its last second)", o.agent);
		view_collect_proc(&v, o.delay_ns); /* the first /proc snapshot */
	} else {
		if (probes_start(tp, &v) != 0) {
			goto out;
		}
		snprintf(source, sizeof(source), "probes");
	}
	if (!o.batch && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO)) {
		if (!newterm(NULL, stdout, stdin)) {
			cli_error("top: cannot use the terminal '%s' (try -b)",
				  getenv("TERM") ? getenv("TERM") : "");
			goto out;
		}
		curses = true;
		cbreak();
		noecho();
		nodelay(stdscr, TRUE);
		keypad(stdscr, TRUE);
		curs_set(0);
	}
	start = mono_ns();
	next = start + o.delay_ns;
	tp->acc.last_close_ns = start; /* the first interval starts now, not at load */
	for (;;) {
		bool redraw = false;
		uint64_t now;

		if (wait_until(tp, next, curses, &redraw)) {
			break;
		}
		if (redraw && have_frame) {
			render_curses(&o, &frame, &v, source);
			continue;
		}
		if (redraw) {
			continue;
		}
		now = mono_ns();
		if (o.agent) {
			if (agent_fetch(o.agent, &frame, why, sizeof(why)) != 0) {
				if (curses) {
					endwin();
					curses = false;
				}
				cli_error("top: %s", why);
				goto out;
			}
			frame.interval_ns = frame.interval_ns ? frame.interval_ns : o.delay_ns;
			view_collect(&v, &frame, now);
		} else {
			lat_top_acc_close(&tp->acc, now, &frame);
			view_collect(&v, &frame, now);
		}
		have_frame = true;
		if (curses) {
			render_curses(&o, &frame, &v, source);
		} else {
			render(stdout, &o, &frame, &v, o.limit ? o.limit : -1, source);
			printf("\n");
			fflush(stdout);
		}
		frames++;
		next += o.delay_ns;
		if (next < mono_ns()) {
			next = mono_ns() + o.delay_ns; /* a slow frame: no burst to catch up */
		}
		if ((o.iterations && frames >= o.iterations) ||
		    (o.duration_ns && mono_ns() - start + o.delay_ns / 2 >= o.duration_ns)) {
			break;
		}
	}
	rc = CLI_EXIT_OK;
out:
	if (curses) {
		endwin();
	}
	probes_stop(tp, &v);
	kmap_fini(&v.procs);
	kmap_fini(&v.prev_tasks);
	kmap_fini(&v.prev_io);
	kmap_fini(&v.prev_proc);
	return rc;
}
