// SPDX-License-Identifier: GPL-2.0
/* irq.bpf.c: the IRQ tracker: hard IRQ handlers, softirq handlers and softirq raise -> entry, by
 * CPU. */
#define LAT_TRACKER_ID LAT_TRACKER_IRQ
#include "lat_tracker.bpf.h"

/*
 * Three series, keyed by CPU in a per-CPU array (neither hard IRQ handlers nor softirqs nest on
 * one CPU; a softirq runs on the CPU that raised it):
 *   0 hard:  irq_handler_entry -> irq_handler_exit (IRQ number, action name, return value)
 *   1 soft:  softirq_entry -> softirq_exit (vector)
 *   2 raise: softirq_raise -> softirq_entry (vector), level-triggered as the pending bit is: a
 *            second raise before the entry is ignored.
 * The task in the record is the one current on the CPU (interrupted, or running the softirqs:
 * ksoftirqd or the task that re-enabled bottom halves). The task filters do not apply: an IRQ
 * belongs to no process. No timeouts: a handler that does not return holds its CPU.
 */

#define LAT_SOFTIRQ_SLOTS 16 /* NR_SOFTIRQS (10) rounded up: the index is masked */

struct lat_irq_cpu {
	__u64 hard_start; /* 0: no hard IRQ handler running */
	__u32 hard_irq;
	__u32 soft_vec;
	__u64 soft_start;                /* 0: no softirq handler running */
	__u64 raised[LAT_SOFTIRQ_SLOTS]; /* first raise not yet followed by an entry, 0: none */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lat_irq_cpu);
} lat_irq_cpus SEC(".maps");

static __always_inline struct lat_irq_cpu *lat_irq_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&lat_irq_cpus, &zero);
}

static __always_inline struct lat_irq_record *lat_irq_reserve(__u32 kind, __u64 start, __u64 delay,
							      __u32 irq)
{
	struct lat_irq_record *rec = bpf_ringbuf_reserve(&lat_events, sizeof(*rec), 0);
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (!rec) {
		lat_drop(LAT_DROP_RINGBUF_FULL);
		return NULL;
	}
	lat_hdr_init(&rec->hdr, sizeof(*rec), 0, pid_tgid >> 32, (__u32)pid_tgid, start, delay);
	bpf_get_current_comm(rec->hdr.comm, sizeof(rec->hdr.comm));
	rec->hdr.payload_off = __builtin_offsetof(struct lat_irq_record, irq);
	rec->hdr.payload_len = sizeof(rec->irq);
	rec->hdr.series = kind;
	rec->irq.kind = kind;
	rec->irq.irq = irq;
	rec->irq.ret = 0;
	rec->irq.pad = 0;
	rec->irq.name[0] = '\0';
	return rec;
}

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(lat_irq_entry, int irq, struct irqaction *action)
{
	struct lat_irq_cpu *c;

	if (!lat_ctl.enabled) {
		return 0;
	}
	c = lat_irq_cpu();
	if (c) {
		c->hard_irq = irq;
		c->hard_start = bpf_ktime_get_ns();
	}
	return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(lat_irq_exit, int irq, struct irqaction *action, int ret)
{
	struct lat_irq_record *rec;
	struct lat_irq_cpu *c;
	__u64 start, delay;

	if (!lat_ctl.enabled) {
		return 0;
	}
	c = lat_irq_cpu();
	if (!c || !c->hard_start || c->hard_irq != (__u32)irq) {
		return 0;
	}
	start = c->hard_start;
	c->hard_start = 0;
	delay = bpf_ktime_get_ns() - start;
	if (!lat_account(LAT_IRQ_HARD, delay)) {
		return 0;
	}
	rec = lat_irq_reserve(LAT_IRQ_HARD, start, delay, irq);
	if (!rec) {
		return 0;
	}
	rec->irq.ret = ret;
	bpf_probe_read_kernel_str(rec->irq.name, sizeof(rec->irq.name),
				  BPF_CORE_READ(action, name));
	lat_count_reported(LAT_IRQ_HARD);
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

SEC("tp_btf/softirq_raise")
int BPF_PROG(lat_softirq_raise, unsigned int vec)
{
	struct lat_irq_cpu *c;
	__u32 i = vec & (LAT_SOFTIRQ_SLOTS - 1);

	if (!lat_ctl.enabled) {
		return 0;
	}
	c = lat_irq_cpu();
	if (c && !c->raised[i]) {
		c->raised[i] = bpf_ktime_get_ns();
	}
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(lat_softirq_entry, unsigned int vec)
{
	struct lat_irq_cpu *c;
	__u32 i = vec & (LAT_SOFTIRQ_SLOTS - 1);
	__u64 now, raised;

	if (!lat_ctl.enabled) {
		return 0;
	}
	c = lat_irq_cpu();
	if (!c) {
		return 0;
	}
	now = bpf_ktime_get_ns();
	c->soft_vec = vec;
	c->soft_start = now;
	raised = c->raised[i];
	if (!raised) {
		return 0;
	}
	c->raised[i] = 0;
	if (lat_account(LAT_IRQ_RAISE, now - raised)) {
		struct lat_irq_record *rec =
		    lat_irq_reserve(LAT_IRQ_RAISE, raised, now - raised, vec);

		if (rec) {
			lat_count_reported(LAT_IRQ_RAISE);
			bpf_ringbuf_submit(rec, 0);
		}
	}
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(lat_softirq_exit, unsigned int vec)
{
	struct lat_irq_record *rec;
	struct lat_irq_cpu *c;
	__u64 start, delay;

	if (!lat_ctl.enabled) {
		return 0;
	}
	c = lat_irq_cpu();
	if (!c || !c->soft_start || c->soft_vec != vec) {
		return 0;
	}
	start = c->soft_start;
	c->soft_start = 0;
	delay = bpf_ktime_get_ns() - start;
	if (!lat_account(LAT_IRQ_SOFT, delay)) {
		return 0;
	}
	rec = lat_irq_reserve(LAT_IRQ_SOFT, start, delay, vec);
	if (rec) {
		lat_count_reported(LAT_IRQ_SOFT);
		bpf_ringbuf_submit(rec, 0);
	}
	return 0;
}
