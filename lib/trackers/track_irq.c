/* track_irq.c: the IRQ tracker's user side: probe, tracepoints, fields. */
#include "trackers/alert.h"

#include <stdio.h>
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

/* The handler's name (hard), or the softirq's: its slow events' label. */
static bool irq_label(const struct lat_alert *a, char *buf, size_t len)
{
	const struct lat_irq_payload *irq = &a->payload.irq;

	if (a->payload_len < sizeof(*irq) || irq->kind > LAT_IRQ_RAISE) {
		return false;
	}
	if (irq->kind == LAT_IRQ_HARD) {
		char name[LAT_IRQ_NAME_LEN + 1];

		memcpy(name, irq->name, LAT_IRQ_NAME_LEN);
		name[LAT_IRQ_NAME_LEN] = '\0';
		for (char *p = name; *p; p++) {
			if (*p <= ' ' || *p >= 0x7f) {
				*p = '?';
			}
		}
		snprintf(buf, len, "%s", name[0] ? name : "?");
	} else if (irq->irq < sizeof(softirq_names) / sizeof(softirq_names[0])) {
		snprintf(buf, len, "%s", softirq_names[irq->irq]);
	} else {
		snprintf(buf, len, "softirq_%u", irq->irq);
	}
	return true;
}

static int irq_fields(const struct lat_alert *a, struct lat_alert_field *fields, int max)
{
	const struct lat_irq_payload *irq = &a->payload.irq;
	static const char *const kinds[] = {"hard", "soft", "raise"};
	int n = 0;

	if (a->payload_len < sizeof(*irq) || max < 4 || irq->kind > LAT_IRQ_RAISE) {
		return 0;
	}
	n += lat_alert_field_set(&fields[n], "kind", true, "%s", kinds[irq->kind]);
	if (irq->kind == LAT_IRQ_HARD) {
		n += lat_alert_field_set(&fields[n], "irq", false, "%u", irq->irq);
		n += lat_alert_field_set(&fields[n], "name", true, "%s", "");
		irq_label(a, fields[n - 1].value, sizeof(fields[n - 1].value));
		n += lat_alert_field_set(&fields[n], "ret", false, "%d", irq->ret);
	} else {
		n += lat_alert_field_set(&fields[n], "vec", false, "%u", irq->irq);
		n += lat_alert_field_set(&fields[n], "name", true, "%s", "");
		irq_label(a, fields[n - 1].value, sizeof(fields[n - 1].value));
	}
	return n;
}

const struct lat_ktracker lat_ktracker_irq = {
    .name = "irq",
    .summary = "hard IRQ and softirq handlers, softirq raise -> entry, by CPU",
    .id = LAT_TRACKER_IRQ,
    .skel = &lat_ebpf_skel_irq,
    .tracepoints = tracepoints,
    .series = series,
    .default_threshold_ns = 500000,
    .no_task = true,
    .fields = irq_fields,
    .label = irq_label,
};
