/* ktracker.h: the user side of each kernel tracker (its probe, tracepoints and decoder) and the
 * table of them that track, top, record and the agent run. */
#ifndef LATSCOPE_TRACKERS_KTRACKER_H
#define LATSCOPE_TRACKERS_KTRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/ebpf.h"

struct lat_alert;

/* One field of an alert formatted as text (name=value), JSON and --exec's environment: made
 * only by an output, from the alert's typed payload (lat_ktracker.fields). */
struct lat_alert_field {
	const char *name; /* lower case, [a-z0-9_]: "syscall", "dev", "waker_comm" */
	char value[128];
	bool is_string; /* quoted in JSON */
};

#define LAT_ALERT_FIELDS_MAX 16

/*
 * Where a tracker's extra stacks are in its record (offsets from the record's start, checked by
 * lat_alert_decode()): printed after the main stacks as "NAME kernel stack:" / "NAME user
 * stack:", in JSON as NAME_kstack / NAME_ustack, for --exec as LATSCOPE_NAME_KSTACK / _USTACK.
 */
struct lat_alert_stack_ref {
	const char *name; /* "waker" */
	uint32_t pid;     /* the process whose mappings symbolize the user stack */
	uint16_t kstack_off, kstack_n;
	uint16_t ustack_off; /* 0: no user stack */
	uint16_t flags;      /* LAT_REC_KSTACK_CUT, LAT_REC_USTACK_CUT, LAT_REC_USTACK_FAIL... */
};

/*
 * A kernel tracker: add one in lib/trackers/track_NAME.c and list it in ktracker.c's table.
 *   - its probe: bpf/NAME.bpf.c (includes bpf/lat_tracker.bpf.h), skeleton ops from
 *     LAT_EBPF_SKEL_DEFINE(NAME);
 *   - its payload: a struct lat_NAME_payload (bpf/track.h), a member of the alert's typed payload
 *     (alert.h), copied there by lat_alert_decode();
 *   - fields(): formats that payload as name=value fields, printed between tid= and delay_us= in
 *     text, as JSON members, and as LATSCOPE_<NAME> for --exec;
 *   - label(): the value that labels its slow events in the agent's metrics (else the comm).
 * Stacks, the header fields, statistics and drops are the same for every tracker (alert.h).
 */
struct lat_ktracker {
	const char *name;    /* on the command line and in ctl keys */
	const char *summary; /* one line for --help */
	uint16_t id;         /* enum lat_tracker_id, in every record header */
	const struct lat_ebpf_skel_ops *skel;
	const char *const *tracepoints;    /* "system/event", checked before loading */
	const char *const *stack_programs; /* programs needed only for kernel stacks */
	const char *const *series; /* names of lat_stats entries; NULL: one, the tracker's */
	bool user_stacks;          /* its probe copies user stacks (--ustack-size) */
	bool no_task;              /* its events have no task of their own (irq): task filters
				      (--pid, --tid, --comm, --cgroup) are refused */
	uint64_t default_threshold_ns;
	/* Fills at most max fields from a decoded alert; returns how many. */
	int (*fields)(const struct lat_alert *a, struct lat_alert_field *fields, int max);
	/* Optional: the label of its slow events into buf; false: none (the comm labels them). */
	bool (*label)(const struct lat_alert *a, char *buf, size_t len);
	/* Optional: a second set of stacks in the record (offcpu: the waker's); returns 0 or 1. */
	int (*extra_stacks)(const struct lat_alert *a, struct lat_alert_stack_ref *ref);
};

/* Fills a field; returns 1 (for `n += lat_alert_field_set(...)`). */
int lat_alert_field_set(struct lat_alert_field *field, const char *name, bool is_string,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Adds family, laddr, lport, raddr, rport (track_net.c; the ttfb tracker's too). */
int lat_alert_inet_fields(const struct lat_inet_pair *conn, struct lat_alert_field *fields,
			  int max);

extern const struct lat_ktracker lat_ktracker_syscall;
extern const struct lat_ktracker lat_ktracker_wakeup;
extern const struct lat_ktracker lat_ktracker_offcpu;
extern const struct lat_ktracker lat_ktracker_block;
extern const struct lat_ktracker lat_ktracker_irq;
extern const struct lat_ktracker lat_ktracker_net;
extern const struct lat_ktracker lat_ktracker_ttfb;

/* The trackers, in the order --help lists them: lat_ktracker_at(0 .. lat_ktracker_count()-1). */
size_t lat_ktracker_count(void);
const struct lat_ktracker *lat_ktracker_at(size_t i);
/* The tracker of that name, or NULL. */
const struct lat_ktracker *lat_ktracker_find(const char *name);
/* The name of its series (the tracker's own name for a tracker of one), or NULL past the last. */
const char *lat_ktracker_series_name(const struct lat_ktracker *t, int series);
/* How many series it has (1 .. LAT_STATS_SERIES_MAX). */
int lat_ktracker_nseries(const struct lat_ktracker *t);

/* The control sockets of track and record: one per run, root only (see docs/track.md). */
#define LAT_TRACK_SOCKET_DIR "/run/latscope"

/* Prints a duration exactly, in the largest unit that divides it ("5ms", "1500us"). */
void lat_format_duration_exact(uint64_t ns, char *buf, size_t len);

/* A command name as printable text (comm may hold any byte: others become '?'). */
void lat_comm_text(const char *comm, char out[LAT_COMM_LEN + 1]);

#endif /* LATSCOPE_TRACKERS_KTRACKER_H */
