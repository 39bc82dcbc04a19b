/* explain.c: `latscope explain`: why one event was slow, from a trace or a flight-recorder
 * snapshot.
 */
#include "analyses/explain.h"
#include "cli.h"
#include "outputs/datetime.h"
#include "outputs/explain_html.h"
#include "outputs/explain_json.h"
#include "outputs/explain_text.h"
#include "outputs/explain_trigger.h"
#include "sources/ctf.h"
#include "state/state.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_help(void)
{
	printf(
	    "Usage: latscope explain [--tid TID [--from DATE] [--to DATE]] [--json] TRACE\n\n"
	    "Why one event was slow, answered from an LTTng kernel trace: the task's interval\n"
	    "on its critical path (latscope critical-path), cut into causes and added up, "
	    "across\n"
	    "the tasks it waited for (their own explanation over the wait, recursively):\n"
	    "running (user, kernel: which system calls), preempted or waiting for a CPU (who\n"
	    "ran there instead, with shares; IRQ time), blocked on a timer (the sleep or "
	    "timeout\n"
	    "asked), the disk (device, requests, queue and service time), the network (the "
	    "task\n"
	    "that sent the packet on a local socket), another task (pipe, futex, wait4...: "
	    "then\n"
	    "that task's explanation), or unknown (with what the trace lacks to tell). A "
	    "summary\n"
	    "paragraph first, then the detail and the critical path.\n\n"
	    "TRACE is a trace folder; with no --tid, a flight-recorder snapshot folder (latscope\n"
	    "record --flight): the event that triggered it, from its trigger.txt (tracker, task,\n"
	    "start and end).\n\n"
	    "      --tid TID          the task (thread id) whose event to explain\n"
	    "      --from DATE, --to DATE  the event: HH:MM:SS[.nnnnnnnnn] (the trace's day),\n"
	    "                         YYYY-MM-DD HH:MM:SS[.nnnnnnnnn], or ns since the epoch\n"
	    "                         (default: the task's life in the trace)\n"
	    "      --gmt              dates in UTC instead of local time\n"
	    "  -j, --json             one JSON object: event {tid, comm, begin_ns, end_ns,\n"
	    "                         duration_ns, tracker}, summary, breakdown [{state, on, "
	    "ns,\n"
	    "                         tasks [{tid, comm, ns}], detail, breakdown}], path\n"
	    "  -h, --help             this help\n\n"
	    "Example: latscope explain rec/snapshot-20261207T231500-1\n");
}

struct xp_args {
	const char *trace, *from, *to;
	int32_t tid;
	bool has_tid, json, gmt;
};

enum { OPT_TID = 256, OPT_FROM, OPT_TO, OPT_GMT };

static int parse_args(int argc, char **argv, struct xp_args *a)
{
	static const struct option longopts[] = {
	    {"tid", required_argument, NULL, OPT_TID},
	    {"from", required_argument, NULL, OPT_FROM},
	    {"to", required_argument, NULL, OPT_TO},
	    {"gmt", no_argument, NULL, OPT_GMT},
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
			char *endp;
			long v;

			errno = 0;
			v = strtol(optarg, &endp, 10);
			if (errno || *endp || endp == optarg || v <= 0 || v > INT32_MAX) {
				return cli_usage_error(
				    "explain", "explain: --tid: not a thread id: %s", optarg);
			}
			a->tid = (int32_t)v;
			a->has_tid = true;
			break;
		}
		case OPT_FROM:
			a->from = optarg;
			break;
		case OPT_TO:
			a->to = optarg;
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
			return cli_usage_error("explain",
					       "explain: unknown option or missing value '%s'",
					       argv[optind - 1]);
		}
	}
	if ((a->from || a->to) && !a->has_tid) {
		return cli_usage_error("explain", "explain: --from/--to need --tid TID");
	}
	if (argc - optind != 1) {
		return cli_usage_error("explain", argc - optind < 1 ? "explain: no trace given"
								    : "explain: one trace only");
	}
	a->trace = argv[optind];
	return -1;
}

#define STOP_MARGIN_NS 2000000000LL

struct reader {
	struct lat_state state;
	struct lat_explain *x;
	int64_t stop_after; /* 0, or a while after the event's end: what comes later cannot change
			       the answer (the while: the wake-up of a wait the end cuts) */
};

static int on_event(const struct lat_kevent *ev, void *user)
{
	struct reader *r = user;
	struct lat_state_change change;
	int ret;

	if (r->stop_after && ev->ts > r->stop_after) {
		return 1; /* stops the trace's reading */
	}
	ret = lat_state_update(&r->state, ev, &change);
	return ret ? ret : lat_explain_event(r->x, ev, &r->state);
}

/*
 * Reads the trace and explains the event: --tid/--from/--to, else the snapshot's trigger.
 * Fills *e; returns -1 to go on, or an exit status (the error printed, or in why for a
 * non-NULL why).
 */
static int run(const struct xp_args *a, struct lat_ctf_source **src, struct reader *r,
	       struct lat_explanation *e, char *why, size_t why_len)
{
	struct lat_ctf_options opts = {.intersect = false, .kernel_only = true};
	struct lat_xp_trigger trig = {0};
	int64_t tb, te, lb, le, from = 0, to = 0;
	int ret, major, minor, patch;
	char err[600];

	if (!a->has_tid) {
		ret = lat_xp_trigger_read(a->trace, &trig);
		if (ret) {
			snprintf(why, why_len,
				 "explain: %s: %s: give the event with --tid TID [--from DATE --to "
				 "DATE]",
				 a->trace,
				 ret == -ENOENT ? "no trigger.txt (not a triggered flight-recorder "
						  "snapshot)"
				 : ret == -EINVAL
				     ? "trigger.txt: not a trigger (a key is missing or bad)"
				     : strerror(-ret));
			return CLI_EXIT_FAILURE;
		}
	}
	if (lat_ctf_is_live_url(a->trace)) {
		snprintf(why, why_len, "explain: needs a trace folder, not a live session");
		return CLI_EXIT_USAGE;
	}
	ret = lat_ctf_source_open(a->trace, &opts, src, err, sizeof(err));
	if (ret) {
		snprintf(why, why_len, "explain: %s: %s", a->trace, err);
		return CLI_EXIT_FAILURE;
	}
	if (lat_ctf_source_tracer_version(*src, &major, &minor, &patch) == 0) {
		lat_state_set_tracer_version(&r->state, major, minor, patch);
	}
	lat_ctf_source_range(*src, &tb, &te);
	if (a->from && lat_parse_date(a->from, a->gmt, tb, te, &from, err, sizeof(err))) {
		snprintf(why, why_len, "explain: --from: %s", err);
		return CLI_EXIT_USAGE;
	}
	if (a->to && lat_parse_date(a->to, a->gmt, tb, te, &to, err, sizeof(err))) {
		snprintf(why, why_len, "explain: --to: %s", err);
		return CLI_EXIT_USAGE;
	}
	if (a->from && a->to && to <= from) {
		snprintf(why, why_len, "explain: empty event: --to is not after --from");
		return CLI_EXIT_USAGE;
	}
	/* what comes before the event is read for the state it leaves, not kept */
	if (a->has_tid ? a->from != NULL : true) {
		lat_explain_keep_from(r->x, a->has_tid ? from : trig.start_ns);
	}
	r->stop_after = a->has_tid ? (a->to ? to : 0) : trig.end_ns;
	if (r->stop_after) {
		r->stop_after += STOP_MARGIN_NS;
	}
	ret = lat_ctf_source_run(*src, on_event, r);
	if (ret) {
		snprintf(why, why_len, "explain: %s: %s", a->trace,
			 ret == -ENOMEM ? strerror(ENOMEM) : lat_ctf_source_error(*src));
		return CLI_EXIT_FAILURE;
	}
	lat_explain_finish(r->x, 0);
	int32_t tid = a->has_tid ? a->tid : trig.tid;

	if (!a->has_tid) {
		from = trig.start_ns;
		to = trig.end_ns;
	}
	if (lat_critpath_task_life(lat_explain_graph(r->x), tid, &lb, &le)) {
		snprintf(why, why_len, "explain: no task with tid %d in %s", tid, a->trace);
		return CLI_EXIT_FAILURE;
	}
	if (from && from > lb) {
		lb = from;
	}
	if (to && to < le) {
		le = to;
	}
	if (le <= lb) {
		snprintf(why, why_len,
			 "explain: the event of tid %d is outside its life in the trace (the trace "
			 "may have started after the event began)",
			 tid);
		return CLI_EXIT_FAILURE;
	}
	ret = lat_explain_compute(r->x, tid, lb, le, e);
	if (ret) {
		snprintf(why, why_len, "explain: %s", strerror(-ret));
		return CLI_EXIT_FAILURE;
	}
	snprintf(e->tracker, sizeof(e->tracker), "%s", trig.tracker);
	return -1;
}

/* Runs one explanation; prints to out (text), jout (JSON), html (a report's section). */
static int explain_to(const struct xp_args *a, FILE *out, FILE *jout, struct lat_html *html,
		      char *why, size_t why_len)
{
	struct lat_ctf_source *src = NULL;
	struct reader r = {0};
	struct lat_explanation e = {0};
	int status;

	if (lat_state_init(&r.state)) {
		snprintf(why, why_len, "explain: %s", strerror(ENOMEM));
		return CLI_EXIT_FAILURE;
	}
	if (lat_explain_create(&r.x)) {
		lat_state_fini(&r.state);
		snprintf(why, why_len, "explain: %s", strerror(ENOMEM));
		return CLI_EXIT_FAILURE;
	}
	status = run(a, &src, &r, &e, why, why_len);
	if (status < 0) {
		uint64_t lost = lat_ctf_source_stats(src)->discarded_events;

		if (out) {
			if (lost) {
				fprintf(
				    out,
				    "Warning: the tracer lost %llu events: the explanation may be "
				    "wrong around them\n",
				    (unsigned long long)lost);
			}
			lat_xp_print_text(out, &e, a->gmt);
		}
		if (jout) {
			lat_xp_print_json(jout, &e, a->trace, lost);
		}
		if (html) {
			lat_xp_print_html(html, &e);
		}
		status = CLI_EXIT_OK;
	}
	lat_explanation_fini(&e);
	lat_explain_destroy(r.x);
	lat_state_fini(&r.state);
	lat_ctf_source_destroy(src);
	return status;
}

int cli_explain_snapshot(const char *dir, char *why, size_t why_len)
{
	struct xp_args a = {.trace = dir};
	char tpath[PATH_MAX], jpath[PATH_MAX];
	FILE *t, *j;
	int status;

	snprintf(tpath, sizeof(tpath), "%s/explain.txt", dir);
	snprintf(jpath, sizeof(jpath), "%s/explain.json", dir);
	t = fopen(tpath, "w");
	j = t ? fopen(jpath, "w") : NULL;
	if (!t || !j) {
		snprintf(why, why_len, "explain: %s: %s", t ? jpath : tpath, strerror(errno));
		if (t) {
			fclose(t);
		}
		return CLI_EXIT_FAILURE;
	}
	status = explain_to(&a, t, j, NULL, why, why_len);
	if (status) {
		fprintf(t, "latscope: %s\n", why);
	}
	if ((fclose(t) | fclose(j)) && !status) {
		snprintf(why, why_len, "explain: %s: %s", dir, strerror(errno));
		status = CLI_EXIT_FAILURE;
	}
	return status;
}

void cli_explain_html(struct lat_html *h, const char *dir)
{
	struct xp_args a = {.trace = dir};
	struct lat_xp_trigger trig;
	char why[1024];

	if (lat_xp_trigger_read(dir, &trig) != 0) {
		return; /* not a triggered snapshot */
	}
	if (explain_to(&a, NULL, NULL, h, why, sizeof(why)) != CLI_EXIT_OK) {
		lat_html_section(h, "explain", "Why this event was slow", NULL);
		lat_html_para(h, "warn", why);
	}
}

int cmd_explain(int argc, char **argv)
{
	struct xp_args a;
	char why[1024] = "";
	int status = parse_args(argc, argv, &a);

	if (status >= 0) {
		return status;
	}
	status =
	    explain_to(&a, a.json ? NULL : stdout, a.json ? stdout : NULL, NULL, why, sizeof(why));
	if (status == CLI_EXIT_USAGE) {
		return cli_usage_error("explain", "%s", why);
	}
	if (status) {
		cli_error("%s", why);
		return status;
	}
	return fflush(stdout) ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}
