/* track_block.c: the block I/O tracker's user side: probe, tracepoints, fields. */
#include "trackers/alert.h"

#include <string.h>

#include "block.skel.h"

LAT_EBPF_SKEL_DEFINE(block);

static const char *const tracepoints[] = {
    "block/block_rq_insert", "block/block_rq_issue",   "block/block_rq_complete",
    "block/block_rq_merge",  "block/block_rq_requeue", NULL,
};

/* Series 0 and 1 of the probe (bpf/block.bpf.c). */
static const char *const series[] = {"block", "block_queue", NULL};

/* The disk, MAJOR:MINOR: its slow events' label. */
static bool block_label(const struct lat_alert *a, char *buf, size_t len)
{
	if (a->payload_len < sizeof(a->payload.block)) {
		return false;
	}
	snprintf(buf, len, "%u:%u", a->payload.block.dev >> 20, a->payload.block.dev & 0xfffff);
	return true;
}

static int block_fields(const struct lat_alert *a, struct lat_alert_field *fields, int max)
{
	const struct lat_block_payload *blk = &a->payload.block;
	char rwbs[LAT_BLOCK_RWBS_LEN + 1];
	int n = 0;

	if (a->payload_len < sizeof(*blk) || max < 7) {
		return 0;
	}
	memcpy(rwbs, blk->rwbs, LAT_BLOCK_RWBS_LEN);
	rwbs[LAT_BLOCK_RWBS_LEN] = '\0';
	for (char *p = rwbs; *p; p++) {
		if (*p < 'A' || *p > 'Z') {
			*p = '?';
		}
	}
	n += lat_alert_field_set(&fields[n], "series", true, "%s",
				 a->series == LAT_BLOCK_SERIES_QUEUE ? "queue" : "issue");
	n += lat_alert_field_set(&fields[n], "dev", true, "%s", "");
	block_label(a, fields[n - 1].value, sizeof(fields[n - 1].value));
	if (blk->part) {
		n += lat_alert_field_set(&fields[n], "part", true, "%u:%u", blk->part >> 20,
					 blk->part & 0xfffff);
	}
	n += lat_alert_field_set(&fields[n], "sector", false, "%llu",
				 (unsigned long long)blk->sector);
	n += lat_alert_field_set(&fields[n], "bytes", false, "%u", blk->bytes);
	n += lat_alert_field_set(&fields[n], "rwbs", true, "%s", rwbs);
	if (a->series == LAT_BLOCK_SERIES_ISSUE && !a->timeout) {
		n += lat_alert_field_set(&fields[n], "error", false, "%d", blk->error);
	}
	return n;
}

const struct lat_ktracker lat_ktracker_block = {
    .name = "block",
    .summary = "block I/O: request issue -> complete by (dev, sector), and insert -> issue",
    .id = LAT_TRACKER_BLOCK,
    .skel = &lat_ebpf_skel_block,
    .tracepoints = tracepoints,
    .series = series,
    .default_threshold_ns = 5000000,
    .fields = block_fields,
    .label = block_label,
};
