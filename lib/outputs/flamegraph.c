/* flamegraph.c: an SVG flame graph of folded stacks (flamegraph.pl's layout: root "all" at the
 * bottom, widths proportional, children sorted by name); names XML-escaped. flamegraph.h */
#include "outputs/flamegraph.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_H   16.0
#define FONT_W    7.0 /* px per character of the 12 px monospace font */
#define PAD_X     10.0
#define PAD_TOP   36.0
#define PAD_BOT   10.0
#define MIN_WIDTH 0.1 /* px: narrower frames are not drawn (flamegraph.pl --minwidth) */

/* The length of the valid UTF-8 sequence at p (n bytes left) and its code point; 0: invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2, c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3, c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4, c = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len) {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			return 0;
		}
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff)) {
		return 0; /* overlong, out of range, or a surrogate */
	}
	*cp = c;
	return len;
}

/* The characters of text as written (each invalid byte counts as one U+FFFD). */
static size_t char_count(const unsigned char *p, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; count++) {
		uint32_t cp;
		size_t len = utf8_seq(p + i, n - i, &cp);

		i += len ? len : 1;
	}
	return count;
}

void lat_flamegraph_escape(FILE *out, const char *text, size_t len, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t limit = SIZE_MAX, written = 0;
	bool cut = false;

	if (max_chars && char_count(p, len) > max_chars) {
		limit = max_chars > 2 ? max_chars - 2 : 0;
		cut = true;
	}
	for (size_t i = 0; i < len && written < limit; written++) {
		uint32_t cp;
		size_t n = utf8_seq(p + i, len - i, &cp);

		if (!n || cp < 0x20 || cp == 0x7f || cp == 0xfffe || cp == 0xffff) {
			fputs("\xef\xbf\xbd", out); /* U+FFFD */
			i += n ? n : 1;
			continue;
		}
		switch (cp) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fwrite(p + i, 1, n, out);
		}
		i += n;
	}
	if (cut) {
		fputs("..", out);
	}
}

/* The tree of frames: names point into the folded lines (len bytes, not terminated). */
struct node {
	const char *name;
	size_t len;
	uint64_t value;
	size_t child, last, next; /* first and last child, next sibling; 0: none */
	unsigned depth;
	double x; /* px */
};

struct tree {
	struct node *nodes;
	size_t count, cap;
	unsigned depth;
};

static size_t tree_child(struct tree *t, size_t parent, const char *name, size_t len)
{
	struct node *n;
	size_t i;

	/* the last child first: sorted input adds to it most of the time */
	i = t->nodes[parent].last;
	if (i && t->nodes[i].len == len && memcmp(t->nodes[i].name, name, len) == 0) {
		return i;
	}
	for (i = t->nodes[parent].child; i; i = t->nodes[i].next) {
		if (t->nodes[i].len == len && memcmp(t->nodes[i].name, name, len) == 0) {
			return i;
		}
	}
	if (t->count == t->cap) {
		size_t ncap = t->cap * 2;
		struct node *nn = realloc(t->nodes, ncap * sizeof(*nn));

		if (!nn) {
			return 0;
		}
		t->nodes = nn;
		t->cap = ncap;
	}
	i = t->count++;
	n = &t->nodes[i];
	memset(n, 0, sizeof(*n));
	n->name = name;
	n->len = len;
	n->depth = t->nodes[parent].depth + 1;
	if (n->depth > t->depth) {
		t->depth = n->depth;
	}
	if (t->nodes[parent].last) {
		t->nodes[t->nodes[parent].last].next = i;
	} else {
		t->nodes[parent].child = i;
	}
	t->nodes[parent].last = i;
	return i;
}

static int tree_build(struct tree *t, const struct lat_folded *f)
{
	t->cap = 1024;
	t->nodes = calloc(t->cap, sizeof(*t->nodes));
	if (!t->nodes) {
		return -ENOMEM;
	}
	t->count = 1;
	t->nodes[0].name = "all";
	t->nodes[0].len = 3;
	for (size_t e = 0; e < f->count; e++) {
		const char *s = f->entries[e].stack;
		size_t at = 0;

		t->nodes[0].value += f->entries[e].value;
		while (*s) {
			size_t len = strcspn(s, ";");

			at = tree_child(t, at, s, len);
			if (!at) {
				return -ENOMEM;
			}
			t->nodes[at].value += f->entries[e].value;
			s += len;
			s += *s == ';';
		}
	}
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	const struct node *x = *(const struct node *const *)a, *y = *(const struct node *const *)b;
	int c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);

	return c ? c : x->len < y->len ? -1 : x->len > y->len;
}

/* flamegraph.pl's "hot" palette, from a hash of the name (deterministic); grey delimiters. */
static void frame_color(const struct node *n, unsigned *r, unsigned *g, unsigned *b)
{
	uint32_t h = 2166136261u;

	if ((n->len == 1 && n->name[0] == '-') || (n->len == 2 && memcmp(n->name, "--", 2) == 0)) {
		*r = *g = *b = 160;
		return;
	}
	for (size_t i = 0; i < n->len; i++) {
		h = (h ^ (unsigned char)n->name[i]) * 16777619u;
	}
	*r = 205 + (h & 0xff) * 50 / 255;
	*g = ((h >> 8) & 0xff) * 230 / 255;
	*b = ((h >> 16) & 0xff) * 55 / 255;
}

int lat_flamegraph_svg(FILE *out, const struct lat_folded *f,
		       const struct lat_flamegraph_opts *opts)
{
	const char *unit = opts->unit ? opts->unit : "samples";
	double width = opts->width > 0 ? opts->width : 1200, height, scale;
	struct tree t = {0};
	struct node **kids = NULL;
	size_t *queue = NULL, qhead = 0, qtail = 0, drawn = 0, hidden = 0;
	uint64_t total;
	int ret;

	ret = tree_build(&t, f);
	if (ret) {
		goto done;
	}
	queue = malloc(t.count * sizeof(*queue));
	kids = malloc(t.count * sizeof(*kids));
	if (!queue || !kids) {
		ret = -ENOMEM;
		goto done;
	}
	total = t.nodes[0].value;
	scale = total ? (width - 2 * PAD_X) / (double)total : 0;
	/* the frames drawn, breadth first: children in name order, from their parent's x */
	t.nodes[0].x = PAD_X;
	queue[qtail++] = 0;
	while (qhead < qtail) {
		struct node *n = &t.nodes[queue[qhead++]];
		size_t nk = 0;
		double x = n->x;

		for (size_t c = n->child; c; c = t.nodes[c].next) {
			kids[nk++] = &t.nodes[c];
		}
		qsort(kids, nk, sizeof(*kids), cmp_name);
		for (size_t k = 0; k < nk; k++) {
			kids[k]->x = x;
			x += (double)kids[k]->value * scale;
			if ((double)kids[k]->value * scale < MIN_WIDTH) {
				continue;
			}
			queue[qtail++] = (size_t)(kids[k] - t.nodes);
		}
	}
	drawn = qtail;
	hidden = t.count - drawn; /* with the descendants of the hidden frames */
	height = PAD_TOP + PAD_BOT + (t.depth + 1) * FRAME_H;

	if (opts->standalone) {
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n", out);
	}
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart flame\" id=\"flame%u\" "
		"data-points=\"%zu\" data-total=\"%llu\" data-hidden=\"%zu\" "
		"viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
		"font-family=\"monospace\" font-size=\"12\">\n",
		opts->id, drawn, (unsigned long long)total, hidden, width, height, width, height);
	if (opts->standalone) {
		fprintf(out,
			"<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n",
			width, height);
	}
	if (opts->title) {
		fprintf(out, "<text x=\"%.1f\" y=\"22\" text-anchor=\"middle\" font-size=\"16\">",
			width / 2);
		lat_flamegraph_escape(out, opts->title, strlen(opts->title), 0);
		fputs("</text>\n", out);
	}
	fputs("<g class=\"frames\">\n", out);
	for (size_t q = 0; q < drawn; q++) {
		const struct node *n = &t.nodes[queue[q]];
		double w = (double)n->value * scale;
		double y = height - PAD_BOT - (n->depth + 1) * FRAME_H;
		unsigned r, g, b;

		frame_color(n, &r, &g, &b);
		fprintf(out, "<g class=\"f\" data-v=\"%llu\" data-d=\"%u\" data-n=\"",
			(unsigned long long)n->value, n->depth);
		lat_flamegraph_escape(out, n->name, n->len, 0);
		fputs("\"><title>", out);
		lat_flamegraph_escape(out, n->name, n->len, 0);
		fprintf(out, " (%llu%s%s, %.2f%%)</title>", (unsigned long long)n->value,
			unit[0] ? " " : "", unit,
			total ? 100.0 * (double)n->value / (double)total : 0.0);
		fprintf(out,
			"<rect x=\"%.3f\" y=\"%.1f\" width=\"%.3f\" height=\"%.1f\" "
			"fill=\"rgb(%u,%u,%u)\" rx=\"2\"/>",
			n->x, y, w, FRAME_H - 1, r, g, b);
		if (w >= 3 * FONT_W) {
			fprintf(out, "<text x=\"%.3f\" y=\"%.1f\">", n->x + 3, y + 11.5);
			lat_flamegraph_escape(out, n->name, n->len, (size_t)((w - 6) / FONT_W));
			fputs("</text>", out);
		}
		fputs("</g>\n", out);
	}
	fputs("</g>\n</svg>\n", out);
	ret = ferror(out) ? -EIO : 0;
done:
	free(queue);
	free(kids);
	free(t.nodes);
	return ret;
}
