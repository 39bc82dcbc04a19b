/* analyze_roles.c: irq*'s and sched*'s tables say what they are (role, group, subject), and the
 * text printers of lib/outputs/analyses_text.c pick them by that alone. */
#include <stdlib.h>
#include <string.h>

#include "analyses/irq.h"
#include "analyses/sched.h"
#include "outputs/analyses_text.h"
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

/* Hard IRQ 27 (two names) on CPUs 0 and 1; soft IRQ 1 raised then run twice; soft IRQ 3. */
static int run(const struct lat_analysis_config *config, struct lat_analysis_run *r,
	       struct lat_result *res)
{
	struct lat_kevent evs[] = {
	    irq_ev(LAT_EV_IRQ_ENTRY, 1000, 0, 27, "eth0"),
	    irq_ev(LAT_EV_IRQ_EXIT, 3000, 0, 27, NULL),
	    irq_ev(LAT_EV_IRQ_ENTRY, 4000, 1, 27, "eth0"),
	    irq_ev(LAT_EV_IRQ_EXIT, 8000, 1, 27, NULL),
	    irq_ev(LAT_EV_SOFTIRQ_RAISE, 10000, 0, 1, NULL),
	    irq_ev(LAT_EV_SOFTIRQ_ENTRY, 12000, 0, 1, NULL),
	    irq_ev(LAT_EV_SOFTIRQ_EXIT, 13000, 0, 1, NULL),
	    irq_ev(LAT_EV_IRQ_ENTRY, 14000, 0, 27, "eth0-tx"),
	    irq_ev(LAT_EV_IRQ_EXIT, 17000, 0, 27, NULL),
	    irq_ev(LAT_EV_SOFTIRQ_ENTRY, 21000, 0, 1, NULL),
	    irq_ev(LAT_EV_SOFTIRQ_EXIT, 21500, 0, 1, NULL),
	    irq_ev(LAT_EV_SOFTIRQ_ENTRY, 30000, 1, 3, NULL),
	    irq_ev(LAT_EV_SOFTIRQ_EXIT, 36000, 1, 3, NULL),
	};
	int ret = lat_analysis_run_init(r, &lat_irqstats_ops, config);

	for (size_t i = 0; !ret && i < sizeof(evs) / sizeof(evs[0]); i++) {
		lat_analysis_run_event(r, &evs[i]);
	}
	lat_result_init(res);
	return ret ? ret : lat_analysis_run_finish(r, res);
}

static struct lat_kevent sw(int64_t ts, uint32_t cpu, int32_t prev, int32_t next, int32_t prio)
{
	struct lat_kevent ev = {.ts = ts, .cpu = cpu, .type = LAT_EV_SCHED_SWITCH};

	ev.sched_switch.prev_comm = "prev";
	ev.sched_switch.prev_tid = prev;
	ev.sched_switch.prev_prio = 20;
	ev.sched_switch.next_comm = "next";
	ev.sched_switch.next_tid = next;
	ev.sched_switch.next_prio = prio;
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

/* 100 woken at 1000, in at 4000 on CPU 1; 200 woken at 5000, in at 6000 on CPU 0 (prio 10). */
static int run_sched(const struct lat_analysis_config *config, struct lat_analysis_run *r,
		     struct lat_result *res)
{
	struct lat_kevent evs[] = {
	    sw(100, 0, 0, 10, 20),   sw(200, 1, 0, 0, 20),     wakeup(1000, 0, 100, 20),
	    sw(4000, 1, 0, 100, 20), wakeup(5000, 0, 200, 20), sw(6000, 0, 10, 200, 10),
	    sw(6500, 1, 100, 0, 20), wakeup(7000, 1, 100, 20), sw(9000, 1, 0, 100, 20),
	};
	int ret = lat_analysis_run_init(r, &lat_schedstats_ops, config);

	for (size_t i = 0; !ret && i < sizeof(evs) / sizeof(evs[0]); i++) {
		lat_analysis_run_event(r, &evs[i]);
	}
	lat_result_init(res);
	return ret ? ret : lat_analysis_run_finish(r, res);
}

static void check_sched(void)
{
	struct lat_analysis_config config = {.freq_resolution = 3,
					     .stats = true,
					     .freq = true,
					     .total = true,
					     .per_tid = true,
					     .per_prio = true};
	struct lat_analysis_run r1, r2;
	struct lat_result res, series;
	size_t nfreq = 0, nseries = 0;

	is_int(run_sched(&config, &r1, &res), 0,
	       "sched --stats --freq --total --per-tid --per-prio");
	ok(res.ntables >= 3 && res.tables[0].role == LAT_SCHED_TOTAL &&
	       res.tables[1].role == LAT_SCHED_PER_TID && res.tables[2].role == LAT_SCHED_PER_PRIO,
	   "statistics: total, per TID, per priority");
	for (size_t k = 3; k < res.ntables; k++) {
		const struct lat_table *t = &res.tables[k];

		nfreq += t->role == LAT_SCHED_FREQ;
		if (t->role == LAT_SCHED_FREQ && t->group == LAT_SCHED_GROUP_TID) {
			char want[32];

			snprintf(want, sizeof(want), "TID: %d", t->subject);
			ok(t->subtitle && strcmp(t->subtitle, want) == 0,
			   "  the distribution of TID %d says so", t->subject);
		}
	}
	is_int((long)nfreq, 1 + 2 + 2, "distributions: the total, two TIDs, two priorities");
	config.freq_series = config.freq_uniform = true;
	config.stats = false;
	is_int(run_sched(&config, &r2, &series), 0, "sched --freq-series runs");
	for (size_t k = 0; k < series.ntables; k++) {
		const struct lat_table *t = &series.tables[k];

		if (t->role != LAT_SCHED_FREQ_SERIES) {
			continue;
		}
		nseries++;
		ok(t->cls->ncolumns == 4 &&
		       !strcmp(t->cls->columns[2].title,
			       t->group == LAT_SCHED_GROUP_TID ? "TID: 100" : "Priority: 10") &&
		       !strcmp(t->cls->columns[3].title,
			       t->group == LAT_SCHED_GROUP_TID ? "TID: 200" : "Priority: 20"),
		   "  a series' columns titled by its group and keys (%s, %s)",
		   t->cls->ncolumns == 4 ? t->cls->columns[2].title : "?",
		   t->cls->ncolumns == 4 ? t->cls->columns[3].title : "?");
	}
	is_int((long)nseries, 2, "two series: per TID, per priority");
	lat_result_fini(&series);
	lat_analysis_run_fini(&r2);
	lat_result_fini(&res);
	lat_analysis_run_fini(&r1);
}

static char *render(const struct lat_result *res)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (out) {
		lat_irq_print_text(res, &(struct lat_text_opts){.gmt = true}, out);
		fclose(out);
	}
	return text;
}

int main(void)
{
	struct lat_analysis_config config = {
	    .freq_resolution = 4, .stats = true, .freq = true, .log = true};
	struct lat_analysis_run r1, r2;
	struct lat_result res, series;
	struct lat_table_class copies[16];
	char *text, *again;
	const struct lat_table *t;

	is_int(run(&config, &r1, &res), 0, "irq --stats --freq --log runs");
	is_int((long)res.ntables, 6, "six tables: log, hard, soft, three distributions");
	if (res.ntables != 6) {
		return tap_done_testing();
	}
	is_int(res.tables[0].role, LAT_IRQ_LOG, "the log says it is the log");
	is_int(res.tables[1].role, LAT_IRQ_HARD, "then the hard IRQs' statistics");
	is_int(res.tables[2].role, LAT_IRQ_SOFT, "then the soft IRQs'");
	t = &res.tables[3];
	ok(t->role == LAT_IRQ_FREQ && t->group == LAT_IRQ_GROUP_HARD && t->subject == 27,
	   "the first distribution: of hard IRQ 27");
	t = &res.tables[4];
	ok(t->role == LAT_IRQ_FREQ && t->group == LAT_IRQ_GROUP_SOFT && t->subject == 1,
	   "the second: of soft IRQ 1");
	t = &res.tables[5];
	ok(t->role == LAT_IRQ_FREQ && t->group == LAT_IRQ_GROUP_SOFT && t->subject == 3,
	   "the third: of soft IRQ 3");

	/* the printer reads roles, not which class a table points to */
	text = render(&res);
	for (size_t k = 0; k < res.ntables; k++) {
		copies[k] = *res.tables[k].cls;
		res.tables[k].cls = &copies[k];
	}
	again = render(&res);
	ok(text && again && strlen(text) > 500 && strcmp(text, again) == 0,
	   "the same text with the tables' classes copied elsewhere");
	if (text && again && strcmp(text, again) != 0) {
		tap_diag("first:\n%s\nthen:\n%s", text, again);
	}
	free(again);

	/* --freq-series: the columns are titled by what each distribution is of */
	config.log = config.stats = false;
	config.freq_series = config.freq_uniform = true;
	is_int(run(&config, &r2, &series), 0, "irq --freq --freq-series runs");
	t = NULL;
	for (size_t k = 0; k < series.ntables; k++) {
		if (series.tables[k].role == LAT_IRQ_FREQ_SERIES) {
			t = t ? NULL : &series.tables[k];
		}
	}
	ok(t && t->cls->ncolumns == 5, "one series table: bounds and three count columns");
	for (size_t k = 0; t && t->cls->ncolumns == 5 && k < 3; k++) {
		const char *title = t->cls->columns[k + 2].title;

		ok(title && res.tables[3 + k].subtitle &&
		       strcmp(title, res.tables[3 + k].subtitle) == 0,
		   "  column %zu titled as its distribution (%s)", k + 2, title);
	}
	free(text);
	lat_result_fini(&series);
	lat_analysis_run_fini(&r2);
	lat_result_fini(&res);
	lat_analysis_run_fini(&r1);
	check_sched();
	return tap_done_testing();
}
