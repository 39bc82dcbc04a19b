// SPDX-License-Identifier: GPL-2.0
/* top.bpf.c: `latscope top`'s per-process figures: run time per thread from sched_switch, bytes
 * of read/write syscalls and block requests issued per process. Counters only, no records. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "top.h"

char LICENSE[] SEC("license") = "GPL";

/* Never count this process (latscope top itself) in the I/O table. */
const volatile __u32 top_self_tgid = 0;

__u64 top_drops[TOP_DROP_MAX] = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TOP_ENTRIES);
	__type(key, __u32);
	__type(value, struct top_task);
} top_tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct top_cpu);
} top_cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TOP_ENTRIES);
	__type(key, __u32);
	__type(value, struct top_io);
} top_procs SEC(".maps");

static __always_inline void top_drop(enum top_drop why)
{
	if (why < TOP_DROP_MAX) {
		__sync_fetch_and_add(&top_drops[why], 1);
	}
}

/* The run time between switch-in and now goes to prev; next starts its own. */
SEC("tp_btf/sched_switch")
int BPF_PROG(top_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u32 zero = 0, tid = prev->pid;
	struct top_cpu *cpu = bpf_map_lookup_elem(&top_cpus, &zero);
	__u64 now = bpf_ktime_get_ns();

	if (!cpu) {
		return 0;
	}
	if (tid && cpu->start_ns && cpu->tid == tid) {
		__u64 delta = now - cpu->start_ns;
		struct top_task *t = bpf_map_lookup_elem(&top_tasks, &tid);

		if (t) {
			__sync_fetch_and_add(&t->run_ns, delta);
		} else {
			struct top_task n = {.tgid = prev->tgid, .run_ns = delta};

			BPF_CORE_READ_STR_INTO(&n.comm, prev, comm);
			if (bpf_map_update_elem(&top_tasks, &tid, &n, BPF_NOEXIST) != 0) {
				top_drop(TOP_DROP_TASKS);
			}
		}
	}
	cpu->tid = next->pid;
	cpu->tgid = next->tgid;
	cpu->start_ns = next->pid ? now : 0;
	BPF_CORE_READ_STR_INTO(&cpu->comm, next, comm);
	return 0;
}

static __always_inline struct top_io *top_io_of_current(void)
{
	__u32 tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	struct top_io *io;

	if (tgid == top_self_tgid || !tgid) {
		return NULL;
	}
	io = bpf_map_lookup_elem(&top_procs, &tgid);
	if (!io) {
		struct top_io n = {};

		bpf_get_current_comm(n.comm, sizeof(n.comm));
		if (bpf_map_update_elem(&top_procs, &tgid, &n, BPF_NOEXIST) != 0 &&
		    !bpf_map_lookup_elem(&top_procs, &tgid)) {
			top_drop(TOP_DROP_PROCS);
			return NULL;
		}
		io = bpf_map_lookup_elem(&top_procs, &tgid);
	}
	return io;
}

/* The read-like (first 4) and write-like (last 4) syscall numbers, set by user space from
 * <sys/syscall.h>: read, pread64, readv, preadv; write, pwrite64, writev, pwritev. */
const volatile long top_rw_nr[8] = {-1, -1, -1, -1, -1, -1, -1, -1};

SEC("tp_btf/sys_exit")
int BPF_PROG(top_sys_exit, struct pt_regs *regs, long ret)
{
	long id;
	struct top_io *io;
	int which = -1;

	if (ret <= 0) {
		return 0;
	}
	id = regs->orig_ax;
#pragma unroll
	for (int i = 0; i < 8; i++) {
		if (id == top_rw_nr[i]) {
			which = i;
		}
	}
	if (which < 0) {
		return 0;
	}
	io = top_io_of_current();
	if (!io) {
		return 0;
	}
	if (which >= 4) {
		__sync_fetch_and_add(&io->wr_bytes, (__u64)ret);
		__sync_fetch_and_add(&io->wr_calls, 1);
	} else {
		__sync_fetch_and_add(&io->rd_bytes, (__u64)ret);
		__sync_fetch_and_add(&io->rd_calls, 1);
	}
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(top_block_issue, struct request *rq)
{
	__u32 op = rq->cmd_flags & 0xff, bytes = rq->__data_len;
	struct top_io *io;

	if (!bytes || (op != REQ_OP_READ && op != REQ_OP_WRITE)) {
		return 0;
	}
	io = top_io_of_current();
	if (!io) {
		return 0;
	}
	if (op == REQ_OP_WRITE) {
		__sync_fetch_and_add(&io->blk_wr_bytes, bytes);
		__sync_fetch_and_add(&io->blk_wr_reqs, 1);
	} else {
		__sync_fetch_and_add(&io->blk_rd_bytes, bytes);
		__sync_fetch_and_add(&io->blk_rd_reqs, 1);
	}
	return 0;
}

/* A new program: its name replaces the old one in both tables. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(top_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tid = p->pid, tgid = p->tgid;
	struct top_task *t = bpf_map_lookup_elem(&top_tasks, &tid);
	struct top_io *io = bpf_map_lookup_elem(&top_procs, &tgid);

	if (t) {
		BPF_CORE_READ_STR_INTO(&t->comm, p, comm);
	}
	if (io) {
		BPF_CORE_READ_STR_INTO(&io->comm, p, comm);
	}
	return 0;
}
