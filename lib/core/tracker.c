/* tracker.c: liblatscope's keyed latency tracker: lock-free table, free list, timer thread. */
#include "core/thread.h" /* first: defines _LGPL_SOURCE and includes urcu-memb */

#include <urcu/rculfhash.h>

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
#define INIT_BUCKETS         1024
#define NSTRIPES             8 /* free and intake lists, by thread slot */
#define BATCH                16
#define PURGE_EVERY_TICKS    16
#define IDLE_AFTER_TICKS     64         /* empty ticks before the timer thread idles */
#define IDLE_SLEEP_NS        100000000L /* its period while idle (woken early by work) */
#define NO_ALERT_YET         UINT64_MAX

/*
 * An event's state and reference count share one word, so that ending an event nobody else holds
 * takes one compare-and-swap. Low byte: 0 free or retired; ACTIVE in the table; TIMEDOUT its
 * TIMEOUT callback ran; DONE claimed by whoever ends it. Above: references (the table's, the
 * timer's, get_event's).
 */
enum { ST_ACTIVE = 1, ST_TIMEDOUT = 2, ST_DONE = 4, ST_MASK = 0xff };
#define REF     (1U << 8)
#define REFS(w) ((w) >> 8)

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
 * One block per thread slot: the slot's counters, and the events it retired that wait to be
 * published as one batch (only the owning thread touches the batch fields).
 */
struct slot_block {
	_Atomic uint64_t v[C_NCOUNTERS];
	uint32_t batch_head;
	uint32_t batch_len;
	uint32_t free_head; /* the thread's private free events (one batch taken from a stripe) */
} __attribute__((aligned(128)));

struct stripe {
	struct lf_tstack free;
	struct lf_pstack intake;
} __attribute__((aligned(64)));

struct lat_event {
	struct cds_lfht_node node;
	_Atomic uint32_t sr;         /* state | references << 8 */
	_Atomic uint32_t link;       /* free list, retire batch or timer intake */
	_Atomic uint32_t batch_link; /* first event of a batch: the next batch */
	uint32_t batch_stripe;       /* first event of a batch: the free list it goes back to */
	uint32_t key_len;
	uint64_t start_ns;
	uint64_t threshold_ns;
	uint64_t deadline_ns; /* UINT64_MAX: no timeout */
	lat_tracker_cb cb;
	void *priv;
	unsigned char key[];
};

struct lookup_key {
	const struct lat_tracker *t;
	const void *key;
	size_t len;
};

/* Read-mostly fields first; fields written at run time sit on cache lines of their own. */
struct lat_tracker {
	struct cds_lfht *ht;
	char *events;
	size_t stride;
	uint32_t nevents;
	struct lf_nodes nodes;       /* linked by link */
	struct lf_nodes batch_nodes; /* linked by batch_link */
	uint32_t batch_max;          /* events per retire batch */

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
	struct lf_pstack batches __attribute__((aligned(64))); /* retired, waiting for a GP */
	_Atomic uint64_t last_alert_ns;
	_Atomic bool wake_pending;
	_Atomic int reclaiming; /* threads inside reclaim() */
	_Atomic bool stop;

	/* Owned by the timer thread. */
	struct lat_heap heap __attribute__((aligned(64)));
	uint64_t next_gc_ns;
	unsigned int ticks;

	char tsan_gp; /* the grace-period token, see thread.h */

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
	if (t->tsc) {
		uint64_t c = read_tsc();
		/* A CPU whose TSC lags the calibrating one by a few ticks: no time before the base.
		 */
		uint64_t d = likely(c > t->tsc_base) ? c - t->tsc_base : 0;

		return t->ns_base + (uint64_t)(((unsigned __int128)d * t->tsc_mult) >> 32);
	}
	if (t->clock_ns) {
		return t->clock_ns(t->clock_priv);
	}
	return mono_ns();
}

static inline struct lat_event *ev_at(const struct lat_tracker *t, uint32_t idx)
{
	return (struct lat_event *)(t->events + (size_t)(idx - 1) * t->stride);
}

static inline uint32_t ev_idx(const struct lat_tracker *t, const struct lat_event *ev)
{
	return (uint32_t)(((const char *)ev - t->events) / t->stride) + 1;
}

static inline struct lat_event *ev_of_node(struct cds_lfht_node *node)
{
	return (struct lat_event *)((char *)node - offsetof(struct lat_event, node));
}

/* A counter of the calling thread's slot: owned slots need no read-modify-write. */
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

static inline void rcu_lock(void)
{
	urcu_memb_read_lock();
}

static inline void rcu_unlock(struct lat_tracker *t)
{
	LAT_TSAN_RELEASE(&t->tsan_gp);
	urcu_memb_read_unlock();
}

/*
 * Claims the right to end an event (out, replace, GC, flush): exactly one claimer wins. *old gets
 * the word before the claim; REFS(*old) == 1 means the claimer now holds the only reference.
 */
static inline bool ev_claim(struct lat_event *ev, uint32_t *old)
{
	uint32_t w = atomic_load_explicit(&ev->sr, memory_order_acquire);

	while ((w & ST_MASK) != 0 && !(w & ST_DONE)) {
		if (atomic_compare_exchange_weak_explicit(
			&ev->sr, &w, w | ST_DONE, memory_order_acq_rel, memory_order_acquire)) {
			*old = w;
			return true;
		}
	}
	return false;
}

static void wake_timer(struct lat_tracker *t);

/* After a push the timer must see (intake, batches): wake the timer thread if it idles. */
static inline void kick_idle_timer(struct lat_tracker *t)
{
	/* seq_cst, paired with the timer's store of timer_idle and its re-check of the lists. */
	if (atomic_load_explicit(&t->timer_idle, memory_order_seq_cst)) {
		wake_timer(t);
	}
}

static void publish_batch(struct lat_tracker *t, uint32_t head, int slot)
{
	ev_at(t, head)->batch_stripe = (uint32_t)slot % NSTRIPES;
	lf_pstack_push(&t->batches, &t->batch_nodes, head);
	kick_idle_timer(t);
}

static void publish_own_batch(struct lat_tracker *t, int slot)
{
	struct slot_block *b = &t->counters[slot];

	if (slot < LAT_NSLOTS && b->batch_len) {
		publish_batch(t, b->batch_head, slot);
		b->batch_head = b->batch_len = 0;
	}
}

/*
 * The last reference is gone: the event goes to the thread's retire batch, and batches go to the
 * reclaimer, which waits for a grace period before the free list gets them back. Batching keeps
 * the reclaimer from touching every event (cache lines would bounce between CPUs).
 */
static void retire(struct lat_tracker *t, struct lat_event *ev, int slot)
{
	uint32_t idx = ev_idx(t, ev);
	struct slot_block *b;

	/* release: a reader that sees 0 also sees the key written before it (for TSan too) */
	atomic_store_explicit(&ev->sr, 0, memory_order_release);
	if (slot >= LAT_NSLOTS) {
		atomic_store_explicit(&ev->link, 0, memory_order_relaxed);
		publish_batch(t, idx, slot);
		return;
	}
	b = &t->counters[slot];
	atomic_store_explicit(&ev->link, b->batch_head, memory_order_relaxed); /* 0 ends a batch */
	b->batch_head = idx;
	if (++b->batch_len >= t->batch_max) {
		publish_own_batch(t, slot);
	}
}

static inline void ev_put(struct lat_tracker *t, struct lat_event *ev, int slot)
{
	if (REFS(atomic_fetch_sub_explicit(&ev->sr, REF, memory_order_acq_rel)) == 1) {
		retire(t, ev, slot);
	}
}

/* Drops the table's reference held by the claimer; no atomic when it was the only one. */
static inline void ev_put_claimed(struct lat_tracker *t, struct lat_event *ev, uint32_t old,
				  int slot)
{
	if (REFS(old) == 1) {
		retire(t, ev, slot); /* nobody can take a reference on a DONE event */
	} else {
		ev_put(t, ev, slot);
	}
}

static int match_node(struct cds_lfht_node *node, const void *arg)
{
	const struct lookup_key *k = arg;
	struct lat_event *ev = ev_of_node(node);

	/* Pairs with the release in event_in: the key below was written before it. */
	(void)atomic_load_explicit(&ev->sr, memory_order_acquire);
	if (ev->key_len != k->len) {
		return 0;
	}
	if (likely(!k->t->match)) { /* the default, memcmp(), inlined for 8-byte keys */
		if (k->len == sizeof(uint64_t)) {
			uint64_t a, b;

			memcpy(&a, ev->key, sizeof(a));
			memcpy(&b, k->key, sizeof(b));
			return a == b;
		}
		return memcmp(ev->key, k->key, k->len) == 0;
	}
	return k->t->match(ev->key, k->key, k->len) == 0;
}

/* The key's hash: the default one inlined, with its seed-only part computed at create. */
static inline uint64_t hash_key(const struct lat_tracker *t, const void *key, size_t len)
{
	if (likely(!t->hash)) {
		return lat_hash_seeded(key, len, t->hash_state);
	}
	return t->hash(key, len, t->seed);
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
static void report(struct lat_tracker *t, int slot, struct lat_event *ev,
		   enum lat_tracker_cb_flag flag, uint64_t end, uint64_t threshold, bool timed_out)
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

/* --- free list and reclaim ------------------------------------------------------------------ */

/* Moves retired batches back to the free lists after one grace period. Returns how many batches. */
static uint32_t reclaim(struct lat_tracker *t)
{
	uint32_t batch, count = 0;

	atomic_fetch_add_explicit(&t->reclaiming, 1, memory_order_acq_rel);
	batch = lf_pstack_take_all(&t->batches);
	if (!batch) {
		atomic_fetch_sub_explicit(&t->reclaiming, 1, memory_order_acq_rel);
		return 0;
	}
	urcu_memb_synchronize_rcu();
	LAT_TSAN_ACQUIRE(&t->tsan_gp);
	while (batch) {
		struct lat_event *first = ev_at(t, batch);
		uint32_t next = atomic_load_explicit(&first->batch_link, memory_order_relaxed);

		lf_tstack_push_chain(&t->stripes[first->batch_stripe].free, &t->batch_nodes, batch,
				     batch);
		batch = next;
		count++;
	}
	atomic_fetch_sub_explicit(&t->reclaiming, 1, memory_order_acq_rel);
	return count;
}

/*
 * Takes a free event: from the thread's private batch (no atomic), else a whole batch from a
 * stripe's free list (one CAS), else reclaims retired batches (one grace period), else NULL.
 */
static struct lat_event *ev_alloc(struct lat_tracker *t, int slot)
{
	struct slot_block *b = &t->counters[slot];
	int home = slot % NSTRIPES;
	uint32_t idx;

	if (likely(slot < LAT_NSLOTS && b->free_head)) {
		idx = b->free_head;
		b->free_head = atomic_load_explicit(lf_link(&t->nodes, idx), memory_order_relaxed);
		return ev_at(t, idx);
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		for (int i = 0; i < NSTRIPES; i++) {
			struct lf_tstack *fl = &t->stripes[(home + i) % NSTRIPES].free;
			uint32_t rest;

			idx = lf_tstack_pop(fl, &t->batch_nodes);
			if (!idx) {
				continue;
			}
			rest = atomic_load_explicit(lf_link(&t->nodes, idx), memory_order_relaxed);
			if (slot < LAT_NSLOTS) {
				b->free_head = rest;
			} else if (rest) {
				lf_tstack_push_chain(fl, &t->batch_nodes, rest, rest);
			}
			return ev_at(t, idx);
		}
		/* Empty: events may wait for a grace period; else the timer holds them. */
		publish_own_batch(t, slot);
		if (attempt == 0 && reclaim(t) == 0) {
			/* Another thread may be reclaiming right now: wait for its grace period. */
			if (!atomic_load_explicit(&t->reclaiming, memory_order_acquire)) {
				break;
			}
			while (atomic_load_explicit(&t->reclaiming, memory_order_acquire)) {
				sched_yield();
			}
		}
	}
	wake_timer(t);
	return NULL;
}

/* --- in and out ------------------------------------------------------------------------------ */

LAT_API int lat_tracker_event_in(struct lat_tracker *t, const void *key, size_t key_len,
				 uint64_t threshold_ns, uint64_t timeout_ns,
				 lat_tracker_cb callback, void *priv, unsigned int flags)
{
	struct lookup_key k = {t, key, key_len};
	struct cds_lfht_node *old;
	struct lat_event *ev;
	bool unique, timeout;
	uint32_t old_state;
	uint64_t hash;
	int slot;

	if (unlikely(!t || !key || key_len == 0 || key_len > t->max_key_len ||
		     (flags & ~(unsigned int)(LAT_IN_UNIQUE | LAT_IN_DUPLICATE)) ||
		     flags == (LAT_IN_UNIQUE | LAT_IN_DUPLICATE))) {
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
	ev->key_len = (uint32_t)key_len;
	ev->threshold_ns = threshold_ns;
	ev->cb = callback ? callback : t->cb;
	ev->priv = priv;
	ev->start_ns = now_ns(t);
	ev->deadline_ns = !timeout                                 ? UINT64_MAX
			  : ev->start_ns > UINT64_MAX - timeout_ns ? UINT64_MAX - 1
								   : ev->start_ns + timeout_ns;
	atomic_store_explicit(&ev->sr, (timeout ? 2 * REF : REF) | ST_ACTIVE, memory_order_release);
	cnt_add(t, slot, C_TRACKED, 1);

	hash = hash_key(t, key, key_len);
	rcu_lock();
	if (unique) {
		old = cds_lfht_add_replace(t->ht, hash, match_node, &k, &ev->node);
		/*
		 * Claim the replaced event before leaving the read-side section: once outside, an
		 * out may have ended it, and its memory been reused by a new event, which this
		 * claim would then end while it sits in the table.
		 */
		if (old && !ev_claim(ev_of_node(old), &old_state)) {
			old = NULL; /* an out, GC or flush claimed it first and ends it */
		}
	} else {
		cds_lfht_add(t->ht, hash, &ev->node);
		old = NULL;
	}
	rcu_unlock(t);

	if (old) {
		cnt_add(t, slot, C_REPLACED, 1);
		ev_put_claimed(t, ev_of_node(old), old_state, slot);
	}
	if (timeout) {
		lf_pstack_push(&t->stripes[slot % NSTRIPES].intake, &t->nodes, ev_idx(t, ev));
		kick_idle_timer(t);
	}
	return 0;
}

/* Ends a claimed event: statistics, threshold, callback, then drops the table's reference. */
static void complete(struct lat_tracker *t, int slot, struct lat_event *ev, uint32_t old_state,
		     uint64_t end)
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
		report(t, slot, ev, LAT_CB_NORMAL, end, threshold, old_state & ST_TIMEDOUT);
	}
	ev_put_claimed(t, ev, old_state, slot);
}

LAT_API int lat_tracker_event_out(struct lat_tracker *t, const void *key, size_t key_len)
{
	struct lookup_key k = {t, key, key_len};
	struct lat_event *batch[BATCH];
	uint32_t states[BATCH];
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	uint64_t hash, end;
	int slot, n, total = 0;

	if (unlikely(!t || !key || key_len == 0 || key_len > t->max_key_len)) {
		return -EINVAL;
	}
	slot = lat_thread_enter();
	if (unlikely(!atomic_load_explicit(&t->tracking, memory_order_relaxed))) {
		cnt_add(t, slot, C_IGNORED, 1);
		return -ECANCELED;
	}
	end = now_ns(t);
	hash = hash_key(t, key, key_len);
	do {
		n = 0;
		rcu_lock();
		cds_lfht_lookup(t->ht, hash, match_node, &k, &iter);
		while ((node = cds_lfht_iter_get_node(&iter)) != NULL && n < BATCH) {
			struct lat_event *ev = ev_of_node(node);

			/* Duplicates that started after this out began are left for the next out.
			 */
			if (ev->start_ns <= end && ev_claim(ev, &states[n])) {
				cds_lfht_del(t->ht, node); /* may fail: a unique in replaced it */
				batch[n++] = ev;
			}
			cds_lfht_next_duplicate(t->ht, match_node, &k, &iter);
		}
		rcu_unlock(t);
		for (int i = 0; i < n; i++) {
			complete(t, slot, batch[i], states[i], end);
		}
		total += n;
	} while (n == BATCH);

	if (total == 0) {
		cnt_add(t, slot, C_OUTS_UNMATCHED, 1);
		return -ENOENT;
	}
	cnt_add(t, slot, C_OUTS_MATCHED, 1);
	return total;
}

/* --- get/put ------------------------------------------------------------------------------- */

LAT_API struct lat_event *lat_tracker_get_event(struct lat_tracker *t, const void *key,
						size_t key_len)
{
	struct lookup_key k = {t, key, key_len};
	struct lat_event *found = NULL;
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	if (!t || !key || key_len == 0 || key_len > t->max_key_len) {
		return NULL;
	}
	lat_thread_enter();
	rcu_lock();
	cds_lfht_lookup(t->ht, hash_key(t, key, key_len), match_node, &k, &iter);
	while ((node = cds_lfht_iter_get_node(&iter)) != NULL) {
		struct lat_event *ev = ev_of_node(node);
		uint32_t w = atomic_load_explicit(&ev->sr, memory_order_acquire);

		/* Take a reference unless the event is being ended (or already retired). */
		while ((w & ST_MASK) != 0 && !(w & ST_DONE)) {
			if (atomic_compare_exchange_weak_explicit(
				&ev->sr, &w, w + REF, memory_order_acquire, memory_order_acquire)) {
				found = ev;
				break;
			}
		}
		if (found) {
			break;
		}
		cds_lfht_next_duplicate(t->ht, match_node, &k, &iter);
	}
	rcu_unlock(t);
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
 * Removes up to BATCH events older than min_age_ns (0: all) and ends them: GC callback or flush.
 * Returns how many were removed.
 */
static int scan_remove(struct lat_tracker *t, int slot, uint64_t now, uint64_t min_age_ns, bool gc)
{
	struct lat_event *batch[BATCH];
	uint32_t states[BATCH];
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	int n = 0;

	rcu_lock();
	cds_lfht_first(t->ht, &iter);
	while ((node = cds_lfht_iter_get_node(&iter)) != NULL && n < BATCH) {
		struct lat_event *ev = ev_of_node(node);
		uint32_t w = atomic_load_explicit(&ev->sr, memory_order_acquire);

		if ((w & ST_MASK) != 0 && !(w & ST_DONE) &&
		    (min_age_ns == 0 || (now > ev->start_ns && now - ev->start_ns >= min_age_ns)) &&
		    ev_claim(ev, &states[n])) {
			cds_lfht_del(t->ht, node);
			batch[n++] = ev;
		}
		cds_lfht_next(t->ht, &iter);
	}
	rcu_unlock(t);
	for (int i = 0; i < n; i++) {
		if (gc) {
			cnt_add(t, slot, C_GC, 1);
			report(t, slot, batch[i], LAT_CB_GC, now, batch[i]->threshold_ns, false);
		} else {
			cnt_add(t, slot, C_FLUSHED, 1);
		}
		ev_put_claimed(t, batch[i], states[i], slot);
	}
	return n;
}

static void flush_all(struct lat_tracker *t, int slot)
{
	while (scan_remove(t, slot, 0, 0, false) > 0) {
	}
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

	if (atomic_load_explicit(&ev->sr, memory_order_acquire) & ST_DONE) {
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
		uint32_t w = atomic_load_explicit(&ev->sr, memory_order_acquire);
		bool fire = false;

		/* Only an event still ACTIVE times out; references may change meanwhile. */
		while ((w & ST_MASK) == ST_ACTIVE) {
			if (atomic_compare_exchange_weak_explicit(&ev->sr, &w, w | ST_TIMEDOUT,
								  memory_order_acq_rel,
								  memory_order_acquire)) {
				fire = true;
				break;
			}
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
		while (scan_remove(t, slot, now, t->gc_age_ns, true) == BATCH) {
		}
		t->next_gc_ns =
		    now + (t->gc_age_ns / 4 > t->period_ns ? t->gc_age_ns / 4 : t->period_ns);
	}
	busy |= t->counters[slot].batch_len > 0;
	publish_own_batch(t, slot);
	busy |= reclaim(t) > 0;
	return busy;
}

/* Work the timer thread must not sleep on: new timeouts, batches waiting for a grace period. */
static bool work_pending(struct lat_tracker *t)
{
	for (int s = 0; s < NSTRIPES; s++) {
		if (atomic_load_explicit(&t->stripes[s].intake.head, memory_order_seq_cst)) {
			return true;
		}
	}
	return atomic_load_explicit(&t->batches.head, memory_order_seq_cst) != 0;
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
	 * Every period while there is work (timeouts pending, GC on, events to reclaim); after
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
	unsigned long buckets;
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
	/*
	 * A small table stays in cache; it grows (liburcu's resize thread) when chains get long,
	 * up to one bucket per event.
	 */
	buckets = pow2_at_least(t->nevents);
	t->ht = cds_lfht_new_flavor(buckets < INIT_BUCKETS ? buckets : INIT_BUCKETS, 1, buckets,
				    CDS_LFHT_AUTO_RESIZE, &urcu_memb_flavor, NULL);
	if (!t->ht) {
		err = -ENOMEM;
		goto fail;
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
	if (t->ht) {
		flush_all(t, slot);
		urcu_memb_synchronize_rcu();
		cds_lfht_destroy(t->ht, NULL);
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
