/* errtext.c: the library's one error text (see errtext.h). */
#include "util/errtext.h"

#include <stdarg.h>
#include <stdio.h>

void lat_errtext_set(char *why, size_t why_len, const char *fmt, ...)
{
	va_list args;

	if (!why || !why_len) {
		return;
	}
	va_start(args, fmt);
	vsnprintf(why, why_len, fmt, args);
	va_end(args);
}
