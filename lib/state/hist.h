/* hist.h: log-linear latency histograms (bounded relative error), merge, quantiles, and rolling
 * windows of the last 1, 5, 15 minutes and the last hour. */
#ifndef LATSCOPE_STATE_HIST_H
#define LATSCOPE_STATE_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Values are integer nanoseconds. Values below 2^LAT_HIST_SUB_BITS have a bucket each; above,
 * every power of two [2^e, 2^(e+1)) is cut in 2^LAT_HIST_SUB_BITS equal buckets, so a bucket is
 * at most 1/2^LAT_HIST_SUB_BITS (12.5%) of its lower bound wide and a quantile, reported as its
 * bucket's midpoint, is within 6.25% of a value of that rank. Values from 2^LAT_HIST_MAX_EXP ns
 * (about 18 minutes) up go to the last bucket (and max keeps the exact largest value).
 */
#define LAT_HIST_SUB_BITS  3
#define LAT_HIST_SUB_COUNT (1u << LAT_HIST_SUB_BITS)
#define LAT_HIST_MAX_EXP   40
#define LAT_HIST_NBUCKETS  ((int)LAT_HIST_SUB_COUNT * (LAT_HIST_MAX_EXP - LAT_HIST_SUB_BITS + 1))

struct lat_hist {
	uint64_t count;
	uint64_t sum; /* ns; saturates at UINT64_MAX (584 years of latency) */
	uint64_t min, max;
	uint64_t buckets[LAT_HIST_NBUCKETS];
};

void lat_hist_init(struct lat_hist *h);
/* The bucket of value v, and the values [low, high] (both inclusive) a bucket holds. */
int lat_hist_index(uint64_t v);
uint64_t lat_hist_bucket_low(int index);
uint64_t lat_hist_bucket_high(int index);
/* Records n samples of value v. */
void lat_hist_record(struct lat_hist *h, uint64_t v, uint64_t n);
/* dst += src. */
void lat_hist_merge(struct lat_hist *dst, const struct lat_hist *src);
/*
 * The value of rank ceil(q * count) (q in [0, 1]): the midpoint of its bucket, clamped to
 * [min, max]. 0 for an empty histogram.
 */
uint64_t lat_hist_quantile(const struct lat_hist *h, double q);

/*
 * The kernel trackers' histograms (bpf/track.h: LAT_HIST_BUCKETS log-linear buckets, 32 to a
 * power of two). A bucket holds [lat_khist_low(i), lat_khist_high(i)) (high exclusive).
 * lat_khist_quantile(): the value of rank ceil(q * count) as its bucket's midpoint clamped to
 * [min, max] (q <= 0: min, q >= 1: max), within LAT_KHIST_ERROR of the exact value of that rank.
 */
#define LAT_KHIST_ERROR 0.016 /* 1/64, rounded up */
int lat_khist_nbuckets(void);
int lat_khist_index(uint64_t v);
uint64_t lat_khist_low(int index);
uint64_t lat_khist_high(int index);
uint64_t lat_khist_quantile(const uint64_t *buckets, uint64_t count, uint64_t min, uint64_t max,
			    double q);

/* Rolling windows: a ring of 10-second slots (15 minutes) and one of 1-minute slots (1 hour). */
enum lat_window {
	LAT_WINDOW_1M,
	LAT_WINDOW_5M,
	LAT_WINDOW_15M,
	LAT_WINDOW_1H,
	LAT_WINDOW_COUNT,
};

#define LAT_WINDOW_FINE_NS      (10ULL * 1000000000ULL)
#define LAT_WINDOW_FINE_SLOTS   90
#define LAT_WINDOW_COARSE_NS    (60ULL * 1000000000ULL)
#define LAT_WINDOW_COARSE_SLOTS 60

struct lat_hist_ring {
	uint64_t slot_ns;
	unsigned int nslots;
	uint64_t head_epoch; /* now / slot_ns of the newest slot */
	bool started;
	struct lat_hist **slots; /* slots[epoch % nslots], NULL while empty (allocated lazily) */
};

/* A histogram over all time plus its rolling windows. */
struct lat_hist_windows {
	struct lat_hist total;
	struct lat_hist_ring fine, coarse;
};

/* Returns 0 or -ENOMEM. */
int lat_hist_windows_init(struct lat_hist_windows *w);
void lat_hist_windows_fini(struct lat_hist_windows *w);
/* Records n samples of v at time now_ns (any monotonic clock; must not go backwards). */
int lat_hist_windows_record(struct lat_hist_windows *w, uint64_t now_ns, uint64_t v, uint64_t n);
/* Moves the rings to now_ns (slots that fell out are emptied); recording does it too. */
void lat_hist_windows_advance(struct lat_hist_windows *w, uint64_t now_ns);
/*
 * out = the samples of the window ending at now_ns: the current (partial) slot and the slots
 * before it, so the last minute is 50 to 60 seconds of samples.
 */
void lat_hist_windows_get(struct lat_hist_windows *w, uint64_t now_ns, enum lat_window window,
			  struct lat_hist *out);
/*
 * Change of profile: the last minute's p99 above factor x the last hour's, with at least
 * min_samples samples in the minute and more than twice as many in the hour. Returns 1 when the
 * windows enter that state (*high false -> true: reported once), 0 otherwise; *high follows the
 * state; p99_1m and p99_1h are set either way.
 */
int lat_hist_windows_profile(struct lat_hist_windows *w, bool *high, uint64_t now_ns, double factor,
			     uint64_t min_samples, uint64_t *p99_1m, uint64_t *p99_1h);
/* "1m", "5m", "15m", "1h". */
const char *lat_window_name(enum lat_window window);

#endif /* LATSCOPE_STATE_HIST_H */
