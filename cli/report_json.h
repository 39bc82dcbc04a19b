/* report_json.h: the report's JSON reader and its track-log records, without I/O (fuzzed). */
#ifndef LATSCOPE_CLI_REPORT_JSON_H
#define LATSCOPE_CLI_REPORT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outputs/html.h"

/* --- a small JSON reader (one value per line of the track log) ------------------------------ */

struct json_object;

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype t;
	bool b;
	bool s_copied; /* s is our copy (it had NULs), not json-c's */
	double n;
	char *s;            /* J_STR: json-c's string, or a copy */
	struct jval *items; /* J_ARR, J_OBJ (values) */
	char **keys;        /* J_OBJ: json-c's keys */
	size_t count;
	struct json_object *doc; /* the value jparse() returned: json-c's tree, which s and keys
				    point into, until jfree() */
};

/* Parses one complete JSON text of len bytes (json-c, util/json.h); 0, -EINVAL or -ENOMEM. On an
 * error, out is empty (nothing to free). */
int jparse(const char *text, size_t len, struct jval *out);
void jfree(struct jval *v);
/* An object's member by key (NULL: none, or obj is no object); its number or string. */
const struct jval *jget(const struct jval *obj, const char *key);
double jnum(const struct jval *obj, const char *key, double def);
const char *jstr(const struct jval *obj, const char *key);

/* --- growable text buffer ------------------------------------------------------------------- */

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --- the track log -------------------------------------------------------------------------- */

struct field {
	char *key, *value;
};

/* An alert's stacks, leaf first, as the log has them (strings; other items are "?"). */
enum alert_stack { STACK_K, STACK_U, STACK_WAKER_K, STACK_WAKER_U, NSTACKS };

struct alert_stack_frames {
	char **frames;
	size_t count;
};

struct alert {
	unsigned tracker;
	struct alert_stack_frames stacks[NSTACKS]; /* kstack, ustack, waker_kstack, waker_ustack */
	double start_ns, delay_ns;
	bool timeout;
	char *detail;
	struct field *fields; /* comm and the tracker's string fields */
	size_t nfields;
};

struct summary {
	char *tracker, *series;
	double events, reported, timeouts, max_ns, mean_ns, threshold_ns;
	struct field *drops; /* drops and exec counters, as text */
	size_t ndrops;
	double lost; /* the sum of the drop counters */
	struct lat_html_bucket *buckets;
	size_t nbuckets;
};

struct tracklog {
	char **trackers;
	size_t ntrackers;
	struct alert *alerts;
	size_t nalerts, alerts_cap;
	struct summary *sums;
	size_t nsums, sums_cap;
	size_t other_lines;
};

/* tracklog_add_line: a line that is JSON but no alert or summary (counted in other_lines). */
#define TRACKLOG_OTHER 1

/*
 * Adds one line of a `latscope track --json` log (without its newline): 0 (an alert or a
 * summary), TRACKLOG_OTHER, -EINVAL (not JSON), -EBADMSG (JSON, but not a track record) or
 * -ENOMEM.
 */
int tracklog_add_line(struct tracklog *log, const char *line, size_t len);
void tracklog_fini(struct tracklog *log);

#endif /* LATSCOPE_CLI_REPORT_JSON_H */
