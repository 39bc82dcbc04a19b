// SPDX-License-Identifier: GPL-2.0
/* bench_sched_empty.bpf.c: reference probes for bench/track_sched.sh on sched_switch and
 * sched_waking: empty (the floor of any tracker of these events), and the floor plus one clock
 * read (what any latency tracker must pay at least). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 bench_sink = 0;

SEC("tp_btf/sched_switch")
int BPF_PROG(empty_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(empty_waking, struct task_struct *p)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(clock_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	bench_sink += bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(clock_waking, struct task_struct *p)
{
	bench_sink += bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(core_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	bench_sink += BPF_CORE_READ(next, tgid);
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(core_waking, struct task_struct *p)
{
	bench_sink += BPF_CORE_READ(p, tgid);
	return 0;
}
