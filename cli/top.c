/* top.c: `latscope top`: a live view of the worst latencies (per tracker series), CPU and I/O per
 * process, refreshed every interval; fed by the probes or by a running agent; ncurses on a
 * terminal, plain text frames otherwise (-b). Also the interval figures the agent keeps (top.h). */
#include "top.h"

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

/* --- the interval figures (shared with the agent) ------------------------------------------- */

void top_acc_init(struct top_acc *acc, uint64_t now_ns)
{
	memset(acc, 0, sizeof(*acc));
	acc->last_close_ns = acc->started_ns = now_ns;
}

int top_acc_add(struct top_acc *acc, const struct track_tracker *tracker,
		struct lat_ebpf_probe *probe)
{
	struct top_acc_tracker *t;

	if (acc->ntrk >= (int)(sizeof(acc->trk) / sizeof(acc->trk[0]))) {
		return -ENOSPC;
	}
	t = &acc->trk[acc->ntrk];
	memset(t, 0, sizeof(*t));
	t->tracker = tracker;
	t->probe = probe;
	t->nseries = 1;
	t->s[0].name = tracker->name;
	if (tracker->series) {
		for (t->nseries = 0;
		     t->nseries < LAT_STATS_SERIES_MAX && tracker->series[t->nseries];
		     t->nseries++) {
			t->s[t->nseries].name = tracker->series[t->nseries];
		}
	}
	for (int i = 0; i < t->nseries; i++) {
		lat_ebpf_probe_stats(probe, (uint32_t)i, &t->s[i].prev);
	}
	return acc->ntrk++;
}

static void comm_copy(char out[LAT_COMM_LEN + 1], const char *comm, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < LAT_COMM_LEN && comm[i]; i++) {
		out[i] = (comm[i] > 0x20 && comm[i] < 0x7f) ? comm[i] : '?';
	}
	out[i] = '\0';
}

static void event_of(struct top_event *e, const struct lat_record_hdr *hdr,
		     const struct track_field *fields, int nfields)
{
	size_t used = 0;

	e->delay_ns = hdr->delay_ns;
	e->pid = hdr->pid;
	e->tid = hdr->tid;
	e->timeout = hdr->flags & LAT_REC_TIMEOUT;
	comm_copy(e->comm, hdr->comm, LAT_COMM_LEN);
	e->fields[0] = '\0';
	for (int i = 0; i < nfields && used < sizeof(e->fields); i++) {
		int n = snprintf(e->fields + used, sizeof(e->fields) - used, "%s%s=%s",
				 used ? " " : "", fields[i].name, fields[i].value);

		used += n > 0 ? (size_t)n : 0;
	}
}

static void slow_add(struct top_acc *acc, const struct top_event *e, const char *series)
{
	struct top_slow *s = NULL;

	for (int i = 0; i < acc->nslow; i++) {
		if (acc->slow[i].pid == e->pid) {
			s = &acc->slow[i];
			break;
		}
	}
	if (!s && acc->nslow == TOP_SLOW_MAX) {
		/* full: the process whose worst event is the least bad leaves (counted) */
		struct top_slow *least = &acc->slow[0];

		for (int i = 1; i < acc->nslow; i++) {
			if (acc->slow[i].worst_ns < least->worst_ns) {
				least = &acc->slow[i];
			}
		}
		if (least->worst_ns >= e->delay_ns) {
			acc->slow_more++;
			return;
		}
		acc->slow_more += least->over;
		s = least;
		memset(s, 0, sizeof(*s));
		s->pid = e->pid;
		snprintf(s->comm, sizeof(s->comm), "%s", e->comm);
	} else if (!s) {
		s = &acc->slow[acc->nslow++];
		memset(s, 0, sizeof(*s));
		s->pid = e->pid;
		snprintf(s->comm, sizeof(s->comm), "%s", e->comm);
	}
	s->over++;
	if (e->delay_ns > s->worst_ns) {
		s->worst_ns = e->delay_ns;
		snprintf(s->tracker, sizeof(s->tracker), "%s", series);
	}
}

void top_acc_record(struct top_acc *acc, int idx, const struct lat_record_hdr *hdr,
		    const struct track_field *fields, int nfields)
{
	struct track_field own[TRACK_FIELDS_MAX];
	struct top_acc_tracker *t;
	struct top_acc_series *s;
	struct top_event e;

	if (idx < 0 || idx >= acc->ntrk) {
		return;
	}
	t = &acc->trk[idx];
	if (!fields) {
		nfields = t->tracker->fields(
		    hdr, hdr->payload_len ? (const char *)hdr + hdr->payload_off : NULL, own,
		    TRACK_FIELDS_MAX);
		fields = own;
	}
	s = &t->s[hdr->series < (uint32_t)t->nseries ? hdr->series : 0];
	event_of(&e, hdr, fields, nfields);
	s->over++;
	s->over_total++;
	if (e.delay_ns > s->worst.delay_ns) {
		s->worst = e;
	}
	/* the run's worst, in order (a timeout report and its completion may both be kept) */
	for (int i = 0; i < TOP_WORST_MAX; i++) {
		if (e.delay_ns > s->worst_run[i].delay_ns) {
			memmove(&s->worst_run[i + 1], &s->worst_run[i],
				sizeof(s->worst_run[0]) * (size_t)(TOP_WORST_MAX - 1 - i));
			s->worst_run[i] = e;
			break;
		}
	}
	slow_add(acc, &e, s->name);
}

void top_acc_bad_record(struct top_acc *acc, int idx)
{
	if (idx >= 0 && idx < acc->ntrk) {
		acc->trk[idx].bad_records++;
	}
}

/*
 * p50, p99 (log-linear bucket midpoints: within 1.6 %) and max (the highest bucket's upper bound,
 * replaced by a measured value by the caller when it has one) of a histogram's counts.
 */
static void khist_figures(const uint64_t *hist, uint64_t count, uint64_t *p50, uint64_t *p99,
			  uint64_t *max)
{
	*p50 = *p99 = *max = 0;
	if (!count) {
		return;
	}
	for (int i = LAT_HIST_BUCKETS - 1; i >= 0; i--) {
		if (hist[i]) {
			*max = lat_khist_high(i) - 1;
			break;
		}
	}
	*p50 = lat_khist_quantile(hist, count, 0, *max, 0.5);
	*p99 = lat_khist_quantile(hist, count, 0, *max, 0.99);
}

static uint64_t tracker_lost(struct top_acc_tracker *t)
{
	uint64_t drops[LAT_DROP_MAX] = {0}, lost = t->bad_records;

	lat_ebpf_probe_drops(t->probe, drops);
	for (int d = 0; d < LAT_DROP_MAX; d++) {
		lost += drops[d];
	}
	return lost;
}

/* A row from the difference between st and prev (prev NULL: the whole run). */
static void row_fill(struct top_row *row, struct top_acc_tracker *t, int series,
		     const struct lat_stats *st, const struct lat_stats *prev,
		     const struct top_event *worst)
{
	uint64_t hist[LAT_HIST_BUCKETS];

	memset(row, 0, sizeof(*row));
	snprintf(row->tracker, sizeof(row->tracker), "%s", t->tracker->name);
	snprintf(row->series, sizeof(row->series), "%s", t->s[series].name);
	row->events = st->count - (prev ? prev->count : 0);
	for (int i = 0; i < LAT_HIST_BUCKETS; i++) {
		hist[i] = st->hist[i] - (prev ? prev->hist[i] : 0);
	}
	khist_figures(hist, row->events, &row->p50_ns, &row->p99_ns, &row->max_ns);
	if (!prev && st->max_ns) {
		row->max_ns = st->max_ns; /* exact over the run */
	} else if (worst->delay_ns && !worst->timeout && row->max_ns &&
		   worst->delay_ns >= lat_khist_low(lat_khist_index(row->max_ns))) {
		row->max_ns =
		    worst->delay_ns; /* the worst record is in the highest bucket: exact */
	}
	row->p50_ns = row->p50_ns > row->max_ns ? row->max_ns : row->p50_ns;
	row->p99_ns = row->p99_ns > row->max_ns ? row->max_ns : row->p99_ns;
	row->threshold_ns = lat_ebpf_probe_ctl(t->probe)->threshold_ns;
	row->worst = *worst;
}

void top_acc_close(struct top_acc *acc, uint64_t now_ns, struct top_frame *frame)
{
	memset(frame, 0, offsetof(struct top_frame, slow));
	frame->interval_ns = now_ns - acc->last_close_ns;
	acc->last_close_ns = now_ns;
	for (int k = 0; k < acc->ntrk; k++) {
		struct top_acc_tracker *t = &acc->trk[k];
		uint64_t lost = tracker_lost(t);

		for (int i = 0; i < t->nseries && frame->nrows < TOP_ROWS_MAX; i++) {
			struct top_acc_series *s = &t->s[i];
			struct top_row *row = &frame->rows[frame->nrows++];
			struct lat_stats st;

			if (lat_ebpf_probe_stats(t->probe, (uint32_t)i, &st) != 0) {
				st = s->prev;
			}
			row_fill(row, t, i, &st, &s->prev, &s->worst);
			row->over = s->over;
			if (i == 0) {
				row->lost = lost - s->lost_prev;
				s->lost_prev = lost;
			}
			s->prev = st;
			s->over = 0;
			memset(&s->worst, 0, sizeof(s->worst));
		}
	}
	frame->nslow = acc->nslow;
	frame->slow_more = acc->slow_more;
	memcpy(frame->slow, acc->slow, sizeof(acc->slow[0]) * (size_t)acc->nslow);
	acc->nslow = 0;
	acc->slow_more = 0;
}

static void fmt_dur(uint64_t ns, char *buf, size_t len)
{
	if (!ns) {
		snprintf(buf, len, "-");
	} else {
		lat_format_duration(ns, buf, len);
	}
}

void top_acc_print_summary(struct top_acc *acc, uint64_t now_ns, FILE *out)
{
	char secs[32];

	lat_format_duration(now_ns - acc->started_ns, secs, sizeof(secs));
	fprintf(out,
		"Summary of %s: every event counted in the kernel, over-threshold events "
		"received\n",
		secs);
	fprintf(out, "%-12s %12s %8s %9s %9s %9s %10s %8s\n", "SERIES", "EVENTS", "OVER",
		"THRESHOLD", "P50", "P99", "MAX", "LOST");
	for (int k = 0; k < acc->ntrk; k++) {
		struct top_acc_tracker *t = &acc->trk[k];
		uint64_t lost = tracker_lost(t);

		for (int i = 0; i < t->nseries; i++) {
			struct top_acc_series *s = &t->s[i];
			struct top_row row;
			struct lat_stats st;
			char thr[32], p50[32], p99[32], max[32];

			if (lat_ebpf_probe_stats(t->probe, (uint32_t)i, &st) != 0) {
				continue;
			}
			row_fill(&row, t, i, &st, NULL, &s->worst_run[0]);
			fmt_dur(row.threshold_ns, thr, sizeof(thr));
			fmt_dur(row.p50_ns, p50, sizeof(p50));
			fmt_dur(row.p99_ns, p99, sizeof(p99));
			fmt_dur(row.max_ns, max, sizeof(max));
			fprintf(out, "%-12s %12llu %8llu %9s %9s %9s %10s ", s->name, U(row.events),
				U(s->over_total), thr, p50, p99, max);
			if (i == 0) {
				fprintf(out, "%8llu\n", U(lost));
			} else {
				fprintf(out, "%8s\n", "-");
			}
			for (int w = 0; w < TOP_WORST_MAX && s->worst_run[w].delay_ns; w++) {
				const struct top_event *e = &s->worst_run[w];
				char d[32];

				lat_format_duration(e->delay_ns, d, sizeof(d));
				fprintf(out, "  worst: %s %s[%u/%u] %s%s\n", d, e->comm, e->pid,
					e->tid, e->fields, e->timeout ? " (timeout)" : "");
			}
		}
		if (lost) {
			uint64_t drops[LAT_DROP_MAX] = {0};

			lat_ebpf_probe_drops(t->probe, drops);
			fprintf(out, "  lost:");
			for (int d = 0; d < LAT_DROP_MAX; d++) {
				if (lat_ebpf_drop_name(d)) {
					fprintf(out, " %s=%llu", lat_ebpf_drop_name(d),
						U(drops[d]));
				}
			}
			fprintf(out, " bad_records=%llu\n", U(t->bad_records));
		}
	}
	fflush(out);
}

/* --- JSON lines: the agent's `top` reply ------------------------------------------------------ */

void top_frame_write_json(const struct top_frame *frame, FILE *out)
{
	struct lat_jsonl j;

	lat_jsonl_begin(&j, out);
	lat_jsonl_str(&j, "type", "interval");
	lat_jsonl_u64(&j, "interval_ns", frame->interval_ns);
	lat_jsonl_u64(&j, "slow_more", frame->slow_more);
	lat_jsonl_end(&j);
	for (int i = 0; i < frame->nrows; i++) {
		const struct top_row *r = &frame->rows[i];

		lat_jsonl_begin(&j, out);
		lat_jsonl_str(&j, "type", "series");
		lat_jsonl_str(&j, "tracker", r->tracker);
		lat_jsonl_str(&j, "series", r->series);
		lat_jsonl_u64(&j, "events", r->events);
		lat_jsonl_u64(&j, "over", r->over);
		lat_jsonl_u64(&j, "lost", r->lost);
		lat_jsonl_u64(&j, "p50_ns", r->p50_ns);
		lat_jsonl_u64(&j, "p99_ns", r->p99_ns);
		lat_jsonl_u64(&j, "max_ns", r->max_ns);
		lat_jsonl_u64(&j, "threshold_ns", r->threshold_ns);
		lat_jsonl_u64(&j, "worst_ns", r->worst.delay_ns);
		if (r->worst.delay_ns) {
			lat_jsonl_u64(&j, "worst_pid", r->worst.pid);
			lat_jsonl_u64(&j, "worst_tid", r->worst.tid);
			lat_jsonl_bool(&j, "worst_timeout", r->worst.timeout);
			lat_jsonl_str(&j, "worst_comm", r->worst.comm);
			lat_jsonl_str(&j, "worst_fields", r->worst.fields);
		}
		lat_jsonl_end(&j);
	}
	for (int i = 0; i < frame->nslow; i++) {
		const struct top_slow *s = &frame->slow[i];

		lat_jsonl_begin(&j, out);
		lat_jsonl_str(&j, "type", "slow");
		lat_jsonl_u64(&j, "pid", s->pid);
		lat_jsonl_str(&j, "comm", s->comm);
		lat_jsonl_u64(&j, "over", s->over);
		lat_jsonl_u64(&j, "worst_ns", s->worst_ns);
		lat_jsonl_str(&j, "series", s->tracker);
		lat_jsonl_end(&j);
	}
}

#define JSON_KEYS_MAX 24

struct json_kv {
	char key[32];
	char value[192];
};

/* Parses one flat JSON object (strings, numbers, booleans); returns the pairs or -EINVAL. */
static int json_flat_parse(const char *p, struct json_kv *kv, int max)
{
	int n = 0;

	while (isspace((unsigned char)*p)) {
		p++;
	}
	if (*p++ != '{') {
		return -EINVAL;
	}
	for (;;) {
		char *dst;
		size_t len, cap;

		while (isspace((unsigned char)*p) || *p == ',') {
			p++;
		}
		if (*p == '}') {
			return n;
		}
		if (*p != '"' || n == max) {
			return -EINVAL;
		}
		for (int part = 0; part < 2; part++) {
			dst = part ? kv[n].value : kv[n].key;
			cap = part ? sizeof(kv[n].value) : sizeof(kv[n].key);
			len = 0;
			if (part) {
				while (isspace((unsigned char)*p)) {
					p++;
				}
				if (*p++ != ':') {
					return -EINVAL;
				}
				while (isspace((unsigned char)*p)) {
					p++;
				}
			}
			if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					char c = *p;

					if (c == '\\') {
						p++;
						if (*p == 'u' && isxdigit((unsigned char)p[1]) &&
						    isxdigit((unsigned char)p[2]) &&
						    isxdigit((unsigned char)p[3]) &&
						    isxdigit((unsigned char)p[4])) {
							char hex[5] = {p[1], p[2], p[3], p[4], 0};
							long v = strtol(hex, NULL, 16);

							c = v < 0x80 ? (char)v : '?';
							p += 4;
						} else if (*p == 'n') {
							c = '\n';
						} else if (*p == 't') {
							c = '\t';
						} else if (*p) {
							c = *p;
						} else {
							return -EINVAL;
						}
					}
					if (len + 1 < cap) {
						dst[len++] = c;
					}
				}
				if (*p++ != '"') {
					return -EINVAL;
				}
			} else if (part) {
				while (*p && *p != ',' && *p != '}' &&
				       !isspace((unsigned char)*p)) {
					if (len + 1 < cap) {
						dst[len++] = *p;
					}
					p++;
				}
				if (!len) {
					return -EINVAL;
				}
			} else {
				return -EINVAL;
			}
			dst[len] = '\0';
		}
		n++;
	}
}

static const char *kv_get(const struct json_kv *kv, int n, const char *key)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(kv[i].key, key)) {
			return kv[i].value;
		}
	}
	return NULL;
}

static uint64_t kv_u64(const struct json_kv *kv, int n, const char *key)
{
	const char *v = kv_get(kv, n, key);

	return v ? strtoull(v, NULL, 10) : 0;
}

static void kv_str(const struct json_kv *kv, int n, const char *key, char *out, size_t len)
{
	const char *v = kv_get(kv, n, key);
	size_t l = v ? strnlen(v, len - 1) : 0;

	memcpy(out, v ? v : "", l);
	out[l] = '\0';
}

int top_frame_parse_line(struct top_frame *frame, const char *line)
{
	struct json_kv kv[JSON_KEYS_MAX];
	int n = json_flat_parse(line, kv, JSON_KEYS_MAX);
	const char *type = n > 0 ? kv_get(kv, n, "type") : NULL;

	if (!type) {
		return -EINVAL;
	}
	if (!strcmp(type, "interval")) {
		frame->interval_ns = kv_u64(kv, n, "interval_ns");
		frame->slow_more = kv_u64(kv, n, "slow_more");
	} else if (!strcmp(type, "series") && frame->nrows < TOP_ROWS_MAX) {
		struct top_row *r = &frame->rows[frame->nrows++];

		memset(r, 0, sizeof(*r));
		kv_str(kv, n, "tracker", r->tracker, sizeof(r->tracker));
		kv_str(kv, n, "series", r->series, sizeof(r->series));
		r->events = kv_u64(kv, n, "events");
		r->over = kv_u64(kv, n, "over");
		r->lost = kv_u64(kv, n, "lost");
		r->p50_ns = kv_u64(kv, n, "p50_ns");
		r->p99_ns = kv_u64(kv, n, "p99_ns");
		r->max_ns = kv_u64(kv, n, "max_ns");
		r->threshold_ns = kv_u64(kv, n, "threshold_ns");
		r->worst.delay_ns = kv_u64(kv, n, "worst_ns");
		r->worst.pid = (uint32_t)kv_u64(kv, n, "worst_pid");
		r->worst.tid = (uint32_t)kv_u64(kv, n, "worst_tid");
		r->worst.timeout = !strcmp(kv_get(kv, n, "worst_timeout") ?: "", "true");
		kv_str(kv, n, "worst_comm", r->worst.comm, sizeof(r->worst.comm));
		kv_str(kv, n, "worst_fields", r->worst.fields, sizeof(r->worst.fields));
	} else if (!strcmp(type, "slow") && frame->nslow < TOP_SLOW_MAX) {
		struct top_slow *s = &frame->slow[frame->nslow++];

		memset(s, 0, sizeof(*s));
		s->pid = (uint32_t)kv_u64(kv, n, "pid");
		kv_str(kv, n, "comm", s->comm, sizeof(s->comm));
		s->over = kv_u64(kv, n, "over");
		s->worst_ns = kv_u64(kv, n, "worst_ns");
		kv_str(kv, n, "series", s->tracker, sizeof(s->tracker));
	} else if (strcmp(type, "series") && strcmp(type, "slow")) {
		return -EINVAL;
	}
	return 0;
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

static int view_collect(struct top_view *v, const struct top_frame *frame, uint64_t now)
{
	int err;

	kmap_fini(&v->procs);
	if (kmap_init(&v->procs, sizeof(struct top_proc), 256) != 0) {
		return -ENOMEM;
	}
	err = v->use_bpf ? view_collect_bpf(v, now, frame->interval_ns)
			 : view_collect_proc(v, frame->interval_ns);
	for (int i = 0; i < frame->nslow; i++) {
		const struct top_slow *s = &frame->slow[i];
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
static void render(FILE *out, const struct top_opts *o, const struct top_frame *frame,
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
	fprintf(out, "%-12s %10s %6s %9s %9s %9s %10s %6s  %s\n", "SERIES", "EVENTS", "OVER",
		"THRESHOLD", "P50", "P99", "MAX", "LOST", "WORST EVENT");
	for (int i = 0; i < frame->nrows; i++) {
		const struct top_row *r = &frame->rows[i];
		char thr[32], p50[32], p99[32], max[32], worst[32];

		fmt_dur(r->threshold_ns, thr, sizeof(thr));
		fmt_dur(r->p50_ns, p50, sizeof(p50));
		fmt_dur(r->p99_ns, p99, sizeof(p99));
		fmt_dur(r->max_ns, max, sizeof(max));
		fprintf(out, "%-12s %10llu %6llu %9s %9s %9s %10s %6llu ", r->series, U(r->events),
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
			U(frame->slow_more), TOP_SLOW_MAX);
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
	fprintf(out, "%8s %-16s %6s %8s %8s %8s %8s %6s %6s %9s %s\n", "PID", "COMM", "CPU%",
		"READ/s", "WRITE/s", "BLKRD/s", "BLKWR/s", "REQ/s", "OVER", "WORST", "SERIES");
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
		fprintf(out, "%8u %-16s %6.1f %8s %8s %8s %8s %6s %6llu %9s %s\n", p->pid, p->comm,
			cpu, rd, wr, brd, bwr, reqs, U(p->over), worst,
			p->worst_series[0] ? p->worst_series : "-");
	}
	free(list);
	(void)o;
}

/* Draws the frame's text on the terminal (headers in reverse video); the process rows fill it. */
static void render_curses(const struct top_opts *o, const struct top_frame *frame,
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
		bool header = !strncmp(line, "SERIES ", 7) || !strncmp(line, "     PID ", 9);

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

/* Asks the agent for its last interval ("top" on its control socket). */
static int agent_fetch(const char *path, struct top_frame *frame, char *why, size_t why_len)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	char line[1024];
	bool ok = false;
	FILE *f;
	int fd;

	memset(frame, 0, offsetof(struct top_frame, slow));
	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(why, why_len, "%s: %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
		       connect(fd, (struct sockaddr *)&addr, sizeof(addr))) != 0) {
		int err = errno;

		snprintf(why, why_len, "%s: %s (is latscope agent running?)", path, strerror(err));
		if (fd >= 0) {
			close(fd);
		}
		return -err;
	}
	f = fdopen(fd, "r+");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	fputs("top\n", f);
	fflush(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "ok")) {
			ok = true;
			break;
		}
		if (!strncmp(line, "error: ", 7)) {
			snprintf(why, why_len, "agent: %.200s", line + 7);
			fclose(f);
			return -EPROTO;
		}
		if (top_frame_parse_line(frame, line) != 0) {
			snprintf(why, why_len, "agent: unexpected reply '%.60s'", line);
			fclose(f);
			return -EPROTO;
		}
	}
	fclose(f);
	if (!ok) {
		snprintf(why, why_len, "%s: the agent closed the connection", path);
		return -EPROTO;
	}
	return 0;
}

/* --- the probes as the source --------------------------------------------------------------- */

static const char *const default_trackers[] = {"syscall", "wakeup", "offcpu", "block", "irq"};
#define NTRACKERS (sizeof(default_trackers) / sizeof(default_trackers[0]))

struct top_probes {
	struct top_acc acc;
	struct lat_ebpf_probe *probe[NTRACKERS];
	struct top_rb_ctx {
		struct top_acc *acc;
		int idx;
	} ctx[NTRACKERS];
	struct ring_buffer *rb;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct top_rb_ctx *c = ctx;

	if (lat_ebpf_record_check(data, size) != 0) {
		top_acc_bad_record(c->acc, c->idx);
		return 0;
	}
	top_acc_record(c->acc, c->idx, data, NULL, 0);
	return 0;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return 0;
}

static int probes_start(struct top_probes *tp, struct top_view *v)
{
	char why[512];
	int err;

	top_acc_init(&tp->acc, mono_ns());
	for (size_t i = 0; i < NTRACKERS; i++) {
		const struct track_tracker *t = find_tracker(default_trackers[i]);
		struct lat_ebpf_needs needs = {.tracepoints = t ? t->tracepoints : NULL};
		struct lat_ebpf_probe_opts opts = {
		    .name = default_trackers[i],
		    .skel = t ? t->skel : NULL,
		    .ctl = {.threshold_ns = t ? t->default_threshold_ns : 0},
		    .stack_programs = t ? t->stack_programs : NULL,
		    .ringbuf_bytes = 1 << 20,
		};

		if (!t) {
			cli_error("top: no tracker '%s'", default_trackers[i]);
			return -ENOENT;
		}
		opts.filter.self_tgid = (uint32_t)getpid();
		err = lat_ebpf_check(&needs, why, sizeof(why));
		if (!err) {
			err = lat_ebpf_probe_load(&opts, &tp->probe[i], why, sizeof(why));
		}
		if (err) {
			cli_error("top: %s", why);
			return err;
		}
	}
	for (size_t i = 0; i < NTRACKERS; i++) {
		int fd;

		err = lat_ebpf_probe_attach(tp->probe[i], why, sizeof(why));
		if (err) {
			cli_error("top: %s", why);
			return err;
		}
		tp->ctx[i].acc = &tp->acc;
		tp->ctx[i].idx =
		    top_acc_add(&tp->acc, find_tracker(default_trackers[i]), tp->probe[i]);
		fd = lat_ebpf_probe_events_fd(tp->probe[i]);
		if (!tp->rb) {
			tp->rb = ring_buffer__new(fd, on_record, &tp->ctx[i], NULL);
			err = tp->rb ? 0 : -errno;
		} else {
			err = ring_buffer__add(tp->rb, fd, on_record, &tp->ctx[i]);
		}
		if (err) {
			cli_error("top: ring buffer: %s", strerror(-err));
			return err;
		}
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
	ring_buffer__free(tp->rb);
	for (size_t i = 0; i < NTRACKERS; i++) {
		lat_ebpf_probe_destroy(tp->probe[i]);
	}
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
static int wait_until(uint64_t deadline, struct ring_buffer *rb, int sfd, bool keys, bool *redraw)
{
	for (;;) {
		struct pollfd fds[3];
		int nfds = 0, i_rb = -1, i_key = -1, ready;
		uint64_t now = mono_ns();

		if (now >= deadline) {
			return 0;
		}
		fds[nfds++] = (struct pollfd){.fd = sfd, .events = POLLIN};
		if (rb) {
			i_rb = nfds;
			fds[nfds++] =
			    (struct pollfd){.fd = ring_buffer__epoll_fd(rb), .events = POLLIN};
		}
		if (keys) {
			i_key = nfds;
			fds[nfds++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		}
		/* a --delay of weeks is more milliseconds than an int: wait in steps */
		ready = poll(fds, (nfds_t)nfds,
			     (deadline - now) / 1000000 >= INT_MAX
				 ? INT_MAX
				 : (int)((deadline - now + 999999) / 1000000));
		if (ready < 0 && errno != EINTR) {
			return 1;
		}
		if (ready <= 0) {
			continue;
		}
		if (fds[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				return 1;
			}
		}
		if (i_rb >= 0 && fds[i_rb].revents) {
			ring_buffer__consume(rb);
		}
		if (i_key >= 0 && fds[i_key].revents) {
			int ch;

			while ((ch = getch()) != ERR) {
				if (ch == 'q' || ch == 'Q') {
					return 1;
				}
				if (ch == 'c' || ch == 'i' || ch == 'l') {
					sort_key = (enum top_sort)ch;
					*redraw = true;
				} else if (ch == KEY_RESIZE) {
					*redraw = true;
				}
			}
			if (*redraw) {
				return 0;
			}
		}
	}
}

int cmd_top(int argc, char **argv)
{
	static struct top_probes tp_storage;
	static struct top_frame frame;
	struct top_probes *tp = &tp_storage;
	struct top_opts o = {.delay_ns = 1000000000ULL, .limit = 20};
	struct top_view v = {0};
	bool curses = false, have_frame = false;
	char source[160], why[512];
	uint64_t start, next;
	sigset_t mask;
	int rc, sfd = -1;
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
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		cli_error("top: signalfd: %s", strerror(errno));
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

		if (wait_until(next, tp->rb, sfd, curses, &redraw)) {
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
			top_acc_close(&tp->acc, now, &frame);
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
	if (!o.agent) {
		probes_stop(tp, &v);
	}
	kmap_fini(&v.procs);
	kmap_fini(&v.prev_tasks);
	kmap_fini(&v.prev_io);
	kmap_fini(&v.prev_proc);
	close(sfd);
	return rc;
}
