/* critical_path.c: `latscope critical-path`: what a task waited for, as a timeline of intervals.
 */
#include "analyses/critpath.h"
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SAME_NAME 16

static void print_help(void)
{
	printf(
	    "Usage: latscope critical-path (--tid TID | --procname NAME) [OPTIONS] TRACE\n\n"
	    "The critical path of a task (execution flow recovery, as Trace Compass): the chain "
	    "of\n"
	    "intervals that decided when it finished. Its time is cut into running, preempted\n"
	    "(by whom), waiting for a CPU and blocked; a blocked interval is replaced by the "
	    "path of\n"
	    "the task that woke it up over that interval (recursively), or says what woke it "
	    "up:\n"
	    "a timer, a disk, the network, an IRQ. The intervals cover the range exactly.\n\n"
	    "  -t, --tid TID          the task (thread id)\n"
	    "  -p, --procname NAME    the first task ever named NAME (before or after exec)\n"
	    "  --begin DATE, --end DATE  only this part of the task's life: HH:MM:SS[.nnnnnnnnn]"
	    "\n"
	    "                         (the trace's day), YYYY-MM-DD HH:MM:SS[.nnnnnnnnn], or ns\n"
	    "                         since the epoch (default: its whole life in the trace)\n"
	    "  --gmt                  dates in UTC instead of local time\n"
	    "  -j, --json             print the path and its summaries as JSON\n"
	    "  -h, --help             this help\n\n"
	    "Example: latscope critical-path --procname dd traces/basic-kernel-analysis\n");
}

struct cp_args {
	const char *trace, *procname, *begin, *end;
	int32_t tid;
	bool has_tid, json, gmt;
};

enum { OPT_BEGIN = 256, OPT_END, OPT_GMT };

static int parse_args(int argc, char **argv, struct cp_args *a)
{
	static const struct option longopts[] = {
	    {"tid", required_argument, NULL, 't'},
	    {"procname", required_argument, NULL, 'p'},
	    {"begin", required_argument, NULL, OPT_BEGIN},
	    {"end", required_argument, NULL, OPT_END},
	    {"gmt", no_argument, NULL, OPT_GMT},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "t:p:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 't': {
			char *endp;
			long v;

			errno = 0;
			v = strtol(optarg, &endp, 10);
			if (errno || *endp || endp == optarg || v <= 0 || v > INT32_MAX) {
				return cli_usage_error("critical-path",
						       "critical-path: --tid: not a thread id: %s",
						       optarg);
			}
			a->tid = (int32_t)v;
			a->has_tid = true;
			break;
		}
		case 'p':
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
		case 'j':
			a->json = true;
			cli_json_errors = true;
			break;
		case 'h':
			print_help();
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("critical-path", "critical-path: unknown option");
		}
	}
	if (a->has_tid == (a->procname != NULL)) {
		return cli_usage_error(
		    "critical-path", "critical-path: give the task: --tid TID or --procname NAME");
	}
	if (argc - optind < 1) {
		return cli_usage_error("critical-path", "critical-path: no trace given");
	}
	if (argc - optind > 1) {
		return cli_usage_error(
		    "critical-path", "critical-path: one trace (one host) at a time: following a "
				     "task across hosts (synchronized traces) is not implemented");
	}
	a->trace = argv[optind];
	return -1;
}

struct run {
	struct lat_state state;
	struct lat_critpath *cp;
};

static int on_event(const struct lat_kevent *ev, void *user)
{
	struct run *r = user;
	struct lat_state_change change;
	int ret = lat_state_update(&r->state, ev, &change);

	return ret ? ret : lat_critpath_event(r->cp, ev, &r->state);
}

/* "running", "preempted by X (12)", "blocked: disk sda"... for one interval. */
static void describe(const struct lat_cp_interval *iv, char *buf, size_t len)
{
	char label[48], other[64] = "";

	lat_cp_label(iv, label, sizeof(label));
	if (iv->other_tid > 0) {
		snprintf(other, sizeof(other), "%s (%d)", iv->other_comm[0] ? iv->other_comm : "?",
			 iv->other_tid);
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
	bool multi = lat_is_multi_day(p->begin, p->end, a->gmt);
	int64_t total = p->end - p->begin;
	char b[64], e[64], d[32], what[160], task[64];

	lat_format_timestamp(b, sizeof(b), p->begin, multi, a->gmt);
	lat_format_timestamp(e, sizeof(e), p->end, multi, a->gmt);
	lat_format_duration((uint64_t)total, d, sizeof(d));
	printf("Critical path of %s (tid %d) from [%s] to [%s]: %s, %zu intervals\n", comm, p->tid,
	       b, e, d, p->n);
	if (same_name > 1) {
		printf("(%zu tasks named %s: the first one; choose with --tid)\n", same_name,
		       a->procname);
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
		describe(iv, what, sizeof(what));
		printf("%-20s %-20s %12s  %*s%s (%d): %s\n", b, e, d, indent, "",
		       iv->comm[0] ? iv->comm : "?", iv->tid, what);
	}
	printf("\nBy task:\n");
	for (size_t i = 0; i < p->ntasks; i++) {
		lat_format_duration((uint64_t)p->tasks[i].ns, d, sizeof(d));
		snprintf(task, sizeof(task), "%s (%d)",
			 p->tasks[i].comm[0] ? p->tasks[i].comm : "?", p->tasks[i].tid);
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
	char label[48], what[160];

	fputs("{\"trace\": ", stdout);
	lat_json_string(stdout, a->trace);
	printf(", \"tid\": %d, \"comm\": ", p->tid);
	lat_json_string(stdout, comm);
	printf(", \"same_name\": %zu, \"begin_ns\": %" PRId64 ", \"end_ns\": %" PRId64
	       ", \"duration_ns\": %" PRId64 ", \"lost_events\": %" PRIu64
	       ", \"max_depth\": %u, \"intervals\": [",
	       same_name, p->begin, p->end, total, lost, p->max_depth);
	for (size_t i = 0; i < p->n; i++) {
		const struct lat_cp_interval *iv = &p->intervals[i];

		printf("%s{\"begin_ns\": %" PRId64 ", \"end_ns\": %" PRId64
		       ", \"duration_ns\": %" PRId64 ", \"tid\": %d, \"comm\": ",
		       i ? ", " : "", iv->begin, iv->end, iv->end - iv->begin, iv->tid);
		lat_json_string(stdout, iv->comm);
		printf(", \"depth\": %u, \"state\": \"%s\", \"cause\": \"%s\", \"other_tid\": ",
		       iv->depth, lat_cp_state_name(iv->state), lat_cp_cause_name(iv->cause));
		if (iv->other_tid > 0) {
			printf("%d, \"other_comm\": ", iv->other_tid);
			lat_json_string(stdout, iv->other_comm);
		} else {
			fputs("null, \"other_comm\": null", stdout);
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
		describe(iv, what, sizeof(what));
		fputs(", \"text\": ", stdout);
		lat_json_string(stdout, what);
		fputs("}", stdout);
	}
	fputs("], \"by_task\": [", stdout);
	for (size_t i = 0; i < p->ntasks; i++) {
		printf("%s{\"tid\": %d, \"comm\": ", i ? ", " : "", p->tasks[i].tid);
		lat_json_string(stdout, p->tasks[i].comm);
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

int cmd_critical_path(int argc, char **argv)
{
	struct lat_ctf_options opts = {.intersect = false, .kernel_only = true};
	struct lat_ctf_source *src = NULL;
	struct run *r = NULL;
	struct lat_cp_path path = {0};
	struct cp_args a;
	int64_t tb, te, ub, ue, lb, le;
	int32_t tids[MAX_SAME_NAME];
	size_t same = 0;
	const char *comm;
	char err[600];
	int status, ret, major, minor, patch;

	status = parse_args(argc, argv, &a);
	if (status >= 0) {
		return status;
	}
	if (lat_ctf_is_live_url(a.trace)) {
		return cli_usage_error("critical-path",
				       "critical-path: needs a trace folder, not a live session");
	}
	ret = lat_ctf_source_open(a.trace, &opts, &src, err, sizeof(err));
	if (ret) {
		cli_error("critical-path: %s: %s", a.trace, err);
		return CLI_EXIT_FAILURE;
	}
	lat_ctf_source_range(src, &tb, &te);
	status = resolve_range(&a, tb, te, &ub, &ue);
	if (status >= 0) {
		goto out;
	}
	status = CLI_EXIT_FAILURE;
	r = calloc(1, sizeof(*r));
	if (!r || lat_state_init(&r->state)) {
		free(r);
		r = NULL;
		cli_error("critical-path: %s", strerror(ENOMEM));
		goto out;
	}
	if (lat_critpath_create(&r->cp)) {
		cli_error("critical-path: %s", strerror(ENOMEM));
		goto out;
	}
	if (lat_ctf_source_tracer_version(src, &major, &minor, &patch) == 0) {
		lat_state_set_tracer_version(&r->state, major, minor, patch);
	}
	ret = lat_ctf_source_run(src, on_event, r);
	if (ret) {
		cli_error("critical-path: %s: %s", a.trace,
			  ret == -ENOMEM ? strerror(ENOMEM) : lat_ctf_source_error(src));
		goto out;
	}
	lat_critpath_finish(r->cp, 0);
	if (a.procname) {
		same = lat_critpath_find_comm(r->cp, a.procname, tids, MAX_SAME_NAME);
		if (!same) {
			cli_error("critical-path: no task named %s in %s", a.procname, a.trace);
			goto out;
		}
		a.tid = tids[0];
	}
	if (lat_critpath_task_life(r->cp, a.tid, &lb, &le)) {
		cli_error("critical-path: no task with tid %d in %s", a.tid, a.trace);
		goto out;
	}
	if (ub && ub > lb) {
		lb = ub;
	}
	if (ue && ue < le) {
		le = ue;
	}
	comm = lat_critpath_comm(r->cp, a.tid);
	if (le <= lb) {
		char b[64], e[64];
		int64_t life_b, life_e;

		lat_critpath_task_life(r->cp, a.tid, &life_b, &life_e);
		lat_format_timestamp(b, sizeof(b), life_b, false, a.gmt);
		lat_format_timestamp(e, sizeof(e), life_e, false, a.gmt);
		cli_error("critical-path: empty range: %s (tid %d) lives from %s to %s, outside "
			  "--begin/--end",
			  comm[0] ? comm : "?", a.tid, b, e);
		goto out;
	}
	ret = lat_critpath_compute(r->cp, a.tid, lb, le, &path);
	if (ret) {
		cli_error("critical-path: %s", strerror(-ret));
		goto out;
	}
	if (a.json) {
		print_json(&a, &path, comm, lat_ctf_source_stats(src)->discarded_events, same);
	} else {
		print_text(&a, &path, comm[0] ? comm : "?",
			   lat_ctf_source_stats(src)->discarded_events, same);
	}
	status = fflush(stdout) ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
out:
	lat_cp_path_fini(&path);
	if (r) {
		lat_critpath_destroy(r->cp);
		lat_state_fini(&r->state);
		free(r);
	}
	lat_ctf_source_destroy(src);
	return status;
}
