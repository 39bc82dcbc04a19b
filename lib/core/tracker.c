/* tracker.c: liblatscope's keyed latency tracker: bucket table, free lists, timer thread. */
#include "core/thread.h"

#include "core/hash.h"
#include "core/heap.h"
#include "core/lfstack.h"
#include "latscope/tracker.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_EVENTS   4096
#define DEFAULT_MAX_KEY_LEN  32
#define DEFAULT_THRESHOLD_NS 1000000ULL    /* 1 ms, as the original */
#define DEFAULT_PERIOD_NS    1000000ULL    /* 1 ms */
#define DEFAULT_ALERT_NS     1000000000ULL /* 1 s, as the original's wakeup_pipe */
#define MAX_EVENTS_LIMIT     (1U << 30)
#define MAX_KEY_LEN_LIMIT    65536
#define NSTRIPES             8 /* free and intake lists, by thread slot */
#define PURGE_EVERY_TICKS    16
#define IDLE_AFTER_TICKS     64         /* empty ticks before the timer thread idles */
#define IDLE_SLEEP_NS        100000000L /* its period while idle (woken early by work) */
#define NO_ALERT_YET         UINT64_MAX
#define SPINS_BEFORE_YIELD   64

/*
 * The table: a power-of-two array of buckets (>= 2 per event, so chains are short), each one
 * 32-bit word: the index of the first event of its chain (events link to the next one by index),
 * and a lock bit. A thread holds a bucket's lock for a few instructions (walk the chain, link or
 * unlink), never across a callback, an allocation or another lock; everything that changes a
 * chain or an event's table state happens under it. Event memory is recycled as soon as its last
 * reference goes: nothing reads an event outside a bucket lock or a reference, so there is no
 * grace period to wait for.
 */
#define BUCKET_LOCK (1U << 31)

/*
 * An event's table state (written under its bucket's lock): ACTIVE while in the table, TIMEDOUT
 * once its TIMEOUT callback ran, DONE when unlinked by whoever ends it (out, replace, GC, flush).
 * References (refs) keep its memory: the table's, the timer's (events with a timeout),
 * get_event's; the last one to go frees it.
 */
enum { ST_ACTIVE = 1, ST_TIMEDOUT = 2, ST_DONE = 4 };

/* Counter indexes; one block per thread slot. */
enum {
	C_TRACKED,
	C_DROPS,
	C_COMPLETED,
	C_REPLACED,
	C_GC,
	C_FLUSHED,
	C_OUTS_MATCHED,
	C_OUTS_UNMATCHED,
	C_OVER,
	C_TIMEOUTS,
	C_IGNORED,
	C_ALERTS,
	C_TOTAL_NS,
	C_MIN_NS,
	C_MAX_NS,
	C_NCOUNTERS
};

/*
 * One block per thread slot: the slot's counters, and its private cache of free events (only the
 * owning thread touches the cache fields: no atomics on the hot path).
 */
struct slot_block {
	_Atomic uint64_t v[C_NCOUNTERS];
	uint32_t free_head; /* private free events, linked by link */
	uint32_t free_len;
} __attribute__((aligned(128)));

struct stripe {
	struct lf_tstack free;   /* batches of free events */
	struct lf_pstack intake; /* new events with a timeout, for the timer thread */
} __attribute__((aligned(64)));

struct lat_event {
	_Atomic uint32_t refs;
	_Atomic uint32_t state; /* ST_*, written under the bucket lock */
	uint32_t next;          /* bucket chain (under the bucket lock) */
	uint32_t tag;           /* hash >> 32: compared before the key */
	uint32_t bucket;        /* hash & mask */
	uint32_t key_len;
	uint32_t self;               /* this event's index (set at create) */
	_Atomic uint32_t link;       /* free list or timer intake */
	_Atomic uint32_t batch_link; /* first event of a free batch: the next batch */
	uint64_t start_ns;
	uint64_t threshold_ns;
	uint64_t deadline_ns; /* UINT64_MAX: no timeout */
	lat_tracker_cb cb;
	void *priv;
	unsigned char key[];
};

/* Read-mostly fields first; fields written at run time sit on cache lines of their own. */
struct lat_tracker {
	_Atomic uint32_t *buckets;
	uint32_t mask; /* buckets - 1 */
	char *events;
	size_t stride;
	uint32_t nevents;
	struct lf_nodes nodes;       /* linked by link */
	struct lf_nodes batch_nodes; /* linked by batch_link */
	uint32_t batch_max;          /* events per free batch */

	size_t max_key_len;
	uint64_t (*hash)(const void *key, size_t len, uint64_t seed); /* NULL: lat_hash64 */
	int (*match)(const void *a, const void *b, size_t len);       /* NULL: memcmp */
	uint64_t seed;
	uint64_t hash_state; /* lat_hash_seed_state(seed), for the inlined default hash */
	lat_tracker_cb cb;
	void *priv;
	bool duplicates;
	uint64_t period_ns;
	uint64_t gc_age_ns;
	uint64_t alert_interval_ns;
	uint64_t (*clock_ns)(void *clock_priv);
	void *clock_priv;
	bool clock_mono;   /* neither tsc nor clock_ns: clock_gettime(CLOCK_MONOTONIC) */
	bool tsc;          /* LAT_TRACKER_CLOCK_TSC: ns = ns_base + (tsc - tsc_base) * mult >> 32 */
	uint64_t tsc_base; /* TSC and CLOCK_MONOTONIC at calibration */
	uint64_t ns_base;
	uint64_t tsc_mult; /* ns per tick, 32.32 fixed point */
	int alert_fd;
	int wake_fd;
	pthread_t timer;
	bool timer_started;

	/* Read on every call, written only by the setters. */
	_Atomic uint64_t threshold_ns __attribute__((aligned(64)));
	_Atomic uint64_t timeout_ns; /* 0: none */
	_Atomic bool tracking;
	_Atomic bool worst;
	_Atomic bool timer_idle; /* the timer thread sleeps IDLE_SLEEP_NS: wake it for new work */

	/* Written now and then by any thread. */
	_Atomic uint64_t last_alert_ns __attribute__((aligned(64)));
	_Atomic bool wake_pending;
	_Atomic bool stop;

	/* Owned by the timer thread. */
	struct lat_heap heap __attribute__((aligned(64)));
	uint64_t next_gc_ns;
	unsigned int ticks;

	struct stripe stripes[NSTRIPES];
	struct slot_block counters[LAT_NSLOTS + 1];
};

/* --- small helpers ----------------------------------------------------------------------- */

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
static inline uint64_t read_tsc(void)
{
	return __rdtsc();
}
#else
#define HAVE_TSC 0
static inline uint64_t read_tsc(void)
{
	return 0;
}
#endif

static inline uint64_t now_ns(const struct lat_tracker *t)
{
	if (likely(t->clock_mono)) { /* the default: one test */
		return mono_ns();
	}
	if (t->tsc) {
		uint64_t c = read_tsc();
		/* A CPU whose TSC lags the calibrating one by a few ticks: no time before the base.
		 */
		uint64_t d = likely(c > t->tsc_base) ? c - t->tsc_base : 0;

		return t->ns_base + (uint64_t)(((unsigned __int128)d * t->tsc_mult) >> 32);
	}
	return t->clock_ns(t->clock_priv);
}

static inline struct lat_event *ev_at(const struct lat_tracker *t, uint32_t idx)
{
	return (struct lat_event *)(t->events + (size_t)(idx - 1) * t->stride);
}

static inline uint32_t ev_idx(const struct lat_tracker *t, const struct lat_event *ev)
{
	(void)t;
	return ev->self;
}

static inline void cnt_add(struct lat_tracker *t, int slot, int c, uint64_t v)
{
	_Atomic uint64_t *p = &t->counters[slot].v[c];

	if (slot < LAT_NSLOTS) {
		atomic_store_explicit(p, atomic_load_explicit(p, memory_order_relaxed) + v,
				      memory_order_release);
	} else {
		atomic_fetch_add_explicit(p, v, memory_order_release);
	}
}

static inline void cnt_min_max(struct lat_tracker *t, int slot, uint64_t v)
{
	_Atomic uint64_t *mn = &t->counters[slot].v[C_MIN_NS];
	_Atomic uint64_t *mx = &t->counters[slot].v[C_MAX_NS];
	uint64_t cur;

	cur = atomic_load_explicit(mn, memory_order_relaxed);
	while (v < cur) {
		if (slot < LAT_NSLOTS) {
			atomic_store_explicit(mn, v, memory_order_relaxed);
			break;
		}
		if (atomic_compare_exchange_weak_explicit(mn, &cur, v, memory_order_relaxed,
							  memory_order_relaxed)) {
			break;
		}
	}
	cur = atomic_load_explicit(mx, memory_order_relaxed);
	while (v > cur) {
		if (slot < LAT_NSLOTS) {
			atomic_store_explicit(mx, v, memory_order_relaxed);
			break;
		}
		if (atomic_compare_exchange_weak_explicit(mx, &cur, v, memory_order_relaxed,
							  memory_order_relaxed)) {
			break;
		}
	}
}

static inline uint64_t cnt_sum(struct lat_tracker *t, int c)
{
	uint64_t sum = 0;

	for (int i = 0; i <= LAT_NSLOTS; i++) {
		sum += atomic_load_explicit(&t->counters[i].v[c], memory_order_acquire);
	}
	return sum;
}

/* --- buckets -------------------------------------------------------------------------------- */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* The bucket is locked: spin, and let the holder run if it was preempted. */
static __attribute__((noinline)) uint32_t bucket_lock_slow(_Atomic uint32_t *b)
{
	uint32_t w = atomic_load_explicit(b, memory_order_relaxed);
	unsigned int spins = 0;

	for (;;) {
		if (!(w & BUCKET_LOCK)) {
			if (atomic_compare_exchange_weak_explicit(b, &w, w | BUCKET_LOCK,
								  memory_order_acquire,
								  memory_order_relaxed)) {
				return w;
			}
			continue;
		}
		if (++spins >= SPINS_BEFORE_YIELD) {
			spins = 0;
			sched_yield();
		} else {
			cpu_relax();
		}
		w = atomic_load_explicit(b, memory_order_relaxed);
	}
}

/* Takes a bucket's lock; returns the index of its first event. */
static inline uint32_t bucket_lock(_Atomic uint32_t *b)
{
	uint32_t w = atomic_load_explicit(b, memory_order_relaxed) & ~BUCKET_LOCK;

	if (likely(atomic_compare_exchange_strong_explicit(
		b, &w, w | BUCKET_LOCK, memory_order_acquire, memory_order_relaxed))) {
		return w;
	}
	return bucket_lock_slow(b);
}

/* Releases a bucket's lock, its chain now starting at head. */
static inline void bucket_unlock(_Atomic uint32_t *b, uint32_t head)
{
	atomic_store_explicit(b, head, memory_order_release);
}

static inline bool key_equal(const struct lat_tracker *t, const struct lat_event *ev, uint32_t tag,
			     const void *key, size_t len)
{
	if (ev->tag != tag || ev->key_len != len) {
		return false;
	}
	if (likely(!t->match)) { /* the default, memcmp(), inlined for 8-byte keys */
		if (len == sizeof(uint64_t)) {
			uint64_t a, b;

			memcpy(&a, ev->key, sizeof(a));
			memcpy(&b, key, sizeof(b));
			return a == b;
		}
		return memcmp(ev->key, key, len) == 0;
	}
	return t->match(ev->key, key, len) == 0;
}

/* The key's hash: the default one inlined, with its seed-only part computed at create. */
static inline uint64_t hash_key(const struct lat_tracker *t, const void *key, size_t len)
{
	if (likely(!t->hash)) {
		return lat_hash_seeded(key, len, t->hash_state);
	}
	return t->hash(key, len, t->seed);
}

/* --- free lists ----------------------------------------------------------------------------- */

static void wake_timer(struct lat_tracker *t);

/* After a push the timer must see (intake): wake the timer thread if it idles. */
static inline void kick_idle_timer(struct lat_tracker *t)
{
	/* seq_cst, paired with the timer's store of timer_idle and its re-check of the lists. */
	if (atomic_load_explicit(&t->timer_idle, memory_order_seq_cst)) {
		wake_timer(t);
	}
}

/* Gives up to n events of the slot's private cache to a stripe's free list as one batch. */
static __attribute__((noinline)) void give_back(struct lat_tracker *t, int slot, uint32_t n)
{
	struct slot_block *b = &t->counters[slot];
	uint32_t first = b->free_head, last = first;

	if (!first) {
		return;
	}
	for (uint32_t i = 1; i < n; i++) {
		uint32_t next =
		    atomic_load_explicit(lf_link(&t->nodes, last), memory_order_relaxed);

		if (!next) {
			break;
		}
		last = next;
	}
	b->free_head = atomic_load_explicit(lf_link(&t->nodes, last), memory_order_relaxed);
	atomic_store_explicit(lf_link(&t->nodes, last), 0, memory_order_relaxed);
	b->free_len = b->free_head ? b->free_len - n : 0;
	lf_tstack_push_chain(&t->stripes[slot % NSTRIPES].free, &t->batch_nodes, first, first);
}

/*
 * The last reference is gone: the event goes to the thread's private cache (no atomic), and a
 * batch of the cache back to a shared free list when the cache holds 2 batches.
 */
static inline void ev_free(struct lat_tracker *t, struct lat_event *ev, int slot)
{
	uint32_t idx = ev_idx(t, ev);
	struct slot_block *b;

	atomic_store_explicit(&ev->state, 0, memory_order_relaxed);
	if (unlikely(slot >= LAT_NSLOTS)) {
		atomic_store_explicit(&ev->link, 0, memory_order_relaxed);
		lf_tstack_push_chain(&t->stripes[slot % NSTRIPES].free, &t->batch_nodes, idx, idx);
		return;
	}
	b = &t->counters[slot];
	atomic_store_explicit(&ev->link, b->free_head, memory_order_relaxed);
	b->free_head = idx;
	if (unlikely(++b->free_len >= 2 * t->batch_max)) {
		give_back(t, slot, t->batch_max);
	}
}

static inline void ev_put(struct lat_tracker *t, struct lat_event *ev, int slot)
{
	if (atomic_fetch_sub_explicit(&ev->refs, 1, memory_order_acq_rel) == 1) {
		ev_free(t, ev, slot);
	}
}

/*
 * Drops the table's reference of an event just unlinked. Nobody can take a new reference on an
 * unlinked event, so when the count is 1 the caller holds the only one: no atomic needed.
 */
static inline void ev_put_unlinked(struct lat_tracker *t, struct lat_event *ev, int slot)
{
	if (likely(atomic_load_explicit(&ev->refs, memory_order_acquire) == 1)) {
		atomic_store_explicit(&ev->refs, 0, memory_order_relaxed);
		ev_free(t, ev, slot);
	} else {
		ev_put(t, ev, slot);
	}
}

/*
 * The private cache is empty: takes a whole batch from a stripe's free list (one CAS), else
 * returns NULL (the timer thread is asked to give back the events it still holds for completed
 * timeouts).
 */
static __attribute__((noinline)) struct lat_event *ev_alloc_slow(struct lat_tracker *t, int slot)
{
	struct slot_block *b = &t->counters[slot];
	int home = slot % NSTRIPES;
	uint32_t idx;

	for (int i = 0; i < NSTRIPES; i++) {
		struct lf_tstack *fl = &t->stripes[(home + i) % NSTRIPES].free;
		uint32_t rest, n = 0;

		idx = lf_tstack_pop(fl, &t->batch_nodes);
		if (!idx) {
			continue;
		}
		rest = atomic_load_explicit(lf_link(&t->nodes, idx), memory_order_relaxed);
		if (slot < LAT_NSLOTS) {
			b->free_head = rest;
			for (uint32_t j = rest; j; j = atomic_load_explicit(lf_link(&t->nodes, j),
									    memory_order_relaxed)) {
				n++;
			}
			b->free_len = n;
		} else if (rest) {
			lf_tstack_push_chain(fl, &t->batch_nodes, rest, rest);
		}
		return ev_at(t, idx);
	}
	wake_timer(t);
	return NULL;
}

/* Takes a free event: from the thread's private cache (no atomic), else ev_alloc_slow(). */
static inline struct lat_event *ev_alloc(struct lat_tracker *t, int slot)
{
	struct slot_block *b = &t->counters[slot];
	uint32_t idx = b->free_head; /* the shared slot never caches: its free_head stays 0 */

	if (likely(idx)) {
		b->free_head = atomic_load_explicit(lf_link(&t->nodes, idx), memory_order_relaxed);
		b->free_len--;
		return ev_at(t, idx);
	}
	return ev_alloc_slow(t, slot);
}

static void wake_timer(struct lat_tracker *t)
{
	uint64_t one = 1;

	if (!atomic_exchange_explicit(&t->wake_pending, true, memory_order_acq_rel)) {
		if (write(t->wake_fd, &one, sizeof(one)) < 0) {
			/* eventfd full cannot happen with 1s; nothing else to do */
		}
	}
}

/* Runs the callback and signals the alert fd (rate-limited). */
static __attribute__((noinline)) void report(struct lat_tracker *t, int slot, struct lat_event *ev,
					     enum lat_tracker_cb_flag flag, uint64_t end,
					     uint64_t threshold, bool timed_out)
{
	struct lat_tracker_event_ctx ctx = {
	    .key = ev->key,
	    .key_len = ev->key_len,
	    .start_ns = ev->start_ns,
	    .end_ns = end,
	    .delay_ns = end > ev->start_ns ? end - ev->start_ns : 0,
	    .threshold_ns = threshold,
	    .flag = flag,
	    .timed_out = timed_out,
	    .priv = ev->priv,
	    .tracker_priv = t->priv,
	};
	uint64_t last, one = 1;

	if (ev->cb) {
		ev->cb(&ctx);
	}
	last = atomic_load_explicit(&t->last_alert_ns, memory_order_relaxed);
	if (last == NO_ALERT_YET || end - last >= t->alert_interval_ns || end < last) {
		if (atomic_compare_exchange_strong_explicit(&t->last_alert_ns, &last, end,
							    memory_order_relaxed,
							    memory_order_relaxed)) {
			cnt_add(t, slot, C_ALERTS, 1);
			if (write(t->alert_fd, &one, sizeof(one)) < 0) {
				/* the counter is at its maximum: still readable, nothing lost */
			}
		}
	}
}

/* --- in and out ------------------------------------------------------------------------------ */

LAT_API int lat_tracker_event_in(struct lat_tracker *t, const void *key, size_t key_len,
				 uint64_t threshold_ns, uint64_t timeout_ns,
				 lat_tracker_cb callback, void *priv, unsigned int flags)
{
	struct lat_event *ev, *old = NULL;
	_Atomic uint32_t *bucket;
	uint32_t idx, head;
	bool unique, timeout;
	uint64_t hash;
	int slot;

	/* key_len - 1 wraps for 0; flags: 0, LAT_IN_UNIQUE or LAT_IN_DUPLICATE */
	if (unlikely(!t || !key || key_len - 1 >= t->max_key_len || flags > LAT_IN_DUPLICATE)) {
		return -EINVAL;
	}
	slot = lat_thread_enter();
	if (unlikely(!atomic_load_explicit(&t->tracking, memory_order_relaxed))) {
		cnt_add(t, slot, C_IGNORED, 1);
		return -ECANCELED;
	}
	ev = ev_alloc(t, slot);
	if (unlikely(!ev)) {
		cnt_add(t, slot, C_DROPS, 1);
		return -ENOSPC;
	}
	unique = (flags & LAT_IN_UNIQUE)      ? true
		 : (flags & LAT_IN_DUPLICATE) ? false
					      : !t->duplicates;
	if (threshold_ns == LAT_TRACKER_DEFAULT) {
		threshold_ns = atomic_load_explicit(&t->threshold_ns, memory_order_relaxed);
	}
	if (timeout_ns == LAT_TRACKER_DEFAULT) {
		timeout_ns = atomic_load_explicit(&t->timeout_ns, memory_order_relaxed);
	}
	timeout = timeout_ns != 0 && timeout_ns != LAT_TRACKER_NEVER;

	if (key_len == sizeof(uint64_t)) {
		memcpy(ev->key, key, sizeof(uint64_t)); /* one move, no call */
	} else {
		memcpy(ev->key, key, key_len);
	}
	hash = hash_key(t, key, key_len);
	ev->tag = (uint32_t)(hash >> 32);
	ev->bucket = (uint32_t)hash & t->mask;
	ev->key_len = (uint32_t)key_len;
	ev->threshold_ns = threshold_ns;
	ev->cb = callback ? callback : t->cb;
	ev->priv = priv;
	ev->start_ns = now_ns(t);
	ev->deadline_ns = !timeout                                 ? UINT64_MAX
			  : ev->start_ns > UINT64_MAX - timeout_ns ? UINT64_MAX - 1
								   : ev->start_ns + timeout_ns;
	atomic_store_explicit(&ev->refs, timeout ? 2 : 1, memory_order_relaxed);
	atomic_store_explicit(&ev->state, ST_ACTIVE, memory_order_relaxed);
	cnt_add(t, slot, C_TRACKED, 1);
	idx = ev_idx(t, ev);

	bucket = &t->buckets[ev->bucket];
	head = bucket_lock(bucket);
	if (unique) {
		/* Replace the first event of this key, if any: unlink it, it is ours to end. */
		for (uint32_t *prev = &head, i = head; i; prev = &ev_at(t, i)->next, i = *prev) {
			struct lat_event *e = ev_at(t, i);

			if (key_equal(t, e, ev->tag, key, key_len)) {
				*prev = e->next;
				atomic_store_explicit(
				    &e->state,
				    atomic_load_explicit(&e->state, memory_order_relaxed) | ST_DONE,
				    memory_order_relaxed);
				old = e;
				break;
			}
		}
	}
	ev->next = head;
	bucket_unlock(bucket, idx);

	if (old) {
		cnt_add(t, slot, C_REPLACED, 1);
		ev_put_unlinked(t, old, slot);
	}
	if (timeout) {
		lf_pstack_push(&t->stripes[slot % NSTRIPES].intake, &t->nodes, idx);
		kick_idle_timer(t);
	}
	return 0;
}

/* Ends an unlinked event: statistics, threshold, callback, then drops the table's reference. */
static void complete(struct lat_tracker *t, int slot, struct lat_event *ev, uint64_t end)
{
	uint64_t delay = end > ev->start_ns ? end - ev->start_ns : 0;
	uint64_t threshold = ev->threshold_ns;
	bool over;

	cnt_add(t, slot, C_TOTAL_NS, delay);
	cnt_min_max(t, slot, delay);
	cnt_add(t, slot, C_COMPLETED, 1);
	if (unlikely(atomic_load_explicit(&t->worst, memory_order_relaxed))) {
		uint64_t cur = atomic_load_explicit(&t->threshold_ns, memory_order_relaxed);

		if (threshold == LAT_TRACKER_NEVER || cur > threshold) {
			threshold = cur;
		}
		over = threshold != LAT_TRACKER_NEVER && delay > threshold;
		/* Raise the tracker's threshold to this delay, unless another thread went higher.
		 */
		while (over && delay > cur) {
			if (atomic_compare_exchange_weak_explicit(&t->threshold_ns, &cur, delay,
								  memory_order_relaxed,
								  memory_order_relaxed)) {
				break;
			}
		}
		over = over && delay >= cur;
	} else {
		over = threshold != LAT_TRACKER_NEVER && delay > threshold;
	}
	if (unlikely(over)) {
		cnt_add(t, slot, C_OVER, 1);
		report(t, slot, ev, LAT_CB_NORMAL, end, threshold,
		       atomic_load_explicit(&ev->state, memory_order_relaxed) & ST_TIMEDOUT);
	}
	ev_put_unlinked(t, ev, slot);
}

LAT_API int lat_tracker_event_out(struct lat_tracker *t, const void *key, size_t key_len)
{
	_Atomic uint32_t *bucket;
	uint32_t head, tag, done = 0;
	uint64_t hash, end;
	int slot, total = 0;

	if (unlikely(!t || !key || key_len - 1 >= t->max_key_len)) {
		return -EINVAL;
	}
	slot = lat_thread_enter();
	if (unlikely(!atomic_load_explicit(&t->tracking, memory_order_relaxed))) {
		cnt_add(t, slot, C_IGNORED, 1);
		return -ECANCELED;
	}
	end = now_ns(t);
	hash = hash_key(t, key, key_len);
	tag = (uint32_t)(hash >> 32);
	bucket = &t->buckets[(uint32_t)hash & t->mask];
	head = bucket_lock(bucket);
	/*
	 * Unlink every event of this key (duplicates) in the table now. One that started after
	 * this out read its clock (an in that took the lock in between) makes it read the clock
	 * again: the out then ends exactly the events in flight at its linearization point, and
	 * a unique in racing with it cannot make it miss the event that in replaced.
	 */
	for (uint32_t *prev = &head, i = head; i;) {
		struct lat_event *e = ev_at(t, i);

		if (key_equal(t, e, tag, key, key_len)) {
			if (unlikely(e->start_ns > end)) {
				end = now_ns(t);
				end =
				    end < e->start_ns ? e->start_ns : end; /* a CPU's TSC behind */
			}
			*prev = e->next;
			atomic_store_explicit(
			    &e->state,
			    atomic_load_explicit(&e->state, memory_order_relaxed) | ST_DONE,
			    memory_order_relaxed);
			e->next = done;
			done = i;
			i = *prev;
			total++;
		} else {
			prev = &e->next;
			i = e->next;
		}
	}
	bucket_unlock(bucket, head);

	if (unlikely(total == 0)) {
		cnt_add(t, slot, C_OUTS_UNMATCHED, 1);
		return -ENOENT;
	}
	while (done) {
		struct lat_event *e = ev_at(t, done);

		done = e->next; /* before complete(): the event may be reused after it */
		complete(t, slot, e, end);
	}
	cnt_add(t, slot, C_OUTS_MATCHED, 1);
	return total;
}

/* --- get/put ------------------------------------------------------------------------------- */

LAT_API struct lat_event *lat_tracker_get_event(struct lat_tracker *t, const void *key,
						size_t key_len)
{
	struct lat_event *found = NULL;
	_Atomic uint32_t *bucket;
	uint32_t head, tag;
	uint64_t hash;

	if (!t || !key || key_len == 0 || key_len > t->max_key_len) {
		return NULL;
	}
	lat_thread_enter();
	hash = hash_key(t, key, key_len);
	tag = (uint32_t)(hash >> 32);
	bucket = &t->buckets[(uint32_t)hash & t->mask];
	head = bucket_lock(bucket);
	for (uint32_t i = head; i; i = ev_at(t, i)->next) {
		if (key_equal(t, ev_at(t, i), tag, key, key_len)) {
			found = ev_at(t, i);
			atomic_fetch_add_explicit(&found->refs, 1, memory_order_relaxed);
			break;
		}
	}
	bucket_unlock(bucket, head);
	return found;
}

LAT_API void lat_tracker_put_event(struct lat_tracker *t, struct lat_event *ev)
{
	if (!t || !ev) {
		return;
	}
	ev_put(t, ev, lat_thread_enter());
}

LAT_API uint64_t lat_event_start_ns(const struct lat_event *ev)
{
	return ev->start_ns;
}

LAT_API void *lat_event_priv(const struct lat_event *ev)
{
	return ev->priv;
}

LAT_API const void *lat_event_key(const struct lat_event *ev, size_t *key_len)
{
	if (key_len) {
		*key_len = ev->key_len;
	}
	return ev->key;
}

/* --- removal by scan: GC and flush --------------------------------------------------------- */

/*
 * Removes every event older than min_age_ns (0: all) and ends it: GC callback or flush. One
 * bucket at a time; the callbacks run after its lock is released. Returns how many were removed.
 */
static uint32_t scan_remove(struct lat_tracker *t, int slot, uint64_t now, uint64_t min_age_ns,
			    bool gc)
{
	uint32_t count = 0;

	for (uint32_t bi = 0; bi <= t->mask; bi++) {
		_Atomic uint32_t *bucket = &t->buckets[bi];
		uint32_t head, done = 0;

		if (!(atomic_load_explicit(bucket, memory_order_relaxed) & ~BUCKET_LOCK)) {
			continue;
		}
		head = bucket_lock(bucket);
		for (uint32_t *prev = &head, i = head; i;) {
			struct lat_event *e = ev_at(t, i);

			if (min_age_ns == 0 ||
			    (now > e->start_ns && now - e->start_ns >= min_age_ns)) {
				*prev = e->next;
				atomic_store_explicit(
				    &e->state,
				    atomic_load_explicit(&e->state, memory_order_relaxed) | ST_DONE,
				    memory_order_relaxed);
				e->next = done;
				done = i;
				i = *prev;
			} else {
				prev = &e->next;
				i = e->next;
			}
		}
		bucket_unlock(bucket, head);
		while (done) {
			struct lat_event *e = ev_at(t, done);

			done = e->next;
			if (gc) {
				cnt_add(t, slot, C_GC, 1);
				report(t, slot, e, LAT_CB_GC, now, e->threshold_ns, false);
			} else {
				cnt_add(t, slot, C_FLUSHED, 1);
			}
			ev_put_unlinked(t, e, slot);
			count++;
		}
	}
	return count;
}

static void flush_all(struct lat_tracker *t, int slot)
{
	scan_remove(t, slot, 0, 0, false);
}

/* --- the timer thread --------------------------------------------------------------------------
 */

static bool deadline_before(void *ctx, uint32_t a, uint32_t b)
{
	struct lat_tracker *t = ctx;

	return ev_at(t, a)->deadline_ns < ev_at(t, b)->deadline_ns;
}

static bool heap_entry_done(void *ctx, uint32_t idx)
{
	struct lat_tracker *t = ctx;
	struct lat_event *ev = ev_at(t, idx);

	if (atomic_load_explicit(&ev->state, memory_order_relaxed) & ST_DONE) {
		ev_put(t, ev, lat_thread_slot_);
		return true;
	}
	return false;
}

/* One tick of the timer thread. Returns false when it found nothing to do. */
static bool timer_tick(struct lat_tracker *t, int slot, bool purge)
{
	uint64_t now = now_ns(t);
	bool busy = t->heap.len > 0 || t->gc_age_ns > 0;
	uint32_t idx;

	/* New events with a timeout. */
	for (int s = 0; s < NSTRIPES; s++) {
		idx = lf_pstack_take_all(&t->stripes[s].intake);
		while (idx) {
			uint32_t next =
			    atomic_load_explicit(lf_link(&t->nodes, idx), memory_order_relaxed);

			lat_heap_push(&t->heap, idx);
			idx = next;
			busy = true;
		}
	}
	/* Expired ones: TIMEOUT callback if still in flight (the event stays in the table). */
	while (t->heap.len && ev_at(t, lat_heap_top(&t->heap))->deadline_ns <= now) {
		struct lat_event *ev = ev_at(t, lat_heap_pop(&t->heap));
		bool fire = false;

		/* Only an event still in the table times out (the timer's reference keeps it). */
		if (!(atomic_load_explicit(&ev->state, memory_order_relaxed) & ST_DONE)) {
			_Atomic uint32_t *bucket = &t->buckets[ev->bucket];
			uint32_t head = bucket_lock(bucket);
			uint32_t st = atomic_load_explicit(&ev->state, memory_order_relaxed);

			fire = st == ST_ACTIVE;
			if (fire) {
				atomic_store_explicit(&ev->state, st | ST_TIMEDOUT,
						      memory_order_relaxed);
			}
			bucket_unlock(bucket, head);
		}
		if (fire) {
			cnt_add(t, slot, C_TIMEOUTS, 1);
			report(t, slot, ev, LAT_CB_TIMEOUT, now, ev->threshold_ns, false);
		}
		ev_put(t, ev, slot);
	}
	/* Events ended before their deadline: give them back without waiting for it. */
	if (purge || ++t->ticks % PURGE_EVERY_TICKS == 0) {
		lat_heap_filter(&t->heap, heap_entry_done);
	}
	if (t->gc_age_ns && now >= t->next_gc_ns) {
		scan_remove(t, slot, now, t->gc_age_ns, true);
		t->next_gc_ns =
		    now + (t->gc_age_ns / 4 > t->period_ns ? t->gc_age_ns / 4 : t->period_ns);
	}
	/* The events the timer freed go back to the shared free lists at once. */
	give_back(t, slot, UINT32_MAX);
	return busy;
}

/* Work the timer thread must not sleep on: new timeouts. */
static bool work_pending(struct lat_tracker *t)
{
	for (int s = 0; s < NSTRIPES; s++) {
		if (atomic_load_explicit(&t->stripes[s].intake.head, memory_order_seq_cst)) {
			return true;
		}
	}
	return false;
}

static void *timer_main(void *arg)
{
	struct lat_tracker *t = arg;
	struct timespec period = {
	    .tv_sec = (time_t)(t->period_ns / 1000000000ULL),
	    .tv_nsec = (long)(t->period_ns % 1000000000ULL),
	};
	struct timespec idle_period = {.tv_sec = 0, .tv_nsec = IDLE_SLEEP_NS};
	struct pollfd pfd = {.fd = t->wake_fd, .events = POLLIN};
	int slot = lat_thread_enter();
	unsigned int empty_ticks = 0;
	bool idle = false;
	uint64_t value;

	/*
	 * Every period while there is work (timeouts pending, GC on); after
	 * IDLE_AFTER_TICKS empty ticks, every IDLE_SLEEP_NS, woken at once by new work.
	 */
	while (!atomic_load_explicit(&t->stop, memory_order_acquire)) {
		bool woken = false;

		if (ppoll(&pfd, 1, idle ? &idle_period : &period, NULL) > 0 &&
		    (pfd.revents & POLLIN)) {
			woken = read(t->wake_fd, &value, sizeof(value)) > 0;
		}
		atomic_store_explicit(&t->wake_pending, false, memory_order_release);
		if (atomic_load_explicit(&t->stop, memory_order_acquire)) {
			break;
		}
		if (timer_tick(t, slot, woken) || woken) {
			empty_ticks = 0;
			if (idle) {
				idle = false;
				atomic_store_explicit(&t->timer_idle, false, memory_order_seq_cst);
			}
		} else if (!idle && ++empty_ticks >= IDLE_AFTER_TICKS) {
			atomic_store_explicit(&t->timer_idle, true, memory_order_seq_cst);
			if (work_pending(t)) {
				atomic_store_explicit(&t->timer_idle, false, memory_order_seq_cst);
			} else {
				idle = true;
			}
		}
	}
	/* Drop the references the timer holds. */
	for (int s = 0; s < NSTRIPES; s++) {
		uint32_t idx = lf_pstack_take_all(&t->stripes[s].intake);

		while (idx) {
			uint32_t next =
			    atomic_load_explicit(lf_link(&t->nodes, idx), memory_order_relaxed);

			ev_put(t, ev_at(t, idx), slot);
			idx = next;
		}
	}
	while (t->heap.len) {
		ev_put(t, ev_at(t, lat_heap_pop(&t->heap)), slot);
	}
	give_back(t, slot, UINT32_MAX);
	return NULL;
}

/* --- create, destroy, settings, counters ------------------------------------------------------ */

/* True when /proc/cpuinfo's flags say the TSC ticks at a constant rate, also in deep C-states. */
static bool tsc_invariant(void)
{
	static const char *const need[] = {" constant_tsc ", " nonstop_tsc "};
	char line[4096];
	bool ok = false;
	FILE *f;

	if (!HAVE_TSC) {
		return false;
	}
	f = fopen("/proc/cpuinfo", "re");
	if (!f) {
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		if (strncmp(line, "flags", 5) != 0) {
			continue;
		}
		/* Surround every word with spaces so that " word " matches whole words only. */
		if (n && line[n - 1] == '\n') {
			line[--n] = ' ';
		} else if (n + 1 < sizeof(line)) {
			line[n++] = ' ';
			line[n] = '\0';
		}
		ok = true;
		for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
			ok = ok && strstr(line, need[i]) != NULL;
		}
		break;
	}
	fclose(f);
	return ok;
}

/* One (TSC, CLOCK_MONOTONIC) pair: the tightest of a few rdtsc-bracketed clock reads. */
static void tsc_sample(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 8; i++) {
		uint64_t a = read_tsc(), n = mono_ns(), b = read_tsc();

		if (b > a && b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*ns = n;
		}
	}
	if (best == UINT64_MAX) {
		*tsc = read_tsc();
		*ns = mono_ns();
	}
}

/* Scales the TSC to ns against CLOCK_MONOTONIC over >= 20 ms. Returns 0 or -ENOTSUP. */
static int tsc_calibrate(struct lat_tracker *t)
{
	struct timespec pause = {.tv_sec = 0, .tv_nsec = 20000000L};
	uint64_t c0, n0, c1, n1;

	if (!tsc_invariant()) {
		return -ENOTSUP;
	}
	tsc_sample(&c0, &n0);
	do {
		nanosleep(&pause, NULL);
		tsc_sample(&c1, &n1);
	} while (n1 - n0 < 20000000ULL);
	if (c1 <= c0) {
		return -ENOTSUP;
	}
	t->tsc_mult = (uint64_t)((((unsigned __int128)(n1 - n0)) << 32) / (c1 - c0));
	t->tsc_base = c1;
	t->ns_base = n1;
	t->tsc = t->tsc_mult != 0;
	return t->tsc ? 0 : -ENOTSUP;
}

static unsigned long pow2_at_least(unsigned long v)
{
	unsigned long p = 1;

	while (p < v) {
		p <<= 1;
	}
	return p;
}

LAT_API int lat_tracker_create(const struct lat_tracker_options *options,
			       struct lat_tracker **trackerp)
{
	struct lat_tracker_options o = {0};
	struct lat_tracker *t;
	unsigned long nbuckets;
	int err;

	if (!trackerp) {
		return -EINVAL;
	}
	*trackerp = NULL;
	if (options) {
		o = *options;
	}
	if (o.max_events > MAX_EVENTS_LIMIT || o.max_key_len > MAX_KEY_LEN_LIMIT ||
	    (o.clock != LAT_TRACKER_CLOCK_MONOTONIC && o.clock != LAT_TRACKER_CLOCK_TSC) ||
	    (o.clock != LAT_TRACKER_CLOCK_MONOTONIC && o.clock_ns)) {
		return -EINVAL;
	}
	lat_thread_enter();
	t = aligned_alloc(128, (sizeof(*t) + 127) / 128 * 128);
	if (!t) {
		return -ENOMEM;
	}
	memset(t, 0, sizeof(*t));
	t->alert_fd = t->wake_fd = -1;
	t->nevents = o.max_events ? (uint32_t)o.max_events : DEFAULT_MAX_EVENTS;
	t->max_key_len = o.max_key_len ? o.max_key_len : DEFAULT_MAX_KEY_LEN;
	t->hash = o.hash == lat_hash64 ? NULL : o.hash; /* NULL: lat_hash64, inlined */
	t->match = o.match;                             /* NULL: memcmp, inlined */
	t->cb = o.callback;
	t->priv = o.priv;
	t->duplicates = o.duplicates;
	t->period_ns = o.timer_period_ns ? o.timer_period_ns : DEFAULT_PERIOD_NS;
	t->gc_age_ns = o.gc_age_ns;
	t->alert_interval_ns = o.alert_interval_ns ? o.alert_interval_ns : DEFAULT_ALERT_NS;
	t->clock_ns = o.clock_ns;
	t->clock_priv = o.clock_priv;
	if (o.clock == LAT_TRACKER_CLOCK_TSC) {
		err = tsc_calibrate(t);
		if (err) {
			free(t);
			return err;
		}
	}
	t->clock_mono = !t->tsc && !t->clock_ns;
	atomic_init(&t->threshold_ns, o.threshold_ns ? o.threshold_ns : DEFAULT_THRESHOLD_NS);
	atomic_init(&t->timeout_ns, o.timeout_ns == LAT_TRACKER_NEVER ? 0 : o.timeout_ns);
	atomic_init(&t->tracking, !o.start_off);
	atomic_init(&t->worst, o.worst);
	atomic_init(&t->last_alert_ns, NO_ALERT_YET);
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed)) {
		t->seed = (uint64_t)(uintptr_t)t ^ now_ns(t);
	}
	t->hash_state = lat_hash_seed_state(t->seed);
	for (int i = 0; i <= LAT_NSLOTS; i++) {
		atomic_init(&t->counters[i].v[C_MIN_NS], UINT64_MAX);
	}

	t->stride = (sizeof(struct lat_event) + t->max_key_len + 63) / 64 * 64;
	t->events = aligned_alloc(64, t->stride * t->nevents);
	if (!t->events) {
		err = -ENOMEM;
		goto fail;
	}
	memset(t->events, 0, t->stride * t->nevents);
	for (uint32_t i = 1; i <= t->nevents; i++) {
		ev_at(t, i)->self = i;
	}
	t->nodes.base = t->events;
	t->nodes.stride = t->stride;
	t->nodes.link_off = offsetof(struct lat_event, link);
	t->batch_nodes = t->nodes;
	t->batch_nodes.link_off = offsetof(struct lat_event, batch_link);
	/*
	 * A thread holds at most 2 * batch_max events in its private batches (free and retired), so
	 * idle threads hold at most a quarter of the events.
	 */
	t->batch_max = t->nevents / (8 * LAT_NSLOTS);
	t->batch_max = t->batch_max < 1 ? 1 : t->batch_max > 64 ? 64 : t->batch_max;
	/* The free lists hold batches of batch_max events, spread over the stripes. */
	for (uint32_t first = 1, s = 0; first <= t->nevents; first += t->batch_max, s++) {
		uint32_t last = first + t->batch_max - 1;

		if (last > t->nevents) {
			last = t->nevents;
		}
		for (uint32_t i = first; i <= last; i++) {
			atomic_init(lf_link(&t->nodes, i), i < last ? i + 1 : 0);
		}
		lf_tstack_push_chain(&t->stripes[s % NSTRIPES].free, &t->batch_nodes, first, first);
	}
	err = lat_heap_init(&t->heap, t->nevents, deadline_before, t);
	if (err) {
		goto fail;
	}
	/* Two buckets per event at least: chains are short, and the table never grows. */
	nbuckets = pow2_at_least(2UL * t->nevents);
	t->mask = (uint32_t)(nbuckets - 1);
	t->buckets = aligned_alloc(64, (nbuckets * sizeof(*t->buckets) + 63) / 64 * 64);
	if (!t->buckets) {
		err = -ENOMEM;
		goto fail;
	}
	for (unsigned long i = 0; i < nbuckets; i++) {
		atomic_init(&t->buckets[i], 0);
	}
	t->alert_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	t->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (t->alert_fd < 0 || t->wake_fd < 0) {
		err = -errno;
		goto fail;
	}
	err = -pthread_create(&t->timer, NULL, timer_main, t);
	if (err) {
		goto fail;
	}
	t->timer_started = true;
	*trackerp = t;
	return 0;
fail:
	lat_tracker_destroy(t);
	return err;
}

LAT_API void lat_tracker_destroy(struct lat_tracker *t)
{
	uint64_t one = 1;
	int slot;

	if (!t) {
		return;
	}
	slot = lat_thread_enter();
	if (t->timer_started) {
		atomic_store_explicit(&t->stop, true, memory_order_release);
		if (write(t->wake_fd, &one, sizeof(one)) < 0) {
			/* the timer still sees stop within one period */
		}
		pthread_join(t->timer, NULL);
	}
	if (t->buckets) {
		flush_all(t, slot);
		give_back(t, slot, UINT32_MAX);
		free(t->buckets);
	}
	lat_heap_fini(&t->heap);
	if (t->alert_fd >= 0) {
		close(t->alert_fd);
	}
	if (t->wake_fd >= 0) {
		close(t->wake_fd);
	}
	free(t->events);
	free(t);
}

LAT_API int lat_tracker_get_counters(struct lat_tracker *t, struct lat_tracker_counters *c)
{
	uint64_t ended;

	if (!t || !c) {
		return -EINVAL;
	}
	memset(c, 0, sizeof(*c));
	/* Order matters: a part is read before its whole, an end before its start. */
	c->alerts = cnt_sum(t, C_ALERTS);
	c->outs_matched = cnt_sum(t, C_OUTS_MATCHED);
	c->outs_without_in = cnt_sum(t, C_OUTS_UNMATCHED);
	c->over_threshold = cnt_sum(t, C_OVER);
	c->timeouts = cnt_sum(t, C_TIMEOUTS);
	c->completed = cnt_sum(t, C_COMPLETED);
	c->replaced = cnt_sum(t, C_REPLACED);
	c->gc = cnt_sum(t, C_GC);
	c->flushed = cnt_sum(t, C_FLUSHED);
	c->tracked = cnt_sum(t, C_TRACKED);
	c->drops = cnt_sum(t, C_DROPS);
	c->ignored = cnt_sum(t, C_IGNORED);
	ended = c->completed + c->replaced + c->gc + c->flushed;
	c->in_flight = c->tracked - ended;
	c->ins = c->tracked + c->drops;
	c->outs = c->outs_matched + c->outs_without_in;
	return 0;
}

LAT_API int lat_tracker_get_stats(struct lat_tracker *t, struct lat_tracker_stats *st)
{
	uint64_t mn = UINT64_MAX, mx = 0;

	if (!t || !st) {
		return -EINVAL;
	}
	memset(st, 0, sizeof(*st));
	st->count = cnt_sum(t, C_COMPLETED);
	st->total_ns = cnt_sum(t, C_TOTAL_NS);
	for (int i = 0; i <= LAT_NSLOTS; i++) {
		uint64_t v =
		    atomic_load_explicit(&t->counters[i].v[C_MIN_NS], memory_order_relaxed);
		uint64_t w =
		    atomic_load_explicit(&t->counters[i].v[C_MAX_NS], memory_order_relaxed);

		mn = v < mn ? v : mn;
		mx = w > mx ? w : mx;
	}
	if (st->count) {
		st->min_ns = mn == UINT64_MAX ? 0 : mn;
		st->max_ns = mx;
		st->avg_ns = st->total_ns / st->count;
	}
	return 0;
}

LAT_API void lat_tracker_set_tracking(struct lat_tracker *t, bool on)
{
	if (!t) {
		return;
	}
	atomic_store_explicit(&t->tracking, on, memory_order_release);
	if (!on) {
		flush_all(t, lat_thread_enter());
	}
}

LAT_API bool lat_tracker_get_tracking(struct lat_tracker *t)
{
	return t && atomic_load_explicit(&t->tracking, memory_order_acquire);
}

LAT_API void lat_tracker_set_threshold(struct lat_tracker *t, uint64_t threshold_ns)
{
	if (t) {
		atomic_store_explicit(&t->threshold_ns, threshold_ns, memory_order_relaxed);
	}
}

LAT_API uint64_t lat_tracker_get_threshold(struct lat_tracker *t)
{
	return t ? atomic_load_explicit(&t->threshold_ns, memory_order_relaxed) : 0;
}

LAT_API void lat_tracker_set_timeout(struct lat_tracker *t, uint64_t timeout_ns)
{
	if (t) {
		atomic_store_explicit(&t->timeout_ns,
				      timeout_ns == LAT_TRACKER_NEVER ? 0 : timeout_ns,
				      memory_order_relaxed);
	}
}

LAT_API uint64_t lat_tracker_get_timeout(struct lat_tracker *t)
{
	return t ? atomic_load_explicit(&t->timeout_ns, memory_order_relaxed) : 0;
}

LAT_API void lat_tracker_set_worst(struct lat_tracker *t, bool on)
{
	if (t) {
		atomic_store_explicit(&t->worst, on, memory_order_relaxed);
	}
}

LAT_API int lat_tracker_alert_fd(struct lat_tracker *t)
{
	return t ? t->alert_fd : -EINVAL;
}
