/* stackchild.c: a process blocked in libc under main -> level_one -> level_two -> level_three,
 * built without frame pointers, for the user-stack unwinding tests (tests/unit/usyms.c).
 * usage: stackchild [sleep|read]   prints "ready <pid>" on stdout, then blocks until killed.
 */
#pragma GCC optimize("omit-frame-pointer")

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int depth_seen;
static int use_read;

/* noinline and work after each call: no inlining, no tail calls, so every level keeps a frame. */
__attribute__((noinline, noclone)) static int level_three(int x)
{
	char c;

	depth_seen = x;
	for (;;) {
		if (use_read) {
			/* Blocks in read() on stdin, a pipe the parent never writes to. */
			if (read(STDIN_FILENO, &c, 1) <= 0) {
				sleep(1);
			}
		} else {
			struct timespec ts = {.tv_sec = 3600};

			nanosleep(&ts, NULL);
		}
		__asm__ volatile("" ::: "memory");
	}
	return depth_seen + 3;
}

__attribute__((noinline, noclone)) static int level_two(int x)
{
	int r = level_three(x + 1);

	__asm__ volatile("" ::: "memory");
	return r + 2;
}

__attribute__((noinline, noclone)) static int level_one(int x)
{
	int r = level_two(x + 1);

	__asm__ volatile("" ::: "memory");
	return r + 1;
}

int main(int argc, char **argv)
{
	int r;

	use_read = argc > 1 && strcmp(argv[1], "read") == 0;
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	r = level_one(argc);
	__asm__ volatile("" ::: "memory");
	return r;
}
