/* record_flight.h: the flight recorder's memory: one ring per CPU holding the newest records of
 * `latscope record --flight`, the oldest whole records overwritten when a ring is full or older
 * than the time kept; walked in time order across CPUs when a snapshot is written. */
#ifndef LATSCOPE_SOURCES_RECORD_FLIGHT_H
#define LATSCOPE_SOURCES_RECORD_FLIGHT_H

#include <stddef.h>
#include <stdint.h>

struct lat_flight;

struct lat_flight_stats {
	uint64_t events;      /* records kept now (all CPUs) */
	uint64_t bytes;       /* ring bytes in use (entry headers included) */
	uint64_t capacity;    /* ring bytes, all CPUs */
	uint64_t overwritten; /* records overwritten because their ring was full (since start) */
	uint64_t expired;     /* records dropped because older than the time kept (since start) */
	uint64_t oldest_ts;   /* the oldest record kept (0: none) */
	uint64_t newest_ts;   /* the newest record kept (0: none) */
};

/*
 * Creates cpus rings sharing keep_bytes (each gets keep_bytes / cpus, rounded down to 8 bytes;
 * at least 4 KiB each, else -EINVAL); keep_ns > 0 also drops records older than the newest by
 * more than keep_ns. The memory is allocated at once but touched only as records arrive.
 */
int lat_flight_create(uint32_t cpus, uint64_t keep_bytes, uint64_t keep_ns,
		      struct lat_flight **out);
void lat_flight_destroy(struct lat_flight *f);

/*
 * Keeps one record of CPU cpu stamped ts, overwriting the ring's oldest whole records as needed.
 * Returns 0, -ERANGE for a bad cpu, -E2BIG for a record larger than a ring.
 */
int lat_flight_push(struct lat_flight *f, uint32_t cpu, uint64_t ts, const void *data, size_t size);

/*
 * Notes that CPU cpu's count of events lost before reaching the rings is now total (since
 * start), at time ts. Snapshots report the losses inside their window (lat_flight_walk).
 */
int lat_flight_note_drops(struct lat_flight *f, uint32_t cpu, uint64_t ts, uint64_t total);

/* Drops the records older than now_ts - keep_ns (nothing when keep_ns is 0). */
void lat_flight_expire(struct lat_flight *f, uint64_t now_ts);

struct lat_flight_visitor {
	/* A record, in time order across CPUs. A non-zero return stops the walk with it. */
	int (*record)(void *ctx, uint32_t cpu, uint64_t ts, const void *data, size_t size);
	/* CPU cpu's losses between the window's start and ts (a running total). */
	int (*drops)(void *ctx, uint32_t cpu, uint64_t ts, uint64_t total);
};

/* Visits every record kept, oldest first (merged across CPUs by time); the rings are kept. */
int lat_flight_walk(struct lat_flight *f, const struct lat_flight_visitor *v, void *ctx);

void lat_flight_get_stats(const struct lat_flight *f, struct lat_flight_stats *stats);

#endif /* LATSCOPE_SOURCES_RECORD_FLIGHT_H */
