/* flight_kring.c: the flight recorder's kernel-resident rings read from user space
 * (flight_kring.h): mapped, copied under a freeze at a snapshot, walked in time order. */
#include "sources/flight_kring.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../../bpf/flight.h"
#include "../../bpf/record.h"

/*
 * The rings are written by BPF programs in the kernel, which no sanitizer sees: an acquire
 * fence orders the reads of a sub-buffer's sequence number, size and bytes. gcc refuses
 * atomic_thread_fence under -fsanitize=thread; there a compiler barrier stands in (on x86 an
 * acquire fence is one anyway).
 */
#ifdef __SANITIZE_THREAD__
#define read_fence() __asm__ __volatile__("" ::: "memory")
#else
#define read_fence() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

/* One ring's part of a copy (ring r: CPU r / LAT_FL_LEVELS, level r % LAT_FL_LEVELS): its
 * sub-buffers, oldest first, each LAT_FL_SUBBUF bytes apart. */
struct ring_copy {
	uint8_t *subs;
	uint32_t count, room;
	uint64_t discarded; /* the ring's total when the copy began */
};

struct lat_fl_kring {
	uint8_t *ring; /* the map: cpus * (nsub + (LAT_FL_LEVELS - 1) * nsub_extra) sub-buffers */
	size_t ring_len;
	volatile struct lat_fl_cpu *state; /* cpus * LAT_FL_LEVELS */
	uint32_t cpus, nsub, nsub_extra;
	struct ring_copy *copy; /* NULL: no copy */
	uint64_t oldest_ts, newest_ts;
};

/* Sub-buffers of each extra ring: 2 from 256 KiB a CPU, else 1. */
static uint32_t extra_for(uint64_t per_cpu)
{
	return per_cpu >= (256u << 10) ? 2 : 1;
}

uint32_t lat_fl_kring_nsub(uint64_t keep_bytes, uint32_t cpus, uint32_t *nsub_extra)
{
	uint64_t per_cpu = cpus ? keep_bytes / cpus : 0, n;

	*nsub_extra = extra_for(per_cpu);
	n = per_cpu / LAT_FL_SUBBUF;
	if (cpus > LAT_FL_MAX_CPUS || n < 2 + (LAT_FL_LEVELS - 1) * *nsub_extra) {
		return 0;
	}
	n -= (LAT_FL_LEVELS - 1) * *nsub_extra;
	return n > (1u << 30) / cpus ? (1u << 30) / cpus : (uint32_t)n;
}

int lat_fl_kring_open(int ring_fd, void *state, uint32_t cpus, uint32_t nsub, uint32_t nsub_extra,
		      struct lat_fl_kring **out)
{
	struct lat_fl_kring *k;

	if (!cpus || cpus > LAT_FL_MAX_CPUS || nsub < 2 || !nsub_extra || !state) {
		return -EINVAL;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		return -ENOMEM;
	}
	k->ring_len = (size_t)cpus * (nsub + (LAT_FL_LEVELS - 1) * nsub_extra) * LAT_FL_SUBBUF;
	k->ring = mmap(NULL, k->ring_len, PROT_READ, MAP_SHARED, ring_fd, 0);
	if (k->ring == MAP_FAILED) {
		int err = -errno;

		free(k);
		return err;
	}
	k->state = state;
	k->cpus = cpus;
	k->nsub = nsub;
	k->nsub_extra = nsub_extra;
	*out = k;
	return 0;
}

static void free_copy(struct lat_fl_kring *k)
{
	for (uint32_t r = 0; k->copy && r < k->cpus * LAT_FL_LEVELS; r++) {
		free(k->copy[r].subs);
	}
	free(k->copy);
	k->copy = NULL;
}

void lat_fl_kring_close(struct lat_fl_kring *k)
{
	if (!k) {
		return;
	}
	free_copy(k);
	munmap(k->ring, k->ring_len);
	free(k);
}

/* Ring r's sub-buffers. */
static uint32_t ring_n(const struct lat_fl_kring *k, uint32_t r)
{
	return r % LAT_FL_LEVELS ? k->nsub_extra : k->nsub;
}

/* Sub-buffer number seq of ring r. */
static const struct lat_fl_sub *sub_at(const struct lat_fl_kring *k, uint32_t r, uint64_t seq)
{
	uint32_t cpu = r / LAT_FL_LEVELS, level = r % LAT_FL_LEVELS;
	size_t idx = (size_t)cpu * (k->nsub + (LAT_FL_LEVELS - 1) * k->nsub_extra) +
		     (level ? k->nsub + (level - 1) * k->nsub_extra : 0) +
		     (size_t)((seq - 1) % ring_n(k, r));

	return (const struct lat_fl_sub *)(k->ring + idx * LAT_FL_SUBBUF);
}

/* Ring r's sub-buffer numbers kept now: first .. last (none when last is 0). */
static uint64_t first_seq(const struct lat_fl_kring *k, uint32_t r, uint64_t last)
{
	return last > ring_n(k, r) ? last - ring_n(k, r) + 1 : 1;
}

/* The first record of a sub-buffer after off, or NULL; a damaged size ends the sub-buffer. */
static const struct lat_rec_hdr *rec_at(const uint8_t *sub, uint32_t off, uint32_t *size)
{
	const struct lat_fl_sub *sb = (const void *)sub;
	uint32_t used = sb->used < LAT_FL_SUBBUF ? sb->used : LAT_FL_SUBBUF;
	struct lat_fl_rec r;

	if (off + sizeof(r) + sizeof(struct lat_rec_hdr) > used) {
		return NULL;
	}
	memcpy(&r, sub + off, sizeof(r));
	if (r.size < sizeof(r) + sizeof(struct lat_rec_hdr) || r.size > used - off) {
		return NULL;
	}
	*size = r.size;
	return (const void *)(sub + off + sizeof(r));
}

int lat_fl_kring_copy(struct lat_fl_kring *k)
{
	uint32_t rings = k->cpus * LAT_FL_LEVELS;

	free_copy(k);
	k->copy = calloc(rings, sizeof(*k->copy));
	if (!k->copy) {
		return -ENOMEM;
	}
	/* the room first: one more sub-buffer than kept now, as one may open meanwhile */
	for (uint32_t r = 0; r < rings; r++) {
		struct ring_copy *rc = &k->copy[r];
		uint64_t last = k->state[r].seq;

		rc->room = last ? (uint32_t)(last - first_seq(k, r, last) + 1) : 0;
		if (rc->room < ring_n(k, r) && last) {
			rc->room++; /* one more may open before the freeze */
		}
		if (!rc->room) {
			continue;
		}
		rc->subs = malloc((size_t)rc->room * LAT_FL_SUBBUF);
		if (!rc->subs) {
			free_copy(k);
			return -ENOMEM;
		}
	}
	/* no freeze: the probes keep writing; a sub-buffer overwritten while it was copied is
	 * left out (its events are counted as overwritten by the probe that reopened it) */
	for (uint32_t r = 0; r < rings; r++) {
		struct ring_copy *rc = &k->copy[r];
		uint64_t last = k->state[r].seq, first = first_seq(k, r, last);

		rc->discarded = k->state[r].discarded;
		if (last && last - first + 1 > rc->room) {
			first = last - rc->room + 1; /* the newest that fit */
		}
		for (uint64_t seq = first; last && seq <= last; seq++) {
			const volatile struct lat_fl_sub *sb = (const void *)sub_at(k, r, seq);
			uint8_t *dst = rc->subs + (size_t)rc->count * LAT_FL_SUBBUF;
			uint32_t used;

			if (sb->seq != seq) {
				continue;
			}
			read_fence();
			used = sb->used < LAT_FL_SUBBUF ? sb->used : LAT_FL_SUBBUF;
			read_fence();
			memcpy(dst, (const void *)sb, used);
			read_fence();
			if (sb->seq != seq || used < sizeof(struct lat_fl_sub)) {
				continue;
			}
			((struct lat_fl_sub *)dst)->used = used; /* what was copied */
			rc->count++;
		}
	}
	/* the copy's span: from the first records of the CPUs' first rings (the others hold the
	 * few events written while another was, older ones are outside the window), to the
	 * newest record */
	k->oldest_ts = k->newest_ts = 0;
	for (uint32_t r = 0; r < rings; r++) {
		const struct ring_copy *rc = &k->copy[r];

		for (uint32_t i = 0; i < rc->count; i++) {
			const uint8_t *sub = rc->subs + (size_t)i * LAT_FL_SUBBUF;
			const struct lat_rec_hdr *h;
			uint32_t off = sizeof(struct lat_fl_sub), size;

			while ((h = rec_at(sub, off, &size))) {
				if (r % LAT_FL_LEVELS == 0 &&
				    (!k->oldest_ts || h->ts < k->oldest_ts)) {
					k->oldest_ts = h->ts;
				}
				if (h->ts > k->newest_ts) {
					k->newest_ts = h->ts;
				}
				off += size;
			}
		}
	}
	return 0;
}

struct cursor {
	uint32_t sub, off;
	uint64_t base, lost; /* the ring's losses: its window's first total, the last seen */
	bool started;        /* the cursor's sub-buffer has had its losses seen */
};

/* The ring's next record (moving to the next sub-buffer as needed), or NULL. */
static const struct lat_rec_hdr *peek(const struct ring_copy *rc, struct cursor *cur,
				      uint32_t *size)
{
	while (cur->sub < rc->count) {
		const struct lat_rec_hdr *h =
		    rec_at(rc->subs + (size_t)cur->sub * LAT_FL_SUBBUF, cur->off, size);

		if (h) {
			return h;
		}
		cur->sub++;
		cur->off = sizeof(struct lat_fl_sub);
		cur->started = false;
	}
	return NULL;
}

/* CPU cpu's losses in the window: the sum over its rings. */
static uint64_t cpu_lost(const struct cursor *cur, uint32_t cpu)
{
	uint64_t lost = 0;

	for (uint32_t l = 0; l < LAT_FL_LEVELS; l++) {
		lost += cur[cpu * LAT_FL_LEVELS + l].lost;
	}
	return lost;
}

int lat_fl_kring_walk(struct lat_fl_kring *k, uint64_t keep_ns, const struct lat_flight_visitor *v,
		      void *ctx, uint64_t *expired)
{
	uint64_t limit = keep_ns && k->newest_ts > keep_ns ? k->newest_ts - keep_ns : 0;
	uint32_t rings = k->cpus * LAT_FL_LEVELS;
	uint64_t *reported;
	struct cursor *cur;
	int err = 0;

	*expired = 0;
	if (!k->copy) {
		return 0;
	}
	if (limit < k->oldest_ts) {
		limit = k->oldest_ts; /* the window's start */
	}
	cur = calloc(rings, sizeof(*cur));
	reported = calloc(k->cpus, sizeof(*reported));
	if (!cur || !reported) {
		free(cur);
		free(reported);
		return -ENOMEM;
	}
	for (uint32_t r = 0; r < rings; r++) {
		const struct ring_copy *rc = &k->copy[r];

		cur[r].off = sizeof(struct lat_fl_sub);
		cur[r].base =
		    rc->count ? ((const struct lat_fl_sub *)rc->subs)->discarded : rc->discarded;
	}
	for (;;) {
		const struct lat_rec_hdr *h, *best_h = NULL;
		uint32_t best = rings, size, best_size = 0, cpu;

		for (uint32_t r = 0; r < rings; r++) {
			h = peek(&k->copy[r], &cur[r], &size);
			if (h && (!best_h || h->ts < best_h->ts)) {
				best = r;
				best_h = h;
				best_size = size;
			}
		}
		if (!best_h) {
			break;
		}
		cpu = best / LAT_FL_LEVELS;
		cur[best].off += best_size;
		if (!cur[best].started) {
			const struct lat_fl_sub *sb =
			    (const void *)(k->copy[best].subs +
					   (size_t)cur[best].sub * LAT_FL_SUBBUF);

			cur[best].started = true;
			cur[best].lost = sb->discarded - cur[best].base;
		}
		if (best_h->ts < limit || best_h->cpu != cpu) {
			(*expired)++; /* older than the window (or damaged) */
			continue;
		}
		if (cpu_lost(cur, cpu) != reported[cpu] && v->drops) {
			reported[cpu] = cpu_lost(cur, cpu);
			err = v->drops(ctx, cpu, best_h->ts, reported[cpu]);
		}
		if (!err) {
			err = v->record(ctx, cpu, best_h->ts, best_h,
					best_size - sizeof(struct lat_fl_rec));
		}
		if (err) {
			break;
		}
	}
	for (uint32_t r = 0; r < rings; r++) {
		cur[r].lost = k->copy[r].discarded - cur[r].base;
	}
	for (uint32_t c = 0; !err && c < k->cpus && v->drops; c++) {
		if (cpu_lost(cur, c) != reported[c]) {
			err = v->drops(ctx, c, k->newest_ts, cpu_lost(cur, c));
		}
	}
	free(cur);
	free(reported);
	free_copy(k);
	return err;
}

void lat_fl_kring_get_stats(struct lat_fl_kring *k, struct lat_fl_kring_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	stats->capacity = k->ring_len;
	for (uint32_t r = 0; r < k->cpus * LAT_FL_LEVELS; r++) {
		uint64_t last = k->state[r].seq;

		stats->overwritten += k->state[r].overwritten;
		stats->discarded += k->state[r].discarded;
		for (uint64_t seq = first_seq(k, r, last); last && seq <= last; seq++) {
			const struct lat_fl_sub *sb = sub_at(k, r, seq);

			if (sb->seq == seq) {
				stats->events += sb->events;
				stats->bytes += sb->used < LAT_FL_SUBBUF ? sb->used : LAT_FL_SUBBUF;
			}
		}
	}
	stats->oldest_ts = k->oldest_ts;
	stats->newest_ts = k->newest_ts;
}
