/* track.h: records and settings shared by the kernel trackers (bpf/) and `latscope track` (plain
 * __u32/__u64). */
#ifndef LATSCOPE_BPF_TRACK_H
#define LATSCOPE_BPF_TRACK_H

/*
 * Included by BPF programs (after vmlinux.h) and by user space (after <linux/types.h>).
 * Layout rules: every field naturally aligned, explicit padding, no pointers.
 */

#define LAT_COMM_LEN   16
#define LAT_KSTACK_MAX 32    /* kernel frames kept per record */
#define LAT_USTACK_MAX 16384 /* bytes of user stack copied at most (--ustack-size) */
/*
 * Log-linear (HDR-style) histograms of the delays: values below 2^LAT_HIST_K_SUB_BITS ns have a
 * bucket each; above, each power of two [2^e, 2^(e+1)) is cut into 2^LAT_HIST_K_SUB_BITS equal
 * buckets (bucket ((e - K + 1) << K) + ((v >> (e - K)) & (2^K - 1))), so a bucket is at most
 * 1/32 of its lower bound wide and its midpoint within 1/64 (1.6 %) of every value it holds.
 * Delays from 2^LAT_HIST_K_MAX_EXP ns (18 minutes) go to the last bucket.
 */
#define LAT_HIST_K_SUB_BITS 5
#define LAT_HIST_K_MAX_EXP  40
#define LAT_HIST_BUCKETS \
	((1 << LAT_HIST_K_SUB_BITS) * (LAT_HIST_K_MAX_EXP - LAT_HIST_K_SUB_BITS + 1))
#define LAT_STATS_SERIES_MAX 8 /* a tracker may keep several series (irq: hard, soft, raise) */

/* Trackers, as numbered in the record header (the order of `latscope track`'s table is free). */
enum lat_tracker_id {
	LAT_TRACKER_SYSCALL = 1,
	LAT_TRACKER_WAKEUP = 2,
	LAT_TRACKER_OFFCPU = 3,
	LAT_TRACKER_BLOCK = 4,
	LAT_TRACKER_IRQ = 5,
	LAT_TRACKER_NET = 6,
	LAT_TRACKER_TTFB = 7,
};

/* Record flags (lat_record_hdr.flags). */
enum lat_record_flag {
	LAT_REC_TIMEOUT = 1 << 0,    /* still in flight when the timeout expired */
	LAT_REC_KSTACK_CUT = 1 << 1, /* the kernel stack had more than LAT_KSTACK_MAX frames */
	LAT_REC_USTACK_CUT =
	    1 << 2, /* the user stack copy is shorter than asked (end of mapping) */
	LAT_REC_USTACK_FAIL = 1 << 3, /* the user stack could not be read at all */
	LAT_REC_KSTACK_FAIL = 1 << 4, /* a kernel stack was wanted but could not be taken */
	LAT_REC_KERNEL_TASK = 1 << 5, /* a kernel thread: no user stack */
};

/*
 * Every loss, counted in the kernel (lat_stats.drops[]) and shown in the summary.
 */
enum lat_drop_reason {
	LAT_DROP_INFLIGHT_FULL =
	    0,                     /* no room for a new in-flight entry (preallocated state full) */
	LAT_DROP_RINGBUF_FULL = 1, /* a record did not fit in the ring buffer */
	LAT_DROP_STACK = 2,    /* a stack could not be taken (stack map collision, helper error) */
	LAT_DROP_TIMER = 3,    /* a timeout could not be armed */
	LAT_DROP_REPLACED = 4, /* an in-flight entry was replaced before its out (no out seen) */
	LAT_DROP_MAX = 8,
};

/*
 * Run-time settings of one tracker: a global in the program's .bss that user space writes while
 * the probes run (`latscope ctl set syscall.threshold=5ms`). Every program reads it on each event.
 */
struct lat_tracker_ctl {
	__u64 threshold_ns; /* report events whose delay is strictly above this */
	__u64 timeout_ns; /* 0: no timeout; else report in-flight events at this age (timeout=1) */
	__u32 worst;      /* 1: raise threshold_ns to each reported delay (--worst) */
	__u32 enabled;    /* 0: probes return at once (set to 1 once everything is attached) */
};

/* Load-time filters: a global in .rodata, fixed before load (the verifier prunes unused ones). */
struct lat_tracker_filter {
	__u32 tgid;      /* 0: any process */
	__u32 tid;       /* 0: any thread */
	__u64 cgroup_id; /* 0: any cgroup (cgroup v2 id: the inode number of its directory) */
	char comm[LAT_COMM_LEN]; /* "": any command name */
	__u32 kstack;            /* take kernel stacks */
	__u32 ustack_size;       /* bytes of user stack to copy (0: none), at most LAT_USTACK_MAX */
	__u32 self_tgid;         /* never track this process (latscope itself) */
	__u32 pad;
};

/*
 * Statistics of every completed event (over threshold or not), per CPU, one entry per series:
 * count, sum, min, max, log-linear histogram, and the drops. User space sums the CPUs.
 */
struct lat_stats {
	__u64 count;    /* events that completed (in then out) */
	__u64 reported; /* records sent to user space (including timeout reports) */
	__u64 total_ns;
	__u64 max_ns;
	__u64 min_ns; /* as measured; 0 with no event (a 0 ns delay counts as 1 ns here) */
	__u64 drops[LAT_DROP_MAX];
	__u64 hist[LAT_HIST_BUCKETS];
};

/*
 * Header of every ring-buffer record. The tracker's own fields follow at payload_off, then
 * kstack_n kernel addresses (__u64) at kstack_off, then, if ustack_off != 0, a struct lat_ustack.
 */
struct lat_record_hdr {
	__u32 size;     /* bytes of the record that are meaningful */
	__u16 tracker;  /* enum lat_tracker_id */
	__u16 flags;    /* enum lat_record_flag */
	__u32 pid;      /* process (tgid) */
	__u32 tid;      /* thread */
	__u64 start_ns; /* in event, CLOCK_MONOTONIC */
	__u64 delay_ns; /* out - in, or now - in for a timeout report */
	char comm[LAT_COMM_LEN];
	__u16 payload_off;
	__u16 payload_len;
	__u16 kstack_off;
	__u16 kstack_n;
	__u16 ustack_off; /* 0: no user stack */
	__u16 cpu;
	__u32 series; /* which lat_stats entry the event belongs to (0 for most trackers) */
};

/* A copy of the user stack for DWARF unwinding in user space (lib/util/usyms.h). */
struct lat_ustack {
	__u64 ip, sp, bp, bx, r12, r13, r14, r15; /* same order as struct lat_user_regs */
	__u32 len;                                /* bytes copied from sp */
	__u32 asked;                              /* bytes asked for */
	__u8 data[LAT_USTACK_MAX];
};

/*
 * The executable mappings of the process when its record was made (file-backed or the vDSO),
 * so that its user stack can be unwound after it exited (lib/util/usyms.h: lat_usyms_seed()).
 */
#define LAT_UMAPS_MAX     24
#define LAT_UMAP_NAME_LEN 48
struct lat_umap {
	__u64 start, end;
	__u64 pgoff; /* in pages */
	__u64 ino;
	__u32 dev; /* the kernel's s_dev: major << 20 | minor */
	__u32 pad;
	char name[LAT_UMAP_NAME_LEN]; /* the file's name (last path component), or "[vdso]" */
};

struct lat_umaps {
	__u32 n;
	__u32 cut; /* 1: more mappings than LAT_UMAPS_MAX, or the walk was cut */
	struct lat_umap map[LAT_UMAPS_MAX];
};

/* --- syscall tracker ------------------------------------------------------------------------ */

/* Which system calls the syscall tracker times (--syscall, --exclude-syscall, --exclude-idle). */
#define LAT_SYSCALL_SET_NR 512
struct lat_syscall_set {
	__u64 bits[LAT_SYSCALL_SET_NR / 64]; /* on: nr is timed when its bit is set */
	__u32 on;                            /* 0: every system call */
	__u32 other;                         /* on: numbers >= LAT_SYSCALL_SET_NR are timed */
};
struct lat_syscall_payload {
	__s64 ret;
	__u32 nr;
	__u16 umaps_off; /* 0: none; else a struct lat_umaps at this offset of the record */
	__u16 pad;
};

/* The fixed layout the syscall probes write (small form: no user stack; full form: with it). */
struct lat_syscall_record {
	struct lat_record_hdr hdr;
	struct lat_syscall_payload sys;
	__u64 kstack[LAT_KSTACK_MAX];
};

struct lat_syscall_record_full {
	struct lat_record_hdr hdr;
	struct lat_syscall_payload sys;
	__u64 kstack[LAT_KSTACK_MAX];
	struct lat_umaps umaps;
	struct lat_ustack ustack;
};

/* --- wakeup tracker (h6) -------------------------------------------------------------------- */
struct lat_wakeup_payload {
	char prev_comm[LAT_COMM_LEN]; /* the task the wakee replaced on its CPU at switch-in */
	__u32 prev_pid;
	__u32 prev_tid;
	__u32 prev_state; /* its state when switched out: 0 = still runnable (preempted) */
	__u32 waker_tid;  /* the task that woke it (current at sched_waking; 0: unknown) */
};

struct lat_wakeup_record {
	struct lat_record_hdr hdr;
	struct lat_wakeup_payload wk;
};

/* --- offcpu tracker (h6) -------------------------------------------------------------------- */
#define LAT_OFFCPU_RUNNABLE  (1u << 31) /* slot aux: switched out while runnable (preempted) */
#define LAT_OFFCPU_TID_MASK  0x3fffffu  /* slot aux: waker tid (pid_max <= 2^22) */
#define LAT_OFFCPU_CTX_SHIFT 22         /* slot aux: bits 22-23, the wake-up's context (no tid) */

/*
 * Where the wake-up ran, from the CPU's preempt count: in a task (the waker), or in an interrupt
 * (the task it landed on is not the waker and is not reported).
 */
enum lat_offcpu_context {
	LAT_OFFCPU_CTX_TASK = 0,
	LAT_OFFCPU_CTX_IRQ = 1, /* a hard interrupt (or NMI) */
	LAT_OFFCPU_CTX_SOFTIRQ =
	    2,                    /* a softirq being served (in an interrupt's exit or ksoftirqd) */
	LAT_OFFCPU_CTX_TIMER = 3, /* a hard interrupt running an hrtimer: waker_timer_fn */
};

/* The waker, captured at sched_waking when the wakee was already off-CPU past the threshold. */
struct lat_offcpu_payload {
	char waker_comm[LAT_COMM_LEN];
	__u32 waker_pid; /* 0: no waker captured (see waker_tid) */
	__u32 waker_tid; /* the task that woke it, even when the rest was not captured */
	__u32 runnable;  /* 1: it was preempted (runnable), not blocked: no waker */
	__u16 waker_kstack_off;
	__u16 waker_kstack_n;
	__u16 waker_ustack_off; /* 0: none */
	__u16 waker_flags;      /* LAT_REC_* of the waker's stacks */
	__u32 waker_context;    /* enum lat_offcpu_context: where the wake-up ran */
	__u32 pad;
	__u64 waker_timer_fn; /* LAT_OFFCPU_CTX_TIMER: the hrtimer callback (hrtimer_wakeup...) */
};

struct lat_offcpu_record {
	struct lat_record_hdr hdr;
	struct lat_offcpu_payload off;
	__u64 kstack[LAT_KSTACK_MAX];
	__u64 waker_kstack[LAT_KSTACK_MAX];
};

struct lat_offcpu_record_full {
	struct lat_record_hdr hdr;
	struct lat_offcpu_payload off;
	__u64 kstack[LAT_KSTACK_MAX];
	__u64 waker_kstack[LAT_KSTACK_MAX];
	struct lat_ustack waker_ustack;
};

/* --- block, irq, net, ttfb trackers (h7) ---------------------------------------------------- */

/* An IPv4 or IPv6 endpoint pair (addresses in network order, ports in host order). */
struct lat_inet_pair {
	__u16 family; /* AF_INET (2) or AF_INET6 (10) */
	__u16 lport;  /* local port */
	__u16 rport;  /* remote port */
	__u16 pad;
	__u8 laddr[16]; /* IPv4 in the first 4 bytes */
	__u8 raddr[16];
};

/* block: series 0 issue -> complete, series 1 insert -> issue (time spent in the I/O scheduler). */
#define LAT_BLOCK_SERIES_ISSUE 0
#define LAT_BLOCK_SERIES_QUEUE 1
#define LAT_BLOCK_RWBS_LEN     8

struct lat_block_payload {
	__u32 dev;  /* the disk, kernel dev_t: major << 20 | minor (as the block tracepoints) */
	__u32 part; /* the partition the request was for (same encoding; 0: unknown) */
	__u64 sector;
	__u32 bytes;
	__s32 error; /* blk_status_t at completion (0 otherwise) */
	char rwbs[LAT_BLOCK_RWBS_LEN];
};

struct lat_block_record {
	struct lat_record_hdr hdr;
	struct lat_block_payload blk;
};

/* irq: one series per kind. */
enum lat_irq_kind {
	LAT_IRQ_HARD = 0,  /* irq_handler_entry -> irq_handler_exit */
	LAT_IRQ_SOFT = 1,  /* softirq_entry -> softirq_exit */
	LAT_IRQ_RAISE = 2, /* softirq_raise -> softirq_entry */
};
#define LAT_IRQ_NAME_LEN 32

struct lat_irq_payload {
	__u32 kind; /* enum lat_irq_kind */
	__u32 irq;  /* hard: IRQ number; soft, raise: softirq vector */
	__s32 ret;  /* hard: the handler's irqreturn_t (1 handled) */
	__u32 pad;
	char name[LAT_IRQ_NAME_LEN]; /* hard: the action's name (soft: named in user space) */
};

struct lat_irq_record {
	struct lat_record_hdr hdr;
	struct lat_irq_payload irq;
};

/* net: series 0 receive (netif_receive_skb -> copy, consume or free), series 1 TCP connect. */
#define LAT_NET_SERIES_RX      0
#define LAT_NET_SERIES_CONNECT 1
enum lat_net_out {
	LAT_NET_OUT_COPY = 0,    /* skb_copy_datagram_iovec (the original's COPY_IOVEC) */
	LAT_NET_OUT_CONSUME = 1, /* consume_skb */
	LAT_NET_OUT_FREE = 2,    /* kfree_skb (dropped) */
};

struct lat_net_payload {
	__u32 out_id;  /* rx: enum lat_net_out; connect: TCP state reached (1 ESTAB., 7 CLOSE) */
	__u32 ifindex; /* rx */
	char iface[16];
	__u32 len;                 /* rx: skb->len at receive */
	__u32 reason;              /* rx, out_id 2: enum skb_drop_reason */
	struct lat_inet_pair conn; /* connect */
};

struct lat_net_record {
	struct lat_record_hdr hdr;
	struct lat_net_payload net;
};

/* ttfb: accept -> first byte sent on the socket, or its close. */
enum lat_ttfb_out {
	LAT_TTFB_OUT_SEND = 0,  /* the first write/send that sent bytes */
	LAT_TTFB_OUT_CLOSE = 1, /* closed (or reset) before any byte was sent */
	LAT_TTFB_OUT_NONE = 2,  /* a timeout report: nothing sent yet, still open */
};

struct lat_ttfb_payload {
	struct lat_inet_pair conn;
	__u32 out_id; /* enum lat_ttfb_out */
	__s32 fd;     /* the accepted fd */
	__s32 bytes;  /* bytes of the first send */
	__u32 pad;
};

struct lat_ttfb_record {
	struct lat_record_hdr hdr;
	struct lat_ttfb_payload tt;
};

#endif /* LATSCOPE_BPF_TRACK_H */
