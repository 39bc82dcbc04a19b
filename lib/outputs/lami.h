/* lami.h: LAMI 1.0 machine interface (metadata, results, progress and error objects). */
#ifndef LATSCOPE_OUTPUTS_LAMI_H
#define LATSCOPE_OUTPUTS_LAMI_H

#include <stddef.h>
#include <stdio.h>

#include "outputs/result.h"

#define LAT_LAMI_VERSION "1.0"

/* What --metadata describes: the analysis, and its table classes. */
struct lat_lami_meta {
	const char *title;
	const char *description;
	const char *const *tags; /* after "linux-kernel", "lttng-analyses"; NULL-terminated */
	const struct lat_table_class *const *classes;
	size_t nclasses;
};

/* A string as Python's json.dumps() writes it: lat_json_write_string(LAT_JSON_ASCII). */
void lat_json_string(FILE *out, const char *text);
/* A double as Python's repr(): the shortest string that reads back the same ("0.1", "1e-05"). */
void lat_json_double(char *buf, size_t len, double value);

void lat_lami_print_metadata(FILE *out, const struct lat_lami_meta *meta);
/* The results object: the tables in order; empty tables are left out (as the peer does). */
void lat_lami_print_results(FILE *out, const struct lat_result *res);
void lat_lami_print_error(FILE *out, const char *message);
/* A progress line: `at` in [0, 1], or negative for "*"; message may be NULL. */
void lat_lami_print_progress(FILE *out, double at, const char *message);

#endif /* LATSCOPE_OUTPUTS_LAMI_H */
