/* nanosleeper.c: test workload: sleeps MS milliseconds in the nanosleep syscall, COUNT times
 * (with -t FILE, each sleep's measured duration in ns is appended to FILE: the test's truth). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Not inlined, so that user stacks show it between main and the syscall. */
__attribute__((noinline)) static int sleep_in_nanosleep(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	/* The raw syscall: glibc's nanosleep() would use clock_nanosleep. */
	while (syscall(SYS_nanosleep, &ts, &ts) != 0) {
		if (errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: nanosleeper [-w] [-l LINGER_MS] [-t FILE] MS [COUNT]\n"
		"  -w  wait for a line on stdin first (start a tracker on our pid meanwhile)\n"
		"  -l  stay alive LINGER_MS after the last sleep (in clock_nanosleep)\n"
		"  -t  append each sleep's duration (ns, CLOCK_MONOTONIC around the syscall) to "
		"FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	long ms, count = 1, linger_ms = 0;
	const char *times = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "wl:t:")) != -1) {
		switch (opt) {
		case 'w': {
			char line[64];

			if (!fgets(line, sizeof(line), stdin)) {
				return 1;
			}
			break;
		}
		case 'l':
			linger_ms = strtol(optarg, NULL, 10);
			break;
		case 't':
			times = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc || argc - optind > 2) {
		return usage();
	}
	ms = strtol(argv[optind], NULL, 10);
	if (optind + 1 < argc) {
		count = strtol(argv[optind + 1], NULL, 10);
	}
	for (long i = 0; i < count; i++) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (sleep_in_nanosleep(ms) != 0) {
			perror("nanosleep");
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (times) {
			FILE *f = fopen(times, "a");

			if (!f) {
				perror(times);
				return 1;
			}
			fprintf(f, "%lld\n",
				(long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL +
				    (t1.tv_nsec - t0.tv_nsec));
			fclose(f);
		}
	}
	if (linger_ms > 0) {
		struct timespec ts = {.tv_sec = linger_ms / 1000,
				      .tv_nsec = (linger_ms % 1000) * 1000000L};

		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	}
	return 0;
}
