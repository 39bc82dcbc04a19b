/* prometheus.c: Prometheus text exposition of histograms, gauges and counters (see prometheus.h).
 */
#include "outputs/prometheus.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

static void label_value(FILE *out, const char *text)
{
	for (const char *p = text; *p; p++) {
		if (*p == '\\' || *p == '"') {
			fputc('\\', out);
			fputc(*p, out);
		} else if (*p == '\n') {
			fputs("\\n", out);
		} else {
			fputc(*p, out);
		}
	}
}

static void labels_open(FILE *out, const struct lat_prom_label *labels, int nlabels, bool close)
{
	if (!nlabels) {
		if (!close) {
			fputc('{', out);
		}
		return;
	}
	fputc('{', out);
	for (int i = 0; i < nlabels; i++) {
		fprintf(out, "%s%s=\"", i ? "," : "", labels[i].name);
		label_value(out, labels[i].value ? labels[i].value : "");
		fputc('"', out);
	}
	if (close) {
		fputc('}', out);
	}
}

void lat_prom_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s ", name);
	for (const char *p = help; *p; p++) {
		if (*p == '\\') {
			fputs("\\\\", out);
		} else if (*p == '\n') {
			fputs("\\n", out);
		} else {
			fputc(*p, out);
		}
	}
	fprintf(out, "\n# TYPE %s %s\n", name, type);
}

void lat_prom_sample(FILE *out, const char *name, const struct lat_prom_label *labels, int nlabels,
		     double value)
{
	fputs(name, out);
	labels_open(out, labels, nlabels, true);
	fprintf(out, " %.9g\n", value);
}

void lat_prom_sample_u64(FILE *out, const char *name, const struct lat_prom_label *labels,
			 int nlabels, uint64_t value)
{
	fputs(name, out);
	labels_open(out, labels, nlabels, true);
	fprintf(out, " %" PRIu64 "\n", value);
}

void lat_prom_format_seconds(uint64_t ns, char *buf, size_t len)
{
	uint64_t sec = ns / 1000000000ULL, frac = ns % 1000000000ULL;
	int digits = 9;

	if (!frac) {
		snprintf(buf, len, "%" PRIu64, sec);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, len, "%" PRIu64 ".%0*" PRIu64, sec, digits, frac);
}

int lat_prom_bucket_index(const uint64_t *bounds_ns, int nbounds, uint64_t v)
{
	int lo = 0, hi = nbounds; /* the first bound >= v is in [lo, hi] */

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (bounds_ns[mid] >= v) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	return lo;
}

void lat_prom_histogram(FILE *out, const char *name, const struct lat_prom_label *labels,
			int nlabels, const uint64_t *bounds_ns, const uint64_t *counts, int nbounds,
			uint64_t sum_ns)
{
	char sum[48];

	lat_prom_format_seconds(sum_ns, sum, sizeof(sum));
	lat_prom_histogram_sum_text(out, name, labels, nlabels, bounds_ns, counts, nbounds, sum);
}

void lat_prom_histogram_sum_text(FILE *out, const char *name, const struct lat_prom_label *labels,
				 int nlabels, const uint64_t *bounds_ns, const uint64_t *counts,
				 int nbounds, const char *sum)
{
	uint64_t cumulative = 0;
	char le[48];

	for (int i = 0; i <= nbounds; i++) {
		cumulative += counts[i];
		if (i < nbounds) {
			lat_prom_format_seconds(bounds_ns[i], le, sizeof(le));
		} else {
			snprintf(le, sizeof(le), "+Inf");
		}
		fprintf(out, "%s_bucket", name);
		labels_open(out, labels, nlabels, false);
		fprintf(out, "%sle=\"%s\"} %" PRIu64 "\n", nlabels ? "," : "", le, cumulative);
	}
	fprintf(out, "%s_sum", name);
	labels_open(out, labels, nlabels, true);
	fprintf(out, " %s\n", sum);
	fprintf(out, "%s_count", name);
	labels_open(out, labels, nlabels, true);
	fprintf(out, " %" PRIu64 "\n", cumulative);
}
