// SPDX-License-Identifier: GPL-2.0
/* wakeup.bpf.c: the wakeup tracker: sched_waking -> sched_switch in, by thread: how long a woken
 * task waits for a CPU. */
#define LAT_TRACKER_ID LAT_TRACKER_WAKEUP
#define LAT_WANT_TASK_SLOTS
#include "lat_tracker.bpf.h"

/*
 * in:  sched_waking (p, key p's tid, aux = the waker's tid) as the original tracker did, and
 *      sched_wakeup_new for new tasks (they are never "waking"). A wakeup of a task that is still
 *      running (on its CPU and on its run queue: it was woken before it could sleep) is skipped:
 *      no switch-in follows it (the original skipped tasks current on a CPU).
 * out: sched_switch with p as next: delay = now - in. The record names the task p replaced on
 *      that CPU (prev: what was running there until p got the CPU) and its state.
 * timeout: a record with LAT_REC_TIMEOUT while p still waits for a CPU.
 * Hot path: sched_switch runs on every context switch: one inlined array lookup by next's tid.
 */

static int lat_wk_timeout(void *map, __u32 *key, struct lat_task_timer *t);

/*
 * lat_filter_task() with direct loads: a tp_btf argument is a trusted BTF pointer, and a
 * BPF_CORE_READ() (a bpf_probe_read_kernel() call) costs ~40-80 ns per event here, as much as
 * the rest of the program. Unused filters are pruned at load (lat_filter is .rodata).
 */
static __always_inline bool lat_wk_filter_task(struct task_struct *task)
{
	__u32 tgid = task->tgid;

	if (tgid == lat_filter.self_tgid) {
		return false;
	}
	if (lat_filter.tgid && tgid != lat_filter.tgid) {
		return false;
	}
	if (lat_filter.tid && (__u32)task->pid != lat_filter.tid) {
		return false;
	}
	if (lat_filter.cgroup_id && task->cgroups->dfl_cgrp->kn->id != lat_filter.cgroup_id) {
		return false;
	}
	if (lat_filter.comm[0]) {
		for (int i = 0; i < LAT_COMM_LEN; i++) {
			char c = task->comm[i];

			if (c != lat_filter.comm[i]) {
				return false;
			}
			if (!c) {
				break;
			}
		}
	}
	return true;
}

static __always_inline int lat_wk_in(struct task_struct *p)
{
	__u32 tid = p->pid;
	__u64 now;
	int idx;

	if (!tid || !lat_wk_filter_task(p)) {
		return 0;
	}
	now = bpf_ktime_get_ns();
	idx = lat_task_in(p, tid, now, (__u32)bpf_get_current_pid_tgid());
	if (lat_ctl.timeout_ns) {
		if (idx >= 0) {
			__u32 key = idx;
			struct lat_task_timer *t;

			LAT_TASK_ARM_TIMEOUT(idx, tid, p->tgid, now, 0, lat_wk_timeout);
			/* The macro names current (the waker): the report is about p. */
			t = bpf_map_lookup_elem(&lat_task_timers, &key);
			if (t) {
				BPF_CORE_READ_STR_INTO(&t->comm, p, comm);
			}
		} else if (idx == -1) {
			lat_drop(LAT_DROP_TIMER); /* no timer for the fallback state */
		}
	}
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(lat_wk_waking, struct task_struct *p)
{
	if (!lat_ctl.enabled) {
		return 0;
	}
	if (p->on_cpu && p->on_rq) {
		return 0; /* still running: it never left the CPU */
	}
	return lat_wk_in(p);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(lat_wk_wakeup_new, struct task_struct *p)
{
	if (!lat_ctl.enabled) {
		return 0;
	}
	return lat_wk_in(p);
}

/* The timeout: the task is still waiting for a CPU. */
static int lat_wk_timeout(void *map, __u32 *key, struct lat_task_timer *t)
{
	struct lat_wakeup_record *rec;
	__u64 now = bpf_ktime_get_ns();

	if (!lat_task_timer_live(*key, t)) {
		return 0;
	}
	rec = bpf_ringbuf_reserve(&lat_events, sizeof(*rec), 0);
	if (!rec) {
		lat_drop(LAT_DROP_RINGBUF_FULL);
		return 0;
	}
	lat_hdr_init(&rec->hdr, sizeof(*rec), LAT_REC_TIMEOUT, t->pid, t->tid, t->start,
		     now - t->start);
	__builtin_memcpy(rec->hdr.comm, t->comm, sizeof(rec->hdr.comm));
	rec->hdr.payload_off = __builtin_offsetof(struct lat_wakeup_record, wk);
	rec->hdr.payload_len = sizeof(rec->wk);
	__builtin_memset(&rec->wk, 0, sizeof(rec->wk));
	lat_count_reported(0);
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(lat_wk_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct lat_wakeup_record *rec;
	struct lat_task_out out;
	__u32 tid;
	__u64 delay;

	if (!lat_ctl.enabled) {
		return 0;
	}
	tid = next->pid;
	if (!tid || !lat_task_out(next, tid, &out)) {
		return 0;
	}
	delay = bpf_ktime_get_ns() - out.start;
	if (lat_ctl.timeout_ns && out.idx >= 0) {
		lat_task_cancel_timeout(out.idx);
	}
	if (!lat_account(0, delay)) {
		return 0;
	}
	rec = bpf_ringbuf_reserve(&lat_events, sizeof(*rec), 0);
	if (!rec) {
		lat_drop(LAT_DROP_RINGBUF_FULL);
		return 0;
	}
	lat_hdr_init(&rec->hdr, sizeof(*rec), next->mm ? 0 : LAT_REC_KERNEL_TASK, next->tgid, tid,
		     out.start, delay);
	BPF_CORE_READ_STR_INTO(&rec->hdr.comm, next, comm);
	rec->hdr.payload_off = __builtin_offsetof(struct lat_wakeup_record, wk);
	rec->hdr.payload_len = sizeof(rec->wk);
	BPF_CORE_READ_STR_INTO(&rec->wk.prev_comm, prev, comm);
	rec->wk.prev_pid = prev->tgid;
	rec->wk.prev_tid = prev->pid;
	rec->wk.prev_state = prev_state;
	rec->wk.waker_tid = out.aux;
	lat_count_reported(0);
	bpf_ringbuf_submit(rec, 0);
	return 0;
}
