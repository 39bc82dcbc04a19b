/* trackers.c: unit tests of the live path's library parts without the kernel: ring buffer
 * records decoded into typed alerts (lib/trackers/alert.c) and their fields and labels, top's
 * accumulator (lib/trackers/top_acc.c) and its JSON lines, the control protocol's parser, server
 * and client (lib/util/ctlproto.c) over a real unix socket. */
#include "tap.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "trackers/alert.h"
#include "trackers/top_acc.h"
#include "util/ctlproto.h"
#include "util/ctlsock.h"

/* A record as a probe writes it: header, payload, kernel stack. */
struct test_record {
	struct lat_record_hdr hdr;
	union lat_alert_payload payload;
	uint64_t kstack[LAT_KSTACK_MAX];
	uint64_t waker_kstack[LAT_KSTACK_MAX];
};

static void record_init(struct test_record *r, uint16_t tracker, size_t payload_len,
			const char *comm, uint64_t delay_ns)
{
	memset(r, 0, sizeof(*r));
	r->hdr.size = sizeof(*r);
	r->hdr.tracker = tracker;
	r->hdr.pid = 4242;
	r->hdr.tid = 4243;
	r->hdr.cpu = 1;
	r->hdr.start_ns = 1000;
	r->hdr.delay_ns = delay_ns;
	snprintf(r->hdr.comm, sizeof(r->hdr.comm), "%s", comm);
	r->hdr.payload_off = offsetof(struct test_record, payload);
	r->hdr.payload_len = (uint16_t)payload_len;
}

/* The fields of a as one line, "name=value name=value". */
static void fields_line(const struct lat_alert *a, char *buf, size_t len)
{
	struct lat_alert_field f[LAT_ALERT_FIELDS_MAX];
	int n = lat_alert_fields(a, f, LAT_ALERT_FIELDS_MAX);
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && used < len; i++) {
		used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", i ? " " : "", f[i].name,
					 f[i].value);
	}
}

static void test_decode(void)
{
	static struct test_record r;
	struct lat_alert a;
	char line[512], label[64];

	record_init(&r, LAT_TRACKER_SYSCALL, sizeof(r.payload.syscall), "sleep\x01", 23000000);
	r.payload.syscall.nr = 35; /* nanosleep */
	r.payload.syscall.ret = 0;
	r.hdr.kstack_off = offsetof(struct test_record, kstack);
	r.hdr.kstack_n = 2;
	r.kstack[0] = 0xffffffff81000010ULL;
	r.kstack[1] = 0xffffffff81000020ULL;
	is_int(lat_alert_decode(&lat_ktracker_syscall, &r, sizeof(r), &a), 0,
	       "a syscall record decodes");
	ok(a.tracker == &lat_ktracker_syscall && a.pid == 4242 && a.tid == 4243 && a.cpu == 1 &&
	       a.start_ns == 1000 && a.delay_ns == 23000000 && !a.timeout && a.series == 0,
	   "its header is typed: task, cpu, times, delay, no timeout");
	ok(a.payload.syscall.nr == 35 && a.payload.syscall.ret == 0 &&
	       a.payload_len == sizeof(a.payload.syscall),
	   "its payload is the tracker's struct (nr, ret)");
	ok(a.stacks.kstack_n == 2 && a.stacks.kstack[1] == 0xffffffff81000020ULL &&
	       !a.stacks.ustack && !a.extra_name,
	   "its kernel stack's addresses are kept; no user stack, no extra stacks");
	fields_line(&a, line, sizeof(line));
	is_str(line, "syscall=nanosleep nr=35 ret=0", "its fields, as text only when asked");
	lat_alert_label(&a, label, sizeof(label));
	is_str(label, "nanosleep", "its label is the system call's name");

	r.hdr.flags = LAT_REC_TIMEOUT;
	r.payload.syscall.nr = 9999;
	lat_alert_decode(&lat_ktracker_syscall, &r, sizeof(r), &a);
	fields_line(&a, line, sizeof(line));
	ok(a.timeout, "a timeout report has its flag");
	is_str(line, "syscall=syscall_9999 nr=9999",
	       "a timeout report has no ret; a number "
	       "without a name is syscall_NR");

	ok(lat_alert_decode(&lat_ktracker_wakeup, &r, sizeof(r), &a) == -EINVAL,
	   "a record of another tracker is refused");
	ok(lat_alert_decode(&lat_ktracker_syscall, &r, sizeof(r.hdr) - 1, &a) == -EINVAL,
	   "a record shorter than its header is refused");
	r.hdr.kstack_n = LAT_KSTACK_MAX + 1;
	ok(lat_alert_decode(&lat_ktracker_syscall, &r, sizeof(r), &a) == -EINVAL,
	   "a record with a kernel stack past its end is refused");

	/* a record without the payload its tracker needs: no fields, the comm labels it */
	record_init(&r, LAT_TRACKER_SYSCALL, 0, "a b", 5);
	lat_alert_decode(&lat_ktracker_syscall, &r, sizeof(r), &a);
	fields_line(&a, line, sizeof(line));
	lat_alert_label(&a, label, sizeof(label));
	ok(!line[0] && !strcmp(label, "a?b"),
	   "no payload: no fields, the printable comm labels it ('%s')", label);

	record_init(&r, LAT_TRACKER_BLOCK, sizeof(r.payload.block), "kworker", 7000000);
	r.payload.block.dev = 8u << 20 | 16;
	r.payload.block.sector = 2048;
	r.payload.block.bytes = 4096;
	memcpy(r.payload.block.rwbs, "WS", 2);
	lat_alert_decode(&lat_ktracker_block, &r, sizeof(r), &a);
	fields_line(&a, line, sizeof(line));
	lat_alert_label(&a, label, sizeof(label));
	is_str(line, "series=issue dev=8:16 sector=2048 bytes=4096 rwbs=WS error=0",
	       "block: the request's fields");
	is_str(label, "8:16", "block: the disk labels it");

	record_init(&r, LAT_TRACKER_IRQ, sizeof(r.payload.irq), "", 600000);
	r.hdr.series = LAT_IRQ_SOFT;
	r.payload.irq.kind = LAT_IRQ_SOFT;
	r.payload.irq.irq = 3;
	lat_alert_decode(&lat_ktracker_irq, &r, sizeof(r), &a);
	fields_line(&a, line, sizeof(line));
	lat_alert_label(&a, label, sizeof(label));
	ok(!strcmp(line, "kind=soft vec=3 name=NET_RX") && !strcmp(label, "NET_RX"),
	   "irq: a softirq is named and labelled by its vector (%s; %s)", line, label);

	record_init(&r, LAT_TRACKER_NET, sizeof(r.payload.net), "curl", 6000000);
	r.hdr.series = LAT_NET_SERIES_CONNECT;
	r.payload.net.out_id = 1;
	r.payload.net.conn.family = 2;
	r.payload.net.conn.rport = 80;
	memcpy(r.payload.net.conn.raddr, "\x7f\0\0\x01", 4);
	lat_alert_decode(&lat_ktracker_net, &r, sizeof(r), &a);
	fields_line(&a, line, sizeof(line));
	lat_alert_label(&a, label, sizeof(label));
	is_str(line,
	       "series=connect state=ESTABLISHED family=ipv4 laddr=0.0.0.0 lport=0 "
	       "raddr=127.0.0.1 rport=80",
	       "net: a connect's fields");
	is_str(label, "curl", "net: a connect has no interface: the comm labels it");

	/* offcpu: the waker's stacks, their offsets checked against the record */
	record_init(&r, LAT_TRACKER_OFFCPU, sizeof(r.payload.offcpu), "worker", 200000000);
	r.payload.offcpu.waker_pid = 77;
	r.payload.offcpu.waker_tid = 78;
	memcpy(r.payload.offcpu.waker_comm, "waker", 5);
	r.payload.offcpu.waker_kstack_off = offsetof(struct test_record, waker_kstack);
	r.payload.offcpu.waker_kstack_n = 3;
	r.waker_kstack[2] = 0xffffffff81000300ULL;
	lat_alert_decode(&lat_ktracker_offcpu, &r, sizeof(r), &a);
	ok(a.extra_name && !strcmp(a.extra_name, "waker") && a.extra.pid == 77 &&
	       a.extra.kstack_n == 3 && a.extra.kstack[2] == 0xffffffff81000300ULL,
	   "offcpu: the waker's kernel stack is the alert's extra stack");
	r.payload.offcpu.waker_kstack_off = sizeof(r) - 8;
	lat_alert_decode(&lat_ktracker_offcpu, &r, sizeof(r), &a);
	ok(!a.extra_name, "offcpu: a waker stack past the record's end is left out");
}

static void alert_of(struct lat_alert *a, uint32_t pid, uint64_t delay_ns, uint32_t nr)
{
	static struct test_record r;

	record_init(&r, LAT_TRACKER_SYSCALL, sizeof(r.payload.syscall), "app", delay_ns);
	r.hdr.pid = pid;
	r.hdr.tid = pid;
	r.payload.syscall.nr = nr;
	lat_alert_decode(&lat_ktracker_syscall, &r, sizeof(r), a);
}

static void test_accumulator(void)
{
	static struct lat_top_acc acc;
	static struct lat_top_frame frame, back;
	struct lat_top_acc_series *s;
	struct lat_alert a;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int bad = 0;

	/* a tracker without a probe: what the records make of the figures */
	lat_top_acc_init(&acc, 0);
	acc.ntrk = 1;
	acc.trk[0].tracker = &lat_ktracker_syscall;
	acc.trk[0].nseries = 1;
	acc.trk[0].s[0].name = "syscall";
	s = &acc.trk[0].s[0];
	alert_of(&a, 10, 5000000, 35);
	lat_top_acc_record(&acc, 0, &a);
	alert_of(&a, 11, 9000000, 0);
	lat_top_acc_record(&acc, 0, &a);
	alert_of(&a, 10, 7000000, 1);
	lat_top_acc_record(&acc, 0, &a);
	alert_of(&a, 12, 1000000, 35);
	lat_top_acc_record(&acc, 0, &a);
	lat_top_acc_record(&acc, 5, &a); /* no such tracker: ignored */
	lat_top_acc_bad_record(&acc, 0);
	is_int(s->over, 4, "every over-threshold record of the interval is counted");
	ok(s->worst.delay_ns == 9000000 && s->worst.pid == 11 &&
	       !strcmp(s->worst.fields, "syscall=read nr=0 ret=0"),
	   "the interval's worst event, with its fields ('%s')", s->worst.fields);
	ok(s->worst_run[0].delay_ns == 9000000 && s->worst_run[1].delay_ns == 7000000 &&
	       s->worst_run[2].delay_ns == 5000000 &&
	       !strcmp(s->worst_run[2].fields, "syscall=nanosleep nr=35 ret=0"),
	   "the run's %d worst, in order, each with its fields", LAT_TOP_WORST_MAX);
	ok(acc.nslow == 3 && acc.slow[0].pid == 10 && acc.slow[0].over == 2 &&
	       acc.slow[0].worst_ns == 7000000 && !strcmp(acc.slow[0].comm, "app"),
	   "slow events by process: pid 10 twice, its worst 7 ms");
	is_int(acc.trk[0].bad_records, 1, "a malformed record is counted");

	/* a frame as the agent's `top` reply, read back by `latscope top --agent` */
	memset(&frame, 0, sizeof(frame));
	frame.interval_ns = 1000000000;
	frame.nrows = 1;
	snprintf(frame.rows[0].tracker, sizeof(frame.rows[0].tracker), "syscall");
	snprintf(frame.rows[0].series, sizeof(frame.rows[0].series), "syscall");
	frame.rows[0].events = 100;
	frame.rows[0].over = 4;
	frame.rows[0].p99_ns = 8000000;
	frame.rows[0].worst = s->worst;
	frame.nslow = acc.nslow;
	memcpy(frame.slow, acc.slow, sizeof(acc.slow[0]) * (size_t)acc.nslow);
	mem = open_memstream(&text, &len);
	lat_top_frame_write_json(&frame, mem);
	fclose(mem);
	memset(&back, 0, sizeof(back));
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		bad += lat_top_frame_parse_line(&back, line) != 0;
	}
	free(text);
	ok(!bad && back.interval_ns == frame.interval_ns && back.nrows == 1 &&
	       back.rows[0].events == 100 && back.rows[0].over == 4 &&
	       back.rows[0].p99_ns == 8000000 && back.rows[0].worst.delay_ns == 9000000 &&
	       !strcmp(back.rows[0].worst.fields, s->worst.fields) && back.nslow == 3 &&
	       back.slow[0].over == 2,
	   "a frame written as JSON lines reads back the same");
	ok(lat_top_frame_parse_line(&back, "{\"type\":\"other\"}") == -EINVAL &&
	       lat_top_frame_parse_line(&back, "not json") == -EINVAL,
	   "a line of another type, or not JSON, is refused");
}

static void test_ctl_parse(void)
{
	static struct lat_ctl_req req;

	lat_ctl_parse("set syscall.threshold=5ms block.worst=1", LAT_CTL_SETTINGS_TRACK, &req);
	ok(req.verb == LAT_CTL_SET && req.n == 2 && req.items[0].kind == LAT_CTL_THRESHOLD &&
	       req.items[0].ns == 5000000 && req.items[0].tracker_len == 7 &&
	       req.items[1].kind == LAT_CTL_WORST && req.items[1].on && !req.items[1].error,
	   "track's settings: a threshold and worst");
	lat_ctl_parse("set syscall.enabled=1", LAT_CTL_SETTINGS_TRACK, &req);
	ok(req.items[0].error == LAT_CTL_E_SETTING, "track has no 'enabled'");
	lat_ctl_parse("set syscall.worst=1", LAT_CTL_SETTINGS_AGENT, &req);
	ok(req.items[0].error == LAT_CTL_E_SETTING, "the agent has no 'worst'");
	lat_ctl_parse("set syscall.timeout=soon x.enabled=2 nodot=1 syscall.threshold",
		      LAT_CTL_SETTINGS_AGENT, &req);
	ok(req.n == 4 && req.items[0].error == LAT_CTL_E_DURATION &&
	       req.items[1].error == LAT_CTL_E_BOOL && req.items[2].error == LAT_CTL_E_KEY &&
	       req.items[3].error == LAT_CTL_E_KEY,
	   "bad values: a duration, a boolean, a key without a dot, a set without '='");
	lat_ctl_parse("  ", LAT_CTL_SETTINGS_AGENT, &req);
	ok(req.verb == LAT_CTL_EMPTY, "an empty line");
	lat_ctl_parse("snapshot", LAT_CTL_SETTINGS_AGENT, &req);
	ok(req.verb == LAT_CTL_SNAPSHOT && req.n == 0, "snapshot (the flight recorder's)");
	lat_ctl_parse("frobnicate a.b", LAT_CTL_SETTINGS_AGENT, &req);
	ok(req.verb == LAT_CTL_UNKNOWN && !strcmp(req.verb_text, "frobnicate"), "an unknown verb");
}

/* The server's handler: "status" answers two lines, anything else an error. */
static int handle(void *ctx, const char *line, FILE *out)
{
	(*(int *)ctx)++;
	if (!strcmp(line, "status")) {
		fprintf(out, "a=1\nb=2\n");
		return 0;
	}
	fprintf(out, "error: unknown request '%s'\n", line);
	return -1;
}

struct client_lines {
	char text[256];
	int errors;
};

static int on_line(void *ctx, const char *line, bool is_error)
{
	struct client_lines *c = ctx;
	size_t used = strlen(c->text);

	snprintf(c->text + used, sizeof(c->text) - used, "%s%s;", is_error ? "E:" : "", line);
	c->errors += is_error;
	return 0;
}

/* The child: one request, its reply lines written to the pipe. */
static void client(const char *path, const char *request, int out_fd)
{
	struct client_lines c = {.text = ""};
	struct lat_ctl_reply reply;
	int fd = lat_ctl_connect(path, 5), rc;

	if (fd < 0) {
		_exit(2);
	}
	rc = lat_ctl_exchange(fd, request, on_line, &c, &reply);
	dprintf(out_fd, "%s ok=%d errors=%d rc=%d", c.text, reply.ok, reply.nerrors, rc);
	_exit(0);
}

/* Serves until the child has its reply; returns what it printed. */
static void roundtrip(struct lat_ctl_server *s, const char *path, const char *request, char *got,
		      size_t len)
{
	int pfd[2];
	pid_t pid;
	struct timespec ts;
	uint64_t deadline;

	got[0] = '\0';
	if (pipe(pfd) != 0) {
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		client(path, request, pfd[1]);
	}
	close(pfd[1]);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec + 10000000000ULL;
	for (;;) {
		struct pollfd fds[2 + LAT_CTL_CLIENTS];
		int nfds, ready;
		uint64_t now;

		fds[0] = (struct pollfd){.fd = pfd[0], .events = POLLIN};
		nfds = 1 + lat_ctl_server_fds(s, fds + 1, LAT_CTL_CLIENTS + 1);
		ready = poll(fds, (nfds_t)nfds, 100);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
		lat_ctl_server_serve(s, fds + 1, ready, now);
		if ((ready > 0 && fds[0].revents) || now > deadline) {
			break;
		}
	}
	waitpid(pid, NULL, 0);
	ssize_t n = read(pfd[0], got, len - 1);

	got[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
}

static void test_ctl_server(void)
{
	char dir[] = "/tmp/latscope-unit-ctl-XXXXXX", path[128], got[512];
	struct lat_ctl_server s;
	int fd, handled = 0;

	if (!mkdtemp(dir)) {
		skip(3, "no temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	fd = lat_ctlsock_bind(path, SOCK_STREAM, 0600);
	if (fd < 0) {
		skip(3, "cannot bind %s: %s", path, strerror(-fd));
		rmdir(dir);
		return;
	}
	lat_ctl_server_init(&s, fd, 2000000000ULL, handle, &handled);
	roundtrip(&s, path, "status", got, sizeof(got));
	is_str(got, "a=1;b=2; ok=1 errors=0 rc=0", "a request answered, ended by ok");
	roundtrip(&s, path, "what", got, sizeof(got));
	is_str(got, "E:unknown request 'what'; ok=0 errors=1 rc=0",
	       "a refused request: one error line, no ok");
	ok(handled == 2 && s.requests == 2 && s.n == 0 && s.timeouts == 0,
	   "both answered, both clients closed (%d, %llu, %d)", handled,
	   (unsigned long long)s.requests, s.n);
	lat_ctl_server_close(&s);
	close(fd);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_decode();
	test_accumulator();
	test_ctl_parse();
	test_ctl_server();
	return tap_done_testing();
}
