/* report_json.c: libFuzzer target for `latscope report`'s JSON input: the track --json log's lines
 * (alerts, summaries) and the agent's `windows` reply lines, through cli/report_json.c. */
/* fuzz-sources: cli/report_json.c */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walks a parsed value: every member reachable, every string terminated. */
static size_t walk(const struct jval *v, int depth)
{
	size_t n = 1;

	if (depth > 100) {
		abort(); /* the parser limits nesting to 64 */
	}
	if (v->t == J_STR) {
		n += strlen(v->s);
	}
	for (size_t i = 0; i < v->count; i++) {
		if (v->t == J_OBJ) {
			n += strlen(v->keys[i]);
		}
		n += walk(&v->items[i], depth + 1);
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct tracklog log = {0};
	struct jval v;
	size_t start = 0;
	int ret;

	/* the whole input as one JSON text (an agent reply line, or a line of the log) */
	ret = jparse(text, size, &v);
	if (ret == 0) {
		(void)walk(&v, 0);
		(void)jnum(&v, "count", 0);
		(void)jstr(&v, "type");
		jfree(&v);
	} else if (ret != -EINVAL && ret != -ENOMEM) {
		abort();
	}
	/* then line by line, as `latscope report LOG` reads a track log */
	while (start < size) {
		const char *nl = memchr(text + start, '\n', size - start);
		size_t len = nl ? (size_t)(nl - (text + start)) : size - start;

		ret = tracklog_add_line(&log, text + start, len);
		if (ret != 0 && ret != TRACKLOG_OTHER && ret != -EINVAL && ret != -EBADMSG &&
		    ret != -ENOMEM) {
			abort();
		}
		start += len + 1;
	}
	for (size_t i = 0; i < log.nalerts; i++) {
		if (!log.alerts[i].detail || log.alerts[i].tracker >= log.ntrackers) {
			abort();
		}
		(void)strlen(log.alerts[i].detail);
	}
	for (size_t i = 0; i < log.nsums; i++) {
		for (size_t b = 0; b < log.sums[i].nbuckets; b++) {
			(void)log.sums[i].buckets[b].count;
		}
	}
	tracklog_fini(&log);
	return 0;
}
