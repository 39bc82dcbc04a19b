/* agentd.c: `latscope agent`: the always-on daemon: runs the kernel trackers, hears applications,
 * keeps latency distributions and exports them (Prometheus /metrics, Graphite, JSON lines);
 * `latscope ctl --socket` changes it at run time, SIGHUP reloads its configuration. */
#include "agentd.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "latscope/agent.h"
#include "trackers/alert_stacks.h"
#include "trackers/live.h"
#include "outputs/jsonl.h"
#include "util/ctlsock.h"
#include "util/units.h"

#define U(x) ((unsigned long long)(x))

uint64_t agent_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void agent_error(const char *fmt, ...)
{
	char message[1024];
	va_list args;

	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	fprintf(stderr, "latscope: %s\n", message);
}

int agent_usage_error(const char *fmt, ...)
{
	char message[1024];
	va_list args;

	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	fprintf(stderr, "latscope: %s\nTry 'latscope agent --help'.\n", message);
	return AGENT_EXIT_USAGE;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return 0;
}

/* --- events (JSON lines) -------------------------------------------------------------------- */

static void write_stacks(struct agent *a, struct lat_jsonl *j, const struct lat_alert *k)
{
	static struct lat_alert_frames f;
	const char *ptrs[LAT_ALERT_USTACK_FRAMES];

	lat_alert_symbolize(a->symbols, k, &f, NULL);
	for (int i = 0; i < f.kn; i++) {
		ptrs[i] = f.kstack[i];
	}
	lat_jsonl_strv(j, "kstack", ptrs, f.kn);
	for (int i = 0; i < f.un; i++) {
		ptrs[i] = f.ustack[i];
	}
	lat_jsonl_strv(j, "ustack", ptrs, f.un);
}

static void flush_event(struct agent *a)
{
	fflush(a->events);
	a->events_written++;
}

static void on_bad_record(void *ctx, void *tracker_ctx)
{
	struct agent_tracker *t = tracker_ctx;

	t->bad_records++;
	lat_top_acc_bad_record(&t->agent->top, t->top_idx);
}

static int on_alert(void *ctx, void *tracker_ctx, const struct lat_alert *alert)
{
	struct agent_tracker *t = tracker_ctx;
	struct agent *a = t->agent;
	const struct lat_alert k = *alert;
	char label[128];
	struct agent_series *s;

	t->records++;
	lat_top_acc_record(&a->top, t->top_idx, &k);
	lat_alert_label(&k, label, sizeof(label));
	s = agent_family_get(&t->slow, label);
	if (s) {
		agent_series_record(s, agent_now_ns(), k.delay_ns, 1);
	}
	if (a->events) {
		struct lat_alert_field fields[LAT_ALERT_FIELDS_MAX];
		int nfields = lat_alert_fields(&k, fields, LAT_ALERT_FIELDS_MAX);
		char comm[LAT_COMM_LEN + 1];
		struct lat_jsonl j;

		lat_comm_text(k.comm, comm);
		lat_jsonl_begin(&j, a->events);
		lat_jsonl_str(&j, "type", "event");
		lat_jsonl_i64(&j, "time", (int64_t)time(NULL));
		lat_jsonl_str(&j, "tracker", t->tracker->name);
		lat_jsonl_str(&j, "comm", comm);
		lat_jsonl_u64(&j, "pid", k.pid);
		lat_jsonl_u64(&j, "tid", k.tid);
		lat_jsonl_u64(&j, "cpu", k.cpu);
		lat_jsonl_u64(&j, "delay_ns", k.delay_ns);
		lat_jsonl_bool(&j, "timeout", k.timeout);
		for (int i = 0; i < nfields; i++) {
			if (fields[i].is_string) {
				lat_jsonl_str(&j, fields[i].name, fields[i].value);
			} else {
				lat_jsonl_raw(&j, fields[i].name, fields[i].value);
			}
		}
		write_stacks(a, &j, &k);
		lat_jsonl_end(&j);
		flush_event(a);
	}
	return 0;
}

/* --- trackers ------------------------------------------------------------------------------- */

void agent_tracker_apply_conf(struct agent_tracker *t, const struct agent_tracker_conf *conf)
{
	struct lat_tracker_ctl *ctl = lat_ebpf_probe_ctl(t->probe);

	t->conf = *conf;
	__atomic_store_n(&ctl->threshold_ns,
			 conf->threshold_set ? conf->threshold_ns
					     : t->tracker->default_threshold_ns,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&ctl->timeout_ns, conf->timeout_set ? conf->timeout_ns : 0,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&ctl->enabled, conf->enabled && !t->agent->starting ? 1u : 0u,
			 __ATOMIC_RELAXED);
}

static int tracker_start(struct agent *a, const struct agent_tracker_conf *conf)
{
	struct agent_tracker *t = &a->trk[a->ntrk];
	const struct lat_ktracker *tt = lat_ktracker_find(conf->name);
	char why[512];
	int err;

	if (!tt) {
		agent_error("agent: unknown tracker '%s'", conf->name);
		return -EINVAL;
	}
	memset(t, 0, sizeof(*t));
	t->agent = a;
	t->tracker = tt;
	t->conf = *conf;
	t->nseries = 1;
	if (tt->series) {
		for (t->nseries = 0; t->nseries < LAT_STATS_SERIES_MAX && tt->series[t->nseries];
		     t->nseries++) {
		}
	}
	for (int s = 0; s < t->nseries; s++) {
		if (lat_hist_windows_init(&t->kseries[s].w) != 0) {
			return -ENOMEM;
		}
	}
	if (agent_family_init(&t->slow, tt->name, a->cfg.top_labels, a->cfg.buckets_ns,
			      a->cfg.nbuckets) != 0) {
		return -ENOMEM;
	}
	{
		struct lat_live_tracker_opts opts = {
		    .tracker = tt,
		    .ctl = {.threshold_ns =
				conf->threshold_set ? conf->threshold_ns : tt->default_threshold_ns,
			    .timeout_ns = conf->timeout_set ? conf->timeout_ns : 0},
		    .attach = true,
		};

		opts.filter.kstack = a->cfg.stacks ? 1 : 0;
		opts.filter.ustack_size = a->cfg.stacks ? 8192 : 0;
		err = lat_live_add(a->live, &opts, t, &t->probe, why, sizeof(why));
		if (err) {
			agent_error("agent: tracker %s: %s", tt->name, why);
			t->probe = NULL;
			return err;
		}
	}
	agent_tracker_apply_conf(t, conf);
	t->top_idx = lat_top_acc_add(&a->top, tt, t->probe);
	a->ntrk++;
	return 0;
}

struct agent_tracker *agent_find_running(struct agent *a, const char *name, size_t len)
{
	for (int i = 0; i < a->ntrk; i++) {
		if (strlen(a->trk[i].tracker->name) == len &&
		    !strncmp(a->trk[i].tracker->name, name, len)) {
			return &a->trk[i];
		}
	}
	return NULL;
}

void agent_refresh(struct agent *a)
{
	uint64_t now = agent_now_ns();

	for (int i = 0; i < a->ntrk; i++) {
		struct agent_tracker *t = &a->trk[i];

		for (int s = 0; s < t->nseries; s++) {
			struct lat_stats st;

			if (lat_ebpf_probe_stats(t->probe, (uint32_t)s, &st) == 0) {
				agent_kseries_update(&t->kseries[s], &st, now);
			}
		}
	}
}

/* --- applications --------------------------------------------------------------------------- */

static void app_message(struct agent *a, const void *buf, size_t len, uint32_t uid)
{
	struct lat_agent_msg m;
	enum agent_app_bad bad = agent_app_parse(buf, len, &m);
	struct agent_series *s;
	struct agent_app *app;
	uint64_t now;

	if (bad != AGENT_APP_OK) {
		a->apps.bad[bad]++;
		return;
	}
	now = agent_now_ns();
	app = agent_apps_get(&a->apps, m.name, uid, now);
	if (!app) {
		return; /* counted: quota or overflow */
	}
	a->apps.ok++;
	s = agent_family_get(&app->fam, m.label);
	if (s) {
		agent_series_record(s, now, m.value_ns, m.count);
	}
	if (m.kind == LAT_AGENT_MSG_EVENT) {
		app->events++;
		/* a line on disk for each: at most app_events_per_user a second per user */
		if (a->events && agent_apps_event_allowed(&a->apps, uid, now)) {
			struct lat_jsonl j;

			lat_jsonl_begin(&j, a->events);
			lat_jsonl_str(&j, "type", "app_event");
			lat_jsonl_i64(&j, "time", (int64_t)time(NULL));
			lat_jsonl_str(&j, "app", m.name);
			lat_jsonl_str(&j, "label", m.label);
			lat_jsonl_u64(&j, "pid", m.pid);
			lat_jsonl_u64(&j, "tid", m.tid);
			lat_jsonl_u64(&j, "uid", uid);
			lat_jsonl_u64(&j, "delay_ns", m.value_ns);
			lat_jsonl_str(&j, "detail", m.detail);
			lat_jsonl_end(&j);
			flush_event(a);
		}
	}
}

/* The datagrams waiting, each with its sender's credentials (SO_PASSCRED): the quota's user. */
static void apps_drain(struct agent *a)
{
	union {
		struct lat_agent_msg msg;
		char bytes[sizeof(struct lat_agent_msg) + 1]; /* one more: a longer one is seen */
	} buf;
	union {
		char space[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} control;

	for (int i = 0; i < 4096; i++) {
		struct iovec iov = {.iov_base = &buf, .iov_len = sizeof(buf)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = &control,
				    .msg_controllen = sizeof(control)};
		uint32_t uid = UINT32_MAX; /* no credentials: one unknown user */
		ssize_t len = recvmsg(a->app_fd, &mh, MSG_DONTWAIT | MSG_TRUNC);

		if (len < 0) {
			return;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
				struct ucred cred;

				memcpy(&cred, CMSG_DATA(c), sizeof(cred));
				uid = cred.uid;
			}
		}
		app_message(a, &buf, (size_t)len, uid);
	}
}

/* --- change of profile ---------------------------------------------------------------------- */

static void profile_event(struct agent *a, const char *kind, const char *owner, const char *series,
			  uint64_t p99_1m, uint64_t p99_1h)
{
	a->profile_changes++;
	if (a->events) {
		struct lat_jsonl j;

		lat_jsonl_begin(&j, a->events);
		lat_jsonl_str(&j, "type", "profile_change");
		lat_jsonl_i64(&j, "time", (int64_t)time(NULL));
		lat_jsonl_str(&j, kind, owner);
		lat_jsonl_str(&j, !strcmp(kind, "app") ? "label" : "series", series);
		lat_jsonl_u64(&j, "p99_1m_ns", p99_1m);
		lat_jsonl_u64(&j, "p99_1h_ns", p99_1h);
		lat_jsonl_double(&j, "factor", a->cfg.profile_factor);
		lat_jsonl_end(&j);
		flush_event(a);
	}
}

static void profile_check_all(struct agent *a, uint64_t now)
{
	uint64_t m, h;

	for (int i = 0; i < a->ntrk; i++) {
		struct agent_tracker *t = &a->trk[i];

		for (int s = 0; s < t->nseries; s++) {
			struct agent_kseries *k = &t->kseries[s];

			if (lat_hist_windows_profile(&k->w, &k->profile_high, now,
						     a->cfg.profile_factor,
						     a->cfg.profile_min_samples, &m, &h)) {
				k->profile_changes++;
				profile_event(a, "tracker", t->tracker->name,
					      t->tracker->series ? t->tracker->series[s]
								 : t->tracker->name,
					      m, h);
			}
		}
	}
	for (int i = 0; i < a->apps.n; i++) {
		struct agent_family *f = &a->apps.v[i]->fam;

		for (int k = 0; k < f->n; k++) {
			struct agent_series *s = f->series[k];

			if (lat_hist_windows_profile(&s->w, &s->profile_high, now,
						     a->cfg.profile_factor,
						     a->cfg.profile_min_samples, &m, &h)) {
				s->profile_changes++;
				profile_event(a, "app", a->apps.v[i]->name, s->label, m, h);
			}
		}
	}
}

static int make_parent_dir(const char *path, mode_t mode)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		return 0;
	}
	*slash = '\0';
	if (mkdir(dir, mode) != 0 && errno != EEXIST) {
		return -errno;
	}
	return 0;
}

/*
 * The directory of path, searchable by everyone: non-root applications must reach the socket in
 * it whoever made it first (`track` and `record` make /run/latscope too). Only a directory this
 * process owns is changed (its mode plus o+x, g+x); another's is left as it is, with a warning.
 */
static void dir_searchable(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	struct stat st;
	size_t len = strlen(path);

	if (len >= sizeof(dir)) {
		return;
	}
	memcpy(dir, path, len + 1);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		return;
	}
	*slash = '\0';
	if (stat(dir, &st) != 0 || (st.st_mode & 0011) == 0011) {
		return;
	}
	if (st.st_uid != geteuid() || chmod(dir, (st.st_mode & 07777) | 0011) != 0) {
		fprintf(stderr,
			"latscope: agent: %s: mode %04o: applications of other users cannot reach "
			"%s\n",
			dir, (unsigned)(st.st_mode & 07777), path);
	}
}

/* Binds a socket this agent alone owns (a lock file beside it); one line when it cannot. */
static int bind_owned(struct agent *a, const char *what, const char *path, int type, mode_t mode,
		      int *fd, int *lock_fd)
{
	pid_t holder = 0;
	int err = make_parent_dir(path, 0755);

	*fd = err ? err : lat_ctlsock_bind_owned(path, type, mode, lock_fd, &holder);
	if (*fd >= 0) {
		return 0;
	}
	if (*fd == -EADDRINUSE && holder) {
		agent_error("agent: %s %s: in use by pid %d (a running latscope; stop it first, or "
			    "give this one other sockets)",
			    what, path, (int)holder);
	} else if (*fd == -EADDRINUSE) {
		agent_error("agent: %s %s: in use by a running process (it answers there)", what,
			    path);
	} else {
		agent_error("agent: %s %s: %s", what, path, strerror(-*fd));
	}
	*fd = -1;
	return -1;
}

/* --- configuration: start and reload ------------------------------------------------------- */

static int open_events(struct agent *a, const char *path, FILE **out)
{
	*out = NULL;
	if (!path[0]) {
		return 0;
	}
	if (!strcmp(path, "-")) {
		*out = stdout;
		return 0;
	}
	*out = fopen(path, "ae");
	if (!*out) {
		int err = -errno;

		agent_error("agent: events file %s: %s", path, strerror(errno));
		return err;
	}
	return 0;
}

static void close_events(FILE *f)
{
	if (f && f != stdout) {
		fclose(f);
	}
}

static const struct agent_tracker_conf *conf_of(const struct agent_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->ntrackers; i++) {
		if (!strcmp(cfg->trackers[i].name, name)) {
			return &cfg->trackers[i];
		}
	}
	return NULL;
}

/*
 * Applies a checked configuration to the running agent. Returns how many changes were refused
 * (each said on stderr, the running value kept); *changes: how many there were.
 */
static int apply_reload(struct agent *a, struct agent_config *next, int *changes)
{
	FILE *events = NULL;
	int refused = 0;

	*changes = 0;
	if (strcmp(next->listen, a->cfg.listen)) {
		struct agent_http *h = NULL;
		char why[512];

		(*changes)++;
		if (strcmp(next->listen, "off") &&
		    agent_http_start(a, next->listen, &h, why, sizeof(why)) != 0) {
			agent_error("agent: reload: %s (keeping %s)", why, a->cfg.listen);
			snprintf(next->listen, sizeof(next->listen), "%s", a->cfg.listen);
			refused++;
		} else {
			agent_http_stop(a->http);
			a->http = h;
		}
	}
	if (strcmp(next->events, a->cfg.events)) {
		(*changes)++;
		if (open_events(a, next->events, &events) == 0) {
			close_events(a->events);
			a->events = events;
		} else {
			agent_error("agent: reload: events %s refused (keeping %s)", next->events,
				    a->cfg.events[0] ? a->cfg.events : "none");
			snprintf(next->events, sizeof(next->events), "%s", a->cfg.events);
			refused++;
		}
	}
	for (int i = 0; i < next->ntrackers; i++) {
		struct agent_tracker *t =
		    agent_find_running(a, next->trackers[i].name, strlen(next->trackers[i].name));

		if (t) {
			*changes += memcmp(&t->conf, &next->trackers[i], sizeof(t->conf)) != 0;
			agent_tracker_apply_conf(t, &next->trackers[i]);
		} else {
			(*changes)++;
			if (a->ntrk >= AGENT_TRACKERS_MAX || tracker_start(a, &next->trackers[i])) {
				agent_error("agent: reload: tracker %s could not start",
					    next->trackers[i].name);
				refused++;
			}
		}
	}
	for (int i = 0; i < a->ntrk; i++) {
		if (!conf_of(next, a->trk[i].tracker->name) && a->trk[i].conf.enabled) {
			struct agent_tracker_conf off = a->trk[i].conf;

			(*changes)++;
			off.enabled = false;
			agent_tracker_apply_conf(&a->trk[i], &off);
		}
	}
	*changes += strcmp(next->graphite, a->cfg.graphite) != 0 ||
		    strcmp(next->graphite_prefix, a->cfg.graphite_prefix) != 0 ||
		    next->graphite_interval_ns != a->cfg.graphite_interval_ns ||
		    next->profile_factor != a->cfg.profile_factor ||
		    next->profile_min_samples != a->cfg.profile_min_samples;
	/* read at start only: sockets, buckets, top_labels, stacks, the application limits */
	snprintf(next->control_socket, sizeof(next->control_socket), "%s", a->cfg.control_socket);
	snprintf(next->app_socket, sizeof(next->app_socket), "%s", a->cfg.app_socket);
	memcpy(next->buckets_ns, a->cfg.buckets_ns, sizeof(next->buckets_ns));
	next->nbuckets = a->cfg.nbuckets;
	next->top_labels = a->cfg.top_labels;
	next->stacks = a->cfg.stacks;
	next->app_names = a->cfg.app_names;
	next->app_names_per_user = a->cfg.app_names_per_user;
	next->app_idle_ns = a->cfg.app_idle_ns;
	next->app_events_per_user = a->cfg.app_events_per_user;
	a->cfg = *next;
	return refused;
}

static void reload(struct agent *a, const char *path, const char *listen_override)
{
	static struct agent_config next;
	char why[1024];
	int changes, refused;

	if (!path) {
		fprintf(stderr, "latscope: agent: SIGHUP: no --config file to reload\n");
		return;
	}
	if (agent_config_load(path, &next, why, sizeof(why)) != 0) {
		a->reloads_failed++;
		agent_error("agent: reload refused: %s (the running configuration stays)", why);
		return;
	}
	if (listen_override) {
		snprintf(next.listen, sizeof(next.listen), "%s", listen_override);
	}
	refused = apply_reload(a, &next, &changes);
	if (refused && refused == changes) {
		a->reloads_failed++;
		agent_error("agent: reload refused: %s: every change (%d) was refused (the running "
			    "configuration stays)",
			    path, changes);
	} else if (refused) {
		a->reloads_partial++;
		fprintf(stderr, "latscope: agent: reloaded %s in part: %d of %d changes refused\n",
			path, refused, changes);
	} else {
		a->reloads_ok++;
		fprintf(stderr, "latscope: agent: reloaded %s\n", path);
	}
}

/* --- command line --------------------------------------------------------------------------- */

static void print_help(void)
{
	printf("Usage: latscope agent [--config FILE] [--listen ADDR:PORT] [--check]\n"
	       "                      [--duration DURATION] [--summary]\n\n"
	       "The always-on daemon: runs the kernel trackers, hears applications using\n"
	       "liblatscope, keeps latency histograms (all time and the last 1m, 5m, 15m, 1h)\n"
	       "and exports them: Prometheus on http://ADDR:PORT/metrics, Graphite to carbon,\n"
	       "JSON lines of over-threshold events with their stacks. See docs/agent.md.\n\n"
	       "With no --config: the syscall, wakeup, offcpu, block and irq trackers, /metrics\n"
	       "on 127.0.0.1:9465, control socket /run/latscope/agent.sock.\n\n"
	       "  -c, --config FILE       the configuration (example: dist/latscope.conf)\n"
	       "  -l, --listen ADDR:PORT  serve /metrics there instead (port 0: any free port)\n"
	       "      --check             check the configuration and exit\n"
	       "      --duration DURATION stop after DURATION (10s, 5m) and print a summary: per\n"
	       "                          tracker series events, over threshold, p50/p99/max, the "
	       "worst\n"
	       "                          events, losses (the quick look: latscope agent "
	       "--duration 10s)\n"
	       "      --summary           print that summary at exit (SIGINT, SIGTERM) too\n"
	       "  -h, --help              this help\n\n"
	       "While it runs: latscope ctl --socket /run/latscope/agent.sock set "
	       "syscall.threshold=5ms\n"
	       "(settings: TRACKER.threshold, .timeout, .enabled; status for a snapshot);\n"
	       "kill -HUP reloads the configuration (a bad one is refused and the running one "
	       "stays).\n");
}

/* --duration, --summary: what the agent saw, at exit (stdout). */
static void print_summary(struct agent *a)
{
	uint64_t now = agent_now_ns();

	/* the probes stop, what they sent is read, then the figures */
	lat_live_stop(a->live);
	agent_refresh(a);
	printf("latscope agent: config %s, pid %d\n", a->cfg.source, (int)getpid());
	lat_top_acc_print_summary(&a->top, now, stdout);
	for (int i = 0; i < a->apps.n; i++) {
		uint64_t count = a->apps.v[i]->fam.other->count;

		for (int k = 0; k < a->apps.v[i]->fam.n; k++) {
			count += a->apps.v[i]->fam.series[k]->count;
		}
		printf("app %s: %llu samples, %llu events\n", a->apps.v[i]->name, U(count),
		       U(a->apps.v[i]->events));
	}
	printf("event lines written: %llu, changes of profile: %llu\n", U(a->events_written),
	       U(a->profile_changes));
	fflush(stdout);
}

static void cleanup(struct agent *a)
{
	agent_http_stop(a->http);
	lat_ctl_server_close(&a->ctl);
	/* only what this agent owns is removed: never a running peer's socket */
	lat_ctlsock_release(a->cfg.control_socket, a->ctl_fd, a->ctl_lock);
	lat_ctlsock_release(a->cfg.app_socket, a->app_fd, a->app_lock);
	lat_live_free(a->live); /* the probes, the signals' fd */
	for (int i = 0; i < a->ntrk; i++) {
		for (int s = 0; s < a->trk[i].nseries; s++) {
			lat_hist_windows_fini(&a->trk[i].kseries[s].w);
		}
		agent_family_fini(&a->trk[i].slow);
	}
	agent_apps_fini(&a->apps);
	lat_alert_symbols_free(a->symbols);
	close_events(a->events);
}

/* --- the main loop (lib/trackers/live.c's, with the agent's sockets) ------------------------- */

static int on_signal(void *ctx, int signo)
{
	struct agent *a = ctx;

	if (signo == SIGHUP) {
		reload(a, a->config_path, a->listen_override);
		return 0;
	}
	return 1;
}

/* The control socket and its clients, the application socket, HTTP. */
static int loop_fds(void *ctx, struct pollfd *fds, int max, int *timeout_ms)
{
	struct agent *a = ctx;
	int nfds = 0;

	if (*timeout_ms < 0 || *timeout_ms > 1000) {
		*timeout_ms = 1000; /* the statistics are read each second */
	}
	a->i_app = a->i_http = -1;
	a->i_ctl = 0; /* the control socket and its clients first */
	nfds += lat_ctl_server_fds(&a->ctl, fds, max - 2);
	if (a->app_fd >= 0) {
		a->i_app = nfds;
		fds[nfds++] = (struct pollfd){.fd = a->app_fd, .events = POLLIN};
	}
	if (a->http) {
		int t = agent_http_timeout_ms(a->http);

		a->i_http = nfds;
		fds[nfds++] = (struct pollfd){.fd = agent_http_fd(a->http), .events = POLLIN};
		if (t >= 0 && t < *timeout_ms) {
			*timeout_ms = t;
		}
	}
	return nfds;
}

/* The rows of trackers turned off (TRACKER.enabled=0) say so, rather than show 0 events. */
void agent_mark_off_rows(const struct agent *a, struct lat_top_frame *frame)
{
	for (int r = 0; r < frame->nrows; r++) {
		for (int i = 0; i < a->ntrk; i++) {
			if (!strcmp(frame->rows[r].tracker, a->trk[i].tracker->name)) {
				frame->rows[r].off = !a->trk[i].conf.enabled;
			}
		}
	}
}

static int loop_ready(void *ctx, const struct pollfd *fds, int nfds, int ready)
{
	struct agent *a = ctx;
	uint64_t now = agent_now_ns();

	lat_ctl_server_serve(&a->ctl, fds + a->i_ctl, ready, now);
	if (ready > 0 && a->i_app >= 0 && fds[a->i_app].revents) {
		apps_drain(a);
	}
	if (a->http && a->i_http >= 0) {
		agent_http_run(a->http);
	}
	now = agent_now_ns();
	if (now - a->last_tick_ns >= 1000000000ULL) {
		a->last_tick_ns = now;
		agent_refresh(a);
		lat_top_acc_close(&a->top, now, &a->top_last);
	}
	if (now - a->last_profile_ns >= 10000000000ULL) {
		a->last_profile_ns = now;
		profile_check_all(a, now);
	}
	if (a->cfg.graphite[0] && now - a->last_graphite_ns >= a->cfg.graphite_interval_ns) {
		a->last_graphite_ns = now;
		if (agent_graphite_send(a) == 0) {
			a->graphite_sent++;
		} else {
			a->graphite_errors++;
		}
	}
	return 0;
}

static const struct lat_live_ops agent_ops = {
    .alert = on_alert,
    .bad_record = on_bad_record,
    .signal = on_signal,
    .poll_fds = loop_fds,
    .poll_ready = loop_ready,
};

int cmd_agent(int argc, char **argv)
{
	static const struct option options[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"listen", required_argument, NULL, 'l'},
	    {"check", no_argument, NULL, 'C'},
	    {"duration", required_argument, NULL, 'D'},
	    {"summary", no_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct agent agent_storage;
	struct agent *a = &agent_storage;
	const char *config_path = NULL, *listen_override = NULL;
	bool check = false;
	uint64_t duration_ns = 0;
	char why[1024];
	int opt, rc = AGENT_EXIT_FAILURE, err;

	memset(a, 0, sizeof(*a));
	a->ctl_fd = a->app_fd = a->ctl_lock = a->app_lock = -1;
	lat_ctl_server_init(&a->ctl, -1, AGENT_CTL_TIMEOUT_NS, agent_ctl_handle, a);
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":c:l:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'l':
			listen_override = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'D':
			if (lat_parse_duration(optarg, 1000000000ULL, &duration_ns) != 0 ||
			    !duration_ns) {
				return agent_usage_error(
				    "agent: bad --duration '%s' (a duration: 10s, 1m)", optarg);
			}
			a->summary = true;
			break;
		case 'S':
			a->summary = true;
			break;
		case 'h':
			print_help();
			return AGENT_EXIT_OK;
		case ':':
			return agent_usage_error("agent: option '%s' needs a value",
						 argv[optind - 1]);
		default:
			return agent_usage_error("agent: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return agent_usage_error("agent: unexpected argument '%s'", argv[optind]);
	}
	if (config_path) {
		if (agent_config_load(config_path, &a->cfg, why, sizeof(why)) != 0) {
			agent_error("agent: %s", why);
			return AGENT_EXIT_FAILURE;
		}
	} else {
		agent_config_default(&a->cfg);
	}
	if (listen_override) {
		char host[128], reason[256];
		uint16_t port;

		if (agent_parse_hostport(listen_override, host, sizeof(host), &port) != 0) {
			return agent_usage_error(
			    "agent: --listen '%s' is not ADDRESS:PORT (127.0.0.1:9465)",
			    listen_override);
		}
		if (agent_parse_listen(listen_override, NULL, 0, reason, sizeof(reason)) != 0) {
			return agent_usage_error("agent: --listen: %s", reason);
		}
		snprintf(a->cfg.listen, sizeof(a->cfg.listen), "%s", listen_override);
	}
	if (check) {
		printf("%s: ok (%d trackers, listen %s)\n", a->cfg.source, a->cfg.ntrackers,
		       a->cfg.listen);
		return AGENT_EXIT_OK;
	}

	libbpf_set_print(libbpf_quiet);
	a->config_path = config_path;
	a->listen_override = listen_override;
	if (lat_live_create(&agent_ops, a, NULL, &a->live, why, sizeof(why)) != 0) {
		agent_error("agent: %s", why);
		goto out;
	}
	/* a flood must not starve signals, ctl and scrapes: the loop reads the rest next time */
	lat_live_set_budget(a->live, 200000000ULL);
	a->started_ns = agent_now_ns();
	lat_top_acc_init(&a->top, a->started_ns);
	/* the sockets first: a second agent refuses at once, before loading any probe */
	if (agent_apps_init(&a->apps, a->cfg.app_names, a->cfg.app_names_per_user,
			    a->cfg.app_idle_ns, a->cfg.top_labels, a->cfg.buckets_ns,
			    a->cfg.nbuckets, a->cfg.app_events_per_user) != 0) {
		agent_error("agent: out of memory");
		goto out;
	}
	if (strcmp(a->cfg.control_socket, "off") &&
	    bind_owned(a, "control socket", a->cfg.control_socket, SOCK_STREAM, 0600, &a->ctl_fd,
		       &a->ctl_lock) != 0) {
		goto out;
	}
	a->ctl.listen_fd = a->ctl_fd;
	if (strcmp(a->cfg.app_socket, "off")) {
		int on = 1;

		/* applications are not root: the socket (and its directory) are open to them */
		if (bind_owned(a, "application socket", a->cfg.app_socket, SOCK_DGRAM, 0666,
			       &a->app_fd, &a->app_lock) != 0) {
			goto out;
		}
		/* each datagram comes with its sender's uid: the per-user quota of names */
		setsockopt(a->app_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
		dir_searchable(a->cfg.app_socket);
	}
	if (open_events(a, a->cfg.events, &a->events) != 0) {
		goto out;
	}
	a->starting = true;
	for (int i = 0; i < a->cfg.ntrackers; i++) {
		if (tracker_start(a, &a->cfg.trackers[i]) != 0) {
			goto out;
		}
	}
	a->starting = false;
	for (int i = 0; i < a->ntrk; i++) {
		agent_tracker_apply_conf(&a->trk[i], &a->trk[i].conf);
	}
	if (a->cfg.stacks && a->ntrk) {
		if (lat_alert_symbols_create(true, true, &a->symbols) != 0) {
			agent_error("agent: %s", strerror(ENOMEM));
			goto out;
		}
	}
	if (strcmp(a->cfg.listen, "off")) {
		err = agent_http_start(a, a->cfg.listen, &a->http, why, sizeof(why));
		if (err) {
			agent_error("agent: %s", why);
			goto out;
		}
	}
	fprintf(stderr, "latscope agent: config %s;", a->cfg.source);
	for (int i = 0; i < a->ntrk; i++) {
		char thr[32];

		lat_format_duration_exact(lat_ebpf_probe_ctl(a->trk[i].probe)->threshold_ns, thr,
					  sizeof(thr));
		fprintf(stderr, " %s (threshold %s%s)", a->trk[i].tracker->name, thr,
			a->trk[i].conf.enabled ? "" : ", off");
	}
	fprintf(stderr, "\n");
	if (a->http) {
		char host[128];
		uint16_t port;

		agent_parse_hostport(a->cfg.listen, host, sizeof(host), &port);
		fprintf(stderr, "latscope agent: listening on %s:%u\n", host,
			agent_http_port(a->http));
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	a->top.started_ns = agent_now_ns(); /* the summary's run: from when it is ready */
	a->deadline_ns = duration_ns ? a->top.started_ns + duration_ns : 0;
	err = lat_live_run(a->live, a->deadline_ns);
	if (err < 0) {
		agent_error("agent: poll: %s", strerror(-err));
	}
	rc = err < 0 ? AGENT_EXIT_FAILURE : AGENT_EXIT_OK;
	if (a->summary && rc == AGENT_EXIT_OK) {
		print_summary(a);
	}
out:
	cleanup(a);
	return rc;
}
