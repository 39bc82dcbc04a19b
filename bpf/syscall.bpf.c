// SPDX-License-Identifier: GPL-2.0
/* syscall.bpf.c: the syscall tracker: sys_enter -> sys_exit by thread, with where a slow syscall
 * waited. */
#define LAT_TRACKER_ID LAT_TRACKER_SYSCALL
#define LAT_WANT_TASK_SLOTS
#include "lat_tracker.bpf.h"

/*
 * in:  sys_enter (current task, key tid, aux = syscall number)
 * out: sys_exit: delay = now - in; over threshold -> a record with the return value, the kernel
 *      stack taken when the task was last switched back in (sched_switch, while it was in the
 *      syscall for more than half the threshold, as the original tracker did) and a copy of the
 *      user registers and stack for the DWARF unwinder.
 * timeout: a record with LAT_REC_TIMEOUT when the syscall is still running at lat_ctl.timeout_ns.
 */

/* The kernel stack of a task, taken at switch-in during a long syscall (start: which syscall). */
struct lat_kstack_state {
	__u64 start;
	__u32 n;
	__u32 flags;
	__u64 ips[LAT_KSTACK_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lat_kstack_state);
} lat_kstacks SEC(".maps");

static int lat_sys_timeout(void *map, __u32 *key, struct lat_task_timer *t);

/* The system calls timed (.rodata, fixed before load; pruned when off). */
const volatile struct lat_syscall_set lat_sys_set = {};

SEC("tp_btf/sys_enter")
int BPF_PROG(lat_sys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid, now;
	int idx;

	if (!lat_ctl.enabled) {
		return 0;
	}
	/* --syscall / --exclude-syscall: before the clock read and any state. */
	if (lat_sys_set.on) {
		__u64 nr = (__u64)id;

		if (nr >= LAT_SYSCALL_SET_NR) {
			if (!lat_sys_set.other) {
				return 0;
			}
		} else if (!((lat_sys_set.bits[nr / 64] >> (nr % 64)) & 1)) {
			return 0;
		}
	}
	pid_tgid = bpf_get_current_pid_tgid();
	if (!lat_filter_current(pid_tgid)) {
		return 0;
	}
	now = bpf_ktime_get_ns();
	idx = lat_task_in(NULL, (__u32)pid_tgid, now, (__u32)id);
	if (lat_ctl.timeout_ns) {
		if (idx >= 0) {
			LAT_TASK_ARM_TIMEOUT(idx, (__u32)pid_tgid, pid_tgid >> 32, now, (__u32)id,
					     lat_sys_timeout);
		} else if (idx == -1) {
			lat_drop(LAT_DROP_TIMER); /* no timer for the fallback state */
		}
	}
	return 0;
}

/* The timeout: the syscall is still running. Sends a small record (no stacks: not in its context).
 */
static int lat_sys_timeout(void *map, __u32 *key, struct lat_task_timer *t)
{
	struct lat_syscall_record *rec;
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
	rec->hdr.payload_off = __builtin_offsetof(struct lat_syscall_record, sys);
	rec->hdr.payload_len = sizeof(rec->sys);
	rec->hdr.kstack_off = __builtin_offsetof(struct lat_syscall_record, kstack);
	rec->sys.nr = t->aux;
	rec->sys.ret = 0;
	rec->sys.pad = 0;
	lat_count_reported(0);
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

/* Copies the kernel stack taken for this syscall (if any) into the record. */
static __always_inline void lat_sys_fill_kstack(struct lat_record_hdr *hdr, __u64 *dst, __u64 start)
{
	struct lat_kstack_state *ks;

	ks = bpf_task_storage_get(&lat_kstacks, bpf_get_current_task_btf(), 0, 0);
	if (!ks || ks->start != start) {
		return;
	}
	__builtin_memcpy(dst, ks->ips, sizeof(ks->ips));
	hdr->kstack_n = ks->n > LAT_KSTACK_MAX ? LAT_KSTACK_MAX : ks->n;
	hdr->flags |= ks->flags;
}

extern int bpf_iter_task_vma_new(struct bpf_iter_task_vma *it, struct task_struct *task,
				 __u64 addr) __weak __ksym;
extern struct vm_area_struct *bpf_iter_task_vma_next(struct bpf_iter_task_vma *it) __weak __ksym;
extern void bpf_iter_task_vma_destroy(struct bpf_iter_task_vma *it) __weak __ksym;

#define LAT_VM_EXEC 0x4

/*
 * The executable mappings of current (a record with a user stack is being sent): a process that
 * exits before user space reads the record (a `sleep`) can still be unwound from them. The first
 * LAT_UMAPS_MAX are kept (cut says when there were more). The open-coded iterator walks the
 * process's VMAs under its mmap lock (a trylock: cut when contended).
 */
static __always_inline void lat_sys_fill_umaps(struct lat_umaps *u)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	__u64 vdso;

	u->n = 0;
	u->cut = 0;
	if (!task->mm) {
		return;
	}
	vdso = (__u64)task->mm->context.vdso;
	if (bpf_iter_task_vma_new(&it, task, 0) != 0) {
		u->cut = 1; /* its mmap lock is held */
	}
	while ((vma = bpf_iter_task_vma_next(&it))) {
		struct file *file = vma->vm_file;
		struct lat_umap *m;
		__u32 idx;

		if (!(vma->vm_flags & LAT_VM_EXEC) || (!file && vma->vm_start != vdso)) {
			continue;
		}
		/* The count is read back from the record: an unknown scalar, so that the
		 * verifier's states converge instead of one per mapping. */
		idx = u->n;
		if (idx >= LAT_UMAPS_MAX) {
			u->cut = 1;
			break;
		}
		m = &u->map[idx];
		m->start = vma->vm_start;
		m->end = vma->vm_end;
		m->pgoff = vma->vm_pgoff;
		m->pad = 0;
		m->ino = 0;
		m->dev = 0;
		m->name[0] = 0;
		if (file) {
			m->ino = file->f_inode->i_ino;
			m->dev = file->f_inode->i_sb->s_dev;
			bpf_probe_read_kernel_str(m->name, sizeof(m->name),
						  file->f_path.dentry->d_name.name);
		} else {
			__builtin_memcpy(m->name, "[vdso]", 7);
		}
		u->n = idx + 1;
	}
	bpf_iter_task_vma_destroy(&it);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(lat_sys_exit, struct pt_regs *regs, long ret)
{
	struct lat_task_out out;
	__u64 pid_tgid, delay;
	__u16 flags = 0;

	if (!lat_ctl.enabled) {
		return 0;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	if (!lat_task_out(NULL, (__u32)pid_tgid, &out)) {
		return 0;
	}
	delay = bpf_ktime_get_ns() - out.start;
	if (lat_ctl.timeout_ns && out.idx >= 0) {
		lat_task_cancel_timeout(out.idx);
	}
	if (!lat_account(0, delay)) {
		return 0;
	}

	if (lat_filter.ustack_size) {
		struct lat_syscall_record_full *rec;

		rec = bpf_ringbuf_reserve(&lat_events, sizeof(*rec), 0);
		if (!rec) {
			lat_drop(LAT_DROP_RINGBUF_FULL);
			return 0;
		}
		lat_ustack_copy(&rec->ustack, regs, &flags);
		lat_hdr_init(&rec->hdr, sizeof(*rec) - LAT_USTACK_MAX + rec->ustack.len, flags,
			     pid_tgid >> 32, (__u32)pid_tgid, out.start, delay);
		bpf_get_current_comm(rec->hdr.comm, sizeof(rec->hdr.comm));
		rec->hdr.payload_off = __builtin_offsetof(struct lat_syscall_record_full, sys);
		rec->hdr.payload_len = sizeof(rec->sys);
		rec->hdr.kstack_off = __builtin_offsetof(struct lat_syscall_record_full, kstack);
		rec->hdr.ustack_off = __builtin_offsetof(struct lat_syscall_record_full, ustack);
		rec->sys.nr = out.aux;
		rec->sys.ret = ret;
		rec->sys.pad = 0;
		rec->sys.umaps_off = __builtin_offsetof(struct lat_syscall_record_full, umaps);
		lat_sys_fill_umaps(&rec->umaps);
		if (lat_filter.kstack) {
			lat_sys_fill_kstack(&rec->hdr, rec->kstack, out.start);
		}
		lat_count_reported(0);
		bpf_ringbuf_submit(rec, 0);
	} else {
		struct lat_syscall_record *rec;

		rec = bpf_ringbuf_reserve(&lat_events, sizeof(*rec), 0);
		if (!rec) {
			lat_drop(LAT_DROP_RINGBUF_FULL);
			return 0;
		}
		lat_hdr_init(&rec->hdr, sizeof(*rec), flags, pid_tgid >> 32, (__u32)pid_tgid,
			     out.start, delay);
		bpf_get_current_comm(rec->hdr.comm, sizeof(rec->hdr.comm));
		rec->hdr.payload_off = __builtin_offsetof(struct lat_syscall_record, sys);
		rec->hdr.payload_len = sizeof(rec->sys);
		rec->hdr.kstack_off = __builtin_offsetof(struct lat_syscall_record, kstack);
		rec->sys.nr = out.aux;
		rec->sys.ret = ret;
		rec->sys.pad = 0;
		rec->sys.umaps_off = 0;
		if (lat_filter.kstack) {
			lat_sys_fill_kstack(&rec->hdr, rec->kstack, out.start);
		}
		lat_count_reported(0);
		bpf_ringbuf_submit(rec, 0);
	}
	return 0;
}

/*
 * Where a slow syscall waits: when a task still in a syscall for more than half the threshold is
 * switched back in, take its kernel stack (it is not running yet: the stack is where it slept).
 * Loaded only with kernel stacks on.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(lat_sys_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct lat_kstack_state *ks;
	struct lat_task_slot *slot;
	__u32 tid = next->pid;
	__u64 start;
	long n;

	if (!lat_ctl.enabled || !tid) {
		return 0;
	}
	slot = lat_task_peek(next, tid);
	if (!slot) {
		return 0;
	}
	start = slot->start;
	if (bpf_ktime_get_ns() - start <= lat_ctl.threshold_ns / 2) {
		return 0;
	}
	ks = bpf_task_storage_get(&lat_kstacks, next, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ks) {
		lat_drop(LAT_DROP_STACK);
		return 0;
	}
	n = bpf_get_task_stack(next, ks->ips, sizeof(ks->ips), 0);
	if (n < 0) {
		lat_drop(LAT_DROP_STACK);
		ks->n = 0;
		ks->flags = LAT_REC_KSTACK_FAIL;
	} else {
		ks->n = n / sizeof(__u64);
		ks->flags = ks->n >= LAT_KSTACK_MAX ? LAT_REC_KSTACK_CUT : 0;
	}
	ks->start = start;
	return 0;
}

/* A task that exits inside a syscall (exit_group) never reaches sys_exit: free its slot. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(lat_sys_task_exit, struct task_struct *task)
{
	lat_task_forget(task, task->pid);
	return 0;
}
