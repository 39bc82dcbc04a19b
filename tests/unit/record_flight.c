/* record_flight.c: the flight recorder's per-CPU rings (lib/sources/record_flight.h): records kept
 * whole and in order, the oldest overwritten and counted, the walk in time order across CPUs,
 * counts that add up, and --keep-time; the kernel-resident rings' reader
 * (lib/sources/flight_kring.h) on rings written as bpf/flight_ring.bpf.h writes them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../bpf/flight.h"
#include "../../bpf/record.h"
#include "sources/flight_kring.h"
#include "sources/record_flight.h"
#include "tap.h"

#define NCPU 4

struct walk {
	uint64_t next[NCPU]; /* the sequence number expected next on each CPU (UINT64_MAX: any) */
	uint64_t last_ts, n, bad_order, bad_seq, bad_data;
	uint64_t drops[NCPU];
};

static int on_record(void *arg, uint32_t cpu, uint64_t ts, const void *data, size_t size)
{
	struct walk *w = arg;
	const uint8_t *d = data;
	uint64_t seq;

	memcpy(&seq, d, sizeof(seq));
	w->bad_order += ts < w->last_ts;
	w->last_ts = ts;
	w->bad_seq += w->next[cpu] != UINT64_MAX && seq != w->next[cpu];
	w->next[cpu] = seq + 1;
	if (size != 8 + seq % 300) {
		w->bad_data++;
	} else {
		for (size_t i = 8; i < size; i++) {
			if (d[i] != (uint8_t)(seq + i)) {
				w->bad_data++;
				break;
			}
		}
	}
	w->n++;
	return 0;
}

static int on_drops(void *arg, uint32_t cpu, uint64_t ts, uint64_t total)
{
	struct walk *w = arg;

	w->drops[cpu] = total;
	return 0;
}

static void test_overwrite(void)
{
	struct lat_flight_visitor v = {on_record, on_drops};
	struct lat_flight_stats st = {0};
	struct lat_flight *f = NULL;
	uint64_t seqs[NCPU] = {0}, ts = 1000, pushed = 0, push_err = 0;
	uint64_t bad_order = 0, bad_seq = 0, bad_data = 0, bad_count = 0, bad_tail = 0, bad_cap = 0;
	uint8_t buf[400];

	srand(1);
	is_int(lat_flight_create(NCPU, NCPU * 8192, 0, &f), 0, "rings of 8 KiB on 4 CPUs");
	if (!f) {
		return;
	}
	for (int round = 0; round < 200; round++) {
		struct walk w;

		for (int k = 0; k < 1000; k++) {
			uint32_t cpu = (uint32_t)(rand() % NCPU);
			uint64_t seq = seqs[cpu]++;
			size_t size = 8 + seq % 300;

			memcpy(buf, &seq, 8);
			for (size_t i = 8; i < size; i++) {
				buf[i] = (uint8_t)(seq + i);
			}
			ts += (uint64_t)(rand() % 3);
			push_err += lat_flight_push(f, cpu, ts, buf, size) != 0;
			pushed++;
			if (k % 97 == 0) {
				lat_flight_note_drops(f, cpu, ts, (uint64_t)(round * 10 + k));
			}
		}
		memset(&w, 0, sizeof(w));
		for (int i = 0; i < NCPU; i++) {
			w.next[i] = UINT64_MAX;
		}
		lat_flight_walk(f, &v, &w);
		lat_flight_get_stats(f, &st);
		bad_order += w.bad_order;
		bad_seq += w.bad_seq;
		bad_data += w.bad_data;
		bad_count += w.n != st.events || st.events + st.overwritten != pushed;
		for (int i = 0; i < NCPU; i++) {
			bad_tail += w.next[i] != seqs[i] && w.next[i] != UINT64_MAX;
		}
		bad_cap += st.bytes > st.capacity;
	}
	is_int(push_err, 0, "200,000 records of 8-307 bytes pushed");
	is_int(bad_order, 0, "every walk is in time order across CPUs");
	is_int(bad_seq, 0, "a CPU's records are consecutive: only the oldest are overwritten");
	is_int(bad_data, 0, "records come back whole");
	is_int(bad_tail, 0, "each CPU's newest record is kept");
	is_int(bad_count, 0, "kept + overwritten = pushed, and the walk sees every kept record");
	is_int(bad_cap, 0, "the rings never hold more than their capacity");
	ok(st.overwritten > 0 && st.events > 0, "the rings wrapped (%llu kept, %llu overwritten)",
	   (unsigned long long)st.events, (unsigned long long)st.overwritten);
	lat_flight_destroy(f);
}

static void test_keep_time(void)
{
	struct lat_flight_stats st = {0};
	struct lat_flight *f = NULL;
	uint8_t buf[8];

	is_int(lat_flight_create(2, 1 << 20, 100, &f), 0, "rings keeping 100 ns");
	if (!f) {
		return;
	}
	for (uint64_t t = 1; t < 10000; t++) {
		memcpy(buf, &t, 8);
		lat_flight_push(f, (uint32_t)(t % 2), t, buf, 8);
	}
	lat_flight_get_stats(f, &st);
	ok(st.newest_ts - st.oldest_ts <= 101, "only the last 100 ns are kept (%llu..%llu)",
	   (unsigned long long)st.oldest_ts, (unsigned long long)st.newest_ts);
	ok(st.expired > 0 && st.events + st.expired + st.overwritten == 9999,
	   "the older ones are counted as expired (%llu kept, %llu expired)",
	   (unsigned long long)st.events, (unsigned long long)st.expired);
	lat_flight_destroy(f);
}

/* --- the kernel rings: a writer as bpf/flight_ring.bpf.h's, in a memfd --------------------- */

struct kring_sim {
	uint8_t *ring;
	struct lat_fl_cpu st[NCPU * LAT_FL_LEVELS];
	uint32_t nsub, extra;
	uint64_t written, dropped;
};

static struct lat_fl_sub *sim_sub(struct kring_sim *k, uint32_t cpu, uint32_t level, uint64_t seq)
{
	uint32_t n = level ? k->extra : k->nsub;
	size_t idx = (size_t)cpu * (k->nsub + (LAT_FL_LEVELS - 1) * k->extra) +
		     (level ? k->nsub + (level - 1) * k->extra : 0) + (size_t)((seq - 1) % n);

	return (struct lat_fl_sub *)(k->ring + idx * LAT_FL_SUBBUF);
}

/* One record of payload bytes (its first 8: seq, then seq + i) on (cpu, level) at ts. */
static void sim_write(struct kring_sim *k, uint32_t cpu, uint32_t level, uint64_t ts, uint64_t seq,
		      uint32_t payload)
{
	struct lat_fl_cpu *st = &k->st[cpu * LAT_FL_LEVELS + level];
	uint32_t need =
	    (uint32_t)((sizeof(struct lat_fl_rec) + sizeof(struct lat_rec_hdr) + payload + 7) &
		       ~7u);
	struct lat_fl_sub *sb;
	struct lat_fl_rec *rec;
	struct lat_rec_hdr *h;
	uint8_t *p;

	if (!st->seq || st->off > LAT_FL_SUBBUF - need) {
		sb = sim_sub(k, cpu, level, st->seq + 1);
		if (sb->seq) {
			st->overwritten += sb->events;
		}
		sb->seq = st->seq + 1;
		sb->used = sizeof(*sb);
		sb->events = 0;
		sb->discarded = st->discarded;
		st->seq++;
		st->off = sizeof(*sb);
	}
	sb = sim_sub(k, cpu, level, st->seq);
	rec = (struct lat_fl_rec *)((uint8_t *)sb + st->off);
	rec->size = need;
	rec->level = level;
	h = (struct lat_rec_hdr *)(rec + 1);
	h->ts = ts;
	h->kind = 1;
	h->cpu = (uint16_t)cpu;
	h->tid = level;
	p = (uint8_t *)(h + 1);
	memcpy(p, &seq, 8);
	for (uint32_t i = 8; i < payload; i++) {
		p[i] = (uint8_t)(seq + i);
	}
	st->off += need;
	sb->used = st->off;
	sb->events++;
	k->written++;
}

struct kwalk {
	uint64_t next[NCPU * LAT_FL_LEVELS];
	uint64_t last_ts, n, bad_order, bad_seq, bad_data, bad_cpu;
	uint64_t drops[NCPU];
};

static int on_krecord(void *arg, uint32_t cpu, uint64_t ts, const void *data, size_t size)
{
	struct kwalk *w = arg;
	const struct lat_rec_hdr *h = data;
	const uint8_t *p = (const uint8_t *)(h + 1);
	uint32_t ring = cpu * LAT_FL_LEVELS + (h->tid & (LAT_FL_LEVELS - 1));
	uint64_t seq;

	memcpy(&seq, p, 8);
	w->bad_order += ts < w->last_ts;
	w->bad_cpu += h->cpu != cpu || ts != h->ts;
	w->last_ts = ts;
	w->bad_seq += w->next[ring] != UINT64_MAX && seq != w->next[ring];
	w->next[ring] = seq + 1;
	for (size_t i = 8; i < 8 + seq % 200 && sizeof(*h) + i < size; i++) {
		if (p[i] != (uint8_t)(seq + i)) {
			w->bad_data++;
			break;
		}
	}
	w->n++;
	return 0;
}

static int on_kdrops(void *arg, uint32_t cpu, uint64_t ts, uint64_t total)
{
	struct kwalk *w = arg;

	(void)ts;
	w->drops[cpu] = total;
	return 0;
}

static void test_kernel_rings(void)
{
	const struct lat_flight_visitor v = {on_krecord, on_kdrops};
	struct kring_sim k = {0};
	struct lat_fl_kring *kr = NULL;
	struct lat_fl_kring_stats ks;
	uint64_t seqs[NCPU * LAT_FL_LEVELS] = {0}, ts = 1, expired = 0, nsub_extra_check = 0;
	uint64_t bad_order = 0, bad_seq = 0, bad_data = 0, bad_cpu = 0, bad_count = 0;
	uint64_t bad_drops = 0;
	size_t len;
	int fd;

	k.nsub = lat_fl_kring_nsub(NCPU * 12 * LAT_FL_SUBBUF, NCPU, &k.extra);
	is_int(k.nsub, 9, "12 sub-buffers a CPU: 9 for the first ring");
	nsub_extra_check = k.extra;
	is_int(nsub_extra_check, 1, "and 1 for each other ring, below 256 KiB a CPU");
	is_int(lat_fl_kring_nsub(NCPU * 4 * LAT_FL_SUBBUF, NCPU, &k.extra), 0,
	       "4 sub-buffers a CPU: too few (2 + 3 needed)");
	k.nsub = lat_fl_kring_nsub(NCPU * 12 * LAT_FL_SUBBUF, NCPU, &k.extra);
	len = (size_t)NCPU * (k.nsub + (LAT_FL_LEVELS - 1) * k.extra) * LAT_FL_SUBBUF;
	fd = memfd_create("kring", 0);
	if (fd < 0 || ftruncate(fd, (off_t)len)) {
		ok(0, "a memfd for the rings");
		return;
	}
	k.ring = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	is_int(lat_fl_kring_open(fd, k.st, NCPU, k.nsub, k.extra, &kr), 0, "rings mapped");
	if (!kr || k.ring == MAP_FAILED) {
		return;
	}
	srand(7);
	for (int round = 0; round < 30; round++) {
		struct kwalk w;

		for (int i = 0; i < 5000; i++) {
			uint32_t cpu = (uint32_t)(rand() % NCPU);
			/* now and then an interrupt's or a preempting task's event: another ring */
			uint32_t level = rand() % 50 ? 0 : 1 + (uint32_t)(rand() % 3);
			uint32_t ring = cpu * LAT_FL_LEVELS + level;
			uint64_t seq = seqs[ring]++;

			ts += 1 + (uint64_t)(rand() % 5);
			sim_write(&k, cpu, level, ts, seq, (uint32_t)(8 + seq % 200));
			if (rand() % 1000 == 0) {
				k.st[cpu * LAT_FL_LEVELS].discarded++; /* all four rings held */
			}
		}
		memset(&w, 0, sizeof(w));
		for (int i = 0; i < NCPU * LAT_FL_LEVELS; i++) {
			w.next[i] = UINT64_MAX;
		}
		if (lat_fl_kring_copy(kr) || lat_fl_kring_walk(kr, 0, &v, &w, &expired)) {
			bad_count++;
			continue;
		}
		lat_fl_kring_get_stats(kr, &ks);
		bad_order += w.bad_order;
		bad_seq += w.bad_seq;
		bad_data += w.bad_data;
		bad_cpu += w.bad_cpu;
		bad_count += w.n + expired != ks.events || ks.events + ks.overwritten != k.written;
		for (int c = 0; c < NCPU; c++) {
			bad_drops += w.drops[c] > k.st[c * LAT_FL_LEVELS].discarded;
		}
	}
	is_int(bad_count, 0, "walked + left out = kept, kept + overwritten = written (30 rounds)");
	is_int(bad_order, 0, "every walk is in time order across the CPUs' rings");
	is_int(bad_seq, 0, "each ring's records are consecutive: whole sub-buffers overwritten");
	is_int(bad_data, 0, "records come back whole");
	is_int(bad_cpu, 0, "each record in its CPU's stream, at its time");
	is_int(bad_drops, 0, "a window's losses are at most the CPU's total");
	ok(ks.overwritten > 0, "the rings wrapped (%llu kept, %llu overwritten)",
	   (unsigned long long)ks.events, (unsigned long long)ks.overwritten);

	/* a sub-buffer being reopened while copied (its seq changed), a damaged record size */
	{
		struct lat_fl_sub *sb = sim_sub(&k, 0, 0, k.st[0].seq);
		struct lat_fl_sub *old = sim_sub(&k, 0, 0, k.st[0].seq - k.nsub + 1);
		struct lat_fl_rec *rec = (struct lat_fl_rec *)(sb + 1);
		uint32_t events_old = old->events;
		struct kwalk w;

		memset(&w, 0, sizeof(w));
		for (int i = 0; i < NCPU * LAT_FL_LEVELS; i++) {
			w.next[i] = UINT64_MAX;
		}
		old->seq += k.nsub; /* as if reopened after its number was read */
		rec->size = 3;      /* damaged: ends the sub-buffer */
		lat_fl_kring_get_stats(kr, &ks);
		ok(lat_fl_kring_copy(kr) == 0 && lat_fl_kring_walk(kr, 0, &v, &w, &expired) == 0,
		   "a reopened sub-buffer and a damaged record: the snapshot is still made");
		ok(w.n + expired == ks.events - sb->events && w.bad_data == 0 && w.bad_order == 0,
		   "both are left out, the rest whole and in order (%llu records, %u and %u left "
		   "out)",
		   (unsigned long long)w.n, events_old, sb->events);
	}
	lat_fl_kring_close(kr);
	munmap(k.ring, len);
	close(fd);
}

int main(void)
{
	test_overwrite();
	test_keep_time();
	test_kernel_rings();
	return tap_done_testing();
}
