/* demo.c: `latscope demo`: a toy request loop whose slow and stuck requests liblatscope catches. */
#include "cli.h"

#include "latscope/tracker.h"
#include "util/units.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * WORKERS threads serve requests for --duration. Each request is tracked by key ("req-<n>"):
 * event_in when it starts, event_out when it ends. Most take 1-5 ms; every 25th one is slow
 * (25-90 ms, above the threshold); request 7 is stuck for 2.5 x the timeout, so the tracker
 * reports a timeout while it runs and then its full delay when it ends. A watcher thread waits
 * on the tracker's alert fd, as a snapshot trigger would.
 */
#define WORKERS   3
#define STUCK_REQ 7

struct demo {
	struct lat_tracker *tracker;
	uint64_t duration_ns;
	uint64_t threshold_ns;
	uint64_t timeout_ns;
	bool json;
	atomic_bool stop;
	_Atomic uint64_t next_req;
	_Atomic uint64_t alert_wakeups;
	uint64_t t0;
	pthread_mutex_t print_lock;
};

static struct demo demo;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ULL),
			      .tv_nsec = (long)(ns % 1000000000ULL)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

/* "Works" for ns, in steps of at most 10 ms, and stops early when the run is over. */
static void work_for(uint64_t ns)
{
	uint64_t end = mono_ns() + ns, now;

	while (!atomic_load(&demo.stop) && (now = mono_ns()) < end) {
		sleep_ns(end - now < 10000000ULL ? end - now : 10000000ULL);
	}
}

/* Runs in the thread that ended the request (slow) or in the tracker's timer thread (timeout). */
static void on_slow(const struct lat_tracker_event_ctx *ctx)
{
	uintptr_t worker = (uintptr_t)ctx->priv;
	double at = (double)(ctx->end_ns - demo.t0) / 1e9;
	char delay[32], threshold[32];
	int len = (int)ctx->key_len;
	const char *key = ctx->key;

	lat_format_duration(ctx->delay_ns, delay, sizeof(delay));
	lat_format_duration(ctx->threshold_ns, threshold, sizeof(threshold));
	pthread_mutex_lock(&demo.print_lock);
	if (demo.json) {
		printf(
		    "{\"type\": \"%s\", \"time_s\": %.3f, \"request\": \"%.*s\", \"worker\": %u, "
		    "\"delay_ns\": %" PRIu64 ", \"threshold_ns\": %" PRIu64
		    ", \"timed_out_before\": %s}\n",
		    ctx->flag == LAT_CB_TIMEOUT ? "timeout" : "slow", at, len, key,
		    (unsigned int)worker, ctx->delay_ns, ctx->threshold_ns,
		    ctx->timed_out ? "true" : "false");
	} else if (ctx->flag == LAT_CB_TIMEOUT) {
		printf("[%7.3fs] TIMEOUT %-9.*s worker %u  still running after %s (timeout)\n", at,
		       len, key, (unsigned int)worker, delay);
	} else {
		printf("[%7.3fs] SLOW    %-9.*s worker %u  took %s (threshold %s)%s\n", at, len,
		       key, (unsigned int)worker, delay, threshold,
		       ctx->timed_out ? ", after its timeout" : "");
	}
	fflush(stdout);
	pthread_mutex_unlock(&demo.print_lock);
}

static void *worker_main(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	unsigned int seed = (unsigned int)(id * 7919 + 1);
	char key[32];

	while (!atomic_load(&demo.stop)) {
		uint64_t req = atomic_fetch_add(&demo.next_req, 1);
		uint64_t work;
		int err, len;

		len = snprintf(key, sizeof(key), "req-%" PRIu64, req);
		err =
		    lat_tracker_event_in(demo.tracker, key, (size_t)len, 0, 0, NULL, (void *)id, 0);
		if (err < 0 && err != -ENOSPC) {
			break; /* tracking off: the run is over */
		}
		if (req == STUCK_REQ) {
			work = demo.timeout_ns * 5 / 2;
		} else if (req % 25 == 4) {
			work = demo.threshold_ns + (uint64_t)(rand_r(&seed) % 66 + 5) * 1000000ULL;
		} else {
			work = (uint64_t)(rand_r(&seed) % 4000 + 1000) * 1000ULL;
		}
		work_for(work);
		lat_tracker_event_out(demo.tracker, key, (size_t)len);
	}
	return NULL;
}

/* Waits on the alert fd like a snapshot trigger would; counts the wake-ups. */
static void *watcher_main(void *arg)
{
	struct pollfd pfd = {.fd = lat_tracker_alert_fd(demo.tracker), .events = POLLIN};
	uint64_t value;

	(void)arg;
	while (!atomic_load(&demo.stop)) {
		if (poll(&pfd, 1, 50) == 1 && read(pfd.fd, &value, sizeof(value)) == 8) {
			atomic_fetch_add(&demo.alert_wakeups, 1);
		}
	}
	return NULL;
}

static void print_summary(const struct lat_tracker_counters *c, const struct lat_tracker_stats *s)
{
	char mn[32], mx[32], avg[32];

	lat_format_duration(s->min_ns, mn, sizeof(mn));
	lat_format_duration(s->max_ns, mx, sizeof(mx));
	lat_format_duration(s->avg_ns, avg, sizeof(avg));
	if (demo.json) {
		printf("{\"type\": \"summary\", \"requests\": %" PRIu64 ", \"completed\": %" PRIu64
		       ", \"slow\": %" PRIu64 ", \"timeouts\": %" PRIu64 ", \"drops\": %" PRIu64
		       ", \"outs_without_in\": %" PRIu64 ", \"replaced\": %" PRIu64
		       ", \"in_flight\": %" PRIu64 ", \"flushed\": %" PRIu64
		       ", \"alerts\": %" PRIu64 ", \"alert_wakeups\": %" PRIu64
		       ", \"min_ns\": %" PRIu64 ", \"avg_ns\": %" PRIu64 ", \"max_ns\": %" PRIu64
		       "}\n",
		       c->ins, c->completed, c->over_threshold, c->timeouts, c->drops,
		       c->outs_without_in, c->replaced, c->in_flight, c->flushed, c->alerts,
		       atomic_load(&demo.alert_wakeups), s->min_ns, s->avg_ns, s->max_ns);
		return;
	}
	printf("\nSummary (%d workers):\n", WORKERS);
	printf("  requests    %8" PRIu64 "  (tracked %" PRIu64 ", dropped %" PRIu64 ")\n", c->ins,
	       c->tracked, c->drops);
	printf("  completed   %8" PRIu64 "  (min %s, avg %s, max %s)\n", c->completed, mn, avg, mx);
	printf("  slow        %8" PRIu64 "  (above the threshold)\n", c->over_threshold);
	printf("  timeouts    %8" PRIu64 "\n", c->timeouts);
	printf("  in flight   %8" PRIu64 "  (flushed at the end: %" PRIu64 ")\n", c->in_flight,
	       c->flushed);
	printf("  outs without an in %" PRIu64 ", replaced %" PRIu64 "\n", c->outs_without_in,
	       c->replaced);
	printf("  alerts      %8" PRIu64 "  (alert fd wake-ups: %" PRIu64 ")\n", c->alerts,
	       atomic_load(&demo.alert_wakeups));
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: latscope demo [--duration DURATION] [--threshold DURATION] [--timeout "
	    "DURATION]\n"
	    "                     [--json]\n"
	    "\n"
	    "Runs a toy service: %d threads serve requests, a few of them slow, one stuck past\n"
	    "its timeout. liblatscope tracks every request and reports the slow ones as they\n"
	    "happen, then prints its counters.\n"
	    "\n"
	    "  -d, --duration DURATION   how long to run (default 3s)\n"
	    "  -t, --threshold DURATION  report requests slower than this (default 20ms)\n"
	    "  -T, --timeout DURATION    report requests still running after this (default 300ms)\n"
	    "  -j, --json                one JSON object per line\n"
	    "  -h, --help                this help\n",
	    WORKERS);
}

int cmd_demo(int argc, char **argv)
{
	static const struct option long_options[] = {
	    {"duration", required_argument, NULL, 'd'}, {"threshold", required_argument, NULL, 't'},
	    {"timeout", required_argument, NULL, 'T'},  {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	struct lat_tracker_options o = {0};
	struct lat_tracker_counters c;
	struct lat_tracker_stats s;
	pthread_t workers[WORKERS], watcher;
	uint64_t *target;
	int opt, err;

	demo.duration_ns = 3000000000ULL;
	demo.threshold_ns = 20000000ULL;
	demo.timeout_ns = 300000000ULL;
	optind = 1;
	opterr = 0; /* one error line, ours */
	while ((opt = getopt_long(argc, argv, "d:t:T:jh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'd':
		case 't':
		case 'T':
			target = opt == 'd'   ? &demo.duration_ns
				 : opt == 't' ? &demo.threshold_ns
					      : &demo.timeout_ns;
			if (lat_parse_duration(optarg, 1000000000ULL, target) < 0 || *target == 0) {
				return cli_usage_error("demo", "demo: invalid duration '%s'",
						       optarg);
			}
			break;
		case 'j':
			demo.json = true;
			cli_json_errors = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("demo", "demo: unknown option or missing value '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return cli_usage_error("demo", "demo: unexpected argument '%s'", argv[optind]);
	}
	if (demo.duration_ns > 3600000000000ULL) {
		return cli_usage_error("demo", "demo: --duration is limited to 1h");
	}

	o.max_events = 64;
	o.max_key_len = 32;
	o.threshold_ns = demo.threshold_ns;
	o.timeout_ns = demo.timeout_ns;
	o.callback = on_slow;
	o.alert_interval_ns = 100000000ULL;
	err = lat_tracker_create(&o, &demo.tracker);
	if (err) {
		cli_error("demo: cannot create the tracker: %s", strerror(-err));
		return CLI_EXIT_FAILURE;
	}
	pthread_mutex_init(&demo.print_lock, NULL);
	demo.t0 = mono_ns();
	if (!demo.json) {
		char thr[32], tmo[32], dur[32];

		lat_format_duration(demo.threshold_ns, thr, sizeof(thr));
		lat_format_duration(demo.timeout_ns, tmo, sizeof(tmo));
		lat_format_duration(demo.duration_ns, dur, sizeof(dur));
		printf("latscope demo: %d workers serve requests for %s; liblatscope reports those "
		       "slower than %s, or still running after %s.\n\n",
		       WORKERS, dur, thr, tmo);
		fflush(stdout);
	}
	pthread_create(&watcher, NULL, watcher_main, NULL);
	for (uintptr_t i = 0; i < WORKERS; i++) {
		pthread_create(&workers[i], NULL, worker_main, (void *)i);
	}
	sleep_ns(demo.duration_ns);
	atomic_store(&demo.stop, true);
	for (int i = 0; i < WORKERS; i++) {
		pthread_join(workers[i], NULL);
	}
	pthread_join(watcher, NULL);
	lat_tracker_set_tracking(demo.tracker, false);
	usleep(10000); /* let a timeout callback in progress finish printing */
	lat_tracker_get_counters(demo.tracker, &c);
	lat_tracker_get_stats(demo.tracker, &s);
	print_summary(&c, &s);
	lat_tracker_destroy(demo.tracker);
	pthread_mutex_destroy(&demo.print_lock);
	return CLI_EXIT_OK;
}
