/* graphite.h: Graphite plaintext protocol lines ("path value timestamp"), for carbon. */
#ifndef LATSCOPE_OUTPUTS_GRAPHITE_H
#define LATSCOPE_OUTPUTS_GRAPHITE_H

#include <stdint.h>
#include <stdio.h>

/*
 * Writes "prefix.part1.part2... value timestamp\n". Each part (and the prefix's parts) is
 * sanitized: bytes other than [A-Za-z0-9_-] become '_' (a dot inside a label value would add a
 * level), an empty part becomes "_". parts ends with NULL.
 */
void lat_graphite_line(FILE *out, const char *prefix, const char *const *parts, double value,
		       int64_t timestamp);

/* Sanitizes one path component into buf. */
void lat_graphite_component(const char *text, char *buf, size_t len);

#endif /* LATSCOPE_OUTPUTS_GRAPHITE_H */
