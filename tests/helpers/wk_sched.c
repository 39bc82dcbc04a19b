/* wk_sched.c: test workloads for the wakeup tracker:
 *   wk_sched spin MS [BURST PAUSE] burn a CPU for MS milliseconds (comm wk_spin), in bursts of
 *                                  BURST ms separated by PAUSE ms of sleep when given
 *   wk_sched sleep [-w] COUNT MS   sleep MS milliseconds COUNT times (comm wk_sleep); -w waits
 *                                  for a line on stdin first */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int usage(void)
{
	fprintf(stderr, "usage: wk_sched spin MS | wk_sched sleep [-w] COUNT MS\n");
	return 2;
}

int main(int argc, char **argv)
{
	if ((argc == 3 || argc == 5) && strcmp(argv[1], "spin") == 0) {
		long long end = now_ns() + strtoll(argv[2], NULL, 10) * 1000000LL;
		long long burst = argc == 5 ? strtoll(argv[3], NULL, 10) * 1000000LL : 0;
		long pause_ms = argc == 5 ? strtol(argv[4], NULL, 10) : 0;
		volatile unsigned long spins = 0;

		prctl(PR_SET_NAME, "wk_spin");
		while (now_ns() < end) {
			long long burst_end = burst ? now_ns() + burst : end;

			while (now_ns() < burst_end) {
				for (int i = 0; i < 10000; i++) {
					spins++;
				}
			}
			if (pause_ms) {
				struct timespec ts = {.tv_sec = pause_ms / 1000,
						      .tv_nsec = (pause_ms % 1000) * 1000000L};

				nanosleep(&ts, NULL);
			}
		}
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "sleep") == 0) {
		int arg = 2;
		long count, ms;

		prctl(PR_SET_NAME, "wk_sleep");
		if (strcmp(argv[arg], "-w") == 0) {
			char line[16];

			arg++;
			if (!fgets(line, sizeof(line), stdin)) {
				return 1;
			}
		}
		if (argc - arg != 2) {
			return usage();
		}
		count = strtol(argv[arg], NULL, 10);
		ms = strtol(argv[arg + 1], NULL, 10);
		for (long i = 0; i < count; i++) {
			struct timespec ts = {.tv_sec = ms / 1000,
					      .tv_nsec = (ms % 1000) * 1000000L};

			while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
			}
		}
		return 0;
	}
	return usage();
}
