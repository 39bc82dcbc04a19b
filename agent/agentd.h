/* agentd.h: the state of `latscope agent` shared by its modules: the trackers it runs, the
 * applications it hears, its sockets and counters. */
#ifndef LATSCOPE_AGENT_AGENTD_H
#define LATSCOPE_AGENT_AGENTD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "app.h"
#include "config.h"
#include "metrics.h"
#include "trackers/top_acc.h"
#include "util/ctlproto.h"

#define AGENT_CTL_TIMEOUT_NS 2000000000ULL /* each has 2 s for its request and reply */

struct agent;
struct lat_ctlsock_client;

/* One kernel tracker the agent runs. */
struct agent_tracker {
	struct agent *agent;
	const struct lat_ktracker *tracker;
	struct agent_tracker_conf conf;
	struct lat_ebpf_probe *probe;
	uint64_t records, bad_records, events_written;
	int nseries;
	struct agent_kseries kseries[LAT_STATS_SERIES_MAX];
	struct agent_family slow; /* over-threshold records by label */
	int top_idx;              /* in agent.top */
};

struct agent {
	struct agent_config cfg;
	struct agent_tracker trk[AGENT_TRACKERS_MAX];
	int ntrk;
	struct agent_apps apps; /* what applications sent, bounded (app.h) */
	/* run-time */
	struct lat_live *live;             /* the probes, their ring buffer, signals, the loop */
	struct lat_alert_symbols *symbols; /* NULL: no stacks */
	FILE *events;                      /* JSON lines, NULL: none */
	struct agent_http *http;
	int ctl_fd, app_fd;
	int i_ctl, i_app, i_http;  /* their places among the fds polled (ctl: its first) */
	int ctl_lock, app_lock;    /* the sockets' lock files (util/ctlsock.h): -1 until owned */
	struct lat_ctl_server ctl; /* the control socket's clients, served without blocking */
	uint64_t started_ns, last_tick_ns, last_profile_ns, last_graphite_ns;
	/* counters */
	uint64_t events_written, profile_changes, reloads_ok, reloads_partial, reloads_failed;
	uint64_t graphite_sent, graphite_errors, scrapes;
	/* `latscope top --agent`: the last second's figures (ctl `top`), and the exit summary */
	struct lat_top_acc top;
	struct lat_top_frame top_last;
	uint64_t deadline_ns; /* --duration: stop then (0: run until a signal) */
	const char *config_path, *listen_override; /* for SIGHUP's reload */
	bool summary;                              /* print the run's summary at exit */
	bool starting; /* the probes stay off until all are loaded (no buffer fills unread) */
};

/* `latscope agent` (cli/main.c's table). */
int cmd_agent(int argc, char **argv);

/* Exit codes, as every latscope command's (latscope(1)). */
enum { AGENT_EXIT_OK = 0, AGENT_EXIT_FAILURE = 1, AGENT_EXIT_USAGE = 2 };

/* Prints "latscope: <message>" on stderr. */
void agent_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same and a pointer to --help; returns AGENT_EXIT_USAGE. */
int agent_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

uint64_t agent_now_ns(void);

/* Sets a running tracker's threshold, timeout and enabled (its probe's control, at once). */
void agent_tracker_apply_conf(struct agent_tracker *t, const struct agent_tracker_conf *conf);
/* The running tracker called name[0..len), or NULL. */
struct agent_tracker *agent_find_running(struct agent *a, const char *name, size_t len);

/* Answers a control request (ctl.c; util/ctlproto.h's handler, ctx: the agent). */
int agent_ctl_handle(void *ctx, const char *line, FILE *out);

/* Reads every tracker's in-kernel statistics into its series (also done each second). */
void agent_refresh(struct agent *a);

/* Writes the Prometheus exposition of everything. */
void agent_render_prometheus(struct agent *a, FILE *out);
/* Writes the Graphite lines of everything at timestamp ts (seconds). */
void agent_render_graphite(struct agent *a, FILE *out, int64_t ts);
/* Sends the Graphite lines to cfg.graphite; returns 0 or -errno. */
int agent_graphite_send(struct agent *a);

/* HTTP (/metrics), with libmicrohttpd driven from the agent's poll loop. */
struct agent_http;
int agent_http_start(struct agent *a, const char *listen, struct agent_http **out, char *why,
		     size_t why_len);
void agent_http_stop(struct agent_http *h);
int agent_http_fd(struct agent_http *h);         /* poll it for input */
int agent_http_timeout_ms(struct agent_http *h); /* -1: none */
void agent_http_run(struct agent_http *h);
uint16_t agent_http_port(struct agent_http *h);
uint64_t agent_http_deadline_closes(struct agent_http *h); /* slow requests closed */

/* The top reply's rows of trackers turned off say so (lat_top_row.off). */
void agent_mark_off_rows(const struct agent *a, struct lat_top_frame *frame);

#endif /* LATSCOPE_AGENT_AGENTD_H */
