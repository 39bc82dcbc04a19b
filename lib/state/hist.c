/* hist.c: log-linear latency histograms, quantiles and rolling windows (see hist.h). */
#include "state/hist.h"

#include <linux/types.h>

#include "../../bpf/track.h" /* the kernel histograms' layout */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void lat_hist_init(struct lat_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

int lat_hist_index(uint64_t v)
{
	int e, index;

	if (v < LAT_HIST_SUB_COUNT) {
		return (int)v;
	}
	e = 63 - __builtin_clzll(v);
	if (e >= LAT_HIST_MAX_EXP) {
		return LAT_HIST_NBUCKETS - 1;
	}
	index = (int)LAT_HIST_SUB_COUNT * (e - LAT_HIST_SUB_BITS + 1) +
		(int)((v >> (e - LAT_HIST_SUB_BITS)) & (LAT_HIST_SUB_COUNT - 1));
	return index;
}

uint64_t lat_hist_bucket_low(int index)
{
	int e, sub;

	if (index < (int)LAT_HIST_SUB_COUNT) {
		return (uint64_t)(index < 0 ? 0 : index);
	}
	e = index / (int)LAT_HIST_SUB_COUNT + LAT_HIST_SUB_BITS - 1;
	sub = index % (int)LAT_HIST_SUB_COUNT;
	return (uint64_t)(LAT_HIST_SUB_COUNT + (unsigned)sub) << (e - LAT_HIST_SUB_BITS);
}

uint64_t lat_hist_bucket_high(int index)
{
	if (index >= LAT_HIST_NBUCKETS - 1) {
		return UINT64_MAX;
	}
	return lat_hist_bucket_low(index + 1) - 1;
}

void lat_hist_record(struct lat_hist *h, uint64_t v, uint64_t n)
{
	if (!n) {
		return;
	}
	h->buckets[lat_hist_index(v)] += n;
	h->count += n;
	/* saturates rather than wraps (hostile application values: 2^53 ns x 2^32 a message) */
	{
		uint64_t add;

		if (__builtin_mul_overflow(v, n, &add) ||
		    __builtin_add_overflow(h->sum, add, &h->sum)) {
			h->sum = UINT64_MAX;
		}
	}
	if (v < h->min) {
		h->min = v;
	}
	if (v > h->max) {
		h->max = v;
	}
}

void lat_hist_merge(struct lat_hist *dst, const struct lat_hist *src)
{
	if (!src->count) {
		return;
	}
	for (int i = 0; i < LAT_HIST_NBUCKETS; i++) {
		dst->buckets[i] += src->buckets[i];
	}
	dst->count += src->count;
	if (__builtin_add_overflow(dst->sum, src->sum, &dst->sum)) {
		dst->sum = UINT64_MAX;
	}
	if (src->min < dst->min) {
		dst->min = src->min;
	}
	if (src->max > dst->max) {
		dst->max = src->max;
	}
}

/* --- the kernel trackers' layout (bpf/track.h) --------------------------------------------- */

#define KSUB   LAT_HIST_K_SUB_BITS
#define KCOUNT (1u << KSUB)

int lat_khist_nbuckets(void)
{
	return LAT_HIST_BUCKETS;
}

int lat_khist_index(uint64_t v)
{
	int e;

	if (v < KCOUNT) {
		return (int)v;
	}
	e = 63 - __builtin_clzll(v);
	if (e >= LAT_HIST_K_MAX_EXP) {
		return LAT_HIST_BUCKETS - 1;
	}
	return ((e - KSUB + 1) << KSUB) + (int)((v >> (e - KSUB)) & (KCOUNT - 1));
}

uint64_t lat_khist_low(int index)
{
	int group = index >> KSUB, sub = index & (int)(KCOUNT - 1);

	if (index < (int)KCOUNT) {
		return (uint64_t)index;
	}
	/* group g >= 1 covers [2^(g+K-1), 2^(g+K)), in steps of 2^(g-1) */
	return ((uint64_t)KCOUNT + (uint64_t)sub) << (group - 1);
}

uint64_t lat_khist_high(int index)
{
	if (index >= LAT_HIST_BUCKETS - 1) {
		return UINT64_MAX;
	}
	return lat_khist_low(index + 1);
}

uint64_t lat_khist_quantile(const uint64_t *buckets, uint64_t count, uint64_t min, uint64_t max,
			    double q)
{
	uint64_t rank, seen = 0;

	if (!count) {
		return 0;
	}
	if (q <= 0) {
		return min;
	}
	if (q >= 1) {
		return max;
	}
	rank = (uint64_t)(q * (double)count);
	if ((double)rank < q * (double)count) {
		rank++;
	}
	rank = rank ? rank : 1;
	for (int i = 0; i < LAT_HIST_BUCKETS; i++) {
		seen += buckets[i];
		if (seen >= rank) {
			uint64_t low = lat_khist_low(i), high = lat_khist_high(i);
			uint64_t mid = high == UINT64_MAX ? max : low + (high - low - 1) / 2;

			if (i < (int)KCOUNT) {
				mid = low; /* one value a bucket: exact */
			}
			mid = mid < min ? min : mid;
			return mid > max && max ? max : mid;
		}
	}
	return max;
}

uint64_t lat_hist_quantile(const struct lat_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count) {
		return 0;
	}
	if (q <= 0) {
		return h->min;
	}
	if (q >= 1) {
		return h->max;
	}
	rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count) {
		rank++;
	}
	if (rank == 0) {
		rank = 1;
	}
	for (int i = 0; i < LAT_HIST_NBUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t low = lat_hist_bucket_low(i), high = lat_hist_bucket_high(i);
			uint64_t mid = low + (high - low) / 2;

			if (high == UINT64_MAX) {
				mid = h->max;
			}
			if (mid < h->min) {
				mid = h->min;
			}
			if (mid > h->max) {
				mid = h->max;
			}
			return mid;
		}
	}
	return h->max;
}

/* --- rolling windows ------------------------------------------------------------------------ */

static int ring_init(struct lat_hist_ring *r, uint64_t slot_ns, unsigned int nslots)
{
	memset(r, 0, sizeof(*r));
	r->slot_ns = slot_ns;
	r->nslots = nslots;
	r->slots = calloc(nslots, sizeof(*r->slots));
	return r->slots ? 0 : -ENOMEM;
}

static void ring_fini(struct lat_hist_ring *r)
{
	if (r->slots) {
		for (unsigned int i = 0; i < r->nslots; i++) {
			free(r->slots[i]);
		}
		free(r->slots);
	}
	r->slots = NULL;
}

static void ring_advance(struct lat_hist_ring *r, uint64_t now_ns)
{
	uint64_t epoch = now_ns / r->slot_ns;

	if (!r->started) {
		r->started = true;
		r->head_epoch = epoch;
		return;
	}
	if (epoch <= r->head_epoch) {
		return;
	}
	/* Empty the slots between the old head (excluded) and the new one (included). */
	for (uint64_t e = r->head_epoch + 1; e <= epoch && e - r->head_epoch <= r->nslots; e++) {
		struct lat_hist **slot = &r->slots[e % r->nslots];

		free(*slot);
		*slot = NULL;
	}
	r->head_epoch = epoch;
}

static int ring_record(struct lat_hist_ring *r, uint64_t now_ns, uint64_t v, uint64_t n)
{
	struct lat_hist **slot;

	ring_advance(r, now_ns);
	slot = &r->slots[r->head_epoch % r->nslots];
	if (!*slot) {
		*slot = malloc(sizeof(**slot));
		if (!*slot) {
			return -ENOMEM;
		}
		lat_hist_init(*slot);
	}
	lat_hist_record(*slot, v, n);
	return 0;
}

/* out += the newest n slots (the head's included). */
static void ring_sum(struct lat_hist_ring *r, unsigned int n, struct lat_hist *out)
{
	if (!r->started) {
		return;
	}
	for (unsigned int i = 0; i < n && i < r->nslots && i <= r->head_epoch; i++) {
		const struct lat_hist *slot = r->slots[(r->head_epoch - i) % r->nslots];

		if (slot) {
			lat_hist_merge(out, slot);
		}
	}
}

int lat_hist_windows_init(struct lat_hist_windows *w)
{
	lat_hist_init(&w->total);
	if (ring_init(&w->fine, LAT_WINDOW_FINE_NS, LAT_WINDOW_FINE_SLOTS) != 0 ||
	    ring_init(&w->coarse, LAT_WINDOW_COARSE_NS, LAT_WINDOW_COARSE_SLOTS) != 0) {
		lat_hist_windows_fini(w);
		return -ENOMEM;
	}
	return 0;
}

void lat_hist_windows_fini(struct lat_hist_windows *w)
{
	ring_fini(&w->fine);
	ring_fini(&w->coarse);
}

int lat_hist_windows_record(struct lat_hist_windows *w, uint64_t now_ns, uint64_t v, uint64_t n)
{
	if (!n) {
		lat_hist_windows_advance(w, now_ns);
		return 0;
	}
	lat_hist_record(&w->total, v, n);
	if (ring_record(&w->fine, now_ns, v, n) != 0 ||
	    ring_record(&w->coarse, now_ns, v, n) != 0) {
		return -ENOMEM;
	}
	return 0;
}

void lat_hist_windows_advance(struct lat_hist_windows *w, uint64_t now_ns)
{
	ring_advance(&w->fine, now_ns);
	ring_advance(&w->coarse, now_ns);
}

void lat_hist_windows_get(struct lat_hist_windows *w, uint64_t now_ns, enum lat_window window,
			  struct lat_hist *out)
{
	lat_hist_init(out);
	lat_hist_windows_advance(w, now_ns);
	switch (window) {
	case LAT_WINDOW_1M:
		ring_sum(&w->fine, 6, out);
		break;
	case LAT_WINDOW_5M:
		ring_sum(&w->fine, 30, out);
		break;
	case LAT_WINDOW_15M:
		ring_sum(&w->fine, 90, out);
		break;
	default:
		ring_sum(&w->coarse, 60, out);
		break;
	}
}

int lat_hist_windows_profile(struct lat_hist_windows *w, bool *high, uint64_t now_ns, double factor,
			     uint64_t min_samples, uint64_t *p99_1m, uint64_t *p99_1h)
{
	struct lat_hist *m = malloc(sizeof(*m)), *h = malloc(sizeof(*h));
	int entered = 0;

	*p99_1m = *p99_1h = 0;
	if (!m || !h) {
		free(m);
		free(h);
		return 0;
	}
	lat_hist_windows_get(w, now_ns, LAT_WINDOW_1M, m);
	lat_hist_windows_get(w, now_ns, LAT_WINDOW_1H, h);
	*p99_1m = lat_hist_quantile(m, 0.99);
	*p99_1h = lat_hist_quantile(h, 0.99);
	/* the hour must hold more than the last minute, else there is nothing to compare with */
	if (m->count >= min_samples && h->count > m->count * 2 &&
	    (double)*p99_1m > factor * (double)*p99_1h) {
		if (!*high) {
			entered = 1;
		}
		*high = true;
	} else if ((double)*p99_1m <= factor * (double)*p99_1h || m->count < min_samples) {
		*high = false;
	}
	free(m);
	free(h);
	return entered;
}

const char *lat_window_name(enum lat_window window)
{
	static const char *const names[] = {"1m", "5m", "15m", "1h"};

	return window < LAT_WINDOW_COUNT ? names[window] : "?";
}
