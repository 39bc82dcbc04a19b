/* prometheus.h: Prometheus text exposition (format 0.0.4): histograms with inclusive `le`
 * buckets, gauges and counters, written to a stream (the agent serves it on /metrics). */
#ifndef LATSCOPE_OUTPUTS_PROMETHEUS_H
#define LATSCOPE_OUTPUTS_PROMETHEUS_H

#include <stdint.h>
#include <stdio.h>

struct lat_prom_label {
	const char *name;
	const char *value; /* escaped on output (\\, \", \n) */
};

/* "# HELP name help" and "# TYPE name type" (type: counter, gauge, histogram). */
void lat_prom_family(FILE *out, const char *name, const char *type, const char *help);

/* One sample: name{labels} value. */
void lat_prom_sample(FILE *out, const char *name, const struct lat_prom_label *labels, int nlabels,
		     double value);
void lat_prom_sample_u64(FILE *out, const char *name, const struct lat_prom_label *labels,
			 int nlabels, uint64_t value);

/*
 * A histogram in seconds from nanosecond counts: counts[i] (not cumulative) holds the samples v
 * with bounds[i-1] < v <= bounds[i] (bounds ascending, in ns), counts[nbounds] those above the
 * last bound. Writes name_bucket{...,le="B"} cumulative (a value equal to a bound counts in that
 * bound's bucket), le="+Inf", name_sum (seconds) and name_count.
 */
void lat_prom_histogram(FILE *out, const char *name, const struct lat_prom_label *labels,
			int nlabels, const uint64_t *bounds_ns, const uint64_t *counts, int nbounds,
			uint64_t sum_ns);

/* The same with name_sum written as sum_text (a sum that does not fit 64 bits: the agent's). */
void lat_prom_histogram_sum_text(FILE *out, const char *name, const struct lat_prom_label *labels,
				 int nlabels, const uint64_t *bounds_ns, const uint64_t *counts,
				 int nbounds, const char *sum_text);

/* Nanoseconds as exact decimal seconds: 1023 -> "0.000001023", 2000000000 -> "2". */
void lat_prom_format_seconds(uint64_t ns, char *buf, size_t len);

/* The bucket of a value for lat_prom_histogram's counts: the first i with v <= bounds[i]. */
int lat_prom_bucket_index(const uint64_t *bounds_ns, int nbounds, uint64_t v);

#endif /* LATSCOPE_OUTPUTS_PROMETHEUS_H */
