/* stackchild.c: a process blocked in libc under main -> level_one -> level_two -> level_three,
 * built without frame pointers, for the user-stack unwinding tests (tests/unit/usyms.c).
 * usage: stackchild [sleep|read|nocfi|exec|thread]   prints "ready <pid>", then blocks until
 * killed. exec: like read, then when a byte arrives on stdin, execs itself in sleep mode (same
 * pid). nocfi: like sleep, with a frame between level_two and level_three that has a frame pointer
 * but no CFI at all (as hand-written assembly or JIT code), to exercise the frame-pointer fallback.
 * thread: a second thread sleeps under thread_main -> level_one -> ..., the main thread joins it.
 */
#pragma GCC optimize("omit-frame-pointer")

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int depth_seen;
static int use_read, use_nocfi, use_exec;

/* nocfi_call(fn, x) returns fn(x) from a frame-pointer frame that no .eh_frame entry describes. */
int nocfi_call(int (*fn)(int), int x);
__asm__(".text\n"
	".globl nocfi_call\n"
	".type nocfi_call, @function\n"
	"nocfi_call:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	mov %rdi, %rax\n"
	"	mov %esi, %edi\n"
	"	call *%rax\n"
	"	pop %rbp\n"
	"	ret\n"
	".size nocfi_call, .-nocfi_call\n");

/* noinline and work after each call: no inlining, no tail calls, so every level keeps a frame. */
__attribute__((noinline, noclone)) static int level_three(int x)
{
	char c;

	depth_seen = x;
	for (;;) {
		if (use_read) {
			/* Blocks in read() on stdin, a pipe the parent never writes to. */
			ssize_t n = read(STDIN_FILENO, &c, 1);

			if (n == 1 && use_exec) {
				execl("/proc/self/exe", "stackchild", "sleep", (char *)NULL);
			}
			if (n <= 0) {
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
	int r = use_nocfi ? nocfi_call(level_three, x + 1) : level_three(x + 1);

	__asm__ volatile("" ::: "memory");
	return r + 2;
}

__attribute__((noinline, noclone)) static int level_one(int x)
{
	int r = level_two(x + 1);

	__asm__ volatile("" ::: "memory");
	return r + 1;
}

__attribute__((noinline, noclone)) static void *thread_main(void *arg)
{
	int r = level_one(3);

	__asm__ volatile("" ::: "memory");
	return (void *)(long)r;
}

int main(int argc, char **argv)
{
	int r;

	use_exec = argc > 1 && strcmp(argv[1], "exec") == 0;
	use_read = use_exec || (argc > 1 && strcmp(argv[1], "read") == 0);
	use_nocfi = argc > 1 && strcmp(argv[1], "nocfi") == 0;
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (argc > 1 && strcmp(argv[1], "thread") == 0) {
		pthread_t thread;
		void *ret;

		if (pthread_create(&thread, NULL, thread_main, NULL) != 0) {
			return 1;
		}
		pthread_join(thread, &ret);
		return (int)(long)ret;
	}
	r = level_one(argc);
	__asm__ volatile("" ::: "memory");
	return r;
}
