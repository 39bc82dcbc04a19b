/* track.c: `latscope track TRACKER...`: its options, the run (lib/trackers/live.c: probes, typed
 * alerts, the loop) and its control socket; what it prints is track_output.c's. */
#include "cli.h"
#include "trackers/alert_stacks.h"
#include "trackers/live.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sources/syscall_names.h"
#include "util/ctlproto.h"
#include "util/ctlsock.h"
#include "util/units.h"

#include "track_run.h"

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
			track_print_json(run, a);
		} else {
			track_print_text(run, a);
		}
	}
	if (run->exec_cmd) {
		track_run_exec(run, a);
	}
	return 0;
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

/*
 * A key naming a tracker this run does not have: when latscope knows that tracker, the "unknown
 * key" line says why ("wakeup is not running here: this track runs syscall"). Returns whether
 * it replied.
 */
static bool reply_not_running(FILE *out, const struct track_run *run, const struct lat_ctl_item *it)
{
	char name[64], running[256] = "";
	size_t used = 0;

	if (!it->tracker_len || it->tracker_len >= sizeof(name)) {
		return false;
	}
	memcpy(name, it->key, it->tracker_len);
	name[it->tracker_len] = '\0';
	if (!lat_ktracker_find(name)) {
		return false;
	}
	for (int i = 0; i < run->ninst && used < sizeof(running); i++) {
		int n = snprintf(running + used, sizeof(running) - used, "%s%s", i ? ", " : "",
				 run->inst[i].tracker->name);

		used += n > 0 ? (size_t)n : 0;
	}
	reply(out, "error: unknown key in '%s%s%s': %s is not running here: this track runs %s\n",
	      it->key, it->value ? "=" : "", it->value ? it->value : "", name, running);
	return true;
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

			if (!inst && reply_not_running(out, run, it)) {
				return -1;
			}
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

			if (!inst && reply_not_running(out, run, it)) {
				return -1;
			}
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
		track_reap_children(ctx, WNOHANG);
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
	track_reap_children(run, WNOHANG);
	if (run->exec_children > 0) {
		/* Give running commands a moment; they are not killed. */
		for (int i = 0; i < 50 && run->exec_children > 0; i++) {
			usleep(100000);
			track_reap_children(run, WNOHANG);
		}
	}
	track_print_summary(run);
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
