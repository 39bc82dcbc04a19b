/* analyze_timeparse.c: --begin/--end/--timerange parsing (dates, times of day, ns, --gmt). */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "outputs/datetime.h"
#include "outputs/text.h"
#include "tap.h"

/* 2018-03-19 18:39:19.831423009 UTC .. 18:39:26.800583411 UTC (basic-kernel-analysis) */
#define BEGIN 1521484759831423009LL
#define END   1521484766800583411LL

int main(void)
{
	char err[256], buf[128];
	int64_t ns = 0, b = 0, e = 0;

	setenv("TZ", "UTC", 1);

	is_int(lat_parse_date("1521484760000000000", true, BEGIN, END, &ns, err, sizeof(err)), 0,
	       "ns since the epoch");
	is_int(ns, 1521484760000000000LL, "  read as is");
	is_int(lat_parse_date("2018-03-19 18:39:20.000000001", true, BEGIN, END, &ns, err,
			      sizeof(err)),
	       0, "full date with ns");
	is_int(ns, 1521484760000000001LL, "  to the ns");
	is_int(lat_parse_date("2018-03-19T18:39:20", true, BEGIN, END, &ns, err, sizeof(err)), 0,
	       "full date with T, no ns");
	is_int(ns, 1521484760000000000LL, "  whole second");
	is_int(lat_parse_date("18:39:21.5", true, BEGIN, END, &ns, err, sizeof(err)), -EINVAL,
	       "a fraction must have nine digits (as lttng-analyses)");
	is_str(err, "Unrecognised date format: 18:39:21.5", "  with the peer's message");
	is_int(lat_parse_date("18:39:21.500000000", true, BEGIN, END, &ns, err, sizeof(err)), 0,
	       "time of day on the trace's date");
	is_int(ns, 1521484761500000000LL, "  at 18:39:21.5 that day");
	is_int(
	    lat_parse_date("18:39:21", true, BEGIN, END + 86400000000000LL, &ns, err, sizeof(err)),
	    -EINVAL, "time of day refused on a multi-day trace");
	is_str(err, "Invalid date format for multi-day trace: 18:39:21",
	       "  with the peer's message");
	is_int(lat_parse_date("yesterday", true, BEGIN, END, &ns, err, sizeof(err)), -EINVAL,
	       "garbage refused");
	is_int(lat_parse_date("2018-13-19 18:39:20", true, BEGIN, END, &ns, err, sizeof(err)),
	       -EINVAL, "month 13 refused");

	/* local time: in UTC+2 (no DST), 20:39:20 local is 18:39:20 UTC */
	setenv("TZ", "EET-2", 1);
	tzset();
	is_int(lat_parse_date("2018-03-19 20:39:20", false, BEGIN, END, &ns, err, sizeof(err)), 0,
	       "local date");
	is_int(ns, 1521484760000000000LL, "  converted with the local zone");
	is_int(lat_parse_date("2018-03-19 20:39:20", true, BEGIN, END, &ns, err, sizeof(err)), 0,
	       "same text with --gmt");
	is_int(ns, 1521484760000000000LL + 7200000000000LL, "  read as UTC");
	setenv("TZ", "UTC", 1);
	tzset();

	is_int(lat_parse_time_range("[18:39:20.000000000, 18:39:22.000000000]", true, BEGIN, END,
				    &b, &e, err, sizeof(err)),
	       0, "time range");
	is_int(b, 1521484760000000000LL, "  begin");
	is_int(e, 1521484762000000000LL, "  end");
	is_int(lat_parse_time_range("[1,2]", true, BEGIN, END, &b, &e, err, sizeof(err)), 0,
	       "time range of ns");
	ok(b == 1 && e == 2, "  both sides");
	is_int(
	    lat_parse_time_range("18:39:20,18:39:22", true, BEGIN, END, &b, &e, err, sizeof(err)),
	    -EINVAL, "time range without brackets refused");
	is_str(err, "Invalid time range format: 18:39:20,18:39:22", "  with the peer's message");

	lat_format_timestamp(buf, sizeof(buf), BEGIN, true, true);
	is_str(buf, "2018-03-19 18:39:19.831423009", "timestamp with date");
	lat_format_timestamp(buf, sizeof(buf), 5, false, true);
	is_str(buf, "00:00:00.000000005", "timestamp, time of day, ns padded");
	lat_format_time_range(buf, sizeof(buf), BEGIN, END, true, true);
	is_str(buf, "[2018-03-19 18:39:19.831423009, 2018-03-19 18:39:26.800583411]", "time range");
	ok(!lat_is_multi_day(BEGIN, END, true), "one-day trace");
	ok(lat_is_multi_day(BEGIN, BEGIN + 6 * 3600000000000LL, true), "trace over midnight");
	return tap_done_testing();
}
