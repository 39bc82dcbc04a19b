/* top_acc.h: the figures of the kernel trackers over one interval (per tracker series: events,
 * over threshold, p50/p99/max, the worst event; slow events per process), kept by `latscope top`
 * itself and by the agent (its `top` control request and its exit summary). */
#ifndef LATSCOPE_TRACKERS_TOP_ACC_H
#define LATSCOPE_TRACKERS_TOP_ACC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "trackers/alert.h"

#define LAT_TOP_ROWS_MAX 24 /* tracker series */
#define LAT_TOP_SLOW_MAX                                                                        \
	256                 /* processes with over-threshold events in one interval (the worst) \
			     */
#define LAT_TOP_WORST_MAX 3 /* worst events of a series kept over the whole run */

/* One over-threshold record, decoded. */
struct lat_top_event {
	uint64_t delay_ns; /* 0: none */
	uint32_t pid, tid;
	bool timeout;
	char comm[LAT_COMM_LEN + 1];
	char fields[160]; /* the tracker's fields, "syscall=nanosleep ret=0" */
};

/* One tracker series over an interval (a row of the view) or over the run (the summary). */
struct lat_top_row {
	char tracker[32], series[32];
	uint64_t events;         /* completed (every event, in the kernel's statistics) */
	uint64_t over;           /* over-threshold records received (and timeouts) */
	uint64_t lost;           /* drops and bad records (the tracker's first series only) */
	uint64_t p50_ns, p99_ns; /* from the kernel's log2 buckets: bucket midpoints */
	uint64_t max_ns;         /* exact when over threshold, else its bucket's upper bound */
	uint64_t threshold_ns;
	struct lat_top_event worst;
	bool off; /* the tracker is turned off (the agent's TRACKER.enabled=0): no figures */
};

/* Over-threshold events of one process in an interval. */
struct lat_top_slow {
	uint32_t pid;
	char comm[LAT_COMM_LEN + 1];
	uint64_t over, worst_ns;
	char tracker[32]; /* the series of its worst event */
};

/* One interval's figures. */
struct lat_top_frame {
	uint64_t interval_ns;
	int nrows;
	struct lat_top_row rows[LAT_TOP_ROWS_MAX];
	int nslow;
	uint64_t
	    slow_more; /* events of processes left out past LAT_TOP_SLOW_MAX (still in the rows) */
	struct lat_top_slow slow[LAT_TOP_SLOW_MAX];
};

/* The running accumulator of every tracker (probes loaded elsewhere). */
struct lat_top_acc_series {
	const char *name;
	struct lat_stats prev;      /* as read at the last close */
	uint64_t over, over_total;  /* records: this interval, the run */
	uint64_t lost_prev;         /* drops + bad records at the last close */
	struct lat_top_event worst; /* this interval */
	struct lat_top_event worst_run[LAT_TOP_WORST_MAX];
};

struct lat_top_acc_tracker {
	const struct lat_ktracker *tracker;
	struct lat_ebpf_probe *probe;
	int nseries;
	uint64_t bad_records;
	struct lat_top_acc_series s[LAT_STATS_SERIES_MAX];
};

struct lat_top_acc {
	int ntrk;
	struct lat_top_acc_tracker trk[16];
	uint64_t last_close_ns, started_ns;
	int nslow;
	uint64_t slow_more;
	struct lat_top_slow slow[LAT_TOP_SLOW_MAX];
};

void lat_top_acc_init(struct lat_top_acc *acc, uint64_t now_ns);
/* Adds a loaded probe; returns its index, or -ENOSPC. */
int lat_top_acc_add(struct lat_top_acc *acc, const struct lat_ktracker *tracker,
		    struct lat_ebpf_probe *probe);
/* A decoded alert of tracker idx. */
void lat_top_acc_record(struct lat_top_acc *acc, int idx, const struct lat_alert *a);
/* A malformed record of tracker idx (counted in its losses). */
void lat_top_acc_bad_record(struct lat_top_acc *acc, int idx);
/* Ends the interval: reads the probes' statistics into frame, starts the next interval. */
void lat_top_acc_close(struct lat_top_acc *acc, uint64_t now_ns, struct lat_top_frame *frame);

/* A row of series of t from its statistics st since prev (prev NULL: the whole run). */
void lat_top_acc_row(struct lat_top_row *row, const struct lat_top_acc_tracker *t, int series,
		     const struct lat_stats *st, const struct lat_stats *prev,
		     const struct lat_top_event *worst);
/* Its drops (every reason) and bad records, over the run. */
uint64_t lat_top_acc_lost(const struct lat_top_acc_tracker *t);

/* The figures of the whole run (since the probes were loaded), for a summary
 * (lib/outputs/top_frame.c). */
void lat_top_acc_print_summary(struct lat_top_acc *acc, uint64_t now_ns, FILE *out);

/* The frame as JSON lines (the agent's `top` reply) and back; lat_top_frame_parse_line returns
 * 0, or -EINVAL for a line it does not know (lib/outputs/top_frame.c). */
void lat_top_frame_write_json(const struct lat_top_frame *frame, FILE *out);
int lat_top_frame_parse_line(struct lat_top_frame *frame, const char *line);

#endif /* LATSCOPE_TRACKERS_TOP_ACC_H */
