/* top_frame.c: the trackers' interval figures (trackers/top_acc.h) as JSON lines (the agent's
 * `top` reply, written and read back by `latscope top --agent`) and the run's summary as text. */
#include "trackers/top_acc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "outputs/jsonl.h"
#include "util/json.h"
#include "util/units.h"

#define U(x) ((unsigned long long)(x))

static void fmt_dur(uint64_t ns, char *buf, size_t len)
{
	if (!ns) {
		snprintf(buf, len, "-");
	} else {
		lat_format_duration(ns, buf, len);
	}
}

void lat_top_acc_print_summary(struct lat_top_acc *acc, uint64_t now_ns, FILE *out)
{
	char secs[32];

	lat_format_duration(now_ns - acc->started_ns, secs, sizeof(secs));
	fprintf(out,
		"Summary of %s: every event counted in the kernel, over-threshold events "
		"received\n",
		secs);
	fprintf(out, "%-12s %12s %8s %9s %9s %9s %10s %8s\n", "SERIES", "EVENTS", "OVER",
		"THRESHOLD", "P50", "P99", "MAX", "LOST");
	for (int k = 0; k < acc->ntrk; k++) {
		struct lat_top_acc_tracker *t = &acc->trk[k];
		uint64_t lost = lat_top_acc_lost(t);

		for (int i = 0; i < t->nseries; i++) {
			struct lat_top_acc_series *s = &t->s[i];
			struct lat_top_row row;
			struct lat_stats st;
			char thr[32], p50[32], p99[32], max[32];

			if (lat_ebpf_probe_stats(t->probe, (uint32_t)i, &st) != 0) {
				continue;
			}
			lat_top_acc_row(&row, t, i, &st, NULL, &s->worst_run[0]);
			fmt_dur(row.threshold_ns, thr, sizeof(thr));
			fmt_dur(row.p50_ns, p50, sizeof(p50));
			fmt_dur(row.p99_ns, p99, sizeof(p99));
			fmt_dur(row.max_ns, max, sizeof(max));
			fprintf(out, "%-12s %12llu %8llu %9s %9s %9s %10s ", s->name, U(row.events),
				U(s->over_total), thr, p50, p99, max);
			if (i == 0) {
				fprintf(out, "%8llu\n", U(lost));
			} else {
				fprintf(out, "%8s\n", "-");
			}
			for (int w = 0; w < LAT_TOP_WORST_MAX && s->worst_run[w].delay_ns; w++) {
				const struct lat_top_event *e = &s->worst_run[w];
				char d[32];

				lat_format_duration(e->delay_ns, d, sizeof(d));
				fprintf(out, "  worst: %s %s[%u/%u] %s%s\n", d, e->comm, e->pid,
					e->tid, e->fields, e->timeout ? " (timeout)" : "");
			}
		}
		if (lost) {
			uint64_t drops[LAT_DROP_MAX] = {0};

			lat_ebpf_probe_drops(t->probe, drops);
			fprintf(out, "  lost:");
			for (int d = 0; d < LAT_DROP_MAX; d++) {
				if (lat_ebpf_drop_name(d)) {
					fprintf(out, " %s=%llu", lat_ebpf_drop_name(d),
						U(drops[d]));
				}
			}
			fprintf(out, " bad_records=%llu\n", U(t->bad_records));
		}
	}
	fflush(out);
}

/* --- JSON lines: the agent's `top` reply ------------------------------------------------------ */

void lat_top_frame_write_json(const struct lat_top_frame *frame, FILE *out)
{
	struct lat_jsonl j;

	lat_jsonl_begin(&j, out);
	lat_jsonl_str(&j, "type", "interval");
	lat_jsonl_u64(&j, "interval_ns", frame->interval_ns);
	lat_jsonl_u64(&j, "slow_more", frame->slow_more);
	lat_jsonl_end(&j);
	for (int i = 0; i < frame->nrows; i++) {
		const struct lat_top_row *r = &frame->rows[i];

		lat_jsonl_begin(&j, out);
		lat_jsonl_str(&j, "type", "series");
		lat_jsonl_str(&j, "tracker", r->tracker);
		lat_jsonl_str(&j, "series", r->series);
		lat_jsonl_u64(&j, "events", r->events);
		lat_jsonl_u64(&j, "over", r->over);
		lat_jsonl_u64(&j, "lost", r->lost);
		lat_jsonl_u64(&j, "p50_ns", r->p50_ns);
		lat_jsonl_u64(&j, "p99_ns", r->p99_ns);
		lat_jsonl_u64(&j, "max_ns", r->max_ns);
		lat_jsonl_u64(&j, "threshold_ns", r->threshold_ns);
		lat_jsonl_u64(&j, "worst_ns", r->worst.delay_ns);
		if (r->off) {
			lat_jsonl_bool(&j, "enabled", false);
		}
		if (r->worst.delay_ns) {
			lat_jsonl_u64(&j, "worst_pid", r->worst.pid);
			lat_jsonl_u64(&j, "worst_tid", r->worst.tid);
			lat_jsonl_bool(&j, "worst_timeout", r->worst.timeout);
			lat_jsonl_str(&j, "worst_comm", r->worst.comm);
			lat_jsonl_str(&j, "worst_fields", r->worst.fields);
		}
		lat_jsonl_end(&j);
	}
	for (int i = 0; i < frame->nslow; i++) {
		const struct lat_top_slow *s = &frame->slow[i];

		lat_jsonl_begin(&j, out);
		lat_jsonl_str(&j, "type", "slow");
		lat_jsonl_u64(&j, "pid", s->pid);
		lat_jsonl_str(&j, "comm", s->comm);
		lat_jsonl_u64(&j, "over", s->over);
		lat_jsonl_u64(&j, "worst_ns", s->worst_ns);
		lat_jsonl_str(&j, "series", s->tracker);
		lat_jsonl_end(&j);
	}
}

#define JSON_KEYS_MAX 24

struct json_kv {
	char key[32];
	char value[192];
};

/*
 * Parses one flat JSON object (strings, numbers, booleans) with json-c; returns the pairs (values
 * as text, longer ones cut) or -EINVAL (not JSON, not an object, a nested value, too many keys).
 */
static int json_flat_parse(const char *p, struct json_kv *kv, int max)
{
	struct json_object *obj;
	int n = 0;

	if (lat_json_parse(p, strlen(p), &obj)) {
		return -EINVAL;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return -EINVAL;
	}
	json_object_object_foreach(obj, key, val)
	{
		enum json_type type = json_object_get_type(val);

		if (n == max || type == json_type_object || type == json_type_array ||
		    type == json_type_null) {
			json_object_put(obj);
			return -EINVAL;
		}
		snprintf(kv[n].key, sizeof(kv[n].key), "%s", key);
		snprintf(kv[n].value, sizeof(kv[n].value), "%s",
			 type == json_type_string ? json_object_get_string(val)
			 : type == json_type_boolean
			     ? (json_object_get_boolean(val) ? "true" : "false")
			     : lat_json_number_text(val));
		n++;
	}
	json_object_put(obj);
	return n;
}

static const char *kv_get(const struct json_kv *kv, int n, const char *key)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(kv[i].key, key)) {
			return kv[i].value;
		}
	}
	return NULL;
}

static uint64_t kv_u64(const struct json_kv *kv, int n, const char *key)
{
	const char *v = kv_get(kv, n, key);

	return v ? strtoull(v, NULL, 10) : 0;
}

static void kv_str(const struct json_kv *kv, int n, const char *key, char *out, size_t len)
{
	const char *v = kv_get(kv, n, key);
	size_t l = v ? strnlen(v, len - 1) : 0;

	memcpy(out, v ? v : "", l);
	out[l] = '\0';
}

int lat_top_frame_parse_line(struct lat_top_frame *frame, const char *line)
{
	struct json_kv kv[JSON_KEYS_MAX];
	int n = json_flat_parse(line, kv, JSON_KEYS_MAX);
	const char *type = n > 0 ? kv_get(kv, n, "type") : NULL;

	if (!type) {
		return -EINVAL;
	}
	if (!strcmp(type, "interval")) {
		frame->interval_ns = kv_u64(kv, n, "interval_ns");
		frame->slow_more = kv_u64(kv, n, "slow_more");
	} else if (!strcmp(type, "series") && frame->nrows < LAT_TOP_ROWS_MAX) {
		struct lat_top_row *r = &frame->rows[frame->nrows++];

		memset(r, 0, sizeof(*r));
		kv_str(kv, n, "tracker", r->tracker, sizeof(r->tracker));
		kv_str(kv, n, "series", r->series, sizeof(r->series));
		r->events = kv_u64(kv, n, "events");
		r->over = kv_u64(kv, n, "over");
		r->lost = kv_u64(kv, n, "lost");
		r->p50_ns = kv_u64(kv, n, "p50_ns");
		r->p99_ns = kv_u64(kv, n, "p99_ns");
		r->max_ns = kv_u64(kv, n, "max_ns");
		r->threshold_ns = kv_u64(kv, n, "threshold_ns");
		r->worst.delay_ns = kv_u64(kv, n, "worst_ns");
		r->worst.pid = (uint32_t)kv_u64(kv, n, "worst_pid");
		r->worst.tid = (uint32_t)kv_u64(kv, n, "worst_tid");
		r->worst.timeout = !strcmp(kv_get(kv, n, "worst_timeout") ?: "", "true");
		kv_str(kv, n, "worst_comm", r->worst.comm, sizeof(r->worst.comm));
		kv_str(kv, n, "worst_fields", r->worst.fields, sizeof(r->worst.fields));
		r->off = !strcmp(kv_get(kv, n, "enabled") ?: "", "false");
	} else if (!strcmp(type, "slow") && frame->nslow < LAT_TOP_SLOW_MAX) {
		struct lat_top_slow *s = &frame->slow[frame->nslow++];

		memset(s, 0, sizeof(*s));
		s->pid = (uint32_t)kv_u64(kv, n, "pid");
		kv_str(kv, n, "comm", s->comm, sizeof(s->comm));
		s->over = kv_u64(kv, n, "over");
		s->worst_ns = kv_u64(kv, n, "worst_ns");
		kv_str(kv, n, "series", s->tracker, sizeof(s->tracker));
	} else if (strcmp(type, "series") && strcmp(type, "slow")) {
		return -EINVAL;
	}
	return 0;
}
