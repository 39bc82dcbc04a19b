/* usyms.c: user stacks of a real process without frame pointers, unwound by DWARF CFI from a copy
 * of its stack (as the BPF side gives it), then symbolized; short copies, exited processes.
 */
#include "tap.h"
#include "util/usyms.h"

#include <elf.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STACK_COPY 16384
#define MAX_IPS    64

struct child {
	pid_t pid;
	int in_fd, out_fd;
};

struct capture {
	struct lat_user_regs regs;
	unsigned char stack[STACK_COPY];
	size_t stack_len;
};

static int find_helper(char *path, size_t len)
{
	const char *build = getenv("LATSCOPE_BUILD");
	char exe[PATH_MAX - 64];
	ssize_t n;
	char *slash;

	if (build) {
		snprintf(path, len, "%s/tests/helpers/stackchild", build);
		if (access(path, X_OK) == 0) {
			return 0;
		}
	}
	/* BUILD/tests/unit/usyms.t or BUILD/{asan,tsan}/tests/unit/usyms.t */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		return -1;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash) {
		return -1;
	}
	*slash = '\0';
	snprintf(path, len, "%s/../helpers/stackchild", exe);
	if (access(path, X_OK) == 0) {
		return 0;
	}
	snprintf(path, len, "%s/../../../tests/helpers/stackchild", exe);
	return access(path, X_OK) == 0 ? 0 : -1;
}

/* Reads the first field of /proc/PID/syscall: the number of the syscall it is blocked in. */
static long blocked_syscall(pid_t pid)
{
	char path[64];
	long nr = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	f = fopen(path, "r");
	if (!f) {
		return -1;
	}
	if (fscanf(f, "%ld", &nr) != 1) {
		nr = -1;
	}
	fclose(f);
	return nr;
}

static int wait_ready(struct child *child, long syscall_nr);

static int spawn(const char *helper, const char *mode, long syscall_nr, struct child *child)
{
	int in[2], out[2];

	if (pipe(in) || pipe(out)) {
		return -1;
	}
	child->pid = fork();
	if (child->pid < 0) {
		return -1;
	}
	if (child->pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		close(in[1]);
		close(out[0]);
		execl(helper, helper, mode, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	child->in_fd = in[1];
	child->out_fd = out[0];
	return wait_ready(child, syscall_nr);
}

/* Reads the child's "ready" line, then waits until it sleeps in syscall_nr. */
static int wait_ready(struct child *child, long syscall_nr)
{
	char line[64];
	ssize_t n;

	n = read(child->out_fd, line, sizeof(line) - 1);
	if (n <= 0 || strncmp(line, "ready", 5) != 0) {
		return -1;
	}
	/* Wait until it sleeps in the syscall of level_three (up to 5 s). */
	for (int i = 0; i < 5000; i++) {
		struct timespec ms = {0, 1000000};

		if (blocked_syscall(child->pid) == syscall_nr) {
			return 0;
		}
		nanosleep(&ms, NULL);
	}
	return -1;
}

static void reap(struct child *child)
{
	kill(child->pid, SIGKILL);
	waitpid(child->pid, NULL, 0);
	close(child->in_fd);
	close(child->out_fd);
}

/* The thread of pid (other than pid itself) that sleeps in syscall_nr, or -1 after 5 s. */
static pid_t sleeping_thread(pid_t pid, long syscall_nr)
{
	for (int i = 0; i < 5000; i++) {
		struct timespec ms = {0, 1000000};
		char path[64];
		struct dirent *d;
		DIR *dir;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		dir = opendir(path);
		while (dir && (d = readdir(dir)) != NULL) {
			pid_t tid = (pid_t)atoi(d->d_name);

			if (tid > 0 && tid != pid && blocked_syscall(tid) == syscall_nr) {
				closedir(dir);
				return tid;
			}
		}
		if (dir) {
			closedir(dir);
		}
		nanosleep(&ms, NULL);
	}
	return -1;
}

/* What the BPF side does: the user registers and up to 16 KiB of stack from sp. */
static int capture(pid_t pid, struct capture *cap)
{
	struct user_regs_struct regs;
	struct iovec local, remote;
	int status;
	ssize_t n;

	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) != 0 ||
	    ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) != 0 || waitpid(pid, &status, 0) != pid ||
	    ptrace(PTRACE_GETREGS, pid, NULL, &regs) != 0) {
		return -1;
	}
	cap->regs = (struct lat_user_regs){
	    .ip = regs.rip,
	    .sp = regs.rsp,
	    .bp = regs.rbp,
	    .bx = regs.rbx,
	    .r12 = regs.r12,
	    .r13 = regs.r13,
	    .r14 = regs.r14,
	    .r15 = regs.r15,
	};
	local = (struct iovec){cap->stack, sizeof(cap->stack)};
	remote = (struct iovec){(void *)(uintptr_t)regs.rsp, sizeof(cap->stack)};
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	if (n <= 0) {
		return -1;
	}
	cap->stack_len = (size_t)n;
	return 0;
}

static bool starts_with_any(const char *text, const char *const *prefixes)
{
	for (; *prefixes; prefixes++) {
		size_t len = strlen(*prefixes);

		if (strncmp(text, *prefixes, len) == 0 && text[len] == '+') {
			return true;
		}
	}
	return false;
}

/* Unwinds, formats, and checks: libc function, level_three, level_two, level_one, main. */
static const char *const plain_levels[] = {"level_three", "level_two", "level_one", "main", NULL};

static void check_stack(struct lat_usyms *usyms, pid_t pid, const struct capture *cap,
			const char *what, const char *const *libc_names, const char *const *levels)
{
	uint64_t ips[MAX_IPS];
	char frames[MAX_IPS][256];
	bool cut_short = true;
	int n, next = 1;

	n = lat_usyms_unwind(usyms, pid, &cap->regs, cap->stack, cap->stack_len, ips, MAX_IPS,
			     &cut_short);
	ok(n >= 6, "%s: unwound %d frames from a %zu-byte stack copy", what, n, cap->stack_len);
	if (n < 1) {
		skip(8, "no frames");
		return;
	}
	is_int(ips[0], cap->regs.ip, "%s: first frame is the interrupted ip", what);
	for (int i = 0; i < n; i++) {
		lat_usyms_format(usyms, pid, ips[i], frames[i], sizeof(frames[i]));
		tap_diag("  #%d %s", i, frames[i]);
	}
	ok(starts_with_any(frames[0], libc_names) && strstr(frames[0], "(libc.so.6)"),
	   "%s: frame 0 is in libc: %s", what, frames[0]);
	for (size_t l = 0; levels[l]; l++) {
		const char *const want[] = {levels[l], NULL};
		int found = -1;

		for (int i = next; i < n; i++) {
			if (starts_with_any(frames[i], want)) {
				found = i;
				break;
			}
		}
		ok(found >= 0 && strstr(frames[found], "(stackchild)"), "%s: %s follows, in order",
		   what, levels[l]);
		if (found >= 0) {
			next = found + 1;
		}
	}
	ok(!cut_short, "%s: unwinding reached the outermost frame (not cut short)", what);
	{
		uint64_t few[3];
		bool cut = false;

		n = lat_usyms_unwind(usyms, pid, &cap->regs, cap->stack, cap->stack_len, few, 3,
				     &cut);
		ok(n == 3 && cut, "%s: max_ips 3 gives 3 frames, cut short", what);
	}
}

static double elapsed_s(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void bench(struct lat_usyms *usyms, pid_t pid, const struct capture *cap)
{
	struct timespec start, now;
	uint64_t ips[MAX_IPS];
	char buf[256];
	long stacks = 0, frames = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		bool cut;
		int n = lat_usyms_unwind(usyms, pid, &cap->regs, cap->stack, cap->stack_len, ips,
					 MAX_IPS, &cut);

		for (int i = 0; i < n; i++) {
			lat_usyms_format(usyms, pid, ips[i], buf, sizeof(buf));
		}
		stacks++;
		frames += n > 0 ? n : 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (elapsed_s(&start, &now) < 0.2);
	tap_diag("diag usyms: %.0f stacks/s unwound and formatted (same process, %ld frames each)",
		 (double)stacks / elapsed_s(&start, &now), stacks ? frames / stacks : 0);
	stacks = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		bool cut;

		lat_usyms_unwind(usyms, pid, &cap->regs, cap->stack, cap->stack_len, ips, MAX_IPS,
				 &cut);
		stacks++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (elapsed_s(&start, &now) < 0.2);
	tap_diag("diag usyms: %.0f stacks/s unwound only",
		 (double)stacks / elapsed_s(&start, &now));
}

/* Finds libc's build-id debug file (/usr/lib/debug/.build-id/xx/yyy.debug) from our own libc. */
static int libc_debug_file(struct dl_phdr_info *info, size_t size, void *arg)
{
	char *path = arg;

	if (!strstr(info->dlpi_name, "/libc.so.6")) {
		return 0;
	}
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const unsigned char *p, *end;

		if (ph->p_type != PT_NOTE) {
			continue;
		}
		p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const unsigned char *desc = p + sizeof(*nh) + ((nh->n_namesz + 3) & ~3U);

			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_descsz > 1) {
				int used = sprintf(path, "/usr/lib/debug/.build-id/%02x/", desc[0]);

				for (unsigned int j = 1; j < nh->n_descsz; j++) {
					used += sprintf(path + used, "%02x", desc[j]);
				}
				strcpy(path + used, ".debug");
				return 1;
			}
			p = desc + ((nh->n_descsz + 3) & ~3U);
		}
	}
	return 0;
}

/* With libc6-dbg, libc's local functions (only in the debug file's .symtab) have names too. */
static void check_debug_symbols(struct lat_usyms *usyms, pid_t pid, const struct capture *cap)
{
	char debug[PATH_MAX] = "";
	uint64_t ips[MAX_IPS];
	char buf[256];
	bool cut, found = false;
	int n;

	if (!dl_iterate_phdr(libc_debug_file, debug) || access(debug, R_OK) != 0) {
		skip(1, "no libc debug file (libc6-dbg) installed");
		return;
	}
	n = lat_usyms_unwind(usyms, pid, &cap->regs, cap->stack, cap->stack_len, ips, MAX_IPS,
			     &cut);
	for (int i = 0; i < n && !found; i++) {
		lat_usyms_format(usyms, pid, ips[i], buf, sizeof(buf));
		found = strncmp(buf, "__libc_start_call_main+", 23) == 0;
	}
	ok(found, "libc's local __libc_start_call_main named from %s", debug);
}

static int count_fds(void)
{
	char path[64];
	int n = 0;

	for (int fd = 0; fd < 4096; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

__attribute__((noinline)) static int fork_target(void)
{
	return getpid();
}

/* Many processes: sessions (open module files) stay bounded; an evicted one is rebuilt. */
static void many_processes(struct lat_usyms *usyms)
{
	enum { COUNT = 48 }; /* more than MAX_SESSIONS (32) */
	static pid_t pids[COUNT];
	static unsigned char stack[64];
	struct lat_user_regs regs = {
	    .ip = (uint64_t)(uintptr_t)&fork_target,
	    .sp = (uint64_t)(uintptr_t)stack,
	};
	uint64_t ips[4];
	char buf[256];
	int fds_before = count_fds(), bad = 0, started = 0;
	bool cut;

	for (int i = 0; i < COUNT; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			pause();
			_exit(0);
		}
		if (pids[i] < 0) {
			break;
		}
		started++;
		if (lat_usyms_unwind(usyms, pids[i], &regs, stack, sizeof(stack), ips, 4, &cut) <
			1 ||
		    lat_usyms_format(usyms, pids[i], ips[0], buf, sizeof(buf)) != 0) {
			bad++;
		}
	}
	is_int(bad, 0, "%d processes unwound and formatted", started);
	ok(count_fds() - fds_before <= 36,
	   "open descriptors stay bounded: %d more after %d processes", count_fds() - fds_before,
	   started);
	ok(lat_usyms_unwind(usyms, pids[0], &regs, stack, sizeof(stack), ips, 4, &cut) >= 1 &&
	       lat_usyms_format(usyms, pids[0], ips[0], buf, sizeof(buf)) == 0 &&
	       strncmp(buf, "fork_target+0x0 (usyms.t)", 25) == 0,
	   "least recently used process still unwinds after eviction: %s", buf);
	for (int i = 0; i < started; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
		lat_usyms_forget(usyms, pids[i]);
	}
}

/* Random stacks and registers (ip in libc, in the program, or anywhere): frames, no crash. */
static void garbage(struct lat_usyms *usyms, pid_t pid, const struct capture *cap)
{
	static struct capture junk;
	uint64_t ips[MAX_IPS];
	uint64_t state = 0x9e3779b97f4a7c15ULL;
	int bad = 0;

	for (int i = 0; i < 2000; i++) {
		bool cut;
		int n;

		for (size_t j = 0; j < sizeof(junk.stack); j += 8) {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			/* Half random words, half words near real stack and code addresses. */
			if (state & 1) {
				memcpy(junk.stack + j, &state, 8);
			} else {
				uint64_t near =
				    (state & 2 ? cap->regs.sp : cap->regs.ip) + (state >> 52);

				memcpy(junk.stack + j, &near, 8);
			}
		}
		junk.regs = cap->regs;
		junk.regs.ip = i % 3 == 0 ? state : cap->regs.ip + (state >> 56);
		junk.regs.bp = i % 2 ? cap->regs.sp + (state >> 50) : state;
		junk.stack_len = (size_t)(state >> 40) % sizeof(junk.stack);
		n = lat_usyms_unwind(usyms, pid, &junk.regs, junk.stack, junk.stack_len, ips,
				     MAX_IPS, &cut);
		if (n < 1 || n > MAX_IPS || ips[0] != junk.regs.ip) {
			bad++;
		}
		for (int f = 0; f < n && f < MAX_IPS; f++) {
			char buf[64];

			lat_usyms_format(usyms, pid, ips[f], buf, sizeof(buf));
		}
	}
	is_int(bad, 0, "2000 garbage stacks: each gives 1..%d frames starting at ip", MAX_IPS);
}

/* The vDSO symbolizes too: __vdso_clock_gettime from our own image, found by its dynamic symbol. */
static void vdso(struct lat_usyms *usyms)
{
	const unsigned char *image = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *ehdr = (const Elf64_Ehdr *)image;
	const Elf64_Shdr *shdrs;
	char buf[256];
	uint64_t addr = 0;

	if (!image) {
		skip(1, "no vDSO");
		return;
	}
	shdrs = (const Elf64_Shdr *)(image + ehdr->e_shoff);
	for (int i = 0; i < ehdr->e_shnum && !addr; i++) {
		const Elf64_Sym *syms = (const Elf64_Sym *)(image + shdrs[i].sh_offset);
		const char *names = (const char *)image + shdrs[shdrs[i].sh_link].sh_offset;

		if (shdrs[i].sh_type != SHT_DYNSYM) {
			continue;
		}
		for (size_t j = 0; j < shdrs[i].sh_size / sizeof(*syms); j++) {
			if (strcmp(names + syms[j].st_name, "__vdso_clock_gettime") == 0) {
				addr = (uint64_t)(uintptr_t)image + syms[j].st_value + 4;
				break;
			}
		}
	}
	lat_usyms_format(usyms, getpid(), addr, buf, sizeof(buf));
	ok(strstr(buf, "clock_gettime+0x4 ([vdso])") != NULL, "vDSO address formats: %s", buf);
}

int main(void)
{
	static const char *const sleep_names[] = {
	    "clock_nanosleep", "__clock_nanosleep", "__GI___clock_nanosleep",
	    "nanosleep",       "__nanosleep",       NULL};
	static const char *const read_names[] = {"read", "__read", "__libc_read",
						 "__GI___libc_read", NULL};
	static struct capture cap, cap_read;
	struct lat_usyms *usyms = NULL;
	struct child child, child_read;
	char helper[PATH_MAX];
	char buf[256];
	uint64_t ips[MAX_IPS];
	struct timespec t0, t1;
	bool cut;
	pid_t tid;
	int n, err;

	is_int(lat_usyms_create(&usyms), 0, "usyms created");
	if (find_helper(helper, sizeof(helper)) != 0) {
		ok(0, "helper build/tests/helpers/stackchild found (run make tests)");
		lat_usyms_free(usyms);
		return tap_done_testing();
	}

	/* Blocked in nanosleep: main -> level_one -> level_two -> level_three -> libc. */
	if (!ok(spawn(helper, "sleep", 230 /* clock_nanosleep */, &child) == 0,
		"child blocks in clock_nanosleep") ||
	    !ok(capture(child.pid, &cap) == 0, "child stopped with ptrace, stack copied")) {
		lat_usyms_free(usyms);
		return tap_done_testing();
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = lat_usyms_unwind(usyms, child.pid, &cap.regs, cap.stack, cap.stack_len, ips, MAX_IPS,
			     &cut);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tap_diag("diag usyms: first unwind of a process (maps, modules, CFI) took %.2f ms",
		 elapsed_s(&t0, &t1) * 1e3);
	check_stack(usyms, child.pid, &cap, "nanosleep", sleep_names, plain_levels);
	check_debug_symbols(usyms, child.pid, &cap);

	/* A 64-byte copy: the unwinder runs out of stack and says so. */
	n = lat_usyms_unwind(usyms, child.pid, &cap.regs, cap.stack, 64, ips, MAX_IPS, &cut);
	ok(n >= 1 && ips[0] == cap.regs.ip, "64-byte copy: still the first frame (%d frames)", n);
	ok(cut, "64-byte copy: cut_short is set");
	n = lat_usyms_unwind(usyms, child.pid, &cap.regs, NULL, 0, ips, MAX_IPS, &cut);
	ok(n == 1 && cut, "no stack copy: one frame, cut short");

	/* Addresses in no mapping format as hex. */
	err = lat_usyms_format(usyms, child.pid, 0x10, buf, sizeof(buf));
	is_str(buf, "0x10", "unknown address formats as hex");
	is_int(err, -ENOENT, "unknown address: -ENOENT");
	err = lat_usyms_format(usyms, child.pid, 0xffffffffff600000ULL, buf, sizeof(buf));
	is_str(buf, "0xffffffffff600000", "address in no file mapping formats as hex");

	bench(usyms, child.pid, &cap);
	garbage(usyms, child.pid, &cap);
	vdso(usyms);

	/* Blocked in read() on a pipe: same chain through another libc entry point. */
	if (ok(spawn(helper, "read", 0 /* read */, &child_read) == 0, "child blocks in read") &&
	    ok(capture(child_read.pid, &cap_read) == 0, "read child stopped, stack copied")) {
		check_stack(usyms, child_read.pid, &cap_read, "read", read_names, plain_levels);
	} else {
		skip(9, "read child not ready");
	}
	reap(&child_read);

	/* A frame with a frame pointer and no CFI between level_two and level_three. */
	if (ok(spawn(helper, "nocfi", 230, &child_read) == 0, "nocfi child blocks in nanosleep") &&
	    ok(capture(child_read.pid, &cap_read) == 0, "nocfi child stopped, stack copied")) {
		static const char *const nocfi_levels[] = {"level_three", "nocfi_call", "level_two",
							   "level_one",   "main",       NULL};

		check_stack(usyms, child_read.pid, &cap_read, "no CFI, frame pointer", sleep_names,
			    nocfi_levels);
	} else {
		skip(10, "nocfi child not ready");
	}
	reap(&child_read);

	/* A thread other than the main one: same maps (the process's), its own stack, from clone3.
	 */
	if (ok(spawn(helper, "thread", 202 /* futex: main joins */, &child_read) == 0,
	       "thread child: main thread joins") &&
	    ok((tid = sleeping_thread(child_read.pid, 230)) > 0, "thread child: a thread sleeps") &&
	    ok(capture(tid, &cap_read) == 0, "sleeping thread stopped, stack copied")) {
		static const char *const thread_levels[] = {"level_three", "level_two", "level_one",
							    "thread_main", NULL};

		check_stack(usyms, child_read.pid, &cap_read, "thread", sleep_names, thread_levels);
	} else {
		skip(9, "thread child not ready");
	}
	reap(&child_read);

	/* The same pid execs a new image (new addresses): its stacks must follow the new maps. */
	if (ok(spawn(helper, "exec", 0, &child_read) == 0, "exec child blocks in read") &&
	    ok(capture(child_read.pid, &cap_read) == 0, "exec child stopped before exec")) {
		struct timespec wait = {0, 150000000};

		n = lat_usyms_unwind(usyms, child_read.pid, &cap_read.regs, cap_read.stack,
				     cap_read.stack_len, ips, MAX_IPS, &cut);
		ok(n >= 6, "before exec: %d frames", n);
		if (ok(write(child_read.in_fd, "x", 1) == 1 && wait_ready(&child_read, 230) == 0,
		       "child exec'd itself, blocks in clock_nanosleep") &&
		    ok(capture(child_read.pid, &cap_read) == 0, "exec'd child stopped")) {
			nanosleep(&wait, NULL);
			check_stack(usyms, child_read.pid, &cap_read, "after exec", sleep_names,
				    plain_levels);
		} else {
			skip(9, "exec'd child not ready");
		}
	} else {
		skip(13, "exec child not ready");
	}
	reap(&child_read);

	/* The process exits: what was cached still serves its late stacks, then it is forgotten. */
	reap(&child);
	n = lat_usyms_unwind(usyms, child.pid, &cap.regs, cap.stack, cap.stack_len, ips, MAX_IPS,
			     &cut);
	ok(n >= 6, "exited process, cached: still unwinds (%d frames)", n);
	if (n >= 6) {
		err = lat_usyms_format(usyms, child.pid, ips[3], buf, sizeof(buf));
		ok(err == 0 && strncmp(buf, "level_two+", 10) == 0,
		   "exited process, cached: still formats (%s)", buf);
	} else {
		skip(1, "no frames");
	}
	lat_usyms_forget(usyms, child.pid);
	n = lat_usyms_unwind(usyms, child.pid, &cap.regs, cap.stack, cap.stack_len, ips, MAX_IPS,
			     &cut);
	is_int(n, -ESRCH, "exited and forgotten: unwind gives -ESRCH");
	ok(cut, "exited and forgotten: cut_short set");
	snprintf(buf, sizeof(buf), "%s", "unchanged");
	err = lat_usyms_format(usyms, child.pid, cap.regs.ip, buf, sizeof(buf));
	snprintf(helper, sizeof(helper), "0x%llx", (unsigned long long)cap.regs.ip);
	is_str(buf, helper, "exited and forgotten: address formats as hex");
	is_int(err, -ENOENT, "exited and forgotten: format gives -ENOENT");

	many_processes(usyms);

	/* Bad arguments. */
	is_int(lat_usyms_unwind(usyms, child.pid, NULL, NULL, 0, ips, MAX_IPS, &cut), -EINVAL,
	       "no registers: -EINVAL");
	is_int(
	    lat_usyms_unwind(usyms, child.pid, &cap.regs, cap.stack, cap.stack_len, ips, 0, &cut),
	    -EINVAL, "no room for frames: -EINVAL");
	lat_usyms_forget(usyms, 12345678);
	lat_usyms_free(usyms);
	lat_usyms_free(NULL);
	return tap_done_testing();
}
