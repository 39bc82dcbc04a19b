/* track_run.h: the state of one `latscope track` run shared by track.c (options, the run, its
 * control socket) and track_output.c (alerts as text, JSON and --exec; the summary). */
#ifndef LATSCOPE_CLI_TRACK_RUN_H
#define LATSCOPE_CLI_TRACK_RUN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "trackers/alert_stacks.h"
#include "trackers/live.h"
#include "util/ctlproto.h"

#define MAX_INSTANCES        16
#define TRACK_CTL_TIMEOUT_NS 2000000000ULL /* a control client has 2 s for its line and reply */
#define CGROUP2_MAGIC        0x63677270

/* One tracker running in this invocation. */
struct track_instance {
	const struct lat_ktracker *tracker;
	struct lat_ebpf_probe *probe;
	uint64_t threshold_ns;
	uint64_t timeout_ns;
	bool threshold_set, timeout_set;
	uint64_t records;     /* records received */
	uint64_t timeouts;    /* of which timeout reports */
	uint64_t bad_records; /* malformed records (counted, never printed) */
	/* the same, by series */
	uint64_t series_records[LAT_STATS_SERIES_MAX];
	uint64_t series_timeouts[LAT_STATS_SERIES_MAX];
};

struct track_run {
	struct lat_live *live; /* the probes, their ring buffer, signals and the loop */
	struct track_instance inst[MAX_INSTANCES];
	int ninst;
	struct lat_syscall_set syscalls; /* --syscall, --exclude-syscall, --exclude-idle */
	/* options */
	uint64_t threshold_ns, timeout_ns;
	bool threshold_set, timeout_set;
	bool worst, json, quiet, verbose, kstack;
	uint32_t ustack_size;
	uint64_t duration_ns;
	uint64_t ringbuf_bytes;
	struct lat_tracker_filter filter;
	const char *exec_cmd;
	uint64_t exec_interval_ns;
	const char *socket_path;
	/* state */
	struct lat_alert_symbols *symbols;
	char socket_buf[PATH_MAX];
	int listen_fd;
	struct lat_ctl_server ctl; /* its clients, served without blocking the loop */
	uint64_t started_ns;
	uint64_t exec_last_ns;
	bool exec_ever;
	uint64_t exec_run, exec_skipped, exec_failed;
	int exec_children;
};

/* One alert, decoded once for text, JSON and --exec. */
struct track_alert {
	const struct track_instance *inst;
	struct lat_alert k; /* the typed alert; the rest: its text */
	struct lat_alert_field fields[LAT_ALERT_FIELDS_MAX];
	int nfields;
	struct lat_alert_frames st; /* its stacks */
	struct lat_alert_frames x;  /* the tracker's extra stacks (k.extra_name: the waker's) */
};

/* An alert's line (text) or object (--json) on stdout. */
void track_print_text(struct track_run *run, const struct track_alert *a);
void track_print_json(struct track_run *run, const struct track_alert *a);
/* --exec: runs the command for a (rate limited), its fields in LATSCOPE_* variables. */
void track_run_exec(struct track_run *run, const struct track_alert *a);
/* Counts the --exec commands that ended (flags: waitpid's). */
void track_reap_children(struct track_run *run, int flags);
/* The summary of every tracker (text or --json). */
void track_print_summary(struct track_run *run);

#endif /* LATSCOPE_CLI_TRACK_RUN_H */
