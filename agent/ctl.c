/* ctl.c: the agent's control socket (the protocol of `latscope ctl`: get, set, status, top,
 * windows): the requests of util/ctlproto.h answered from the agent's state. */
#include "agentd.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/ctlproto.h"
#include "outputs/jsonl.h"
#include "util/ctlsock.h"
#include "util/units.h"

#define U(x) ((unsigned long long)(x))

static void reply(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reply(FILE *out, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vfprintf(out, fmt, args);
	va_end(args);
}

static void ctl_get_one(FILE *out, struct agent_tracker *t, const char *setting)
{
	struct lat_tracker_ctl *ctl = lat_ebpf_probe_ctl(t->probe);
	char buf[32];

	if (!setting || !strcmp(setting, "threshold")) {
		lat_format_duration_exact(ctl->threshold_ns, buf, sizeof(buf));
		reply(out, "%s.threshold=%s\n", t->tracker->name, buf);
	}
	if (!setting || !strcmp(setting, "timeout")) {
		lat_format_duration_exact(ctl->timeout_ns, buf, sizeof(buf));
		reply(out, "%s.timeout=%s\n", t->tracker->name, buf); /* 0ns, as track says */
	}
	if (!setting || !strcmp(setting, "enabled")) {
		reply(out, "%s.enabled=%u\n", t->tracker->name, ctl->enabled ? 1u : 0u);
	}
}

/*
 * A key naming a tracker latscope has but this agent does not run: the "unknown key" line says
 * so, and how to run it. Returns whether it replied.
 */
static bool reply_not_running(FILE *out, const struct lat_ctl_item *it)
{
	char name[64];

	if (!it->tracker_len || it->tracker_len >= sizeof(name)) {
		return false;
	}
	memcpy(name, it->key, it->tracker_len);
	name[it->tracker_len] = '\0';
	if (!lat_ktracker_find(name)) {
		return false;
	}
	reply(out,
	      "error: unknown key in '%s%s%s': %s is not running in this agent (its config: "
	      "tracker = %s)\n",
	      it->key, it->value ? "=" : "", it->value ? it->value : "", name, name);
	return true;
}

static uint64_t app_bad_total(const struct agent *a)
{
	uint64_t n = 0;

	for (int r = 1; r < AGENT_APP_BAD_COUNT_; r++) {
		n += a->apps.bad[r];
	}
	return n;
}

static void ctl_status(struct agent *a, FILE *out)
{
	uint64_t now = agent_now_ns();
	struct lat_hist *h = malloc(sizeof(*h));

	uint64_t submitted[AGENT_TRACKERS_MAX] = {0};

	/*
	 * submitted: the records the probes have put in their ring buffers (read before reported:
	 * once the agent has caught up, reported >= this unless a record was lost uncounted).
	 */
	for (int i = 0; i < a->ntrk; i++) {
		struct lat_stats st;

		for (int k = 0; k < a->trk[i].nseries; k++) {
			if (lat_ebpf_probe_stats(a->trk[i].probe, (uint32_t)k, &st) == 0) {
				submitted[i] += st.reported;
			}
		}
	}
	agent_refresh(a);
	reply(out, "pid=%d\nconfig=%s\nuptime_ms=%" PRIu64 "\n", (int)getpid(), a->cfg.source,
	      (now - a->started_ns) / 1000000);
	for (int i = 0; i < a->ntrk; i++) {
		struct agent_tracker *t = &a->trk[i];
		uint64_t drops[LAT_DROP_MAX] = {0}, lost = t->bad_records;

		lat_ebpf_probe_drops(t->probe, drops);
		for (int d = 0; d < LAT_DROP_MAX; d++) {
			lost += drops[d];
		}
		reply(out, "%s.events=%llu\n%s.reported=%llu\n%s.lost=%llu\n", t->tracker->name,
		      U(t->kseries[0].last.count), t->tracker->name, U(t->records),
		      t->tracker->name, U(lost));
		reply(out, "%s.submitted=%llu\n", t->tracker->name, U(submitted[i]));
		if (h) {
			char p99[32];

			lat_hist_windows_get(&t->kseries[0].w, now, LAT_WINDOW_1M, h);
			lat_format_duration(lat_hist_quantile(h, 0.99), p99, sizeof(p99));
			reply(out, "%s.p99_1m=%s\n", t->tracker->name, h->count ? p99 : "-");
		}
		ctl_get_one(out, t, NULL);
	}
	for (int i = 0; i < a->apps.n; i++) {
		uint64_t count = a->apps.v[i]->fam.other->count;

		for (int k = 0; k < a->apps.v[i]->fam.n; k++) {
			count += a->apps.v[i]->fam.series[k]->count;
		}
		reply(out, "app.%s.samples=%llu\napp.%s.events=%llu\n", a->apps.v[i]->name,
		      U(count), a->apps.v[i]->name, U(a->apps.v[i]->events));
	}
	reply(out,
	      "app_messages.ok=%llu\napp_messages.bad=%llu\napp_messages.quota=%llu\n"
	      "app_messages.overflow=%llu\napp_names=%d\napp_evicted=%llu\n"
	      "app_event_lines_dropped=%llu\n",
	      U(a->apps.ok), U(app_bad_total(a)), U(a->apps.quota), U(a->apps.overflow), a->apps.n,
	      U(a->apps.evicted), U(a->apps.event_lines_dropped));
	reply(out, "ctl_timeouts=%llu\nhttp_deadline_closes=%llu\n", U(a->ctl.timeouts),
	      U(agent_http_deadline_closes(a->http)));
	reply(out, "profile_changes=%llu\nevent_lines=%llu\n", U(a->profile_changes),
	      U(a->events_written));
	free(h);
}

/* One JSON line per series and window: its count, sum, quantiles and non-empty buckets. */
static void windows_write(FILE *out, struct lat_hist_windows *w, uint64_t now, const char *source,
			  const char *name, const char *series, struct lat_hist *h)
{
	for (int win = 0; win < LAT_WINDOW_COUNT; win++) {
		struct lat_jsonl j;
		bool first = true;

		lat_hist_windows_get(w, now, (enum lat_window)win, h);
		lat_jsonl_begin(&j, out);
		lat_jsonl_str(&j, "source", source);
		lat_jsonl_str(&j, "name", name);
		lat_jsonl_str(&j, "series", series);
		lat_jsonl_str(&j, "window", lat_window_name((enum lat_window)win));
		lat_jsonl_u64(&j, "count", h->count);
		lat_jsonl_u64(&j, "sum_ns", h->sum);
		lat_jsonl_u64(&j, "max_ns", h->count ? h->max : 0);
		lat_jsonl_u64(&j, "p50_ns", lat_hist_quantile(h, 0.50));
		lat_jsonl_u64(&j, "p95_ns", lat_hist_quantile(h, 0.95));
		lat_jsonl_u64(&j, "p99_ns", lat_hist_quantile(h, 0.99));
		fputs(",\"buckets\":[", out);
		for (int b = 0; b < LAT_HIST_NBUCKETS; b++) {
			if (h->buckets[b]) {
				fprintf(out, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]",
					first ? "" : ",", lat_hist_bucket_low(b),
					lat_hist_bucket_high(b), h->buckets[b]);
				first = false;
			}
		}
		fputc(']', out);
		lat_jsonl_end(&j);
	}
}

/* `windows`: every tracker series and application label over the last 1m, 5m, 15m and 1h. */
static void ctl_windows(struct agent *a, FILE *out)
{
	struct lat_hist *h = malloc(sizeof(*h));
	uint64_t now = agent_now_ns();

	if (!h) {
		reply(out, "error: out of memory\n");
		return;
	}
	for (int i = 0; i < a->ntrk; i++) {
		struct agent_tracker *t = &a->trk[i];

		for (int s = 0; s < t->nseries; s++) {
			windows_write(out, &t->kseries[s].w, now, "tracker", t->tracker->name,
				      t->tracker->series ? t->tracker->series[s] : t->tracker->name,
				      h);
		}
	}
	for (int i = 0; i < a->apps.n; i++) {
		struct agent_family *f = &a->apps.v[i]->fam;

		for (int k = 0; k < f->n; k++) {
			windows_write(out, &f->series[k]->w, now, "app", a->apps.v[i]->name,
				      f->series[k]->label, h);
		}
	}
	free(h);
}

int agent_ctl_handle(void *ctx, const char *line, FILE *out)
{
	struct agent *a = ctx;
	static struct lat_ctl_req req; /* the loop is single-threaded */
	struct {
		struct agent_tracker *t;
		struct agent_tracker_conf conf;
		const char *setting;
	} changes[32];
	int n = 0;

	lat_ctl_parse(line, LAT_CTL_SETTINGS_AGENT, &req);
	switch (req.verb) {
	case LAT_CTL_EMPTY:
		reply(out, "error: empty request\n");
		return -1;
	case LAT_CTL_UNKNOWN:
	case LAT_CTL_SNAPSHOT:
		reply(out, "error: unknown request '%.40s' (get, set, status, top, windows)\n",
		      req.verb_text);
		return -1;
	case LAT_CTL_STATUS:
		ctl_status(a, out);
		return 0;
	case LAT_CTL_TOP:
		agent_mark_off_rows(a, &a->top_last);        /* as the trackers are now */
		lat_top_frame_write_json(&a->top_last, out); /* the last second, JSON lines */
		return 0;
	case LAT_CTL_WINDOWS:
		ctl_windows(a, out); /* latscope report --agent */
		return 0;
	case LAT_CTL_GET:
		if (!req.n) {
			for (int i = 0; i < a->ntrk; i++) {
				ctl_get_one(out, &a->trk[i], NULL);
			}
			return 0;
		}
		for (int i = 0; i < req.n; i++) {
			struct lat_ctl_item *it = &req.items[i];
			struct agent_tracker *t =
			    it->error == LAT_CTL_E_KEY
				? NULL
				: agent_find_running(a, it->key, it->tracker_len);

			if (!t && reply_not_running(out, it)) {
				return -1;
			}
			if (!t || it->error) {
				reply(out,
				      "error: unknown key '%s' (TRACKER.threshold, .timeout, "
				      ".enabled)\n",
				      it->key);
				return -1;
			}
			ctl_get_one(out, t, it->setting);
		}
		return 0;
	case LAT_CTL_SET:
		break;
	}
	for (int i = 0; i < req.n; i++) {
		struct lat_ctl_item *it = &req.items[i];
		struct agent_tracker *t = it->error == LAT_CTL_E_KEY
					      ? NULL
					      : agent_find_running(a, it->key, it->tracker_len);
		struct agent_tracker_conf *c;

		if (!t && reply_not_running(out, it)) {
			return -1;
		}
		if (!t) {
			reply(out,
			      "error: unknown key in '%s%s%s' (TRACKER.threshold=DURATION; "
			      "tracked: see get)\n",
			      it->key, it->value ? "=" : "", it->value ? it->value : "");
			return -1;
		}
		if (n == 32) {
			reply(out, "error: too many settings\n");
			return -1;
		}
		switch (it->error) {
		case LAT_CTL_E_DURATION:
			reply(out, "error: bad duration '%s' for %s\n", it->value, it->key);
			return -1;
		case LAT_CTL_E_BOOL:
			reply(out, "error: %s takes 0 or 1\n", it->key);
			return -1;
		case LAT_CTL_E_SETTING:
		case LAT_CTL_E_KEY:
			reply(out, "error: unknown setting '%s' (threshold, timeout, enabled)\n",
			      it->key);
			return -1;
		case LAT_CTL_OK:
			break;
		}
		/* later changes of the same tracker build on earlier ones */
		c = &changes[n].conf;
		*c = t->conf;
		for (int k = n - 1; k >= 0; k--) {
			if (changes[k].t == t) {
				*c = changes[k].conf;
				break;
			}
		}
		if (it->kind == LAT_CTL_THRESHOLD) {
			c->threshold_ns = it->ns;
			c->threshold_set = true;
		} else if (it->kind == LAT_CTL_TIMEOUT) {
			c->timeout_ns = it->ns;
			c->timeout_set = true;
		} else {
			c->enabled = it->on;
		}
		changes[n].t = t;
		changes[n].setting = it->setting;
		n++;
	}
	if (!n) {
		reply(out, "error: set needs TRACKER.SETTING=VALUE\n");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		agent_tracker_apply_conf(changes[i].t, &changes[i].conf);
		ctl_get_one(out, changes[i].t, changes[i].setting);
	}
	return 0;
}
