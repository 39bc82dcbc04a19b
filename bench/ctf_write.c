/* ctf_write.c: CTF writing speed: latscope's own writer (lib/outputs/ctf_writer.c) against
 * babeltrace2's sink.ctf.fs fed by a source component of ours, on the same synthetic events.
 *
 *   ctf_write [-n EVENTS] [-r ROUNDS] [-o DIR]
 *
 * The events, one stream, 1 us apart, in turn: sched_switch (prev_comm, prev_tid, prev_prio,
 * prev_state, next_comm, next_tid, next_prio), syscall_entry_read (fd, buf, count),
 * syscall_exit_read (ret, buf). Each round writes DIR/ours and DIR/bt2 (the rounds alternate the
 * writers; the last round's traces are kept for the caller to read back) and prints one line
 * per writer; then "best ours=S bt2=S" (seconds, best of the rounds).
 *
 * Both sides are timed from the first event to the files closed (the own writer's close writes
 * the last packet and the metadata; babeltrace2's graph is run, then released, which finalizes
 * sink.ctf.fs). babeltrace2 gets packets of PKT_EVENTS events, about the own writer's 1 MiB.
 */
#include <babeltrace2/babeltrace.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "outputs/ctf_writer.h"

#define PKT_EVENTS 28000 /* ~1 MiB of these events in the own writer's layout */

static uint64_t event_count = 2000000;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The values of event i (the same on both sides). */
static int32_t ev_tid(uint64_t i)
{
	return 1000 + (int32_t)(i & 15);
}
static uint64_t ev_buf(uint64_t i)
{
	return 0x7ffd12340000ull + (i & 0xfff0);
}

/* --- ours ----------------------------------------------------------------------------------- */

static int bench_ours(const char *dir, double *secs)
{
	static const struct lat_ctf_field sw[] = {
	    {"prev_comm", LAT_CTF_COMM}, {"prev_tid", LAT_CTF_S32},   {"prev_prio", LAT_CTF_S32},
	    {"prev_state", LAT_CTF_S64}, {"next_comm", LAT_CTF_COMM}, {"next_tid", LAT_CTF_S32},
	    {"next_prio", LAT_CTF_S32}};
	static const struct lat_ctf_field entry[] = {
	    {"fd", LAT_CTF_U32}, {"buf", LAT_CTF_X64}, {"count", LAT_CTF_U64}};
	static const struct lat_ctf_field exit_[] = {{"ret", LAT_CTF_S64}, {"buf", LAT_CTF_X64}};
	static const char prev_comm[16] = "worker-thread", next_comm[16] = "swapper/0";
	struct lat_ctf_writer_opts opts = {.dir = dir, .cpus = 1};
	struct lat_ctf_writer *w;
	uint32_t ids[3];
	double t0;
	int err;

	err = lat_ctf_writer_create(&opts, &w);
	if (err) {
		return err;
	}
	err = lat_ctf_writer_add_class(w, "sched_switch", sw, 7, &ids[0]);
	if (!err) {
		err = lat_ctf_writer_add_class(w, "syscall_entry_read", entry, 3, &ids[1]);
	}
	if (!err) {
		err = lat_ctf_writer_add_class(w, "syscall_exit_read", exit_, 2, &ids[2]);
	}
	t0 = now_s();
	for (uint64_t i = 0; i < event_count && !err; i++) {
		unsigned kind = (unsigned)(i % 3);
		uint8_t *p, *start;

		err = lat_ctf_event_begin(w, 0, ids[kind], 1000 * i, 56, &start);
		if (err) {
			break;
		}
		p = start;
		if (kind == 0) {
			lat_ctf_put(&p, prev_comm, 16);
			LAT_CTF_PUT(&p, int32_t, ev_tid(i));
			LAT_CTF_PUT(&p, int32_t, 120);
			LAT_CTF_PUT(&p, int64_t, 1);
			lat_ctf_put(&p, next_comm, 16);
			LAT_CTF_PUT(&p, int32_t, 0);
			LAT_CTF_PUT(&p, int32_t, 120);
		} else if (kind == 1) {
			LAT_CTF_PUT(&p, uint32_t, 3);
			LAT_CTF_PUT(&p, uint64_t, ev_buf(i));
			LAT_CTF_PUT(&p, uint64_t, 4096);
		} else {
			LAT_CTF_PUT(&p, int64_t, 4096);
			LAT_CTF_PUT(&p, uint64_t, ev_buf(i));
		}
		lat_ctf_event_commit(w, 0, (size_t)(p - start));
	}
	if (err) {
		lat_ctf_writer_close(w);
		return err;
	}
	err = lat_ctf_writer_close(w);
	*secs = now_s() - t0;
	return err;
}

/* --- babeltrace2: a source component feeding sink.ctf.fs ------------------------------------- */

struct src_data {
	bt_trace_class *tc;
	bt_stream_class *sc;
	bt_event_class *ec[3];
};

enum iter_state {
	IT_STREAM_BEGIN,
	IT_PACKET_BEGIN,
	IT_EVENTS,
	IT_PACKET_END,
	IT_STREAM_END,
	IT_DONE
};

struct iter_data {
	struct src_data *src;
	bt_trace *trace;
	bt_stream *stream;
	bt_packet *packet;
	uint64_t next;        /* events made */
	uint64_t packet_last; /* first event of the next packet */
	enum iter_state state;
};

static bt_field_class *int_fc(bt_trace_class *tc, bool is_signed, unsigned bits, bool hex)
{
	bt_field_class *fc = is_signed ? bt_field_class_integer_signed_create(tc)
				       : bt_field_class_integer_unsigned_create(tc);

	if (fc) {
		bt_field_class_integer_set_field_value_range(fc, bits);
		if (hex) {
			bt_field_class_integer_set_preferred_display_base(
			    fc, BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_HEXADECIMAL);
		}
	}
	return fc;
}

/* Appends a member; false on any failure (fc NULL included). */
static bool add_member(bt_field_class *st, const char *name, bt_field_class *fc)
{
	bool ok = fc && bt_field_class_structure_append_member(st, name, fc) ==
			    BT_FIELD_CLASS_STRUCTURE_APPEND_MEMBER_STATUS_OK;

	bt_field_class_put_ref(fc);
	return ok;
}

/* Creates event class `name` with the payload members built by `fill`; NULL on failure. */
static bt_event_class *make_class(struct src_data *d, const char *name, int which)
{
	bt_event_class *ec = bt_event_class_create(d->sc);
	bt_field_class *st = bt_field_class_structure_create(d->tc);
	bt_trace_class *tc = d->tc;
	bool ok =
	    ec && st && bt_event_class_set_name(ec, name) == BT_EVENT_CLASS_SET_NAME_STATUS_OK;

	if (ok && which == 0) {
		ok = add_member(st, "prev_comm", bt_field_class_string_create(tc)) &&
		     add_member(st, "prev_tid", int_fc(tc, true, 32, false)) &&
		     add_member(st, "prev_prio", int_fc(tc, true, 32, false)) &&
		     add_member(st, "prev_state", int_fc(tc, true, 64, false)) &&
		     add_member(st, "next_comm", bt_field_class_string_create(tc)) &&
		     add_member(st, "next_tid", int_fc(tc, true, 32, false)) &&
		     add_member(st, "next_prio", int_fc(tc, true, 32, false));
	} else if (ok && which == 1) {
		ok = add_member(st, "fd", int_fc(tc, false, 32, false)) &&
		     add_member(st, "buf", int_fc(tc, false, 64, true)) &&
		     add_member(st, "count", int_fc(tc, false, 64, false));
	} else if (ok) {
		ok = add_member(st, "ret", int_fc(tc, true, 64, false)) &&
		     add_member(st, "buf", int_fc(tc, false, 64, true));
	}
	ok = ok && bt_event_class_set_payload_field_class(ec, st) ==
		       BT_EVENT_CLASS_SET_FIELD_CLASS_STATUS_OK;
	bt_field_class_put_ref(st);
	if (!ok) {
		bt_event_class_put_ref(ec);
		return NULL;
	}
	return ec;
}

static void src_data_free(struct src_data *d)
{
	for (int i = 0; i < 3; i++) {
		bt_event_class_put_ref(d->ec[i]);
	}
	bt_stream_class_put_ref(d->sc);
	bt_trace_class_put_ref(d->tc);
	free(d);
}

static bt_component_class_initialize_method_status
src_init(bt_self_component_source *self, bt_self_component_source_configuration *config,
	 const bt_value *params, void *init_data)
{
	static const char *const names[3] = {"sched_switch", "syscall_entry_read",
					     "syscall_exit_read"};
	bt_self_component *comp = bt_self_component_source_as_self_component(self);
	struct src_data *d = calloc(1, sizeof(*d));
	bt_clock_class *cc = NULL;
	bool ok;

	if (!d) {
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
	}
	d->tc = bt_trace_class_create(comp);
	ok = d->tc && (cc = bt_clock_class_create(comp)) &&
	     bt_clock_class_set_name(cc, "monotonic") == BT_CLOCK_CLASS_SET_NAME_STATUS_OK &&
	     (d->sc = bt_stream_class_create(d->tc)) &&
	     bt_stream_class_set_default_clock_class(d->sc, cc) ==
		 BT_STREAM_CLASS_SET_DEFAULT_CLOCK_CLASS_STATUS_OK;
	bt_clock_class_put_ref(cc);
	if (ok) {
		bt_stream_class_set_supports_packets(d->sc, BT_TRUE, BT_TRUE, BT_TRUE);
		for (int i = 0; i < 3 && ok; i++) {
			ok = (d->ec[i] = make_class(d, names[i], i)) != NULL;
		}
	}
	ok = ok && bt_self_component_source_add_output_port(self, "out", NULL, NULL) ==
		       BT_SELF_COMPONENT_ADD_PORT_STATUS_OK;
	if (!ok) {
		src_data_free(d);
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
	}
	bt_self_component_set_data(comp, d);
	return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

static void src_finalize(bt_self_component_source *self)
{
	src_data_free(bt_self_component_get_data(bt_self_component_source_as_self_component(self)));
}

static bt_message_iterator_class_initialize_method_status
iter_init(bt_self_message_iterator *self, bt_self_message_iterator_configuration *config,
	  bt_self_component_port_output *port)
{
	struct iter_data *it = calloc(1, sizeof(*it));

	if (!it) {
		return BT_MESSAGE_ITERATOR_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
	}
	it->src = bt_self_component_get_data(bt_self_message_iterator_borrow_component(self));
	it->trace = bt_trace_create(it->src->tc);
	it->stream = it->trace ? bt_stream_create(it->src->sc, it->trace) : NULL;
	if (!it->stream) {
		bt_trace_put_ref(it->trace);
		free(it);
		return BT_MESSAGE_ITERATOR_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
	}
	bt_self_message_iterator_set_data(self, it);
	return BT_MESSAGE_ITERATOR_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

static void iter_finalize(bt_self_message_iterator *self)
{
	struct iter_data *it = bt_self_message_iterator_get_data(self);

	bt_packet_put_ref(it->packet);
	bt_stream_put_ref(it->stream);
	bt_trace_put_ref(it->trace);
	free(it);
}

#define MEMBER(payload, i) bt_field_structure_borrow_member_field_by_index(payload, i)

static bt_message *make_event(bt_self_message_iterator *self, struct iter_data *it)
{
	uint64_t i = it->next++;
	unsigned kind = (unsigned)(i % 3);
	bt_message *msg = bt_message_event_create_with_packet_and_default_clock_snapshot(
	    self, it->src->ec[kind], it->packet, 1000 * i);
	bt_field *pl;
	bool ok;

	if (!msg) {
		return NULL;
	}
	pl = bt_event_borrow_payload_field(bt_message_event_borrow_event(msg));
	if (kind == 0) {
		ok = bt_field_string_set_value(MEMBER(pl, 0), "worker-thread") ==
			 BT_FIELD_STRING_SET_VALUE_STATUS_OK &&
		     bt_field_string_set_value(MEMBER(pl, 4), "swapper/0") ==
			 BT_FIELD_STRING_SET_VALUE_STATUS_OK;
		bt_field_integer_signed_set_value(MEMBER(pl, 1), ev_tid(i));
		bt_field_integer_signed_set_value(MEMBER(pl, 2), 120);
		bt_field_integer_signed_set_value(MEMBER(pl, 3), 1);
		bt_field_integer_signed_set_value(MEMBER(pl, 5), 0);
		bt_field_integer_signed_set_value(MEMBER(pl, 6), 120);
	} else if (kind == 1) {
		ok = true;
		bt_field_integer_unsigned_set_value(MEMBER(pl, 0), 3);
		bt_field_integer_unsigned_set_value(MEMBER(pl, 1), ev_buf(i));
		bt_field_integer_unsigned_set_value(MEMBER(pl, 2), 4096);
	} else {
		ok = true;
		bt_field_integer_signed_set_value(MEMBER(pl, 0), 4096);
		bt_field_integer_unsigned_set_value(MEMBER(pl, 1), ev_buf(i));
	}
	if (!ok) {
		bt_message_put_ref(msg);
		return NULL;
	}
	return msg;
}

static bt_message_iterator_class_next_method_status iter_next(bt_self_message_iterator *self,
							      bt_message_array_const msgs,
							      uint64_t capacity, uint64_t *count)
{
	struct iter_data *it = bt_self_message_iterator_get_data(self);
	uint64_t n = 0;

	while (n < capacity && it->state != IT_DONE) {
		const bt_message *msg = NULL;

		switch (it->state) {
		case IT_STREAM_BEGIN:
			msg = bt_message_stream_beginning_create(self, it->stream);
			it->state = IT_PACKET_BEGIN;
			break;
		case IT_PACKET_BEGIN:
			bt_packet_put_ref(it->packet);
			it->packet = bt_packet_create(it->stream);
			if (!it->packet) {
				break;
			}
			it->packet_last = it->next + PKT_EVENTS;
			if (it->packet_last > event_count) {
				it->packet_last = event_count;
			}
			msg = bt_message_packet_beginning_create_with_default_clock_snapshot(
			    self, it->packet, 1000 * it->next);
			it->state = IT_EVENTS;
			break;
		case IT_EVENTS:
			msg = make_event(self, it);
			if (it->next == it->packet_last) {
				it->state = IT_PACKET_END;
			}
			break;
		case IT_PACKET_END:
			msg = bt_message_packet_end_create_with_default_clock_snapshot(
			    self, it->packet, 1000 * (it->next - 1));
			it->state = it->next < event_count ? IT_PACKET_BEGIN : IT_STREAM_END;
			break;
		case IT_STREAM_END:
			msg = bt_message_stream_end_create(self, it->stream);
			it->state = IT_DONE;
			break;
		case IT_DONE:
			break;
		}
		if (!msg) {
			for (uint64_t k = 0; k < n; k++) {
				bt_message_put_ref(msgs[k]);
			}
			return BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_MEMORY_ERROR;
		}
		msgs[n++] = msg;
	}
	*count = n;
	return n ? BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_OK
		 : BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_END;
}

static int bench_bt2(const char *dir, double *secs)
{
	bt_message_iterator_class *mic = bt_message_iterator_class_create(iter_next);
	bt_component_class_source *src_cls = NULL;
	const bt_component_class_sink *sink_cls = NULL;
	const bt_component_source *src;
	const bt_component_sink *sink;
	const bt_plugin *plugin = NULL;
	bt_value *params = bt_value_map_create();
	bt_graph *graph = bt_graph_create(0);
	bt_graph_run_status st;
	double t0;
	int err = 0;

	if (!mic || !params || !graph) {
		err = -ENOMEM;
		goto out;
	}
	bt_message_iterator_class_set_initialize_method(mic, iter_init);
	bt_message_iterator_class_set_finalize_method(mic, iter_finalize);
	src_cls = bt_component_class_source_create("bench", mic);
	if (!src_cls) {
		err = -ENOMEM;
		goto out;
	}
	bt_component_class_source_set_initialize_method(src_cls, src_init);
	bt_component_class_source_set_finalize_method(src_cls, src_finalize);
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &plugin) !=
		BT_PLUGIN_FIND_STATUS_OK ||
	    !(sink_cls = bt_plugin_borrow_sink_component_class_by_name_const(plugin, "fs"))) {
		fprintf(stderr, "ctf_write: babeltrace2's ctf plugin (sink.ctf.fs) not found\n");
		err = -ENOENT;
		goto out;
	}
	if (bt_value_map_insert_string_entry(params, "path", dir) ||
	    bt_value_map_insert_bool_entry(params, "assume-single-trace", BT_TRUE) ||
	    bt_value_map_insert_bool_entry(params, "quiet", BT_TRUE) ||
	    bt_graph_add_source_component(graph, src_cls, "src", NULL, BT_LOGGING_LEVEL_WARNING,
					  &src) ||
	    bt_graph_add_sink_component(graph, sink_cls, "sink", params, BT_LOGGING_LEVEL_WARNING,
					&sink) ||
	    bt_graph_connect_ports(
		graph, bt_component_source_borrow_output_port_by_name_const(src, "out"),
		bt_component_sink_borrow_input_port_by_name_const(sink, "in"), NULL)) {
		fprintf(stderr, "ctf_write: cannot build the babeltrace2 graph\n");
		err = -EINVAL;
		goto out;
	}
	t0 = now_s();
	do {
		st = bt_graph_run(graph);
	} while (st == BT_GRAPH_RUN_STATUS_AGAIN);
	if (st != BT_GRAPH_RUN_STATUS_OK) {
		fprintf(stderr, "ctf_write: the babeltrace2 graph failed (status %d)\n", (int)st);
		err = -EIO;
	}
	bt_graph_put_ref(graph); /* finalizes the sink: its last packet and the metadata */
	graph = NULL;
	*secs = now_s() - t0;
out:
	bt_graph_put_ref(graph);
	bt_value_put_ref(params);
	bt_plugin_put_ref(plugin);
	bt_component_class_source_put_ref(src_cls);
	bt_message_iterator_class_put_ref(mic);
	return err;
}

static void usage(void)
{
	fprintf(stderr, "usage: ctf_write [-n EVENTS] [-r ROUNDS] [-o DIR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *base = "/dev/shm/latscope-ctf-write";
	char ours_dir[4096], bt2_dir[4096], cmd[8300];
	double best_ours = 0, best_bt2 = 0;
	int rounds = 3, opt, err;
	char *end;

	while ((opt = getopt(argc, argv, "n:r:o:")) != -1) {
		switch (opt) {
		case 'n':
			event_count = strtoull(optarg, &end, 10);
			if (*end || event_count < 3) {
				usage();
			}
			break;
		case 'r':
			rounds = (int)strtol(optarg, &end, 10);
			if (*end || rounds < 1) {
				usage();
			}
			break;
		case 'o':
			base = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind < argc) {
		usage();
	}
	snprintf(ours_dir, sizeof(ours_dir), "%s/ours", base);
	snprintf(bt2_dir, sizeof(bt2_dir), "%s/bt2", base);
	for (int r = 1; r <= rounds; r++) {
		double ours_s = 0, bt2_s = 0;

		/* Fresh folders each round: the sink would otherwise pick a new name. */
		snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", ours_dir, bt2_dir);
		if (system(cmd) != 0) {
			fprintf(stderr, "ctf_write: cannot remove %s and %s\n", ours_dir, bt2_dir);
			return 1;
		}
		/* Alternate which goes first (page cache, CPU frequency). */
		for (int k = 0; k < 2; k++) {
			if ((k == 0) == (r % 2 == 1)) {
				err = bench_ours(ours_dir, &ours_s);
				if (err) {
					fprintf(stderr, "ctf_write: own writer: %s: %s\n", ours_dir,
						strerror(-err));
					return 1;
				}
			} else if (bench_bt2(bt2_dir, &bt2_s)) {
				return 1;
			}
		}
		printf("round %d ours %.3f s bt2 %.3f s\n", r, ours_s, bt2_s);
		fflush(stdout);
		if (r == 1 || ours_s < best_ours) {
			best_ours = ours_s;
		}
		if (r == 1 || bt2_s < best_bt2) {
			best_bt2 = bt2_s;
		}
	}
	printf("best events=%llu ours=%.6f bt2=%.6f\n", (unsigned long long)event_count, best_ours,
	       best_bt2);
	return 0;
}
