/* record_load.c: load generator for `make bench-record`: THREADS threads making system calls at
 * a controlled total rate, each call measured, so that the recorders' loss and cost show.
 *
 *   record_load [-m getppid|pipe] [-t THREADS] [-r CALLS_PER_S] [-d SECONDS]
 *
 * getppid: each call is two events (sys_enter, sys_exit). pipe: pairs of threads bounce one byte
 * through two pipes; a call is one write() and one read() on each side (8 syscall events) and the
 * sched_switch/sched_waking/sched_wakeup of the two hand-overs. -r 0 (default): as fast as
 * possible. Pacing spins on the vDSO clock (no extra system call) between batches of about 20 us
 * of calls, or sleeps when more than 1 ms ahead.
 *
 * Prints one line: calls=N secs=S calls_per_s=R ns_per_call=X cpu_ns_per_call=Y, where
 * ns_per_call is the wall time spent in the calls themselves (pacing excluded) and
 * cpu_ns_per_call the process's CPU time (user + system) per call: unpaced, the figure a
 * recorder slows down, without the time other processes took the CPU.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct load_thread {
	pthread_t thread;
	double rate;      /* calls per second for this thread; 0: unpaced */
	double secs;      /* run time */
	int rfd, wfd;     /* pipe mode: read from rfd, write to wfd */
	int leader;       /* pipe mode: the side that writes first and counts */
	uint64_t calls;   /* made */
	uint64_t busy_ns; /* time inside calls */
};

static int pipe_mode;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int one_call(struct load_thread *t)
{
	char c = 0;

	if (!pipe_mode) {
		syscall(SYS_getppid);
		return 0;
	}
	if (t->leader) {
		if (write(t->wfd, &c, 1) != 1 || read(t->rfd, &c, 1) != 1) {
			return -1;
		}
	} else {
		if (read(t->rfd, &c, 1) != 1 || write(t->wfd, &c, 1) != 1) {
			return -1;
		}
	}
	return 0;
}

static void *run(void *arg)
{
	struct load_thread *t = arg;
	uint64_t start = now_ns(), end = start + (uint64_t)(t->secs * 1e9), batch = 1;

	if (t->rate > 0) {
		batch = (uint64_t)(t->rate * 20e-6);
		if (batch < 1) {
			batch = 1;
		}
	} else {
		batch = pipe_mode ? 16 : 256;
	}
	if (pipe_mode && !t->leader) {
		/* The follower answers until the leader closes its write end. */
		while (one_call(t) == 0) {
		}
		return NULL;
	}
	for (;;) {
		uint64_t b0 = now_ns(), b1;

		if (b0 >= end) {
			break;
		}
		for (uint64_t i = 0; i < batch; i++) {
			if (one_call(t)) {
				return NULL;
			}
		}
		b1 = now_ns();
		t->busy_ns += b1 - b0;
		t->calls += batch;
		if (t->rate > 0) {
			uint64_t due = start + (uint64_t)((double)t->calls * 1e9 / t->rate);

			if (due > b1 + 1000000) {
				struct timespec ts = {
				    .tv_sec = (time_t)((due - 200000) / 1000000000ull),
				    .tv_nsec = (long)((due - 200000) % 1000000000ull)};

				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			}
			while (now_ns() < due) {
			}
		}
	}
	if (pipe_mode) {
		close(t->wfd); /* the follower's read returns 0 */
	}
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: record_load [-m getppid|pipe] [-t THREADS] [-r CALLS_PER_S] "
			"[-d SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int threads = 1, opt, n;
	double rate = 0, secs = 1;
	struct load_thread *t;
	uint64_t calls = 0, busy = 0, t0, t1;
	struct rusage ru;
	double cpu_ns;
	char *end;

	while ((opt = getopt(argc, argv, "m:t:r:d:")) != -1) {
		switch (opt) {
		case 'm':
			if (!strcmp(optarg, "pipe")) {
				pipe_mode = 1;
			} else if (strcmp(optarg, "getppid")) {
				usage();
			}
			break;
		case 't':
			threads = (int)strtol(optarg, &end, 10);
			if (*end || threads < 1 || threads > 256) {
				usage();
			}
			break;
		case 'r':
			rate = strtod(optarg, &end);
			if (*end || rate < 0) {
				usage();
			}
			break;
		case 'd':
			secs = strtod(optarg, &end);
			if (*end || secs <= 0) {
				usage();
			}
			break;
		default:
			usage();
		}
	}
	if (optind < argc) {
		usage();
	}
	n = pipe_mode ? 2 * threads : threads;
	t = calloc((size_t)n, sizeof(*t));
	if (!t) {
		return 1;
	}
	for (int i = 0; i < threads; i++) {
		struct load_thread *a = pipe_mode ? &t[2 * i] : &t[i];

		a->rate = rate / threads;
		a->secs = secs;
		a->leader = 1;
		if (pipe_mode) {
			struct load_thread *b = &t[2 * i + 1];
			int p1[2], p2[2];

			if (pipe(p1) || pipe(p2)) {
				fprintf(stderr, "record_load: pipe: %s\n", strerror(errno));
				return 1;
			}
			a->wfd = p1[1];
			b->rfd = p1[0];
			b->wfd = p2[1];
			a->rfd = p2[0];
		}
	}
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		if (pthread_create(&t[i].thread, NULL, run, &t[i])) {
			fprintf(stderr, "record_load: cannot start a thread\n");
			return 1;
		}
	}
	for (int i = 0; i < n; i++) {
		pthread_join(t[i].thread, NULL);
		calls += t[i].calls;
		busy += t[i].busy_ns;
	}
	t1 = now_ns();
	getrusage(RUSAGE_SELF, &ru);
	cpu_ns = ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e9 +
		 ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e3;
	printf("calls=%llu secs=%.3f calls_per_s=%.0f ns_per_call=%.1f cpu_ns_per_call=%.1f\n",
	       (unsigned long long)calls, (double)(t1 - t0) / 1e9,
	       (double)calls * 1e9 / (double)(t1 - t0), calls ? (double)busy / (double)calls : 0.0,
	       calls ? cpu_ns / (double)calls : 0.0);
	free(t);
	return 0;
}
