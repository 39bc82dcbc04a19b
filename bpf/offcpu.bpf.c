// SPDX-License-Identifier: GPL-2.0
/* offcpu.bpf.c: the offcpu tracker: sched_switch out -> sched_switch in, by thread: how long a
 * task stayed off the CPU, where it slept, and who woke it. */
#define LAT_TRACKER_ID LAT_TRACKER_OFFCPU
#define LAT_WANT_TASK_SLOTS
#include "lat_tracker.bpf.h"

/*
 * in:  sched_switch, prev (key prev's tid; aux: LAT_OFFCPU_RUNNABLE when it was preempted).
 * out: sched_switch, next: delay = now - in. Over the threshold: a record with
 *      - next's kernel stack, taken now with bpf_get_task_stack(): next has not run since it was
 *        switched out, so its saved stack is exactly the one it left the CPU with. Taking it here
 *        costs nothing on the other switches, where a bpf_get_stack() at every switch-out would
 *        walk a stack per context switch (and a stack map would add collisions) only to throw
 *        almost all of them away;
 *      - the waker (below).
 * sched_waking (p): current is the waker. Its tid always goes into p's slot (one store). When p
 *      has already been off-CPU longer than the threshold (so it will surely be reported), the
 *      waker's pid, comm, kernel stack and, for a user task, a copy of its user registers and
 *      stack (for the DWARF unwinder, as the syscall tracker does) go into a waker slot
 *      (LAT_OFFCPU_WAKERS preallocated, indexed by p's tid; a busy slot is a counted drop)
 *      until p is switched in.
 * timeout: a record with LAT_REC_TIMEOUT while the task is still off-CPU.
 * Hot path (every context switch): one clock read, two inlined array lookups; the filters that
 * are not used are pruned at load.
 */

#define LAT_TASK_DEAD     0x80
#define LAT_OFFCPU_WAKERS 64

/* The waker of a task that has been off-CPU past the threshold. */
struct lat_offcpu_waker {
	__u64 owner; /* the wakee's tid; 0: free (64 bits for cmpxchg on BPF ISA v1) */
	__u32 pid;   /* the waker */
	__u32 tid;
	__u16 flags; /* LAT_REC_* of the stacks */
	__u16 has_ustack;
	__u32 context; /* enum lat_offcpu_context */
	__u64 start;   /* the wakee's in-flight entry it belongs to */
	char comm[LAT_COMM_LEN];
	__u32 kn;
	__u32 pad;
	__u64 kstack[LAT_KSTACK_MAX];
	struct lat_ustack ustack;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LAT_OFFCPU_WAKERS);
	__type(key, __u32);
	__type(value, struct lat_offcpu_waker);
} lat_offcpu_wakers SEC(".maps");

static int lat_off_timeout(void *map, __u32 *key, struct lat_task_timer *t);

/*
 * lat_filter_task() with direct loads: a tp_btf argument is a trusted BTF pointer, and a
 * BPF_CORE_READ() (a bpf_probe_read_kernel() call) costs ~40-80 ns per event here, as much as
 * the rest of the program. Unused filters are pruned at load (lat_filter is .rodata).
 */
static __always_inline bool lat_off_filter_task(struct task_struct *task)
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

#define LAT_THREAD_SIZE 16384 /* x86_64 without KASAN */

/*
 * Where this program runs: on current's own kernel stack (task context, or softirqs run by
 * ksoftirqd), or on the CPU's IRQ stack (x86_64 runs hard and soft interrupts there): then the
 * "waker" is only the task that was interrupted. The address of a local is on the stack we run on
 * (root may turn pointers into numbers); per-CPU symbols such as __preempt_count are not in this
 * kernel's kallsyms.
 */
static __always_inline __u32 lat_off_context(struct task_struct *cur)
{
	volatile __u64 probe = 0;
	__u64 sp = (__u64)(void *)&probe;
	__u64 stack = (__u64)cur->stack;

	return sp - stack < LAT_THREAD_SIZE ? LAT_OFFCPU_CTX_TASK : LAT_OFFCPU_CTX_IRQ;
}

/* A waker slot is stale when the entry it was taken for is gone (its task switched in, exited). */
static __always_inline bool lat_off_waker_stale(struct lat_offcpu_waker *w)
{
	__u32 idx = (__u32)w->owner & lat_task_mask;
	struct lat_task_slot *slot = bpf_map_lookup_elem(&lat_task_slots, &idx);

	return !slot || slot->tid != w->owner || slot->start != w->start;
}

static __always_inline void lat_off_capture_waker(void *ctx, __u32 wakee, __u64 start)
{
	__u32 key = wakee & (LAT_OFFCPU_WAKERS - 1);
	struct lat_offcpu_waker *w = bpf_map_lookup_elem(&lat_offcpu_wakers, &key);
	struct task_struct *cur;
	__u64 owner;
	__u64 pid_tgid;
	long n;

	if (!w) {
		return;
	}
	owner = w->owner;
	if (owner && owner != wakee && !lat_off_waker_stale(w)) {
		lat_drop(LAT_DROP_STACK); /* another wakee holds the slot */
		return;
	}
	if (__sync_val_compare_and_swap(&w->owner, owner, wakee) != owner) {
		lat_drop(LAT_DROP_STACK); /* raced with another CPU */
		return;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	w->pid = pid_tgid >> 32;
	w->tid = (__u32)pid_tgid;
	w->start = start;
	w->flags = 0;
	w->has_ustack = 0;
	cur = bpf_get_current_task_btf();
	w->context = lat_off_context(cur);
	bpf_get_current_comm(w->comm, sizeof(w->comm));
	w->kn = 0;
	if (lat_filter.kstack) {
		/* Skip this program, bpf_trace_run1 and __traceiter_sched_waking. */
		n = bpf_get_stack(ctx, w->kstack, sizeof(w->kstack), 3 & BPF_F_SKIP_FIELD_MASK);
		if (n < 0) {
			lat_drop(LAT_DROP_STACK);
			w->flags |= LAT_REC_KSTACK_FAIL;
		} else {
			w->kn = n / sizeof(__u64);
			if (w->kn >= LAT_KSTACK_MAX) {
				w->flags |= LAT_REC_KSTACK_CUT;
			}
		}
	}
	if (!cur->mm) {
		w->flags |= LAT_REC_KERNEL_TASK;
	} else if (lat_filter.ustack_size && w->context == LAT_OFFCPU_CTX_TASK) {
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(cur);
		__u16 flags = 0;

		if (regs) {
			lat_ustack_copy(&w->ustack, regs, &flags);
			w->flags |= flags;
			w->has_ustack = 1;
		}
	}
}

SEC("tp_btf/sched_waking")
int BPF_PROG(lat_off_waking, struct task_struct *p)
{
	struct lat_task_slot *slot;
	__u32 tid;

	if (!lat_ctl.enabled) {
		return 0;
	}
	tid = p->pid;
	slot = lat_task_peek(p, tid);
	if (!slot) {
		return 0;
	}
	slot->aux = (slot->aux & LAT_OFFCPU_RUNNABLE) |
		    ((__u32)bpf_get_current_pid_tgid() & LAT_OFFCPU_TID_MASK);
	if (bpf_ktime_get_ns() - slot->start > lat_ctl.threshold_ns) {
		lat_off_capture_waker(ctx, tid, slot->start);
	}
	return 0;
}

/* The timeout: the task is still off-CPU. */
static int lat_off_timeout(void *map, __u32 *key, struct lat_task_timer *t)
{
	struct lat_offcpu_record *rec;
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
	rec->hdr.payload_off = __builtin_offsetof(struct lat_offcpu_record, off);
	rec->hdr.payload_len = sizeof(rec->off);
	__builtin_memset(&rec->off, 0, sizeof(rec->off));
	rec->off.runnable = (t->aux & LAT_OFFCPU_RUNNABLE) ? 1 : 0;
	lat_count_reported(0);
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

/* Fills the header, payload and kernel stacks common to both record forms. */
static __always_inline void lat_off_fill(struct lat_record_hdr *hdr, struct lat_offcpu_payload *off,
					 __u64 *kstack, __u64 *waker_kstack,
					 struct lat_offcpu_waker *w, struct task_struct *next,
					 __u32 tid, struct lat_task_out *out, __u64 delay)
{
	__u16 flags = next->mm ? 0 : LAT_REC_KERNEL_TASK;
	long n;

	hdr->kstack_n = 0;
	if (lat_filter.kstack) {
		n = bpf_get_task_stack(next, kstack, LAT_KSTACK_MAX * sizeof(__u64), 0);
		if (n < 0) {
			lat_drop(LAT_DROP_STACK);
			flags |= LAT_REC_KSTACK_FAIL;
			n = 0;
		}
		n /= sizeof(__u64);
		if (n >= LAT_KSTACK_MAX) {
			flags |= LAT_REC_KSTACK_CUT;
		}
		hdr->kstack_n = n;
	}
	hdr->flags |= flags;
	BPF_CORE_READ_STR_INTO(&hdr->comm, next, comm);
	off->runnable = (out->aux & LAT_OFFCPU_RUNNABLE) ? 1 : 0;
	off->waker_tid = out->aux & LAT_OFFCPU_TID_MASK;
	off->waker_context = 0;
	off->waker_kstack_n = 0;
	off->waker_ustack_off = 0;
	off->waker_flags = 0;
	if (w) {
		__builtin_memcpy(off->waker_comm, w->comm, sizeof(off->waker_comm));
		off->waker_pid = w->pid;
		off->waker_tid = w->tid;
		off->waker_flags = w->flags;
		off->waker_context = w->context;
		off->waker_kstack_n = w->kn > LAT_KSTACK_MAX ? LAT_KSTACK_MAX : w->kn;
		__builtin_memcpy(waker_kstack, w->kstack, sizeof(w->kstack));
	} else {
		off->waker_comm[0] = 0;
		off->waker_pid = 0;
	}
}

SEC("tp_btf/sched_switch")
int BPF_PROG(lat_off_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct lat_task_out out;
	__u32 tid;
	__u64 now;

	if (!lat_ctl.enabled) {
		return 0;
	}
	now = bpf_ktime_get_ns();

	/* out: next comes back. */
	tid = next->pid;
	if (tid && lat_task_out(next, tid, &out)) {
		__u64 delay = now - out.start;

		if (lat_ctl.timeout_ns && out.idx >= 0) {
			lat_task_cancel_timeout(out.idx);
		}
		if (lat_account(0, delay)) {
			__u32 key = tid & (LAT_OFFCPU_WAKERS - 1);
			struct lat_offcpu_waker *w = bpf_map_lookup_elem(&lat_offcpu_wakers, &key);

			if (w && (w->owner != tid || w->start != out.start)) {
				w = NULL;
			}
			if (w && w->has_ustack) {
				struct lat_offcpu_record_full *rec;

				rec = bpf_ringbuf_reserve(&lat_events, sizeof(*rec), 0);
				if (!rec) {
					lat_drop(LAT_DROP_RINGBUF_FULL);
				} else {
					bpf_probe_read_kernel(&rec->waker_ustack,
							      sizeof(rec->waker_ustack),
							      &w->ustack);
					lat_hdr_init(
					    &rec->hdr,
					    sizeof(*rec) - LAT_USTACK_MAX +
						(rec->waker_ustack.len & (LAT_USTACK_MAX * 2 - 1)),
					    0, next->tgid, tid, out.start, delay);
					lat_off_fill(&rec->hdr, &rec->off, rec->kstack,
						     rec->waker_kstack, w, next, tid, &out, delay);
					rec->hdr.payload_off =
					    __builtin_offsetof(struct lat_offcpu_record_full, off);
					rec->hdr.payload_len = sizeof(rec->off);
					rec->hdr.kstack_off = __builtin_offsetof(
					    struct lat_offcpu_record_full, kstack);
					rec->off.waker_kstack_off = __builtin_offsetof(
					    struct lat_offcpu_record_full, waker_kstack);
					rec->off.waker_ustack_off = __builtin_offsetof(
					    struct lat_offcpu_record_full, waker_ustack);
					lat_count_reported(0);
					bpf_ringbuf_submit(rec, 0);
				}
			} else {
				struct lat_offcpu_record *rec;

				rec = bpf_ringbuf_reserve(&lat_events, sizeof(*rec), 0);
				if (!rec) {
					lat_drop(LAT_DROP_RINGBUF_FULL);
				} else {
					lat_hdr_init(&rec->hdr, sizeof(*rec), 0, next->tgid, tid,
						     out.start, delay);
					lat_off_fill(&rec->hdr, &rec->off, rec->kstack,
						     rec->waker_kstack, w, next, tid, &out, delay);
					rec->hdr.payload_off =
					    __builtin_offsetof(struct lat_offcpu_record, off);
					rec->hdr.payload_len = sizeof(rec->off);
					rec->hdr.kstack_off =
					    __builtin_offsetof(struct lat_offcpu_record, kstack);
					rec->off.waker_kstack_off = __builtin_offsetof(
					    struct lat_offcpu_record, waker_kstack);
					lat_count_reported(0);
					bpf_ringbuf_submit(rec, 0);
				}
			}
			if (w) {
				w->owner = 0;
			}
		}
	}

	/* in: prev leaves the CPU (not for good). */
	tid = prev->pid;
	if (!tid || (prev_state & LAT_TASK_DEAD) || !lat_off_filter_task(prev)) {
		return 0;
	}
	{
		__u32 aux = (preempt || prev_state == 0) ? LAT_OFFCPU_RUNNABLE : 0;
		int idx = lat_task_in(prev, tid, now, aux);

		if (lat_ctl.timeout_ns) {
			if (idx >= 0) {
				LAT_TASK_ARM_TIMEOUT(idx, tid, prev->tgid, now, aux,
						     lat_off_timeout);
			} else if (idx == -1) {
				lat_drop(LAT_DROP_TIMER);
			}
		}
	}
	return 0;
}
