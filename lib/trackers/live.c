/* live.c: a live run of kernel trackers: probes, one ring buffer for all, typed alerts, signals
 * and the poll loop that track, top and the agent share. */
#include "trackers/live.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

struct live_tracker {
	struct lat_live *live;
	const struct lat_ktracker *tracker;
	struct lat_ebpf_probe *probe;
	void *ctx; /* the front end's */
	bool attached;
};

struct lat_live {
	struct lat_live_ops ops;
	void *ctx;
	int sfd;
	struct ring_buffer *rb;
	int ntrk;
	struct live_tracker trk[LAT_LIVE_TRACKERS_MAX];
	uint64_t budget_ns;
	uint64_t read_until_ns; /* while reading: stop then (0: no limit) */
	struct lat_alert alert; /* decoded here, one at a time */
};

uint64_t lat_live_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int lat_live_create(const struct lat_live_ops *ops, void *ctx, const sigset_t *more,
		    struct lat_live **out, char *why, size_t why_len)
{
	struct lat_live *live = calloc(1, sizeof(*live));
	sigset_t mask;
	int err;

	if (!live) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	live->ops = *ops;
	live->ctx = ctx;
	if (more) {
		mask = *more;
	} else {
		sigemptyset(&mask);
	}
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	live->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (live->sfd < 0) {
		err = -errno;
		snprintf(why, why_len, "signalfd: %s", strerror(-err));
		free(live);
		return err;
	}
	*out = live;
	return 0;
}

int lat_live_create_in_loop(const struct lat_live_ops *ops, void *ctx, struct lat_live **out)
{
	struct lat_live *live = calloc(1, sizeof(*live));

	if (!live) {
		return -ENOMEM;
	}
	live->ops = *ops;
	live->ctx = ctx;
	live->sfd = -1;
	*out = live;
	return 0;
}

int lat_live_fd(const struct lat_live *live)
{
	return live && live->rb ? ring_buffer__epoll_fd(live->rb) : -1;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct live_tracker *t = ctx;
	struct lat_live *live = t->live;
	int rc;

	if (lat_alert_decode(t->tracker, data, size, &live->alert) != 0) {
		if (live->ops.bad_record) {
			live->ops.bad_record(live->ctx, t->ctx);
		}
		return 0;
	}
	rc = live->ops.alert ? live->ops.alert(live->ctx, t->ctx, &live->alert) : 0;
	if (rc) {
		return rc;
	}
	return live->read_until_ns && lat_live_now_ns() > live->read_until_ns ? -EAGAIN : 0;
}

int lat_live_add(struct lat_live *live, const struct lat_live_tracker_opts *o, void *tracker_ctx,
		 struct lat_ebpf_probe **probe, char *why, size_t why_len)
{
	const struct lat_ktracker *tt = o->tracker;
	struct lat_ebpf_needs needs = {.tracepoints = tt->tracepoints};
	struct lat_ebpf_probe_opts opts = {
	    .name = tt->name,
	    .skel = tt->skel,
	    .filter = o->filter,
	    .ctl = o->ctl,
	    .stack_programs = tt->stack_programs,
	    .ringbuf_bytes = o->ringbuf_bytes,
	};
	struct live_tracker *t;
	int err, fd;

	if (live->ntrk == LAT_LIVE_TRACKERS_MAX) {
		snprintf(why, why_len, "%s: more than %d trackers", tt->name,
			 LAT_LIVE_TRACKERS_MAX);
		return -ENOSPC;
	}
	t = &live->trk[live->ntrk];
	memset(t, 0, sizeof(*t));
	t->live = live;
	t->tracker = tt;
	t->ctx = tracker_ctx;
	opts.filter.self_tgid = (uint32_t)getpid();
	if (!tt->user_stacks) {
		opts.filter.ustack_size = 0;
	}
	if (tt->id == LAT_TRACKER_SYSCALL) {
		opts.syscalls = o->syscalls;
	}
	err = lat_ebpf_check(&needs, why, why_len);
	if (!err) {
		err = lat_ebpf_probe_load(&opts, &t->probe, why, why_len);
	}
	if (!err && o->attach) {
		err = lat_ebpf_probe_attach(t->probe, why, why_len);
		t->attached = err == 0;
	}
	if (err) {
		lat_ebpf_probe_destroy(t->probe);
		return err;
	}
	fd = lat_ebpf_probe_events_fd(t->probe);
	if (!live->rb) {
		live->rb = ring_buffer__new(fd, on_record, t, NULL);
		err = live->rb ? 0 : -errno;
	} else {
		err = ring_buffer__add(live->rb, fd, on_record, t);
	}
	if (err) {
		snprintf(why, why_len, "ring buffer: %s", strerror(-err));
		lat_ebpf_probe_destroy(t->probe);
		return err;
	}
	live->ntrk++;
	if (probe) {
		*probe = t->probe;
	}
	return 0;
}

int lat_live_attach(struct lat_live *live, char *why, size_t why_len)
{
	for (int i = 0; i < live->ntrk; i++) {
		struct live_tracker *t = &live->trk[i];
		int err;

		if (t->attached) {
			continue;
		}
		err = lat_ebpf_probe_attach(t->probe, why, why_len);
		if (err) {
			return err;
		}
		t->attached = true;
	}
	return 0;
}

void lat_live_set_budget(struct lat_live *live, uint64_t budget_ns)
{
	live->budget_ns = budget_ns;
}

/* Reads the records waiting (within the budget); 0 or a negative errno. */
static int live_read(struct lat_live *live, uint64_t budget_ns)
{
	int err;

	live->read_until_ns = budget_ns ? lat_live_now_ns() + budget_ns : 0;
	err = ring_buffer__consume(live->rb);
	live->read_until_ns = 0;
	return err < 0 && err != -EINTR && err != -EAGAIN ? err : 0;
}

int lat_live_run(struct lat_live *live, uint64_t deadline_ns)
{
	for (;;) {
		struct pollfd fds[2 + LAT_LIVE_FDS_MAX];
		int nfds = 0, first, timeout_ms = -1, ready, i_rb = -1, i_sig, rc;

		if (deadline_ns) {
			uint64_t now = lat_live_now_ns();

			if (now >= deadline_ns) {
				return 0;
			}
			/* a deadline weeks away is more milliseconds than an int: wait in steps */
			timeout_ms = (deadline_ns - now) / 1000000 >= INT_MAX
					 ? INT_MAX
					 : (int)((deadline_ns - now + 999999) / 1000000);
		}
		if (live->rb) {
			i_rb = nfds;
			fds[nfds++] = (struct pollfd){.fd = ring_buffer__epoll_fd(live->rb),
						      .events = POLLIN};
		}
		i_sig = nfds;
		fds[nfds++] = (struct pollfd){.fd = live->sfd, .events = POLLIN}; /* -1: none */
		first = nfds;
		if (live->ops.poll_fds) {
			nfds += live->ops.poll_fds(live->ctx, fds + first, LAT_LIVE_FDS_MAX,
						   &timeout_ms);
		}
		ready = poll(fds, (nfds_t)nfds, timeout_ms);
		if (ready < 0) {
			if (errno != EINTR) {
				return -errno;
			}
			for (int i = 0; i < nfds; i++) {
				fds[i].revents = 0;
			}
			ready = 0;
		}
		if (ready > 0 && i_rb >= 0 && fds[i_rb].revents) {
			rc = live_read(live, live->budget_ns);
			if (rc) {
				return rc;
			}
		}
		if (ready > 0 && fds[i_sig].revents) {
			struct signalfd_siginfo si;

			while (read(live->sfd, &si, sizeof(si)) == sizeof(si)) {
				if (!live->ops.signal ||
				    live->ops.signal(live->ctx, (int)si.ssi_signo)) {
					return 1;
				}
			}
		}
		if (live->ops.poll_ready) {
			rc = live->ops.poll_ready(live->ctx, fds + first, nfds - first, ready);
			if (rc) {
				return rc;
			}
		}
	}
}

void lat_live_drain(struct lat_live *live)
{
	if (live->rb) {
		live_read(live, 0);
	}
}

void lat_live_stop(struct lat_live *live)
{
	for (int i = 0; i < live->ntrk; i++) {
		__atomic_store_n(&lat_ebpf_probe_ctl(live->trk[i].probe)->enabled, 0u,
				 __ATOMIC_RELAXED);
	}
	lat_live_drain(live);
}

void lat_live_free(struct lat_live *live)
{
	if (!live) {
		return;
	}
	ring_buffer__free(live->rb);
	for (int i = 0; i < live->ntrk; i++) {
		lat_ebpf_probe_destroy(live->trk[i].probe);
	}
	if (live->sfd >= 0) {
		close(live->sfd);
	}
	free(live);
}
