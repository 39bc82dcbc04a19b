/* app_tp.h: the LTTng-UST tracepoints of app_loop.c (provider latscope_bench): a request's begin
 * and end, what an application instrumented with LTTng-UST emits today. */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER latscope_bench

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "./app_tp.h"

#if !defined(APP_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define APP_TP_H

#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_EVENT(latscope_bench, request_begin, LTTNG_UST_TP_ARGS(uint64_t, id),
			   LTTNG_UST_TP_FIELDS(lttng_ust_field_integer(uint64_t, id, id)))

LTTNG_UST_TRACEPOINT_EVENT(latscope_bench, request_end, LTTNG_UST_TP_ARGS(uint64_t, id),
			   LTTNG_UST_TP_FIELDS(lttng_ust_field_integer(uint64_t, id, id)))

#endif /* APP_TP_H */

#include <lttng/tracepoint-event.h>
