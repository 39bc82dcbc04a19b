/* datetime.c: date, time-of-day and ns-since-epoch parsing for --begin/--end/--timerange. */
#include "outputs/datetime.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool digits(const char *p, int n)
{
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i])) {
			return false;
		}
	}
	return true;
}

static int num(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* "HH:MM:SS" optionally followed by ".nnnnnnnnn" (exactly nine digits), then the end. */
static bool parse_time(const char *p, struct tm *tm, long *nsec)
{
	if (!digits(p, 2) || p[2] != ':' || !digits(p + 3, 2) || p[5] != ':' || !digits(p + 6, 2)) {
		return false;
	}
	tm->tm_hour = num(p, 2);
	tm->tm_min = num(p + 3, 2);
	tm->tm_sec = num(p + 6, 2);
	p += 8;
	*nsec = 0;
	if (*p == '.') {
		if (!digits(p + 1, 9) || p[10] != '\0') {
			return false;
		}
		*nsec = num(p + 1, 9);
		return true;
	}
	return *p == '\0';
}

bool lat_is_multi_day(int64_t begin, int64_t end, bool gmt)
{
	time_t b = (time_t)(begin / 1000000000LL), e = (time_t)(end / 1000000000LL);
	struct tm tb, te;

	if (gmt) {
		gmtime_r(&b, &tb);
		gmtime_r(&e, &te);
	} else {
		localtime_r(&b, &tb);
		localtime_r(&e, &te);
	}
	return tb.tm_year != te.tm_year || tb.tm_yday != te.tm_yday;
}

static bool valid_tm(const struct tm *tm)
{
	return tm->tm_mon >= 0 && tm->tm_mon < 12 && tm->tm_mday >= 1 && tm->tm_mday <= 31 &&
	       tm->tm_hour < 24 && tm->tm_min < 60 && tm->tm_sec < 60;
}

int lat_parse_date(const char *text, bool gmt, int64_t trace_begin, int64_t trace_end,
		   int64_t *out_ns, char *err, size_t err_len)
{
	struct tm tm = {0};
	long nsec = 0;
	time_t secs;
	size_t len = strlen(text);

	if (len > 0 && digits(text, (int)len)) {
		char *end;

		errno = 0;
		long long ns = strtoll(text, &end, 10);
		if (errno || *end) {
			snprintf(err, err_len, "Unrecognised date format: %s", text);
			return -EINVAL;
		}
		*out_ns = ns;
		return 0;
	}
	if (len >= 19 && digits(text, 4) && text[4] == '-' && digits(text + 5, 2) &&
	    text[7] == '-' && digits(text + 8, 2) &&
	    (text[10] == ' ' || text[10] == 'T' || text[10] == 't' || text[10] == '\t') &&
	    parse_time(text + 11, &tm, &nsec)) {
		tm.tm_year = num(text, 4) - 1900;
		tm.tm_mon = num(text + 5, 2) - 1;
		tm.tm_mday = num(text + 8, 2);
	} else if (parse_time(text, &tm, &nsec)) {
		time_t b = (time_t)(trace_begin / 1000000000LL);
		struct tm day;

		if (lat_is_multi_day(trace_begin, trace_end, gmt)) {
			snprintf(err, err_len, "Invalid date format for multi-day trace: %s", text);
			return -EINVAL;
		}
		if (gmt) {
			gmtime_r(&b, &day);
		} else {
			localtime_r(&b, &day);
		}
		tm.tm_year = day.tm_year;
		tm.tm_mon = day.tm_mon;
		tm.tm_mday = day.tm_mday;
	} else {
		snprintf(err, err_len, "Unrecognised date format: %s", text);
		return -EINVAL;
	}
	if (!valid_tm(&tm)) {
		snprintf(err, err_len, "Unrecognised date format: %s", text);
		return -EINVAL;
	}
	tm.tm_isdst = -1;
	secs = gmt ? timegm(&tm) : mktime(&tm);
	*out_ns = (int64_t)secs * 1000000000LL + nsec;
	return 0;
}

static void strip(char *s)
{
	size_t n = strlen(s), start = 0;

	while (n > 0 && isspace((unsigned char)s[n - 1])) {
		s[--n] = '\0';
	}
	while (s[start] && isspace((unsigned char)s[start])) {
		start++;
	}
	memmove(s, s + start, n - start + 1);
}

int lat_parse_time_range(const char *text, bool gmt, int64_t trace_begin, int64_t trace_end,
			 int64_t *begin, int64_t *end, char *err, size_t err_len)
{
	char buf[256], *comma;
	size_t len = strlen(text);
	int ret;

	if (len < 3 || len >= sizeof(buf) || text[0] != '[' || text[len - 1] != ']' ||
	    !strchr(text, ',')) {
		snprintf(err, err_len, "Invalid time range format: %s", text);
		return -EINVAL;
	}
	memcpy(buf, text + 1, len - 2);
	buf[len - 2] = '\0';
	comma = strrchr(buf, ',');
	*comma = '\0';
	strip(buf);
	strip(comma + 1);
	ret = lat_parse_date(buf, gmt, trace_begin, trace_end, begin, err, err_len);
	if (ret) {
		return ret;
	}
	return lat_parse_date(comma + 1, gmt, trace_begin, trace_end, end, err, err_len);
}
