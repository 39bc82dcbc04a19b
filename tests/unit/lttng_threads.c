/* lttng_threads.c: lttng_decode.c with its streams decoded ahead on threads (LATSCOPE_CTF_THREADS
 * 2 and 3) gives the events, fields by name, counts, losses and errors of the one-thread path,
 * stops cleanly when the consumer stops, and fails a truncated stream at the same event. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyses/period_expr.h"
#include "sources/event.h"
#include "sources/lttng_decode.h"
#include "tap.h"

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

struct result {
	uint64_t *h; /* one hash per event */
	size_t n, cap, stop_after;
	struct lat_ctf_stats st;
	int ret;
	char err[300];
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h = (h ^ b[i]) * 0x100000001b3ULL;
	}
	return h;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
	return s ? mix(h, s, strlen(s) + 1) : mix(h, "", 1) * 31;
}

static uint64_t mix_pval(uint64_t h, const struct lat_pval *v)
{
	h = mix(h, &v->kind, sizeof(v->kind));
	if (v->kind == LAT_PVAL_STR) {
		return mix_str(h, v->s);
	}
	return v->kind == LAT_PVAL_MISSING ? h : mix(h, &v->u, sizeof(v->u));
}

static int on_event(const struct lat_kevent *ev, void *user)
{
	struct result *r = user;
	uint64_t h = 0xcbf29ce484222325ULL, a[8];
	struct lat_pval v;
	int n;

	h = mix(h, &ev->ts, sizeof(ev->ts));
	h = mix(h, &ev->cpu, sizeof(ev->cpu));
	h = mix(h, &ev->type, sizeof(ev->type));
	h = mix(h, &ev->present, sizeof(ev->present));
	h = mix(h, &ev->ctx_mask, sizeof(ev->ctx_mask));
	h = mix(h, &ev->ctx_tid, sizeof(ev->ctx_tid));
	h = mix_str(h, ev->ctx_procname);
	h = mix_str(h, ev->name);
	if (ev->type == LAT_EV_SCHED_SWITCH) {
		h = mix_str(h, ev->sched_switch.prev_comm);
		h = mix_str(h, ev->sched_switch.next_comm);
		h = mix(h, &ev->sched_switch.prev_state, sizeof(ev->sched_switch.prev_state));
	}
	if (ev->present & LAT_HAS_FILENAME) {
		h = mix_str(h, ev->syscall.filename);
	}
	/* fields by name, through lat_kevent.raw, as periods read them */
	static const char *const names[] = {"fd", "comm", "tid", "ret", "name", "cpu_id"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		lat_lttng_event_field(ev->raw, LAT_PSCOPE_AUTO, names[i], &v);
		h = mix_pval(h, &v);
	}
	lat_lttng_event_field(ev->raw, LAT_PSCOPE_PKT_CTX, "cpu_id", &v);
	h = mix_pval(h, &v);
	n = lat_lttng_event_uints(ev->raw, "v4addr", a, 8);
	h = mix(h, &n, sizeof(n));
	if (n > 0) {
		h = mix(h, a, n * sizeof(a[0]));
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4096;
		uint64_t *bigger = realloc(r->h, cap * sizeof(*bigger));

		if (!bigger) {
			return -ENOMEM;
		}
		r->h = bigger;
		r->cap = cap;
	}
	r->h[r->n++] = h;
	return r->stop_after && r->n >= r->stop_after;
}

static void run(const char *dir, const char *threads, size_t stop_after, struct result *r)
{
	char *dirs[1] = {(char *)dir};
	struct lat_lttng *l;

	memset(r, 0, sizeof(*r));
	r->stop_after = stop_after;
	setenv("LATSCOPE_CTF_THREADS", threads, 1);
	r->ret = lat_lttng_open(dirs, 1, &l, r->err, sizeof(r->err));
	if (r->ret) {
		return;
	}
	struct lat_lttng_run rn = {on_event, r, map, NULL, false, 0, 0, &r->st};
	r->ret = lat_lttng_run(l, &rn, r->err, sizeof(r->err));
	lat_lttng_destroy(l);
}

/* Whether b is a's run, event by event; says where they part. */
static bool same(const char *what, const struct result *a, const struct result *b)
{
	size_t i = 0;

	while (i < a->n && i < b->n && a->h[i] == b->h[i]) {
		i++;
	}
	if (i == a->n && i == b->n && a->ret == b->ret && strcmp(a->err, b->err) == 0 &&
	    memcmp(&a->st, &b->st, sizeof(a->st)) == 0) {
		return true;
	}
	printf("# %s: %zu and %zu events, the first %zu the same; ret %d and %d; events %" PRIu64
	       " and %" PRIu64 ", losses %u and %u\n#   error 1: %s\n#   error 2: %s\n",
	       what, a->n, b->n, i, a->ret, b->ret, a->st.events, b->st.events, a->st.nlosses,
	       b->st.nlosses, a->err, b->err);
	return false;
}

/* A copy of trace `dir` in `to` whose first stream file has 256 bytes of 0xff at `at` of its
 * size (an event of no class, or a bad size, after many good ones). */
static int damaged_copy(const char *dir, const char *to, double at)
{
	char cmd[4096], first[2048] = "";
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "cp -r '%s' '%s' && rm -rf '%s/index' && ls '%s' | grep -v '^metadata$' | sort | "
		 "head -1",
		 dir, to, to, to);
	f = popen(cmd, "r");
	if (!f || !fgets(first, sizeof(first), f)) {
		if (f) {
			pclose(f);
		}
		return -1;
	}
	pclose(f);
	first[strcspn(first, "\n")] = '\0';
	snprintf(cmd, sizeof(cmd), "%s/%s", to, first);
	struct stat st;

	unsigned char junk[256];
	int fd = open(cmd, O_WRONLY);

	memset(junk, 0xff, sizeof(junk));
	if (fd < 0 || fstat(fd, &st) ||
	    pwrite(fd, junk, sizeof(junk), (off_t)(st.st_size * at)) != (ssize_t)sizeof(junk)) {
		if (fd >= 0) {
			close(fd);
		}
		return -1;
	}
	close(fd);
	return 0;
}

static void check_trace(const char *dir, const char *tmp)
{
	struct result one, two, three, stop;
	char cut[1024];

	run(dir, "1", 0, &one);
	/* -ERANGE: a stream going back in time, which ctf.c then reads through libbabeltrace2 */
	if (!ok((one.ret == 0 || one.ret == -ERANGE) && one.n > 0,
		"%s: %zu events on one thread (%s)", dir, one.n,
		one.ret ? one.err : "to the end")) {
		printf("#   ret %d: %s\n", one.ret, one.err);
	}
	run(dir, "2", 0, &two);
	ok(same(dir, &one, &two), "%s: 2 threads: the same events, fields, counts and losses", dir);
	run(dir, "3", 0, &three);
	ok(same(dir, &one, &three), "%s: 3 threads: the same", dir);
	run(dir, "2", one.n / 3 + 1, &stop);
	ok(stop.ret == 0 && stop.n == one.n / 3 + 1 && memcmp(stop.h, one.h, stop.n * 8) == 0,
	   "%s: 2 threads, stopped by the consumer after %zu events: those events, no error", dir,
	   one.n / 3 + 1);
	free(two.h);
	free(three.h);
	free(stop.h);
	free(one.h);

	snprintf(cut, sizeof(cut), "%s/cut", tmp);
	if (damaged_copy(dir, cut, 0.5)) {
		ok(0, "%s: a copy with its first stream damaged", dir);
		return;
	}
	const char *d = cut;
	char sub[1100];

	run(d, "1", 0, &one);
	run(d, "2", 0, &two);
	ok(one.ret != 0 && one.err[0] && same(d, &one, &two),
	   "first stream damaged in its middle: 2 threads fail after the same %zu events with the "
	   "same error (%s)",
	   one.n, one.err);
	free(one.h);
	free(two.h);
	snprintf(sub, sizeof(sub), "rm -rf '%s/cut'", tmp);
	if (system(sub) != 0) {
		printf("# could not remove %s/cut\n", tmp);
	}
}

int main(int argc, char **argv)
{
	const char *shared = getenv("SHARED_TRACES"), *src = getenv("LATSCOPE_SRC");
	char shared_default[512];
	static const char *const traces[] = {"basic-kernel-analysis/kernel", "bug446190/kernel",
					     "scp-sync/scp_src/kernel"};
	char tmp[] = "/tmp/latscope-lttng-threads.XXXXXX", path[1024];
	int n = 0;

	if (!mkdtemp(tmp)) {
		printf("1..0 # SKIP no temporary folder\n");
		return 0;
	}
	if (!shared) { /* as tests/lib.sh: the traces beside the checkout */
		snprintf(shared_default, sizeof(shared_default), "%s/../shared/traces",
			 src ? src : ".");
		shared = shared_default;
	}
	for (int i = 1; i < argc; i++) {
		check_trace(argv[i], tmp);
		n++;
	}
	for (size_t i = 0; argc == 1 && shared && i < sizeof(traces) / sizeof(traces[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", shared, traces[i]);
		if (access(path, R_OK) == 0) {
			check_trace(path, tmp);
			n++;
		}
	}
	rmdir(tmp);
	if (n == 0) {
		printf("1..0 # SKIP no trace (SHARED_TRACES)\n");
		return 0;
	}
	return tap_done_testing();
}
