/* rec_workload.c: test workload for `latscope record`: N writes of K bytes to FILE, one nanosleep
 * of SLEEP_MS, then BURN_MS of CPU time; each step known, so the trace can be checked. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	long n, k, sleep_ms, burn_ms;
	struct timespec ts;
	char *buf;
	int fd;

	if (argc != 6) {
		fprintf(stderr, "usage: rec_workload N K SLEEP_MS BURN_MS FILE\n");
		return 2;
	}
	n = strtol(argv[1], NULL, 10);
	k = strtol(argv[2], NULL, 10);
	sleep_ms = strtol(argv[3], NULL, 10);
	burn_ms = strtol(argv[4], NULL, 10);
	buf = calloc(1, k > 0 ? (size_t)k : 1);
	if (n < 0 || k <= 0 || sleep_ms < 0 || burn_ms < 0 || !buf) {
		fprintf(stderr, "rec_workload: bad arguments\n");
		return 2;
	}
	fd = open(argv[5], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "rec_workload: %s: %s\n", argv[5], strerror(errno));
		return 1;
	}
	for (long i = 0; i < n; i++) {
		if (write(fd, buf, (size_t)k) != k) {
			fprintf(stderr, "rec_workload: write: %s\n", strerror(errno));
			return 1;
		}
	}
	close(fd);
	if (sleep_ms) {
		/* The raw syscall: glibc's nanosleep() would use clock_nanosleep. */
		ts.tv_sec = sleep_ms / 1000;
		ts.tv_nsec = (sleep_ms % 1000) * 1000000L;
		while (syscall(SYS_nanosleep, &ts, &ts) != 0 && errno == EINTR) {
		}
	}
	if (burn_ms) {
		double start = cpu_ms();
		volatile unsigned long spin = 0;

		while (cpu_ms() - start < burn_ms) {
			for (int i = 0; i < 10000; i++) {
				spin++;
			}
		}
	}
	free(buf);
	return 0;
}
