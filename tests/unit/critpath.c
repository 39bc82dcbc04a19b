/* critpath.c: the critical path on in-memory events: chains, depth, missing wake-ups, errors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/critpath.h"
#include "tap.h"

struct g {
	struct lat_state state;
	struct lat_critpath *cp;
};

static void g_init(struct g *g)
{
	if (lat_state_init(&g->state) || lat_critpath_create(&g->cp)) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
}

static void g_fini(struct g *g)
{
	lat_critpath_destroy(g->cp);
	lat_state_fini(&g->state);
}

static void feed(struct g *g, struct lat_kevent ev)
{
	struct lat_state_change change;

	if (lat_state_update(&g->state, &ev, &change) ||
	    lat_critpath_event(g->cp, &ev, &g->state)) {
		fprintf(stderr, "feed failed\n");
		exit(1);
	}
}

static void sw(struct g *g, int64_t ts, uint32_t cpu, int32_t prev, int64_t prev_state,
	       int32_t next)
{
	struct lat_kevent ev = {.ts = ts, .cpu = cpu, .type = LAT_EV_SCHED_SWITCH};

	ev.sched_switch.prev_comm = prev ? "task" : "swapper";
	ev.sched_switch.prev_tid = prev;
	ev.sched_switch.prev_state = prev_state;
	ev.sched_switch.next_comm = next ? "task" : "swapper";
	ev.sched_switch.next_tid = next;
	feed(g, ev);
}

static void waking(struct g *g, int64_t ts, uint32_t cpu, int32_t tid)
{
	struct lat_kevent ev = {.ts = ts, .cpu = cpu, .type = LAT_EV_SCHED_WAKEUP};

	ev.name = "sched_waking";
	ev.task.comm = "task";
	ev.task.tid = tid;
	ev.task.target_cpu = (int32_t)cpu;
	feed(g, ev);
}

/* Contiguous, no overlap, adding up to the range. */
static bool covers(const struct lat_cp_path *p)
{
	int64_t sum = 0;

	if (!p->n || p->intervals[0].begin != p->begin || p->intervals[p->n - 1].end != p->end) {
		return false;
	}
	for (size_t i = 0; i < p->n; i++) {
		if ((i && p->intervals[i].begin != p->intervals[i - 1].end) ||
		    p->intervals[i].end <= p->intervals[i].begin) {
			return false;
		}
		sum += p->intervals[i].end - p->intervals[i].begin;
	}
	return sum == p->end - p->begin;
}

/*
 * Tasks 1..N on one CPU, each switched in at 10k and blocked 10 later on the next one; N sleeps
 * until T (woken from the idle CPU), then each wakes the one before it and dies: task 1's path
 * goes N - 1 waits down.
 */
static void chain(int n)
{
	struct lat_cp_path p;
	struct g g;
	int64_t t, end;
	int ret;

	g_init(&g);
	sw(&g, 10, 0, 0, 0, 1);
	for (int k = 1; k < n; k++) {
		sw(&g, 10 * (k + 1), 0, k, 1, k + 1);
	}
	sw(&g, 10 * (n + 1), 0, n, 1, 0);
	t = 10 * (n + 1) + 100000;
	waking(&g, t, 0, n);
	sw(&g, t + 1, 0, 0, 0, n);
	for (int k = n; k > 1; k--) {
		waking(&g, t + 2, 0, k - 1);
		sw(&g, t + 3, 0, k, 64, k - 1); /* dead */
		t += 3;
	}
	end = t + 10;
	sw(&g, end, 0, 1, 64, 0);
	lat_critpath_finish(g.cp, 0);
	ret = lat_critpath_compute(g.cp, 1, 10, end, &p);
	is_int(ret, 0, "chain of %d: computed", n);
	ok(covers(&p), "chain of %d: intervals cover the range", n);
	is_int(p.max_depth, n - 1, "chain of %d: %d waits down", n, n - 1);
	{
		const struct lat_cp_interval *deep = NULL;

		for (size_t i = 0; i < p.n; i++) {
			if (p.intervals[i].tid == n && p.intervals[i].state == LAT_CP_BLOCKED) {
				deep = &p.intervals[i];
			}
		}
		ok(deep && deep->cause == LAT_CP_CAUSE_UNTRACED && deep->depth == n - 1 &&
		       deep->end - deep->begin == 100000,
		   "chain of %d: the last one's 100000 ns sleep, woken from the idle CPU", n);
	}
	lat_cp_path_fini(&p);
	g_fini(&g);
}

/* Two tasks on two CPUs waking each other `rounds` times: the path alternates between them. */
static void pingpong(int rounds)
{
	struct lat_cp_path p;
	struct g g;
	int64_t t = 100;
	int ret;

	g_init(&g);
	sw(&g, t, 0, 0, 0, 1);
	sw(&g, t + 1, 1, 0, 0, 2);
	sw(&g, t + 2, 1, 2, 1, 0); /* 2 waits */
	for (int i = 0; i < rounds; i++) {
		t += 10;
		waking(&g, t, 0, 2); /* 1 wakes 2 and blocks */
		sw(&g, t + 1, 0, 1, 1, 0);
		sw(&g, t + 2, 1, 0, 0, 2);
		t += 10;
		waking(&g, t, 1, 1); /* 2 wakes 1 and blocks */
		sw(&g, t + 1, 1, 2, 1, 0);
		sw(&g, t + 2, 0, 0, 0, 1);
	}
	sw(&g, t + 10, 0, 1, 64, 0);
	lat_critpath_finish(g.cp, 0);
	ret = lat_critpath_compute(g.cp, 1, 100, t + 10, &p);
	is_int(ret, 0, "ping-pong x%d: computed", rounds);
	ok(covers(&p), "ping-pong x%d: intervals cover the range", rounds);
	is_int(p.max_depth, 1, "ping-pong x%d: one wait down at most", rounds);
	ok(p.ntasks == 2 && p.tasks[0].ns + p.tasks[1].ns == t + 10 - 100,
	   "ping-pong x%d: the time split between the two tasks", rounds);
	lat_cp_path_fini(&p);
	g_fini(&g);
}

static void errors(void)
{
	struct lat_cp_path p;
	struct g g;
	int64_t b, e;

	g_init(&g);
	sw(&g, 100, 0, 0, 0, 7);
	sw(&g, 200, 0, 7, 1, 0);     /* blocked... */
	sw(&g, 300, 0, 0, 0, 7);     /* ...and back without a wake-up */
	sw(&g, 400, 0, 7, 0x100, 0); /* preempted (4.14+ mark) */
	lat_critpath_finish(g.cp, 500);
	is_int(lat_critpath_compute(g.cp, 8, 100, 200, &p), -ENOENT, "unknown tid: -ENOENT");
	is_int(lat_critpath_compute(g.cp, 7, 200, 200, &p), -EINVAL, "empty range: -EINVAL");
	is_int(lat_critpath_task_life(g.cp, 7, &b, &e), 0, "life of a task");
	ok(b == 100 && e == 500, "alive from the trace's first event to its end (%lld..%lld)",
	   (long long)b, (long long)e);
	is_int(lat_critpath_compute(g.cp, 7, 100, 500, &p), 0, "computed");
	ok(p.n == 4 && p.intervals[1].state == LAT_CP_BLOCKED &&
	       p.intervals[1].cause == LAT_CP_CAUSE_NO_WAKEUP &&
	       p.intervals[3].state == LAT_CP_PREEMPTED,
	   "running, blocked (no wake-up seen), running, preempted");
	lat_cp_path_fini(&p);
	g_fini(&g);
}

int main(void)
{
	chain(3);
	chain(2000);
	pingpong(20000);
	errors();
	return tap_done_testing();
}
