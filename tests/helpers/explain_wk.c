/* explain_wk.c: test workloads with known causes for tests/kernel/explain.t; each measures itself.
 *
 *   explain_wk pipe MS         xp_reader reads a pipe; xp_writer sleeps MS then writes it
 *   explain_wk hogs MS CPU     xp_worker spins MS of CPU time on CPU, beside xp_hog1 and xp_hog2
 *   explain_wk dio FILE N KB   xp_dio: N O_DIRECT reads of KB KiB at distinct offsets of FILE
 *   explain_wk tcp MS          xp_client's request to xp_server (127.0.0.1), answered after MS
 *   explain_wk futex MS        xp_waiter locks a mutex xp_holder holds while it sleeps MS
 *   explain_wk udp MS          xp_query sends a UDP query to a local port nobody answers, then
 *                              polls it with an MS timeout
 *
 * Prints one line: "tid=T begin=NS end=NS" (the event, CLOCK_MONOTONIC ns: add the trace clock's
 * offset from its metadata for the trace's time) and the figures the workload measured (ns):
 * wait=, sleep_begin= and sleep= (the task it waited for), cpu= and wall=, the hogs' CPU time
 * and the CPU's steal time meanwhile (/proc/stat ticks: the CPU clocks of tasks leave it out)...
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void name(const char *comm)
{
	prctl(PR_SET_NAME, comm, 0, 0, 0);
}

static int tid(void)
{
	return (int)syscall(SYS_gettid);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) && errno == EINTR) {
	}
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int do_pipe(long ms)
{
	int p[2], r[2];
	int64_t b, e, m0, m1;
	char c;
	pid_t pid;

	if (pipe(p) || pipe(r)) {
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		int64_t s0, s1;

		name("xp_writer");
		close(p[0]);
		s0 = now(CLOCK_MONOTONIC);
		sleep_ms(ms);
		s1 = now(CLOCK_MONOTONIC);
		if (write(p[1], "x", 1) != 1) {
			_exit(1);
		}
		dprintf(r[1], "writer_tid=%d sleep_begin=%lld sleep=%lld", tid(), (long long)s0,
			(long long)(s1 - s0));
		_exit(0);
	}
	name("xp_reader");
	close(p[1]);
	close(r[1]);
	b = now(CLOCK_MONOTONIC);
	m0 = now(CLOCK_MONOTONIC);
	if (read(p[0], &c, 1) != 1) {
		return 1;
	}
	m1 = now(CLOCK_MONOTONIC);
	e = now(CLOCK_MONOTONIC);
	waitpid(pid, NULL, 0);
	char line[128] = "";
	ssize_t n = read(r[0], line, sizeof(line) - 1);

	line[n > 0 ? n : 0] = '\0';
	printf("tid=%d begin=%lld end=%lld wait=%lld %s\n", tid(), (long long)b, (long long)e,
	       (long long)(m1 - m0), line);
	return 0;
}

static pid_t hog(const char *comm, int cpu)
{
	pid_t pid = fork();

	if (pid == 0) {
		volatile uint64_t x = 0;

		name(comm);
		pin(cpu);
		for (;;) {
			x++;
		}
	}
	return pid;
}

/* Field `field` of /proc/PID/schedstat (0: CPU time, 1: time waiting on a run queue, ns). */
static int64_t schedstat(pid_t pid, int field)
{
	char path[64];
	long long v[2] = {-1, -1};
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lld %lld", &v[0], &v[1]) != 2) {
			v[0] = v[1] = -1;
		}
		fclose(f);
	}
	return v[field];
}

static int64_t run_ns(pid_t pid)
{
	return schedstat(pid, 0);
}

/* CPU cpu's steal time so far (USER_HZ ticks of /proc/stat), -1 when unreadable. */
static long long steal_ticks(int cpu)
{
	char line[256], want[16];
	long long v[8], found = -1;
	FILE *f = fopen("/proc/stat", "r");

	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)) == 0 &&
		    sscanf(line + strlen(want), "%lld %lld %lld %lld %lld %lld %lld %lld", &v[0],
			   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
			found = v[7];
		}
	}
	if (f) {
		fclose(f);
	}
	return found;
}

static int do_hogs(long ms, int cpu)
{
	long long st0, st1;
	pid_t h1, h2;
	int64_t b, e, c0, c1, r1, r2, d0, d1;

	pin(cpu);
	name("xp_worker");
	h1 = hog("xp_hog1", cpu);
	h2 = hog("xp_hog2", cpu);
	sleep_ms(50); /* the hogs run */
	/* the hogs' CPU time while the worker spins: their time in its preempted intervals (one
	   CPU: when they run, it does not) */
	st0 = steal_ticks(cpu);
	do { /* again when preempted meanwhile: a hog's run then would be before the event */
		int64_t t0 = now(CLOCK_MONOTONIC);

		r1 = run_ns(h1);
		r2 = run_ns(h2);
		d0 = schedstat(tid(), 1);
		b = now(CLOCK_MONOTONIC);
		if (b - t0 < 200000) {
			break;
		}
	} while (1);
	c0 = now(CLOCK_THREAD_CPUTIME_ID);
	while (now(CLOCK_THREAD_CPUTIME_ID) - c0 < ms * 1000000) {
	}
	c1 = now(CLOCK_THREAD_CPUTIME_ID);
	r1 = run_ns(h1) - r1;
	r2 = run_ns(h2) - r2;
	d1 = schedstat(tid(), 1);
	e = now(CLOCK_MONOTONIC); /* after the reads: a hog's run before them is in the event */
	st1 = steal_ticks(cpu);
	kill(h1, SIGKILL);
	kill(h2, SIGKILL);
	waitpid(h1, NULL, 0);
	waitpid(h2, NULL, 0);
	/* waited = its time on the run queue (the kernel's sched_info, on the run queue's clock):
	   the rest of the wall time is its CPU time plus the steal time while it was running */
	printf("tid=%d begin=%lld end=%lld cpu=%lld wall=%lld waited=%lld hog1=%d hog2=%d "
	       "hog1_ns=%lld hog2_ns=%lld steal_ticks=%lld\n",
	       tid(), (long long)b, (long long)e, (long long)(c1 - c0), (long long)(e - b),
	       (long long)(d1 - d0), h1, h2, (long long)r1, (long long)r2,
	       st0 >= 0 && st1 >= st0 ? st1 - st0 : 0);
	return 0;
}

static int do_dio(const char *file, long n, long size)
{
	void *buf;
	int fd;
	int64_t b, e, m0, m1;

	name("xp_dio");
	if (size < 4096 || size % 4096 || posix_memalign(&buf, 4096, (size_t)size)) {
		return 1;
	}
	memset(buf, 0x5a, (size_t)size);
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (fd < 0) {
		perror(file);
		return 1;
	}
	for (long i = 0; i < n * 2; i++) { /* written once: reads then come from the disk */
		if (pwrite(fd, buf, (size_t)size, i * size) != size) {
			perror("pwrite");
			return 1;
		}
	}
	fsync(fd);
	sleep_ms(20);
	b = now(CLOCK_MONOTONIC);
	m0 = now(CLOCK_MONOTONIC);
	for (long i = 0; i < n; i++) { /* every other block: no two reads merge */
		if (pread(fd, buf, (size_t)size, (n * 2 - 1 - 2 * i) * size) != size) {
			perror("pread");
			return 1;
		}
	}
	m1 = now(CLOCK_MONOTONIC);
	e = now(CLOCK_MONOTONIC);
	close(fd);
	printf("tid=%d begin=%lld end=%lld wall=%lld reads=%ld size=%ld\n", tid(), (long long)b,
	       (long long)e, (long long)(m1 - m0), n, size);
	return 0;
}

static int do_tcp(long ms)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM, 0), r[2];
	int64_t b, e, m0, m1;
	char c[16];
	pid_t pid;

	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&a, &alen) || pipe(r)) {
		perror("tcp");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		int s;
		int64_t s0, s1;

		name("xp_server");
		s = accept(ls, NULL, NULL);
		if (s < 0 || read(s, c, 4) != 4) {
			_exit(1);
		}
		s0 = now(CLOCK_MONOTONIC);
		sleep_ms(ms);
		s1 = now(CLOCK_MONOTONIC);
		if (write(s, "pong", 4) != 4) {
			_exit(1);
		}
		dprintf(r[1], "server_tid=%d sleep_begin=%lld sleep=%lld", tid(), (long long)s0,
			(long long)(s1 - s0));
		close(s);
		_exit(0);
	}
	name("xp_client");
	close(r[1]);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a))) {
		perror("connect");
		return 1;
	}
	sleep_ms(20);
	b = now(CLOCK_MONOTONIC);
	m0 = now(CLOCK_MONOTONIC);
	if (write(s, "ping", 4) != 4 || read(s, c, 4) != 4) {
		return 1;
	}
	m1 = now(CLOCK_MONOTONIC);
	e = now(CLOCK_MONOTONIC);
	waitpid(pid, NULL, 0);
	char line[128] = "";
	ssize_t n = read(r[0], line, sizeof(line) - 1);

	line[n > 0 ? n : 0] = '\0';
	printf("tid=%d begin=%lld end=%lld wait=%lld %s\n", tid(), (long long)b, (long long)e,
	       (long long)(m1 - m0), line);
	return 0;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long hold_ms;
static int64_t held, held_begin;
static int holder_tid;

static void *holder(void *arg)
{
	int64_t s0;

	(void)arg;
	name("xp_holder");
	holder_tid = tid();
	pthread_mutex_lock(&lock);
	s0 = now(CLOCK_MONOTONIC);
	held_begin = s0;
	__atomic_store_n(&held, 1, __ATOMIC_SEQ_CST); /* the waiter blocks on the lock now */
	sleep_ms(hold_ms);
	held = now(CLOCK_MONOTONIC) - s0;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static int do_futex(long ms)
{
	pthread_t t;
	int64_t b, e, m0, m1;

	name("xp_waiter");
	hold_ms = ms;
	pthread_create(&t, NULL, holder, NULL);
	while (!__atomic_load_n(&held, __ATOMIC_SEQ_CST)) {
		sched_yield();
	}
	b = now(CLOCK_MONOTONIC);
	m0 = now(CLOCK_MONOTONIC);
	pthread_mutex_lock(&lock);
	m1 = now(CLOCK_MONOTONIC);
	e = now(CLOCK_MONOTONIC);
	pthread_mutex_unlock(&lock);
	pthread_join(t, NULL);
	printf("tid=%d begin=%lld end=%lld wait=%lld holder_tid=%d sleep_begin=%lld sleep=%lld\n",
	       tid(), (long long)b, (long long)e, (long long)(m1 - m0), holder_tid,
	       (long long)held_begin, (long long)held);
	return 0;
}

static int do_udp(long ms)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int probe = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
	struct pollfd pfd = {.fd = s, .events = POLLIN};
	int64_t b, e, m0, m1;
	int ret;

	name("xp_query");
	/* a free port: bound then closed, so nothing answers there */
	if (probe < 0 || s < 0 || bind(probe, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(probe, (struct sockaddr *)&a, &alen)) {
		perror("udp");
		return 1;
	}
	close(probe);
	sleep_ms(20);
	b = now(CLOCK_MONOTONIC);
	m0 = now(CLOCK_MONOTONIC);
	if (sendto(s, "query", 5, 0, (struct sockaddr *)&a, sizeof(a)) != 5) {
		perror("sendto");
		return 1;
	}
	ret = poll(&pfd, 1, (int)ms);
	m1 = now(CLOCK_MONOTONIC);
	e = now(CLOCK_MONOTONIC);
	printf("tid=%d begin=%lld end=%lld wait=%lld poll=%d port=%d\n", tid(), (long long)b,
	       (long long)e, (long long)(m1 - m0), ret, ntohs(a.sin_port));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "pipe") == 0) {
		return do_pipe(atol(argv[2]));
	}
	if (argc == 4 && strcmp(argv[1], "hogs") == 0) {
		return do_hogs(atol(argv[2]), atoi(argv[3]));
	}
	if (argc == 5 && strcmp(argv[1], "dio") == 0) {
		return do_dio(argv[2], atol(argv[3]), atol(argv[4]) * 1024);
	}
	if (argc == 3 && strcmp(argv[1], "tcp") == 0) {
		return do_tcp(atol(argv[2]));
	}
	if (argc == 3 && strcmp(argv[1], "futex") == 0) {
		return do_futex(atol(argv[2]));
	}
	if (argc == 3 && strcmp(argv[1], "udp") == 0) {
		return do_udp(atol(argv[2]));
	}
	fprintf(stderr, "usage: explain_wk pipe|hogs|dio|tcp|futex|udp ... (see the source)\n");
	return 2;
}
