/* io_text.c: the I/O analyses' tables as lttng-analyses' cli/io.py prints them. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/io_int.h"

/* ---------------------------------------------------------------- text */

#define STATS_FORMAT "%-14s %14s %14s %14s %14s %14s\n"

static void print_stats_table(const struct lat_table *t, FILE *out)
{
	for (size_t r = 0; r < t->nrows; r++) {
		char count[32], min[32], avg[32], max[32], stdev[32];
		const struct lat_cell *c3 = lat_table_cell(t, r, 3), *c5 = lat_table_cell(t, r, 5);

		snprintf(count, sizeof(count), "%" PRId64, lat_table_cell(t, r, 1)->i);
		snprintf(min, sizeof(min), "%.3f", lat_table_cell(t, r, 2)->i / 1000.0);
		snprintf(avg, sizeof(avg), "%.3f", c3->is_float ? c3->d / 1000 : c3->i / 1000.0);
		snprintf(max, sizeof(max), "%.3f", lat_table_cell(t, r, 4)->i / 1000.0);
		if (c5->cls == LAT_CLS_UNKNOWN) {
			snprintf(stdev, sizeof(stdev), "?");
		} else {
			snprintf(stdev, sizeof(stdev), "%.3f", c5->d / 1000);
		}
		fprintf(out, STATS_FORMAT, lat_table_cell(t, r, 0)->s, count, min, avg, max, stdev);
	}
}

static void print_separator(FILE *out)
{
	for (int i = 0; i < 89; i++) {
		fputc('-', out);
	}
	fputc('\n', out);
}

static void format_size(char *buf, size_t len, int64_t size)
{
	static const char *const units[] = {"  B", "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB", "ZiB", "YiB"};
	int exponent = 0;
	double v = (double)size;

	if (size > 0) {
		exponent = (int)(log((double)size) / log(1024.0));
		if (exponent >= 9) {
			exponent = 8;
		}
		v = (double)size / pow(1024.0, exponent);
	}
	if (exponent == 0) {
		snprintf(buf, len, "%.0f %s", v, units[0]);
	} else {
		snprintf(buf, len, "%.2f %s", v, units[exponent]);
	}
}

static void print_log_table(const struct lat_table *t, const struct lat_text_opts *opts, FILE *out)
{
	bool any_oor = false;

	if (t->nrows == 0) {
		return;
	}
	fprintf(out, "\n%s %s (usec)\n", t->cls->title, t->subtitle ? t->subtitle : "None");
	fprintf(out, "%-20s %-20s %-16s %-23s %-5s %-24s %-8s %-14s\n", "Begin", "End", "Name",
		"Duration (usec)", "Size", "Proc", "PID", "Filename");
	for (size_t r = 0; r < t->nrows; r++) {
		const struct lat_cell *tr = lat_table_cell(t, r, 0), *oor = lat_table_cell(t, r, 1);
		const struct lat_cell *size = lat_table_cell(t, r, 4),
				      *proc = lat_table_cell(t, r, 5);
		const struct lat_cell *path = lat_table_cell(t, r, 6),
				      *fd = lat_table_cell(t, r, 7);
		char range[128], dur[48], sz[48], file[4200], tid[16];
		bool is_oor = oor->i >= 0 && oor->flag;

		lat_format_time_range(range, sizeof(range) - 1, tr->i, tr->i2, opts->multi_day,
				      opts->gmt);
		strcat(range, is_oor ? "*" : " ");
		snprintf(dur, sizeof(dur), "%.3f%s", lat_table_cell(t, r, 2)->i / 1000.0,
			 is_oor ? "*" : " ");
		if (size->cls == LAT_CLS_EMPTY) {
			snprintf(sz, sizeof(sz), "N/A");
		} else {
			format_size(sz, sizeof(sz), size->i);
		}
		if (fd->cls == LAT_CLS_EMPTY) {
			snprintf(file, sizeof(file), "N/A");
		} else {
			snprintf(file, sizeof(file), "%s (fd=%" PRId64 ")",
				 path->cls == LAT_CLS_UNKNOWN ? "unknown" : path->s, fd->i);
		}
		snprintf(tid, sizeof(tid), "%d", proc->tid);
		fprintf(out, "%-40s %-16s %16s %11s  %-24s %-8s %-14s\n", range,
			lat_table_cell(t, r, 3)->s, dur, sz, proc->s, tid, file);
		any_oor |= is_oor;
	}
	if (any_oor) {
		fprintf(out,
			"*: Syscalls started and/or completed outside of the range specified\n");
	}
}

/* Python's '{:<N}' / '{:>N}' on text: padded to N characters (code points, not bytes). */
static void pad(char *buf, size_t len, const char *text, int width, bool left)
{
	int chars = 0, fill;

	for (const char *c = text; *c; c++) {
		chars += ((unsigned char)*c & 0xc0) != 0x80;
	}
	fill = width > chars ? width - chars : 0;
	if (left) {
		snprintf(buf, len, "%s%*s", text, fill, "");
	} else {
		snprintf(buf, len, "%*s%s", fill, "", text);
	}
}

static size_t text_chars(const char *text)
{
	size_t chars = 0;

	for (const char *c = text; *c; c++) {
		chars += ((unsigned char)*c & 0xc0) != 0x80;
	}
	return chars;
}

/* termgraph.BarGraph with the value strings given (format_size, or "N unit") */
static void bar_graph(FILE *out, const char *title, const char *label_header, const double *values,
		      char *const *value_strs, char *const *labels, size_t n)
{
	double maxv = 0;
	size_t maxlen = 0;

	if (n == 0) {
		return;
	}
	for (size_t i = 0; i < n; i++) {
		maxv = values[i] > maxv ? values[i] : maxv;
		maxlen = text_chars(value_strs[i]) > maxlen ? text_chars(value_strs[i]) : maxlen;
	}
	if (label_header) {
		int spaces = 80 - (int)text_chars(title) + 1 + (int)maxlen + 1;

		fprintf(out, "%s%*s%s\n", title, spaces > 0 ? spaces : 0, "", label_header);
	} else {
		fprintf(out, "%s\n", title);
	}
	for (int i = 0; i < 80; i++) {
		fputc('#', out);
	}
	fputc('\n', out);
	for (size_t i = 0; i < n; i++) {
		int width = maxv == 0 ? 0 : (int)(80 * values[i] / maxv);

		for (int c = 0; c < width; c++) {
			fputs("\u2588", out);
		}
		fprintf(out, "%*s %*s%s %s\n", 80 - width, "",
			(int)(maxlen - text_chars(value_strs[i])), "", value_strs[i], labels[i]);
	}
	fputc('\n', out);
}

static void print_usage_table(const struct lat_table *t, FILE *out)
{
	size_t n = t->nrows;
	double *values = calloc(n + 1, sizeof(*values));
	char **strs = calloc(n + 1, sizeof(*strs)), **labels = calloc(n + 1, sizeof(*labels));
	char title[128], header[128];
	const char *label_header = NULL;
	bool ok = values && strs && labels;

	for (size_t r = 0; r < n && ok; r++) {
		const struct lat_cell *c0 = lat_table_cell(t, r, 0), *c1 = lat_table_cell(t, r, 1);
		char value[64], label[4400], pid[64];

		if (t->cls == &lat_io_disk_rtps_class) {
			values[r] = (c1->is_float ? c1->d : (double)c1->i) / 1000000;
			snprintf(value, sizeof(value), "%.2f ms", values[r]);
		} else if (t->cls == &lat_io_disk_sector_class ||
			   t->cls == &lat_io_disk_request_class) {
			values[r] = (double)c1->i;
			snprintf(value, sizeof(value), "%" PRId64 " %s", c1->i,
				 t->cls == &lat_io_disk_sector_class ? "sectors" : "requests");
		} else {
			values[r] = (double)c1->i;
			format_size(value, sizeof(value), c1->i);
		}
		if (c0->cls == LAT_CLS_PROCESS) {
			if (c0->has_pid) {
				snprintf(pid, sizeof(pid), "%d", c0->pid);
			} else {
				snprintf(pid, sizeof(pid), "unknown (tid=%d)", c0->tid);
			}
		}
		if (t->cls == &lat_io_proc_top_class) {
			char name[300], disk[64], net[64], unk[64], a[320], b[64], c[64], d[64];

			snprintf(name, sizeof(name), "%s (%s)", c0->s, pid);
			format_size(disk, sizeof(disk), lat_table_cell(t, r, 2)->i);
			format_size(net, sizeof(net), lat_table_cell(t, r, 3)->i);
			format_size(unk, sizeof(unk), lat_table_cell(t, r, 4)->i);
			pad(a, sizeof(a), name, 25, true);
			pad(b, sizeof(b), disk, 10, false);
			pad(c, sizeof(c), net, 10, false);
			pad(d, sizeof(d), unk, 10, false);
			snprintf(label, sizeof(label), "%s %s %s %s", a, b, c, d);
		} else if (t->cls == &lat_io_block_top_class) {
			snprintf(label, sizeof(label), "%s (pid=%s)",
				 c0->has_name && c0->s[0] ? c0->s : "unknown", pid);
		} else {
			snprintf(label, sizeof(label), "%s", c0->s);
		}
		strs[r] = strdup(value);
		labels[r] = strdup(label);
		ok = strs[r] && labels[r];
	}
	if (t->cls == &lat_io_proc_top_class) {
		char a[32], b[16], c[16], d[16];

		snprintf(title, sizeof(title), "Per-process I/O %s",
			 strcmp(t->subtitle, "read") == 0 ? "Read" : "Write");
		pad(a, sizeof(a), "Process", 25, true);
		pad(b, sizeof(b), "Disk", 10, true);
		pad(c, sizeof(c), "Net", 10, true);
		pad(d, sizeof(d), "Unknown", 10, true);
		snprintf(header, sizeof(header), "%s %s %s %s", a, b, c, d);
		label_header = header;
	} else if (t->cls == &lat_io_file_top_class) {
		snprintf(title, sizeof(title), "Per-file I/O %s",
			 strcmp(t->subtitle, "read") == 0 ? "Read" : "Write");
		label_header = "Path";
	} else if (t->cls == &lat_io_block_top_class) {
		snprintf(title, sizeof(title), "Block I/O %s",
			 strcmp(t->subtitle, "read") == 0 ? "Read" : "Write");
		label_header = "Process";
	} else if (t->cls == &lat_io_disk_sector_class) {
		snprintf(title, sizeof(title), "Disk Requests Sector Count");
		label_header = "Disk";
	} else if (t->cls == &lat_io_disk_request_class) {
		snprintf(title, sizeof(title), "Disk Request Count");
		label_header = "Disk";
	} else if (t->cls == &lat_io_disk_rtps_class) {
		snprintf(title, sizeof(title), "Disk Request Average Latency");
		label_header = "Disk";
	} else {
		snprintf(title, sizeof(title), "Network %s Bytes",
			 strcmp(t->subtitle, "sent") == 0 ? "Sent" : "Received");
		label_header = "Interface";
	}
	if (ok) {
		bar_graph(out, title, label_header, values, strs, labels, n);
	}
	for (size_t r = 0; r < n && strs && labels; r++) {
		free(strs[r]);
		free(labels[r]);
	}
	free(values);
	free(strs);
	free(labels);
}

static bool is_usage_class(const struct lat_table_class *cls)
{
	return cls == &lat_io_proc_top_class || cls == &lat_io_file_top_class ||
	       cls == &lat_io_block_top_class || cls == &lat_io_disk_sector_class ||
	       cls == &lat_io_disk_request_class || cls == &lat_io_disk_rtps_class ||
	       cls == &lat_io_netif_class;
}

/* termgraph.FreqGraph */
static void print_freq(const struct lat_table *t, FILE *out)
{
	int64_t maxv = 0;
	size_t maxlen = 0;

	if (!t->nrows) {
		return;
	}
	for (size_t r = 0; r < t->nrows; r++) {
		char v[32];
		int64_t value = lat_table_cell(t, r, 2)->i;
		size_t len = (size_t)snprintf(v, sizeof(v), "%" PRId64, value);

		maxv = value > maxv ? value : maxv;
		maxlen = len > maxlen ? len : maxlen;
	}
	fprintf(out, "%s %s (µs)\n", t->cls->title, t->subtitle ? t->subtitle : "None");
	for (int i = 0; i < 80; i++) {
		fputc('#', out);
	}
	fputc('\n', out);
	for (size_t r = 0; r < t->nrows; r++) {
		int64_t value = lat_table_cell(t, r, 2)->i;
		int width = maxv ? (int)(72 * (double)value / (double)maxv) : 0;
		char v[32];
		int len = snprintf(v, sizeof(v), "%" PRId64, value);

		fprintf(out, "%7.3f ", lat_table_cell(t, r, 0)->d / 1000);
		for (int i = 0; i < 72; i++) {
			fputs(i < width ? "\u2588" : " ", out);
		}
		fprintf(out, " %*s%s\n", (int)maxlen - len, "", v);
	}
	fputc('\n', out);
}

void lat_io_print_text(const struct lat_result *result, const struct lat_text_opts *opts, FILE *out)
{
	if (result->ntables == 0) {
		return;
	}
	lat_text_print_timerange(out, result->tables[0].begin, result->tables[0].end, opts->gmt);
	for (size_t i = 0; i < result->ntables; i++) {
		if (is_usage_class(result->tables[i].cls)) {
			print_usage_table(&result->tables[i], out);
		}
	}
	for (size_t i = 0; i < result->ntables; i++) {
		const struct lat_table *t = &result->tables[i];

		if (t->cls == &lat_io_stats_class) {
			fprintf(out, "\nSyscalls latency statistics (usec):\n");
			fprintf(out, STATS_FORMAT, "Type", "Count", "Min", "Average", "Max",
				"Stdev");
			print_separator(out);
			print_stats_table(t, out);
		} else if (t->cls == &lat_io_disk_stats_class && t->nrows) {
			fprintf(out, "\nDisk latency statistics (usec):\n");
			fprintf(out, STATS_FORMAT, "Name", "Count", "Min", "Average", "Max",
				"Stdev");
			print_separator(out);
			print_stats_table(t, out);
		}
	}
	for (size_t i = 0; i < result->ntables; i++) {
		if (result->tables[i].cls == &lat_io_top_class) {
			print_log_table(&result->tables[i], opts, out);
		}
	}
	for (size_t i = 0; i < result->ntables; i++) {
		if (result->tables[i].cls == &lat_io_freq_class) {
			print_freq(&result->tables[i], out);
		}
	}
	for (size_t i = 0; i < result->ntables; i++) {
		if (result->tables[i].cls == &lat_io_log_class) {
			print_log_table(&result->tables[i], opts, out);
		}
	}
}
