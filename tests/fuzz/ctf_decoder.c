/* ctf_decoder.c: libFuzzer target for the LTTng CTF decoder (lttng_tsdl.c, lttng_decode.c).
 * An input is a 2-byte little-endian metadata length, the TSDL metadata, then one stream file. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyses/period_expr.h"
#include "sources/event.h"
#include "sources/lttng_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static int map(void *ctx, const char *name, struct lat_lttng_typed *out)
{
	static const struct lat_lttng_field fields[] = {
	    {"prev_comm", offsetof(struct lat_kevent, sched_switch.prev_comm), 4, 0},
	    {"prev_tid", offsetof(struct lat_kevent, sched_switch.prev_tid), 0, 0},
	    {"prev_state", offsetof(struct lat_kevent, sched_switch.prev_state), 1, 0},
	    {"next_comm", offsetof(struct lat_kevent, sched_switch.next_comm), 4, 0},
	    {"filename", offsetof(struct lat_kevent, syscall.filename), 4, LAT_HAS_FILENAME},
	    {"count", offsetof(struct lat_kevent, syscall.count), 3, LAT_HAS_COUNT},
	};

	(void)ctx;
	out->type = strcmp(name, "sched_switch") == 0 ? LAT_EV_SCHED_SWITCH : LAT_EV_OTHER;
	out->nfields = sizeof(fields) / sizeof(fields[0]);
	memcpy(out->fields, fields, sizeof(fields));
	return 0;
}

static int on_event(const struct lat_kevent *ev, void *user)
{
	size_t *n = user;
	struct lat_pval v;
	uint64_t a[4];

	/* touch what the analyses touch: strings and fields by name */
	if (ev->sched_switch.prev_comm) {
		*n += strlen(ev->sched_switch.prev_comm);
	}
	if (ev->ctx_procname) {
		*n += strlen(ev->ctx_procname);
	}
	lat_lttng_event_field(ev->raw, 0, "fd", &v);
	lat_lttng_event_field(ev->raw, 5, "cpu_id", &v);
	lat_lttng_event_uints(ev->raw, "v4addr", a, 4);
	return ++*n > 100000; /* bounded work per input */
}

static int write_file(const char *name, const uint8_t *data, size_t size)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		return -1;
	}
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lat_ctf_stats stats;
	struct lat_lttng *l = NULL;
	char err[512], *dirs[1] = {dir};
	size_t mlen, n = 0;
	int64_t b, e, ib, ie;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/latscope-fuzz-ctf.XXXXXX");
		if (!mkdtemp(dir)) {
			abort();
		}
	}
	if (size < 2) {
		return 0;
	}
	mlen = data[0] | (size_t)data[1] << 8;
	if (mlen > size - 2) {
		mlen = size - 2;
	}
	if (write_file("metadata", data + 2, mlen) ||
	    write_file("channel0_0", data + 2 + mlen, size - 2 - mlen)) {
		abort();
	}
	if (lat_lttng_open(dirs, 1, &l, err, sizeof(err)) == 0) {
		struct lat_lttng_run run = {on_event, &n, map, NULL, false, 0, 0, &stats};

		memset(&stats, 0, sizeof(stats));
		if (lat_lttng_ranges(l, &b, &e, &ib, &ie) == 0) {
			run.intersect = true, run.begin = ib, run.end = ie;
		}
		lat_lttng_run(l, &run, err, sizeof(err));
		lat_lttng_destroy(l);
	}
	return 0;
}
