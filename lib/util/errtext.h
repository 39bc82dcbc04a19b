/* errtext.h: the library's one error text: the line a failing call writes for its caller. */
#ifndef LATSCOPE_UTIL_ERRTEXT_H
#define LATSCOPE_UTIL_ERRTEXT_H

#include <stddef.h>

/*
 * A call that can fail takes `char *why, size_t why_len` (NULL or 0: the caller wants no text)
 * and, on failure, writes one line there: what failed and why, without "latscope: " (the front
 * end adds it), cut to why_len - 1 bytes. This is the one writer of those buffers, so that no
 * file keeps its own vsnprintf helper.
 */
void lat_errtext_set(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* LATSCOPE_UTIL_ERRTEXT_H */
