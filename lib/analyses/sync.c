/* sync.c: packets matched between traces, convex hulls, slope bounds, chained transforms. */
#include "analyses/sync.h"
#include "util/errtext.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 i128;

/* Past this many hull points, only the two extreme lines bound the accuracy (O(h^3) else). */
#define MAX_EXACT_HULL 300

/* (a - o) x (b - o): > 0 when o, a, b turn counter-clockwise. */
static i128 cross(const struct lat_sync_point *o, const struct lat_sync_point *a,
		  const struct lat_sync_point *b)
{
	return (i128)(a->x - o->x) * (b->y - o->y) - (i128)(a->y - o->y) * (b->x - o->x);
}

static int cmp_xy(const void *pa, const void *pb)
{
	const struct lat_sync_point *a = pa, *b = pb;

	if (a->x != b->x) {
		return a->x < b->x ? -1 : 1;
	}
	return (a->y > b->y) - (a->y < b->y);
}

/*
 * Upper hull (upper = true) or lower hull of `pts` (relative coordinates), left to right, in
 * `hull` (room for n). Points of equal x: only the highest (upper) or lowest counts.
 */
static size_t hull(struct lat_sync_point *pts, size_t n, bool upper, struct lat_sync_point *h)
{
	size_t m = 0;

	qsort(pts, n, sizeof(*pts), cmp_xy);
	for (size_t i = 0; i < n; i++) {
		const struct lat_sync_point *p = &pts[i];

		if (m && h[m - 1].x == p->x) {
			if (upper ? p->y <= h[m - 1].y : p->y >= h[m - 1].y) {
				continue;
			}
			m--;
		}
		while (m >= 2) {
			i128 c = cross(&h[m - 2], &h[m - 1], p);

			if (upper ? c >= 0 : c <= 0) {
				m--;
			} else {
				break;
			}
		}
		h[m++] = *p;
	}
	return m;
}

/* p1/q1 < p2/q2 with q1, q2 > 0 */
static bool frac_lt(i128 p1, i128 q1, i128 p2, i128 q2)
{
	return p1 * q2 < p2 * q1;
}

struct line {
	long double a, b; /* y = a x + b, relative coordinates */
};

static bool line_ok(const struct line *l, const struct lat_sync_point *lo, size_t nlo,
		    const struct lat_sync_point *hi, size_t nhi)
{
	const long double eps = 1e-3L; /* ns: rounding of a line through two points */

	for (size_t i = 0; i < nlo; i++) {
		if (l->a * lo[i].x + l->b < lo[i].y - eps) {
			return false;
		}
	}
	for (size_t i = 0; i < nhi; i++) {
		if (l->a * hi[i].x + l->b > hi[i].y + eps) {
			return false;
		}
	}
	return true;
}

static long double line_err(const struct line *l, const struct line *est, long double x0,
			    long double x1)
{
	long double e0 = fabsl((l->a - est->a) * x0 + (l->b - est->b));
	long double e1 = fabsl((l->a - est->a) * x1 + (l->b - est->b));

	return e0 > e1 ? e0 : e1;
}

int lat_sync_fit_points(const struct lat_sync_point *below, size_t nbelow,
			const struct lat_sync_point *above, size_t nabove, int64_t x_begin,
			int64_t x_end, struct lat_sync_fit *fit, char *why, size_t why_len)
{
	struct lat_sync_point *lo = NULL, *hi = NULL, *hlo = NULL, *hhi = NULL;
	size_t nlo, nhi;
	int64_t x0 = INT64_MAX, y0 = INT64_MAX;
	/* a_max = min (u.y - l.y) / (u.x - l.x) over u.x > l.x; a_min = max over l.x > u.x */
	i128 pmax = 0, qmax = 0, pmin = 0, qmin = 0;
	size_t umax = 0, umin = 0;
	int ret = 0;

	memset(fit, 0, sizeof(*fit));
	if (!nbelow || !nabove) {
		lat_errtext_set(
		    why, why_len,
		    "packets in one direction only (%zu one way, %zu the other): the clock drift "
		    "cannot be bounded",
		    nbelow, nabove);
		return -ENODATA;
	}
	for (size_t i = 0; i < nbelow; i++) {
		x0 = below[i].x < x0 ? below[i].x : x0;
		y0 = below[i].y < y0 ? below[i].y : y0;
	}
	for (size_t i = 0; i < nabove; i++) {
		x0 = above[i].x < x0 ? above[i].x : x0;
		y0 = above[i].y < y0 ? above[i].y : y0;
	}
	lo = malloc(nbelow * sizeof(*lo));
	hi = malloc(nabove * sizeof(*hi));
	hlo = malloc(nbelow * sizeof(*hlo));
	hhi = malloc(nabove * sizeof(*hhi));
	if (!lo || !hi || !hlo || !hhi) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nbelow; i++) {
		lo[i] = (struct lat_sync_point){below[i].x - x0, below[i].y - y0};
	}
	for (size_t i = 0; i < nabove; i++) {
		hi[i] = (struct lat_sync_point){above[i].x - x0, above[i].y - y0};
	}
	nlo = hull(lo, nbelow, true, hlo);
	nhi = hull(hi, nabove, false, hhi);
	fit->hull_below = (uint32_t)nlo;
	fit->hull_above = (uint32_t)nhi;

	for (size_t i = 0; i < nhi; i++) {
		for (size_t j = 0; j < nlo; j++) {
			const struct lat_sync_point *u = &hhi[i], *l = &hlo[j];

			if (u->x > l->x) {
				i128 p = (i128)u->y - l->y, q = (i128)u->x - l->x;

				if (!qmax || frac_lt(p, q, pmax, qmax)) {
					pmax = p, qmax = q, umax = i;
				}
			} else if (l->x > u->x) {
				i128 p = (i128)l->y - u->y, q = (i128)l->x - u->x;

				if (!qmin || frac_lt(pmin, qmin, p, q)) {
					pmin = p, qmin = q, umin = i;
				}
			} else if (l->y > u->y) {
				lat_errtext_set(
				    why, why_len,
				    "a packet is received before another is sent at the same time: "
				    "no "
				    "clock correction fits (mismatched packets?)");
				ret = -EDOM;
				goto out;
			}
		}
	}
	if (!qmax || !qmin) {
		lat_errtext_set(
		    why, why_len,
		    "the packets of the two directions do not interleave in time (%zu one way, %zu "
		    "the other): the clock drift cannot be bounded",
		    nbelow, nabove);
		ret = -ERANGE;
		goto out;
	}
	if (frac_lt(pmax, qmax, pmin, qmin)) {
		lat_errtext_set(
		    why, why_len,
		    "no linear clock correction puts every reception after its send (clocks not "
		    "linearly related, or packets mismatched)");
		ret = -EDOM;
		goto out;
	}
	{
		struct line lmax, lmin, est;
		long double xb = (long double)(x_begin - x0), xe = (long double)(x_end - x0);
		long double err = 0;
		size_t h = nlo + nhi;

		lmax.a = (long double)pmax / (long double)qmax;
		lmax.b = hhi[umax].y - lmax.a * hhi[umax].x;
		lmin.a = (long double)pmin / (long double)qmin;
		lmin.b = hhi[umin].y - lmin.a * hhi[umin].x;
		est.a = (lmax.a + lmin.a) / 2;
		est.b = (lmax.b + lmin.b) / 2;
		if (x_end < x_begin || (x_begin == 0 && x_end == 0)) {
			xb = 0;
			xe = 0;
			for (size_t i = 0; i < nlo; i++) {
				xe = hlo[i].x > xe ? hlo[i].x : xe;
			}
			for (size_t i = 0; i < nhi; i++) {
				xe = hhi[i].x > xe ? hhi[i].x : xe;
			}
		}
		long double pb = INFINITY, pe = -INFINITY, perr;

		for (size_t i = 0; i < h; i++) {
			long double x = i < nlo ? hlo[i].x : hhi[i - nlo].x;

			pb = x < pb ? x : pb;
			pe = x > pe ? x : pe;
		}
		err = fmaxl(line_err(&lmax, &est, xb, xe), line_err(&lmin, &est, xb, xe));
		perr = fmaxl(line_err(&lmax, &est, pb, pe), line_err(&lmin, &est, pb, pe));
		fit->accuracy_exact = h <= MAX_EXACT_HULL;
		if (fit->accuracy_exact) {
			/* every vertex of the feasible (a, b) polygon: a line through two hull
			 * points */
			for (size_t i = 0; i < h; i++) {
				const struct lat_sync_point *p = i < nlo ? &hlo[i] : &hhi[i - nlo];

				for (size_t j = i + 1; j < h; j++) {
					const struct lat_sync_point *q =
					    j < nlo ? &hlo[j] : &hhi[j - nlo];
					struct line l;
					long double e, pe2;

					if (p->x == q->x) {
						continue;
					}
					l.a =
					    (long double)(q->y - p->y) / (long double)(q->x - p->x);
					l.b = p->y - l.a * p->x;
					if (l.a < lmin.a - 1e-15L || l.a > lmax.a + 1e-15L) {
						continue;
					}
					e = line_err(&l, &est, xb, xe);
					pe2 = line_err(&l, &est, pb, pe);
					if ((e > err || pe2 > perr) &&
					    line_ok(&l, hlo, nlo, hhi, nhi)) {
						err = fmaxl(err, e);
						perr = fmaxl(perr, pe2);
					}
				}
			}
		}
		fit->accuracy_packets_ns = (double)perr;
		fit->slope = est.a;
		fit->offset_ns = (long double)y0 + est.b - est.a * (long double)x0;
		fit->slope_min = lmin.a;
		fit->slope_max = lmax.a;
		fit->accuracy_ns = (double)err;
	}
out:
	free(lo);
	free(hi);
	free(hlo);
	free(hhi);
	return ret;
}

/* --- the traces' packets ------------------------------------------------------------------ */

struct seg {
	struct lat_sync_key key;
	int64_t ts;
	uint32_t trace;
	bool used;
};

struct seg_array {
	struct seg *v;
	size_t n, cap;
};

struct lat_sync {
	uint32_t ntraces;
	struct seg_array sends, recvs;
	int64_t *begin, *end;
	bool *have_range;
};

int lat_sync_create(uint32_t ntraces, struct lat_sync **out)
{
	struct lat_sync *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s) {
		return -ENOMEM;
	}
	s->ntraces = ntraces;
	s->begin = calloc(ntraces ? ntraces : 1, sizeof(*s->begin));
	s->end = calloc(ntraces ? ntraces : 1, sizeof(*s->end));
	s->have_range = calloc(ntraces ? ntraces : 1, sizeof(*s->have_range));
	if (!s->begin || !s->end || !s->have_range) {
		lat_sync_destroy(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void lat_sync_destroy(struct lat_sync *s)
{
	if (!s) {
		return;
	}
	free(s->sends.v);
	free(s->recvs.v);
	free(s->begin);
	free(s->end);
	free(s->have_range);
	free(s);
}

int lat_sync_add(struct lat_sync *s, uint32_t trace, bool send, const struct lat_sync_key *key,
		 int64_t ts)
{
	struct seg_array *a = send ? &s->sends : &s->recvs;

	if (trace >= s->ntraces) {
		return -EINVAL;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		struct seg *v = realloc(a->v, cap * sizeof(*v));

		if (!v) {
			return -ENOMEM;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = (struct seg){*key, ts, trace, false};
	return 0;
}

void lat_sync_set_range(struct lat_sync *s, uint32_t trace, int64_t begin, int64_t end)
{
	if (trace < s->ntraces) {
		s->begin[trace] = begin;
		s->end[trace] = end;
		s->have_range[trace] = true;
	}
}

static int cmp_key(const struct lat_sync_key *a, const struct lat_sync_key *b)
{
	if (a->seq != b->seq) {
		return a->seq < b->seq ? -1 : 1;
	}
	if (a->ack_seq != b->ack_seq) {
		return a->ack_seq < b->ack_seq ? -1 : 1;
	}
	if (a->flags != b->flags) {
		return a->flags < b->flags ? -1 : 1;
	}
	if (a->window != b->window) {
		return a->window < b->window ? -1 : 1;
	}
	return 0;
}

static int cmp_seg(const void *pa, const void *pb)
{
	const struct seg *a = pa, *b = pb;
	int c = cmp_key(&a->key, &b->key);

	if (c) {
		return c;
	}
	if (a->trace != b->trace) {
		return a->trace < b->trace ? -1 : 1;
	}
	return (a->ts > b->ts) - (a->ts < b->ts);
}

static int cmp_recv(const void *pa, const void *pb)
{
	const struct seg *a = pa, *b = pb;

	if (a->trace != b->trace) {
		return a->trace < b->trace ? -1 : 1;
	}
	return (a->ts > b->ts) - (a->ts < b->ts);
}

/* A matched packet: sent by trace `from` at `sent`, received by `to` at `recv`. */
struct match {
	uint32_t from, to;
	int64_t sent, recv;
};

static int match_all(struct lat_sync *s, struct match **out, size_t *nout,
		     struct lat_sync_stats *st)
{
	struct match *m = NULL;
	size_t n = 0;

	qsort(s->sends.v, s->sends.n, sizeof(struct seg), cmp_seg);
	qsort(s->recvs.v, s->recvs.n, sizeof(struct seg), cmp_recv);
	if (s->recvs.n) {
		m = malloc(s->recvs.n * sizeof(*m));
		if (!m) {
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < s->recvs.n; i++) {
		const struct seg *r = &s->recvs.v[i];
		size_t lo = 0, hi = s->sends.n, best = SIZE_MAX;

		while (lo < hi) { /* the first send with this key */
			size_t mid = lo + (hi - lo) / 2;

			if (cmp_key(&s->sends.v[mid].key, &r->key) < 0) {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
		for (size_t j = lo; j < s->sends.n && !cmp_key(&s->sends.v[j].key, &r->key); j++) {
			const struct seg *c = &s->sends.v[j];

			if (c->used || c->trace == r->trace) {
				continue;
			}
			if (c->key.check == r->key.check) {
				best = j;
				break;
			}
			if (best == SIZE_MAX) {
				best = j;
			}
		}
		if (best == SIZE_MAX) {
			st->unmatched++;
			continue;
		}
		s->sends.v[best].used = true;
		m[n++] =
		    (struct match){s->sends.v[best].trace, r->trace, s->sends.v[best].ts, r->ts};
	}
	st->matched = n;
	*out = m;
	*nout = n;
	return 0;
}

struct pair_fit {
	int status;
	char why[200];
	struct lat_sync_fit fit; /* time of j (x) to time of i (y) */
	uint64_t i_to_j, j_to_i;
};

static void range_of(const struct lat_sync *s, const struct match *m, size_t n, uint32_t t,
		     int64_t *b, int64_t *e)
{
	if (s->have_range[t]) {
		*b = s->begin[t];
		*e = s->end[t];
		return;
	}
	*b = INT64_MAX;
	*e = INT64_MIN;
	for (size_t k = 0; k < n; k++) {
		int64_t ts = m[k].from == t ? m[k].sent : m[k].to == t ? m[k].recv : INT64_MAX;

		if (ts != INT64_MAX) {
			*b = ts < *b ? ts : *b;
			*e = ts > *e ? ts : *e;
		}
	}
}

static int fit_pair(const struct lat_sync *s, const struct match *m, size_t n, uint32_t i,
		    uint32_t j, struct pair_fit *pf)
{
	struct lat_sync_point *below = NULL, *above = NULL;
	size_t nb = 0, na = 0;
	int64_t xb, xe;
	int ret;

	for (size_t k = 0; k < n; k++) {
		nb += m[k].from == i && m[k].to == j;
		na += m[k].from == j && m[k].to == i;
	}
	pf->i_to_j = nb;
	pf->j_to_i = na;
	if (!nb && !na) {
		pf->status = -ENODATA;
		snprintf(pf->why, sizeof(pf->why), "no packets in common");
		return 0;
	}
	below = malloc((nb ? nb : 1) * sizeof(*below));
	above = malloc((na ? na : 1) * sizeof(*above));
	if (!below || !above) {
		free(below);
		free(above);
		return -ENOMEM;
	}
	nb = na = 0;
	for (size_t k = 0; k < n; k++) {
		if (m[k].from == i && m[k].to == j) {
			below[nb++] = (struct lat_sync_point){m[k].recv, m[k].sent};
		} else if (m[k].from == j && m[k].to == i) {
			above[na++] = (struct lat_sync_point){m[k].sent, m[k].recv};
		}
	}
	range_of(s, m, n, j, &xb, &xe);
	ret = lat_sync_fit_points(below, nb, above, na, xb, xe, &pf->fit, pf->why, sizeof(pf->why));
	free(below);
	free(above);
	if (ret == -ENOMEM) {
		return ret;
	}
	pf->status = ret;
	return 0;
}

int lat_sync_compute(struct lat_sync *s, uint32_t reference, struct lat_sync_transform *out,
		     struct lat_sync_stats *stats, char *err, size_t err_len)
{
	struct lat_sync_stats st = {.sends = s->sends.n, .receives = s->recvs.n};
	uint32_t nt = s->ntraces;
	struct pair_fit *pf = NULL;
	struct match *m = NULL;
	bool *done = NULL;
	size_t nm = 0;
	int ret;

	if (err && err_len) {
		err[0] = '\0';
	}
	if (reference >= nt || nt < 2) {
		lat_errtext_set(err, err_len, "synchronization needs two traces or more");
		return -EINVAL;
	}
	for (size_t k = 0; k < s->sends.n; k++) {
		s->sends.v[k].used = false;
	}
	ret = match_all(s, &m, &nm, &st);
	if (ret) {
		return ret;
	}
	if (stats) {
		*stats = st;
	}
	pf = calloc((size_t)nt * nt, sizeof(*pf));
	done = calloc(nt, sizeof(*done));
	if (!pf || !done) {
		ret = -ENOMEM;
		goto out;
	}
	/* pf[i * nt + j]: j's time to i's time, for i < j (the other way is its inverse) */
	for (uint32_t i = 0; i < nt; i++) {
		for (uint32_t j = i + 1; j < nt; j++) {
			ret = fit_pair(s, m, nm, i, j, &pf[i * nt + j]);
			if (ret) {
				goto out;
			}
		}
	}
	memset(out, 0, nt * sizeof(*out));
	for (uint32_t t = 0; t < nt; t++) {
		out[t].via = t;
		out[t].status = -ENODATA;
	}
	out[reference].slope = out[reference].slope_min = out[reference].slope_max = 1;
	out[reference].status = 0;
	out[reference].accuracy_exact = true;
	done[reference] = true;
	/* Prim: add the trace reachable with the smallest accumulated accuracy, until none */
	for (;;) {
		uint32_t best_p = 0, best_q = 0;
		double best_acc = INFINITY;

		for (uint32_t p = 0; p < nt; p++) {
			if (!done[p]) {
				continue;
			}
			for (uint32_t q = 0; q < nt; q++) {
				const struct pair_fit *f =
				    p < q ? &pf[p * nt + q] : &pf[q * nt + p];
				double acc;

				if (done[q] || q == p || f->status) {
					continue;
				}
				acc =
				    out[p].accuracy_ns + (double)out[p].slope * f->fit.accuracy_ns;
				if (acc < best_acc) {
					best_acc = acc, best_p = p, best_q = q;
				}
			}
		}
		if (best_acc == INFINITY) {
			break;
		}
		{
			uint32_t p = best_p, q = best_q;
			const struct pair_fit *f = p < q ? &pf[p * nt + q] : &pf[q * nt + p];
			long double a, b, amin, amax;
			struct lat_sync_transform *tq = &out[q];

			if (p < q) { /* t_p = a t_q + b */
				a = f->fit.slope, b = f->fit.offset_ns;
				amin = f->fit.slope_min, amax = f->fit.slope_max;
				tq->sent = f->j_to_i, tq->received = f->i_to_j;
			} else { /* t_q = a' t_p + b'  =>  t_p = t_q / a' - b' / a' */
				a = 1 / f->fit.slope, b = -f->fit.offset_ns / f->fit.slope;
				amin = 1 / f->fit.slope_max, amax = 1 / f->fit.slope_min;
				tq->sent = f->i_to_j, tq->received = f->j_to_i;
			}
			tq->slope = out[p].slope * a;
			tq->offset_ns = out[p].slope * b + out[p].offset_ns;
			tq->slope_min = amin;
			tq->slope_max = amax;
			tq->accuracy_ns = best_acc;
			tq->accuracy_packets_ns = out[p].accuracy_packets_ns +
						  (double)out[p].slope * f->fit.accuracy_packets_ns;
			tq->via = p;
			tq->hops = out[p].hops + 1;
			tq->hull_below = f->fit.hull_below;
			tq->hull_above = f->fit.hull_above;
			tq->accuracy_exact = f->fit.accuracy_exact && out[p].accuracy_exact;
			tq->status = 0;
			done[q] = true;
		}
	}
	st.min_delay_ns = INFINITY;
	for (size_t k = 0; k < nm; k++) {
		const struct lat_sync_transform *a = &out[m[k].from], *b = &out[m[k].to];
		long double d;

		if (!done[m[k].from] || !done[m[k].to]) {
			continue;
		}
		d = (b->slope * (long double)m[k].recv + b->offset_ns) -
		    (a->slope * (long double)m[k].sent + a->offset_ns);
		st.checked++;
		st.violations += d < -0.5L; /* rounding of the formula */
		st.min_delay_ns = (double)d < st.min_delay_ns ? (double)d : st.min_delay_ns;
	}
	if (stats) {
		*stats = st;
	}
	ret = 0;
	for (uint32_t t = 0; t < nt; t++) {
		const struct pair_fit *f;

		if (done[t]) {
			continue;
		}
		f = t < reference ? &pf[t * nt + reference] : &pf[reference * nt + t];
		out[t].status = f->status ? f->status : -ENODATA;
		if (f->status) {
			snprintf(out[t].why, sizeof(out[t].why), "%s", f->why);
		} else {
			snprintf(out[t].why, sizeof(out[t].why),
				 "no chain of packets to the reference");
		}
		if (!ret) {
			ret = out[t].status;
			lat_errtext_set(err, err_len, "%s", out[t].why);
		}
	}
out:
	free(m);
	free(pf);
	free(done);
	return ret;
}
