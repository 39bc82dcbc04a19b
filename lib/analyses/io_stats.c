/* io_stats.c: the I/O analyses' tables (lttng-analyses' cli/io.py): latency statistics, top and
 * log of the requests, their frequency distribution, and the usage tops per process, file, disk
 * and interface, from what io.c kept of the period. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/io_int.h"

/* ---------------------------------------------------------------- table lat_io_classes */

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
const struct lat_table_class lat_io_stats_class =
    CLASS("syscall-latency-stats", "System call latency statistics", stats_columns);
const struct lat_table_class lat_io_disk_stats_class =
    CLASS("disk-latency-stats", "Partition latency statistics", disk_stats_columns);
const struct lat_table_class lat_io_freq_class =
    CLASS("freq", "I/O request latency distribution", freq_columns);
const struct lat_table_class lat_io_top_class =
    CLASS("top-syscall", "Top system call latencies", log_columns);
const struct lat_table_class lat_io_log_class = CLASS("log", "I/O operations log", log_columns);
const struct lat_table_class lat_io_proc_top_class =
    CLASS("per-process-top", "Per-process top I/O operations", proc_top_columns);
const struct lat_table_class lat_io_file_top_class =
    CLASS("per-file-top", "Per-file top I/O operations", file_top_columns);
const struct lat_table_class lat_io_block_top_class =
    CLASS("per-process-top-block", "Per-process top block I/O operations", block_top_columns);
const struct lat_table_class lat_io_disk_sector_class =
    CLASS("per-disk-top-sector", "Per-disk top sector I/O operations", disk_sector_columns);
const struct lat_table_class lat_io_disk_request_class =
    CLASS("per-disk-top-request", "Per-disk top I/O requests", disk_request_columns);
const struct lat_table_class lat_io_disk_rtps_class =
    CLASS("per-disk-top-rps", "Per-disk top I/O request time/sector", disk_rtps_columns);
const struct lat_table_class lat_io_netif_class =
    CLASS("per-netif-top", "Per-network interface top I/O operations", netif_columns);
const struct lat_table_class *const lat_io_classes[LAT_IO_NCLASSES] = {
    &lat_io_stats_class,        &lat_io_disk_stats_class, &lat_io_freq_class,
    &lat_io_top_class,          &lat_io_log_class,        &lat_io_proc_top_class,
    &lat_io_file_top_class,     &lat_io_block_top_class,  &lat_io_disk_sector_class,
    &lat_io_disk_request_class, &lat_io_disk_rtps_class,  &lat_io_netif_class,
};

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
	struct lat_table *t = lat_result_add_table(result, &lat_io_stats_class, begin, end, NULL);

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
	t = lat_result_add_table(result, &lat_io_disk_stats_class, begin, end, NULL);
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
		    lat_result_add_table(result, &lat_io_top_class, begin, end, names[k]);
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
	struct lat_table *t = lat_result_add_table(result, &lat_io_log_class, begin, end, NULL);

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
		    lat_result_add_table(result, &lat_io_freq_class, begin, end, names[k]);
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
		t = lat_result_add_table(result, &lat_io_freq_class, begin, end, subtitle);
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

	t = lat_result_add_table(
	    result, k < K_BLOCK_READ ? &lat_io_proc_top_class : &lat_io_block_top_class, begin, end,
	    subtitles[k]);
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
		struct lat_table *t = lat_result_add_table(result, &lat_io_file_top_class, begin,
							   end, w ? "written" : "read");
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
		    &lat_io_disk_sector_class, &lat_io_disk_request_class, &lat_io_disk_rtps_class};
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
		struct lat_table *t = lat_result_add_table(result, &lat_io_netif_class, begin, end,
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

int lat_io_finish(void *priv, const struct lat_state *state, int64_t begin, int64_t end,
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
