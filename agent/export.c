/* export.c: the agent's metrics as Prometheus text exposition and Graphite plaintext lines. */
#include "agentd.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "outputs/graphite.h"
#include "outputs/prometheus.h"

static const double quantiles[] = {0.5, 0.95, 0.99};
static const char *const quantile_names[] = {"0.5", "0.95", "0.99"};

/* The family's exported series: the busiest top, then `other` with every other value merged. */
static int family_view(struct agent_family *f, struct agent_series **out, int max,
		       struct agent_series **merged_other)
{
	int n = agent_family_top(f, out, max);
	struct agent_series *other = agent_series_new("other", f->bounds_ns, f->nbounds);

	*merged_other = other;
	if (!other) {
		return n;
	}
	agent_series_merge_counts(other, f->other);
	for (int i = 0; i < f->n; i++) {
		bool shown = false;

		for (int j = 0; j < n; j++) {
			shown |= out[j] == f->series[i];
		}
		if (!shown) {
			agent_series_merge_counts(other, f->series[i]);
		}
	}
	return n;
}

/*
 * A summary per window (label window="1m"...): its quantiles (label quantile), _sum and _count,
 * as Prometheus summaries are (a gauge may not carry a quantile label: promtool check metrics).
 */
static void window_summaries(FILE *out, const char *name, struct lat_prom_label *labels,
			     int nlabels, struct lat_hist_windows *w, uint64_t now)
{
	struct lat_hist *h = malloc(sizeof(*h));
	char sum_name[128], count_name[128];

	if (!h) {
		return;
	}
	snprintf(sum_name, sizeof(sum_name), "%s_sum", name);
	snprintf(count_name, sizeof(count_name), "%s_count", name);
	for (int win = 0; win < LAT_WINDOW_COUNT; win++) {
		lat_hist_windows_get(w, now, (enum lat_window)win, h);
		if (!h->count) {
			continue;
		}
		labels[nlabels].name = "window";
		labels[nlabels].value = lat_window_name((enum lat_window)win);
		labels[nlabels + 1].name = "quantile";
		for (int q = 0; q < 3; q++) {
			labels[nlabels + 1].value = quantile_names[q];
			lat_prom_sample(out, name, labels, nlabels + 2,
					(double)lat_hist_quantile(h, quantiles[q]) / 1e9);
		}
		lat_prom_sample(out, sum_name, labels, nlabels + 1, (double)h->sum / 1e9);
		lat_prom_sample_u64(out, count_name, labels, nlabels + 1, h->count);
	}
	free(h);
}

/* A sum of nanoseconds as exact decimal seconds, past 2^64 ns too. */
static void format_wide_seconds(unsigned __int128 ns, char *buf, size_t len)
{
	unsigned __int128 sec = ns / 1000000000U;
	uint64_t frac = (uint64_t)(ns % 1000000000U);
	char digits[48];
	int n = 0;

	if (sec == 0) {
		digits[n++] = '0';
	}
	for (; sec; sec /= 10) {
		digits[n++] = (char)('0' + (int)(sec % 10));
	}
	for (int i = 0; i < n / 2; i++) {
		char c = digits[i];

		digits[i] = digits[n - 1 - i];
		digits[n - 1 - i] = c;
	}
	digits[n] = '\0';
	if (!frac) {
		snprintf(buf, len, "%s", digits);
		return;
	}
	n = 9;
	while (frac % 10 == 0) {
		frac /= 10;
		n--;
	}
	snprintf(buf, len, "%s.%0*llu", digits, n, (unsigned long long)frac);
}

/* One histogram per series of a family (the busiest 1000, then the rest as label="other"), with
 * the labels KEY="KEY_VALUE",label="...". top: room for 1000 series. */
static void family_histograms(FILE *out, const char *metric, const char *key, const char *key_value,
			      struct agent_family *f, struct agent_series **top)
{
	struct lat_prom_label l[2] = {{key, key_value}, {"label", NULL}};
	struct agent_series *other = NULL;
	int n = family_view(f, top, 1000, &other);
	char sum[64];

	for (int k = 0; k <= n; k++) {
		struct agent_series *s = k < n ? top[k] : other;

		if (!s || (k == n && !s->count)) {
			continue;
		}
		l[1].value = s->label;
		format_wide_seconds(s->sum_ns, sum, sizeof(sum));
		lat_prom_histogram_sum_text(out, metric, l, 2, s->bounds_ns, s->le_counts,
					    s->nbounds, sum);
	}
	agent_series_free(other);
}

static const char *series_name(const struct agent_tracker *t, int s)
{
	return t->tracker->series ? t->tracker->series[s] : t->tracker->name;
}

void agent_render_prometheus(struct agent *a, FILE *out)
{
	uint64_t now = agent_now_ns(), bounds[AGENT_KHIST_NBOUNDS], counts[AGENT_KHIST_NBOUNDS + 1];
	struct lat_prom_label l[6];
	struct agent_series *top[1001];

	lat_prom_family(out, "latscope_latency_seconds", "histogram",
			"Latency of every event of a kernel tracker series (in-kernel log-linear "
			"buckets summed per power of two: le = 2^k - 1 ns)");
	for (int i = 0; i < a->ntrk; i++) {
		struct agent_tracker *t = &a->trk[i];

		for (int s = 0; s < t->nseries; s++) {
			l[0] = (struct lat_prom_label){"tracker", t->tracker->name};
			l[1] = (struct lat_prom_label){"series", series_name(t, s)};
			agent_khist_buckets(&t->kseries[s].last, bounds, counts);
			lat_prom_histogram(out, "latscope_latency_seconds", l, 2, bounds, counts,
					   AGENT_KHIST_NBOUNDS, t->kseries[s].last.total_ns);
		}
	}
	lat_prom_family(
	    out, "latscope_latency_quantile_seconds", "summary",
	    "Quantiles of a kernel tracker series over the last 1m, 5m, 15m and 1h, a "
	    "summary per window (log-linear kernel buckets, 1.6 %, re-binned: within 8 %)");
	for (int i = 0; i < a->ntrk; i++) {
		struct agent_tracker *t = &a->trk[i];

		for (int s = 0; s < t->nseries; s++) {
			l[0] = (struct lat_prom_label){"tracker", t->tracker->name};
			l[1] = (struct lat_prom_label){"series", series_name(t, s)};
			window_summaries(out, "latscope_latency_quantile_seconds", l, 2,
					 &t->kseries[s].w, now);
		}
	}
	lat_prom_family(out, "latscope_events_total", "counter",
			"Events a kernel tracker series saw complete");
	for (int i = 0; i < a->ntrk; i++) {
		struct agent_tracker *t = &a->trk[i];

		for (int s = 0; s < t->nseries; s++) {
			l[0] = (struct lat_prom_label){"tracker", t->tracker->name};
			l[1] = (struct lat_prom_label){"series", series_name(t, s)};
			lat_prom_sample_u64(out, "latscope_events_total", l, 2,
					    t->kseries[s].last.count);
		}
	}
	lat_prom_family(out, "latscope_reported_total", "counter",
			"Over-threshold (and timeout) records a tracker sent to the agent");
	for (int i = 0; i < a->ntrk; i++) {
		l[0] = (struct lat_prom_label){"tracker", a->trk[i].tracker->name};
		lat_prom_sample_u64(out, "latscope_reported_total", l, 1, a->trk[i].records);
	}
	lat_prom_family(out, "latscope_lost_total", "counter",
			"Events lost, by tracker and reason (in the kernel: state full, ring "
			"buffer full...; in the agent: bad_record)");
	for (int i = 0; i < a->ntrk; i++) {
		struct agent_tracker *t = &a->trk[i];
		uint64_t drops[LAT_DROP_MAX] = {0};

		if (t->probe) {
			lat_ebpf_probe_drops(t->probe, drops);
		}
		l[0] = (struct lat_prom_label){"tracker", t->tracker->name};
		l[1].name = "reason";
		for (int d = 0; d < LAT_DROP_MAX; d++) {
			const char *name = lat_ebpf_drop_name(d);

			if (name) {
				l[1].value = name;
				lat_prom_sample_u64(out, "latscope_lost_total", l, 2, drops[d]);
			}
		}
		l[1].value = "bad_record";
		lat_prom_sample_u64(out, "latscope_lost_total", l, 2, t->bad_records);
	}
	lat_prom_family(out, "latscope_threshold_seconds", "gauge",
			"A tracker's current threshold (0: the tracker is off)");
	for (int i = 0; i < a->ntrk; i++) {
		struct agent_tracker *t = &a->trk[i];
		struct lat_tracker_ctl *ctl = t->probe ? lat_ebpf_probe_ctl(t->probe) : NULL;

		l[0] = (struct lat_prom_label){"tracker", t->tracker->name};
		lat_prom_sample(out, "latscope_threshold_seconds", l, 1,
				ctl && ctl->enabled ? (double)ctl->threshold_ns / 1e9 : 0);
	}
	lat_prom_family(out, "latscope_slow_seconds", "histogram",
			"Over-threshold events by the tracker's label (syscall, device, IRQ "
			"name, command): the busiest values, the rest in label=\"other\"");
	for (int i = 0; i < a->ntrk; i++) {
		family_histograms(out, "latscope_slow_seconds", "tracker", a->trk[i].tracker->name,
				  &a->trk[i].slow, top);
	}
	lat_prom_family(out, "latscope_app_latency_seconds", "histogram",
			"Latency samples sent by applications (liblatscope), by app and label: "
			"the busiest labels, the rest in label=\"other\"");
	for (int i = 0; i < a->apps.n; i++) {
		family_histograms(out, "latscope_app_latency_seconds", "app", a->apps.v[i]->name,
				  &a->apps.v[i]->fam, top);
	}
	lat_prom_family(out, "latscope_app_latency_quantile_seconds", "summary",
			"Quantiles of application samples over the last 1m, 5m, 15m and 1h, a "
			"summary per window (within 6.25%)");
	for (int i = 0; i < a->apps.n; i++) {
		struct agent_app *app = a->apps.v[i];
		int n = agent_family_top(&app->fam, top, 1000);

		l[0] = (struct lat_prom_label){"app", app->name};
		l[1].name = "label";
		for (int k = 0; k < n; k++) {
			l[1].value = top[k]->label;
			window_summaries(out, "latscope_app_latency_quantile_seconds", l, 2,
					 &top[k]->w, now);
		}
	}
	lat_prom_family(out, "latscope_app_events_total", "counter",
			"Over-threshold events sent by applications");
	for (int i = 0; i < a->apps.n; i++) {
		l[0] = (struct lat_prom_label){"app", a->apps.v[i]->name};
		lat_prom_sample_u64(out, "latscope_app_events_total", l, 1, a->apps.v[i]->events);
	}
	lat_prom_family(
	    out, "latscope_app_messages_total", "counter",
	    "Datagrams received from applications, by result (ok; bad: refused, see "
	    "latscope_app_bad_messages_total; quota: a new name past its user's "
	    "app_names_per_user; overflow: no room for a new name (app_names, none idle))");
	{
		uint64_t bad = 0;

		for (int r = 1; r < AGENT_APP_BAD_COUNT_; r++) {
			bad += a->apps.bad[r];
		}
		l[0].name = "result";
		l[0].value = "ok";
		lat_prom_sample_u64(out, "latscope_app_messages_total", l, 1, a->apps.ok);
		l[0].value = "bad";
		lat_prom_sample_u64(out, "latscope_app_messages_total", l, 1, bad);
		l[0].value = "quota";
		lat_prom_sample_u64(out, "latscope_app_messages_total", l, 1, a->apps.quota);
		l[0].value = "overflow";
		lat_prom_sample_u64(out, "latscope_app_messages_total", l, 1, a->apps.overflow);
	}
	lat_prom_family(out, "latscope_app_bad_messages_total", "counter",
			"Application datagrams refused, by reason (size, header, name, text: a "
			"label or detail not UTF-8 or with control characters, range: a count or "
			"value out of range)");
	l[0].name = "reason";
	for (int r = 1; r < AGENT_APP_BAD_COUNT_; r++) {
		l[0].value = agent_app_bad_name((enum agent_app_bad)r);
		lat_prom_sample_u64(out, "latscope_app_bad_messages_total", l, 1, a->apps.bad[r]);
	}
	lat_prom_family(out, "latscope_app_names", "gauge",
			"Application names held, by the user who sent each one's first message");
	l[0].name = "uid";
	for (int i = 0; i < a->apps.n; i++) {
		char uid[16];
		bool seen = false;

		for (int k = 0; k < i; k++) {
			seen |= a->apps.v[k]->uid == a->apps.v[i]->uid;
		}
		if (seen) {
			continue;
		}
		snprintf(uid, sizeof(uid), "%u", a->apps.v[i]->uid);
		l[0].value = uid;
		lat_prom_sample_u64(out, "latscope_app_names", l, 1,
				    (uint64_t)agent_apps_of_user(&a->apps, a->apps.v[i]->uid));
	}
	lat_prom_family(
	    out, "latscope_app_evictions_total", "counter",
	    "Application names evicted, silent for app_idle, to make room for a new one");
	lat_prom_sample_u64(out, "latscope_app_evictions_total", NULL, 0, a->apps.evicted);
	lat_prom_family(out, "latscope_app_event_lines_dropped_total", "counter",
			"Application events past their user's app_events_per_user (counted as "
			"samples, no JSON line)");
	lat_prom_sample_u64(out, "latscope_app_event_lines_dropped_total", NULL, 0,
			    a->apps.event_lines_dropped);
	lat_prom_family(
	    out, "latscope_ctl_timeouts_total", "counter",
	    "Control clients closed at their deadline (2 s for a request and its reply)");
	lat_prom_sample_u64(out, "latscope_ctl_timeouts_total", NULL, 0, a->ctl.timeouts);
	lat_prom_family(out, "latscope_http_deadline_closes_total", "counter",
			"HTTP connections closed because a request was not answered within 10 s");
	lat_prom_sample_u64(out, "latscope_http_deadline_closes_total", NULL, 0,
			    agent_http_deadline_closes(a->http));
	l[0].name = "result";
	lat_prom_family(out, "latscope_profile_changes_total", "counter",
			"Changes of profile: the last minute's p99 above profile_change x the "
			"last hour's");
	lat_prom_sample_u64(out, "latscope_profile_changes_total", NULL, 0, a->profile_changes);
	lat_prom_family(out, "latscope_event_lines_total", "counter",
			"JSON lines of events written (events = in the configuration)");
	lat_prom_sample_u64(out, "latscope_event_lines_total", NULL, 0, a->events_written);
	lat_prom_family(out, "latscope_graphite_sends_total", "counter",
			"Sends to carbon, by result");
	l[0].value = "ok";
	lat_prom_sample_u64(out, "latscope_graphite_sends_total", l, 1, a->graphite_sent);
	l[0].value = "error";
	lat_prom_sample_u64(out, "latscope_graphite_sends_total", l, 1, a->graphite_errors);
	lat_prom_family(
	    out, "latscope_config_reloads_total", "counter",
	    "SIGHUP reloads, by result (error: the running configuration stays; partial: some "
	    "changes refused)");
	l[0].value = "ok";
	lat_prom_sample_u64(out, "latscope_config_reloads_total", l, 1, a->reloads_ok);
	l[0].value = "partial";
	lat_prom_sample_u64(out, "latscope_config_reloads_total", l, 1, a->reloads_partial);
	l[0].value = "error";
	lat_prom_sample_u64(out, "latscope_config_reloads_total", l, 1, a->reloads_failed);
	lat_prom_family(out, "latscope_agent_uptime_seconds", "gauge", "Seconds since the start");
	lat_prom_sample(out, "latscope_agent_uptime_seconds", NULL, 0,
			(double)(now - a->started_ns) / 1e9);
}

static void graphite_windows(FILE *out, const char *prefix, const char **parts, int depth,
			     struct lat_hist_windows *w, uint64_t now, int64_t ts)
{
	struct lat_hist *h = malloc(sizeof(*h));
	static const char *const qnames[] = {"p50_1m", "p95_1m", "p99_1m"};

	if (!h) {
		return;
	}
	lat_hist_windows_get(w, now, LAT_WINDOW_1M, h);
	parts[depth + 1] = NULL;
	parts[depth] = "count_1m";
	lat_graphite_line(out, prefix, parts, (double)h->count, ts);
	for (int q = 0; q < 3 && h->count; q++) {
		parts[depth] = qnames[q];
		lat_graphite_line(out, prefix, parts,
				  (double)lat_hist_quantile(h, quantiles[q]) / 1e9, ts);
	}
	if (h->count) {
		parts[depth] = "max_1m";
		lat_graphite_line(out, prefix, parts, (double)h->max / 1e9, ts);
	}
	free(h);
}

void agent_render_graphite(struct agent *a, FILE *out, int64_t ts)
{
	uint64_t now = agent_now_ns();
	const char *parts[8];
	const char *prefix = a->cfg.graphite_prefix;
	struct agent_series *top[1001];

	for (int i = 0; i < a->ntrk; i++) {
		struct agent_tracker *t = &a->trk[i];
		int n;

		for (int s = 0; s < t->nseries; s++) {
			parts[0] = t->tracker->name;
			parts[1] = series_name(t, s);
			parts[2] = "events";
			parts[3] = NULL;
			lat_graphite_line(out, prefix, parts, (double)t->kseries[s].last.count, ts);
			graphite_windows(out, prefix, parts, 2, &t->kseries[s].w, now, ts);
		}
		parts[0] = t->tracker->name;
		parts[1] = "reported";
		parts[2] = NULL;
		lat_graphite_line(out, prefix, parts, (double)t->records, ts);
		n = agent_family_top(&t->slow, top, 1000);
		for (int k = 0; k < n; k++) {
			parts[1] = "slow";
			parts[2] = top[k]->label;
			parts[3] = "count";
			parts[4] = NULL;
			lat_graphite_line(out, prefix, parts, (double)top[k]->count, ts);
		}
	}
	for (int i = 0; i < a->apps.n; i++) {
		struct agent_app *app = a->apps.v[i];
		int n = agent_family_top(&app->fam, top, 1000);

		for (int k = 0; k < n; k++) {
			parts[0] = "app";
			parts[1] = app->name;
			parts[2] = top[k]->label;
			parts[3] = "count";
			parts[4] = NULL;
			lat_graphite_line(out, prefix, parts, (double)top[k]->count, ts);
			graphite_windows(out, prefix, parts, 3, &top[k]->w, now, ts);
		}
	}
}

int agent_graphite_send(struct agent *a)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	char host[128], service[8], *buf = NULL;
	struct timeval tv = {.tv_sec = 2};
	uint16_t port;
	size_t len = 0, done = 0;
	FILE *out;
	int fd = -1, err = 0;

	if (agent_parse_hostport(a->cfg.graphite, host, sizeof(host), &port) != 0) {
		return -EINVAL;
	}
	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(host, service, &hints, &res) != 0 || !res) {
		return -EHOSTUNREACH;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* a carbon that does not answer holds the loop 2 s at most, not the kernel's SYN retries */
	if (connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		socklen_t len_err = sizeof(err);

		if (errno != EINPROGRESS) {
			err = -errno;
			goto out;
		}
		if (poll(&pfd, 1, 2000) != 1) {
			err = -ETIMEDOUT;
			goto out;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len_err) != 0 || err) {
			err = -(err ? err : errno);
			goto out;
		}
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	out = open_memstream(&buf, &len);
	if (!out) {
		err = -ENOMEM;
		goto out;
	}
	agent_render_graphite(a, out, (int64_t)time(NULL));
	fclose(out);
	while (done < len) {
		ssize_t w = send(fd, buf + done, len - done, MSG_NOSIGNAL);

		if (w <= 0) {
			err = w < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)w;
	}
out:
	free(buf);
	if (fd >= 0) {
		close(fd);
	}
	freeaddrinfo(res);
	return err;
}
