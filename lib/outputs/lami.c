/* lami.c: LAMI 1.0 JSON, byte for byte as lttng-analyses' `lttng-NAME-mi` prints it. */
#include "outputs/lami.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

void lat_json_string(FILE *out, const char *text)
{
	lat_json_write_string(out, text, LAT_JSON_ASCII);
}

void lat_json_double(char *buf, size_t len, double value)
{
	char digits[40], *e;
	int precision, exponent, ndigits;
	char mantissa[32];
	bool negative;

	if (isnan(value)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(value)) {
		snprintf(buf, len, value > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (value == 0) {
		snprintf(buf, len, signbit(value) ? "-0.0" : "0.0");
		return;
	}
	/* shortest round-tripping digits */
	for (precision = 1; precision <= 17; precision++) {
		snprintf(digits, sizeof(digits), "%.*e", precision - 1, value);
		if (strtod(digits, NULL) == value) {
			break;
		}
	}
	negative = digits[0] == '-';
	e = strchr(digits, 'e');
	exponent = atoi(e + 1);
	ndigits = 0;
	for (char *p = digits + negative; p < e; p++) {
		if (*p != '.') {
			mantissa[ndigits++] = *p;
		}
	}
	while (ndigits > 1 && mantissa[ndigits - 1] == '0') {
		ndigits--;
	}
	mantissa[ndigits] = '\0';

	size_t n = 0;
	if (negative) {
		buf[n++] = '-';
	}
	if (exponent < -4 || exponent >= 16) {
		/* d[.ddd]e[+-]XX */
		n += snprintf(buf + n, len - n, "%c", mantissa[0]);
		if (ndigits > 1) {
			n += snprintf(buf + n, len - n, ".%s", mantissa + 1);
		}
		snprintf(buf + n, len - n, "e%c%02d", exponent < 0 ? '-' : '+', abs(exponent));
	} else if (exponent < 0) {
		n += snprintf(buf + n, len - n, "0.");
		for (int i = -1; i > exponent; i--) {
			buf[n++] = '0';
		}
		snprintf(buf + n, len - n, "%s", mantissa);
	} else {
		for (int i = 0; i <= exponent; i++) {
			buf[n++] = i < ndigits ? mantissa[i] : '0';
		}
		buf[n++] = '.';
		if (ndigits > exponent + 1) {
			snprintf(buf + n, len - n, "%s", mantissa + exponent + 1);
		} else {
			snprintf(buf + n, len - n, "0");
		}
	}
}

static void print_number_value(FILE *out, const struct lat_cell *cell)
{
	if (cell->is_float) {
		char buf[64];

		lat_json_double(buf, sizeof(buf), cell->d);
		fputs(buf, out);
	} else {
		fprintf(out, "%" PRId64, cell->i);
	}
}

static void print_cell(FILE *out, const struct lat_cell *cell)
{
	const char *name = lat_cls_name(cell->cls);

	if (cell->cls == LAT_CLS_EMPTY) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"class\": \"%s\"", name);
	switch (cell->cls) {
	case LAT_CLS_NUMBER:
	case LAT_CLS_RATIO:
	case LAT_CLS_TIMESTAMP:
	case LAT_CLS_DURATION:
	case LAT_CLS_SIZE:
	case LAT_CLS_BITRATE:
		fputs(", \"value\": ", out);
		print_number_value(out, cell);
		break;
	case LAT_CLS_STRING:
		fputs(", \"value\": ", out);
		lat_json_string(out, cell->s);
		break;
	case LAT_CLS_BOOL:
		/* i < 0: Python's None (the peer's `a and b or c and d` predicates) */
		fprintf(out, ", \"value\": %s",
			cell->i < 0  ? "null"
			: cell->flag ? "true"
				     : "false");
		break;
	case LAT_CLS_TIME_RANGE:
		fprintf(out,
			", \"begin\": {\"class\": \"timestamp\", \"value\": %" PRId64
			"}, \"end\": {\"class\": \"timestamp\", \"value\": %" PRId64 "}",
			cell->i, cell->i2);
		break;
	case LAT_CLS_SYSCALL:
	case LAT_CLS_DISK:
	case LAT_CLS_PART:
	case LAT_CLS_NETIF:
		fputs(", \"name\": ", out);
		lat_json_string(out, cell->s);
		break;
	case LAT_CLS_PROCESS:
		if (cell->has_name) {
			fputs(", \"name\": ", out);
			lat_json_string(out, cell->s);
		}
		if (cell->has_pid) {
			fprintf(out, ", \"pid\": %" PRId32, cell->pid);
		}
		if (cell->has_tid) {
			fprintf(out, ", \"tid\": %" PRId32, cell->tid);
		}
		break;
	case LAT_CLS_PATH:
		fputs(", \"path\": ", out);
		lat_json_string(out, cell->s);
		break;
	case LAT_CLS_FD:
		fprintf(out, ", \"fd\": %" PRId64, cell->i);
		break;
	case LAT_CLS_IRQ:
		fprintf(out, ", \"hard\": %s, \"nr\": %" PRId64, cell->flag ? "true" : "false",
			cell->i);
		if (cell->has_name) {
			fputs(", \"name\": ", out);
			lat_json_string(out, cell->s);
		}
		break;
	case LAT_CLS_CPU:
		fprintf(out, ", \"id\": %" PRId64, cell->i);
		break;
	default:
		break;
	}
	fputc('}', out);
}

static void print_table_class(FILE *out, const struct lat_table_class *cls)
{
	fputs("{\"title\": ", out);
	lat_json_string(out, cls->title);
	if (cls->ncolumns) {
		fputs(", \"column-descriptions\": [", out);
		for (size_t c = 0; c < cls->ncolumns; c++) {
			const struct lat_column_class *col = &cls->columns[c];

			fputs(c ? ", {\"title\": " : "{\"title\": ", out);
			lat_json_string(out, col->title);
			fprintf(out, ", \"class\": \"%s\"", lat_cls_name(col->cls));
			if (col->unit) {
				fputs(", \"unit\": ", out);
				lat_json_string(out, col->unit);
			}
			fputc('}', out);
		}
		fputc(']', out);
	}
	fputc('}', out);
}

void lat_lami_print_metadata(FILE *out, const struct lat_lami_meta *meta)
{
	int major = 0, minor = 0, patch = 0;
	char extra[32] = "";

	sscanf(LATSCOPE_VERSION, "%d.%d.%d%31s", &major, &minor, &patch, extra);
	fprintf(out,
		"{\"mi-version\": {\"major\": 1, \"minor\": 0}, \"version\": {\"major\": %d, "
		"\"minor\": %d, \"patch\": %d, \"extra\": ",
		major, minor, patch);
	lat_json_string(out, extra);
	fputs("}, \"title\": ", out);
	lat_json_string(out, meta->title);
	fputs(", \"description\": ", out);
	lat_json_string(out, meta->description);
	fputs(", \"authors\": [\"The latscope developers\"], \"tags\": [\"linux-kernel\", "
	      "\"lttng-analyses\"",
	      out);
	for (size_t i = 0; meta->tags && meta->tags[i]; i++) {
		fputs(", ", out);
		lat_json_string(out, meta->tags[i]);
	}
	fputs("], \"table-classes\": {", out);
	for (size_t i = 0; i < meta->nclasses; i++) {
		if (i) {
			fputs(", ", out);
		}
		lat_json_string(out, meta->classes[i]->name);
		fputs(": ", out);
		print_table_class(out, meta->classes[i]);
	}
	fputs("}}\n", out);
}

void lat_lami_print_results(FILE *out, const struct lat_result *res)
{
	bool first = true;

	fputs("{\"results\": [", out);
	for (size_t t = 0; t < res->ntables; t++) {
		const struct lat_table *table = &res->tables[t];
		size_t ncols = table->cls->ncolumns;

		if (table->nrows == 0) {
			continue;
		}
		fputs(first ? "{\"class\": " : ", {\"class\": ", out);
		first = false;
		if (table->subtitle) {
			char title[1024];

			snprintf(title, sizeof(title), "%s [%s]", table->cls->title,
				 table->subtitle);
			fputs("{\"inherit\": ", out);
			lat_json_string(out, table->cls->name);
			fputs(", \"title\": ", out);
			lat_json_string(out, title);
			fputc('}', out);
		} else if (!table->cls->name) { /* a class of its own (--freq-series) */
			print_table_class(out, table->cls);
		} else {
			lat_json_string(out, table->cls->name);
		}
		fprintf(out,
			", \"time-range\": {\"class\": \"time-range\", \"begin\": {\"class\": "
			"\"timestamp\", \"value\": %" PRId64
			"}, \"end\": {\"class\": \"timestamp\", \"value\": %" PRId64
			"}}, \"data\": [",
			table->begin, table->end);
		for (size_t r = 0; r < table->nrows; r++) {
			fputs(r ? ", [" : "[", out);
			for (size_t c = 0; c < ncols; c++) {
				if (c) {
					fputs(", ", out);
				}
				print_cell(out, lat_table_cell(table, r, c));
			}
			fputc(']', out);
		}
		fputs("]}", out);
	}
	fputs("]}\n", out);
}

void lat_lami_print_error(FILE *out, const char *message)
{
	fputs("{\"error-message\": ", out);
	lat_json_string(out, message);
	fputs("}\n", out);
}

void lat_lami_print_progress(FILE *out, double at, const char *message)
{
	if (at < 0) {
		fputc('*', out);
	} else {
		char buf[64];

		/* the peer prints round(x, 4) as a Python number: 0 and 1 as ints */
		if (at == 0 || at == 1) {
			snprintf(buf, sizeof(buf), "%d", (int)at);
		} else {
			lat_json_double(buf, sizeof(buf), round(at * 10000) / 10000);
		}
		fputs(buf, out);
	}
	if (message) {
		fprintf(out, " %s", message);
	}
	fputc('\n', out);
	fflush(out);
}
