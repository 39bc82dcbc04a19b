/* offcpu_pipe.c: test workload: a reader process blocks on a pipe until its writer (the parent)
 * writes a byte every MS milliseconds, COUNT times (after a start byte, sent at once). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Not inlined, so that user stacks show them. */
__attribute__((noinline)) static int read_one(int fd)
{
	char c;
	ssize_t n;

	do {
		n = read(fd, &c, 1);
	} while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

__attribute__((noinline)) static int write_one(int fd)
{
	char c = 'x';

	return write(fd, &c, 1) == 1 ? 0 : -1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

int main(int argc, char **argv)
{
	long ms, count;
	int fds[2], wait_go = 0, opt, status;
	pid_t reader;

	while ((opt = getopt(argc, argv, "w")) != -1) {
		if (opt != 'w') {
			goto usage;
		}
		wait_go = 1;
	}
	if (argc - optind != 2) {
		goto usage;
	}
	ms = strtol(argv[optind], NULL, 10);
	count = strtol(argv[optind + 1], NULL, 10);
	if (ms < 0 || count < 1 || pipe(fds) != 0) {
		goto usage;
	}
	reader = fork();
	if (reader < 0) {
		perror("fork");
		return 1;
	}
	if (reader == 0) {
		close(fds[1]);
		prctl(PR_SET_NAME, "offcpu_reader");
		for (long i = 0; i <= count; i++) { /* the start byte, then count */
			if (read_one(fds[0]) != 0) {
				return 1;
			}
		}
		return 0;
	}
	close(fds[0]);
	prctl(PR_SET_NAME, "offcpu_writer");
	printf("reader=%d writer=%d\n", (int)reader, (int)getpid());
	fflush(stdout);
	if (wait_go) {
		char line[16];

		if (!fgets(line, sizeof(line), stdin)) {
			return 1;
		}
	}
	if (write_one(fds[1]) != 0) { /* start: the reader's next waits are all seen */
		return 1;
	}
	for (long i = 0; i < count; i++) {
		sleep_ms(ms);
		if (write_one(fds[1]) != 0) {
			return 1;
		}
	}
	if (waitpid(reader, &status, 0) != reader || !WIFEXITED(status)) {
		return 1;
	}
	return WEXITSTATUS(status);
usage:
	fprintf(stderr, "usage: offcpu_pipe [-w] MS COUNT\n"
			"  -w  wait for a line on stdin before the first write\n");
	return 2;
}
