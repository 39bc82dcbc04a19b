/* critical_path.c: `latscope critical-path`: what a task waited for, as a timeline of intervals.
 */
#include "analyses/critpath.h"
#include "analyses/sync.h"
#include "cli.h"
#include "outputs/datetime.h"
#include "outputs/lami.h"
#include "outputs/text.h"
#include "sources/ctf.h"
#include "state/state.h"
#include "util/units.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SAME_NAME 8

static void print_help(void)
{
	printf(
	    "Usage: latscope critical-path (--tid TID | --procname NAME) [OPTIONS] TRACE\n"
	    "       latscope critical-path (--tid TID | --procname NAME) --sync FILE.json "
	    "[OPTIONS] "
	    "TRACE TRACE...\n\n"
	    "The critical path of a task (execution flow recovery, as Trace Compass): the chain "
	    "of\n"
	    "intervals that decided when it finished. Its time is cut into running, preempted\n"
	    "(by whom), waiting for a CPU and blocked; a blocked interval is replaced by the "
	    "path of\n"
	    "the task that woke it up over that interval (recursively), or says what woke it "
	    "up:\n"
	    "a timer, a disk, the network, an IRQ. The intervals cover the range exactly.\n\n"
	    "      --tid TID          the task (thread id)\n"
	    "      --procname NAME    the first task ever named NAME (before or after exec)\n"
	    "      --begin DATE, --end DATE  only this part of the task's life: "
	    "HH:MM:SS[.nnnnnnnnn]"
	    "\n"
	    "                         (the trace's day), YYYY-MM-DD HH:MM:SS[.nnnnnnnnn], or ns\n"
	    "                         since the epoch (default: its whole life in the trace)\n"
	    "      --gmt              dates in UTC instead of local time\n"
	    "      --sync FILE.json   several hosts' traces put on one clock by `latscope sync "
	    "-o\n"
	    "                         FILE.json`: the task is in the first TRACE; a wait on the\n"
	    "                         network is followed to the sender of the TCP segment that\n"
	    "                         ended it, on another host (inet_sock_local_out/in events)\n"
	    "  -j, --json             print the path and its summaries as JSON\n"
	    "  -h, --help             this help\n\n"
	    "Example: latscope critical-path --procname dd traces/basic-kernel-analysis\n");
}

#define MAX_HOSTS 16

struct cp_args {
	const char *traces[MAX_HOSTS];
	const char *procname, *begin, *end, *sync;
	uint32_t ntraces;
	int32_t tid;
	int32_t same_tids[MAX_SAME_NAME]; /* --procname: the tasks of that name (the first ones) */
	bool has_tid, json, gmt;
};

enum { OPT_BEGIN = 256, OPT_END, OPT_GMT, OPT_TID, OPT_PROCNAME, OPT_SYNC };

static int parse_args(int argc, char **argv, struct cp_args *a)
{
	static const struct option longopts[] = {
	    {"tid", required_argument, NULL, OPT_TID},
	    {"procname", required_argument, NULL, OPT_PROCNAME},
	    {"begin", required_argument, NULL, OPT_BEGIN},
	    {"end", required_argument, NULL, OPT_END},
	    {"gmt", no_argument, NULL, OPT_GMT},
	    {"sync", required_argument, NULL, OPT_SYNC},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_TID: {
			int tid, ret = lat_parse_int(optarg, 1, CLI_PID_MAX, &tid);

			if (ret) {
				return cli_usage_error(
				    "critical-path", "critical-path: --tid: not a thread id%s: %s",
				    ret == -ERANGE ? " (1..4194304)" : "", optarg);
			}
			a->tid = tid;
			a->has_tid = true;
			break;
		}
		case OPT_PROCNAME:
			a->procname = optarg;
			break;
		case OPT_BEGIN:
			a->begin = optarg;
			break;
		case OPT_END:
			a->end = optarg;
			break;
		case OPT_GMT:
			a->gmt = true;
			break;
		case OPT_SYNC:
			a->sync = optarg;
			break;
		case 'j':
			a->json = true;
			cli_json_errors = true;
			break;
		case 'h':
			print_help();
			return CLI_EXIT_OK;
		default:
			return cli_usage_error(
			    "critical-path", "critical-path: unknown option or missing value '%s'",
			    argv[optind - 1]);
		}
	}
	if (a->has_tid == (a->procname != NULL)) {
		return cli_usage_error(
		    "critical-path", "critical-path: give the task: --tid TID or --procname NAME");
	}
	if (argc - optind < 1) {
		return cli_usage_error("critical-path", "critical-path: no trace given");
	}
	if (argc - optind > 1 && !a->sync) {
		return cli_usage_error(
		    "critical-path", "critical-path: several traces (hosts) need --sync FILE.json "
				     "(from latscope sync -o FILE.json) to be put on one clock");
	}
	if (argc - optind > MAX_HOSTS) {
		return cli_usage_error("critical-path", "critical-path: at most %d traces",
				       MAX_HOSTS);
	}
	for (int i = optind; i < argc; i++) {
		a->traces[a->ntraces++] = argv[i];
	}
	return -1;
}

/* One host: its trace, its clock correction, its state model and execution graph. */
struct host {
	struct lat_ctf_source *src;
	struct lat_state state;
	struct lat_critpath *cp;
	long double slope, offset_ns; /* corrected = slope * ts + offset_ns */
	char name[64];
	bool state_ok;
};

static int64_t correct(const struct host *h, int64_t ts)
{
	return (int64_t)llroundl(h->slope * (long double)ts + h->offset_ns);
}

static int on_event(const struct lat_kevent *ev, void *user)
{
	struct host *h = user;
	struct lat_state_change change;
	struct lat_kevent e = *ev;
	int ret;

	e.ts = correct(h, ev->ts);
	ret = lat_state_update(&h->state, &e, &change);
	return ret ? ret : lat_critpath_event(h->cp, &e, &h->state);
}

/* The host's name: the trace folder's name (SESSION for SESSION/kernel). */
static void host_name(const char *path, char *out, size_t len)
{
	char buf[PATH_MAX];
	char *base;
	size_t n;

	snprintf(buf, sizeof(buf), "%s", path);
	for (n = strlen(buf); n > 1 && buf[n - 1] == '/'; n--) {
		buf[n - 1] = '\0';
	}
	base = strrchr(buf, '/');
	if (base && strcmp(base, "/kernel") == 0 && base != buf) {
		*base = '\0';
		base = strrchr(buf, '/');
	}
	snprintf(out, len, "%s", base ? base + 1 : buf);
}

/* "running", "preempted by X (12)", "blocked: disk sda"... for one interval. */
static void describe(const struct lat_cp_interval *iv, bool hosts, char *buf, size_t len)
{
	char label[48], other[128] = "";

	lat_cp_label(iv, label, sizeof(label));
	if (iv->other_tid > 0) {
		snprintf(other, sizeof(other), "%s%s%s (%d)",
			 iv->other_comm[0] ? iv->other_comm : "?", hosts ? "@" : "",
			 hosts ? iv->other_host : "", iv->other_tid);
	}
	switch (iv->state) {
	case LAT_CP_PREEMPTED:
		snprintf(buf, len, "preempted%s%s", other[0] ? " by " : "", other);
		return;
	case LAT_CP_WAIT_CPU:
		snprintf(buf, len, "waiting for CPU%s%s", other[0] ? " (behind " : "", other);
		if (other[0]) {
			strncat(buf, ")", len - strlen(buf) - 1);
		}
		return;
	case LAT_CP_BLOCKED:
		if (iv->cause == LAT_CP_CAUSE_TASK) {
			snprintf(buf, len, "blocked on %s (its path unknown here)", other);
		} else if (iv->cause == LAT_CP_CAUSE_IRQ) {
			snprintf(buf, len, "%s %d%s%s", label, iv->irq, iv->detail[0] ? " " : "",
				 iv->detail);
		} else if (iv->cause == LAT_CP_CAUSE_SOFTIRQ) {
			snprintf(buf, len, "%s %s", label, lat_cp_softirq_name(iv->irq));
		} else if (iv->cause == LAT_CP_CAUSE_NETWORK && other[0]) {
			snprintf(buf, len, "%s%s%s, a TCP segment in flight from %s", label,
				 iv->detail[0] ? " " : "", iv->detail, other);
		} else {
			snprintf(buf, len, "%s%s%s", label, iv->detail[0] ? " " : "", iv->detail);
		}
		return;
	default:
		snprintf(buf, len, "%s", label);
	}
}

static void print_text(const struct cp_args *a, const struct lat_cp_path *p, const char *comm,
		       uint64_t lost, size_t same_name)
{
	bool hosts = a->ntraces > 1;
	bool multi = lat_is_multi_day(p->begin, p->end, a->gmt);
	int64_t total = p->end - p->begin;
	char b[64], e[64], d[32], what[256], task[128];

	lat_format_timestamp(b, sizeof(b), p->begin, multi, a->gmt);
	lat_format_timestamp(e, sizeof(e), p->end, multi, a->gmt);
	lat_format_duration((uint64_t)total, d, sizeof(d));
	printf("Critical path of %s (tid %d) from [%s] to [%s]: %s, %zu intervals\n", comm, p->tid,
	       b, e, d, p->n);
	if (hosts) {
		printf("%zu hosts on one clock (%s); %u waits followed to another host through a "
		       "TCP segment\n",
		       (size_t)a->ntraces, a->sync, p->packets_followed);
	}
	if (same_name > 1) {
		printf("(%zu tasks named %s, tids", same_name, a->procname);
		for (size_t i = 0; i < same_name && i < MAX_SAME_NAME; i++) {
			printf(" %d", a->same_tids[i]);
		}
		printf("%s: the first one; choose with --tid)\n",
		       same_name > MAX_SAME_NAME ? "..." : "");
	}
	if (lost) {
		printf("Warning: the tracer lost %" PRIu64
		       " events: the path may be wrong around them\n",
		       lost);
	}
	printf("\n%-20s %-20s %12s  %s\n", "Begin", "End", "Duration", "Task: state");
	for (size_t i = 0; i < p->n; i++) {
		const struct lat_cp_interval *iv = &p->intervals[i];
		int indent = iv->depth < 20 ? iv->depth * 2 : 40;

		lat_format_timestamp(b, sizeof(b), iv->begin, multi, a->gmt);
		lat_format_timestamp(e, sizeof(e), iv->end, multi, a->gmt);
		lat_format_duration((uint64_t)(iv->end - iv->begin), d, sizeof(d));
		describe(iv, hosts, what, sizeof(what));
		printf("%-20s %-20s %12s  %*s%s%s%s (%d): %s\n", b, e, d, indent, "",
		       iv->comm[0] ? iv->comm : "?", hosts ? "@" : "", hosts ? iv->host : "",
		       iv->tid, what);
	}
	printf("\nBy task:\n");
	for (size_t i = 0; i < p->ntasks; i++) {
		lat_format_duration((uint64_t)p->tasks[i].ns, d, sizeof(d));
		snprintf(task, sizeof(task), "%s%s%s (%d)",
			 p->tasks[i].comm[0] ? p->tasks[i].comm : "?", hosts ? "@" : "",
			 hosts ? p->tasks[i].host : "", p->tasks[i].tid);
		printf("  %-32s %12s %6.2f %%\n", task, d, 100.0 * (double)p->tasks[i].ns / total);
	}
	printf("\nBy state:\n");
	for (size_t i = 0; i < p->nstates; i++) {
		lat_format_duration((uint64_t)p->states[i].ns, d, sizeof(d));
		printf("  %-32s %12s %6.2f %%  (%u intervals)\n", p->states[i].label, d,
		       100.0 * (double)p->states[i].ns / total, p->states[i].count);
	}
}

static void print_json(const struct cp_args *a, const struct lat_cp_path *p, const char *comm,
		       uint64_t lost, size_t same_name)
{
	int64_t total = p->end - p->begin;
	char label[48], what[256];

	fputs("{\"trace\": ", stdout);
	lat_json_string(stdout, a->traces[0]);
	printf(", \"tid\": %d, \"comm\": ", p->tid);
	lat_json_string(stdout, comm);
	printf(", \"same_name\": %zu, \"same_name_tids\": [", same_name);
	for (size_t i = 0; i < same_name && i < MAX_SAME_NAME; i++) {
		printf("%s%d", i ? ", " : "", a->same_tids[i]);
	}
	printf("], \"begin_ns\": %" PRId64 ", \"end_ns\": %" PRId64 ", \"duration_ns\": %" PRId64
	       ", \"lost_events\": %" PRIu64
	       ", \"max_depth\": %u, \"hosts\": %u, \"packets_followed\": %u, \"intervals\": [",
	       p->begin, p->end, total, lost, p->max_depth, a->ntraces, p->packets_followed);
	for (size_t i = 0; i < p->n; i++) {
		const struct lat_cp_interval *iv = &p->intervals[i];

		printf("%s{\"begin_ns\": %" PRId64 ", \"end_ns\": %" PRId64
		       ", \"duration_ns\": %" PRId64 ", \"tid\": %d, \"comm\": ",
		       i ? ", " : "", iv->begin, iv->end, iv->end - iv->begin, iv->tid);
		lat_json_string(stdout, iv->comm);
		fputs(", \"host\": ", stdout);
		lat_json_string(stdout, iv->host);
		printf(", \"depth\": %u, \"state\": \"%s\", \"cause\": \"%s\", \"other_tid\": ",
		       iv->depth, lat_cp_state_name(iv->state), lat_cp_cause_name(iv->cause));
		if (iv->other_tid > 0) {
			printf("%d, \"other_comm\": ", iv->other_tid);
			lat_json_string(stdout, iv->other_comm);
			fputs(", \"other_host\": ", stdout);
			lat_json_string(stdout, iv->other_host);
		} else {
			fputs("null, \"other_comm\": null, \"other_host\": null", stdout);
		}
		if (iv->irq >= 0) {
			printf(", \"irq\": %d", iv->irq);
		} else {
			fputs(", \"irq\": null", stdout);
		}
		fputs(", \"detail\": ", stdout);
		lat_json_string(stdout, iv->detail);
		fputs(", \"label\": ", stdout);
		lat_json_string(stdout, lat_cp_label(iv, label, sizeof(label)));
		describe(iv, a->ntraces > 1, what, sizeof(what));
		fputs(", \"text\": ", stdout);
		lat_json_string(stdout, what);
		fputs("}", stdout);
	}
	fputs("], \"by_task\": [", stdout);
	for (size_t i = 0; i < p->ntasks; i++) {
		printf("%s{\"tid\": %d, \"comm\": ", i ? ", " : "", p->tasks[i].tid);
		lat_json_string(stdout, p->tasks[i].comm);
		fputs(", \"host\": ", stdout);
		lat_json_string(stdout, p->tasks[i].host);
		printf(", \"ns\": %" PRId64 ", \"ratio\": %.6f}", p->tasks[i].ns,
		       (double)p->tasks[i].ns / total);
	}
	fputs("], \"by_state\": [", stdout);
	for (size_t i = 0; i < p->nstates; i++) {
		fputs(i ? ", {\"label\": " : "{\"label\": ", stdout);
		lat_json_string(stdout, p->states[i].label);
		printf(", \"ns\": %" PRId64 ", \"count\": %u, \"ratio\": %.6f}", p->states[i].ns,
		       p->states[i].count, (double)p->states[i].ns / total);
	}
	fputs("]}\n", stdout);
}

/* --begin/--end in ns (0 when absent); returns -1 to go on, or the exit status. */
static int resolve_range(const struct cp_args *a, int64_t trace_begin, int64_t trace_end,
			 int64_t *begin, int64_t *end)
{
	char err[256];

	*begin = *end = 0;
	if (a->begin &&
	    lat_parse_date(a->begin, a->gmt, trace_begin, trace_end, begin, err, sizeof(err))) {
		return cli_usage_error("critical-path", "critical-path: --begin: %s", err);
	}
	if (a->end &&
	    lat_parse_date(a->end, a->gmt, trace_begin, trace_end, end, err, sizeof(err))) {
		return cli_usage_error("critical-path", "critical-path: --end: %s", err);
	}
	if (a->begin && a->end && *end <= *begin) {
		return cli_usage_error("critical-path",
				       "critical-path: empty range: --end is not after --begin");
	}
	return -1;
}

/* Opens, corrects and reads one host's trace into its graph; returns 0 or prints why. */
static int read_host(const struct cp_args *a, uint32_t i, struct host *h)
{
	struct lat_ctf_options opts = {.intersect = false, .kernel_only = true};
	int ret, major, minor, patch;
	char err[600];

	h->slope = 1;
	if (lat_ctf_is_live_url(a->traces[i])) {
		return cli_usage_error("critical-path",
				       "critical-path: needs a trace folder, not a live session");
	}
	if (a->sync && lat_sync_file_lookup(a->sync, a->traces[i], &h->slope, &h->offset_ns, err,
					    sizeof(err))) {
		cli_error("critical-path: --sync %s: %s", a->sync, err);
		return CLI_EXIT_FAILURE;
	}
	ret = lat_ctf_source_open(a->traces[i], &opts, &h->src, err, sizeof(err));
	if (ret) {
		cli_error("critical-path: %s: %s", a->traces[i], err);
		return CLI_EXIT_FAILURE;
	}
	host_name(a->traces[i], h->name, sizeof(h->name));
	if (lat_state_init(&h->state)) {
		cli_error("critical-path: %s", strerror(ENOMEM));
		return CLI_EXIT_FAILURE;
	}
	h->state_ok = true;
	if (lat_critpath_create(&h->cp) || lat_critpath_set_host(h->cp, h->name)) {
		cli_error("critical-path: %s", strerror(ENOMEM));
		return CLI_EXIT_FAILURE;
	}
	if (lat_ctf_source_tracer_version(h->src, &major, &minor, &patch) == 0) {
		lat_state_set_tracer_version(&h->state, major, minor, patch);
	}
	ret = lat_ctf_source_run(h->src, on_event, h);
	if (ret) {
		cli_error("critical-path: %s: %s", a->traces[i],
			  ret == -ENOMEM ? strerror(ENOMEM) : lat_ctf_source_error(h->src));
		return CLI_EXIT_FAILURE;
	}
	lat_critpath_finish(h->cp, 0);
	return -1;
}

int cmd_critical_path(int argc, char **argv)
{
	struct host *hosts = NULL;
	const struct lat_critpath *cps[MAX_HOSTS];
	struct lat_cp_path path = {0};
	struct cp_args a;
	int64_t tb, te, ub, ue, lb, le;
	size_t same = 0;
	uint64_t lost = 0;
	const char *comm;
	int status, ret;

	status = parse_args(argc, argv, &a);
	if (status >= 0) {
		return status;
	}
	hosts = calloc(a.ntraces, sizeof(*hosts));
	if (!hosts) {
		cli_error("critical-path: %s", strerror(ENOMEM));
		return CLI_EXIT_FAILURE;
	}
	for (uint32_t i = 0; i < a.ntraces; i++) {
		status = read_host(&a, i, &hosts[i]);
		if (status >= 0) {
			goto out;
		}
		if (i == 0) { /* --begin/--end are on the task's trace, corrected */
			lat_ctf_source_range(hosts[0].src, &tb, &te);
			status = resolve_range(&a, correct(&hosts[0], tb), correct(&hosts[0], te),
					       &ub, &ue);
			if (status >= 0) {
				goto out;
			}
		}
		cps[i] = hosts[i].cp;
		lost += lat_ctf_source_stats(hosts[i].src)->discarded_events;
		for (uint32_t w = 0;
		     w < lat_ctf_stats_warning_count(lat_ctf_source_stats(hosts[i].src)); w++) {
			char line[512];

			lat_ctf_stats_warning(lat_ctf_source_stats(hosts[i].src), w, line,
					      sizeof(line));
			fprintf(stderr, "latscope: warning: %s: %s\n", a.traces[i], line);
		}
	}
	status = CLI_EXIT_FAILURE;
	if (a.procname) {
		same = lat_critpath_find_comm(hosts[0].cp, a.procname, a.same_tids, MAX_SAME_NAME);
		if (!same) {
			cli_error("critical-path: no task named %s in %s", a.procname, a.traces[0]);
			goto out;
		}
		a.tid = a.same_tids[0];
	}
	if (lat_critpath_task_life(hosts[0].cp, a.tid, &lb, &le)) {
		cli_error("critical-path: no task with tid %d in %s", a.tid, a.traces[0]);
		goto out;
	}
	if (ub && ub > lb) {
		lb = ub;
	}
	if (ue && ue < le) {
		le = ue;
	}
	comm = lat_critpath_comm(hosts[0].cp, a.tid);
	if (le <= lb) {
		char b[64], e[64];
		int64_t life_b, life_e;

		lat_critpath_task_life(hosts[0].cp, a.tid, &life_b, &life_e);
		lat_format_timestamp(b, sizeof(b), life_b, false, a.gmt);
		lat_format_timestamp(e, sizeof(e), life_e, false, a.gmt);
		cli_error("critical-path: empty range: %s (tid %d) lives from %s to %s, outside "
			  "--begin/--end",
			  comm[0] ? comm : "?", a.tid, b, e);
		goto out;
	}
	ret = lat_critpath_compute_hosts(cps, a.ntraces, 0, a.tid, lb, le, &path);
	if (ret) {
		cli_error("critical-path: %s", strerror(-ret));
		goto out;
	}
	if (a.json) {
		print_json(&a, &path, comm, lost, same);
	} else {
		print_text(&a, &path, comm[0] ? comm : "?", lost, same);
	}
	status = fflush(stdout) ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
out:
	lat_cp_path_fini(&path);
	for (uint32_t i = 0; i < a.ntraces; i++) {
		lat_critpath_destroy(hosts[i].cp);
		if (hosts[i].state_ok) {
			lat_state_fini(&hosts[i].state);
		}
		lat_ctf_source_destroy(hosts[i].src);
	}
	free(hosts);
	return status;
}
