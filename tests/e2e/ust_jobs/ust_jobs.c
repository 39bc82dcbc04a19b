/* ust_jobs.c: a job loop instrumented with LTTng-UST (latscope_test:job_start/job_end with an
 * id) for tests/e2e/periods_live.t. usage: ust_jobs COUNT SLOW_EVERY FAST_MS SLOW_MS
 * Job i is slow (SLOW_MS) when i % SLOW_EVERY == SLOW_EVERY - 1, fast (FAST_MS) otherwise.
 * Prints "job i done" after each job, so the test can tell which jobs ran. */
#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#include "ust_jobs_tp.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts)) {
	}
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 10;
	int every = argc > 2 ? atoi(argv[2]) : 4;
	long fast = argc > 3 ? atol(argv[3]) : 5, slow = argc > 4 ? atol(argv[4]) : 300;

	for (int i = 0; i < count; i++) {
		int is_slow = every > 0 && i % every == every - 1;

		lttng_ust_tracepoint(latscope_test, job_start, i, is_slow ? "slow" : "fast");
		sleep_ms(is_slow ? slow : fast);
		lttng_ust_tracepoint(latscope_test, job_end, i, 0);
		printf("job %d done\n", i);
		fflush(stdout);
	}
	return 0;
}
