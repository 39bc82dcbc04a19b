/* top.h: the figures of `latscope top` over one interval (per tracker series: events, over
 * threshold, p50/p99/max, the worst event; slow events per process), kept by `latscope top`
 * itself and by the agent (its `top` control request and its exit summary). */
#ifndef LATSCOPE_CLI_TOP_H
#define LATSCOPE_CLI_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "track.h"

#define TOP_ROWS_MAX  24  /* tracker series */
#define TOP_SLOW_MAX  256 /* processes with over-threshold events in one interval (the worst) */
#define TOP_WORST_MAX 3   /* worst events of a series kept over the whole run */

/* One over-threshold record, decoded. */
struct top_event {
	uint64_t delay_ns; /* 0: none */
	uint32_t pid, tid;
	bool timeout;
	char comm[LAT_COMM_LEN + 1];
	char fields[160]; /* the tracker's fields, "syscall=nanosleep ret=0" */
};

/* One tracker series over an interval (a row of the view) or over the run (the summary). */
struct top_row {
	char tracker[32], series[32];
	uint64_t events;         /* completed (every event, in the kernel's statistics) */
	uint64_t over;           /* over-threshold records received (and timeouts) */
	uint64_t lost;           /* drops and bad records (the tracker's first series only) */
	uint64_t p50_ns, p99_ns; /* from the kernel's log2 buckets: bucket midpoints */
	uint64_t max_ns;         /* exact when over threshold, else its bucket's upper bound */
	uint64_t threshold_ns;
	struct top_event worst;
};

/* Over-threshold events of one process in an interval. */
struct top_slow {
	uint32_t pid;
	char comm[LAT_COMM_LEN + 1];
	uint64_t over, worst_ns;
	char tracker[32]; /* the series of its worst event */
};

/* One interval's figures. */
struct top_frame {
	uint64_t interval_ns;
	int nrows;
	struct top_row rows[TOP_ROWS_MAX];
	int nslow;
	uint64_t slow_more; /* events of processes left out past TOP_SLOW_MAX (still in the rows) */
	struct top_slow slow[TOP_SLOW_MAX];
};

/* The running accumulator of every tracker (probes loaded elsewhere). */
struct top_acc_series {
	const char *name;
	struct lat_stats prev;     /* as read at the last close */
	uint64_t over, over_total; /* records: this interval, the run */
	uint64_t lost_prev;        /* drops + bad records at the last close */
	struct top_event worst;    /* this interval */
	struct top_event worst_run[TOP_WORST_MAX];
};

struct top_acc_tracker {
	const struct track_tracker *tracker;
	struct lat_ebpf_probe *probe;
	int nseries;
	uint64_t bad_records;
	struct top_acc_series s[LAT_STATS_SERIES_MAX];
};

struct top_acc {
	int ntrk;
	struct top_acc_tracker trk[16];
	uint64_t last_close_ns, started_ns;
	int nslow;
	uint64_t slow_more;
	struct top_slow slow[TOP_SLOW_MAX];
};

void top_acc_init(struct top_acc *acc, uint64_t now_ns);
/* Adds a loaded probe; returns its index, or -ENOSPC. */
int top_acc_add(struct top_acc *acc, const struct track_tracker *tracker,
		struct lat_ebpf_probe *probe);
/* A checked record of tracker idx, with its decoded fields (fields may be NULL: decoded here). */
void top_acc_record(struct top_acc *acc, int idx, const struct lat_record_hdr *hdr,
		    const struct track_field *fields, int nfields);
void top_acc_bad_record(struct top_acc *acc, int idx);
/* Ends the interval: reads the probes' statistics into frame, starts the next interval. */
void top_acc_close(struct top_acc *acc, uint64_t now_ns, struct top_frame *frame);

/* The figures of the whole run (since the probes were loaded), for a summary. */
void top_acc_print_summary(struct top_acc *acc, uint64_t now_ns, FILE *out);

/* The frame as JSON lines (the agent's `top` reply) and back; top_frame_parse_line returns 0,
 * or -EINVAL for a line it does not know. */
void top_frame_write_json(const struct top_frame *frame, FILE *out);
int top_frame_parse_line(struct top_frame *frame, const char *line);

#endif /* LATSCOPE_CLI_TOP_H */
