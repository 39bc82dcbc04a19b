/* flight.h: the layout of the flight recorder's kernel-resident rings (`latscope record
 * --flight`, bpf/flight_ring.bpf.h writes them, lib/sources/flight_kring.c reads them at a
 * snapshot). Plain __u32/__u64 types only. */
#ifndef LATSCOPE_BPF_FLIGHT_H
#define LATSCOPE_BPF_FLIGHT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Each CPU owns LAT_FL_LEVELS rings of sub-buffers of LAT_FL_SUBBUF bytes in the BPF_F_MMAPABLE
 * array lat_fl_ring: its first ring (lat_fl_nsub sub-buffers) takes the events, the others
 * (lat_fl_nsub_extra each) those written while another write on the CPU is in progress (an
 * interrupt's, or a preempting task's: system call tracepoints are preemptible). CPU c's rings
 * are the elements from c * (nsub + (LEVELS - 1) * nsub_extra), in level order. A ring's
 * sub-buffers are written in turn: its sub-buffer number seq (1, 2, ...) is its element
 * (seq - 1) % n, so the oldest whole sub-buffer is overwritten when the ring is full (its events
 * counted in overwritten), as LTTng's overwrite mode does. A sub-buffer is a lat_fl_sub header,
 * then records, each a lat_fl_rec prefix, the struct lat_rec_hdr and the payload of
 * bpf/record.h, padded to 8 bytes.
 */
#define LAT_FL_SUBBUF   16384
#define LAT_FL_MAX_CPUS 512
#define LAT_FL_LEVELS   4 /* a power of two */

struct lat_fl_sub {
	__u64 seq;       /* the sub-buffer's number on its CPU (0: never written) */
	__u64 discarded; /* the CPU's discarded total when the sub-buffer was opened */
	__u32 used;      /* bytes of committed records, this header included */
	__u32 events;    /* committed records in it */
	__u64 pad;
};

struct lat_fl_rec {
	__u32 size;  /* the record's bytes, this prefix included, a multiple of 8 */
	__u32 level; /* the ring's level */
};

/* Per CPU and level (lat_fl_cpus[cpu * LAT_FL_LEVELS + level]), in .bss (mapped by user
 * space); 64 bytes, one cache line each. */
struct lat_fl_cpu {
	__u64 seq;         /* the sub-buffer being written (0: none yet) */
	__u32 off;         /* bytes used in it */
	__u32 nest;        /* non-zero while a record is written: the ring is taken */
	__u64 discarded;   /* events not written: every ring of the CPU taken */
	__u64 overwritten; /* events in the sub-buffers overwritten */
	__u64 pad[4];
};

#endif /* LATSCOPE_BPF_FLIGHT_H */
