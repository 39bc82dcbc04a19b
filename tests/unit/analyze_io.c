/* analyze_io.c: the I/O analyses (iolatencystats...) on in-memory events. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/io.h"
#include "tap.h"

static struct lat_kevent sw(int64_t ts, uint32_t cpu, int32_t next, const char *comm)
{
	struct lat_kevent ev = {.ts = ts, .cpu = cpu, .type = LAT_EV_SCHED_SWITCH};

	ev.sched_switch.prev_comm = "swapper/0";
	ev.sched_switch.prev_tid = 0;
	ev.sched_switch.next_comm = comm;
	ev.sched_switch.next_tid = next;
	ev.sched_switch.next_prio = 20;
	return ev;
}

static struct lat_kevent entry(int64_t ts, const char *name, int64_t fd)
{
	struct lat_kevent ev = {.ts = ts, .cpu = 0, .type = LAT_EV_SYSCALL_ENTRY};

	ev.syscall.name = name;
	if (fd >= 0) {
		ev.syscall.fd = fd;
		ev.present |= LAT_HAS_FD;
	}
	return ev;
}

static struct lat_kevent exit_(int64_t ts, int64_t ret)
{
	struct lat_kevent ev = {.ts = ts, .cpu = 0, .type = LAT_EV_SYSCALL_EXIT};

	ev.syscall.name = "";
	ev.syscall.ret = ret;
	ev.present = LAT_HAS_RET;
	return ev;
}

static struct lat_analysis_run r;

/*
 * Task 100 ("app") on CPU 0. A statedump gives it fd 3 (/data/a) before the period. In the
 * period (from 1000): open /data/b -> 4 (1 µs), read fd 4 -> 10 bytes (2 µs), write fd 3 -> 5
 * bytes (3 µs: fd 3 came before the period, so the peer does not count it), read fd 7 (never
 * seen) -> 100 bytes (4 µs: the fd is created, counted), close fd 4, read fd 4 -> -EBADF
 * (5 µs: failed requests count), fsync fd 4 -> -EBADF (6 µs), fcntl(F_GETFL): no request,
 * splice: no request (as the peer).
 */
static int run(const struct lat_analysis_ops *ops, const struct lat_analysis_config *config,
	       struct lat_result *res)
{
	struct lat_kevent sd = {.ts = 500, .cpu = 0, .type = LAT_EV_STATEDUMP_FD};
	struct lat_kevent open_e = entry(2000, "open", -1);
	struct lat_kevent evs[32];
	size_t n = 0;
	int ret;

	sd.sd_fd.pid = 100;
	sd.sd_fd.fd = 3;
	sd.sd_fd.filename = "/data/a";
	open_e.syscall.filename = "/data/b";
	open_e.syscall.flags = O_CLOEXEC;
	open_e.present |= LAT_HAS_FILENAME | LAT_HAS_FLAGS;
	evs[n++] = sw(100, 0, 100, "app");
	evs[n++] = sd;
	evs[n++] = open_e;
	evs[n++] = exit_(3000, 4);
	evs[n++] = entry(4000, "read", 4);
	evs[n++] = exit_(6000, 10);
	evs[n++] = entry(7000, "write", 3);
	evs[n++] = exit_(10000, 5);
	evs[n++] = entry(11000, "read", 7);
	evs[n++] = exit_(15000, 100);
	evs[n++] = entry(16000, "close", 4);
	evs[n++] = exit_(16500, 0);
	evs[n++] = entry(17000, "read", 4);
	evs[n++] = exit_(22000, -9);
	evs[n++] = entry(23000, "fsync", 4);
	evs[n++] = exit_(29000, -9);
	evs[n++] = entry(30000, "fcntl", 3);
	evs[n++] = exit_(30100, 0);
	evs[n++] = entry(31000, "splice", -1);
	evs[n++] = exit_(39000, 4096);
	evs[n++] = (struct lat_kevent){
	    .ts = 40000, .cpu = 0, .type = LAT_EV_NET_XMIT, .net = {.name = "eth0", .len = 1500}};
	evs[n++] = (struct lat_kevent){
	    .ts = 41000, .cpu = 0, .type = LAT_EV_NET_RECV, .net = {.name = "eth0", .len = 60}};
	evs[n++] = (struct lat_kevent){
	    .ts = 42000, .cpu = 0, .type = LAT_EV_NET_XMIT, .net = {.name = "lo", .len = 2000}};
	ret = lat_analysis_run_init(&r, ops, config);
	if (ret) {
		return ret;
	}
	for (size_t i = 0; i < n; i++) {
		ret = lat_analysis_run_event(&r, &evs[i]);
		if (ret < 0) {
			return ret;
		}
	}
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
	struct lat_analysis_config config = {.limit = 10, .freq_resolution = 20, .begin_ts = 1000};
	const struct lat_table *t;
	struct lat_result res;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	ok(lat_analysis_find("iolatencystats") == &lat_iolatencystats_ops &&
	       lat_analysis_find("iolog") == &lat_iolog_ops &&
	       lat_analysis_find("iousagetop") == &lat_iousagetop_ops,
	   "the io names are in the analysis table");

	is_int(run(&lat_iolatencystats_ops, &config, &res), 0, "iolatencystats runs");
	t = res.ntables ? &res.tables[0] : NULL;
	ok(t && strcmp(t->cls->name, "syscall-latency-stats") == 0 && t->nrows == 4,
	   "one syscall-latency-stats table, four categories");
	if (t && t->nrows == 4) {
		is_str(lat_table_cell(t, 0, 0)->s, "Open", "  row 0: Open");
		is_int(lat_table_cell(t, 0, 1)->i, 1, "  one open");
		is_int(lat_table_cell(t, 0, 2)->i, 1000, "  open latency 1 µs");
		is_int(lat_table_cell(t, 1, 1)->i, 3,
		       "  reads: known fd, fd first seen, failed (not the splice)");
		is_int(lat_table_cell(t, 1, 2)->i, 2000, "  read min 2 µs");
		is_int(lat_table_cell(t, 1, 4)->i, 5000, "  read max 5 µs");
		ok(lat_table_cell(t, 1, 3)->d == 11000.0 / 3, "  read average");
		is_int(
		    lat_table_cell(t, 2, 1)->i, 0,
		    "  the write on an fd opened before the period is not counted (as the peer)");
		is_int(lat_table_cell(t, 2, 5)->cls, LAT_CLS_UNKNOWN, "  no stdev under two calls");
		is_int(lat_table_cell(t, 3, 1)->i, 1, "  one sync");
	}
	ok(res.ntables == 1, "no disk table without block requests");
	out = open_memstream(&text, &len);
	lat_iolatencystats_ops.print_text(&res, &(struct lat_text_opts){.gmt = true}, out);
	fclose(out);
	ok(text &&
	       strstr(text, "\nSyscalls latency statistics (usec):\nType                    "
			    "Count            Min        Average            Max          Stdev\n"),
	   "text: the peer's header");
	ok(text && strstr(text, "Read                        3          2.000          3.667"
				"          5.000          1.528\n"),
	   "text: the read row in usec");
	free(text);
	done(&res);

	is_int(run(&lat_iolog_ops, &config, &res), 0, "iolog runs");
	t = res.ntables ? &res.tables[0] : NULL;
	ok(t && strcmp(t->cls->name, "log") == 0 && t->nrows == 6,
	   "log: the six requests the stats count, plus the close");
	if (t && t->nrows == 6) {
		is_str(lat_table_cell(t, 0, 3)->s, "open", "  in begin order: the open first");
		is_str(lat_table_cell(t, 0, 6)->s, "/data/b", "  its path: the opened file");
		is_int(lat_table_cell(t, 0, 4)->cls, LAT_CLS_EMPTY, "  an open has no size");
		is_int(lat_table_cell(t, 2, 7)->i, 7, "  the read of fd 7");
		is_str(lat_table_cell(t, 2, 6)->s, "unknown", "  an fd first seen in a read");
		is_int(lat_table_cell(t, 2, 4)->i, 100, "  size: the returned count");
		is_int(lat_table_cell(t, 1, 1)->i, -1,
		       "  in range, --begin only: None (JSON null) as the peer's `and/or`");
	}
	done(&res);

	config.limit = 1;
	is_int(run(&lat_iolatencytop_ops, &config, &res), 0, "iolatencytop --limit 1 runs");
	t = res.ntables > 1 ? &res.tables[1] : NULL;
	ok(t && strcmp(t->subtitle, "read") == 0 && t->nrows == 2 &&
	       lat_table_cell(t, 0, 2)->i == 5000 && lat_table_cell(t, 1, 2)->i == 4000,
	   "top read: longest first, --limit + 1 rows as the peer");
	done(&res);
	config.limit = 10;

	config.freq_resolution = 3;
	is_int(run(&lat_iolatencyfreq_ops, &config, &res), 0, "iolatencyfreq runs");
	t = res.ntables > 1 ? &res.tables[1] : NULL;
	ok(t && strcmp(t->subtitle, "read") == 0 && t->nrows == 3 &&
	       lat_table_cell(t, 0, 0)->d == 2000.0 && lat_table_cell(t, 0, 2)->i == 1 &&
	       lat_table_cell(t, 1, 2)->i == 0 && lat_table_cell(t, 2, 2)->i == 2,
	   "freq read: 3 bins from 2 to 5 µs (2 | - | 4, 5: the max goes in the last)");
	ok(res.ntables == 4 && res.tables[0].nrows == 0,
	   "  one open (a single value): an empty table, as the peer (zero step)");
	done(&res);
	config.freq_resolution = 20;

	is_int(run(&lat_iousagetop_ops, &config, &res), 0, "iousagetop runs");
	ok(res.ntables == 11, "iousagetop: the peer's 11 usage tables");
	t = res.ntables == 11 ? &res.tables[0] : NULL;
	ok(t && strcmp(t->cls->name, "per-process-top") == 0 && t->nrows == 1 &&
	       lat_table_cell(t, 0, 1)->i == 110 && lat_table_cell(t, 0, 2)->i == 10 &&
	       lat_table_cell(t, 0, 3)->i == 0 && lat_table_cell(t, 0, 4)->i == 100,
	   "per-process read: 110 B = 10 B disk (the opened file) + 100 B unknown (fd 7)");
	t = res.ntables == 11 ? &res.tables[2] : NULL;
	ok(t && strcmp(t->cls->name, "per-file-top") == 0 && t->nrows == 2 &&
	       strcmp(lat_table_cell(t, 0, 0)->s, "unknown (app)") == 0 &&
	       lat_table_cell(t, 0, 1)->i == 100 &&
	       strcmp(lat_table_cell(t, 1, 0)->s, "/data/b") == 0 &&
	       strcmp(lat_table_cell(t, 1, 2)->s, "fd 4 in app (100) ") == 0,
	   "per-file read: generic names get the comm, largest first, fd owners");
	ok(res.ntables == 11 && res.tables[3].nrows == 0 && res.tables[4].nrows == 0 &&
	       res.tables[6].nrows == 0,
	   "no per-file write (the write's fd predates the period), no block I/O, no disk");
	t = res.ntables == 11 ? &res.tables[10] : NULL;
	ok(t && strcmp(t->subtitle, "sent") == 0 && t->nrows == 2 &&
	       strcmp(lat_table_cell(t, 0, 0)->s, "lo") == 0 &&
	       lat_table_cell(t, 1, 1)->i == 1500 && res.tables[9].nrows == 2 &&
	       lat_table_cell(&res.tables[9], 0, 1)->i == 60,
	   "network: bytes sent and received per interface, largest first");
	text = NULL;
	out = open_memstream(&text, &len);
	lat_iousagetop_ops.print_text(&res, &(struct lat_text_opts){.gmt = true}, out);
	fclose(out);
	ok(text && strstr(text, "Per-file I/O Read") && strstr(text, " 100   B unknown (app)\n") &&
	       strstr(text, "  10   B /data/b\n") &&
	       strstr(text, "app (unknown (tid=100))       10   B      0   B    100   B\n"),
	   "text: bar graphs with format_size values and the peer's labels");
	free(text);
	done(&res);

	config.has_minsize = true;
	config.minsize = 50;
	is_int(run(&lat_iolatencystats_ops, &config, &res), 0, "--minsize 50 runs");
	t = res.ntables ? &res.tables[0] : NULL;
	ok(t && t->nrows == 4 && lat_table_cell(t, 1, 1)->i == 2 && lat_table_cell(t, 0, 1)->i == 1,
	   "--minsize: the 10-byte read is out; failed and sizeless requests stay");
	done(&res);

	config.has_minsize = false;
	config.has_max = true;
	config.max_ns = 4000;
	is_int(run(&lat_iolatencystats_ops, &config, &res), 0, "--max 4 runs");
	t = res.ntables ? &res.tables[0] : NULL;
	ok(t && t->nrows == 4 && lat_table_cell(t, 1, 1)->i == 2 && lat_table_cell(t, 3, 1)->i == 0,
	   "--max 4 µs: the 5 µs read and the 6 µs fsync are out");
	done(&res);
	return tap_done_testing();
}
