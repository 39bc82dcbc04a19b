/* datetime.h: --begin/--end/--timerange parsing as lttng-analyses accepts them. */
#ifndef LATSCOPE_OUTPUTS_DATETIME_H
#define LATSCOPE_OUTPUTS_DATETIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parses one date: "YYYY-MM-DD HH:MM:SS[.nnnnnnnnn]" (space or T), "HH:MM:SS[.nnnnnnnnn]"
 * (on the trace's day: trace_begin's date), or an integer of ns since the epoch. Dates are
 * local time, or UTC with gmt. A time of day is refused for a trace spanning several days
 * (trace_begin and trace_end on different dates).
 * Returns 0, or -EINVAL with a message in err ("Unrecognised date format: X"...).
 */
int lat_parse_date(const char *text, bool gmt, int64_t trace_begin, int64_t trace_end,
		   int64_t *out_ns, char *err, size_t err_len);

/* Parses "[begin, end]" with lat_parse_date() for each side. */
int lat_parse_time_range(const char *text, bool gmt, int64_t trace_begin, int64_t trace_end,
			 int64_t *begin, int64_t *end, char *err, size_t err_len);

/* True when the two timestamps fall on different dates (local time, or UTC with gmt). */
bool lat_is_multi_day(int64_t begin, int64_t end, bool gmt);

#endif /* LATSCOPE_OUTPUTS_DATETIME_H */
