/* alert.h: one over-threshold (or timeout) report of a kernel tracker, decoded from its ring
 * buffer record into typed fields: tracker, series, task, times, delay, timeout flag, the
 * tracker's own payload and its stacks. Strings are made only by the outputs that print it. */
#ifndef LATSCOPE_TRACKERS_ALERT_H
#define LATSCOPE_TRACKERS_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trackers/ktracker.h"

/* One set of stacks: addresses as the probe took them (symbolized by an output). */
struct lat_alert_stacks {
	uint32_t pid;   /* the process whose mappings symbolize the user stack */
	uint16_t flags; /* LAT_REC_KSTACK_CUT, _KSTACK_FAIL, _USTACK_CUT, _USTACK_FAIL */
	int kstack_n;
	const uint64_t *kstack;          /* in the record; kstack_n addresses */
	const struct lat_ustack *ustack; /* in the record (registers and a copy); NULL: none */
};

/* The tracker's typed payload (bpf/track.h), by lat_alert.tracker->id. */
union lat_alert_payload {
	struct lat_syscall_payload syscall;
	struct lat_wakeup_payload wakeup;
	struct lat_offcpu_payload offcpu;
	struct lat_block_payload block;
	struct lat_irq_payload irq;
	struct lat_net_payload net;
	struct lat_ttfb_payload ttfb;
};

struct lat_alert {
	const struct lat_ktracker *tracker;
	uint32_t series; /* which of the tracker's series (0 for most) */
	uint32_t pid, tid, cpu;
	char comm[LAT_COMM_LEN];         /* as the kernel gave it: lat_comm_text() to print it */
	uint64_t start_ns;               /* in event, CLOCK_MONOTONIC */
	uint64_t delay_ns;               /* out - in, or now - in for a timeout report */
	bool timeout;                    /* a timeout report: still in flight */
	uint16_t flags;                  /* enum lat_record_flag */
	uint16_t payload_len;            /* bytes of payload the record carried (0: none) */
	union lat_alert_payload payload; /* zero past payload_len */
	struct lat_alert_stacks stacks;  /* the task's own */
	const char *extra_name;          /* the tracker's extra stacks ("waker"), NULL: none */
	struct lat_alert_stacks extra;
	/* The record itself, valid only while the ring buffer's callback runs. */
	const struct lat_record_hdr *hdr;
};

/*
 * Checks the record (lat_ebpf_record_check(), and that it is tracker's) and decodes it into a.
 * Returns 0, or -EINVAL for a malformed record (to count, never to print).
 */
int lat_alert_decode(const struct lat_ktracker *tracker, const void *data, size_t size,
		     struct lat_alert *a);

/* Formats the tracker's fields of a (at most max); returns how many. */
int lat_alert_fields(const struct lat_alert *a, struct lat_alert_field *fields, int max);

/* The label of a's slow events (the tracker's label, else its printable comm). */
void lat_alert_label(const struct lat_alert *a, char *buf, size_t len);

#endif /* LATSCOPE_TRACKERS_ALERT_H */
