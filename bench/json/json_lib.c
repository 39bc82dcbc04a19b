/* json_lib.c: bench-json's workload for one JSON library (built twice: -DUSE_JANSSON, -DUSE_JSONC).
 *
 * Two paths of latscope, the same work for both libraries:
 *   lami   LAMI results of a big analysis: ROWS rows of (process, duration, ratio, string) cells,
 *          written (a) as latscope writes them, the document streamed and each string encoded by
 *          the library ("stream"), and (b) as a tree of the library's objects dumped at once
 *          ("tree");
 *   report `latscope report`'s reading of a track --json log: LINES alert lines parsed one by
 *          one and their members read (tracker, comm, tid, start_ns, delay_ns, timeout).
 * Prints `lib=NAME lami_stream=S lami_tree=S report_read=S bytes=N` (seconds, best of ROUNDS).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef USE_JANSSON
#include <jansson.h>
#define LIB_NAME "jansson"
#else
#include <json-c/json.h>
#define LIB_NAME "json-c"
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void comm_of(char *buf, size_t len, long i)
{
	/* one name in 50 is not ASCII, as real process names sometimes are */
	snprintf(buf, len, i % 50 ? "worker-%ld" : "caf\xc3\xa9-%ld", i % 997);
}

/* --- one string, encoded by the library ------------------------------------------------------ */
#ifdef USE_JANSSON
static void put_string(FILE *out, const char *s)
{
	json_t *j = json_string(s);

	json_dumpf(j, out, JSON_ENCODE_ANY);
	json_decref(j);
}
#else
static void put_string(FILE *out, const char *s)
{
	struct json_object *j = json_object_new_string(s);

	fputs(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
						    JSON_C_TO_STRING_NOSLASHESCAPE),
	      out);
	json_object_put(j);
}
#endif

static void lami_stream(FILE *out, long rows)
{
	char comm[32];

	fputs("{\"results\": [{\"class\": \"per-process\", \"time-range\": {\"class\": "
	      "\"time-range\", \"begin\": {\"class\": \"timestamp\", \"value\": 1}, \"end\": "
	      "{\"class\": \"timestamp\", \"value\": 2}}, \"data\": [",
	      out);
	for (long r = 0; r < rows; r++) {
		comm_of(comm, sizeof(comm), r);
		fputs(r ? ", [{\"class\": \"process\", \"name\": "
			: "[{\"class\": \"process\", \"name\": ",
		      out);
		put_string(out, comm);
		fprintf(
		    out,
		    ", \"pid\": %ld, \"tid\": %ld}, {\"class\": \"duration\", \"value\": %ld}, "
		    "{\"class\": \"ratio\", \"value\": %.17g}, {\"class\": \"string\", \"value\": ",
		    r % 5000, r, r * 1000 + 7, (double)(r % 1000) / 1000);
		put_string(out, "read");
		fputs("}]", out);
	}
	fputs("]}]}\n", out);
}

#ifdef USE_JANSSON
static void lami_tree(FILE *out, long rows)
{
	json_t *data = json_array(), *doc;
	char comm[32];

	for (long r = 0; r < rows; r++) {
		comm_of(comm, sizeof(comm), r);
		json_array_append_new(
		    data, json_pack("[{s:s,s:s,s:I,s:I},{s:s,s:I},{s:s,s:f},{s:s,s:s}]", "class",
				    "process", "name", comm, "pid", (json_int_t)(r % 5000), "tid",
				    (json_int_t)r, "class", "duration", "value",
				    (json_int_t)(r * 1000 + 7), "class", "ratio", "value",
				    (double)(r % 1000) / 1000, "class", "string", "value", "read"));
	}
	doc = json_pack("{s:[{s:s,s:o}]}", "results", "class", "per-process", "data", data);
	json_dumpf(doc, out, 0);
	fputc('\n', out);
	json_decref(doc);
}
#else
static struct json_object *cell(const char *cls)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "class", json_object_new_string(cls));
	return o;
}

static void lami_tree(FILE *out, long rows)
{
	struct json_object *data = json_object_new_array(), *doc = json_object_new_object(),
			   *results = json_object_new_array(), *table = cell("per-process");
	char comm[32];

	for (long r = 0; r < rows; r++) {
		struct json_object *row = json_object_new_array(), *c;

		comm_of(comm, sizeof(comm), r);
		c = cell("process");
		json_object_object_add(c, "name", json_object_new_string(comm));
		json_object_object_add(c, "pid", json_object_new_int64(r % 5000));
		json_object_object_add(c, "tid", json_object_new_int64(r));
		json_object_array_add(row, c);
		c = cell("duration");
		json_object_object_add(c, "value", json_object_new_int64(r * 1000 + 7));
		json_object_array_add(row, c);
		c = cell("ratio");
		json_object_object_add(c, "value",
				       json_object_new_double((double)(r % 1000) / 1000));
		json_object_array_add(row, c);
		c = cell("string");
		json_object_object_add(c, "value", json_object_new_string("read"));
		json_object_array_add(row, c);
		json_object_array_add(data, row);
	}
	json_object_object_add(table, "data", data);
	json_object_array_add(results, table);
	json_object_object_add(doc, "results", results);
	fputs(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_SPACED |
						      JSON_C_TO_STRING_NOSLASHESCAPE),
	      out);
	fputc('\n', out);
	json_object_put(doc);
}
#endif

/* --- report: a track log read line by line -------------------------------------------------- */
static char *make_log(long lines, size_t *len)
{
	char *text = NULL, comm[32];
	FILE *f = open_memstream(&text, len);

	for (long i = 0; i < lines; i++) {
		comm_of(comm, sizeof(comm), i);
		fprintf(
		    f,
		    "{\"type\":\"alert\",\"tracker\":\"syscall\",\"start_ns\":%ld,\"delay_ns\":%ld,"
		    "\"timeout\":false,\"comm\":\"%s\",\"pid\":%ld,\"tid\":%ld,\"cpu\":%ld,"
		    "\"syscall\":\"read\",\"ret\":-11,\"kstack\":[\"do_syscall_64+0x5b\","
		    "\"entry_SYSCALL_64_after_hwframe+0x63\"]}\n",
		    1700000000000000000L + i * 1000, 20000000L + i % 1000, comm, i % 5000, i,
		    i % 2);
	}
	fclose(f);
	return text;
}

static double report_read(char *text, size_t len, double *check)
{
	double sum = 0;
	char *p = text, *end = text + len;
#ifdef USE_JSONC
	struct json_tokener *tok = json_tokener_new();

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
#endif
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(nl - p);
#ifdef USE_JANSSON
		json_t *o = json_loadb(p, n, 0, NULL);
		const char *tracker = json_string_value(json_object_get(o, "tracker")),
			   *comm = json_string_value(json_object_get(o, "comm"));

		sum += json_number_value(json_object_get(o, "delay_ns")) +
		       json_number_value(json_object_get(o, "start_ns")) * 0 +
		       json_number_value(json_object_get(o, "tid")) +
		       json_is_true(json_object_get(o, "timeout")) + strlen(tracker) + strlen(comm);
		json_decref(o);
#else
		struct json_object *o = json_tokener_parse_ex(tok, p, (int)n), *v;
		const char *tracker, *comm;

		json_tokener_reset(tok);
		json_object_object_get_ex(o, "tracker", &v);
		tracker = json_object_get_string(v);
		json_object_object_get_ex(o, "comm", &v);
		comm = json_object_get_string(v);
		json_object_object_get_ex(o, "delay_ns", &v);
		sum += json_object_get_double(v);
		json_object_object_get_ex(o, "start_ns", &v);
		sum += json_object_get_double(v) * 0;
		json_object_object_get_ex(o, "tid", &v);
		sum += json_object_get_double(v);
		json_object_object_get_ex(o, "timeout", &v);
		sum += json_object_get_boolean(v) + strlen(tracker) + strlen(comm);
		json_object_put(o);
#endif
		p = nl + 1;
	}
#ifdef USE_JSONC
	json_tokener_free(tok);
#endif
	*check = sum;
	return 0;
}

int main(int argc, char **argv)
{
	long rows = argc > 1 ? atol(argv[1]) : 200000, lines = argc > 2 ? atol(argv[2]) : 200000;
	int rounds = argc > 3 ? atoi(argv[3]) : 3;
	double best[3] = {1e9, 1e9, 1e9}, check = 0;
	size_t len, bytes = 0;
	char *log = make_log(lines, &len);

	for (int round = 0; round < rounds; round++) {
		char *doc = NULL;
		size_t doclen = 0;
		FILE *out = open_memstream(&doc, &doclen);
		double t0 = now(), t;

		lami_stream(out, rows);
		fflush(out);
		t = now() - t0;
		best[0] = t < best[0] ? t : best[0];
		bytes = doclen;
		rewind(out);
		t0 = now();
		lami_tree(out, rows);
		fflush(out);
		t = now() - t0;
		best[1] = t < best[1] ? t : best[1];
		fclose(out);
		free(doc);
		t0 = now();
		report_read(log, len, &check);
		t = now() - t0;
		best[2] = t < best[2] ? t : best[2];
	}
	printf("lib=%s rows=%ld lines=%ld lami_stream=%.4f lami_tree=%.4f report_read=%.4f "
	       "bytes=%zu check=%.0f\n",
	       LIB_NAME, rows, lines, best[0], best[1], best[2], bytes, check);
	free(log);
	return 0;
}
