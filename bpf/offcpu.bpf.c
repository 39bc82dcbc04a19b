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
	__u32 context;  /* enum lat_offcpu_context */
	__u64 start;    /* the wakee's in-flight entry it belongs to */
	__u64 timer_fn; /* LAT_OFFCPU_CTX_TIMER: the hrtimer's callback */
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

#define LAT_THREAD_SIZE    16384       /* x86_64 without KASAN */
#define LAT_SOFTIRQ_OFFSET 0x00000100u /* include/linux/preempt.h */
#define LAT_HARDIRQ_MASK   0x000f0000u
#define LAT_NMI_MASK       0x00f00000u

/*
 * This CPU's __preempt_count, as an offset from this CPU's runqueues (both per-CPU variables;
 * user space takes their offsets in .data..percpu from the kernel BTF; 0: unknown). Neither
 * symbol is in this kernel's kallsyms (no CONFIG_KALLSYMS_ALL), so a typed __ksym cannot be
 * resolved; the address of this CPU's runqueues is reached through current's CFS runqueue.
 */
const volatile __s64 lat_pcpu_preempt_delta = 0;

/*
 * The hrtimer callback running on each CPU (hrtimer_expire_entry -> _exit; 0: none): a wake-up
 * in a hard interrupt while it runs was done by that timer (hrtimer_wakeup: the sleeper's own
 * timeout), not by the task the interrupt happened to land on.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lat_offcpu_hrtimer SEC(".maps");

SEC("tp_btf/hrtimer_expire_entry")
int BPF_PROG(lat_off_hrtimer_entry, struct hrtimer *timer)
{
	__u32 zero = 0;
	__u64 *fn = bpf_map_lookup_elem(&lat_offcpu_hrtimer, &zero);

	if (fn && lat_ctl.enabled) {
		*fn = (__u64)timer->function;
	}
	return 0;
}

SEC("tp_btf/hrtimer_expire_exit")
int BPF_PROG(lat_off_hrtimer_exit, struct hrtimer *timer)
{
	__u32 zero = 0;
	__u64 *fn = bpf_map_lookup_elem(&lat_offcpu_hrtimer, &zero);

	if (fn) {
		*fn = 0;
	}
	return 0;
}

/*
 * Where this program runs, from this CPU's preempt count: in a hard interrupt (or an NMI), in a
 * softirq being served (also by ksoftirqd), or in the task. x86_64 runs an interrupt that arrived
 * in user mode on the task's own stack, so the stack in use does not tell; the stack is only the
 * fallback when the preempt count cannot be found.
 */
static __always_inline __u32 lat_off_context(struct task_struct *cur)
{
	if (lat_pcpu_preempt_delta && bpf_core_field_exists(cur->se.cfs_rq)) {
		struct cfs_rq *cfs = cur->se.cfs_rq;
		__u32 pc = 0;

		if (cfs && bpf_core_field_exists(cfs->rq)) {
			__u64 rq = (__u64)cfs->rq;

			if (rq && !bpf_probe_read_kernel(&pc, sizeof(pc),
							 (void *)(rq + lat_pcpu_preempt_delta))) {
				if (pc & (LAT_HARDIRQ_MASK | LAT_NMI_MASK)) {
					return LAT_OFFCPU_CTX_IRQ;
				}
				return (pc & LAT_SOFTIRQ_OFFSET) ? LAT_OFFCPU_CTX_SOFTIRQ
								 : LAT_OFFCPU_CTX_TASK;
			}
		}
	}
	{
		volatile __u64 probe = 0;
		__u64 sp = (__u64)(void *)&probe;
		__u64 stack = (__u64)cur->stack;

		return sp - stack < LAT_THREAD_SIZE ? LAT_OFFCPU_CTX_TASK : LAT_OFFCPU_CTX_IRQ;
	}
}

/* A waker slot is stale when the entry it was taken for is gone (its task switched in, exited). */
static __always_inline bool lat_off_waker_stale(struct lat_offcpu_waker *w)
{
	__u32 idx = (__u32)w->owner & lat_task_mask;
	struct lat_task_slot *slot = bpf_map_lookup_elem(&lat_task_slots, &idx);

	return !slot || slot->tid != w->owner || slot->start != w->start;
}

static __always_inline void lat_off_capture_waker(void *ctx, __u32 wakee, __u64 start,
						  struct task_struct *cur, __u32 context,
						  __u64 timer_fn)
{
	__u32 key = wakee & (LAT_OFFCPU_WAKERS - 1);
	struct lat_offcpu_waker *w = bpf_map_lookup_elem(&lat_offcpu_wakers, &key);
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
	w->start = start;
	w->flags = 0;
	w->has_ustack = 0;
	w->context = context;
	w->timer_fn = timer_fn;
	if (context == LAT_OFFCPU_CTX_TASK) {
		pid_tgid = bpf_get_current_pid_tgid();
		w->pid = pid_tgid >> 32;
		w->tid = (__u32)pid_tgid;
		bpf_get_current_comm(w->comm, sizeof(w->comm));
	} else {
		/* Not the interrupted task: the interrupt (or its timer) woke the task. */
		w->pid = 0;
		w->tid = 0;
		w->comm[0] = 0;
	}
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
	if (context != LAT_OFFCPU_CTX_TASK) {
		w->flags |= LAT_REC_KERNEL_TASK; /* no user stack of its own */
	} else if (!cur->mm) {
		w->flags |= LAT_REC_KERNEL_TASK;
	} else if (lat_filter.ustack_size) {
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
	struct task_struct *cur;
	__u32 tid, context, waker;
	__u64 timer_fn = 0;

	if (!lat_ctl.enabled) {
		return 0;
	}
	tid = p->pid;
	slot = lat_task_peek(p, tid);
	if (!slot) {
		return 0;
	}
	cur = bpf_get_current_task_btf();
	context = lat_off_context(cur);
	if (context == LAT_OFFCPU_CTX_IRQ) {
		__u32 zero = 0;
		__u64 *fn = bpf_map_lookup_elem(&lat_offcpu_hrtimer, &zero);

		if (fn && *fn) {
			timer_fn = *fn; /* an hrtimer callback woke it */
			context = LAT_OFFCPU_CTX_TIMER;
		}
	}
	/* In an interrupt, current is only the task it landed on: no waker tid. */
	waker = context == LAT_OFFCPU_CTX_TASK ? (__u32)cur->pid & LAT_OFFCPU_TID_MASK
					       : context << LAT_OFFCPU_CTX_SHIFT;
	slot->aux = (slot->aux & LAT_OFFCPU_RUNNABLE) | waker;
	if (bpf_ktime_get_ns() - slot->start > lat_ctl.threshold_ns) {
		lat_off_capture_waker(ctx, tid, slot->start, cur, context, timer_fn);
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
	off->waker_context = (out->aux >> LAT_OFFCPU_CTX_SHIFT) & 3;
	off->waker_kstack_n = 0;
	off->waker_ustack_off = 0;
	off->waker_flags = 0;
	off->pad = 0;
	off->waker_timer_fn = 0;
	if (w) {
		__builtin_memcpy(off->waker_comm, w->comm, sizeof(off->waker_comm));
		off->waker_pid = w->pid;
		off->waker_tid = w->tid;
		off->waker_flags = w->flags;
		off->waker_context = w->context;
		off->waker_timer_fn = w->timer_fn;
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
