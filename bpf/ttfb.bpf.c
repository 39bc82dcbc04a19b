// SPDX-License-Identifier: GPL-2.0
/* ttfb.bpf.c: the time-to-first-byte tracker: accept -> the first bytes sent on the accepted
 * socket, or its close. */
#define LAT_TRACKER_ID LAT_TRACKER_TTFB
#include "lat_tracker.bpf.h"

/*
 * in:  accept/accept4 exit (syscalls:sys_exit_accept4, sys_exit_accept: tracepoints that fire
 *      for these syscalls only, not a filter on every syscall exit). The new fd is resolved to
 *      its struct sock through the task's file table, in the accepting task.
 * key: the struct sock of the accepted TCP socket (IPv4 or IPv6). A sock is the socket for its
 *      whole life, whatever fd numbers or processes it goes through (dup, fork, SCM_RIGHTS), so
 *      the out is found without looking at fds again on the hot path. (The original keyed by
 *      the socket file's inode and looked the fd up at every write/close sys_enter.)
 * out: sock:sock_send_length with bytes sent (> 0): write, writev, send, sendto, sendmsg,
 *      sendmmsg and sendfile/splice all end in sock_sendmsg(); or the socket leaving
 *      ESTABLISHED/CLOSE_WAIT for FIN_WAIT1, LAST_ACK or CLOSE (close, shutdown, reset) before
 *      any byte was sent (out_id 1).
 * The task in the record is the accepting one (the filters apply to it).
 * timeout: the in is a plain tracepoint program, where bpf_timer is refused on this kernel, so
 *      there is no timer per entry. Instead one periodic bpf_timer (armed from the tp_btf
 *      programs, which run before any accept: every accepted socket goes SYN_RECV ->
 *      ESTABLISHED first) sweeps the in-flight map every lat_ttfb_period() (a quarter of the
 *      timeout, 1 ms to 10 ms) while at least one entry is in flight, and reports each entry
 *      older than the timeout once (LAT_REC_TIMEOUT, out_id LAT_TTFB_OUT_NONE). A timeout report
 *      thus comes at most one period late: timeout <= delay < timeout + period (+ timer slack).
 */

struct lat_ttfb_val {
	__u64 start;
	__u32 pid;
	__u32 tid;
	char comm[LAT_COMM_LEN];
	struct lat_inet_pair conn;
	__s32 fd;
	__u32 timed_out; /* the sweep reported it */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LAT_HASH_ENTRIES);
	__type(key, __u64);
	__type(value, struct lat_ttfb_val);
} lat_ttfb_socks SEC(".maps");

/* The sweep's timer, armed while a timeout is set (lat_ttfb_armed). */
struct lat_ttfb_timer {
	struct bpf_timer timer;
	__u32 ready;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lat_ttfb_timer);
} lat_ttfb_timers SEC(".maps");

/* Entries in lat_ttfb_socks now (the sweep skips an empty map), and whether the timer runs. */
__s64 lat_ttfb_inflight = 0;
__u64 lat_ttfb_armed = 0;

#define LAT_IPPROTO_TCP   6
#define LAT_TCP_FIN_WAIT1 4
#define LAT_TCP_CLOSE     7
#define LAT_TCP_LAST_ACK  9

/* The layout of syscalls:sys_exit_* records. */
struct lat_sys_exit_ctx {
	__u64 common;
	__s64 nr;
	__s64 ret;
};

/* The struct sock behind fd in the current task, or NULL. */
static __always_inline struct sock *lat_ttfb_fd_sock(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	unsigned int max = BPF_CORE_READ(task, files, fdt, max_fds);
	struct file *file = NULL;
	struct socket *sock;

	if (fd < 0 || (unsigned int)fd >= max) {
		return NULL;
	}
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file) {
		return NULL;
	}
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

static __always_inline int lat_ttfb_accepted(struct lat_sys_exit_ctx *ctx)
{
	struct lat_ttfb_val v;
	struct sock *sk;
	__u64 pid_tgid, key;
	long err;

	if (!lat_ctl.enabled || ctx->ret < 0) {
		return 0;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	if (!lat_filter_current(pid_tgid)) {
		return 0;
	}
	sk = lat_ttfb_fd_sock((int)ctx->ret);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != LAT_IPPROTO_TCP) {
		return 0;
	}
	__builtin_memset(&v, 0, sizeof(v));
	lat_inet_pair_read(sk, &v.conn);
	if (v.conn.family != LAT_AF_INET && v.conn.family != LAT_AF_INET6) {
		return 0;
	}
	v.start = bpf_ktime_get_ns();
	v.pid = pid_tgid >> 32;
	v.tid = (__u32)pid_tgid;
	v.fd = (__s32)ctx->ret;
	bpf_get_current_comm(v.comm, sizeof(v.comm));
	key = (__u64)sk;
	err = bpf_map_update_elem(&lat_ttfb_socks, &key, &v, BPF_NOEXIST);
	if (err == 0) {
		__sync_fetch_and_add(&lat_ttfb_inflight, 1);
		return 0;
	}
	if (err == -LAT_EEXIST) {
		lat_drop(LAT_DROP_REPLACED);
		err = bpf_map_update_elem(&lat_ttfb_socks, &key, &v, BPF_EXIST);
	}
	if (err) {
		lat_drop(LAT_DROP_INFLIGHT_FULL);
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int lat_ttfb_accept4(struct lat_sys_exit_ctx *ctx)
{
	return lat_ttfb_accepted(ctx);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int lat_ttfb_accept(struct lat_sys_exit_ctx *ctx)
{
	return lat_ttfb_accepted(ctx);
}

static __always_inline void lat_ttfb_out(const struct sock *sk, __u32 out_id, __s32 bytes)
{
	__u64 key = (__u64)sk, delay;
	struct lat_ttfb_record *rec;
	struct lat_ttfb_val *v;

	v = bpf_map_lookup_elem(&lat_ttfb_socks, &key);
	if (!v) {
		return;
	}
	delay = bpf_ktime_get_ns() - v->start;
	if (lat_account(0, delay)) {
		rec = bpf_ringbuf_reserve(&lat_events, sizeof(*rec), 0);
		if (rec) {
			lat_hdr_init(&rec->hdr, sizeof(*rec), 0, v->pid, v->tid, v->start, delay);
			__builtin_memcpy(rec->hdr.comm, v->comm, sizeof(rec->hdr.comm));
			rec->hdr.payload_off = __builtin_offsetof(struct lat_ttfb_record, tt);
			rec->hdr.payload_len = sizeof(rec->tt);
			rec->tt.conn = v->conn;
			rec->tt.out_id = out_id;
			rec->tt.fd = v->fd;
			rec->tt.bytes = bytes;
			rec->tt.pad = 0;
			lat_count_reported(0);
			bpf_ringbuf_submit(rec, 0);
		} else {
			lat_drop(LAT_DROP_RINGBUF_FULL);
		}
	}
	if (bpf_map_delete_elem(&lat_ttfb_socks, &key) == 0) {
		__sync_fetch_and_add(&lat_ttfb_inflight, -1);
	}
}

/* --- the timeout sweep ---------------------------------------------------------------------- */

/* How often the sweep runs for a timeout: a quarter of it, 1 ms to 10 ms. */
static __always_inline __u64 lat_ttfb_period(__u64 timeout)
{
	__u64 p = timeout / 4;

	if (p < 1000000) {
		p = 1000000;
	}
	if (p > 10000000) {
		p = 10000000;
	}
	return p;
}

struct lat_ttfb_sweep {
	__u64 now;
	__u64 timeout;
};

/* One in-flight entry: reported once when older than the timeout. */
static long lat_ttfb_sweep_one(struct bpf_map *map, __u64 *key, struct lat_ttfb_val *v,
			       struct lat_ttfb_sweep *s)
{
	struct lat_ttfb_record *rec;
	__s64 age = (__s64)(s->now - v->start);

	if (v->timed_out || age < (__s64)s->timeout) {
		return 0;
	}
	v->timed_out = 1;
	rec = bpf_ringbuf_reserve(&lat_events, sizeof(*rec), 0);
	if (!rec) {
		lat_drop(LAT_DROP_RINGBUF_FULL);
		return 0;
	}
	lat_hdr_init(&rec->hdr, sizeof(*rec), LAT_REC_TIMEOUT, v->pid, v->tid, v->start,
		     (__u64)age);
	__builtin_memcpy(rec->hdr.comm, v->comm, sizeof(rec->hdr.comm));
	rec->hdr.payload_off = __builtin_offsetof(struct lat_ttfb_record, tt);
	rec->hdr.payload_len = sizeof(rec->tt);
	rec->tt.conn = v->conn;
	rec->tt.out_id = LAT_TTFB_OUT_NONE;
	rec->tt.fd = v->fd;
	rec->tt.bytes = 0;
	rec->tt.pad = 0;
	lat_count_reported(0);
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

/* The timer: sweeps, then re-arms itself while a timeout is set and the tracker runs. */
static int lat_ttfb_tick(void *map, __u32 *key, struct lat_ttfb_timer *t)
{
	__u64 timeout = lat_ctl.timeout_ns;

	if (!timeout || !lat_ctl.enabled) {
		lat_ttfb_armed = 0;
		return 0;
	}
	if (lat_ttfb_inflight > 0) {
		struct lat_ttfb_sweep s = {.now = bpf_ktime_get_ns(), .timeout = timeout};

		bpf_for_each_map_elem(&lat_ttfb_socks, lat_ttfb_sweep_one, &s, 0);
	}
	if (bpf_timer_start(&t->timer, lat_ttfb_period(timeout), 0)) {
		lat_drop(LAT_DROP_TIMER);
		lat_ttfb_armed = 0;
	}
	return 0;
}

/* Starts the sweep when a timeout is set and it is not running (from tp_btf programs only). */
static __always_inline void lat_ttfb_arm(void)
{
	struct lat_ttfb_timer *t;
	__u32 zero = 0;
	long err;

	if (!lat_ctl.timeout_ns || lat_ttfb_armed ||
	    __sync_val_compare_and_swap(&lat_ttfb_armed, 0, 1) != 0) {
		return;
	}
	t = bpf_map_lookup_elem(&lat_ttfb_timers, &zero);
	if (!t) {
		goto fail;
	}
	if (!t->ready) {
		err = bpf_timer_init(&t->timer, &lat_ttfb_timers, LAT_CLOCK_MONOTONIC);
		if (err && err != -LAT_EBUSY) {
			goto fail;
		}
		t->ready = 1;
	}
	bpf_timer_set_callback(&t->timer, lat_ttfb_tick);
	if (bpf_timer_start(&t->timer, lat_ttfb_period(lat_ctl.timeout_ns), 0) == 0) {
		return;
	}
fail:
	lat_drop(LAT_DROP_TIMER);
	lat_ttfb_armed = 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(lat_ttfb_send, struct sock *sk, int ret, int flags)
{
	if (!lat_ctl.enabled) {
		return 0;
	}
	lat_ttfb_arm();
	if (ret > 0) {
		lat_ttfb_out(sk, LAT_TTFB_OUT_SEND, ret);
	}
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(lat_ttfb_state, const struct sock *sk, const int oldstate, const int newstate)
{
	if (!lat_ctl.enabled) {
		return 0;
	}
	lat_ttfb_arm();
	if (newstate == LAT_TCP_FIN_WAIT1 || newstate == LAT_TCP_LAST_ACK ||
	    newstate == LAT_TCP_CLOSE) {
		lat_ttfb_out(sk, LAT_TTFB_OUT_CLOSE, 0);
	}
	return 0;
}
