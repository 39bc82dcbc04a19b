/* jsonl.c: JSON lines written member by member (see jsonl.h). */
#include "outputs/jsonl.h"

#include <inttypes.h>
#include <math.h>

#include "util/json.h"

void lat_jsonl_string(FILE *out, const char *text)
{
	lat_json_write_string(out, text, 0);
}

static void key(struct lat_jsonl *j, const char *name)
{
	if (!j->first) {
		fputc(',', j->out);
	}
	j->first = false;
	lat_jsonl_string(j->out, name);
	fputc(':', j->out);
}

void lat_jsonl_begin(struct lat_jsonl *j, FILE *out)
{
	j->out = out;
	j->first = true;
	fputc('{', out);
}

void lat_jsonl_str(struct lat_jsonl *j, const char *name, const char *value)
{
	key(j, name);
	lat_jsonl_string(j->out, value ? value : "");
}

void lat_jsonl_u64(struct lat_jsonl *j, const char *name, uint64_t value)
{
	key(j, name);
	fprintf(j->out, "%" PRIu64, value);
}

void lat_jsonl_i64(struct lat_jsonl *j, const char *name, int64_t value)
{
	key(j, name);
	fprintf(j->out, "%" PRId64, value);
}

void lat_jsonl_double(struct lat_jsonl *j, const char *name, double value)
{
	key(j, name);
	if (isfinite(value)) {
		fprintf(j->out, "%.9g", value);
	} else {
		fputs("null", j->out);
	}
}

void lat_jsonl_bool(struct lat_jsonl *j, const char *name, bool value)
{
	key(j, name);
	fputs(value ? "true" : "false", j->out);
}

void lat_jsonl_raw(struct lat_jsonl *j, const char *name, const char *value)
{
	key(j, name);
	fputs(value, j->out);
}

void lat_jsonl_strv(struct lat_jsonl *j, const char *name, const char *const *values, int n)
{
	key(j, name);
	fputc('[', j->out);
	for (int i = 0; i < n; i++) {
		if (i) {
			fputc(',', j->out);
		}
		lat_jsonl_string(j->out, values[i]);
	}
	fputc(']', j->out);
}

void lat_jsonl_end(struct lat_jsonl *j)
{
	fputs("}\n", j->out);
}
