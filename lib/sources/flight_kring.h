/* flight_kring.h: the flight recorder's kernel-resident rings (bpf/flight.h), read from user
 * space: mapped once, copied at a snapshot while the probes go on writing, then walked in time
 * order across CPUs with the losses of the snapshot's window. */
#ifndef LATSCOPE_SOURCES_FLIGHT_KRING_H
#define LATSCOPE_SOURCES_FLIGHT_KRING_H

#include <stddef.h>
#include <stdint.h>

#include "sources/record_flight.h"

struct lat_fl_kring;

struct lat_fl_kring_stats {
	uint64_t events;      /* records in the rings now */
	uint64_t bytes;       /* ring bytes holding them (sub-buffer headers included) */
	uint64_t capacity;    /* all CPUs */
	uint64_t overwritten; /* records overwritten with their sub-buffer (since start) */
	uint64_t discarded;   /* records not written: nested, or during a snapshot's copy */
	uint64_t oldest_ts;   /* the oldest record kept (0: none), as of the last copy */
	uint64_t newest_ts;
};

/* Sub-buffers of each CPU's first ring for keep_bytes on cpus CPUs, those of each other ring in
 * *nsub_extra (0: less than 80 KiB per CPU). */
uint32_t lat_fl_kring_nsub(uint64_t keep_bytes, uint32_t cpus, uint32_t *nsub_extra);

/*
 * Maps the rings of a loaded record object: ring_fd is the lat_fl_ring map, state its .bss
 * lat_fl_cpus[] (LAT_FL_LEVELS struct lat_fl_cpu per CPU). Returns 0 or -errno.
 */
int lat_fl_kring_open(int ring_fd, void *state, uint32_t cpus, uint32_t nsub, uint32_t nsub_extra,
		      struct lat_fl_kring **out);
void lat_fl_kring_close(struct lat_fl_kring *k);

/* Copies what the rings hold now (their committed records). Returns 0 or -ENOMEM. */
int lat_fl_kring_copy(struct lat_fl_kring *k);

/*
 * Visits the copy's records oldest first (merged across CPUs by time), those older than the
 * newest by more than keep_ns (0: none) skipped and counted in *expired; the drops visitor gets
 * each CPU's losses since the window's start, as they grow.
 */
int lat_fl_kring_walk(struct lat_fl_kring *k, uint64_t keep_ns, const struct lat_flight_visitor *v,
		      void *ctx, uint64_t *expired);

/* The live counts (events, bytes: as of now) and the copy's time span. */
void lat_fl_kring_get_stats(struct lat_fl_kring *k, struct lat_fl_kring_stats *stats);

#endif /* LATSCOPE_SOURCES_FLIGHT_KRING_H */
