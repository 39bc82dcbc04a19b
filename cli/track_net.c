/* track_net.c: the network tracker's entry in `latscope track`: probe, tracepoints, fields. */
#include "track.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "net.skel.h"

LAT_EBPF_SKEL_DEFINE(net);

static const char *const tracepoints[] = {
    "net/netif_receive_skb", "skb/skb_copy_datagram_iovec", "skb/consume_skb",
    "skb/kfree_skb",         "sock/inet_sock_set_state",    NULL,
};

/* Series of the probe (bpf/net.bpf.c). */
static const char *const series[] = {"net_rx", "net_connect", NULL};

/* include/net/tcp_states.h */
static const char *const tcp_states[] = {
    "?",     "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",    "TIME_WAIT",
    "CLOSE", "CLOSE_WAIT",  "LAST_ACK", "LISTEN",   "CLOSING",   "NEW_SYN_RECV", "BOUND_INACTIVE",
};

/* Adds family, laddr, lport, raddr, rport; used by the ttfb tracker too. */
int track_inet_fields(const struct lat_inet_pair *conn, struct track_field *fields, int max);

int track_inet_fields(const struct lat_inet_pair *conn, struct track_field *fields, int max)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	int af = conn->family == AF_INET6 ? AF_INET6 : AF_INET;
	int n = 0;

	if (max < 5) {
		return 0;
	}
	if (!inet_ntop(af, conn->laddr, l, sizeof(l))) {
		snprintf(l, sizeof(l), "?");
	}
	if (!inet_ntop(af, conn->raddr, r, sizeof(r))) {
		snprintf(r, sizeof(r), "?");
	}
	n += track_field_set(&fields[n], "family", true, "%s", af == AF_INET6 ? "ipv6" : "ipv4");
	n += track_field_set(&fields[n], "laddr", true, "%s", l);
	n += track_field_set(&fields[n], "lport", false, "%u", conn->lport);
	n += track_field_set(&fields[n], "raddr", true, "%s", r);
	n += track_field_set(&fields[n], "rport", false, "%u", conn->rport);
	return n;
}

static int net_fields(const struct lat_record_hdr *hdr, const void *payload,
		      struct track_field *fields, int max)
{
	const struct lat_net_payload *net = payload;
	static const char *const outs[] = {"copy", "consume", "free"};
	char iface[sizeof(net->iface) + 1];
	int n = 0;

	if (!payload || hdr->payload_len < sizeof(*net) || max < 8) {
		return 0;
	}
	if (hdr->series == LAT_NET_SERIES_CONNECT) {
		n += track_field_set(&fields[n], "series", true, "connect");
		n += track_field_set(&fields[n], "state", true, "%s",
				     net->out_id < sizeof(tcp_states) / sizeof(tcp_states[0])
					 ? tcp_states[net->out_id]
					 : "?");
		n += track_inet_fields(&net->conn, &fields[n], max - n);
		return n;
	}
	memcpy(iface, net->iface, sizeof(net->iface));
	iface[sizeof(net->iface)] = '\0';
	for (char *p = iface; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f) {
			*p = '?';
		}
	}
	n += track_field_set(&fields[n], "series", true, "rx");
	n += track_field_set(&fields[n], "iface", true, "%s", iface);
	n += track_field_set(&fields[n], "ifindex", false, "%u", net->ifindex);
	n += track_field_set(&fields[n], "out", true, "%s",
			     net->out_id < 3 ? outs[net->out_id] : "?");
	n += track_field_set(&fields[n], "out_id", false, "%u", net->out_id);
	n += track_field_set(&fields[n], "len", false, "%u", net->len);
	if (net->out_id == LAT_NET_OUT_FREE) {
		n += track_field_set(&fields[n], "reason", false, "%u", net->reason);
	}
	return n;
}

const struct track_tracker track_net = {
    .name = "net",
    .summary = "network: received skb -> copied/consumed/freed, TCP connect",
    .id = LAT_TRACKER_NET,
    .skel = &lat_ebpf_skel_net,
    .tracepoints = tracepoints,
    .series = series,
    .default_threshold_ns = 5000000,
    .fields = net_fields,
};
