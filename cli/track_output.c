/* track_output.c: what `latscope track` prints: its alerts (text, JSON lines), the --exec
 * commands they run, and the summary at the end. */
#include "track_run.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "state/hist.h"
#include "util/json.h"
#include "util/units.h"

#define U(x) ((unsigned long long)(x))

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* --- output --------------------------------------------------------------------------------- */

static void json_string(FILE *out, const char *text)
{
	lat_json_write_string(out, text, 0); /* json-c's escapes, DEL and invalid UTF-8 included */
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

void track_print_text(struct track_run *run, const struct track_alert *a)
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

void track_print_json(struct track_run *run, const struct track_alert *a)
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

void track_run_exec(struct track_run *run, const struct track_alert *a)
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

void track_reap_children(struct track_run *run, int flags)
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

void track_print_summary(struct track_run *run)
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
