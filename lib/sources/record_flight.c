/* record_flight.c: per-CPU rings of whole records for the flight recorder (record_flight.h). */
#include "sources/record_flight.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Every entry: this header, then the record's bytes, padded to 8 bytes. */
struct entry_hdr {
	uint64_t ts;
	uint32_t size;
	uint32_t kind; /* ENTRY_* */
};

enum { ENTRY_RECORD = 0, ENTRY_DROPS = 1 };

struct flight_ring {
	uint8_t *buf;
	uint64_t cap;        /* bytes, a multiple of 8 */
	uint64_t head, tail; /* byte positions since start: head - tail <= cap */
	uint64_t events;
	uint64_t overwritten, expired;
	uint64_t drops_base; /* the loss total as of the oldest entry kept */
	uint64_t newest_ts;
};

struct lat_flight {
	uint32_t cpus;
	uint64_t keep_ns;
	size_t max_size; /* the largest record pushed, for the walk's scratch buffer */
	struct flight_ring *rings;
};

static uint64_t entry_bytes(uint32_t size)
{
	return sizeof(struct entry_hdr) + (((uint64_t)size + 7) & ~7ull);
}

static void copy_in(struct flight_ring *r, uint64_t pos, const void *src, size_t n)
{
	uint64_t off = pos % r->cap, first = r->cap - off < n ? r->cap - off : n;

	memcpy(r->buf + off, src, first);
	if (first < n) {
		memcpy(r->buf, (const uint8_t *)src + first, n - first);
	}
}

static void copy_out(const struct flight_ring *r, uint64_t pos, void *dst, size_t n)
{
	uint64_t off = pos % r->cap, first = r->cap - off < n ? r->cap - off : n;

	memcpy(dst, r->buf + off, first);
	if (first < n) {
		memcpy((uint8_t *)dst + first, r->buf, n - first);
	}
}

int lat_flight_create(uint32_t cpus, uint64_t keep_bytes, uint64_t keep_ns, struct lat_flight **out)
{
	uint64_t cap = cpus ? (keep_bytes / cpus) & ~7ull : 0;
	struct lat_flight *f;

	if (!cpus || cap < 4096) {
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		return -ENOMEM;
	}
	f->cpus = cpus;
	f->keep_ns = keep_ns;
	f->rings = calloc(cpus, sizeof(*f->rings));
	if (!f->rings) {
		free(f);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < cpus; i++) {
		f->rings[i].cap = cap;
		f->rings[i].buf = malloc(cap);
		if (!f->rings[i].buf) {
			lat_flight_destroy(f);
			return -ENOMEM;
		}
	}
	*out = f;
	return 0;
}

void lat_flight_destroy(struct lat_flight *f)
{
	if (!f) {
		return;
	}
	for (uint32_t i = 0; f->rings && i < f->cpus; i++) {
		free(f->rings[i].buf);
	}
	free(f->rings);
	free(f);
}

/* Drops the ring's oldest entry: a record is counted in *counter, a loss note moves the base. */
static void evict(struct flight_ring *r, uint64_t *counter)
{
	struct entry_hdr h;

	copy_out(r, r->tail, &h, sizeof(h));
	if (h.kind == ENTRY_DROPS) {
		copy_out(r, r->tail + sizeof(h), &r->drops_base, sizeof(r->drops_base));
	} else {
		r->events--;
		(*counter)++;
	}
	r->tail += entry_bytes(h.size);
}

/* Drops the ring's entries stamped before limit. */
static void expire_ring(struct flight_ring *r, uint64_t limit)
{
	struct entry_hdr h;

	while (r->head != r->tail) {
		copy_out(r, r->tail, &h, sizeof(h));
		if (h.ts >= limit) {
			break;
		}
		evict(r, &r->expired);
	}
}

static int push(struct lat_flight *f, uint32_t cpu, uint32_t kind, uint64_t ts, const void *data,
		size_t size)
{
	struct flight_ring *r;
	struct entry_hdr h = {.ts = ts, .size = (uint32_t)size, .kind = kind};
	uint64_t need;

	if (cpu >= f->cpus) {
		return -ERANGE;
	}
	r = &f->rings[cpu];
	need = entry_bytes((uint32_t)size);
	if (size > UINT32_MAX || need > r->cap) {
		return -E2BIG;
	}
	while (r->cap - (r->head - r->tail) < need) {
		evict(r, &r->overwritten);
	}
	copy_in(r, r->head, &h, sizeof(h));
	copy_in(r, r->head + sizeof(h), data, size);
	r->head += need;
	if (kind == ENTRY_RECORD) {
		r->events++;
		if (size > f->max_size) {
			f->max_size = size;
		}
	}
	if (ts > r->newest_ts) {
		r->newest_ts = ts;
	}
	if (f->keep_ns && ts > f->keep_ns) {
		expire_ring(r, ts - f->keep_ns);
	}
	return 0;
}

int lat_flight_push(struct lat_flight *f, uint32_t cpu, uint64_t ts, const void *data, size_t size)
{
	return push(f, cpu, ENTRY_RECORD, ts, data, size);
}

int lat_flight_note_drops(struct lat_flight *f, uint32_t cpu, uint64_t ts, uint64_t total)
{
	return push(f, cpu, ENTRY_DROPS, ts, &total, sizeof(total));
}

void lat_flight_expire(struct lat_flight *f, uint64_t now_ts)
{
	uint64_t limit;

	if (!f->keep_ns || now_ts <= f->keep_ns) {
		return;
	}
	limit = now_ts - f->keep_ns;
	for (uint32_t i = 0; i < f->cpus; i++) {
		expire_ring(&f->rings[i], limit);
	}
}

int lat_flight_walk(struct lat_flight *f, const struct lat_flight_visitor *v, void *ctx)
{
	uint64_t *pos = calloc(f->cpus, sizeof(*pos));
	uint8_t *scratch = malloc(f->max_size + 8);
	int err = 0;

	if (!pos || !scratch) {
		free(pos);
		free(scratch);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < f->cpus; i++) {
		pos[i] = f->rings[i].tail;
	}
	for (;;) {
		struct entry_hdr h, best_h = {0};
		uint32_t best = f->cpus;

		for (uint32_t i = 0; i < f->cpus; i++) {
			if (pos[i] == f->rings[i].head) {
				continue;
			}
			copy_out(&f->rings[i], pos[i], &h, sizeof(h));
			if (best == f->cpus || h.ts < best_h.ts) {
				best = i;
				best_h = h;
			}
		}
		if (best == f->cpus) {
			break;
		}
		copy_out(&f->rings[best], pos[best] + sizeof(best_h), scratch, best_h.size);
		pos[best] += entry_bytes(best_h.size);
		if (best_h.kind == ENTRY_DROPS) {
			uint64_t total;

			memcpy(&total, scratch, sizeof(total));
			err = v->drops ? v->drops(ctx, best, best_h.ts,
						  total - f->rings[best].drops_base)
				       : 0;
		} else {
			err = v->record(ctx, best, best_h.ts, scratch, best_h.size);
		}
		if (err) {
			break;
		}
	}
	free(pos);
	free(scratch);
	return err;
}

void lat_flight_get_stats(const struct lat_flight *f, struct lat_flight_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	for (uint32_t i = 0; i < f->cpus; i++) {
		const struct flight_ring *r = &f->rings[i];

		stats->events += r->events;
		stats->bytes += r->head - r->tail;
		stats->capacity += r->cap;
		stats->overwritten += r->overwritten;
		stats->expired += r->expired;
		if (r->head != r->tail) {
			struct entry_hdr h;

			copy_out(r, r->tail, &h, sizeof(h));
			if (!stats->oldest_ts || h.ts < stats->oldest_ts) {
				stats->oldest_ts = h.ts;
			}
			if (r->newest_ts > stats->newest_ts) {
				stats->newest_ts = r->newest_ts;
			}
		}
	}
}
