/* tracker_stress.c: threads doing in/out/get/put on overlapping keys; the counters must add up
 * exactly. */
#include "tap.h"

#include "latscope/tracker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * THREADS workers for SECONDS (LATSCOPE_STRESS_SECONDS overrides) on NKEYS shared keys: unique
 * and duplicate ins (some with a 1 ms timeout), outs, get/put with reads of the held event. A
 * small pool (max_events) makes drops happen too, and GC runs. Every call's result is tallied
 * by the workers; at the end the tracker's counters must equal the tallies and add up.
 */
#define THREADS 4
#define NKEYS   48
#define MS      1000000ULL

static struct lat_tracker *tracker;
static atomic_bool stop;
static _Atomic uint64_t cb_normal, cb_timeout, cb_gc, cb_bad;

struct tally {
	uint64_t in_ok, in_full, outs_ok, outs_events, outs_none, gets, gets_bad;
};

static void count_cb(const struct lat_tracker_event_ctx *ctx)
{
	if ((ctx->key_len != 8 && ctx->key_len != 7) ||
	    ctx->delay_ns != ctx->end_ns - ctx->start_ns) {
		atomic_fetch_add(&cb_bad, 1);
	}
	switch (ctx->flag) {
	case LAT_CB_NORMAL:
		atomic_fetch_add(&cb_normal, 1);
		break;
	case LAT_CB_TIMEOUT:
		atomic_fetch_add(&cb_timeout, 1);
		break;
	case LAT_CB_GC:
		atomic_fetch_add(&cb_gc, 1);
		break;
	}
}

static void *worker(void *arg)
{
	struct tally *tl = arg;
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	uint64_t key;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		int op = rand_r(&seed) % 10, err;

		key = 0x6b657900ULL + (uint64_t)(rand_r(&seed) % NKEYS);
		if (op < 4) {
			unsigned int flags = (op == 0) ? LAT_IN_DUPLICATE : LAT_IN_DEFAULT;
			uint64_t timeout = (op == 1) ? MS : LAT_TRACKER_NEVER;

			err = lat_tracker_event_in(tracker, &key, sizeof(key), 0, timeout, NULL,
						   (void *)(uintptr_t)key, flags);
			if (err == 0) {
				tl->in_ok++;
			} else if (err == -ENOSPC) {
				tl->in_full++;
			} else {
				tl->gets_bad++;
			}
		} else if (op < 8) {
			err = lat_tracker_event_out(tracker, &key, sizeof(key));
			if (err > 0) {
				tl->outs_ok++;
				tl->outs_events += (uint64_t)err;
			} else if (err == -ENOENT) {
				tl->outs_none++;
			} else {
				tl->gets_bad++;
			}
		} else {
			struct lat_event *e = lat_tracker_get_event(tracker, &key, sizeof(key));
			size_t len = 0;

			if (e) {
				const void *k = lat_event_key(e, &len);

				tl->gets++;
				/* The event must stay intact while held, whatever others do. */
				for (int spin = 0; spin < 50; spin++) {
					if (len != sizeof(key) ||
					    memcmp(k, &key, sizeof(key)) != 0 ||
					    lat_event_priv(e) != (void *)(uintptr_t)key ||
					    lat_event_start_ns(e) == 0) {
						tl->gets_bad++;
						break;
					}
				}
				lat_tracker_put_event(tracker, e);
			}
		}
	}
	return NULL;
}

/*
 * Replace storm: more threads than CPUs on 4 keys, unique ins and outs only, a tiny pool. An out
 * and a unique in often race for the same event; the loser must not touch it afterwards (a late
 * claim once ended a reused event still linked in the table: a cycle in a bucket chain).
 */
#define STORM_THREADS 8
static struct lat_tracker *storm;
static _Atomic uint64_t storm_ins, storm_outs_events;

static void *storm_worker(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	uint64_t ins = 0, events = 0;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint64_t key = (uint64_t)(rand_r(&seed) % 4);
		int err;

		if (rand_r(&seed) & 1) {
			ins += lat_tracker_event_in(storm, &key, sizeof(key), 0, 0, NULL, NULL,
						    LAT_IN_UNIQUE) == 0;
		} else if ((err = lat_tracker_event_out(storm, &key, sizeof(key))) > 0) {
			events += (uint64_t)err;
		}
	}
	atomic_fetch_add(&storm_ins, ins);
	atomic_fetch_add(&storm_outs_events, events);
	return NULL;
}

static void replace_storm(double seconds)
{
	struct lat_tracker_options o = {.max_events = 16, .max_key_len = 8};
	struct timespec pause = {.tv_sec = (time_t)seconds,
				 .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
	pthread_t threads[STORM_THREADS];
	struct lat_tracker_counters c;

	atomic_store(&stop, false);
	lat_tracker_create(&o, &storm);
	for (uintptr_t i = 0; i < STORM_THREADS; i++) {
		pthread_create(&threads[i], NULL, storm_worker, (void *)(i + 100));
	}
	nanosleep(&pause, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < STORM_THREADS; i++) {
		pthread_join(threads[i], NULL);
	}
	lat_tracker_get_counters(storm, &c);
	tap_diag("replace storm: %llu ins, %llu replaced, %llu completed, %llu in flight",
		 (unsigned long long)c.ins, (unsigned long long)c.replaced,
		 (unsigned long long)c.completed, (unsigned long long)c.in_flight);
	ok(c.tracked == atomic_load(&storm_ins) && c.completed == atomic_load(&storm_outs_events) &&
	       c.tracked == c.in_flight + c.completed + c.replaced && c.in_flight <= 4 &&
	       c.replaced > 0,
	   "replace storm (%d threads, 4 keys, unique ins vs outs): counters exact, at most one "
	   "event per key left",
	   STORM_THREADS);
	lat_tracker_set_tracking(storm, false);
	lat_tracker_get_counters(storm, &c);
	is_int(c.in_flight, 0, "replace storm: the table empties cleanly");
	lat_tracker_destroy(storm);
}

int main(void)
{
	struct lat_tracker_options o = {
	    .max_events = 40, /* fewer than keys x duplicates: drops happen */
	    .max_key_len = 8,
	    .threshold_ns = 20000, /* 20 us: some outs are above it */
	    .callback = count_cb,
	    .gc_age_ns = 50 * MS,
	    .alert_interval_ns = MS,
	};
	const char *env = getenv("LATSCOPE_STRESS_SECONDS");
	double seconds = env ? atof(env) : 1.0;
	struct timespec pause = {.tv_sec = (time_t)seconds,
				 .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
	struct tally tallies[THREADS] = {{0}}, sum = {0};
	pthread_t threads[THREADS];
	struct lat_tracker_counters c, mid;
	struct lat_tracker_stats st;
	int err, snapshots_ok = 1;

	tap_plan(15);
	err = lat_tracker_create(&o, &tracker);
	if (err) {
		printf("Bail out! lat_tracker_create: %s\n", strerror(-err));
		return 1;
	}
	/* One request nobody ends: it must time out (1 ms), then be garbage-collected (50 ms). */
	err = lat_tracker_event_in(tracker, "stuck-1", 7, LAT_TRACKER_NEVER, MS, NULL, NULL, 0);
	for (int i = 0; i < THREADS; i++) {
		pthread_create(&threads[i], NULL, worker, &tallies[i]);
	}
	/* Snapshots taken while the workers run must add up too. */
	for (int n = 0; n < 20; n++) {
		nanosleep(
		    &(struct timespec){.tv_nsec =
					   (long)(pause.tv_sec * 1000000000L + pause.tv_nsec) / 20},
		    NULL);
		lat_tracker_get_counters(tracker, &mid);
		if (!(mid.ins == mid.tracked + mid.drops && mid.in_flight <= mid.tracked &&
		      mid.over_threshold <= mid.completed && mid.outs_matched <= mid.completed)) {
			snapshots_ok = 0;
		}
	}
	atomic_store(&stop, true);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		sum.in_ok += tallies[i].in_ok;
		sum.in_full += tallies[i].in_full;
		sum.outs_ok += tallies[i].outs_ok;
		sum.outs_events += tallies[i].outs_events;
		sum.outs_none += tallies[i].outs_none;
		sum.gets += tallies[i].gets;
		sum.gets_bad += tallies[i].gets_bad;
	}
	lat_tracker_get_counters(tracker, &c);
	lat_tracker_get_stats(tracker, &st);
	tap_diag(
	    "%.1f s, %d threads: %llu ins (%llu dropped), %llu outs, %llu gets; %llu in flight, "
	    "%llu replaced, %llu timeouts, %llu gc",
	    seconds, THREADS, (unsigned long long)c.ins, (unsigned long long)c.drops,
	    (unsigned long long)c.outs, (unsigned long long)sum.gets,
	    (unsigned long long)c.in_flight, (unsigned long long)c.replaced,
	    (unsigned long long)c.timeouts, (unsigned long long)c.gc);

	ok(snapshots_ok, "20 snapshots taken during the run add up (in flight never negative)");
	ok(err == 0 && c.tracked == sum.in_ok + 1 && c.drops == sum.in_full,
	   "tracked and drops equal what the callers saw (%llu, %llu)",
	   (unsigned long long)c.tracked, (unsigned long long)c.drops);
	ok(c.outs_matched == sum.outs_ok && c.outs_without_in == sum.outs_none &&
	       c.completed == sum.outs_events,
	   "outs matched, without in and completed events equal what the callers saw");
	ok(c.ins == c.tracked + c.drops, "ins == tracked + drops");
	ok(c.tracked == c.in_flight + c.completed + c.replaced + c.gc + c.flushed,
	   "tracked == in flight + completed + replaced + gc + flushed");
	ok(c.outs == c.outs_matched + c.outs_without_in, "outs == matched + without in");
	is_int(atomic_load(&cb_bad), 0, "every callback context was consistent");
	is_int(sum.gets_bad, 0, "every held event stayed intact; no unexpected error");
	ok(c.replaced > 0 && c.timeouts > 0 && c.gc > 0 && sum.gets > 0,
	   "the run exercised replacements, timeouts, GC and get/put");
	is_int(st.count, c.completed, "statistics count every completed event");
	lat_tracker_set_tracking(tracker, false);
	usleep(50000); /* let a timer-thread callback in progress finish */
	lat_tracker_get_counters(tracker, &c);
	ok(c.over_threshold == atomic_load(&cb_normal) && c.timeouts == atomic_load(&cb_timeout) &&
	       c.gc == atomic_load(&cb_gc),
	   "one callback per over-threshold (%llu), timeout (%llu) and GC (%llu) count",
	   (unsigned long long)c.over_threshold, (unsigned long long)c.timeouts,
	   (unsigned long long)c.gc);
	ok(c.in_flight == 0 && c.tracked == c.completed + c.replaced + c.gc + c.flushed,
	   "tracking off: nothing left in flight, every tracked event ended one way");
	lat_tracker_set_tracking(tracker, true);
	err = lat_tracker_event_in(tracker, &(uint64_t){1}, 8, 0, 0, NULL, NULL, 0);
	is_int(err, 0, "after the storm the free list still serves events");
	lat_tracker_destroy(tracker);
	replace_storm(seconds / 2);
	return tap_done();
}
