/* track.h: what one kernel tracker gives `latscope track`: its probe, its tracepoints and its
 * record decoder. */
#ifndef LATSCOPE_CLI_TRACK_H
#define LATSCOPE_CLI_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/ebpf.h"

/* One field of a record, as printed in text (name=value), JSON and --exec's environment. */
struct track_field {
	const char *name; /* lower case, [a-z0-9_]: "syscall", "dev", "waker_comm" */
	char value[128];
	bool is_string; /* quoted in JSON */
};

#define TRACK_FIELDS_MAX 16

/*
 * Where a tracker's extra stacks are in its record (offsets from the record's start, checked by
 * track.c): printed after the main stacks as "NAME kernel stack:" / "NAME user stack:", in JSON as
 * NAME_kstack / NAME_ustack, for --exec as LATSCOPE_NAME_KSTACK / _USTACK.
 */
struct track_stack_ref {
	const char *name; /* "waker" */
	uint32_t pid;     /* the process whose mappings symbolize the user stack */
	uint16_t kstack_off, kstack_n;
	uint16_t ustack_off; /* 0: no user stack */
	uint16_t flags;      /* LAT_REC_KSTACK_CUT, LAT_REC_USTACK_CUT, LAT_REC_USTACK_FAIL... */
};

/*
 * A kernel tracker: add one in cli/track_NAME.c and list it in cli/track.c's table.
 *   - its probe: bpf/NAME.bpf.c (includes bpf/lat_tracker.bpf.h), skeleton ops from
 *     LAT_EBPF_SKEL_DEFINE(NAME);
 *   - fields(): decodes the tracker's payload (hdr->payload_off) into name=value fields, printed
 *     between tid= and delay_us= in text, as JSON members, and as LATSCOPE_<NAME> for --exec.
 * Stacks (hdr->kstack_*, hdr->ustack_off), the header fields, statistics and drops are handled by
 * track.c for every tracker.
 */
struct track_tracker {
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
	/* Fills at most max fields from a checked record; returns how many. */
	int (*fields)(const struct lat_record_hdr *hdr, const void *payload,
		      struct track_field *fields, int max);
	/* Optional: a second set of stacks in the record (offcpu: the waker's); returns 0 or 1. */
	int (*extra_stacks)(const struct lat_record_hdr *hdr, const void *payload,
			    struct track_stack_ref *ref);
};

/* Fills a field; returns 1 (for `n += track_field_set(...)`). */
int track_field_set(struct track_field *field, const char *name, bool is_string, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

extern const struct track_tracker track_syscall;
extern const struct track_tracker track_wakeup;
extern const struct track_tracker track_offcpu;
extern const struct track_tracker track_block;
extern const struct track_tracker track_irq;
extern const struct track_tracker track_net;
extern const struct track_tracker track_ttfb;

/* The control socket: one per `latscope track` run, root only (see docs/track.md). */
#define LAT_TRACK_SOCKET_DIR "/run/latscope"

/* The tracker of that name in track.c's table, or NULL (the agent runs the same trackers). */
const struct track_tracker *find_tracker(const char *name);

/* Prints a duration exactly, in the largest unit that divides it ("5ms", "1500us"). */
void lat_track_format_exact(uint64_t ns, char *buf, size_t len);

#endif /* LATSCOPE_CLI_TRACK_H */
