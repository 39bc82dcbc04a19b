/* report.c: `latscope report INPUT -o FILE`: one self-contained HTML page from a `latscope track
 * --json` log or an LTTng kernel trace (the analyses run through their C API). docs/report.md */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "analyses/analysis.h"
#include "outputs/flamegraph.h"
#include "outputs/folded.h"
#include "outputs/html.h"
#include "outputs/text.h"
#include "sources/ctf.h"
#include "report_json.h"

#define DEFAULT_MAX_POINTS 50000
#define MAX_GROUP_ROWS     15

/* Reads the log; returns 0 or the exit status after printing one line. */
static int read_tracklog(FILE *in, const char *name, struct tracklog *log)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0, records = 0;
	ssize_t len;
	int ret = 0;

	while ((len = getline(&line, &cap, in)) > 0) {
		bool last = line[len - 1] != '\n';

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
			len--;
		}
		if (len == 0 || strspn(line, " \t") == (size_t)len) {
			continue;
		}
		ret = tracklog_add_line(log, line, (size_t)len);
		if (ret == -EINVAL && last && records) {
			/* a log cut in the middle of its last line (the tracker was killed) */
			fprintf(stderr,
				"latscope: warning: %s:%zu: ignoring a truncated last line\n", name,
				lineno);
			ret = 0;
			break;
		}
		if (ret == -EINVAL) {
			cli_error("%s:%zu: not a latscope track --json log: this line is not JSON",
				  name, lineno);
			goto fail;
		}
		if (ret < 0) {
			cli_error("%s:%zu: %s", name, lineno,
				  ret == -EBADMSG ? "not a latscope track --json record"
						  : strerror(-ret));
			goto fail;
		}
		records += ret == 0;
		ret = 0;
	}
	if (ferror(in)) {
		cli_error("%s: %s", name, strerror(errno));
		goto fail;
	}
	free(line);
	if (!lineno) {
		cli_error("%s: empty file: not a latscope track --json log", name);
		return CLI_EXIT_FAILURE;
	}
	if (!records) {
		cli_error("%s: no alert or summary record: not a latscope track --json log", name);
		return CLI_EXIT_FAILURE;
	}
	return 0;
fail:
	free(line);
	return CLI_EXIT_FAILURE;
}

/* --- the track report ----------------------------------------------------------------------- */

struct group {
	const char *value;
	double count, total, max;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_group_total(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->total < y->total ? 1 : x->total > y->total ? -1 : strcmp(x->value, y->value);
}

static int cmp_alert_delay(const void *a, const void *b)
{
	const struct alert *const *x = a, *const *y = b;

	return (*x)->delay_ns < (*y)->delay_ns ? 1 : (*x)->delay_ns > (*y)->delay_ns ? -1 : 0;
}

static const char *alert_field(const struct alert *a, const char *key)
{
	for (size_t i = 0; i < a->nfields; i++) {
		if (strcmp(a->fields[i].key, key) == 0) {
			return a->fields[i].value;
		}
	}
	return NULL;
}

/* Top offenders of one tracker by one field: bars of the total delay, then a table. */
static void report_group(struct lat_html *h, const struct tracklog *log, unsigned tracker,
			 const char *key)
{
	struct group *groups = NULL;
	const char **values = NULL;
	size_t n = 0, ngroups = 0;

	values = calloc(log->nalerts + 1, sizeof(*values));
	if (!values) {
		return;
	}
	for (size_t i = 0; i < log->nalerts; i++) {
		const char *v;

		if (log->alerts[i].tracker == tracker && !log->alerts[i].timeout &&
		    (v = alert_field(&log->alerts[i], key))) {
			values[n++] = v;
		}
	}
	if (!n) {
		free(values);
		return;
	}
	qsort(values, n, sizeof(*values), cmp_str);
	groups = calloc(n, sizeof(*groups));
	if (!groups) {
		free(values);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!ngroups || strcmp(groups[ngroups - 1].value, values[i]) != 0) {
			groups[ngroups++].value = values[i];
		}
	}
	/* one group per event means the field identifies events, not offenders */
	if (ngroups > 1 && ngroups == n && n > 3 && strcmp(key, "comm") != 0) {
		goto out;
	}
	for (size_t i = 0; i < log->nalerts; i++) {
		const struct alert *a = &log->alerts[i];
		const char *v;
		size_t lo = 0, hi = ngroups;

		if (a->tracker != tracker || a->timeout || !(v = alert_field(a, key))) {
			continue;
		}
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (strcmp(groups[mid].value, v) < 0) {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
		groups[lo].count++;
		groups[lo].total += a->delay_ns;
		groups[lo].max = fmax(groups[lo].max, a->delay_ns);
	}
	qsort(groups, ngroups, sizeof(*groups), cmp_group_total);
	size_t shown = ngroups < MAX_GROUP_ROWS ? ngroups : MAX_GROUP_ROWS;
	struct lat_html_bar *bars = calloc(shown, sizeof(*bars));
	char **cells = calloc(shown * 5, sizeof(*cells));
	double *vals = calloc(shown * 5, sizeof(*vals));
	char title[160];

	snprintf(title, sizeof(title), "%s: slowest by %s (total time of the reported events)",
		 log->trackers[tracker], key);
	if (bars && cells && vals) {
		static const char *const headers[] = {"", "reported", "total", "mean", "max"};
		static const bool num[] = {false, true, true, true, true};
		char buf[64];

		for (size_t i = 0; i < shown; i++) {
			char total[32], mean[32];

			lat_html_format_ns(total, sizeof(total), groups[i].total);
			lat_html_format_ns(mean, sizeof(mean), groups[i].total / groups[i].count);
			bars[i].label = groups[i].value;
			bars[i].value = groups[i].total;
			snprintf(bars[i].text, sizeof(bars[i].text), "%s in %.0f (mean %s)", total,
				 groups[i].count, mean);
			cells[i * 5] = strdup(groups[i].value);
			snprintf(buf, sizeof(buf), "%.0f", groups[i].count);
			cells[i * 5 + 1] = strdup(buf);
			cells[i * 5 + 2] = strdup(total);
			cells[i * 5 + 3] = strdup(mean);
			lat_html_format_ns(buf, sizeof(buf), groups[i].max);
			cells[i * 5 + 4] = strdup(buf);
			vals[i * 5 + 1] = groups[i].count;
			vals[i * 5 + 2] = groups[i].total;
			vals[i * 5 + 3] = groups[i].total / groups[i].count;
			vals[i * 5 + 4] = groups[i].max;
		}
		lat_html_bars(h, title, bars, shown);
		fputs("<details><summary>as a table</summary>\n", h->out);
		{
			const char *hdr[5];

			memcpy(hdr, headers, sizeof(hdr));
			hdr[0] = key;
			lat_html_table(h, hdr, 5, (const char *const *)cells, vals, num, shown);
		}
		if (ngroups > shown) {
			snprintf(buf, sizeof(buf), "%zu more values of %s not shown.",
				 ngroups - shown, key);
			lat_html_para(h, "note", buf);
		}
		fputs("</details>\n", h->out);
	}
	for (size_t i = 0; cells && i < shown * 5; i++) {
		free(cells[i]);
	}
	free(cells);
	free(vals);
	free(bars);
out:
	free(groups);
	free(values);
}

/* The string fields a tracker's alerts have (comm first), in order of first sight. */
static size_t tracker_keys(const struct tracklog *log, unsigned tracker, const char **keys,
			   size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < log->nalerts; i++) {
		const struct alert *a = &log->alerts[i];

		if (a->tracker != tracker) {
			continue;
		}
		for (size_t f = 0; f < a->nfields; f++) {
			bool seen = false;

			for (size_t k = 0; k < n && !seen; k++) {
				seen = strcmp(keys[k], a->fields[f].key) == 0;
			}
			if (!seen && n < max) {
				keys[n++] = a->fields[f].key;
			}
		}
	}
	return n;
}

static void fmt_count(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.0f", v);
}

/* --- folded stacks (flame graphs) ----------------------------------------------------------- */

/* Reads a folded file (`offcputime -f`, flamegraph.pl's input); 0 or the exit status. */
static int read_folded(FILE *in, const char *name, struct lat_folded *f)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int ret = 0;

	while ((len = getline(&line, &cap, in)) > 0) {
		lineno++;
		ret = lat_folded_add_line(f, line, (size_t)len);
		if (ret == -EINVAL && !f->count) {
			cli_error(
			    "%s:%zu: not a latscope track --json log (this line is not JSON) nor "
			    "folded stacks (FRAME;...;FRAME VALUE)",
			    name, lineno);
			break;
		}
		if (ret == -EINVAL) {
			cli_error("%s:%zu: not a folded stack line (FRAME;...;FRAME VALUE)", name,
				  lineno);
			break;
		}
		if (ret < 0) {
			cli_error("%s: %s", name, strerror(-ret));
			break;
		}
		ret = 0;
	}
	if (!ret && ferror(in)) {
		cli_error("%s: %s", name, strerror(errno));
		ret = -EIO;
	}
	free(line);
	if (!ret && !f->count) {
		cli_error("%s: no stack line: not a folded file", name);
		ret = -EINVAL;
	}
	lat_folded_finish(f);
	return ret ? CLI_EXIT_FAILURE : 0;
}

/* Whether some alert of the tracker has a stack. */
static bool tracker_has_stacks(const struct tracklog *log, unsigned tracker)
{
	for (size_t i = 0; i < log->nalerts; i++) {
		const struct alert *a = &log->alerts[i];

		if (a->tracker == tracker &&
		    (a->stacks[STACK_K].count || a->stacks[STACK_U].count)) {
			return true;
		}
	}
	return false;
}

/* The tracker's alerts as folded stacks, each worth its delay in µs (truncated, as offcputime);
 * 0 or -ENOMEM. */
static int tracklog_folded(const struct tracklog *log, unsigned tracker, unsigned flags,
			   struct lat_folded *f)
{
	for (size_t i = 0; i < log->nalerts; i++) {
		const struct alert *a = &log->alerts[i];
		const struct alert_stack_frames *st = a->stacks;
		struct lat_folded_sample s = {
		    .comm = alert_field(a, "comm"),
		    .ustack = (const char *const *)st[STACK_U].frames,
		    .nustack = st[STACK_U].count,
		    .kstack = (const char *const *)st[STACK_K].frames,
		    .nkstack = st[STACK_K].count,
		    .waker = alert_field(a, "waker_comm"),
		    .waker_context = alert_field(a, "waker_context"),
		    .waker_kstack = (const char *const *)st[STACK_WAKER_K].frames,
		    .nwaker_kstack = st[STACK_WAKER_K].count,
		    .waker_ustack = (const char *const *)st[STACK_WAKER_U].frames,
		    .nwaker_ustack = st[STACK_WAKER_U].count,
		    .value = a->delay_ns > 0 ? (uint64_t)(a->delay_ns / 1000) : 0,
		};
		int ret;

		if (a->tracker != tracker) {
			continue;
		}
		ret = lat_folded_add_sample(f, &s, flags);
		if (ret) {
			return ret;
		}
	}
	return lat_folded_finish(f);
}

/* The flame graphs, in the offenders' section: one per tracker with stacks. */
static int report_flames(struct lat_html *h, const struct tracklog *log, unsigned flags)
{
	for (unsigned t = 0; t < log->ntrackers; t++) {
		struct lat_folded f = {0};
		char title[160], note[600];
		int ret;

		if (!tracker_has_stacks(log, t)) {
			continue;
		}
		ret = tracklog_folded(log, t, flags, &f);
		if (ret) {
			lat_folded_fini(&f);
			return ret;
		}
		snprintf(title, sizeof(title), "%s: slowest by stack (flame graph)",
			 log->trackers[t]);
		snprintf(
		    note, sizeof(note),
		    "The reported events' stacks, root at the bottom: the process name, the user "
		    "frames, '-', the kernel frames%s; each frame as wide as the time of the "
		    "events under it (%zu distinct stacks, %.3f s in all). Hover a frame for its "
		    "time and share, click to zoom. `latscope report LOG --folded FILE --tracker "
		    "%s` writes them for flamegraph.pl.",
		    flags & LAT_FOLDED_WAKER ? ", '--', the waker's stacks leaf first, its name"
					     : "",
		    f.count, (double)f.total / 1e6, log->trackers[t]);
		lat_html_flamegraph(h, title, note, &f, "\xc2\xb5s");
		lat_folded_fini(&f);
	}
	return 0;
}

static int report_tracklog(struct lat_html *h, const struct tracklog *log, const char *input,
			   size_t max_points, unsigned fold_flags)
{
	double t0 = INFINITY, t1 = -INFINITY, events = 0, reported = 0, timeouts = 0, lost = 0;
	struct lat_html_card cards[8];
	size_t ncards = 0, timeout_alerts = 0;
	char note[512];

	for (size_t i = 0; i < log->nalerts; i++) {
		t0 = fmin(t0, log->alerts[i].start_ns);
		t1 = fmax(t1, log->alerts[i].start_ns + log->alerts[i].delay_ns);
		timeout_alerts += log->alerts[i].timeout;
	}
	for (size_t i = 0; i < log->nsums; i++) {
		events += log->sums[i].events;
		reported += log->sums[i].reported;
		timeouts += log->sums[i].timeouts;
		lost += log->sums[i].lost;
	}

	/* overview */
	lat_html_section(h, "overview", "Overview", NULL);
	memset(cards, 0, sizeof(cards));
	cards[ncards].label = "trackers";
	snprintf(cards[ncards++].value, sizeof(cards[0].value), "%zu", log->ntrackers);
	cards[ncards].label = "events tracked";
	if (log->nsums) {
		fmt_count(cards[ncards++].value, sizeof(cards[0].value), events);
	} else {
		snprintf(cards[ncards++].value, sizeof(cards[0].value), "?");
	}
	cards[ncards].label = "reports in the log";
	snprintf(cards[ncards++].value, sizeof(cards[0].value), "%zu", log->nalerts);
	cards[ncards].label = "timeout reports";
	snprintf(cards[ncards++].value, sizeof(cards[0].value), "%zu", timeout_alerts);
	cards[ncards].label = "time span of reports";
	if (log->nalerts) {
		lat_html_format_ns(cards[ncards++].value, sizeof(cards[0].value), t1 - t0);
	} else {
		snprintf(cards[ncards++].value, sizeof(cards[0].value), "-");
	}
	cards[ncards].label = "events lost";
	cards[ncards].warn = lost > 0;
	if (log->nsums) {
		fmt_count(cards[ncards++].value, sizeof(cards[0].value), lost);
	} else {
		snprintf(cards[ncards++].value, sizeof(cards[0].value), "?");
	}
	lat_html_cards(h, cards, ncards);
	if (!log->nsums) {
		lat_html_para(h, "warn",
			      "The log has no summary records (the tracker was stopped before it "
			      "printed them): the distributions below are of the reported events "
			      "only, and losses are unknown.");
	}
	if (log->nsums) {
		static const char *const headers[] = {"tracker",  "series",   "events",
						      "reported", "timeouts", "threshold",
						      "mean",     "max",      "lost"};
		static const bool num[] = {false, false, true, true, true, true, true, true, true};
		size_t nc = 9;
		char **cells = calloc(log->nsums * nc, sizeof(*cells));
		double *vals = calloc(log->nsums * nc, sizeof(*vals));

		for (size_t i = 0; cells && vals && i < log->nsums; i++) {
			const struct summary *s = &log->sums[i];
			char b[64];

			cells[i * nc] = strdup(s->tracker);
			cells[i * nc + 1] = strdup(s->series);
			fmt_count(b, sizeof(b), s->events);
			cells[i * nc + 2] = strdup(b);
			fmt_count(b, sizeof(b), s->reported);
			cells[i * nc + 3] = strdup(b);
			fmt_count(b, sizeof(b), s->timeouts);
			cells[i * nc + 4] = strdup(b);
			lat_html_format_ns(b, sizeof(b), s->threshold_ns);
			cells[i * nc + 5] = strdup(b);
			lat_html_format_ns(b, sizeof(b), s->mean_ns);
			cells[i * nc + 6] = strdup(b);
			lat_html_format_ns(b, sizeof(b), s->max_ns);
			cells[i * nc + 7] = strdup(b);
			fmt_count(b, sizeof(b), s->lost);
			cells[i * nc + 8] = strdup(b);
			vals[i * nc + 2] = s->events;
			vals[i * nc + 3] = s->reported;
			vals[i * nc + 4] = s->timeouts;
			vals[i * nc + 5] = NAN;
			vals[i * nc + 6] = s->mean_ns;
			vals[i * nc + 7] = s->max_ns;
			vals[i * nc + 8] = s->lost;
		}
		if (cells && vals) {
			lat_html_table(h, headers, nc, (const char *const *)cells, vals, num,
				       log->nsums);
		}
		for (size_t i = 0; cells && i < log->nsums * nc; i++) {
			free(cells[i]);
		}
		free(cells);
		free(vals);
	}
	(void)reported;
	(void)timeouts;

	/* latency over time */
	snprintf(note, sizeof(note),
		 "Every reported event (over its tracker's threshold) at its start time; rings are "
		 "timeout reports (the event was still running). Hover a point for its fields and "
		 "stacks.");
	lat_html_section(h, "timeline", "Latency over time", note);
	{
		const struct alert **order = calloc(log->nalerts + 1, sizeof(*order));
		struct lat_html_point *pts = calloc(log->nalerts + 1, sizeof(*pts));
		size_t n = log->nalerts < max_points ? log->nalerts : max_points;
		double thr = 0;

		for (size_t i = 0; i < log->nsums; i++) {
			thr = log->nsums && (thr == 0 || log->sums[i].threshold_ns < thr)
				  ? log->sums[i].threshold_ns
				  : thr;
		}
		if (!order || !pts) {
			free(order);
			free(pts);
			return -ENOMEM;
		}
		for (size_t i = 0; i < log->nalerts; i++) {
			order[i] = &log->alerts[i];
		}
		if (n < log->nalerts) {
			qsort(order, log->nalerts, sizeof(*order), cmp_alert_delay);
			snprintf(note, sizeof(note),
				 "Showing the %zu slowest of %zu reports (--max-points).", n,
				 log->nalerts);
			lat_html_para(h, "warn", note);
		}
		for (size_t i = 0; i < n; i++) {
			pts[i].x_s = (order[i]->start_ns - t0) / 1e9;
			pts[i].y_ns = order[i]->delay_ns;
			pts[i].series = order[i]->tracker;
			pts[i].hollow = order[i]->timeout;
			pts[i].detail = order[i]->detail;
		}
		/* one threshold line only when every tracker has the same */
		for (size_t i = 0; i < log->nsums; i++) {
			if (log->sums[i].threshold_ns != thr) {
				thr = 0;
			}
		}
		lat_html_scatter(h, "Duration of each reported event", pts, n,
				 (const char *const *)log->trackers, log->ntrackers, thr);
		free(order);
		free(pts);
	}

	/* distributions */
	lat_html_section(
	    h, "distributions", "Latency distributions",
	    "Bars: every completed event, in the trackers' log2 buckets (counted in the "
	    "kernel, reported or not). Line: the density of the reported events' exact "
	    "durations. Duration axis in log scale.");
	for (size_t i = 0; i < log->nsums; i++) {
		const struct summary *s = &log->sums[i];
		double *values = calloc(log->nalerts + 1, sizeof(*values));
		size_t nv = 0, same_tracker = 0;
		unsigned t = 0;
		char title[160];

		for (size_t k = 0; k < log->nsums; k++) {
			same_tracker += strcmp(log->sums[k].tracker, s->tracker) == 0;
		}
		/* the density only when this series is its tracker's only one (alerts do not all
		 * say their series) */
		for (size_t k = 0; values && same_tracker == 1 && k < log->nalerts; k++) {
			if (strcmp(log->trackers[log->alerts[k].tracker], s->tracker) == 0 &&
			    !log->alerts[k].timeout) {
				values[nv++] = log->alerts[k].delay_ns;
			}
		}
		(void)t;
		if (strcmp(s->tracker, s->series) == 0) {
			snprintf(title, sizeof(title), "%s: %.0f events, %.0f reported", s->tracker,
				 s->events, s->reported);
		} else {
			snprintf(title, sizeof(title), "%s / %s: %.0f events, %.0f reported",
				 s->tracker, s->series, s->events, s->reported);
		}
		lat_html_histogram(h, title, s->buckets, s->nbuckets, values, nv, s->threshold_ns);
		free(values);
	}
	if (!log->nsums) {
		/* no summary: log2 buckets of the reported events */
		for (unsigned t = 0; t < log->ntrackers; t++) {
			struct lat_html_bucket b[64];
			double *values = calloc(log->nalerts + 1, sizeof(*values));
			size_t nv = 0;
			char title[160];

			memset(b, 0, sizeof(b));
			for (int k = 0; k < 64; k++) {
				b[k].low = ldexp(1, k);
				b[k].high = ldexp(1, k + 1);
			}
			for (size_t k = 0; values && k < log->nalerts; k++) {
				const struct alert *a = &log->alerts[k];

				if (a->tracker == t && !a->timeout) {
					int e =
					    a->delay_ns >= 1 ? (int)floor(log2(a->delay_ns)) : 0;

					b[e < 63 ? e : 63].count++;
					values[nv++] = a->delay_ns;
				}
			}
			snprintf(title, sizeof(title), "%s: %zu reported events", log->trackers[t],
				 nv);
			lat_html_histogram(h, title, b, 64, values, nv, 0);
			free(values);
		}
	}

	/* top offenders */
	lat_html_section(
	    h, "offenders", "Top offenders",
	    "The reported events (timeout reports left out) grouped by process name and "
	    "by each of the tracker's fields, ranked by the total time they took.");
	for (unsigned t = 0; t < log->ntrackers; t++) {
		const char *keys[16];
		size_t nk = tracker_keys(log, t, keys, 16);

		for (size_t k = 0; k < nk; k++) {
			report_group(h, log, t, keys[k]);
		}
	}
	if (!log->nalerts) {
		lat_html_para(h, "note", "No reported event.");
	}
	{
		int ret = report_flames(h, log, fold_flags);

		if (ret) {
			return ret;
		}
	}

	/* losses */
	lat_html_section(
	    h, "losses", "Losses",
	    "Every event latscope could not track or report is counted here (docs/track.md).");
	for (size_t i = 0; i < log->nsums; i++) {
		const struct summary *s = &log->sums[i];
		struct lat_html_card c[16];
		size_t n = 0;
		char title[160];

		snprintf(title, sizeof(title), "%s%s%s", s->tracker,
			 strcmp(s->tracker, s->series) ? " / " : "",
			 strcmp(s->tracker, s->series) ? s->series : "");
		lat_html_heading(h, title, NULL);
		memset(c, 0, sizeof(c));
		for (size_t k = 0; k < s->ndrops && n < 16; k++, n++) {
			c[n].label = s->drops[k].key;
			snprintf(c[n].value, sizeof(c[n].value), "%s", s->drops[k].value);
			c[n].warn = strcmp(s->drops[k].value, "0") != 0 &&
				    strcmp(s->drops[k].key, "exec run") != 0;
		}
		lat_html_cards(h, c, n);
	}
	if (log->other_lines) {
		snprintf(note, sizeof(note), "%zu lines of other record types were not shown.",
			 log->other_lines);
		lat_html_para(h, "note", note);
	}
	(void)input;
	return 0;
}

/* --- the trace report ------------------------------------------------------------------------ */

/* What runs on a trace, and the section each goes to. */
static const struct {
	const char *name, *section, *section_title;
} trace_analyses[] = {
    {"cputop", "cpu", "CPU usage per process"},
    {"memtop", "memory", "Memory per process"},
    {"iousagetop", "io", "I/O per process and latencies"},
    {"iolatencystats", "io", NULL},
    {"iolatencyfreq", "io", NULL},
    {"iolatencytop", "io", NULL},
    {"syscallstats", "syscalls", "System calls"},
    {"schedstats", "sched", "Scheduling latency"},
    {"schedfreq", "sched", NULL},
    {"schedtop", "sched", NULL},
    {"irqstats", "irq", "Interrupts"},
    {"irqfreq", "irq", NULL},
};
#define TRACE_ANALYSES (sizeof(trace_analyses) / sizeof(trace_analyses[0]))

struct trace_ctx {
	struct lat_analysis_run runs[TRACE_ANALYSES];
	struct lat_analysis_config config[TRACE_ANALYSES];
	bool inited[TRACE_ANALYSES]; /* init succeeded: fini needed */
	bool active[TRACE_ANALYSES]; /* inited, and no error while running */
	int error[TRACE_ANALYSES];
	uint64_t events;
};

static int trace_on_event(const struct lat_kevent *ev, void *user)
{
	struct trace_ctx *ctx = user;

	ctx->events++;
	for (size_t i = 0; i < TRACE_ANALYSES; i++) {
		if (ctx->active[i]) {
			int ret = lat_analysis_run_event(&ctx->runs[i], ev);

			if (ret < 0) {
				ctx->error[i] = ret;
				ctx->active[i] = false;
			}
		}
	}
	return 0;
}

/* Bars of a per-process table's first ratio or size column (CPU, I/O per process). */
static void process_bars(struct lat_html *h, const struct lat_table *t)
{
	const struct lat_table_class *cls = t->cls;
	size_t col = cls->ncolumns, n = t->nrows < MAX_GROUP_ROWS ? t->nrows : MAX_GROUP_ROWS;
	struct lat_html_bar *bars;
	char(*labels)[96];

	if (!cls->ncolumns || cls->columns[0].cls != LAT_CLS_PROCESS || !n) {
		return;
	}
	for (size_t c = 1; c < cls->ncolumns && col == cls->ncolumns; c++) {
		if (cls->columns[c].cls == LAT_CLS_RATIO || cls->columns[c].cls == LAT_CLS_SIZE) {
			col = c;
		}
	}
	if (col == cls->ncolumns) {
		return;
	}
	bars = calloc(n, sizeof(*bars));
	labels = calloc(n, sizeof(*labels));
	if (bars && labels) {
		for (size_t r = 0; r < n; r++) {
			const struct lat_cell *p = lat_table_cell(t, r, 0),
					      *v = lat_table_cell(t, r, col);
			double value = v->is_float ? v->d : (double)v->i;

			snprintf(labels[r], sizeof(labels[r]), "%s (%" PRId32 ")",
				 p->s ? p->s : "?", p->has_tid ? p->tid : p->pid);
			bars[r].label = labels[r];
			bars[r].value = value;
			if (cls->columns[col].cls == LAT_CLS_RATIO) {
				snprintf(bars[r].text, sizeof(bars[r].text), "%.2f %%",
					 value * 100);
			} else {
				lat_html_format_size(bars[r].text, sizeof(bars[r].text), value);
			}
		}
		char title[160];

		snprintf(title, sizeof(title), "%s by process", cls->columns[col].title);
		lat_html_bars(h, title, bars, n);
	}
	free(bars);
	free(labels);
}

/*
 * The tables of one analysis: those without a subtitle first, then the per-group ones (per
 * process, per TID...), the first few shown and the others folded. A table class already shown
 * in the section (irqfreq repeats irqstats' tables) is left out.
 */
static void report_result(struct lat_html *h, const struct lat_result *result,
			  const struct lat_table_class **shown, size_t *nshown)
{
	size_t grouped = 0, folded = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t t = 0; t < result->ntables; t++) {
			const struct lat_table *table = &result->tables[t];
			bool seen = false;

			if ((table->subtitle != NULL) != (pass == 1)) {
				continue;
			}
			for (size_t k = 0; k < *nshown && !seen; k++) {
				seen = shown[k] == table->cls;
			}
			if (seen && pass == 0) {
				continue;
			}
			if (!seen && *nshown < 64) {
				shown[(*nshown)++] = table->cls;
			}
			if (pass == 1 && grouped++ == 4) {
				char summary[160];

				snprintf(summary, sizeof(summary),
					 "%zu more tables: %s, one per group", result->ntables - t,
					 table->cls->title);
				fputs("<details><summary>", h->out);
				lat_html_escape(h->out, summary);
				fputs("</summary>\n", h->out);
				folded = 1;
			}
			process_bars(h, table);
			lat_html_result_table(h, table, 25);
		}
	}
	if (folded) {
		fputs("</details>\n", h->out);
	}
}

static int report_trace(struct lat_html *h, const char *path, struct lat_ctf_source *src)
{
	struct trace_ctx *ctx = calloc(1, sizeof(*ctx));
	struct lat_analysis_config config;
	const struct lat_ctf_stats *stats;
	struct lat_html_card cards[6];
	int64_t begin = 0, end = 0;
	int major, minor, patch, ret;
	char b[64], e[64], note[512];
	const char *section = NULL;
	const struct lat_table_class *shown[64];
	size_t nshown = 0;

	if (!ctx) {
		return -ENOMEM;
	}
	memset(&config, 0, sizeof(config));
	config.limit = 10;
	config.freq_resolution = 20;
	for (size_t i = 0; i < TRACE_ANALYSES; i++) {
		const struct lat_analysis_ops *ops = lat_analysis_find(trace_analyses[i].name);

		ctx->config[i] = config;
		/* scheduling: one distribution of every task, stats in total and per task */
		if (strncmp(trace_analyses[i].name, "sched", 5) == 0) {
			ctx->config[i].total = true;
			ctx->config[i].per_tid = strcmp(trace_analyses[i].name, "schedstats") == 0;
		}
		ctx->error[i] =
		    ops ? lat_analysis_run_init(&ctx->runs[i], ops, &ctx->config[i]) : -ENOSYS;
		ctx->inited[i] = ctx->active[i] = ctx->error[i] == 0;
		if (ctx->active[i] &&
		    lat_ctf_source_tracer_version(src, &major, &minor, &patch) == 0) {
			lat_state_set_tracer_version(&ctx->runs[i].state, major, minor, patch);
		}
	}
	ret = lat_ctf_source_run(src, trace_on_event, ctx);
	if (ret) {
		cli_error("%s: %s", path, lat_ctf_source_error(src));
		for (size_t i = 0; i < TRACE_ANALYSES; i++) {
			if (ctx->inited[i]) {
				lat_analysis_run_fini(&ctx->runs[i]);
			}
		}
		free(ctx);
		return CLI_EXIT_FAILURE;
	}
	stats = lat_ctf_source_stats(src);
	if (!lat_ctf_source_intersection(src, &begin, &end)) {
		lat_ctf_source_range(src, &begin, &end);
	}
	lat_html_section(h, "overview", "Overview", NULL);
	memset(cards, 0, sizeof(cards));
	lat_format_timestamp(b, sizeof(b), begin, true, true);
	lat_format_timestamp(e, sizeof(e), end, true, true);
	cards[0].label = "events";
	snprintf(cards[0].value, sizeof(cards[0].value), "%" PRIu64, ctx->events);
	cards[1].label = "duration";
	lat_html_format_ns(cards[1].value, sizeof(cards[1].value), (double)(end - begin));
	cards[2].label = "events lost by the tracer";
	snprintf(cards[2].value, sizeof(cards[2].value), "%" PRIu64 "%s", stats->discarded_events,
		 stats->discarded_unknown ? " + unknown" : "");
	cards[2].warn = stats->discarded_events > 0 || stats->discarded_unknown > 0;
	cards[3].label = "packets lost";
	snprintf(cards[3].value, sizeof(cards[3].value), "%" PRIu64, stats->discarded_packets);
	cards[3].warn = stats->discarded_packets > 0;
	lat_html_cards(h, cards, 4);
	snprintf(note, sizeof(note),
		 "Trace %s, from %s to %s (UTC; the range every stream covers).", path, b, e);
	lat_html_para(h, "note", note);
	if (stats->discarded_events || stats->discarded_packets || stats->discarded_unknown) {
		lat_html_para(h, "warn",
			      "The tracer lost events: the results below miss them (record with "
			      "larger buffers or fewer events).");
	}
	for (uint32_t i = 0; i < stats->nnotes; i++) {
		lat_html_para(h, "warn", stats->notes[i]);
	}

	for (size_t i = 0; i < TRACE_ANALYSES; i++) {
		struct lat_result result;

		if (!section || strcmp(section, trace_analyses[i].section) != 0) {
			section = trace_analyses[i].section;
			nshown = 0;
			lat_html_section(h, section, trace_analyses[i].section_title, NULL);
		}
		if (ctx->error[i]) {
			/* an analysis not written yet (-ENOSYS) is left out silently */
			if (ctx->error[i] != -ENOSYS) {
				snprintf(note, sizeof(note), "%s: %s", trace_analyses[i].name,
					 strerror(-ctx->error[i]));
				lat_html_para(h, "warn", note);
			}
			continue;
		}
		lat_result_init(&result);
		ret = lat_analysis_run_finish(&ctx->runs[i], &result);
		if (ret) {
			if (ret != -ENOSYS) {
				snprintf(note, sizeof(note), "%s: %s", trace_analyses[i].name,
					 strerror(-ret));
				lat_html_para(h, "warn", note);
			}
		} else {
			report_result(h, &result, shown, &nshown);
		}
		lat_result_fini(&result);
	}
	for (size_t i = 0; i < TRACE_ANALYSES; i++) {
		if (ctx->inited[i]) {
			lat_analysis_run_fini(&ctx->runs[i]);
		}
	}
	free(ctx);
	/* a flight-recorder snapshot: why its trigger's event was slow */
	cli_explain_html(h, path);
	return 0;
}

/* --- the command ----------------------------------------------------------------------------- */

/* --- a running agent's windows (`windows` on its control socket) ------------------------------ */

#define AGENT_DEFAULT_SOCKET "/run/latscope/agent.sock"

struct agentwin {
	struct jval *lines; /* one object per series and window, in the agent's order */
	size_t n, cap;
};

static void agentwin_fini(struct agentwin *w)
{
	for (size_t i = 0; i < w->n; i++) {
		jfree(&w->lines[i]);
	}
	free(w->lines);
}

/* Asks the agent at path for its windows; 0, or CLI_EXIT_FAILURE with the error printed. */
static int read_agent(const char *path, struct agentwin *w)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 10};
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	int fd = -1, status = CLI_EXIT_FAILURE;
	char buf[65536];
	ssize_t got;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		cli_error("report: %s: %s", path, strerror(ENAMETOOLONG));
		return CLI_EXIT_FAILURE;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		cli_error("report: agent %s: %s (is `latscope agent` running?)", path,
			  strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, "windows\n", 8) != 8) {
		cli_error("report: agent %s: %s", path, strerror(errno));
		goto out;
	}
	mem = open_memstream(&text, &len);
	if (!mem) {
		cli_error("report: %s", strerror(errno));
		goto out;
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)got, mem);
	}
	if (got < 0 || fclose(mem) != 0) {
		mem = NULL;
		cli_error("report: agent %s: %s", path, strerror(got < 0 ? errno : EIO));
		goto out;
	}
	mem = NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct jval v;

		if (strncmp(line, "error:", 6) == 0) {
			cli_error("report: agent %s: %s", path, line);
			goto out;
		}
		if (line[0] != '{') {
			continue; /* "ok" */
		}
		if (jparse(line, strlen(line), &v) != 0 || v.t != J_OBJ) {
			jfree(&v);
			cli_error("report: agent %s: not a windows reply: %.60s", path, line);
			goto out;
		}
		if (w->n == w->cap) {
			size_t cap = w->cap ? w->cap * 2 : 64;
			struct jval *grown = realloc(w->lines, cap * sizeof(*grown));

			if (!grown) {
				jfree(&v);
				cli_error("report: %s", strerror(ENOMEM));
				goto out;
			}
			w->lines = grown;
			w->cap = cap;
		}
		w->lines[w->n++] = v;
	}
	if (!w->n) {
		cli_error("report: agent %s: no windows in its reply (an agent older than this "
			  "report?)",
			  path);
		goto out;
	}
	status = 0;
out:
	if (mem) {
		fclose(mem);
	}
	free(text);
	if (fd >= 0) {
		close(fd);
	}
	return status;
}

/* Per series: its windows as a table (count, p50, p95, p99, max) and the widest non-empty
 * window's distribution. Lines come grouped by series, windows 1m, 5m, 15m, 1h. */
static int report_agent(struct lat_html *h, const struct agentwin *w)
{
	static const char *const headers[] = {"window", "events", "p50", "p95", "p99", "max"};
	static const bool num[] = {false, true, true, true, true, true};
	uint64_t total = 0;
	size_t nseries = 0;

	for (size_t i = 0; i < w->n; i++) {
		if (strcmp(jstr(&w->lines[i], "window") ? jstr(&w->lines[i], "window") : "",
			   "1h") == 0) {
			total += (uint64_t)jnum(&w->lines[i], "count", 0);
			nseries++;
		}
	}
	{
		struct lat_html_card cards[2] = {{.label = "series"},
						 {.label = "events in the last hour"}};

		snprintf(cards[0].value, sizeof(cards[0].value), "%zu", nseries);
		snprintf(cards[1].value, sizeof(cards[1].value), "%" PRIu64, total);
		lat_html_cards(h, cards, 2);
	}
	lat_html_section(h, "windows", "Latency distributions of the agent",
			 "every event the trackers counted in the kernel, and the samples "
			 "applications sent, over the last 1, 5, 15 minutes and hour (quantiles "
			 "within 6.25%)");
	for (size_t i = 0; i < w->n;) {
		const char *source = jstr(&w->lines[i], "source"),
			   *name = jstr(&w->lines[i], "name"),
			   *series = jstr(&w->lines[i], "series");
		char title[300], cellbuf[4][6][32];
		const char *cells[4 * 6];
		double values[4 * 6];
		const struct jval *widest = NULL;
		size_t rows = 0, j = i;

		for (; j < w->n && rows < 4; j++, rows++) {
			const struct jval *l = &w->lines[j];
			const char *s2 = jstr(l, "series"), *n2 = jstr(l, "name");
			static const char *const keys[] = {"p50_ns", "p95_ns", "p99_ns", "max_ns"};

			if (!s2 || !n2 || !series || !name || strcmp(s2, series) ||
			    strcmp(n2, name)) {
				break;
			}
			cells[rows * 6] = jstr(l, "window") ? jstr(l, "window") : "?";
			values[rows * 6] = 0;
			snprintf(cellbuf[rows][1], sizeof(cellbuf[rows][1]), "%.0f",
				 jnum(l, "count", 0));
			cells[rows * 6 + 1] = cellbuf[rows][1];
			values[rows * 6 + 1] = jnum(l, "count", 0);
			for (int k = 0; k < 4; k++) {
				double ns = jnum(l, keys[k], 0);

				lat_html_format_ns(cellbuf[rows][2 + k],
						   sizeof(cellbuf[rows][2 + k]), ns);
				cells[rows * 6 + 2 + k] = cellbuf[rows][2 + k];
				values[rows * 6 + 2 + k] = ns;
			}
			if (jnum(l, "count", 0) > 0) {
				widest = l;
			}
		}
		if (rows == 0) { /* a line without its names: skip it */
			i++;
			continue;
		}
		snprintf(title, sizeof(title), "%s %s%s%s", source ? source : "?",
			 name ? name : "?", series && name && strcmp(series, name) ? " / " : "",
			 series && name && strcmp(series, name) ? series : "");
		lat_html_heading(h, title, NULL);
		lat_html_table(h, headers, 6, cells, values, num, rows);
		if (widest) {
			const struct jval *b = jget(widest, "buckets");
			struct lat_html_bucket *bk =
			    b && b->t == J_ARR ? calloc(b->count ? b->count : 1, sizeof(*bk))
					       : NULL;
			size_t nb = 0;

			for (size_t k = 0; bk && k < b->count; k++) {
				const struct jval *e = &b->items[k];

				if (e->t == J_ARR && e->count == 3) {
					bk[nb].low = e->items[0].n;
					bk[nb].high = e->items[1].n + 1;
					bk[nb].count = (uint64_t)e->items[2].n;
					nb++;
				}
			}
			if (nb) {
				char htitle[340];

				snprintf(htitle, sizeof(htitle), "%s: the last %s", title,
					 jstr(widest, "window") ? jstr(widest, "window") : "?");
				lat_html_histogram(h, htitle, bk, nb, NULL, 0, 0);
			}
			free(bk);
		}
		i = j;
	}
	return 0;
}

/* Writes path (- : stdout) with write(); through a temporary file and a rename. */
static int write_file(const char *path, int (*write)(FILE *, const void *), const void *arg)
{
	char tmp[4096];
	FILE *out;
	int ret;

	if (strcmp(path, "-") == 0) {
		ret = write(stdout, arg);
		if (!ret && fflush(stdout) != 0) {
			ret = -EIO;
		}
		return ret;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	out = fopen(tmp, "w");
	if (!out) {
		return -errno;
	}
	ret = write(out, arg);
	if (fclose(out) != 0 && !ret) {
		ret = -EIO;
	}
	if (!ret && rename(tmp, path) != 0) {
		ret = -errno;
	}
	if (ret) {
		unlink(tmp);
	}
	return ret;
}

static int write_folded_text(FILE *out, const void *arg)
{
	return lat_folded_write(arg, out);
}

struct flame_arg {
	const struct lat_folded *f;
	const char *title, *unit;
};

static int write_flame_svg(FILE *out, const void *arg)
{
	const struct flame_arg *a = arg;
	struct lat_flamegraph_opts opts = {.title = a->title, .unit = a->unit, .standalone = true};
	int ret = lat_flamegraph_svg(out, a->f, &opts);

	return ret ? ret : ferror(out) ? -EIO : 0;
}

/* --folded and --flamegraph: from the folded file, or the chosen tracker's stacks. */
static int write_folded_outputs(const struct tracklog *log, bool is_folded,
				struct lat_folded *folded, const char *tracker, unsigned flags,
				const char *folded_out, const char *flame_out, const char *input)
{
	struct flame_arg fa = {.f = folded, .unit = is_folded ? "" : "Âµs"};
	char title[300];
	int ret;

	if (!is_folded) {
		unsigned pick = 0, with = 0;
		char names[200] = "";

		for (unsigned t = 0; t < log->ntrackers; t++) {
			if (tracker && strcmp(tracker, log->trackers[t]) == 0) {
				pick = t, with = 1;
				break;
			}
			if (!tracker && tracker_has_stacks(log, t)) {
				snprintf(names + strlen(names), sizeof(names) - strlen(names),
					 "%s%s", with ? ", " : "", log->trackers[t]);
				pick = t, with++;
			}
		}
		if (tracker && !with) {
			cli_error("%s: no alert of tracker '%s' in the log", input, tracker);
			return CLI_EXIT_FAILURE;
		}
		if (!with) {
			cli_error("%s: no alert with a stack in the log (was it tracked with "
				  "--no-stack?)",
				  input);
			return CLI_EXIT_FAILURE;
		}
		if (with > 1) {
			return cli_usage_error("report",
					       "the log has stacks of several trackers (%s): "
					       "choose one with --tracker",
					       names);
		}
		ret = tracklog_folded(log, pick, flags, folded);
		if (ret) {
			cli_error("%s: %s", input, strerror(-ret));
			return CLI_EXIT_FAILURE;
		}
		snprintf(title, sizeof(title), "%s%s: %s", log->trackers[pick],
			 flags & LAT_FOLDED_WAKER ? " and wakers" : "", input);
	} else {
		snprintf(title, sizeof(title), "%s", input);
	}
	fa.title = title;
	if (folded_out) {
		ret = write_file(folded_out, write_folded_text, folded);
		if (ret) {
			cli_error("%s: %s", folded_out, strerror(-ret));
			return CLI_EXIT_FAILURE;
		}
	}
	if (flame_out) {
		ret = write_file(flame_out, write_flame_svg, &fa);
		if (ret) {
			cli_error("%s: %s", flame_out, strerror(-ret));
			return CLI_EXIT_FAILURE;
		}
	}
	return 0;
}

static void print_help(FILE *out)
{
	fprintf(
	    out,
	    "Usage: latscope report INPUT [-o FILE] [OPTIONS]\n\n"
	    "Writes one self-contained HTML page (inline SVG and CSS, no network) from:\n"
	    "  - a `latscope track --json` log (a file, or - for stdin): latency over time\n"
	    "    (hover a point: its fields and stacks), distributions per tracker (log-scale\n"
	    "    histogram and density), top offenders, losses;\n"
	    "  - an LTTng kernel trace (a folder): CPU, memory and I/O per process, system\n"
	    "    calls, scheduling and IRQ latencies (the analyses of `latscope analyze`);\n"
	    "  - agent:[SOCKET], a running `latscope agent` (default " AGENT_DEFAULT_SOCKET "):\n"
	    "    its latency distributions over the last 1, 5, 15 minutes and hour;\n"
	    "  - a folded stacks file (`offcputime -f`, flamegraph.pl's input): its flame\n"
	    "    graph.\n\n"
	    "Options:\n"
	    "  -o, --output FILE   the page to write (default report.html; - for stdout)\n"
	    "  --title TEXT        the page's title\n"
	    "  --max-points N      at most N points in the scatter (the slowest; default %d)\n"
	    "  --folded FILE       write the folded stacks (comm;user frames;-;kernel frames\n"
	    "                      value in us, as offcputime -f --delimited) of a track log\n"
	    "                      (or a folded file, sorted and summed); no page unless -o\n"
	    "  --flamegraph FILE   write the flame graph as a standalone SVG; no page unless -o\n"
	    "  --tracker NAME      the tracker whose stacks --folded/--flamegraph take (needed\n"
	    "                      when the log has stacks of several trackers)\n"
	    "  --waker             append the waker's stacks and name (offcpu; offwaketime's\n"
	    "                      folded form: TARGET;--;waker kernel;-;waker user;WAKER)\n"
	    "  -h, --help          this help\n",
	    DEFAULT_MAX_POINTS);
}

int cmd_report(int argc, char **argv)
{
	static const struct option options[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"title", required_argument, NULL, 't'},
	    {"max-points", required_argument, NULL, 'm'},
	    {"folded", required_argument, NULL, 'F'},
	    {"flamegraph", required_argument, NULL, 'G'},
	    {"tracker", required_argument, NULL, 'T'},
	    {"waker", no_argument, NULL, 'W'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *input, *output = "report.html", *title = NULL;
	const char *folded_out = NULL, *flame_out = NULL, *fold_tracker = NULL;
	struct lat_folded folded = {0};
	unsigned fold_flags = 0;
	bool output_set = false, is_folded = false;
	size_t max_points = DEFAULT_MAX_POINTS;
	struct lat_ctf_source *src = NULL;
	struct tracklog log;
	struct agentwin agent = {0};
	struct lat_html h;
	struct stat st;
	char tmp[4096], subtitle[4200];
	FILE *out = NULL, *in = NULL;
	int opt, status = CLI_EXIT_FAILURE, ret;
	bool is_trace, is_agent;

	memset(&log, 0, sizeof(log));
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			output = optarg;
			output_set = true;
			break;
		case 'F':
			folded_out = optarg;
			break;
		case 'G':
			flame_out = optarg;
			break;
		case 'T':
			fold_tracker = optarg;
			break;
		case 'W':
			fold_flags |= LAT_FOLDED_WAKER;
			break;
		case 't':
			title = optarg;
			break;
		case 'm': {
			uint64_t v;

			if (!cli_parse_u64("report", "--max-points", optarg, 1, 100000000, &v)) {
				return CLI_EXIT_USAGE;
			}
			max_points = (size_t)v;
			break;
		}
		case 'h':
			print_help(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("report",
					       "report: unknown option or missing value '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		return cli_usage_error("report", "no INPUT (a track --json log, a trace folder or "
						 "agent:[SOCKET])");
	}
	input = argv[optind++];
	if (optind < argc) {
		return cli_usage_error("report", "unexpected argument '%s'", argv[optind]);
	}

	/* read the input first: nothing is written for bad input */
	is_agent = strncmp(input, "agent:", 6) == 0;
	is_trace =
	    !is_agent && strcmp(input, "-") != 0 && stat(input, &st) == 0 && S_ISDIR(st.st_mode);
	if (is_agent) {
		status = read_agent(input[6] ? input + 6 : AGENT_DEFAULT_SOCKET, &agent);
		if (status) {
			agentwin_fini(&agent);
			return status;
		}
		status = CLI_EXIT_FAILURE;
	} else if (is_trace) {
		struct lat_ctf_options opts = {.intersect = true, .kernel_only = true};
		char err[600];

		ret = lat_ctf_source_open(input, &opts, &src, err, sizeof(err));
		if (ret) {
			cli_error("%s: %s", input, err);
			return CLI_EXIT_FAILURE;
		}
	} else {
		in = strcmp(input, "-") == 0 ? stdin : fopen(input, "r");
		if (!in) {
			cli_error("%s: %s", input, strerror(errno));
			return CLI_EXIT_FAILURE;
		}
		{
			/* a track log is JSON lines; anything else is read as folded stacks */
			int c = fgetc(in);

			if (c != EOF) {
				ungetc(c, in);
			}
			is_folded = c != EOF && c != '{' && !isspace(c);
		}
		if (is_folded) {
			status =
			    read_folded(in, strcmp(input, "-") == 0 ? "stdin" : input, &folded);
		} else {
			status = read_tracklog(in, strcmp(input, "-") == 0 ? "stdin" : input, &log);
		}
		if (in != stdin) {
			fclose(in);
		}
		if (status) {
			tracklog_fini(&log);
			lat_folded_fini(&folded);
			return status;
		}
		status = CLI_EXIT_FAILURE;
	}
	if ((folded_out || flame_out) && (is_agent || is_trace)) {
		cli_error("%s: --folded and --flamegraph take a track --json log or a folded file",
			  input);
		lat_ctf_source_destroy(src);
		agentwin_fini(&agent);
		return CLI_EXIT_USAGE;
	}
	if (folded_out || flame_out) {
		status = write_folded_outputs(&log, is_folded, &folded, fold_tracker, fold_flags,
					      folded_out, flame_out, input);
		if (status || !output_set) {
			tracklog_fini(&log);
			lat_folded_fini(&folded);
			return status;
		}
		status = CLI_EXIT_FAILURE;
	}

	if (strcmp(output, "-") == 0) {
		out = stdout;
	} else {
		snprintf(tmp, sizeof(tmp), "%s.tmp.%d", output, (int)getpid());
		out = fopen(tmp, "w");
		if (!out) {
			cli_error("%s: %s", output, strerror(errno));
			goto done;
		}
	}
	if (is_agent) {
		snprintf(subtitle, sizeof(subtitle), "latscope agent %s",
			 input[6] ? input + 6 : AGENT_DEFAULT_SOCKET);
	} else if (is_trace) {
		snprintf(subtitle, sizeof(subtitle), "LTTng kernel trace %s", input);
	} else {
		snprintf(subtitle, sizeof(subtitle), "latscope track log %s",
			 strcmp(input, "-") == 0 ? "(stdin)" : input);
	}
	lat_html_begin(&h, out,
		       title      ? title
		       : is_agent ? "agent report"
		       : is_trace ? "trace report"
				  : "latency report",
		       subtitle);
	if (is_agent) {
		ret = report_agent(&h, &agent);
	} else if (is_trace) {
		ret = report_trace(&h, input, src);
		if (ret > 0) {
			status = ret;
			goto done;
		}
	} else if (is_folded) {
		char note[200];

		snprintf(note, sizeof(note),
			 "%zu distinct stacks, %llu in all (the file's unit). Hover a frame for "
			 "its value and share; click to zoom.",
			 folded.count, (unsigned long long)folded.total);
		lat_html_section(&h, "flame", "Flame graph", NULL);
		lat_html_flamegraph(&h, strcmp(input, "-") == 0 ? "stdin" : input, note, &folded,
				    "");
		ret = 0;
	} else {
		ret = report_tracklog(&h, &log, input, max_points, fold_flags);
	}
	if (ret < 0) {
		cli_error("%s: %s", input, strerror(-ret));
		goto done;
	}
	ret = lat_html_end(&h);
	if (out != stdout) {
		if (fclose(out) != 0) {
			ret = -EIO;
		}
		out = NULL;
		if (!ret && rename(tmp, output) != 0) {
			ret = -errno;
		}
	} else if (fflush(stdout) != 0) {
		ret = -EIO;
	}
	if (ret) {
		cli_error("%s: %s", output, strerror(-ret));
		goto done;
	}
	status = CLI_EXIT_OK;
done:
	if (out && out != stdout) {
		fclose(out);
	}
	if (status != CLI_EXIT_OK && strcmp(output, "-") != 0) {
		unlink(tmp);
	}
	tracklog_fini(&log);
	lat_folded_fini(&folded);
	agentwin_fini(&agent);
	lat_ctf_source_destroy(src);
	return status;
}
