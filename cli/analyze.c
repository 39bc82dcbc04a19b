/* analyze.c: `latscope analyze NAME [options] TRACE|--live`: lttng-analyses' analyses on CTF
 * traces, or on this machine's kernel events as they happen (sources/live.h). */
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
#include <time.h>
#include <unistd.h>

#include "analyses/analysis.h"
#include "analyses/periods.h"
#include "outputs/datetime.h"
#include "outputs/lami.h"
#include "outputs/text.h"
#include "sources/ctf.h"
#include "sources/live.h"
#include "util/units.h"

enum {
	OPT_BEGIN = 0x100,
	OPT_END,
	OPT_TIMERANGE,
	OPT_GMT,
	OPT_CPU,
	OPT_TID,
	OPT_PROCNAME,
	OPT_LIMIT,
	OPT_TOP,
	OPT_SKIP_VALIDATION,
	OPT_NO_INTERSECTION,
	OPT_LAMI,
	OPT_MI_VERSION,
	OPT_METADATA,
	OPT_TEST_COMPAT,
	OPT_OUTPUT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_NO_COLOR,
	OPT_HELP,
	OPT_MIN,
	OPT_MAX,
	OPT_LOG,
	OPT_STATS,
	OPT_FREQ,
	OPT_FREQ_RESOLUTION,
	OPT_FREQ_UNIFORM,
	OPT_FREQ_SERIES,
	OPT_TOTAL,
	OPT_PER_TID,
	OPT_PER_PRIO,
	OPT_USAGE,
	OPT_MINSIZE,
	OPT_MAXSIZE,
	OPT_IRQ,
	OPT_SOFTIRQ,
	OPT_REFRESH,
	OPT_VERSION,
	OPT_DEBUG,
	OPT_PROGRESS_USE_SIZE,
	OPT_PERIOD,
	OPT_PERIOD_CAPTURES,
	OPT_PERIOD_BEGIN,
	OPT_PERIOD_END,
	OPT_PERIOD_BEGIN_KEY,
	OPT_PERIOD_END_KEY,
	OPT_PERIOD_KEY_VALUE,
	OPT_LIVE,
	OPT_DURATION,
	OPT_BUFFER_SIZE,
	OPT_RECORD,
};

static const struct option long_options[] = {
    {"begin", required_argument, NULL, OPT_BEGIN},
    {"end", required_argument, NULL, OPT_END},
    {"timerange", required_argument, NULL, OPT_TIMERANGE},
    {"gmt", no_argument, NULL, OPT_GMT},
    {"cpu", required_argument, NULL, OPT_CPU},
    {"tid", required_argument, NULL, OPT_TID},
    {"procname", required_argument, NULL, OPT_PROCNAME},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"top", no_argument, NULL, OPT_TOP},
    {"skip-validation", no_argument, NULL, OPT_SKIP_VALIDATION},
    {"no-intersection", no_argument, NULL, OPT_NO_INTERSECTION},
    {"lami", no_argument, NULL, OPT_LAMI},
    {"mi", no_argument, NULL, OPT_LAMI},
    {"json", no_argument, NULL, OPT_LAMI},
    {"mi-version", no_argument, NULL, OPT_MI_VERSION},
    {"metadata", no_argument, NULL, OPT_METADATA},
    {"test-compatibility", no_argument, NULL, OPT_TEST_COMPAT},
    {"output-progress", no_argument, NULL, OPT_OUTPUT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"help", no_argument, NULL, OPT_HELP},
    {"min", required_argument, NULL, OPT_MIN},
    {"max", required_argument, NULL, OPT_MAX},
    {"log", no_argument, NULL, OPT_LOG},
    {"stats", no_argument, NULL, OPT_STATS},
    {"freq", no_argument, NULL, OPT_FREQ},
    {"freq-resolution", required_argument, NULL, OPT_FREQ_RESOLUTION},
    {"freq-uniform", no_argument, NULL, OPT_FREQ_UNIFORM},
    {"freq-series", no_argument, NULL, OPT_FREQ_SERIES},
    {"total", no_argument, NULL, OPT_TOTAL},
    {"per-tid", no_argument, NULL, OPT_PER_TID},
    {"per-prio", no_argument, NULL, OPT_PER_PRIO},
    {"usage", no_argument, NULL, OPT_USAGE},
    {"minsize", required_argument, NULL, OPT_MINSIZE},
    {"maxsize", required_argument, NULL, OPT_MAXSIZE},
    {"irq", required_argument, NULL, OPT_IRQ},
    {"softirq", required_argument, NULL, OPT_SOFTIRQ},
    {"refresh", required_argument, NULL, OPT_REFRESH},
    {"version", no_argument, NULL, OPT_VERSION},
    {"debug", no_argument, NULL, OPT_DEBUG},
    {"progress-use-size", no_argument, NULL, OPT_PROGRESS_USE_SIZE},
    {"period", required_argument, NULL, OPT_PERIOD},
    {"period-captures", required_argument, NULL, OPT_PERIOD_CAPTURES},
    {"period-begin", required_argument, NULL, OPT_PERIOD_BEGIN},
    {"period-end", required_argument, NULL, OPT_PERIOD_END},
    {"period-begin-key", required_argument, NULL, OPT_PERIOD_BEGIN_KEY},
    {"period-end-key", required_argument, NULL, OPT_PERIOD_END_KEY},
    {"period-key-value", required_argument, NULL, OPT_PERIOD_KEY_VALUE},
    {"live", no_argument, NULL, OPT_LIVE},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"buffer-size", required_argument, NULL, OPT_BUFFER_SIZE},
    {"record", required_argument, NULL, OPT_RECORD},
    {NULL, 0, NULL, 0},
};

struct analyze_args {
	const struct lat_analysis_ops *ops;
	const char *path;
	const char *begin, *end, *timerange;
	bool gmt, skip_validation, intersect, lami, mi_version, metadata, test_compat;
	bool output_progress, no_progress, debug, progress_use_size;
	bool live;            /* --live: this machine's kernel, no TRACE */
	uint64_t duration_ns; /* --live --duration */
	size_t buffer_bytes;  /* --live --buffer-size */
	const char *record;   /* --live --record DIR */
	struct lat_analysis_config config;
	/* --period, --period-captures, or the old --period-begin... (made into one --period) */
	struct lat_periods_options periods;
	const char *period_begin, *period_end, *period_begin_key, *period_end_key,
	    *period_key_value;
	char old_period[4096]; /* the --period text made from the old options */
};

struct progress {
	bool bar;      /* a bar on the terminal (stderr) */
	bool lami;     /* LAMI progress lines on stdout */
	bool use_size; /* --progress-use-size: events read of the size / 30 B (the peer's guess) */
	double estimated_events;
	int64_t begin, end;
	uint64_t events;
	int last_percent;
};

struct run_ctx {
	struct lat_analysis_run run;
	struct progress progress;
	/* -r/--refresh */
	const struct analyze_args *args;
	int64_t trace_begin, trace_end;
	/* LAMI: the intervals' tables grouped by table class in order of first sight, as the
	   peer's Command keeps them (_mi_append_result_table) before it drops them for -r */
	struct lami_group *groups;
	size_t ngroups;
};

struct lami_group {
	const char *cls; /* the table class' name (NULL: inline classes) */
	char *json;      /* its tables, comma-separated */
	size_t len;
};

/* The options analyze and the period analyses share, at the end of their --help. */
const char cli_analyze_common_help[] =
    "  --live                 no TRACE: this machine's kernel events as they happen\n"
    "                         (latscope record's eBPF probes; root), until Ctrl-C or\n"
    "                         --duration; the same tables and LAMI as on a trace\n"
    "  --duration DURATION    --live: stop after DURATION (10s, 500ms; a bare number\n"
    "                         is in seconds)\n"
    "  --buffer-size SIZE     --live: the BPF ring buffer, a power of two (default 32M)\n"
    "  --record DIR           --live: also write the events to DIR as a trace, as\n"
    "                         latscope record does (the trace of what was analysed)\n"
    "  --no-intersection      keep events outside the range all streams cover\n"
    "  --skip-validation      do not announce the lost-events check\n"
    "  --no-progress          no progress bar (there is one only on a terminal)\n"
    "  --no-color             accepted for lttng-analyses compatibility (no colour)\n"
    "  -j, --json, --lami, --mi  LAMI 1.0 JSON results (Trace Compass external\n"
    "                         analysis)\n"
    "  --mi-version           LAMI: the version of the protocol\n"
    "  --metadata             LAMI: the analysis' metadata (tables, columns)\n"
    "  --test-compatibility   LAMI: whether the trace can be analysed\n"
    "  --output-progress      LAMI: progress lines on stdout\n"
    "  --progress-use-size    progress from the trace's size (30 bytes an event)\n"
    "  --debug                say what was read and decided (traces, kernel-ness, ranges)\n"
    "                         on stderr\n"
    "  -V, --version          the version\n"
    "  -h, --help             this help\n";

static void print_help(FILE *out)
{
	size_t count;
	const struct lat_analysis_ops *const *list = lat_analysis_list(&count);

	fprintf(
	    out,
	    "Usage: latscope analyze NAME [OPTIONS] TRACE\n"
	    "       latscope analyze NAME [OPTIONS] --live [--duration DURATION]\n\n"
	    "Runs an lttng-analyses analysis on an LTTng kernel trace (a session folder or its\n"
	    "kernel/ folder), with the same results, tables and LAMI 1.0 output; with --live,\n"
	    "on this machine's kernel events from now until Ctrl-C (or --duration).\n\n"
	    "Analyses:\n");
	for (size_t i = 0; i < count; i++) {
		fprintf(out, "  %-16s %s\n", list[i]->name, list[i]->summary);
	}
	fprintf(out, "  %-16s %s\n", "periodlog", "User-defined periods: their log");
	fprintf(out, "  %-16s %s\n", "periodstats", "User-defined periods: duration statistics");
	fprintf(out, "  %-16s %s\n", "periodtop", "User-defined periods: the longest ones");
	fprintf(out, "  %-16s %s\n", "periodfreq", "User-defined periods: duration distribution");
	fputs(
	    "\nEach analysis takes the options that apply to it (a usage error names the others);\n"
	    "the period analyses have their own: latscope analyze periodlog --help.\n"
	    "\nOptions:\n"
	    "  --begin DATE           analyse from DATE: HH:MM:SS[.nnnnnnnnn] (the trace's\n"
	    "                         day), YYYY-MM-DD HH:MM:SS[.nnnnnnnnn], or ns since epoch\n"
	    "  --end DATE             analyse up to DATE\n"
	    "  --timerange [BEGIN,END]  both at once\n"
	    "  --gmt                  dates in UTC instead of local time\n"
	    "  --cpu LIST             only these CPUs (1,2,...)\n"
	    "  --tid LIST             only these threads (TIDs, comma-separated)\n"
	    "  --procname LIST        only these process names (comma-separated)\n"
	    "  --limit N|unlimited    rows in top tables (default 10)\n"
	    "  --min DURATION         only durations of at least DURATION (10us, 1.5ms;\n"
	    "                         a bare number is in µs, as lttng-analyses)\n"
	    "  --max DURATION         only durations of at most DURATION\n"
	    "  --minsize SIZE         io: only requests of at least SIZE bytes (4k, 1M...)\n"
	    "  --maxsize SIZE         io: only requests of at most SIZE bytes\n"
	    "  --usage                io: the I/O usage tables too (as iousagetop)\n"
	    "  --log                  the log table (in order)\n"
	    "  --top                  the top tables\n"
	    "  --stats                the statistics tables\n"
	    "  --freq                 the frequency distributions (bar charts)\n"
	    "  --freq-resolution N    bins in a distribution (default 20)\n"
	    "  --freq-uniform         the same bins for all distributions of a kind\n"
	    "  --freq-series          one table a distribution kind, a count column each\n"
	    "  --total                sched: statistics over all threads\n"
	    "  --per-tid              sched: per thread (the default)\n"
	    "  --per-prio             sched: per priority\n"
	    "  --irq LIST             irq: only these IRQ numbers\n"
	    "  --softirq LIST         irq: only these soft IRQ vectors\n"
	    "  -r, --refresh DURATION  results every DURATION of trace time (a bare number is\n"
	    "                         in seconds: -r 1, -r 500ms), one set an interval\n"
	    "  --period 'NAME [(PARENT)] : BEGIN [: END]'  results per user-defined period\n"
	    "                         (repeatable; expressions as in latscope analyze periodlog\n"
	    "                         --help, docs/periods.md): one set a period instance\n"
	    "  --period-captures 'NAME : CAPTURES [: CAPTURES]'  values the periods capture\n"
	    "  --period-begin EVENT   old-style period: from an EVENT...\n"
	    "  --period-end EVENT     ... to the next event named EVENT (default: the same)\n"
	    "  --period-begin-key F,...  ... whose fields equal the begin's F (default cpu_id)\n"
	    "  --period-end-key F,...  the end event's fields for that (default: the same)\n"
	    "  --period-key-value V,...  only periods whose begin fields have these values\n",
	    out);
	fputs(cli_analyze_common_help, out);
}

static int parse_name_list(char *text, const char **out, int *count)
{
	char *save = NULL, *tok;

	*count = 0;
	for (tok = strtok_r(text, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*count >= LAT_MAX_FILTER) {
			return -EINVAL;
		}
		out[(*count)++] = tok;
	}
	return 0;
}

/* Appends to a growing string; false on ENOMEM. */
static bool append(char **text, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool append(char **text, size_t *len, const char *fmt, ...)
{
	va_list ap;
	char *piece = NULL, *grown;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&piece, fmt, ap);
	va_end(ap);
	if (n < 0) {
		return false;
	}
	grown = realloc(*text, *len + (size_t)n + 1);
	if (!grown) {
		free(piece);
		return false;
	}
	memcpy(grown + *len, piece, (size_t)n + 1);
	*text = grown;
	*len += (size_t)n;
	free(piece);
	return true;
}

/* A --period-key-value part as the peer takes it: a number if float() reads one, else text. */
static bool is_number(const char *t)
{
	bool digits = false;

	t += *t == '+' || *t == '-';
	for (; *t >= '0' && *t <= '9'; t++) {
		digits = true;
	}
	if (*t == '.') {
		for (t++; *t >= '0' && *t <= '9'; t++) {
			digits = true;
		}
	}
	if (digits && (*t == 'e' || *t == 'E')) {
		t++;
		t += *t == '+' || *t == '-';
		if (*t < '0' || *t > '9') {
			return false;
		}
		while (*t >= '0' && *t <= '9') {
			t++;
		}
	}
	return digits && !*t;
}

/* The next comma-separated part of *list (NULL when none); *list moves past it. */
static const char *next_part(const char **list, char *out, size_t out_len)
{
	size_t n;

	if (!*list) {
		return NULL;
	}
	n = strcspn(*list, ",");
	snprintf(out, out_len, "%.*s", (int)n, *list);
	*list = (*list)[n] ? *list + n + 1 : NULL;
	return out;
}

/*
 * The peer's rules for the period options (Command._validate_transform_period_args): the old
 * --period-begin/-end/-begin-key/-end-key/-key-value make one unnamed --period (begin: the
 * event's name and the key values; end: the end event's name and its keys equal to the begin
 * event's, zip()-ed); they cannot be mixed with --period/--period-captures, nor any period
 * with -r. Returns -1 to go on, or the exit status.
 */
static int old_period_args(struct analyze_args *args)
{
	const char *bkeys, *ekeys, *values;
	char bk[128], ek[128], v[256];
	char *text = NULL;
	size_t len = 0;
	bool ok;

	if ((args->period_begin || args->period_end || args->period_key_value ||
	     args->period_begin_key || args->period_end_key) &&
	    (args->periods.ndefs || args->periods.ncaptures)) {
		return cli_usage_error("analyze", "Do not use another period option when using one "
						  "or more --period or --period-captures options");
	}
	if (args->period_begin || args->period_end) {
		fprintf(stderr, "Warning: The following period options are deprecated:\n\n"
				"  --period-begin\n  --period-end\n  --period-begin-key\n"
				"  --period-end-key\n  --period-key-value\n\n"
				"Please consider using the --period option.\n");
	}
	if (args->period_begin) {
		bkeys = args->period_begin_key && *args->period_begin_key ? args->period_begin_key
									  : "cpu_id";
		ekeys =
		    args->period_end_key && *args->period_end_key ? args->period_end_key : bkeys;
		ok = append(&text, &len, ": $evt.$name == \"%s\"", args->period_begin);
		values = args->period_key_value;
		for (const char *b = bkeys;
		     ok && next_part(&b, bk, sizeof(bk)) && next_part(&values, v, sizeof(v));) {
			if (is_number(v)) {
				ok = append(&text, &len, " && $begin.$evt.%s == %s", bk, v);
			} else {
				ok = append(&text, &len, " && $begin.$evt.%s == \"", bk);
				for (const char *c = v; ok && *c; c++) {
					ok = append(&text, &len, "%s%c",
						    *c == '"' || *c == '\\' ? "\\" : "", *c);
				}
				ok = ok && append(&text, &len, "\"");
			}
		}
		ok = ok && append(&text, &len, " : $evt.$name == \"%s\"",
				  args->period_end ? args->period_end : args->period_begin);
		for (const char *b = bkeys, *e = ekeys;
		     ok && next_part(&b, bk, sizeof(bk)) && next_part(&e, ek, sizeof(ek));) {
			ok = append(&text, &len, " && $evt.%s == $begin.$evt.%s", ek, bk);
		}
		if (!ok || len >= sizeof(args->old_period)) {
			free(text);
			return cli_usage_error("analyze", "--period-begin...: %s",
					       ok ? "the period is too long" : strerror(ENOMEM));
		}
		memcpy(args->old_period, text, len + 1);
		free(text);
		args->periods.defs[args->periods.ndefs++] = args->old_period;
	}
	if (!args->periods.ndefs) {
		args->periods.ncaptures = 0; /* captures without periods: ignored, as the peer */
	}
	if (args->periods.ndefs && args->config.refresh_ns) {
		return cli_usage_error("analyze",
				       "Cannot specify --period* and --refresh arguments "
				       "at the same time");
	}
	return -1;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, struct analyze_args *args)
{
	const char *name;
	int opt, longindex = -1;

	memset(args, 0, sizeof(*args));
	args->intersect = true;
	args->config.limit = 10;
	args->config.freq_resolution = 20;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_help(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	name = argv[1];
	args->ops = lat_analysis_find(name);
	if (!args->ops) {
		return cli_usage_error("analyze", "unknown analysis '%s'", name);
	}
	optind = 2;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "hjVr:", long_options, &longindex)) != -1) {
		switch (opt) {
		case OPT_BEGIN:
			args->begin = optarg;
			break;
		case OPT_END:
			args->end = optarg;
			break;
		case OPT_TIMERANGE:
			args->timerange = optarg;
			break;
		case OPT_GMT:
			args->gmt = true;
			break;
		case OPT_CPU:
			if (!cli_parse_int_list("analyze", "--cpu", "CPU numbers", optarg, 0,
						CLI_CPU_MAX, args->config.cpus, LAT_MAX_FILTER,
						&args->config.ncpus)) {
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_TID:
			if (!(args->ops->options & LAT_OPTS_PROC_FILTER)) {
				goto unsupported;
			}
			/* tid 0 is each CPU's idle thread (swapper) */
			if (!cli_parse_int_list("analyze", "--tid", "TIDs", optarg, 0, CLI_PID_MAX,
						args->config.tids, LAT_MAX_FILTER,
						&args->config.ntids)) {
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_PROCNAME:
			if (!(args->ops->options & LAT_OPTS_PROC_FILTER)) {
				goto unsupported;
			}
			if (parse_name_list(optarg, args->config.procnames,
					    &args->config.nprocnames)) {
				return cli_usage_error("analyze", "--procname: more than %d names",
						       LAT_MAX_FILTER);
			}
			break;
		case OPT_LIMIT: {
			int limit;

			if (!(args->ops->options & LAT_OPTS_TOP)) {
				goto unsupported;
			}
			if (strcmp(optarg, "unlimited") == 0) {
				args->config.limit = -1; /* io: --limit 0 is not unlimited */
				break;
			}
			if (!cli_parse_int("analyze", "--limit", optarg, 0, INT_MAX, &limit)) {
				return CLI_EXIT_USAGE;
			}
			args->config.limit = limit;
			break;
		}
		case OPT_TOP:
			if (!(args->ops->options & LAT_OPTS_TOP)) {
				goto unsupported;
			}
			args->config.top = true;
			break;
		case OPT_MIN:
		case OPT_MAX: {
			uint64_t ns;

			if (!(args->ops->options & LAT_OPTS_MIN_MAX)) {
				goto unsupported;
			}
			/* a duration with its unit; a bare number is in µs, as lttng-analyses */
			if (!cli_parse_duration("analyze", opt == OPT_MIN ? "--min" : "--max",
						optarg, 1000, 0, LAT_DURATION_MAX_NS, &ns)) {
				return CLI_EXIT_USAGE;
			}
			if (opt == OPT_MIN) {
				args->config.has_min = true;
				args->config.min_ns = (double)ns;
			} else {
				args->config.has_max = true;
				args->config.max_ns = (double)ns;
			}
			break;
		}
		case OPT_LOG:
			if (!(args->ops->options & LAT_OPTS_LOG)) {
				goto unsupported;
			}
			args->config.log = true;
			break;
		case OPT_STATS:
			if (!(args->ops->options & LAT_OPTS_STATS)) {
				goto unsupported;
			}
			args->config.stats = true;
			break;
		case OPT_FREQ:
		case OPT_FREQ_UNIFORM:
		case OPT_FREQ_SERIES:
			if (!(args->ops->options & LAT_OPTS_FREQ)) {
				goto unsupported;
			}
			args->config.freq |= opt == OPT_FREQ;
			args->config.freq_uniform |= opt != OPT_FREQ;
			args->config.freq_series |= opt == OPT_FREQ_SERIES;
			break;
		case OPT_FREQ_RESOLUTION:
			if (!(args->ops->options & LAT_OPTS_FREQ)) {
				goto unsupported;
			}
			if (!cli_parse_int("analyze", "--freq-resolution", optarg, 1, 1000000,
					   &args->config.freq_resolution)) {
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_IRQ:
		case OPT_SOFTIRQ:
			if (!(args->ops->options & LAT_OPTS_IRQ)) {
				goto unsupported;
			}
			*(opt == OPT_IRQ ? &args->config.irq_list : &args->config.softirq_list) =
			    optarg;
			break;
		case OPT_TOTAL:
		case OPT_PER_TID:
		case OPT_PER_PRIO:
			if (!(args->ops->options & LAT_OPTS_SCHED)) {
				goto unsupported;
			}
			args->config.total |= opt == OPT_TOTAL;
			args->config.per_tid |= opt == OPT_PER_TID;
			args->config.per_prio |= opt == OPT_PER_PRIO;
			break;
		case OPT_USAGE:
			if (!(args->ops->options & LAT_OPTS_IO)) {
				goto unsupported;
			}
			args->config.usage = true;
			break;
		case OPT_MINSIZE:
		case OPT_MAXSIZE: {
			uint64_t bytes;

			if (!(args->ops->options & LAT_OPTS_IO)) {
				goto unsupported;
			}
			if (lat_parse_size(optarg, &bytes)) {
				return cli_usage_error(
				    "analyze", "%s: not a size: %s",
				    opt == OPT_MINSIZE ? "--minsize" : "--maxsize", optarg);
			}
			if (opt == OPT_MINSIZE) {
				args->config.has_minsize = true;
				args->config.minsize = (double)bytes;
			} else {
				args->config.has_maxsize = true;
				args->config.maxsize = (double)bytes;
			}
			break;
		}
		case OPT_SKIP_VALIDATION:
			args->skip_validation = true;
			break;
		case OPT_NO_INTERSECTION:
			args->intersect = false;
			break;
		case OPT_LAMI:
		case 'j':
			args->lami = true;
			break;
		case OPT_MI_VERSION:
			args->mi_version = true;
			break;
		case OPT_METADATA:
			args->metadata = true;
			break;
		case OPT_TEST_COMPAT:
			args->test_compat = true;
			break;
		case OPT_OUTPUT_PROGRESS:
			args->output_progress = true;
			break;
		case OPT_NO_PROGRESS:
			args->no_progress = true;
			break;
		case OPT_NO_COLOR:
			break;
		case OPT_REFRESH:
		case 'r': {
			uint64_t ns;

			/* lttng-analyses' parse_duration: a bare number is in seconds */
			if (lat_parse_duration(optarg, 1000000000ULL, &ns) || ns == 0 ||
			    ns > INT64_MAX) {
				return cli_usage_error("analyze", "--refresh: not a duration: %s",
						       optarg);
			}
			args->config.refresh_ns = (int64_t)ns;
			break;
		}
		case OPT_VERSION:
		case 'V': /* as argparse's version action: printed at once, exit 0 */
			printf("latscope %s (lttng-analyses 0.6.1's analyses)\n", LATSCOPE_VERSION);
			return CLI_EXIT_OK;
		case OPT_DEBUG:
			args->debug = true;
			break;
		case OPT_PROGRESS_USE_SIZE:
			args->progress_use_size = true;
			break;
		case OPT_LIVE:
			args->live = true;
			break;
		case OPT_DURATION:
			/* a bare number is in seconds, as record's --duration */
			if (!cli_parse_duration("analyze", "--duration", optarg, 1000000000ull, 1,
						LAT_DURATION_MAX_NS, &args->duration_ns)) {
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_RECORD:
			args->record = optarg;
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
			args->buffer_bytes = (size_t)size;
			break;
		}
		case OPT_PERIOD:
		case OPT_PERIOD_CAPTURES: {
			struct lat_periods_options *po = &args->periods;
			size_t *n = opt == OPT_PERIOD ? &po->ndefs : &po->ncaptures;

			if (*n >= LAT_PERIODS_MAX_ARGS) {
				return cli_usage_error("analyze", "--%s: more than %d",
						       long_options[longindex].name,
						       LAT_PERIODS_MAX_ARGS);
			}
			(opt == OPT_PERIOD ? po->defs : po->captures)[(*n)++] = optarg;
			break;
		}
		case OPT_PERIOD_BEGIN:
			args->period_begin = optarg;
			break;
		case OPT_PERIOD_END:
			args->period_end = optarg;
			break;
		case OPT_PERIOD_BEGIN_KEY:
			args->period_begin_key = optarg;
			break;
		case OPT_PERIOD_END_KEY:
			args->period_end_key = optarg;
			break;
		case OPT_PERIOD_KEY_VALUE:
			args->period_key_value = optarg;
			break;
		case OPT_HELP:
		case 'h':
			print_help(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("analyze", "unknown option '%s'", argv[optind - 1]);
		}
		continue;
	unsupported:
		/* the option's name (argv[optind - 1] is its value for `--limit 3`) */
		return cli_usage_error("analyze", "%s does not take --%s", name,
				       long_options[longindex].name);
	}
	if (optind < argc) {
		args->path = argv[optind++];
	}
	if (optind < argc) {
		return cli_usage_error("analyze", "unexpected argument '%s'", argv[optind]);
	}
	if (args->mi_version || args->metadata || args->test_compat || args->output_progress) {
		args->lami = true;
	}
	if ((args->duration_ns || args->buffer_bytes || args->record) && !args->live) {
		return cli_usage_error("analyze",
				       "--duration, --buffer-size and --record need --live");
	}
	if (args->live && args->path) {
		return cli_usage_error("analyze", "--live takes no TRACE (got '%s')", args->path);
	}
	if (args->live && (args->begin || args->end || args->timerange)) {
		return cli_usage_error("analyze", "--begin/--end/--timerange need a trace, not "
						  "--live");
	}
	return old_period_args(args);
}

/* A failure: one line on stderr, and the LAMI error object on stdout in LAMI mode. */
static int fail(const struct analyze_args *args, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const struct analyze_args *args, int status, const char *fmt, ...)
{
	char message[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	cli_error("%s", message);
	if (args->lami) {
		char lami[1100];

		snprintf(lami, sizeof(lami), "Error: %s", message);
		lat_lami_print_error(stdout, lami);
	}
	if (status == CLI_EXIT_USAGE) {
		fprintf(stderr, "Try 'latscope analyze --help'.\n");
	}
	return status;
}

static void progress_update(struct progress *p, int64_t ts)
{
	double at;

	if (p->use_size) {
		at = p->estimated_events > 0 ? (double)p->events / p->estimated_events : 1;
	} else if (p->end <= p->begin) {
		return;
	} else {
		at = (double)(ts - p->begin) / (double)(p->end - p->begin);
	}
	at = at < 0 ? 0 : at > 1 ? 1 : at;
	if (p->bar) {
		int percent = (int)(at * 100);

		if (percent != p->last_percent) {
			int filled = percent / 2;

			p->last_percent = percent;
			fprintf(stderr, "\rProcessing the trace: %3d%% [%.*s%*s]", percent, filled,
				"##################################################", 50 - filled,
				"");
		}
	}
	if (p->lami) {
		char at_ts[64], end_ts[64], message[200];

		lat_format_timestamp(at_ts, sizeof(at_ts), ts, false, false);
		lat_format_timestamp(end_ts, sizeof(end_ts), p->end, false, false);
		if (p->use_size) {
			snprintf(message, sizeof(message), "%" PRIu64 " events processed",
				 p->events);
		} else {
			snprintf(message, sizeof(message), "%s/%s; %" PRIu64 " events processed",
				 at_ts, end_ts, p->events);
		}
		lat_lami_print_progress(stdout, at, message);
	}
}

/* A live session (net:// URL) runs until it is destroyed or Ctrl-C. */
static struct lat_ctf_source *live_source;

static void on_live_signal(int sig)
{
	(void)sig;
	if (live_source) {
		lat_ctf_source_interrupt(live_source);
	}
}

static int on_event(const struct lat_kevent *ev, void *user)
{
	struct run_ctx *ctx = user;
	int ret = lat_analysis_run_event(&ctx->run, ev);

	if ((++ctx->progress.events & 0xFFFF) == 0 && (ctx->progress.bar || ctx->progress.lami)) {
		progress_update(&ctx->progress, ev->ts);
	}
	return ret;
}

/* One document's result tables: what is between `{"results": [` and `]}`, or NULL. */
static char *lami_tables(const struct lat_result *result)
{
	char *doc = NULL, *open, *close;
	size_t len = 0;
	FILE *f = open_memstream(&doc, &len);

	if (!f) {
		return NULL;
	}
	lat_lami_print_results(f, result);
	fclose(f);
	open = doc ? strchr(doc, '[') : NULL;
	close = doc ? strrchr(doc, ']') : NULL;
	if (!open || !close || close <= open + 1) {
		free(doc);
		return NULL;
	}
	*close = '\0';
	memmove(doc, open + 1, strlen(open + 1) + 1);
	return doc;
}

/* Prints (text) or keeps (LAMI) the results of one interval. */
static int emit_results(struct run_ctx *ctx, const struct lat_result *result)
{
	const struct analyze_args *args = ctx->args;

	for (size_t t = 0; args->lami && t < result->ntables; t++) {
		/* one table at a time: a result that borrows it */
		struct lat_result one = {.tables = &result->tables[t], .ntables = 1, .cap = 1};
		const char *name = result->tables[t].cls->name;
		struct lami_group *g = NULL;
		char *part = lami_tables(&one), *grown;

		if (!part) {
			continue; /* no rows */
		}
		for (size_t i = 0; i < ctx->ngroups && !g; i++) {
			if ((!name && !ctx->groups[i].cls) ||
			    (name && ctx->groups[i].cls && strcmp(name, ctx->groups[i].cls) == 0)) {
				g = &ctx->groups[i];
			}
		}
		if (!g) {
			g = realloc(ctx->groups, (ctx->ngroups + 1) * sizeof(*g));
			if (!g) {
				free(part);
				return -ENOMEM;
			}
			ctx->groups = g;
			g = &ctx->groups[ctx->ngroups++];
			*g = (struct lami_group){.cls = name};
		}
		grown = realloc(g->json, g->len + strlen(part) + 3);
		if (!grown) {
			free(part);
			return -ENOMEM;
		}
		g->json = grown;
		g->len += (size_t)sprintf(g->json + g->len, "%s%s", g->len ? ", " : "", part);
		free(part);
	}
	if (args->lami) {
		return 0;
	}
	struct lat_text_opts text = {
	    .gmt = args->gmt,
	    .multi_day = lat_is_multi_day(ctx->trace_begin, ctx->trace_end, args->gmt)};

	args->ops->print_text(result, &text, stdout);
	return 0;
}

/* -r/--refresh: an interval ends; its results are printed as the peer's tick does. */
static int on_interval(struct lat_analysis_run *run, void *priv, int64_t begin, int64_t end,
		       void *user)
{
	struct run_ctx *ctx = user;
	struct lat_result result;
	int ret;

	lat_result_init(&result);
	ret = lat_analysis_run_interval(run, priv, begin, end, &result);
	if (ret == 0) {
		ret = emit_results(ctx, &result);
	}
	lat_result_fini(&result);
	return ret;
}

/* Turns --begin/--end/--timerange into ns; returns -1 to go on, or the exit status. */
static int resolve_dates(struct analyze_args *args, int64_t trace_begin, int64_t trace_end)
{
	char err[256];

	if (args->timerange) {
		if (lat_parse_time_range(args->timerange, args->gmt, trace_begin, trace_end,
					 &args->config.begin_ts, &args->config.end_ts, err,
					 sizeof(err))) {
			return fail(args, CLI_EXIT_USAGE, "--timerange: %s", err);
		}
		return -1;
	}
	if (args->begin && lat_parse_date(args->begin, args->gmt, trace_begin, trace_end,
					  &args->config.begin_ts, err, sizeof(err))) {
		return fail(args, CLI_EXIT_USAGE, "--begin: %s", err);
	}
	if (args->end) {
		if (lat_parse_date(args->end, args->gmt, trace_begin, trace_end,
				   &args->config.end_ts, err, sizeof(err))) {
			return fail(args, CLI_EXIT_USAGE, "--end: %s", err);
		}
		if (args->config.end_ts < trace_begin) {
			return fail(args, CLI_EXIT_USAGE,
				    "--end timestamp before beginning of trace");
		}
	}
	return -1;
}

/* The whole range's results (or the intervals' LAMI document) once the events are read. */
static int finish_results(struct run_ctx *ctx, const struct analyze_args *args,
			  const struct lat_periods *periods, int64_t begin, int64_t end)
{
	struct lat_result result;
	int ret;

	lat_result_init(&result);
	ret = lat_analysis_run_finish(&ctx->run, &result);
	if (ret) {
		lat_result_fini(&result);
		return fail(args, CLI_EXIT_FAILURE, "%s: %s", args->ops->name, strerror(-ret));
	}
	ctx->trace_begin = begin;
	ctx->trace_end = end;
	if (periods) {
		/* the periods' results were printed (or kept) as they ended */
	} else if (args->lami && !args->config.refresh_ns) {
		lat_lami_print_results(stdout, &result);
	} else if (emit_results(ctx, &result)) {
		lat_result_fini(&result);
		return fail(args, CLI_EXIT_FAILURE, "%s: %s", args->ops->name, strerror(ENOMEM));
	}
	if (args->lami && (args->config.refresh_ns || periods)) {
		/* every interval's tables in one document (the peer's -mi prints a summary or
		   nothing for several: docs/conformance.md) */
		fputs("{\"results\": [", stdout);
		for (size_t i = 0; i < ctx->ngroups; i++) {
			printf("%s%s", i ? ", " : "", ctx->groups[i].json);
		}
		fputs("]}\n", stdout);
	}
	lat_result_fini(&result);
	return fflush(stdout) ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}

static void free_ctx(struct run_ctx *ctx)
{
	if (!ctx) {
		return;
	}
	lat_analysis_run_fini(&ctx->run);
	for (size_t i = 0; i < ctx->ngroups; i++) {
		free(ctx->groups[i].json);
	}
	free(ctx->groups);
	free(ctx);
}

/* --live: Ctrl-C (or SIGTERM) ends the run, which then prints the results. */
static struct lat_live_source *machine_source;

static void on_machine_signal(int sig)
{
	(void)sig;
	if (machine_source) {
		lat_live_source_interrupt(machine_source);
	}
}

/* What the live source lost or reordered, on stderr (every dropped event is shown). */
static void live_warnings(const struct lat_live_stats *st)
{
	if (st->discarded) {
		fprintf(stderr,
			"latscope: warning: the ring buffer lost %" PRIu64 " events: results may "
			"miss them (a larger --buffer-size, or fewer events)\n",
			st->discarded);
	}
	if (st->malformed) {
		fprintf(stderr, "latscope: warning: %" PRIu64 " malformed records dropped\n",
			st->malformed);
	}
	if (st->late) {
		fprintf(stderr,
			"latscope: warning: %" PRIu64 " events came later than %lld ms after their "
			"time: delivered at the time of the event before\n",
			st->late, (long long)(LAT_LIVE_HOLD_NS / 1000000));
	}
}

/* --live: the analysis over this machine's events from now until Ctrl-C or --duration. */
static int run_machine(struct analyze_args *args, struct lat_periods *periods)
{
	struct lat_live_opts lopts = {.duration_ns = args->duration_ns,
				      .buffer_bytes = args->buffer_bytes,
				      .record_dir = args->record};
	struct lat_live_source *src = NULL;
	struct run_ctx *ctx;
	int64_t begin, end;
	char err[600], dur[64];
	int ret, status, major, minor, patch;

	if (args->test_compat) {
		return CLI_EXIT_OK; /* the machine can be analysed if the probes load: at run */
	}
	ret = lat_live_source_open(&lopts, &src, err, sizeof(err));
	if (ret) {
		return fail(args, CLI_EXIT_FAILURE, "--live: %s", err);
	}
	if (*lat_live_source_unsupported(src)) {
		fprintf(stderr, "latscope: note: --live: this kernel cannot give %s\n",
			lat_live_source_unsupported(src));
	}
	ctx = calloc(1, sizeof(*ctx));
	ret = ctx ? lat_analysis_run_init(&ctx->run, args->ops, &args->config) : -ENOMEM;
	if (ret) {
		free(ctx);
		lat_live_source_destroy(src);
		return fail(args, CLI_EXIT_FAILURE, "%s: %s", args->ops->name, strerror(-ret));
	}
	lat_live_source_tracer_version(src, &major, &minor, &patch);
	lat_state_set_tracer_version(&ctx->run.state, major, minor, patch);
	ctx->args = args;
	ctx->run.on_interval = on_interval;
	ctx->run.interval_user = ctx;
	if (periods) {
		lat_periods_set_field_reader(periods, lat_live_source_field, src);
		lat_analysis_run_set_periods(&ctx->run, periods);
	}
	if ((args->ops->options & LAT_OPTS_IO) && args->config.ncpus > 0) {
		fprintf(args->lami ? stderr : stdout,
			"Warning: cpu filter not enabled on I/O analysis\n");
	}
	machine_source = src;
	signal(SIGINT, on_machine_signal);
	signal(SIGTERM, on_machine_signal);
	ret = lat_live_source_start(src, on_event, ctx, err, sizeof(err));
	if (ret) {
		status = fail(args, CLI_EXIT_FAILURE, "--live: %s", err);
		goto out;
	}
	if (args->duration_ns) {
		lat_format_duration(args->duration_ns, dur, sizeof(dur));
	}
	/* on stderr: stdout has only what a trace would give */
	fprintf(stderr, "latscope: analyze: %s on this machine live %s%s\n", args->ops->name,
		args->duration_ns ? "for " : "until Ctrl-C", args->duration_ns ? dur : "");
	if (args->output_progress) {
		lat_lami_print_progress(stdout, 0, "Starting analysis: live");
	}
	ret = lat_live_source_run(src);
	if (args->output_progress) {
		lat_lami_print_progress(stdout, 1, "Done!");
	}
	live_warnings(lat_live_source_stats(src));
	if (args->debug) {
		const struct lat_live_stats *st = lat_live_source_stats(src);

		fprintf(stderr,
			"latscope: debug: --live: %" PRIu64 " events (%" PRIu64
			" of the statedump), %u syscall names\n",
			st->events, st->statedump, lat_live_source_syscall_count(src));
	}
	if (ret) {
		status = fail(args, CLI_EXIT_FAILURE, "--live: %s", lat_live_source_error(src));
		goto out;
	}
	lat_live_source_range(src, &begin, &end);
	status = finish_results(ctx, args, periods, begin, end);
out:
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	machine_source = NULL;
	free_ctx(ctx);
	lat_live_source_destroy(src);
	return status;
}

int cmd_analyze(int argc, char **argv)
{
	struct lat_ctf_options opts = {.intersect = true, .kernel_only = true};
	struct lat_ctf_source *src = NULL;
	const struct lat_ctf_stats *stats;
	struct run_ctx *ctx = NULL;
	struct lat_periods *periods = NULL;
	struct analyze_args args;
	int64_t begin, end;
	char err[600];
	const char *fallback = NULL;
	int status, ret, major, minor, patch;

	if (argc >= 2 && cli_is_period_analysis(argv[1])) {
		return cmd_analyze_periods(argc, argv); /* periodlog, periodstats... */
	}
	status = parse_args(argc, argv, &args);
	if (status >= 0) {
		return status;
	}
	if (args.mi_version) {
		printf("%s\n", LAT_LAMI_VERSION);
		return CLI_EXIT_OK;
	}
	if (args.metadata) {
		lat_lami_print_metadata(stdout, &args.ops->lami);
		return CLI_EXIT_OK;
	}
	if (!args.path && !args.live) {
		return fail(&args, CLI_EXIT_USAGE, "Please specify a trace path (or --live)");
	}
	if (args.periods.ndefs) {
		/* before the trace, as the peer checks its arguments; the driver does
		   --begin/--end, the engine only the periods (analysis.h) */
		ret = lat_periods_create(&args.periods, &periods, err, sizeof(err));
		if (ret) {
			return fail(&args, ret == -EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE, "%s",
				    ret == -EINVAL ? err : strerror(-ret));
		}
	}
	if (args.live) {
		status = run_machine(&args, periods);
		lat_periods_destroy(periods);
		return status;
	}
	opts.intersect = args.intersect;
	ret = lat_ctf_source_open(args.path, &opts, &src, err, sizeof(err));
	if (ret) {
		lat_periods_destroy(periods);
		return fail(&args, CLI_EXIT_FAILURE, "%s: %s", args.path, err);
	}
	if (*lat_ctf_source_note(src)) {
		fprintf(stderr, "latscope: note: %s\n", lat_ctf_source_note(src));
	}
	if (args.debug) {
		int64_t rb, re, ib, ie;
		bool inter = lat_ctf_source_intersection(src, &ib, &ie);

		lat_ctf_source_range(src, &rb, &re);
		fprintf(stderr, "latscope: debug: %s: streams cover [%" PRId64 ", %" PRId64 "] ns",
			args.path, rb, re);
		if (inter) {
			fprintf(stderr, ", intersection [%" PRId64 ", %" PRId64 "] ns", ib, ie);
		} else {
			fprintf(stderr, ", no intersection");
		}
		if (lat_ctf_source_tracer_version(src, &major, &minor, &patch) == 0) {
			fprintf(stderr, ", kernel tracer %d.%d.%d", major, minor, patch);
		} else {
			fprintf(stderr, ", no tracer version");
		}
		fprintf(stderr, ", %" PRIu64 " bytes of streams%s\n", lat_ctf_source_size(src),
			*lat_ctf_source_note(src) ? ""
						  : ", kernel-ness from env.domain or the layout");
	}
	lat_ctf_source_decoder(src, &fallback); /* LATSCOPE_CTF_DECODER=auto: said once */
	if (fallback) {
		fprintf(stderr, "latscope: note: reading the trace with libbabeltrace2: %s\n",
			fallback);
	}
	if (lat_ctf_source_is_live(src)) {
		if (args.begin || args.end || args.timerange) {
			lat_ctf_source_destroy(src);
			lat_periods_destroy(periods);
			return fail(&args, CLI_EXIT_USAGE,
				    "--begin/--end/--timerange need a trace folder, not a live "
				    "session");
		}
		args.intersect = false; /* no range before the run: the events' */
		args.skip_validation = true;
		if (!args.lami) {
			printf("Reading %s live until the session is destroyed (Ctrl-C to stop)\n",
			       args.path);
			fflush(stdout);
		}
	}
	if (args.intersect && !lat_ctf_source_intersection(src, &begin, &end)) {
		lat_ctf_source_destroy(src);
		lat_periods_destroy(periods);
		return fail(&args, CLI_EXIT_FAILURE,
			    "%s: Trace has no intersection. Use --no-intersection to override",
			    args.path);
	}
	if (!args.intersect) {
		lat_ctf_source_range(src, &begin, &end);
	}
	status = resolve_dates(&args, begin, end);
	if (status >= 0) {
		lat_ctf_source_destroy(src);
		lat_periods_destroy(periods);
		return status;
	}
	if (args.test_compat) {
		lat_periods_destroy(periods);
		lat_ctf_source_destroy(src);
		return CLI_EXIT_OK;
	}
	ctx = calloc(1, sizeof(*ctx));
	int init_ret = ctx ? lat_analysis_run_init(&ctx->run, args.ops, &args.config) : -ENOMEM;

	if (init_ret) {
		free(ctx);
		lat_ctf_source_destroy(src);
		return fail(&args, CLI_EXIT_FAILURE, "%s: %s", args.ops->name, strerror(-init_ret));
	}
	if (lat_ctf_source_tracer_version(src, &major, &minor, &patch) == 0) {
		lat_state_set_tracer_version(&ctx->run.state, major, minor, patch);
	}
	ctx->args = &args;
	ctx->trace_begin = begin;
	ctx->trace_end = end;
	ctx->run.on_interval = on_interval;
	ctx->run.interval_user = ctx;
	if (periods) {
		lat_analysis_run_set_periods(&ctx->run, periods);
	}
	if (!args.skip_validation) {
		/* as the peer; the check itself is done while analysing (discarded-events messages)
		 */
		if (!args.lami) {
			printf("Checking the trace for lost events...\n");
			fflush(stdout);
		} else if (args.output_progress) {
			lat_lami_print_progress(stdout, 0, "Checking the trace for lost events...");
		}
	}
	if ((args.ops->options & LAT_OPTS_IO) && args.config.ncpus > 0) {
		/* the peer's IoAnalysis prints this on stdout (in its LAMI output too, which then
		   is not JSON: docs/conformance.md); --cpu does not filter the I/O analyses */
		fprintf(args.lami ? stderr : stdout,
			"Warning: cpu filter not enabled on I/O analysis\n");
	}
	ctx->progress.begin = begin;
	ctx->progress.end = args.config.end_ts ? args.config.end_ts : end;
	ctx->progress.last_percent = -1;
	ctx->progress.bar = !args.lami && !args.no_progress && isatty(STDERR_FILENO);
	ctx->progress.lami = args.lami && args.output_progress;
	ctx->progress.use_size = args.progress_use_size;
	ctx->progress.estimated_events = (double)lat_ctf_source_size(src) / 30;
	if (ctx->progress.lami) {
		char b[64], e[64], message[160];

		lat_format_timestamp(b, sizeof(b), ctx->progress.begin, false, false);
		lat_format_timestamp(e, sizeof(e), ctx->progress.end, false, false);
		if (args.progress_use_size) { /* as the peer's MiProgress */
			snprintf(message, sizeof(message),
				 "Starting analysis: %.0f estimated events",
				 ctx->progress.estimated_events);
		} else {
			snprintf(message, sizeof(message), "Starting analysis from %s to %s", b, e);
		}
		lat_lami_print_progress(stdout, 0, message);
	}

	if (lat_ctf_source_is_live(src)) {
		ctx->progress.bar = false;
		live_source = src;
		signal(SIGINT, on_live_signal);
		signal(SIGTERM, on_live_signal);
	}
	ret = lat_ctf_source_run(src, on_event, ctx);
	if (live_source) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		live_source = NULL;
		lat_ctf_source_range(src, &begin, &end);
	}
	if (ctx->progress.bar) {
		fprintf(stderr, "\r%80s\r", "");
	}
	if (ctx->progress.lami) {
		lat_lami_print_progress(stdout, 1, "Done!");
	}
	stats = lat_ctf_source_stats(src);
	for (uint32_t i = 0; !args.skip_validation && !args.lami && i < stats->nlosses; i++) {
		/* the peer's check runs babeltrace, which warns this way */
		const struct lat_ctf_loss *loss = &stats->losses[i];
		char b[64] = "?", e[64] = "?";

		if (loss->begin || loss->end) {
			lat_format_timestamp(b, sizeof(b), loss->begin, false, args.gmt);
			lat_format_timestamp(e, sizeof(e), loss->end, false, args.gmt);
		}
		if (loss->count_unknown) {
			fprintf(stderr,
				"[warning] Tracer may have discarded %s between [%s] and [%s] in "
				"stream \"%s\" (how many is unknown).\n",
				loss->packets ? "packets" : "events", b, e, loss->stream);
			continue;
		}
		fprintf(stderr,
			"[warning] Tracer discarded %" PRIu64 " %s between [%s] and [%s] in stream "
			"\"%s\". You should consider recording a new trace with larger buffers or "
			"with fewer events enabled.\n",
			loss->count, loss->packets ? "packets" : "events", b, e, loss->stream);
	}
	for (uint32_t i = 0; i < stats->nnotes; i++) {
		fprintf(stderr, "latscope: warning: %s\n", stats->notes[i]);
	}
	if (stats->discarded_events || stats->discarded_packets || stats->discarded_unknown) {
		fprintf(stderr,
			"latscope: warning: the tracer lost %" PRIu64 " events and %" PRIu64
			" packets in %s%s: record with larger buffers or fewer events; results may "
			"miss them\n",
			stats->discarded_events, stats->discarded_packets, args.path,
			stats->discarded_unknown ? ", and more of unknown count" : "");
	}
	if (ret) {
		status =
		    fail(&args, CLI_EXIT_FAILURE, "%s: %s", args.path, lat_ctf_source_error(src));
		goto out;
	}
	status = finish_results(ctx, &args, periods, begin, end);
out:
	free_ctx(ctx);
	lat_periods_destroy(periods);
	lat_ctf_source_destroy(src);
	return status;
}
