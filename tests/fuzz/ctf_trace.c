/* ctf_trace.c: libFuzzer target for the CTF source (lib/sources/ctf.c over libbabeltrace2) on
 * tiny traces: each input is written as a trace folder in a tmpfs folder, then opened and read.
 *
 * Input: [u32 LE n][n bytes: kernel/metadata][u32 LE m][m bytes: kernel/index/channel0_0.idx]
 * [the rest: kernel/channel0_0] (a missing part is an empty file; m = 0: no index). Seeds
 * (tests/fuzz/corpus/ctf_trace) are make_trace.py traces, and regress_* the inputs it found
 * (libbabeltrace2 hanging on a packet of size 0, aborting on sizes >= 2^63). Leak detection is
 * off (see __asan_default_options()). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sources/ctf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);

/* libbabeltrace2's plugins leak a little when they are unloaded: not ours to find here */
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static char root[64];

/* The trace folder goes when the fuzzer exits. */
static void remove_root(void)
{
	static const char *const files[] = {"kernel/index/channel0_0.idx", "kernel/metadata",
					    "kernel/channel0_0"};
	static const char *const dirs[] = {"kernel/index", "kernel", ""};
	char path[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, files[i]);
		unlink(path);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		rmdir(path);
	}
}

static uint32_t take_u32(const uint8_t **p, size_t *left)
{
	uint32_t v = 0;

	for (int i = 0; i < 4 && *left; i++, (*p)++, (*left)--) {
		v |= (uint32_t) * *p << (8 * i);
	}
	return v;
}

static void put_file(const char *name, const uint8_t *p, size_t n)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		abort();
	}
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0) {
			abort();
		}
		p += w;
		n -= (size_t)w;
	}
	close(fd);
}

static int on_event(const struct lat_kevent *ev, void *user)
{
	(*(uint64_t *)user)++;
	return ev->ts == 0 ? 0 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t left = size, n;
	struct lat_ctf_options opts = {.intersect = true, .kernel_only = false};
	struct lat_ctf_source *src = NULL;
	uint64_t events = 0;
	char err[512], path[128];

	if (!root[0]) {
		const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

		snprintf(root, sizeof(root), "%s/latscope-fuzz-%d", base, (int)getpid());
		mkdir(root, 0700);
		snprintf(path, sizeof(path), "%s/kernel", root);
		mkdir(path, 0700);
		snprintf(path, sizeof(path), "%s/kernel/index", root);
		mkdir(path, 0700);
		atexit(remove_root);
	}
	n = take_u32(&p, &left);
	n = n < left ? n : left;
	put_file("kernel/metadata", p, n);
	p += n, left -= n;
	n = take_u32(&p, &left);
	n = n < left ? n : left;
	snprintf(path, sizeof(path), "%s/kernel/index/channel0_0.idx", root);
	if (n) {
		put_file("kernel/index/channel0_0.idx", p, n);
	} else {
		unlink(path);
	}
	p += n, left -= n;
	put_file("kernel/channel0_0", p, left);

	snprintf(path, sizeof(path), "%s/kernel", root);
	if (lat_ctf_source_open(path, &opts, &src, err, sizeof(err)) == 0) {
		const struct lat_ctf_stats *st;

		if (lat_ctf_source_run(src, on_event, &events) && !lat_ctf_source_error(src)[0]) {
			abort(); /* a failure always says why */
		}
		st = lat_ctf_source_stats(src);
		if (st->events != events || st->nlosses > LAT_CTF_MAX_LOSSES ||
		    st->nnotes > LAT_CTF_MAX_NOTES) {
			abort();
		}
		lat_ctf_source_destroy(src);
	} else if (!err[0]) {
		abort();
	}
	return 0;
}
