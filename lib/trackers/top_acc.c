/* top_acc.c: the figures of the trackers over one interval and over the run (per series: events,
 * over threshold, p50/p99/max, the worst events; slow events per process): `latscope top` and the
 * agent's `top` request and summary. */
#include "trackers/top_acc.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "state/hist.h"

void lat_top_acc_init(struct lat_top_acc *acc, uint64_t now_ns)
{
	memset(acc, 0, sizeof(*acc));
	acc->last_close_ns = acc->started_ns = now_ns;
}

int lat_top_acc_add(struct lat_top_acc *acc, const struct lat_ktracker *tracker,
		    struct lat_ebpf_probe *probe)
{
	struct lat_top_acc_tracker *t;

	if (acc->ntrk >= (int)(sizeof(acc->trk) / sizeof(acc->trk[0]))) {
		return -ENOSPC;
	}
	t = &acc->trk[acc->ntrk];
	memset(t, 0, sizeof(*t));
	t->tracker = tracker;
	t->probe = probe;
	t->nseries = 1;
	t->s[0].name = tracker->name;
	if (tracker->series) {
		for (t->nseries = 0;
		     t->nseries < LAT_STATS_SERIES_MAX && tracker->series[t->nseries];
		     t->nseries++) {
			t->s[t->nseries].name = tracker->series[t->nseries];
		}
	}
	for (int i = 0; i < t->nseries; i++) {
		lat_ebpf_probe_stats(probe, (uint32_t)i, &t->s[i].prev);
	}
	return acc->ntrk++;
}

/* The tracker's fields of a as one line ("syscall=nanosleep nr=35 ret=0"). */
static void event_fields(struct lat_top_event *e, const struct lat_alert *a)
{
	struct lat_alert_field fields[LAT_ALERT_FIELDS_MAX];
	int nfields = lat_alert_fields(a, fields, LAT_ALERT_FIELDS_MAX);
	size_t used = 0;

	e->fields[0] = '\0';
	for (int i = 0; i < nfields && used < sizeof(e->fields); i++) {
		int n = snprintf(e->fields + used, sizeof(e->fields) - used, "%s%s=%s",
				 used ? " " : "", fields[i].name, fields[i].value);

		used += n > 0 ? (size_t)n : 0;
	}
}

static void slow_add(struct lat_top_acc *acc, const struct lat_top_event *e, const char *series)
{
	struct lat_top_slow *s = NULL;

	for (int i = 0; i < acc->nslow; i++) {
		if (acc->slow[i].pid == e->pid) {
			s = &acc->slow[i];
			break;
		}
	}
	if (!s && acc->nslow == LAT_TOP_SLOW_MAX) {
		/* full: the process whose worst event is the least bad leaves (counted) */
		struct lat_top_slow *least = &acc->slow[0];

		for (int i = 1; i < acc->nslow; i++) {
			if (acc->slow[i].worst_ns < least->worst_ns) {
				least = &acc->slow[i];
			}
		}
		if (least->worst_ns >= e->delay_ns) {
			acc->slow_more++;
			return;
		}
		acc->slow_more += least->over;
		s = least;
		memset(s, 0, sizeof(*s));
		s->pid = e->pid;
		snprintf(s->comm, sizeof(s->comm), "%s", e->comm);
	} else if (!s) {
		s = &acc->slow[acc->nslow++];
		memset(s, 0, sizeof(*s));
		s->pid = e->pid;
		snprintf(s->comm, sizeof(s->comm), "%s", e->comm);
	}
	s->over++;
	if (e->delay_ns > s->worst_ns) {
		s->worst_ns = e->delay_ns;
		snprintf(s->tracker, sizeof(s->tracker), "%s", series);
	}
}

void lat_top_acc_record(struct lat_top_acc *acc, int idx, const struct lat_alert *a)
{
	struct lat_top_acc_tracker *t;
	struct lat_top_acc_series *s;
	struct lat_top_event e;

	if (idx < 0 || idx >= acc->ntrk) {
		return;
	}
	t = &acc->trk[idx];
	s = &t->s[a->series < (uint32_t)t->nseries ? a->series : 0];
	e.delay_ns = a->delay_ns;
	e.pid = a->pid;
	e.tid = a->tid;
	e.timeout = a->timeout;
	lat_comm_text(a->comm, e.comm);
	e.fields[0] = '\0';
	/* the fields are text for the view: made only for an event kept as a worst one */
	if (e.delay_ns > s->worst.delay_ns ||
	    e.delay_ns > s->worst_run[LAT_TOP_WORST_MAX - 1].delay_ns) {
		event_fields(&e, a);
	}
	s->over++;
	s->over_total++;
	if (e.delay_ns > s->worst.delay_ns) {
		s->worst = e;
	}
	/* the run's worst, in order (a timeout report and its completion may both be kept) */
	for (int i = 0; i < LAT_TOP_WORST_MAX; i++) {
		if (e.delay_ns > s->worst_run[i].delay_ns) {
			memmove(&s->worst_run[i + 1], &s->worst_run[i],
				sizeof(s->worst_run[0]) * (size_t)(LAT_TOP_WORST_MAX - 1 - i));
			s->worst_run[i] = e;
			break;
		}
	}
	slow_add(acc, &e, s->name);
}

void lat_top_acc_bad_record(struct lat_top_acc *acc, int idx)
{
	if (idx >= 0 && idx < acc->ntrk) {
		acc->trk[idx].bad_records++;
	}
}

/*
 * p50, p99 (log-linear bucket midpoints: within 1.6 %) and max (the highest bucket's upper bound,
 * replaced by a measured value by the caller when it has one) of a histogram's counts.
 */
static void khist_figures(const uint64_t *hist, uint64_t count, uint64_t *p50, uint64_t *p99,
			  uint64_t *max)
{
	*p50 = *p99 = *max = 0;
	if (!count) {
		return;
	}
	for (int i = LAT_HIST_BUCKETS - 1; i >= 0; i--) {
		if (hist[i]) {
			*max = lat_khist_high(i) - 1;
			break;
		}
	}
	*p50 = lat_khist_quantile(hist, count, 0, *max, 0.5);
	*p99 = lat_khist_quantile(hist, count, 0, *max, 0.99);
}

uint64_t lat_top_acc_lost(const struct lat_top_acc_tracker *t)
{
	uint64_t drops[LAT_DROP_MAX] = {0}, lost = t->bad_records;

	lat_ebpf_probe_drops(t->probe, drops);
	for (int d = 0; d < LAT_DROP_MAX; d++) {
		lost += drops[d];
	}
	return lost;
}

/* A row from the difference between st and prev (prev NULL: the whole run). */
void lat_top_acc_row(struct lat_top_row *row, const struct lat_top_acc_tracker *t, int series,
		     const struct lat_stats *st, const struct lat_stats *prev,
		     const struct lat_top_event *worst)
{
	uint64_t hist[LAT_HIST_BUCKETS];

	memset(row, 0, sizeof(*row));
	snprintf(row->tracker, sizeof(row->tracker), "%s", t->tracker->name);
	snprintf(row->series, sizeof(row->series), "%s", t->s[series].name);
	row->events = st->count - (prev ? prev->count : 0);
	for (int i = 0; i < LAT_HIST_BUCKETS; i++) {
		hist[i] = st->hist[i] - (prev ? prev->hist[i] : 0);
	}
	khist_figures(hist, row->events, &row->p50_ns, &row->p99_ns, &row->max_ns);
	if (!prev && st->max_ns) {
		row->max_ns = st->max_ns; /* exact over the run */
	} else if (worst->delay_ns && !worst->timeout && row->max_ns &&
		   worst->delay_ns >= lat_khist_low(lat_khist_index(row->max_ns))) {
		row->max_ns =
		    worst->delay_ns; /* the worst record is in the highest bucket: exact */
	}
	row->p50_ns = row->p50_ns > row->max_ns ? row->max_ns : row->p50_ns;
	row->p99_ns = row->p99_ns > row->max_ns ? row->max_ns : row->p99_ns;
	row->threshold_ns = lat_ebpf_probe_ctl(t->probe)->threshold_ns;
	row->worst = *worst;
}

void lat_top_acc_close(struct lat_top_acc *acc, uint64_t now_ns, struct lat_top_frame *frame)
{
	memset(frame, 0, offsetof(struct lat_top_frame, slow));
	frame->interval_ns = now_ns - acc->last_close_ns;
	acc->last_close_ns = now_ns;
	for (int k = 0; k < acc->ntrk; k++) {
		struct lat_top_acc_tracker *t = &acc->trk[k];
		uint64_t lost = lat_top_acc_lost(t);

		for (int i = 0; i < t->nseries && frame->nrows < LAT_TOP_ROWS_MAX; i++) {
			struct lat_top_acc_series *s = &t->s[i];
			struct lat_top_row *row = &frame->rows[frame->nrows++];
			struct lat_stats st;

			if (lat_ebpf_probe_stats(t->probe, (uint32_t)i, &st) != 0) {
				st = s->prev;
			}
			lat_top_acc_row(row, t, i, &st, &s->prev, &s->worst);
			row->over = s->over;
			if (i == 0) {
				row->lost = lost - s->lost_prev;
				s->lost_prev = lost;
			}
			s->prev = st;
			s->over = 0;
			memset(&s->worst, 0, sizeof(s->worst));
		}
	}
	frame->nslow = acc->nslow;
	frame->slow_more = acc->slow_more;
	memcpy(frame->slow, acc->slow, sizeof(acc->slow[0]) * (size_t)acc->nslow);
	acc->nslow = 0;
	acc->slow_more = 0;
}
