/* periods.c: the period engine (core/period.py PeriodEngine) and the period* views
 * (cli/periods.py): log, top, stats, freq, as text and LAMI tables. */
#include "analyses/periods.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sources/ctf_fields.h"

struct pdef {
	char *name; /* NULL: unnamed ("") */
	char *path; /* "root/child" (the peer's full period path) */
	int parent; /* definition index, -1 */
	struct lat_pexpr *begin, *end;
	bool end_is_begin;
	struct lat_pcapture *bcaps, *ecaps;
	size_t nbcaps, necaps;
	int *children;
	size_t nchildren;
	/* stats: the durations of completed instances, in completion order */
	int64_t *durations;
	uint32_t *records; /* their record indexes */
	uint32_t ndurations, durations_cap;
	bool seen; /* an instance began (the peer creates its stats then) */
};

struct pinst {
	uint32_t def;
	uint32_t record;
	struct pinst *parent;
	struct pinst **kids;
	uint32_t nkids, kids_cap;
	struct lat_pval *snap; /* the begin event's fields read through $begin/$parent.$begin */
};

struct lat_periods {
	struct lat_periods_options opts;
	struct lat_pfields fields;
	struct lat_ctf_fields *cf;
	struct pdef *defs;
	size_t ndefs;
	int *roots; /* root definitions, in definition order */
	size_t nroots;
	struct lat_period_captures_ast *caps; /* --period-captures, by period name */
	size_t ncaps;
	int32_t *snap_slot; /* field id -> snapshot slot, -1 */
	uint32_t nsnap;
	uint32_t *snap_ids; /* slot -> field id */
	struct pinst **open_roots;
	uint32_t nopen_roots, open_roots_cap;
	struct lat_period_record *records;
	uint32_t nrecords, records_cap;
	uint64_t completed;
	int64_t first_ts, last_ts;
	bool have_first, started, ended;
	lat_period_end_fn end_fn;
	void *end_user;
	lat_period_instance_fn inst_fn; /* every begin and end (complete or not) */
	void *inst_user;
	lat_periods_field_fn field_fn;
	void *field_user;
	struct lat_result text_extra; /* text-only tables: the groups' per-period statistics */
	struct lat_result text_agg;   /* text-only: the aggregated log (--select, --aggregate-by) */
	char *agg_by;                 /* --aggregate-by, its last path component */
	char **sel;                   /* --select, each name's last path component */
	uint32_t nsel;
	char **group_keys; /* --group-by groups, in the peer's order */
	uint32_t ngroup_keys;
	/* --freq-uniform: the peer's running bounds per category (see uni_update) */
	struct uni_cat {
		bool has_min, has_max;
		double min, max;
	} uni[7];
	/* --freq-series: the table classes of the series tables (made by the results) */
	struct lat_table_class *series_cls;
	struct lat_column_class **series_cols;
	uint32_t nseries;
	int status;
};

/* --- small helpers --------------------------------------------------------------------------- */

static int grow(void **v, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t ncap;
	void *n;

	if (need <= *cap) {
		return 0;
	}
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need) {
		ncap *= 2;
	}
	n = realloc(*v, (size_t)ncap * elem);
	if (!n) {
		return -ENOMEM;
	}
	*v = n;
	*cap = ncap;
	return 0;
}

static void set_err(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static int find_def(const struct lat_periods *p, const char *name)
{
	for (size_t i = 0; i < p->ndefs; i++) {
		if (p->defs[i].name && strcmp(p->defs[i].name, name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

static void mark_snap(const struct lat_pref *ref, void *user)
{
	struct lat_periods *p = user;

	if (ref->event != LAT_PEV_EVT && p->snap_slot[ref->id] < 0) {
		p->snap_slot[ref->id] = (int32_t)p->nsnap;
		p->snap_ids[p->nsnap++] = ref->id;
	}
}

/* --- creation ----------------------------------------------------------------------------------
 */

static int add_def(struct lat_periods *p, const char *text, char *err, size_t err_len)
{
	struct lat_period_def_ast ast;
	struct lat_perr perr;
	struct pdef *d;
	int ret = lat_period_def_parse(text, &p->fields, &ast, &perr);

	if (ret == -ENOMEM) {
		return ret;
	}
	if (ret) {
		set_err(err, err_len, "--period: column %d: %s", perr.column, perr.message);
		return ret;
	}
	if (ast.name && find_def(p, ast.name) >= 0) {
		set_err(err, err_len, "--period: Cannot redefine period \"%s\"", ast.name);
		lat_period_def_ast_fini(&ast);
		return -EINVAL;
	}
	int parent = -1;
	if (ast.parent) {
		parent = find_def(p, ast.parent);
		if (parent < 0) {
			set_err(err, err_len,
				"--period: column %d: Cannot find parent period named \"%s\" (as "
				"parent of period \"%s\"): define the parent first",
				ast.parent_column, ast.parent, ast.name);
			lat_period_def_ast_fini(&ast);
			return -EINVAL;
		}
	}
	d = &p->defs[p->ndefs];
	memset(d, 0, sizeof(*d));
	d->name = ast.name;
	d->parent = parent;
	d->begin = ast.begin;
	d->end = ast.end;
	d->end_is_begin = ast.end == ast.begin;
	free(ast.parent);
	if (parent >= 0) {
		const char *pp = p->defs[parent].path;
		size_t len = strlen(pp) + strlen(d->name) + 2;

		d->path = malloc(len);
		if (d->path) {
			snprintf(d->path, len, "%s/%s", pp, d->name);
		}
	} else {
		d->path = strdup(d->name ? d->name : "");
	}
	if (!d->path) {
		return -ENOMEM;
	}
	p->ndefs++;
	if (parent >= 0) {
		struct pdef *pd = &p->defs[parent];
		int *c = realloc(pd->children, (pd->nchildren + 1) * sizeof(*c));

		if (!c) {
			return -ENOMEM;
		}
		pd->children = c;
		pd->children[pd->nchildren++] = (int)(p->ndefs - 1);
	} else {
		p->roots[p->nroots++] = (int)(p->ndefs - 1);
	}
	return 0;
}

/* _cleanup_period_name(): "a/b" -> "b" (and strip()ped for --select). */
static char *clean_name(const char *s, size_t len)
{
	const char *slash = memrchr(s, '/', len);
	size_t a, b;

	if (slash) {
		len -= (size_t)(slash + 1 - s);
		s = slash + 1;
	}
	for (a = 0; a < len && (s[a] == ' ' || s[a] == '\t'); a++) {
	}
	for (b = len; b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'); b--) {
	}
	return strndup(s + a, b - a);
}

static int clean_names(struct lat_periods *p)
{
	const char *s = p->opts.select;

	if (p->opts.aggregate_by) {
		p->agg_by = clean_name(p->opts.aggregate_by, strlen(p->opts.aggregate_by));
		if (!p->agg_by) {
			return -ENOMEM;
		}
	}
	while (s) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		char **v = realloc(p->sel, (p->nsel + 1) * sizeof(*v));

		if (!v) {
			return -ENOMEM;
		}
		p->sel = v;
		p->sel[p->nsel] = clean_name(s, len);
		if (!p->sel[p->nsel]) {
			return -ENOMEM;
		}
		p->nsel++;
		s = end ? end + 1 : NULL;
	}
	return 0;
}

/* The --period names, "a, b" (for the errors naming an unknown one). */
static void def_names(const struct lat_periods *p, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->ndefs && used < len; i++) {
		if (p->defs[i].name) {
			int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
					 p->defs[i].name);

			used += n > 0 ? (size_t)n : 0;
		}
	}
	if (!buf[0]) {
		snprintf(buf, len, "none");
	}
}

static bool has_capture(const struct pdef *d, const char *name, size_t len)
{
	for (size_t j = 0; j < d->nbcaps + d->necaps; j++) {
		const struct lat_pcapture *c =
		    j < d->nbcaps ? &d->bcaps[j] : &d->ecaps[j - d->nbcaps];

		if (strlen(c->name) == len && strncmp(c->name, name, len) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * Every name the options give must exist: the periods of --period-captures, --aggregate-by and
 * --select, and the PERIOD.CAPTURE items of --group-by. 0 or -EINVAL with err filled.
 */
static int check_names(struct lat_periods *p, char *err, size_t err_len)
{
	char names[512];
	const char *s = p->opts.group_by && *p->opts.group_by ? p->opts.group_by : NULL;

	def_names(p, names, sizeof(names));
	for (size_t i = 0; i < p->ncaps; i++) {
		if (find_def(p, p->caps[i].name) < 0) {
			set_err(err, err_len,
				"--period-captures: unknown period \"%s\" (the --period names: %s)",
				p->caps[i].name, names);
			return -EINVAL;
		}
	}
	if (p->agg_by && find_def(p, p->agg_by) < 0) {
		set_err(err, err_len,
			"--aggregate-by: unknown period \"%s\" (the --period names: %s)", p->agg_by,
			names);
		return -EINVAL;
	}
	for (size_t i = 0; i < p->nsel; i++) {
		if (find_def(p, p->sel[i]) < 0) {
			set_err(err, err_len,
				"--select: unknown period \"%s\" (the --period names: %s)",
				p->sel[i], names);
			return -EINVAL;
		}
	}
	while (s) {
		const char *end = strchr(s, ','), *dot;
		size_t len = end ? (size_t)(end - s) : strlen(s);
		char *item = clean_name(s, len); /* "root/child.cap" -> "child.cap" */
		int d;

		if (!item) {
			return -ENOMEM;
		}
		dot = strchr(item, '.');
		if (!dot || dot == item || !dot[1]) {
			set_err(err, err_len, "--group-by: \"%.*s\" is not PERIOD.CAPTURE",
				(int)len, s);
			free(item);
			return -EINVAL;
		}
		{
			char *name = strndup(item, (size_t)(dot - item));

			if (!name) {
				free(item);
				return -ENOMEM;
			}
			d = find_def(p, name);
			if (d < 0) {
				set_err(
				    err, err_len,
				    "--group-by: unknown period \"%s\" (the --period names: %s)",
				    name, names);
			} else {
				const char *cap = dot + 1, *cap_end = strchr(cap, '.');
				size_t cap_len = cap_end ? (size_t)(cap_end - cap) : strlen(cap);

				if (!has_capture(&p->defs[d], cap, cap_len)) {
					set_err(err, err_len,
						"--group-by: period \"%s\" has no capture \"%.*s\" "
						"(see --period-captures)",
						name, (int)cap_len, cap);
					d = -1;
				}
			}
			free(name);
		}
		free(item);
		if (d < 0) {
			return -EINVAL;
		}
		s = end ? end + 1 : NULL;
	}
	return 0;
}

int lat_periods_create(const struct lat_periods_options *opts, struct lat_periods **out, char *err,
		       size_t err_len)
{
	struct lat_periods *p = calloc(1, sizeof(*p));
	int ret = -ENOMEM;

	*out = NULL;
	if (err && err_len) {
		err[0] = '\0';
	}
	if (!p) {
		return -ENOMEM;
	}
	p->opts = *opts;
	lat_result_init(&p->text_extra);
	lat_result_init(&p->text_agg);
	if (clean_names(p)) {
		goto fail;
	}
	if (p->opts.freq_resolution <= 0) {
		p->opts.freq_resolution = 20;
	}
	if (p->opts.freq_series) {
		p->opts.freq_uniform = true; /* as the peer: "implies uniform buckets" */
	}
	p->defs = calloc(opts->ndefs ? opts->ndefs : 1, sizeof(*p->defs));
	p->roots = calloc(opts->ndefs ? opts->ndefs : 1, sizeof(*p->roots));
	p->caps = calloc(opts->ncaptures ? opts->ncaptures : 1, sizeof(*p->caps));
	if (!p->defs || !p->roots || !p->caps) {
		goto fail;
	}
	/* captures first, as the peer does */
	for (size_t i = 0; i < opts->ncaptures; i++) {
		struct lat_perr perr;

		ret = lat_period_captures_parse(opts->captures[i], &p->fields, &p->caps[i], &perr);
		if (ret == -EINVAL) {
			set_err(err, err_len, "--period-captures: column %d: %s", perr.column,
				perr.message);
		}
		if (ret) {
			goto fail;
		}
		p->ncaps++;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(p->caps[j].name, p->caps[i].name) == 0) {
				set_err(err, err_len,
					"--period-captures: Duplicate period name \"%s\" in "
					"--period-captures argument",
					p->caps[i].name);
				ret = -EINVAL;
				goto fail;
			}
		}
	}
	for (size_t i = 0; i < opts->ndefs; i++) {
		ret = add_def(p, opts->defs[i], err, err_len);
		if (ret) {
			goto fail;
		}
	}
	/* captures attach to their period by name (one of no period is refused: check_names) */
	for (size_t i = 0; i < p->ncaps; i++) {
		int d = find_def(p, p->caps[i].name);

		if (d < 0) {
			continue;
		}
		p->defs[d].bcaps = p->caps[i].begin;
		p->defs[d].nbcaps = p->caps[i].nbegin;
		p->defs[d].ecaps = p->caps[i].end;
		p->defs[d].necaps = p->caps[i].nend;
		for (size_t j = 0; j < p->caps[i].nbegin + p->caps[i].nend; j++) {
			const struct lat_pcapture *c = j < p->caps[i].nbegin
							   ? &p->caps[i].begin[j]
							   : &p->caps[i].end[j - p->caps[i].nbegin];

			if (c->ref.event == LAT_PEV_PARENT_BEGIN && p->defs[d].parent < 0) {
				set_err(
				    err, err_len,
				    "--period-captures: column %d: $parent refers to the parent "
				    "period, but period \"%s\" has none",
				    c->ref.column, p->defs[d].name);
				ret = -EINVAL;
				goto fail;
			}
		}
	}
	ret = check_names(p, err, err_len);
	if (ret) {
		goto fail;
	}
	/* which fields the begin events must keep for later ($begin, $parent.$begin) */
	ret = -ENOMEM;
	p->snap_slot = malloc((p->fields.count ? p->fields.count : 1) * sizeof(*p->snap_slot));
	p->snap_ids = malloc((p->fields.count ? p->fields.count : 1) * sizeof(*p->snap_ids));
	if (!p->snap_slot || !p->snap_ids) {
		goto fail;
	}
	for (uint32_t i = 0; i < p->fields.count; i++) {
		p->snap_slot[i] = -1;
	}
	for (size_t i = 0; i < p->ndefs; i++) {
		struct pdef *d = &p->defs[i];

		lat_pexpr_for_each_ref(d->begin, mark_snap, p);
		lat_pexpr_for_each_ref(d->end, mark_snap, p);
		for (size_t j = 0; j < d->nbcaps; j++) {
			mark_snap(&d->bcaps[j].ref, p);
		}
		for (size_t j = 0; j < d->necaps; j++) {
			mark_snap(&d->ecaps[j].ref, p);
		}
	}
	ret = lat_ctf_fields_create(&p->fields, &p->cf);
	if (ret) {
		goto fail;
	}
	*out = p;
	return 0;
fail:
	if (ret == -ENOMEM) {
		set_err(err, err_len, "out of memory");
	}
	lat_periods_destroy(p);
	return ret;
}

static void free_pval(struct lat_pval *v)
{
	if (v->kind == LAT_PVAL_STR) {
		free((char *)v->s);
	}
}

static void free_inst(struct lat_periods *p, struct pinst *in)
{
	if (!in) {
		return;
	}
	for (uint32_t i = 0; i < in->nkids; i++) {
		free_inst(p, in->kids[i]);
	}
	free(in->kids);
	if (in->snap) {
		for (uint32_t i = 0; i < p->nsnap; i++) {
			free_pval(&in->snap[i]);
		}
	}
	free(in->snap);
	free(in);
}

void lat_periods_destroy(struct lat_periods *p)
{
	if (!p) {
		return;
	}
	for (uint32_t i = 0; i < p->nopen_roots; i++) {
		free_inst(p, p->open_roots[i]);
	}
	free(p->open_roots);
	for (uint32_t i = 0; i < p->nrecords; i++) {
		struct lat_period_record *r = &p->records[i];

		for (uint32_t j = 0; j < r->nbegin_caps; j++) {
			free_pval(&r->begin_caps[j].v);
		}
		for (uint32_t j = 0; j < r->nend_caps; j++) {
			free_pval(&r->end_caps[j].v);
		}
		free(r->begin_caps);
		free(r->end_caps);
		free(r->children);
	}
	free(p->records);
	lat_result_fini(&p->text_extra);
	lat_result_fini(&p->text_agg);
	free(p->agg_by);
	for (uint32_t i = 0; i < p->nsel; i++) {
		free(p->sel[i]);
	}
	free(p->sel);
	for (uint32_t i = 0; i < p->ngroup_keys; i++) {
		free(p->group_keys[i]);
	}
	free(p->group_keys);
	for (uint32_t i = 0; i < p->nseries; i++) {
		free(p->series_cols[i]);
		free((char *)p->series_cls[i].title);
	}
	free(p->series_cols);
	free(p->series_cls);
	for (size_t i = 0; i < p->ndefs; i++) {
		struct pdef *d = &p->defs[i];

		if (!d->end_is_begin) {
			lat_pexpr_free(d->end);
		}
		lat_pexpr_free(d->begin);
		free(d->name);
		free(d->path);
		free(d->children);
		free(d->durations);
		free(d->records);
	}
	free(p->defs);
	free(p->roots);
	for (size_t i = 0; i < p->ncaps; i++) {
		lat_period_captures_ast_fini(&p->caps[i]);
	}
	free(p->caps);
	free(p->snap_slot);
	free(p->snap_ids);
	lat_ctf_fields_destroy(p->cf);
	lat_pfields_fini(&p->fields);
	free(p);
}

void lat_periods_set_instance_callback(struct lat_periods *p, lat_period_instance_fn fn, void *user)
{
	p->inst_fn = fn;
	p->inst_user = user;
}

void lat_periods_set_end_callback(struct lat_periods *p, lat_period_end_fn fn, void *user)
{
	p->end_fn = fn;
	p->end_user = user;
}

void lat_periods_set_field_reader(struct lat_periods *p, lat_periods_field_fn fn, void *user)
{
	p->field_fn = fn;
	p->field_user = user;
}

/* --- evaluation context --------------------------------------------------------------------- */

struct ectx {
	struct lat_periods *p;
	const struct lat_kevent *ev;
	const struct pinst *begin;  /* NULL: the begin event is the current one */
	const struct pinst *parent; /* NULL: none */
};

static int read_current(struct lat_periods *p, const struct lat_kevent *ev, uint32_t id,
			struct lat_pval *out)
{
	const struct lat_pfield *f = &p->fields.v[id];

	out->kind = LAT_PVAL_MISSING;
	if (f->is_name) {
		if (ev->name) {
			out->kind = LAT_PVAL_STR;
			out->s = ev->name;
		}
		return 0;
	}
	if (p->field_fn) {
		if (p->field_fn(p->field_user, ev, f, out) == -ENOMEM) {
			p->status = -ENOMEM;
		}
		return 0;
	}
	if (!ev->raw) {
		return 0;
	}
	if (lat_ctf_fields_read(p->cf, ev->raw, id, out)) {
		p->status = -ENOMEM;
	}
	return 0;
}

static int ectx_get(void *user, const struct lat_pref *ref, struct lat_pval *out)
{
	struct ectx *c = user;
	const struct pinst *in;

	switch (ref->event) {
	case LAT_PEV_EVT:
		return read_current(c->p, c->ev, ref->id, out);
	case LAT_PEV_BEGIN:
		if (!c->begin) {
			return read_current(c->p, c->ev, ref->id, out);
		}
		in = c->begin;
		break;
	default:
		in = c->parent;
		break;
	}
	out->kind = LAT_PVAL_MISSING;
	if (in && in->snap && c->p->snap_slot[ref->id] >= 0) {
		*out = in->snap[c->p->snap_slot[ref->id]];
	}
	return 0;
}

static int copy_pval(struct lat_pval *dst, const struct lat_pval *src)
{
	*dst = *src;
	if (src->kind == LAT_PVAL_STR) {
		dst->s = strdup(src->s);
		if (!dst->s) {
			dst->kind = LAT_PVAL_MISSING;
			return -ENOMEM;
		}
	}
	return 0;
}

static int take_captures(struct ectx *c, const struct lat_pcapture *caps, size_t n,
			 struct lat_period_capture_value **out, uint32_t *nout)
{
	*out = NULL;
	*nout = 0;
	if (!n) {
		return 0;
	}
	*out = calloc(n, sizeof(**out));
	if (!*out) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct lat_pval v = {0};

		ectx_get(c, &caps[i].ref, &v);
		(*out)[i].name = caps[i].name;
		if (copy_pval(&(*out)[i].v, &v)) {
			return -ENOMEM;
		}
		(*nout)++;
	}
	return 0;
}

/* --- the engine --------------------------------------------------------------------------------
 */

static void end_instance(struct lat_periods *p, struct pinst *in, bool completed, int64_t ts)
{
	struct lat_period_record *r = &p->records[in->record];

	/* its own open children end first, incomplete */
	for (uint32_t i = 0; i < in->nkids; i++) {
		end_instance(p, in->kids[i], false, ts);
		free_inst(p, in->kids[i]);
	}
	in->nkids = 0;
	r->open = false;
	r->completed = completed;
	if (p->inst_fn) {
		int ret = p->inst_fn(p, in->record, false, ts, p->inst_user);

		if (ret && !p->status) {
			p->status = ret;
		}
	}
	if (!completed) {
		return;
	}
	r->end_ts = ts;
	p->completed++;
	{
		struct pdef *d = &p->defs[in->def];

		if (grow((void **)&d->durations, &d->durations_cap, d->ndurations + 1,
			 sizeof(*d->durations)) ||
		    !(d->records = realloc(d->records, d->durations_cap * sizeof(*d->records)))) {
			p->status = -ENOMEM;
			return;
		}
		d->durations[d->ndurations] = r->end_ts - r->begin_ts;
		d->records[d->ndurations++] = in->record;
	}
	if (r->parent >= 0) {
		struct lat_period_record *pr = &p->records[r->parent];

		if (grow((void **)&pr->children, &pr->children_cap, pr->nchildren + 1,
			 sizeof(*pr->children))) {
			p->status = -ENOMEM;
			return;
		}
		pr->children[pr->nchildren++] = in->record;
	}
	if (p->end_fn) {
		p->end_fn(p, r, p->end_user);
	}
}

/* _process_event_remove_period: children first, then this level's end expressions. */
static void process_ends(struct lat_periods *p, struct pinst **list, uint32_t *n,
			 const struct lat_kevent *ev)
{
	bool *ended;
	uint32_t kept = 0;

	for (uint32_t i = 0; i < *n; i++) {
		process_ends(p, list[i]->kids, &list[i]->nkids, ev);
	}
	if (!*n) {
		return;
	}
	ended = calloc(*n, sizeof(*ended));
	if (!ended) {
		p->status = -ENOMEM;
		return;
	}
	for (uint32_t i = 0; i < *n; i++) {
		struct pinst *in = list[i];
		struct ectx c = {p, ev, in, in->parent};
		struct pdef *d = &p->defs[in->def];

		if (lat_pexpr_eval(d->end, &p->fields, ectx_get, &c)) {
			struct lat_period_record *r = &p->records[in->record];

			if (take_captures(&c, d->ecaps, d->necaps, &r->end_caps, &r->nend_caps)) {
				p->status = -ENOMEM;
			}
			ended[i] = true;
		}
	}
	for (uint32_t i = 0; i < *n; i++) {
		if (ended[i]) {
			end_instance(p, list[i], true, ev->ts);
			free_inst(p, list[i]);
		} else {
			list[kept++] = list[i];
		}
	}
	*n = kept;
	free(ended);
}

static struct pinst *begin_instance(struct lat_periods *p, uint32_t def, struct pinst *parent,
				    struct ectx *c)
{
	struct pinst *in = calloc(1, sizeof(*in));
	struct lat_period_record *r;
	struct pdef *d = &p->defs[def];

	if (!in) {
		return NULL;
	}
	in->def = def;
	in->parent = parent;
	if (p->nsnap) {
		in->snap = calloc(p->nsnap, sizeof(*in->snap));
		if (!in->snap) {
			free(in);
			return NULL;
		}
		for (uint32_t i = 0; i < p->nsnap; i++) {
			struct lat_pval v = {0};

			read_current(p, c->ev, p->snap_ids[i], &v);
			if (copy_pval(&in->snap[i], &v)) {
				free_inst(p, in);
				return NULL;
			}
		}
	}
	if (grow((void **)&p->records, &p->records_cap, p->nrecords + 1, sizeof(*p->records))) {
		free_inst(p, in);
		return NULL;
	}
	in->record = p->nrecords++;
	r = &p->records[in->record];
	memset(r, 0, sizeof(*r));
	r->begin_ts = c->ev->ts;
	r->def = def;
	r->parent = parent ? (int64_t)parent->record : -1;
	r->open = true;
	d->seen = true;
	if (take_captures(c, d->bcaps, d->nbcaps, &r->begin_caps, &r->nbegin_caps)) {
		p->status = -ENOMEM;
	}
	return in;
}

/* _process_event_add_periods */
static void process_begins(struct lat_periods *p, struct pinst *parent, struct pinst ***list,
			   uint32_t *n, uint32_t *cap, const int *defs, size_t ndefs,
			   const struct lat_kevent *ev)
{
	for (size_t i = 0; i < ndefs; i++) {
		struct pdef *d = &p->defs[defs[i]];
		struct ectx c = {p, ev, NULL, parent};

		if (lat_pexpr_eval(d->begin, &p->fields, ectx_get, &c)) {
			struct pinst *in = begin_instance(p, (uint32_t)defs[i], parent, &c);

			if (!in || grow((void **)list, cap, *n + 1, sizeof(**list))) {
				free_inst(p, in);
				p->status = -ENOMEM;
				return;
			}
			(*list)[(*n)++] = in;
			if (p->inst_fn) {
				int ret = p->inst_fn(p, in->record, true, ev->ts, p->inst_user);

				if (ret && !p->status) {
					p->status = ret;
				}
			}
		}
	}
	for (uint32_t i = 0; i < *n; i++) {
		struct pinst *in = (*list)[i];
		struct pdef *d = &p->defs[in->def];

		if (d->nchildren) {
			process_begins(p, in, &in->kids, &in->nkids, &in->kids_cap, d->children,
				       d->nchildren, ev);
		}
	}
}

int lat_periods_event(struct lat_periods *p, const struct lat_kevent *ev)
{
	if (p->opts.end_ts && ev->ts > p->opts.end_ts) {
		p->ended = true;
	}
	if (p->ended) {
		return 1;
	}
	if (!p->have_first) {
		p->first_ts = ev->ts;
		p->have_first = true;
	}
	p->last_ts = ev->ts;
	if (!p->started) {
		if (p->opts.begin_ts && ev->ts < p->opts.begin_ts) {
			return 0;
		}
		p->started = true;
	}
	process_ends(p, p->open_roots, &p->nopen_roots, ev);
	process_begins(p, NULL, &p->open_roots, &p->nopen_roots, &p->open_roots_cap, p->roots,
		       p->nroots, ev);
	return p->status;
}

void lat_periods_finish(struct lat_periods *p)
{
	for (uint32_t i = 0; i < p->nopen_roots; i++) {
		end_instance(p, p->open_roots[i], false, p->last_ts);
		free_inst(p, p->open_roots[i]);
	}
	p->nopen_roots = 0;
	p->ended = true;
}

const char *lat_periods_def_path(const struct lat_periods *p, uint32_t def)
{
	return p->defs[def].path;
}

const char *lat_periods_def_name(const struct lat_periods *p, uint32_t def)
{
	return p->defs[def].name ? p->defs[def].name : "";
}

const struct lat_period_record *lat_periods_record(const struct lat_periods *p, uint32_t record)
{
	return record < p->nrecords ? &p->records[record] : NULL;
}

uint64_t lat_periods_count(const struct lat_periods *p)
{
	return p->completed;
}

int64_t lat_periods_first_ts(const struct lat_periods *p)
{
	return p->first_ts;
}

int64_t lat_periods_last_ts(const struct lat_periods *p)
{
	return p->last_ts;
}

/* --- Python formatting of captured values ----------------------------------------------------- */

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_putc(struct sbuf *b, char c)
{
	if (b->len + 2 > b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		char *n = realloc(b->s, ncap);

		if (!n) {
			b->oom = true;
			return;
		}
		b->s = n;
		b->cap = ncap;
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	while (*s) {
		sb_putc(b, *s++);
	}
}

/* Python's repr() of a str. */
static void py_repr_str(struct sbuf *b, const char *s)
{
	char quote = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';

	sb_putc(b, quote);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		char tmp[8];

		if (*c == '\\' || *c == (unsigned char)quote) {
			sb_putc(b, '\\');
			sb_putc(b, (char)*c);
		} else if (*c == '\n') {
			sb_puts(b, "\\n");
		} else if (*c == '\r') {
			sb_puts(b, "\\r");
		} else if (*c == '\t') {
			sb_puts(b, "\\t");
		} else if (*c < 0x20 || *c == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *c);
			sb_puts(b, tmp);
		} else {
			sb_putc(b, (char)*c);
		}
	}
	sb_putc(b, quote);
}

static void py_value(struct sbuf *b, const struct lat_pval *v, bool repr)
{
	char tmp[64];

	switch (v->kind) {
	case LAT_PVAL_SINT:
		snprintf(tmp, sizeof(tmp), "%" PRId64, v->i);
		break;
	case LAT_PVAL_UINT:
		snprintf(tmp, sizeof(tmp), "%" PRIu64, v->u);
		break;
	case LAT_PVAL_FLOAT:
		if (isnan(v->d)) {
			snprintf(tmp, sizeof(tmp), "nan");
		} else if (isinf(v->d)) {
			snprintf(tmp, sizeof(tmp), v->d > 0 ? "inf" : "-inf");
		} else {
			lat_json_double(tmp, sizeof(tmp), v->d);
		}
		break;
	case LAT_PVAL_STR:
		if (repr) {
			py_repr_str(b, v->s);
		} else {
			sb_puts(b, v->s);
		}
		return;
	default:
		snprintf(tmp, sizeof(tmp), "None");
		break;
	}
	sb_puts(b, tmp);
}

/* str(dict) of the captures: "{'worker_pid': 1234, 'name': 'apache2'}". */
static void py_dict(struct sbuf *b, const struct lat_period_capture_value *caps, uint32_t n)
{
	sb_putc(b, '{');
	for (uint32_t i = 0; i < n; i++) {
		if (i) {
			sb_puts(b, ", ");
		}
		py_repr_str(b, caps[i].name);
		sb_puts(b, ": ");
		py_value(b, &caps[i].v, true);
	}
	sb_putc(b, '}');
}

/* --- statistics --------------------------------------------------------------------------------
 */

/* statistics.stdev() of integers: exact variance, one rounding (as syscallstats does). */
static double stdev_int(const int64_t *v, size_t n)
{
	__int128 sum = 0, sq = 0, num, den;
	__float128 var, x;

	if (n < 2) {
		return NAN;
	}
	for (size_t i = 0; i < n; i++) {
		sum += v[i];
		sq += (__int128)v[i] * v[i];
	}
	num = (__int128)n * sq - sum * sum;
	den = (__int128)n * (__int128)(n - 1);
	if (num <= 0) {
		return 0;
	}
	var = (__float128)num / (__float128)den;
	x = (__float128)__builtin_sqrt((double)var);
	for (int i = 0; i < 3; i++) {
		x = (x + var / x) / 2;
	}
	return (double)x;
}

/* statistics.stdev() of floats, two-pass in quad precision. */
static double stdev_float(const double *v, size_t n)
{
	__float128 mean = 0, ss = 0, var, x;

	if (n < 2) {
		return NAN;
	}
	for (size_t i = 0; i < n; i++) {
		mean += v[i];
	}
	mean /= n;
	for (size_t i = 0; i < n; i++) {
		__float128 d = v[i] - mean;

		ss += d * d;
	}
	var = ss / (n - 1);
	if (var <= 0) {
		return 0;
	}
	x = (__float128)__builtin_sqrt((double)var);
	for (int i = 0; i < 3; i++) {
		x = (x + var / x) / 2;
	}
	return (double)x;
}

static bool duration_ok(const struct lat_periods *p, int64_t d)
{
	if (p->opts.has_min && (double)d < p->opts.min_us * 1000) {
		return false;
	}
	if (p->opts.has_max && (double)d > p->opts.max_us * 1000) {
		return false;
	}
	return true;
}

static int64_t rec_duration(const struct lat_period_record *r)
{
	return r->end_ts - r->begin_ts;
}

/*
 * --select and --aggregate-by filter as the peer does: `name in self._args.select` on the raw
 * option string, i.e. a substring test ("db" selects "db_queries").
 */
static bool sel_ok(const struct lat_periods *p, const char *name)
{
	return !p->opts.select || strstr(p->opts.select, name);
}

static bool aggby_ok(const struct lat_periods *p, const char *name)
{
	return !p->agg_by || strstr(p->agg_by, name);
}

/* --- table classes -----------------------------------------------------------------------------
 */

static const struct lat_column_class log_columns[] = {
    {"begin_ts", "Period begin timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"end_ts", "Period end timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"duration", "Period duration", LAT_CLS_DURATION, NULL},
    {"name", "Period name", LAT_CLS_STRING, NULL},
    {"begin_captures", "Begin captures", LAT_CLS_STRING, NULL},
    {"end_captures", "End captures", LAT_CLS_STRING, NULL},
};
static const struct lat_column_class stats_columns[] = {
    {"name", "Period name", LAT_CLS_STRING, NULL},
    {"count", "Period count", LAT_CLS_NUMBER, "occurences"},
    {"min_duration", "Minimum duration", LAT_CLS_DURATION, NULL},
    {"avg_duration", "Average duration", LAT_CLS_DURATION, NULL},
    {"max_duration", "Maximum duration", LAT_CLS_DURATION, NULL},
    {"stdev_duration", "Period duration standard deviation", LAT_CLS_DURATION, NULL},
    {"runtime", "Total runtime", LAT_CLS_DURATION, NULL},
};
static const struct lat_column_class freq_duration_columns[] = {
    {"lower", "Duration (lower bound)", LAT_CLS_DURATION, NULL},
    {"upper", "Duration (upper bound)", LAT_CLS_DURATION, NULL},
    {"count", "Period duration", LAT_CLS_NUMBER, "us"},
};
static const struct lat_column_class freq_count_columns[] = {
    {"lower", "Count (lower bound)", LAT_CLS_NUMBER, NULL},
    {"upper", "Count (upper bound)", LAT_CLS_NUMBER, NULL},
    {"count", "Period count", LAT_CLS_NUMBER, "count"},
};
static const struct lat_column_class freq_ratio_columns[] = {
    {"lower", "Ratio (lower bound)", LAT_CLS_NUMBER, NULL},
    {"upper", "Ratio (upper bound)", LAT_CLS_NUMBER, NULL},
    {"count", "Period usage ratio", LAT_CLS_NUMBER, "%"},
};
static const struct lat_column_class hier_columns[] = {
    {"parent_begin_ts", "Parent begin timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"parent_end_ts", "Parent end timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"parent_name", "Parent period name", LAT_CLS_STRING, NULL},
    {"child_begin_ts", "Child begin timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"child_end_ts", "Child end timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"child_name", "Child period name", LAT_CLS_STRING, NULL},
    {"child_duration", "Child period duration", LAT_CLS_DURATION, NULL},
    {"parent_duration", "Parent period duration", LAT_CLS_DURATION, NULL},
    {"captures", "Captures", LAT_CLS_STRING, NULL},
};
static const struct lat_column_class agg_stats_columns[] = {
    {"parent_name", "Parent period name", LAT_CLS_STRING, NULL},
    {"parent_begin_ts", "Parent begin timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"parent_end_ts", "Parent end timestamp", LAT_CLS_TIMESTAMP, NULL},
    {"child_name", "Child period name", LAT_CLS_STRING, NULL},
    {"count", "Period count", LAT_CLS_NUMBER, "occurences"},
    {"min_duration", "Minimum duration", LAT_CLS_DURATION, NULL},
    {"avg_duration", "Average duration", LAT_CLS_DURATION, NULL},
    {"max_duration", "Maximum duration", LAT_CLS_DURATION, NULL},
    {"stdev_duration", "Period duration standard deviation", LAT_CLS_DURATION, NULL},
    {"runtime", "Total runtime", LAT_CLS_DURATION, NULL},
    {"parent_captures", "Parent captures", LAT_CLS_STRING, NULL},
};
static const struct lat_column_class pp_stats_columns[] = {
    {"name", "Period name", LAT_CLS_STRING, NULL},
    {"parent", "Parent", LAT_CLS_STRING, NULL},
    {"min_duration", "Minimum duration", LAT_CLS_DURATION, NULL},
    {"avg_duration", "Average duration", LAT_CLS_DURATION, NULL},
    {"max_duration", "Maximum duration", LAT_CLS_DURATION, NULL},
    {"stdev_duration", "Period duration standard deviation", LAT_CLS_DURATION, NULL},
};
static const struct lat_column_class pp_count_columns[] = {
    {"name", "Period name", LAT_CLS_STRING, NULL},
    {"parent", "Parent", LAT_CLS_STRING, NULL},
    {"min", "Minimum", LAT_CLS_NUMBER, "occurences"},
    {"avg", "Average", LAT_CLS_NUMBER, "occurences"},
    {"max", "Maximum", LAT_CLS_NUMBER, "occurences"},
    {"stdev", "Standard deviation", LAT_CLS_DURATION, NULL},
};

#define CLASS(name, title, cols)                                  \
	{                                                         \
		name, title, cols, sizeof(cols) / sizeof(cols[0]) \
	}
static const struct lat_table_class log_class = CLASS("log", "Period log", log_columns);
static const struct lat_table_class top_class = CLASS("top", "Period top", log_columns);
static const struct lat_table_class stats_class =
    CLASS("per_period_stats", "Period statistics", stats_columns);
static const struct lat_table_class freq_duration_class =
    CLASS("freq_duration", "Period duration frequency distribution", freq_duration_columns);
static const struct lat_table_class freq_count_class =
    CLASS("freq_count", "Period count frequency distribution", freq_count_columns);
static const struct lat_table_class freq_ratio_class =
    CLASS("freq_ratio", "Period usage ratio frequency distribution", freq_ratio_columns);
static const struct lat_table_class hier_log_class =
    CLASS("aggregated_log", "Hierarchical period log", hier_columns);
static const struct lat_table_class agg_top_class =
    CLASS("aggregated_top", "Aggregated period top", hier_columns);
static const struct lat_table_class agg_stats_class =
    CLASS("aggregated_stats", "Aggregated log", agg_stats_columns);
static const struct lat_table_class pp_stats_class =
    CLASS("per_parent_stats", "Per-parent period duration statistics", pp_stats_columns);
static const struct lat_table_class pp_count_class =
    CLASS("per_parent_count", "Per-parent period count statistics", pp_count_columns);
static const struct lat_table_class pp_pc_class =
    CLASS("per_parent_percentage", "Per-parent duration ratio", pp_count_columns);

static const struct lat_table_class *const classes[] = {
    &log_class,        &top_class,      &stats_class,         &pp_stats_class,
    &pp_count_class,   &pp_pc_class,    &freq_duration_class, &freq_count_class,
    &freq_ratio_class, &hier_log_class, &agg_top_class,       &agg_stats_class,
};
static const char *const tags[] = {"period", "stats", "freq", "top", "log", NULL};

const struct lat_lami_meta lat_periods_lami_meta = {
    "Periods analysis",
    "Periods frequency distribution, statistics, top, and log",
    tags,
    classes,
    sizeof(classes) / sizeof(classes[0]),
};

/* --- results ---------------------------------------------------------------------------------- */

static int add_record_row(struct lat_periods *p, struct lat_result *res, struct lat_table *t,
			  const struct lat_period_record *r, bool full_path)
{
	struct lat_cell *c = lat_table_add_row(t);
	struct sbuf b = {0}, e = {0};

	if (!c) {
		return -ENOMEM;
	}
	py_dict(&b, r->begin_caps, r->nbegin_caps);
	py_dict(&e, r->end_caps, r->nend_caps);
	if (b.oom || e.oom) {
		free(b.s);
		free(e.s);
		return -ENOMEM;
	}
	c[0] = lat_cell_int(LAT_CLS_TIMESTAMP, r->begin_ts);
	c[1] = lat_cell_int(LAT_CLS_TIMESTAMP, r->end_ts);
	c[2] = lat_cell_int(LAT_CLS_DURATION, rec_duration(r));
	c[3] = lat_cell_str(LAT_CLS_STRING,
			    full_path ? p->defs[r->def].path : lat_periods_def_name(p, r->def));
	c[4] = lat_cell_str(LAT_CLS_STRING, lat_result_strdup(res, b.s));
	c[5] = lat_cell_str(LAT_CLS_STRING, lat_result_strdup(res, e.s));
	free(b.s);
	free(e.s);
	return 0;
}

static int add_hierarchy(struct lat_periods *p, struct lat_result *res, struct lat_table *t,
			 uint32_t rec)
{
	const struct lat_period_record *r = &p->records[rec];
	int ret = add_record_row(p, res, t, r, true);

	for (uint32_t i = 0; !ret && i < r->nchildren; i++) {
		if (duration_ok(p, rec_duration(&p->records[r->children[i]]))) {
			ret = add_hierarchy(p, res, t, r->children[i]);
		}
	}
	return ret;
}

static int log_table(struct lat_periods *p, struct lat_result *res)
{
	struct lat_table *t = lat_result_add_table(res, &log_class, p->first_ts, p->last_ts, NULL);

	if (!t) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < p->nrecords; i++) {
		const struct lat_period_record *r = &p->records[i];
		int ret;

		if (!r->completed || !duration_ok(p, rec_duration(r))) {
			continue;
		}
		if (p->opts.order_hierarchy) {
			if (r->parent >= 0) {
				continue;
			}
			ret = add_hierarchy(p, res, t, i);
		} else {
			ret = add_record_row(p, res, t, r, true);
		}
		if (ret) {
			return ret;
		}
	}
	return 0;
}

static const struct lat_periods *sort_ctx;

static int cmp_duration_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int64_t dx = rec_duration(&sort_ctx->records[x]), dy = rec_duration(&sort_ctx->records[y]);

	if (dx != dy) {
		return dx > dy ? -1 : 1;
	}
	return x < y ? -1 : x > y; /* stable: Python's sorted() */
}

static int top_table(struct lat_periods *p, struct lat_result *res)
{
	struct lat_table *t = lat_result_add_table(res, &top_class, p->first_ts, p->last_ts, NULL);
	uint32_t *order, n = 0;
	long count = 0;
	int ret = 0;

	if (!t) {
		return -ENOMEM;
	}
	order = malloc((p->nrecords ? p->nrecords : 1) * sizeof(*order));
	if (!order) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < p->nrecords; i++) {
		if (p->records[i].completed) {
			order[n++] = i;
		}
	}
	sort_ctx = p;
	qsort(order, n, sizeof(*order), cmp_duration_desc);
	for (uint32_t i = 0; i < n && !ret; i++) {
		const struct lat_period_record *r = &p->records[order[i]];

		if (!duration_ok(p, rec_duration(r)) ||
		    !sel_ok(p, lat_periods_def_name(p, r->def))) {
			continue;
		}
		ret = add_record_row(p, res, t, r, false);
		if (++count == p->opts.limit) {
			break;
		}
	}
	free(order);
	return ret;
}

/* The definitions in the peer's stats order: a root, then its children sorted by name. */
static int cmp_def_name(const void *a, const void *b, void *user)
{
	const struct lat_periods *p = user;

	return strcmp(lat_periods_def_name(p, *(const uint32_t *)a),
		      lat_periods_def_name(p, *(const uint32_t *)b));
}

static void tree_order(const struct lat_periods *p, uint32_t def, uint32_t *out, size_t *n)
{
	const struct pdef *d = &p->defs[def];
	uint32_t kids[LAT_PERIODS_MAX_ARGS];

	out[(*n)++] = def;
	for (size_t i = 0; i < d->nchildren; i++) {
		kids[i] = (uint32_t)d->children[i];
	}
	qsort_r(kids, d->nchildren, sizeof(kids[0]), cmp_def_name, (void *)p);
	for (size_t i = 0; i < d->nchildren; i++) {
		tree_order(p, kids[i], out, n);
	}
}

static int stats_table(struct lat_periods *p, struct lat_result *res)
{
	struct lat_table *t =
	    lat_result_add_table(res, &stats_class, p->first_ts, p->last_ts, NULL);
	uint32_t order[LAT_PERIODS_MAX_ARGS];
	size_t n = 0;

	if (!t) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->nroots; i++) {
		tree_order(p, (uint32_t)p->roots[i], order, &n);
	}
	for (size_t k = 0; k < n; k++) {
		const struct pdef *d = &p->defs[order[k]];
		int64_t *vals, min = 0, max = 0, total = 0;
		size_t count = 0;
		struct lat_cell *c;
		double sd;

		if (!d->ndurations || !sel_ok(p, lat_periods_def_name(p, order[k]))) {
			continue;
		}
		vals = malloc(d->ndurations * sizeof(*vals));
		if (!vals) {
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < d->ndurations; i++) {
			int64_t v = d->durations[i];

			if (!duration_ok(p, v)) {
				continue;
			}
			if (!count || v < min) {
				min = v;
			}
			if (!count || v > max) {
				max = v;
			}
			total += v;
			vals[count++] = v;
		}
		if (!count) {
			free(vals);
			continue;
		}
		sd = stdev_int(vals, count);
		free(vals);
		c = lat_table_add_row(t);
		if (!c) {
			return -ENOMEM;
		}
		c[0] = lat_cell_str(LAT_CLS_STRING, d->path);
		c[1] = lat_cell_int(LAT_CLS_NUMBER, (int64_t)count);
		c[2] = lat_cell_int(LAT_CLS_DURATION, min);
		c[3] = lat_cell_float(LAT_CLS_DURATION, (double)total / (double)count);
		c[4] = lat_cell_int(LAT_CLS_DURATION, max);
		c[5] = isnan(sd) ? lat_cell_unknown() : lat_cell_float(LAT_CLS_DURATION, sd);
		c[6] = lat_cell_int(LAT_CLS_DURATION, total);
	}
	return 0;
}

/*
 * Per-parent statistics (_get_aggregated_lists / _AggregatedPeriodStats): for each parent
 * period P and each descendant definition D, per instance of P: how many D instances, their
 * total duration and its share of P's duration.
 */
struct child_stats {
	int64_t *durations; /* per P instance having D: total D duration */
	double *counts, *pcs;
	uint32_t n, cap;
};

struct parent_stats {
	bool used;
	uint32_t nr_periods;
	struct child_stats *kids; /* by definition index */
};

struct agg {
	struct lat_periods *p;
	struct parent_stats *by_def;
	uint32_t *order; /* parents in the order the peer meets them */
	uint32_t norder;
	/* per active instance: per-definition list of descendant durations */
	int64_t *acc_sum;    /* [depth][def] */
	uint32_t *acc_cnt;   /* [depth][def] */
	bool *acc_seen;      /* [depth][def] */
	uint32_t *acc_first; /* unused order helper */
	int status;
};

static void agg_use(struct agg *a, uint32_t def)
{
	if (!a->by_def[def].used) {
		a->by_def[def].used = true;
		a->order[a->norder++] = def;
	}
}

static void descendants(const struct lat_periods *p, uint32_t def, uint32_t *out, size_t *n)
{
	const struct pdef *d = &p->defs[def];

	for (size_t i = 0; i < d->nchildren; i++) {
		out[(*n)++] = (uint32_t)d->children[i];
		descendants(p, (uint32_t)d->children[i], out, n);
	}
}

static void agg_sub(struct agg *a, uint32_t rec, uint32_t depth)
{
	struct lat_periods *p = a->p;
	const struct lat_period_record *r = &p->records[rec];
	size_t nd = p->ndefs;
	int64_t *sum = &a->acc_sum[depth * nd];
	uint32_t *cnt = &a->acc_cnt[depth * nd];
	struct parent_stats *ps = &a->by_def[r->def];
	int64_t pdur = rec_duration(r);

	memset(sum, 0, nd * sizeof(*sum));
	memset(cnt, 0, nd * sizeof(*cnt));
	for (uint32_t i = 0; i < r->nchildren; i++) {
		const struct lat_period_record *c = &p->records[r->children[i]];
		int64_t d = rec_duration(c);

		if (!duration_ok(p, d)) {
			continue;
		}
		agg_use(a, c->def);
		/* _TmpAggregation.add_child: this instance and all active ancestors */
		for (uint32_t up = 0; up <= depth; up++) {
			a->acc_sum[up * nd + c->def] += d;
			a->acc_cnt[up * nd + c->def]++;
		}
		agg_sub(a, r->children[i], depth + 1);
	}
	for (size_t def = 0; def < nd; def++) {
		struct child_stats *cs;

		if (!cnt[def]) {
			continue;
		}
		cs = &ps->kids[def];
		if (grow((void **)&cs->durations, &cs->cap, cs->n + 1, sizeof(int64_t))) {
			a->status = -ENOMEM;
			return;
		}
		cs->counts = realloc(cs->counts, cs->cap * sizeof(double));
		cs->pcs = realloc(cs->pcs, cs->cap * sizeof(double));
		if (!cs->counts || !cs->pcs) {
			a->status = -ENOMEM;
			return;
		}
		cs->durations[cs->n] = sum[def];
		cs->counts[cs->n] = cnt[def];
		cs->pcs[cs->n] = pdur ? (double)sum[def] / (double)pdur * 100 : 0;
		cs->n++;
	}
	ps->nr_periods++;
}

struct minmax {
	double min, max, total;
};

static struct minmax mm_of(const double *v, uint32_t n)
{
	struct minmax m = {v[0], v[0], 0};

	for (uint32_t i = 0; i < n; i++) {
		m.min = v[i] < m.min ? v[i] : m.min;
		m.max = v[i] > m.max ? v[i] : m.max;
		m.total += v[i];
	}
	return m;
}

/*
 * --freq-uniform, as the peer's Command._find_uniform_freq_values: one running minimum and
 * maximum per category (kept across calls: the groups' per-period distributions and the
 * per-parent durations share "duration"), updated with a list of values divided by `ratio`; an
 * empty list sets both to 0. The bounds of a distribution are then [min, max] in `resolution`
 * steps. Categories: the per-period durations ("default"), then the six per-parent kinds.
 */
enum { UNI_DEFAULT, UNI_DURATION, UNI_N = 7 };

struct urange {
	double min, max, step;
};

static void uni_update(struct lat_periods *p, int cat, const double *v, size_t n, double ratio)
{
	struct uni_cat *u = &p->uni[cat];
	double mn, mx;

	if (n == 0) {
		u->min = u->max = 0;
		u->has_min = u->has_max = true;
		return;
	}
	mn = mx = v[0];
	for (size_t i = 1; i < n; i++) {
		mn = v[i] < mn ? v[i] : mn;
		mx = v[i] > mx ? v[i] : mx;
	}
	if (!u->has_min || mn / ratio < u->min) {
		u->min = mn / ratio;
		u->has_min = true;
	}
	if (!u->has_max || mx / ratio > u->max) {
		u->max = mx / ratio;
		u->has_max = true;
	}
}

static struct urange uni_range(const struct lat_periods *p, int cat)
{
	const struct uni_cat *u = &p->uni[cat];

	return (struct urange){u->min, u->max, (u->max - u->min) / p->opts.freq_resolution};
}

static int freq_tables(struct lat_periods *p, struct lat_result *res);
static int freq_values_table(struct lat_periods *p, struct lat_result *res,
			     const struct lat_table_class *cls, const char *subtitle,
			     const double *vals, uint32_t n, double ratio, const struct urange *u);
static void bucket_values(const struct lat_periods *p, const double *vals, uint32_t n, double ratio,
			  const struct urange *r, uint64_t *counts);
static int cmp_def_by_name(const void *a, const void *b, void *user);

/*
 * One per-parent statistics table (_get_per_parent_stats_result_table). kind: 0 duration,
 * 1 duration globally, 2 count, 3 count globally, 4 ratio, 5 ratio globally. `by_def` holds
 * the statistics of one source (all periods, or one --group-by group); `global_by_def` the
 * ungrouped ones, whose parent counts make the "globally" zeros.
 */
static int pp_stats_table(struct lat_periods *p, struct lat_result *res, int kind,
			  const struct parent_stats *by_def, const uint32_t *order, uint32_t norder,
			  const struct parent_stats *global_by_def, const char *prefix)
{
	static const struct lat_table_class *const cls[6] = {&pp_stats_class, &pp_stats_class,
							     &pp_count_class, &pp_count_class,
							     &pp_pc_class,    &pp_pc_class};
	char subtitle[400];
	struct lat_table *t;
	bool global = kind % 2;

	snprintf(subtitle, sizeof(subtitle), "%s%s", prefix,
		 global ? "Globally" : "With active children");
	t = lat_result_add_table(res, cls[kind], p->first_ts, p->last_ts, subtitle);
	if (!t) {
		return -ENOMEM;
	}
	for (uint32_t k = 0; k < norder; k++) {
		uint32_t parent = order[k], desc[LAT_PERIODS_MAX_ARGS];
		const struct parent_stats *ps = &by_def[parent];
		size_t ndesc = 0;

		if (!aggby_ok(p, lat_periods_def_name(p, parent))) {
			continue;
		}
		descendants(p, parent, desc, &ndesc);
		for (size_t j = 0; j < ndesc; j++) {
			const struct child_stats *cs = &ps->kids[desc[j]];

			if (!sel_ok(p, lat_periods_def_name(p, desc[j]))) {
				continue;
			}
			uint32_t n = cs->n, nr = global_by_def[parent].nr_periods;
			uint32_t zeros = nr > n ? nr - n : 0, m = global ? nr : n;
			int64_t dmin, dmax, dtot = 0;
			struct minmax mc, mp;
			struct lat_cell *c;
			bool sd = global ? nr > 2 : n > 2;

			if (!n) {
				continue;
			}
			dmin = dmax = cs->durations[0];
			for (uint32_t i = 0; i < n; i++) {
				dmin = cs->durations[i] < dmin ? cs->durations[i] : dmin;
				dmax = cs->durations[i] > dmax ? cs->durations[i] : dmax;
				dtot += cs->durations[i];
			}
			mc = mm_of(cs->counts, n);
			mp = mm_of(cs->pcs, n);
			c = lat_table_add_row(t);
			if (!c) {
				return -ENOMEM;
			}
			c[0] = lat_cell_str(LAT_CLS_STRING, p->defs[desc[j]].path);
			c[1] = lat_cell_str(LAT_CLS_STRING, p->defs[parent].path);
			c[5] = lat_cell_unknown();
			if (kind / 2 == 0) {
				c[2] = lat_cell_int(LAT_CLS_DURATION, global && zeros ? 0 : dmin);
				c[3] = lat_cell_float(LAT_CLS_DURATION, (double)dtot / m);
				c[4] = lat_cell_int(LAT_CLS_DURATION, dmax);
			} else if (kind / 2 == 1) {
				c[2] = lat_cell_int(LAT_CLS_NUMBER,
						    global && zeros ? 0 : (int64_t)mc.min);
				c[3] = lat_cell_float(LAT_CLS_NUMBER, mc.total / m);
				c[4] = lat_cell_int(LAT_CLS_NUMBER, (int64_t)mc.max);
			} else {
				c[2] = global && zeros ? lat_cell_int(LAT_CLS_NUMBER, 0)
						       : lat_cell_float(LAT_CLS_NUMBER, mp.min);
				c[3] = lat_cell_float(LAT_CLS_NUMBER, mp.total / m);
				c[4] = lat_cell_float(LAT_CLS_NUMBER, mp.max);
			}
			if (sd) {
				/* the values, then a zero for each parent instance without this
				 * child */
				int64_t *vi = calloc(m > n ? m : n, sizeof(*vi));
				double *vd = calloc(m > n ? m : n, sizeof(*vd));

				if (!vi || !vd) {
					free(vi);
					free(vd);
					return -ENOMEM;
				}
				for (uint32_t i = 0; i < n; i++) {
					vi[i] = cs->durations[i];
					vd[i] = kind / 2 == 1 ? cs->counts[i] : cs->pcs[i];
				}
				c[5] = kind / 2 == 0
					   ? lat_cell_float(LAT_CLS_DURATION, stdev_int(vi, m))
					   : lat_cell_float(LAT_CLS_NUMBER, stdev_float(vd, m));
				free(vi);
				free(vd);
			}
		}
	}
	return 0;
}

/*
 * --group-by P.capture[,...]: the peer's _hierarchical_sub / _account_parents_in_group. Each
 * period instance gets the lists of (P.capture, value) of itself, its descendants and its
 * ancestors; each list makes a group key ("P.c = v, ..."), under which the instance's duration
 * and its ancestors' per-parent statistics are accounted. The peer's quirks are kept: an
 * ancestor's aggregation is linked to its own parent only when that one was not yet known, and
 * a descendant is added to every ancestor both directly and through those links.
 */
struct ctuple {
	const char *key, *val;
};

struct clist {
	struct ctuple *v;
	uint32_t n;
};

struct clists {
	struct clist *v;
	uint32_t n, cap;
};

struct tmpagg {
	int32_t parent; /* index in the group's tmpaggs, -1 */
	int64_t *sum;   /* by definition */
	uint32_t *cnt;
};

struct pgroup {
	char *key;
	char prefix[512];      /* "'KEY' - " */
	char freq_prefix[512]; /* "'KEY' -- " */
	struct agg agg;        /* by_def, order: the per-parent statistics of the group */
	int64_t **own;         /* by definition: the durations of the group's instances */
	uint32_t *own_n, *own_cap;
	uint32_t *own_order; /* definitions in the order met */
	uint32_t nown_order;
	int32_t *tmp_of; /* record -> tmpagg */
	struct tmpagg *tmps;
	uint32_t ntmps, tmps_cap;
};

struct groups {
	struct pgroup *v;
	uint32_t n, cap;
	char **strings; /* owned */
	uint32_t nstrings, strings_cap;
	int status;
};

static const char *g_keep(struct groups *g, char *s)
{
	if (!s || grow((void **)&g->strings, &g->strings_cap, g->nstrings + 1, sizeof(char *))) {
		free(s);
		g->status = -ENOMEM;
		return "";
	}
	g->strings[g->nstrings++] = s;
	return s;
}

static int cmp_cap_value(const void *a, const void *b)
{
	return strcmp(((const struct lat_period_capture_value *)a)->name,
		      ((const struct lat_period_capture_value *)b)->name);
}

/* Is `cap` among the --group-by captures of period `name`? */
static bool grouped(const struct lat_periods *p, const char *name, const char *cap)
{
	const char *s = p->opts.group_by;

	while (s && *s) {
		const char *end = strchr(s, ','), *dot;
		size_t len = end ? (size_t)(end - s) : strlen(s);
		char item[256];
		size_t a = 0, b = len;

		while (a < b && (s[a] == ' ' || s[a] == '\t')) {
			a++;
		}
		while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) {
			b--;
		}
		snprintf(item, sizeof(item), "%.*s", (int)(b - a), s + a);
		dot = strchr(item, '.');
		if (dot) {
			const char *pname = item, *slash;
			char period[256];

			snprintf(period, sizeof(period), "%.*s", (int)(dot - item), item);
			slash = strrchr(period, '/');
			pname = slash ? slash + 1 : period;
			if (strcmp(pname, name) == 0 && strncmp(dot + 1, cap, strlen(cap)) == 0 &&
			    (dot[1 + strlen(cap)] == '\0' || dot[1 + strlen(cap)] == '.')) {
				return true;
			}
		}
		s = end ? end + 1 : NULL;
	}
	return false;
}

/* event.filtered_captures(): the record's grouped captures, begin then end, keys sorted. */
static struct clist filtered_captures(struct lat_periods *p, struct groups *g, uint32_t rec)
{
	const struct lat_period_record *r = &p->records[rec];
	const char *name = lat_periods_def_name(p, r->def);
	struct clist out = {0};

	out.v = calloc(r->nbegin_caps + r->nend_caps + 1, sizeof(*out.v));
	if (!out.v) {
		g->status = -ENOMEM;
		return out;
	}
	for (int side = 0; side < 2; side++) {
		uint32_t n = side ? r->nend_caps : r->nbegin_caps;
		struct lat_period_capture_value *caps = malloc((n + 1) * sizeof(*caps));

		if (!caps) {
			g->status = -ENOMEM;
			return out;
		}
		if (n) {
			memcpy(caps, side ? r->end_caps : r->begin_caps, n * sizeof(*caps));
		}
		qsort(caps, n, sizeof(*caps), cmp_cap_value);
		for (uint32_t i = 0; i < n; i++) {
			struct sbuf k = {0}, v = {0};

			if (!grouped(p, name, caps[i].name)) {
				continue;
			}
			sb_puts(&k, name);
			sb_putc(&k, '.');
			sb_puts(&k, caps[i].name);
			py_value(&v, &caps[i].v, false);
			out.v[out.n].key = g_keep(g, k.s ? k.s : strdup(""));
			out.v[out.n].val = g_keep(g, v.s ? v.s : strdup(""));
			out.n++;
		}
		free(caps);
	}
	return out;
}

static struct clist cl_concat(struct groups *g, const struct clist *a, const struct clist *b)
{
	struct clist out = {calloc(a->n + b->n + 1, sizeof(struct ctuple)), a->n + b->n};

	if (!out.v) {
		g->status = -ENOMEM;
		out.n = 0;
		return out;
	}
	if (a->n) {
		memcpy(out.v, a->v, a->n * sizeof(struct ctuple));
	}
	if (b->n) {
		memcpy(out.v + a->n, b->v, b->n * sizeof(struct ctuple));
	}
	return out;
}

static bool cl_equal(const struct clist *a, const struct clist *b)
{
	if (a->n != b->n) {
		return false;
	}
	for (uint32_t i = 0; i < a->n; i++) {
		if (strcmp(a->v[i].key, b->v[i].key) || strcmp(a->v[i].val, b->v[i].val)) {
			return false;
		}
	}
	return true;
}

static void cls_push(struct groups *g, struct clists *l, struct clist c)
{
	if (grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v))) {
		free(c.v);
		g->status = -ENOMEM;
		return;
	}
	l->v[l->n++] = c;
}

static void cls_free(struct clists *l)
{
	for (uint32_t i = 0; i < l->n; i++) {
		free(l->v[i].v);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int agg_alloc(struct agg *a, size_t nd)
{
	a->by_def = calloc(nd, sizeof(*a->by_def));
	a->order = calloc(nd, sizeof(*a->order));
	if (!a->by_def || !a->order) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < nd; i++) {
		a->by_def[i].kids = calloc(nd, sizeof(*a->by_def[i].kids));
		if (!a->by_def[i].kids) {
			return -ENOMEM;
		}
	}
	return 0;
}

static void agg_free(struct agg *a, size_t nd)
{
	if (a->by_def) {
		for (size_t i = 0; i < nd; i++) {
			if (!a->by_def[i].kids) {
				continue;
			}
			for (size_t j = 0; j < nd; j++) {
				free(a->by_def[i].kids[j].durations);
				free(a->by_def[i].kids[j].counts);
				free(a->by_def[i].kids[j].pcs);
			}
			free(a->by_def[i].kids);
		}
	}
	free(a->by_def);
	free(a->order);
	free(a->acc_sum);
	free(a->acc_cnt);
}

static struct pgroup *group_get(struct lat_periods *p, struct groups *g, const char *key)
{
	struct pgroup *x;

	for (uint32_t i = 0; i < g->n; i++) {
		if (strcmp(g->v[i].key, key) == 0) {
			return &g->v[i];
		}
	}
	if (grow((void **)&g->v, &g->cap, g->n + 1, sizeof(*g->v))) {
		g->status = -ENOMEM;
		return NULL;
	}
	x = &g->v[g->n];
	memset(x, 0, sizeof(*x));
	x->key = strdup(key);
	x->own = calloc(p->ndefs, sizeof(*x->own));
	x->own_n = calloc(p->ndefs, sizeof(*x->own_n));
	x->own_cap = calloc(p->ndefs, sizeof(*x->own_cap));
	x->own_order = calloc(p->ndefs, sizeof(*x->own_order));
	x->tmp_of = malloc((p->nrecords ? p->nrecords : 1) * sizeof(*x->tmp_of));
	g->n++;
	if (!x->key || !x->own || !x->own_n || !x->own_cap || !x->own_order || !x->tmp_of ||
	    agg_alloc(&x->agg, p->ndefs)) {
		g->status = -ENOMEM;
		return NULL;
	}
	x->agg.p = p;
	for (uint32_t i = 0; i < p->nrecords; i++) {
		x->tmp_of[i] = -1;
	}
	snprintf(x->prefix, sizeof(x->prefix), "'%s' - ", key);
	snprintf(x->freq_prefix, sizeof(x->freq_prefix), "'%s' -- ", key);
	return x;
}

static int32_t tmp_new(struct lat_periods *p, struct groups *g, struct pgroup *x, int32_t parent)
{
	struct tmpagg *t;

	if (grow((void **)&x->tmps, &x->tmps_cap, x->ntmps + 1, sizeof(*x->tmps))) {
		g->status = -ENOMEM;
		return -1;
	}
	t = &x->tmps[x->ntmps];
	t->parent = parent;
	t->sum = calloc(p->ndefs, sizeof(*t->sum));
	t->cnt = calloc(p->ndefs, sizeof(*t->cnt));
	if (!t->sum || !t->cnt) {
		free(t->sum);
		free(t->cnt);
		g->status = -ENOMEM;
		return -1;
	}
	return (int32_t)x->ntmps++;
}

/* _add_parent_per_group_active_periods */
static int32_t tmp_add_chain(struct lat_periods *p, struct groups *g, struct pgroup *x,
			     uint32_t rec)
{
	int64_t parent = p->records[rec].parent;
	int32_t link = -1, t;

	if (parent >= 0 && x->tmp_of[parent] < 0) {
		link = tmp_add_chain(p, g, x, (uint32_t)parent);
	}
	t = tmp_new(p, g, x, link);
	if (t >= 0) {
		x->tmp_of[rec] = t;
	}
	return t;
}

/* _AggregatedPeriodStats.finish_period */
static void finish_period(struct groups *g, struct parent_stats *ps, int64_t pdur,
			  const struct tmpagg *t, size_t nd)
{
	for (size_t def = 0; def < nd; def++) {
		struct child_stats *cs = &ps->kids[def];

		if (!t->cnt[def]) {
			continue;
		}
		if (grow((void **)&cs->durations, &cs->cap, cs->n + 1, sizeof(int64_t)) ||
		    !(cs->counts = realloc(cs->counts, cs->cap * sizeof(double))) ||
		    !(cs->pcs = realloc(cs->pcs, cs->cap * sizeof(double)))) {
			g->status = -ENOMEM;
			return;
		}
		cs->durations[cs->n] = t->sum[def];
		cs->counts[cs->n] = t->cnt[def];
		cs->pcs[cs->n] = pdur ? (double)t->sum[def] / (double)pdur * 100 : 0;
		cs->n++;
	}
	ps->nr_periods++;
}

static int cmp_tuple_key(const void *a, const void *b)
{
	return strcmp(((const struct ctuple *)a)->key, ((const struct ctuple *)b)->key);
}

/* _account_parents_in_group */
static void account(struct lat_periods *p, struct groups *g, uint32_t rec,
		    const struct clists *full, uint32_t ngroup_periods)
{
	const struct lat_period_record *r = &p->records[rec];
	int64_t dur = rec_duration(r);

	for (uint32_t i = 0; i < full->n && !g->status; i++) {
		const struct clist *c = &full->v[i];
		struct ctuple *sorted;
		struct sbuf key = {0};
		struct pgroup *x;

		if (c->n < ngroup_periods || c->n == 0) {
			continue;
		}
		sorted = malloc(c->n * sizeof(*sorted));
		if (!sorted) {
			g->status = -ENOMEM;
			return;
		}
		memcpy(sorted, c->v, c->n * sizeof(*sorted));
		/* sorted(..., key=x[0]) is stable: insertion sort */
		for (uint32_t a = 1; a < c->n; a++) {
			struct ctuple v = sorted[a];
			uint32_t b = a;

			while (b > 0 && cmp_tuple_key(&sorted[b - 1], &v) > 0) {
				sorted[b] = sorted[b - 1];
				b--;
			}
			sorted[b] = v;
		}
		for (uint32_t a = 0; a < c->n; a++) {
			if (a) {
				sb_puts(&key, ", ");
			}
			sb_puts(&key, sorted[a].key);
			sb_puts(&key, " = ");
			sb_puts(&key, sorted[a].val);
		}
		free(sorted);
		x = key.s ? group_get(p, g, key.s) : NULL;
		free(key.s);
		if (!x) {
			g->status = g->status ? g->status : -ENOMEM;
			return;
		}
		if (!x->own_cap[r->def] && !x->own_n[r->def]) {
			bool met = false;

			for (uint32_t k = 0; k < x->nown_order; k++) {
				met |= x->own_order[k] == r->def;
			}
			if (!met) {
				x->own_order[x->nown_order++] = r->def;
			}
		}
		if (grow((void **)&x->own[r->def], &x->own_cap[r->def], x->own_n[r->def] + 1,
			 sizeof(int64_t))) {
			g->status = -ENOMEM;
			return;
		}
		x->own[r->def][x->own_n[r->def]++] = dur;
		agg_use(&x->agg, r->def);
		for (int64_t parent = r->parent; parent >= 0; parent = p->records[parent].parent) {
			int32_t t;

			if (x->tmp_of[parent] < 0 && tmp_add_chain(p, g, x, (uint32_t)parent) < 0) {
				return;
			}
			agg_use(&x->agg, p->records[parent].def);
			/* _TmpAggregation.add_child: this one and its linked ancestors */
			for (t = x->tmp_of[parent]; t >= 0; t = x->tmps[t].parent) {
				x->tmps[t].sum[r->def] += dur;
				x->tmps[t].cnt[r->def]++;
			}
		}
		if (x->tmp_of[rec] >= 0) {
			finish_period(g, &x->agg.by_def[r->def], dur, &x->tmps[x->tmp_of[rec]],
				      p->ndefs);
		}
	}
}

/* _hierarchical_sub: returns the local capture lists of `rec` */
static struct clists hsub(struct lat_periods *p, struct groups *g, uint32_t rec,
			  const struct clist *ancestors, uint32_t ngroup_periods)
{
	const struct lat_period_record *r = &p->records[rec];
	struct clist own = filtered_captures(p, g, rec), anc_own;
	struct clists local = {0}, full = {0};

	anc_own = cl_concat(g, ancestors, &own);
	for (uint32_t i = 0; i < r->nchildren && !g->status; i++) {
		struct clists cc;

		if (!duration_ok(p, rec_duration(&p->records[r->children[i]]))) {
			continue;
		}
		cc = hsub(p, g, r->children[i], &anc_own, ngroup_periods);
		for (uint32_t j = 0; j < cc.n; j++) {
			cls_push(g, &local, cl_concat(g, &own, &cc.v[j]));
		}
		cls_free(&cc);
	}
	if (!local.n) {
		cls_push(g, &local, cl_concat(g, &own, &(struct clist){0}));
	}
	for (uint32_t i = 0; i < local.n; i++) {
		struct clist c = cl_concat(g, &local.v[i], ancestors);
		bool dup = false;

		for (uint32_t j = 0; j < full.n && !dup; j++) {
			dup = cl_equal(&full.v[j], &c);
		}
		if (dup) {
			free(c.v);
		} else {
			cls_push(g, &full, c);
		}
	}
	account(p, g, rec, &full, ngroup_periods);
	cls_free(&full);
	free(own.v);
	free(anc_own.v);
	return local;
}

static int groups_build(struct lat_periods *p, struct groups *g)
{
	char names[LAT_PERIODS_MAX_ARGS][256];
	uint32_t nnames = 0;
	const char *s = p->opts.group_by;

	if (!s || !*s) {
		return 0;
	}
	/* how many periods the groups name (a capture list shorter than that is skipped) */
	while (s && *s) {
		const char *end = strchr(s, ','), *dot;
		char item[256], *it = item, *slash;
		bool seen = false;

		snprintf(item, sizeof(item), "%.*s", (int)(end ? (size_t)(end - s) : strlen(s)), s);
		while (*it == ' ' || *it == '\t') {
			it++;
		}
		dot = strchr(it, '.');
		if (*it && dot) {
			item[dot - item] = '\0';
			slash = strrchr(it, '/');
			it = slash ? slash + 1 : it;
			for (uint32_t i = 0; i < nnames; i++) {
				seen |= strcmp(names[i], it) == 0;
			}
			if (!seen && nnames < LAT_PERIODS_MAX_ARGS) {
				snprintf(names[nnames++], sizeof(names[0]), "%s", it);
			}
		}
		s = end ? end + 1 : NULL;
	}
	for (uint32_t i = 0; i < p->nrecords && !g->status; i++) {
		const struct lat_period_record *r = &p->records[i];
		struct clists local;

		if (!r->completed || r->parent >= 0 || !duration_ok(p, rec_duration(r))) {
			continue;
		}
		local = hsub(p, g, i, &(struct clist){0}, nnames);
		cls_free(&local);
	}
	return g->status;
}

static void groups_fini(struct lat_periods *p, struct groups *g)
{
	for (uint32_t i = 0; i < g->n; i++) {
		struct pgroup *x = &g->v[i];

		free(x->key);
		for (size_t d = 0; x->own && d < p->ndefs; d++) {
			free(x->own[d]);
		}
		free(x->own);
		free(x->own_n);
		free(x->own_cap);
		free(x->own_order);
		free(x->tmp_of);
		for (uint32_t t = 0; t < x->ntmps; t++) {
			free(x->tmps[t].sum);
			free(x->tmps[t].cnt);
		}
		free(x->tmps);
		agg_free(&x->agg, p->ndefs);
	}
	free(g->v);
	for (uint32_t i = 0; i < g->nstrings; i++) {
		free(g->strings[i]);
	}
	free(g->strings);
	memset(g, 0, sizeof(*g));
}

/* The per-period statistics of one group (text only: the peer's LAMI leaves them out). */
static int group_stats_table(struct lat_periods *p, const struct pgroup *x, struct lat_result *res)
{
	struct lat_table *t =
	    lat_result_add_table(res, &stats_class, p->first_ts, p->last_ts, NULL);

	if (!t) {
		return -ENOMEM;
	}
	for (uint32_t k = 0; k < x->nown_order; k++) {
		uint32_t def = x->own_order[k], n = 0;
		int64_t *vals, min = 0, max = 0, total = 0;
		struct lat_cell *c;
		double sd;

		if (!sel_ok(p, lat_periods_def_name(p, def))) {
			continue;
		}
		vals = malloc((x->own_n[def] + 1) * sizeof(*vals));
		if (!vals) {
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < x->own_n[def]; i++) {
			int64_t v = x->own[def][i];

			if (!duration_ok(p, v)) {
				continue;
			}
			min = !n || v < min ? v : min;
			max = !n || v > max ? v : max;
			total += v;
			vals[n++] = v;
		}
		sd = stdev_int(vals, n);
		free(vals);
		c = lat_table_add_row(t);
		if (!c) {
			return -ENOMEM;
		}
		c[0] = lat_cell_str(LAT_CLS_STRING, p->defs[def].path);
		c[1] = lat_cell_int(LAT_CLS_NUMBER, n);
		c[2] = lat_cell_int(LAT_CLS_DURATION, min);
		c[3] = n ? lat_cell_float(LAT_CLS_DURATION, (double)total / n)
			 : lat_cell_int(LAT_CLS_DURATION, 0);
		c[4] = lat_cell_int(LAT_CLS_DURATION, max);
		c[5] = isnan(sd) ? lat_cell_unknown() : lat_cell_float(LAT_CLS_DURATION, sd);
		c[6] = lat_cell_int(LAT_CLS_DURATION, total);
	}
	return 0;
}

/* The per-parent distributions of one source and one kind (see per_parent_freq_all). */
static int pp_freq_kind(struct lat_periods *p, struct lat_result *res, int k, const struct agg *a,
			const struct parent_stats *global_by_def, const char *prefix,
			const struct urange *uni, bool *scanned)
{
	static const struct {
		const char *text;
		int kind; /* 0 duration, 1 count, 2 ratio */
		bool global;
	} kinds[6] = {
	    {"Duration of ", 0, false},    {"Global duration of ", 0, true},
	    {"Number of ", 1, false},      {"Global number of ", 1, true},
	    {"Usage ratio of ", 2, false}, {"Global usage ratio of ", 2, true},
	};
	const struct lat_table_class *cls = kinds[k].kind == 0   ? &freq_duration_class
					    : kinds[k].kind == 1 ? &freq_count_class
								 : &freq_ratio_class;
	uint32_t parents[LAT_PERIODS_MAX_ARGS];
	size_t np = 0;
	int ret = 0;

	for (uint32_t i = 0; i < a->norder; i++) {
		parents[np++] = a->order[i];
	}
	qsort_r(parents, np, sizeof(parents[0]), cmp_def_by_name, p);
	for (size_t i = 0; i < np && !ret; i++) {
		const struct parent_stats *ps = &a->by_def[parents[i]];
		uint32_t desc[LAT_PERIODS_MAX_ARGS], nr = global_by_def[parents[i]].nr_periods;
		size_t ndesc = 0;

		if (!aggby_ok(p, lat_periods_def_name(p, parents[i]))) {
			continue;
		}
		descendants(p, parents[i], desc, &ndesc);
		for (size_t j = 0; j < ndesc && !ret; j++) {
			const struct child_stats *cs = &ps->kids[desc[j]];
			uint32_t n = cs->n, total = n;
			char subtitle[700];
			double *v;

			if (!n || !sel_ok(p, lat_periods_def_name(p, desc[j]))) {
				continue;
			}
			if (kinds[k].global && nr > n) {
				total = nr;
			}
			v = calloc(total, sizeof(*v));
			if (!v) {
				return -ENOMEM;
			}
			for (uint32_t x = 0; x < n; x++) {
				v[x] = kinds[k].kind == 0   ? (double)cs->durations[x]
				       : kinds[k].kind == 1 ? cs->counts[x]
							    : cs->pcs[x];
			}
			if (scanned) { /* --freq-uniform: the first pass, over the same lists */
				uni_update(p, UNI_DURATION + k, v, total,
					   kinds[k].kind == 0 ? 1000 : 1);
				*scanned = true;
				free(v);
				continue;
			}
			snprintf(subtitle, sizeof(subtitle), "%s%s%s per %s", prefix, kinds[k].text,
				 p->defs[desc[j]].path, p->defs[parents[i]].path);
			ret = freq_values_table(p, res, cls, subtitle, v, total,
						kinds[k].kind == 0 ? 1000 : 1, uni);
			free(v);
		}
	}
	return ret;
}

/* The filtered durations of a group's period (own_n + 1 slots); returns how many. */
static uint32_t group_durations(const struct lat_periods *p, const struct pgroup *x, uint32_t def,
				double *v)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < x->own_n[def]; i++) {
		if (duration_ok(p, x->own[def][i])) {
			v[n++] = (double)x->own[def][i];
		}
	}
	return n;
}

/*
 * A group's per-period distributions ("'KEY' - Duration of period: NAME"), in order met; with
 * --freq-uniform, `uni` holds the bounds common to every group's (even an empty list then gets
 * its table of zeros, as in the peer).
 */
static int group_period_freq(struct lat_periods *p, const struct pgroup *x, struct lat_result *res,
			     const struct urange *uni)
{
	int ret = 0;

	for (uint32_t k = 0; k < x->nown_order && !ret; k++) {
		uint32_t def = x->own_order[k], n;
		double *v;
		char subtitle[700];

		if (!sel_ok(p, lat_periods_def_name(p, def))) {
			continue;
		}
		v = malloc((x->own_n[def] + 1) * sizeof(*v));
		if (!v) {
			return -ENOMEM;
		}
		n = group_durations(p, x, def, v);
		snprintf(subtitle, sizeof(subtitle), "%sDuration of period: %s", x->prefix,
			 lat_periods_def_name(p, def));
		if (n || uni) {
			ret = freq_values_table(p, res, &freq_duration_class, subtitle, v, n, 1000,
						uni);
		}
		free(v);
	}
	return ret;
}

/*
 * --freq-series (_get_per_group_freq_series_tables, LAMI only as in the peer): for each period
 * of the groups' per-period distributions, one table of the common (uniform) buckets with one
 * count column a group. The peer fails (KeyError, IndexError) when a group lacks the period or
 * the buckets are empty; latscope counts 0 for that group, and makes no series when all are.
 */
static int series_tables(struct lat_periods *p, const struct groups *g, const struct urange *uni,
			 struct lat_result *res)
{
	static const struct lat_column_class bounds[2] = {
	    {"duration_lower", "Duration (lower bound)", LAT_CLS_DURATION, NULL},
	    {"duration_upper", "Duration (upper bound)", LAT_CLS_DURATION, NULL},
	};
	uint32_t order[LAT_PERIODS_MAX_ARGS], n = 0;
	int res_n = p->opts.freq_resolution;

	if (!g->n || uni->step == 0) {
		return 0;
	}
	for (uint32_t i = 0; i < g->n; i++) { /* periods in the order the groups meet them */
		for (uint32_t k = 0; k < g->v[i].nown_order; k++) {
			uint32_t def = g->v[i].own_order[k], j = 0;

			while (j < n && order[j] != def) {
				j++;
			}
			if (j == n && sel_ok(p, lat_periods_def_name(p, def))) {
				order[n++] = def;
			}
		}
	}
	p->series_cls = calloc(n ? n : 1, sizeof(*p->series_cls));
	p->series_cols = calloc(n ? n : 1, sizeof(*p->series_cols));
	if (!p->series_cls || !p->series_cols) {
		return -ENOMEM;
	}
	for (uint32_t s = 0; s < n; s++) {
		uint32_t def = order[s];
		struct lat_column_class *cols = calloc(g->n + 2, sizeof(*cols));
		uint64_t *counts = calloc((size_t)res_n * g->n, sizeof(*counts));
		char *title = NULL;
		struct lat_table *t;

		if (!cols || !counts ||
		    asprintf(&title, "Period '%s' duration frequency distribution per group",
			     lat_periods_def_name(p, def)) < 0) {
			free(cols);
			free(counts);
			return -ENOMEM;
		}
		p->series_cols[s] = cols;
		p->series_cls[s] = (struct lat_table_class){NULL, title, cols, g->n + 2};
		p->nseries++;
		cols[0] = bounds[0];
		cols[1] = bounds[1];
		for (uint32_t i = 0; i < g->n; i++) {
			const struct pgroup *x = &g->v[i];
			double *v;

			cols[i + 2] = (struct lat_column_class){NULL, p->group_keys[i],
								LAT_CLS_NUMBER, "count"};
			if (def >= p->ndefs || !x->own_n[def]) {
				continue;
			}
			v = malloc((x->own_n[def] + 1) * sizeof(*v));
			if (!v) {
				free(counts);
				return -ENOMEM;
			}
			bucket_values(p, v, group_durations(p, x, def, v), 1000, uni,
				      counts + (size_t)i * res_n);
			free(v);
		}
		t = lat_result_add_table(res, &p->series_cls[s], p->first_ts, p->last_ts, NULL);
		for (int r = 0; t && r < res_n; r++) {
			struct lat_cell *c = lat_table_add_row(t);

			if (!c) {
				t = NULL;
				break;
			}
			c[0] = lat_cell_float(LAT_CLS_DURATION, (r * uni->step + uni->min) * 1000);
			c[1] = lat_cell_float(LAT_CLS_DURATION,
					      ((r + 1) * uni->step + uni->min) * 1000);
			for (uint32_t i = 0; i < g->n; i++) {
				c[i + 2] = lat_cell_int(LAT_CLS_NUMBER,
							(int64_t)counts[(size_t)i * res_n + r]);
			}
		}
		free(counts);
		if (!t) {
			return -ENOMEM;
		}
	}
	return 0;
}

/* --freq-uniform: the six per-parent categories' bounds for one source (all periods, a group) */
static void pp_uniform(struct lat_periods *p, const struct agg *a,
		       const struct parent_stats *global_by_def, struct urange ranges[6])
{
	for (int k = 0; k < 6; k++) {
		bool scanned = false;

		pp_freq_kind(p, NULL, k, a, global_by_def, "", NULL, &scanned);
		/* _find_table_min_max_step: no list, no step; the maximum starts at 0 */
		ranges[k] = uni_range(p, UNI_DURATION + k);
		if (ranges[k].max < 0) {
			ranges[k].max = 0;
			ranges[k].step = (0 - ranges[k].min) / p->opts.freq_resolution;
		}
		if (!scanned) {
			ranges[k] = (struct urange){0, 0, 0};
		}
	}
}

/*
 * Every distribution of periodfreq, grouped by class as the peer's LAMI: durations (per period,
 * per parent, globally; all periods then each group), counts, ratios; then the --freq-series
 * tables. With --freq-uniform the bounds are computed in the peer's order, since its running
 * bounds carry from one step to the next: the groups' per-period durations, the per-period
 * durations, the per-parent values of all periods, then of each group.
 */
static int per_parent_freq_all(struct lat_periods *p, struct agg *a, struct groups *g,
			       struct lat_result *res)
{
	/* the peer's append order; lat_periods_results() then groups the tables by class */
	static const int kinds[6] = {0, 2, 4, 1, 3, 5};
	struct urange group_uni = {0, 0, 0}, pp_uni[6];
	bool uniform = p->opts.freq_uniform;
	int ret = 0;

	if (uniform) {
		/* _find_filtered_uniform_freq_values: every group's periods, the last bounds */
		for (uint32_t i = 0; i < g->n && !ret; i++) {
			const struct pgroup *x = &g->v[i];

			for (uint32_t k = 0; k < x->nown_order; k++) {
				uint32_t def = x->own_order[k];
				double *v = malloc((x->own_n[def] + 1) * sizeof(*v));

				if (!v) {
					return -ENOMEM;
				}
				uni_update(p, UNI_DURATION, v, group_durations(p, x, def, v), 1000);
				free(v);
				group_uni = uni_range(p, UNI_DURATION);
			}
		}
	}
	ret = freq_tables(p, res);
	if (uniform) {
		pp_uniform(p, a, a->by_def, pp_uni);
	}
	for (int k = 0; k < 6 && !ret; k++) {
		ret = pp_freq_kind(p, res, kinds[k], a, a->by_def, "",
				   uniform ? &pp_uni[kinds[k]] : NULL, NULL);
	}
	for (uint32_t i = 0; i < g->n && !ret; i++) {
		ret = group_period_freq(p, &g->v[i], res, uniform ? &group_uni : NULL);
		if (uniform) {
			pp_uniform(p, &g->v[i].agg, a->by_def, pp_uni);
		}
		for (int k = 0; k < 6 && !ret; k++) {
			ret = pp_freq_kind(p, res, kinds[k], &g->v[i].agg, a->by_def,
					   g->v[i].freq_prefix, uniform ? &pp_uni[kinds[k]] : NULL,
					   NULL);
		}
	}
	if (!ret && p->opts.freq_series) {
		ret = series_tables(p, g, &group_uni, res);
	}
	return ret;
}

/* Per-parent statistics (stats) and distributions (freq), in the peer's table order. */
static int per_parent_tables(struct lat_periods *p, struct lat_result *res, bool stats, bool freq)
{
	struct agg a = {.p = p};
	struct groups g = {0};
	size_t nd = p->ndefs;
	int ret = -ENOMEM;

	a.by_def = calloc(nd, sizeof(*a.by_def));
	a.order = calloc(nd, sizeof(*a.order));
	a.acc_sum = calloc(nd * (nd + 1), sizeof(*a.acc_sum));
	a.acc_cnt = calloc(nd * (nd + 1), sizeof(*a.acc_cnt));
	if (!a.by_def || !a.order || !a.acc_sum || !a.acc_cnt) {
		goto out;
	}
	for (size_t i = 0; i < nd; i++) {
		a.by_def[i].kids = calloc(nd, sizeof(*a.by_def[i].kids));
		if (!a.by_def[i].kids) {
			goto out;
		}
	}
	for (uint32_t i = 0; i < p->nrecords; i++) {
		const struct lat_period_record *r = &p->records[i];

		if (!r->completed || r->parent >= 0 || !duration_ok(p, rec_duration(r))) {
			continue;
		}
		agg_use(&a, r->def);
		agg_sub(&a, i, 0);
		if (a.status) {
			goto out;
		}
	}
	ret = groups_build(p, &g);
	if (ret) {
		goto out;
	}
	if (g.n) {
		p->group_keys = calloc(g.n, sizeof(*p->group_keys));
		if (!p->group_keys) {
			ret = -ENOMEM;
			goto out;
		}
		for (uint32_t k = 0; k < g.n && !ret; k++) {
			p->group_keys[k] = strdup(g.v[k].key);
			p->ngroup_keys += p->group_keys[k] != NULL;
			ret = p->group_keys[k] ? group_stats_table(p, &g.v[k], &p->text_extra)
					       : -ENOMEM;
		}
		if (ret) {
			goto out;
		}
	}
	if (stats) {
		/*
		 * Grouped by class, as the peer's LAMI: for each class (duration, count,
		 * ratio), all periods then each group, with active children then globally.
		 */
		for (int cls = 0; cls < 3 && !ret; cls++) {
			for (int kind = cls * 2; kind < cls * 2 + 2 && !ret; kind++) {
				ret = pp_stats_table(p, res, kind, a.by_def, a.order, a.norder,
						     a.by_def, "");
			}
			for (uint32_t k = 0; k < g.n && !ret; k++) {
				for (int kind = cls * 2; kind < cls * 2 + 2 && !ret; kind++) {
					ret = pp_stats_table(p, res, kind, g.v[k].agg.by_def,
							     g.v[k].agg.order, g.v[k].agg.norder,
							     a.by_def, g.v[k].prefix);
				}
			}
		}
		if (ret) {
			goto out;
		}
	}
	if (freq) {
		ret = per_parent_freq_all(p, &a, &g, res);
	}
out:
	groups_fini(p, &g);
	if (a.by_def) {
		for (size_t i = 0; i < nd; i++) {
			if (!a.by_def[i].kids) {
				continue;
			}
			for (size_t j = 0; j < nd; j++) {
				free(a.by_def[i].kids[j].durations);
				free(a.by_def[i].kids[j].counts);
				free(a.by_def[i].kids[j].pcs);
			}
			free(a.by_def[i].kids);
		}
	}
	free(a.by_def);
	free(a.order);
	free(a.acc_sum);
	free(a.acc_cnt);
	return ret;
}

/*
 * Duration distribution of each period (_get_per_period_freq_result_tables and
 * _fill_freq_result_table): periods by name; `resolution` buckets between the shortest and the
 * longest period (µs); the longest goes in the last bucket.
 */
static int cmp_def_by_name(const void *a, const void *b, void *user)
{
	const struct lat_periods *p = user;

	return strcmp(lat_periods_def_name(p, *(const uint32_t *)a),
		      lat_periods_def_name(p, *(const uint32_t *)b));
}

static int freq_tables(struct lat_periods *p, struct lat_result *res)
{
	uint32_t order[LAT_PERIODS_MAX_ARGS];
	struct urange uni = {0, 0, 0};
	size_t n = 0;

	if (p->opts.freq_uniform) {
		/* _get_per_period_freq_result_tables: the durations of every period in range */
		size_t total = 0, k = 0;
		double *all;

		for (size_t i = 0; i < p->ndefs; i++) {
			total += p->defs[i].ndurations;
		}
		all = malloc((total + 1) * sizeof(*all));
		if (!all) {
			return -ENOMEM;
		}
		for (size_t i = 0; i < p->ndefs; i++) {
			for (uint32_t j = 0; j < p->defs[i].ndurations; j++) {
				if (duration_ok(p, p->defs[i].durations[j])) {
					all[k++] = (double)p->defs[i].durations[j];
				}
			}
		}
		uni_update(p, UNI_DEFAULT, all, k, 1000);
		uni = uni_range(p, UNI_DEFAULT);
		free(all);
	}
	for (size_t i = 0; i < p->ndefs; i++) {
		if (p->defs[i].ndurations && sel_ok(p, lat_periods_def_name(p, (uint32_t)i))) {
			order[n++] = (uint32_t)i;
		}
	}
	qsort_r(order, n, sizeof(order[0]), cmp_def_by_name, p);
	for (size_t k = 0; k < n; k++) {
		const struct pdef *d = &p->defs[order[k]];
		double min = 0, max = 0, step;
		uint64_t *buckets;
		bool any = false;
		int res_n = p->opts.freq_resolution;
		struct lat_table *t;
		char subtitle[300];

		for (uint32_t i = 0; i < d->ndurations; i++) {
			double v = (double)d->durations[i];

			if (!duration_ok(p, d->durations[i])) {
				continue;
			}
			if (!any || v < min) {
				min = v;
			}
			if (!any || v > max) {
				max = v;
			}
			any = true;
		}
		min /= 1000;
		max /= 1000;
		step = (max - min) / res_n;
		if (p->opts.freq_uniform) {
			min = uni.min, max = uni.max, step = uni.step;
		}
		if (step == 0) {
			continue;
		}
		snprintf(subtitle, sizeof(subtitle), "Duration of period: %s",
			 lat_periods_def_name(p, order[k]));
		t = lat_result_add_table(res, &freq_duration_class, p->first_ts, p->last_ts,
					 subtitle);
		buckets = calloc((size_t)res_n, sizeof(*buckets));
		if (!t || !buckets) {
			free(buckets);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < d->ndurations; i++) {
			double v = (double)d->durations[i] / 1000;
			long b;

			if (!duration_ok(p, d->durations[i])) {
				continue;
			}
			b = (long)((v - min) / step);
			if (b >= res_n) {
				if (v == max) {
					buckets[b - 1 < res_n ? b - 1 : res_n - 1]++;
				}
				continue;
			}
			buckets[b >= 0 ? b : res_n + b]++;
		}
		for (int i = 0; i < res_n; i++) {
			struct lat_cell *c = lat_table_add_row(t);

			if (!c) {
				free(buckets);
				return -ENOMEM;
			}
			c[0] = lat_cell_float(LAT_CLS_DURATION, (i * step + min) * 1000);
			c[1] = lat_cell_float(LAT_CLS_DURATION, ((i + 1) * step + min) * 1000);
			c[2] = lat_cell_int(LAT_CLS_NUMBER, (int64_t)buckets[i]);
		}
		free(buckets);
	}
	return 0;
}

/*
 * One distribution of per-parent values (_fill_freq_result_table_values): between the min and
 * the max of the values (divided by ratio); --min/--max-duration filter the raw values (the
 * peer does so for counts and ratios too). Bounds are durations in every class, as the peer's.
 */
static void bucket_values(const struct lat_periods *p, const double *vals, uint32_t n, double ratio,
			  const struct urange *r, uint64_t *counts)
{
	int res_n = p->opts.freq_resolution;

	for (uint32_t i = 0; i < n; i++) {
		double d = vals[i] / ratio;
		long idx;

		if ((p->opts.has_min && vals[i] < p->opts.min_us * 1000) ||
		    (p->opts.has_max && vals[i] > p->opts.max_us * 1000)) {
			continue;
		}
		idx = (long)((d - r->min) / r->step);
		if (idx >= res_n) {
			if (d == r->max) {
				counts[idx - 1 < res_n ? idx - 1 : res_n - 1]++;
			}
			continue;
		}
		counts[idx >= 0 ? idx : 0]++;
	}
}

static int freq_values_table(struct lat_periods *p, struct lat_result *res,
			     const struct lat_table_class *cls, const char *subtitle,
			     const double *vals, uint32_t n, double ratio, const struct urange *u)
{
	struct urange r = {0, 0, 0};
	int res_n = p->opts.freq_resolution;
	uint64_t *counts;
	struct lat_table *t;

	if (u) { /* --freq-uniform: the bounds common to the category */
		r = *u;
	} else if (n) {
		r.min = r.max = vals[0];
		for (uint32_t i = 0; i < n; i++) {
			r.min = vals[i] < r.min ? vals[i] : r.min;
			r.max = vals[i] > r.max ? vals[i] : r.max;
		}
		r.min /= ratio;
		r.max /= ratio;
		r.step = (r.max - r.min) / res_n;
	}
	if (r.step == 0) {
		return 0; /* an empty table: neither printed nor in LAMI */
	}
	counts = calloc((size_t)res_n, sizeof(*counts));
	t = lat_result_add_table(res, cls, p->first_ts, p->last_ts, subtitle);
	if (!counts || !t) {
		free(counts);
		return -ENOMEM;
	}
	bucket_values(p, vals, n, ratio, &r, counts);
	for (int i = 0; i < res_n; i++) {
		struct lat_cell *c = lat_table_add_row(t);

		if (!c) {
			free(counts);
			return -ENOMEM;
		}
		c[0] = lat_cell_float(LAT_CLS_DURATION, (i * r.step + r.min) * 1000);
		c[1] = lat_cell_float(LAT_CLS_DURATION, ((i + 1) * r.step + r.min) * 1000);
		c[2] = lat_cell_int(LAT_CLS_NUMBER, (int64_t)counts[i]);
	}
	free(counts);
	return 0;
}

/*
 * The aggregated log of `periodlog --select ... --aggregate-by P` (_get_aggregated_log_table,
 * text only: the peer's LAMI leaves it out): for each instance of P, each selected descendant
 * period's count and durations.
 */
static bool sel_listed(const struct lat_periods *p, const char *name)
{
	if (!p->nsel) {
		return true;
	}
	for (uint32_t i = 0; i < p->nsel; i++) {
		if (strcmp(p->sel[i], name) == 0) {
			return true;
		}
	}
	return false;
}

/* _find_aggregated_subperiods: the selected descendants (below the first level: unfiltered) */
static int agg_collect(const struct lat_periods *p, uint32_t rec, uint32_t **items, uint32_t *n,
		       uint32_t *cap)
{
	const struct lat_period_record *r = &p->records[rec];

	if (sel_listed(p, lat_periods_def_name(p, r->def))) {
		if (grow((void **)items, cap, *n + 1, sizeof(**items))) {
			return -ENOMEM;
		}
		(*items)[(*n)++] = rec;
	}
	for (uint32_t i = 0; i < r->nchildren; i++) {
		if (agg_collect(p, r->children[i], items, n, cap)) {
			return -ENOMEM;
		}
	}
	return 0;
}

static int agg_log_table(struct lat_periods *p)
{
	char sub[1024];
	size_t used = 0;
	struct lat_table *t;
	uint32_t *items = NULL, cap = 0;
	int ret = 0;

	used += (size_t)snprintf(sub, sizeof(sub), "Aggregation of (");
	for (uint32_t i = 0; i < p->nsel && used < sizeof(sub); i++) {
		used += (size_t)snprintf(sub + used, sizeof(sub) - used, "%s%s", i ? ", " : "",
					 p->sel[i]);
	}
	if (used < sizeof(sub)) {
		snprintf(sub + used, sizeof(sub) - used, ") by %s", p->agg_by ? p->agg_by : "None");
	}
	t = lat_result_add_table(&p->text_agg, &agg_stats_class, p->first_ts, p->last_ts, sub);
	if (!t) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < p->nrecords && !ret && p->agg_by; i++) {
		const struct lat_period_record *r = &p->records[i];
		uint32_t n = 0, *names = NULL, nnames = 0;
		struct sbuf caps = {0};

		if (!r->completed || !duration_ok(p, rec_duration(r)) ||
		    strcmp(lat_periods_def_name(p, r->def), p->agg_by) != 0) {
			continue;
		}
		for (uint32_t c = 0; c < r->nchildren && !ret; c++) {
			if (duration_ok(p, rec_duration(&p->records[r->children[c]]))) {
				ret = agg_collect(p, r->children[c], &items, &n, &cap);
			}
		}
		/* full_captures(): begin then end captures, "P.c = v, ..." or None */
		for (int side = 0; side < 2; side++) {
			uint32_t nc = side ? r->nend_caps : r->nbegin_caps;
			const struct lat_period_capture_value *cv =
			    side ? r->end_caps : r->begin_caps;

			for (uint32_t c = 0; c < nc; c++) {
				if (caps.len) {
					sb_puts(&caps, ", ");
				}
				sb_puts(&caps, lat_periods_def_name(p, r->def));
				sb_putc(&caps, '.');
				sb_puts(&caps, cv[c].name);
				sb_puts(&caps, " = ");
				py_value(&caps, &cv[c].v, false);
			}
		}
		names = calloc(n + 1, sizeof(*names));
		if (!names) {
			free(caps.s);
			ret = -ENOMEM;
			break;
		}
		for (uint32_t k = 0; k < n; k++) { /* child names in the order met */
			uint32_t def = p->records[items[k]].def, m = 0;

			while (m < nnames && names[m] != def) {
				m++;
			}
			if (m == nnames) {
				names[nnames++] = def;
			}
		}
		for (uint32_t m = 0; m < nnames && !ret; m++) {
			int64_t *vals = calloc(n + 1, sizeof(*vals)), min = 0, max = 0, total = 0;
			uint32_t cnt = 0;
			struct lat_cell *c;
			double sd;

			if (!vals) {
				ret = -ENOMEM;
				break;
			}
			for (uint32_t k = 0; k < n; k++) {
				int64_t d = rec_duration(&p->records[items[k]]);

				if (p->records[items[k]].def != names[m] || !duration_ok(p, d)) {
					continue;
				}
				min = !cnt || d < min ? d : min;
				max = !cnt || d > max ? d : max;
				total += d;
				vals[cnt++] = d;
			}
			sd = stdev_int(vals, cnt);
			free(vals);
			if (!cnt) {
				continue;
			}
			c = lat_table_add_row(t);
			if (!c) {
				ret = -ENOMEM;
				break;
			}
			c[0] = lat_cell_str(LAT_CLS_STRING, lat_periods_def_name(p, r->def));
			c[1] = lat_cell_int(LAT_CLS_TIMESTAMP, r->begin_ts);
			c[2] = lat_cell_int(LAT_CLS_TIMESTAMP, r->end_ts);
			c[3] = lat_cell_str(LAT_CLS_STRING, p->defs[names[m]].path);
			c[4] = lat_cell_int(LAT_CLS_NUMBER, cnt);
			c[5] = lat_cell_int(LAT_CLS_DURATION, min);
			c[6] = lat_cell_float(LAT_CLS_DURATION, (double)total / cnt);
			c[7] = lat_cell_int(LAT_CLS_DURATION, max);
			c[8] =
			    isnan(sd) ? lat_cell_unknown() : lat_cell_float(LAT_CLS_DURATION, sd);
			c[9] = lat_cell_int(LAT_CLS_DURATION, total);
			c[10] =
			    lat_cell_str(LAT_CLS_STRING,
					 lat_result_strdup(&p->text_agg, caps.s ? caps.s : "None"));
		}
		free(names);
		free(caps.s);
		n = 0;
	}
	free(items);
	return ret;
}

/*
 * The peer's LAMI lists tables grouped by class, classes in the order their first non-empty
 * table was added (empty tables are left out): a stable reordering of the tables.
 */
static void group_by_class(struct lat_result *res)
{
	const struct lat_table_class *seen[32];
	size_t nseen = 0, n = res->ntables;
	struct lat_table *sorted;
	size_t *rank, k = 0;

	if (n < 2) {
		return;
	}
	sorted = malloc(n * sizeof(*sorted));
	rank = malloc(n * sizeof(*rank));
	if (!sorted || !rank) {
		free(sorted);
		free(rank);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct lat_table *t = &res->tables[i];
		size_t r = 0;

		while (r < nseen && seen[r] != t->cls) {
			r++;
		}
		if (r == nseen && t->nrows && nseen < 32) {
			seen[nseen++] = t->cls;
		}
		rank[i] = r < nseen ? r : 32; /* empty tables of an unseen class: last */
	}
	for (size_t i = 0; i < n; i++) { /* classes seen later get their rank now */
		if (rank[i] == 32) {
			for (size_t r = 0; r < nseen; r++) {
				rank[i] = seen[r] == res->tables[i].cls ? r : rank[i];
			}
		}
	}
	for (size_t r = 0; r <= 32; r++) {
		for (size_t i = 0; i < n; i++) {
			if (rank[i] == r) {
				sorted[k++] = res->tables[i];
			}
		}
	}
	memcpy(res->tables, sorted, n * sizeof(*sorted));
	free(sorted);
	free(rank);
}

int lat_periods_results(struct lat_periods *p, struct lat_result *res)
{
	int ret = 0;

	if (!p->have_first) {
		return 0;
	}
	if (!ret && p->opts.log) {
		if (p->opts.select && !p->opts.order_hierarchy) {
			ret = agg_log_table(p); /* instead of the log, as the peer */
		} else {
			ret = log_table(p, res);
		}
	}
	if (!ret && p->opts.top) {
		ret = top_table(p, res);
	}
	if (!ret && p->opts.stats) {
		ret = stats_table(p, res);
	}
	if (!ret && (p->opts.stats || p->opts.freq)) {
		ret = per_parent_tables(p, res, p->opts.stats, p->opts.freq);
	}
	if (!ret) {
		group_by_class(res);
	}
	return ret;
}

/* --- text --------------------------------------------------------------------------------------
 */

static void fmt_ts(char *buf, size_t len, int64_t ts, const struct lat_text_opts *o)
{
	lat_format_timestamp(buf, len, ts, o->multi_day, o->gmt);
}

static const struct lat_period_record *find_record(const struct lat_periods *p,
						   const struct lat_cell *row)
{
	/* rows hold begin/end/name: find the record back for its raw capture values */
	for (uint32_t i = 0; i < p->nrecords; i++) {
		const struct lat_period_record *r = &p->records[i];

		if (r->completed && r->begin_ts == row[0].i && r->end_ts == row[1].i &&
		    (strcmp(row[3].s, p->defs[r->def].path) == 0 ||
		     strcmp(row[3].s, lat_periods_def_name(p, r->def)) == 0)) {
			return r;
		}
	}
	return NULL;
}

static int cmp_cap_name(const void *a, const void *b)
{
	return strcmp(((const struct lat_period_capture_value *)a)->name,
		      ((const struct lat_period_capture_value *)b)->name);
}

/* `'%s = %s' % (key, value)` of the next capture popped from the end of the sorted list. */
static void pop_capture(struct lat_period_capture_value *caps, uint32_t *n, struct sbuf *b)
{
	b->len = 0;
	if (b->s) {
		b->s[0] = '\0';
	}
	if (!*n) {
		return;
	}
	(*n)--;
	sb_puts(b, caps[*n].name);
	sb_puts(b, " = ");
	py_value(b, &caps[*n].v, false);
}

static void print_events(const struct lat_periods *p, const struct lat_table *t,
			 const struct lat_text_opts *o, FILE *out)
{
	fprintf(out, "\n%s\n", t->cls->title);
	fprintf(out, "%-20s %-19s %15s %-24s %-35s %-35s\n", "Begin", "End", "Duration (us)",
		"Name", "Begin capture", "End capture");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct lat_cell *row = lat_table_cell(t, i, 0);
		const struct lat_period_record *r = find_record(p, row);
		struct lat_period_capture_value *bc = NULL, *ec = NULL;
		uint32_t nb = 0, ne = 0, lines;
		struct sbuf bs = {0}, es = {0};
		char b[48], e[48], dur[32];

		if (r) {
			nb = r->nbegin_caps;
			ne = r->nend_caps;
			bc = malloc((nb + 1) * sizeof(*bc));
			ec = malloc((ne + 1) * sizeof(*ec));
			if (!bc || !ec) {
				free(bc);
				free(ec);
				return;
			}
			if (nb) {
				memcpy(bc, r->begin_caps, nb * sizeof(*bc));
			}
			if (ne) {
				memcpy(ec, r->end_caps, ne * sizeof(*ec));
			}
			qsort(bc, nb, sizeof(*bc), cmp_cap_name);
			qsort(ec, ne, sizeof(*ec), cmp_cap_name);
		}
		fmt_ts(b, sizeof(b), row[0].i, o);
		fmt_ts(e, sizeof(e), row[1].i, o);
		snprintf(dur, sizeof(dur), "%0.03f", (double)row[2].i / 1000);
		pop_capture(bc, &nb, &bs);
		pop_capture(ec, &ne, &es);
		fprintf(out, "[%-18s, %-18s] %15s %-24s %-35s %-35s\n", b, e, dur, row[3].s,
			bs.s ? bs.s : "", es.s ? es.s : "");
		lines = nb > ne ? nb : ne;
		for (uint32_t l = 0; l < lines; l++) {
			pop_capture(bc, &nb, &bs);
			pop_capture(ec, &ne, &es);
			fprintf(out, "%-18s %-18s %18s %-24s %-35s %-35s\n", "", "", "", "",
				bs.s ? bs.s : "", es.s ? es.s : "");
		}
		free(bs.s);
		free(es.s);
		free(bc);
		free(ec);
	}
}

static void print_tree(const struct lat_periods *p, uint32_t def, int level, FILE *out)
{
	const struct pdef *d = &p->defs[def];

	if (level == 0) {
		fprintf(out, "%s\n", lat_periods_def_name(p, def));
	} else {
		fprintf(out, "%*s|-- %s\n", (level - 1) * 4, "", lat_periods_def_name(p, def));
	}
	for (size_t i = 0; i < d->nchildren; i++) {
		print_tree(p, (uint32_t)d->children[i], level + 1, out);
	}
}

static void us3(char *buf, size_t len, const struct lat_cell *c)
{
	if (c->cls == LAT_CLS_UNKNOWN) {
		snprintf(buf, len, "?");
	} else {
		snprintf(buf, len, "%0.03f", (c->is_float ? c->d : (double)c->i) / 1000);
	}
}

static double num(const struct lat_cell *c)
{
	return c->is_float ? c->d : (double)c->i;
}

static void print_stats(const struct lat_periods *p, const struct lat_table *t, FILE *out)
{
	fprintf(out, "Period tree:\n");
	for (size_t i = 0; i < p->nroots; i++) {
		print_tree(p, (uint32_t)p->roots[i], 0, out);
	}
	if (!t->nrows) {
		return;
	}
	fprintf(out, "\n%s (us)\n", t->cls->title);
	fprintf(out, "%-25s %8s  %12s  %12s  %12s  %12s %12s\n", "Period", "Count", "Min", "Avg",
		"Max", "Stdev", "Runtime");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct lat_cell *r = lat_table_cell(t, i, 0);
		char cnt[24], mn[32], av[32], mx[32], sd[32], rt[32];

		snprintf(cnt, sizeof(cnt), "%" PRId64, r[1].i);
		us3(mn, sizeof(mn), &r[2]);
		us3(av, sizeof(av), &r[3]);
		us3(mx, sizeof(mx), &r[4]);
		us3(sd, sizeof(sd), &r[5]);
		us3(rt, sizeof(rt), &r[6]);
		fprintf(out, "%-25s %8s  %12s  %12s  %12s  %12s %12s\n", r[0].s, cnt, mn, av, mx,
			sd, rt);
	}
}

/* _print_per_parent_stats / _count / _pc */
static void print_per_parent(const struct lat_table *t, int kind, FILE *out)
{
	if (!t->nrows) {
		return;
	}
	fprintf(out, "\n%s%s\n%s\n", t->cls->title,
		kind == 0   ? " (us)"
		: kind == 2 ? " (%)"
			    : "",
		t->subtitle ? t->subtitle : "");
	fprintf(out, "%-25s %-25s  %12s  %12s  %12s  %12s\n", "Period", "Parent", "Min", "Avg",
		"Max", "Stdev");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct lat_cell *r = lat_table_cell(t, i, 0);
		char mn[32], av[32], mx[32], sd[32];

		if (kind == 0) {
			us3(mn, sizeof(mn), &r[2]);
			us3(av, sizeof(av), &r[3]);
			us3(mx, sizeof(mx), &r[4]);
			us3(sd, sizeof(sd), &r[5]);
		} else {
			snprintf(mn, sizeof(mn), "%lld", (long long)num(&r[2]));
			snprintf(av, sizeof(av), "%0.03f", num(&r[3]));
			snprintf(mx, sizeof(mx), "%lld", (long long)num(&r[4]));
			if (r[5].cls == LAT_CLS_UNKNOWN) {
				snprintf(sd, sizeof(sd), "?");
			} else {
				snprintf(sd, sizeof(sd), "%0.03f", num(&r[5]));
			}
		}
		fprintf(out, "%-25s %-25s  %12s  %12s  %12s  %12s\n", r[0].s, r[1].s, mn, av, mx,
			sd);
	}
}

/* termgraph.FreqGraph: "%7.3f" lower bound, a 72-column bar, the count. */
static void print_freq(const struct lat_table *t, const char *unit, FILE *out)
{
	uint64_t maxv = 0;
	int maxlen = 0;

	if (!t->nrows) {
		return;
	}
	for (size_t i = 0; i < t->nrows; i++) {
		uint64_t v = (uint64_t)lat_table_cell(t, i, 2)->i;
		char tmp[32];
		int len = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

		maxv = v > maxv ? v : maxv;
		maxlen = len > maxlen ? len : maxlen;
	}
	fprintf(out, "%s - %s (%s)\n", t->cls->title, t->subtitle ? t->subtitle : "", unit);
	for (int i = 0; i < 80; i++) {
		fputc('#', out);
	}
	fputc('\n', out);
	for (size_t i = 0; i < t->nrows; i++) {
		const struct lat_cell *r = lat_table_cell(t, i, 0);
		uint64_t v = (uint64_t)r[2].i;
		int width = maxv ? (int)(72 * (double)v / (double)maxv) : 0;

		fprintf(out, "%7.3f ", num(&r[0]) / 1000);
		for (int k = 0; k < width; k++) {
			fputs("\u2588", out);
		}
		fprintf(out, "%*s %*" PRIu64 "\n", 72 - width, "", maxlen, v);
	}
	fprintf(out, "\n");
}

/* _print_aggregated_log */
static void print_agg_log(const struct lat_table *t, const struct lat_text_opts *o, FILE *out)
{
	fprintf(out, "\n%s\n%s\n", t->cls->title, t->subtitle ? t->subtitle : "");
	fprintf(out, "%-35s Parent %-32s | %-35s | %-25s Durations (us) %-22s |\n", "", "", "", "",
		"");
	fprintf(out, "%-20s %-19s %18s %-15s %-24s %12s | %10s %12s %12s %13s %12s | %12s\n",
		"Begin", "End", "Duration (us)", "Name", "| Child name", "Count", "Min", "Avg",
		"Max", "Stdev", "Runtime", "Parent captures");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct lat_cell *r = lat_table_cell(t, i, 0);
		char b[48], e[48], pd[32], child[300], cnt[24], mn[32], av[32], mx[32], sd[32],
		    rt[32];

		fmt_ts(b, sizeof(b), r[1].i, o);
		fmt_ts(e, sizeof(e), r[2].i, o);
		snprintf(pd, sizeof(pd), "%0.03f", (double)(r[2].i - r[1].i) / 1000);
		snprintf(child, sizeof(child), "| %s", r[3].s);
		snprintf(cnt, sizeof(cnt), "%" PRId64, r[4].i);
		us3(mn, sizeof(mn), &r[5]);
		us3(av, sizeof(av), &r[6]);
		us3(mx, sizeof(mx), &r[7]);
		us3(sd, sizeof(sd), &r[8]);
		us3(rt, sizeof(rt), &r[9]);
		fprintf(out,
			"[%-18s, %-18s] %18s %-15s %-24s %12s | %10s %12s %12s %12s %13s | %12s\n",
			b, e, pd, r[0].s, child, cnt, mn, av, mx, sd, rt, r[10].s);
	}
}

static const struct lat_table *find_table(const struct lat_result *res,
					  const struct lat_table_class *cls, const char *prefix,
					  const char *rest)
{
	for (size_t i = 0; i < res->ntables; i++) {
		const struct lat_table *t = &res->tables[i];
		const char *sub = t->subtitle ? t->subtitle : "";

		if (t->cls == cls && strncmp(sub, prefix, strlen(prefix)) == 0 &&
		    strcmp(sub + strlen(prefix), rest) == 0) {
			return t;
		}
	}
	return NULL;
}

/* The six per-parent tables of one source, in the peer's text order. */
static void print_pp_set(const struct lat_result *res, const char *prefix, FILE *out)
{
	static const struct {
		const struct lat_table_class *cls;
		const char *rest;
		int kind;
	} order[6] = {
	    {&pp_stats_class, "With active children", 0},
	    {&pp_pc_class, "With active children", 2},
	    {&pp_count_class, "With active children", 1},
	    {&pp_stats_class, "Globally", 0},
	    {&pp_pc_class, "Globally", 2},
	    {&pp_count_class, "Globally", 1},
	};

	for (int i = 0; i < 6; i++) {
		const struct lat_table *t = find_table(res, order[i].cls, prefix, order[i].rest);

		if (t) {
			print_per_parent(t, order[i].kind, out);
		}
	}
}

/* The distributions of one source: per period, then per parent (duration, ratio, count). */
static void print_freq_set(const struct lat_result *res, const char *period_prefix,
			   const char *pp_prefix, FILE *out)
{
	static const struct {
		const char *text, *unit;
		bool per_period;
	} groups[] = {
	    {"Duration of period: ", "us", true},      {"Duration of ", "us", false},
	    {"Usage ratio of ", "%", false},           {"Number of ", "instances", false},
	    {"Global duration of ", "us", false},      {"Global usage ratio of ", "%", false},
	    {"Global number of ", "instances", false},
	};

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		char prefix[700];

		snprintf(prefix, sizeof(prefix), "%s%s",
			 groups[g].per_period ? period_prefix : pp_prefix, groups[g].text);
		for (size_t i = 0; i < res->ntables; i++) {
			const struct lat_table *t = &res->tables[i];
			const char *sub = t->subtitle ? t->subtitle : "";
			char period_start[700];

			snprintf(period_start, sizeof(period_start),
				 "%sDuration of period: ", period_prefix);
			if ((t->cls != &freq_duration_class && t->cls != &freq_count_class &&
			     t->cls != &freq_ratio_class) ||
			    strncmp(sub, prefix, strlen(prefix)) != 0 ||
			    (!groups[g].per_period &&
			     strncmp(sub, period_start, strlen(period_start)) == 0)) {
				continue;
			}
			print_freq(t, groups[g].unit, out);
		}
	}
}

void lat_periods_print_text(const struct lat_periods *p, const struct lat_result *res,
			    const struct lat_text_opts *opts, FILE *out)
{
	const struct lat_table *log = NULL, *top = NULL, *stats = NULL;

	lat_text_print_timerange(out, p->first_ts, p->last_ts, opts->gmt);
	for (size_t i = 0; i < res->ntables; i++) {
		const struct lat_table *t = &res->tables[i];

		if (t->cls == &log_class) {
			log = t;
		} else if (t->cls == &top_class) {
			top = t;
		} else if (t->cls == &stats_class && !stats) {
			stats = t;
		}
	}
	if (p->opts.stats && stats) {
		print_stats(p, stats, out);
		print_pp_set(res, "", out);
		for (uint32_t i = 0; i < p->ngroup_keys; i++) {
			char prefix[600];

			fprintf(out, "\n\n### Group: %s ###\n", p->group_keys[i]);
			if (i < p->text_extra.ntables) {
				print_stats(p, &p->text_extra.tables[i], out);
			}
			snprintf(prefix, sizeof(prefix), "'%s' - ", p->group_keys[i]);
			print_pp_set(res, prefix, out);
		}
	}
	if (p->opts.freq) {
		print_freq_set(res, "", "", out);
		for (uint32_t i = 0; i < p->ngroup_keys; i++) {
			char pprefix[600], fprefix[600];

			fprintf(out, "\n\n### Group: %s ###\n", p->group_keys[i]);
			snprintf(pprefix, sizeof(pprefix), "'%s' - ", p->group_keys[i]);
			snprintf(fprefix, sizeof(fprefix), "'%s' -- ", p->group_keys[i]);
			print_freq_set(res, pprefix, fprefix, out);
		}
	}
	if (log) {
		print_events(p, log, opts, out);
	}
	if (top) {
		print_events(p, top, opts, out);
	}
	for (size_t i = 0; i < p->text_agg.ntables; i++) {
		print_agg_log(&p->text_agg.tables[i], opts, out);
	}
}

void lat_periods_print_record(const struct lat_periods *p, const struct lat_period_record *r,
			      const struct lat_text_opts *opts, FILE *out)
{
	char b[48], e[48];
	struct sbuf bc = {0}, ec = {0};

	fmt_ts(b, sizeof(b), r->begin_ts, opts);
	fmt_ts(e, sizeof(e), r->end_ts, opts);
	py_dict(&bc, r->begin_caps, r->nbegin_caps);
	py_dict(&ec, r->end_caps, r->nend_caps);
	fprintf(out, "[%s, %s] %15.3f %-24s %s %s\n", b, e, (double)rec_duration(r) / 1000,
		p->defs[r->def].path, bc.s ? bc.s : "{}", ec.s ? ec.s : "{}");
	free(bc.s);
	free(ec.s);
}
