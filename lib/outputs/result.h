/* result.h: analysis results as plain tables of typed cells, shared by the text and LAMI outputs.
 */
#ifndef LATSCOPE_OUTPUTS_RESULT_H
#define LATSCOPE_OUTPUTS_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* LAMI 1.0 data classes (and the column class "mixed"). */
enum lat_cls {
	LAT_CLS_EMPTY = 0, /* a null cell */
	LAT_CLS_UNKNOWN,
	LAT_CLS_NUMBER,
	LAT_CLS_RATIO,
	LAT_CLS_TIMESTAMP,
	LAT_CLS_DURATION,
	LAT_CLS_SIZE,
	LAT_CLS_BITRATE,
	LAT_CLS_STRING,
	LAT_CLS_BOOL,
	LAT_CLS_TIME_RANGE,
	LAT_CLS_SYSCALL,
	LAT_CLS_PROCESS,
	LAT_CLS_PATH,
	LAT_CLS_FD,
	LAT_CLS_IRQ,
	LAT_CLS_CPU,
	LAT_CLS_DISK,
	LAT_CLS_PART,
	LAT_CLS_NETIF,
	LAT_CLS_MIXED,
};

/* The LAMI name of a class ("number", "time-range"...). */
const char *lat_cls_name(enum lat_cls cls);

struct lat_column_class {
	const char *key; /* the peer's row attribute name */
	const char *title;
	enum lat_cls cls;
	const char *unit; /* numbers only, or NULL */
};

struct lat_table_class {
	const char *name;
	const char *title;
	const struct lat_column_class *columns;
	size_t ncolumns;
};

/*
 * One cell. Numbers are integers unless is_float. Which members are used depends on cls:
 * number-like: i or d; string/syscall/path/disk/part/netif: s; process: s (name), pid, tid with
 * has_* flags; cpu/fd: i; irq: i (nr), s (name), flag (hard); bool: flag; time-range: i..i2.
 */
struct lat_cell {
	uint8_t cls;
	bool is_float;
	bool flag;
	bool has_name, has_pid, has_tid;
	int64_t i, i2;
	double d;
	int32_t pid, tid;
	const char *s;
};

/*
 * A table says what it is as data: printers pick tables by role, group, parent and subject, and
 * rows by their ref, never by reading the subtitle (text for people, and LAMI's title) back.
 * lat_result_add_table() sets role 0 and the indexes to -1; the analysis sets what applies.
 */
struct lat_table {
	const struct lat_table_class *cls;
	const char *subtitle; /* or NULL; LAMI prints the class inline as "Title [subtitle]" */
	int64_t begin, end;
	int role;       /* which of its analysis' tables (the analysis' enum), 0: the class tells */
	int32_t group;  /* the group it is of (periods: --group-by's, in order), -1: all */
	int32_t parent; /* what it counts per (periods: the parent period's definition), -1 */
	int32_t subject; /* what it describes (periods: a period's definition), -1 */
	size_t nrows, cap;
	struct lat_cell *cells; /* nrows * cls->ncolumns */
	int64_t *row_refs;      /* NULL, or what each row was made from (periods: a record), -1 */
};

struct lat_result {
	struct lat_table *tables;
	size_t ntables, cap;
	char **strings; /* owned copies */
	size_t nstrings, strings_cap;
};

void lat_result_init(struct lat_result *res);
void lat_result_fini(struct lat_result *res);

/* Adds an empty table; returns it or NULL (no memory). subtitle is copied. */
struct lat_table *lat_result_add_table(struct lat_result *res, const struct lat_table_class *cls,
				       int64_t begin, int64_t end, const char *subtitle);

/* Appends a zeroed row; returns its first cell or NULL. */
struct lat_cell *lat_table_add_row(struct lat_table *table);

/* Says what the last row was made from (the analysis' index): 0, -EINVAL (no row), -ENOMEM. */
int lat_table_set_row_ref(struct lat_table *table, int64_t ref);
/* What a row was made from, -1 if the analysis did not say. */
static inline int64_t lat_table_row_ref(const struct lat_table *table, size_t row)
{
	return table->row_refs && row < table->nrows ? table->row_refs[row] : -1;
}

/* The cell at (row, col). */
static inline const struct lat_cell *lat_table_cell(const struct lat_table *table, size_t row,
						    size_t col)
{
	return &table->cells[row * table->cls->ncolumns + col];
}

/* Copies a string into the result; returns the copy (or "" when out of memory). */
const char *lat_result_strdup(struct lat_result *res, const char *text);

/* Cell makers. */
struct lat_cell lat_cell_int(enum lat_cls cls, int64_t value);
struct lat_cell lat_cell_float(enum lat_cls cls, double value);
struct lat_cell lat_cell_str(enum lat_cls cls, const char *text); /* text must outlive the result */
struct lat_cell lat_cell_process(const char *name, bool has_pid, int32_t pid, bool has_tid,
				 int32_t tid);
struct lat_cell lat_cell_unknown(void);

#endif /* LATSCOPE_OUTPUTS_RESULT_H */
