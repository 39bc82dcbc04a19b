/* periods.c: the period engine (the peer's core/period.py PeriodEngine): definitions and
 * captures checked, instances begun and ended event by event, their records and accessors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/periods_internal.h"
#include "util/errtext.h"

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
		lat_errtext_set(err, err_len, "--period: column %d: %s", perr.column, perr.message);
		return ret;
	}
	if (ast.name && find_def(p, ast.name) >= 0) {
		lat_errtext_set(err, err_len, "--period: Cannot redefine period \"%s\"", ast.name);
		lat_period_def_ast_fini(&ast);
		return -EINVAL;
	}
	int parent = -1;
	if (ast.parent) {
		parent = find_def(p, ast.parent);
		if (parent < 0) {
			lat_errtext_set(
			    err, err_len,
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
			lat_errtext_set(
			    err, err_len,
			    "--period-captures: unknown period \"%s\" (the --period names: %s)",
			    p->caps[i].name, names);
			return -EINVAL;
		}
	}
	if (p->agg_by && find_def(p, p->agg_by) < 0) {
		lat_errtext_set(err, err_len,
				"--aggregate-by: unknown period \"%s\" (the --period names: %s)",
				p->agg_by, names);
		return -EINVAL;
	}
	for (size_t i = 0; i < p->nsel; i++) {
		if (find_def(p, p->sel[i]) < 0) {
			lat_errtext_set(err, err_len,
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
			lat_errtext_set(err, err_len, "--group-by: \"%.*s\" is not PERIOD.CAPTURE",
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
				lat_errtext_set(
				    err, err_len,
				    "--group-by: unknown period \"%s\" (the --period names: %s)",
				    name, names);
			} else {
				const char *cap = dot + 1, *cap_end = strchr(cap, '.');
				size_t cap_len = cap_end ? (size_t)(cap_end - cap) : strlen(cap);

				if (!has_capture(&p->defs[d], cap, cap_len)) {
					lat_errtext_set(
					    err, err_len,
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
			lat_errtext_set(err, err_len, "--period-captures: column %d: %s",
					perr.column, perr.message);
		}
		if (ret) {
			goto fail;
		}
		p->ncaps++;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(p->caps[j].name, p->caps[i].name) == 0) {
				lat_errtext_set(
				    err, err_len,
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
				lat_errtext_set(
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
		lat_errtext_set(err, err_len, "out of memory");
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
	free(p->agg_by);
	for (uint32_t i = 0; i < p->nsel; i++) {
		free(p->sel[i]);
	}
	free(p->sel);
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

		if (lat_periods_grow((void **)&d->durations, &d->durations_cap, d->ndurations + 1,
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

		if (lat_periods_grow((void **)&pr->children, &pr->children_cap, pr->nchildren + 1,
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
	if (lat_periods_grow((void **)&p->records, &p->records_cap, p->nrecords + 1,
			     sizeof(*p->records))) {
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

			if (!in || lat_periods_grow((void **)list, cap, *n + 1, sizeof(**list))) {
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
