/* analyses_text.c: the text output of cputop, memtop, syscallstats, irq* and sched*, in
 * lttng-analyses' exact formats, from their results alone (tables picked by role). */
#include "outputs/analyses_text.h"

#include <inttypes.h>
#include <stdlib.h>

#include "analyses/cputop.h"
#include "analyses/irq.h"
#include "analyses/memtop.h"
#include "analyses/sched.h"
#include "analyses/syscallstats.h"

/* ---- cputop ---- */

void lat_cputop_print_text(const struct lat_result *result, const struct lat_text_opts *opts,
			   FILE *out)
{
	struct lat_bar *bars;
	char(*labels)[128];
	size_t max = 0;

	if (result->ntables == 0) {
		return;
	}
	for (size_t t = 0; t < result->ntables; t++) {
		max = result->tables[t].nrows > max ? result->tables[t].nrows : max;
	}
	bars = calloc(max + 1, sizeof(*bars));
	labels = calloc(max + 1, sizeof(*labels));
	if (!bars || !labels) {
		free(bars);
		free(labels);
		return;
	}
	lat_text_print_timerange(out, result->tables[0].begin, result->tables[0].end, opts->gmt);
	for (size_t t = 0; t < result->ntables; t++) {
		const struct lat_table *table = &result->tables[t];

		if (table->role == LAT_CPUTOP_PER_TID) {
			char header[128];

			for (size_t r = 0; r < table->nrows; r++) {
				const struct lat_cell *proc = lat_table_cell(table, r, 0);
				char name[96];

				snprintf(name, sizeof(name), "%s (%d)", proc->s, proc->tid);
				snprintf(labels[r], sizeof(labels[r]), "  %-25s %10lld   %s", name,
					 (long long)lat_table_cell(table, r, 1)->i,
					 lat_table_cell(table, r, 2)->s);
				bars[r].value = lat_table_cell(table, r, 3)->d * 100;
				bars[r].is_float = true;
				bars[r].label = labels[r];
			}
			snprintf(header, sizeof(header), "  %-25s %10s   %s", "Process",
				 "Migrations", "Priorities");
			lat_text_bar_graph(out, "Per-TID Usage", "%", header, bars, table->nrows);
		} else if (table->role == LAT_CPUTOP_PER_CPU) {
			for (size_t r = 0; r < table->nrows; r++) {
				snprintf(labels[r], sizeof(labels[r]), "CPU %lld",
					 (long long)lat_table_cell(table, r, 0)->i);
				bars[r].value = lat_table_cell(table, r, 1)->d * 100;
				bars[r].is_float = true;
				bars[r].label = labels[r];
			}
			lat_text_bar_graph(out, "Per-CPU Usage", "%", NULL, bars, table->nrows);
		} else if (table->role == LAT_CPUTOP_TOTAL && table->nrows) {
			fprintf(out, "\nTotal CPU Usage: %0.02f%%\n\n",
				lat_table_cell(table, 0, 0)->d * 100);
		}
	}
	free(bars);
	free(labels);
}

/* ---- memtop ---- */

static void memtop_print_top(const struct lat_table *table, const char *title, FILE *out)
{
	struct lat_bar *bars = calloc(table->nrows + 1, sizeof(*bars));
	char(*labels)[96] = calloc(table->nrows + 1, sizeof(*labels));

	if (bars && labels) {
		for (size_t r = 0; r < table->nrows; r++) {
			const struct lat_cell *proc = lat_table_cell(table, r, 0);

			snprintf(labels[r], sizeof(labels[r]), "%s (%d)", proc->s, proc->tid);
			bars[r].value = (double)lat_table_cell(table, r, 1)->i;
			bars[r].label = labels[r];
		}
		lat_text_bar_graph(out, title, "pages", "Process", bars, table->nrows);
	}
	free(bars);
	free(labels);
}

void lat_memtop_print_text(const struct lat_result *result, const struct lat_text_opts *opts,
			   FILE *out)
{
	if (result->ntables == 0) {
		return;
	}
	lat_text_print_timerange(out, result->tables[0].begin, result->tables[0].end, opts->gmt);
	for (size_t t = 0; t < result->ntables; t++) {
		const struct lat_table *table = &result->tables[t];

		if (table->role == LAT_MEMTOP_ALLOCATED) {
			memtop_print_top(table, "Per-TID Memory Allocations", out);
		} else if (table->role == LAT_MEMTOP_FREED) {
			memtop_print_top(table, "Per-TID Memory Deallocations", out);
		} else if (table->role == LAT_MEMTOP_TOTAL && table->nrows) {
			fprintf(
			    out,
			    "\nTotal memory usage:\n- %lld pages allocated\n- %lld pages freed\n",
			    (long long)lat_table_cell(table, 0, 0)->i,
			    (long long)lat_table_cell(table, 0, 1)->i);
		}
	}
}

/* ---- syscallstats ---- */

#define SYSCALLS_LINE "%-38s %14s %14s %14s %12s %10s  %-14s\n"

void lat_syscallstats_print_text(const struct lat_result *result, const struct lat_text_opts *opts,
				 FILE *out)
{
	const struct lat_table *total = NULL;
	uint64_t total_calls = 0;
	size_t per_tid = 0;

	if (result->ntables == 0) {
		return;
	}
	lat_text_print_timerange(out, result->tables[0].begin, result->tables[0].end, opts->gmt);
	fprintf(out, "Per-TID syscalls statistics (usec)\n");
	for (size_t t = 0; t < result->ntables; t++) {
		if (result->tables[t].role == LAT_SYSCALLSTATS_TOTAL) {
			total = &result->tables[t];
		}
	}
	for (size_t t = 0; t < result->ntables && total; t++) {
		const struct lat_table *table = &result->tables[t];
		char count[32], min[32], avg[32], max[32], stdev[32], name[128], proc_total[32];

		if (table->role != LAT_SYSCALLSTATS_PER_TID) {
			continue;
		}
		fprintf(out, SYSCALLS_LINE, table->subtitle, "Count", "Min", "Average", "Max",
			"Stdev", "Return values");
		for (size_t r = 0; r < table->nrows; r++) {
			const struct lat_cell *stdev_cell = lat_table_cell(table, r, 5);

			snprintf(name, sizeof(name), " - %s", lat_table_cell(table, r, 0)->s);
			snprintf(count, sizeof(count), "%" PRId64, lat_table_cell(table, r, 1)->i);
			lat_format_round3(min, sizeof(min),
					  lat_table_cell(table, r, 2)->i / 1000.0);
			lat_format_round3(avg, sizeof(avg), lat_table_cell(table, r, 3)->d / 1000);
			lat_format_round3(max, sizeof(max),
					  lat_table_cell(table, r, 4)->i / 1000.0);
			if (stdev_cell->cls == LAT_CLS_UNKNOWN) {
				snprintf(stdev, sizeof(stdev), "?");
			} else {
				lat_format_round3(stdev, sizeof(stdev), stdev_cell->d / 1000);
			}
			fprintf(out, SYSCALLS_LINE, name, count, min, avg, max, stdev,
				lat_table_cell(table, r, 6)->s);
		}
		if (per_tid < total->nrows) {
			int64_t calls = lat_table_cell(total, per_tid, 1)->i;

			snprintf(proc_total, sizeof(proc_total), "%" PRId64, calls);
			fprintf(out, SYSCALLS_LINE, "Total:", proc_total, "", "", "", "", "");
			total_calls += calls;
		}
		for (int i = 0; i < 113; i++) {
			fputc('-', out);
		}
		fputc('\n', out);
		per_tid++;
	}
	fprintf(out, "\nTotal syscalls: %" PRIu64 "\n", total_calls);
}

/* ---- irq ---- */

static void irq_print_hard_header(FILE *out)
{
	fprintf(out, "%-52s %-12s\n%-22s %-14s %-12s %-12s %-10s %-12s\n", "Hard IRQ",
		"Duration (us)", "", "count", "min", "avg", "max", "stdev");
	for (int i = 0; i < 82; i++) {
		fputc('-', out);
	}
	fputs("|\n", out);
}

static void irq_print_soft_header(FILE *out)
{
	fprintf(out,
		"%-52s %-52s %-12s\n%-22s %-14s %-12s %-12s %-10s %-4s %-3s %-14s %-12s %-12s "
		"%-10s %-12s\n",
		"Soft IRQ", "Duration (us)", "Raise latency (us)", "", "count", "min", "avg", "max",
		"stdev", " |", "count", "min", "avg", "max", "stdev");
	for (int i = 0; i < 82; i++) {
		fputc('-', out);
	}
	fputc('|', out);
	for (int i = 0; i < 60; i++) {
		fputc('-', out);
	}
	fputc('\n', out);
}

/* A duration cell in µs, as the peer's to_us() (float division). */
static double irq_cell_us(const struct lat_cell *c)
{
	return (c->is_float ? c->d : (double)c->i) / 1000;
}

static void irq_fmt_us(char *buf, size_t len, const struct lat_cell *c)
{
	if (c->cls == LAT_CLS_UNKNOWN) {
		snprintf(buf, len, "?");
	} else {
		snprintf(buf, len, "%0.3f", irq_cell_us(c));
	}
}

static void irq_print_stats_row(const struct lat_table *table, size_t r, bool hard, FILE *out)
{
	const struct lat_cell *irq = lat_table_cell(table, r, 0);
	char nr[24], name[160], count[24], mn[40], avg[40], mx[40], sd[40];

	snprintf(nr, sizeof(nr), "%" PRId64 ":", irq->i);
	snprintf(name, sizeof(name), "<%s>", irq->s);
	snprintf(count, sizeof(count), "%" PRId64, lat_table_cell(table, r, 1)->i);
	irq_fmt_us(mn, sizeof(mn), lat_table_cell(table, r, 2));
	irq_fmt_us(avg, sizeof(avg), lat_table_cell(table, r, 3));
	irq_fmt_us(mx, sizeof(mx), lat_table_cell(table, r, 4));
	irq_fmt_us(sd, sizeof(sd), lat_table_cell(table, r, 5));
	fprintf(out, "%-3s %-18s %5s %12s %12s %12s %12s %-2s", nr, name, count, mn, avg, mx, sd,
		" |");
	if (!hard && lat_table_cell(table, r, 6)->i != 0) {
		irq_fmt_us(mn, sizeof(mn), lat_table_cell(table, r, 7));
		irq_fmt_us(avg, sizeof(avg), lat_table_cell(table, r, 8));
		irq_fmt_us(mx, sizeof(mx), lat_table_cell(table, r, 9));
		irq_fmt_us(sd, sizeof(sd), lat_table_cell(table, r, 10));
		fprintf(out, " %6" PRId64 " %12s %12s %12s %12s", lat_table_cell(table, r, 6)->i,
			mn, avg, mx, sd);
	}
	fputc('\n', out);
}

/* One frequency distribution: a freq table, or a column of the --freq-series table. */
struct irq_freq_view {
	const struct lat_table *table;
	int col; /* the count column */
	const char *subtitle;
};

/* termgraph.FreqGraph */
static void irq_print_freq(const struct irq_freq_view *f, FILE *out)
{
	const struct lat_table *t = f->table;
	int64_t maxv = 0;
	size_t maxlen = 0;
	char buf[32];

	if (t->nrows == 0) {
		return;
	}
	for (size_t r = 0; r < t->nrows; r++) {
		int64_t v = lat_table_cell(t, r, (size_t)f->col)->i;
		size_t len = (size_t)snprintf(buf, sizeof(buf), "%" PRId64, v);

		if (v > maxv) {
			maxv = v;
		}
		if (len > maxlen) {
			maxlen = len;
		}
	}
	fprintf(out, "Handler duration frequency distribution %s (\xc2\xb5s)\n", f->subtitle);
	for (int i = 0; i < 80; i++) {
		fputc('#', out);
	}
	fputc('\n', out);
	for (size_t r = 0; r < t->nrows; r++) {
		int64_t v = lat_table_cell(t, r, (size_t)f->col)->i;
		int width = maxv == 0 ? 0 : (int)(72 * (double)v / (double)maxv);
		size_t len = (size_t)snprintf(buf, sizeof(buf), "%" PRId64, v);

		fprintf(out, "%7.3f ", irq_cell_us(lat_table_cell(t, r, 0)));
		for (int i = 0; i < 72; i++) {
			fputs(i < width ? "\xe2\x96\x88" : " ", out);
		}
		fputc(' ', out);
		for (size_t i = len; i < maxlen; i++) {
			fputc(' ', out);
		}
		fprintf(out, "%s\n", buf);
	}
	fputc('\n', out);
}

static void irq_print_log(const struct lat_table *t, const struct lat_text_opts *opts, FILE *out)
{
	fprintf(out, "%-20s %-19s %15s %4s  %-9s %4s  %-22s\n", "Begin", "End", "Duration (us)",
		"CPU", "Type", "#", "Name");
	for (size_t r = 0; r < t->nrows; r++) {
		const struct lat_cell *tr = lat_table_cell(t, r, 0);
		const struct lat_cell *raised = lat_table_cell(t, r, 1);
		const struct lat_cell *irq = lat_table_cell(t, r, 3);
		char b[48], e[48], rs[48], dur[40], cpu[16], nr[24], name[256];

		lat_format_timestamp(b, sizeof(b), tr->i, opts->multi_day, opts->gmt);
		lat_format_timestamp(e, sizeof(e), tr->i2, opts->multi_day, opts->gmt);
		snprintf(dur, sizeof(dur), "%0.3f", (double)(tr->i2 - tr->i) / 1000);
		snprintf(cpu, sizeof(cpu), "%" PRId64, lat_table_cell(t, r, 2)->i);
		snprintf(nr, sizeof(nr), "%" PRId64, irq->i);
		if (raised->cls == LAT_CLS_TIMESTAMP) {
			lat_format_timestamp(rs, sizeof(rs), raised->i, opts->multi_day, opts->gmt);
			snprintf(name, sizeof(name), "%s (raised at %s)", irq->s, rs);
		} else {
			snprintf(name, sizeof(name), "%s", irq->s);
		}
		fprintf(out, "[%-18s, %-18s] %15s %4s  %-9s %4s  %-22s\n", b, e, dur, cpu,
			irq->flag ? "IRQ" : "SoftIRQ", nr, name);
	}
}

void lat_irq_print_text(const struct lat_result *result, const struct lat_text_opts *opts,
			FILE *out)
{
	const struct lat_table *log = NULL, *hard = NULL, *soft = NULL;
	struct irq_freq_view *freqs = calloc(result->ntables + 64, sizeof(*freqs));
	size_t nfreq = 0, nfreq_cap = result->ntables + 64;

	if (result->ntables == 0 || !freqs) {
		free(freqs);
		return;
	}
	for (size_t t = 0; t < result->ntables; t++) {
		const struct lat_table *table = &result->tables[t];

		if (table->role == LAT_IRQ_LOG) {
			log = table;
		} else if (table->role == LAT_IRQ_HARD) {
			hard = table;
		} else if (table->role == LAT_IRQ_SOFT) {
			soft = table;
		} else if (table->role == LAT_IRQ_FREQ && nfreq < nfreq_cap) {
			freqs[nfreq++] = (struct irq_freq_view){table, 2, table->subtitle};
		} else if (table->role == LAT_IRQ_FREQ_SERIES) {
			for (size_t c = 2; c < table->cls->ncolumns && nfreq < nfreq_cap; c++) {
				freqs[nfreq++] = (struct irq_freq_view){
				    table, (int)c, table->cls->columns[c].title};
			}
		}
	}
	lat_text_print_timerange(out, result->tables[0].begin, result->tables[0].end, opts->gmt);
	if (hard && soft) {
		if (hard->nrows || soft->nrows) {
			size_t nstats = hard->nrows + soft->nrows;

			if (nfreq) {
				for (size_t k = 0; k < nstats && k < nfreq; k++) {
					bool is_hard = k < hard->nrows;
					const struct lat_table *t = is_hard ? hard : soft;
					size_t r = is_hard ? k : k - hard->nrows;

					if (is_hard) {
						irq_print_hard_header(out);
					} else {
						irq_print_soft_header(out);
					}
					irq_print_stats_row(t, r, is_hard, out);
					if (freqs[k].table->nrows) {
						fputc('\n', out);
						irq_print_freq(&freqs[k], out);
					}
					fputc('\n', out);
				}
			} else {
				if (hard->nrows) {
					irq_print_hard_header(out);
				}
				for (size_t r = 0; r < hard->nrows; r++) {
					irq_print_stats_row(hard, r, true, out);
				}
				if (soft->nrows) {
					if (hard->nrows) {
						fputc('\n', out);
					}
					irq_print_soft_header(out);
				}
				for (size_t r = 0; r < soft->nrows; r++) {
					irq_print_stats_row(soft, r, false, out);
				}
			}
		} else {
			for (size_t k = 0; k < nfreq; k++) {
				if (freqs[k].table->nrows) {
					fputc('\n', out);
					irq_print_freq(&freqs[k], out);
				}
			}
		}
		if (log) {
			fputc('\n', out);
		}
	}
	if (log) {
		irq_print_log(log, opts, out);
	}
	free(freqs);
}

/* ---- sched ---- */

static void sched_print_events(const struct lat_table *table, const struct lat_text_opts *opts,
			       FILE *out)
{
	fprintf(out, "\n%s\n", table->cls->title);
	fprintf(out, "%-20s %-19s %15s %10s  %3s   %-25s  %-25s\n", "Wakeup", "Switch",
		"Latency (us)", "Priority", "CPU", "Wakee", "Waker");
	for (size_t r = 0; r < table->nrows; r++) {
		const struct lat_cell *wakee = lat_table_cell(table, r, 5);
		const struct lat_cell *waker = lat_table_cell(table, r, 6);
		char wakeup[48], sw[48], lat[48], wakee_s[96], waker_s[96];

		lat_format_timestamp(wakeup, sizeof(wakeup), lat_table_cell(table, r, 0)->i,
				     opts->multi_day, opts->gmt);
		lat_format_timestamp(sw, sizeof(sw), lat_table_cell(table, r, 1)->i,
				     opts->multi_day, opts->gmt);
		snprintf(lat, sizeof(lat), "%0.03f", (double)lat_table_cell(table, r, 2)->i / 1000);
		snprintf(wakee_s, sizeof(wakee_s), "%s (%d)", wakee->s, wakee->tid);
		if (waker->cls == LAT_CLS_EMPTY) {
			snprintf(waker_s, sizeof(waker_s), "Unknown (N/A)");
		} else {
			snprintf(waker_s, sizeof(waker_s), "%s (%d)", waker->s, waker->tid);
		}
		fprintf(out, "[%-18s, %-18s] %15s %10" PRId64 "  %3" PRId64 "   %-25s  %-25s\n",
			wakeup, sw, lat, lat_table_cell(table, r, 3)->i,
			lat_table_cell(table, r, 4)->i, wakee_s, waker_s);
	}
}

static void sched_us(char *buf, size_t len, const struct lat_cell *cell)
{
	if (cell->cls == LAT_CLS_UNKNOWN) {
		snprintf(buf, len, "?");
	} else {
		snprintf(buf, len, "%0.03f", (cell->is_float ? cell->d : (double)cell->i) / 1000);
	}
}

static void sched_print_stats(const struct lat_table *table, FILE *out)
{
	int first = table->role == LAT_SCHED_TOTAL ? 0 : 1;
	char c[5][64];

	if (!table->nrows) {
		return;
	}
	fprintf(out, "\n%s (us)\n", table->cls->title);
	if (table->role == LAT_SCHED_TOTAL) {
		fprintf(out, "%-12s %-12s %-12s %-12s %-12s\n", "Count", "Min", "Avg", "Max",
			"Stdev");
	} else if (table->role == LAT_SCHED_PER_TID) {
		fprintf(out, "%-25s %8s  %12s  %12s  %12s  %12s   %s\n", "Process", "Count", "Min",
			"Avg", "Max", "Stdev", "Priorities");
	} else {
		fprintf(out, "%4s %8s  %12s  %12s  %12s  %12s\n", "Prio", "Count", "Min", "Avg",
			"Max", "Stdev");
	}
	for (size_t r = 0; r < table->nrows; r++) {
		snprintf(c[0], sizeof(c[0]), "%" PRId64, lat_table_cell(table, r, first)->i);
		for (int k = 1; k < 5; k++) {
			sched_us(c[k], sizeof(c[k]), lat_table_cell(table, r, first + k));
		}
		if (table->role == LAT_SCHED_TOTAL) {
			fprintf(out, "%-12s %-12s %-12s %-12s %-12s\n", c[0], c[1], c[2], c[3],
				c[4]);
		} else if (table->role == LAT_SCHED_PER_TID) {
			const struct lat_cell *proc = lat_table_cell(table, r, 0);
			char name[96];

			snprintf(name, sizeof(name), "%s (%d)", proc->s, proc->tid);
			fprintf(out, "%-25s %8s  %12s  %12s  %12s  %12s   %s\n", name, c[0], c[1],
				c[2], c[3], c[4], lat_table_cell(table, r, 6)->s);
		} else {
			fprintf(out, "%4" PRId64 " %8s  %12s  %12s  %12s  %12s\n",
				lat_table_cell(table, r, 0)->i, c[0], c[1], c[2], c[3], c[4]);
		}
	}
}

/* termgraph.FreqGraph of the counts in column `col` (2, or a group's column of a series) */
static void sched_print_freq(const struct lat_table *table, size_t col, const char *subtitle,
			     FILE *out)
{
	int64_t maxv = 0;
	size_t maxlen = 0;

	if (!table->nrows) {
		return;
	}
	for (size_t r = 0; r < table->nrows; r++) {
		char v[32];
		int64_t value = lat_table_cell(table, r, col)->i;
		size_t len = (size_t)snprintf(v, sizeof(v), "%" PRId64, value);

		if (value > maxv) {
			maxv = value;
		}
		if (len > maxlen) {
			maxlen = len;
		}
	}
	fprintf(out, "Scheduling latency frequency distribution - %s (µs)\n",
		subtitle ? subtitle : "None");
	for (int i = 0; i < 80; i++) {
		fputc('#', out);
	}
	fputc('\n', out);
	for (size_t r = 0; r < table->nrows; r++) {
		int64_t value = lat_table_cell(table, r, col)->i;
		int width = maxv ? (int)(72 * (double)value / (double)maxv) : 0;
		char v[32];
		int len = snprintf(v, sizeof(v), "%" PRId64, value);

		fprintf(out, "%7.3f ", lat_table_cell(table, r, 0)->d / 1000);
		for (int i = 0; i < 72; i++) {
			fputs(i < width ? "\u2588" : " ", out);
		}
		fprintf(out, " %*s%s\n", (int)maxlen - len, "", v);
	}
	fputc('\n', out);
}

void lat_sched_print_text(const struct lat_result *result, const struct lat_text_opts *opts,
			  FILE *out)
{
	const int order[] = {LAT_SCHED_TOTAL, LAT_SCHED_PER_TID, LAT_SCHED_PER_PRIO,
			     LAT_SCHED_FREQ,  LAT_SCHED_LOG,     LAT_SCHED_TOP};

	if (result->ntables == 0) {
		return;
	}
	lat_text_print_timerange(out, result->tables[0].begin, result->tables[0].end, opts->gmt);
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		for (size_t t = 0; t < result->ntables; t++) {
			const struct lat_table *table = &result->tables[t];

			if (order[o] == LAT_SCHED_FREQ && table->role == LAT_SCHED_FREQ_SERIES) {
				for (size_t c = 2; c < table->cls->ncolumns; c++) {
					sched_print_freq(table, c, table->cls->columns[c].title,
							 out);
				}
				continue;
			}
			if (table->role != order[o]) {
				continue;
			}
			if (table->role == LAT_SCHED_FREQ) {
				sched_print_freq(table, 2, table->subtitle, out);
			} else if (table->role == LAT_SCHED_LOG || table->role == LAT_SCHED_TOP) {
				sched_print_events(table, opts, out);
			} else {
				sched_print_stats(table, out);
			}
		}
	}
}
