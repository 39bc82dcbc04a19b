/* flight_ring.bpf.h: the flight recorder's kernel-resident per-CPU overwrite rings (layout in
 * flight.h), included by record.bpf.c: with lat_fl_nsub set at load, every record is written
 * there instead of the ring buffer, and stays in kernel memory until a snapshot reads it. */
#ifndef LATSCOPE_BPF_FLIGHT_RING_BPF_H
#define LATSCOPE_BPF_FLIGHT_RING_BPF_H

#include "flight.h"

struct lat_fl_page {
	__u8 bytes[LAT_FL_SUBBUF];
};

/* Sub-buffers of each CPU's first ring (0: the rings are off, records go to the ring buffer),
 * and of each of its LAT_FL_LEVELS - 1 others (for the writers that interrupt or preempt one). */
const volatile __u32 lat_fl_nsub = 0;
const volatile __u32 lat_fl_nsub_extra = 0;

struct lat_fl_cpu lat_fl_cpus[LAT_FL_MAX_CPUS * LAT_FL_LEVELS] = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* user space sets it before load (flight.h) */
	__type(key, __u32);
	__type(value, struct lat_fl_page);
} lat_fl_ring SEC(".maps");

/*
 * Takes one of the CPU's rings no other writer holds: 0 .. LAT_FL_LEVELS - 1, or -1. A writer
 * that holds one may be interrupted, or (system call tracepoints are preemptible) preempted, by
 * another on the same CPU: the other takes the next ring. The add is a locked instruction (a
 * full barrier), and a ring is ours when our add made its count 1: of two racing writers at
 * most one sees 1.
 */
static __always_inline int lat_fl_take(__u32 cpu)
{
	for (int level = 0; level < LAT_FL_LEVELS; level++) {
		struct lat_fl_cpu *st = &lat_fl_cpus[cpu * LAT_FL_LEVELS + level];

		if (*(volatile __u32 *)&st->nest) {
			continue;
		}
		__sync_fetch_and_add(&st->nest, 1);
		if (*(volatile __u32 *)&st->nest == 1) {
			return level;
		}
		__sync_fetch_and_add(&st->nest, -1);
	}
	return -1;
}

/* Ring (cpu, level)'s sub-buffer number seq, or NULL. */
static __always_inline struct lat_fl_sub *lat_fl_sub_of(__u32 cpu, int level, __u64 seq)
{
	__u32 n = level ? lat_fl_nsub_extra : lat_fl_nsub, idx;

	if (!n || !seq) {
		return NULL;
	}
	idx = cpu * (lat_fl_nsub + (LAT_FL_LEVELS - 1) * lat_fl_nsub_extra) +
	      (level ? lat_fl_nsub + (level - 1) * lat_fl_nsub_extra : 0) + (__u32)((seq - 1) % n);
	return bpf_map_lookup_elem(&lat_fl_ring, &idx);
}

/*
 * A place for a record of size bytes (struct lat_rec_hdr and payload, a constant), or NULL
 * (counted in discarded); lat_fl_commit() publishes it. A snapshot copies the rings while the
 * probes write: a sub-buffer's used and events count committed records only, and a sub-buffer
 * whose seq changed during its copy was overwritten meanwhile.
 */
static __always_inline void *lat_fl_reserve(__u32 size)
{
	const __u32 need = (sizeof(struct lat_fl_rec) + size + 7) & ~7u;
	__u32 cpu = bpf_get_smp_processor_id(), off;
	struct lat_fl_cpu *st;
	struct lat_fl_rec *rec;
	struct lat_fl_sub *sb;
	int level;

	if (cpu >= LAT_FL_MAX_CPUS) {
		return NULL;
	}
	level = lat_fl_take(cpu);
	if (level < 0) {
		__sync_fetch_and_add(&lat_fl_cpus[cpu * LAT_FL_LEVELS].discarded, 1);
		return NULL;
	}
	level &= LAT_FL_LEVELS - 1;
	st = &lat_fl_cpus[cpu * LAT_FL_LEVELS + level];
	if (!st->seq || st->off > LAT_FL_SUBBUF - need) {
		/* the next sub-buffer: the ring's oldest when it is full */
		sb = lat_fl_sub_of(cpu, level, st->seq + 1);
		if (!sb) {
			goto drop;
		}
		if (sb->seq) {
			st->overwritten += sb->events;
		}
		sb->seq = st->seq + 1; /* first: a copy in progress sees the change */
		asm volatile("" ::: "memory");
		sb->used = sizeof(*sb);
		sb->events = 0;
		sb->discarded = st->discarded;
		st->seq++;
		st->off = sizeof(*sb);
	} else {
		sb = lat_fl_sub_of(cpu, level, st->seq);
		if (!sb) {
			goto drop;
		}
	}
	off = st->off;
	if (off > LAT_FL_SUBBUF - need) {
		goto drop;
	}
	rec = (void *)sb + off;
	rec->size = need;
	rec->level = level;
	st->off = off + need;
	return rec + 1;
drop:
	__sync_fetch_and_add(&st->discarded, 1);
	__sync_fetch_and_add(&st->nest, -1);
	return NULL;
}

/* Publishes the record at hdr (lat_fl_reserve()'s) and frees its ring. */
static __always_inline void lat_fl_commit(void *hdr)
{
	struct lat_fl_rec *rec = (struct lat_fl_rec *)hdr - 1;
	__u32 cpu = bpf_get_smp_processor_id();
	int level = rec->level & (LAT_FL_LEVELS - 1);
	struct lat_fl_cpu *st;
	struct lat_fl_sub *sb;

	if (cpu >= LAT_FL_MAX_CPUS) {
		return;
	}
	st = &lat_fl_cpus[cpu * LAT_FL_LEVELS + level];
	sb = lat_fl_sub_of(cpu, level, st->seq);
	/* the record's bytes are stored before used covers them (x86 keeps stores in order) */
	asm volatile("" ::: "memory");
	if (sb) {
		sb->events++;
		sb->used = st->off;
	}
	__sync_fetch_and_add(&st->nest, -1);
}

#endif /* LATSCOPE_BPF_FLIGHT_RING_BPF_H */
