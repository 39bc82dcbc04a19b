/* period_expr.c: libFuzzer target for the period expression parser and evaluator.
 * `make fuzz-period` runs it for FUZZ_TIME seconds; tests/cli/period_fuzz.t for about 10 s. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/period_expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Values of every kind, chosen by field id, so that every comparison path runs. */
static int get(void *user, const struct lat_pref *ref, struct lat_pval *out)
{
	static const char *const strings[] = {"apache2", "", "syscall_entry_open", "a*b?[c]"};
	unsigned k = (ref->id * 7u + ref->event) % 6u;

	(void)user;
	switch (k) {
	case 0:
		out->kind = LAT_PVAL_SINT, out->i = -(int64_t)ref->id;
		break;
	case 1:
		out->kind = LAT_PVAL_UINT, out->u = UINT64_MAX - ref->id;
		break;
	case 2:
		out->kind = LAT_PVAL_FLOAT, out->d = ref->id * 0.5;
		break;
	case 3:
	case 4:
		out->kind = LAT_PVAL_STR, out->s = strings[ref->id % 4];
		break;
	default:
		out->kind = LAT_PVAL_MISSING;
		break;
	}
	return 0;
}

static void check_error(const char *text, const struct lat_perr *err)
{
	/* an error points inside the text (or just past its end) and says something */
	if (err->column < 1 || (size_t)err->column > strlen(text) + 1 || !err->message[0]) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), buf[4096];
	struct lat_pfields fields = {0};
	struct lat_period_def_ast def;
	struct lat_period_captures_ast caps;
	struct lat_pexpr *expr;
	struct lat_perr err;
	int ret;

	if (!text) {
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	ret = lat_period_def_parse(text, &fields, &def, &err);
	if (ret == 0) {
		lat_pexpr_format(def.begin, &fields, buf, sizeof(buf));
		lat_pexpr_format(def.end, &fields, buf, sizeof(buf));
		(void)lat_pexpr_eval(def.begin, &fields, get, NULL);
		(void)lat_pexpr_eval(def.end, &fields, get, NULL);
		lat_period_def_ast_fini(&def);
	} else if (ret == -22) {
		check_error(text, &err);
	}
	ret = lat_period_captures_parse(text, &fields, &caps, &err);
	if (ret == 0) {
		for (size_t i = 0; i < caps.nbegin; i++) {
			lat_pref_format(&caps.begin[i].ref, &fields, buf, sizeof(buf));
		}
		lat_period_captures_ast_fini(&caps);
	} else if (ret == -22) {
		check_error(text, &err);
	}
	ret = lat_pexpr_parse(text, &fields, &expr, &err);
	if (ret == 0) {
		(void)lat_pexpr_eval(expr, &fields, get, NULL);
		lat_pexpr_free(expr);
	} else if (ret == -22) {
		check_error(text, &err);
	}
	lat_pfields_fini(&fields);
	free(text);
	return 0;
}
