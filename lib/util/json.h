/* json.h: every JSON string latscope writes, and every JSON text it reads, through json-c. */
#ifndef LATSCOPE_UTIL_JSON_H
#define LATSCOPE_UTIL_JSON_H

#include <stddef.h>
#include <stdio.h>

struct json_object;

/*
 * How a string is written. Always: RFC 8259 escapes from json-c (\" \\ \b \f \n \r \t, other
 * bytes below 0x20 as \u00XX), DEL (0x7f) as \u007f, and every byte that is not part of valid
 * UTF-8 (overlong forms, surrogates, beyond U+10FFFF, cut sequences) read as U+FFFD, so that
 * any C string gives valid JSON in valid UTF-8.
 */
enum lat_json_flags {
	/* Everything beyond ASCII as \uXXXX (surrogate pairs above U+FFFF), lowercase hex, as
	 * Python's json.dumps() writes it (LAMI, byte for byte as lttng-analyses). */
	LAT_JSON_ASCII = 1 << 0,
	/* '<', '>' and '&' as \u003c, \u003e, \u0026: safe inside an HTML <script> element. */
	LAT_JSON_SCRIPT = 1 << 1,
};

/* Writes text (NULL: "") as one JSON string, quotes included. */
void lat_json_write_string(FILE *out, const char *text, unsigned flags);

/*
 * Parses one complete JSON text of len bytes (trailing white space allowed, nothing else);
 * returns 0 and *out (json_object_put() it), -EINVAL (not JSON: RFC 8259 as json-c's strict
 * mode reads it, invalid UTF-8 included, nesting deeper than 64) or -ENOMEM.
 */
int lat_json_parse(const char *text, size_t len, struct json_object **out);

/* A number's text as it was in the document (json-c keeps it): for long double readers. */
const char *lat_json_number_text(struct json_object *number);

#endif /* LATSCOPE_UTIL_JSON_H */
