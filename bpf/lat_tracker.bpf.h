/* lat_tracker.bpf.h: the in-kernel latency tracker every probe shares: in, out, threshold, timeout,
 * drops. */
#ifndef LATSCOPE_LAT_TRACKER_BPF_H
#define LATSCOPE_LAT_TRACKER_BPF_H

/*
 * A probe (bpf/NAME.bpf.c) includes this header once, then says which events are "in" and "out"
 * and what the key is. The header gives it:
 *
 *   lat_ctl       .bss, read on every event, written by user space at run time (threshold,
 *                 timeout, worst, enabled): `latscope ctl set NAME.threshold=5ms`.
 *   lat_filter    .rodata, fixed before load: pid, tid, cgroup, comm, stacks. Unused filters cost
 *                 nothing: the verifier sees the constants and drops the dead branches.
 *   lat_events    the ring buffer records go through (only over-threshold events, and timeouts).
 *   lat_stats     per-CPU statistics of every completed event (count, sum, min, max, log-linear
 * histogram) and the drop counters, one entry per series.
 *
 * In-flight state, by kind of key (the hot path decides the overhead):
 *   - by task (syscall, wakeup, offcpu): LAT_TASK_SLOTS, a preallocated array indexed by
 *     tid & lat_task_mask (sized from pid_max, so tids do not collide unless pid_max is raised
 *     past it). An array lookup is inlined by the verifier: nothing is cheaper. A task whose slot
 *     is held by another live task falls back to BPF task storage (LAT_TASK_FALLBACK). Measured
 *     on this machine: task storage alone costs ~165 ns more per syscall than empty programs,
 *     the direct-mapped array a few ns.
 *   - by CPU (irq, softirq): a per-CPU array (define it in the probe).
 *   - by anything else (block requests, sockets, skbs): a preallocated hash map in the probe;
 *     count a full map with lat_drop(LAT_DROP_INFLIGHT_FULL).
 * Timeouts: a bpf_timer per task slot, armed only when lat_ctl.timeout_ns != 0 (arming one
 * costs more than the whole tracker otherwise), and only from tp_btf programs.
 *
 * Define LAT_WANT_TASK_SLOTS before including to get the task-keyed state.
 */

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "track.h"

#ifndef LAT_TRACKER_ID
#error "define LAT_TRACKER_ID (enum lat_tracker_id) before including lat_tracker.bpf.h"
#endif

#define LAT_CLOCK_MONOTONIC 1
#define LAT_EBUSY           16

char LICENSE[] SEC("license") = "GPL";

/* Run-time settings (see struct lat_tracker_ctl). */
struct lat_tracker_ctl lat_ctl = {};

/* Load-time filters and options. */
const volatile struct lat_tracker_filter lat_filter = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* user space may resize before load */
} lat_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LAT_STATS_SERIES_MAX);
	__type(key, __u32);
	__type(value, struct lat_stats);
} lat_stats SEC(".maps");

/* --- statistics and drops ------------------------------------------------------------------- */

static __always_inline struct lat_stats *lat_stats_get(__u32 series)
{
	return bpf_map_lookup_elem(&lat_stats, &series);
}

static __always_inline void lat_drop(enum lat_drop_reason reason)
{
	struct lat_stats *st = lat_stats_get(0);

	if (st && reason < LAT_DROP_MAX) {
		st->drops[reason]++;
	}
}

/* floor(log2(v)), 0 for v <= 1: the histogram bucket of a delay. */
static __always_inline __u32 lat_log2(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1) {
		r += 1;
	}
	return r;
}

/* The log-linear histogram bucket of a delay (bpf/track.h: LAT_HIST_K_*). */
static __always_inline __u32 lat_hist_bucket(__u64 v)
{
	__u32 e;

	if (v < (1u << LAT_HIST_K_SUB_BITS)) {
		return (__u32)v;
	}
	e = lat_log2(v);
	if (e >= LAT_HIST_K_MAX_EXP) {
		return LAT_HIST_BUCKETS - 1;
	}
	return ((e - LAT_HIST_K_SUB_BITS + 1) << LAT_HIST_K_SUB_BITS) +
	       (__u32)((v >> (e - LAT_HIST_K_SUB_BITS)) & ((1u << LAT_HIST_K_SUB_BITS) - 1));
}

/* Accounts one completed event; returns true when it is over the threshold (report it). */
static __always_inline bool lat_account(__u32 series, __u64 delay)
{
	struct lat_stats *st = lat_stats_get(series);

	if (st) {
		st->count++;
		st->total_ns += delay;
		if (delay > st->max_ns) {
			st->max_ns = delay;
		}
		if (!st->min_ns || delay < st->min_ns) {
			st->min_ns = delay ? delay : 1;
		}
		{
			__u32 b = lat_hist_bucket(delay);

			if (b < LAT_HIST_BUCKETS) {
				st->hist[b]++;
			}
		}
	}
	if (delay <= lat_ctl.threshold_ns) {
		return false;
	}
	if (lat_ctl.worst) {
		lat_ctl.threshold_ns = delay;
	}
	return true;
}

static __always_inline void lat_count_reported(__u32 series)
{
	struct lat_stats *st = lat_stats_get(series);

	if (st) {
		st->reported++;
	}
}

/* --- filters -------------------------------------------------------------------------------- */

static __always_inline bool lat_comm_match(const char *comm)
{
	for (int i = 0; i < LAT_COMM_LEN; i++) {
		if (comm[i] != lat_filter.comm[i]) {
			return false;
		}
		if (!comm[i]) {
			break;
		}
	}
	return true;
}

/* Filters on the current task (pid_tgid from bpf_get_current_pid_tgid()). */
static __always_inline bool lat_filter_current(__u64 pid_tgid)
{
	if ((__u32)(pid_tgid >> 32) == lat_filter.self_tgid) {
		return false;
	}
	if (lat_filter.tgid && (__u32)(pid_tgid >> 32) != lat_filter.tgid) {
		return false;
	}
	if (lat_filter.tid && (__u32)pid_tgid != lat_filter.tid) {
		return false;
	}
	if (lat_filter.cgroup_id && bpf_get_current_cgroup_id() != lat_filter.cgroup_id) {
		return false;
	}
	if (lat_filter.comm[0]) {
		char comm[LAT_COMM_LEN];

		bpf_get_current_comm(comm, sizeof(comm));
		if (!lat_comm_match(comm)) {
			return false;
		}
	}
	return true;
}

/* Filters on any task (a BTF pointer from a tp_btf argument). */
static __always_inline bool lat_filter_task(struct task_struct *task)
{
	if ((__u32)BPF_CORE_READ(task, tgid) == lat_filter.self_tgid) {
		return false;
	}
	if (lat_filter.tgid && (__u32)BPF_CORE_READ(task, tgid) != lat_filter.tgid) {
		return false;
	}
	if (lat_filter.tid && (__u32)BPF_CORE_READ(task, pid) != lat_filter.tid) {
		return false;
	}
	if (lat_filter.cgroup_id &&
	    BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id) != lat_filter.cgroup_id) {
		return false;
	}
	if (lat_filter.comm[0]) {
		char comm[LAT_COMM_LEN];

		BPF_CORE_READ_STR_INTO(&comm, task, comm);
		if (!lat_comm_match(comm)) {
			return false;
		}
	}
	return true;
}

/* --- records -------------------------------------------------------------------------------- */

/* Fills the common header; payload, stacks and size are set by the caller's layout. */
static __always_inline void lat_hdr_init(struct lat_record_hdr *h, __u32 size, __u16 flags,
					 __u32 pid, __u32 tid, __u64 start, __u64 delay)
{
	h->size = size;
	h->tracker = LAT_TRACKER_ID;
	h->flags = flags;
	h->pid = pid;
	h->tid = tid;
	h->start_ns = start;
	h->delay_ns = delay;
	h->payload_off = 0;
	h->payload_len = 0;
	h->kstack_off = 0;
	h->kstack_n = 0;
	h->ustack_off = 0;
	h->cpu = (__u16)bpf_get_smp_processor_id();
	h->series = 0;
}

/*
 * Copies the user registers and up to lat_filter.ustack_size bytes of the user stack from sp,
 * in the task's own context. The stack may end (top of a thread's mapping) before the size asked:
 * then the copy is retried up to the end of the page that holds sp plus fewer whole pages.
 */
static __always_inline void lat_ustack_copy(struct lat_ustack *u, struct pt_regs *regs,
					    __u16 *flags)
{
	__u64 sp = BPF_CORE_READ(regs, sp);
	__u32 asked = lat_filter.ustack_size;
	__u64 to_page_end = 4096 - (sp & 4095);

	u->ip = BPF_CORE_READ(regs, ip);
	u->sp = sp;
	u->bp = BPF_CORE_READ(regs, bp);
	u->bx = BPF_CORE_READ(regs, bx);
	u->r12 = BPF_CORE_READ(regs, r12);
	u->r13 = BPF_CORE_READ(regs, r13);
	u->r14 = BPF_CORE_READ(regs, r14);
	u->r15 = BPF_CORE_READ(regs, r15);
	u->asked = asked;
	u->len = 0;
	if (asked > LAT_USTACK_MAX) {
		asked = LAT_USTACK_MAX;
	}
	if (asked && bpf_probe_read_user(u->data, asked, (const void *)sp) == 0) {
		u->len = asked;
		return;
	}
	for (int pages = LAT_USTACK_MAX / 4096; pages >= 0; pages--) {
		__u64 len = to_page_end + (__u64)pages * 4096;

		if (len >= asked || len > LAT_USTACK_MAX) {
			continue;
		}
		if (bpf_probe_read_user(u->data, len, (const void *)sp) == 0) {
			u->len = len;
			*flags |= LAT_REC_USTACK_CUT;
			return;
		}
	}
	*flags |= LAT_REC_USTACK_FAIL;
}

/* --- task-keyed in-flight state ------------------------------------------------------------- */
#ifdef LAT_WANT_TASK_SLOTS

struct lat_task_slot {
	__u32 tid;   /* owner; a slot is free when start == 0 */
	__u32 aux;   /* the probe's own (syscall number...) */
	__u64 start; /* in timestamp, 0 when nothing is in flight */
};

/* A timeout per task slot (same index), armed only when a timeout is set. */
struct lat_task_timer {
	struct bpf_timer timer;
	__u32 tid;
	__u32 pid;
	__u64 start;
	__u32 aux;
	__u32 ready;
	char comm[LAT_COMM_LEN];
};

/* tid & lat_task_mask indexes the slot arrays; user space sizes them (power of two >= pid_max). */
const volatile __u32 lat_task_mask = 32767;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct lat_task_slot);
} lat_task_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct lat_task_timer);
} lat_task_timers SEC(".maps");

/* Tasks whose slot was taken by another task keep their state here. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lat_task_slot);
} lat_task_fallback SEC(".maps");

/* How many tasks are in the fallback now: when 0, nobody looks there. */
__s64 lat_fallback_active = 0;

/* The result of an "out": the in timestamp, the probe's aux, the slot index (-1: fallback). */
struct lat_task_out {
	__u64 start;
	__u32 aux;
	__s32 idx;
};

/*
 * "in" for task (tid): remembers now and aux. A pending entry of the same task is replaced
 * (an in without its out: exit, or a tracker started mid-syscall). Returns the slot index,
 * -1 when the state went to the fallback, -2 when it was dropped (counted).
 */
static __always_inline int lat_task_in(struct task_struct *task, __u32 tid, __u64 now, __u32 aux)
{
	__u32 idx = tid & lat_task_mask;
	struct lat_task_slot *slot = bpf_map_lookup_elem(&lat_task_slots, &idx);
	struct lat_task_slot *fb;

	if (!slot) {
		return -2;
	}
	if (slot->tid == tid || slot->start == 0) {
		slot->tid = tid;
		slot->aux = aux;
		slot->start = now;
		return (int)idx;
	}
	if (!task) {
		task = bpf_get_current_task_btf();
	}
	fb = bpf_task_storage_get(&lat_task_fallback, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!fb) {
		lat_drop(LAT_DROP_INFLIGHT_FULL);
		return -2;
	}
	if (!fb->start) {
		__sync_fetch_and_add(&lat_fallback_active, 1);
	}
	fb->tid = tid;
	fb->aux = aux;
	fb->start = now;
	return -1;
}

/* Looks at task's in-flight entry without taking it (NULL: none). */
static __always_inline struct lat_task_slot *lat_task_peek(struct task_struct *task, __u32 tid)
{
	__u32 idx = tid & lat_task_mask;
	struct lat_task_slot *slot = bpf_map_lookup_elem(&lat_task_slots, &idx);
	struct lat_task_slot *fb;

	if (slot && slot->tid == tid && slot->start) {
		return slot;
	}
	if (!lat_fallback_active) {
		return NULL;
	}
	if (!task) {
		task = bpf_get_current_task_btf();
	}
	fb = bpf_task_storage_get(&lat_task_fallback, task, 0, 0);
	if (fb && fb->start) {
		return fb;
	}
	return NULL;
}

/* "out" for task (tid): takes its in-flight entry; false when it has none. */
static __always_inline bool lat_task_out(struct task_struct *task, __u32 tid,
					 struct lat_task_out *out)
{
	__u32 idx = tid & lat_task_mask;
	struct lat_task_slot *slot = bpf_map_lookup_elem(&lat_task_slots, &idx);
	struct lat_task_slot *fb;

	if (slot && slot->tid == tid && slot->start) {
		out->start = slot->start;
		out->aux = slot->aux;
		out->idx = (__s32)idx;
		slot->start = 0;
		return true;
	}
	if (!lat_fallback_active) {
		return false;
	}
	if (!task) {
		task = bpf_get_current_task_btf();
	}
	fb = bpf_task_storage_get(&lat_task_fallback, task, 0, 0);
	if (!fb || !fb->start) {
		return false;
	}
	out->start = fb->start;
	out->aux = fb->aux;
	out->idx = -1;
	fb->start = 0;
	__sync_fetch_and_add(&lat_fallback_active, -1);
	return true;
}

/* Forgets task's in-flight entry (the task exits). */
static __always_inline void lat_task_forget(struct task_struct *task, __u32 tid)
{
	struct lat_task_out out;

	lat_task_out(task, tid, &out);
}

/*
 * Arms the timeout of slot idx (tp_btf programs only), with CALLBACK as
 * `static int CALLBACK(void *map, __u32 *idx, struct lat_task_timer *t)`. Counts a failure.
 */
#define LAT_TASK_ARM_TIMEOUT(idx, tid_, pid_, start_, aux_, callback)                           \
	do {                                                                                    \
		__u32 __key = (idx);                                                            \
		struct lat_task_timer *__t = bpf_map_lookup_elem(&lat_task_timers, &__key);     \
		if (!__t) {                                                                     \
			lat_drop(LAT_DROP_TIMER);                                               \
			break;                                                                  \
		}                                                                               \
		if (!__t->ready) {                                                              \
			long __e =                                                              \
			    bpf_timer_init(&__t->timer, &lat_task_timers, LAT_CLOCK_MONOTONIC); \
			if (__e && __e != -LAT_EBUSY) {                                         \
				lat_drop(LAT_DROP_TIMER);                                       \
				break;                                                          \
			}                                                                       \
			__t->ready = 1;                                                         \
		}                                                                               \
		/* Set on every arm: on this kernel, start fails (-EINVAL) otherwise. */        \
		bpf_timer_set_callback(&__t->timer, callback);                                  \
		__t->tid = (tid_);                                                              \
		__t->pid = (pid_);                                                              \
		__t->start = (start_);                                                          \
		__t->aux = (aux_);                                                              \
		bpf_get_current_comm(__t->comm, sizeof(__t->comm));                             \
		if (bpf_timer_start(&__t->timer, lat_ctl.timeout_ns, 0)) {                      \
			lat_drop(LAT_DROP_TIMER);                                               \
		}                                                                               \
	} while (0)

/* Cancels the timeout of slot idx (after its out). */
static __always_inline void lat_task_cancel_timeout(__u32 idx)
{
	struct lat_task_timer *t = bpf_map_lookup_elem(&lat_task_timers, &idx);

	if (t && t->ready) {
		t->start = 0;
		bpf_timer_cancel(&t->timer);
	}
}

/* In a timer callback: true when the entry the timer was armed for is still in flight. */
static __always_inline bool lat_task_timer_live(__u32 idx, struct lat_task_timer *t)
{
	struct lat_task_slot *slot = bpf_map_lookup_elem(&lat_task_slots, &idx);

	return slot && t->start && slot->tid == t->tid && slot->start == t->start;
}

#endif /* LAT_WANT_TASK_SLOTS */

/* --- keyed in-flight state in a preallocated hash map (block requests, sockets, skbs) ---------
 * The probe defines its own BPF_MAP_TYPE_HASH (preallocated: no BPF_F_NO_PREALLOC) of
 * LAT_HASH_ENTRIES and stores its "in" with lat_hash_in(). A value may hold a struct bpf_timer
 * named `timer` for LAT_HASH_ARM_TIMEOUT (tp_btf programs only); deleting the entry at the "out"
 * cancels and frees the timer.
 */
#define LAT_EEXIST       17
#define LAT_HASH_ENTRIES 16384

/*
 * "in" for key: a new entry, or a replacement of a pending one whose out was never seen (counted
 * as replaced). A full map drops the event (counted). Returns 0, or -1 when dropped.
 */
static __always_inline int lat_hash_in(void *map, const void *key, const void *val)
{
	long err = bpf_map_update_elem(map, key, val, BPF_NOEXIST);

	if (err == -LAT_EEXIST) {
		lat_drop(LAT_DROP_REPLACED);
		err = bpf_map_update_elem(map, key, val, BPF_ANY);
	}
	if (err) {
		lat_drop(LAT_DROP_INFLIGHT_FULL);
		return -1;
	}
	return 0;
}

/*
 * Arms the timeout of the entry of key in map (a value with a `struct bpf_timer timer`), with
 * CALLBACK as `static int CALLBACK(void *map, KEY *key, VALUE *val)`. Counts a failure.
 */
#define LAT_HASH_ARM_TIMEOUT(map, key, vtype, callback)                      \
	do {                                                                 \
		vtype *__v = bpf_map_lookup_elem(map, key);                  \
		long __e;                                                    \
		if (!__v) {                                                  \
			lat_drop(LAT_DROP_TIMER);                            \
			break;                                               \
		}                                                            \
		__e = bpf_timer_init(&__v->timer, map, LAT_CLOCK_MONOTONIC); \
		if (__e && __e != -LAT_EBUSY) {                              \
			lat_drop(LAT_DROP_TIMER);                            \
			break;                                               \
		}                                                            \
		bpf_timer_set_callback(&__v->timer, callback);               \
		if (bpf_timer_start(&__v->timer, lat_ctl.timeout_ns, 0)) {   \
			lat_drop(LAT_DROP_TIMER);                            \
		}                                                            \
	} while (0)

/* --- sockets -------------------------------------------------------------------------------- */

#define LAT_AF_INET  2
#define LAT_AF_INET6 10

/* The local and remote address and port of an IPv4/IPv6 socket. */
static __always_inline void lat_inet_pair_read(const struct sock *sk, struct lat_inet_pair *p)
{
	__builtin_memset(p, 0, sizeof(*p));
	p->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	p->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	p->rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (p->family == LAT_AF_INET6) {
		BPF_CORE_READ_INTO(&p->laddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&p->raddr, sk, __sk_common.skc_v6_daddr);
	} else {
		BPF_CORE_READ_INTO((__u32 *)p->laddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)p->raddr, sk, __sk_common.skc_daddr);
	}
}

#endif /* LATSCOPE_LAT_TRACKER_BPF_H */
