/* cli.h: what every latscope subcommand shares: its handler signature and the error printers. */
#ifndef LATSCOPE_CLI_H
#define LATSCOPE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes, documented in latscope(1). */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1, /* the command ran and failed: bad input, missing privilege... */
	CLI_EXIT_USAGE = 2,   /* the command line is wrong */
};

struct cli_command {
	const char *name;
	int (*handler)(int argc, char **argv); /* argv[0] is the subcommand name */
	const char *summary;
};

/* Set by a subcommand that prints JSON, so errors are printed as {"error": ...} too. */
extern bool cli_json_errors;

/* Prints "latscope: <message>" (or a JSON error object) on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a usage error and a pointer to --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The largest pid or tid Linux gives (PID_MAX_LIMIT), and the CPU numbers options take. */
#define CLI_PID_MAX 4194304
#define CLI_CPU_MAX 8191 /* NR_CPUS is at most 8192 */

/*
 * Checked option values (lib/util/units.h), for every option of every command: each returns
 * true with the value stored, or prints one usage error naming the option, the value and why
 * ("--tid: out of range (1..4194304): 4294967301", "--limit: not a number: x") and returns
 * false; the caller then returns CLI_EXIT_USAGE. what names the values of a list ("TIDs").
 */
bool cli_parse_u64(const char *command, const char *option, const char *text, uint64_t min,
		   uint64_t max, uint64_t *out);
bool cli_parse_int(const char *command, const char *option, const char *text, int min, int max,
		   int *out);
bool cli_parse_int_list(const char *command, const char *option, const char *what, const char *text,
			int min, int max, int32_t *out, int max_count, int *count);
/* A duration (bare numbers in default_unit_ns) in [min_ns, max_ns]; "not a duration". */
bool cli_parse_duration(const char *command, const char *option, const char *text,
			uint64_t default_unit_ns, uint64_t min_ns, uint64_t max_ns, uint64_t *out);

/* Subcommands, one file each in cli/. */
int cmd_demo(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_analyze_periods(int argc, char **argv); /* analyze period*: cli/analyze_periods.c */
bool cli_is_period_analysis(const char *name);
extern const char cli_analyze_common_help[]; /* options of both, end of their --help */
int cmd_track(int argc, char **argv);
int cmd_ctl(int argc, char **argv);
int cmd_top(int argc, char **argv);    /* cli/top.c */
int cmd_agent(int argc, char **argv);  /* agent/agentd.c */
int cmd_report(int argc, char **argv); /* cli/report.c */
int cmd_record(int argc, char **argv);
int cmd_sync(int argc, char **argv);          /* cli/sync.c */
int cmd_vm(int argc, char **argv);            /* cli/vm.c */
int cmd_critical_path(int argc, char **argv); /* cli/critical_path.c */
int cmd_explain(int argc, char **argv);       /* cli/explain.c */
/* Writes DIR/explain.txt and DIR/explain.json for a snapshot's trigger; 0 or a status (why). */
int cli_explain_snapshot(const char *dir, char *why, size_t why_len);
/* A report's section explaining a snapshot's trigger (nothing when DIR has no trigger.txt). */
struct lat_html;
void cli_explain_html(struct lat_html *h, const char *dir);

#endif /* LATSCOPE_CLI_H */
