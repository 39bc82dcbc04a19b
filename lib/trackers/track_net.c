/* track_net.c: the network tracker's user side: probe, tracepoints, fields. */
#include "trackers/alert.h"

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

int lat_alert_inet_fields(const struct lat_inet_pair *conn, struct lat_alert_field *fields, int max)
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
	n +=
	    lat_alert_field_set(&fields[n], "family", true, "%s", af == AF_INET6 ? "ipv6" : "ipv4");
	n += lat_alert_field_set(&fields[n], "laddr", true, "%s", l);
	n += lat_alert_field_set(&fields[n], "lport", false, "%u", conn->lport);
	n += lat_alert_field_set(&fields[n], "raddr", true, "%s", r);
	n += lat_alert_field_set(&fields[n], "rport", false, "%u", conn->rport);
	return n;
}

/* The interface of a received packet: its slow events' label (a connect has none). */
static bool net_label(const struct lat_alert *a, char *buf, size_t len)
{
	const struct lat_net_payload *net = &a->payload.net;
	char iface[sizeof(net->iface) + 1];

	if (a->payload_len < sizeof(*net) || a->series == LAT_NET_SERIES_CONNECT) {
		return false;
	}
	memcpy(iface, net->iface, sizeof(net->iface));
	iface[sizeof(net->iface)] = '\0';
	for (char *p = iface; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f) {
			*p = '?';
		}
	}
	snprintf(buf, len, "%s", iface);
	return true;
}

static int net_fields(const struct lat_alert *a, struct lat_alert_field *fields, int max)
{
	const struct lat_net_payload *net = &a->payload.net;
	static const char *const outs[] = {"copy", "consume", "free"};
	int n = 0;

	if (a->payload_len < sizeof(*net) || max < 8) {
		return 0;
	}
	if (a->series == LAT_NET_SERIES_CONNECT) {
		n += lat_alert_field_set(&fields[n], "series", true, "connect");
		n += lat_alert_field_set(&fields[n], "state", true, "%s",
					 net->out_id < sizeof(tcp_states) / sizeof(tcp_states[0])
					     ? tcp_states[net->out_id]
					     : "?");
		n += lat_alert_inet_fields(&net->conn, &fields[n], max - n);
		return n;
	}
	n += lat_alert_field_set(&fields[n], "series", true, "rx");
	n += lat_alert_field_set(&fields[n], "iface", true, "%s", "");
	net_label(a, fields[n - 1].value, sizeof(fields[n - 1].value));
	n += lat_alert_field_set(&fields[n], "ifindex", false, "%u", net->ifindex);
	n += lat_alert_field_set(&fields[n], "out", true, "%s",
				 net->out_id < 3 ? outs[net->out_id] : "?");
	n += lat_alert_field_set(&fields[n], "out_id", false, "%u", net->out_id);
	n += lat_alert_field_set(&fields[n], "len", false, "%u", net->len);
	if (net->out_id == LAT_NET_OUT_FREE) {
		n += lat_alert_field_set(&fields[n], "reason", false, "%u", net->reason);
	}
	return n;
}

const struct lat_ktracker lat_ktracker_net = {
    .name = "net",
    .summary = "network: received skb -> copied/consumed/freed, TCP connect",
    .id = LAT_TRACKER_NET,
    .skel = &lat_ebpf_skel_net,
    .tracepoints = tracepoints,
    .series = series,
    .default_threshold_ns = 5000000,
    .fields = net_fields,
    .label = net_label,
};
