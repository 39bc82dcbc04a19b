/* sync_read.c: the TCP segments of a CTF trace (no muxer), and corrected copies of traces. */
#include "analyses/sync.h"
#include "sources/ctf.h"
#include "sources/ctf_check.h"
#include "sources/ctf_index.h"
#include "util/errtext.h"

#include <babeltrace2/babeltrace.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DIRS     64
#define SEARCH_DEPTH 4

struct dirs {
	char *v[MAX_DIRS];
	int n;
};

static bool has_metadata(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	return snprintf(path, sizeof(path), "%s/metadata", dir) < (int)sizeof(path) &&
	       stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folders holding a `metadata` file: `dir` itself, or below it (4 levels), sorted. */
static int find_dirs(const char *dir, int depth, struct dirs *out)
{
	struct dirent *e;
	char *sub[256];
	int nsub = 0, ret = 0;
	DIR *d;

	if (has_metadata(dir)) {
		if (out->n < MAX_DIRS) {
			out->v[out->n] = strdup(dir);
			if (!out->v[out->n]) {
				return -ENOMEM;
			}
			out->n++;
		}
		return 0;
	}
	if (depth >= SEARCH_DEPTH || !(d = opendir(dir))) {
		return 0;
	}
	while ((e = readdir(d)) && nsub < 256) {
		char path[PATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path)) {
			continue;
		}
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (sub[nsub] = strdup(path))) {
			nsub++;
		}
	}
	closedir(d);
	qsort(sub, nsub, sizeof(sub[0]), cmp_str);
	for (int i = 0; i < nsub; i++) {
		if (!ret) {
			ret = find_dirs(sub[i], depth + 1, out);
		}
		free(sub[i]);
	}
	return ret;
}

static void free_dirs(struct dirs *d)
{
	for (int i = 0; i < d->n; i++) {
		free(d->v[i]);
	}
	d->n = 0;
}

int lat_sync_find_hosts(const char *path, char ***out, uint32_t *n)
{
	struct dirs dirs = {.n = 0};
	char **v;
	int ret;

	*out = NULL;
	*n = 0;
	ret = find_dirs(path, 0, &dirs);
	if (ret) {
		return ret;
	}
	v = calloc(dirs.n ? (size_t)dirs.n : 1, sizeof(*v));
	if (!v) {
		free_dirs(&dirs);
		return -ENOMEM;
	}
	for (int i = 0; i < dirs.n; i++) {
		char *d = dirs.v[i], *slash = strrchr(d, '/');
		bool dup = false;

		/* SESSION/kernel: the host is the session folder */
		if (slash && slash != d && !strcmp(slash + 1, "kernel")) {
			*slash = '\0';
		}
		for (uint32_t j = 0; j < *n; j++) {
			dup |= !strcmp(v[j], d);
		}
		if (dup) {
			continue;
		}
		v[*n] = strdup(d);
		if (!v[*n]) {
			ret = -ENOMEM;
			break;
		}
		(*n)++;
	}
	free_dirs(&dirs);
	if (ret) {
		lat_sync_free_hosts(v, *n);
		*n = 0;
		return ret;
	}
	*out = v;
	return 0;
}

void lat_sync_free_hosts(char **hosts, uint32_t n)
{
	for (uint32_t i = 0; hosts && i < n; i++) {
		free(hosts[i]);
	}
	free(hosts);
}

/* --- reading ------------------------------------------------------------------------------ */

struct reader {
	struct lat_sync *sync;
	uint32_t index;
	struct lat_sync_trace_info *info;
	struct {
		const bt_event_class *cls;
		int kind; /* enum kind */
	} classes[64];    /* resolved on first sight */
	unsigned nclasses;
	int status;
	char error[256];
};

static bool field_u64(const bt_field *payload, const char *name, uint64_t *v)
{
	const bt_field *f = bt_field_structure_borrow_member_field_by_name_const(payload, name);
	bt_field_class_type t;

	if (!f) {
		return false;
	}
	t = bt_field_get_class_type(f);
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
		*v = bt_field_integer_unsigned_get_value(f);
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
		*v = (uint64_t)bt_field_integer_signed_get_value(f);
	} else {
		return false;
	}
	return true;
}

enum kind {
	KIND_NONE,
	KIND_INET_OUT,  /* inet_sock_local_out: seq, ack_seq, flags, window, check */
	KIND_INET_IN,   /* inet_sock_local_in */
	KIND_DEV_QUEUE, /* net_dev_queue: network_header -> transport_header (lttng-modules >= 2.9)
			 */
	KIND_DEV_RECV,  /* netif_receive_skb, netif_rx */
};

static int class_kind(struct reader *r, const bt_event_class *ec)
{
	static const struct {
		const char *name;
		int kind;
	} names[] = {
	    {"inet_sock_local_out", KIND_INET_OUT},
	    {"inet_sock_local_in", KIND_INET_IN},
	    {"net_dev_queue", KIND_DEV_QUEUE},
	    {"netif_receive_skb", KIND_DEV_RECV},
	    {"netif_rx", KIND_DEV_RECV},
	};
	const char *name;
	int kind = KIND_NONE;

	for (unsigned i = 0; i < r->nclasses; i++) {
		if (r->classes[i].cls == ec) {
			return r->classes[i].kind;
		}
	}
	name = bt_event_class_get_name(ec);
	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i].name)) {
			kind = names[i].kind;
		}
	}
	if (r->nclasses < sizeof(r->classes) / sizeof(r->classes[0])) {
		r->classes[r->nclasses].cls = ec;
		r->classes[r->nclasses++].kind = kind;
	}
	return kind;
}

static const bt_field *member(const bt_field *s, const char *name)
{
	if (!s || bt_field_get_class_type(s) != BT_FIELD_CLASS_TYPE_STRUCTURE) {
		return NULL;
	}
	return bt_field_structure_borrow_member_field_by_name_const(s, name);
}

static const bt_field *selected(const bt_field *v)
{
	if (!v ||
	    !bt_field_class_type_is(bt_field_get_class_type(v), BT_FIELD_CLASS_TYPE_VARIANT)) {
		return NULL;
	}
	return bt_field_variant_borrow_selected_option_field_const(v);
}

static void read_event(struct reader *r, const bt_message *msg)
{
	const bt_event *event = bt_message_event_borrow_event_const(msg);
	const bt_event_class *ec = bt_event_borrow_class_const(event);
	const bt_clock_snapshot *cs;
	const bt_field *payload;
	struct lat_sync_key key;
	uint64_t seq, ack, flags, window = 0, check = 0;
	int64_t ns;
	bool send;
	int kind;

	if (!bt_stream_class_borrow_default_clock_class_const(
		bt_event_class_borrow_stream_class_const(ec))) {
		return;
	}
	cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
	if (bt_clock_snapshot_get_ns_from_origin(cs, &ns)) {
		/* the failure left an error on the thread: the next call into babeltrace2 would
		   abort (a precondition) if it stayed */
		const char *name = bt_stream_get_name(bt_event_borrow_stream_const(event));

		bt_current_thread_clear_error();
		lat_errtext_set(
		    r->error, sizeof(r->error),
		    "an event's timestamp is more than 2^63 ns from the epoch (stream %s)",
		    name ? name : "?");
		r->status = -ERANGE;
		return;
	}
	if (!r->info->events++ || ns < r->info->begin) {
		r->info->begin = ns;
	}
	if (ns > r->info->end || r->info->events == 1) {
		r->info->end = ns;
	}
	kind = class_kind(r, ec);
	if (kind == KIND_NONE) {
		return;
	}
	send = kind == KIND_INET_OUT || kind == KIND_DEV_QUEUE;
	payload = bt_event_borrow_payload_field_const(event);
	if (kind == KIND_INET_OUT || kind == KIND_INET_IN) {
		if (!payload || !field_u64(payload, "seq", &seq) ||
		    !field_u64(payload, "ack_seq", &ack) || !field_u64(payload, "flags", &flags)) {
			r->info->bad++;
			return;
		}
		field_u64(payload, "window", &window);
		field_u64(payload, "check", &check);
	} else {
		/* network_header (variant: ipv4/ipv6) -> transport_header (variant: tcp) */
		const bt_field *tcp = selected(
		    member(selected(member(payload, "network_header")), "transport_header"));

		if (!tcp || !field_u64(tcp, "seq", &seq) || !field_u64(tcp, "ack_seq", &ack) ||
		    !field_u64(tcp, "flags", &flags)) {
			return; /* not TCP (UDP, ARP...), or no headers recorded */
		}
		field_u64(tcp, "window_size", &window);
		field_u64(tcp, "checksum", &check);
	}
	key = (struct lat_sync_key){(uint32_t)seq, (uint32_t)ack, (uint16_t)flags, (uint16_t)window,
				    (uint16_t)check};
	if (send) {
		r->info->sends++;
	} else {
		r->info->receives++;
	}
	if (lat_sync_add(r->sync, r->index, send, &key, ns) && !r->status) {
		r->status = -ENOMEM;
	}
}

static void read_env(struct reader *r, const bt_message *msg)
{
	const bt_stream *stream = bt_message_stream_beginning_borrow_stream_const(msg);
	const bt_trace *trace = bt_stream_borrow_trace_const(stream);
	const bt_value *v =
	    bt_trace_borrow_environment_entry_value_by_name_const(trace, "hostname");

	if (v && bt_value_is_string(v) && !r->info->hostname[0]) {
		snprintf(r->info->hostname, sizeof(r->info->hostname), "%s",
			 bt_value_string_get(v));
	}
}

static bt_graph_simple_sink_component_initialize_func_status sink_init(bt_message_iterator *it,
								       void *data)
{
	(void)it;
	(void)data;
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_INITIALIZE_FUNC_STATUS_OK;
}

static bt_graph_simple_sink_component_consume_func_status sink_consume(bt_message_iterator *it,
								       void *data)
{
	struct reader *r = data;
	bt_message_array_const msgs;
	uint64_t count = 0;

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
		switch (bt_message_get_type(msgs[i])) {
		case BT_MESSAGE_TYPE_EVENT:
			read_event(r, msgs[i]);
			break;
		case BT_MESSAGE_TYPE_STREAM_BEGINNING:
			read_env(r, msgs[i]);
			break;
		case BT_MESSAGE_TYPE_DISCARDED_EVENTS: {
			uint64_t n;

			if (bt_message_discarded_events_get_count(msgs[i], &n) ==
			    BT_PROPERTY_AVAILABILITY_AVAILABLE) {
				r->info->discarded_events += n;
			}
			break;
		}
		default:
			break;
		}
		bt_message_put_ref(msgs[i]);
	}
	return r->status ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR
			 : BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

/* One line from babeltrace2's error cause chain (lat_ctf_bt_error_text()). */
static void take_bt_error(char *err, size_t len, const char *what)
{
	char text[400];

	lat_ctf_bt_error_text(text, sizeof(text));
	lat_errtext_set(err, len, "%s%s%s", what, text[0] ? ": " : "", text);
}

/*
 * What libbabeltrace2 2.0.4 hangs or aborts on, checked before it reads: every metadata file
 * (lat_ctf_metadata_check_file()) and the packet sizes of every stream (lat_ctf_check_streams()).
 */
static int check_dirs(const struct dirs *dirs, char *err, size_t err_len)
{
	for (int i = 0; i < dirs->n; i++) {
		struct lat_ctf_metadata md;
		int ret = lat_ctf_metadata_check_file(dirs->v[i], &md, err, err_len);

		if (!ret) {
			lat_ctf_metadata_fini(&md);
			ret = lat_ctf_check_streams(dirs->v[i], &md.layout, err, err_len);
		}
		if (ret) {
			return ret == -ENOMEM ? ret : -EINVAL;
		}
	}
	return 0;
}

static const bt_component_class_source *fs_class(const bt_plugin **plugin)
{
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, plugin) !=
	    BT_PLUGIN_FIND_STATUS_OK) {
		return NULL;
	}
	return bt_plugin_borrow_source_component_class_by_name_const(*plugin, "fs");
}

int lat_sync_read_trace(struct lat_sync *s, uint32_t index, const char *path,
			struct lat_sync_trace_info *info, char *err, size_t err_len)
{
	const bt_component_class_source *cls;
	const bt_plugin *plugin = NULL;
	const bt_component_source *src = NULL;
	struct reader r = {.sync = s, .index = index, .info = info};
	struct dirs dirs = {.n = 0};
	bt_value *params = NULL, *inputs;
	bt_graph *graph = NULL;
	struct stat st;
	int ret = 0;

	memset(info, 0, sizeof(*info));
	if (stat(path, &st)) {
		ret = -errno;
		lat_errtext_set(err, err_len, "%s", strerror(errno));
		return ret;
	}
	ret = find_dirs(path, 0, &dirs);
	if (ret) {
		return ret;
	}
	if (!dirs.n) {
		lat_errtext_set(err, err_len, "no CTF trace found there");
		return -ENODATA;
	}
	info->ntraces = (uint32_t)dirs.n;
	ret = check_dirs(&dirs, err, err_len);
	if (ret) {
		goto out;
	}
	cls = fs_class(&plugin);
	if (!cls) {
		lat_errtext_set(err, err_len, "babeltrace2's ctf plugin is not installed");
		ret = -ENOENT;
		goto out;
	}
	params = bt_value_map_create();
	if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs)) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < dirs.n; i++) {
		if (bt_value_array_append_string_element(inputs, dirs.v[i])) {
			ret = -ENOMEM;
			goto out;
		}
	}
	graph = bt_graph_create(0);
	if (!graph) {
		ret = -ENOMEM;
		goto out;
	}
	if (bt_graph_add_source_component(graph, cls, "source", params, BT_LOGGING_LEVEL_NONE,
					  &src) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		take_bt_error(err, err_len, "babeltrace2 cannot read the trace");
		ret = -EINVAL;
		goto out;
	}
	if (bt_component_source_get_output_port_count(src) == 0) {
		/* no sink would be added: babeltrace2 aborts running a graph without one */
		lat_errtext_set(err, err_len, "no data stream (every stream file is empty)");
		ret = -ENODATA;
		goto out;
	}
	/*
	 * No muxer: each stream goes to a sink of its own. The segments are sorted afterwards,
	 * and lttng-modules 2.1 writes packets whose end overlaps the next one's beginning, which
	 * the muxer refuses (docs/sync.md).
	 */
	for (uint64_t i = 0; i < bt_component_source_get_output_port_count(src); i++) {
		const bt_component_sink *sink = NULL;
		char name[32];

		snprintf(name, sizeof(name), "sink-%" PRIu64, i);
		if (bt_graph_add_simple_sink_component(graph, name, sink_init, sink_consume, NULL,
						       &r,
						       &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
		    bt_graph_connect_ports(
			graph, bt_component_source_borrow_output_port_by_index_const(src, i),
			bt_component_sink_borrow_input_port_by_index_const(sink, 0),
			NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
			take_bt_error(err, err_len, "cannot build the babeltrace2 graph");
			ret = -ENOMEM;
			goto out;
		}
	}
	for (;;) {
		bt_graph_run_status st_run = bt_graph_run(graph);

		if (st_run == BT_GRAPH_RUN_STATUS_OK) {
			break;
		}
		if (st_run == BT_GRAPH_RUN_STATUS_AGAIN) {
			continue;
		}
		if (r.status) {
			ret = r.status;
			bt_current_thread_clear_error();
			lat_errtext_set(err, err_len, "%s", r.error[0] ? r.error : strerror(-ret));
		} else {
			take_bt_error(err, err_len, "babeltrace2 cannot read the trace");
			ret = -EINVAL;
		}
		goto out;
	}
out:
	bt_graph_put_ref(graph);
	bt_value_put_ref(params);
	bt_plugin_put_ref(plugin);
	free_dirs(&dirs);
	return ret;
}

/* --- writing corrected copies ------------------------------------------------------------- */

static int metadata_text(const bt_component_class_source *cls, const char *dir, char **text)
{
	const bt_value *result = NULL, *v;
	bt_query_executor *q;
	bt_value *params = bt_value_map_create();
	int ret = -EINVAL;

	*text = NULL;
	if (!params || bt_value_map_insert_string_entry(params, "path", dir)) {
		bt_value_put_ref(params);
		return -ENOMEM;
	}
	q = bt_query_executor_create(bt_component_class_source_as_component_class_const(cls),
				     "metadata-info", params);
	bt_value_put_ref(params);
	if (!q) {
		return -ENOMEM;
	}
	if (bt_query_executor_query(q, &result) == BT_QUERY_EXECUTOR_QUERY_STATUS_OK &&
	    (v = bt_value_map_borrow_entry_value_const(result, "text")) && bt_value_is_string(v)) {
		*text = strdup(bt_value_string_get(v));
		ret = *text ? 0 : -ENOMEM;
	}
	bt_value_put_ref(result);
	bt_query_executor_put_ref(q);
	return ret;
}

/* `NAME = VALUE;` inside a clock block: the integer value, or false. */
static bool clock_attr(const char *block, const char *end, const char *name, long long *v)
{
	size_t l = strlen(name);

	for (const char *p = block; p && p < end; p = strchr(p + 1, '\n')) {
		const char *q = p;

		while (q < end && (*q == '\n' || *q == ' ' || *q == '\t')) {
			q++;
		}
		if (!strncmp(q, name, l) && (q[l] == ' ' || q[l] == '=' || q[l] == '\t')) {
			q = strchr(q, '=');
			if (q && q < end) {
				*v = strtoll(q + 1, NULL, 0);
				return true;
			}
		}
	}
	return false;
}

/*
 * The metadata with each clock's freq, offset_s and offset changed so that every timestamp t
 * reads as slope * t + offset_ns: freq' = freq / slope (rounded: CTF wants an integer), the
 * offsets exact at `mid_ns`. *max_err: the worst error over [begin, end] from the rounding.
 */
static int rewrite_clocks(const char *text, long double slope, long double offset, int64_t begin,
			  int64_t end, char **out, double *max_err)
{
	size_t len = strlen(text), cap = len + 1024, n = 0;
	char *o = malloc(cap);
	const char *p = text;

	*max_err = 0;
	if (!o) {
		return -ENOMEM;
	}
	for (;;) {
		const char *c = strstr(p, "clock {"), *body, *close;
		long long freq = 1000000000, off_s = 0, off = 0;
		long double mid, cmid, target, freq2, s2, err, base;
		long long nfreq, noff_s, noff;
		int w;

		if (c && c != text && c[-1] != '\n' && c[-1] != ' ' && c[-1] != '\t' &&
		    c[-1] != ';' && c[-1] != '}') {
			c = strstr(c + 1,
				   "clock {"); /* e.g. "clock {" inside a word: keep looking */
		}
		if (!c) {
			break;
		}
		body = c + strlen("clock {");
		close = strstr(body, "};");
		if (!close) {
			free(o);
			return -EINVAL;
		}
		clock_attr(body, close, "freq", &freq);
		clock_attr(body, close, "offset_s", &off_s);
		clock_attr(body, close, "offset", &off);
		if (freq <= 0) {
			free(o);
			return -EINVAL;
		}
		/* cycles at the middle of the trace, and where the middle must land */
		mid = ((long double)begin + (long double)end) / 2;
		cmid =
		    (mid - (long double)off_s * 1e9L) * (long double)freq / 1e9L - (long double)off;
		target = slope * mid + offset;
		freq2 = (long double)freq / slope;
		nfreq = llroundl(freq2);
		s2 = (long double)freq / (long double)nfreq; /* the slope the file gives */
		/* ns'(c) = noff_s * 1e9 + (noff + c) * 1e9 / nfreq = target at c = cmid */
		base = target - cmid * 1e9L / (long double)nfreq;
		noff_s = (long long)floorl(base / 1e9L) - 1;
		noff = llroundl((base - (long double)noff_s * 1e9L) * (long double)nfreq / 1e9L);
		err = fabsl(s2 - slope) * (((long double)end - (long double)begin) / 2) +
		      1e9L / (long double)nfreq;
		if (err > *max_err) {
			*max_err = (double)err;
		}
		/* copy up to the block, then the block without freq/offset/offset_s lines */
		while (n + (size_t)(close - p) + 256 >= cap) {
			char *g = realloc(o, cap *= 2);

			if (!g) {
				free(o);
				return -ENOMEM;
			}
			o = g;
		}
		memcpy(o + n, p, (size_t)(body - p));
		n += (size_t)(body - p);
		for (const char *l = body; l < close;) {
			const char *nl = memchr(l, '\n', (size_t)(close - l));
			const char *t = l, *le = nl ? nl + 1 : close;

			while (t < le && (*t == ' ' || *t == '\t' || *t == '\n')) {
				t++;
			}
			if (strncmp(t, "freq", 4) && strncmp(t, "offset", 6)) {
				memcpy(o + n, l, (size_t)(le - l));
				n += (size_t)(le - l);
			}
			l = le;
		}
		w = snprintf(
		    o + n, cap - n,
		    "\tfreq = %lld; /* latscope sync: slope %.20Lg */\n\toffset_s = %lld;\n"
		    "\toffset = %lld;\n",
		    nfreq, slope, noff_s, noff);
		n += (size_t)w;
		p = close;
	}
	if (n + strlen(p) + 1 > cap) {
		char *g = realloc(o, n + strlen(p) + 1);

		if (!g) {
			free(o);
			return -ENOMEM;
		}
		o = g;
	}
	memcpy(o + n, p, strlen(p) + 1);
	*out = o;
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	int in, out, ret = 0;
	ssize_t r;

	if (link(from, to) == 0) {
		return 0;
	}
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		return -errno;
	}
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	while ((r = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)r) != r) {
			ret = -EIO;
			break;
		}
	}
	if (r < 0) {
		ret = -errno;
	}
	close(in);
	if (close(out) && !ret) {
		ret = -errno;
	}
	return ret;
}

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) && errno != EEXIST) {
				return -errno;
			}
			*p = '/';
		}
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -errno : 0;
}

/* Every file of `from` but metadata (and index/ files) into `to`. */
static int copy_streams(const char *from, const char *to)
{
	struct dirent *e;
	DIR *d = opendir(from);
	int ret = 0;

	if (!d) {
		return -errno;
	}
	while (!ret && (e = readdir(d))) {
		char a[PATH_MAX + 256], b[PATH_MAX + 256];
		struct stat st;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "metadata")) {
			continue;
		}
		snprintf(a, sizeof(a), "%s/%s", from, e->d_name);
		snprintf(b, sizeof(b), "%s/%s", to, e->d_name);
		if (stat(a, &st)) {
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			ret = mkdirs(b);
			if (!ret) {
				ret = copy_streams(a, b);
			}
		} else if (S_ISREG(st.st_mode)) {
			unlink(b);
			ret = copy_file(a, b);
		}
	}
	closedir(d);
	return ret;
}

int lat_sync_write_trace(const char *path, const char *outdir, long double slope,
			 long double offset_ns, int64_t begin, int64_t end, double *max_err,
			 char *err, size_t err_len)
{
	const bt_component_class_source *cls;
	const bt_plugin *plugin = NULL;
	struct dirs dirs = {.n = 0};
	char real[PATH_MAX];
	int ret;

	*max_err = 0;
	if (!realpath(path, real)) {
		ret = -errno;
		lat_errtext_set(err, err_len, "%s: %s", path, strerror(errno));
		return ret;
	}
	ret = find_dirs(real, 0, &dirs);
	if (ret || !dirs.n) {
		lat_errtext_set(err, err_len, "%s: no CTF trace found there", path);
		return ret ? ret : -ENODATA;
	}
	ret = check_dirs(&dirs, err, err_len);
	if (ret) {
		goto out;
	}
	cls = fs_class(&plugin);
	if (!cls) {
		lat_errtext_set(err, err_len, "babeltrace2's ctf plugin is not installed");
		ret = -ENOENT;
		goto out;
	}
	for (int i = 0; i < dirs.n && !ret; i++) {
		char to[PATH_MAX], meta[PATH_MAX + 16];
		const char *rel = dirs.v[i] + strlen(real);
		char *text = NULL, *fixed = NULL;
		double e = 0;
		FILE *f;

		snprintf(to, sizeof(to), "%s%s", outdir, rel);
		ret = mkdirs(to);
		if (ret) {
			lat_errtext_set(err, err_len, "%s: %s", to, strerror(-ret));
			break;
		}
		ret = metadata_text(cls, dirs.v[i], &text);
		if (ret) {
			lat_errtext_set(err, err_len, "%s: cannot read the metadata", dirs.v[i]);
			break;
		}
		ret = rewrite_clocks(text, slope, offset_ns, begin, end, &fixed, &e);
		free(text);
		if (ret) {
			lat_errtext_set(err, err_len,
					"%s: cannot rewrite the clock of the metadata", dirs.v[i]);
			break;
		}
		*max_err = e > *max_err ? e : *max_err;
		snprintf(meta, sizeof(meta), "%s/metadata", to);
		unlink(meta);
		f = fopen(meta, "w");
		if (f) {
			bool ok = fputs("/* CTF 1.8 */\n", f) != EOF && fputs(fixed, f) != EOF;

			ret = fclose(f) || !ok ? -EIO : 0;
		} else {
			ret = -errno;
		}
		if (ret) {
			lat_errtext_set(err, err_len, "%s: %s", meta, strerror(-ret));
			free(fixed);
			break;
		}
		free(fixed);
		ret = copy_streams(dirs.v[i], to);
		if (ret) {
			lat_errtext_set(err, err_len, "%s: %s", to, strerror(-ret));
		}
	}
out:
	bt_plugin_put_ref(plugin);
	free_dirs(&dirs);
	return ret;
}
