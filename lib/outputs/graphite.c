/* graphite.c: Graphite plaintext lines with sanitized path components (see graphite.h). */
#include "outputs/graphite.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

void lat_graphite_component(const char *text, char *buf, size_t len)
{
	size_t n = 0;

	if (!len) {
		return;
	}
	for (const unsigned char *p = (const unsigned char *)text; *p && n + 1 < len; p++) {
		bool keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-';

		buf[n++] = keep ? (char)*p : '_';
	}
	if (!n && len > 1) {
		buf[n++] = '_';
	}
	buf[n] = '\0';
}

void lat_graphite_line(FILE *out, const char *prefix, const char *const *parts, double value,
		       int64_t timestamp)
{
	char part[256];
	bool first = true;

	if (prefix && *prefix) {
		/* the prefix keeps its dots: each of its levels is sanitized on its own */
		char copy[256], *save = NULL;

		snprintf(copy, sizeof(copy), "%s", prefix);
		for (char *tok = strtok_r(copy, ".", &save); tok;
		     tok = strtok_r(NULL, ".", &save)) {
			lat_graphite_component(tok, part, sizeof(part));
			fprintf(out, "%s%s", first ? "" : ".", part);
			first = false;
		}
	}
	for (int i = 0; parts[i]; i++) {
		lat_graphite_component(parts[i], part, sizeof(part));
		fprintf(out, "%s%s", first ? "" : ".", part);
		first = false;
	}
	fprintf(out, " %.9g %" PRId64 "\n", value, timestamp);
}
