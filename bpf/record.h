/* record.h: the records `latscope record` sends from its BPF programs (bpf/record.bpf.c) to user
 * space (lib/sources/record.c), one per kernel event. Plain __u32/__u64 types only. */
#ifndef LATSCOPE_BPF_RECORD_H
#define LATSCOPE_BPF_RECORD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Every record is a header and a payload. Where the payload's layout is the one of the LTTng
 * event's fields (all fields of LTTng kernel events are byte-aligned little-endian integers, char
 * arrays and strings), user space copies it to the CTF stream as is: see "CTF layout" below.
 */
enum lat_rec_kind {
	LAT_REC_SCHED_SWITCH = 1,     /* lat_rec_switch (CTF layout) */
	LAT_REC_SCHED_WAKING,         /* lat_rec_wakeup (CTF layout) */
	LAT_REC_SCHED_WAKEUP,         /* lat_rec_wakeup (CTF layout) */
	LAT_REC_SCHED_WAKEUP_NEW,     /* lat_rec_wakeup (CTF layout) */
	LAT_REC_SCHED_MIGRATE,        /* lat_rec_migrate (CTF layout) */
	LAT_REC_SCHED_FORK,           /* lat_rec_fork */
	LAT_REC_SCHED_EXEC,           /* lat_rec_exec */
	LAT_REC_SCHED_EXIT,           /* lat_rec_task (CTF layout) */
	LAT_REC_SCHED_FREE,           /* lat_rec_task (CTF layout) */
	LAT_REC_SYS_ENTRY,            /* lat_rec_sys_entry, or lat_rec_sys_entry_str with strings */
	LAT_REC_SYS_EXIT,             /* lat_rec_sys_exit */
	LAT_REC_BLOCK_INSERT,         /* lat_rec_block */
	LAT_REC_BLOCK_ISSUE,          /* lat_rec_block */
	LAT_REC_BLOCK_COMPLETE,       /* lat_rec_block */
	LAT_REC_IRQ_ENTRY,            /* lat_rec_irq_entry */
	LAT_REC_IRQ_EXIT,             /* lat_rec_irq_exit (CTF layout) */
	LAT_REC_SOFTIRQ_RAISE,        /* lat_rec_softirq (CTF layout) */
	LAT_REC_SOFTIRQ_ENTRY,        /* lat_rec_softirq (CTF layout) */
	LAT_REC_SOFTIRQ_EXIT,         /* lat_rec_softirq (CTF layout) */
	LAT_REC_NET_XMIT,             /* lat_rec_net */
	LAT_REC_NET_RECEIVE,          /* lat_rec_net */
	LAT_REC_PAGE_ALLOC,           /* lat_rec_page (CTF layout) */
	LAT_REC_PAGE_FREE,            /* lat_rec_page (CTF layout: its first 20 bytes) */
	LAT_REC_HRTIMER_START,        /* lat_rec_hrtimer_start (CTF layout: its first 37 bytes) */
	LAT_REC_HRTIMER_EXPIRE_ENTRY, /* lat_rec_hrtimer_expire (CTF layout) */
	LAT_REC_HRTIMER_EXPIRE_EXIT,  /* lat_rec_addr (CTF layout) */
	LAT_REC_HRTIMER_CANCEL,       /* lat_rec_addr (CTF layout) */
	LAT_REC_TIMER_START,          /* lat_rec_timer_start (CTF layout: its first 44 bytes) */
	LAT_REC_TIMER_EXPIRE_ENTRY,   /* lat_rec_timer_expire (CTF layout) */
	LAT_REC_TIMER_EXPIRE_EXIT,    /* lat_rec_addr (CTF layout) */
	LAT_REC_TIMER_CANCEL,         /* lat_rec_addr (CTF layout) */
	LAT_REC_WQ_QUEUE,             /* lat_rec_work_queue (CTF layout: its first 20 bytes) */
	LAT_REC_WQ_ACTIVATE,          /* lat_rec_addr (CTF layout) */
	LAT_REC_WQ_START,             /* lat_rec_work (CTF layout) */
	LAT_REC_WQ_END,               /* lat_rec_work (CTF layout) */
	LAT_REC_KVM_ENTRY,            /* lat_rec_kvm_entry (CTF layout) */
	LAT_REC_KVM_EXIT,             /* lat_rec_kvm_exit */
	LAT_REC_KIND_MAX,
};

#define LAT_REC_COMM     16
#define LAT_REC_STR      256 /* longest string argument copied (with its NUL) */
#define LAT_REC_NAME     32  /* IRQ action names, network interface names */
#define LAT_REC_SYS_MAX  512 /* syscall numbers covered by lat_rec_strargs */
#define LAT_REC_SYS_ARGS 6

struct lat_rec_hdr {
	__u64 ts; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u16 kind;
	__u16 cpu;
	__u32 tid; /* current thread */
};

/* With contexts (record --context): after the header of every record, before its payload. */
struct lat_rec_ctx {
	char procname[LAT_REC_COMM];
	__s32 pid;  /* the thread group (the header has the thread) */
	__s32 ppid; /* the thread group's parent */
	__s32 prio; /* as LTTng writes it: prio - MAX_RT_PRIO */
	__s32 vpid; /* pid and tid in the task's own PID namespace */
	__s32 vtid;
	__s32 pad;
};

struct lat_rec_switch {
	char prev_comm[LAT_REC_COMM];
	__s32 prev_tid;
	__s32 prev_prio;
	__s64 prev_state;
	char next_comm[LAT_REC_COMM];
	__s32 next_tid;
	__s32 next_prio;
};

struct lat_rec_wakeup {
	char comm[LAT_REC_COMM];
	__s32 tid;
	__s32 prio;
	__s32 target_cpu;
};

struct lat_rec_migrate {
	char comm[LAT_REC_COMM];
	__s32 tid;
	__s32 prio;
	__s32 orig_cpu;
	__s32 dest_cpu;
};

struct lat_rec_fork {
	char parent_comm[LAT_REC_COMM];
	__s32 parent_tid;
	__s32 parent_pid;
	__u32 parent_ns_inum;
	char child_comm[LAT_REC_COMM];
	__s32 child_tid;
	__s32 child_pid;
	__u32 child_ns_inum;
};

struct lat_rec_exec {
	__s32 tid;
	__s32 old_tid;
	char filename[LAT_REC_STR];
};

struct lat_rec_task {
	char comm[LAT_REC_COMM];
	__s32 tid;
	__s32 prio;
};

struct lat_rec_sys_entry {
	__s64 nr;
	__u64 args[LAT_REC_SYS_ARGS];
};

/* An entry with string arguments: the first two (by argument order) of lat_rec_strargs[nr]. */
struct lat_rec_sys_entry_str {
	struct lat_rec_sys_entry sys;
	__u8 str_arg[2]; /* argument index of each string, 0xff: none */
	__u8 pad[6];
	char str[2][LAT_REC_STR];
};

struct lat_rec_sys_exit {
	__s64 nr;
	__s64 ret;
};

struct lat_rec_block {
	__u32 dev; /* the kernel's dev_t of the disk: major << 20 | minor */
	__u32 nr_sector;
	__u64 sector;
	__u32 bytes;
	__s32 tid;
	__u32 rwbs; /* LTTng's RWBS flags (lttng-modules' block.h) */
	__s32 errors;
	char comm[LAT_REC_COMM];
};

/* LTTng's rwbs bits. */
#define LAT_RWBS_WRITE    (1 << 0)
#define LAT_RWBS_DISCARD  (1 << 1)
#define LAT_RWBS_READ     (1 << 2)
#define LAT_RWBS_RAHEAD   (1 << 3)
#define LAT_RWBS_SYNC     (1 << 5)
#define LAT_RWBS_META     (1 << 6)
#define LAT_RWBS_SECURE   (1 << 7)
#define LAT_RWBS_FLUSH    (1 << 8)
#define LAT_RWBS_FUA      (1 << 9)
#define LAT_RWBS_PREFLUSH (1 << 10)

struct lat_rec_irq_entry {
	__s32 irq;
	char name[LAT_REC_NAME];
};

struct lat_rec_irq_exit {
	__s32 irq;
	__s32 ret;
};

struct lat_rec_softirq {
	__u32 vec;
};

struct lat_rec_net {
	__u64 skbaddr;
	__s32 rc;
	__u32 len;
	char name[LAT_REC_NAME];
};

struct lat_rec_page {
	__u64 page;
	__u64 pfn;
	__u32 order;
	__u32 gfp_flags;
	__s32 migratetype;
};

/* Timers and work items (lttng-modules' timer.h and workqueue.h, Linux 6.8+ layouts). */
struct lat_rec_addr { /* hrtimer_expire_exit, hrtimer_cancel, timer_expire_exit... */
	__u64 addr;
};

struct lat_rec_hrtimer_start {
	__u64 hrtimer;
	__u64 function;
	__s64 expires;
	__s64 softexpires;
	__u32 mode;
	__u8 was_armed;
	__u8 pad[3];
};

struct lat_rec_hrtimer_expire {
	__u64 hrtimer;
	__s64 now;
	__u64 function;
};

struct lat_rec_timer_start {
	__u64 timer;
	__u64 function;
	__u64 expires;
	__u64 bucket_expiry;
	__u64 now; /* jiffies */
	__u32 flags;
	__u32 pad;
};

struct lat_rec_timer_expire {
	__u64 timer;
	__u64 now;
	__u64 function;
	__u64 baseclk;
};

struct lat_rec_work_queue {
	__u64 work;
	__u64 function;
	__s32 req_cpu;
	__u32 pad;
};

struct lat_rec_work {
	__u64 work;
	__u64 function;
};

/* lttng-modules' kvm_x86_entry and kvm_x86_exit (the kernel's kvm_entry and kvm_exit). */
struct lat_rec_kvm_entry {
	__u32 vcpu_id;
};

struct lat_rec_kvm_exit {
	__u64 guest_rip;
	__u64 info1;
	__u64 info2;
	__u32 exit_reason;
	__u32 isa;
	__u32 intr_info;
	__u32 error_code;
	__u32 vcpu_id;
	__u32 pad;
};

/* Load-time settings (.rodata). */
struct lat_rec_config {
	__u32 self_tgid; /* the recorder: its syscalls are not recorded (0: record them) */
	__u32 pad;
	__u64 vmemmap_base_addr; /* address of the kernel's vmemmap_base (for pfn), 0: unknown */
	/* The reader is not woken per record (it reads on a timer): a probe wakes it only when the
	 * ring holds at least wake_bytes, and at most once per wake_gap_ns on its CPU. 0: every
	 * record wakes it (the kernel's default: when the ring was empty). */
	__u64 wake_bytes;
	__u64 wake_gap_ns;
	__u64 jiffies_addr; /* address of the kernel's jiffies_64, 0: unknown (timer_* now = 0) */
	__u32 with_ctx;     /* every record carries a lat_rec_ctx */
	__u32 pad2;
};

#endif /* LATSCOPE_BPF_RECORD_H */
