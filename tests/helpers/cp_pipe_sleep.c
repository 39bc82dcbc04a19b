/* cp_pipe_sleep.c: test workload for critical-path: a reader (child) blocks on a pipe whose writer
 * (the parent) sleeps MS milliseconds in nanosleep then writes a byte, COUNT times; each measures
 * itself: the writer its time in nanosleep, the reader its time blocked in read. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Until the task sleeps (state S in /proc/PID/stat), 2 s at most. */
static void wait_blocked(pid_t pid)
{
	char path[64], line[256], *p;
	uint64_t deadline = now_ns() + 2000000000ull;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	while (now_ns() < deadline) {
		FILE *f = fopen(path, "re");

		if (f && fgets(line, sizeof(line), f) && (p = strrchr(line, ')')) && p[1] == ' ' &&
		    p[2] == 'S') {
			fclose(f);
			return;
		}
		if (f) {
			fclose(f);
		}
		sched_yield();
	}
}

int main(int argc, char **argv)
{
	long ms = argc == 3 ? strtol(argv[1], NULL, 10) : -1;
	long count = argc == 3 ? strtol(argv[2], NULL, 10) : -1;
	uint64_t total = 0, t0;
	int fds[2], status;
	pid_t reader;
	char c = 'x';

	if (ms < 0 || count < 1 || pipe(fds) != 0) {
		fprintf(stderr, "usage: cp_pipe_sleep MS COUNT\n");
		return 2;
	}
	reader = fork();
	if (reader < 0) {
		perror("fork");
		return 1;
	}
	if (reader == 0) {
		close(fds[1]);
		prctl(PR_SET_NAME, "cp_reader");
		if (read(fds[0], &c, 1) != 1) { /* the start byte */
			return 1;
		}
		for (long i = 0; i < count; i++) {
			t0 = now_ns();
			if (read(fds[0], &c, 1) != 1) {
				return 1;
			}
			total += now_ns() - t0;
		}
		printf("reader_wait_ns=%llu\n", (unsigned long long)total);
		return 0;
	}
	close(fds[0]);
	prctl(PR_SET_NAME, "cp_writer");
	printf("reader=%d writer=%d\n", (int)reader, (int)getpid());
	fflush(stdout);
	if (write(fds[1], &c, 1) != 1) {
		return 1;
	}
	wait_blocked(reader); /* the reader read the start byte and blocks on the next */
	for (long i = 0; i < count; i++) {
		struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

		t0 = now_ns();
		while (syscall(SYS_nanosleep, &ts, &ts) != 0 && errno == EINTR) {
		}
		total += now_ns() - t0;
		if (write(fds[1], &c, 1) != 1) {
			return 1;
		}
	}
	if (waitpid(reader, &status, 0) != reader || !WIFEXITED(status)) {
		return 1;
	}
	printf("writer_sleep_ns=%llu\n", (unsigned long long)total);
	return WEXITSTATUS(status);
}
