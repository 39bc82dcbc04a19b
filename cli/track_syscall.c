/* track_syscall.c: the syscall tracker's entry in `latscope track`: probe, tracepoints, fields. */
#include "track.h"

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

static int syscall_fields(const struct lat_record_hdr *hdr, const void *payload,
			  struct track_field *fields, int max)
{
	const struct lat_syscall_payload *sys = payload;
	const char *name;
	int n = 0;

	if (!payload || hdr->payload_len < sizeof(*sys) || max < 3) {
		return 0;
	}
	name = lat_syscall_name(sys->nr);
	if (name) {
		n += track_field_set(&fields[n], "syscall", true, "%s", name);
	} else {
		n += track_field_set(&fields[n], "syscall", true, "syscall_%u", sys->nr);
	}
	n += track_field_set(&fields[n], "nr", false, "%u", sys->nr);
	if (!(hdr->flags & LAT_REC_TIMEOUT)) {
		n += track_field_set(&fields[n], "ret", false, "%lld", (long long)sys->ret);
	}
	return n;
}

const struct track_tracker track_syscall = {
    .name = "syscall",
    .summary = "system calls: sys_enter -> sys_exit by thread, with where they waited",
    .id = LAT_TRACKER_SYSCALL,
    .skel = &lat_ebpf_skel_syscall,
    .tracepoints = tracepoints,
    .stack_programs = stack_programs,
    .user_stacks = true,
    .default_threshold_ns = 1000000,
    .fields = syscall_fields,
};
