/* explain_json.h: `latscope explain --json`: one object (event, summary, breakdown, path). */
#ifndef LATSCOPE_OUTPUTS_EXPLAIN_JSON_H
#define LATSCOPE_OUTPUTS_EXPLAIN_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "analyses/explain.h"

/*
 * {"trace", "event": {"tid", "comm", "begin_ns", "end_ns", "duration_ns", "tracker"},
 *  "summary", "lost_events", "breakdown": [ITEM], "missing", "path": [{"begin_ns", "end_ns",
 *  "tid", "comm", "depth", "state", "cause", "other_tid"}]}
 * ITEM: {"state", "on", "ns", "tasks": [{"tid", "comm", "ns"}], "detail", "breakdown": [ITEM],
 *  "tid", "comm", "count", "syscalls": [{"name", "ns", "count"}], and per kind: "user_ns",
 *  "kernel_ns" (running), "cpu", "idle_ns", "irq_ns" (preempted), "fd", "file", "timeout_ns",
 *  "timed_out", "device", "requests", "bytes", "queue_ns", "service_ns", "netif", "why"}.
 * "tracker" is null when the event did not come from a tracker; "on" null when not blocked.
 */
void lat_xp_print_json(FILE *out, const struct lat_explanation *e, const char *trace,
		       uint64_t lost_events);

#endif /* LATSCOPE_OUTPUTS_EXPLAIN_JSON_H */
