/* explain_trigger.c: writes and reads a snapshot's trigger.txt (tracker, task, start, end). */
#include "outputs/explain_trigger.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lat_xp_trigger_write(const char *dir, const struct lat_xp_trigger *t)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int ret = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, LAT_XP_TRIGGER_FILE) >=
	    sizeof(path)) {
		return -ENAMETOOLONG;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		return -errno;
	}
	fprintf(f,
		"# latscope record --flight: the event that triggered this snapshot "
		"(latscope explain reads it)\n"
		"tracker=%s\ntid=%d\ncomm=%s\nstart_ns=%" PRId64 "\nend_ns=%" PRId64
		"\ndelay_ns=%" PRId64 "\n",
		t->tracker, t->tid, t->comm, t->start_ns, t->end_ns, t->delay_ns);
	if (ferror(f)) {
		ret = -EIO;
	}
	if (fclose(f) && !ret) {
		ret = -errno;
	}
	if (!ret && rename(tmp, path)) {
		ret = -errno;
	}
	if (ret) {
		remove(tmp);
	}
	return ret;
}

static bool parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end) {
		return false;
	}
	*out = v;
	return true;
}

int lat_xp_trigger_read(const char *dir, struct lat_xp_trigger *t)
{
	char path[PATH_MAX], line[256];
	unsigned seen = 0;
	size_t n = strlen(dir);
	FILE *f;

	memset(t, 0, sizeof(*t));
	while (n > 1 && dir[n - 1] == '/') {
		n--;
	}
	snprintf(path, sizeof(path), "%.*s/%s", (int)n, dir, LAT_XP_TRIGGER_FILE);
	f = fopen(path, "r");
	if (!f && errno == ENOENT && n >= 7 && strncmp(dir + n - 7, "/kernel", 7) == 0) {
		snprintf(path, sizeof(path), "%.*s/%s", (int)(n - 7), dir, LAT_XP_TRIGGER_FILE);
		f = fopen(path, "r");
	}
	if (!f) {
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *v;
		int64_t x;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !eq) {
			continue;
		}
		*eq = '\0';
		v = eq + 1;
		if (strcmp(line, "tracker") == 0) {
			snprintf(t->tracker, sizeof(t->tracker), "%s", v);
			seen |= 1;
		} else if (strcmp(line, "comm") == 0) {
			snprintf(t->comm, sizeof(t->comm), "%s", v);
		} else if (strcmp(line, "tid") == 0 && parse_i64(v, &x) && x > 0 &&
			   x <= INT32_MAX) {
			t->tid = (int32_t)x;
			seen |= 2;
		} else if (strcmp(line, "start_ns") == 0 && parse_i64(v, &x)) {
			t->start_ns = x;
			seen |= 4;
		} else if (strcmp(line, "end_ns") == 0 && parse_i64(v, &x)) {
			t->end_ns = x;
			seen |= 8;
		} else if (strcmp(line, "delay_ns") == 0 && parse_i64(v, &x)) {
			t->delay_ns = x;
		}
	}
	fclose(f);
	return seen == 15 && t->end_ns > t->start_ns ? 0 : -EINVAL;
}
