/* track_offcpu.c: the offcpu tracker's user side: probe, tracepoints, fields and
 * the waker's stacks. */
#include "trackers/alert.h"

#include <stdlib.h>

#include "offcpu.skel.h"
#include "util/ksyms.h"

LAT_EBPF_SKEL_DEFINE(offcpu);

static const char *const tracepoints[] = {
    "sched/sched_switch",
    "sched/sched_waking",
    "timer/hrtimer_expire_entry",
    "timer/hrtimer_expire_exit",
    NULL,
};

static struct lat_ksyms *timer_ksyms;

static void free_timer_ksyms(void)
{
	lat_ksyms_free(timer_ksyms);
	timer_ksyms = NULL;
}

/* The hrtimer callback's name ("hrtimer_wakeup": the sleeper's own timeout), or its address. */
static void timer_name(uint64_t fn, char *buf, size_t len)
{
	static bool tried;
	const char *name = NULL;
	uint64_t offset = 0;

	if (!tried) {
		tried = true;
		if (lat_ksyms_load(NULL, &timer_ksyms) == 0) {
			atexit(free_timer_ksyms);
		} else {
			timer_ksyms = NULL;
		}
	}
	if (timer_ksyms) {
		name = lat_ksyms_lookup(timer_ksyms, fn, &offset);
	}
	if (name && offset == 0) {
		snprintf(buf, len, "%s", name);
	} else {
		snprintf(buf, len, "0x%llx", (unsigned long long)fn);
	}
}

static const char *context_name(uint32_t context)
{
	switch (context) {
	case LAT_OFFCPU_CTX_IRQ:
		return "irq";
	case LAT_OFFCPU_CTX_SOFTIRQ:
		return "softirq";
	case LAT_OFFCPU_CTX_TIMER:
		return "timer";
	default:
		return "task";
	}
}

static int offcpu_fields(const struct lat_alert *a, struct lat_alert_field *fields, int max)
{
	const struct lat_offcpu_payload *off = &a->payload.offcpu;
	char comm[LAT_COMM_LEN + 1];
	int n = 0, i;

	if (a->payload_len < sizeof(*off) || max < 7) {
		return 0;
	}
	n += lat_alert_field_set(&fields[n], "reason", true, "%s",
				 off->runnable ? "preempted" : "blocked");
	if (a->timeout) {
		return n; /* not woken yet */
	}
	for (i = 0; i < LAT_COMM_LEN && off->waker_comm[i]; i++) {
		comm[i] = (off->waker_comm[i] > 0x20 && off->waker_comm[i] < 0x7f)
			      ? off->waker_comm[i]
			      : '?';
	}
	comm[i] = '\0';
	if (off->waker_pid) {
		n += lat_alert_field_set(&fields[n], "waker_comm", true, "%s", comm);
		n += lat_alert_field_set(&fields[n], "waker_pid", false, "%u", off->waker_pid);
	}
	if (off->waker_tid) {
		n += lat_alert_field_set(&fields[n], "waker_tid", false, "%u", off->waker_tid);
	}
	if (off->waker_pid || off->waker_context != LAT_OFFCPU_CTX_TASK) {
		n += lat_alert_field_set(&fields[n], "waker_context", true, "%s",
					 context_name(off->waker_context));
	}
	if (off->waker_context == LAT_OFFCPU_CTX_TIMER && off->waker_timer_fn) {
		char name[96];

		timer_name(off->waker_timer_fn, name, sizeof(name));
		n += lat_alert_field_set(&fields[n], "waker_timer", true, "%s", name);
	}
	return n;
}

static int offcpu_extra_stacks(const struct lat_alert *a, struct lat_alert_stack_ref *ref)
{
	const struct lat_offcpu_payload *off = &a->payload.offcpu;

	if (a->payload_len < sizeof(*off) ||
	    (!off->waker_pid && off->waker_context == LAT_OFFCPU_CTX_TASK)) {
		return 0;
	}
	ref->name = "waker";
	ref->pid = off->waker_pid;
	ref->kstack_off = off->waker_kstack_off;
	ref->kstack_n = off->waker_kstack_n;
	ref->ustack_off = off->waker_ustack_off;
	ref->flags = off->waker_flags;
	return 1;
}

const struct lat_ktracker lat_ktracker_offcpu = {
    .name = "offcpu",
    .summary = "off-CPU time: sched_switch out -> in, where it slept and who woke it",
    .id = LAT_TRACKER_OFFCPU,
    .skel = &lat_ebpf_skel_offcpu,
    .tracepoints = tracepoints,
    .user_stacks = true,
    .default_threshold_ns = 100000000, /* tasks sleep for ms all the time: 100 ms is news */
    .fields = offcpu_fields,
    .extra_stacks = offcpu_extra_stacks,
};
