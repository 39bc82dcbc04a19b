/* record_flight.c: the flight recorder's per-CPU rings (lib/sources/record_flight.h): records kept
 * whole and in order, the oldest overwritten and counted, the walk in time order across CPUs,
 * counts that add up, and --keep-time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
	test_overwrite();
	test_keep_time();
	return tap_done_testing();
}
