/* wk_pingpong.c: benchmark loop for the sched trackers: two threads ping-pong a byte over two
 * pipes N times (two wake-ups and two context switches per round trip when both run on one CPU);
 * prints the nanoseconds per round trip: CPU time of the process (what the wake-ups, switches and
 * any BPF programs on them cost in these threads, whatever else runs on the machine), then wall
 * time. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int ping[2], pong[2];
static long rounds;

static void *ponger(void *arg)
{
	char c;

	for (long i = 0; i < rounds; i++) {
		if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1) {
			exit(1);
		}
	}
	return arg;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1, c0, c1;
	pthread_t thread;
	char c = 'x';

	rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
	if (rounds < 1 || pipe(ping) || pipe(pong) ||
	    pthread_create(&thread, NULL, ponger, NULL) != 0) {
		fprintf(stderr, "usage: wk_pingpong [ROUNDS]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (long i = 0; i < rounds; i++) {
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1) {
			return 1;
		}
	}
	pthread_join(thread, NULL);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.1f %.1f\n", ((c1.tv_sec - c0.tv_sec) * 1e9 + (c1.tv_nsec - c0.tv_nsec)) / rounds,
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / rounds);
	return 0;
}
