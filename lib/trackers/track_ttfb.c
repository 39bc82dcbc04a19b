/* track_ttfb.c: the time-to-first-byte tracker's user side: probe, tracepoints,
 * fields. */
#include "trackers/alert.h"

#include "ttfb.skel.h"

LAT_EBPF_SKEL_DEFINE(ttfb);

/*
 * The BTF tracepoints, checked before loading. syscalls/sys_exit_accept{,4} are per-syscall
 * events (CONFIG_FTRACE_SYSCALLS) without BTF: attaching them says so if they are missing.
 */
static const char *const tracepoints[] = {
    "sock/sock_send_length",
    "sock/inet_sock_set_state",
    NULL,
};

static int ttfb_fields(const struct lat_alert *a, struct lat_alert_field *fields, int max)
{
	const struct lat_ttfb_payload *tt = &a->payload.ttfb;
	int n = 0;

	if (a->payload_len < sizeof(*tt) || max < 9) {
		return 0;
	}
	n += lat_alert_field_set(&fields[n], "fd", false, "%d", tt->fd);
	n += lat_alert_inet_fields(&tt->conn, &fields[n], max - n);
	n += lat_alert_field_set(&fields[n], "out", true, "%s",
				 tt->out_id == LAT_TTFB_OUT_CLOSE  ? "close"
				 : tt->out_id == LAT_TTFB_OUT_NONE ? "pending"
								   : "send");
	n += lat_alert_field_set(&fields[n], "bytes", false, "%d", tt->bytes);
	return n;
}

const struct lat_ktracker lat_ktracker_ttfb = {
    .name = "ttfb",
    .summary = "time to first byte: accept -> first bytes sent on the socket, or close",
    .id = LAT_TRACKER_TTFB,
    .skel = &lat_ebpf_skel_ttfb,
    .tracepoints = tracepoints,
    .default_threshold_ns = 10000000,
    .fields = ttfb_fields,
};
