/* track_ttfb.c: the time-to-first-byte tracker's entry in `latscope track`: probe, tracepoints,
 * fields. */
#include "track.h"

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

/* In track_net.c. */
int track_inet_fields(const struct lat_inet_pair *conn, struct track_field *fields, int max);

static int ttfb_fields(const struct lat_record_hdr *hdr, const void *payload,
		       struct track_field *fields, int max)
{
	const struct lat_ttfb_payload *tt = payload;
	int n = 0;

	if (!payload || hdr->payload_len < sizeof(*tt) || max < 9) {
		return 0;
	}
	n += track_field_set(&fields[n], "fd", false, "%d", tt->fd);
	n += track_inet_fields(&tt->conn, &fields[n], max - n);
	n += track_field_set(&fields[n], "out", true, "%s",
			     tt->out_id == LAT_TTFB_OUT_CLOSE  ? "close"
			     : tt->out_id == LAT_TTFB_OUT_NONE ? "pending"
							       : "send");
	n += track_field_set(&fields[n], "bytes", false, "%d", tt->bytes);
	return n;
}

const struct track_tracker track_ttfb = {
    .name = "ttfb",
    .summary = "time to first byte: accept -> first bytes sent on the socket, or close",
    .id = LAT_TRACKER_TTFB,
    .skel = &lat_ebpf_skel_ttfb,
    .tracepoints = tracepoints,
    .default_threshold_ns = 10000000,
    .fields = ttfb_fields,
};
