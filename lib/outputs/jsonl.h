/* jsonl.h: one JSON object per line (over-threshold events with their stacks, profile changes),
 * written member by member to a stream. */
#ifndef LATSCOPE_OUTPUTS_JSONL_H
#define LATSCOPE_OUTPUTS_JSONL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct lat_jsonl {
	FILE *out;
	bool first; /* no member written yet */
};

void lat_jsonl_begin(struct lat_jsonl *j, FILE *out);
void lat_jsonl_str(struct lat_jsonl *j, const char *key, const char *value);
void lat_jsonl_u64(struct lat_jsonl *j, const char *key, uint64_t value);
void lat_jsonl_i64(struct lat_jsonl *j, const char *key, int64_t value);
void lat_jsonl_double(struct lat_jsonl *j, const char *key, double value);
void lat_jsonl_bool(struct lat_jsonl *j, const char *key, bool value);
/* value is JSON already (a number printed by someone else). */
void lat_jsonl_raw(struct lat_jsonl *j, const char *key, const char *value);
/* An array of strings (a stack, innermost frame first). */
void lat_jsonl_strv(struct lat_jsonl *j, const char *key, const char *const *values, int n);
/* Closes the object and the line. */
void lat_jsonl_end(struct lat_jsonl *j);

/* A JSON string literal, quotes included: lat_json_write_string() (util/json.h), UTF-8 kept. */
void lat_jsonl_string(FILE *out, const char *text);

#endif /* LATSCOPE_OUTPUTS_JSONL_H */
