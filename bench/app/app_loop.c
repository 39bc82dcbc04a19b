/* app_loop.c: what an application pays per request for latency tracking: a request loop bare,
 * with a liblatscope tracker in/out, with lat_agent_client_sample(), and with an LTTng-UST
 * tracepoint pair (bench/app.sh builds and runs it, with and without an LTTng session). */
#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#include "app_tp.h"

#include "latscope/agent.h"
#include "latscope/tracker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/*
 * One request: a fixed amount of work (WORK rounds of a multiply-xorshift, ~100 ns), framed by
 * what each mode adds:
 *   bare         nothing
 *   tracker      lat_tracker_event_in(request id) ... lat_tracker_event_out(request id), default
 *                options (CLOCK_MONOTONIC, 1 ms threshold: no callback fires)
 *   tracker_tsc  the same with LAT_TRACKER_CLOCK_TSC
 *   sample       two clock_gettime() around the work, then lat_agent_client_sample() of the delay
 *                to a unix datagram socket this program drains in a thread (the agent's place)
 *   lttng        lttng_ust_tracepoint(request_begin, id) ... (request_end, id)
 * Times are the thread's CPU time (a shared machine's other programs are not counted). Modes run
 * in turn, ROUNDS times, REQUESTS requests each (SAMPLE_REQUESTS for sample); a
 * mode's figure is its fastest round
 * (the least disturbed by the other programs of a shared machine), its cost that minus bare's.
 */
#define ROUNDS          9
#define REQUESTS        200000
#define SAMPLE_REQUESTS 20000 /* a system call each: fewer, or the run takes minutes */

enum mode { M_BARE, M_TRACKER, M_TRACKER_TSC, M_SAMPLE, M_LTTNG, M_COUNT };
static const char *const mode_names[M_COUNT] = {"bare", "tracker", "tracker_tsc", "sample",
						"lttng"};

static int work_rounds = 64;
static volatile uint64_t sink;
static struct lat_tracker *tracker, *tracker_tsc;
static struct lat_agent_client *client;
static atomic_bool drain_stop;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The thread's CPU time: the time other programs run on this CPU is not counted. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t work(uint64_t x)
{
	for (int i = 0; i < work_rounds; i++) {
		x ^= x >> 29;
		x *= 0xbf58476d1ce4e5b9ULL;
		x ^= x >> 32;
	}
	return x;
}

/*
 * One loop per mode, each its own function: the request loop's code is the same in every mode but
 * for what the mode adds.
 */
#define REQUEST_LOOP(name, before, after)                                          \
	static __attribute__((noinline)) uint64_t name(uint64_t id, int requests)  \
	{                                                                          \
		uint64_t acc = 0;                                                  \
		for (int i = 0; i < requests; i++, id++) {                         \
			before;                                                    \
			acc = work(acc ^ id); /* serial: requests never overlap */ \
			after;                                                     \
		}                                                                  \
		return acc;                                                        \
	}

REQUEST_LOOP(loop_bare, (void)0, (void)0)
REQUEST_LOOP(loop_tracker, lat_tracker_event_in(tracker, &id, sizeof(id), 0, 0, NULL, NULL, 0),
	     lat_tracker_event_out(tracker, &id, sizeof(id)))
REQUEST_LOOP(loop_tracker_tsc,
	     lat_tracker_event_in(tracker_tsc, &id, sizeof(id), 0, 0, NULL, NULL, 0),
	     lat_tracker_event_out(tracker_tsc, &id, sizeof(id)))
REQUEST_LOOP(loop_sample, uint64_t start = mono_ns(),
	     lat_agent_client_sample(client, "requests", NULL, mono_ns() - start, 1))
REQUEST_LOOP(loop_lttng, lttng_ust_tracepoint(latscope_bench, request_begin, id),
	     lttng_ust_tracepoint(latscope_bench, request_end, id))

/* Returns ns per request. */
static double run_mode(enum mode m, uint64_t *next_id)
{
	static uint64_t (*const loops[M_COUNT])(uint64_t, int) = {
	    loop_bare, loop_tracker, loop_tracker_tsc, loop_sample, loop_lttng};
	int requests = m == M_SAMPLE ? SAMPLE_REQUESTS : REQUESTS;
	uint64_t t0 = cpu_ns(), t1;

	sink = loops[m](*next_id, requests);
	t1 = cpu_ns();
	*next_id += (uint64_t)requests;
	return (double)(t1 - t0) / requests;
}

/* The agent's place: a datagram socket read as fast as it fills. */
static void *drain_main(void *arg)
{
	int fd = *(int *)arg;
	char buf[1024];

	while (!atomic_load_explicit(&drain_stop, memory_order_relaxed)) {
		if (recv(fd, buf, sizeof(buf), 0) < 0 && errno != EINTR && errno != EAGAIN) {
			break;
		}
	}
	return NULL;
}

static void print_bench(const char *name, double ours, double peer, const char *peer_name)
{
	/* A cost below the noise is shown as 0.1 ns so that the ratio stays defined. */
	double o = ours < 0.1 ? 0.1 : ours, p = peer < 0.1 ? 0.1 : peer;

	printf("BENCH %s ours=%.1f ns peer=%.1f ns peer_name=%s ratio=%.2f\n", name, o, p,
	       peer_name, p / o);
}

int main(int argc, char **argv)
{
	struct lat_tracker_options o = {.max_events = 4096};
	struct lat_tracker_options otsc = {.max_events = 4096, .clock = LAT_TRACKER_CLOCK_TSC};
	bool session = false, have_tsc;
	double best[M_COUNT], cost[M_COUNT];
	char dir[] = "/tmp/latscope_app_XXXXXX", path[sizeof(dir) + 16];
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	uint64_t id = 1, sent = 0, dropped = 0;
	pthread_t drain;
	int fd, err, bufsize = 4 << 20;
	struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--session") == 0) {
			session = true; /* an LTTng session records the tracepoints */
		} else if (strcmp(argv[i], "--work") == 0 && i + 1 < argc) {
			work_rounds = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: %s [--session] [--work ROUNDS]\n", argv[0]);
			return 2;
		}
	}
	err = lat_tracker_create(&o, &tracker);
	if (err) {
		fprintf(stderr, "app_loop: lat_tracker_create: %s\n", strerror(-err));
		return 1;
	}
	have_tsc = lat_tracker_create(&otsc, &tracker_tsc) == 0;
	if (!mkdtemp(dir)) {
		perror("app_loop: mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/apps.sock", dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("app_loop: the agent's socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	pthread_create(&drain, NULL, drain_main, &fd);
	err = lat_agent_client_open(path, &client);
	if (err) {
		fprintf(stderr, "app_loop: lat_agent_client_open: %s\n", strerror(-err));
		return 1;
	}

	for (int m = 0; m < M_COUNT; m++) {
		best[m] = 1e300;
	}
	for (int r = 0; r < ROUNDS; r++) {
		for (int k = 0; k < M_COUNT; k++) {
			int m = (k + r) % M_COUNT; /* each round starts with another mode */
			double ns;

			if (m == M_TRACKER_TSC && !have_tsc) {
				continue;
			}
			ns = run_mode((enum mode)m, &id);
			best[m] = ns < best[m] ? ns : best[m];
		}
	}
	atomic_store(&drain_stop, true);
	pthread_join(drain, NULL);
	lat_agent_client_counters(client, &sent, &dropped);

	for (int m = 0; m < M_COUNT; m++) {
		cost[m] = best[m] - best[M_BARE];
		if (m == M_TRACKER_TSC && !have_tsc) {
			continue;
		}
		printf("# %-11s %7.1f ns a request (%+.1f ns over bare)\n", mode_names[m], best[m],
		       cost[m]);
	}
	printf("# requests of %d work rounds; fastest of %d rounds of %d requests per mode; agent "
	       "samples sent %llu, dropped %llu; LTTng session %s\n",
	       work_rounds, ROUNDS, REQUESTS, (unsigned long long)sent, (unsigned long long)dropped,
	       session ? "active" : "none");
	{
		const char *peer = session ? "lttng_ust_tracepoint_pair_session"
					   : "lttng_ust_tracepoint_pair_no_session";
		const char *sfx = session ? "_session" : "";
		char name[64];

		snprintf(name, sizeof(name), "app_request_tracker%s", sfx);
		print_bench(name, cost[M_TRACKER], cost[M_LTTNG], peer);
		if (have_tsc) {
			snprintf(name, sizeof(name), "app_request_tracker_tsc%s", sfx);
			print_bench(name, cost[M_TRACKER_TSC], cost[M_LTTNG], peer);
		}
		snprintf(name, sizeof(name), "app_request_agent_sample%s", sfx);
		print_bench(name, cost[M_SAMPLE], cost[M_LTTNG], peer);
	}
	lat_agent_client_close(client);
	close(fd);
	unlink(path);
	rmdir(dir);
	lat_tracker_destroy(tracker);
	lat_tracker_destroy(tracker_tsc);
	return 0;
}
