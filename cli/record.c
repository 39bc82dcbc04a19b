/* record.c: `latscope record`: kernel events to an LTTng kernel CTF trace, through eBPF. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sources/record.h"
#include "util/units.h"

static volatile sig_atomic_t record_stop;

static void on_signal(int sig)
{
	(void)sig;
	record_stop = 1;
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: latscope record -o DIR [OPTIONS]\n\n"
	    "Records kernel events with eBPF into DIR/kernel/, an LTTng kernel trace (CTF 1.8,\n"
	    "lttng-modules' event and field names, one stream per CPU, statedump at start) that\n"
	    "babeltrace2, lttng-analyses, Trace Compass and `latscope analyze` read. Runs until\n"
	    "Ctrl-C or --duration.\n\n"
	    "Options:\n"
	    "  -o, --output DIR          the session folder to write (created)\n"
	    "  -e, --events LIST         comma-separated events or groups (default: all):\n"
	    "                            %s\n"
	    "                            (syscall_entry_NAME selects every system call)\n"
	    "  -d, --duration DURATION   stop after this long (10s, 500ms...)\n"
	    "  -b, --buffer-size SIZE    BPF ring buffer, a power of two (default 32M); events "
	    "that\n"
	    "                            do not fit are counted as discarded in the trace\n"
	    "      --record-self         also record this recorder's own system calls\n"
	    "  -q, --quiet               no summary on stderr\n"
	    "  -h, --help                this help\n",
	    lat_record_event_names());
}

enum { OPT_RECORD_SELF = 256 };

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"events", required_argument, NULL, 'e'},
    {"duration", required_argument, NULL, 'd'},
    {"buffer-size", required_argument, NULL, 'b'},
    {"record-self", no_argument, NULL, OPT_RECORD_SELF},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int cmd_record(int argc, char **argv)
{
	struct lat_record_opts opts = {0};
	struct lat_record_stats stats;
	struct lat_record *rec = NULL;
	struct sigaction sa = {0};
	uint64_t duration_ns = 0, size, deadline = 0;
	bool quiet = false;
	char why[512] = "";
	int opt, err;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:e:d:b:qh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			opts.dir = optarg;
			break;
		case 'e':
			if (lat_record_parse_events(optarg, why, sizeof(why))) {
				return cli_usage_error("record", "record: --events: %s", why);
			}
			opts.events = optarg;
			break;
		case 'd':
			if (lat_parse_duration(optarg, 1000000000ull, &duration_ns) ||
			    duration_ns == 0) {
				return cli_usage_error("record", "record: --duration: invalid '%s'",
						       optarg);
			}
			break;
		case 'b':
			if (lat_parse_size(optarg, &size) || size < 4096 || (size & (size - 1)) ||
			    size > (1ull << 31)) {
				return cli_usage_error(
				    "record",
				    "record: --buffer-size: '%s' is not a power of two "
				    "between 4K and 2G",
				    optarg);
			}
			opts.buffer_bytes = (size_t)size;
			break;
		case OPT_RECORD_SELF:
			opts.record_self = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case ':':
			return cli_usage_error("record", "record: option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error("record", "record: unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return cli_usage_error("record", "record: unexpected argument '%s'", argv[optind]);
	}
	if (!opts.dir) {
		return cli_usage_error("record", "record: -o DIR is required");
	}
	err = lat_record_open(&opts, &rec, why, sizeof(why));
	if (err) {
		cli_error("record: %s", why);
		return CLI_EXIT_FAILURE;
	}
	sa.sa_handler = on_signal; /* no SA_RESTART: the poll returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = lat_record_start(rec, why, sizeof(why));
	if (err) {
		lat_record_close(rec, NULL);
		cli_error("record: %s", why);
		return CLI_EXIT_FAILURE;
	}
	if (!quiet) {
		fprintf(stderr, "latscope record: writing %s/kernel/%s\n", opts.dir,
			duration_ns ? "" : " (Ctrl-C to stop)");
	}
	if (duration_ns) {
		deadline = now_ns() + duration_ns;
	}
	while (!record_stop) {
		int timeout = 100;

		if (deadline) {
			uint64_t now = now_ns();

			if (now >= deadline) {
				break;
			}
			if (deadline - now < 100000000ull) {
				timeout = (int)((deadline - now) / 1000000) + 1;
			}
		}
		err = lat_record_poll(rec, timeout);
		if (err < 0 && err != -EINTR) {
			break;
		}
		err = 0;
	}
	{
		int cerr = lat_record_close(rec, &stats);

		if (!err) {
			err = cerr;
		}
	}
	if (err) {
		cli_error("record: %s/kernel: %s", opts.dir, strerror(-err));
		return CLI_EXIT_FAILURE;
	}
	if (!quiet) {
		fprintf(stderr,
			"latscope record: %llu events, %llu discarded, %.1f MB in %s/kernel/ "
			"(%u streams)\n",
			(unsigned long long)stats.events, (unsigned long long)stats.discarded,
			(double)stats.bytes / 1e6, opts.dir, stats.cpus);
	}
	return CLI_EXIT_OK;
}
