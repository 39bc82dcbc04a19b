/* analyze_table.c: text output helpers in lttng-analyses' formats (bar graphs, numbers). */
#include <stdlib.h>

#include "outputs/result.h"
#include "outputs/text.h"
#include "tap.h"

static char *capture(void (*fn)(FILE *, void *), void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	fn(out, arg);
	fclose(out);
	return text;
}

static void memtop_graph(FILE *out, void *arg)
{
	const struct lat_bar bars[] = {
	    {174, false, "lttng-consumerd (496)"},
	    {3, false, "weston (338)"},
	    {2, false, "lttng (509)"},
	};

	lat_text_bar_graph(out, "Per-TID Memory Allocations", "pages", "Process", bars, 3);
}

static void empty_graph(FILE *out, void *arg)
{
	lat_text_bar_graph(out, "Per-CPU Usage", "%", NULL, NULL, 0);
}

static void cpu_graph(FILE *out, void *arg)
{
	const struct lat_bar bars[] = {{7.30, true, "CPU 0"}, {11.62, true, "CPU 1"}};

	lat_text_bar_graph(out, "Per-CPU Usage", "%", NULL, bars, 2);
}

static char *repeat(const char *unit, int n)
{
	size_t len = strlen(unit);
	char *s = calloc(n * len + 1, 1);

	for (int i = 0; i < n; i++) {
		memcpy(s + i * len, unit, len);
	}
	return s;
}

int main(void)
{
	char buf[64], expected[2048];
	char *text, *full, *hashes = repeat("#", 80);

	lat_format_round3(buf, sizeof(buf), 0.0);
	is_str(buf, "0.0", "round3: zero keeps one decimal");
	lat_format_round3(buf, sizeof(buf), 0.63);
	is_str(buf, "0.63", "round3: trailing zeros dropped");
	lat_format_round3(buf, sizeof(buf), 435.096);
	is_str(buf, "435.096", "round3: three decimals");
	lat_format_round3(buf, sizeof(buf), 1745.2873485868101 / 1000);
	is_str(buf, "1.745", "round3: rounded");
	lat_format_round3(buf, sizeof(buf), 2.0);
	is_str(buf, "2.0", "round3: integral value");

	text = capture(memtop_graph, NULL);
	full = repeat("\xe2\x96\x88", 80);
	char *one = repeat("\xe2\x96\x88", 1);
	snprintf(expected, sizeof(expected),
		 "Per-TID Memory Allocations%*sProcess\n%s\n%s 174 pages lttng-consumerd (496)\n"
		 "%s%79s   3 pages weston (338)\n%80s   2 pages lttng (509)\n\n",
		 80 - 26 + 1 + 9 + 1, "", hashes, full, one, "", "");
	is_str(text, expected, "bar graph: header, separator, bars scaled to the largest, padding");
	free(text);

	text = capture(empty_graph, NULL);
	is_str(text, "", "bar graph: nothing at all without data");
	free(text);

	text = capture(cpu_graph, NULL);
	ok(strstr(text, "Per-CPU Usage\n") == text, "bar graph without label header: title alone");
	ok(strstr(text, "  7.30 % CPU 0\n") != NULL, "float values: two decimals, right-aligned");
	ok(strstr(text, " 11.62 % CPU 1\n") != NULL, "  the widest one");
	free(text);

	struct lat_result res;
	static const struct lat_column_class cols[] = {
	    {"process", "Process", LAT_CLS_PROCESS, NULL},
	    {"pages", "Pages", LAT_CLS_NUMBER, "pages"},
	};
	static const struct lat_table_class cls = {"t", "T", cols, 2};
	struct lat_table *table;
	struct lat_cell *row;

	lat_result_init(&res);
	table = lat_result_add_table(&res, &cls, 1, 2, "sub");
	for (int i = 0; i < 100; i++) {
		row = lat_table_add_row(table);
		row[0] = lat_cell_process(lat_result_strdup(&res, "bash"), false, 0, true, i);
		row[1] = lat_cell_int(LAT_CLS_NUMBER, i * 2);
	}
	is_int(table->nrows, 100, "result table grows");
	is_int(lat_table_cell(table, 99, 1)->i, 198, "  cells kept");
	is_str(lat_table_cell(table, 42, 0)->s, "bash", "  strings copied");
	is_str(table->subtitle, "sub", "  subtitle copied");
	is_str(lat_cls_name(LAT_CLS_TIME_RANGE), "time-range", "LAMI class names");
	ok(table->role == 0 && table->group == -1 && table->parent == -1 && table->subject == -1,
	   "a new table: no role, group, parent nor subject");
	is_int(lat_table_row_ref(table, 5), -1, "  rows without refs until the analysis sets some");
	table = lat_result_add_table(&res, &cls, 1, 2, NULL);
	for (int i = 0; i < 40; i++) {
		lat_table_add_row(table);
		if (i % 3 == 0) {
			lat_table_set_row_ref(table, 1000 + i);
		}
	}
	is_int(lat_table_row_ref(table, 39), 1039, "row refs kept as the table grows");
	is_int(lat_table_row_ref(table, 38), -1, "  a row without one: -1");
	is_int(lat_table_row_ref(table, 40), -1, "  past the last row: -1");
	lat_result_fini(&res);

	free(full);
	free(one);
	free(hashes);
	return tap_done_testing();
}
