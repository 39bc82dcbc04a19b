/* folded.c: folded stacks from samples and folded lines (exact lines), and the SVG flame graph
 * (well-formed XML with hostile names, widths, order). */
#include "outputs/flamegraph.h"
#include "outputs/folded.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *folded_text(struct lat_folded *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	lat_folded_finish(f);
	lat_folded_write(f, out);
	fclose(out);
	return buf;
}

static char *svg_text(const struct lat_folded *f, bool standalone)
{
	struct lat_flamegraph_opts opts = {.title = "t<&>", .standalone = standalone};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	ok(lat_flamegraph_svg(out, f, &opts) == 0, "flame graph written");
	fclose(out);
	return buf;
}

static void test_frames(void)
{
	static const char *const cases[][2] = {
	    {"vfs_read+0x397", "vfs_read"},
	    {"write+0x4f (libc.so.6)", "write"},
	    {"xfs_iread+0x1a [xfs]", "xfs_iread"},
	    {"0x7fe9b69d0ebf", "[unknown]"},
	    {"[unknown] (libfoo.so+0x12)", "[unknown]"},
	    {"operator+(int)+0x10 (app)", "operator+(int)"},
	    {"a;b+0x1", "a:b"},
	    {"ctl\nx", "ctl?x"},
	    {"", "[unknown]"},
	    {"plain", "plain"},
	    {"f+0xzz", "f+0xzz"},
	};
	char buf[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lat_folded_frame(buf, sizeof(buf), cases[i][0]);
		is_str(buf, cases[i][1], "frame %zu", i);
	}
}

static void test_samples(void)
{
	static const char *const ustack[] = {"leaf_u+0x1 (libc.so.6)", "main+0x20 (app)"};
	static const char *const kstack[] = {"schedule+0x10", "do_nanosleep+0x5 [mod]"};
	static const char *const unk[] = {"0x7fff1234"};
	static const char *const wk[] = {"try_to_wake_up+0x3b6", "hrtimer_wakeup+0x1e"};
	static const char *const wu[] = {"write+0x4f (libc.so.6)"};
	struct lat_folded f = {0};
	struct lat_folded_sample s[] = {
	    {.comm = "app",
	     .ustack = ustack,
	     .nustack = 2,
	     .kstack = kstack,
	     .nkstack = 2,
	     .value = 100},
	    {.comm = "app",
	     .ustack = ustack,
	     .nustack = 2,
	     .kstack = kstack,
	     .nkstack = 2,
	     .value = 50},
	    {.comm = "b;x", .kstack = kstack, .nkstack = 1, .value = 7},
	    {.comm = "", .value = 3},
	    {.comm = "u", .ustack = unk, .nustack = 1, .value = 2},
	};
	char *text;

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		ok(lat_folded_add_sample(&f, &s[i], 0) == 0, "sample %zu added", i);
	}
	text = folded_text(&f);
	is_str(text,
	       "[unknown] 3\n"
	       "app;main;leaf_u;-;do_nanosleep;schedule 150\n"
	       "b:x;schedule 7\n"
	       "u;[unknown] 2\n",
	       "offcputime -f --delimited lines, summed and sorted");
	is_int((int)f.total, 162, "total of the values");
	is_int((int)f.count, 4, "distinct stacks");
	free(text);
	lat_folded_fini(&f);

	/* the waker, as offwaketime -f: target;--;waker kernel leaf first;-;waker user;waker */
	struct lat_folded_sample w[] = {
	    {.comm = "t",
	     .kstack = kstack,
	     .nkstack = 1,
	     .waker = "wcomm",
	     .waker_kstack = wk,
	     .nwaker_kstack = 2,
	     .waker_ustack = wu,
	     .nwaker_ustack = 1,
	     .value = 5},
	    {.comm = "t",
	     .kstack = kstack,
	     .nkstack = 1,
	     .waker_context = "timer",
	     .waker_kstack = wk,
	     .nwaker_kstack = 2,
	     .value = 4},
	    {.comm = "t", .value = 1},
	};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		ok(lat_folded_add_sample(&f, &w[i], LAT_FOLDED_WAKER) == 0, "waker sample %zu", i);
	}
	text = folded_text(&f);
	is_str(text,
	       "t;--;[unknown] 1\n"
	       "t;schedule;--;try_to_wake_up;hrtimer_wakeup;-;write;wcomm 5\n"
	       "t;schedule;--;try_to_wake_up;hrtimer_wakeup;timer 4\n",
	       "offwaketime -f lines");
	free(text);
	lat_folded_fini(&f);
}

static void test_lines(void)
{
	static const char *const good[] = {"a;b 10", "a;b 5\n", "# comment",  "",
					   "   ",    "a 3.7",   "x y;z 2\r\n"};
	static const char *const bad[] = {"a;b",     "a;b x", "12",
					  "a;b 1.x", "a .5",  "a 99999999999999999999999"};
	struct lat_folded f = {0};
	char *text;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int ret = lat_folded_add_line(&f, good[i], strlen(good[i]));

		ok(ret == 0 || ret == 1, "good line %zu read (%d)", i, ret);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is_int(lat_folded_add_line(&f, bad[i], strlen(bad[i])), -EINVAL,
		       "line '%s' refused", bad[i]);
	}
	text = folded_text(&f);
	is_str(text, "a 3\na;b 15\nx y;z 2\n", "lines summed, decimals dropped");
	free(text);
	lat_folded_fini(&f);
}

static void test_svg(void)
{
	static const char *const lines[] = {"d 1", "a;c 1", "a;b 2"};
	static const char *const hostile[] = {
	    "<script>alert(1)</script>;a&b\"' 5", "bad\xff\xfeutf8;\xed\xa0\x80surrogate 3",
	    "ctl\x01x;]]>--> 2", "\xe2\x82\xac;\xf0\x9f\x94\xa5 1"};
	struct lat_folded f = {0};
	char *svg, *p;
	char path[] = "/tmp/latscope-folded-XXXXXX";
	int fd;

	for (size_t i = 0; i < 3; i++) {
		lat_folded_add_line(&f, lines[i], strlen(lines[i]));
	}
	lat_folded_finish(&f);
	svg = svg_text(&f, false);
	ok(strstr(svg, "data-points=\"5\" data-total=\"4\" data-hidden=\"0\""),
	   "5 frames (all, a, b, c, d), total 4");
	ok(strstr(svg, "data-n=\"a\"><title>a (3 samples, 75.00%)</title><rect x=\"10.000\" "
		       "y=\"[^\"]*\"") ||
	       strstr(svg, "data-n=\"a\"><title>a (3 samples, 75.00%)</title><rect x=\"10.000\""),
	   "a: title with value and share, at the left");
	p = strstr(svg, "data-n=\"a\"");
	ok(p && strstr(p, "width=\"885.000\""), "a is 3/4 of 1180 px wide");
	p = strstr(svg, "data-n=\"d\"");
	ok(p && strstr(p, "x=\"895.000\"") && strstr(p, "width=\"295.000\""),
	   "d follows a (sorted by name), 1/4 wide");
	p = strstr(svg, "data-n=\"b\"");
	ok(p && strstr(p, "x=\"10.000\"") && strstr(p, "width=\"590.000\""), "b left of c");
	p = strstr(svg, "data-n=\"c\"");
	ok(p && strstr(p, "x=\"600.000\"") && strstr(p, "width=\"295.000\""), "c after b");
	ok(strstr(svg, "data-n=\"a\"") < strstr(svg, "data-n=\"d\"") &&
	       strstr(svg, "data-n=\"d\"") < strstr(svg, "data-n=\"b\""),
	   "breadth first, by name");
	free(svg);
	lat_folded_fini(&f);

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		ok(lat_folded_add_line(&f, hostile[i], strlen(hostile[i])) == 0, "hostile line %zu",
		   i);
	}
	lat_folded_finish(&f);
	svg = svg_text(&f, true);
	ok(!strstr(svg, "<script") && strstr(svg, "&lt;script&gt;alert(1)&lt;/script&gt;"),
	   "< and > escaped");
	ok(strstr(svg, "a&amp;b&quot;&#39;"), "& and quotes escaped");
	ok(strstr(svg, "bad\xef\xbf\xbd\xef\xbf\xbdutf8"), "invalid bytes become U+FFFD");
	ok(!strstr(svg, "\xed\xa0\x80"), "no encoded surrogate");
	ok(strstr(svg, "ctl?x"), "control character replaced (folded)");
	ok(strstr(svg, "\xf0\x9f\x94\xa5"), "valid 4-byte UTF-8 kept");
	ok(strstr(svg, "t&lt;&amp;&gt;"), "title escaped");
	fd = mkstemp(path);
	if (fd >= 0) {
		FILE *out = fdopen(fd, "w");
		char cmd[512];

		fputs(svg, out);
		fclose(out);
		if (system("python3 -c 'import xml.dom.minidom' 2>/dev/null") == 0) {
			snprintf(cmd, sizeof(cmd),
				 "python3 -c 'import sys, xml.dom.minidom as m; "
				 "d = m.parse(sys.argv[1]); "
				 "sys.exit(0 if len(d.getElementsByTagName(\"rect\")) == 1 + 9 "
				 "else 3)' %s",
				 path);
			is_int(system(cmd), 0, "python3 xml.dom.minidom parses the SVG (9 frames)");
		} else {
			skip(1, "no python3");
		}
		unlink(path);
	}
	free(svg);
	lat_folded_fini(&f);

	/* empty: a root of 0 */
	svg = svg_text(&f, true);
	ok(strstr(svg, "data-points=\"1\" data-total=\"0\""), "an empty set draws the root");
	free(svg);
}

int main(void)
{
	test_frames();
	test_samples();
	test_lines();
	test_svg();
	return tap_done_testing();
}
