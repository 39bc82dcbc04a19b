/* result.c: result tables (the plain structs analyses hand back) and their cells. */
#include "outputs/result.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const cls_names[] = {
    [LAT_CLS_EMPTY] = "empty",
    [LAT_CLS_UNKNOWN] = "unknown",
    [LAT_CLS_NUMBER] = "number",
    [LAT_CLS_RATIO] = "ratio",
    [LAT_CLS_TIMESTAMP] = "timestamp",
    [LAT_CLS_DURATION] = "duration",
    [LAT_CLS_SIZE] = "size",
    [LAT_CLS_BITRATE] = "bitrate",
    [LAT_CLS_STRING] = "string",
    [LAT_CLS_BOOL] = "bool",
    [LAT_CLS_TIME_RANGE] = "time-range",
    [LAT_CLS_SYSCALL] = "syscall",
    [LAT_CLS_PROCESS] = "process",
    [LAT_CLS_PATH] = "path",
    [LAT_CLS_FD] = "fd",
    [LAT_CLS_IRQ] = "irq",
    [LAT_CLS_CPU] = "cpu",
    [LAT_CLS_DISK] = "disk",
    [LAT_CLS_PART] = "part",
    [LAT_CLS_NETIF] = "netif",
    [LAT_CLS_MIXED] = "mixed",
};

const char *lat_cls_name(enum lat_cls cls)
{
	if ((size_t)cls >= sizeof(cls_names) / sizeof(cls_names[0]) || !cls_names[cls]) {
		return "mixed";
	}
	return cls_names[cls];
}

void lat_result_init(struct lat_result *res)
{
	memset(res, 0, sizeof(*res));
}

void lat_result_fini(struct lat_result *res)
{
	for (size_t i = 0; i < res->ntables; i++) {
		free(res->tables[i].cells);
		free(res->tables[i].row_refs);
	}
	for (size_t i = 0; i < res->nstrings; i++) {
		free(res->strings[i]);
	}
	free(res->tables);
	free(res->strings);
	memset(res, 0, sizeof(*res));
}

const char *lat_result_strdup(struct lat_result *res, const char *text)
{
	char *copy;

	if (!text) {
		return "";
	}
	if (res->nstrings == res->strings_cap) {
		size_t cap = res->strings_cap ? res->strings_cap * 2 : 64;
		char **strings = realloc(res->strings, cap * sizeof(*strings));

		if (!strings) {
			return "";
		}
		res->strings = strings;
		res->strings_cap = cap;
	}
	copy = strdup(text);
	if (!copy) {
		return "";
	}
	res->strings[res->nstrings++] = copy;
	return copy;
}

struct lat_table *lat_result_add_table(struct lat_result *res, const struct lat_table_class *cls,
				       int64_t begin, int64_t end, const char *subtitle)
{
	struct lat_table *table;

	if (res->ntables == res->cap) {
		size_t cap = res->cap ? res->cap * 2 : 8;
		struct lat_table *tables = realloc(res->tables, cap * sizeof(*tables));

		if (!tables) {
			return NULL;
		}
		res->tables = tables;
		res->cap = cap;
	}
	table = &res->tables[res->ntables++];
	memset(table, 0, sizeof(*table));
	table->cls = cls;
	table->begin = begin;
	table->end = end;
	table->group = table->parent = table->subject = -1;
	table->subtitle = subtitle ? lat_result_strdup(res, subtitle) : NULL;
	return table;
}

struct lat_cell *lat_table_add_row(struct lat_table *table)
{
	size_t ncols = table->cls->ncolumns;
	struct lat_cell *row;

	if (table->nrows == table->cap) {
		size_t cap = table->cap ? table->cap * 2 : 16;
		struct lat_cell *cells = realloc(table->cells, cap * ncols * sizeof(*cells));

		if (!cells) {
			return NULL;
		}
		table->cells = cells;
		if (table->row_refs) {
			int64_t *refs = realloc(table->row_refs, cap * sizeof(*refs));

			if (!refs) {
				return NULL;
			}
			table->row_refs = refs;
		}
		table->cap = cap;
	}
	row = &table->cells[table->nrows * ncols];
	memset(row, 0, ncols * sizeof(*row));
	if (table->row_refs) {
		table->row_refs[table->nrows] = -1;
	}
	table->nrows++;
	return row;
}

int lat_table_set_row_ref(struct lat_table *table, int64_t ref)
{
	if (!table->nrows) {
		return -EINVAL;
	}
	if (!table->row_refs) {
		/* made on the first ref, as large as the cells: add_row grows both from then on */
		table->row_refs = malloc(table->cap * sizeof(*table->row_refs));
		if (!table->row_refs) {
			return -ENOMEM;
		}
		for (size_t i = 0; i < table->nrows; i++) {
			table->row_refs[i] = -1;
		}
	}
	table->row_refs[table->nrows - 1] = ref;
	return 0;
}

struct lat_cell lat_cell_int(enum lat_cls cls, int64_t value)
{
	return (struct lat_cell){.cls = cls, .i = value};
}

struct lat_cell lat_cell_float(enum lat_cls cls, double value)
{
	return (struct lat_cell){.cls = cls, .is_float = true, .d = value};
}

struct lat_cell lat_cell_str(enum lat_cls cls, const char *text)
{
	return (struct lat_cell){.cls = cls, .s = text, .has_name = true};
}

struct lat_cell lat_cell_process(const char *name, bool has_pid, int32_t pid, bool has_tid,
				 int32_t tid)
{
	return (struct lat_cell){.cls = LAT_CLS_PROCESS,
				 .s = name,
				 .has_name = name != NULL,
				 .has_pid = has_pid,
				 .pid = pid,
				 .has_tid = has_tid,
				 .tid = tid};
}

struct lat_cell lat_cell_unknown(void)
{
	return (struct lat_cell){.cls = LAT_CLS_UNKNOWN};
}
