/* sync.c: the convex hull fit (exact relations recovered within the accuracy, the three ways it
 * refuses), packet matching (duplicates, checksum preference, chains) and the sync file reader. */
#include "analyses/sync.h"
#include "tap.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define E 1500000000000000000LL /* 2017-07-14, ns */

/* the reference's time for the other's time t: y = S t + O, with S = 1 - 25 ppm */
static long double truth(int64_t t)
{
	return (1 - 25e-6L) * (long double)t + 37000000000000.0L;
}

static int64_t other_of(long double ref) /* inverse */
{
	return (int64_t)llroundl((ref - 37000000000000.0L) / (1 - 25e-6L));
}

static void test_fit(void)
{
	struct lat_sync_point below[200], above[200];
	struct lat_sync_fit fit;
	unsigned seed = 7;
	char why[256];
	size_t nb = 0, na = 0;
	int ret;

	/* packets every 10 ms over 2 s, delays 50..250 us, both ways */
	for (int i = 0; i < 400; i++) {
		long double send_ref = (long double)E + 1e9L + i * 5e6L;
		int64_t delay = 50000 + (int64_t)(rand_r(&seed) % 200000);

		if (i % 2 == 0) { /* reference -> other: (x = reception, y = send) below the line */
			below[nb++] =
			    (struct lat_sync_point){other_of(send_ref + delay), (int64_t)send_ref};
		} else { /* other -> reference: (x = send, y = reception) above */
			above[na++] =
			    (struct lat_sync_point){other_of(send_ref), (int64_t)send_ref + delay};
		}
	}
	ret = lat_sync_fit_points(below, nb, above, na, other_of((long double)E),
				  other_of((long double)E + 4e9L), &fit, why, sizeof(why));
	is_int(ret, 0, "fit: 400 packets both ways");
	ok(fit.slope_min <= 1 - 25e-6L && 1 - 25e-6L <= fit.slope_max,
	   "the true slope is within the feasible slopes [%.12Lf, %.12Lf]", fit.slope_min,
	   fit.slope_max);
	{
		int64_t x0 = other_of((long double)E), x1 = other_of((long double)E + 4e9L);
		long double e0 = fabsl(fit.slope * x0 + fit.offset_ns - truth(x0));
		long double e1 = fabsl(fit.slope * x1 + fit.offset_ns - truth(x1));

		ok(e0 <= fit.accuracy_ns + 1 && e1 <= fit.accuracy_ns + 1,
		   "the estimate is within the accuracy at both ends (%.0Lf, %.0Lf <= %.0f ns)", e0,
		   e1, fit.accuracy_ns);
	}
	ok(fit.accuracy_ns < 250000 && fit.accuracy_exact,
	   "accuracy within the delays' spread (%.0f ns), exact", fit.accuracy_ns);
	ok(fit.accuracy_packets_ns <= fit.accuracy_ns,
	   "accuracy over the packets' span is smaller");
	ok(fit.hull_below >= 2 && fit.hull_above >= 2 && fit.hull_below < nb,
	   "hulls keep a few points (%u + %u)", fit.hull_below, fit.hull_above);

	ret = lat_sync_fit_points(below, nb, above, 0, 0, 0, &fit, why, sizeof(why));
	ok(ret == -ENODATA && strstr(why, "one direction"), "one direction only: -ENODATA (%s)",
	   why);
	/* all packets back before all packets forth: slope unbounded */
	{
		struct lat_sync_point b2[] = {{2000, 1000}, {3000, 2000}};
		struct lat_sync_point a2[] = {{0, 500}, {1000, 1500}};

		ret = lat_sync_fit_points(b2, 2, a2, 2, 0, 0, &fit, why, sizeof(why));
		ok(ret == -ERANGE && strstr(why, "interleave"), "no interleaving: -ERANGE (%s)",
		   why);
	}
	/* a reception before its send whatever the line */
	{
		struct lat_sync_point b2[] = {{1000, 5000}, {3000, 7000}};
		struct lat_sync_point a2[] = {{2000, 1000}};

		ret = lat_sync_fit_points(b2, 2, a2, 1, 0, 0, &fit, why, sizeof(why));
		is_int(ret, -EDOM, "contradictory packets: -EDOM (%s)", why);
	}
}

static struct lat_sync_key key(uint32_t seq, uint16_t check)
{
	return (struct lat_sync_key){seq, 77, 0x5018, 100, check};
}

static void test_compute(void)
{
	struct lat_sync_transform tr[3];
	struct lat_sync_stats st;
	struct lat_sync *s;
	char err[256] = "";
	int ret;

	/* three hosts: 0 <-> 1 and 1 <-> 2; host 1 is 1 s ahead of 0, host 2 is 2 s behind 1 */
	ok(lat_sync_create(3, &s) == 0, "create");
	for (int i = 0; i < 100; i++) {
		int64_t t = E + i * 10000000LL, d = 30000 + (i * 7919) % 50000;
		struct lat_sync_key k = key(1000 + (uint32_t)i, (uint16_t)i);

		if (i % 2) {
			lat_sync_add(s, 0, true, &k, t);
			lat_sync_add(s, 1, false, &k, t + d + 1000000000LL);
		} else {
			lat_sync_add(s, 1, true, &k, t + 1000000000LL);
			lat_sync_add(s, 0, false, &k, t + d);
		}
		k = key(5000 + (uint32_t)i, 1);
		if (i % 2) {
			lat_sync_add(s, 1, true, &k, t + 1000000000LL);
			lat_sync_add(s, 2, false, &k, t + d - 1000000000LL);
		} else {
			lat_sync_add(s, 2, true, &k, t - 1000000000LL);
			lat_sync_add(s, 1, false, &k, t + d + 1000000000LL);
		}
	}
	/* a retransmission: the same header twice from host 0, another checksum first */
	{
		struct lat_sync_key a = key(9000, 5), b = key(9000, 6);

		lat_sync_add(s, 0, true, &a, E + 500000000LL);
		lat_sync_add(s, 0, true, &b, E + 500001000LL);
		lat_sync_add(s, 1, false, &b, E + 1500001000LL + 40000);
	}
	ret = lat_sync_compute(s, 0, tr, &st, err, sizeof(err));
	is_int(ret, 0, "compute: every host synchronized (%s)", err);
	ok(st.matched == 201 && st.unmatched == 0, "201 matched, none left (%llu, %llu)",
	   (unsigned long long)st.matched, (unsigned long long)st.unmatched);
	ok(st.violations == 0 && st.min_delay_ns > 0,
	   "after correction no reception before its "
	   "send (min %.0f ns)",
	   st.min_delay_ns);
	ok(tr[0].slope == 1 && tr[0].offset_ns == 0, "the reference is the identity");
	ok(fabsl(tr[1].slope * (E + 1e9L) + tr[1].offset_ns - E) <= tr[1].accuracy_ns + 1,
	   "host 1: 1 s ahead, within %.0f ns", tr[1].accuracy_ns);
	ok(tr[2].via == 1 && tr[2].hops == 2, "host 2 goes through host 1");
	ok(fabsl(tr[2].slope * (E - 1e9L) + tr[2].offset_ns - E) <= tr[2].accuracy_ns + 1,
	   "host 2: 1 s behind host 0, within %.0f ns", tr[2].accuracy_ns);
	lat_sync_destroy(s);

	/* no packets in common */
	ok(lat_sync_create(2, &s) == 0, "create");
	{
		struct lat_sync_key a = key(1, 0), b = key(2, 0);

		lat_sync_add(s, 0, true, &a, E);
		lat_sync_add(s, 1, false, &b, E + 10);
	}
	ret = lat_sync_compute(s, 0, tr, &st, err, sizeof(err));
	ok(ret == -ENODATA && strstr(err, "no packets in common"), "no packets in common (%s)",
	   err);
	ok(tr[1].status == -ENODATA, "the other trace's status says so");
	lat_sync_destroy(s);
}

static void test_file(void)
{
	char dir[] = "/tmp/latscope-sync-XXXXXX", file[64], a[64], b[64], err[256] = "";
	long double slope = 0, offset = 0;
	FILE *f;

	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(file, sizeof(file), "%s/sync.json", dir);
	mkdir(a, 0755);
	mkdir(b, 0755);
	f = fopen(file, "w");
	fprintf(
	    f,
	    "{\"reference\": \"%s\", \"reference_path\": \"%s\", \"transforms\": [{\"trace\": "
	    "\"b\", \"path\": \"%s\", \"hostname\": \"x\\\"y\", \"slope\": "
	    "1.000040000000000000001, \"offset_ns\": -60000000000000.5, \"hull_points\": [1, 2], "
	    "\"accuracy_exact\": true}], \"packets\": {\"sent\": 1}}\n",
	    a, a, b);
	fclose(f);
	is_int(lat_sync_file_lookup(file, b, &slope, &offset, err, sizeof(err)), 0, "lookup b (%s)",
	       err);
	ok(fabsl(slope - 1.00004L) < 1e-18L && offset == -60000000000000.5L,
	   "b's slope and offset, at long double precision");
	is_int(lat_sync_file_lookup(file, a, &slope, &offset, err, sizeof(err)), 0,
	       "lookup the reference");
	ok(slope == 1 && offset == 0, "the reference is the identity");
	ok(lat_sync_file_lookup(file, dir, &slope, &offset, err, sizeof(err)) == -ENOENT &&
	       strstr(err, "not in this synchronization"),
	   "a trace not in the file: -ENOENT (%s)", err);
	f = fopen(file, "w");
	fputs("{\"results\": []}", f);
	fclose(f);
	ok(lat_sync_file_lookup(file, a, &slope, &offset, err, sizeof(err)) == -EINVAL,
	   "not a sync file: -EINVAL (%s)", err);
	f = fopen(file, "w");
	fputs("{\"reference\": \"a\", \"transforms\": [{\"trace\": ", f);
	fclose(f);
	ok(lat_sync_file_lookup(file, a, &slope, &offset, err, sizeof(err)) == -EINVAL,
	   "truncated JSON: -EINVAL");
	unlink(file);
	rmdir(a);
	rmdir(b);
	rmdir(dir);
}

int main(void)
{
	test_fit();
	test_compute();
	test_file();
	return tap_done_testing();
}
