/* analyze_sched.c: schedlog/schedtop/schedstats/schedfreq on in-memory events. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/sched.h"
#include "tap.h"

static struct lat_kevent sw(int64_t ts, uint32_t cpu, int32_t prev, const char *next_comm,
			    int32_t next, int32_t next_prio)
{
	struct lat_kevent ev = {.ts = ts, .cpu = cpu, .type = LAT_EV_SCHED_SWITCH};

	ev.sched_switch.prev_comm = "prev";
	ev.sched_switch.prev_tid = prev;
	ev.sched_switch.prev_prio = 20;
	ev.sched_switch.next_comm = next_comm;
	ev.sched_switch.next_tid = next;
	ev.sched_switch.next_prio = next_prio;
	return ev;
}

static struct lat_kevent wakeup(int64_t ts, uint32_t cpu, int32_t tid, int32_t prio)
{
	struct lat_kevent ev = {.ts = ts, .cpu = cpu, .type = LAT_EV_SCHED_WAKEUP};

	ev.task.tid = tid;
	ev.task.prio = prio;
	ev.task.target_cpu = cpu;
	return ev;
}

/*
 * The scenario: CPU 0 runs "waker" (10); it wakes 100 at 1000 and again at 1500 (the first
 * one counts); 100 is switched in on CPU 1 at 4000 (latency 3000). Then 100 (running) is
 * woken again at 4100: ignored. 200 is woken at 5000 by 10 and runs at 6000 (1000) on CPU 0
 * with prio 10 from then on; 100 is woken from CPU 1 (idle: no waker) at 7000, in at 9000
 * (2000).
 */
static void feed(struct lat_analysis_run *run)
{
	struct lat_kevent evs[] = {
	    sw(100, 0, 0, "waker", 10, 20),
	    sw(200, 1, 0, "swapper/1", 0, 20),
	    wakeup(1000, 0, 100, 20),
	    wakeup(1500, 0, 100, 20),
	    sw(4000, 1, 0, "wakee", 100, 20),
	    wakeup(4100, 0, 100, 20),
	    wakeup(5000, 0, 200, 20),
	    sw(6000, 0, 10, "other", 200, 10),
	    sw(6500, 1, 100, "swapper/1", 0, 20),
	    wakeup(7000, 1, 100, 20),
	    sw(9000, 1, 0, "wakee", 100, 20),
	};

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		lat_analysis_run_event(run, &evs[i]);
	}
}

static const struct lat_table *find(const struct lat_result *res, const char *cls, size_t nth)
{
	for (size_t t = 0; t < res->ntables; t++) {
		if (strcmp(res->tables[t].cls->name, cls) == 0 && nth-- == 0) {
			return &res->tables[t];
		}
	}
	return NULL;
}

/* The run stays open until done(): a --freq-series table's class lives in the analysis. */
static struct lat_analysis_run r;

static int run(const struct lat_analysis_ops *ops, const struct lat_analysis_config *config,
	       struct lat_result *res)
{
	int ret = lat_analysis_run_init(&r, ops, config);

	if (ret) {
		return ret;
	}
	feed(&r);
	lat_result_init(res);
	return lat_analysis_run_finish(&r, res);
}

static void done(struct lat_result *res)
{
	lat_result_fini(res);
	lat_analysis_run_fini(&r);
}

int main(void)
{
	struct lat_analysis_config config = {.limit = 10, .freq_resolution = 4};
	const struct lat_table *t;
	struct lat_result res;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	ok(lat_analysis_find("schedlog") == &lat_schedlog_ops &&
	       lat_analysis_find("schedfreq") == &lat_schedfreq_ops,
	   "the four names are in the analysis table");

	is_int(run(&lat_schedlog_ops, &config, &res), 0, "schedlog runs");
	t = find(&res, "log", 0);
	ok(t && t->nrows == 3,
	   "log: three schedulings (a second wakeup and a running one's don't count)");
	if (t && t->nrows == 3) {
		is_int(lat_table_cell(t, 0, 0)->i, 1000, "  the first wakeup is kept");
		is_int(lat_table_cell(t, 0, 2)->i, 3000, "  latency = switch - wakeup");
		is_int(lat_table_cell(t, 0, 4)->i, 1, "  target CPU: the switching CPU");
		is_str(lat_table_cell(t, 0, 6)->s, "waker",
		       "  waker: current task of the waking CPU");
		is_int(lat_table_cell(t, 1, 3)->i, 10, "  prio: the wakee's at the switch");
		is_int(lat_table_cell(t, 2, 6)->cls, LAT_CLS_EMPTY,
		       "  woken from an idle CPU: no waker");
		is_str(lat_table_cell(t, 2, 5)->s, "wakee", "  wakee's name");
	}
	ok(find(&res, "top", 0) == NULL && find(&res, "per_tid_stats", 0) == NULL,
	   "  schedlog alone: no top, no stats");
	done(&res);

	config.limit = 2;
	is_int(run(&lat_schedtop_ops, &config, &res), 0, "schedtop runs");
	t = find(&res, "top", 0);
	ok(t && t->nrows == 2 && lat_table_cell(t, 0, 2)->i == 3000 &&
	       lat_table_cell(t, 1, 2)->i == 2000,
	   "top: longest first, --limit 2");
	done(&res);

	config.limit = 10;
	config.total = config.per_prio = true;
	is_int(run(&lat_schedstats_ops, &config, &res), 0, "schedstats --total --per-prio runs");
	t = find(&res, "total_stats", 0);
	ok(t && t->nrows == 1 && lat_table_cell(t, 0, 0)->i == 3 &&
	       lat_table_cell(t, 0, 1)->i == 1000 && lat_table_cell(t, 0, 3)->i == 3000 &&
	       lat_table_cell(t, 0, 2)->d == 2000.0 && lat_table_cell(t, 0, 4)->d == 1000.0,
	   "total: count 3, min 1000, avg 2000.0, max 3000, stdev 1000.0");
	t = find(&res, "per_prio_stats", 0);
	ok(t && t->nrows == 2 && lat_table_cell(t, 0, 0)->i == 10 &&
	       lat_table_cell(t, 0, 5)->cls == LAT_CLS_UNKNOWN && lat_table_cell(t, 1, 1)->i == 2,
	   "per-prio: sorted by prio, one scheduling has no stdev");
	ok(find(&res, "per_tid_stats", 0) == NULL, "  --total/--per-prio without --per-tid");
	done(&res);

	config.total = config.per_prio = false;
	is_int(run(&lat_schedstats_ops, &config, &res), 0, "schedstats (per-TID by default)");
	t = find(&res, "per_tid_stats", 0);
	ok(t && t->nrows == 2, "per-TID: the two wakees (the waker has no scheduling)");
	if (t && t->nrows == 2) {
		is_str(lat_table_cell(t, 0, 0)->s, "other", "  sorted by comm");
		is_str(
		    lat_table_cell(t, 0, 6)->s, "[10]",
		    "  priorities: from the switch-in that made the row (its change came first)");
		is_int(lat_table_cell(t, 1, 1)->i, 2, "  wakee: two schedulings");
	}
	out = open_memstream(&text, &len);
	lat_schedstats_ops.print_text(&res, &(struct lat_text_opts){.gmt = true}, out);
	fclose(out);
	ok(text && strstr(text, "Scheduling latency stats (per-TID) (us)\n") &&
	       strstr(text, "wakee (100)                      2         2.000         2.500"),
	   "text: the peer's per-TID table");
	free(text);
	done(&res);

	config.total = true;
	config.per_tid = false;
	is_int(run(&lat_schedfreq_ops, &config, &res), 0, "schedfreq --total --freq-resolution 4");
	t = find(&res, "freq", 0);
	ok(t && t->nrows == 4 && lat_table_cell(t, 0, 0)->d == 1000.0 &&
	       lat_table_cell(t, 3, 1)->d == 3000.0 && lat_table_cell(t, 0, 2)->i == 1 &&
	       lat_table_cell(t, 2, 2)->i == 1 && lat_table_cell(t, 3, 2)->i == 1,
	   "freq: 4 bins over [min, max], the max in the last one");
	done(&res);

	config.total = false;
	config.per_tid = config.per_prio = config.freq_series = true;
	is_int(run(&lat_schedfreq_ops, &config, &res), 0,
	       "schedfreq --per-tid --per-prio --freq-series");
	ok(res.ntables == 2 && !res.tables[0].cls->name && res.tables[0].cls->ncolumns == 4 &&
	       strcmp(res.tables[0].cls->columns[2].title, "TID: 100") == 0 &&
	       strcmp(res.tables[1].cls->columns[3].title, "Priority: 20") == 0,
	   "series: one table a grouping, a count column a group");
	ok(res.ntables == 2 && res.tables[0].nrows == 4 &&
	       lat_table_cell(&res.tables[0], 0, 0)->d == 1000.0 &&
	       lat_table_cell(&res.tables[0], 0, 3)->i == 1 &&
	       lat_table_cell(&res.tables[0], 3, 2)->i == 1,
	   "  uniform bins over all latencies");
	out = open_memstream(&text, &len);
	lat_schedfreq_ops.print_text(&res, &(struct lat_text_opts){.gmt = true}, out);
	fclose(out);
	ok(text && strstr(text, "Scheduling latency frequency distribution - TID: 200 (µs)\n") &&
	       strstr(text, "Scheduling latency frequency distribution - Priority: 10 (µs)\n"),
	   "  text: one graph a group, as the peer prints them");
	free(text);
	done(&res);
	config.per_tid = config.per_prio = config.freq_series = false;

	config.has_min = true;
	config.min_ns = 2500;
	is_int(run(&lat_schedtop_ops, &config, &res), 0, "schedtop --min 2.5");
	t = find(&res, "top", 0);
	ok(t && t->nrows == 1, "  only the 3 µs latency is left");
	done(&res);
	return tap_done_testing();
}
