// SPDX-License-Identifier: GPL-2.0
/* block.bpf.c: the block I/O tracker: block_rq_issue -> block_rq_complete by (dev, sector), and
 * block_rq_insert -> issue (queueing). */
#define LAT_TRACKER_ID LAT_TRACKER_BLOCK
#include "lat_tracker.bpf.h"

/*
 * Series 0 (block):       in: block_rq_issue, out: block_rq_complete; key (disk dev_t, sector)
 *                         as the original block_latency_tp tracker. 0-sector requests (flushes)
 *                         are skipped as it did. Timeout: a record with LAT_REC_TIMEOUT while the
 *                         request is still in the device, then the usual one at completion.
 * Series 1 (block_queue): in: block_rq_insert (into the I/O scheduler), out: block_rq_issue.
 *                         A request merged into another (block_rq_merge) forgets its
 *                         entry; a requeued one (block_rq_requeue) goes back to queued.
 * One entry per request in one preallocated hash map: made at insert (or at issue when the
 * request skips the scheduler), updated in place at issue, deleted at completion.
 * pid, tid, comm: the task current at insert (else at issue): the submitter for direct and
 * plugged I/O, a kworker for writeback. The --pid/--tid/--comm/--cgroup filters apply to it.
 */

struct lat_block_key {
	__u32 dev;
	__u32 pad;
	__u64 sector;
};

struct lat_block_val {
	struct bpf_timer timer;
	__u64 start;  /* insert, then issue */
	__u32 issued; /* 0: in the I/O scheduler (since insert), 1: in the device (since issue) */
	__u32 pid;
	__u32 tid;
	__u32 part;
	char comm[LAT_COMM_LEN];
	__u32 bytes;
	__u32 opf; /* cmd_flags: rwbs is made only when reporting */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LAT_HASH_ENTRIES);
	__type(key, struct lat_block_key);
	__type(value, struct lat_block_val);
} lat_block_inflight SEC(".maps");

/* tp_btf arguments are BTF pointers: plain loads, no bpf_probe_read calls on the hot path. */
static __always_inline void lat_block_key_of(struct request *rq, struct lat_block_key *key)
{
	struct gendisk *disk = rq->q->disk;

	key->dev = disk ? ((__u32)disk->major << 20) | (__u32)disk->first_minor : 0;
	key->pad = 0;
	key->sector = rq->__sector;
}

/* The "rwbs" flags of blktrace (blk_fill_rwbs): F(lush) W/R/D(iscard)/N, F(UA) A(head) S M.
 * Built in a register (little endian: first flag in the low byte); at most 7 flags. */
#define LAT_RWBS_PUT(c)                           \
	do {                                      \
		acc |= (__u64)(__u8)(c) << shift; \
		shift += 8;                       \
	} while (0)

static __always_inline void lat_block_rwbs(__u32 opf, char *rwbs)
{
	__u32 op = opf & 0xff; /* REQ_OP_MASK (REQ_OP_BITS is 8) */
	__u64 acc = 0;
	__u32 shift = 0;

	if (opf & (1u << __REQ_PREFLUSH)) {
		LAT_RWBS_PUT('F');
	}
	switch (op) {
	case REQ_OP_WRITE:
	case REQ_OP_WRITE_ZEROES:
		LAT_RWBS_PUT('W');
		break;
	case REQ_OP_DISCARD:
		LAT_RWBS_PUT('D');
		break;
	case REQ_OP_SECURE_ERASE:
		LAT_RWBS_PUT('D');
		LAT_RWBS_PUT('E');
		break;
	case REQ_OP_FLUSH:
		LAT_RWBS_PUT('F');
		break;
	case REQ_OP_READ:
		LAT_RWBS_PUT('R');
		break;
	default:
		LAT_RWBS_PUT('N');
	}
	if (opf & (1u << __REQ_FUA)) {
		LAT_RWBS_PUT('F');
	}
	if (opf & (1u << __REQ_RAHEAD)) {
		LAT_RWBS_PUT('A');
	}
	if (opf & (1u << __REQ_SYNC)) {
		LAT_RWBS_PUT('S');
	}
	if (opf & (1u << __REQ_META)) {
		LAT_RWBS_PUT('M');
	}
	__builtin_memcpy(rwbs, &acc, LAT_BLOCK_RWBS_LEN);
}

static __always_inline bool lat_block_skip(struct request *rq)
{
	/* The original skipped 0-sector requests (flushes) and SCSI passthrough (no sectors). */
	return rq->__data_len == 0;
}

static __always_inline struct lat_block_record *lat_block_reserve(void)
{
	struct lat_block_record *rec = bpf_ringbuf_reserve(&lat_events, sizeof(*rec), 0);

	if (!rec) {
		lat_drop(LAT_DROP_RINGBUF_FULL);
	}
	return rec;
}

static __always_inline void lat_block_fill(struct lat_block_record *rec,
					   const struct lat_block_key *key,
					   const struct lat_block_val *v, __u16 flags, __u64 delay,
					   __u32 series, __s32 error)
{
	lat_hdr_init(&rec->hdr, sizeof(*rec), flags, v->pid, v->tid, v->start, delay);
	__builtin_memcpy(rec->hdr.comm, v->comm, sizeof(rec->hdr.comm));
	rec->hdr.payload_off = __builtin_offsetof(struct lat_block_record, blk);
	rec->hdr.payload_len = sizeof(rec->blk);
	rec->hdr.series = series;
	rec->blk.dev = key->dev;
	rec->blk.sector = key->sector;
	rec->blk.error = error;
}

/* The request's partition, size and flags as seen at issue (at completion they may be cleared). */
static __always_inline void lat_block_fill_rq(struct lat_block_record *rec,
					      const struct lat_block_val *v)
{
	rec->blk.part = v->part;
	rec->blk.bytes = v->bytes;
	lat_block_rwbs(v->opf, rec->blk.rwbs);
}

/* A new entry for rq, owned by the current task; false when filtered out or dropped (counted). */
static __always_inline bool lat_block_new(struct request *rq, struct lat_block_key *key, __u64 now,
					  __u32 issued)
{
	struct block_device *part = rq->part;
	struct lat_block_val v;
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (!lat_filter_current(pid_tgid)) {
		return false;
	}
	__builtin_memset(&v, 0, sizeof(v));
	v.start = now;
	v.issued = issued;
	v.pid = pid_tgid >> 32;
	v.tid = (__u32)pid_tgid;
	bpf_get_current_comm(v.comm, sizeof(v.comm));
	v.part = part ? part->bd_dev : 0;
	v.bytes = rq->__data_len;
	v.opf = rq->cmd_flags;
	return lat_hash_in(&lat_block_inflight, key, &v) == 0;
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(lat_block_insert, struct request *rq)
{
	struct lat_block_key key;
	struct lat_block_val *v;

	if (!lat_ctl.enabled || lat_block_skip(rq)) {
		return 0;
	}
	lat_block_key_of(rq, &key);
	v = bpf_map_lookup_elem(&lat_block_inflight, &key);
	if (v && !v->issued) {
		return 0; /* requeued (kept with its submitter), now inserted again */
	}
	lat_block_new(rq, &key, bpf_ktime_get_ns(), 0);
	return 0;
}

static int lat_block_timeout(void *map, struct lat_block_key *key, struct lat_block_val *v);

SEC("tp_btf/block_rq_issue")
int BPF_PROG(lat_block_issue, struct request *rq)
{
	struct lat_block_key key;
	struct lat_block_val *v;
	__u64 now;

	if (!lat_ctl.enabled || lat_block_skip(rq)) {
		return 0;
	}
	lat_block_key_of(rq, &key);
	now = bpf_ktime_get_ns();
	v = bpf_map_lookup_elem(&lat_block_inflight, &key);
	if (v && !v->issued) {
		/* Went through the scheduler: the queueing series; then the same entry goes on. */
		__u64 delay = now - v->start;

		v->bytes = rq->__data_len; /* merges may have grown it */
		if (lat_account(LAT_BLOCK_SERIES_QUEUE, delay)) {
			struct lat_block_record *rec = lat_block_reserve();

			if (rec) {
				lat_block_fill(rec, &key, v, 0, delay, LAT_BLOCK_SERIES_QUEUE, 0);
				lat_block_fill_rq(rec, v);
				lat_count_reported(LAT_BLOCK_SERIES_QUEUE);
				bpf_ringbuf_submit(rec, 0);
			}
		}
		v->start = now;
		v->issued = 1;
	} else {
		/* Straight to the device (no scheduler), or issued again without a requeue. */
		if (v) {
			lat_drop(LAT_DROP_REPLACED);
			bpf_map_delete_elem(&lat_block_inflight, &key);
		}
		if (!lat_block_new(rq, &key, now, 1)) {
			return 0;
		}
	}
	if (lat_ctl.timeout_ns) {
		LAT_HASH_ARM_TIMEOUT(&lat_block_inflight, &key, struct lat_block_val,
				     lat_block_timeout);
	}
	return 0;
}

/* The request is still in the device at the timeout: report it now (again at completion). */
static int lat_block_timeout(void *map, struct lat_block_key *key, struct lat_block_val *v)
{
	struct lat_block_record *rec;
	__u64 start = v->start;

	if (!start || !v->issued) {
		return 0;
	}
	rec = lat_block_reserve();
	if (!rec) {
		return 0;
	}
	lat_block_fill(rec, key, v, LAT_REC_TIMEOUT, bpf_ktime_get_ns() - start,
		       LAT_BLOCK_SERIES_ISSUE, 0);
	lat_block_fill_rq(rec, v);
	lat_count_reported(LAT_BLOCK_SERIES_ISSUE);
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(lat_block_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	struct lat_block_record *rec;
	struct lat_block_val *v;
	struct lat_block_key key;
	__u64 delay;

	if (!lat_ctl.enabled) {
		return 0;
	}
	lat_block_key_of(rq, &key);
	v = bpf_map_lookup_elem(&lat_block_inflight, &key);
	if (!v) {
		return 0;
	}
	if (!v->issued) {
		bpf_map_delete_elem(&lat_block_inflight, &key);
		return 0;
	}
	delay = bpf_ktime_get_ns() - v->start;
	if (lat_account(LAT_BLOCK_SERIES_ISSUE, delay)) {
		rec = lat_block_reserve();
		if (rec) {
			lat_block_fill(rec, &key, v, 0, delay, LAT_BLOCK_SERIES_ISSUE,
				       (__s32)error);
			lat_block_fill_rq(rec, v);
			lat_count_reported(LAT_BLOCK_SERIES_ISSUE);
			bpf_ringbuf_submit(rec, 0);
		}
	}
	bpf_map_delete_elem(&lat_block_inflight, &key);
	return 0;
}

/* A request merged into another one is never issued: forget its queueing entry. */
SEC("tp_btf/block_rq_merge")
int BPF_PROG(lat_block_merge, struct request *rq)
{
	struct lat_block_key key;

	if (!lat_ctl.enabled) {
		return 0;
	}
	lat_block_key_of(rq, &key);
	bpf_map_delete_elem(&lat_block_inflight, &key);
	return 0;
}

/*
 * A requeued request goes back to the queue (re-inserted by a kworker) and is issued again: its
 * entry stays, with its submitter, back in the queued state (its device time so far is lost; no
 * timeout fires while queued).
 */
SEC("tp_btf/block_rq_requeue")
int BPF_PROG(lat_block_requeue, struct request *rq)
{
	struct lat_block_key key;
	struct lat_block_val *v;

	if (!lat_ctl.enabled) {
		return 0;
	}
	lat_block_key_of(rq, &key);
	v = bpf_map_lookup_elem(&lat_block_inflight, &key);
	if (v) {
		v->issued = 0;
		v->start = bpf_ktime_get_ns();
	}
	return 0;
}
