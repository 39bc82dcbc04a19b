/* analyze_periods.c: `latscope analyze periodlog|periodstats|periodtop|periodfreq [options]
 * TRACE|--live` (lttng-periodlog, -stats, -top, -freq and their -mi twins). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyses/periods.h"
#include "outputs/datetime.h"
#include "outputs/lami.h"
#include "outputs/periods_text.h"
#include "outputs/text.h"
#include "sources/ctf.h"
#include "sources/live.h"
#include "util/units.h"

enum {
	OPT_PERIOD = 0x100,
	OPT_PERIOD_CAPTURES,
	OPT_LOG,
	OPT_TOP,
	OPT_STATS,
	OPT_FREQ,
	OPT_FREQ_RESOLUTION,
	OPT_ORDER_BY,
	OPT_MIN_DURATION,
	OPT_MAX_DURATION,
	OPT_LIMIT,
	OPT_BEGIN,
	OPT_END,
	OPT_TIMERANGE,
	OPT_GMT,
	OPT_LAMI,
	OPT_MI_VERSION,
	OPT_METADATA,
	OPT_TEST_COMPAT,
	OPT_OUTPUT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_SKIP_VALIDATION,
	OPT_NO_INTERSECTION,
	OPT_NO_COLOR,
	OPT_UNSUPPORTED,
	OPT_GROUP_BY,
	OPT_SELECT,
	OPT_AGGREGATE_BY,
	OPT_FREQ_UNIFORM,
	OPT_FREQ_SERIES,
	OPT_HELP,
	OPT_REFRESH,
	OPT_VERSION,
	OPT_DEBUG,
	OPT_PROGRESS_USE_SIZE,
	OPT_LIVE,
	OPT_DURATION,
	OPT_BUFFER_SIZE,
	OPT_RECORD,
};

static const struct option long_options[] = {
    {"period", required_argument, NULL, OPT_PERIOD},
    {"period-captures", required_argument, NULL, OPT_PERIOD_CAPTURES},
    {"log", no_argument, NULL, OPT_LOG},
    {"top", no_argument, NULL, OPT_TOP},
    {"stats", no_argument, NULL, OPT_STATS},
    {"freq", no_argument, NULL, OPT_FREQ},
    {"freq-resolution", required_argument, NULL, OPT_FREQ_RESOLUTION},
    {"order-by", required_argument, NULL, OPT_ORDER_BY},
    {"min-duration", required_argument, NULL, OPT_MIN_DURATION},
    {"max-duration", required_argument, NULL, OPT_MAX_DURATION},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"begin", required_argument, NULL, OPT_BEGIN},
    {"end", required_argument, NULL, OPT_END},
    {"timerange", required_argument, NULL, OPT_TIMERANGE},
    {"gmt", no_argument, NULL, OPT_GMT},
    {"lami", no_argument, NULL, OPT_LAMI},
    {"mi", no_argument, NULL, OPT_LAMI},
    {"json", no_argument, NULL, OPT_LAMI},
    {"mi-version", no_argument, NULL, OPT_MI_VERSION},
    {"metadata", no_argument, NULL, OPT_METADATA},
    {"test-compatibility", no_argument, NULL, OPT_TEST_COMPAT},
    {"output-progress", no_argument, NULL, OPT_OUTPUT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"skip-validation", no_argument, NULL, OPT_SKIP_VALIDATION},
    {"no-intersection", no_argument, NULL, OPT_NO_INTERSECTION},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"group-by", required_argument, NULL, OPT_GROUP_BY},
    {"period-group-by", required_argument, NULL, OPT_GROUP_BY},
    {"aggregate-by", required_argument, NULL, OPT_AGGREGATE_BY},
    {"period-aggregate-by", required_argument, NULL, OPT_AGGREGATE_BY},
    {"period-aggregate", required_argument, NULL, OPT_SELECT}, /* the LinuxCon 2016 name */
    {"select", required_argument, NULL, OPT_SELECT},
    {"freq-uniform", no_argument, NULL, OPT_FREQ_UNIFORM},
    {"freq-series", no_argument, NULL, OPT_FREQ_SERIES},
    {"help", no_argument, NULL, OPT_HELP},
    {"refresh", required_argument, NULL, OPT_REFRESH},
    {"version", no_argument, NULL, OPT_VERSION},
    {"debug", no_argument, NULL, OPT_DEBUG},
    {"progress-use-size", no_argument, NULL, OPT_PROGRESS_USE_SIZE},
    {"live", no_argument, NULL, OPT_LIVE},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"buffer-size", required_argument, NULL, OPT_BUFFER_SIZE},
    {"record", required_argument, NULL, OPT_RECORD},
    {NULL, 0, NULL, 0},
};

struct pargs {
	const char *name;
	const char *path;
	const char *begin, *end, *timerange;
	bool gmt, lami, mi_version, metadata, test_compat, output_progress, skip_validation;
	bool debug;
	bool intersect;
	bool live;            /* --live: this machine's kernel, no TRACE */
	uint64_t duration_ns; /* --live --duration */
	size_t buffer_bytes;  /* --live --buffer-size */
	const char *record;   /* --live --record DIR */
	struct lat_periods_options opts;
};

static volatile sig_atomic_t interrupted;
static struct lat_ctf_source *live_source;     /* interrupted by Ctrl-C */
static struct lat_live_source *machine_source; /* --live: interrupted by Ctrl-C */

static void on_sigint(int sig)
{
	(void)sig;
	if (machine_source) {
		lat_live_source_interrupt(machine_source); /* then its results, as a trace's */
		return;
	}
	interrupted = 1;
	if (live_source) {
		lat_ctf_source_interrupt(live_source);
	}
}

bool cli_is_period_analysis(const char *name)
{
	return name && (strcmp(name, "periodlog") == 0 || strcmp(name, "periodstats") == 0 ||
			strcmp(name, "periodtop") == 0 || strcmp(name, "periodfreq") == 0);
}

static void print_help(FILE *out)
{
	fputs("Usage: latscope analyze periodlog|periodstats|periodtop|periodfreq [OPTIONS] TRACE\n"
	      "       latscope analyze periodlog|... [OPTIONS] --live [--duration DURATION]\n"
	      "\n"
	      "User-defined periods (lttng-periodlog/-stats/-top/-freq): a period begins at an "
	      "event\nmatching BEGIN_EXPR and ends at the next event matching END_EXPR.\n"
	      "TRACE is a trace folder or net://HOST/host/HOSTNAME/SESSION (lttng-live).\n"
	      "\n"
	      "Expressions: $evt.$name == \"syscall_exit_accept4\" && $evt.procname == "
	      "\"apache2\",\n$evt.fd == $begin.$evt.ret, $evt.pid == $parent.$begin.$evt.pid, "
	      "$evt.$pkt_ctx.cpu_id < 2,\n$evt.$name =* \"sched_*\"; see docs/periods.md.\n"
	      "\n"
	      "Options:\n"
	      "  --period DEF           a period: 'NAME [(PARENT)] : BEGIN_EXPR [: END_EXPR]'\n"
	      "                         (repeatable)\n"
	      "  --period-captures DEF  'NAME : [CAP, ...] [: CAP, ...]', CAP = [NAME =] "
	      "$evt.FIELD\n"
	      "  --log                  the log of periods\n"
	      "  --top                  the longest periods\n"
	      "  --stats                duration statistics\n"
	      "  --freq                 duration distributions (several views at once)\n"
	      "  --order-by hierarchy|time  log order (default time)\n"
	      "  --group-by LIST, --period-group-by LIST  stats and freq per value of the\n"
	      "                         captures 'PERIOD.CAPTURE[, ...]'\n"
	      "  --select LIST, --period-aggregate LIST  only these periods 'PERIOD[, ...]'\n"
	      "  --aggregate-by PERIOD, --period-aggregate-by PERIOD  log: the statistics of\n"
	      "                         the selected periods per instance of PERIOD\n"
	      "  --min-duration DURATION  only periods of at least DURATION (10us, 1.5ms;\n"
	      "                         a bare number is in µs, as lttng-analyses)\n"
	      "  --max-duration DURATION  only periods of at most DURATION\n"
	      "  --limit N|unlimited    rows in top tables (default 10)\n"
	      "  --freq-resolution N    bins in a distribution (default 20)\n"
	      "  --freq-uniform         the same bins for all distributions of a kind\n"
	      "  --freq-series          (LAMI, with --group-by) one table a period, a count\n"
	      "                         column a group; implies --freq-uniform\n"
	      "  --begin DATE           analyse from DATE (as latscope analyze --help)\n"
	      "  --end DATE             analyse up to DATE\n"
	      "  --timerange [BEGIN,END]  both at once\n"
	      "  --gmt                  dates in UTC instead of local time\n"
	      "  -r, --refresh DURATION  refused, as lttng-analyses refuses it with periods\n",
	      out);
	fputs(cli_analyze_common_help, out);
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, struct pargs *a)
{
	int opt;

	memset(a, 0, sizeof(*a));
	a->intersect = true;
	a->opts.limit = 10;
	a->opts.freq_resolution = 20;
	a->name = argv[1];
	if (strcmp(a->name, "periodlog") == 0) {
		a->opts.log = true;
	} else if (strcmp(a->name, "periodstats") == 0) {
		a->opts.stats = true;
	} else if (strcmp(a->name, "periodtop") == 0) {
		a->opts.top = true;
	} else {
		a->opts.freq = true;
	}
	optind = 2;
	opterr = 0;
	int li = -1;

	while ((opt = getopt_long(argc, argv, "hjVr:", long_options, &li)) != -1) {
		uint64_t ns;
		double d;
		int limit;

		switch (opt) {
		case OPT_PERIOD:
			if (a->opts.ndefs == LAT_PERIODS_MAX_ARGS) {
				return cli_usage_error("analyze", "too many --period");
			}
			a->opts.defs[a->opts.ndefs++] = optarg;
			break;
		case OPT_PERIOD_CAPTURES:
			if (a->opts.ncaptures == LAT_PERIODS_MAX_ARGS) {
				return cli_usage_error("analyze", "too many --period-captures");
			}
			a->opts.captures[a->opts.ncaptures++] = optarg;
			break;
		case OPT_LOG:
			a->opts.log = true;
			break;
		case OPT_TOP:
			a->opts.top = true;
			break;
		case OPT_STATS:
			a->opts.stats = true;
			break;
		case OPT_FREQ:
			a->opts.freq = true;
			break;
		case OPT_FREQ_RESOLUTION:
			if (!cli_parse_int("analyze", "--freq-resolution", optarg, 1, 1000000,
					   &a->opts.freq_resolution)) {
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_ORDER_BY:
			if (strcmp(optarg, "hierarchy") == 0) {
				a->opts.order_hierarchy = true;
			} else if (strcmp(optarg, "time") == 0) {
				a->opts.order_hierarchy = false;
			} else {
				return cli_usage_error("analyze",
						       "--order-by: Invalid order-by value '%s' "
						       "(hierarchy or time)",
						       optarg);
			}
			break;
		case OPT_MIN_DURATION:
		case OPT_MAX_DURATION:
			/* a duration with its unit; a bare number is in µs, as lttng-analyses */
			if (!cli_parse_duration("analyze",
						opt == OPT_MIN_DURATION ? "--min-duration"
									: "--max-duration",
						optarg, 1000, 0, LAT_DURATION_MAX_NS, &ns)) {
				return CLI_EXIT_USAGE;
			}
			d = (double)ns / 1000;
			if (opt == OPT_MIN_DURATION) {
				a->opts.has_min = true, a->opts.min_us = d;
			} else {
				a->opts.has_max = true, a->opts.max_us = d;
			}
			break;
		case OPT_LIMIT:
			if (strcmp(optarg, "unlimited") == 0) {
				a->opts.limit = 0;
				break;
			}
			if (!cli_parse_int("analyze", "--limit", optarg, 0, INT_MAX, &limit)) {
				return CLI_EXIT_USAGE;
			}
			a->opts.limit = limit;
			break;
		case OPT_BEGIN:
			a->begin = optarg;
			break;
		case OPT_END:
			a->end = optarg;
			break;
		case OPT_TIMERANGE:
			a->timerange = optarg;
			break;
		case OPT_GMT:
			a->gmt = true;
			break;
		case OPT_LAMI:
		case 'j':
			a->lami = true;
			break;
		case OPT_MI_VERSION:
			a->mi_version = true;
			break;
		case OPT_METADATA:
			a->metadata = true;
			break;
		case OPT_TEST_COMPAT:
			a->test_compat = true;
			break;
		case OPT_OUTPUT_PROGRESS:
			a->output_progress = true;
			break;
		case OPT_SKIP_VALIDATION:
			a->skip_validation = true;
			break;
		case OPT_NO_INTERSECTION:
			a->intersect = false;
			break;
		case OPT_NO_PROGRESS:
		case OPT_NO_COLOR:
			break;
		case OPT_REFRESH:
		case 'r': /* the peer's rule; these commands always have periods */
			return cli_usage_error("analyze", "Cannot specify --period* and --refresh "
							  "arguments at the same time");
		case OPT_VERSION:
		case 'V':
			printf("latscope %s (lttng-analyses 0.6.1's analyses)\n", LATSCOPE_VERSION);
			return CLI_EXIT_OK;
		case OPT_DEBUG:
			a->debug = true;
			break;
		case OPT_PROGRESS_USE_SIZE: /* accepted: these commands' progress has no estimate */
			break;
		case OPT_LIVE:
			a->live = true;
			break;
		case OPT_DURATION:
			if (!cli_parse_duration("analyze", "--duration", optarg, 1000000000ull, 1,
						LAT_DURATION_MAX_NS, &a->duration_ns)) {
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_RECORD:
			a->record = optarg;
			break;
		case OPT_BUFFER_SIZE: {
			uint64_t size;

			if (lat_parse_size(optarg, &size) || size < 4096 || (size & (size - 1)) ||
			    size > (1ull << 31)) {
				return cli_usage_error("analyze",
						       "--buffer-size: '%s' is not a power of two "
						       "between 4K and 2G",
						       optarg);
			}
			a->buffer_bytes = (size_t)size;
			break;
		}
		case OPT_GROUP_BY:
			a->opts.group_by = optarg;
			break;
		case OPT_SELECT:
			a->opts.select = optarg;
			break;
		case OPT_AGGREGATE_BY:
			a->opts.aggregate_by = optarg;
			break;
		case OPT_FREQ_UNIFORM:
			a->opts.freq_uniform = true;
			break;
		case OPT_FREQ_SERIES:
			a->opts.freq_series = a->opts.freq_uniform = true;
			break;
		case OPT_UNSUPPORTED:
			return cli_usage_error("analyze",
					       "--%s is not supported yet by latscope's periods",
					       li >= 0 ? long_options[li].name : "?");
		case OPT_HELP:
		case 'h':
			print_help(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("analyze", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		a->path = argv[optind++];
	}
	if (optind < argc) {
		return cli_usage_error("analyze", "unexpected argument '%s'", argv[optind]);
	}
	if (a->opts.log && a->opts.select && a->opts.group_by && !a->opts.order_hierarchy) {
		return cli_usage_error("analyze", "the aggregated log of --select with --group-by "
						  "is not supported yet");
	}
	if (a->mi_version || a->metadata || a->test_compat || a->output_progress) {
		a->lami = true;
	}
	if ((a->duration_ns || a->buffer_bytes || a->record) && !a->live) {
		return cli_usage_error("analyze",
				       "--duration, --buffer-size and --record need --live");
	}
	if (a->live && a->path) {
		return cli_usage_error("analyze", "--live takes no TRACE (got '%s')", a->path);
	}
	if (a->live && (a->begin || a->end || a->timerange)) {
		return cli_usage_error("analyze", "--begin/--end/--timerange need a trace, not "
						  "--live");
	}
	return -1;
}

static int fail(const struct pargs *a, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const struct pargs *a, int status, const char *fmt, ...)
{
	char message[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	cli_error("%s", message);
	if (a->lami) {
		char lami[1100];

		snprintf(lami, sizeof(lami), "Error: %s", message);
		lat_lami_print_error(stdout, lami);
	}
	if (status == CLI_EXIT_USAGE) {
		fprintf(stderr, "Try 'latscope analyze %s --help'.\n", a->name);
	}
	return status;
}

struct run {
	struct lat_periods *periods;
	struct lat_text_opts text;
	bool live;
};

static int on_event(const struct lat_kevent *ev, void *user)
{
	struct run *r = user;
	int ret;

	if (interrupted) {
		return 1;
	}
	ret = lat_periods_event(r->periods, ev);
	return ret < 0 ? ret : ret;
}

struct live_filter {
	struct run *run;
	const struct lat_periods_options *opts;
};

/* Live: each period as it ends (within --min-duration/--max-duration). */
static void on_end(const struct lat_periods *p, const struct lat_period_record *rec, void *user)
{
	struct live_filter *f = user;
	double us = (double)(rec->end_ts - rec->begin_ts) / 1000;

	if ((f->opts->has_min && us < f->opts->min_us) ||
	    (f->opts->has_max && us > f->opts->max_us)) {
		return;
	}
	lat_periods_print_record(rec, lat_periods_def_path(p, rec->def), &f->run->text, stdout);
	fflush(stdout);
}

/* net://HOST/host/HOSTNAME/SESSION: periods printed as they end, the view at the end. */
static int run_live(struct pargs *a, struct run *run)
{
	struct live_filter filter = {run, &a->opts};
	struct lat_ctf_options copts = {.intersect = false, .kernel_only = false};
	struct lat_ctf_source *live = NULL;
	const struct lat_ctf_stats *stats;
	struct lat_periods_result result;
	char err[600];
	int ret, status;

	if (a->begin || a->end || a->timerange) {
		return fail(a, CLI_EXIT_USAGE,
			    "--begin/--end/--timerange need a trace folder, not "
			    "a live session");
	}
	ret = lat_ctf_source_open(a->path, &copts, &live, err, sizeof(err));
	if (ret) {
		return fail(a, ret == -EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE, "%s: %s",
			    a->path, err);
	}
	if (a->test_compat) {
		lat_ctf_source_destroy(live);
		return CLI_EXIT_OK;
	}
	run->text.gmt = a->gmt;
	run->live = true;
	if (!a->lami) {
		lat_periods_set_end_callback(run->periods, on_end, &filter);
		printf("Reading %s live (Ctrl-C to stop): periods as they end\n", a->path);
		fflush(stdout);
	}
	live_source = live;
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	ret = lat_ctf_source_run(live, on_event, run);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	live_source = NULL;
	lat_periods_finish(run->periods);
	stats = lat_ctf_source_stats(live);
	if (stats->discarded_events || stats->discarded_packets || stats->discarded_unknown) {
		fprintf(stderr,
			"latscope: warning: the tracer lost %" PRIu64 " events and %" PRIu64
			" packets%s: periods may be missing or wrong\n",
			stats->discarded_events, stats->discarded_packets,
			stats->discarded_unknown ? ", and more of unknown count" : "");
	}
	if (ret) {
		status = fail(a, CLI_EXIT_FAILURE, "%s: %s", a->path, lat_ctf_source_error(live));
		lat_ctf_source_destroy(live);
		return status;
	}
	ret = lat_periods_results(run->periods, &result);
	if (!ret && a->lami) {
		lat_lami_print_results(stdout, &result.tables);
	} else if (!ret) {
		printf("\n");
		lat_periods_print_text(&result, &run->text, stdout);
	}
	lat_periods_result_fini(&result);
	lat_ctf_source_destroy(live);
	if (ret) {
		return fail(a, CLI_EXIT_FAILURE, "%s: %s", a->name, strerror(-ret));
	}
	return fflush(stdout) ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}

/* --live: the periods of this machine's events from now until Ctrl-C or --duration, printed
 * at the end as a trace's. */
static int run_machine(struct pargs *a, struct run *run)
{
	struct lat_live_opts lopts = {.duration_ns = a->duration_ns,
				      .buffer_bytes = a->buffer_bytes,
				      .record_dir = a->record};
	struct lat_live_source *src = NULL;
	const struct lat_live_stats *st;
	struct lat_periods_result result;
	int64_t begin, end;
	char err[600], dur[64];
	int ret, status;

	if (a->test_compat) {
		return CLI_EXIT_OK;
	}
	ret = lat_live_source_open(&lopts, &src, err, sizeof(err));
	if (ret) {
		return fail(a, CLI_EXIT_FAILURE, "--live: %s", err);
	}
	lat_periods_set_field_reader(run->periods, lat_live_source_field, src);
	machine_source = src;
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	ret = lat_live_source_start(src, on_event, run, err, sizeof(err));
	if (ret) {
		status = fail(a, CLI_EXIT_FAILURE, "--live: %s", err);
		goto out;
	}
	if (a->duration_ns) {
		lat_format_duration(a->duration_ns, dur, sizeof(dur));
	}
	fprintf(stderr, "latscope: analyze: %s on this machine live %s%s\n", a->name,
		a->duration_ns ? "for " : "until Ctrl-C", a->duration_ns ? dur : "");
	if (a->output_progress) {
		lat_lami_print_progress(stdout, 0, "Starting analysis: live");
	}
	ret = lat_live_source_run(src);
	lat_periods_finish(run->periods);
	if (a->output_progress) {
		lat_lami_print_progress(stdout, 1, "Done!");
	}
	st = lat_live_source_stats(src);
	if (st->discarded || st->malformed || st->late) {
		fprintf(stderr,
			"latscope: warning: --live: %" PRIu64
			" events lost in the ring buffer, %" PRIu64 " malformed, %" PRIu64
			" late: periods may be missing or wrong\n",
			st->discarded, st->malformed, st->late);
	}
	if (ret) {
		status = fail(a, CLI_EXIT_FAILURE, "--live: %s", lat_live_source_error(src));
		goto out;
	}
	lat_live_source_range(src, &begin, &end);
	run->text.gmt = a->gmt;
	run->text.multi_day = lat_is_multi_day(begin, end, a->gmt);
	ret = lat_periods_results(run->periods, &result);
	if (!ret && a->lami) {
		lat_lami_print_results(stdout, &result.tables);
	} else if (!ret) {
		lat_periods_print_text(&result, &run->text, stdout);
	}
	lat_periods_result_fini(&result);
	if (ret) {
		status = fail(a, CLI_EXIT_FAILURE, "%s: %s", a->name, strerror(-ret));
	} else {
		status = fflush(stdout) ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
	}
out:
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	machine_source = NULL;
	lat_live_source_destroy(src);
	return status;
}

static int resolve_dates(struct pargs *a, int64_t tb, int64_t te)
{
	char err[256];

	if (a->timerange) {
		if (lat_parse_time_range(a->timerange, a->gmt, tb, te, &a->opts.begin_ts,
					 &a->opts.end_ts, err, sizeof(err))) {
			return fail(a, CLI_EXIT_USAGE, "--timerange: %s", err);
		}
		return -1;
	}
	if (a->begin &&
	    lat_parse_date(a->begin, a->gmt, tb, te, &a->opts.begin_ts, err, sizeof(err))) {
		return fail(a, CLI_EXIT_USAGE, "--begin: %s", err);
	}
	if (a->end) {
		if (lat_parse_date(a->end, a->gmt, tb, te, &a->opts.end_ts, err, sizeof(err))) {
			return fail(a, CLI_EXIT_USAGE, "--end: %s", err);
		}
		if (a->opts.end_ts < tb) {
			return fail(a, CLI_EXIT_USAGE, "--end timestamp before beginning of trace");
		}
	}
	return -1;
}

int cmd_analyze_periods(int argc, char **argv)
{
	struct lat_ctf_options copts = {.intersect = true, .kernel_only = false};
	struct lat_ctf_source *src = NULL;
	const struct lat_ctf_stats *stats;
	struct run run = {0};
	struct lat_periods_result result;
	struct pargs a;
	int64_t begin = 0, end = 0;
	char err[700];
	int status, ret;

	status = parse_args(argc, argv, &a);
	if (status >= 0) {
		return status;
	}
	if (a.mi_version) {
		printf("%s\n", LAT_LAMI_VERSION);
		return CLI_EXIT_OK;
	}
	if (a.metadata) {
		lat_lami_print_metadata(stdout, &lat_periods_lami_meta);
		return CLI_EXIT_OK;
	}
	if (!a.path && !a.live) {
		return fail(&a, CLI_EXIT_USAGE, "Please specify a trace path (or --live)");
	}
	if (a.opts.ndefs == 0) {
		return fail(&a, CLI_EXIT_USAGE,
			    "%s needs at least one --period 'NAME : BEGIN_EXPR [: END_EXPR]'",
			    a.name);
	}
	ret = lat_periods_create(&a.opts, &run.periods, err, sizeof(err));
	if (ret) {
		return fail(&a, ret == -EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE, "%s", err);
	}
	if (a.live) {
		status = run_machine(&a, &run);
		goto out;
	}
	if (lat_ctf_is_live_url(a.path)) {
		status = run_live(&a, &run);
		goto out;
	}
	copts.intersect = a.intersect;
	ret = lat_ctf_source_open(a.path, &copts, &src, err, sizeof(err));
	if (ret) {
		status = fail(&a, CLI_EXIT_FAILURE, "%s: %s", a.path, err);
		goto out;
	}
	if (a.debug) {
		int64_t rb, re;

		lat_ctf_source_range(src, &rb, &re);
		fprintf(stderr,
			"latscope: debug: %s: streams cover [%" PRId64 ", %" PRId64 "] ns%s%s\n",
			a.path, rb, re, *lat_ctf_source_note(src) ? "; " : "",
			lat_ctf_source_note(src));
	}
	if (a.intersect && !lat_ctf_source_intersection(src, &begin, &end)) {
		status = fail(&a, CLI_EXIT_FAILURE,
			      "%s: Trace has no intersection. Use --no-intersection to override",
			      a.path);
		goto out;
	}
	if (!a.intersect) {
		lat_ctf_source_range(src, &begin, &end);
	}
	status = resolve_dates(&a, begin, end);
	if (status >= 0) {
		goto out;
	}
	/* the dates are known only now: recreate the engine with them */
	lat_periods_destroy(run.periods);
	run.periods = NULL;
	ret = lat_periods_create(&a.opts, &run.periods, err, sizeof(err));
	if (ret) {
		status = fail(&a, CLI_EXIT_FAILURE, "%s", err);
		goto out;
	}
	if (a.test_compat) {
		status = CLI_EXIT_OK;
		goto out;
	}
	run.text.gmt = a.gmt;
	run.text.multi_day = lat_is_multi_day(begin, end, a.gmt);
	if (!a.lami && !a.skip_validation) {
		printf("Checking the trace for lost events...\n");
		fflush(stdout);
	}
	if (a.output_progress) {
		lat_lami_print_progress(stdout, 0, "Starting analysis");
	}
	signal(SIGINT, on_sigint);
	ret = lat_ctf_source_run(src, on_event, &run);
	signal(SIGINT, SIG_DFL);
	lat_periods_finish(run.periods);
	if (a.output_progress) {
		lat_lami_print_progress(stdout, 1, "Done!");
	}
	stats = lat_ctf_source_stats(src);
	for (uint32_t i = 0; i < stats->nnotes; i++) {
		fprintf(stderr, "latscope: warning: %s\n", stats->notes[i]);
	}
	if (stats->discarded_events || stats->discarded_packets || stats->discarded_unknown) {
		fprintf(stderr,
			"latscope: warning: the tracer lost %" PRIu64 " events and %" PRIu64
			" packets in %s%s: record with larger buffers or fewer events; periods may "
			"be missing or wrong\n",
			stats->discarded_events, stats->discarded_packets, a.path,
			stats->discarded_unknown ? ", and more of unknown count" : "");
	}
	if (ret) {
		status = fail(&a, CLI_EXIT_FAILURE, "%s: %s", a.path, lat_ctf_source_error(src));
		goto out;
	}
	ret = lat_periods_results(run.periods, &result);
	if (ret) {
		lat_periods_result_fini(&result);
		status = fail(&a, CLI_EXIT_FAILURE, "%s: %s", a.name, strerror(-ret));
		goto out;
	}
	if (a.lami) {
		lat_lami_print_results(stdout, &result.tables);
	} else {
		lat_periods_print_text(&result, &run.text, stdout);
	}
	lat_periods_result_fini(&result);
	status = fflush(stdout) ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
out:
	lat_periods_destroy(run.periods);
	lat_ctf_source_destroy(src);
	return status;
}
