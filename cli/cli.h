/* cli.h: what every latscope subcommand shares: its handler signature and the error printers. */
#ifndef LATSCOPE_CLI_H
#define LATSCOPE_CLI_H

#include <stdbool.h>
#include <stddef.h>

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
int cli_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Subcommands, one file each in cli/. */
int cmd_demo(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_analyze_periods(int argc, char **argv); /* analyze period*: cli/analyze_periods.c */
bool cli_is_period_analysis(const char *name);
extern const char cli_analyze_common_help[]; /* options of both, end of their --help */
int cmd_track(int argc, char **argv);
int cmd_ctl(int argc, char **argv);
int cmd_top(int argc, char **argv); /* cli/top.c */
int cmd_agent(int argc, char **argv); /* agent/agent.c */
int cmd_report(int argc, char **argv); /* cli/report.c */
int cmd_record(int argc, char **argv);
int cmd_sync(int argc, char **argv);   /* cli/sync.c */
int cmd_vm(int argc, char **argv);     /* cli/vm.c */
int cmd_critical_path(int argc, char **argv); /* cli/critical_path.c */
int cmd_explain(int argc, char **argv);       /* cli/explain.c */
/* Writes DIR/explain.txt and DIR/explain.json for a snapshot's trigger; 0 or a status (why). */
int cli_explain_snapshot(const char *dir, char *why, size_t why_len);
/* A report's section explaining a snapshot's trigger (nothing when DIR has no trigger.txt). */
struct lat_html;
void cli_explain_html(struct lat_html *h, const char *dir);

#endif /* LATSCOPE_CLI_H */
