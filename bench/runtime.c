/* runtime.c: bench helper for bench/analyze.sh: the shortest wall time and the smallest CPU time
 * (user + system, from wait4's rusage: holds on a loaded machine) of RUNS runs of a command. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int64_t best_wall = INT64_MAX, best_cpu = INT64_MAX;
	int runs;

	if (argc < 3 || (runs = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: runtime RUNS CMD [ARG...]\n"
				"prints \"WALL_NS CPU_NS\" (each the best of RUNS runs, output "
				"discarded), or \"fail\" when CMD fails\n");
		return 2;
	}
	for (int i = 0; i < runs; i++) {
		struct rusage ru;
		int status, fd;
		int64_t t0 = now_ns(), wall, cpu;
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "runtime: fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid == 0) {
			fd = open("/dev/null", O_WRONLY);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			printf("fail\n");
			return 0;
		}
		wall = now_ns() - t0;
		cpu = ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
		      ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
		best_wall = wall < best_wall ? wall : best_wall;
		best_cpu = cpu < best_cpu ? cpu : best_cpu;
	}
	printf("%lld %lld\n", (long long)best_wall, (long long)best_cpu);
	return 0;
}
