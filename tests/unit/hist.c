/* hist.c: unit tests of the log-linear histograms (buckets, quantile error bound, merge, rolling
 * windows) and of their Prometheus, Graphite and JSON-lines outputs (the inclusive `le` seam). */
#include "tap.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/graphite.h"
#include "outputs/jsonl.h"
#include "outputs/prometheus.h"
#include "state/hist.h"

#define SEC 1000000000ULL

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_buckets(void)
{
	bool contiguous = true, inside = true, width_ok = true;

	for (int i = 0; i + 1 < LAT_HIST_NBUCKETS; i++) {
		uint64_t low = lat_hist_bucket_low(i), high = lat_hist_bucket_high(i);

		if (lat_hist_bucket_low(i + 1) != high + 1) {
			contiguous = false;
		}
		if (lat_hist_index(low) != i || lat_hist_index(high) != i) {
			inside = false;
		}
		if (low >= LAT_HIST_SUB_COUNT && (high - low + 1) * LAT_HIST_SUB_COUNT > low) {
			width_ok = false;
		}
	}
	ok(lat_hist_bucket_low(0) == 0 && lat_hist_index(0) == 0, "0 is in the first bucket");
	ok(contiguous, "buckets are contiguous: each starts one past the previous one's end");
	ok(inside, "each bucket's low and high map back to it");
	ok(width_ok, "each bucket is at most 1/%u of its low bound wide", LAT_HIST_SUB_COUNT);
	ok(lat_hist_index(UINT64_MAX) == LAT_HIST_NBUCKETS - 1 &&
	       lat_hist_index(1ULL << LAT_HIST_MAX_EXP) == LAT_HIST_NBUCKETS - 1,
	   "values from 2^%d ns up go to the last bucket", LAT_HIST_MAX_EXP);
	ok(lat_hist_index(999) != lat_hist_index(1000) ||
	       lat_hist_bucket_high(lat_hist_index(999)) >= 1000,
	   "bucket edges are consistent around 1000");
}

static void test_quantiles(void)
{
	enum { N = 20000 };
	static uint64_t values[N];
	struct lat_hist *h = malloc(sizeof(*h));
	static const double qs[] = {0.5, 0.9, 0.95, 0.99, 0.999};
	double worst = 0;

	lat_hist_init(h);
	ok(lat_hist_quantile(h, 0.99) == 0, "an empty histogram's p99 is 0");
	for (int i = 0; i < N; i++) {
		/* log-uniform from 100 ns to ~100 ms */
		int e = 7 + (int)(rng() % 20);

		values[i] = (1ULL << e) + rng() % (1ULL << e);
		lat_hist_record(h, values[i], 1);
	}
	qsort(values, N, sizeof(values[0]), cmp_u64);
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		size_t rank = (size_t)(qs[k] * N + 0.999999);
		uint64_t exact = values[rank - 1], got = lat_hist_quantile(h, qs[k]);
		double err = (double)(got > exact ? got - exact : exact - got) / (double)exact;

		worst = err > worst ? err : worst;
	}
	ok(worst <= 1.0 / (2 * LAT_HIST_SUB_COUNT) + 1e-9,
	   "p50..p99.9 of 20000 log-uniform values within %.2f%% (worst %.3f%%)",
	   100.0 / (2 * LAT_HIST_SUB_COUNT), worst * 100);
	ok(lat_hist_quantile(h, 0) == values[0] && lat_hist_quantile(h, 1) == values[N - 1],
	   "p0 and p100 are the exact min and max");
	ok(h->count == N, "count is %d", N);

	/* one value: every quantile is it */
	lat_hist_init(h);
	lat_hist_record(h, 123456789, 3);
	ok(lat_hist_quantile(h, 0.5) == 123456789 && lat_hist_quantile(h, 0.99) == 123456789,
	   "a single value's quantiles are the value itself (clamped to min/max)");
	ok(h->sum == 3 * 123456789ULL, "sum counts n samples");
	free(h);
}

static void test_merge(void)
{
	struct lat_hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)),
			*all = malloc(sizeof(*all));

	lat_hist_init(a);
	lat_hist_init(b);
	lat_hist_init(all);
	for (uint64_t v = 1; v < 100000; v += 7) {
		lat_hist_record(v % 2 ? a : b, v, 1);
		lat_hist_record(all, v, 1);
	}
	lat_hist_merge(a, b);
	ok(memcmp(a, all, sizeof(*a)) == 0, "merging two halves gives the histogram of the whole");
	lat_hist_init(b);
	lat_hist_merge(a, b);
	ok(memcmp(a, all, sizeof(*a)) == 0, "merging an empty histogram changes nothing");
	free(a);
	free(b);
	free(all);
}

static void test_windows(void)
{
	struct lat_hist_windows w;
	struct lat_hist *out = malloc(sizeof(*out));
	uint64_t t0 = 1000 * SEC;

	ok(lat_hist_windows_init(&w) == 0, "windows initialized");
	/* one sample of 1ms each second for 2 minutes... */
	for (uint64_t s = 0; s < 120; s++) {
		lat_hist_windows_record(&w, t0 + s * SEC, 1000000, 1);
	}
	/* ...then one 100ms sample now */
	lat_hist_windows_record(&w, t0 + 120 * SEC, 100000000, 1);
	lat_hist_windows_get(&w, t0 + 120 * SEC, LAT_WINDOW_1M, out);
	ok(out->count >= 51 && out->count <= 61, "last minute: %llu samples (50-60 s of them)",
	   (unsigned long long)out->count);
	ok(out->max == 100000000, "last minute holds the latest sample");
	lat_hist_windows_get(&w, t0 + 120 * SEC, LAT_WINDOW_5M, out);
	ok(out->count == 121, "last 5 minutes: all 121 samples");
	lat_hist_windows_get(&w, t0 + 120 * SEC, LAT_WINDOW_1H, out);
	ok(out->count == 121, "last hour: all 121 samples");
	/* 6 minutes later without samples: the 5-minute window is empty, 15m and 1h are not */
	lat_hist_windows_get(&w, t0 + 480 * SEC, LAT_WINDOW_5M, out);
	ok(out->count == 0, "5 minutes after the last sample the 5-minute window is empty");
	lat_hist_windows_get(&w, t0 + 480 * SEC, LAT_WINDOW_15M, out);
	ok(out->count == 121, "the 15-minute window still holds them");
	lat_hist_windows_get(&w, t0 + 3000 * SEC, LAT_WINDOW_1H, out);
	ok(out->count == 121, "the hour window after 48 minutes still holds them");
	lat_hist_windows_get(&w, t0 + 3800 * SEC, LAT_WINDOW_1H, out);
	ok(out->count == 0, "and is empty after more than an hour");
	/* a jump of days empties every slot */
	lat_hist_windows_record(&w, t0 + 864000 * SEC, 5000, 2);
	lat_hist_windows_get(&w, t0 + 864000 * SEC, LAT_WINDOW_15M, out);
	ok(out->count == 2 && w.total.count == 123,
	   "after a long gap: only the new samples in windows, "
	   "all in the total");
	ok(strcmp(lat_window_name(LAT_WINDOW_15M), "15m") == 0, "window names");
	lat_hist_windows_fini(&w);
	free(out);
}

static void test_profile(void)
{
	struct lat_hist_windows w;
	uint64_t t0 = 100000 * SEC, m = 0, h = 0;
	bool high = false;
	int entered = 0;

	lat_hist_windows_init(&w);
	/* 50 minutes of 1 ms requests, 10 a second */
	for (uint64_t s = 0; s < 3000; s++) {
		lat_hist_windows_record(&w, t0 + s * SEC, 1000000, 10);
	}
	entered = lat_hist_windows_profile(&w, &high, t0 + 3000 * SEC, 3, 100, &m, &h);
	ok(entered == 0 && !high, "a steady profile is no change (p99 1m %llu ns, 1h %llu ns)",
	   (unsigned long long)m, (unsigned long long)h);
	/* then a minute where 5% of requests take 20 ms */
	for (uint64_t s = 3000; s < 3060; s++) {
		lat_hist_windows_record(&w, t0 + s * SEC, 1000000, 19);
		lat_hist_windows_record(&w, t0 + s * SEC, 20000000, 1);
		entered += lat_hist_windows_profile(&w, &high, t0 + s * SEC, 3, 100, &m, &h);
	}
	ok(entered == 1 && high, "a slow minute is one change of profile (reported once)");
	ok(m >= 20000000 * 15 / 16 && h <= 1000000 * 17 / 16,
	   "p99 of the minute ~20 ms, of the hour ~1 ms (%llu, %llu)", (unsigned long long)m,
	   (unsigned long long)h);
	for (uint64_t s = 3060; s < 3200; s++) {
		lat_hist_windows_record(&w, t0 + s * SEC, 1000000, 10);
		entered += lat_hist_windows_profile(&w, &high, t0 + s * SEC, 3, 100, &m, &h);
	}
	ok(entered == 1 && !high, "back to normal: the state ends without a new report");
	high = false;
	lat_hist_windows_fini(&w);
	lat_hist_windows_init(&w);
	for (uint64_t s = 0; s < 60; s++) {
		lat_hist_windows_record(&w, t0 + s * SEC, s < 50 ? 1000000 : 50000000, 1);
	}
	ok(lat_hist_windows_profile(&w, &high, t0 + 60 * SEC, 3, 100, &m, &h) == 0,
	   "too few samples (or no hour to compare with): no change reported");
	lat_hist_windows_fini(&w);
}

static char *render(void (*fn)(FILE *, void *), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	fn(out, arg);
	fclose(out);
	return buf;
}

static void prom_seam(FILE *out, void *arg)
{
	static const uint64_t bounds[] = {1000000, 10000000, 100000000}; /* 1ms, 10ms, 100ms */
	uint64_t counts[4] = {0}, sum = 0;
	const uint64_t *values = arg;
	struct lat_prom_label labels[] = {{"tracker", "sys\"call"}};

	for (int i = 0; values[i]; i++) {
		counts[lat_prom_bucket_index(bounds, 3, values[i])]++;
		sum += values[i];
	}
	lat_prom_family(out, "t_seconds", "histogram", "a test");
	lat_prom_histogram(out, "t_seconds", labels, 1, bounds, counts, 3, sum);
}

static void test_prometheus(void)
{
	/* exactly on the bounds, one past, and above the last bound */
	uint64_t values[] = {1000000, 1000001, 10000000, 100000000, 100000001, 0};
	char *text = render(prom_seam, values), buf[64];

	ok(strstr(text, "t_seconds_bucket{tracker=\"sys\\\"call\",le=\"0.001\"} 1\n") != NULL,
	   "a value equal to the 1ms bound counts in le=\"0.001\"");
	ok(strstr(text, "le=\"0.01\"} 3\n") != NULL,
	   "1ms+1ns and 10ms exactly count in le=\"0.01\" (cumulative 3)");
	ok(strstr(text, "le=\"0.1\"} 4\n") != NULL, "100ms exactly counts in le=\"0.1\"");
	ok(strstr(text, "le=\"+Inf\"} 5\n") != NULL, "+Inf holds every sample");
	ok(strstr(text, "t_seconds_count{tracker=\"sys\\\"call\"} 5\n") != NULL, "_count");
	ok(strstr(text, "t_seconds_sum{tracker=\"sys\\\"call\"} 0.212000002\n") != NULL,
	   "_sum in exact seconds");
	ok(strstr(text, "# TYPE t_seconds histogram\n") != NULL, "TYPE line");
	free(text);
	lat_prom_format_seconds(1023, buf, sizeof(buf));
	is_str(buf, "0.000001023", "1023 ns as seconds");
	lat_prom_format_seconds(2 * SEC, buf, sizeof(buf));
	is_str(buf, "2", "2 s as seconds");
}

static void graphite_one(FILE *out, void *arg)
{
	const char *parts[] = {"syscall", "label", "a.b c", "p99", NULL};

	lat_graphite_line(out, "latscope.host-1", parts, 0.25, 1700000000);
}

static void jsonl_one(FILE *out, void *arg)
{
	struct lat_jsonl j;
	const char *stack[] = {"f1+0x1", "f\"2"};

	lat_jsonl_begin(&j, out);
	lat_jsonl_str(&j, "type", "event");
	lat_jsonl_u64(&j, "delay_ns", 42);
	lat_jsonl_strv(&j, "kstack", stack, 2);
	lat_jsonl_end(&j);
}

static void test_graphite_jsonl(void)
{
	char *text = render(graphite_one, NULL);

	is_str(text, "latscope.host-1.syscall.label.a_b_c.p99 0.25 1700000000\n",
	       "graphite line: dots and spaces in a label become '_'");
	free(text);
	text = render(jsonl_one, NULL);
	is_str(text, "{\"type\":\"event\",\"delay_ns\":42,\"kstack\":[\"f1+0x1\",\"f\\\"2\"]}\n",
	       "a JSON line with a stack");
	free(text);
}

/* The kernel trackers' layout (bpf/track.h): buckets contiguous, 1/32 wide, quantiles within 2 %.
 */
static void test_khist(void)
{
	enum { N = 20000 };
	static uint64_t values[N];
	static const double qs[] = {0.5, 0.9, 0.99, 0.999};
	int nb = lat_khist_nbuckets();
	uint64_t *b = calloc((size_t)nb, sizeof(*b));
	bool contiguous = true, width_ok = true;
	double worst = 0;

	for (int i = 0; i + 1 < nb; i++) {
		uint64_t low = lat_khist_low(i), high = lat_khist_high(i);

		if (high <= low || lat_khist_index(low) != i || lat_khist_index(high - 1) != i ||
		    lat_khist_low(i + 1) != high) {
			contiguous = false;
		}
		if (low >= 32 && (high - low) * 32 > low) {
			width_ok = false;
		}
	}
	ok(contiguous && lat_khist_low(0) == 0,
	   "kernel buckets: contiguous from 0, each its own index");
	ok(width_ok, "kernel buckets: at most 1/32 of their low bound wide");
	ok(lat_khist_index(UINT64_MAX) == nb - 1 && lat_khist_high(nb - 1) == UINT64_MAX,
	   "kernel buckets: the last one holds everything from 2^40 ns up");
	ok(lat_khist_index(2090000) != lat_khist_index(2100000) &&
	       lat_khist_low(lat_khist_index(2090000)) > 2000000,
	   "2.09 ms and 2.10 ms are told apart (log2 buckets put both in [1ms, 2ms) or [2ms, "
	   "4ms))");
	for (int i = 0; i < N; i++) {
		int e = 5 + (int)(rng() % 25);

		values[i] = (1ULL << e) + rng() % (1ULL << e);
		b[lat_khist_index(values[i])]++;
	}
	qsort(values, N, sizeof(values[0]), cmp_u64);
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		size_t rank = (size_t)(qs[k] * N + 0.999999);
		uint64_t exact = values[rank - 1];
		uint64_t got = lat_khist_quantile(b, N, values[0], values[N - 1], qs[k]);
		double err = (double)(got > exact ? got - exact : exact - got) / (double)exact;

		worst = err > worst ? err : worst;
	}
	ok(worst <= LAT_KHIST_ERROR && LAT_KHIST_ERROR < 0.02,
	   "kernel p50..p99.9 of 20000 log-uniform values within %.1f%% (worst %.3f%%)",
	   LAT_KHIST_ERROR * 100, worst * 100);
	ok(lat_khist_quantile(b, N, values[0], values[N - 1], 1) == values[N - 1] &&
	       lat_khist_quantile(b, N, values[0], values[N - 1], 0) == values[0],
	   "kernel p0 and p100: min and max as measured");
	memset(b, 0, (size_t)nb * sizeof(*b));
	b[lat_khist_index(7)] = 5;
	ok(lat_khist_quantile(b, 5, 7, 7, 0.5) == 7, "below 32 ns a bucket is one value: exact");
	ok(lat_khist_quantile(b, 0, 0, 0, 0.5) == 0, "empty: 0");
	free(b);
}

int main(void)
{
	test_buckets();
	test_quantiles();
	test_khist();
	test_merge();
	test_windows();
	test_profile();
	test_prometheus();
	test_graphite_jsonl();
	return tap_done_testing();
}
