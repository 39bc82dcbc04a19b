/* record.c: `latscope record`: kernel events to an LTTng kernel CTF trace, through eBPF; with
 * --flight, a flight recorder writing snapshots on demand, on a tracker's alert or an app's. */
#include "cli.h"
#include "trackers/live.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "latscope/agent.h"
#include "outputs/explain_trigger.h"
#include "outputs/relayd.h"
#include "sources/record.h"
#include "util/ctlproto.h"
#include "util/ctlsock.h"
#include "util/units.h"

#define MAX_TRIGGERS            16
#define LAT_RECORD_FLIGHT_LOCAL "/var/tmp/latscope-snapshots" /* --flight -o net://: fallback */
#define TRIGGER_DELAY_NS        10000000ull /* a snapshot is taken this long after its trigger */

static volatile sig_atomic_t record_stop;

static void on_signal(int sig)
{
	(void)sig;
	record_stop = 1;
}

/* The comma-separated list, wrapped at 80 columns under the options' descriptions (column 28). */
static const char *wrap_list(const char *list, char *buf, size_t len)
{
	size_t used = 0, col = 28;

	buf[0] = '\0';
	for (const char *p = list; *p && used + 64 < len;) {
		size_t n = strcspn(p, ",");

		if (col + n + 1 > 80 && col > 28) {
			used += (size_t)snprintf(buf + used, len - used, "\n%28s", "");
			col = 28;
		}
		used +=
		    (size_t)snprintf(buf + used, len - used, "%.*s%s", (int)n, p, p[n] ? "," : "");
		col += n + 1;
		p += n + (p[n] ? 1 : 0);
	}
	return buf;
}

static void usage(FILE *out)
{
	char events[2048];

	fprintf(
	    out,
	    "Usage: latscope record -o DIR [OPTIONS]\n"
	    "       latscope record --flight -o DIR [--keep-size SIZE] [--keep-time DURATION]\n"
	    "                       [--trigger TRACKER>DURATION]... [--app-socket PATH] "
	    "[OPTIONS]\n\n"
	    "Records kernel events with eBPF into DIR/kernel/, an LTTng kernel trace (CTF 1.8,\n"
	    "lttng-modules' event and field names, one stream per CPU, statedump at start) that\n"
	    "babeltrace2, lttng-analyses, Trace Compass and `latscope analyze` read. Runs until\n"
	    "Ctrl-C or --duration.\n\n"
	    "With --flight, the events stay in per-CPU rings in kernel memory holding the newest\n"
	    "ones (the oldest are overwritten, and counted); a snapshot of the rings is written\n"
	    "to DIR/snapshot-YYYYMMDDTHHMMSS-N/kernel/ (complete or absent) on `latscope ctl\n"
	    "snapshot`, when a --trigger tracker reports an event, or when an application sends "
	    "an\n"
	    "event (liblatscope's lat_agent_client_event()) to --app-socket.\n\n"
	    "Options:\n"
	    "  -o, --output DIR          the session folder to write (created), or\n"
	    "                            net://HOST[:CTRL[:DATA]][/PATH]: stream it to the\n"
	    "                            lttng-relayd there (ports 5342, 5343), which stores it\n"
	    "                            in OUTPUT/HOSTNAME/PATH/kernel/ (PATH: auto-DATE-TIME);\n"
	    "                            a relay lost is reconnected, the packets kept meanwhile\n"
	    "                            up to --buffer-size, and the trace goes on in\n"
	    "                            OUTPUT/HOSTNAME/PATH/reconnect-N/kernel/\n"
	    "      --live DELAY          with net://: a live session, packets sent at least\n"
	    "                            every DELAY (1s...), idle streams beaconed (not with\n"
	    "                            --flight: as LTTng's live and snapshot modes)\n"
	    "  -e, --events LIST         comma-separated events or groups (default: all):\n"
	    "                            %s\n"
	    "                            (syscall_entry_NAME selects every system call)\n"
	    "  -d, --duration DURATION   stop after this long (10s, 500ms...)\n"
	    "  -b, --buffer-size SIZE    BPF ring buffer, a power of two (default 32M); events "
	    "that\n"
	    "                            do not fit are counted as discarded in the trace\n"
	    "  -c, --context LIST        LTTng contexts in every event (lttng add-context -k):\n"
	    "                            procname,tid,pid,ppid,prio,vpid,vtid\n"
	    "      --record-self         also record this recorder's own system calls\n"
	    "  -q, --quiet               no summary on stderr\n"
	    "  -h, --help                this help\n\n"
	    "Flight recorder:\n"
	    "      --flight              keep the events in memory, write snapshots\n"
	    "      --keep-size SIZE      ring memory, all CPUs together (default 64M, at least "
	    "64K)\n"
	    "      --keep-time DURATION  also drop the events older than this (default: none)\n"
	    "      --flight-rings WHERE  kernel: the rings stay in kernel memory, read only at a\n"
	    "                            snapshot (the default); user: every event crosses to\n"
	    "                            this process through the --buffer-size ring buffer and\n"
	    "                            its rings are here (the default when -b is given)\n"
	    "      --trigger TRACKER>DURATION\n"
	    "                            a snapshot when TRACKER (one of `latscope track`'s:\n"
	    "                            syscall, wakeup, offcpu, block, irq, net, ttfb) sees an\n"
	    "                            event slower than DURATION: 'syscall>50ms'; repeatable;\n"
	    "                            ',comm=NAME' or ',pid=PID' after it: only that task's\n"
	    "      --app-socket PATH     a snapshot when an application sends an event there\n"
	    "      --snapshot-interval DURATION\n"
	    "                            at most one triggered snapshot per DURATION (default\n"
	    "                            10s, 0: no limit); triggers in between are counted\n"
	    "      --explain             write explain.txt and explain.json (latscope explain of\n"
	    "                            the trigger's event) into each triggered snapshot\n"
	    "      --socket PATH         control socket for `latscope ctl snapshot` (default\n"
	    "                            " LAT_TRACK_SOCKET_DIR "/record-PID.sock)\n",
	    wrap_list(lat_record_event_names(), events, sizeof(events)));
}

enum {
	OPT_RECORD_SELF = 256,
	OPT_FLIGHT,
	OPT_KEEP_SIZE,
	OPT_KEEP_TIME,
	OPT_TRIGGER,
	OPT_APP_SOCKET,
	OPT_INTERVAL,
	OPT_SOCKET,
	OPT_FLIGHT_RINGS,
	OPT_EXPLAIN,
	OPT_LIVE,
};

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"events", required_argument, NULL, 'e'},
    {"duration", required_argument, NULL, 'd'},
    {"buffer-size", required_argument, NULL, 'b'},
    {"context", required_argument, NULL, 'c'},
    {"record-self", no_argument, NULL, OPT_RECORD_SELF},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"flight", no_argument, NULL, OPT_FLIGHT},
    {"keep-size", required_argument, NULL, OPT_KEEP_SIZE},
    {"keep-time", required_argument, NULL, OPT_KEEP_TIME},
    {"trigger", required_argument, NULL, OPT_TRIGGER},
    {"app-socket", required_argument, NULL, OPT_APP_SOCKET},
    {"snapshot-interval", required_argument, NULL, OPT_INTERVAL},
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"flight-rings", required_argument, NULL, OPT_FLIGHT_RINGS},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"live", required_argument, NULL, OPT_LIVE},
    {NULL, 0, NULL, 0},
};

struct flight_run;

/* One --trigger: a kernel tracker whose every report asks for a snapshot. */
struct trigger {
	struct flight_run *run;
	const struct lat_ktracker *tracker;
	uint64_t threshold_ns;
	struct lat_tracker_filter filter; /* ,comm=NAME ,pid=PID */
	struct lat_ebpf_probe *probe;
	uint64_t fired;
	uint64_t bad_records;
};

struct relay_out;

struct flight_run {
	struct lat_record *rec;
	const char *dir;
	struct relay_out *relay; /* -o net://: snapshots to lttng-relayd */
	bool quiet;
	struct trigger trig[MAX_TRIGGERS];
	int ntrig;
	struct lat_live *triggers_live; /* the --trigger probes (NULL: none) */
	uint64_t interval_ns;
	const char *socket_path;
	char socket_buf[PATH_MAX];
	int listen_fd;
	struct lat_ctl_server ctl; /* its clients, served without blocking the loop */
	const char *app_path;
	int app_fd;
	/* state */
	uint64_t last_ns; /* when the last triggered snapshot was accepted (0: none yet) */
	bool pending;
	uint64_t pending_at;
	char pending_reason[1024];
	uint64_t triggers, suppressed, suppressed_since;
	uint64_t snapshots, failed;
	uint64_t app_events, app_bad;
	unsigned seq;
	/* the event of the pending trigger, written beside the snapshot's kernel/ (explain) */
	struct lat_xp_trigger next_trig, pending_trig;
	bool has_next_trig, has_pending_trig, explain;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --- the trigger's event beside a snapshot, and its explanation (latscope explain) --------- */

/* The event a trigger reported (CLOCK_MONOTONIC ns), for the snapshot it may cause. */
static void note_trigger(struct flight_run *run, const char *tracker, int32_t tid, const char *comm,
			 uint64_t start_ns, uint64_t delay_ns)
{
	struct lat_xp_trigger *t = &run->next_trig;

	memset(t, 0, sizeof(*t));
	snprintf(t->tracker, sizeof(t->tracker), "%s", tracker);
	snprintf(t->comm, sizeof(t->comm), "%s", comm);
	t->tid = tid;
	t->start_ns = (int64_t)start_ns;
	t->delay_ns = (int64_t)delay_ns;
	t->end_ns = t->start_ns + t->delay_ns;
	run->has_next_trig = tid > 0 && delay_ns > 0;
}

/* The trace clock's offset from the epoch (ns), from the snapshot's metadata; 0 if unreadable. */
static int64_t snapshot_clock_offset(const char *path)
{
	char file[PATH_MAX], line[256];
	long long offset = 0;
	FILE *f;

	snprintf(file, sizeof(file), "%s/kernel/metadata", path);
	f = fopen(file, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " offset = %lld;", &offset) == 1) {
			break;
		}
	}
	if (f) {
		fclose(f);
	}
	return offset;
}

/*
 * After a snapshot: its trigger's event in path/trigger.txt (on the trace's clock) and, with
 * --explain, explain.txt and explain.json, computed in a detached child so that the recorder
 * keeps draining its rings meanwhile.
 */
static void snapshot_explain(struct flight_run *run, const char *path, bool triggered)
{
	struct lat_xp_trigger t = run->pending_trig;
	int64_t offset = snapshot_clock_offset(path);
	pid_t child;
	int err;

	if (!triggered || !run->has_pending_trig) {
		return;
	}
	run->has_pending_trig = false;
	t.start_ns += offset;
	t.end_ns += offset;
	err = offset ? lat_xp_trigger_write(path, &t) : -EINVAL;
	if (err) {
		cli_error("record: %s/%s: %s", path, LAT_XP_TRIGGER_FILE,
			  offset ? strerror(-err) : "no clock offset in the snapshot's metadata");
		return;
	}
	if (!run->explain) {
		return;
	}
	child = fork();
	if (child == 0) {
		/* the grandchild explains: nobody waits for it, and it holds no probe open */
		if (fork() == 0) {
			char why[1024];

			close_range(3, ~0u, 0);
			if (nice(10) == -1) {
				/* still explained, at the same priority */
			}
			_exit(cli_explain_snapshot(path, why, sizeof(why)) ? 1 : 0);
		}
		_exit(0);
	}
	if (child > 0) {
		waitpid(child, NULL, 0);
	} else {
		cli_error("record: %s: explain: %s", path, strerror(errno));
	}
}

/* --- snapshots and triggers ----------------------------------------------------------------- */

/* Writes a snapshot now; its folder goes to path. Returns 0 or -errno (printed). */
static int relay_snapshot(struct flight_run *run, const char *name,
			  struct lat_record_snapshot_info *info, char *path, size_t path_len);

static int take_snapshot(struct flight_run *run, const char *reason, char *path, size_t path_len)
{
	struct lat_record_snapshot_info info;
	char name[96], stamp[32], why[512] = "", span[32];
	time_t t = time(NULL);
	struct tm tm;
	int err;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	snprintf(name, sizeof(name), "snapshot-%s-%u", stamp, ++run->seq);
	snprintf(path, path_len, "%s/%s", run->dir, name);
	err = run->relay ? relay_snapshot(run, name, &info, path, path_len) : 1;
	if (err > 0) {
		err = lat_record_snapshot(run->rec, name, &info, why, sizeof(why));
	} else if (err < 0) {
		run->failed++;
		return err;
	}
	if (err) {
		run->failed++;
		cli_error("record: snapshot: %s", why);
		return err;
	}
	run->snapshots++;
	if (!run->quiet) {
		lat_format_duration(info.last_ts - info.first_ts, span, sizeof(span));
		fprintf(stderr,
			"latscope record: snapshot %s: %llu events, %llu discarded, %s kept (%s)",
			path, (unsigned long long)info.events, (unsigned long long)info.discarded,
			span, reason);
		if (run->suppressed_since) {
			fprintf(stderr, "; %llu triggers suppressed since the previous one",
				(unsigned long long)run->suppressed_since);
		}
		fputc('\n', stderr);
	}
	run->suppressed_since = 0;
	snapshot_explain(run, path, reason == run->pending_reason);
	return 0;
}

/* A trigger: a snapshot soon, unless one was triggered less than --snapshot-interval ago. */
static void fire(struct flight_run *run, const char *reason)
{
	uint64_t now = now_ns();

	run->triggers++;
	if (run->pending || (run->last_ns && now - run->last_ns < run->interval_ns)) {
		run->suppressed++;
		if (run->suppressed_since++ == 0 && !run->quiet) {
			char every[32];

			lat_format_duration(run->interval_ns, every, sizeof(every));
			fprintf(stderr,
				"latscope record: trigger suppressed (at most one snapshot every "
				"%s): %s\n",
				every, reason);
		}
		return;
	}
	/* A little later: the events around the trigger come through another ring buffer. */
	run->pending = true;
	run->pending_at = now + TRIGGER_DELAY_NS;
	run->last_ns = now;
	snprintf(run->pending_reason, sizeof(run->pending_reason), "%s", reason);
	run->pending_trig = run->next_trig;
	run->has_pending_trig = run->has_next_trig;
}

static void on_bad_trigger(void *ctx, void *tracker_ctx)
{
	((struct trigger *)tracker_ctx)->bad_records++;
}

static int on_trigger(void *ctx, void *tracker_ctx, const struct lat_alert *alert)
{
	struct trigger *tr = tracker_ctx;
	struct lat_alert_field fields[LAT_ALERT_FIELDS_MAX];
	char reason[512], thr[32], delay[32], comm[LAT_COMM_LEN + 1] = "";
	const struct lat_alert a = *alert;
	const struct lat_record_hdr *hdr = a.hdr;
	size_t used;
	int n;

	tr->fired++;
	memcpy(comm, hdr->comm, LAT_COMM_LEN);
	lat_format_duration_exact(tr->threshold_ns, thr, sizeof(thr));
	lat_format_duration(hdr->delay_ns, delay, sizeof(delay));
	used = (size_t)snprintf(reason, sizeof(reason), "trigger %s>%s: tid=%u comm=%s delay=%s",
				tr->tracker->name, thr, hdr->tid, comm, delay);
	n = lat_alert_fields(&a, fields, LAT_ALERT_FIELDS_MAX);
	for (int i = 0; i < n && used < sizeof(reason); i++) {
		used += (size_t)snprintf(reason + used, sizeof(reason) - used, " %s=%s",
					 fields[i].name, fields[i].value);
	}
	note_trigger(tr->run, tr->tracker->name, hdr->tid, comm, hdr->start_ns, hdr->delay_ns);
	fire(tr->run, reason);
	return 0;
}

/* Reads ",comm=NAME" and ",pid=PID" after a trigger's duration into filter; 0 or -1. */
static int parse_trigger_filters(char *list, struct lat_tracker_filter *filter)
{
	char *save = NULL;

	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t pid;

		if (strncmp(tok, "comm=", 5) == 0 && tok[5] && strlen(tok + 5) < LAT_COMM_LEN) {
			memcpy(filter->comm, tok + 5, strlen(tok + 5));
		} else if (strncmp(tok, "pid=", 4) == 0 && tok[4]) {
			if (lat_parse_u64(tok + 4, 1, CLI_PID_MAX, &pid)) {
				return -1;
			}
			filter->tgid = (uint32_t)pid;
		} else {
			return -1;
		}
	}
	return 0;
}

/* TRACKER>DURATION[,comm=NAME][,pid=PID] */
static int parse_trigger(struct flight_run *run, const char *spec)
{
	const char *gt = strchr(spec, '>');
	const struct lat_ktracker *t;
	char name[64], rest[128], *comma;
	struct trigger *tr;
	uint64_t ns;

	if (!gt || gt == spec || (size_t)(gt - spec) >= sizeof(name) ||
	    strlen(gt + 1) >= sizeof(rest)) {
		return cli_usage_error("record",
				       "record: --trigger '%s': not TRACKER>DURATION[,comm=NAME]"
				       "[,pid=PID] (syscall>50ms)",
				       spec);
	}
	memcpy(name, spec, (size_t)(gt - spec));
	name[gt - spec] = '\0';
	t = lat_ktracker_find(name);
	if (!t) {
		return cli_usage_error("record",
				       "record: --trigger '%s': unknown tracker '%s' (syscall, "
				       "wakeup, offcpu, block, irq, net, ttfb)",
				       spec, name);
	}
	snprintf(rest, sizeof(rest), "%s", gt + 1);
	comma = strchr(rest, ',');
	if (comma) {
		*comma++ = '\0';
	}
	if (lat_parse_duration(rest, 1000000, &ns) || ns == 0) {
		return cli_usage_error("record", "record: --trigger '%s': bad duration '%s'", spec,
				       rest);
	}
	for (int i = 0; i < run->ntrig; i++) {
		if (run->trig[i].tracker == t) {
			return cli_usage_error("record", "record: --trigger: %s given twice", name);
		}
	}
	if (run->ntrig == MAX_TRIGGERS) {
		return cli_usage_error("record", "record: more than %d --trigger", MAX_TRIGGERS);
	}
	tr = &run->trig[run->ntrig];
	memset(tr, 0, sizeof(*tr));
	if (comma && parse_trigger_filters(comma, &tr->filter)) {
		return cli_usage_error(
		    "record",
		    "record: --trigger '%s': bad filter (comm=NAME of at most %d "
		    "characters, pid=PID)",
		    spec, LAT_COMM_LEN - 1);
	}
	if (t->no_task && (tr->filter.tgid || tr->filter.comm[0])) {
		return cli_usage_error("record",
				       "record: --trigger '%s': %s events have no task: no comm= "
				       "nor pid=",
				       spec, name);
	}
	run->ntrig++;
	tr->run = run;
	tr->tracker = t;
	tr->threshold_ns = ns;
	return 0;
}

/* Loads and attaches the trigger trackers (the probes of `latscope track`, lib/trackers/live.c;
 * their records are read in flight_loop). */
static int start_triggers(struct flight_run *run)
{
	static const struct lat_live_ops ops = {.alert = on_trigger, .bad_record = on_bad_trigger};
	char why[512];
	int err = 0;

	if (run->ntrig && lat_live_create_in_loop(&ops, run, &run->triggers_live) != 0) {
		cli_error("record: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (int i = 0; !err && i < run->ntrig; i++) {
		struct trigger *tr = &run->trig[i];
		struct lat_live_tracker_opts opts = {
		    .tracker = tr->tracker,
		    .filter = tr->filter,
		    .ctl = {.threshold_ns = tr->threshold_ns},
		    .attach = true,
		};

		err = lat_live_add(run->triggers_live, &opts, tr, &tr->probe, why, sizeof(why));
		if (err) {
			cli_error("record: --trigger %s: %s", tr->tracker->name, why);
		}
	}
	return err;
}

/* --- application events --------------------------------------------------------------------- */

static void apps_drain(struct flight_run *run)
{
	struct lat_agent_msg msg;

	for (int i = 0; i < 1024; i++) {
		ssize_t len = recv(run->app_fd, &msg, sizeof(msg) - 1, MSG_DONTWAIT);
		char reason[1024], delay[32];

		if (len < 0) {
			return;
		}
		if ((size_t)len < offsetof(struct lat_agent_msg, detail) ||
		    msg.magic != LAT_AGENT_MSG_MAGIC || msg.version != LAT_AGENT_MSG_VERSION) {
			run->app_bad++;
			continue;
		}
		if (msg.kind != LAT_AGENT_MSG_EVENT) {
			continue; /* samples feed the agent's histograms, not snapshots */
		}
		((char *)&msg)[len] = '\0';
		msg.name[LAT_AGENT_NAME_LEN - 1] = '\0';
		msg.label[LAT_AGENT_LABEL_LEN - 1] = '\0';
		run->app_events++;
		lat_format_duration(msg.value_ns, delay, sizeof(delay));
		snprintf(reason, sizeof(reason),
			 "application event: pid=%u tid=%u %s%s%s delay=%s%s%s", msg.pid, msg.tid,
			 msg.name, msg.label[0] ? " label=" : "", msg.label, delay,
			 msg.detail[0] ? " detail=" : "", msg.detail);
		note_trigger(run, "app", (int32_t)msg.tid, "", now_ns() - msg.value_ns,
			     msg.value_ns);
		fire(run, reason);
	}
}

/* A socket at path, refused when a live process already has it (an agent's). */
static int bind_unix(const char *path, int type, mode_t mode)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int probe;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);
	probe = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		close(probe);
		return -EADDRINUSE;
	}
	if (probe >= 0) {
		close(probe);
	}
	return lat_ctlsock_bind(path, type, mode);
}

/* --- control socket (`latscope ctl snapshot`, `status`) ------------------------------------ */

/* One request line (util/ctlproto.h's server adds the final "ok"). */
static int ctl_request(void *ctx, const char *line, FILE *out)
{
	struct flight_run *run = ctx;
	char path[PATH_MAX];

	if (strcmp(line, "snapshot") == 0) {
		/* asked by the operator: not rate limited */
		if (take_snapshot(run, "ctl snapshot", path, sizeof(path)) == 0) {
			fprintf(out, "%s\n", path);
			return 0;
		}
		fprintf(out, "error: snapshot failed (see the recorder's messages)\n");
		return -1;
	}
	if (strcmp(line, "status") == 0) {
		struct lat_record_stats st;

		lat_record_get_stats(run->rec, &st);
		fprintf(out,
			"record.kept_events=%llu\nrecord.kept_bytes=%llu\nrecord.ring_bytes=%llu\n"
			"record.overwritten=%llu\nrecord.expired=%llu\nrecord.discarded=%llu\n"
			"record.snapshots=%llu\nrecord.triggers=%llu\nrecord.suppressed=%llu\n",
			(unsigned long long)st.kept, (unsigned long long)st.kept_bytes,
			(unsigned long long)st.ring_bytes, (unsigned long long)st.overwritten,
			(unsigned long long)st.expired, (unsigned long long)st.discarded,
			(unsigned long long)run->snapshots, (unsigned long long)run->triggers,
			(unsigned long long)run->suppressed);
		return 0;
	}
	fprintf(out, "error: unknown request '%.40s' (snapshot, status)\n", line);
	return -1;
}

static int ctl_listen(struct flight_run *run)
{
	if (!run->socket_path) {
		if (mkdir(LAT_TRACK_SOCKET_DIR, 0755) != 0 && errno != EEXIST) {
			return -errno;
		}
		snprintf(run->socket_buf, sizeof(run->socket_buf),
			 LAT_TRACK_SOCKET_DIR "/record-%d.sock", (int)getpid());
		run->socket_path = run->socket_buf;
	}
	run->listen_fd = bind_unix(run->socket_path, SOCK_STREAM, 0600);
	lat_ctl_server_init(&run->ctl, run->listen_fd, 2000000000ULL, ctl_request, run);
	return run->listen_fd < 0 ? run->listen_fd : 0;
}

/* --- the flight recorder's loop ------------------------------------------------------------- */

static int flight_loop(struct flight_run *run, uint64_t deadline)
{
	int err = 0;

	while (!record_stop) {
		/* the records, the triggers, the applications (-1: none), the control socket */
		struct pollfd fds[4 + LAT_CTL_CLIENTS] = {
		    {.fd = lat_record_fd(run->rec), .events = POLLIN},
		    {.fd = lat_live_fd(run->triggers_live), .events = POLLIN},
		    {.fd = run->app_fd, .events = POLLIN},
		};
		uint64_t now = now_ns(), wake = now + 100000000ull;
		int timeout, ready,
		    nfds = 3 + lat_ctl_server_fds(&run->ctl, fds + 3, 1 + LAT_CTL_CLIENTS);

		if (deadline && now >= deadline) {
			break;
		}
		if (run->pending && now >= run->pending_at) {
			char path[PATH_MAX];

			run->pending = false;
			take_snapshot(run, run->pending_reason, path, sizeof(path));
			continue;
		}
		if (deadline && deadline < wake) {
			wake = deadline;
		}
		if (run->pending && run->pending_at < wake) {
			wake = run->pending_at;
		}
		timeout = (int)((wake - now + 999999) / 1000000);
		ready = poll(fds, (nfds_t)nfds, timeout);
		if (ready < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		if (ready <= 0 || fds[0].revents) {
			/* records, or a quiet moment: the losses are read then too */
			err = lat_record_poll(run->rec, 0);
			if (err < 0 && err != -EINTR) {
				break;
			}
			err = 0;
		}
		if (fds[1].revents) {
			lat_live_drain(run->triggers_live);
		}
		if (ready > 0 && fds[2].revents) {
			apps_drain(run);
		}
		lat_ctl_server_serve(&run->ctl, fds + 3, ready, now_ns());
	}
	return err;
}

static int run_flight(struct flight_run *run, struct lat_record_opts *opts, uint64_t duration_ns)
{
	struct lat_record_stats stats;
	char why[512] = "";
	int err;

	err = lat_record_open(opts, &run->rec, why, sizeof(why));
	if (err) {
		cli_error("record: %s", why);
		return CLI_EXIT_FAILURE;
	}
	err = lat_record_start(run->rec, why, sizeof(why));
	if (err) {
		cli_error("record: %s", why);
		goto out;
	}
	err = start_triggers(run);
	if (err) {
		goto out;
	}
	if (run->app_path) {
		run->app_fd = bind_unix(run->app_path, SOCK_DGRAM, 0666);
		if (run->app_fd < 0) {
			err = run->app_fd;
			cli_error("record: --app-socket %s: %s", run->app_path, strerror(-err));
			goto out;
		}
	}
	err = ctl_listen(run);
	if (err) {
		cli_error("record: control socket %s: %s", run->socket_path, strerror(-err));
		goto out;
	}
	if (!run->quiet) {
		char kept[64] = "";

		if (*lat_record_unsupported(run->rec)) {
			fprintf(stderr,
				"latscope record: not recorded (not on this kernel, or another "
				"layout): %s\n",
				lat_record_unsupported(run->rec));
		}

		lat_record_get_stats(run->rec, &stats);
		snprintf(kept, sizeof(kept), "%.1f MB", (double)stats.ring_bytes / 1e6);
		fprintf(
		    stderr,
		    "latscope record: flight recorder, %s in %u rings, snapshots in %s/, control "
		    "socket %s%s\n",
		    kept, stats.cpus, opts->dir, run->socket_path,
		    duration_ns ? "" : " (Ctrl-C to stop)");
	}
	err = flight_loop(run, duration_ns ? now_ns() + duration_ns : 0);
	if (!err && run->pending) {
		char path[PATH_MAX];

		/* triggered just before the end: written all the same */
		run->pending = false;
		take_snapshot(run, run->pending_reason, path, sizeof(path));
	}

out:
	lat_ctl_server_close(&run->ctl);
	if (run->listen_fd >= 0) {
		close(run->listen_fd);
		unlink(run->socket_path);
	}
	if (run->app_fd >= 0) {
		close(run->app_fd);
		unlink(run->app_path);
	}
	lat_live_free(run->triggers_live); /* the trigger probes */
	{
		int cerr = lat_record_close(run->rec, &stats);

		err = err ? err : cerr;
	}
	if (err) {
		return CLI_EXIT_FAILURE;
	}
	if (!run->quiet) {
		fprintf(stderr,
			"latscope record: %llu snapshots (%llu failed), %llu triggers (%llu "
			"suppressed by the rate limit); %llu events kept, %llu overwritten, %llu "
			"expired, %llu discarded\n",
			(unsigned long long)run->snapshots, (unsigned long long)run->failed,
			(unsigned long long)run->triggers, (unsigned long long)run->suppressed,
			(unsigned long long)stats.kept, (unsigned long long)stats.overwritten,
			(unsigned long long)stats.expired, (unsigned long long)stats.discarded);
	}
	return CLI_EXIT_OK;
}

/* --- streaming to lttng-relayd (-o net://) ------------------------------------------------- */

struct relay_out {
	struct lat_relayd *relayd;
	struct lat_ctf_sink sink;
	char host[256];
	char path[1024]; /* HOSTNAME/PATH/kernel, under the relay's output folder */
	uint64_t live_ns;
	const char *url; /* --flight: snapshots to this relay */
	size_t queue_bytes;
	uint64_t losses, reconnects; /* as last said */
};

static bool is_net_url(const char *out)
{
	return out && strncmp(out, "net://", 6) == 0;
}

/* Connects to the relay of -o net://...: 0, or CLI_EXIT_* after saying why. */
static int relay_connect(struct relay_out *ro, const char *url, size_t queue_bytes,
			 const char *snapshot)
{
	struct lat_relayd_opts ro_opts = {0};
	char sub[512], session[LAT_RELAYD_NAME_MAX], why[512] = "";
	struct utsname uts;
	const char *base;
	int cpus = libbpf_num_possible_cpus(), err;

	if (lat_relayd_parse_url(url, ro->host, sizeof(ro->host), &ro_opts.ctrl_port,
				 &ro_opts.data_port, sub, sizeof(sub))) {
		return cli_usage_error(
		    "record", "record: -o: '%s' is not net://HOST[:CTRL[:DATA]][/PATH]", url);
	}
	if (cpus <= 0) {
		cli_error("record: cannot count the CPUs");
		return CLI_EXIT_FAILURE;
	}
	if (uname(&uts)) {
		snprintf(uts.nodename, sizeof(uts.nodename), "localhost");
	}
	if (!sub[0]) {
		/* as `lttng create` names a session without a name */
		time_t t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(sub, sizeof(sub), "auto-%Y%m%d-%H%M%S", &tm);
	}
	base = strrchr(sub, '/') ? strrchr(sub, '/') + 1 : sub;
	if (strlen(base) >= sizeof(session) ||
	    strlen(uts.nodename) + strlen(sub) + (snapshot ? strlen(snapshot) : 0) + 10 >
		sizeof(ro->path)) {
		return cli_usage_error("record", "record: -o: '%s': the path is too long", url);
	}
	memcpy(session, base, strlen(base) + 1);
	strcpy(ro->path, uts.nodename);
	strcat(ro->path, "/");
	strcat(ro->path, sub);
	if (snapshot) {
		/* as `lttng snapshot record`: SESSION/NAME/kernel */
		strcat(ro->path, "/");
		strcat(ro->path, snapshot);
	}
	strcat(ro->path, "/kernel");
	ro_opts.snapshot = snapshot != NULL;
	ro_opts.host = ro->host;
	ro_opts.session_name = session;
	ro_opts.hostname = uts.nodename;
	ro_opts.path = ro->path;
	ro_opts.streams = (uint32_t)cpus;
	ro_opts.live_timer_us = (uint32_t)(ro->live_ns / 1000);
	ro_opts.queue_bytes = queue_bytes;
	/* a recording goes on in a new part when the relay comes back; a snapshot just fails */
	ro_opts.reconnect = snapshot == NULL;
	err = lat_relayd_open(&ro_opts, &ro->relayd, why, sizeof(why));
	if (err) {
		cli_error("record: %s%s", snapshot ? "snapshot: " : "", why);
		return CLI_EXIT_FAILURE;
	}
	lat_relayd_sink(ro->relayd, &ro->sink);
	return 0;
}

/*
 * A snapshot to the relay: 0 (path says where), 1 when the relay cannot be reached (said; the
 * snapshot is then kept locally), or -errno.
 */
static int relay_snapshot(struct flight_run *run, const char *name,
			  struct lat_record_snapshot_info *info, char *path, size_t path_len)
{
	struct relay_out *ro = run->relay;
	struct lat_relayd_stats st;
	char why[512] = "";
	int err, cerr;

	if (relay_connect(ro, ro->url, ro->queue_bytes, name) != 0) {
		cli_error("record: snapshot %s kept locally in %s/", name, run->dir);
		return 1;
	}
	lat_record_set_snapshot_sink(run->rec, &ro->sink);
	err = lat_record_snapshot(run->rec, name, info, why, sizeof(why));
	lat_record_set_snapshot_sink(run->rec, NULL);
	cerr = lat_relayd_close(ro->relayd, 30000, &st);
	ro->relayd = NULL;
	if (!err && (cerr || st.dropped)) {
		snprintf(why, sizeof(why), "lttng-relayd at %s: %s; %llu packets not sent",
			 ro->host, cerr ? strerror(-cerr) : "too slow",
			 (unsigned long long)st.dropped);
		err = cerr ? cerr : -EIO;
	}
	if (err) {
		cli_error("record: snapshot: %s", why);
		return err;
	}
	snprintf(path, path_len, "net://%s/%s", ro->host, ro->path);
	return 0;
}

/* The trace's folder on the relay, for part n (n > 0: after the n-th reconnection). */
static const char *relay_part(const struct relay_out *ro, unsigned n, char *buf, size_t len)
{
	return lat_relayd_part_path(ro->path, n, buf, len) ? ro->path : buf;
}

/* While recording: says when the relay is lost and when it is back (a new part). */
static void relay_watch(struct relay_out *ro, bool quiet)
{
	struct lat_relayd_stats st;
	char part[LAT_RELAYD_PATH_MAX];

	lat_relayd_get_stats(ro->relayd, &st);
	if (st.losses > ro->losses && !quiet) {
		fprintf(stderr,
			"latscope record: lttng-relayd at %s lost (%s): keeping up to %.1f MB of "
			"packets, reconnecting\n",
			ro->host, strerror(-st.error), (double)ro->queue_bytes / 1048576.0);
	}
	if (st.reconnects > ro->reconnects && !quiet) {
		fprintf(stderr,
			"latscope record: lttng-relayd at %s back: the trace goes on in %s/ "
			"(%llu packets, %llu events not sent so far)\n",
			ro->host, relay_part(ro, st.part, part, sizeof(part)),
			(unsigned long long)st.dropped, (unsigned long long)st.dropped_events);
	}
	ro->losses = st.losses;
	ro->reconnects = st.reconnects;
}

/*
 * Closes the relay connection and says what was sent: CLI_EXIT_OK, or _FAILURE when the relay
 * was away at the end (what was queued then is lost, and in no packet's discarded count).
 */
static int relay_finish(struct relay_out *ro, bool quiet)
{
	struct lat_relayd_stats st;
	char part[LAT_RELAYD_PATH_MAX], top[LAT_RELAYD_PATH_MAX];
	int err = lat_relayd_close(ro->relayd, 10000, &st);

	ro->relayd = NULL;
	if (err) {
		cli_error("record: lttng-relayd at %s: %s; %llu packets (%llu events) not sent",
			  ro->host, strerror(-err), (unsigned long long)st.dropped,
			  (unsigned long long)st.dropped_events);
		return CLI_EXIT_FAILURE;
	}
	if (st.dropped) {
		/* shown even with -q: every dropped event is counted and shown */
		fprintf(stderr,
			"latscope record: lttng-relayd at %s: %llu packets (%llu events) not sent "
			"(%s), counted in the trace's discarded events\n",
			ro->host, (unsigned long long)st.dropped,
			(unsigned long long)st.dropped_events,
			st.losses ? "the relay away" : "the relay too slow");
	}
	if (!quiet && st.reconnects) {
		snprintf(top, sizeof(top), "%s", ro->path);
		if (strrchr(top, '/')) {
			*strrchr(top, '/') = 0;
		}
		fprintf(stderr,
			"latscope record: lttng-relayd at %s lost %llu time%s, back as often: the "
			"trace's parts are %s/ to %s/, read as one in %s/\n",
			ro->host, (unsigned long long)st.losses, st.losses > 1 ? "s" : "", ro->path,
			relay_part(ro, st.part, part, sizeof(part)), top);
	}
	if (!quiet) {
		fprintf(stderr,
			"latscope record: %llu packets, %.1f MB sent to lttng-relayd at %s (%s/)\n",
			(unsigned long long)st.packets, (double)st.bytes / 1e6, ro->host,
			relay_part(ro, st.part, part, sizeof(part)));
	}
	return CLI_EXIT_OK;
}

/* --- plain recording ------------------------------------------------------------------------ */

static int run_record(struct lat_record_opts *opts, uint64_t duration_ns, bool quiet,
		      struct relay_out *ro)
{
	struct lat_record_stats stats;
	struct lat_record *rec = NULL;
	uint64_t deadline = 0, next_live = 0;
	char why[512] = "";
	int err;

	if (ro->relayd) {
		opts->sink = &ro->sink;
	}
	err = lat_record_open(opts, &rec, why, sizeof(why));
	if (err) {
		cli_error("record: %s", why);
		return CLI_EXIT_FAILURE;
	}
	err = lat_record_start(rec, why, sizeof(why));
	if (err) {
		lat_record_close(rec, NULL);
		cli_error("record: %s", why);
		return CLI_EXIT_FAILURE;
	}
	if (!quiet) {
		if (*lat_record_unsupported(rec)) {
			fprintf(stderr,
				"latscope record: not recorded (not on this kernel, or another "
				"layout): %s\n",
				lat_record_unsupported(rec));
		}
		if (ro->relayd) {
			fprintf(stderr,
				"latscope record: streaming to lttng-relayd at %s: %s/%s%s\n",
				ro->host, ro->path, ro->live_ns ? " (live)" : "",
				duration_ns ? "" : " (Ctrl-C to stop)");
		} else {
			fprintf(stderr, "latscope record: writing %s/kernel/%s\n", opts->dir,
				duration_ns ? "" : " (Ctrl-C to stop)");
		}
	}
	if (duration_ns) {
		deadline = now_ns() + duration_ns;
	}
	if (ro->live_ns) {
		next_live = now_ns() + ro->live_ns;
	}
	while (!record_stop) {
		/* the read timer; the probes wake us earlier only past the ring's watermark */
		int timeout = LAT_RECORD_READ_TIMER_MS;

		if (next_live && now_ns() >= next_live) {
			lat_record_live_flush(rec);
			next_live += ro->live_ns;
		}
		if (next_live && next_live - now_ns() < (uint64_t)timeout * 1000000ull) {
			timeout = (int)((next_live - now_ns()) / 1000000) + 1;
		}

		if (deadline) {
			uint64_t now = now_ns();

			if (now >= deadline) {
				break;
			}
			if (deadline - now < LAT_RECORD_READ_TIMER_MS * 1000000ull) {
				timeout = (int)((deadline - now) / 1000000) + 1;
			}
		}
		err = lat_record_poll(rec, timeout);
		if (err < 0 && err != -EINTR) {
			break;
		}
		err = 0;
		if (ro->relayd) {
			relay_watch(ro, quiet);
		}
	}
	{
		int cerr = lat_record_close(rec, &stats);

		if (!err) {
			err = cerr;
		}
	}
	if (err) {
		cli_error("record: %s/kernel: %s", opts->dir, strerror(-err));
		if (ro->relayd) {
			relay_finish(ro, true);
		}
		return CLI_EXIT_FAILURE;
	}
	if (!quiet) {
		fprintf(stderr,
			"latscope record: %llu events, %llu discarded, %.1f MB %s %s%s "
			"(%u streams)\n",
			(unsigned long long)stats.events, (unsigned long long)stats.discarded,
			(double)stats.bytes / 1e6, ro->relayd ? "to" : "in", opts->dir,
			ro->relayd ? "" : "/kernel/", stats.cpus);
	}
	return ro->relayd ? relay_finish(ro, quiet) : CLI_EXIT_OK;
}

/* --flight-rings WHERE: 0 (kernel), 1 (user) or -1. */
static int parse_flight_rings(const char *where)
{
	return strcmp(where, "kernel") == 0 ? 0 : strcmp(where, "user") == 0 ? 1 : -1;
}

int cmd_record(int argc, char **argv)
{
	static struct flight_run run;
	static struct relay_out ro;
	struct lat_record_opts opts = {0};
	struct sigaction sa = {0};
	uint64_t duration_ns = 0, size;
	const char *flight_only = NULL;
	int flight_rings = -1; /* --flight-rings: -1 not given, 0 kernel, 1 user */
	char why[512] = "";
	int opt, err;

	memset(&run, 0, sizeof(run));
	memset(&ro, 0, sizeof(ro));
	run.listen_fd = -1;
	run.app_fd = -1;
	lat_ctl_server_init(&run.ctl, -1, 0, ctl_request, &run);
	run.interval_ns = 10000000000ull;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:e:d:b:c:qh", long_options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			opts.dir = optarg;
			break;
		case 'e':
			if (lat_record_parse_events(optarg, why, sizeof(why))) {
				return cli_usage_error("record", "record: --events: %s", why);
			}
			opts.events = optarg;
			break;
		case 'd':
			if (lat_parse_duration(optarg, 1000000000ull, &duration_ns) ||
			    duration_ns == 0) {
				return cli_usage_error("record", "record: --duration: invalid '%s'",
						       optarg);
			}
			break;
		case 'b':
			if (lat_parse_size(optarg, &size) || size < 4096 || (size & (size - 1)) ||
			    size > (1ull << 31)) {
				return cli_usage_error(
				    "record",
				    "record: --buffer-size: '%s' is not a power of two "
				    "between 4K and 2G",
				    optarg);
			}
			opts.buffer_bytes = (size_t)size;
			break;
		case 'c':
			if (lat_record_parse_context(optarg, why, sizeof(why))) {
				return cli_usage_error("record", "record: --context: %s", why);
			}
			opts.context = optarg;
			break;
		case OPT_RECORD_SELF:
			opts.record_self = true;
			break;
		case 'q':
			run.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case OPT_FLIGHT:
			opts.flight = true;
			break;
		case OPT_KEEP_SIZE:
			if (lat_parse_size(optarg, &size) || size < (64u << 10) ||
			    size > (1ull << 40)) {
				return cli_usage_error(
				    "record",
				    "record: --keep-size: '%s' is not a size between 64K and 1T",
				    optarg);
			}
			opts.keep_bytes = size;
			flight_only = "--keep-size";
			break;
		case OPT_KEEP_TIME:
			if (lat_parse_duration(optarg, 1000000000ull, &opts.keep_ns) ||
			    opts.keep_ns == 0) {
				return cli_usage_error("record",
						       "record: --keep-time: invalid '%s'", optarg);
			}
			flight_only = "--keep-time";
			break;
		case OPT_TRIGGER:
			err = parse_trigger(&run, optarg);
			if (err) {
				return err;
			}
			flight_only = "--trigger";
			break;
		case OPT_APP_SOCKET:
			if (!*optarg ||
			    strlen(optarg) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
				return cli_usage_error(
				    "record", "record: --app-socket: bad path '%s'", optarg);
			}
			run.app_path = optarg;
			flight_only = "--app-socket";
			break;
		case OPT_INTERVAL:
			if (lat_parse_duration(optarg, 1000000000ull, &run.interval_ns)) {
				return cli_usage_error(
				    "record", "record: --snapshot-interval: invalid '%s'", optarg);
			}
			flight_only = "--snapshot-interval";
			break;
		case OPT_EXPLAIN:
			run.explain = true;
			flight_only = "--explain";
			break;
		case OPT_SOCKET:
			if (!*optarg ||
			    strlen(optarg) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
				return cli_usage_error("record", "record: --socket: bad path '%s'",
						       optarg);
			}
			run.socket_path = optarg;
			flight_only = "--socket";
			break;
		case OPT_FLIGHT_RINGS:
			flight_rings = parse_flight_rings(optarg);
			if (flight_rings < 0) {
				return cli_usage_error(
				    "record", "record: --flight-rings: '%s' is not kernel or user",
				    optarg);
			}
			flight_only = "--flight-rings";
			break;
		case OPT_LIVE:
			if (lat_parse_duration(optarg, 1000000000ull, &ro.live_ns) ||
			    ro.live_ns < 1000000ull || ro.live_ns > 3600000000000ull) {
				return cli_usage_error(
				    "record", "record: --live: '%s' is not a delay of 1ms to 1h",
				    optarg);
			}
			break;
		case ':':
			return cli_usage_error("record", "record: option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error("record", "record: unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return cli_usage_error("record", "record: unexpected argument '%s'", argv[optind]);
	}
	if (!opts.dir) {
		return cli_usage_error("record", "record: -o DIR is required");
	}
	if (flight_only && !opts.flight) {
		return cli_usage_error("record", "record: %s needs --flight", flight_only);
	}
	sa.sa_handler = on_signal; /* no SA_RESTART: the poll returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (ro.live_ns && opts.flight) {
		/* as lttng create --snapshot --live: a session streams all or only snapshots */
		return cli_usage_error(
		    "record", "record: --live and --flight are exclusive (as LTTng's live "
			      "and snapshot modes): a flight recorder sends only snapshots");
	}
	if (ro.live_ns && !is_net_url(opts.dir)) {
		return cli_usage_error("record", "record: --live needs -o net://HOST");
	}
	ro.queue_bytes = opts.buffer_bytes ? opts.buffer_bytes : (32u << 20);
	if (is_net_url(opts.dir) && opts.flight) {
		char host[256], sub[512];
		uint16_t c, d;

		if (lat_relayd_parse_url(opts.dir, host, sizeof(host), &c, &d, sub, sizeof(sub))) {
			return cli_usage_error(
			    "record", "record: -o: '%s' is not net://HOST[:CTRL[:DATA]][/PATH]",
			    opts.dir);
		}
		/* snapshots to the relay; kept here when it cannot be reached */
		ro.url = opts.dir;
		run.relay = &ro;
		opts.dir = LAT_RECORD_FLIGHT_LOCAL;
	}
	if (opts.flight) {
		/* -b sizes the ring buffer to user space: that is the user-space rings' design */
		opts.flight_user = flight_rings == 1 || (flight_rings < 0 && opts.buffer_bytes);
		run.dir = opts.dir;
		return run_flight(&run, &opts, duration_ns);
	}
	if (is_net_url(opts.dir)) {
		err = relay_connect(&ro, opts.dir, ro.queue_bytes, NULL);
		if (err) {
			return err;
		}
	}
	return run_record(&opts, duration_ns, run.quiet, &ro);
}
