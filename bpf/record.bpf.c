// SPDX-License-Identifier: GPL-2.0
/* record.bpf.c: `latscope record`: one record per kernel event to a BPF ring buffer, written by
 * user space as an LTTng kernel CTF trace. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "record.h"
#include "flight_ring.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct lat_rec_config lat_rec_config = {};

/* Every record goes through one ring buffer; user space splits it by CPU (one CTF stream each). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* user space resizes it before load */
} lat_rec_events SEC(".maps");

/* Records lost because the ring buffer was full, per CPU (the packets' events_discarded). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lat_rec_drops SEC(".maps");

/* Which arguments of a syscall are user strings (bit i: argument i), set by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LAT_REC_SYS_MAX);
	__type(key, __u32);
	__type(value, __u8);
} lat_rec_strargs SEC(".maps");

/* When each CPU last forced a wake-up of the reader (lat_rec_submit). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lat_rec_woken SEC(".maps");

/* LTTng writes priorities as the kernel's prio - MAX_RT_PRIO (20 for nice 0). */
static __always_inline __s32 lat_prio(struct task_struct *t)
{
	return t->prio - 100;
}

/* A task's pid number in its own (innermost) PID namespace. */
static __always_inline __s32 lat_vnr(struct pid *pid)
{
	unsigned int level;

	if (!pid) {
		return 0;
	}
	level = BPF_CORE_READ(pid, level);
	return BPF_CORE_READ(pid, numbers[level & 31].nr);
}

/* LTTng's procname, pid, ppid, prio, vpid and vtid contexts of the current task. */
static __always_inline void lat_rec_fill_ctx(struct lat_rec_ctx *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();

	bpf_get_current_comm(ctx->procname, sizeof(ctx->procname));
	ctx->pid = t->tgid;
	ctx->ppid = BPF_CORE_READ(t, real_parent, tgid);
	ctx->prio = lat_prio(t);
	ctx->vtid = lat_vnr(BPF_CORE_READ(t, thread_pid));
	ctx->vpid = lat_vnr(BPF_CORE_READ(t, group_leader, thread_pid));
	ctx->pad = 0;
}

/* Bytes between a record's header and its payload. */
#define LAT_REC_CTX_BYTES (lat_rec_config.with_ctx ? sizeof(struct lat_rec_ctx) : 0)

static __always_inline void *lat_rec_reserve(__u32 payload, __u16 kind)
{
	struct lat_rec_hdr *hdr;
	__u32 zero = 0;
	__u64 *drops;

	if (lat_fl_nsub) { /* --flight: kernel-resident rings */
		hdr = lat_fl_reserve(sizeof(*hdr) + LAT_REC_CTX_BYTES + payload);
	} else if (lat_rec_config.with_ctx) {
		hdr = bpf_ringbuf_reserve(&lat_rec_events,
					  sizeof(*hdr) + sizeof(struct lat_rec_ctx) + payload, 0);
	} else {
		hdr = bpf_ringbuf_reserve(&lat_rec_events, sizeof(*hdr) + payload, 0);
	}
	if (!hdr) {
		drops = bpf_map_lookup_elem(&lat_rec_drops, &zero);
		if (drops) {
			*drops += 1;
		}
		return NULL;
	}
	/* The time is read after the reservation: records of one CPU are then in time order in the
	 * ring, except an interrupt's between the two (user space keeps each stream monotonic). */
	hdr->ts = bpf_ktime_get_ns();
	hdr->kind = kind;
	hdr->cpu = bpf_get_smp_processor_id();
	hdr->tid = (__u32)bpf_get_current_pid_tgid();
	if (lat_rec_config.with_ctx) {
		lat_rec_fill_ctx((struct lat_rec_ctx *)(hdr + 1));
		return (__u8 *)(hdr + 1) + sizeof(struct lat_rec_ctx);
	}
	return hdr + 1;
}

#define LAT_REC_RESERVE(type, kind) ((type *)lat_rec_reserve(sizeof(type), kind))

/*
 * Commits a record without waking the reader: it reads on its timer (LTTng's consumer read
 * timer), so its own wake-ups, recorded as sched_switch and timer events, do not wake it again
 * in a loop. Only the record that fills the ring past the watermark wakes it early; past the
 * watermark, in case that one was missed (another CPU's record crossed it between reservation
 * and query), at most one record per wake_gap_ns per CPU: every commit past the watermark
 * would raise an interrupt while the reader drains the ring.
 */
static __always_inline void lat_rec_commit(void *payload, __u32 payload_size)
{
	struct lat_rec_hdr *hdr = (struct lat_rec_hdr *)((__u8 *)payload - LAT_REC_CTX_BYTES) - 1;
	__u64 flags = BPF_RB_NO_WAKEUP, avail, *woken;
	/* the record's bytes in the ring: 8 of the kernel's header, the data rounded to 8 */
	__u64 used = 8 + ((sizeof(*hdr) + LAT_REC_CTX_BYTES + payload_size + 7) & ~7ull);
	__u32 zero = 0;

	if (lat_fl_nsub) {
		lat_fl_commit(hdr);
		return;
	}
	if (!lat_rec_config.wake_bytes) {
		bpf_ringbuf_submit(hdr, 0);
		return;
	}
	avail = bpf_ringbuf_query(&lat_rec_events, BPF_RB_AVAIL_DATA);
	if (avail >= lat_rec_config.wake_bytes) {
		woken = bpf_map_lookup_elem(&lat_rec_woken, &zero);
		if (avail < lat_rec_config.wake_bytes + used ||
		    (woken && hdr->ts - *woken >= lat_rec_config.wake_gap_ns)) {
			flags = BPF_RB_FORCE_WAKEUP;
			if (woken) {
				*woken = hdr->ts;
			}
		}
	}
	bpf_ringbuf_submit(hdr, flags);
}

#define lat_rec_submit(rec) lat_rec_commit(rec, sizeof(*(rec)))

/* --- scheduling ----------------------------------------------------------------------------- */

SEC("tp_btf/sched_switch")
int BPF_PROG(lat_rec_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct lat_rec_switch *rec = LAT_REC_RESERVE(struct lat_rec_switch, LAT_REC_SCHED_SWITCH);

	if (!rec) {
		return 0;
	}
	__builtin_memcpy(rec->prev_comm, prev->comm, LAT_REC_COMM);
	rec->prev_tid = prev->pid;
	rec->prev_prio = lat_prio(prev);
	rec->prev_state = preempt ? 0 : prev_state;
	__builtin_memcpy(rec->next_comm, next->comm, LAT_REC_COMM);
	rec->next_tid = next->pid;
	rec->next_prio = lat_prio(next);
	lat_rec_submit(rec);
	return 0;
}

static __always_inline int lat_rec_wakeup(struct task_struct *p, __u16 kind)
{
	struct lat_rec_wakeup *rec = LAT_REC_RESERVE(struct lat_rec_wakeup, kind);

	if (!rec) {
		return 0;
	}
	__builtin_memcpy(rec->comm, p->comm, LAT_REC_COMM);
	rec->tid = p->pid;
	rec->prio = lat_prio(p);
	rec->target_cpu = p->thread_info.cpu;
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(lat_rec_sched_waking, struct task_struct *p)
{
	return lat_rec_wakeup(p, LAT_REC_SCHED_WAKING);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(lat_rec_sched_wakeup, struct task_struct *p)
{
	return lat_rec_wakeup(p, LAT_REC_SCHED_WAKEUP);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(lat_rec_sched_wakeup_new, struct task_struct *p)
{
	return lat_rec_wakeup(p, LAT_REC_SCHED_WAKEUP_NEW);
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(lat_rec_sched_migrate_task, struct task_struct *p, int dest_cpu)
{
	struct lat_rec_migrate *rec =
	    LAT_REC_RESERVE(struct lat_rec_migrate, LAT_REC_SCHED_MIGRATE);

	if (!rec) {
		return 0;
	}
	__builtin_memcpy(rec->comm, p->comm, LAT_REC_COMM);
	rec->tid = p->pid;
	rec->prio = lat_prio(p);
	rec->orig_cpu = p->thread_info.cpu;
	rec->dest_cpu = dest_cpu;
	lat_rec_submit(rec);
	return 0;
}

static __always_inline __u32 lat_pid_ns_inum(struct task_struct *t)
{
	struct nsproxy *ns = t->nsproxy;

	return ns ? ns->pid_ns_for_children->ns.inum : 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(lat_rec_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct lat_rec_fork *rec = LAT_REC_RESERVE(struct lat_rec_fork, LAT_REC_SCHED_FORK);

	if (!rec) {
		return 0;
	}
	__builtin_memcpy(rec->parent_comm, parent->comm, LAT_REC_COMM);
	rec->parent_tid = parent->pid;
	rec->parent_pid = parent->tgid;
	rec->parent_ns_inum = lat_pid_ns_inum(parent);
	__builtin_memcpy(rec->child_comm, child->comm, LAT_REC_COMM);
	rec->child_tid = child->pid;
	rec->child_pid = child->tgid;
	rec->child_ns_inum = lat_pid_ns_inum(child);
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(lat_rec_sched_process_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct lat_rec_exec *rec = LAT_REC_RESERVE(struct lat_rec_exec, LAT_REC_SCHED_EXEC);

	if (!rec) {
		return 0;
	}
	rec->tid = p->pid;
	rec->old_tid = old_pid;
	if (bpf_probe_read_kernel_str(rec->filename, sizeof(rec->filename), bprm->filename) < 0) {
		rec->filename[0] = 0;
	}
	lat_rec_submit(rec);
	return 0;
}

static __always_inline int lat_rec_task(struct task_struct *p, __u16 kind)
{
	struct lat_rec_task *rec = LAT_REC_RESERVE(struct lat_rec_task, kind);

	if (!rec) {
		return 0;
	}
	__builtin_memcpy(rec->comm, p->comm, LAT_REC_COMM);
	rec->tid = p->pid;
	rec->prio = lat_prio(p);
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(lat_rec_sched_process_exit, struct task_struct *p)
{
	return lat_rec_task(p, LAT_REC_SCHED_EXIT);
}

SEC("tp_btf/sched_process_free")
int BPF_PROG(lat_rec_sched_process_free, struct task_struct *p)
{
	return lat_rec_task(p, LAT_REC_SCHED_FREE);
}

/* --- system calls --------------------------------------------------------------------------- */

static __always_inline int lat_rec_self(void)
{
	return lat_rec_config.self_tgid &&
	       (bpf_get_current_pid_tgid() >> 32) == lat_rec_config.self_tgid;
}

static __always_inline void lat_rec_args(struct pt_regs *regs, __u64 *args)
{
	args[0] = regs->di;
	args[1] = regs->si;
	args[2] = regs->dx;
	args[3] = regs->r10;
	args[4] = regs->r8;
	args[5] = regs->r9;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(lat_rec_sys_enter, struct pt_regs *regs, long id)
{
	struct lat_rec_sys_entry_str *srec;
	struct lat_rec_sys_entry *rec;
	__u32 key = (__u32)id, n = 0;
	__u8 *mask, bits = 0;

	if (lat_rec_self()) {
		return 0;
	}
	if (key < LAT_REC_SYS_MAX) {
		mask = bpf_map_lookup_elem(&lat_rec_strargs, &key);
		bits = mask ? *mask : 0;
	}
	if (!bits) {
		rec = LAT_REC_RESERVE(struct lat_rec_sys_entry, LAT_REC_SYS_ENTRY);
		if (!rec) {
			return 0;
		}
		rec->nr = id;
		lat_rec_args(regs, rec->args);
		lat_rec_submit(rec);
		return 0;
	}
	srec = LAT_REC_RESERVE(struct lat_rec_sys_entry_str, LAT_REC_SYS_ENTRY);
	if (!srec) {
		return 0;
	}
	srec->sys.nr = id;
	lat_rec_args(regs, srec->sys.args);
	srec->str_arg[0] = 0xff;
	srec->str_arg[1] = 0xff;
	for (int i = 0; i < LAT_REC_SYS_ARGS; i++) {
		if (!(bits & (1 << i)) || n >= 2) {
			continue;
		}
		srec->str_arg[n & 1] = i;
		if (bpf_probe_read_user_str(srec->str[n & 1], LAT_REC_STR,
					    (const void *)srec->sys.args[i]) < 0) {
			srec->str[n & 1][0] = 0;
		}
		n++;
	}
	lat_rec_submit(srec);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(lat_rec_sys_exit, struct pt_regs *regs, long ret)
{
	struct lat_rec_sys_exit *rec;

	if (lat_rec_self()) {
		return 0;
	}
	rec = LAT_REC_RESERVE(struct lat_rec_sys_exit, LAT_REC_SYS_EXIT);
	if (!rec) {
		return 0;
	}
	rec->nr = regs->orig_ax;
	rec->ret = ret;
	lat_rec_submit(rec);
	return 0;
}

/* --- block requests ------------------------------------------------------------------------- */

static __always_inline __u32 lat_rwbs(__u32 cmd_flags)
{
	__u32 op = cmd_flags & 0xff /* REQ_OP_MASK */, rwbs = 0;

	if (op == REQ_OP_FLUSH) {
		rwbs |= LAT_RWBS_FLUSH;
	} else if (op == REQ_OP_WRITE || op == REQ_OP_WRITE_ZEROES) {
		rwbs |= LAT_RWBS_WRITE;
	} else if (op == REQ_OP_DISCARD) {
		rwbs |= LAT_RWBS_DISCARD;
	} else if (op == REQ_OP_SECURE_ERASE) {
		rwbs |= LAT_RWBS_DISCARD | LAT_RWBS_SECURE;
	} else if (op == REQ_OP_READ) {
		rwbs |= LAT_RWBS_READ;
	}
	if (cmd_flags & (1U << __REQ_FUA)) {
		rwbs |= LAT_RWBS_FUA;
	}
	if (cmd_flags & (1U << __REQ_RAHEAD)) {
		rwbs |= LAT_RWBS_RAHEAD;
	}
	if (cmd_flags & (1U << __REQ_SYNC)) {
		rwbs |= LAT_RWBS_SYNC;
	}
	if (cmd_flags & (1U << __REQ_META)) {
		rwbs |= LAT_RWBS_META;
	}
	if (cmd_flags & (1U << __REQ_PREFLUSH)) {
		rwbs |= LAT_RWBS_PREFLUSH;
	}
	return rwbs;
}

static __always_inline struct lat_rec_block *lat_rec_block(struct request *rq, __u16 kind)
{
	struct lat_rec_block *rec = LAT_REC_RESERVE(struct lat_rec_block, kind);
	struct gendisk *disk;

	if (!rec) {
		return NULL;
	}
	disk = rq->q->disk;
	rec->dev = disk ? ((__u32)disk->major << 20 | (__u32)disk->first_minor) : 0;
	rec->sector = rq->__sector;
	rec->bytes = rq->__data_len;
	rec->nr_sector = rq->__data_len >> 9;
	rec->rwbs = lat_rwbs(rq->cmd_flags);
	rec->tid = (__u32)bpf_get_current_pid_tgid();
	rec->errors = 0;
	bpf_get_current_comm(rec->comm, sizeof(rec->comm));
	return rec;
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(lat_rec_block_rq_insert, struct request *rq)
{
	struct lat_rec_block *rec = lat_rec_block(rq, LAT_REC_BLOCK_INSERT);

	if (rec) {
		lat_rec_submit(rec);
	}
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(lat_rec_block_rq_issue, struct request *rq)
{
	struct lat_rec_block *rec = lat_rec_block(rq, LAT_REC_BLOCK_ISSUE);

	if (rec) {
		lat_rec_submit(rec);
	}
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(lat_rec_block_rq_complete, struct request *rq, blk_status_t error,
	     unsigned int nr_bytes)
{
	struct lat_rec_block *rec = lat_rec_block(rq, LAT_REC_BLOCK_COMPLETE);

	if (rec) {
		rec->nr_sector = nr_bytes >> 9;
		rec->errors = error ? -5 /* EIO */ : 0;
		lat_rec_submit(rec);
	}
	return 0;
}

/* --- interrupts ----------------------------------------------------------------------------- */

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(lat_rec_irq_handler_entry, int irq, struct irqaction *action)
{
	struct lat_rec_irq_entry *rec =
	    LAT_REC_RESERVE(struct lat_rec_irq_entry, LAT_REC_IRQ_ENTRY);

	if (!rec) {
		return 0;
	}
	rec->irq = irq;
	if (bpf_probe_read_kernel_str(rec->name, sizeof(rec->name), action->name) < 0) {
		rec->name[0] = 0;
	}
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(lat_rec_irq_handler_exit, int irq, struct irqaction *action, int ret)
{
	struct lat_rec_irq_exit *rec = LAT_REC_RESERVE(struct lat_rec_irq_exit, LAT_REC_IRQ_EXIT);

	if (!rec) {
		return 0;
	}
	rec->irq = irq;
	rec->ret = ret;
	lat_rec_submit(rec);
	return 0;
}

static __always_inline int lat_rec_softirq(unsigned int vec, __u16 kind)
{
	struct lat_rec_softirq *rec = LAT_REC_RESERVE(struct lat_rec_softirq, kind);

	if (!rec) {
		return 0;
	}
	rec->vec = vec;
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/softirq_raise")
int BPF_PROG(lat_rec_softirq_raise, unsigned int vec)
{
	return lat_rec_softirq(vec, LAT_REC_SOFTIRQ_RAISE);
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(lat_rec_softirq_entry, unsigned int vec)
{
	return lat_rec_softirq(vec, LAT_REC_SOFTIRQ_ENTRY);
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(lat_rec_softirq_exit, unsigned int vec)
{
	return lat_rec_softirq(vec, LAT_REC_SOFTIRQ_EXIT);
}

/* --- network -------------------------------------------------------------------------------- */

SEC("tp_btf/net_dev_xmit")
int BPF_PROG(lat_rec_net_dev_xmit, struct sk_buff *skb, int rc, struct net_device *dev,
	     unsigned int skb_len)
{
	struct lat_rec_net *rec = LAT_REC_RESERVE(struct lat_rec_net, LAT_REC_NET_XMIT);

	if (!rec) {
		return 0;
	}
	rec->skbaddr = (__u64)skb;
	rec->rc = rc;
	rec->len = skb_len;
	if (bpf_probe_read_kernel_str(rec->name, sizeof(rec->name), dev->name) < 0) {
		rec->name[0] = 0;
	}
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(lat_rec_netif_receive_skb, struct sk_buff *skb)
{
	struct lat_rec_net *rec = LAT_REC_RESERVE(struct lat_rec_net, LAT_REC_NET_RECEIVE);
	struct net_device *dev;

	if (!rec) {
		return 0;
	}
	rec->skbaddr = (__u64)skb;
	rec->rc = 0;
	rec->len = skb->len;
	dev = skb->dev;
	if (!dev || bpf_probe_read_kernel_str(rec->name, sizeof(rec->name), dev->name) < 0) {
		rec->name[0] = 0;
	}
	lat_rec_submit(rec);
	return 0;
}

/* --- pages ---------------------------------------------------------------------------------- */

static __always_inline __u64 lat_pfn(struct page *page)
{
	__u64 base = 0;

	if (!lat_rec_config.vmemmap_base_addr ||
	    bpf_probe_read_kernel(&base, sizeof(base), (void *)lat_rec_config.vmemmap_base_addr)) {
		return 0;
	}
	return ((__u64)page - base) / bpf_core_type_size(struct page);
}

SEC("tp_btf/mm_page_alloc")
int BPF_PROG(lat_rec_mm_page_alloc, struct page *page, unsigned int order, gfp_t gfp_flags,
	     int migratetype)
{
	struct lat_rec_page *rec = LAT_REC_RESERVE(struct lat_rec_page, LAT_REC_PAGE_ALLOC);

	if (!rec) {
		return 0;
	}
	rec->page = (__u64)page;
	rec->pfn = page ? lat_pfn(page) : (__u64)-1;
	rec->order = order;
	rec->gfp_flags = gfp_flags;
	rec->migratetype = migratetype;
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/mm_page_free")
int BPF_PROG(lat_rec_mm_page_free, struct page *page, unsigned int order)
{
	struct lat_rec_page *rec = LAT_REC_RESERVE(struct lat_rec_page, LAT_REC_PAGE_FREE);

	if (!rec) {
		return 0;
	}
	rec->page = (__u64)page;
	rec->pfn = lat_pfn(page);
	rec->order = order;
	rec->gfp_flags = 0;
	rec->migratetype = 0;
	lat_rec_submit(rec);
	return 0;
}

/* --- timers --------------------------------------------------------------------------------- */
/* An exit's probe comes before its entry's: the skeleton attaches them in this order, so that no
 * expiry is recorded without its exit. */

static __always_inline int lat_rec_addr(__u64 addr, __u16 kind)
{
	struct lat_rec_addr *rec = LAT_REC_RESERVE(struct lat_rec_addr, kind);

	if (!rec) {
		return 0;
	}
	rec->addr = addr;
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/hrtimer_expire_exit")
int BPF_PROG(lat_rec_hrtimer_expire_exit, struct hrtimer *hrtimer)
{
	return lat_rec_addr((__u64)hrtimer, LAT_REC_HRTIMER_EXPIRE_EXIT);
}

SEC("tp_btf/hrtimer_start")
int BPF_PROG(lat_rec_hrtimer_start, struct hrtimer *hrtimer, enum hrtimer_mode mode, bool was_armed)
{
	struct lat_rec_hrtimer_start *rec =
	    LAT_REC_RESERVE(struct lat_rec_hrtimer_start, LAT_REC_HRTIMER_START);

	if (!rec) {
		return 0;
	}
	rec->hrtimer = (__u64)hrtimer;
	rec->function = (__u64)hrtimer->function;
	rec->expires = hrtimer->node.expires;
	rec->softexpires = hrtimer->_softexpires;
	rec->mode = mode;
	rec->was_armed = was_armed;
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/hrtimer_expire_entry")
int BPF_PROG(lat_rec_hrtimer_expire_entry, struct hrtimer *hrtimer, ktime_t *now)
{
	struct lat_rec_hrtimer_expire *rec =
	    LAT_REC_RESERVE(struct lat_rec_hrtimer_expire, LAT_REC_HRTIMER_EXPIRE_ENTRY);

	if (!rec) {
		return 0;
	}
	rec->hrtimer = (__u64)hrtimer;
	rec->now = 0;
	bpf_probe_read_kernel(&rec->now, sizeof(rec->now), now);
	rec->function = (__u64)hrtimer->function;
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/hrtimer_cancel")
int BPF_PROG(lat_rec_hrtimer_cancel, struct hrtimer *hrtimer)
{
	return lat_rec_addr((__u64)hrtimer, LAT_REC_HRTIMER_CANCEL);
}

SEC("tp_btf/timer_expire_exit")
int BPF_PROG(lat_rec_timer_expire_exit, struct timer_list *timer)
{
	return lat_rec_addr((__u64)timer, LAT_REC_TIMER_EXPIRE_EXIT);
}

static __always_inline __u64 lat_jiffies(void)
{
	__u64 j = 0;

	if (lat_rec_config.jiffies_addr) {
		bpf_probe_read_kernel(&j, sizeof(j), (void *)lat_rec_config.jiffies_addr);
	}
	return j;
}

SEC("tp_btf/timer_start")
int BPF_PROG(lat_rec_timer_start, struct timer_list *timer, unsigned long bucket_expiry)
{
	struct lat_rec_timer_start *rec =
	    LAT_REC_RESERVE(struct lat_rec_timer_start, LAT_REC_TIMER_START);

	if (!rec) {
		return 0;
	}
	rec->timer = (__u64)timer;
	rec->function = (__u64)timer->function;
	rec->expires = timer->expires;
	rec->bucket_expiry = bucket_expiry;
	rec->now = lat_jiffies();
	rec->flags = timer->flags;
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/timer_expire_entry")
int BPF_PROG(lat_rec_timer_expire_entry, struct timer_list *timer, unsigned long baseclk)
{
	struct lat_rec_timer_expire *rec =
	    LAT_REC_RESERVE(struct lat_rec_timer_expire, LAT_REC_TIMER_EXPIRE_ENTRY);

	if (!rec) {
		return 0;
	}
	rec->timer = (__u64)timer;
	rec->now = lat_jiffies();
	rec->function = (__u64)timer->function;
	rec->baseclk = baseclk;
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/timer_cancel")
int BPF_PROG(lat_rec_timer_cancel, struct timer_list *timer)
{
	return lat_rec_addr((__u64)timer, LAT_REC_TIMER_CANCEL);
}

/* --- work queues ---------------------------------------------------------------------------- */

/* raw_tp: tp_btf refuses a function pointer argument */
SEC("raw_tp/workqueue_execute_end")
int BPF_PROG(lat_rec_workqueue_execute_end, void *work, void *function)
{
	struct lat_rec_work *rec = LAT_REC_RESERVE(struct lat_rec_work, LAT_REC_WQ_END);

	if (!rec) {
		return 0;
	}
	rec->work = (__u64)work; /* not dereferenced: the work may be freed by now */
	rec->function = (__u64)function;
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/workqueue_queue_work")
int BPF_PROG(lat_rec_workqueue_queue_work, int req_cpu, struct pool_workqueue *pwq,
	     struct work_struct *work)
{
	struct lat_rec_work_queue *rec =
	    LAT_REC_RESERVE(struct lat_rec_work_queue, LAT_REC_WQ_QUEUE);

	if (!rec) {
		return 0;
	}
	rec->work = (__u64)work;
	rec->function = (__u64)work->func;
	rec->req_cpu = req_cpu;
	lat_rec_submit(rec);
	return 0;
}

SEC("tp_btf/workqueue_activate_work")
int BPF_PROG(lat_rec_workqueue_activate_work, struct work_struct *work)
{
	return lat_rec_addr((__u64)work, LAT_REC_WQ_ACTIVATE);
}

SEC("tp_btf/workqueue_execute_start")
int BPF_PROG(lat_rec_workqueue_execute_start, struct work_struct *work)
{
	struct lat_rec_work *rec = LAT_REC_RESERVE(struct lat_rec_work, LAT_REC_WQ_START);

	if (!rec) {
		return 0;
	}
	rec->work = (__u64)work;
	rec->function = (__u64)work->func;
	lat_rec_submit(rec);
	return 0;
}

/* --- KVM (classic tracepoints: the kernel computes the exit's fields; selected with -e only) -- */

SEC("tracepoint/kvm/kvm_entry")
int lat_rec_kvm_entry(struct trace_event_raw_kvm_entry *ctx)
{
	struct lat_rec_kvm_entry *rec =
	    LAT_REC_RESERVE(struct lat_rec_kvm_entry, LAT_REC_KVM_ENTRY);

	if (!rec) {
		return 0;
	}
	rec->vcpu_id = ctx->vcpu_id;
	lat_rec_submit(rec);
	return 0;
}

SEC("tracepoint/kvm/kvm_exit")
int lat_rec_kvm_exit(struct trace_event_raw_kvm_exit *ctx)
{
	struct lat_rec_kvm_exit *rec = LAT_REC_RESERVE(struct lat_rec_kvm_exit, LAT_REC_KVM_EXIT);

	if (!rec) {
		return 0;
	}
	rec->exit_reason = ctx->exit_reason;
	rec->guest_rip = ctx->guest_rip;
	rec->isa = ctx->isa;
	rec->info1 = ctx->info1;
	rec->info2 = ctx->info2;
	rec->intr_info = ctx->intr_info;
	rec->error_code = ctx->error_code;
	rec->vcpu_id = ctx->vcpu_id;
	lat_rec_submit(rec);
	return 0;
}
