/* event.h: the typed kernel events every source produces (CTF files, lttng-live, and the live
 * eBPF source of `analyze --live`, lib/sources/live.c). */
#ifndef LATSCOPE_SOURCES_EVENT_H
#define LATSCOPE_SOURCES_EVENT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * One struct per event, with a type and a union of payloads. A source maps its own event
 * names onto these once per event class; analyses and the state model only see these.
 *
 * Strings (comm, filename, syscall names...) point into the source's buffers: they stay valid
 * until the next event is delivered, except syscall names, which live as long as the source.
 * Timestamps are nanoseconds since the Unix epoch.
 */
enum lat_kevent_type {
	LAT_EV_OTHER = 0,           /* an event no analysis consumes (still counted, still timed) */
	LAT_EV_SCHED_SWITCH,        /* sched_switch */
	LAT_EV_SCHED_MIGRATE,       /* sched_migrate_task */
	LAT_EV_SCHED_WAKEUP,        /* sched_wakeup, sched_wakeup_new, sched_waking */
	LAT_EV_SCHED_FORK,          /* sched_process_fork */
	LAT_EV_SCHED_EXEC,          /* sched_process_exec */
	LAT_EV_SCHED_EXIT,          /* sched_process_exit */
	LAT_EV_SCHED_PI_SETPRIO,    /* sched_pi_setprio */
	LAT_EV_SYSCALL_ENTRY,       /* syscall_entry_* (sys_* before lttng-modules 2.7) */
	LAT_EV_SYSCALL_EXIT,        /* syscall_exit_* (exit_syscall before 2.7) */
	LAT_EV_PAGE_ALLOC,          /* mm_page_alloc, kmem_mm_page_alloc */
	LAT_EV_PAGE_FREE,           /* mm_page_free, kmem_mm_page_free */
	LAT_EV_STATEDUMP_PROCESS,   /* lttng_statedump_process_state */
	LAT_EV_STATEDUMP_FD,        /* lttng_statedump_file_descriptor */
	LAT_EV_STATEDUMP_BLOCKDEV,  /* lttng_statedump_block_device */
	LAT_EV_IRQ_ENTRY,           /* irq_handler_entry */
	LAT_EV_IRQ_EXIT,            /* irq_handler_exit */
	LAT_EV_SOFTIRQ_RAISE,       /* softirq_raise, irq_softirq_raise */
	LAT_EV_SOFTIRQ_ENTRY,       /* softirq_entry, irq_softirq_entry */
	LAT_EV_SOFTIRQ_EXIT,        /* softirq_exit, irq_softirq_exit */
	LAT_EV_BLOCK_RQ_ISSUE,      /* block_rq_issue */
	LAT_EV_BLOCK_RQ_COMPLETE,   /* block_rq_complete */
	LAT_EV_BLOCK_BIO_REMAP,     /* block_bio_remap */
	LAT_EV_BLOCK_BIO_BACKMERGE, /* block_bio_backmerge */
	LAT_EV_NET_XMIT,            /* net_dev_xmit */
	LAT_EV_NET_RECV,            /* netif_receive_skb */
	LAT_EV_WRITEBACK_PAGES,     /* writeback_pages_written */
	LAT_EV_KSWAPD_WAKEUP,       /* mm_vmscan_wakeup_kswapd */
	LAT_EV_KVM_ENTRY,           /* kvm_x86_entry, kvm_entry (host: a vCPU enters guest mode) */
	LAT_EV_KVM_EXIT,            /* kvm_x86_exit, kvm_exit (host: a vCPU leaves guest mode) */
	LAT_EV_VMSYNC,              /* vmsync_{gh,hg}_{guest,host} (lttng-modules addons: hypercall
				       markers between a guest and its host; `name` says which) */
	LAT_EV_BLOCK_RQ_INSERT,     /* block_rq_insert */
	LAT_EV_NET_QUEUE,           /* net_dev_queue */
	LAT_EV_INET_SOCK_OUT,       /* inet_sock_local_out (lttng-modules addons: a TCP segment
				       sent) */
	LAT_EV_INET_SOCK_IN,        /* inet_sock_local_in (a TCP segment received) */
	LAT_EV_TYPE_COUNT,
};

/* Optional context fields (LTTng `add-context`), present when the bit is set in ctx_mask. */
enum {
	LAT_CTX_PID = 1u << 0,
	LAT_CTX_TID = 1u << 1,
	LAT_CTX_PROCNAME = 1u << 2,
};

/* Optional payload fields, present when the bit is set in lat_kevent.present. */
enum {
	LAT_HAS_FD = 1u << 0,
	LAT_HAS_COUNT = 1u << 1,
	LAT_HAS_FILENAME = 1u << 2,
	LAT_HAS_FLAGS = 1u << 3,
	LAT_HAS_RET = 1u << 4,
	LAT_HAS_PRIO = 1u << 5,
	LAT_HAS_VCPU = 1u << 6,     /* kvm exit: vcpu_id (lttng-modules on Linux >= 5.10) */
	LAT_HAS_ISA = 1u << 7,      /* kvm exit: isa (1 VMX, 2 SVM) */
	LAT_HAS_OLDFD = 1u << 8,    /* syscall entry: dup's fildes, dup2/dup3's oldfd */
	LAT_HAS_NEWFD = 1u << 9,    /* syscall entry: dup2/dup3's newfd */
	LAT_HAS_CMD = 1u << 10,     /* syscall entry: fcntl's cmd */
	LAT_HAS_TIMEOUT = 1u << 11, /* syscall entry: poll's timeout_msecs, epoll_wait's timeout */
	LAT_HAS_FAMILY = 1u << 12,  /* syscall entry: connect's family */
	LAT_HAS_DPORT = 1u << 13,   /* syscall entry: connect's dport */
	LAT_HAS_V4ADDR = 1u << 14,  /* syscall entry: connect's v4addr */
	LAT_HAS_TCP = 1u << 15,     /* net: a TCP segment's seq, ack_seq and flags */
	LAT_HAS_IPV4 = 1u << 16,    /* net: the IPv4 header's addresses */
	LAT_HAS_PORTS = 1u << 17,   /* net: the TCP header's ports */
};

struct lat_ev_sched_switch {
	const char *prev_comm, *next_comm;
	int32_t prev_tid, next_tid;
	int32_t prev_prio, next_prio;
	int64_t prev_state;
};

struct lat_ev_sched_task {    /* migrate, wakeup, exec, exit, pi_setprio */
	const char *comm;     /* may be NULL (exec: filename in `filename`) */
	const char *filename; /* exec only */
	int32_t tid;
	int32_t prio;       /* wakeup/migrate/exit: prio; pi_setprio: newprio */
	int32_t target_cpu; /* wakeup; migrate: dest_cpu */
	int32_t orig_cpu;   /* migrate */
};

struct lat_ev_sched_fork {
	const char *parent_comm, *child_comm;
	int32_t parent_pid, parent_tid, child_pid, child_tid;
};

struct lat_ev_syscall {
	const char *name; /* without the sys_/syscall_entry_ prefix; lives as long as the source */
	uint32_t id;      /* dense id of `name` in the source (0..source's syscall count - 1) */
	/* Entry arguments the I/O analyses read, when the event has them (has_* bits). */
	int64_t fd;
	uint64_t count;
	const char *filename;
	int64_t flags;
	int64_t ret;          /* exit only */
	int64_t oldfd, newfd; /* dup: fildes in oldfd; dup2, dup3: oldfd, newfd */
	int64_t cmd;          /* fcntl */
	int64_t timeout;      /* poll: timeout_msecs; epoll_wait, epoll_pwait: timeout (ms) */
	/* connect (lttng-modules' extended connect): the peer; v4addr a.b.c.d as
	 * a << 24 | b << 16 | c << 8 | d, dport in host order */
	uint32_t family, v4addr;
	uint32_t dport;
};

struct lat_ev_statedump_process {
	const char *name;
	int32_t tid, pid, ppid;
	int32_t prio; /* LAT_HAS_PRIO: no prio before lttng-modules 2.8 */
};

struct lat_ev_statedump_fd {
	const char *filename;
	int32_t pid, fd;
	int64_t flags;
};

struct lat_ev_blockdev {
	const char *diskname;
	uint64_t dev;
};

struct lat_ev_irq {
	const char *name; /* irq entry only */
	int32_t irq;      /* irq number, or softirq vector */
	int32_t ret;      /* irq exit only */
};

struct lat_ev_block {
	const char *rwbs_str;
	uint64_t dev, sector, old_dev, old_sector;
	uint32_t nr_sector;
	int64_t rwbs;
	int32_t tid;
};

struct lat_ev_net {       /* net_dev_xmit, net_dev_queue, netif_receive_skb, inet_sock_local_* */
	const char *name; /* the interface (not inet_sock_local_*) */
	uint64_t len;
	/* LAT_HAS_TCP: the TCP segment (inet_sock_local_*'s fields; net_dev_queue and
	 * netif_receive_skb's network_header -> transport_header, lttng-modules >= 2.9) */
	uint32_t seq, ack_seq, flags, window, check;
	uint32_t sport, dport; /* LAT_HAS_PORTS */
	uint32_t saddr, daddr; /* LAT_HAS_IPV4: a.b.c.d as a << 24 | b << 16 | c << 8 | d */
};

struct lat_ev_pages {
	uint64_t pages; /* writeback_pages_written */
};

struct lat_ev_kvm {
	uint32_t vcpu_id;     /* entry; exit when LAT_HAS_VCPU */
	uint32_t exit_reason; /* exit: VMX basic exit reason or SVM exit code */
	uint32_t isa;         /* exit when LAT_HAS_ISA: 1 VMX (Intel), 2 SVM (AMD) */
	uint64_t guest_rip;   /* exit */
};

struct lat_ev_vmsync {
	uint64_t vm_uid; /* the guest's random id */
	uint32_t cnt;    /* the marker's sequence number */
};

struct lat_kevent {
	int64_t ts;        /* ns since the epoch */
	uint32_t cpu;      /* from the packet context (cpu_id) */
	uint16_t type;     /* enum lat_kevent_type */
	uint16_t ctx_mask; /* LAT_CTX_* */
	uint32_t present;  /* LAT_HAS_* */
	int32_t ctx_pid, ctx_tid;
	const char *ctx_procname;
	const char *name; /* the source's event name (for logs and periods) */
	const void *raw;  /* the source's own event (a bt_event, or lttng_decode.c's cursor): only
			   * for ctf_fields.c's access by name (periods); analyses read the typed
			   * fields */
	union {
		struct lat_ev_sched_switch sched_switch;
		struct lat_ev_sched_task task;
		struct lat_ev_sched_fork fork;
		struct lat_ev_syscall syscall;
		struct lat_ev_statedump_process sd_process;
		struct lat_ev_statedump_fd sd_fd;
		struct lat_ev_blockdev blockdev;
		struct lat_ev_irq irq;
		struct lat_ev_block block;
		struct lat_ev_net net;
		struct lat_ev_pages pages;
		struct lat_ev_kvm kvm;
		struct lat_ev_vmsync vmsync;
	};
};

#endif /* LATSCOPE_SOURCES_EVENT_H */
