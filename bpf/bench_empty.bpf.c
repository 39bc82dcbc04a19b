// SPDX-License-Identifier: GPL-2.0
/* bench_empty.bpf.c: reference probes for bench/track.sh: empty sys_enter/sys_exit, and naive
 * trackers. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/*
 * Pairs of programs, one pair loaded at a time by build/bench/track_empty:
 *   empty_*: nothing, the floor of any tracepoint-based tracker;
 *   ts_*:    start time in task storage, the textbook way to key by task;
 *   hash_*:  start time in a preallocated hash keyed by tid, as most tools do;
 *   clock_*: one clock read per event, the price of bpf_ktime_get_ns().
 */

char LICENSE[] SEC("license") = "GPL";

__u64 bench_sum = 0;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} bench_ts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} bench_hash SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(empty_enter, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(empty_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(ts_enter, struct pt_regs *regs, long id)
{
	__u64 *start = bpf_task_storage_get(&bench_ts, bpf_get_current_task_btf(), 0,
					    BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (start) {
		*start = bpf_ktime_get_ns();
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ts_exit, struct pt_regs *regs, long ret)
{
	__u64 *start = bpf_task_storage_get(&bench_ts, bpf_get_current_task_btf(), 0, 0);

	if (start && *start) {
		bench_sum += bpf_ktime_get_ns() - *start;
		*start = 0;
	}
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(hash_enter, struct pt_regs *regs, long id)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&bench_hash, &tid, &now, BPF_ANY);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(hash_exit, struct pt_regs *regs, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *start = bpf_map_lookup_elem(&bench_hash, &tid);

	if (start) {
		bench_sum += bpf_ktime_get_ns() - *start;
		bpf_map_delete_elem(&bench_hash, &tid);
	}
	return 0;
}

/* clock_*: one bpf_ktime_get_ns() per event and nothing else: the price of the clock. */
SEC("tp_btf/sys_enter")
int BPF_PROG(clock_enter, struct pt_regs *regs, long id)
{
	bench_sum += bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(clock_exit, struct pt_regs *regs, long ret)
{
	bench_sum += bpf_ktime_get_ns();
	return 0;
}
