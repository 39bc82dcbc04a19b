/* track_block.c: the block I/O tracker's entry in `latscope track`: probe, tracepoints, fields. */
#include "track.h"

#include <string.h>

#include "block.skel.h"

LAT_EBPF_SKEL_DEFINE(block);

static const char *const tracepoints[] = {
    "block/block_rq_insert", "block/block_rq_issue",   "block/block_rq_complete",
    "block/block_rq_merge",  "block/block_rq_requeue", NULL,
};

/* Series 0 and 1 of the probe (bpf/block.bpf.c). */
static const char *const series[] = {"block", "block_queue", NULL};

static int block_fields(const struct lat_record_hdr *hdr, const void *payload,
			struct track_field *fields, int max)
{
	const struct lat_block_payload *blk = payload;
	char rwbs[LAT_BLOCK_RWBS_LEN + 1];
	int n = 0;

	if (!payload || hdr->payload_len < sizeof(*blk) || max < 7) {
		return 0;
	}
	memcpy(rwbs, blk->rwbs, LAT_BLOCK_RWBS_LEN);
	rwbs[LAT_BLOCK_RWBS_LEN] = '\0';
	for (char *p = rwbs; *p; p++) {
		if (*p < 'A' || *p > 'Z') {
			*p = '?';
		}
	}
	n += track_field_set(&fields[n], "series", true, "%s",
			     hdr->series == LAT_BLOCK_SERIES_QUEUE ? "queue" : "issue");
	n += track_field_set(&fields[n], "dev", true, "%u:%u", blk->dev >> 20, blk->dev & 0xfffff);
	if (blk->part) {
		n += track_field_set(&fields[n], "part", true, "%u:%u", blk->part >> 20,
				     blk->part & 0xfffff);
	}
	n += track_field_set(&fields[n], "sector", false, "%llu", (unsigned long long)blk->sector);
	n += track_field_set(&fields[n], "bytes", false, "%u", blk->bytes);
	n += track_field_set(&fields[n], "rwbs", true, "%s", rwbs);
	if (hdr->series == LAT_BLOCK_SERIES_ISSUE && !(hdr->flags & LAT_REC_TIMEOUT)) {
		n += track_field_set(&fields[n], "error", false, "%d", blk->error);
	}
	return n;
}

const struct track_tracker track_block = {
    .name = "block",
    .summary = "block I/O: request issue -> complete by (dev, sector), and insert -> issue",
    .id = LAT_TRACKER_BLOCK,
    .skel = &lat_ebpf_skel_block,
    .tracepoints = tracepoints,
    .series = series,
    .default_threshold_ns = 5000000,
    .fields = block_fields,
};
