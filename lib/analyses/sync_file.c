/* sync_file.c: reads the transforms `latscope sync --json` wrote (a small JSON reader). */
#include "analyses/sync.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reader {
	const char *p, *end;
	int depth;
};

struct entry {
	char trace[PATH_MAX], path[PATH_MAX];
	long double slope, offset;
	bool has_slope, has_offset;
};

static void ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) {
		r->p++;
	}
}

static bool lit(struct reader *r, char c)
{
	ws(r);
	if (r->p < r->end && *r->p == c) {
		r->p++;
		return true;
	}
	return false;
}

/* A string into out (escapes \" \\ \/ \n \t \uXXXX-as-'?'); out may be NULL. */
static int string(struct reader *r, char *out, size_t len)
{
	size_t n = 0;

	if (!lit(r, '"')) {
		return -EINVAL;
	}
	while (r->p < r->end && *r->p != '"') {
		char c = *r->p++;

		if (c == '\\') {
			if (r->p >= r->end) {
				return -EINVAL;
			}
			c = *r->p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'u':
				if (r->end - r->p < 4) {
					return -EINVAL;
				}
				r->p += 4;
				c = '?';
				break;
			default:
				break;
			}
		}
		if (out && n + 1 < len) {
			out[n++] = c;
		}
	}
	if (r->p >= r->end) {
		return -EINVAL;
	}
	r->p++;
	if (out && len) {
		out[n] = '\0';
	}
	return 0;
}

static int number(struct reader *r, long double *out)
{
	char buf[64], *endp;
	size_t n = 0;

	ws(r);
	while (r->p < r->end && n + 1 < sizeof(buf) && strchr("+-0123456789.eE", *r->p)) {
		buf[n++] = *r->p++;
	}
	buf[n] = '\0';
	if (!n) {
		return -EINVAL;
	}
	errno = 0;
	*out = strtold(buf, &endp);
	return *endp || errno ? -EINVAL : 0;
}

static int skip_value(struct reader *r)
{
	long double d;

	ws(r);
	if (r->p >= r->end || ++r->depth > 64) {
		return -EINVAL;
	}
	if (*r->p == '"') {
		r->depth--;
		return string(r, NULL, 0);
	}
	if (*r->p == '{' || *r->p == '[') {
		char close = *r->p == '{' ? '}' : ']';

		r->p++;
		if (lit(r, close)) {
			r->depth--;
			return 0;
		}
		do {
			if (close == '}' && (string(r, NULL, 0) || !lit(r, ':'))) {
				return -EINVAL;
			}
			if (skip_value(r)) {
				return -EINVAL;
			}
		} while (lit(r, ','));
		r->depth--;
		return lit(r, close) ? 0 : -EINVAL;
	}
	for (const char *const *w = (const char *const[]){"true", "false", "null", NULL}; *w; w++) {
		size_t l = strlen(*w);

		if ((size_t)(r->end - r->p) >= l && !strncmp(r->p, *w, l)) {
			r->p += l;
			r->depth--;
			return 0;
		}
	}
	r->depth--;
	return number(r, &d);
}

static int read_entry(struct reader *r, struct entry *e)
{
	char key[64];

	memset(e, 0, sizeof(*e));
	if (!lit(r, '{')) {
		return -EINVAL;
	}
	if (lit(r, '}')) {
		return 0;
	}
	do {
		int ret;

		if (string(r, key, sizeof(key)) || !lit(r, ':')) {
			return -EINVAL;
		}
		if (!strcmp(key, "trace")) {
			ret = string(r, e->trace, sizeof(e->trace));
		} else if (!strcmp(key, "path")) {
			ret = string(r, e->path, sizeof(e->path));
		} else if (!strcmp(key, "slope")) {
			ret = number(r, &e->slope);
			e->has_slope = true;
		} else if (!strcmp(key, "offset_ns")) {
			ret = number(r, &e->offset);
			e->has_offset = true;
		} else {
			ret = skip_value(r);
		}
		if (ret) {
			return ret;
		}
	} while (lit(r, ','));
	return lit(r, '}') ? 0 : -EINVAL;
}

static bool same_trace(const char *real, const char *a, const char *b)
{
	char buf[PATH_MAX];

	if (a[0] && realpath(a, buf) && !strcmp(buf, real)) {
		return true;
	}
	return b[0] && realpath(b, buf) && !strcmp(buf, real);
}

static void say(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
}

int lat_sync_file_lookup(const char *file, const char *trace_path, long double *slope,
			 long double *offset_ns, char *err, size_t err_len)
{
	char real[PATH_MAX], key[64], reference[PATH_MAX] = "", refpath[PATH_MAX] = "";
	struct entry *e = NULL;
	struct reader r;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret = -EINVAL;
	bool found = false, have_transforms = false;

	if (err && err_len) {
		err[0] = '\0';
	}
	if (!realpath(trace_path, real)) {
		say(err, err_len, "%s: %s", trace_path, strerror(errno));
		return -ENOENT;
	}
	f = fopen(file, "r");
	if (!f) {
		ret = -errno;
		say(err, err_len, "%s: %s", file, strerror(errno));
		return ret;
	}
	text = malloc(1 << 20);
	e = malloc(sizeof(*e));
	if (!text || !e) {
		fclose(f);
		free(text);
		free(e);
		return -ENOMEM;
	}
	len = fread(text, 1, (1 << 20), f);
	fclose(f);
	r = (struct reader){text, text + len, 0};
	if (!lit(&r, '{')) {
		goto bad;
	}
	if (!lit(&r, '}')) {
		do {
			if (string(&r, key, sizeof(key)) || !lit(&r, ':')) {
				goto bad;
			}
			if (!strcmp(key, "reference")) {
				if (string(&r, reference, sizeof(reference))) {
					goto bad;
				}
			} else if (!strcmp(key, "reference_path")) {
				if (string(&r, refpath, sizeof(refpath))) {
					goto bad;
				}
			} else if (!strcmp(key, "transforms")) {
				have_transforms = true;
				if (!lit(&r, '[')) {
					goto bad;
				}
				if (lit(&r, ']')) {
					continue;
				}
				do {
					if (read_entry(&r, e) || !e->has_slope || !e->has_offset) {
						goto bad;
					}
					if (!found && same_trace(real, e->path, e->trace)) {
						found = true;
						*slope = e->slope;
						*offset_ns = e->offset;
					}
				} while (lit(&r, ','));
				if (!lit(&r, ']')) {
					goto bad;
				}
			} else if (skip_value(&r)) {
				goto bad;
			}
		} while (lit(&r, ','));
		if (!lit(&r, '}')) {
			goto bad;
		}
	}
	if (!have_transforms || !reference[0]) {
		goto bad;
	}
	if (!found && same_trace(real, refpath, reference)) {
		found = true;
		*slope = 1;
		*offset_ns = 0;
	}
	if (!found) {
		say(err, err_len, "%s: the trace %s is not in this synchronization", file,
		    trace_path);
		ret = -ENOENT;
	} else if (!(*slope > 0)) {
		say(err, err_len, "%s: the slope of %s is not positive", file, trace_path);
		ret = -EINVAL;
	} else {
		ret = 0;
	}
	free(text);
	free(e);
	return ret;
bad:
	say(err, err_len,
	    "%s: not a latscope sync file (expected {\"reference\": ..., "
	    "\"transforms\": [...]})",
	    file);
	free(text);
	free(e);
	return -EINVAL;
}
