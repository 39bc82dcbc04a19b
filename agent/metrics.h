/* metrics.h: what the agent keeps: latency series (exact `le` counts, rolling windows), families
 * of label values bounded to the busiest N (the rest in `other`), the kernel trackers' series. */
#ifndef LATSCOPE_AGENT_METRICS_H
#define LATSCOPE_AGENT_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/types.h>

#include "../bpf/track.h"
#include "state/hist.h"

/* One latency distribution: exact counts per `le` bound, all-time sum, rolling windows. */
struct agent_series {
	char label[64];
	const uint64_t *bounds_ns; /* the agent's configured buckets */
	int nbounds;
	uint64_t *le_counts; /* nbounds + 1 (the last: above the last bound) */
	uint64_t count;
	unsigned __int128 sum_ns; /* 2^53 ns x 2^32 samples a message: 64 bits would wrap */
	struct lat_hist_windows w;
	bool profile_high; /* in a change of profile (reported once until it ends) */
	uint64_t profile_changes;
};

struct agent_series *agent_series_new(const char *label, const uint64_t *bounds_ns, int nbounds);
void agent_series_free(struct agent_series *s);
int agent_series_record(struct agent_series *s, uint64_t now_ns, uint64_t v, uint64_t n);
/* dst += src (counts, sum, windows as of now_ns are not merged: total histogram only). */
void agent_series_merge_counts(struct agent_series *dst, const struct agent_series *src);

/*
 * The values of one label under one owner (a tracker, an application): up to `cap` values have a
 * series each (cap = 4 x top, at least 16); a new value when full takes the place of the quietest
 * one, whose counts go to `other` (space saving: busy values keep their series). Exports show the
 * busiest `top` series by count and merge the rest into `other`.
 */
struct agent_family {
	char owner[32];
	int top, cap, n;
	struct agent_series **series;
	struct agent_series *other;
	uint64_t overflow; /* samples of evicted values (now in other) */
	const uint64_t *bounds_ns;
	int nbounds;
};

int agent_family_init(struct agent_family *f, const char *owner, int top, const uint64_t *bounds_ns,
		      int nbounds);
void agent_family_fini(struct agent_family *f);
/* The series of a label value (created if there is room, else other); NULL on ENOMEM. */
struct agent_series *agent_family_get(struct agent_family *f, const char *label);
/*
 * The busiest series in order (at most top, only those with samples) in out; returns how many.
 * The exports merge the others into `other`.
 */
int agent_family_top(struct agent_family *f, struct agent_series **out, int max);

/* A kernel tracker's series: the in-kernel log2 histogram, and windows fed with its deltas. */
struct agent_kseries {
	const char *name;
	struct lat_stats last; /* as read at the previous tick */
	struct lat_hist_windows w;
	bool profile_high;
	uint64_t profile_changes;
};

/* Feeds the difference between st and the last read into the windows (at bucket midpoints). */
void agent_kseries_update(struct agent_kseries *k, const struct lat_stats *st, uint64_t now_ns);

/* The kernel log2 buckets exported as `le` bounds: [2^i, 2^(i+1)) holds v <= 2^(i+1) - 1. */
#define AGENT_KHIST_LO      9  /* first bound 1023 ns; everything below counts in it */
#define AGENT_KHIST_HI      34 /* last bound 2^35 - 1 ns (34 s); above: +Inf */
#define AGENT_KHIST_NBOUNDS (AGENT_KHIST_HI - AGENT_KHIST_LO + 1)
/* Fills bounds (AGENT_KHIST_NBOUNDS) and counts (AGENT_KHIST_NBOUNDS + 1) from a log2 hist. */
void agent_khist_buckets(const struct lat_stats *st, uint64_t *bounds, uint64_t *counts);

#endif /* LATSCOPE_AGENT_METRICS_H */
