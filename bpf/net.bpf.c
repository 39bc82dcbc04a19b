// SPDX-License-Identifier: GPL-2.0
/* net.bpf.c: the network tracker: received skb -> copied, consumed or freed (the original's
 * network_stack tracker), and TCP connect (SYN_SENT -> ESTABLISHED). */
#define LAT_TRACKER_ID LAT_TRACKER_NET
#include "lat_tracker.bpf.h"

/*
 * Series 0 (net_rx): in: netif_receive_skb, key: the skb address. out: the first of
 *   skb_copy_datagram_iovec (out_id 0: copied to the reader), consume_skb (1) and kfree_skb (2:
 *   dropped, with the drop reason), as the original (its kprobe on kfree_skbmem, out_id 3, is
 *   not possible here: no kprobes). An skb freed without a tracepoint (__kfree_skb: pure ACKs,
 *   deferred frees) leaves its entry until the address is reused (counted as replaced); an out
 *   on a reused address (a transmit skb) is told apart by skb->head and not reported. The task in
 * the record and the task filters: the task current at the out (for a copy: the reader). Series 1
 * (net_connect): in: inet_sock_set_state TCP -> SYN_SENT (in connect(): the task is the caller, the
 * filters apply to it), key: the sock. out: the next state from SYN_SENT: ESTABLISHED, or CLOSE
 * when the connection failed. Timeout: a record while still in SYN_SENT.
 */

struct lat_net_rx_val {
	__u64 start;
	__u64 head; /* skb->head: tells a reused skb address (a transmit skb...) from this skb */
	__u64 dev;  /* struct net_device *, its name is read when reporting */
	__u32 len;
	__u32 ifindex;
};

struct lat_net_conn_val {
	struct bpf_timer timer;
	__u64 start;
	__u32 pid;
	__u32 tid;
	char comm[LAT_COMM_LEN];
	struct lat_inet_pair conn;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LAT_HASH_ENTRIES);
	__type(key, __u64);
	__type(value, struct lat_net_rx_val);
} lat_net_rx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct lat_net_conn_val);
} lat_net_conn SEC(".maps");

#define LAT_IPPROTO_TCP  6
#define LAT_TCP_SYN_SENT 2
#define LAT_FILTER_ACTIVE \
	(lat_filter.tgid || lat_filter.tid || lat_filter.cgroup_id || lat_filter.comm[0])

static __always_inline struct lat_net_record *lat_net_reserve(void)
{
	struct lat_net_record *rec = bpf_ringbuf_reserve(&lat_events, sizeof(*rec), 0);

	if (!rec) {
		lat_drop(LAT_DROP_RINGBUF_FULL);
		return NULL;
	}
	__builtin_memset(&rec->net, 0, sizeof(rec->net)); /* the header is set by lat_hdr_init */
	return rec;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(lat_net_receive, struct sk_buff *skb)
{
	struct lat_net_rx_val v;
	__u64 key = (__u64)skb;
	struct net_device *dev;

	if (!lat_ctl.enabled) {
		return 0;
	}
	/* BTF pointers: plain loads, no bpf_probe_read calls per packet. */
	dev = skb->dev;
	v.start = bpf_ktime_get_ns();
	v.dev = (__u64)dev;
	v.len = skb->len;
	v.head = (__u64)skb->head;
	v.ifindex = dev ? dev->ifindex : 0;
	lat_hash_in(&lat_net_rx, &key, &v);
	return 0;
}

static __always_inline void lat_net_rx_out(const struct sk_buff *skb, __u32 out_id, __u32 reason)
{
	struct lat_net_rx_val *v;
	struct lat_net_record *rec;
	__u64 key = (__u64)skb, pid_tgid, delay, start;
	struct net_device *dev;

	v = bpf_map_lookup_elem(&lat_net_rx, &key);
	if (!v) {
		return;
	}
	if (v->head != (__u64)skb->head) {
		/* The received skb was freed without a tracepoint and its address reused. */
		lat_drop(LAT_DROP_REPLACED);
		bpf_map_delete_elem(&lat_net_rx, &key);
		return;
	}
	start = v->start;
	delay = bpf_ktime_get_ns() - start;
	pid_tgid = bpf_get_current_pid_tgid();
	if (LAT_FILTER_ACTIVE && !lat_filter_current(pid_tgid)) {
		bpf_map_delete_elem(&lat_net_rx, &key);
		return;
	}
	if (lat_account(LAT_NET_SERIES_RX, delay)) {
		rec = lat_net_reserve();
		if (rec) {
			lat_hdr_init(&rec->hdr, sizeof(*rec), 0, pid_tgid >> 32, (__u32)pid_tgid,
				     start, delay);
			bpf_get_current_comm(rec->hdr.comm, sizeof(rec->hdr.comm));
			rec->hdr.payload_off = __builtin_offsetof(struct lat_net_record, net);
			rec->hdr.payload_len = sizeof(rec->net);
			rec->hdr.series = LAT_NET_SERIES_RX;
			rec->net.out_id = out_id;
			rec->net.ifindex = v->ifindex;
			rec->net.len = v->len;
			rec->net.reason = reason;
			dev = (struct net_device *)v->dev;
			if (dev) {
				BPF_CORE_READ_STR_INTO(&rec->net.iface, dev, name);
			}
			lat_count_reported(LAT_NET_SERIES_RX);
			bpf_ringbuf_submit(rec, 0);
		}
	}
	bpf_map_delete_elem(&lat_net_rx, &key);
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(lat_net_copy, const struct sk_buff *skb, int len)
{
	if (lat_ctl.enabled) {
		lat_net_rx_out(skb, LAT_NET_OUT_COPY, 0);
	}
	return 0;
}

SEC("tp_btf/consume_skb")
int BPF_PROG(lat_net_consume, struct sk_buff *skb, void *location)
{
	if (lat_ctl.enabled) {
		lat_net_rx_out(skb, LAT_NET_OUT_CONSUME, 0);
	}
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(lat_net_free, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	if (lat_ctl.enabled) {
		lat_net_rx_out(skb, LAT_NET_OUT_FREE, (__u32)reason);
	}
	return 0;
}

/* --- TCP connect ---------------------------------------------------------------------------- */

static __always_inline void lat_net_conn_fill(struct lat_net_record *rec,
					      const struct lat_net_conn_val *v, __u16 flags,
					      __u64 delay)
{
	lat_hdr_init(&rec->hdr, sizeof(*rec), flags, v->pid, v->tid, v->start, delay);
	__builtin_memcpy(rec->hdr.comm, v->comm, sizeof(rec->hdr.comm));
	rec->hdr.payload_off = __builtin_offsetof(struct lat_net_record, net);
	rec->hdr.payload_len = sizeof(rec->net);
	rec->hdr.series = LAT_NET_SERIES_CONNECT;
}

/* Still in SYN_SENT at the timeout: report it now (again when it leaves SYN_SENT). */
static int lat_net_conn_timeout(void *map, __u64 *key, struct lat_net_conn_val *v)
{
	struct lat_net_record *rec;

	if (!v->start) {
		return 0;
	}
	rec = lat_net_reserve();
	if (!rec) {
		return 0;
	}
	lat_net_conn_fill(rec, v, LAT_REC_TIMEOUT, bpf_ktime_get_ns() - v->start);
	rec->net.out_id = LAT_TCP_SYN_SENT;
	rec->net.conn = v->conn;
	lat_count_reported(LAT_NET_SERIES_CONNECT);
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(lat_net_state, const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 key = (__u64)sk;

	if (!lat_ctl.enabled || sk->sk_protocol != LAT_IPPROTO_TCP) {
		return 0;
	}
	if (newstate == LAT_TCP_SYN_SENT) {
		struct lat_net_conn_val v;
		__u64 pid_tgid = bpf_get_current_pid_tgid();

		if (!lat_filter_current(pid_tgid)) {
			return 0;
		}
		__builtin_memset(&v, 0, sizeof(v));
		v.start = bpf_ktime_get_ns();
		v.pid = pid_tgid >> 32;
		v.tid = (__u32)pid_tgid;
		bpf_get_current_comm(v.comm, sizeof(v.comm));
		lat_inet_pair_read(sk, &v.conn); /* the local port may not be chosen yet */
		if (lat_hash_in(&lat_net_conn, &key, &v) == 0 && lat_ctl.timeout_ns) {
			LAT_HASH_ARM_TIMEOUT(&lat_net_conn, &key, struct lat_net_conn_val,
					     lat_net_conn_timeout);
		}
		return 0;
	}
	if (oldstate == LAT_TCP_SYN_SENT) {
		struct lat_net_conn_val *v = bpf_map_lookup_elem(&lat_net_conn, &key);
		struct lat_net_record *rec;
		__u64 delay;

		if (!v) {
			return 0;
		}
		delay = bpf_ktime_get_ns() - v->start;
		if (lat_account(LAT_NET_SERIES_CONNECT, delay)) {
			rec = lat_net_reserve();
			if (rec) {
				lat_net_conn_fill(rec, v, 0, delay);
				rec->net.out_id = newstate;
				lat_inet_pair_read(sk, &rec->net.conn);
				lat_count_reported(LAT_NET_SERIES_CONNECT);
				bpf_ringbuf_submit(rec, 0);
			}
		}
		bpf_map_delete_elem(&lat_net_conn, &key);
	}
	return 0;
}
