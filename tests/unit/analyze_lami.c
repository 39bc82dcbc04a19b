/* analyze_lami.c: the LAMI 1.0 writer (Python-identical JSON) and analyses fed in-memory events. */
#include <stdlib.h>
#include <string.h>

#include "analyses/analysis.h"
#include "outputs/lami.h"
#include "tap.h"

static char *capture_results(const struct lat_result *res)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	lat_lami_print_results(out, res);
	fclose(out);
	return text;
}

static const char *dbl(double v)
{
	static char buf[64];

	lat_json_double(buf, sizeof(buf), v);
	return buf;
}

#define MS 1000000LL

static struct lat_kevent ev_switch(int64_t ms, uint32_t cpu, const char *prev, int32_t prev_tid,
				   const char *next, int32_t next_tid)
{
	struct lat_kevent ev = {.ts = ms * MS, .cpu = cpu, .type = LAT_EV_SCHED_SWITCH};

	ev.sched_switch.prev_comm = prev;
	ev.sched_switch.prev_tid = prev_tid;
	ev.sched_switch.prev_prio = 20;
	ev.sched_switch.next_comm = next;
	ev.sched_switch.next_tid = next_tid;
	ev.sched_switch.next_prio = 20;
	return ev;
}

static struct lat_kevent ev_syscall(int64_t ns, uint32_t cpu, bool entry, const char *name,
				    uint32_t id, int64_t ret)
{
	struct lat_kevent ev = {.ts = ns, .cpu = cpu};

	ev.type = entry ? LAT_EV_SYSCALL_ENTRY : LAT_EV_SYSCALL_EXIT;
	ev.syscall.name = name;
	ev.syscall.id = id;
	ev.syscall.ret = ret;
	ev.present = entry ? 0 : LAT_HAS_RET;
	return ev;
}

static int run(const char *name, const struct lat_analysis_config *config,
	       const struct lat_kevent *events, size_t n, struct lat_result *res)
{
	struct lat_analysis_run run;
	int ret = lat_analysis_run_init(&run, lat_analysis_find(name), config);

	for (size_t i = 0; ret == 0 && i < n; i++) {
		ret = lat_analysis_run_event(&run, &events[i]);
		ret = ret > 0 ? 0 : ret;
	}
	lat_result_init(res);
	if (ret == 0) {
		ret = lat_analysis_run_finish(&run, res);
	}
	lat_analysis_run_fini(&run);
	return ret;
}

int main(void)
{
	struct lat_analysis_config config = {.limit = 10};
	struct lat_result res;
	char *json;

	/* Python repr() of floats */
	is_str(dbl(0.1), "0.1", "double: shortest repr");
	is_str(dbl(1745.2873485868101), "1745.2873485868101", "double: 17 digits when needed");
	is_str(dbl(1e-05), "1e-05", "double: small exponent form");
	is_str(dbl(0.0001), "0.0001", "double: 1e-4 still fixed");
	is_str(dbl(1e16), "1e+16", "double: large exponent form");
	is_str(dbl(123456789012345.0), "123456789012345.0", "double: integral value keeps .0");
	is_str(dbl(0.0), "0.0", "double: zero");

	/* cputop: two CPUs over 100 ms; task 10 runs 50 ms on CPU 0, task 20 25 ms on CPU 1 */
	const struct lat_kevent cpu_events[] = {
	    ev_switch(0, 0, "swapper/0", 0, "swapper/0", 0),
	    ev_switch(0, 1, "swapper/1", 0, "swapper/1", 0),
	    ev_switch(25, 0, "swapper/0", 0, "bash", 10),
	    ev_switch(50, 1, "swapper/1", 0, "gcc", 20),
	    ev_switch(75, 0, "bash", 10, "swapper/0", 0),
	    ev_switch(75, 1, "gcc", 20, "swapper/1", 0),
	    ev_switch(100, 0, "swapper/0", 0, "swapper/0", 0),
	};
	is_int(run("cputop", &config, cpu_events, 7, &res), 0, "cputop runs on in-memory events");
	is_int(res.ntables, 3, "  per-process, per-cpu, total");
	is_int(res.tables[0].nrows, 3,
	       "  two tasks, and the idle task as lttng-analyses counts it");
	is_str(lat_table_cell(&res.tables[0], 0, 0)->s, "bash", "  the busiest first");
	ok(lat_table_cell(&res.tables[0], 0, 3)->d == 0.5, "  bash: 50%%");
	ok(lat_table_cell(&res.tables[0], 1, 3)->d == 0.25, "  gcc: 25%%");
	ok(lat_table_cell(&res.tables[2], 0, 0)->d == 0.375, "  total: mean of the CPUs");
	json = capture_results(&res);
	ok(strstr(json, "{\"results\": [{\"class\": \"per-process\", \"time-range\": {\"class\": "
			"\"time-range\", \"begin\": {\"class\": \"timestamp\", \"value\": 0}, "
			"\"end\": {\"class\": \"timestamp\", \"value\": 100000000}}, \"data\": "
			"[[{\"class\": \"process\", \"name\": \"bash\", \"tid\": 10}, {\"class\": "
			"\"number\", \"value\": 0}, {\"class\": \"string\", \"value\": \"[20]\"}, "
			"{\"class\": \"ratio\", \"value\": 0.5}]") == json,
	   "  LAMI results as the peer prints them");
	free(json);
	lat_result_fini(&res);

	config.limit = 1;
	run("cputop", &config, cpu_events, 7, &res);
	is_int(res.tables[0].nrows, 1, "cputop --limit 1: one row");
	lat_result_fini(&res);
	config.limit = 10;
	config.ntids = 1;
	config.tids[0] = 20;
	run("cputop", &config, cpu_events, 7, &res);
	is_int(res.tables[0].nrows, 1, "cputop --tid 20: only that task (the peer lists others)");
	is_int(lat_table_cell(&res.tables[0], 0, 0)->tid, 20, "  tid 20");
	lat_result_fini(&res);
	config.ntids = 0;
	config.begin_ts = 60 * MS;
	run("cputop", &config, cpu_events, 7, &res);
	is_int(res.tables[0].begin, 75 * MS,
	       "--begin: the range starts at the first event after it");
	lat_result_fini(&res);
	config.begin_ts = 0;

	/* syscallstats: a read that fails with EAGAIN, three that succeed */
	const struct lat_kevent sc_events[] = {
	    ev_switch(0, 0, "swapper/0", 0, "cat", 42),
	    ev_syscall(1 * MS, 0, true, "read", 0, 0),
	    ev_syscall(1 * MS + 1000, 0, false, "", 0, -11),
	    ev_syscall(2 * MS, 0, true, "read", 0, 0),
	    ev_syscall(2 * MS + 3000, 0, false, "", 0, 5),
	    ev_syscall(3 * MS, 0, true, "read", 0, 0),
	    ev_syscall(3 * MS + 2000, 0, false, "", 0, 5),
	    ev_syscall(4 * MS, 0, false, "", 0, 5), /* exit without entry: ignored */
	};
	is_int(run("syscallstats", &config, sc_events, 8, &res), 0, "syscallstats runs");
	is_int(res.ntables, 2, "  one per-TID table and the total");
	is_str(res.tables[0].subtitle, "cat (?, TID: 42)", "  subtitle with unknown pid");
	is_int(lat_table_cell(&res.tables[0], 0, 1)->i, 3, "  three calls");
	is_int(lat_table_cell(&res.tables[0], 0, 2)->i, 1000, "  min");
	ok(lat_table_cell(&res.tables[0], 0, 3)->d == 2000, "  avg");
	ok(lat_table_cell(&res.tables[0], 0, 5)->d == 1000, "  sample stdev, exact");
	is_str(lat_table_cell(&res.tables[0], 0, 6)->s, "{'EAGAIN': 1, 'success': 2}",
	       "  return values, in order of first sight (not counted twice as the peer does)");
	lat_result_fini(&res);

	/* memtop: pages of the current task; frees before any allocation are ignored */
	struct lat_kevent mem_events[] = {
	    ev_switch(0, 0, "swapper/0", 0, "dd", 7),
	    {.ts = 1 * MS, .cpu = 0, .type = LAT_EV_PAGE_FREE},
	    {.ts = 2 * MS, .cpu = 0, .type = LAT_EV_PAGE_ALLOC},
	    {.ts = 3 * MS, .cpu = 0, .type = LAT_EV_PAGE_ALLOC},
	    {.ts = 4 * MS, .cpu = 0, .type = LAT_EV_PAGE_FREE},
	};
	is_int(run("memtop", &config, mem_events, 5, &res), 0, "memtop runs");
	is_int(lat_table_cell(&res.tables[0], 0, 1)->i, 2, "  two pages allocated");
	is_int(lat_table_cell(&res.tables[1], 0, 1)->i, 1, "  one freed (the first free ignored)");
	is_int(lat_table_cell(&res.tables[2], 0, 0)->i, 2, "  total allocated");
	lat_result_fini(&res);

	/* no event in range: no table, as the peer prints nothing */
	config.begin_ts = 1000 * MS;
	is_int(run("memtop", &config, mem_events, 5, &res), 0, "a range after the trace");
	is_int(res.ntables, 0, "  gives no table");
	lat_result_fini(&res);
	return tap_done_testing();
}
