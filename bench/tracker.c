/* tracker.c: liblatscope in/out pairs per second vs. the same API over a mutex-protected hash
 * table. */
#include "latscope/tracker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Each thread keeps WINDOW events in flight: event_in(key n), then event_out(key n - WINDOW), so
 * the table is never empty and every out finds its in. Keys are unique per thread (thread id and
 * sequence number), 8 or 32 bytes. The peer is the same in/out API over one chained hash table
 * with preallocated entries behind one pthread mutex: what a service would write first.
 */
#define WINDOW      16
#define MAX_EVENTS  65536
#define MAX_THREADS 64

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The clock both sides use for event times: CLOCK_MONOTONIC (30 ns a call on a kvm-clock VM); with
 * --lib-tsc, liblatscope's built-in LAT_TRACKER_CLOCK_TSC for ours and the bench's own TSC clock
 * (calibrated once) for the peer (BENCH names end in _tsc); with --tsc, the bench's TSC clock on
 * both sides, given to liblatscope through lat_tracker_options.clock_ns (_usertsc).
 */
static bool use_tsc;
static bool lib_tsc;         /* ours: LAT_TRACKER_CLOCK_TSC (the library's own TSC clock) */
static uint64_t last_pairs;  /* pairs of the last run_one() */
static double last_cpu_pair; /* CPU ns a pair (all threads' CPU time / pairs) of the last run */
static double tsc_ns_per_tick;

static inline uint64_t tsc_ns(void)
{
	return (uint64_t)((double)__builtin_ia32_rdtsc() * tsc_ns_per_tick);
}

static inline uint64_t now_ns(void)
{
	return use_tsc ? tsc_ns() : mono_ns();
}

static uint64_t clock_for_tracker(void *priv)
{
	(void)priv;
	return tsc_ns();
}

static void calibrate_tsc(void)
{
	uint64_t t0 = mono_ns(), c0 = __builtin_ia32_rdtsc(), t1, c1;

	do {
		t1 = mono_ns();
	} while (t1 - t0 < 50000000ULL);
	c1 = __builtin_ia32_rdtsc();
	tsc_ns_per_tick = (double)(t1 - t0) / (double)(c1 - c0);
}

/* --- the peer: one hash table, one mutex ---------------------------------------------------- */
struct mt_entry {
	struct mt_entry *next;
	uint64_t start_ns;
	size_t key_len;
	unsigned char key[32];
};

struct mutex_tracker {
	pthread_mutex_t lock;
	struct mt_entry **buckets;
	size_t nbuckets;
	struct mt_entry *free;
	struct mt_entry *entries;
	uint64_t threshold_ns;
	uint64_t over, drops, unmatched;
};

static struct mutex_tracker *mt_create(size_t max_events)
{
	struct mutex_tracker *m = calloc(1, sizeof(*m));

	pthread_mutex_init(&m->lock, NULL);
	m->nbuckets = 1;
	while (m->nbuckets < max_events) {
		m->nbuckets <<= 1;
	}
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	m->entries = calloc(max_events, sizeof(*m->entries));
	for (size_t i = 0; i < max_events; i++) {
		m->entries[i].next = m->free;
		m->free = &m->entries[i];
	}
	m->threshold_ns = 1000000;
	return m;
}

static void mt_destroy(struct mutex_tracker *m)
{
	free(m->buckets);
	free(m->entries);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static int mt_in(struct mutex_tracker *m, const void *key, size_t len)
{
	size_t b = lat_hash64(key, len, 0) & (m->nbuckets - 1);
	uint64_t start = now_ns();
	struct mt_entry *e;

	pthread_mutex_lock(&m->lock);
	e = m->free;
	if (!e) {
		m->drops++;
		pthread_mutex_unlock(&m->lock);
		return -ENOSPC;
	}
	m->free = e->next;
	e->start_ns = start;
	e->key_len = len;
	memcpy(e->key, key, len);
	e->next = m->buckets[b];
	m->buckets[b] = e;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static int mt_out(struct mutex_tracker *m, const void *key, size_t len)
{
	size_t b = lat_hash64(key, len, 0) & (m->nbuckets - 1);
	uint64_t end = now_ns();
	struct mt_entry **pp, *e;

	pthread_mutex_lock(&m->lock);
	for (pp = &m->buckets[b]; (e = *pp) != NULL; pp = &e->next) {
		if (e->key_len == len && memcmp(e->key, key, len) == 0) {
			*pp = e->next;
			if (end - e->start_ns > m->threshold_ns) {
				m->over++;
			}
			e->next = m->free;
			m->free = e;
			pthread_mutex_unlock(&m->lock);
			return 1;
		}
	}
	m->unmatched++;
	pthread_mutex_unlock(&m->lock);
	return -ENOENT;
}

/* --- the workload --------------------------------------------------------------------------- */
struct run {
	bool ours;
	struct lat_tracker *tracker;
	struct mutex_tracker *peer;
	size_t key_len;
	double seconds;
	atomic_bool go;
	atomic_bool stop;
};

struct worker {
	pthread_t thread;
	struct run *run;
	uint32_t id;
	uint64_t pairs;
	uint64_t failures;
	uint64_t cpu_ns; /* the thread's CPU time while it ran pairs */
};

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The same bytes as before, without a memset() call for 8-byte keys (both sides pay it). */
static inline void make_key(unsigned char *key, size_t len, uint32_t id, uint64_t seq)
{
	memcpy(key, &seq, sizeof(seq));
	key[7] ^= (unsigned char)id; /* 8-byte keys: high byte carries the thread */
	if (len > 8) {
		memset(key + 8, 0, len - 8);
		if (len >= 12) {
			memcpy(key + 8, &id, sizeof(id));
			memset(key + 12, 0x5a, len - 12);
		}
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;
	unsigned char key[32];
	uint64_t seq = 0, pairs = 0, failures = 0, cpu0;

	while (!atomic_load(&r->go)) {
	}
	cpu0 = thread_cpu_ns();
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		for (int i = 0; i < 256; i++, seq++) {
			int err;

			make_key(key, r->key_len, w->id, seq);
			err = r->ours ? lat_tracker_event_in(r->tracker, key, r->key_len, 0, 0,
							     NULL, NULL, 0)
				      : mt_in(r->peer, key, r->key_len);
			failures += err < 0;
			if (seq < WINDOW) {
				continue;
			}
			make_key(key, r->key_len, w->id, seq - WINDOW);
			err = r->ours ? lat_tracker_event_out(r->tracker, key, r->key_len)
				      : mt_out(r->peer, key, r->key_len);
			failures += err < 0;
			pairs++;
		}
	}
	w->cpu_ns = thread_cpu_ns() - cpu0;
	w->pairs = pairs;
	w->failures = failures;
	return NULL;
}

/* Returns pairs per second. */
static double run_one(bool ours, int threads, size_t key_len, double seconds, uint64_t *failures)
{
	struct run r = {.ours = ours, .key_len = key_len, .seconds = seconds};
	struct worker w[MAX_THREADS];
	struct lat_tracker_options o = {.max_events = MAX_EVENTS, .max_key_len = 32};

	if (lib_tsc) {
		o.clock = LAT_TRACKER_CLOCK_TSC; /* the peer uses the bench's own TSC clock */
	} else if (use_tsc) {
		o.clock_ns = clock_for_tracker;
	}
	struct timespec pause = {.tv_sec = (time_t)seconds,
				 .tv_nsec = (long)((seconds - (time_t)seconds) * 1e9)};
	uint64_t total = 0, cpu = 0, t0, t1;

	if (ours) {
		int err = lat_tracker_create(&o, &r.tracker);

		if (err) {
			fprintf(stderr, "bench-tracker: lat_tracker_create: %s\n", strerror(-err));
			exit(1);
		}
	} else {
		r.peer = mt_create(MAX_EVENTS);
	}
	*failures = 0;
	for (int i = 0; i < threads; i++) {
		w[i] = (struct worker){.run = &r, .id = (uint32_t)i + 1};
		pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
	}
	t0 = mono_ns();
	atomic_store(&r.go, true);
	nanosleep(&pause, NULL);
	atomic_store(&r.stop, true);
	for (int i = 0; i < threads; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].pairs;
		cpu += w[i].cpu_ns;
		last_pairs = total;
		*failures += w[i].failures;
	}
	t1 = mono_ns();
	last_cpu_pair = total ? (double)cpu / (double)total : 0;
	if (ours) {
		struct lat_tracker_counters c;

		lat_tracker_get_counters(r.tracker, &c);
		*failures += c.drops;
		lat_tracker_destroy(r.tracker);
	} else {
		mt_destroy(r.peer);
	}
	return (double)total / ((double)(t1 - t0) / 1e9);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Ours and the peer run alternately, ROUNDS times each, and the medians are compared: the machine
 * may be shared, and alternating short runs lets both sides see the same load.
 */
#define ROUNDS 5

/* "1,2,4" or "1 2 4" into counts; returns how many, 0 on a bad list. */
static int parse_threads(const char *s, int *counts, int max)
{
	int n = 0;

	while (*s) {
		char *end;
		long v;

		if (*s == ',' || *s == ' ') {
			s++;
			continue;
		}
		v = strtol(s, &end, 10);
		if (end == s || v < 1 || v > MAX_THREADS || n == max) {
			return 0;
		}
		counts[n++] = (int)v;
		s = end;
	}
	return n;
}

int main(int argc, char **argv)
{
	int thread_counts[MAX_THREADS] = {1, 2, 4};
	int nthread_counts = 3;
	static const size_t key_lens[] = {8, 32};
	bool only_peer = false;
	const char *suffix = "";
	double seconds = 0.2;
	int only_threads = 0;
	size_t only_key = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tsc") == 0) {
			use_tsc = true;
			suffix = "_usertsc";
		} else if (strcmp(argv[i], "--lib-tsc") == 0) {
			lib_tsc = use_tsc = true;
			suffix = "_tsc";
		} else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
			nthread_counts = parse_threads(argv[++i], thread_counts, MAX_THREADS);
			if (nthread_counts == 0) {
				fprintf(stderr, "bench-tracker: --threads: a list of 1-%d\n",
					MAX_THREADS);
				return 2;
			}
		} else if (strcmp(argv[i], "--peer") == 0) {
			only_peer = true; /* with --only: run the mutex table instead */
		} else if (strcmp(argv[i], "--only") == 0 && i + 2 < argc) {
			/* one run of ours only (for valgrind --tool=callgrind): --only THREADS
			 * KEYLEN */
			only_threads = atoi(argv[++i]);
			only_key = (size_t)atoi(argv[++i]);
		} else {
			seconds = atof(argv[i]);
		}
	}
	if (seconds <= 0 || seconds > 30) {
		fprintf(
		    stderr,
		    "usage: %s [--tsc|--lib-tsc] [--threads LIST] [--only THREADS KEYLEN [--peer]] "
		    "[SECONDS_PER_RUN]\n",
		    argv[0]);
		return 2;
	}
	if (use_tsc) {
		calibrate_tsc();
	}
	if (only_threads > 0) {
		uint64_t f;
		double rate;

		if (only_threads > MAX_THREADS || only_key < 8 || only_key > 32) {
			fprintf(stderr, "usage: %s --only THREADS(1-%d) KEYLEN(8-32)\n", argv[0],
				MAX_THREADS);
			return 2;
		}
		rate = run_one(!only_peer, only_threads, only_key, seconds, &f);
		printf(
		    "# %s only: %d threads, %zu-byte keys: %llu pairs, %.2f Mpairs/s, %.1f ns of "
		    "CPU a pair, %llu failed\n",
		    only_peer ? "peer" : "ours", only_threads, only_key,
		    (unsigned long long)last_pairs, rate / 1e6, last_cpu_pair,
		    (unsigned long long)f);
		return 0;
	}
	for (size_t k = 0; k < sizeof(key_lens) / sizeof(key_lens[0]); k++) {
		for (int t = 0; t < nthread_counts; t++) {
			double o[ROUNDS], p[ROUNDS], oc[ROUNDS], pc[ROUNDS], ours, peer;
			uint64_t fail_ours = 0, fail_peer = 0, f;

			for (int r = 0; r < ROUNDS; r++) {
				o[r] = run_one(true, thread_counts[t], key_lens[k], seconds, &f);
				oc[r] = last_cpu_pair;
				fail_ours += f;
				p[r] = run_one(false, thread_counts[t], key_lens[k], seconds, &f);
				pc[r] = last_cpu_pair;
				fail_peer += f;
			}
			qsort(o, ROUNDS, sizeof(o[0]), cmp_double);
			qsort(p, ROUNDS, sizeof(p[0]), cmp_double);
			qsort(oc, ROUNDS, sizeof(oc[0]), cmp_double);
			qsort(pc, ROUNDS, sizeof(pc[0]), cmp_double);
			ours = o[ROUNDS / 2];
			peer = p[ROUNDS / 2];
			printf(
			    "BENCH tracker_pairs_t%d_k%zu%s ours=%.2f Mpairs/s peer=%.2f Mpairs/s "
			    "peer_name=mutex_hashtable ratio=%.2f\n",
			    thread_counts[t], key_lens[k], suffix, ours / 1e6, peer / 1e6,
			    ours / peer);
			/*
			 * One thread: the cost of a pair in the thread's CPU time (median), which
			 * the other programs of a shared machine do not inflate; more threads: CPU
			 * time a pair, for the record (a contended mutex sleeps, so it is no
			 * throughput).
			 */
			if (thread_counts[t] == 1) {
				printf("BENCH tracker_pair_ns_k%zu%s ours=%.1f ns peer=%.1f ns "
				       "peer_name=mutex_hashtable ratio=%.2f\n",
				       key_lens[k], suffix, oc[ROUNDS / 2], pc[ROUNDS / 2],
				       pc[ROUNDS / 2] / oc[ROUNDS / 2]);
			} else {
				printf(
				    "# t%d k%zu%s: CPU time a pair: ours %.1f ns, peer %.1f ns\n",
				    thread_counts[t], key_lens[k], suffix, oc[ROUNDS / 2],
				    pc[ROUNDS / 2]);
			}
			if (fail_ours || fail_peer) {
				printf(
				    "# t%d k%zu: failed calls (drops, outs without in): ours=%llu "
				    "peer=%llu\n",
				    thread_counts[t], key_lens[k], (unsigned long long)fail_ours,
				    (unsigned long long)fail_peer);
			}
			fflush(stdout);
		}
	}
	return 0;
}
