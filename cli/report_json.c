/* report_json.c: the report's JSON reader and track-log records (no I/O: tests/fuzz/report_json.c).
 */
#include "report_json.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "util/json.h"

/* --- JSON values: json-c's tree, read into plain structs (one value per line of the log) --- */

void jfree(struct jval *v)
{
	if (v->s_copied) {
		free(v->s);
	}
	for (size_t i = 0; i < v->count; i++) {
		jfree(&v->items[i]);
	}
	free(v->items);
	free(v->keys);
	json_object_put(v->doc);
	memset(v, 0, sizeof(*v));
}

/* A copy of a string of json-c's that holds NULs (from \u0000): each read as '?', as C strings
 * end there. */
static char *copy_string(struct json_object *o)
{
	int len = json_object_get_string_len(o);
	char *s = malloc((size_t)len + 1);

	if (s) {
		memcpy(s, json_object_get_string(o), (size_t)len);
		s[len] = '\0';
		for (char *nul = memchr(s, '\0', (size_t)len); nul;
		     nul = memchr(nul, '\0', (size_t)(s + len - nul))) {
			*nul = '?';
		}
	}
	return s;
}

static int from_json(struct json_object *o, struct jval *v)
{
	size_t n;

	switch (json_object_get_type(o)) {
	case json_type_null:
		v->t = J_NULL;
		return 0;
	case json_type_boolean:
		v->t = J_BOOL;
		v->b = json_object_get_boolean(o);
		return 0;
	case json_type_int:
		/* the nearest double, as strtod() reads the text (an integer beyond 64 bits json-c
		 * clamps to INT64_MIN or UINT64_MAX, which the measures' checks refuse) */
		v->t = J_NUM;
		v->n = json_object_get_int64(o) == INT64_MAX ? (double)json_object_get_uint64(o)
							     : (double)json_object_get_int64(o);
		return 0;
	case json_type_double:
		v->t = J_NUM;
		v->n = json_object_get_double(o); /* strtod() of its text */
		return 0;
	case json_type_string:
		v->t = J_STR;
		v->s = (char *)json_object_get_string(o);
		if (memchr(v->s, '\0', (size_t)json_object_get_string_len(o))) {
			v->s = copy_string(o);
			v->s_copied = true;
		}
		return v->s ? 0 : -ENOMEM;
	case json_type_array:
		v->t = J_ARR;
		n = json_object_array_length(o);
		v->items = calloc(n ? n : 1, sizeof(*v->items));
		if (!v->items) {
			return -ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			v->count++; /* counted first, so that jfree() frees a half-read item */
			if (from_json(json_object_array_get_idx(o, i), &v->items[i])) {
				return -ENOMEM;
			}
		}
		return 0;
	case json_type_object: {
		size_t i = 0;

		v->t = J_OBJ;
		n = (size_t)json_object_object_length(o);
		v->items = calloc(n ? n : 1, sizeof(*v->items));
		v->keys = calloc(n ? n : 1, sizeof(*v->keys));
		if (!v->items || !v->keys) {
			return -ENOMEM;
		}
		json_object_object_foreach(o, key, val)
		{
			v->keys[i] = key;
			v->count++;
			if (from_json(val, &v->items[i])) {
				return -ENOMEM;
			}
			i++;
		}
		return 0;
	}
	}
	return -EINVAL;
}

/* Parses one complete JSON text; returns 0, -EINVAL or -ENOMEM. */
int jparse(const char *text, size_t len, struct jval *out)
{
	struct json_object *doc;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = lat_json_parse(text, len, &doc);
	if (ret) {
		return ret;
	}
	ret = from_json(doc, out);
	out->doc = doc;
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

/* The alert's stacks, copied (for the flame graph and --folded). */
static int add_stacks(struct alert *a, const struct jval *obj)
{
	static const char *const keys[NSTACKS] = {"kstack", "ustack", "waker_kstack",
						  "waker_ustack"};

	for (int k = 0; k < NSTACKS; k++) {
		const struct jval *st = jget(obj, keys[k]);
		struct alert_stack_frames *s = &a->stacks[k];

		if (!st || st->t != J_ARR || !st->count) {
			continue;
		}
		s->frames = calloc(st->count, sizeof(*s->frames));
		if (!s->frames) {
			return -ENOMEM;
		}
		for (size_t i = 0; i < st->count; i++) {
			s->frames[i] = strdup(st->items[i].t == J_STR ? st->items[i].s : "?");
			if (!s->frames[i]) {
				return -ENOMEM;
			}
			s->count++;
		}
	}
	return 0;
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
	return ret ? ret : add_stacks(a, obj);
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
		for (int k = 0; k < NSTACKS; k++) {
			for (size_t f = 0; f < log->alerts[i].stacks[k].count; f++) {
				free(log->alerts[i].stacks[k].frames[f]);
			}
			free(log->alerts[i].stacks[k].frames);
		}
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
