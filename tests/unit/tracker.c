/* tracker.c: unit tests of liblatscope's tracker, one group per rule of include/latscope/tracker.h.
 */
#include "tap.h"

#include "latscope/tracker.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000ULL

/* A clock the tests move by hand, so delays are exact. */
static _Atomic uint64_t fake_now = 1000 * MS;

static uint64_t fake_clock(void *priv)
{
	(void)priv;
	return atomic_load(&fake_now);
}

static void advance(uint64_t ns)
{
	atomic_fetch_add(&fake_now, ns);
}

/* What the callbacks saw. */
#define MAX_SEEN 64
static struct seen {
	struct lat_tracker_event_ctx ctx;
	char key[64];
	pthread_t thread;
} seen[MAX_SEEN];
static _Atomic int nseen;

static void record_cb(const struct lat_tracker_event_ctx *ctx)
{
	int i = atomic_load(&nseen);

	if (i < MAX_SEEN) {
		seen[i].ctx = *ctx;
		memcpy(seen[i].key, ctx->key, ctx->key_len < 63 ? ctx->key_len : 63);
		seen[i].key[ctx->key_len < 63 ? ctx->key_len : 63] = '\0';
		seen[i].thread = pthread_self();
		atomic_store(&nseen, i + 1);
	}
}

static _Atomic int other_cb_calls;
static void other_cb(const struct lat_tracker_event_ctx *ctx)
{
	(void)ctx;
	atomic_fetch_add(&other_cb_calls, 1);
}

static void reset_seen(void)
{
	memset(seen, 0, sizeof(seen));
	atomic_store(&nseen, 0);
	atomic_store(&other_cb_calls, 0);
}

/* Polls cond every ms for up to 5 s (the timer thread runs every ms). */
#define WAIT_FOR(cond)                                                        \
	do {                                                                  \
		for (int wait_i_ = 0; wait_i_ < 5000 && !(cond); wait_i_++) { \
			usleep(1000);                                         \
		}                                                             \
	} while (0)

static struct lat_tracker *make(struct lat_tracker_options o)
{
	struct lat_tracker *t = NULL;
	int err;

	if (!o.clock_ns) {
		o.clock_ns = fake_clock;
	}
	if (!o.callback) {
		o.callback = record_cb;
	}
	err = lat_tracker_create(&o, &t);
	if (err) {
		printf("Bail out! lat_tracker_create: %s\n", strerror(-err));
		exit(1);
	}
	reset_seen();
	return t;
}

static int in(struct lat_tracker *t, const char *key)
{
	return lat_tracker_event_in(t, key, strlen(key), 0, 0, NULL, NULL, 0);
}

static int out(struct lat_tracker *t, const char *key)
{
	return lat_tracker_event_out(t, key, strlen(key));
}

/* The invariant of the header, checked after every group. */
static struct lat_tracker_counters check_counters(struct lat_tracker *t, const char *what)
{
	struct lat_tracker_counters c;

	lat_tracker_get_counters(t, &c);
	ok(c.ins == c.tracked + c.drops &&
	       c.tracked == c.in_flight + c.completed + c.replaced + c.gc + c.flushed &&
	       c.outs == c.outs_matched + c.outs_without_in && c.over_threshold <= c.completed &&
	       c.outs_matched <= c.completed && c.timeouts <= c.tracked,
	   "%s: counters add up (ins %llu = tracked %llu + drops %llu; in flight %llu)", what,
	   (unsigned long long)c.ins, (unsigned long long)c.tracked, (unsigned long long)c.drops,
	   (unsigned long long)c.in_flight);
	return c;
}

static void test_create(void)
{
	struct lat_tracker *t = NULL;
	struct lat_tracker_options big_key = {.max_key_len = 1 << 20};

	is_int(lat_tracker_create(NULL, &t), 0, "create with NULL options takes every default");
	ok(t != NULL, "and returns a tracker");
	is_int(lat_tracker_get_threshold(t), MS, "default threshold is 1 ms");
	is_int(lat_tracker_get_timeout(t), 0, "default timeout is none");
	ok(lat_tracker_get_tracking(t), "tracking starts on");
	ok(lat_tracker_alert_fd(t) >= 0, "an alert fd exists");
	lat_tracker_destroy(t);
	is_int(lat_tracker_create(NULL, NULL), -EINVAL, "create without a result pointer: -EINVAL");
	is_int(lat_tracker_create(&big_key, &t), -EINVAL, "a 1 MiB key limit is refused: -EINVAL");
	lat_tracker_destroy(NULL);
	ok(1, "destroy(NULL) is a no-op");
}

static void test_bad_arguments(void)
{
	struct lat_tracker *t = make((struct lat_tracker_options){.max_key_len = 8});
	char long_key[9] = "123456789";
	static const struct {
		const char *what;
		const void *key;
		size_t len;
		unsigned int flags;
	} cases[] = {
	    {"a NULL key", NULL, 4, 0},
	    {"an empty key", "k", 0, 0},
	    {"a key above max_key_len", NULL, 9, 0},
	    {"unknown flags", "k", 1, 1 << 7},
	    {"UNIQUE and DUPLICATE together", "k", 1, LAT_IN_UNIQUE | LAT_IN_DUPLICATE},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const void *key = i == 2 ? long_key : cases[i].key;

		is_int(lat_tracker_event_in(t, key, cases[i].len, 0, 0, NULL, NULL, cases[i].flags),
		       -EINVAL, "event_in with %s: -EINVAL", cases[i].what);
	}
	is_int(lat_tracker_event_out(t, NULL, 1), -EINVAL, "event_out with a NULL key: -EINVAL");
	is_int(lat_tracker_event_out(t, long_key, 9), -EINVAL,
	       "event_out with a long key: -EINVAL");
	is_int(lat_tracker_event_in(NULL, "k", 1, 0, 0, NULL, NULL, 0), -EINVAL,
	       "event_in on a NULL tracker: -EINVAL");
	struct lat_tracker_counters c = check_counters(t, "bad arguments");
	ok(c.ins == 0 && c.outs == 0 && c.ignored == 0, "calls with bad arguments are not counted");
	lat_tracker_destroy(t);
}

static void test_threshold(void)
{
	static struct {
		uint64_t threshold; /* per event; 0 = the tracker's 10 ms */
		uint64_t delay;
		bool fires;
	} cases[] = {
	    {0, 0, false},
	    {0, 10 * MS, false}, /* equal is not above */
	    {0, 10 * MS + 1, true},
	    {0, 500 * MS, true},
	    {2 * MS, 3 * MS, true},    /* per-event override, lower */
	    {50 * MS, 20 * MS, false}, /* per-event override, higher */
	    {LAT_TRACKER_NEVER, 1000 * MS, false},
	};
	struct lat_tracker *t =
	    make((struct lat_tracker_options){.threshold_ns = 10 * MS, .priv = &cases});
	int fired = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int before = atomic_load(&nseen);
		uint64_t start = fake_clock(NULL);
		char key[16];

		snprintf(key, sizeof(key), "req-%zu", i);
		lat_tracker_event_in(t, key, strlen(key), cases[i].threshold, 0, NULL, &cases[i],
				     0);
		advance(cases[i].delay);
		is_int(out(t, key), 1, "case %zu: the out completes one event", i);
		is_int(atomic_load(&nseen) - before, cases[i].fires ? 1 : 0,
		       "case %zu: threshold %llu ns, delay %llu ns: %s", i,
		       (unsigned long long)cases[i].threshold, (unsigned long long)cases[i].delay,
		       cases[i].fires ? "callback" : "no callback");
		if (cases[i].fires && atomic_load(&nseen) > before) {
			struct seen *s = &seen[before];

			ok(s->ctx.flag == LAT_CB_NORMAL && !s->ctx.timed_out &&
			       s->ctx.start_ns == start &&
			       s->ctx.end_ns == start + cases[i].delay &&
			       s->ctx.delay_ns == cases[i].delay && strcmp(s->key, key) == 0 &&
			       s->ctx.key_len == strlen(key) && s->ctx.priv == &cases[i] &&
			       s->ctx.tracker_priv == &cases &&
			       pthread_equal(s->thread, pthread_self()),
			   "case %zu: the callback sees key, start, end, delay, NORMAL, priv, in "
			   "the "
			   "out's thread",
			   i);
			ok(s->ctx.threshold_ns ==
			       (cases[i].threshold ? cases[i].threshold : 10 * MS),
			   "case %zu: and the threshold that applied", i);
			fired++;
		}
	}
	struct lat_tracker_counters c = check_counters(t, "threshold");
	is_int(c.over_threshold, fired, "over_threshold counts the NORMAL callbacks");
	is_int(c.completed, sizeof(cases) / sizeof(cases[0]), "completed counts every out");
	lat_tracker_destroy(t);
}

static void test_callbacks(void)
{
	struct lat_tracker *t = make((struct lat_tracker_options){.threshold_ns = 1});
	struct lat_tracker *quiet;
	struct lat_tracker_options o = {.threshold_ns = 1, .clock_ns = fake_clock};

	lat_tracker_event_in(t, "a", 1, 0, 0, other_cb, NULL, 0);
	lat_tracker_event_in(t, "b", 1, 0, 0, NULL, NULL, 0);
	advance(MS);
	out(t, "a");
	out(t, "b");
	is_int(atomic_load(&other_cb_calls), 1, "a per-event callback replaces the default");
	is_int(atomic_load(&nseen), 1, "NULL takes the tracker's default callback");
	lat_tracker_destroy(t);

	lat_tracker_create(&o, &quiet);
	in(quiet, "c");
	advance(MS);
	out(quiet, "c");
	struct lat_tracker_counters c = check_counters(quiet, "no callback");
	is_int(c.over_threshold, 1, "without any callback, slow events are still counted");
	lat_tracker_destroy(quiet);
}

static void test_out_without_in(void)
{
	struct lat_tracker *t = make((struct lat_tracker_options){0});

	is_int(out(t, "nobody"), -ENOENT, "an out without an in: -ENOENT");
	in(t, "x");
	is_int(out(t, "x"), 1, "an out after its in: 1 event");
	is_int(out(t, "x"), -ENOENT, "a second out for the same in: -ENOENT");
	struct lat_tracker_counters c = check_counters(t, "outs without in");
	ok(c.outs == 3 && c.outs_without_in == 2 && c.outs_matched == 1,
	   "outs 3 = 1 matched + 2 without an in");
	lat_tracker_destroy(t);
}

static void test_unique_and_duplicates(void)
{
	struct lat_tracker *t = make((struct lat_tracker_options){.threshold_ns = 1});
	struct lat_tracker *d;
	struct lat_event *e;
	int x1, x2;

	is_int(lat_tracker_event_in(t, "k", 1, 0, 0, NULL, &x1, 0), 0, "unique tracker: first in");
	advance(5 * MS);
	is_int(lat_tracker_event_in(t, "k", 1, 0, 0, NULL, &x2, 0), 0, "second in, same key");
	advance(1 * MS);
	e = lat_tracker_get_event(t, "k", 1);
	ok(e && lat_event_priv(e) == &x2, "the second in replaced the first");
	lat_tracker_put_event(t, e);
	is_int(out(t, "k"), 1, "the out completes one event");
	ok(atomic_load(&nseen) == 1 && seen[0].ctx.delay_ns == 1 * MS,
	   "timed from the second in (1 ms, not 6 ms)");
	struct lat_tracker_counters c = check_counters(t, "unique");
	is_int(c.replaced, 1, "the replaced event is counted, without callback");
	lat_tracker_event_in(t, "m", 1, 0, 0, NULL, NULL, LAT_IN_DUPLICATE);
	lat_tracker_event_in(t, "m", 1, 0, 0, NULL, NULL, LAT_IN_DUPLICATE);
	is_int(out(t, "m"), 2, "LAT_IN_DUPLICATE overrides the tracker: one out completes both");
	lat_tracker_destroy(t);

	d = make((struct lat_tracker_options){.threshold_ns = 1, .duplicates = true});
	for (int i = 0; i < 20; i++) {
		lat_tracker_event_in(d, "dup", 3, 0, 0, NULL, NULL, 0);
		advance(MS);
	}
	is_int(out(d, "dup"), 20,
	       "duplicates tracker: one out completes all 20 (more than a batch)");
	is_int(atomic_load(&nseen), 20, "and each above-threshold one gets its callback");
	lat_tracker_event_in(d, "u", 1, 0, 0, NULL, NULL, 0);
	lat_tracker_event_in(d, "u", 1, 0, 0, NULL, NULL, LAT_IN_UNIQUE);
	c = check_counters(d, "duplicates");
	is_int(c.replaced, 1, "LAT_IN_UNIQUE overrides the tracker: the in-flight one is replaced");
	is_int(c.completed, 20, "completed counts every duplicate");
	lat_tracker_destroy(d);
}

static void test_full(void)
{
	struct lat_tracker *t = make((struct lat_tracker_options){.max_events = 4});
	char key[16];

	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "f%d", i);
		is_int(in(t, key), 0, "in %d of max_events 4: tracked", i);
	}
	is_int(in(t, "f4"), -ENOSPC, "the fifth in: -ENOSPC");
	struct lat_tracker_counters c = check_counters(t, "full");
	ok(c.drops == 1 && c.in_flight == 4, "counted as a drop; 4 in flight");
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++) {
			snprintf(key, sizeof(key), "f%d", i);
			out(t, key);
		}
		int okays = 0;
		for (int i = 0; i < 4; i++) {
			snprintf(key, sizeof(key), "f%d", i);
			okays += in(t, key) == 0;
		}
		is_int(okays, 4, "round %d: after 4 outs, 4 ins fit again (memory reused)", round);
	}
	check_counters(t, "full, reused");
	lat_tracker_destroy(t);
}

static void test_get_put(void)
{
	struct lat_tracker *t = make((struct lat_tracker_options){.threshold_ns = 1});
	struct lat_event *e;
	uint64_t start = fake_clock(NULL);
	const char *key;
	size_t len = 0;
	int data;

	ok(lat_tracker_get_event(t, "none", 4) == NULL, "get_event of an unknown key: NULL");
	lat_tracker_event_in(t, "job-42", 6, 0, 0, NULL, &data, 0);
	e = lat_tracker_get_event(t, "job-42", 6);
	ok(e != NULL, "get_event finds the in-flight event");
	advance(3 * MS);
	is_int(out(t, "job-42"), 1, "an out completes it while it is held");
	/* Reuse pressure: many ins and outs while the event is held. */
	for (int i = 0; i < 100; i++) {
		in(t, "other");
		out(t, "other");
	}
	key = lat_event_key(e, &len);
	ok(lat_event_start_ns(e) == start && lat_event_priv(e) == &data && len == 6 &&
	       memcmp(key, "job-42", 6) == 0,
	   "the held event keeps its start, priv and key after the out");
	lat_tracker_put_event(t, e);
	lat_tracker_put_event(t, NULL);
	ok(lat_tracker_get_event(t, "job-42", 6) == NULL, "after the out, get_event: NULL");
	check_counters(t, "get/put");
	lat_tracker_destroy(t);
}

static void test_timeout(void)
{
	struct lat_tracker *t = make((struct lat_tracker_options){.threshold_ns = 5 * MS});
	struct lat_event *e;

	is_int(lat_tracker_event_in(t, "stuck", 5, 0, 20 * MS, NULL, NULL, 0), 0,
	       "in with a 20 ms timeout");
	lat_tracker_event_in(t, "quick", 5, 0, 20 * MS, NULL, NULL, 0);
	advance(2 * MS);
	out(t, "quick");
	usleep(20000);
	is_int(atomic_load(&nseen), 0, "no timeout before the deadline");
	advance(19 * MS);
	WAIT_FOR(atomic_load(&nseen) >= 1);
	is_int(atomic_load(&nseen), 1,
	       "past the deadline: one callback (not for the completed one)");
	ok(seen[0].ctx.flag == LAT_CB_TIMEOUT && strcmp(seen[0].key, "stuck") == 0 &&
	       seen[0].ctx.delay_ns >= 20 * MS,
	   "it is a TIMEOUT callback for the stuck event, delay >= timeout");
	ok(!pthread_equal(seen[0].thread, pthread_self()),
	   "from the timer thread, not the caller's");
	e = lat_tracker_get_event(t, "stuck", 5);
	ok(e != NULL, "after the timeout the event stays in flight");
	lat_tracker_put_event(t, e);
	advance(10 * MS);
	is_int(out(t, "stuck"), 1, "its out still completes it");
	ok(atomic_load(&nseen) == 2 && seen[1].ctx.flag == LAT_CB_NORMAL && seen[1].ctx.timed_out &&
	       seen[1].ctx.delay_ns == 31 * MS,
	   "and the callback runs again: NORMAL, timed_out set, full delay");
	struct lat_tracker_counters c = check_counters(t, "timeout");
	is_int(c.timeouts, 1, "timeouts counts one");

	/* The tracker's default timeout, and LAT_TRACKER_NEVER. */
	lat_tracker_set_timeout(t, 10 * MS);
	is_int(lat_tracker_get_timeout(t), 10 * MS, "set_timeout changes the default");
	lat_tracker_event_in(t, "dflt", 4, 0, 0, NULL, NULL, 0);
	lat_tracker_event_in(t, "never", 5, 0, LAT_TRACKER_NEVER, NULL, NULL, 0);
	advance(50 * MS);
	WAIT_FOR(atomic_load(&nseen) >= 3);
	usleep(20000);
	is_int(atomic_load(&nseen), 3, "the default timeout fires; LAT_TRACKER_NEVER does not");
	ok(strcmp(seen[2].key, "dflt") == 0, "it was the event with the default timeout");
	lat_tracker_destroy(t);
}

/* The timeout bound with the real clock: late by at most period + callback time (+ scheduling). */
static _Atomic uint64_t timeout_seen_at;
static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
static void stamp_cb(const struct lat_tracker_event_ctx *ctx)
{
	if (ctx->flag == LAT_CB_TIMEOUT) {
		atomic_store(&timeout_seen_at, mono_ns());
	}
}

static void test_timeout_real_clock(void)
{
	struct lat_tracker_options o = {.callback = stamp_cb, .timer_period_ns = MS};
	struct lat_tracker *t;
	uint64_t start;

	lat_tracker_create(&o, &t);
	start = mono_ns();
	lat_tracker_event_in(t, "r", 1, 0, 30 * MS, NULL, NULL, 0);
	WAIT_FOR(atomic_load(&timeout_seen_at) != 0);
	ok(atomic_load(&timeout_seen_at) >= start + 30 * MS,
	   "real clock: the timeout fires no earlier than its deadline");
	tap_diag("real clock: fired %.2f ms after the deadline (period 1 ms)",
		 (double)(atomic_load(&timeout_seen_at) - start - 30 * MS) / 1e6);
	lat_tracker_destroy(t);
}

/* LAT_TRACKER_CLOCK_TSC: delays agree with CLOCK_MONOTONIC, times share its base. */
static _Atomic uint64_t tsc_delay, tsc_start;
static void tsc_cb(const struct lat_tracker_event_ctx *ctx)
{
	atomic_store(&tsc_start, ctx->start_ns);
	atomic_store(&tsc_delay, ctx->delay_ns);
}

static bool cpu_has_invariant_tsc(void)
{
	char line[4096];
	bool yes = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) == 0) {
			yes = strstr(line, " constant_tsc") && strstr(line, " nonstop_tsc");
			break;
		}
	}
	if (f) {
		fclose(f);
	}
	return yes;
}

static void test_tsc_clock(void)
{
	struct lat_tracker_options o = {
	    .clock = LAT_TRACKER_CLOCK_TSC, .threshold_ns = 1, .callback = tsc_cb};
	struct lat_tracker_options both = {.clock = LAT_TRACKER_CLOCK_TSC, .clock_ns = fake_clock};
	struct lat_tracker_options bad = {.clock = (enum lat_tracker_clock)7};
	struct lat_tracker *t = NULL;
	int err, agree = 0, anchored = 0;
	double worst = 0;

	ok(lat_tracker_create(&both, &t) == -EINVAL && !t, "tsc clock: with clock_ns too: -EINVAL");
	ok(lat_tracker_create(&bad, &t) == -EINVAL && !t, "unknown clock: -EINVAL");
	err = lat_tracker_create(&o, &t);
	if (!cpu_has_invariant_tsc()) {
		ok(err == -ENOTSUP && !t,
		   "tsc clock: -ENOTSUP without constant_tsc and nonstop_tsc");
		return;
	}
	ok(err == 0 && t, "tsc clock: created on a CPU with an invariant TSC");
	if (err) {
		return;
	}
	/* Delays of 5, 10, 20, 40, 80 ms, each measured by both clocks around the same calls. */
	for (int i = 0; i < 5; i++) {
		struct timespec pause = {.tv_sec = 0, .tv_nsec = (long)((5 * MS) << i)};
		uint64_t m0, m1, mono_lo, mono_hi, d;

		atomic_store(&tsc_delay, 0);
		m0 = mono_ns();
		lat_tracker_event_in(t, "k", 1, 0, 0, NULL, NULL, 0);
		mono_lo = mono_ns() - m0; /* the in happened within [m0, m0 + mono_lo] */
		nanosleep(&pause, NULL);
		m1 = mono_ns();
		lat_tracker_event_out(t, "k", 1);
		mono_hi = mono_ns() - m0;
		mono_lo = m1 - m0 - mono_lo;
		d = atomic_load(&tsc_delay);
		/* Within 2 % (plus the time the calls themselves took, bracketed above). */
		if (d + d / 50 >= mono_lo && d <= mono_hi + mono_hi / 50) {
			agree++;
		}
		if (atomic_load(&tsc_start) + MS >= m0 && atomic_load(&tsc_start) <= m1) {
			anchored++;
		}
		double rel = d > m1 - m0 ? (double)(d - (m1 - m0)) / (double)(m1 - m0)
					 : (double)((m1 - m0) - d) / (double)(m1 - m0);
		worst = rel > worst ? rel : worst;
	}
	ok(agree == 5, "tsc clock: 5 delays of 5-80 ms agree with CLOCK_MONOTONIC within 2 %%");
	ok(anchored == 5, "tsc clock: start times are in CLOCK_MONOTONIC's base (within 1 ms)");
	tap_diag("tsc clock: worst relative difference %.4f %%", worst * 100);
	lat_tracker_destroy(t);
}

/* After 64 empty ticks the timer thread idles (100 ms naps); a new timeout must wake it. */
static void test_timeout_after_idle(void)
{
	struct lat_tracker_options o = {.callback = stamp_cb, .timer_period_ns = MS};
	struct lat_tracker *t;
	uint64_t start;

	atomic_store(&timeout_seen_at, 0);
	lat_tracker_create(&o, &t);
	in(t, "warm");
	out(t, "warm");
	usleep(300000); /* the timer thread is idle by now */
	start = mono_ns();
	lat_tracker_event_in(t, "i", 1, 0, 5 * MS, NULL, NULL, 0);
	WAIT_FOR(atomic_load(&timeout_seen_at) != 0);
	ok(atomic_load(&timeout_seen_at) >= start + 5 * MS,
	   "idle timer: a new timeout still fires, not before its deadline");
	tap_diag("idle timer: fired %.2f ms after the deadline (woken by the new event; the idle "
		 "nap is 100 ms)",
		 (double)(atomic_load(&timeout_seen_at) - start - 5 * MS) / 1e6);
	lat_tracker_destroy(t);
}

static void test_gc(void)
{
	struct lat_tracker *t =
	    make((struct lat_tracker_options){.gc_age_ns = 100 * MS, .threshold_ns = MS});

	in(t, "old");
	advance(60 * MS);
	in(t, "young");
	advance(50 * MS);
	WAIT_FOR(atomic_load(&nseen) >= 1);
	usleep(20000);
	is_int(atomic_load(&nseen), 1, "GC removes only the event older than gc_age");
	ok(seen[0].ctx.flag == LAT_CB_GC && strcmp(seen[0].key, "old") == 0 &&
	       seen[0].ctx.delay_ns == 110 * MS,
	   "with a GC callback: key, age");
	is_int(out(t, "old"), -ENOENT, "a GC'd event is gone: its out finds nothing");
	is_int(out(t, "young"), 1, "the young one is still there");
	struct lat_tracker_counters c = check_counters(t, "gc");
	is_int(c.gc, 1, "gc counts one");
	lat_tracker_destroy(t);
}

static void test_tracking(void)
{
	struct lat_tracker *t = make((struct lat_tracker_options){0});
	struct lat_tracker *off = make((struct lat_tracker_options){.start_off = true});

	in(t, "a");
	in(t, "b");
	lat_tracker_set_tracking(t, false);
	ok(!lat_tracker_get_tracking(t), "tracking off");
	is_int(in(t, "c"), -ECANCELED, "off: event_in returns -ECANCELED");
	is_int(out(t, "a"), -ECANCELED, "off: event_out returns -ECANCELED");
	struct lat_tracker_counters c = check_counters(t, "tracking off");
	ok(c.flushed == 2 && c.in_flight == 0 && c.ignored == 2,
	   "in-flight events flushed (2), calls ignored (2)");
	lat_tracker_set_tracking(t, true);
	is_int(in(t, "a"), 0, "back on: event_in tracks");
	is_int(out(t, "a"), 1, "and event_out completes");
	is_int(in(off, "x"), -ECANCELED, "start_off: a tracker can start off");
	lat_tracker_destroy(t);
	lat_tracker_destroy(off);
}

static void test_worst(void)
{
	struct lat_tracker *t =
	    make((struct lat_tracker_options){.threshold_ns = 10, .worst = true});
	static const struct {
		uint64_t delay;
		bool fires;
		uint64_t threshold_after;
	} cases[] = {
	    {5, false, 10}, {20, true, 20}, {15, false, 20}, {30, true, 30}, {30, false, 30},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int before = atomic_load(&nseen);

		in(t, "w");
		advance(cases[i].delay);
		out(t, "w");
		ok((atomic_load(&nseen) - before == 1) == cases[i].fires &&
		       lat_tracker_get_threshold(t) == cases[i].threshold_after,
		   "worst mode, delay %llu: %s, threshold now %llu",
		   (unsigned long long)cases[i].delay, cases[i].fires ? "reported" : "not reported",
		   (unsigned long long)cases[i].threshold_after);
	}
	lat_tracker_event_in(t, "w", 1, 20, 0, NULL, NULL, 0);
	advance(25);
	out(t, "w");
	is_int(atomic_load(&nseen), 2,
	       "worst on: a per-event threshold of 20 is raised to 30 (25 not reported)");
	lat_tracker_set_worst(t, false);
	lat_tracker_event_in(t, "w", 1, 20, 0, NULL, NULL, 0);
	advance(25);
	out(t, "w");
	is_int(atomic_load(&nseen), 3,
	       "worst off: the event's own threshold applies (25 > 20 reported)");
	lat_tracker_destroy(t);
}

static void test_runtime_defaults(void)
{
	struct lat_tracker *t = make((struct lat_tracker_options){.threshold_ns = 100 * MS});

	in(t, "old");
	lat_tracker_set_threshold(t, 10 * MS);
	is_int(lat_tracker_get_threshold(t), 10 * MS, "set_threshold changes the default");
	in(t, "new");
	advance(50 * MS);
	out(t, "old");
	out(t, "new");
	ok(atomic_load(&nseen) == 1 && strcmp(seen[0].key, "new") == 0,
	   "a new threshold applies to new events only (50 ms: 'new' reported, 'old' not)");
	lat_tracker_destroy(t);
}

static void test_stats(void)
{
	struct lat_tracker *t = make((struct lat_tracker_options){.threshold_ns = 20 * MS});
	struct lat_tracker_stats st;
	static const uint64_t delays[] = {5 * MS, 10 * MS, 30 * MS};

	lat_tracker_get_stats(t, &st);
	ok(st.count == 0 && st.min_ns == 0 && st.max_ns == 0 && st.avg_ns == 0,
	   "no event yet: all statistics 0");
	for (size_t i = 0; i < 3; i++) {
		in(t, "s");
		advance(delays[i]);
		out(t, "s");
	}
	lat_tracker_get_stats(t, &st);
	ok(st.count == 3 && st.min_ns == 5 * MS && st.max_ns == 30 * MS && st.total_ns == 45 * MS &&
	       st.avg_ns == 15 * MS,
	   "3 events, below threshold included: min 5 max 30 total 45 avg 15 ms");
	is_int(atomic_load(&nseen), 1, "only one of them was above the threshold");
	lat_tracker_destroy(t);
}

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void test_alert_fd(void)
{
	struct lat_tracker *t =
	    make((struct lat_tracker_options){.threshold_ns = 1, .alert_interval_ns = 100 * MS});
	int fd = lat_tracker_alert_fd(t);
	uint64_t value = 0;

	ok(!readable(fd), "the alert fd is not readable before any callback");
	in(t, "a");
	advance(MS);
	out(t, "a");
	ok(readable(fd), "a callback makes it readable (pollable)");
	ok(read(fd, &value, sizeof(value)) == 8 && value == 1, "reading it returns 1 alert");
	ok(!readable(fd), "and makes it unreadable again");
	for (int i = 0; i < 3; i++) {
		in(t, "b");
		advance(MS);
		out(t, "b");
	}
	ok(!readable(fd), "3 more callbacks within the interval: rate-limited, no alert");
	advance(100 * MS);
	in(t, "c");
	advance(MS);
	out(t, "c");
	ok(readable(fd), "after the interval, the next callback alerts again");
	struct lat_tracker_counters c = check_counters(t, "alerts");
	is_int(c.alerts, 2, "alerts counts 2");
	lat_tracker_destroy(t);
}

/* Keys compared case-insensitively: the hash and the match must agree. */
static uint64_t lower_hash(const void *key, size_t len, uint64_t seed)
{
	char buf[64];

	for (size_t i = 0; i < len && i < sizeof(buf); i++) {
		buf[i] = (char)((((const char *)key)[i] | 0x20));
	}
	return lat_hash64(buf, len, seed);
}
static int nocase_match(const void *a, const void *b, size_t len)
{
	return strncasecmp(a, b, len);
}

static void test_custom_hash_match(void)
{
	struct lat_tracker *t =
	    make((struct lat_tracker_options){.hash = lower_hash, .match = nocase_match});

	in(t, "GET /Index");
	is_int(out(t, "get /index"), 1, "custom hash and match: keys equal for them pair up");
	is_int(out(t, "GET /Index2"), -ENOENT, "different lengths never match");
	ok(lat_hash64("abc", 3, 1) != lat_hash64("abd", 3, 1) &&
	       lat_hash64("abc", 3, 1) != lat_hash64("abc", 3, 2),
	   "lat_hash64 depends on the key and the seed");
	lat_tracker_destroy(t);
}

/* A callback may call the tracker: event_out from inside a callback. */
static struct lat_tracker *reentrant_tracker;
static void reentrant_cb(const struct lat_tracker_event_ctx *ctx)
{
	if (ctx->key_len == 5) {
		lat_tracker_event_out(reentrant_tracker, "child", 5);
	}
	record_cb(ctx);
}

static void test_reentrant(void)
{
	reentrant_tracker =
	    make((struct lat_tracker_options){.threshold_ns = 1, .callback = reentrant_cb});
	in(reentrant_tracker, "child");
	in(reentrant_tracker, "outer");
	advance(MS);
	out(reentrant_tracker, "outer");
	is_int(atomic_load(&nseen), 2, "a callback that calls event_out works (2 callbacks)");
	lat_tracker_destroy(reentrant_tracker);
}

static void test_destroy_in_flight(void)
{
	struct lat_tracker *t = make((struct lat_tracker_options){.timeout_ns = 1000 * MS});

	for (int i = 0; i < 10; i++) {
		char key[16];

		snprintf(key, sizeof(key), "p%d", i);
		in(t, key);
	}
	lat_tracker_destroy(t);
	ok(1, "destroy with 10 events in flight (with timeouts) frees everything");
}

/* More threads than counter slots at once (the shared slot), then slots recycled by new threads. */
#define MANY 80
static pthread_barrier_t many_barrier;
static struct lat_tracker *many_tracker;

static void *many_main(void *arg)
{
	uint64_t base = (uint64_t)(uintptr_t)arg << 32;

	pthread_barrier_wait(&many_barrier); /* all MANY threads are alive together */
	for (uint64_t i = 0; i < 100; i++) {
		uint64_t key = base | i;

		lat_tracker_event_in(many_tracker, &key, sizeof(key), 0, 0, NULL, NULL, 0);
		lat_tracker_event_out(many_tracker, &key, sizeof(key));
	}
	return NULL;
}

static void test_many_threads(void)
{
	pthread_t threads[MANY];
	struct lat_tracker_counters c;
	int round;

	many_tracker = make((struct lat_tracker_options){.max_events = 256});
	for (round = 0; round < 2; round++) {
		pthread_barrier_init(&many_barrier, NULL, MANY);
		for (uintptr_t i = 0; i < MANY; i++) {
			pthread_create(&threads[i], NULL, many_main,
				       (void *)(i + 1 + round * MANY));
		}
		for (int i = 0; i < MANY; i++) {
			pthread_join(threads[i], NULL);
		}
		pthread_barrier_destroy(&many_barrier);
	}
	c = check_counters(many_tracker, "80 threads");
	ok(c.tracked + c.drops == 2 * MANY * 100 && c.completed == c.tracked &&
	       c.outs_without_in == c.drops && c.in_flight == 0,
	   "%d threads at once, twice (beyond the 64 counter slots, then recycled): every pair "
	   "counted (%llu tracked, %llu dropped)",
	   MANY, (unsigned long long)c.tracked, (unsigned long long)c.drops);
	lat_tracker_destroy(many_tracker);
}

int main(void)
{
	test_create();
	test_bad_arguments();
	test_threshold();
	test_callbacks();
	test_out_without_in();
	test_unique_and_duplicates();
	test_full();
	test_get_put();
	test_timeout();
	test_timeout_real_clock();
	test_tsc_clock();
	test_timeout_after_idle();
	test_gc();
	test_tracking();
	test_worst();
	test_runtime_defaults();
	test_stats();
	test_alert_fd();
	test_custom_hash_match();
	test_reentrant();
	test_destroy_in_flight();
	test_many_threads();
	return tap_done_testing();
}
