/* top.h: the per-process CPU and I/O counters of `latscope top` (bpf/top.bpf.c), shared with
 * user space (plain __u32/__u64 types only). */
#ifndef LATSCOPE_BPF_TOP_H
#define LATSCOPE_BPF_TOP_H

#define TOP_COMM_LEN 16
#define TOP_ENTRIES  16384 /* tasks and processes counted at once; more are dropped (counted) */

/* Run time of one thread (top_tasks, keyed by tid): added at each sched_switch away from it. */
struct top_task {
	__u32 tgid;
	__u32 pad;
	__u64 run_ns;
	char comm[TOP_COMM_LEN];
};

/* What runs on a CPU now (top_cpus, per-CPU array of one): user space adds now - start. */
struct top_cpu {
	__u32 tid;
	__u32 tgid;
	__u64 start_ns; /* 0: idle or not seen yet */
	char comm[TOP_COMM_LEN];
};

/* I/O of one process (top_procs, keyed by tgid): read/write syscalls and block requests issued. */
struct top_io {
	__u64 rd_bytes, wr_bytes; /* read/readv/pread64/preadv, write/writev/pwrite64/pwritev */
	__u64 rd_calls, wr_calls;
	__u64 blk_rd_bytes, blk_wr_bytes; /* block_rq_issue with the process current */
	__u64 blk_rd_reqs, blk_wr_reqs;
	char comm[TOP_COMM_LEN];
};

/* top_drops[] */
enum top_drop {
	TOP_DROP_TASKS = 0, /* top_tasks full: a thread's run time was not counted */
	TOP_DROP_PROCS = 1, /* top_procs full: a process's I/O was not counted */
	TOP_DROP_MAX = 2,
};

#endif /* LATSCOPE_BPF_TOP_H */
