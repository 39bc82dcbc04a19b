/* html.c: self-contained HTML reports: inline CSS, inline SVG charts, tables, hover details. */
#include "outputs/html.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/flamegraph.h"
#include "outputs/text.h"
#include "util/json.h"

static const char *const palette[] = {"#2563eb", "#dc2626", "#059669", "#d97706",
				      "#7c3aed", "#0891b2", "#db2777", "#65a30d"};
#define PALETTE_SIZE (sizeof(palette) / sizeof(palette[0]))

static const char css[] =
    ":root{--fg:#1f2430;--muted:#6b7280;--bg:#f3f4f6;--line:#e5e7eb;--accent:#2563eb;"
    "--warn:#b91c1c}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',"
    "sans-serif;color:var(--fg);background:var(--bg)}\n"
    "header{background:#111827;color:#f9fafb;padding:16px 28px}\n"
    "header h1{margin:0;font-size:20px;font-weight:600;letter-spacing:.2px}\n"
    "header h1 b{color:#60a5fa;font-weight:700}\n"
    "header .sub{color:#9ca3af;font-size:13px;margin-top:2px}\n"
    "nav{background:#1f2937;padding:6px 28px;font-size:13px}\n"
    "nav a{color:#d1d5db;text-decoration:none;margin-right:18px}\n"
    "nav a:hover{color:#fff}\n"
    "main{max-width:1180px;margin:0 auto;padding:4px 24px 40px}\n"
    "section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 20px "
    "18px;margin:18px 0;box-shadow:0 1px 2px rgba(0,0,0,.04)}\n"
    "h2{font-size:17px;margin:0 0 2px}\n"
    "h3{font-size:14px;margin:18px 0 4px;color:#374151}\n"
    "p{margin:4px 0}\n"
    ".note{color:var(--muted);font-size:12.5px}\n"
    ".warn{color:var(--warn);font-weight:600}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0 4px}\n"
    ".card{border:1px solid var(--line);border-radius:6px;padding:7px 12px;min-width:112px;"
    "background:#fafafa}\n"
    ".card .v{font-size:17px;font-weight:600;font-variant-numeric:tabular-nums}\n"
    ".card .l{color:var(--muted);font-size:11.5px;text-transform:uppercase;letter-spacing:.3px}\n"
    ".card.warn{border-color:#fca5a5;background:#fef2f2}\n"
    ".card.warn .v{color:var(--warn)}\n"
    "svg.chart{width:100%;height:auto;display:block;margin:6px 0}\n"
    "svg.chart text{font-size:11px;fill:#6b7280}\n"
    "svg.chart text.t{font-size:12.5px;fill:#1f2430;font-weight:600}\n"
    "svg.chart .grid{stroke:#eef0f3}\n"
    "svg.chart .ax{stroke:#9ca3af}\n"
    "svg.chart .thr{stroke:#b91c1c;stroke-dasharray:5 4}\n"
    "svg.chart text.thl{fill:#b91c1c}\n"
    "svg.chart .bar{fill:#93c5fd}\n"
    "svg.chart .bar:hover,svg.chart .hb:hover{fill:#2563eb}\n"
    "svg.chart .hb{fill:#60a5fa}\n"
    "svg.chart .dens{fill:none;stroke:#d97706;stroke-width:2}\n"
    "svg.chart .pt{fill-opacity:.72}\n"
    "svg.chart .pt:hover{stroke:#111827;stroke-width:2}\n"
    "svg.chart .pt.to{fill-opacity:0;stroke-width:1.6}\n"
    "table{border-collapse:collapse;width:100%;font-size:12.5px;margin:6px 0}\n"
    "th{text-align:left;color:var(--muted);font-weight:600;border-bottom:1px solid var(--line);"
    "padding:4px 8px;white-space:nowrap}\n"
    "td{padding:3px 8px;border-bottom:1px solid #f1f2f4;white-space:nowrap;overflow:hidden;"
    "text-overflow:ellipsis;max-width:340px}\n"
    ".tw{overflow-x:auto}\n"
    "th.n,td.n{text-align:right;font-variant-numeric:tabular-nums;width:1%}\n"
    ".db{display:inline-block;width:72px;height:9px;background:#eef2f7;border-radius:2px;"
    "margin-right:8px;vertical-align:middle;text-align:left}\n"
    ".db i{display:block;height:100%;background:#60a5fa;border-radius:2px}\n"
    "tr:hover td{background-color:#f9fafb}\n"
    "details summary{cursor:pointer;color:var(--accent);font-size:12.5px;margin:4px 0}\n"
    "#tip{position:fixed;pointer-events:none;background:#111827;color:#f9fafb;"
    "font:12px/1.4 ui-monospace,'DejaVu Sans Mono',monospace;padding:8px 10px;"
    "border-radius:6px;white-space:pre;max-width:720px;display:none;z-index:10;"
    "box-shadow:0 4px 14px rgba(0,0,0,.25)}\n"
    "footer{color:var(--muted);font-size:12px;text-align:center;padding:10px}\n"
    "svg.flame{max-width:100%;height:auto;background:#fff;border:1px solid var(--line)}\n"
    "svg.flame g.f{cursor:pointer}\n"
    ".flame-search{margin:6px 0;font-size:13px}\n"
    ".flame-search input{width:320px;padding:3px 6px}\n"
    ".flame-search .match{margin-left:12px;color:var(--muted)}\n";

/* Hover details: [data-tip] holds its text; [data-i] indexes the JSON array named by the chart's
 * data-src. No other behaviour. */
static const char script[] =
    "(function(){\n"
    "var tip=document.getElementById('tip'),cache={};\n"
    "function text(el){\n"
    "  if(el.hasAttribute('data-tip'))return el.getAttribute('data-tip');\n"
    "  var svg=el.closest('svg');if(!svg)return '';\n"
    "  var src=svg.getAttribute('data-src');\n"
    "  if(!(src in cache)){var s=document.getElementById(src);"
    "cache[src]=s?JSON.parse(s.textContent):[];}\n"
    "  return cache[src][+el.getAttribute('data-i')]||'';\n"
    "}\n"
    "document.addEventListener('mouseover',function(e){\n"
    "  var el=e.target.closest?e.target.closest('[data-tip],[data-i]'):null;\n"
    "  if(!el){tip.style.display='none';return;}\n"
    "  tip.textContent=text(el);tip.style.display='block';\n"
    "});\n"
    "document.addEventListener('mousemove',function(e){\n"
    "  if(tip.style.display!=='block')return;\n"
    "  var x=e.clientX+14,y=e.clientY+14,w=tip.offsetWidth,h=tip.offsetHeight;\n"
    "  if(x+w>innerWidth-4)x=Math.max(4,e.clientX-w-14);\n"
    "  if(y+h>innerHeight-4)y=Math.max(4,e.clientY-h-14);\n"
    "  tip.style.left=x+'px';tip.style.top=y+'px';\n"
    "});\n"
    "})();\n";

/* Flame graphs: a search box colours the frames whose name matches (a regular expression) and
 * prints the share they cover (their merged x ranges over the root's width, as flamegraph.pl);
 * a click on a frame zooms on it (it and its descendants fill the width), a click on the root
 * resets. */
static const char flame_script[] =
    "(function(){\n"
    "function frames(svg){return Array.prototype.slice.call(svg.querySelectorAll('g.f'));}\n"
    "function box(g){var r=g.querySelector('rect');"
    "return {g:g,r:r,x:+r.getAttribute('x'),w:+r.getAttribute('width')};}\n"
    "function search(inp){\n"
    "  var "
    "svg=document.getElementById(inp.getAttribute('data-flame')),out=inp.nextElementSibling;\n"
    "  var re=null;try{re=inp.value?new RegExp(inp.value):null;}catch(e){out.textContent='bad "
    "expression';return;}\n"
    "  var root=null,hits=[];frames(svg).forEach(function(g){var b=box(g);\n"
    "    "
    "if(!b.r.hasAttribute('data-fill'))b.r.setAttribute('data-fill',b.r.getAttribute('fill'));\n"
    "    if(g.getAttribute('data-d')==='0')root=b;\n"
    "    var m=re&&re.test(g.getAttribute('data-n'));g.classList.toggle('hit',!!m);\n"
    "    "
    "b.r.setAttribute('fill',m?'rgb(230,0,230)':b.r.getAttribute('data-fill'));if(m)hits.push(b);})"
    ";\n"
    "  if(!re||!root){out.textContent='';svg.removeAttribute('data-matched');return;}\n"
    "  hits.sort(function(a,b){return a.x-b.x;});var sum=0,end=-1;\n"
    "  hits.forEach(function(b){var s=Math.max(b.x,end),e=b.x+b.w;if(e>s){sum+=e-s;}"
    "end=Math.max(end,e);});\n"
    "  var pct=root.w?100*sum/root.w:0;svg.setAttribute('data-matched',pct.toFixed(2));\n"
    "  out.textContent='matched: '+pct.toFixed(2)+'% ('+hits.length+' frames)';\n"
    "}\n"
    "document.querySelectorAll('.flame-search input').forEach(function(inp){\n"
    "  inp.addEventListener('input',function(){search(inp);});});\n"
    "document.querySelectorAll('svg.flame').forEach(function(svg){\n"
    "  var all=frames(svg).map(box);all.forEach(function(b){b.x0=b.x;b.w0=b.w;"
    "b.t=b.g.querySelector('text');b.tx=b.t?b.t.textContent:'';});\n"
    "  svg.addEventListener('click',function(e){\n"
    "    var g=e.target.closest('g.f');if(!g)return;var z=all.filter(function(b){"
    "return b.g===g;})[0];\n"
    "    var d=+g.getAttribute('data-d'),root=all[0],k=root.w0/z.w0;\n"
    "    all.forEach(function(b){var bd=+b.g.getAttribute('data-d'),"
    "inside=b.x0>=z.x0-1e-6&&b.x0+b.w0<=z.x0+z.w0+1e-6&&bd>=d,"
    "above=bd<d&&b.x0<=z.x0+1e-6&&b.x0+b.w0>=z.x0+z.w0-1e-6;\n"
    "      var x=b.x0,w=b.w0;if(d>0&&inside){x=root.x0+(b.x0-z.x0)*k;w=b.w0*k;}"
    "else if(d>0&&above){x=root.x0;w=root.w0;}\n"
    "      b.r.setAttribute('x',x.toFixed(3));b.r.setAttribute('width',w.toFixed(3));\n"
    "      b.g.style.display=(d===0||inside||above)?'':'none';"
    "b.g.style.opacity=(d>0&&above)?'0.6':'';\n"
    "      if(b.t){b.t.setAttribute('x',(x+3).toFixed(3));var n=Math.floor((w-6)/7);"
    "var name=b.g.getAttribute('data-n');\n"
    "        b.t.textContent=n<3?'':name.length>n?name.slice(0,n-2)+'..':name;}});\n"
    "    svg.setAttribute('data-zoom',d===0?'':g.getAttribute('data-n'));\n"
    "  });});\n"
    "})();\n";

void lat_html_escape(FILE *out, const char *text)
{
	for (const char *p = text ? text : ""; *p; p++) {
		switch (*p) {
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
			fputc(*p, out);
		}
	}
}

/* A JSON string safe inside <script>: '<' is written as \u003c. */
static void json_string(FILE *out, const char *text)
{
	lat_json_write_string(out, text, LAT_JSON_SCRIPT);
}

void lat_html_format_ns(char *buf, size_t len, double ns)
{
	static const struct {
		double div;
		const char *unit;
	} units[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}, {1, "ns"}};
	double a = fabs(ns);

	if (a >= 1e9 * 1000) {
		snprintf(buf, len, "%.0f s", ns / 1e9);
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (a >= units[i].div || i == 3) {
			double v = ns / units[i].div;

			if (i == 3) {
				snprintf(buf, len, "%.0f ns", v);
			} else {
				snprintf(buf, len, "%.*f %s",
					 fabs(v) >= 100  ? 0
					 : fabs(v) >= 10 ? 1
							 : 2,
					 v, units[i].unit);
			}
			return;
		}
	}
}

void lat_html_format_size(char *buf, size_t len, double bytes)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	size_t i = 0;

	while (fabs(bytes) >= 1024 && i < 4) {
		bytes /= 1024;
		i++;
	}
	if (i == 0) {
		snprintf(buf, len, "%.0f B", bytes);
	} else {
		snprintf(buf, len, "%.*f %s", fabs(bytes) >= 100 ? 0 : 1, bytes, units[i]);
	}
}

void lat_html_begin(struct lat_html *h, FILE *out, const char *title, const char *subtitle)
{
	memset(h, 0, sizeof(*h));
	h->out = out;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"latscope " LATSCOPE_VERSION "\">\n<title>",
	      out);
	lat_html_escape(out, title);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header><h1><b>latscope</b> ",
		css);
	lat_html_escape(out, title);
	fputs("</h1>", out);
	if (subtitle) {
		fputs("<div class=\"sub\">", out);
		lat_html_escape(out, subtitle);
		fputs("</div>", out);
	}
	fputs("</header>\n<nav id=\"toc\"></nav>\n<main>\n", out);
}

static void section_close(struct lat_html *h)
{
	if (h->in_section) {
		fputs("</section>\n", h->out);
		h->in_section = false;
	}
}

int lat_html_end(struct lat_html *h)
{
	FILE *out = h->out;

	section_close(h);
	fputs("</main>\n<footer>Made by latscope " LATSCOPE_VERSION
	      ". A single file: no network, no external script.</footer>\n"
	      "<div id=\"tip\"></div>\n<script>\n",
	      out);
	/* The table of contents, from the sections (hover-free, but keeps the page one file). */
	fputs("(function(){var n=document.getElementById('toc');"
	      "document.querySelectorAll('section[id]').forEach(function(s){"
	      "var a=document.createElement('a');a.href='#'+s.id;"
	      "a.textContent=s.querySelector('h2').textContent;n.appendChild(a);});})();\n",
	      out);
	fputs(script, out);
	if (h->flames) {
		fputs(flame_script, out);
	}
	fputs("</script>\n</body>\n</html>\n", out);
	return ferror(out) ? -EIO : 0;
}

void lat_html_section(struct lat_html *h, const char *id, const char *title, const char *note)
{
	section_close(h);
	fputs("<section id=\"", h->out);
	lat_html_escape(h->out, id);
	fputs("\">\n<h2>", h->out);
	lat_html_escape(h->out, title);
	fputs("</h2>\n", h->out);
	if (note) {
		lat_html_para(h, "note", note);
	}
	h->in_section = true;
}

void lat_html_heading(struct lat_html *h, const char *title, const char *note)
{
	fputs("<h3>", h->out);
	lat_html_escape(h->out, title);
	fputs("</h3>\n", h->out);
	if (note) {
		lat_html_para(h, "note", note);
	}
}

void lat_html_para(struct lat_html *h, const char *cls, const char *text)
{
	if (cls) {
		fprintf(h->out, "<p class=\"%s\">", cls);
	} else {
		fputs("<p>", h->out);
	}
	lat_html_escape(h->out, text);
	fputs("</p>\n", h->out);
}

void lat_html_cards(struct lat_html *h, const struct lat_html_card *cards, size_t count)
{
	fputs("<div class=\"cards\">", h->out);
	for (size_t i = 0; i < count; i++) {
		fprintf(h->out, "<div class=\"card%s\"><div class=\"v\">",
			cards[i].warn ? " warn" : "");
		lat_html_escape(h->out, cards[i].value);
		fputs("</div><div class=\"l\">", h->out);
		lat_html_escape(h->out, cards[i].label);
		fputs("</div></div>", h->out);
	}
	fputs("</div>\n", h->out);
}

/* --- axes ------------------------------------------------------------------------------------ */

/* Chart geometry: the viewBox and the plot area inside it. */
struct frame {
	double w, h, left, right, top, bottom;
};

static double px_x(const struct frame *f, double t) /* t in [0, 1] */
{
	return f->left + t * (f->w - f->left - f->right);
}

static double px_y(const struct frame *f, double t)
{
	return f->h - f->bottom - t * (f->h - f->top - f->bottom);
}

/* A "nice" step for about `ticks` ticks over [0, max]. */
static double nice_step(double max, int ticks)
{
	double raw = max / ticks, mag, norm;

	if (!(raw > 0)) {
		return 1;
	}
	mag = pow(10, floor(log10(raw)));
	norm = raw / mag;
	return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
}

static void svg_open(struct lat_html *h, const struct frame *f, const char *kind, size_t points,
		     const char *title, const char *data_src)
{
	unsigned id = h->next_id++;

	fprintf(
	    h->out,
	    "<svg class=\"chart %s\" id=\"chart%u\" data-points=\"%zu\" viewBox=\"0 0 %.0f %.0f\" "
	    "role=\"img\"",
	    kind, id, points, f->w, f->h);
	if (data_src) {
		fprintf(h->out, " data-src=\"%s\"", data_src);
	}
	fputs(" xmlns=\"http://www.w3.org/2000/svg\"><title>", h->out);
	lat_html_escape(h->out, title);
	fputs("</title>\n", h->out);
	if (strcmp(kind, "freq") != 0) { /* a frequency table's heading is already above it */
		fputs("<text class=\"t\" x=\"4\" y=\"15\">", h->out);
		lat_html_escape(h->out, title);
		fputs("</text>\n", h->out);
	}
}

/* A log10 axis of durations along x (horizontal) or y, from 10^lo to 10^hi ns. */
static void log_axis(struct lat_html *h, const struct frame *f, bool horizontal, int lo, int hi)
{
	for (int e = lo; e <= hi; e++) {
		double t = (double)(e - lo) / (hi - lo);
		char label[32];

		lat_html_format_ns(label, sizeof(label), pow(10, e));
		if (horizontal) {
			double x = px_x(f, t);

			fprintf(
			    h->out,
			    "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
			    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
			    x, x, f->top, f->h - f->bottom, x, f->h - f->bottom + 15, label);
		} else {
			double y = px_y(f, t);

			fprintf(
			    h->out,
			    "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
			    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			    f->left, f->w - f->right, y, y, f->left - 6, y + 4, label);
		}
	}
}

/*
 * A count axis on the left: linear from 0 to max, or log (log10(1 + count), ticks at 0, 1, 10,
 * 100...) so that the few slow events of a tail stay visible next to millions of fast ones.
 * Returns the axis top value; count_pos() places a count on it.
 */
static double count_axis(struct lat_html *h, const struct frame *f, double max, bool logscale,
			 const char *name)
{
	double top;

	if (logscale) {
		top = pow(10, ceil(log10(max > 1 ? max : 1)));
		if (top < 10) {
			top = 10;
		}
		for (double v = 0; v <= top * 1.01; v = v ? v * 10 : 1) {
			double y = px_y(f, log10(1 + v) / log10(1 + top));

			fprintf(
			    h->out,
			    "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
			    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			    f->left, f->w - f->right, y, y, f->left - 6, y + 4, v);
		}
	} else {
		double step = nice_step(max > 0 ? max : 1, 4);

		top = ceil((max > 0 ? max : 1) / step) * step;
		for (double v = 0; v <= top + step / 2; v += step) {
			double y = px_y(f, v / top);

			fprintf(
			    h->out,
			    "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
			    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			    f->left, f->w - f->right, y, y, f->left - 6, y + 4, v);
		}
	}
	fprintf(h->out,
		"<text x=\"12\" y=\"%.1f\" transform=\"rotate(-90 12 %.1f)\" "
		"text-anchor=\"middle\">%s%s</text>\n",
		(f->top + f->h - f->bottom) / 2, (f->top + f->h - f->bottom) / 2, name,
		logscale ? " (log)" : "");
	return top;
}

static double count_pos(double count, double top, bool logscale)
{
	return logscale ? log10(1 + count) / log10(1 + top) : count / top;
}

/* --- histogram ------------------------------------------------------------------------------- */

void lat_html_histogram(struct lat_html *h, const char *title,
			const struct lat_html_bucket *buckets, size_t nbuckets,
			const double *values, size_t nvalues, double threshold_ns)
{
	struct frame f = {.w = 1000, .h = 300, .left = 64, .right = 58, .top = 28, .bottom = 34};
	double lo_v = INFINITY, hi_v = 0, max_count = 0;
	size_t marks = 0;
	int lo, hi;

	for (size_t i = 0; i < nbuckets; i++) {
		if (!buckets[i].count) {
			continue;
		}
		marks++;
		lo_v = fmin(lo_v, buckets[i].low > 0 ? buckets[i].low : 1);
		hi_v = fmax(hi_v, buckets[i].high);
		max_count = fmax(max_count, (double)buckets[i].count);
	}
	for (size_t i = 0; i < nvalues; i++) {
		if (values[i] > 0) {
			lo_v = fmin(lo_v, values[i]);
			hi_v = fmax(hi_v, values[i]);
		}
	}
	if (threshold_ns > 0 && hi_v > 0) {
		lo_v = fmin(lo_v, threshold_ns);
		hi_v = fmax(hi_v, threshold_ns * 1.5);
	}
	if (!(hi_v > 0)) {
		lat_html_para(h, "note", "No events.");
		return;
	}
	lo = (int)floor(log10(lo_v));
	hi = (int)ceil(log10(hi_v));
	if (hi <= lo) {
		hi = lo + 1;
	}
	svg_open(h, &f, "histogram", marks, title, NULL);
	log_axis(h, &f, true, lo, hi);
	double top = count_axis(h, &f, max_count, true, "events");

	for (size_t i = 0; i < nbuckets; i++) {
		const struct lat_html_bucket *b = &buckets[i];
		double l = b->low > 0 ? b->low : 1, r = b->high > l ? b->high : l * 2;
		double x0 = px_x(&f, (log10(l) - lo) / (hi - lo)),
		       x1 = px_x(&f, (log10(r) - lo) / (hi - lo));
		double y = px_y(&f, count_pos((double)b->count, top, true));
		char a[32], z[32];

		if (!b->count) {
			continue;
		}
		lat_html_format_ns(a, sizeof(a), b->low);
		lat_html_format_ns(z, sizeof(z), b->high);
		fprintf(h->out,
			"<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"data-tip=\"[%s, %s): %" PRIu64 " events\"/>\n",
			x0 + 0.5, y, fmax(x1 - x0 - 1, 1), px_y(&f, 0) - y, a, z, b->count);
	}
	if (nvalues > 1) {
		/* Gaussian KDE on log10 values, Silverman's bandwidth, own scale (right axis). */
		double mean = 0, var = 0, bw, dens[201], dmax = 0;
		size_t n = 0;

		for (size_t i = 0; i < nvalues; i++) {
			if (values[i] > 0) {
				mean += log10(values[i]);
				n++;
			}
		}
		mean /= n ? (double)n : 1;
		for (size_t i = 0; i < nvalues; i++) {
			if (values[i] > 0) {
				double d = log10(values[i]) - mean;

				var += d * d;
			}
		}
		bw = 1.06 * sqrt(var / (n > 1 ? (double)(n - 1) : 1)) * pow((double)n, -0.2);
		bw = fmax(bw, 0.04);
		for (int k = 0; k <= 200; k++) {
			double x = lo + (hi - lo) * k / 200.0, s = 0;

			for (size_t i = 0; i < nvalues; i++) {
				if (values[i] > 0) {
					double z = (x - log10(values[i])) / bw;

					if (z > -6 && z < 6) {
						s += exp(-0.5 * z * z);
					}
				}
			}
			dens[k] = s / ((double)n * bw * sqrt(2 * M_PI));
			dmax = fmax(dmax, dens[k]);
		}
		if (dmax > 0) {
			fputs("<path class=\"dens\" data-tip=\"density of the reported events "
			      "(kernel "
			      "estimate on log10 of their durations)\" d=\"",
			      h->out);
			for (int k = 0; k <= 200; k++) {
				fprintf(h->out, "%c%.1f %.1f", k ? 'L' : 'M', px_x(&f, k / 200.0),
					px_y(&f, dens[k] / dmax * 0.92));
			}
			fputs("\"/>\n", h->out);
			fprintf(
			    h->out,
			    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#d97706\" "
			    "style=\"fill:#d97706\">— density of the %zu reported events</text>\n",
			    f.w - f.right, 15.0, n);
		}
	}
	if (threshold_ns > 0) {
		double x = px_x(&f, (log10(threshold_ns) - lo) / (hi - lo));
		char t[32];

		lat_html_format_ns(t, sizeof(t), threshold_ns);
		fprintf(h->out,
			"<line class=\"thr\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
			"<text class=\"thl\" x=\"%.1f\" y=\"%.1f\">threshold %s</text>\n",
			x, x, f.top, f.h - f.bottom, x + 4, f.top + 10, t);
	}
	fprintf(h->out, "<line class=\"ax\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
		f.left, f.w - f.right, f.h - f.bottom, f.h - f.bottom);
	fputs("</svg>\n", h->out);
}

/* --- scatter --------------------------------------------------------------------------------- */

void lat_html_scatter(struct lat_html *h, const char *title, const struct lat_html_point *points,
		      size_t npoints, const char *const *series, size_t nseries,
		      double threshold_ns)
{
	struct frame f = {.w = 1000, .h = 340, .left = 64, .right = 16, .top = 28, .bottom = 40};
	double xmax = 0, ylo = INFINITY, yhi = 0, step, xtop;
	char src[32];
	int lo, hi;

	if (!npoints) {
		lat_html_para(h, "note", "No event to plot.");
		return;
	}
	for (size_t i = 0; i < npoints; i++) {
		xmax = fmax(xmax, points[i].x_s);
		if (points[i].y_ns > 0) {
			ylo = fmin(ylo, points[i].y_ns);
			yhi = fmax(yhi, points[i].y_ns);
		}
	}
	if (threshold_ns > 0) {
		ylo = fmin(ylo, threshold_ns);
		yhi = fmax(yhi, threshold_ns);
	}
	if (!(yhi > 0)) {
		ylo = yhi = 1;
	}
	lo = (int)floor(log10(ylo));
	hi = (int)ceil(log10(yhi));
	if (hi <= lo) {
		hi = lo + 1;
	}
	step = nice_step(xmax > 0 ? xmax : 1, 8);
	xtop = ceil((xmax > 0 ? xmax : 1) / step) * step;
	snprintf(src, sizeof(src), "pts%u", h->next_id);
	svg_open(h, &f, "scatter", npoints, title, src);
	log_axis(h, &f, false, lo, hi);
	for (double v = 0; v <= xtop + step / 2; v += step) {
		double x = px_x(&f, v / xtop);

		fprintf(h->out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%gs</text>\n",
			x, f.h - f.bottom + 15, v);
	}
	fprintf(h->out,
		"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">time since the first "
		"event</text>\n",
		px_x(&f, 0.5), f.h - 4);
	if (threshold_ns > 0) {
		double y = px_y(&f, (log10(threshold_ns) - lo) / (hi - lo));
		char t[32];

		lat_html_format_ns(t, sizeof(t), threshold_ns);
		fprintf(h->out,
			"<line class=\"thr\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
			"<text class=\"thl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">threshold "
			"%s</text>\n",
			f.left, f.w - f.right, y, y, f.w - f.right - 4, y - 4, t);
	}
	for (size_t i = 0; i < npoints; i++) {
		const struct lat_html_point *p = &points[i];
		const char *color = palette[p->series % PALETTE_SIZE];
		double y = p->y_ns > 0 ? (log10(p->y_ns) - lo) / (hi - lo) : 0;

		fprintf(h->out,
			"<circle class=\"pt%s\" data-i=\"%zu\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.6\" "
			"fill=\"%s\" stroke=\"%s\"/>\n",
			p->hollow ? " to" : "", i, px_x(&f, p->x_s / xtop), px_y(&f, y), color,
			color);
	}
	/* legend, top right */
	double lx = f.w - f.right - 10;

	for (size_t s = nseries; s-- > 0;) {
		size_t len = strlen(series[s]);

		lx -= 22 + 6.5 * (double)len;
		fprintf(h->out,
			"<circle cx=\"%.1f\" cy=\"11\" r=\"4.5\" fill=\"%s\"/>"
			"<text x=\"%.1f\" y=\"15\">",
			lx, palette[s % PALETTE_SIZE], lx + 8);
		lat_html_escape(h->out, series[s]);
		fputs("</text>\n", h->out);
	}
	fprintf(h->out, "<line class=\"ax\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
		f.left, f.w - f.right, f.h - f.bottom, f.h - f.bottom);
	fputs("</svg>\n", h->out);
	fprintf(h->out, "<script type=\"application/json\" id=\"%s\">[", src);
	for (size_t i = 0; i < npoints; i++) {
		if (i) {
			fputc(',', h->out);
		}
		json_string(h->out, points[i].detail);
		if (i % 8 == 7) {
			fputc('\n', h->out);
		}
	}
	fputs("]</script>\n", h->out);
}

/* --- bars ------------------------------------------------------------------------------------ */

void lat_html_bars(struct lat_html *h, const char *title, const struct lat_html_bar *bars,
		   size_t count)
{
	struct frame f = {.w = 1000, .left = 230, .right = 230, .top = 26, .bottom = 6};
	double max = 0, row = 22;

	f.h = f.top + f.bottom + row * (double)count;
	for (size_t i = 0; i < count; i++) {
		max = fmax(max, bars[i].value);
	}
	svg_open(h, &f, "bars", count, title, NULL);
	for (size_t i = 0; i < count; i++) {
		double y = f.top + row * (double)i, w = max > 0 ? bars[i].value / max : 0;
		char label[40];

		snprintf(label, sizeof(label), "%s", bars[i].label);
		if (strlen(bars[i].label) > 34) {
			strcpy(label + 31, "...");
		}
		fprintf(h->out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", f.left - 8,
			y + 15);
		lat_html_escape(h->out, label);
		fprintf(h->out,
			"</text><rect class=\"hb\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%.1f\" "
			"rx=\"2\" data-tip=\"",
			f.left, y + 3, fmax(w * (f.w - f.left - f.right), 1), row - 6);
		lat_html_escape(h->out, bars[i].label);
		fputs(": ", h->out);
		lat_html_escape(h->out, bars[i].text);
		fprintf(h->out, "\"/><text x=\"%.1f\" y=\"%.1f\">",
			f.left + fmax(w * (f.w - f.left - f.right), 1) + 6, y + 15);
		lat_html_escape(h->out, bars[i].text);
		fputs("</text>\n", h->out);
	}
	fputs("</svg>\n", h->out);
}

/* --- tables ---------------------------------------------------------------------------------- */

void lat_html_table(struct lat_html *h, const char *const *headers, size_t ncols,
		    const char *const *cells, const double *values, const bool *num, size_t nrows)
{
	double *max = calloc(ncols ? ncols : 1, sizeof(*max));

	for (size_t r = 0; max && values && r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			if (num && num[c] && isfinite(values[r * ncols + c])) {
				max[c] = fmax(max[c], values[r * ncols + c]);
			}
		}
	}
	fputs("<div class=\"tw\"><table><thead><tr>", h->out);
	for (size_t c = 0; c < ncols; c++) {
		fprintf(h->out, "<th%s>", num && num[c] ? " class=\"n\"" : "");
		lat_html_escape(h->out, headers[c]);
		fputs("</th>", h->out);
	}
	fputs("</tr></thead>\n<tbody>\n", h->out);
	for (size_t r = 0; r < nrows; r++) {
		fputs("<tr>", h->out);
		for (size_t c = 0; c < ncols; c++) {
			const char *text = cells[r * ncols + c];

			if (num && num[c]) {
				double pct = max && values && max[c] > 0
						 ? 100 * values[r * ncols + c] / max[c]
						 : 0;

				pct = isfinite(pct) && pct > 0 ? pct : 0;
				fputs("<td class=\"n\">", h->out);
				if (nrows > 1 && values && isfinite(values[r * ncols + c])) {
					fprintf(h->out,
						"<span class=\"db\"><i "
						"style=\"width:%.1f%%\"></i></span>",
						pct);
				}
			} else {
				fputs("<td title=\"", h->out);
				lat_html_escape(h->out, text);
				fputs("\">", h->out);
			}
			lat_html_escape(h->out, text);
			fputs("</td>", h->out);
		}
		fputs("</tr>\n", h->out);
	}
	fputs("</tbody></table></div>\n", h->out);
	free(max);
}

static double cell_value(const struct lat_cell *c)
{
	switch (c->cls) {
	case LAT_CLS_NUMBER:
	case LAT_CLS_RATIO:
	case LAT_CLS_DURATION:
	case LAT_CLS_SIZE:
	case LAT_CLS_BITRATE:
		return c->is_float ? c->d : (double)c->i;
	default:
		return NAN;
	}
}

static bool cls_numeric(uint8_t cls)
{
	return cls == LAT_CLS_NUMBER || cls == LAT_CLS_RATIO || cls == LAT_CLS_DURATION ||
	       cls == LAT_CLS_SIZE || cls == LAT_CLS_BITRATE;
}

static void cell_text(char *buf, size_t len, const struct lat_cell *c)
{
	double v = cell_value(c);

	switch (c->cls) {
	case LAT_CLS_EMPTY:
		snprintf(buf, len, "-");
		break;
	case LAT_CLS_NUMBER:
		if (c->is_float) {
			snprintf(buf, len, "%.2f", c->d);
		} else {
			snprintf(buf, len, "%" PRId64, c->i);
		}
		break;
	case LAT_CLS_RATIO:
		snprintf(buf, len, "%.2f %%", v * 100);
		break;
	case LAT_CLS_DURATION:
		lat_html_format_ns(buf, len, v);
		break;
	case LAT_CLS_SIZE:
		lat_html_format_size(buf, len, v);
		break;
	case LAT_CLS_BITRATE:
		snprintf(buf, len, "%.0f bit/s", v);
		break;
	case LAT_CLS_TIMESTAMP:
		lat_format_timestamp(buf, len, c->i, false, true);
		break;
	case LAT_CLS_TIME_RANGE: {
		char a[48], b[48];

		lat_format_timestamp(a, sizeof(a), c->i, false, true);
		lat_format_timestamp(b, sizeof(b), c->i2, false, true);
		snprintf(buf, len, "%s - %s", a, b);
		break;
	}
	case LAT_CLS_BOOL:
		snprintf(buf, len, "%s", c->flag ? "yes" : "no");
		break;
	case LAT_CLS_PROCESS:
		if (c->has_tid) {
			snprintf(buf, len, "%s (%" PRId32 ")", c->s ? c->s : "?", c->tid);
		} else if (c->has_pid) {
			snprintf(buf, len, "%s (%" PRId32 ")", c->s ? c->s : "?", c->pid);
		} else {
			snprintf(buf, len, "%s", c->s ? c->s : "?");
		}
		break;
	case LAT_CLS_CPU:
		snprintf(buf, len, "CPU %" PRId64, c->i);
		break;
	case LAT_CLS_FD:
		snprintf(buf, len, "%" PRId64, c->i);
		break;
	case LAT_CLS_IRQ:
		snprintf(buf, len, "%s%" PRId64 " %s", c->flag ? "" : "soft ", c->i,
			 c->s ? c->s : "");
		break;
	case LAT_CLS_UNKNOWN:
		snprintf(buf, len, "?");
		break;
	default:
		snprintf(buf, len, "%s", c->s ? c->s : "");
	}
}

void lat_html_result_table(struct lat_html *h, const struct lat_table *table, size_t max_rows)
{
	const struct lat_table_class *cls = table->cls;
	size_t ncols = cls->ncolumns, nrows = table->nrows < max_rows ? table->nrows : max_rows;
	char title[256];

	snprintf(title, sizeof(title), "%s%s%s%s", cls->title, table->subtitle ? " [" : "",
		 table->subtitle ? table->subtitle : "", table->subtitle ? "]" : "");
	lat_html_heading(h, title, NULL);
	if (!table->nrows) {
		lat_html_para(h, "note", "Empty: nothing of this kind in the analysed range.");
		return;
	}
	/* Frequency tables: lower bound, upper bound, count -> a histogram of the bins. */
	if (ncols == 3 && cls->columns[0].cls == LAT_CLS_DURATION &&
	    cls->columns[1].cls == LAT_CLS_DURATION && cls->columns[2].cls == LAT_CLS_NUMBER) {
		struct frame f = {
		    .w = 1000, .h = 200, .left = 64, .right = 34, .top = 12, .bottom = 34};
		double max = 0, lo = cell_value(lat_table_cell(table, 0, 0)),
		       hi = cell_value(lat_table_cell(table, table->nrows - 1, 1));
		size_t marks = 0;

		for (size_t r = 0; r < table->nrows; r++) {
			double n = cell_value(lat_table_cell(table, r, 2));

			max = fmax(max, n);
			marks += n > 0;
		}
		if (!(hi > lo)) {
			hi = lo + 1;
		}
		svg_open(h, &f, "freq", marks, title, NULL);
		double top = count_axis(h, &f, max, true, "count");

		for (int k = 0; k <= 5; k++) {
			char label[32];
			double x = px_x(&f, k / 5.0);

			lat_html_format_ns(label, sizeof(label), lo + (hi - lo) * k / 5.0);
			fprintf(h->out,
				"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x,
				f.h - f.bottom + 15, label);
		}
		for (size_t r = 0; r < table->nrows; r++) {
			double a = cell_value(lat_table_cell(table, r, 0)),
			       b = cell_value(lat_table_cell(table, r, 1)),
			       n = cell_value(lat_table_cell(table, r, 2));
			double x0 = px_x(&f, (a - lo) / (hi - lo)),
			       x1 = px_x(&f, (b - lo) / (hi - lo));
			double y = px_y(&f, count_pos(n, top, true));
			char ta[32], tb[32];

			if (!(n > 0)) {
				continue;
			}
			lat_html_format_ns(ta, sizeof(ta), a);
			lat_html_format_ns(tb, sizeof(tb), b);
			fprintf(h->out,
				"<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" data-tip=\"[%s, %s): %.0f\"/>\n",
				x0 + 0.5, y, fmax(x1 - x0 - 1, 1), px_y(&f, 0) - y, ta, tb, n);
		}
		fprintf(h->out,
			"<line class=\"ax\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
			"y2=\"%.1f\"/>\n</svg>\n",
			f.left, f.w - f.right, f.h - f.bottom, f.h - f.bottom);
		fputs("<details><summary>the bins as a table</summary>\n", h->out);
	}
	const char **headers = calloc(ncols, sizeof(*headers));
	char **cells = calloc(nrows * ncols + 1, sizeof(*cells));
	double *values = calloc(nrows * ncols + 1, sizeof(*values));
	bool *num = calloc(ncols, sizeof(*num));

	if (headers && cells && values && num) {
		for (size_t c = 0; c < ncols; c++) {
			headers[c] = cls->columns[c].title;
			num[c] = cls_numeric(cls->columns[c].cls);
		}
		for (size_t r = 0; r < nrows; r++) {
			for (size_t c = 0; c < ncols; c++) {
				const struct lat_cell *cell = lat_table_cell(table, r, c);
				char buf[160];

				cell_text(buf, sizeof(buf), cell);
				cells[r * ncols + c] = strdup(buf);
				values[r * ncols + c] = cell_value(cell);
			}
		}
		for (size_t i = 0; i < nrows * ncols; i++) {
			if (!cells[i]) {
				cells[i] = strdup("");
			}
		}
		lat_html_table(h, headers, ncols, (const char *const *)cells, values, num, nrows);
		if (table->nrows > nrows) {
			char note[96];

			snprintf(note, sizeof(note), "%zu more rows not shown.",
				 table->nrows - nrows);
			lat_html_para(h, "note", note);
		}
	} else {
		lat_html_para(h, "warn", "out of memory: table not shown");
	}
	for (size_t i = 0; cells && i < nrows * ncols; i++) {
		free(cells[i]);
	}
	free(headers);
	free(cells);
	free(values);
	free(num);
	if (ncols == 3 && cls->columns[0].cls == LAT_CLS_DURATION &&
	    cls->columns[1].cls == LAT_CLS_DURATION && cls->columns[2].cls == LAT_CLS_NUMBER) {
		fputs("</details>\n", h->out);
	}
}

void lat_html_flamegraph(struct lat_html *h, const char *title, const char *note,
			 const struct lat_folded *folded, const char *unit)
{
	struct lat_flamegraph_opts opts = {.unit = unit, .width = 1130, .id = h->next_id++};

	lat_html_heading(h, title, note);
	fprintf(h->out,
		"<div class=\"flame-search\"><input type=\"search\" data-flame=\"flame%u\" "
		"placeholder=\"search frames (a regular expression)\"><span class=\"match\"></span>"
		"</div>\n",
		opts.id);
	if (lat_flamegraph_svg(h->out, folded, &opts) == -ENOMEM) {
		lat_html_para(h, "warn", "Not enough memory to draw this flame graph.");
	}
	h->flames = true;
}
