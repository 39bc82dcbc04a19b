/* sync_file.c: reads the transforms `latscope sync --json` wrote (through json-c). */
#include "analyses/sync.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "util/errtext.h"
#include "util/json.h"

/* A member of obj of that type, or NULL. */
static struct json_object *member(struct json_object *obj, const char *key, enum json_type type)
{
	struct json_object *v;

	return json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, type) ? v : NULL;
}

/* A number member, read at long double precision from its text (json-c keeps it). */
static bool number(struct json_object *obj, const char *key, long double *out)
{
	struct json_object *v;
	char *end;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))) {
		return false;
	}
	errno = 0;
	*out = strtold(lat_json_number_text(v), &end);
	return !*end && !errno;
}

static const char *string(struct json_object *obj, const char *key)
{
	struct json_object *v = member(obj, key, json_type_string);

	return v ? json_object_get_string(v) : "";
}

static bool same_trace(const char *real, const char *a, const char *b)
{
	char buf[PATH_MAX];

	if (a[0] && realpath(a, buf) && !strcmp(buf, real)) {
		return true;
	}
	return b[0] && realpath(b, buf) && !strcmp(buf, real);
}

int lat_sync_file_lookup(const char *file, const char *trace_path, long double *slope,
			 long double *offset_ns, char *err, size_t err_len)
{
	char real[PATH_MAX];
	struct json_object *doc = NULL, *transforms;
	const char *reference;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret = -EINVAL;
	bool found = false;

	if (err && err_len) {
		err[0] = '\0';
	}
	if (!realpath(trace_path, real)) {
		lat_errtext_set(err, err_len, "%s: %s", trace_path, strerror(errno));
		return -ENOENT;
	}
	f = fopen(file, "r");
	if (!f) {
		ret = -errno;
		lat_errtext_set(err, err_len, "%s: %s", file, strerror(errno));
		return ret;
	}
	text = malloc(1 << 20);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(text, 1, (1 << 20), f);
	fclose(f);
	ret = lat_json_parse(text, len, &doc);
	free(text);
	if (ret == -ENOMEM) {
		return ret;
	}
	transforms = ret ? NULL : member(doc, "transforms", json_type_array);
	reference = string(doc, "reference");
	if (!transforms || !reference[0] || !json_object_is_type(doc, json_type_object)) {
		goto bad;
	}
	for (size_t i = 0; i < json_object_array_length(transforms); i++) {
		struct json_object *e = json_object_array_get_idx(transforms, i);
		long double s, o;

		if (!json_object_is_type(e, json_type_object) || !number(e, "slope", &s) ||
		    !number(e, "offset_ns", &o)) {
			goto bad;
		}
		if (!found && same_trace(real, string(e, "path"), string(e, "trace"))) {
			found = true;
			*slope = s;
			*offset_ns = o;
		}
	}
	if (!found && same_trace(real, string(doc, "reference_path"), reference)) {
		found = true;
		*slope = 1;
		*offset_ns = 0;
	}
	if (!found) {
		lat_errtext_set(err, err_len, "%s: the trace %s is not in this synchronization",
				file, trace_path);
		ret = -ENOENT;
	} else if (!(*slope > 0)) {
		lat_errtext_set(err, err_len, "%s: the slope of %s is not positive", file,
				trace_path);
		ret = -EINVAL;
	} else {
		ret = 0;
	}
	json_object_put(doc);
	return ret;
bad:
	lat_errtext_set(err, err_len,
			"%s: not a latscope sync file (expected {\"reference\": ..., "
			"\"transforms\": [...]})",
			file);
	json_object_put(doc);
	return -EINVAL;
}
