/* metrics.c: the agent's latency series, bounded label families and kernel series (see
 * metrics.h). */
#include "metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/prometheus.h"

struct agent_series *agent_series_new(const char *label, const uint64_t *bounds_ns, int nbounds)
{
	struct agent_series *s = calloc(1, sizeof(*s));

	if (!s) {
		return NULL;
	}
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->bounds_ns = bounds_ns;
	s->nbounds = nbounds;
	s->le_counts = calloc((size_t)nbounds + 1, sizeof(uint64_t));
	if (!s->le_counts || lat_hist_windows_init(&s->w) != 0) {
		free(s->le_counts);
		free(s);
		return NULL;
	}
	return s;
}

void agent_series_free(struct agent_series *s)
{
	if (!s) {
		return;
	}
	lat_hist_windows_fini(&s->w);
	free(s->le_counts);
	free(s);
}

int agent_series_record(struct agent_series *s, uint64_t now_ns, uint64_t v, uint64_t n)
{
	s->le_counts[lat_prom_bucket_index(s->bounds_ns, s->nbounds, v)] += n;
	s->count += n;
	s->sum_ns += (unsigned __int128)v * n;
	return lat_hist_windows_record(&s->w, now_ns, v, n);
}

void agent_series_merge_counts(struct agent_series *dst, const struct agent_series *src)
{
	for (int i = 0; i <= dst->nbounds && i <= src->nbounds; i++) {
		dst->le_counts[i] += src->le_counts[i];
	}
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	lat_hist_merge(&dst->w.total, &src->w.total);
}

int agent_family_init(struct agent_family *f, const char *owner, int top, const uint64_t *bounds_ns,
		      int nbounds)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->owner, sizeof(f->owner), "%s", owner);
	f->top = top;
	f->cap = top * 4 < 16 ? 16 : top * 4;
	if (top == 0) {
		f->cap = 0;
	}
	f->bounds_ns = bounds_ns;
	f->nbounds = nbounds;
	f->series = calloc((size_t)f->cap + 1, sizeof(*f->series));
	f->other = agent_series_new("other", bounds_ns, nbounds);
	if (!f->series || !f->other) {
		agent_family_fini(f);
		return -ENOMEM;
	}
	return 0;
}

void agent_family_fini(struct agent_family *f)
{
	if (f->series) {
		for (int i = 0; i < f->n; i++) {
			agent_series_free(f->series[i]);
		}
		free(f->series);
	}
	agent_series_free(f->other);
	memset(f, 0, sizeof(*f));
}

struct agent_series *agent_family_get(struct agent_family *f, const char *label)
{
	struct agent_series *s;

	for (int i = 0; i < f->n; i++) {
		if (!strcmp(f->series[i]->label, label)) {
			return f->series[i];
		}
	}
	if (!f->cap || !strcmp(label, "other")) {
		return f->other;
	}
	if (f->n >= f->cap) {
		/* full: the quietest value makes room (its counts go to other), so that values
		 * busier than it can still get a series of their own ("space saving") */
		int quietest = 0;

		for (int i = 1; i < f->n; i++) {
			if (f->series[i]->count < f->series[quietest]->count) {
				quietest = i;
			}
		}
		agent_series_merge_counts(f->other, f->series[quietest]);
		f->overflow += f->series[quietest]->count;
		agent_series_free(f->series[quietest]);
		f->series[quietest] = f->series[--f->n];
	}
	s = agent_series_new(label, f->bounds_ns, f->nbounds);
	if (!s) {
		return NULL;
	}
	f->series[f->n++] = s;
	return s;
}

int agent_family_top(struct agent_family *f, struct agent_series **out, int max)
{
	int n = 0;

	/* selection of the busiest, ties by first seen: n is small (top <= 1000, usually 10) */
	for (int k = 0; k < max && k < f->top; k++) {
		struct agent_series *best = NULL;

		for (int i = 0; i < f->n; i++) {
			struct agent_series *s = f->series[i];
			bool taken = false;

			for (int j = 0; j < n; j++) {
				taken |= out[j] == s;
			}
			if (!taken && s->count && (!best || s->count > best->count)) {
				best = s;
			}
		}
		if (!best) {
			break;
		}
		out[n++] = best;
	}
	return n;
}

/* The middle of a kernel histogram's log-linear bucket (within 1.6 % of what it holds). */
static uint64_t khist_mid(int i)
{
	uint64_t low = lat_khist_low(i), high = lat_khist_high(i);

	return high == UINT64_MAX ? low : low + (high - low - 1) / 2;
}

void agent_kseries_update(struct agent_kseries *k, const struct lat_stats *st, uint64_t now_ns)
{
	for (int i = 0; i < LAT_HIST_BUCKETS; i++) {
		if (st->hist[i] > k->last.hist[i]) {
			lat_hist_windows_record(&k->w, now_ns, khist_mid(i),
						st->hist[i] - k->last.hist[i]);
		}
	}
	lat_hist_windows_advance(&k->w, now_ns);
	k->last = *st;
}

void agent_khist_buckets(const struct lat_stats *st, uint64_t *bounds, uint64_t *counts)
{
	memset(counts, 0, sizeof(uint64_t) * (AGENT_KHIST_NBOUNDS + 1));
	for (int i = AGENT_KHIST_LO; i <= AGENT_KHIST_HI; i++) {
		bounds[i - AGENT_KHIST_LO] = (1ULL << (i + 1)) - 1;
	}
	for (int i = 0; i < LAT_HIST_BUCKETS; i++) {
		/* a log-linear bucket lies within one power of two [2^e, 2^(e+1)) */
		uint64_t low = lat_khist_low(i);
		int e = low ? 63 - __builtin_clzll(low) : 0;
		int b = e < AGENT_KHIST_LO ? 0 : e - AGENT_KHIST_LO;

		if (b > AGENT_KHIST_NBOUNDS) {
			b = AGENT_KHIST_NBOUNDS;
		}
		counts[b] += st->hist[i];
	}
}
