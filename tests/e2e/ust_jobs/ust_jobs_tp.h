/* ust_jobs_tp.h: the LTTng-UST tracepoints of ust_jobs.c (provider latscope_test). */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER latscope_test

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "./ust_jobs_tp.h"

#if !defined(UST_JOBS_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define UST_JOBS_TP_H

#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_EVENT(latscope_test, job_start,
			   LTTNG_UST_TP_ARGS(int, id, const char *, kind),
			   LTTNG_UST_TP_FIELDS(lttng_ust_field_integer(int, id, id)
						   lttng_ust_field_string(kind, kind)))

LTTNG_UST_TRACEPOINT_EVENT(latscope_test, job_end, LTTNG_UST_TP_ARGS(int, id, int, status),
			   LTTNG_UST_TP_FIELDS(lttng_ust_field_integer(int, id, id)
						   lttng_ust_field_integer(int, status, status)))

#endif /* UST_JOBS_TP_H */

#include <lttng/tracepoint-event.h>
