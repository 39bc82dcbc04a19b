/* track_wakeup.c: the wakeup tracker's user side: probe, tracepoints, fields. */
#include "trackers/alert.h"

#include "wakeup.skel.h"

LAT_EBPF_SKEL_DEFINE(wakeup);

static const char *const tracepoints[] = {
    "sched/sched_waking",
    "sched/sched_wakeup_new",
    "sched/sched_switch",
    NULL,
};

/* A task state as ps and sched_switch print it. */
static const char *state_name(uint32_t state)
{
	if (state == 0) {
		return "R"; /* still runnable: it was preempted by the wakee */
	}
	if (state & 0x01) {
		return "S";
	}
	if (state & 0x02) {
		return "D";
	}
	if (state & 0x0c) {
		return "T";
	}
	if (state & 0x80) {
		return "X";
	}
	return "?";
}

static int wakeup_fields(const struct lat_alert *a, struct lat_alert_field *fields, int max)
{
	const struct lat_wakeup_payload *wk = &a->payload.wakeup;
	char comm[LAT_COMM_LEN + 1];
	int n = 0, i;

	if (a->payload_len < sizeof(*wk) || max < 5 || a->timeout) {
		return 0; /* a timeout report: nothing ran on the CPU for it yet */
	}
	for (i = 0; i < LAT_COMM_LEN && wk->prev_comm[i]; i++) {
		comm[i] =
		    (wk->prev_comm[i] > 0x20 && wk->prev_comm[i] < 0x7f) ? wk->prev_comm[i] : '?';
	}
	comm[i] = '\0';
	n += lat_alert_field_set(&fields[n], "prev_comm", true, "%s", comm);
	n += lat_alert_field_set(&fields[n], "prev_pid", false, "%u", wk->prev_pid);
	n += lat_alert_field_set(&fields[n], "prev_tid", false, "%u", wk->prev_tid);
	n += lat_alert_field_set(&fields[n], "prev_state", true, "%s", state_name(wk->prev_state));
	n += lat_alert_field_set(&fields[n], "waker_tid", false, "%u", wk->waker_tid);
	return n;
}

const struct lat_ktracker lat_ktracker_wakeup = {
    .name = "wakeup",
    .summary = "scheduling delay: sched_waking -> sched_switch in, with what ran on the CPU",
    .id = LAT_TRACKER_WAKEUP,
    .skel = &lat_ebpf_skel_wakeup,
    .tracepoints = tracepoints,
    .user_stacks = false,
    .default_threshold_ns = 1000000,
    .fields = wakeup_fields,
};
