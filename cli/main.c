/* main.c: the latscope command: a table of subcommands (unambiguous prefixes accepted). */
#include "cli.h"
#include "util/json.h"
#include "util/units.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cli_json_errors;

static const struct cli_command commands[] = {
    {"demo", cmd_demo, "a toy request loop whose slow requests liblatscope catches"},
    {"analyze", cmd_analyze, "lttng-analyses (cputop, memtop...) on LTTng kernel traces"},
    {"track", cmd_track, "kernel latency trackers in eBPF: syscalls, wake-ups, off-CPU, I/O..."},
    {"agent", cmd_agent,
     "the always-on daemon: trackers, histograms, Prometheus /metrics, Graphite"},
    {"top", cmd_top, "a live view of the worst latencies, CPU and I/O per process (ncurses, -b)"},
    {"ctl", cmd_ctl, "read or change a running latscope track (thresholds, timeouts)"},
    {"report", cmd_report, "a self-contained HTML report from a track --json log or a trace"},
    {"record", cmd_record, "kernel events to an LTTng kernel trace (CTF) through eBPF"},
    {"sync", cmd_sync, "clock corrections that put traces of several hosts on one timeline"},
    {"vm", cmd_vm, "virtual machines from a KVM host's trace: vCPU states, steal time, VM exits"},
    {"critical-path", cmd_critical_path, "what a task waited for: its critical path in a trace"},
    {"explain", cmd_explain, "why one event was slow: its causes, across the tasks it waited for"},
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void vprint_error(const char *fmt, va_list args)
{
	char message[1024];

	vsnprintf(message, sizeof(message), fmt, args);
	if (cli_json_errors) {
		fputs("{\"error\": ", stderr);
		lat_json_write_string(stderr, message, 0);
		fputs("}\n", stderr);
	} else {
		fprintf(stderr, "latscope: %s\n", message);
	}
}

void cli_error(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vprint_error(fmt, args);
	va_end(args);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vprint_error(fmt, args);
	va_end(args);
	fprintf(stderr, "Try 'latscope %s --help'.\n", command);
	return CLI_EXIT_USAGE;
}

bool cli_parse_u64(const char *command, const char *option, const char *text, uint64_t min,
		   uint64_t max, uint64_t *out)
{
	int ret = lat_parse_u64(text, min, max, out);

	if (ret == -ERANGE) {
		cli_usage_error(command, "%s: out of range (%llu..%llu): %s", option,
				(unsigned long long)min, (unsigned long long)max, text);
	} else if (ret) {
		cli_usage_error(command, "%s: not a number: %s", option, text);
	}
	return ret == 0;
}

bool cli_parse_int(const char *command, const char *option, const char *text, int min, int max,
		   int *out)
{
	int ret = lat_parse_int(text, min, max, out);

	if (ret == -ERANGE) {
		cli_usage_error(command, "%s: out of range (%d..%d): %s", option, min, max, text);
	} else if (ret) {
		cli_usage_error(command, "%s: not a number: %s", option, text);
	}
	return ret == 0;
}

bool cli_parse_int_list(const char *command, const char *option, const char *what, const char *text,
			int min, int max, int32_t *out, int max_count, int *count)
{
	int ret = lat_parse_int_list(text, min, max, out, max_count, count);

	if (ret == -ERANGE) {
		cli_usage_error(command, "%s: %s out of range (%d..%d): %s", option, what, min, max,
				text);
	} else if (ret == -E2BIG) {
		cli_usage_error(command, "%s: more than %d %s: %s", option, max_count, what, text);
	} else if (ret) {
		cli_usage_error(command, "%s: not a list of %s: %s", option, what, text);
	}
	return ret == 0;
}

bool cli_parse_duration(const char *command, const char *option, const char *text,
			uint64_t default_unit_ns, uint64_t min_ns, uint64_t max_ns, uint64_t *out)
{
	uint64_t ns;
	int ret = lat_parse_duration(text, default_unit_ns, &ns);
	char lo[32], hi[32];

	if (ret == 0 && (ns < min_ns || ns > max_ns)) {
		ret = -ERANGE;
	}
	if (ret == -ERANGE) {
		lat_format_duration(min_ns, lo, sizeof(lo));
		lat_format_duration(max_ns, hi, sizeof(hi));
		cli_usage_error(command, "%s: out of range (%s..%s): %s", option, lo, hi, text);
	} else if (ret) {
		cli_usage_error(command, "%s: not a duration: %s", option, text);
	}
	if (ret == 0) {
		*out = ns;
	}
	return ret == 0;
}

static void print_usage(FILE *out)
{
	fprintf(out, "Usage: latscope COMMAND [OPTIONS...]\n"
		     "       latscope --version | --help\n\n"
		     "Finds latency problems on Linux servers and explains them.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
	}
	fprintf(out,
		"\n'latscope COMMAND --help' (or man latscope-COMMAND) describes one command.\n");
}

/* Finds a command by exact name, or by a prefix that only one command has (as bpftool does). */
static const struct cli_command *find_command(const char *name)
{
	const struct cli_command *match = NULL;
	size_t len = strlen(name);

	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		if (strcmp(commands[i].name, name) == 0) {
			return &commands[i];
		}
		if (strncmp(commands[i].name, name, len) == 0) {
			if (match) {
				return NULL; /* ambiguous */
			}
			match = &commands[i];
		}
	}
	return match;
}

int main(int argc, char **argv)
{
	const struct cli_command *command;

	if (argc < 2) {
		print_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		print_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("latscope %s\n", LATSCOPE_VERSION);
		return CLI_EXIT_OK;
	}
	command = find_command(argv[1]);
	if (!command) {
		cli_error("unknown or ambiguous command '%s'", argv[1]);
		fprintf(stderr, "Try 'latscope --help'.\n");
		return CLI_EXIT_USAGE;
	}
	return command->handler(argc - 1, argv + 1);
}
