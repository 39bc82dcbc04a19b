/* ctf_live.c: an LTTng live session (lttng-relayd) read with src.ctf.lttng-live. */
#include "sources/ctf_live.h"

#include <babeltrace2/babeltrace.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct lat_ctf_live {
	bt_graph *graph;
	const bt_plugin *ctf_plugin;
	bt_interrupter *interrupter; /* the graph's default one */
	volatile sig_atomic_t interrupted;
	lat_ctf_event_fn fn;
	void *user;
	bool stop;
	int run_status;
	const bt_packet *last_packet;
	uint32_t last_cpu;
	struct lat_ctf_stats stats;
	char error[512];
};

bool lat_ctf_is_live_url(const char *path)
{
	return strncmp(path, "net://", 6) == 0 || strncmp(path, "net4://", 7) == 0 ||
	       strncmp(path, "net6://", 7) == 0;
}

static void set_error(struct lat_ctf_live *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_error(struct lat_ctf_live *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->error, sizeof(l->error), fmt, ap);
	va_end(ap);
}

/* babeltrace2's root cause (cause 0), first line, without its "key=value, ..." details. */
static void take_bt_error(struct lat_ctf_live *l, const char *what)
{
	const bt_error *e = bt_current_thread_take_error();
	const char *msg = NULL;
	size_t len = 0;

	if (e && bt_error_get_cause_count(e) > 0) {
		msg = bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, 0));
	}
	if (msg) {
		const char *details = strstr(msg, ": ");

		len = strcspn(msg, "\n");
		if (details && (size_t)(details - msg) < len && strchr(details, '=')) {
			len = (size_t)(details - msg);
		}
		len = len > 300 ? 300 : len;
	}
	set_error(l, "%s%s%.*s", what, msg ? ": " : "", (int)len, msg ? msg : "");
	if (e) {
		bt_error_release(e);
	}
}

static uint32_t packet_cpu(struct lat_ctf_live *l, const bt_event *event)
{
	const bt_packet *packet = bt_event_borrow_packet_const(event);
	const bt_field *context, *cpu;

	if (packet == l->last_packet) {
		return l->last_cpu;
	}
	l->last_packet = packet;
	l->last_cpu = 0;
	context = packet ? bt_packet_borrow_context_field_const(packet) : NULL;
	if (context) {
		cpu = bt_field_structure_borrow_member_field_by_name_const(context, "cpu_id");
		if (cpu && bt_field_class_type_is(bt_field_get_class_type(cpu),
						  BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
			l->last_cpu = (uint32_t)bt_field_integer_unsigned_get_value(cpu);
		}
	}
	return l->last_cpu;
}

static int handle_event(struct lat_ctf_live *l, const bt_message *msg)
{
	const bt_event *event = bt_message_event_borrow_event_const(msg);
	const bt_clock_snapshot *cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
	struct lat_kevent ev;
	int64_t ns = 0;

	if (!cs || bt_clock_snapshot_get_ns_from_origin(cs, &ns)) {
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.ts = ns;
	ev.name = bt_event_class_get_name(bt_event_borrow_class_const(event));
	ev.raw = event;
	ev.cpu = packet_cpu(l, event);
	l->stats.events++;
	return l->fn(&ev, l->user);
}

static bt_graph_simple_sink_component_initialize_func_status sink_init(bt_message_iterator *it,
								       void *data)
{
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_INITIALIZE_FUNC_STATUS_OK;
}

static bt_graph_simple_sink_component_consume_func_status sink_consume(bt_message_iterator *it,
								       void *data)
{
	struct lat_ctf_live *l = data;
	bt_message_array_const msgs;
	uint64_t count = 0, n;

	switch (bt_message_iterator_next(it, &msgs, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	for (uint64_t i = 0; i < count; i++) {
		const bt_message *msg = msgs[i];

		if (!l->stop) {
			switch (bt_message_get_type(msg)) {
			case BT_MESSAGE_TYPE_EVENT: {
				int ret = handle_event(l, msg);

				if (ret < 0) {
					l->run_status = ret;
					l->stop = true;
				} else if (ret > 0) {
					l->stop = true;
				}
				break;
			}
			case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
				l->stats.discarded_records++;
				if (bt_message_discarded_events_get_count(msg, &n) ==
				    BT_PROPERTY_AVAILABILITY_AVAILABLE) {
					l->stats.discarded_events += n;
				}
				break;
			case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
				l->stats.discarded_records++;
				if (bt_message_discarded_packets_get_count(msg, &n) ==
				    BT_PROPERTY_AVAILABILITY_AVAILABLE) {
					l->stats.discarded_packets += n;
				}
				break;
			default:
				break;
			}
		}
		bt_message_put_ref(msg);
	}
	return l->stop ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END
		       : BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

int lat_ctf_live_open(const char *url, struct lat_ctf_live **out, char *err, size_t err_len)
{
	struct lat_ctf_live *l = calloc(1, sizeof(*l));
	const bt_component_class_source *cls;
	const bt_component_source *src = NULL;
	const bt_component_sink *sink = NULL;
	bt_value *params = NULL, *inputs = NULL;
	int ret = -ENOMEM;

	*out = NULL;
	if (!l) {
		return -ENOMEM;
	}
	if (!lat_ctf_is_live_url(url) || !strstr(url, "/host/")) {
		set_error(l, "not an lttng-live URL: net://HOST[:PORT]/host/HOSTNAME/SESSION");
		ret = -EINVAL;
		goto fail;
	}
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &l->ctf_plugin) !=
	    BT_PLUGIN_FIND_STATUS_OK) {
		set_error(l, "babeltrace2's ctf plugin is not installed");
		ret = -ENOENT;
		goto fail;
	}
	cls = bt_plugin_borrow_source_component_class_by_name_const(l->ctf_plugin, "lttng-live");
	if (!cls) {
		set_error(l, "babeltrace2 has no src.ctf.lttng-live");
		ret = -ENOENT;
		goto fail;
	}
	params = bt_value_map_create();
	inputs = bt_value_array_create();
	if (!params || !inputs || bt_value_array_append_string_element(inputs, url) ||
	    bt_value_map_insert_entry(params, "inputs", inputs) ||
	    bt_value_map_insert_string_entry(params, "session-not-found-action", "fail")) {
		goto fail;
	}
	l->graph = bt_graph_create(0);
	if (!l->graph) {
		goto fail;
	}
	l->interrupter = bt_graph_borrow_default_interrupter(l->graph);
	if (bt_graph_add_source_component(l->graph, cls, "live", params, BT_LOGGING_LEVEL_NONE,
					  &src) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		take_bt_error(l, "cannot create the lttng-live source");
		ret = -EINVAL;
		goto fail;
	}
	if (bt_graph_add_simple_sink_component(l->graph, "latscope", sink_init, sink_consume, NULL,
					       l, &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_connect_ports(l->graph,
				   bt_component_source_borrow_output_port_by_index_const(src, 0),
				   bt_component_sink_borrow_input_port_by_index_const(sink, 0),
				   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		take_bt_error(l, "cannot build the babeltrace2 graph");
		ret = -EINVAL;
		goto fail;
	}
	bt_value_put_ref(inputs);
	bt_value_put_ref(params);
	*out = l;
	return 0;
fail:
	if (err) {
		snprintf(err, err_len, "%s", l->error[0] ? l->error : strerror(-ret));
	}
	bt_value_put_ref(inputs);
	bt_value_put_ref(params);
	lat_ctf_live_destroy(l);
	return ret;
}

int lat_ctf_live_run(struct lat_ctf_live *l, lat_ctf_event_fn fn, void *user)
{
	bt_graph_run_once_status status;

	l->fn = fn;
	l->user = user;
	l->stop = false;
	l->run_status = 0;
	for (;;) {
		status = bt_graph_run_once(l->graph);
		if (l->interrupted || l->stop) {
			break;
		}
		if (status == BT_GRAPH_RUN_ONCE_STATUS_AGAIN) {
			struct timespec nap = {0, 50 * 1000 * 1000}; /* nothing new: 50 ms */

			nanosleep(&nap, NULL);
			continue;
		}
		if (status != BT_GRAPH_RUN_ONCE_STATUS_OK) {
			break;
		}
	}
	if (l->run_status) {
		set_error(l, "%s", strerror(-l->run_status));
		return l->run_status;
	}
	if (l->interrupted || l->stop || status == BT_GRAPH_RUN_ONCE_STATUS_END ||
	    status == BT_GRAPH_RUN_ONCE_STATUS_OK) {
		return 0;
	}
	take_bt_error(l, "cannot read the live session");
	return status == BT_GRAPH_RUN_ONCE_STATUS_MEMORY_ERROR ? -ENOMEM : -EIO;
}

void lat_ctf_live_interrupt(struct lat_ctf_live *l)
{
	l->interrupted = 1;
	if (l->interrupter) {
		bt_interrupter_set(l->interrupter);
	}
}

const char *lat_ctf_live_error(const struct lat_ctf_live *l)
{
	return l->error;
}

const struct lat_ctf_stats *lat_ctf_live_stats(const struct lat_ctf_live *l)
{
	return &l->stats;
}

void lat_ctf_live_destroy(struct lat_ctf_live *l)
{
	if (!l) {
		return;
	}
	bt_graph_put_ref(l->graph);
	bt_plugin_put_ref(l->ctf_plugin);
	free(l);
}
