/* track_syscall.c: the syscall tracker's user side: probe, tracepoints, fields. */
#include "trackers/alert.h"

#include "sources/syscall_names.h"
#include "syscall.skel.h"

LAT_EBPF_SKEL_DEFINE(syscall);

static const char *const tracepoints[] = {
    "raw_syscalls/sys_enter",
    "raw_syscalls/sys_exit",
    "sched/sched_switch",
    "sched/sched_process_exit",
    NULL,
};

static const char *const stack_programs[] = {"lat_sys_switch", NULL};

/* The call's name ("syscall_NR" for a number without one): its slow events' label. */
static bool syscall_label(const struct lat_alert *a, char *buf, size_t len)
{
	const char *name;

	if (a->payload_len < sizeof(a->payload.syscall)) {
		return false;
	}
	name = lat_syscall_name(a->payload.syscall.nr);
	if (name) {
		snprintf(buf, len, "%s", name);
	} else {
		snprintf(buf, len, "syscall_%u", a->payload.syscall.nr);
	}
	return true;
}

static int syscall_fields(const struct lat_alert *a, struct lat_alert_field *fields, int max)
{
	const struct lat_syscall_payload *sys = &a->payload.syscall;
	int n = 0;

	if (a->payload_len < sizeof(*sys) || max < 3) {
		return 0;
	}
	n += lat_alert_field_set(&fields[n], "syscall", true, "%s", "");
	syscall_label(a, fields[0].value, sizeof(fields[0].value));
	n += lat_alert_field_set(&fields[n], "nr", false, "%u", sys->nr);
	if (!a->timeout) {
		n += lat_alert_field_set(&fields[n], "ret", false, "%lld", (long long)sys->ret);
	}
	return n;
}

const struct lat_ktracker lat_ktracker_syscall = {
    .name = "syscall",
    .summary = "system calls: sys_enter -> sys_exit by thread, with where they waited",
    .id = LAT_TRACKER_SYSCALL,
    .skel = &lat_ebpf_skel_syscall,
    .tracepoints = tracepoints,
    .stack_programs = stack_programs,
    .user_stacks = true,
    .default_threshold_ns = 1000000,
    .fields = syscall_fields,
    .label = syscall_label,
};
