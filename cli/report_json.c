/* report_json.c: the report's JSON reader and track-log records (no I/O: tests/fuzz/report_json.c).
 */
#include "report_json.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- a small JSON reader (one value per line of the track log) ------------------------------ */

struct jparser {
	const char *p, *end;
	int depth;
};

void jfree(struct jval *v)
{
	free(v->s);
	for (size_t i = 0; i < v->count; i++) {
		jfree(&v->items[i]);
		if (v->keys) {
			free(v->keys[i]);
		}
	}
	free(v->items);
	free(v->keys);
	memset(v, 0, sizeof(*v));
}

static void jskip(struct jparser *jp)
{
	while (jp->p < jp->end &&
	       (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r')) {
		jp->p++;
	}
}

static void put_utf8(char *out, size_t *n, unsigned cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xC0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xE0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[(*n)++] = (char)(0xF0 | (cp >> 18));
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	}
}

static int hex4(const char *p, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++) {
		int c = p[i], d = isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;

		if (d < 0) {
			return -EINVAL;
		}
		*out = *out * 16 + (unsigned)d;
	}
	return 0;
}

static int jstring(struct jparser *jp, char **out)
{
	const char *start = ++jp->p;
	char *buf;
	size_t n = 0;

	/* the decoded string is never longer than the source */
	while (jp->p < jp->end && *jp->p != '"') {
		jp->p += *jp->p == '\\' ? 2 : 1;
	}
	if (jp->p >= jp->end) {
		return -EINVAL;
	}
	buf = malloc((size_t)(jp->p - start) + 1);
	if (!buf) {
		return -ENOMEM;
	}
	for (const char *q = start; q < jp->p; q++) {
		unsigned cp;

		if ((unsigned char)*q < 0x20) {
			goto bad;
		}
		if (*q != '\\') {
			buf[n++] = *q;
			continue;
		}
		q++;
		switch (*q) {
		case '"':
		case '\\':
		case '/':
			buf[n++] = *q;
			break;
		case 'b':
			buf[n++] = '\b';
			break;
		case 'f':
			buf[n++] = '\f';
			break;
		case 'n':
			buf[n++] = '\n';
			break;
		case 'r':
			buf[n++] = '\r';
			break;
		case 't':
			buf[n++] = '\t';
			break;
		case 'u':
			if (jp->p - q < 5 || hex4(q + 1, &cp)) {
				goto bad;
			}
			q += 4;
			if (cp == 0) {
				cp = '?';
			}
			if (cp >= 0xD800 && cp < 0xDC00 && jp->p - q >= 7 && q[1] == '\\' &&
			    q[2] == 'u') {
				unsigned lo;

				if (!hex4(q + 3, &lo) && lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					q += 6;
				}
			}
			if (n + 4 > (size_t)(jp->p - start)) {
				goto bad; /* cannot happen: \uXXXX is 6 bytes, its UTF-8 at most 4
					   */
			}
			put_utf8(buf, &n, cp);
			break;
		default:
			goto bad;
		}
	}
	buf[n] = '\0';
	jp->p++;
	*out = buf;
	return 0;
bad:
	free(buf);
	return -EINVAL;
}

static int jvalue(struct jparser *jp, struct jval *v);

static int jcontainer(struct jparser *jp, struct jval *v, bool object)
{
	size_t cap = 0;
	int ret;

	v->t = object ? J_OBJ : J_ARR;
	jp->p++;
	if (++jp->depth > 64) {
		return -EINVAL;
	}
	jskip(jp);
	if (jp->p < jp->end && *jp->p == (object ? '}' : ']')) {
		jp->p++;
		jp->depth--;
		return 0;
	}
	for (;;) {
		char *key = NULL;

		if (v->count == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct jval *items = realloc(v->items, ncap * sizeof(*items));

			if (!items) {
				return -ENOMEM;
			}
			v->items = items;
			if (object) {
				char **keys = realloc(v->keys, ncap * sizeof(*keys));

				if (!keys) {
					return -ENOMEM;
				}
				v->keys = keys;
			}
			cap = ncap;
		}
		jskip(jp);
		if (object) {
			if (jp->p >= jp->end || *jp->p != '"') {
				return -EINVAL;
			}
			ret = jstring(jp, &key);
			if (ret) {
				return ret;
			}
			jskip(jp);
			if (jp->p >= jp->end || *jp->p != ':') {
				free(key);
				return -EINVAL;
			}
			jp->p++;
			v->keys[v->count] = key;
		}
		memset(&v->items[v->count], 0, sizeof(v->items[0]));
		v->count++; /* counted before parsing, so jfree() frees a half-parsed item */
		ret = jvalue(jp, &v->items[v->count - 1]);
		if (ret) {
			return ret;
		}
		jskip(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (jp->p < jp->end && *jp->p == (object ? '}' : ']')) {
			jp->p++;
			jp->depth--;
			return 0;
		}
		return -EINVAL;
	}
}

static int jvalue(struct jparser *jp, struct jval *v)
{
	jskip(jp);
	if (jp->p >= jp->end) {
		return -EINVAL;
	}
	switch (*jp->p) {
	case '{':
		return jcontainer(jp, v, true);
	case '[':
		return jcontainer(jp, v, false);
	case '"':
		v->t = J_STR;
		return jstring(jp, &v->s);
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = {"true", "false", "null"};

		for (int i = 0; i < 3; i++) {
			size_t len = strlen(words[i]);

			if ((size_t)(jp->end - jp->p) >= len && memcmp(jp->p, words[i], len) == 0) {
				v->t = i == 2 ? J_NULL : J_BOOL;
				v->b = i == 0;
				jp->p += len;
				return 0;
			}
		}
		return -EINVAL;
	}
	default: {
		char num[64], *end;
		size_t len = 0;

		while (jp->p + len < jp->end && len < sizeof(num) - 1 && jp->p[len] &&
		       strchr("+-0123456789.eE", jp->p[len])) {
			len++;
		}
		if (!len || (jp->p[0] != '-' && !isdigit((unsigned char)jp->p[0]))) {
			return -EINVAL;
		}
		memcpy(num, jp->p, len);
		num[len] = '\0';
		v->t = J_NUM;
		v->n = strtod(num, &end);
		if (*end) {
			return -EINVAL;
		}
		jp->p += len;
		return 0;
	}
	}
}

/* Parses one complete JSON text; returns 0, -EINVAL or -ENOMEM. */
int jparse(const char *text, size_t len, struct jval *out)
{
	struct jparser jp = {.p = text, .end = text + len};
	int ret;

	memset(out, 0, sizeof(*out));
	ret = jvalue(&jp, out);
	if (!ret) {
		jskip(&jp);
		if (jp.p != jp.end) {
			ret = -EINVAL;
		}
	}
	if (ret) {
		jfree(out);
	}
	return ret;
}

const struct jval *jget(const struct jval *obj, const char *key)
{
	for (size_t i = 0; obj && obj->t == J_OBJ && i < obj->count; i++) {
		if (strcmp(obj->keys[i], key) == 0) {
			return &obj->items[i];
		}
	}
	return NULL;
}

double jnum(const struct jval *obj, const char *key, double def)
{
	const struct jval *v = jget(obj, key);

	return v && v->t == J_NUM ? v->n : def;
}

const char *jstr(const struct jval *obj, const char *key)
{
	const struct jval *v = jget(obj, key);

	return v && v->t == J_STR ? v->s : NULL;
}

/* --- growable text buffer ------------------------------------------------------------------- */

void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom) {
		return;
	}
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t ncap = (b->cap ? b->cap * 2 : 256) + (size_t)n;
		char *s = realloc(b->s, ncap);

		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = ncap;
	}
}

/* --- the track log -------------------------------------------------------------------------- */

static int tracker_index(struct tracklog *log, const char *name, unsigned *index)
{
	char **t;

	for (size_t i = 0; i < log->ntrackers; i++) {
		if (strcmp(log->trackers[i], name) == 0) {
			*index = (unsigned)i;
			return 0;
		}
	}
	t = realloc(log->trackers, (log->ntrackers + 1) * sizeof(*t));
	if (!t) {
		return -ENOMEM;
	}
	log->trackers = t;
	t[log->ntrackers] = strdup(name);
	if (!t[log->ntrackers]) {
		return -ENOMEM;
	}
	*index = (unsigned)log->ntrackers++;
	return 0;
}

static bool skipped_field(const char *key)
{
	static const char *const keys[] = {
	    "type",       "tracker",    "start_ns",    "delay_ns", "timeout", "kstack", "ustack",
	    "kstack_cut", "ustack_cut", "ustack_note", "pid",      "tid",     "cpu",    "comm"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i], key) == 0) {
			return true;
		}
	}
	return false;
}

static void value_text(char *buf, size_t len, const struct jval *v)
{
	switch (v->t) {
	case J_STR:
		snprintf(buf, len, "%s", v->s);
		break;
	case J_NUM:
		if (v->n == floor(v->n) && fabs(v->n) < 1e17) {
			snprintf(buf, len, "%.0f", v->n);
		} else {
			snprintf(buf, len, "%g", v->n);
		}
		break;
	case J_BOOL:
		snprintf(buf, len, "%s", v->b ? "true" : "false");
		break;
	case J_NULL:
		snprintf(buf, len, "null");
		break;
	default:
		snprintf(buf, len, "%s", v->t == J_ARR ? "[...]" : "{...}");
	}
}

static int add_field(struct field **fields, size_t *n, const char *key, const char *value)
{
	struct field *f = realloc(*fields, (*n + 1) * sizeof(*f));

	if (!f) {
		return -ENOMEM;
	}
	*fields = f;
	f[*n].key = strdup(key);
	f[*n].value = strdup(value);
	(*n)++;
	return f[*n - 1].key && f[*n - 1].value ? 0 : -ENOMEM;
}

/*
 * A member that is a count or a time: when present, a finite number in [0, 2^64) (a damaged or
 * hostile log's -1, 1e999 or 1e30 would reach casts and the charts' scales).
 */
static bool measure_val(const struct jval *v)
{
	return v->t == J_NUM && isfinite(v->n) && v->n >= 0 && v->n < 18446744073709551616.0;
}

static bool measure_ok(const struct jval *obj, const char *key)
{
	const struct jval *v = jget(obj, key); /* the first of that key, as jnum() reads */

	return !v || measure_val(v);
}

static int add_alert(struct tracklog *log, const struct jval *obj)
{
	const char *tracker = jstr(obj, "tracker"), *comm = jstr(obj, "comm");
	struct sbuf detail = {0};
	struct alert *a;
	char delay[32];
	int ret;

	if (!tracker || !jget(obj, "delay_ns") || !measure_ok(obj, "delay_ns") ||
	    !measure_ok(obj, "start_ns")) {
		return -EINVAL;
	}
	if (log->nalerts == log->alerts_cap) {
		size_t ncap = log->alerts_cap ? log->alerts_cap * 2 : 1024;
		struct alert *na = realloc(log->alerts, ncap * sizeof(*na));

		if (!na) {
			return -ENOMEM;
		}
		log->alerts = na;
		log->alerts_cap = ncap;
	}
	a = &log->alerts[log->nalerts];
	memset(a, 0, sizeof(*a));
	ret = tracker_index(log, tracker, &a->tracker);
	if (ret) {
		return ret;
	}
	a->start_ns = jnum(obj, "start_ns", 0);
	a->delay_ns = jnum(obj, "delay_ns", 0);
	a->timeout =
	    jget(obj, "timeout") && jget(obj, "timeout")->t == J_BOOL && jget(obj, "timeout")->b;
	log->nalerts++;
	lat_html_format_ns(delay, sizeof(delay), a->delay_ns);
	sb_add(&detail, "%s: %s%s\ncomm=%s pid=%.0f tid=%.0f cpu=%.0f\n", tracker, delay,
	       a->timeout ? " (timeout: still running then)" : "", comm ? comm : "?",
	       jnum(obj, "pid", -1), jnum(obj, "tid", -1), jnum(obj, "cpu", -1));
	ret = add_field(&a->fields, &a->nfields, "comm", comm ? comm : "?");
	for (size_t i = 0; !ret && i < obj->count; i++) {
		char value[256];

		if (skipped_field(obj->keys[i])) {
			continue;
		}
		value_text(value, sizeof(value), &obj->items[i]);
		sb_add(&detail, "%s=%s ", obj->keys[i], value);
		if (obj->items[i].t == J_STR) {
			ret = add_field(&a->fields, &a->nfields, obj->keys[i], value);
		}
	}
	for (int k = 0; k < 2; k++) {
		const struct jval *st = jget(obj, k ? "ustack" : "kstack");
		const char *note = k ? jstr(obj, "ustack_note") : NULL;

		if (!st || st->t != J_ARR || !st->count) {
			continue;
		}
		sb_add(&detail, "\n%s stack:", k ? "user" : "kernel");
		for (size_t i = 0; i < st->count && i < 48; i++) {
			sb_add(&detail, "\n  %s", st->items[i].t == J_STR ? st->items[i].s : "?");
		}
		if (st->count > 48) {
			sb_add(&detail, "\n  ... %zu more frames", st->count - 48);
		}
		if (note) {
			sb_add(&detail, "\n  [%s]", note);
		}
	}
	if (detail.oom) {
		free(detail.s);
		return -ENOMEM;
	}
	a->detail = detail.s;
	return ret;
}

static int add_summary(struct tracklog *log, const struct jval *obj)
{
	const char *tracker = jstr(obj, "tracker"), *series = jstr(obj, "series");
	const struct jval *hist = jget(obj, "hist");
	struct summary *s;
	int ret = 0;

	static const char *const measures[] = {"events", "reported", "timeouts",
					       "max_ns", "mean_ns",  "threshold_ns"};

	if (!tracker) {
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(measures) / sizeof(measures[0]); i++) {
		if (!measure_ok(obj, measures[i])) {
			return -EINVAL;
		}
	}
	for (int k = 0; k < 2; k++) {
		const struct jval *d = jget(obj, k ? "exec" : "drops");

		for (size_t i = 0; d && d->t == J_OBJ && i < d->count; i++) {
			if (d->items[i].t == J_NUM && !measure_val(&d->items[i])) {
				return -EINVAL;
			}
		}
	}
	for (size_t i = 0; hist && hist->t == J_ARR && i < hist->count; i++) {
		if (!measure_ok(&hist->items[i], "low_ns") ||
		    !measure_ok(&hist->items[i], "high_ns") ||
		    !measure_ok(&hist->items[i], "count")) {
			return -EINVAL;
		}
	}
	if (log->nsums == log->sums_cap) {
		size_t ncap = log->sums_cap ? log->sums_cap * 2 : 8;
		struct summary *ns = realloc(log->sums, ncap * sizeof(*ns));

		if (!ns) {
			return -ENOMEM;
		}
		log->sums = ns;
		log->sums_cap = ncap;
	}
	s = &log->sums[log->nsums++];
	memset(s, 0, sizeof(*s));
	s->tracker = strdup(tracker);
	s->series = strdup(series ? series : tracker);
	s->events = jnum(obj, "events", 0);
	s->reported = jnum(obj, "reported", 0);
	s->timeouts = jnum(obj, "timeouts", 0);
	s->max_ns = jnum(obj, "max_ns", 0);
	s->mean_ns = jnum(obj, "mean_ns", 0);
	s->threshold_ns = jnum(obj, "threshold_ns", 0);
	for (int k = 0; k < 2; k++) {
		const struct jval *d = jget(obj, k ? "exec" : "drops");

		for (size_t i = 0; !ret && d && d->t == J_OBJ && i < d->count; i++) {
			char key[96], value[64];

			snprintf(key, sizeof(key), "%s%s", k ? "exec " : "", d->keys[i]);
			value_text(value, sizeof(value), &d->items[i]);
			ret = add_field(&s->drops, &s->ndrops, key, value);
			if (!k && d->items[i].t == J_NUM) {
				s->lost += d->items[i].n;
			}
			if (k && strcmp(d->keys[i], "run") != 0 && d->items[i].t == J_NUM) {
				s->lost += d->items[i].n; /* exec skipped/failed */
			}
		}
	}
	if (hist && hist->t == J_ARR && hist->count) {
		s->buckets = calloc(hist->count, sizeof(*s->buckets));
		if (!s->buckets) {
			return -ENOMEM;
		}
		for (size_t i = 0; i < hist->count; i++) {
			s->buckets[i].low = jnum(&hist->items[i], "low_ns", 0);
			s->buckets[i].high = jnum(&hist->items[i], "high_ns", 0);
			s->buckets[i].count = (uint64_t)jnum(&hist->items[i], "count", 0);
		}
		s->nbuckets = hist->count;
	}
	return (s->tracker && s->series) ? ret : -ENOMEM;
}

void tracklog_fini(struct tracklog *log)
{
	for (size_t i = 0; i < log->nalerts; i++) {
		for (size_t f = 0; f < log->alerts[i].nfields; f++) {
			free(log->alerts[i].fields[f].key);
			free(log->alerts[i].fields[f].value);
		}
		free(log->alerts[i].fields);
		free(log->alerts[i].detail);
	}
	for (size_t i = 0; i < log->nsums; i++) {
		for (size_t f = 0; f < log->sums[i].ndrops; f++) {
			free(log->sums[i].drops[f].key);
			free(log->sums[i].drops[f].value);
		}
		free(log->sums[i].drops);
		free(log->sums[i].buckets);
		free(log->sums[i].tracker);
		free(log->sums[i].series);
	}
	for (size_t i = 0; i < log->ntrackers; i++) {
		free(log->trackers[i]);
	}
	free(log->trackers);
	free(log->alerts);
	free(log->sums);
}

int tracklog_add_line(struct tracklog *log, const char *line, size_t len)
{
	struct jval v;
	const char *type;
	int ret = jparse(line, len, &v);

	if (ret) {
		return ret;
	}
	type = jstr(&v, "type");
	if (v.t != J_OBJ) {
		ret = -EBADMSG;
	} else if (type && strcmp(type, "alert") == 0) {
		ret = add_alert(log, &v);
		ret = ret == -EINVAL ? -EBADMSG : ret;
	} else if (type && strcmp(type, "summary") == 0) {
		ret = add_summary(log, &v);
		ret = ret == -EINVAL ? -EBADMSG : ret;
	} else {
		log->other_lines++;
		ret = TRACKLOG_OTHER;
	}
	jfree(&v);
	return ret;
}
