/* analyze_irq.c: irqstats/irqfreq/irqlog on in-memory events. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/irq.h"
#include "tap.h"

static struct lat_kevent irq_ev(enum lat_kevent_type type, int64_t ts, uint32_t cpu, int32_t nr,
				const char *name)
{
	struct lat_kevent ev = {.ts = ts, .cpu = cpu, .type = type};

	ev.irq.irq = nr;
	ev.irq.name = name;
	ev.irq.ret = 1;
	return ev;
}

#define HE(ts, cpu, nr, name) irq_ev(LAT_EV_IRQ_ENTRY, ts, cpu, nr, name)
#define HX(ts, cpu, nr)       irq_ev(LAT_EV_IRQ_EXIT, ts, cpu, nr, NULL)
#define SR(ts, cpu, vec)      irq_ev(LAT_EV_SOFTIRQ_RAISE, ts, cpu, vec, NULL)
#define SE(ts, cpu, vec)      irq_ev(LAT_EV_SOFTIRQ_ENTRY, ts, cpu, vec, NULL)
#define SX(ts, cpu, vec)      irq_ev(LAT_EV_SOFTIRQ_EXIT, ts, cpu, vec, NULL)

/*
 * Hard IRQ 27 "eth0": 2000 ns on CPU 0, 4000 ns on CPU 1, then 3000 ns named "eth0-tx" (two
 * names). An exit of IRQ 30 whose entry is before the trace: not counted (no entry). Soft IRQ
 * 1 (TIMER) on CPU 0: raised at 10000, runs 12000..13000 (latency 2000); raised twice more at
 * 20000 and 20500 (the second raise is merged), runs 21000..21500 (latency 1000). Soft IRQ 3
 * on CPU 1 without a raise: 30000..36000.
 */
static void feed(struct lat_analysis_run *run)
{
	struct lat_kevent evs[] = {
	    HX(50, 0, 30),           HE(1000, 0, 27, "eth0"), HX(3000, 0, 27),
	    HE(4000, 1, 27, "eth0"), HX(8000, 1, 27),         SR(10000, 0, 1),
	    SE(12000, 0, 1),         SX(13000, 0, 1),         HE(14000, 0, 27, "eth0-tx"),
	    HX(17000, 0, 27),        SR(20000, 0, 1),         SR(20500, 0, 1),
	    SE(21000, 0, 1),         SX(21500, 0, 1),         SE(30000, 1, 3),
	    SX(36000, 1, 3),
	};

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		lat_analysis_run_event(run, &evs[i]);
	}
}

static const struct lat_table *find(const struct lat_result *res, const char *cls, size_t nth)
{
	for (size_t t = 0; t < res->ntables; t++) {
		const char *name = res->tables[t].cls->name;

		if (((!name && !cls) || (name && cls && strcmp(name, cls) == 0)) && nth-- == 0) {
			return &res->tables[t];
		}
	}
	return NULL;
}

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

static char *render(const struct lat_analysis_ops *ops, const struct lat_result *res)
{
	struct lat_text_opts opts = {.gmt = true};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out) {
		return NULL;
	}
	ops->print_text(res, &opts, out);
	fclose(out);
	return text;
}

int main(void)
{
	struct lat_analysis_config config = {.limit = 10, .freq_resolution = 4};
	const struct lat_table *t;
	struct lat_result res;
	char *text;

	ok(lat_analysis_find("irqstats") == &lat_irqstats_ops &&
	       lat_analysis_find("irqfreq") == &lat_irqfreq_ops &&
	       lat_analysis_find("irqlog") == &lat_irqlog_ops,
	   "the three names are in the analysis table");

	/* irqstats */
	is_int(run(&lat_irqstats_ops, &config, &res), 0, "irqstats runs");
	t = find(&res, "hard-stats", 0);
	ok(t && t->nrows == 1, "hard-stats: one IRQ (the exit without entry is not counted)");
	if (t && t->nrows == 1) {
		is_int(lat_table_cell(t, 0, 0)->i, 27, "  IRQ 27");
		ok(lat_table_cell(t, 0, 0)->flag, "  hard");
		is_str(lat_table_cell(t, 0, 0)->s, "eth0, eth0-tx", "  both names, as the peer");
		is_int(lat_table_cell(t, 0, 1)->i, 3, "  count");
		is_int(lat_table_cell(t, 0, 2)->i, 2000, "  min");
		ok(lat_table_cell(t, 0, 3)->d == 3000.0, "  avg");
		is_int(lat_table_cell(t, 0, 4)->i, 4000, "  max");
		ok(lat_table_cell(t, 0, 5)->d == 1000.0, "  stdev (sample)");
	}
	t = find(&res, "soft-stats", 0);
	ok(t && t->nrows == 2, "soft-stats: vectors 1 and 3, in vector order");
	if (t && t->nrows == 2) {
		is_str(lat_table_cell(t, 0, 0)->s, "TIMER_SOFTIRQ", "  vector 1 name");
		is_int(lat_table_cell(t, 0, 1)->i, 2, "  count");
		ok(lat_table_cell(t, 0, 3)->d == 750.0, "  avg duration");
		is_int(lat_table_cell(t, 0, 6)->i, 2, "  raise count");
		is_int(lat_table_cell(t, 0, 7)->i, 1000, "  min raise latency (the first raise)");
		is_int(lat_table_cell(t, 0, 9)->i, 2000, "  max raise latency");
		is_int(lat_table_cell(t, 1, 6)->i, 0, "  vector 3: no raise");
		is_int(lat_table_cell(t, 1, 7)->cls, LAT_CLS_UNKNOWN, "  its latency is unknown");
		is_int(lat_table_cell(t, 1, 5)->cls, LAT_CLS_UNKNOWN, "  one run: stdev unknown");
	}
	ok(!find(&res, "log", 0) && !find(&res, "freq", 0), "irqstats: no log, no freq table");
	text = render(&lat_irqstats_ops, &res);
	ok(text && strstr(text, "27: <eth0, eth0-tx>        3        2.000        3.000        "
				"4.000        1.000  |\n"),
	   "text: the hard IRQ row as lttng-irqstats");
	ok(text && strstr(text, "1:  <TIMER_SOFTIRQ>        2        0.500        0.750        "
				"1.000        0.354  |      2        1.000        1.500        "
				"2.000        0.707\n"),
	   "text: the soft IRQ row with its raise latency");
	free(text);
	done(&res);

	/* filters */
	config.irq_list = "27";
	is_int(run(&lat_irqstats_ops, &config, &res), 0, "irqstats --irq 27 runs");
	t = find(&res, "soft-stats", 0);
	ok(t && t->nrows == 0 && find(&res, "hard-stats", 0)->nrows == 1,
	   "--irq alone: hard IRQs only");
	done(&res);
	config.irq_list = NULL;
	config.softirq_list = "3,9";
	is_int(run(&lat_irqstats_ops, &config, &res), 0, "irqstats --softirq 3,9 runs");
	t = find(&res, "soft-stats", 0);
	ok(t && t->nrows == 1 && lat_table_cell(t, 0, 0)->i == 3 &&
	       find(&res, "hard-stats", 0)->nrows == 0,
	   "--softirq 3,9: soft IRQ 3 only");
	done(&res);
	config.softirq_list = NULL;
	config.ncpus = 1;
	config.cpus[0] = 1;
	config.has_min = true;
	config.min_ns = 4000;
	is_int(run(&lat_irqstats_ops, &config, &res), 0, "irqstats --cpu 1 --min 4 runs");
	t = find(&res, "hard-stats", 0);
	ok(t && t->nrows == 1 && lat_table_cell(t, 0, 1)->i == 1 &&
	       find(&res, "soft-stats", 0)->nrows == 1,
	   "--cpu 1 --min 4: one hard (4 us), one soft (6 us)");
	done(&res);
	config.ncpus = 0;
	config.has_min = false;

	/* irqlog */
	is_int(run(&lat_irqlog_ops, &config, &res), 0, "irqlog runs");
	t = find(&res, "log", 0);
	ok(t && t->nrows == 6, "log: six handlers, in order of exit");
	if (t && t->nrows == 6) {
		is_int(lat_table_cell(t, 0, 0)->i, 1000, "  first begin");
		is_int(lat_table_cell(t, 0, 0)->i2, 3000, "  first end");
		is_int(lat_table_cell(t, 0, 1)->cls, LAT_CLS_EMPTY, "  hard: no raise cell");
		is_int(lat_table_cell(t, 2, 1)->i, 10000, "  soft: raised at");
		is_int(lat_table_cell(t, 5, 1)->cls, LAT_CLS_UNKNOWN,
		       "  soft without raise: unknown");
		is_int(lat_table_cell(t, 5, 2)->i, 1, "  CPU");
	}
	ok(!find(&res, "hard-stats", 0), "irqlog: no stats table");
	text = render(&lat_irqlog_ops, &res);
	ok(text && strstr(text, "[00:00:00.000012000, 00:00:00.000013000]           1.000    0  "
				"SoftIRQ      1  TIMER_SOFTIRQ (raised at 00:00:00.000010000)\n"),
	   "text: a soft IRQ log line as lttng-irqlog");
	free(text);
	done(&res);

	/* irqfreq */
	is_int(run(&lat_irqfreq_ops, &config, &res), 0, "irqfreq runs");
	t = find(&res, "freq", 0);
	ok(t && t->nrows == 4 && strcmp(t->subtitle, "eth0, eth0-tx (27)") == 0,
	   "freq: 4 bins for IRQ 27");
	if (t && t->nrows == 4) {
		ok(lat_table_cell(t, 0, 0)->d == 2000.0 && lat_table_cell(t, 3, 1)->d == 4000.0,
		   "  from min to max");
		ok(lat_table_cell(t, 0, 2)->i == 1 && lat_table_cell(t, 2, 2)->i == 1 &&
		       lat_table_cell(t, 3, 2)->i == 1,
		   "  2, 3 and 4 us (the max in the last bin)");
	}
	t = find(&res, "freq", 2);
	ok(t && t->nrows == 0, "freq: soft IRQ 3 ran once: no bins (step 0)");
	text = render(&lat_irqfreq_ops, &res);
	ok(text && strstr(text, "Handler duration frequency distribution eth0, eth0-tx (27) "
				"(\xc2\xb5s)\n"),
	   "text: the graph title");
	free(text);
	done(&res);

	config.freq_series = true;
	config.freq_uniform = true;
	is_int(run(&lat_irqfreq_ops, &config, &res), 0, "irqfreq --freq-series runs");
	t = find(&res, NULL, 0);
	ok(t && t->cls->ncolumns == 5 && t->nrows == 4 && !find(&res, "freq", 0),
	   "--freq-series: one table, a count column per IRQ, uniform bins");
	if (t && t->nrows == 4) {
		ok(lat_table_cell(t, 0, 0)->d == 500.0 && lat_table_cell(t, 3, 1)->d == 6000.0,
		   "  bins from the shortest (0.5 us) to the longest (6 us) handler");
		is_str(t->cls->columns[4].title, "NET_RX_SOFTIRQ (3)", "  column title");
		is_int(lat_table_cell(t, 3, 4)->i, 1, "  soft IRQ 3 (6 us) in the last bin");
	}
	done(&res);
	return tap_done_testing();
}
