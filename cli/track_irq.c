/* track_irq.c: the IRQ tracker's entry in `latscope track`: probe, tracepoints, fields. */
#include "track.h"

#include <string.h>

#include "irq.skel.h"

LAT_EBPF_SKEL_DEFINE(irq);

static const char *const tracepoints[] = {
    "irq/irq_handler_entry", "irq/irq_handler_exit", "irq/softirq_raise",
    "irq/softirq_entry",     "irq/softirq_exit",     NULL,
};

/* Series of the probe (bpf/irq.bpf.c), indexed by enum lat_irq_kind. */
static const char *const series[] = {"irq_hard", "irq_soft", "irq_raise", NULL};

/* The kernel's softirq_to_name[] (include/linux/interrupt.h, enum NR_SOFTIRQS order). */
static const char *const softirq_names[] = {
    "HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU",
};

static int irq_fields(const struct lat_record_hdr *hdr, const void *payload,
		      struct track_field *fields, int max)
{
	const struct lat_irq_payload *irq = payload;
	static const char *const kinds[] = {"hard", "soft", "raise"};
	char name[LAT_IRQ_NAME_LEN + 1];
	int n = 0;

	if (!payload || hdr->payload_len < sizeof(*irq) || max < 4 || irq->kind > LAT_IRQ_RAISE) {
		return 0;
	}
	n += track_field_set(&fields[n], "kind", true, "%s", kinds[irq->kind]);
	if (irq->kind == LAT_IRQ_HARD) {
		memcpy(name, irq->name, LAT_IRQ_NAME_LEN);
		name[LAT_IRQ_NAME_LEN] = '\0';
		for (char *p = name; *p; p++) {
			if (*p <= ' ' || *p >= 0x7f) {
				*p = '?';
			}
		}
		n += track_field_set(&fields[n], "irq", false, "%u", irq->irq);
		n += track_field_set(&fields[n], "name", true, "%s", name[0] ? name : "?");
		n += track_field_set(&fields[n], "ret", false, "%d", irq->ret);
	} else {
		n += track_field_set(&fields[n], "vec", false, "%u", irq->irq);
		if (irq->irq < sizeof(softirq_names) / sizeof(softirq_names[0])) {
			n += track_field_set(&fields[n], "name", true, "%s",
					     softirq_names[irq->irq]);
		} else {
			n += track_field_set(&fields[n], "name", true, "softirq_%u", irq->irq);
		}
	}
	return n;
}

const struct track_tracker track_irq = {
    .name = "irq",
    .summary = "hard IRQ and softirq handlers, softirq raise -> entry, by CPU",
    .id = LAT_TRACKER_IRQ,
    .skel = &lat_ebpf_skel_irq,
    .tracepoints = tracepoints,
    .series = series,
    .default_threshold_ns = 500000,
    .no_task = true,
    .fields = irq_fields,
};
