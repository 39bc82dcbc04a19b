/* track.c: `latscope track TRACKER...`: kernel latency trackers in eBPF, their alerts, control and
 * summary. */
#include "cli.h"
#include "trackers/alert_stacks.h"
#include "trackers/live.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sources/syscall_names.h"
#include "state/hist.h"
#include "util/ctlproto.h"
#include "util/ctlsock.h"
#include "util/ksyms.h"
#include "util/units.h"
#include "util/usyms.h"

#define MAX_INSTANCES        16
#define TRACK_CTL_TIMEOUT_NS 2000000000ULL /* a control client has 2 s for its line and reply */
#define CGROUP2_MAGIC        0x63677270

/* One tracker running in this invocation. */
struct track_instance {
	const struct lat_ktracker *tracker;
	struct lat_ebpf_probe *probe;
	uint64_t threshold_ns;
	uint64_t timeout_ns;
	bool threshold_set, timeout_set;
	uint64_t records;     /* records received */
	uint64_t timeouts;    /* of which timeout reports */
	uint64_t bad_records; /* malformed records (counted, never printed) */
	/* the same, by series */
	uint64_t series_records[LAT_STATS_SERIES_MAX];
	uint64_t series_timeouts[LAT_STATS_SERIES_MAX];
};

struct track_run {
	struct lat_live *live; /* the probes, their ring buffer, signals and the loop */
	struct track_instance inst[MAX_INSTANCES];
	int ninst;
	struct lat_syscall_set syscalls; /* --syscall, --exclude-syscall, --exclude-idle */
	/* options */
	uint64_t threshold_ns, timeout_ns;
	bool threshold_set, timeout_set;
	bool worst, json, quiet, verbose, kstack;
	uint32_t ustack_size;
	uint64_t duration_ns;
	uint64_t ringbuf_bytes;
	struct lat_tracker_filter filter;
	const char *exec_cmd;
	uint64_t exec_interval_ns;
	const char *socket_path;
	/* state */
	struct lat_alert_symbols *symbols;
	char socket_buf[PATH_MAX];
	int listen_fd;
	struct lat_ctl_server ctl; /* its clients, served without blocking the loop */
	uint64_t started_ns;
	uint64_t exec_last_ns;
	bool exec_ever;
	uint64_t exec_run, exec_skipped, exec_failed;
	int exec_children;
};

/* One alert, decoded once for text, JSON and --exec. */
struct track_alert {
	const struct track_instance *inst;
	struct lat_alert k; /* the typed alert; the rest: its text */
	struct lat_alert_field fields[LAT_ALERT_FIELDS_MAX];
	int nfields;
	struct lat_alert_frames st; /* its stacks */
	struct lat_alert_frames x;  /* the tracker's extra stacks (k.extra_name: the waker's) */
};

static struct track_alert alert_buf;

#define U(x) ((unsigned long long)(x))

static bool verbose_libbpf;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!verbose_libbpf || level == LIBBPF_DEBUG) {
		return 0;
	}
	return vfprintf(stderr, fmt, args);
}

static struct track_instance *find_instance(struct track_run *run, const char *name, size_t len)
{
	for (int i = 0; i < run->ninst; i++) {
		if (strlen(run->inst[i].tracker->name) == len &&
		    strncmp(run->inst[i].tracker->name, name, len) == 0) {
			return &run->inst[i];
		}
	}
	return NULL;
}

/* --- output --------------------------------------------------------------------------------- */

static void json_string(FILE *out, const char *text)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\') {
			fprintf(out, "\\%c", *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\u%04x", *p);
		} else {
			fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void print_extra_text(const struct track_alert *a)
{
	if (!a->k.extra_name) {
		return;
	}
	if (a->x.kn) {
		printf("  %s kernel stack:\n", a->k.extra_name);
		for (int i = 0; i < a->x.kn; i++) {
			printf("    %s\n", a->x.kstack[i]);
		}
		if (a->k.extra.flags & LAT_REC_KSTACK_CUT) {
			printf("    [cut short: more than %d frames]\n", LAT_KSTACK_MAX);
		}
	}
	if (a->x.has_ustack) {
		printf("  %s user stack:\n", a->k.extra_name);
		for (int i = 0; i < a->x.un; i++) {
			printf("    %s\n", a->x.ustack[i]);
		}
		if (a->x.note[0]) {
			printf("    [%s]\n", a->x.note);
		}
	}
}

static void print_extra_json(const struct track_alert *a)
{
	if (!a->k.extra_name) {
		return;
	}
	printf(",\"%s_kstack\":[", a->k.extra_name);
	for (int i = 0; i < a->x.kn; i++) {
		if (i) {
			putchar(',');
		}
		json_string(stdout, a->x.kstack[i]);
	}
	printf("],\"%s_ustack\":[", a->k.extra_name);
	for (int i = 0; i < a->x.un; i++) {
		if (i) {
			putchar(',');
		}
		json_string(stdout, a->x.ustack[i]);
	}
	printf("]");
	if (a->x.note[0]) {
		printf(",\"%s_ustack_note\":", a->k.extra_name);
		json_string(stdout, a->x.note);
	}
}

static void print_text(struct track_run *run, const struct track_alert *a)
{
	const struct lat_alert *k = &a->k;
	char comm[LAT_COMM_LEN + 1];

	lat_comm_text(k->comm, comm);
	printf("%s_latency: comm=%s pid=%u tid=%u", a->inst->tracker->name, comm, k->pid, k->tid);
	for (int i = 0; i < a->nfields; i++) {
		printf(" %s=%s", a->fields[i].name, a->fields[i].value);
	}
	printf(" delay_us=%" PRIu64 " timeout=%d cpu=%u\n", k->delay_ns / 1000, k->timeout ? 1 : 0,
	       k->cpu);
	if (a->st.kn) {
		printf("  kernel stack:\n");
		for (int i = 0; i < a->st.kn; i++) {
			printf("    %s\n", a->st.kstack[i]);
		}
		if (k->flags & LAT_REC_KSTACK_CUT) {
			printf("    [cut short: more than %d frames]\n", LAT_KSTACK_MAX);
		}
	} else if (k->flags & LAT_REC_KSTACK_FAIL) {
		printf("  kernel stack: [could not be taken]\n");
	}
	if (a->st.has_ustack) {
		printf("  user stack:\n");
		for (int i = 0; i < a->st.un; i++) {
			printf("    %s\n", a->st.ustack[i]);
		}
		if (a->st.note[0]) {
			printf("    [%s]\n", a->st.note);
		}
	}
	print_extra_text(a);
}

static void print_json(struct track_run *run, const struct track_alert *a)
{
	const struct lat_alert *k = &a->k;
	char comm[LAT_COMM_LEN + 1];

	lat_comm_text(k->comm, comm);
	printf("{\"type\":\"alert\",\"tracker\":\"%s\",\"comm\":", a->inst->tracker->name);
	json_string(stdout, comm);
	printf(",\"pid\":%u,\"tid\":%u,\"cpu\":%u,\"start_ns\":%" PRIu64 ",\"delay_ns\":%" PRIu64
	       ",\"timeout\":%s",
	       k->pid, k->tid, k->cpu, k->start_ns, k->delay_ns, k->timeout ? "true" : "false");
	for (int i = 0; i < a->nfields; i++) {
		printf(",\"%s\":", a->fields[i].name);
		if (a->fields[i].is_string) {
			json_string(stdout, a->fields[i].value);
		} else {
			fputs(a->fields[i].value, stdout);
		}
	}
	printf(",\"kstack\":[");
	for (int i = 0; i < a->st.kn; i++) {
		if (i) {
			putchar(',');
		}
		json_string(stdout, a->st.kstack[i]);
	}
	printf("],\"kstack_cut\":%s,\"ustack\":[",
	       (k->flags & LAT_REC_KSTACK_CUT) ? "true" : "false");
	for (int i = 0; i < a->st.un; i++) {
		if (i) {
			putchar(',');
		}
		json_string(stdout, a->st.ustack[i]);
	}
	printf("],\"ustack_cut\":%s", a->st.note[0] ? "true" : "false");
	if (a->st.note[0]) {
		printf(",\"ustack_note\":");
		json_string(stdout, a->st.note);
	}
	print_extra_json(a);
	printf("}\n");
}

/* --- --exec --------------------------------------------------------------------------------- */

static void set_env_upper(const char *name, const char *value)
{
	char key[64] = "LATSCOPE_";
	size_t len = strlen(key);

	for (const char *p = name; *p && len < sizeof(key) - 1; p++) {
		key[len++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
	}
	key[len] = '\0';
	setenv(key, value, 1);
}

static void join_stack(char *buf, size_t len, const char frames[][256], int n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && used + 1 < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ";" : "", frames[i]);

		if (w < 0) {
			break;
		}
		used += (size_t)w;
	}
}

static void run_exec(struct track_run *run, const struct track_alert *a)
{
	uint64_t now = now_ns();
	pid_t pid;

	if (run->exec_ever && now - run->exec_last_ns < run->exec_interval_ns) {
		run->exec_skipped++;
		return;
	}
	run->exec_ever = true;
	run->exec_last_ns = now;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		run->exec_failed++;
		return;
	}
	if (pid == 0) {
		const struct lat_alert *k = &a->k;
		char value[8192], comm[LAT_COMM_LEN + 1];
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		lat_comm_text(k->comm, comm);
		set_env_upper("tracker", a->inst->tracker->name);
		set_env_upper("comm", comm);
		snprintf(value, sizeof(value), "%u", k->pid);
		set_env_upper("pid", value);
		snprintf(value, sizeof(value), "%u", k->tid);
		set_env_upper("tid", value);
		snprintf(value, sizeof(value), "%u", k->cpu);
		set_env_upper("cpu", value);
		snprintf(value, sizeof(value), "%" PRIu64, k->delay_ns);
		set_env_upper("delay_ns", value);
		snprintf(value, sizeof(value), "%" PRIu64, k->delay_ns / 1000);
		set_env_upper("delay_us", value);
		snprintf(value, sizeof(value), "%" PRIu64, k->start_ns);
		set_env_upper("start_ns", value);
		set_env_upper("timeout", k->timeout ? "1" : "0");
		for (int i = 0; i < a->nfields; i++) {
			set_env_upper(a->fields[i].name, a->fields[i].value);
		}
		{
			char frames[LAT_KSTACK_MAX][256];

			for (int i = 0; i < a->st.kn; i++) {
				snprintf(frames[i], sizeof(frames[i]), "%s", a->st.kstack[i]);
			}
			join_stack(value, sizeof(value), frames, a->st.kn);
			set_env_upper("kstack", value);
		}
		join_stack(value, sizeof(value), a->st.ustack, a->st.un);
		set_env_upper("ustack", value);
		if (a->k.extra_name) {
			char key[48];

			char frames[LAT_KSTACK_MAX][256];

			for (int i = 0; i < a->x.kn; i++) {
				snprintf(frames[i], sizeof(frames[i]), "%s", a->x.kstack[i]);
			}
			join_stack(value, sizeof(value), frames, a->x.kn);
			snprintf(key, sizeof(key), "%s_kstack", a->k.extra_name);
			set_env_upper(key, value);
			join_stack(value, sizeof(value), a->x.ustack, a->x.un);
			snprintf(key, sizeof(key), "%s_ustack", a->k.extra_name);
			set_env_upper(key, value);
		}
		execl("/bin/sh", "sh", "-c", run->exec_cmd, (char *)NULL);
		_exit(127);
	}
	run->exec_run++;
	run->exec_children++;
}

static void reap_children(struct track_run *run, int flags)
{
	int status;
	pid_t pid;

	while (run->exec_children > 0 && (pid = waitpid(-1, &status, flags)) > 0) {
		run->exec_children--;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			run->exec_failed++;
		}
	}
}

/* --- records -------------------------------------------------------------------------------- */

static void on_bad_record(void *ctx, void *tracker_ctx)
{
	struct track_instance *inst = tracker_ctx;

	inst->bad_records++;
}

static int on_alert(void *ctx, void *tracker_ctx, const struct lat_alert *alert)
{
	struct track_instance *inst = tracker_ctx;
	struct track_run *run = ctx;
	struct track_alert *a = &alert_buf;
	const struct lat_alert *k = &a->k;

	a->k = *alert;
	inst->records++;
	if (k->series < LAT_STATS_SERIES_MAX) {
		inst->series_records[k->series]++;
		if (k->timeout) {
			inst->series_timeouts[k->series]++;
		}
	}
	if (k->timeout) {
		inst->timeouts++;
	}
	if (run->quiet && !run->exec_cmd) {
		return 0;
	}
	a->inst = inst;
	a->nfields = lat_alert_fields(k, a->fields, LAT_ALERT_FIELDS_MAX);
	lat_alert_symbolize(run->symbols, k, &a->st, &a->x);
	if (!run->quiet) {
		if (run->json) {
			print_json(run, a);
		} else {
			print_text(run, a);
		}
	}
	if (run->exec_cmd) {
		run_exec(run, a);
	}
	return 0;
}

/* --- summary -------------------------------------------------------------------------------- */

/*
 * The text distribution: one row per power of two [2^e, 2^(e+1)) ns (the 32 log-linear buckets
 * of that range summed; below 32 ns, the buckets of the same power of two), labelled with its
 * true bounds.
 */
static int dist_row(int bucket)
{
	uint64_t low = lat_khist_low(bucket);

	return low ? 63 - __builtin_clzll(low) : 0;
}

static void row_label(int row, char *buf, size_t len)
{
	char lo[32], hi[32];

	lat_format_duration(row ? 1ULL << row : 0, lo, sizeof(lo));
	lat_format_duration(1ULL << (row + 1), hi, sizeof(hi));
	snprintf(buf, len, "[%s, %s)", lo, hi);
}

/* p50, p90, p99, p99.9 of a series, from its log-linear histogram. */
static void series_quantiles(const struct lat_stats *st, uint64_t q[4])
{
	static const double qs[4] = {0.5, 0.9, 0.99, 0.999};

	for (int k = 0; k < 4; k++) {
		q[k] = lat_khist_quantile((const uint64_t *)st->hist, st->count, st->min_ns,
					  st->max_ns, qs[k]);
	}
}

static void print_summary_text(struct track_run *run, struct track_instance *inst)
{
	const struct lat_ktracker *t = inst->tracker;
	uint64_t drops[LAT_DROP_MAX] = {0};
	char max[32], mean[32], thr[32];

	lat_ebpf_probe_drops(inst->probe, drops);
	for (int series = 0; series < LAT_STATS_SERIES_MAX; series++) {
		const char *sname = t->series ? t->series[series] : (series ? NULL : t->name);
		struct lat_stats st;
		uint64_t peak = 0, rows[64] = {0}, q[4];
		int lo = -1, hi = -1;

		if (!sname || lat_ebpf_probe_stats(inst->probe, (uint32_t)series, &st) != 0) {
			break;
		}
		lat_format_duration(st.max_ns, max, sizeof(max));
		lat_format_duration(st.count ? st.total_ns / st.count : 0, mean, sizeof(mean));
		lat_format_duration(lat_ebpf_probe_ctl(inst->probe)->threshold_ns, thr,
				    sizeof(thr));
		printf("%s: %llu events, %llu reported (%llu"
		       " timeouts), max %s, mean %s, threshold %s\n",
		       sname, U(st.count), U(inst->series_records[series]),
		       U(inst->series_timeouts[series]), max, mean, thr);
		if (st.count) {
			char p[4][32], mn[32];

			series_quantiles(&st, q);
			for (int k = 0; k < 4; k++) {
				lat_format_duration(q[k], p[k], sizeof(p[k]));
			}
			lat_format_duration(st.min_ns, mn, sizeof(mn));
			printf("  count %llu, p50 %s, p90 %s, p99 %s, p99.9 %s, max %s, min %s"
			       " (quantiles within %.1f %%; max and min as measured)\n",
			       U(st.count), p[0], p[1], p[2], p[3], max, mn, LAT_KHIST_ERROR * 100);
		}
		for (int i = 0; i < LAT_HIST_BUCKETS; i++) {
			if (st.hist[i]) {
				int r = dist_row(i);

				rows[r] += st.hist[i];
				lo = lo < 0 ? r : lo;
				hi = r;
				peak = rows[r] > peak ? rows[r] : peak;
			}
		}
		if (lo >= 0) {
			printf("  %-22s %10s  distribution\n", "delay", "count");
			for (int r = lo; r <= hi; r++) {
				char label[80], bar[41];
				int width = (int)(rows[r] * 40 / peak);

				if (rows[r] && width == 0) {
					width = 1;
				}
				memset(bar, '*', (size_t)width);
				bar[width] = '\0';
				row_label(r, label, sizeof(label));
				printf("  %-22s %10llu  |%-40s|\n", label, U(rows[r]), bar);
			}
		}
	}
	printf("  lost:");
	for (int i = 0; i < LAT_DROP_MAX; i++) {
		const char *name = lat_ebpf_drop_name(i);

		if (name) {
			printf(" %s=%llu", name, U(drops[i]));
		}
	}
	printf(" bad_records=%llu\n", U(inst->bad_records));
}

static void print_summary_json(struct track_run *run, struct track_instance *inst)
{
	const struct lat_ktracker *t = inst->tracker;
	uint64_t drops[LAT_DROP_MAX] = {0};

	lat_ebpf_probe_drops(inst->probe, drops);
	for (int series = 0; series < LAT_STATS_SERIES_MAX; series++) {
		const char *sname = t->series ? t->series[series] : (series ? NULL : t->name);
		struct lat_stats st;
		bool first = true;
		uint64_t q[4];

		if (!sname || lat_ebpf_probe_stats(inst->probe, (uint32_t)series, &st) != 0) {
			break;
		}
		series_quantiles(&st, q);
		printf("{\"type\":\"summary\",\"tracker\":\"%s\",\"series\":\"%s\",\"events\":%llu"
		       ",\"reported\":%llu,\"timeouts\":%llu,\"max_ns\":%llu"
		       ",\"mean_ns\":%llu,\"threshold_ns\":%llu,\"count\":%llu,\"min_ns\":%llu"
		       ",\"p50_ns\":%llu,\"p90_ns\":%llu,\"p99_ns\":%llu,\"p999_ns\":%llu"
		       ",\"quantile_error\":%.3f,\"drops\":{",
		       t->name, sname, U(st.count), U(inst->series_records[series]),
		       U(inst->series_timeouts[series]), U(st.max_ns),
		       U(st.count ? st.total_ns / st.count : 0),
		       U(lat_ebpf_probe_ctl(inst->probe)->threshold_ns), U(st.count), U(st.min_ns),
		       U(q[0]), U(q[1]), U(q[2]), U(q[3]), LAT_KHIST_ERROR);
		for (int i = 0; i < LAT_DROP_MAX; i++) {
			const char *name = lat_ebpf_drop_name(i);

			if (name) {
				printf("\"%s\":%llu,", name, U(series ? 0 : drops[i]));
			}
		}
		printf("\"bad_records\":%llu}", U(series ? 0 : inst->bad_records));
		if (run->exec_cmd && series == 0) {
			printf(",\"exec\":{\"run\":%llu,\"skipped\":%llu"
			       ",\"failed\":%llu}",
			       U(run->exec_run), U(run->exec_skipped), U(run->exec_failed));
		}
		printf(",\"hist\":[");
		for (int i = 0; i < LAT_HIST_BUCKETS; i++) {
			if (!st.hist[i]) {
				continue;
			}
			printf("%s{\"low_ns\":%llu,\"high_ns\":%llu,\"count\":%llu}",
			       first ? "" : ",", U(lat_khist_low(i)), U(lat_khist_high(i)),
			       U(st.hist[i]));
			first = false;
		}
		printf("]}\n");
	}
}

static void print_summary(struct track_run *run)
{
	for (int i = 0; i < run->ninst; i++) {
		if (run->json) {
			print_summary_json(run, &run->inst[i]);
		} else {
			print_summary_text(run, &run->inst[i]);
		}
	}
	if (run->exec_cmd && !run->json) {
		printf("exec: run=%" PRIu64 " skipped=%" PRIu64 " (rate limit) failed=%" PRIu64
		       "\n",
		       run->exec_run, run->exec_skipped, run->exec_failed);
	}
	fflush(stdout);
}

/* --- control socket ------------------------------------------------------------------------- */

static void reply(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reply(FILE *out, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vfprintf(out, fmt, args);
	va_end(args);
}

static void ctl_get_one(FILE *out, struct track_instance *inst, const char *setting)
{
	struct lat_tracker_ctl *ctl = lat_ebpf_probe_ctl(inst->probe);
	char buf[32];

	if (!setting || strcmp(setting, "threshold") == 0) {
		lat_format_duration_exact(ctl->threshold_ns, buf, sizeof(buf));
		reply(out, "%s.threshold=%s\n", inst->tracker->name, buf);
	}
	if (!setting || strcmp(setting, "timeout") == 0) {
		lat_format_duration_exact(ctl->timeout_ns, buf, sizeof(buf));
		reply(out, "%s.timeout=%s\n", inst->tracker->name, buf);
	}
	if (!setting || strcmp(setting, "worst") == 0) {
		reply(out, "%s.worst=%u\n", inst->tracker->name, ctl->worst);
	}
}

/* Handles one request line (util/ctlproto.h); returns 0 (ok) or -1 with the error written. */
static int ctl_request(void *ctx, const char *line, FILE *out)
{
	static struct lat_ctl_req req; /* the loop is single-threaded */
	struct track_run *run = ctx;
	struct {
		struct track_instance *inst;
		enum lat_ctl_setting what;
		uint64_t value;
	} changes[32];
	int nchanges = 0;

	lat_ctl_parse(line, LAT_CTL_SETTINGS_TRACK, &req);
	if (req.verb == LAT_CTL_EMPTY) {
		reply(out, "error: empty request\n");
		return -1;
	}
	if (req.verb == LAT_CTL_GET) {
		if (!req.n) {
			for (int i = 0; i < run->ninst; i++) {
				ctl_get_one(out, &run->inst[i], NULL);
			}
			return 0;
		}
		for (int i = 0; i < req.n; i++) {
			const struct lat_ctl_item *it = &req.items[i];
			struct track_instance *inst =
			    it->error == LAT_CTL_E_KEY
				? NULL
				: find_instance(run, it->key, it->tracker_len);

			if (!inst || it->error) {
				reply(out, "error: unknown key '%s'\n", it->key);
				return -1;
			}
			ctl_get_one(out, inst, it->setting);
		}
		return 0;
	}
	if (req.verb == LAT_CTL_SET) {
		static const char *const names[] = {
		    [LAT_CTL_THRESHOLD] = "threshold",
		    [LAT_CTL_TIMEOUT] = "timeout",
		    [LAT_CTL_WORST] = "worst",
		};

		for (int i = 0; i < req.n; i++) {
			const struct lat_ctl_item *it = &req.items[i];
			struct track_instance *inst =
			    it->error == LAT_CTL_E_KEY
				? NULL
				: find_instance(run, it->key, it->tracker_len);

			if (!inst) {
				reply(
				    out,
				    "error: unknown key in '%s%s%s' (TRACKER.threshold=DURATION)\n",
				    it->key, it->value ? "=" : "", it->value ? it->value : "");
				return -1;
			}
			if (nchanges == (int)(sizeof(changes) / sizeof(changes[0]))) {
				reply(out, "error: too many settings\n");
				return -1;
			}
			if (it->error == LAT_CTL_E_DURATION) {
				reply(out, "error: bad duration '%s' for %s\n", it->value, it->key);
				return -1;
			}
			if (it->error == LAT_CTL_E_BOOL) {
				reply(out, "error: %s takes 0 or 1\n", it->key);
				return -1;
			}
			if (it->error) {
				reply(out, "error: unknown key '%s'\n", it->key);
				return -1;
			}
			changes[nchanges].inst = inst;
			changes[nchanges].what = it->kind;
			changes[nchanges].value = it->kind == LAT_CTL_WORST ? it->on : it->ns;
			nchanges++;
		}
		if (!nchanges) {
			reply(out, "error: set needs TRACKER.SETTING=VALUE\n");
			return -1;
		}
		for (int i = 0; i < nchanges; i++) {
			struct lat_tracker_ctl *ctl = lat_ebpf_probe_ctl(changes[i].inst->probe);

			if (changes[i].what == LAT_CTL_THRESHOLD) {
				__atomic_store_n(&ctl->threshold_ns, changes[i].value,
						 __ATOMIC_RELAXED);
			} else if (changes[i].what == LAT_CTL_TIMEOUT) {
				__atomic_store_n(&ctl->timeout_ns, changes[i].value,
						 __ATOMIC_RELAXED);
			} else {
				__atomic_store_n(&ctl->worst, (uint32_t)changes[i].value,
						 __ATOMIC_RELAXED);
			}
			ctl_get_one(out, changes[i].inst, names[changes[i].what]);
		}
		return 0;
	}
	if (req.verb == LAT_CTL_STATUS) {
		reply(out, "pid=%d\n", (int)getpid());
		reply(out, "uptime_ms=%" PRIu64 "\n", (now_ns() - run->started_ns) / 1000000);
		for (int i = 0; i < run->ninst; i++) {
			struct track_instance *inst = &run->inst[i];
			const struct lat_ktracker *t = inst->tracker;
			uint64_t drops[LAT_DROP_MAX] = {0}, lost = inst->bad_records, events = 0;
			struct lat_stats st[LAT_STATS_SERIES_MAX];
			int nseries = 0;

			/* The totals, then each series of a tracker that has several: one read of
			 * each series for both, so that the total is their sum while events go on.
			 */
			for (int series = 0; series < LAT_STATS_SERIES_MAX; series++) {
				if ((t->series ? !t->series[series] : series > 0) ||
				    lat_ebpf_probe_stats(inst->probe, (uint32_t)series,
							 &st[series]) != 0) {
					break;
				}
				events += st[series].count;
				nseries++;
			}
			lat_ebpf_probe_drops(inst->probe, drops);
			for (int d = 0; d < LAT_DROP_MAX; d++) {
				lost += drops[d];
			}
			reply(out, "%s.events=%llu\n", t->name, U(events));
			reply(out, "%s.reported=%" PRIu64 "\n", t->name, inst->records);
			reply(out, "%s.timeouts=%" PRIu64 "\n", t->name, inst->timeouts);
			reply(out, "%s.lost=%" PRIu64 "\n", t->name, lost);
			for (int series = 0; t->series && series < nseries; series++) {
				reply(out, "%s.%s.events=%llu\n", t->name, t->series[series],
				      U(st[series].count));
				reply(out, "%s.%s.reported=%" PRIu64 "\n", t->name,
				      t->series[series], inst->series_records[series]);
				reply(out, "%s.%s.timeouts=%" PRIu64 "\n", t->name,
				      t->series[series], inst->series_timeouts[series]);
			}
			ctl_get_one(out, inst, NULL);
		}
		if (run->exec_cmd) {
			reply(out, "exec.run=%" PRIu64 "\nexec.skipped=%" PRIu64 "\n",
			      run->exec_run, run->exec_skipped);
		}
		return 0;
	}
	reply(out, "error: unknown request '%.40s' (get, set, status)\n", req.verb_text);
	return -1;
}

static int ctl_listen(struct track_run *run)
{
	const char *path = run->socket_path;
	int fd;

	if (!path) {
		if (mkdir(LAT_TRACK_SOCKET_DIR, 0755) != 0 && errno != EEXIST) {
			return -errno;
		}
		snprintf(run->socket_buf, sizeof(run->socket_buf),
			 LAT_TRACK_SOCKET_DIR "/track-%d.sock", (int)getpid());
		path = run->socket_buf;
		run->socket_path = path;
	}
	fd = lat_ctlsock_bind(path, SOCK_STREAM, 0600);
	if (fd < 0) {
		return fd;
	}
	run->listen_fd = fd;
	lat_ctl_server_init(&run->ctl, fd, TRACK_CTL_TIMEOUT_NS, ctl_request, run);
	return 0;
}

/* --- options -------------------------------------------------------------------------------- */

static void print_help(void)
{
	printf("Usage: latscope track TRACKER... [OPTIONS]\n\n"
	       "Tracks latencies in the kernel with eBPF and reports every event slower than the\n"
	       "threshold, with where it waited. Runs until Ctrl-C or --duration.\n\n"
	       "Trackers (default threshold):\n");
	for (size_t i = 0; i < lat_ktracker_count(); i++) {
		const struct lat_ktracker *t = lat_ktracker_at(i);
		char thr[32];

		lat_format_duration_exact(t->default_threshold_ns, thr, sizeof(thr));
		printf("  %-8s %-6s %s\n", t->name, thr, t->summary);
	}
	printf(
	    "\nOptions:\n"
	    "  -t, --threshold [TRACKER=]DURATION  report events slower than this (default: the\n"
	    "                                      tracker's, above)\n"
	    "  -T, --timeout [TRACKER=]DURATION    report events still running at this age too\n"
	    "      --worst               raise the threshold to each reported delay\n"
	    "  -p, --pid PID             only this process (task filters: not with irq)\n"
	    "      --tid TID             only this thread\n"
	    "  -c, --comm NAME           only tasks with this command name\n"
	    "      --procname NAME       the same (the name analyze, vm and critical-path use)\n"
	    "      --cgroup PATH         only tasks in this cgroup (v2; relative to "
	    "/sys/fs/cgroup)\n"
	    "      --stack, --no-stack   take kernel and user stacks (default: on)\n"
	    "      --ustack-size SIZE    bytes of user stack copied for unwinding (default 8k, max "
	    "16k)\n"
	    "      --syscall LIST        syscall: time only these system calls (names or numbers,\n"
	    "                            comma-separated; checked in the probe)\n"
	    "      --exclude-syscall LIST  syscall: time every system call but these\n"
	    "      --exclude-idle        syscall: leave out the idle waits (epoll_wait, "
	    "epoll_pwait,\n"
	    "                            epoll_pwait2, poll, ppoll, select, pselect6)\n"
	    "  -d, --duration DURATION   stop after this long\n"
	    "  -j, --json                one JSON object per line\n"
	    "  -q, --quiet               no alert lines, only the summary\n"
	    "  -e, --exec CMD            run CMD (sh -c) on an alert, fields in LATSCOPE_* "
	    "variables\n"
	    "      --exec-interval DURATION  at most one --exec per DURATION (default 1s), others\n"
	    "                            counted\n"
	    "      --socket PATH         control socket (default " LAT_TRACK_SOCKET_DIR
	    "/track-PID.sock)\n"
	    "  -b, --buffer-size SIZE    ring buffer size per tracker (default 8M)\n"
	    "      --ringbuf SIZE        the same (its former name)\n"
	    "  -v, --verbose             show libbpf's messages (verifier log)\n"
	    "  -h, --help                this help\n\n"
	    "While it runs: latscope ctl set syscall.threshold=5ms (see latscope ctl --help).\n");
}

/* The waits that are a program's idle state (--exclude-idle). */
#define IDLE_SYSCALLS "epoll_wait,epoll_pwait,epoll_pwait2,poll,ppoll,select,pselect6"

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sets the bits of a comma-separated list of system call names or numbers. */
static int parse_syscall_list(const char *option, const char *list, uint64_t *bits)
{
	char *copy = strdup(list), *save = NULL;
	int rc = 0, n = 0;

	if (!copy) {
		return usage("%s: out of memory", option);
	}
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long nr = strtol(tok, &end, 10);

		if (end == tok || *end) {
			nr = lat_syscall_number(tok);
		}
		if (nr < 0 || nr >= LAT_SYSCALL_SET_NR) {
			rc = usage("%s: unknown system call '%s'", option, tok);
			break;
		}
		bits[nr / 64] |= 1ULL << (nr % 64);
		n++;
	}
	if (!rc && n == 0) {
		rc = usage("%s: an empty list", option);
	}
	free(copy);
	return rc;
}

enum {
	OPT_WORST = 256,
	OPT_TID,
	OPT_CGROUP,
	OPT_STACK,
	OPT_NO_STACK,
	OPT_USTACK_SIZE,
	OPT_EXEC_INTERVAL,
	OPT_SOCKET,
	OPT_SYSCALL,
	OPT_EXCLUDE_SYSCALL,
	OPT_EXCLUDE_IDLE,
};

static const struct option long_options[] = {
    {"threshold", required_argument, NULL, 't'},
    {"timeout", required_argument, NULL, 'T'},
    {"worst", no_argument, NULL, OPT_WORST},
    {"pid", required_argument, NULL, 'p'},
    {"tid", required_argument, NULL, OPT_TID},
    {"comm", required_argument, NULL, 'c'},
    {"procname", required_argument, NULL, 'c'},
    {"cgroup", required_argument, NULL, OPT_CGROUP},
    {"stack", no_argument, NULL, OPT_STACK},
    {"no-stack", no_argument, NULL, OPT_NO_STACK},
    {"ustack-size", required_argument, NULL, OPT_USTACK_SIZE},
    {"syscall", required_argument, NULL, OPT_SYSCALL},
    {"exclude-syscall", required_argument, NULL, OPT_EXCLUDE_SYSCALL},
    {"exclude-idle", no_argument, NULL, OPT_EXCLUDE_IDLE},
    {"duration", required_argument, NULL, 'd'},
    {"json", no_argument, NULL, 'j'},
    {"quiet", no_argument, NULL, 'q'},
    {"exec", required_argument, NULL, 'e'},
    {"exec-interval", required_argument, NULL, OPT_EXEC_INTERVAL},
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"buffer-size", required_argument, NULL, 'b'},
    {"ringbuf", required_argument, NULL, 'b'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line, exit status 2. */
static int usage(const char *fmt, ...)
{
	char message[512];
	va_list args;

	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	cli_error("track: %s (see latscope track --help)", message);
	return CLI_EXIT_USAGE;
}

/* A pid or tid: 1..CLI_PID_MAX (a larger number would be cut to 32 bits or match no task). */
static int parse_task_id(const char *text, uint32_t *out)
{
	uint64_t v;
	int ret = lat_parse_u64(text, 1, CLI_PID_MAX, &v);

	if (ret == 0) {
		*out = (uint32_t)v;
	}
	return ret;
}

/* "5ms" (every tracker) or "syscall=5ms" (one); trackers are resolved after parsing. */
struct per_tracker_value {
	char name[32];
	uint64_t value;
};

static int parse_tracker_duration(const char *opt, const char *text, uint64_t *all, bool *all_set,
				  struct per_tracker_value *list, int *count)
{
	const char *eq = strchr(text, '=');
	uint64_t value;

	if (lat_parse_duration(eq ? eq + 1 : text, 1000000, &value) != 0) {
		return usage("bad duration for %s: '%s'", opt, text);
	}
	if (!eq) {
		*all = value;
		*all_set = true;
		return 0;
	}
	if (*count >= MAX_INSTANCES || (size_t)(eq - text) >= sizeof(list[0].name)) {
		return usage("too many %s values", opt);
	}
	snprintf(list[*count].name, sizeof(list[0].name), "%.*s", (int)(eq - text), text);
	list[*count].value = value;
	(*count)++;
	return 0;
}

static int cgroup_id(const char *path, uint64_t *id)
{
	char full[PATH_MAX];
	struct statfs sfs;
	struct stat st;

	if (path[0] == '/') {
		snprintf(full, sizeof(full), "%s", path);
	} else {
		snprintf(full, sizeof(full), "/sys/fs/cgroup/%s", path);
	}
	if (stat(full, &st) != 0 || statfs(full, &sfs) != 0) {
		return -errno;
	}
	if (!S_ISDIR(st.st_mode) || sfs.f_type != CGROUP2_MAGIC) {
		return -ENOTDIR;
	}
	*id = st.st_ino;
	return 0;
}

static int parse_args(struct track_run *run, int argc, char **argv)
{
	struct per_tracker_value thresholds[MAX_INSTANCES], timeouts[MAX_INSTANCES];
	int nthresholds = 0, ntimeouts = 0, opt, rc;
	uint64_t include[LAT_SYSCALL_SET_NR / 64] = {0}, exclude[LAT_SYSCALL_SET_NR / 64] = {0};
	bool have_include = false, have_exclude = false;
	uint64_t size, cgid = 0;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":t:T:p:c:d:jqe:b:vh", long_options, NULL)) != -1) {
		switch (opt) {
		case 't':
			rc = parse_tracker_duration("--threshold", optarg, &run->threshold_ns,
						    &run->threshold_set, thresholds, &nthresholds);
			if (rc) {
				return rc;
			}
			break;
		case 'T':
			rc = parse_tracker_duration("--timeout", optarg, &run->timeout_ns,
						    &run->timeout_set, timeouts, &ntimeouts);
			if (rc) {
				return rc;
			}
			break;
		case OPT_WORST:
			run->worst = true;
			break;
		case 'p':
			if (parse_task_id(optarg, &run->filter.tgid)) {
				return usage("bad --pid: '%s' (1..%d)", optarg, CLI_PID_MAX);
			}
			break;
		case OPT_TID:
			if (parse_task_id(optarg, &run->filter.tid)) {
				return usage("bad --tid: '%s' (1..%d)", optarg, CLI_PID_MAX);
			}
			break;
		case 'c':
			if (!optarg[0] || strlen(optarg) >= LAT_COMM_LEN) {
				return usage("--comm takes 1 to %d characters: '%s'",
					     LAT_COMM_LEN - 1, optarg);
			}
			memset(run->filter.comm, 0, sizeof(run->filter.comm));
			memcpy(run->filter.comm, optarg, strlen(optarg));
			break;
		case OPT_CGROUP:
			rc = cgroup_id(optarg, &cgid);
			run->filter.cgroup_id = cgid;
			if (rc) {
				cli_error("track: cgroup '%s': %s", optarg,
					  rc == -ENOTDIR ? "not a cgroup v2 directory"
							 : strerror(-rc));
				return CLI_EXIT_FAILURE;
			}
			break;
		case OPT_STACK:
			run->kstack = true;
			if (!run->ustack_size) {
				run->ustack_size = 8192;
			}
			break;
		case OPT_SYSCALL:
		case OPT_EXCLUDE_SYSCALL:
			rc = parse_syscall_list(opt == OPT_SYSCALL ? "--syscall"
								   : "--exclude-syscall",
						optarg, opt == OPT_SYSCALL ? include : exclude);
			if (rc) {
				return rc;
			}
			if (opt == OPT_SYSCALL) {
				have_include = true;
			} else {
				have_exclude = true;
			}
			break;
		case OPT_EXCLUDE_IDLE:
			rc = parse_syscall_list("--exclude-idle", IDLE_SYSCALLS, exclude);
			if (rc) {
				return rc;
			}
			have_exclude = true;
			break;
		case OPT_NO_STACK:
			run->kstack = false;
			run->ustack_size = 0;
			break;
		case OPT_USTACK_SIZE:
			if (lat_parse_size(optarg, &size) != 0 || size > LAT_USTACK_MAX) {
				return usage("bad --ustack-size: '%s' (at most %d)", optarg,
					     LAT_USTACK_MAX);
			}
			run->ustack_size = (uint32_t)size;
			break;
		case 'd':
			if (lat_parse_duration(optarg, 1000000000ULL, &run->duration_ns) != 0 ||
			    run->duration_ns == 0) {
				return usage("bad --duration: '%s'", optarg);
			}
			break;
		case 'j':
			run->json = true;
			cli_json_errors = true;
			break;
		case 'q':
			run->quiet = true;
			break;
		case 'e':
			if (!optarg[0]) {
				return usage("--exec needs a command");
			}
			run->exec_cmd = optarg;
			break;
		case OPT_EXEC_INTERVAL:
			if (lat_parse_duration(optarg, 1000000000ULL, &run->exec_interval_ns) !=
			    0) {
				return usage("bad --exec-interval: '%s'", optarg);
			}
			break;
		case OPT_SOCKET:
			run->socket_path = optarg;
			break;
		case 'b':
			if (lat_parse_size(optarg, &size) != 0 || size < 4096 ||
			    size > (1ULL << 30)) {
				return usage("bad --buffer-size: '%s' (4k to 1G)", optarg);
			}
			run->ringbuf_bytes = 4096;
			while (run->ringbuf_bytes < size) {
				run->ringbuf_bytes <<= 1;
			}
			break;
		case 'v':
			run->verbose = true;
			break;
		case 'h':
			print_help();
			return -1;
		case ':':
			return usage("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt) {
				return usage("unknown option '-%c'", optopt);
			}
			return usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		return usage("which tracker? (one or more of the trackers in --help)");
	}
	for (int i = optind; i < argc; i++) {
		const struct lat_ktracker *t = lat_ktracker_find(argv[i]);
		struct track_instance *inst;

		if (!t) {
			return usage("unknown tracker '%s'", argv[i]);
		}
		if (find_instance(run, t->name, strlen(t->name))) {
			continue;
		}
		if (run->ninst == MAX_INSTANCES) {
			return usage("too many trackers");
		}
		inst = &run->inst[run->ninst++];
		inst->tracker = t;
		inst->threshold_ns =
		    run->threshold_set ? run->threshold_ns : t->default_threshold_ns;
		inst->timeout_ns = run->timeout_set ? run->timeout_ns : 0;
	}
	for (int i = 0; i < run->ninst; i++) {
		const struct lat_tracker_filter *f = &run->filter;

		if (run->inst[i].tracker->no_task &&
		    (f->tgid || f->tid || f->comm[0] || f->cgroup_id)) {
			return usage(
			    "%s: --pid, --tid, --comm and --cgroup do not apply (an interrupt has "
			    "no task of its own)",
			    run->inst[i].tracker->name);
		}
	}
	if (have_include || have_exclude) {
		if (!find_instance(run, "syscall", strlen("syscall"))) {
			return usage("--syscall, --exclude-syscall and --exclude-idle are for the "
				     "syscall tracker, which is not tracked");
		}
		/* the calls listed (every call without --syscall), less the excluded ones */
		run->syscalls.on = 1;
		run->syscalls.other = have_include ? 0 : 1;
		for (int w = 0; w < LAT_SYSCALL_SET_NR / 64; w++) {
			run->syscalls.bits[w] = (have_include ? include[w] : ~0ULL) & ~exclude[w];
		}
	}
	for (int i = 0; i < nthresholds; i++) {
		struct track_instance *inst =
		    find_instance(run, thresholds[i].name, strlen(thresholds[i].name));

		if (!inst) {
			return usage("--threshold for '%s', which is not tracked",
				     thresholds[i].name);
		}
		inst->threshold_ns = thresholds[i].value;
	}
	for (int i = 0; i < ntimeouts; i++) {
		struct track_instance *inst =
		    find_instance(run, timeouts[i].name, strlen(timeouts[i].name));

		if (!inst) {
			return usage("--timeout for '%s', which is not tracked", timeouts[i].name);
		}
		inst->timeout_ns = timeouts[i].value;
	}
	return 0;
}

/* --- the run -------------------------------------------------------------------------------- */

static int load_all(struct track_run *run)
{
	char why[512];
	int err;

	for (int i = 0; i < run->ninst; i++) {
		struct track_instance *inst = &run->inst[i];
		struct lat_live_tracker_opts opts = {
		    .tracker = inst->tracker,
		    .filter = run->filter,
		    .ctl = {.threshold_ns = inst->threshold_ns,
			    .timeout_ns = inst->timeout_ns,
			    .worst = run->worst},
		    .ringbuf_bytes = run->ringbuf_bytes,
		    .syscalls = run->syscalls,
		};

		opts.filter.kstack = run->kstack ? 1 : 0;
		opts.filter.ustack_size = run->ustack_size;
		err = lat_live_add(run->live, &opts, inst, &inst->probe, why, sizeof(why));
		if (err) {
			cli_error("track: %s", why);
			return err;
		}
	}
	err = lat_live_attach(run->live, why, sizeof(why));
	if (err) {
		cli_error("track: %s", why);
	}
	return err;
}

static int on_signal(void *ctx, int signo)
{
	if (signo == SIGCHLD) {
		reap_children(ctx, WNOHANG);
		return 0;
	}
	return 1;
}

static int ctl_poll_fds(void *ctx, struct pollfd *fds, int max, int *timeout_ms)
{
	struct track_run *run = ctx;

	if (run->ctl.n && (*timeout_ms < 0 || *timeout_ms > 100)) {
		*timeout_ms = 100; /* the clients' deadlines */
	}
	return lat_ctl_server_fds(&run->ctl, fds, max);
}

static int ctl_poll_ready(void *ctx, const struct pollfd *fds, int nfds, int ready)
{
	struct track_run *run = ctx;

	lat_ctl_server_serve(&run->ctl, fds, ready, now_ns());
	return 0;
}

static const struct lat_live_ops track_ops = {
    .alert = on_alert,
    .bad_record = on_bad_record,
    .signal = on_signal,
    .poll_fds = ctl_poll_fds,
    .poll_ready = ctl_poll_ready,
};

int cmd_track(int argc, char **argv)
{
	static struct track_run run_storage;
	struct track_run *run = &run_storage;
	char why[512];
	sigset_t more;
	int rc = CLI_EXIT_FAILURE, err;

	memset(run, 0, sizeof(*run));
	run->listen_fd = -1;
	lat_ctl_server_init(&run->ctl, -1, TRACK_CTL_TIMEOUT_NS, ctl_request, run);
	run->kstack = true;
	run->ustack_size = 8192;
	run->exec_interval_ns = 1000000000ULL;
	rc = parse_args(run, argc, argv);
	if (rc) {
		return rc < 0 ? CLI_EXIT_OK : rc;
	}
	rc = CLI_EXIT_FAILURE;
	verbose_libbpf = run->verbose;
	libbpf_set_print(libbpf_print);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* init: signals (SIGCHLD: --exec's commands), probes, symbols, the control socket */
	sigemptyset(&more);
	sigaddset(&more, SIGCHLD);
	if (lat_live_create(&track_ops, run, &more, &run->live, why, sizeof(why)) != 0) {
		cli_error("track: %s", why);
		return CLI_EXIT_FAILURE;
	}
	if (load_all(run) != 0) {
		goto out;
	}
	if (lat_alert_symbols_create(run->kstack, run->ustack_size != 0, &run->symbols) != 0) {
		cli_error("track: %s", strerror(ENOMEM));
		goto out;
	}
	err = ctl_listen(run);
	if (err) {
		cli_error("track: control socket %s: %s (ctl disabled)",
			  run->socket_path ? run->socket_path : LAT_TRACK_SOCKET_DIR,
			  strerror(-err));
		run->socket_path = NULL;
	}
	run->started_ns = now_ns();
	fprintf(stderr, "Tracking");
	for (int i = 0; i < run->ninst; i++) {
		char thr[32];

		lat_format_duration_exact(run->inst[i].threshold_ns, thr, sizeof(thr));
		fprintf(stderr, " %s (threshold %s)", run->inst[i].tracker->name, thr);
	}
	if (run->socket_path) {
		fprintf(stderr, ", control socket %s", run->socket_path);
	}
	fprintf(stderr, ".%s\n", run->duration_ns ? "" : " Ctrl-C to stop.");

	/* the main loop, then the statistics */
	err = lat_live_run(run->live, run->duration_ns ? now_ns() + run->duration_ns : 0);
	lat_live_stop(run->live);
	if (err < 0) {
		cli_error("track: %s", strerror(-err));
		goto out;
	}
	reap_children(run, WNOHANG);
	if (run->exec_children > 0) {
		/* Give running commands a moment; they are not killed. */
		for (int i = 0; i < 50 && run->exec_children > 0; i++) {
			usleep(100000);
			reap_children(run, WNOHANG);
		}
	}
	print_summary(run);
	rc = CLI_EXIT_OK;

out:
	lat_ctl_server_close(&run->ctl);
	if (run->listen_fd >= 0) {
		close(run->listen_fd);
		unlink(run->socket_path);
	}
	lat_live_free(run->live);
	lat_alert_symbols_free(run->symbols);
	return rc;
}
