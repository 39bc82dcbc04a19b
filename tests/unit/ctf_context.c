/* ctf_context.c: the CTF writer's stream event context (record --context): a trace written with
 * procname, tid and pid contexts reads back through latscope's CTF source (libbabeltrace2) with
 * every event's context, events of several streams and extended headers included; a bad
 * context declaration is refused. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outputs/ctf_writer.h"
#include "sources/ctf.h"
#include "tap.h"

#define EVENTS 3000

static const struct lat_ctf_field ctx[] = {
    {"procname", LAT_CTF_COMM}, {"tid", LAT_CTF_S32}, {"pid", LAT_CTF_S32}};
static const struct lat_ctf_field f_exec[] = {
    {"filename", LAT_CTF_STRING}, {"tid", LAT_CTF_S32}, {"old_tid", LAT_CTF_S32}};

struct seen {
	unsigned events, with_ctx, right, exec_right;
};

/* Event i: on CPU i % 2, tid 1000 + i % 7, pid 1000, procname "task<i % 7>". */
static void context_of(unsigned i, uint8_t *bytes)
{
	char name[16] = "";
	int32_t tid = 1000 + (int32_t)(i % 7), pid = 1000;

	snprintf(name, sizeof(name), "task%u", i % 7);
	memcpy(bytes, name, 16);
	memcpy(bytes + 16, &tid, 4);
	memcpy(bytes + 20, &pid, 4);
}

static int on_event(const struct lat_kevent *ev, void *user)
{
	struct seen *s = user;
	unsigned i = s->events++;
	char name[16];

	if ((ev->ctx_mask & (LAT_CTX_PROCNAME | LAT_CTX_TID | LAT_CTX_PID)) ==
	    (LAT_CTX_PROCNAME | LAT_CTX_TID | LAT_CTX_PID)) {
		s->with_ctx++;
		snprintf(name, sizeof(name), "task%u", i % 7);
		if (ev->ctx_tid == 1000 + (int32_t)(i % 7) && ev->ctx_pid == 1000 &&
		    strcmp(ev->ctx_procname, name) == 0 && ev->cpu == i % 2) {
			s->right++;
		}
		if (ev->type == LAT_EV_SCHED_EXEC && ev->task.tid == 1000 + (int32_t)(i % 7)) {
			s->exec_right++;
		}
	}
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/latscope-ctf-context.XXXXXX", kdir[64], cmd[128], why[256] = "";
	struct lat_ctf_writer_opts opts = {.cpus = 2, .context = ctx, .context_count = 3};
	const struct lat_ctf_field bad[] = {{"name", LAT_CTF_STRING}};
	struct lat_ctf_options copts = {.intersect = false};
	struct lat_ctf_writer *w = NULL;
	struct lat_ctf_source *src = NULL;
	struct seen seen = {0};
	uint32_t exec_id, nop_id;
	int err;

	if (!mkdtemp(dir)) {
		return 1;
	}
	snprintf(kdir, sizeof(kdir), "%s/kernel", dir);
	opts.dir = kdir;
	opts.packet_bytes = 4096; /* many packets */
	ok(lat_ctf_writer_create(&opts, &w) == 0, "a writer with 3 contexts");
	ok(lat_ctf_writer_context_bytes(w) == 24, "their bytes: 16 + 4 + 4");
	ok(lat_ctf_writer_add_class(w, "sched_process_exec", f_exec, 3, &exec_id) == 0 &&
	       lat_ctf_writer_add_class(w, "syscall_entry_getppid", NULL, 0, &nop_id) == 0,
	   "classes");
	ok(lat_ctf_writer_write_metadata(w) == 0, "metadata");
	err = 0;
	for (unsigned i = 0; i < EVENTS && !err; i++) {
		uint8_t bytes[24], *p;
		uint32_t cpu = i % 2;
		/* a jump of more than 2^32 ns once: an extended header */
		uint64_t ts = 1000000000ull + i * 1000ull + (i >= EVENTS / 2 ? 10000000000ull : 0);

		context_of(i, bytes);
		lat_ctf_writer_set_context(w, cpu, bytes);
		if (i % 10 == 0) {
			err = lat_ctf_event_begin(w, cpu, exec_id, ts, 64, &p);
			if (!err) {
				uint8_t *start = p;

				lat_ctf_put_string(&p, "/bin/true", 64);
				LAT_CTF_PUT(&p, int32_t, 1000 + (int32_t)(i % 7));
				LAT_CTF_PUT(&p, int32_t, 1000 + (int32_t)(i % 7));
				lat_ctf_event_commit(w, cpu, (size_t)(p - start));
			}
		} else {
			err = lat_ctf_event_write(w, cpu, nop_id, ts, NULL, 0);
		}
	}
	ok(err == 0, "%d events written", EVENTS);
	ok(lat_ctf_writer_close(w) == 0, "closed");

	err = lat_ctf_source_open(kdir, &copts, &src, why, sizeof(why));
	ok(err == 0, "latscope's CTF source opens it %s", why);
	if (!err) {
		err = lat_ctf_source_run(src, on_event, &seen);
		ok(err == 0, "read");
	} else {
		ok(0, "read");
	}
	ok(seen.events == EVENTS, "every event (%u)", seen.events);
	ok(seen.with_ctx == EVENTS, "every event has procname, tid and pid (%u)", seen.with_ctx);
	ok(seen.right == EVENTS, "each with its own values, on its stream (%u)", seen.right);
	ok(seen.exec_right == EVENTS / 10, "the exec events' payload after the context (%u)",
	   seen.exec_right);
	lat_ctf_source_destroy(src);

	opts.context = bad;
	opts.context_count = 1;
	w = NULL;
	ok(lat_ctf_writer_create(&opts, &w) == -EINVAL && !w,
	   "a context of variable size is refused");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0) {
		tap_diag("could not remove %s", dir);
	}
	return tap_done_testing();
}
