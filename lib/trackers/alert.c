/* alert.c: a kernel tracker's ring buffer record checked and decoded into a typed alert. */
#include "trackers/alert.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int lat_alert_decode(const struct lat_ktracker *tracker, const void *data, size_t size,
		     struct lat_alert *a)
{
	const struct lat_record_hdr *hdr = data;
	struct lat_alert_stack_ref ref = {0};
	size_t len;

	if (lat_ebpf_record_check(data, size) != 0 || hdr->tracker != tracker->id) {
		return -EINVAL;
	}
	a->tracker = tracker;
	a->hdr = hdr;
	a->series = hdr->series;
	a->pid = hdr->pid;
	a->tid = hdr->tid;
	a->cpu = hdr->cpu;
	memcpy(a->comm, hdr->comm, LAT_COMM_LEN);
	a->start_ns = hdr->start_ns;
	a->delay_ns = hdr->delay_ns;
	a->timeout = (hdr->flags & LAT_REC_TIMEOUT) != 0;
	a->flags = hdr->flags;
	a->payload_len = hdr->payload_len;
	len = hdr->payload_len < sizeof(a->payload) ? hdr->payload_len : sizeof(a->payload);
	memset(&a->payload, 0, sizeof(a->payload));
	memcpy(&a->payload, (const char *)data + hdr->payload_off, len);
	a->stacks = (struct lat_alert_stacks){
	    .pid = hdr->pid,
	    .flags = hdr->flags,
	    .kstack_n = hdr->kstack_n,
	    .kstack =
		hdr->kstack_n ? (const uint64_t *)((const char *)data + hdr->kstack_off) : NULL,
	    .ustack = hdr->ustack_off
			  ? (const struct lat_ustack *)((const char *)data + hdr->ustack_off)
			  : NULL,
	};
	a->extra_name = NULL;
	memset(&a->extra, 0, sizeof(a->extra));
	/* the tracker's extra stacks: offsets in its payload, checked here */
	if (!tracker->extra_stacks || !hdr->payload_len || tracker->extra_stacks(a, &ref) != 1) {
		return 0;
	}
	if (ref.kstack_n > LAT_KSTACK_MAX ||
	    (size_t)ref.kstack_off + (size_t)ref.kstack_n * sizeof(uint64_t) > hdr->size) {
		return 0;
	}
	a->extra_name = ref.name;
	a->extra.pid = ref.pid;
	a->extra.flags = ref.flags;
	a->extra.kstack_n = ref.kstack_n;
	a->extra.kstack =
	    ref.kstack_n ? (const uint64_t *)((const char *)data + ref.kstack_off) : NULL;
	if (ref.ustack_off &&
	    (size_t)ref.ustack_off + offsetof(struct lat_ustack, data) <= hdr->size) {
		const struct lat_ustack *u = (const void *)((const char *)data + ref.ustack_off);

		if (u->len <= LAT_USTACK_MAX &&
		    (size_t)ref.ustack_off + offsetof(struct lat_ustack, data) + u->len <=
			hdr->size) {
			a->extra.ustack = u;
		}
	}
	return 0;
}

int lat_alert_fields(const struct lat_alert *a, struct lat_alert_field *fields, int max)
{
	return a->tracker->fields ? a->tracker->fields(a, fields, max) : 0;
}

void lat_alert_label(const struct lat_alert *a, char *buf, size_t len)
{
	char comm[LAT_COMM_LEN + 1];

	if (a->tracker->label && a->tracker->label(a, buf, len)) {
		return;
	}
	lat_comm_text(a->comm, comm);
	snprintf(buf, len, "%s", comm);
}
