/* ctf.c: CTF kernel traces read through a libbabeltrace2 graph (src.ctf.fs -> muxer -> our sink).
 */
#include "sources/ctf.h"
#include "sources/ctf_check.h"
#include "sources/ctf_index.h"

#include <babeltrace2/babeltrace.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sources/lttng_decode.h"

#define MAX_TRACES   64
#define MAX_FIELDS   16
#define SEARCH_DEPTH 4

/* --- event name -> typed event, and which payload fields fill which struct members ------ */

/* FK_IPV4: a.b.c.d as a u32 (a << 24 | ... | d) from an unsigned integer or an array or
 * sequence of four bytes (lttng-modules >= 2.6) */
enum field_kind { FK_I32, FK_I64, FK_U32, FK_U64, FK_STR, FK_IPV4 };

/* A payload field and where it goes. `name` may be a path "a/b/c": the members named so
 * through the option each variant on the way selected (lttng-modules' network_header ->
 * transport_header -> tcp); such a field, or an FK_IPV4 one, is present only in the events
 * that have it. */
struct field_spec {
	const char *name;
	uint16_t offset; /* in struct lat_kevent */
	uint8_t kind;
	uint32_t present; /* LAT_HAS_* bit set when the field exists */
};

#define F(n, member, k)                                      \
	{                                                    \
		n, offsetof(struct lat_kevent, member), k, 0 \
	}
#define FP(n, member, k, bit)                                  \
	{                                                      \
		n, offsetof(struct lat_kevent, member), k, bit \
	}

struct event_spec {
	const char *name;
	enum lat_kevent_type type;
	struct field_spec fields[MAX_FIELDS];
};

static const struct event_spec event_specs[] = {
    {"sched_switch",
     LAT_EV_SCHED_SWITCH,
     {F("prev_comm", sched_switch.prev_comm, FK_STR), F("prev_tid", sched_switch.prev_tid, FK_I32),
      F("prev_prio", sched_switch.prev_prio, FK_I32),
      F("prev_state", sched_switch.prev_state, FK_I64),
      F("next_comm", sched_switch.next_comm, FK_STR), F("next_tid", sched_switch.next_tid, FK_I32),
      F("next_prio", sched_switch.next_prio, FK_I32)}},
    {"sched_migrate_task",
     LAT_EV_SCHED_MIGRATE,
     {F("comm", task.comm, FK_STR), F("tid", task.tid, FK_I32), F("prio", task.prio, FK_I32),
      F("orig_cpu", task.orig_cpu, FK_I32), F("dest_cpu", task.target_cpu, FK_I32)}},
#define WAKEUP_FIELDS                                                                      \
	{                                                                                  \
		F("comm", task.comm, FK_STR), F("tid", task.tid, FK_I32),                  \
		    F("prio", task.prio, FK_I32), F("target_cpu", task.target_cpu, FK_I32) \
	}
    {"sched_wakeup", LAT_EV_SCHED_WAKEUP, WAKEUP_FIELDS},
    {"sched_wakeup_new", LAT_EV_SCHED_WAKEUP, WAKEUP_FIELDS},
    {"sched_waking", LAT_EV_SCHED_WAKEUP, WAKEUP_FIELDS},
    {"sched_process_fork",
     LAT_EV_SCHED_FORK,
     {F("parent_comm", fork.parent_comm, FK_STR), F("parent_tid", fork.parent_tid, FK_I32),
      F("parent_pid", fork.parent_pid, FK_I32), F("child_comm", fork.child_comm, FK_STR),
      F("child_tid", fork.child_tid, FK_I32), F("child_pid", fork.child_pid, FK_I32)}},
    {"sched_process_exec",
     LAT_EV_SCHED_EXEC,
     {F("filename", task.filename, FK_STR), F("tid", task.tid, FK_I32)}},
    {"sched_process_exit",
     LAT_EV_SCHED_EXIT,
     {F("comm", task.comm, FK_STR), F("tid", task.tid, FK_I32), F("prio", task.prio, FK_I32)}},
    {"sched_pi_setprio",
     LAT_EV_SCHED_PI_SETPRIO,
     {F("comm", task.comm, FK_STR), F("tid", task.tid, FK_I32), F("newprio", task.prio, FK_I32)}},
    {"mm_page_alloc", LAT_EV_PAGE_ALLOC, {{0}}},
    {"kmem_mm_page_alloc", LAT_EV_PAGE_ALLOC, {{0}}},
    {"mm_page_free", LAT_EV_PAGE_FREE, {{0}}},
    {"kmem_mm_page_free", LAT_EV_PAGE_FREE, {{0}}},
    {"lttng_statedump_process_state",
     LAT_EV_STATEDUMP_PROCESS,
     {F("tid", sd_process.tid, FK_I32), F("pid", sd_process.pid, FK_I32),
      F("ppid", sd_process.ppid, FK_I32), F("name", sd_process.name, FK_STR),
      FP("prio", sd_process.prio, FK_I32, LAT_HAS_PRIO)}},
    {"lttng_statedump_file_descriptor",
     LAT_EV_STATEDUMP_FD,
     {F("pid", sd_fd.pid, FK_I32), F("fd", sd_fd.fd, FK_I32), F("filename", sd_fd.filename, FK_STR),
      FP("flags", sd_fd.flags, FK_I64, LAT_HAS_FLAGS)}},
    {"lttng_statedump_block_device",
     LAT_EV_STATEDUMP_BLOCKDEV,
     {F("dev", blockdev.dev, FK_U64), F("diskname", blockdev.diskname, FK_STR)}},
    {"irq_handler_entry",
     LAT_EV_IRQ_ENTRY,
     {F("irq", irq.irq, FK_I32), F("name", irq.name, FK_STR)}},
    {"irq_handler_exit", LAT_EV_IRQ_EXIT, {F("irq", irq.irq, FK_I32), F("ret", irq.ret, FK_I32)}},
    /* lttng-analyses handles softirq_* only; irq_softirq_* are the lttng-modules >= 2.9 names
       (read too: docs/conformance.md, irq family) */
    {"softirq_raise", LAT_EV_SOFTIRQ_RAISE, {F("vec", irq.irq, FK_I32)}},
    {"softirq_entry", LAT_EV_SOFTIRQ_ENTRY, {F("vec", irq.irq, FK_I32)}},
    {"softirq_exit", LAT_EV_SOFTIRQ_EXIT, {F("vec", irq.irq, FK_I32)}},
    {"irq_softirq_raise", LAT_EV_SOFTIRQ_RAISE, {F("vec", irq.irq, FK_I32)}},
    {"irq_softirq_entry", LAT_EV_SOFTIRQ_ENTRY, {F("vec", irq.irq, FK_I32)}},
    {"irq_softirq_exit", LAT_EV_SOFTIRQ_EXIT, {F("vec", irq.irq, FK_I32)}},
#define BLOCK_FIELDS                                                                        \
	{                                                                                   \
		F("dev", block.dev, FK_U64), F("sector", block.sector, FK_U64),             \
		    F("nr_sector", block.nr_sector, FK_U32), F("rwbs", block.rwbs, FK_I64), \
		    F("tid", block.tid, FK_I32), F("old_dev", block.old_dev, FK_U64),       \
		    F("old_sector", block.old_sector, FK_U64)                               \
	}
    {"block_rq_issue", LAT_EV_BLOCK_RQ_ISSUE, BLOCK_FIELDS},
    {"block_rq_complete", LAT_EV_BLOCK_RQ_COMPLETE, BLOCK_FIELDS},
    {"block_bio_remap", LAT_EV_BLOCK_BIO_REMAP, BLOCK_FIELDS},
    {"block_bio_backmerge", LAT_EV_BLOCK_BIO_BACKMERGE, BLOCK_FIELDS},
    {"block_rq_insert", LAT_EV_BLOCK_RQ_INSERT, BLOCK_FIELDS},
    {"net_dev_xmit", LAT_EV_NET_XMIT, {F("name", net.name, FK_STR), F("len", net.len, FK_U64)}},
#define NETDEV_FIELDS                                                                            \
	{                                                                                        \
		F("name", net.name, FK_STR), F("len", net.len, FK_U64),                          \
		    FP("network_header/transport_header/seq", net.seq, FK_U32, LAT_HAS_TCP),     \
		    FP("network_header/transport_header/ack_seq", net.ack_seq, FK_U32,           \
		       LAT_HAS_TCP),                                                             \
		    FP("network_header/transport_header/flags", net.flags, FK_U32, LAT_HAS_TCP), \
		    FP("network_header/transport_header/window_size", net.window, FK_U32, 0),    \
		    FP("network_header/transport_header/checksum", net.check, FK_U32, 0),        \
		    FP("network_header/transport_header/source_port", net.sport, FK_U32,         \
		       LAT_HAS_PORTS),                                                           \
		    FP("network_header/transport_header/dest_port", net.dport, FK_U32,           \
		       LAT_HAS_PORTS),                                                           \
		    FP("network_header/saddr", net.saddr, FK_IPV4, LAT_HAS_IPV4),                \
		    FP("network_header/daddr", net.daddr, FK_IPV4, LAT_HAS_IPV4)                 \
	}
    {"netif_receive_skb", LAT_EV_NET_RECV, NETDEV_FIELDS},
    {"net_dev_queue", LAT_EV_NET_QUEUE, NETDEV_FIELDS},
#define INET_SOCK_FIELDS                                                                          \
	{                                                                                         \
		FP("seq", net.seq, FK_U32, LAT_HAS_TCP),                                          \
		    FP("ack_seq", net.ack_seq, FK_U32, LAT_HAS_TCP),                              \
		    FP("flags", net.flags, FK_U32, LAT_HAS_TCP), F("window", net.window, FK_U32), \
		    F("check", net.check, FK_U32)                                                 \
	}
    {"inet_sock_local_out", LAT_EV_INET_SOCK_OUT, INET_SOCK_FIELDS},
    {"inet_sock_local_in", LAT_EV_INET_SOCK_IN, INET_SOCK_FIELDS},
    {"writeback_pages_written", LAT_EV_WRITEBACK_PAGES, {F("pages", pages.pages, FK_U64)}},
    {"mm_vmscan_wakeup_kswapd", LAT_EV_KSWAPD_WAKEUP, {{0}}},
#define KVM_EXIT_FIELDS                                                                           \
	{                                                                                         \
		F("exit_reason", kvm.exit_reason, FK_U32), F("guest_rip", kvm.guest_rip, FK_U64), \
		    FP("isa", kvm.isa, FK_U32, LAT_HAS_ISA),                                      \
		    FP("vcpu_id", kvm.vcpu_id, FK_U32, LAT_HAS_VCPU)                              \
	}
    /* lttng-modules maps the kernel's kvm_entry/kvm_exit to kvm_x86_entry/kvm_x86_exit */
    {"kvm_x86_entry", LAT_EV_KVM_ENTRY, {F("vcpu_id", kvm.vcpu_id, FK_U32)}},
    {"kvm_entry", LAT_EV_KVM_ENTRY, {F("vcpu_id", kvm.vcpu_id, FK_U32)}},
    {"kvm_x86_exit", LAT_EV_KVM_EXIT, KVM_EXIT_FIELDS},
    {"kvm_exit", LAT_EV_KVM_EXIT, KVM_EXIT_FIELDS},
#define VMSYNC_FIELDS                                                            \
	{                                                                        \
		F("vm_uid", vmsync.vm_uid, FK_U64), F("cnt", vmsync.cnt, FK_U32) \
	}
    {"vmsync_gh_guest", LAT_EV_VMSYNC, VMSYNC_FIELDS},
    {"vmsync_gh_host", LAT_EV_VMSYNC, VMSYNC_FIELDS},
    {"vmsync_hg_host", LAT_EV_VMSYNC, VMSYNC_FIELDS},
    {"vmsync_hg_guest", LAT_EV_VMSYNC, VMSYNC_FIELDS},
};

static const struct field_spec syscall_entry_fields[] = {
    FP("fd", syscall.fd, FK_I64, LAT_HAS_FD),
    FP("count", syscall.count, FK_U64, LAT_HAS_COUNT),
    FP("filename", syscall.filename, FK_STR, LAT_HAS_FILENAME),
    FP("flags", syscall.flags, FK_I64, LAT_HAS_FLAGS),
    FP("fildes", syscall.oldfd, FK_I64, LAT_HAS_OLDFD), /* dup */
    FP("oldfd", syscall.oldfd, FK_I64, LAT_HAS_OLDFD),  /* dup2, dup3 */
    FP("newfd", syscall.newfd, FK_I64, LAT_HAS_NEWFD),
    FP("cmd", syscall.cmd, FK_I64, LAT_HAS_CMD),                   /* fcntl */
    FP("timeout_msecs", syscall.timeout, FK_I64, LAT_HAS_TIMEOUT), /* poll */
    FP("timeout", syscall.timeout, FK_I64, LAT_HAS_TIMEOUT),       /* epoll_wait */
    FP("family", syscall.family, FK_U32, LAT_HAS_FAMILY),          /* connect */
    FP("dport", syscall.dport, FK_U32, LAT_HAS_DPORT),
    FP("v4addr", syscall.v4addr, FK_IPV4, LAT_HAS_V4ADDR),
    {0},
};
static const struct field_spec syscall_exit_fields[] = {
    FP("ret", syscall.ret, FK_I64, LAT_HAS_RET),
    {0},
};

/* What one event class becomes: built on first sight of the class, then only looked up. */
struct resolved_field {
	uint16_t index; /* member index in the payload structure */
	uint16_t offset;
	uint8_t kind;
	uint8_t src_signed;
	uint32_t present;
	const char *path; /* the rest of a path name ("b/c" of "a/b/c"), or NULL */
};

struct class_map {
	const bt_event_class *key;
	const char *name;
	uint16_t type;
	uint8_t nfields;
	bool has_clock; /* the stream class has a default clock (LTTng's always do) */
	int8_t ctx_pid, ctx_tid, ctx_procname; /* member index in the common context, or -1 */
	/* where cpu_id is, babeltrace 1's lookup order: the payload, the event's specific
	   context, the stream's common context (member index, or -1), else the packet context */
	int16_t cpu_payload, cpu_specific, cpu_common;
	uint32_t syscall_id;
	const char *syscall_name;
	struct resolved_field fields[MAX_FIELDS];
};

struct lat_ctf_source {
	bt_graph *graph;
	const bt_plugin *ctf_plugin, *utils_plugin;
	char *dirs[MAX_TRACES];
	int ndirs;
	bool intersect;
	int64_t range_begin, range_end;
	int64_t inter_begin, inter_end;
	bool have_range, have_inter;
	int tracer_major, tracer_minor, tracer_patch;
	bool have_tracer_version;
	uint64_t size;
	struct lat_ctf_stats stats;

	/* event class cache: open addressing on the class pointer */
	struct class_map *classes;
	size_t class_cap, class_count;

	/* syscall names: dense ids */
	char **syscall_names;
	uint32_t syscall_count, syscall_cap;

	/* per packet: the CPU of its stream */
	const bt_packet *last_packet;
	uint32_t last_cpu;

	lat_ctf_event_fn fn;
	void *user;
	int run_status; /* callback's negative errno, or 0 */
	bool stop;
	char error[512];
	char note[600]; /* what was guessed about the traces (trace_is_kernel()), or empty */

	/* lttng-live (net:// URLs): no folders, no index; checks made on the first events */
	bool live, kernel_only;
	const bt_trace *checked_trace; /* the last trace whose env was checked */
	bt_interrupter *interrupter;   /* the graph's default one (Ctrl-C) */
	volatile sig_atomic_t interrupted;

	struct lat_lttng *fast; /* trace files read by lttng_decode.c instead of the graph */
	char fallback[300];     /* why the LTTng decoder was not used, when it was asked for */
};

static void set_error(struct lat_ctf_source *src, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_error(struct lat_ctf_source *src, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(src->error, sizeof(src->error), fmt, args);
	va_end(args);
}

/* Takes babeltrace2's current error: its cause chain's useful part (lat_ctf_bt_error_text()). */
static void take_bt_error(struct lat_ctf_source *src, const char *what)
{
	char text[400];

	lat_ctf_bt_error_text(text, sizeof(text));
	if (text[0]) {
		set_error(src, "%s: %s", what, text);
	} else {
		set_error(src, "%s", what);
	}
}

/* The value of `key=` in a cause message (quoted or not), or NULL; out gets it. */
static const char *cause_value(const char *msg, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key), n = 0;
	const char *p = msg;

	while ((p = strstr(p, key))) {
		if ((p == msg || p[-1] == ' ' || p[-1] == ',') && p[klen] == '=') {
			const char *v = p + klen + 1;
			char quote = *v == '"' || *v == '\'' ? *v++ : '\0';

			while (*v && n + 1 < len &&
			       (quote ? *v != quote : *v != ',' && *v != ' ' && *v != '\n')) {
				out[n++] = *v++;
			}
			out[n] = '\0';
			return n ? out : NULL;
		}
		p += klen;
	}
	return NULL;
}

/* A file path quoted in a cause message (`/x`, '/x' or "/x"), or NULL. */
static const char *cause_path(const char *msg, char *out, size_t len)
{
	for (const char *p = msg; *p; p++) {
		if ((*p == '`' || *p == '\'' || *p == '"') && p[1] == '/') {
			const char *end = strchr(p + 1, *p == '`' ? '\'' : *p);
			size_t n;

			if (!end && *p == '`') {
				end = strchr(p + 1, '`');
			}
			if (end && (n = (size_t)(end - p - 1)) < len) {
				memcpy(out, p + 1, n);
				out[n] = '\0';
				return out;
			}
		}
	}
	return NULL;
}

void lat_ctf_bt_error_text(char *out, size_t out_len)
{
	const bt_error *error = bt_current_thread_take_error();
	char file[PATH_MAX] = "", offset[32] = "", value[PATH_MAX];
	const char *root = NULL;
	uint64_t count;
	size_t len;

	if (out_len) {
		out[0] = '\0';
	}
	if (!error) {
		return;
	}
	/*
	 * Cause 0 is the root (the most specific: "Invalid CTF magic number"); the ones above it
	 * name the stream file and the packet's offset. Keep the root's first sentence and, from
	 * the innermost cause that has them, the file and the offset.
	 */
	count = bt_error_get_cause_count(error);
	for (uint64_t i = 0; i < count; i++) {
		const char *msg =
		    bt_error_cause_get_message(bt_error_borrow_cause_by_index(error, i));

		if (!msg || !*msg) {
			continue;
		}
		if (!root) {
			root = msg;
		}
		if (!file[0] &&
		    (cause_value(msg, "stream-file-path", value, sizeof(value)) ||
		     cause_value(msg, "path", value, sizeof(value)) ||
		     cause_value(msg, "stream", value, sizeof(value)) ||
		     cause_path(msg, value, sizeof(value))) &&
		    value[0] == '/') {
			snprintf(file, sizeof(file), "%s", value);
		}
		if (!offset[0] && (cause_value(msg, "packet-offset", value, sizeof(value)) ||
				   cause_value(msg, "offset", value, sizeof(value)))) {
			snprintf(offset, sizeof(offset), "%.31s", value);
		}
	}
	if (root) {
		const char *details = strstr(root, ": ");

		len = strcspn(root, "\n");
		/* drop the "key=value, ..." details babeltrace2 appends after ": " */
		if (details && (size_t)(details - root) < len && strchr(details, '=')) {
			len = (size_t)(details - root);
		}
		while (len > 0 && (root[len - 1] == '.' || root[len - 1] == ' ')) {
			len--;
		}
		if (len > 200) {
			len = 200;
		}
		size_t n = (size_t)snprintf(out, out_len, "%.*s", (int)len, root);

		if (file[0] && n < out_len && !memmem(root, len, file, strlen(file))) {
			snprintf(out + n, out_len - n, " (%s%s%s)", file,
				 offset[0] ? ", offset " : "", offset);
		}
	}
	bt_error_release(error);
}

/* --- finding traces ------------------------------------------------------------------------ */

static bool is_file(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		return false;
	}
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int find_traces(struct lat_ctf_source *src, const char *dir, int depth)
{
	struct dirent *entry;
	char *subdirs[256];
	int nsub = 0, ret = 0;
	DIR *d;

	if (is_file(dir, "metadata")) {
		if (src->ndirs >= MAX_TRACES) {
			return 0;
		}
		src->dirs[src->ndirs] = strdup(dir);
		if (!src->dirs[src->ndirs]) {
			return -ENOMEM;
		}
		src->ndirs++;
		return 0;
	}
	if (depth >= SEARCH_DEPTH) {
		return 0;
	}
	d = opendir(dir);
	if (!d) {
		return 0;
	}
	while ((entry = readdir(d)) && nsub < 256) {
		char path[PATH_MAX];
		struct stat st;

		if (entry->d_name[0] == '.') {
			continue;
		}
		if (snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name) >=
		    (int)sizeof(path)) {
			continue;
		}
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			subdirs[nsub] = strdup(path);
			if (!subdirs[nsub]) {
				ret = -ENOMEM;
				break;
			}
			nsub++;
		}
	}
	closedir(d);
	qsort(subdirs, nsub, sizeof(subdirs[0]), compare_strings);
	for (int i = 0; i < nsub; i++) {
		if (ret == 0) {
			ret = find_traces(src, subdirs[i], depth + 1);
		}
		free(subdirs[i]);
	}
	return ret;
}

/* Reads a trace's metadata file (text or packetized: the TSDL text is readable in both). */
static char *read_metadata(const char *dir, size_t *len)
{
	char path[PATH_MAX];
	size_t cap = 1 << 16, n = 0;
	char *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/metadata", dir);
	f = fopen(path, "rb");
	if (!f) {
		return NULL;
	}
	buf = malloc(cap + 1);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n < cap) {
			break;
		}
		if (cap >= (64u << 20)) {
			break;
		}
		cap *= 2;
		char *bigger = realloc(buf, cap + 1);
		if (!bigger) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = bigger;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* Finds `key = value;` (value possibly quoted) in metadata text; returns the value or NULL. */
static const char *metadata_value(const char *text, size_t len, const char *key, char *out,
				  size_t out_len)
{
	size_t key_len = strlen(key);
	const char *p = text, *end = text + len;

	while ((p = memmem(p, end - p, key, key_len))) {
		const char *q = p + key_len;
		size_t n = 0;

		if (p > text && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'))) {
			p = q;
			continue;
		}
		while (q < end && *q == ' ') {
			q++;
		}
		if (q >= end || *q != '=') {
			p = q;
			continue;
		}
		q++;
		while (q < end && (*q == ' ' || *q == '"')) {
			q++;
		}
		while (q < end && *q != '"' && *q != ';' && *q != '\n' && n + 1 < out_len) {
			out[n++] = *q++;
		}
		out[n] = '\0';
		return out;
	}
	return NULL;
}

static void add_note(struct lat_ctf_source *src, const char *dir, const char *note)
{
	struct lat_ctf_stats *st = &src->stats;

	if (st->nnotes < LAT_CTF_MAX_NOTES) {
		if (snprintf(st->notes[st->nnotes], sizeof(st->notes[0]), "%s/%s", dir, note) >=
		    (int)sizeof(st->notes[0])) {
			strcpy(st->notes[st->nnotes] + sizeof(st->notes[0]) - 4, "...");
		}
		st->nnotes++;
	}
}

/*
 * The intersection as lttng-analyses (babeltrace 1) computes it: per stream, the first
 * packet's begin and the last packet's end as written in the packet index. babeltrace2's
 * trace-infos query corrects some LTTng end timestamps, which changes the range, so it is
 * only a fallback when a stream has no index. Each index is checked against its stream's
 * packets (lat_ctf_stream_range()): a corrupt one is replaced by the packets' own timestamps
 * and a note says so.
 */
static bool index_intersection(struct lat_ctf_source *src, const char *dir, const char *meta,
			       size_t meta_len, int64_t *begin, int64_t *end, int64_t *ubegin,
			       int64_t *uend)
{
	struct lat_ctf_metadata md;
	struct dirent *entry;
	bool any = false;
	DIR *d;

	if (lat_ctf_metadata_check((const unsigned char *)meta, meta_len, &md, NULL, 0)) {
		return false; /* check_traces() says why */
	}
	lat_ctf_metadata_fini(&md);
	if (!md.clock.present) {
		md.clock.freq = 1000000000ULL;
	}
	d = opendir(dir);
	if (!d) {
		return false;
	}
	while ((entry = readdir(d))) {
		char note[sizeof(src->stats.notes[0])];
		uint64_t b = 0, e = 0;
		int64_t nb, ne;
		int ret;

		if (entry->d_name[0] == '.' || strcmp(entry->d_name, "metadata") == 0 ||
		    !is_file(dir, entry->d_name)) {
			continue;
		}
		ret = lat_ctf_stream_range(dir, entry->d_name, &md.layout, &b, &e, note,
					   sizeof(note));
		if (ret < 0 || !lat_ctf_clock_to_ns(&md.clock, b, &nb) ||
		    !lat_ctf_clock_to_ns(&md.clock, e, &ne)) {
			any = false;
			break;
		}
		if (ret == 1) {
			add_note(src, dir, note);
		}
		if (!any || nb > *begin) {
			*begin = nb;
		}
		if (!any || ne < *end) {
			*end = ne;
		}
		if (!any || nb < *ubegin) {
			*ubegin = nb;
		}
		if (!any || ne > *uend) {
			*uend = ne;
		}
		any = true;
	}
	closedir(d);
	return any;
}

static uint64_t dir_size(const char *dir)
{
	struct dirent *entry;
	uint64_t total = 0;
	DIR *d = opendir(dir);

	if (!d) {
		return 0;
	}
	while ((entry = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			total += st.st_size;
		}
	}
	closedir(d);
	return total;
}

/*
 * The first kernel event the metadata declares (`name = "sched_switch";`...), or NULL: the
 * event names lttng-modules writes and lttng-analyses reads.
 */
static const char *declared_kernel_event(const char *meta, size_t len, char *out, size_t out_len)
{
	static const char *const prefixes[] = {
	    "sched_",     "syscall_entry_",    "syscall_exit_", "exit_syscall", "sys_",
	    "irq_",       "softirq_",          "block_rq_",     "kmem_",        "lttng_statedump_",
	    "net_dev_",   "netif_receive_skb", "timer_",        "hrtimer_",     "kvm_",
	    "writeback_", "mm_vmscan_",        "power_cpu_",    "inet_sock_"};
	const char *p = meta, *end = meta + len;

	while ((p = memmem(p, end - p, "name", 4))) {
		const char *q = p + 4;
		size_t n = 0;

		if (p > meta && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'))) {
			p = q;
			continue;
		}
		while (q < end && (*q == ' ' || *q == '\t')) {
			q++;
		}
		if (q >= end || *q != '=') {
			p = q;
			continue;
		}
		q++;
		while (q < end && (*q == ' ' || *q == '\t' || *q == '"')) {
			q++;
		}
		while (q < end && *q != '"' && *q != ';' && *q != '\n' && n + 1 < out_len) {
			out[n++] = *q++;
		}
		out[n] = '\0';
		for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			if (strncmp(out, prefixes[i], strlen(prefixes[i])) == 0) {
				return out;
			}
		}
		p = q;
	}
	return NULL;
}

/*
 * Is the trace of `dir` a kernel one? As lttng-analyses decides (it never reads env.domain:
 * it takes tracer_major/minor from the folder named `kernel` and handles the events it knows):
 * env domain "kernel" is one; another domain ("ust") is not; without a domain (CTF writers,
 * converters, older tracers), one that declares kernel events is, and the decision is written
 * in src->note unless the folder is also named `kernel` (LTTng's SESSION/kernel/ layout).
 */
static bool trace_is_kernel(struct lat_ctf_source *src, const char *dir, const char *meta,
			    size_t len)
{
	char value[64], event[64];
	const char *base = strrchr(dir, '/');
	bool kernel_folder;

	if (metadata_value(meta, len, "domain", value, sizeof(value))) {
		return strcmp(value, "kernel") == 0;
	}
	if (!declared_kernel_event(meta, len, event, sizeof(event))) {
		return false;
	}
	base = base ? base + 1 : dir;
	kernel_folder = strcmp(base, "kernel") == 0;
	if (!kernel_folder && !src->note[0]) {
		snprintf(src->note, sizeof(src->note),
			 "%s: no env.domain in its metadata: read as a kernel trace (it declares "
			 "kernel events, e.g. %s)",
			 dir, event);
	}
	return true;
}

/*
 * Keeps the kernel traces (trace_is_kernel()), reads the tracer version and index ranges.
 * Returns how many traces are kept, or -1 (the error set) when they are not one trace:
 * babeltrace2's src.ctf.fs reads one trace (one UUID) at a time ("Multiple traces given, but
 * UUIDs don't match"), so the error lists them for the user to pass one.
 */
static int inspect_traces(struct lat_ctf_source *src, bool kernel_only)
{
	char uuids[MAX_TRACES][64];
	int kept = 0;
	bool index_ok = true;
	int64_t ibegin = INT64_MIN, iend = INT64_MAX, ubegin = INT64_MAX, uend = INT64_MIN;

	for (int i = 0; i < src->ndirs; i++) {
		size_t len = 0;
		char value[64];
		char *meta = read_metadata(src->dirs[i], &len);
		bool kernel;

		if (!meta) {
			continue;
		}
		kernel = trace_is_kernel(src, src->dirs[i], meta, len);
		if (kernel_only && !kernel) {
			free(meta);
			free(src->dirs[i]);
			src->dirs[i] = NULL;
			continue;
		}
		if (!metadata_value(meta, len, "uuid", uuids[kept], sizeof(uuids[kept]))) {
			uuids[kept][0] = '\0';
		}
		if (kernel && !src->have_tracer_version &&
		    metadata_value(meta, len, "tracer_major", value, sizeof(value))) {
			src->tracer_major = atoi(value);
			if (metadata_value(meta, len, "tracer_minor", value, sizeof(value))) {
				src->tracer_minor = atoi(value);
			}
			if (metadata_value(meta, len, "tracer_patchlevel", value, sizeof(value))) {
				src->tracer_patch = atoi(value);
			}
			src->have_tracer_version = true;
		}
		int64_t b = 0, e = 0, ub = 0, ue = 0;
		if (index_ok &&
		    index_intersection(src, src->dirs[i], meta, len, &b, &e, &ub, &ue)) {
			ibegin = b > ibegin ? b : ibegin;
			iend = e < iend ? e : iend;
			ubegin = ub < ubegin ? ub : ubegin;
			uend = ue > uend ? ue : uend;
		} else {
			index_ok = false;
		}
		src->size += dir_size(src->dirs[i]);
		src->dirs[kept++] = src->dirs[i];
		free(meta);
	}
	for (int i = kept; i < src->ndirs; i++) {
		src->dirs[i] = NULL;
	}
	src->ndirs = kept;
	for (int i = 1; i < kept; i++) {
		if (strcmp(uuids[i], uuids[0]) != 0) {
			size_t n = (size_t)snprintf(src->error, sizeof(src->error),
						    "%d traces there, with different UUIDs (one "
						    "trace at a time: pass one of them):",
						    kept);

			for (int j = 0; j < kept && n < sizeof(src->error); j++) {
				n += (size_t)snprintf(src->error + n, sizeof(src->error) - n,
						      "%s %s", j ? "," : "", src->dirs[j]);
			}
			return -1;
		}
	}
	if (index_ok && kept > 0) {
		src->inter_begin = ibegin;
		src->inter_end = iend;
		src->have_inter = true;
		src->range_begin = ubegin;
		src->range_end = uend;
		src->have_range = true;
	}
	return kept;
}

/* --- graph ----------------------------------------------------------------------------------- */

static bt_value *make_inputs_params(struct lat_ctf_source *src)
{
	bt_value *params = bt_value_map_create();
	bt_value *inputs = NULL;

	if (!params) {
		return NULL;
	}
	if (bt_value_map_insert_empty_array_entry(params, "inputs", &inputs)) {
		goto fail;
	}
	for (int i = 0; i < src->ndirs; i++) {
		if (bt_value_array_append_string_element(inputs, src->dirs[i])) {
			goto fail;
		}
	}
	return params;
fail:
	bt_value_put_ref(params);
	return NULL;
}

/* Ranges of every stream (babeltrace.trace-infos): the whole range, and the fallback
 * intersection when the packet indexes are missing. */
static int query_ranges(struct lat_ctf_source *src, const bt_component_class_source *cls,
			const bt_value *params)
{
	bt_query_executor *query;
	const bt_value *result = NULL;
	int64_t begin = INT64_MAX, end = INT64_MIN, ibegin = INT64_MIN, iend = INT64_MAX;
	uint64_t ntraces;

	query = bt_query_executor_create(bt_component_class_source_as_component_class_const(cls),
					 "babeltrace.trace-infos", params);
	if (!query) {
		return -ENOMEM;
	}
	if (bt_query_executor_query(query, &result) != BT_QUERY_EXECUTOR_QUERY_STATUS_OK) {
		bt_query_executor_put_ref(query);
		take_bt_error(src, "cannot read the trace");
		return -EINVAL;
	}
	ntraces = bt_value_array_get_length(result);
	for (uint64_t t = 0; t < ntraces; t++) {
		const bt_value *trace = bt_value_array_borrow_element_by_index_const(result, t);
		const bt_value *streams =
		    bt_value_map_borrow_entry_value_const(trace, "stream-infos");

		if (!streams || !bt_value_is_array(streams)) {
			continue;
		}
		for (uint64_t s = 0; s < bt_value_array_get_length(streams); s++) {
			const bt_value *stream =
			    bt_value_array_borrow_element_by_index_const(streams, s);
			const bt_value *range =
			    bt_value_map_borrow_entry_value_const(stream, "range-ns");
			const bt_value *b, *e;

			if (!range) {
				continue;
			}
			b = bt_value_map_borrow_entry_value_const(range, "begin");
			e = bt_value_map_borrow_entry_value_const(range, "end");
			if (!b || !e || !bt_value_is_signed_integer(b) ||
			    !bt_value_is_signed_integer(e)) {
				continue;
			}
			int64_t vb = bt_value_integer_signed_get(b),
				ve = bt_value_integer_signed_get(e);
			begin = vb < begin ? vb : begin;
			end = ve > end ? ve : end;
			ibegin = vb > ibegin ? vb : ibegin;
			iend = ve < iend ? ve : iend;
			src->have_range = true;
		}
	}
	bt_value_put_ref(result);
	bt_query_executor_put_ref(query);
	if (src->have_range) {
		src->range_begin = begin;
		src->range_end = end;
		if (!src->have_inter) {
			src->inter_begin = ibegin;
			src->inter_end = iend;
			src->have_inter = true;
		}
	}
	return 0;
}

static uint32_t intern_syscall(struct lat_ctf_source *src, const char *name)
{
	for (uint32_t i = 0; i < src->syscall_count; i++) {
		if (strcmp(src->syscall_names[i], name) == 0) {
			return i;
		}
	}
	if (src->syscall_count == src->syscall_cap) {
		uint32_t cap = src->syscall_cap ? src->syscall_cap * 2 : 64;
		char **names = realloc(src->syscall_names, cap * sizeof(*names));

		if (!names) {
			return UINT32_MAX;
		}
		src->syscall_names = names;
		src->syscall_cap = cap;
	}
	src->syscall_names[src->syscall_count] = strdup(name);
	if (!src->syscall_names[src->syscall_count]) {
		return UINT32_MAX;
	}
	return src->syscall_count++;
}

static int member_index(const bt_field_class *structure, const char *name)
{
	uint64_t count;

	if (!structure || bt_field_class_get_type(structure) != BT_FIELD_CLASS_TYPE_STRUCTURE) {
		return -1;
	}
	count = bt_field_class_structure_get_member_count(structure);
	for (uint64_t i = 0; i < count; i++) {
		const bt_field_class_structure_member *member =
		    bt_field_class_structure_borrow_member_by_index_const(structure, i);

		if (strcmp(bt_field_class_structure_member_get_name(member), name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

static void resolve_fields(struct class_map *map, const bt_field_class *payload,
			   const struct field_spec *specs, size_t nspecs)
{
	for (size_t i = 0; i < nspecs && specs[i].name && map->nfields < MAX_FIELDS; i++) {
		const char *slash = strchr(specs[i].name, '/');
		char first[64];
		int index;
		const bt_field_class *fc;
		bt_field_class_type type;
		struct resolved_field *rf;

		snprintf(first, sizeof(first), "%.*s",
			 slash ? (int)(slash - specs[i].name) : (int)strlen(specs[i].name),
			 specs[i].name);
		index = member_index(payload, first);
		if (index < 0) {
			continue;
		}
		fc = bt_field_class_structure_member_borrow_field_class_const(
		    bt_field_class_structure_borrow_member_by_index_const(payload, index));
		type = bt_field_class_get_type(fc);
		rf = &map->fields[map->nfields];
		rf->path = slash ? slash + 1 : NULL;
		if (slash) {
			if (!bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_VARIANT) &&
			    type != BT_FIELD_CLASS_TYPE_STRUCTURE) {
				continue;
			}
		} else if (specs[i].kind == FK_IPV4) {
			if (!bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER) &&
			    !bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_ARRAY)) {
				continue;
			}
		} else if (specs[i].kind == FK_STR) {
			if (type != BT_FIELD_CLASS_TYPE_STRING) {
				continue;
			}
		} else if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
			rf->src_signed = 1;
		} else if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
			rf->src_signed = 0;
		} else {
			continue;
		}
		rf->index = (uint16_t)index;
		rf->offset = specs[i].offset;
		rf->kind = specs[i].kind;
		rf->present = specs[i].present;
		map->nfields++;
	}
}

static int build_class_map(struct lat_ctf_source *src, const bt_event_class *ec,
			   struct class_map *map)
{
	const char *name = bt_event_class_get_name(ec);
	const bt_field_class *payload = bt_event_class_borrow_payload_field_class_const(ec);
	const bt_stream_class *sc = bt_event_class_borrow_stream_class_const(ec);
	const bt_field_class *common =
	    bt_stream_class_borrow_event_common_context_field_class_const(sc);
	const char *syscall = NULL;
	const struct field_spec *sc_fields = NULL;

	memset(map, 0, sizeof(*map));
	map->key = ec;
	map->has_clock = bt_stream_class_borrow_default_clock_class_const(sc) != NULL;
	map->name = name ? name : "";
	map->type = LAT_EV_OTHER;
	map->ctx_pid = (int8_t)member_index(common, "pid");
	map->ctx_tid = (int8_t)member_index(common, "tid");
	map->ctx_procname = (int8_t)member_index(common, "procname");
	map->cpu_payload = (int16_t)member_index(payload, "cpu_id");
	map->cpu_specific = (int16_t)member_index(
	    bt_event_class_borrow_specific_context_field_class_const(ec), "cpu_id");
	map->cpu_common = (int16_t)member_index(common, "cpu_id");
	if (!name) {
		return 0;
	}
	for (size_t i = 0; i < sizeof(event_specs) / sizeof(event_specs[0]); i++) {
		if (strcmp(event_specs[i].name, name) == 0) {
			map->type = event_specs[i].type;
			resolve_fields(map, payload, event_specs[i].fields, MAX_FIELDS);
			return 0;
		}
	}
	if (strncmp(name, "syscall_entry_", 14) == 0) {
		map->type = LAT_EV_SYSCALL_ENTRY;
		syscall = name + 14;
		sc_fields = syscall_entry_fields;
	} else if (strncmp(name, "sys_", 4) == 0) {
		map->type = LAT_EV_SYSCALL_ENTRY;
		syscall = name + 4;
		sc_fields = syscall_entry_fields;
	} else if (strncmp(name, "syscall_exit_", 13) == 0) {
		map->type = LAT_EV_SYSCALL_EXIT;
		syscall = name + 13;
		sc_fields = syscall_exit_fields;
	} else if (strcmp(name, "exit_syscall") == 0) {
		map->type = LAT_EV_SYSCALL_EXIT;
		syscall = ""; /* lttng-modules < 2.7: the name is the entry's */
		sc_fields = syscall_exit_fields;
	}
	if (syscall) {
		map->syscall_id = intern_syscall(src, syscall);
		if (map->syscall_id == UINT32_MAX) {
			return -ENOMEM;
		}
		map->syscall_name = src->syscall_names[map->syscall_id];
		resolve_fields(map, payload, sc_fields, MAX_FIELDS);
	}
	return 0;
}

static inline size_t class_slot(const struct lat_ctf_source *src, const bt_event_class *ec)
{
	uintptr_t h = (uintptr_t)ec;

	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(h >> 20) & (src->class_cap - 1);
}

static int grow_classes(struct lat_ctf_source *src)
{
	size_t old_cap = src->class_cap;
	struct class_map *old = src->classes;

	src->class_cap = old_cap ? old_cap * 2 : 256;
	src->classes = calloc(src->class_cap, sizeof(*src->classes));
	if (!src->classes) {
		src->classes = old;
		src->class_cap = old_cap;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i].key) {
			size_t slot = class_slot(src, old[i].key);

			while (src->classes[slot].key) {
				slot = (slot + 1) & (src->class_cap - 1);
			}
			src->classes[slot] = old[i];
		}
	}
	free(old);
	return 0;
}

static struct class_map *lookup_class(struct lat_ctf_source *src, const bt_event_class *ec)
{
	size_t slot = class_slot(src, ec);

	while (src->classes[slot].key) {
		if (src->classes[slot].key == ec) {
			return &src->classes[slot];
		}
		slot = (slot + 1) & (src->class_cap - 1);
	}
	if ((src->class_count + 1) * 2 > src->class_cap) {
		if (grow_classes(src)) {
			return NULL;
		}
		return lookup_class(src, ec);
	}
	if (build_class_map(src, ec, &src->classes[slot])) {
		src->classes[slot].key = NULL;
		return NULL;
	}
	src->class_count++;
	return &src->classes[slot];
}

static uint32_t packet_cpu(struct lat_ctf_source *src, const bt_event *event)
{
	const bt_packet *packet = bt_event_borrow_packet_const(event);
	const bt_field *context, *cpu;

	if (packet == src->last_packet) {
		return src->last_cpu;
	}
	src->last_packet = packet;
	src->last_cpu = 0;
	context = packet ? bt_packet_borrow_context_field_const(packet) : NULL;
	if (context) {
		cpu = bt_field_structure_borrow_member_field_by_name_const(context, "cpu_id");
		if (cpu && bt_field_class_type_is(bt_field_get_class_type(cpu),
						  BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
			src->last_cpu = (uint32_t)bt_field_integer_unsigned_get_value(cpu);
		}
	}
	return src->last_cpu;
}

/* An integer field's value as a CPU number; false when it is not an integer. */
static bool field_cpu(const bt_field *f, uint32_t *cpu)
{
	bt_field_class_type type = f ? bt_field_get_class_type(f) : 0;

	if (f && bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
		*cpu = (uint32_t)bt_field_integer_unsigned_get_value(f);
		return true;
	}
	if (f && bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
		*cpu = (uint32_t)bt_field_integer_signed_get_value(f);
		return true;
	}
	return false;
}

/*
 * The event's CPU, looked up as babeltrace 1 (lttng-analyses' reader) looks up `cpu_id`: in
 * the payload, then the event's context, the stream's event context, and last the packet
 * context (where lttng-modules puts it; CTF writers may put it in the events instead).
 */
static uint32_t event_cpu(struct lat_ctf_source *src, const struct class_map *map,
			  const bt_event *event)
{
	uint32_t cpu;

	if (map->cpu_payload >= 0 &&
	    field_cpu(bt_field_structure_borrow_member_field_by_index_const(
			  bt_event_borrow_payload_field_const(event), map->cpu_payload),
		      &cpu)) {
		return cpu;
	}
	if (map->cpu_specific >= 0 &&
	    field_cpu(bt_field_structure_borrow_member_field_by_index_const(
			  bt_event_borrow_specific_context_field_const(event), map->cpu_specific),
		      &cpu)) {
		return cpu;
	}
	if (map->cpu_common >= 0 &&
	    field_cpu(bt_field_structure_borrow_member_field_by_index_const(
			  bt_event_borrow_common_context_field_const(event), map->cpu_common),
		      &cpu)) {
		return cpu;
	}
	return packet_cpu(src, event);
}

/* The field at `path` ("b/c") under f: members by name, through the selected option of every
 * variant on the way; NULL when a step is missing. */
static const bt_field *field_at(const bt_field *f, const char *path)
{
	while (f) {
		const char *slash;
		char name[64];

		while (f && bt_field_class_type_is(bt_field_get_class_type(f),
						   BT_FIELD_CLASS_TYPE_VARIANT)) {
			f = bt_field_variant_borrow_selected_option_field_const(f);
		}
		if (!f || !path) {
			return f;
		}
		if (bt_field_get_class_type(f) != BT_FIELD_CLASS_TYPE_STRUCTURE) {
			return NULL;
		}
		slash = strchr(path, '/');
		snprintf(name, sizeof(name), "%.*s",
			 slash ? (int)(slash - path) : (int)strlen(path), path);
		f = bt_field_structure_borrow_member_field_by_name_const(f, name);
		path = slash ? slash + 1 : NULL;
	}
	return NULL;
}

/* An FK_IPV4 field: an unsigned integer, or four unsigned bytes. */
static bool read_ipv4(const bt_field *f, uint32_t *out)
{
	bt_field_class_type type = bt_field_get_class_type(f);

	if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
		*out = (uint32_t)bt_field_integer_unsigned_get_value(f);
		return true;
	}
	if (!bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_ARRAY) ||
	    bt_field_array_get_length(f) != 4) { /* none (another family), or IPv6 */
		return false;
	}
	*out = 0;
	for (uint64_t i = 0; i < 4; i++) {
		const bt_field *e = bt_field_array_borrow_element_field_by_index_const(f, i);

		if (!bt_field_class_type_is(bt_field_get_class_type(e),
					    BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
			return false;
		}
		*out = *out << 8 | (uint32_t)(bt_field_integer_unsigned_get_value(e) & 255);
	}
	return true;
}

/* A path or FK_IPV4 field: stored when this event has it. */
static void store_checked(struct lat_kevent *ev, const struct resolved_field *rf, const bt_field *f)
{
	char *dst = (char *)ev + rf->offset;
	bt_field_class_type type;
	int64_t v;

	f = rf->path ? field_at(f, rf->path) : f;
	if (!f) {
		return;
	}
	type = bt_field_get_class_type(f);
	if (rf->kind == FK_IPV4) {
		uint32_t a;

		if (!read_ipv4(f, &a)) {
			return;
		}
		*(uint32_t *)dst = a;
		ev->present |= rf->present;
		return;
	}
	if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
		v = bt_field_integer_signed_get_value(f);
	} else if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
		v = (int64_t)bt_field_integer_unsigned_get_value(f);
	} else {
		return;
	}
	switch (rf->kind) {
	case FK_I32:
	case FK_U32:
		*(uint32_t *)dst = (uint32_t)v;
		break;
	case FK_I64:
	case FK_U64:
		*(int64_t *)dst = v;
		break;
	default:
		return;
	}
	ev->present |= rf->present;
}

static inline void store_integer(struct lat_kevent *ev, const struct resolved_field *rf,
				 const bt_field *field)
{
	char *dst = (char *)ev + rf->offset;
	int64_t v = rf->src_signed ? bt_field_integer_signed_get_value(field)
				   : (int64_t)bt_field_integer_unsigned_get_value(field);

	switch (rf->kind) {
	case FK_I32:
		*(int32_t *)dst = (int32_t)v;
		break;
	case FK_U32:
		*(uint32_t *)dst = (uint32_t)v;
		break;
	case FK_I64:
		*(int64_t *)dst = v;
		break;
	case FK_U64:
		*(uint64_t *)dst = (uint64_t)v;
		break;
	}
}

/*
 * A live session's trace, on its first event (a session has no metadata file to read before):
 * the tracer version, and the domain when only kernel traces are wanted.
 */
static int check_live_trace(struct lat_ctf_source *src, const bt_trace *trace)
{
	static const char *const keys[3] = {"tracer_major", "tracer_minor", "tracer_patchlevel"};
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(trace, "domain");
	const char *domain = v && bt_value_is_string(v) ? bt_value_string_get(v) : NULL;
	int version[3] = {0, 0, 0}, found = 0;

	src->checked_trace = trace;
	/* no domain: accepted, as lttng-analyses does (it never reads it) */
	if (src->kernel_only && domain && strcmp(domain, "kernel") != 0) {
		set_error(src,
			  "no kernel events in this live session (its trace's domain is '%s'): "
			  "this analysis needs a kernel session (lttng enable-event -k)",
			  domain ? domain : "unknown");
		return -EMEDIUMTYPE;
	}
	for (int i = 0; i < 3; i++) {
		v = bt_trace_borrow_environment_entry_value_by_name_const(trace, keys[i]);
		if (v && bt_value_is_signed_integer(v)) {
			version[i] = (int)bt_value_integer_signed_get(v);
			found++;
		}
	}
	if (found && !src->have_tracer_version) {
		src->tracer_major = version[0];
		src->tracer_minor = version[1];
		src->tracer_patch = version[2];
		src->have_tracer_version = true;
	}
	return 0;
}

static int handle_event(struct lat_ctf_source *src, const bt_message *msg)
{
	const bt_event *event = bt_message_event_borrow_event_const(msg);
	const bt_clock_snapshot *cs;
	const struct class_map *map;
	struct lat_kevent ev;
	int64_t ns = 0;

	map = lookup_class(src, bt_event_borrow_class_const(event));
	if (!map) {
		return -ENOMEM;
	}
	if (!map->has_clock) {
		set_error(src, "events without timestamps (no clock in the trace)");
		return -EINVAL;
	}
	if (src->live && bt_stream_borrow_trace_const(bt_event_borrow_stream_const(event)) !=
			     src->checked_trace) {
		int ret = check_live_trace(
		    src, bt_stream_borrow_trace_const(bt_event_borrow_stream_const(event)));

		if (ret) {
			return ret;
		}
	}
	cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
	if (bt_clock_snapshot_get_ns_from_origin(cs, &ns)) {
		/* clear the error it left: babeltrace2's next call would abort otherwise */
		const char *name = bt_stream_get_name(bt_event_borrow_stream_const(event));

		bt_current_thread_clear_error();
		set_error(src, "an event's timestamp is more than 2^63 ns from the epoch (%s)",
			  name ? name : "?");
		return -ERANGE;
	}
	if (src->intersect && (ns < src->inter_begin || ns > src->inter_end)) {
		src->stats.skipped++;
		return 0;
	}
	if (src->live) { /* the range is what arrived */
		src->range_begin = src->have_range ? src->range_begin : ns;
		src->range_end = ns;
		src->have_range = true;
	}
	memset(&ev, 0, sizeof(ev));
	ev.ts = ns;
	ev.type = map->type;
	ev.name = map->name;
	ev.raw = event;
	ev.cpu = event_cpu(src, map, event);
	if (map->ctx_pid >= 0 || map->ctx_tid >= 0 || map->ctx_procname >= 0) {
		const bt_field *ctx = bt_event_borrow_common_context_field_const(event);
		const bt_field *f;

		if (map->ctx_pid >= 0) {
			f = bt_field_structure_borrow_member_field_by_index_const(ctx,
										  map->ctx_pid);
			if (bt_field_class_type_is(bt_field_get_class_type(f),
						   BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
				ev.ctx_pid = (int32_t)bt_field_integer_signed_get_value(f);
				ev.ctx_mask |= LAT_CTX_PID;
			}
		}
		if (map->ctx_tid >= 0) {
			f = bt_field_structure_borrow_member_field_by_index_const(ctx,
										  map->ctx_tid);
			if (bt_field_class_type_is(bt_field_get_class_type(f),
						   BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
				ev.ctx_tid = (int32_t)bt_field_integer_signed_get_value(f);
				ev.ctx_mask |= LAT_CTX_TID;
			}
		}
		if (map->ctx_procname >= 0) {
			f = bt_field_structure_borrow_member_field_by_index_const(
			    ctx, map->ctx_procname);
			if (bt_field_get_class_type(f) == BT_FIELD_CLASS_TYPE_STRING) {
				ev.ctx_procname = bt_field_string_get_value(f);
				ev.ctx_mask |= LAT_CTX_PROCNAME;
			}
		}
	}
	if (map->nfields) {
		const bt_field *payload = bt_event_borrow_payload_field_const(event);

		for (unsigned i = 0; i < map->nfields; i++) {
			const struct resolved_field *rf = &map->fields[i];
			const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(
			    payload, rf->index);

			if (rf->path || rf->kind == FK_IPV4) {
				store_checked(&ev, rf, f);
				continue;
			}
			if (rf->kind == FK_STR) {
				*(const char **)((char *)&ev + rf->offset) =
				    bt_field_string_get_value(f);
			} else {
				store_integer(&ev, rf, f);
			}
			ev.present |= rf->present;
		}
	}
	if (map->type == LAT_EV_SYSCALL_ENTRY || map->type == LAT_EV_SYSCALL_EXIT) {
		ev.syscall.id = map->syscall_id;
		ev.syscall.name = map->syscall_name;
	}
	src->stats.events++;
	return src->fn(&ev, src->user);
}

static void note_loss(struct lat_ctf_source *src, const bt_message *msg, bool packets,
		      uint64_t count)
{
	struct lat_ctf_loss *loss;
	const bt_stream *stream;
	const bt_clock_snapshot *b = NULL, *e = NULL;
	const char *name;

	if (src->stats.nlosses >= LAT_CTF_MAX_LOSSES) {
		return;
	}
	loss = &src->stats.losses[src->stats.nlosses++];
	memset(loss, 0, sizeof(*loss));
	loss->count = count;
	loss->packets = packets;
	stream = packets ? bt_message_discarded_packets_borrow_stream_const(msg)
			 : bt_message_discarded_events_borrow_stream_const(msg);
	name = stream ? bt_stream_get_name(stream) : NULL;
	snprintf(loss->stream, sizeof(loss->stream), "%s", name ? name : "");
	if (packets && bt_stream_class_discarded_packets_have_default_clock_snapshots(
			   bt_stream_borrow_class_const(stream))) {
		b = bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(msg);
		e = bt_message_discarded_packets_borrow_end_default_clock_snapshot_const(msg);
	} else if (!packets && bt_stream_class_discarded_events_have_default_clock_snapshots(
				   bt_stream_borrow_class_const(stream))) {
		b = bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(msg);
		e = bt_message_discarded_events_borrow_end_default_clock_snapshot_const(msg);
	}
	if (b && e) {
		if (bt_clock_snapshot_get_ns_from_origin(b, &loss->begin) ||
		    bt_clock_snapshot_get_ns_from_origin(e, &loss->end)) {
			bt_current_thread_clear_error(); /* the range is unknown: 0, 0 */
			loss->begin = loss->end = 0;
		}
	}
}

/*
 * A loss, counted or not: babeltrace2 gives no count for a stream's first packet whose
 * events_discarded is already above 0 (n = UINT64_MAX here), and a counter that went
 * backwards (a damaged packet context) gives a wrapped one; both are losses of unknown size.
 */
static void count_loss(struct lat_ctf_source *src, const bt_message *msg, bool packets, uint64_t n)
{
	if (n > (uint64_t)INT64_MAX) {
		src->stats.discarded_unknown++;
		note_loss(src, msg, packets, 0);
		if (src->stats.nlosses && src->stats.losses[src->stats.nlosses - 1].count == 0) {
			src->stats.losses[src->stats.nlosses - 1].count_unknown = true;
		}
		return;
	}
	if (packets) {
		src->stats.discarded_packets += n;
	} else {
		src->stats.discarded_events += n;
	}
	note_loss(src, msg, packets, n);
}

static bt_graph_simple_sink_component_initialize_func_status sink_init(bt_message_iterator *it,
								       void *data)
{
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_INITIALIZE_FUNC_STATUS_OK;
}

static bt_graph_simple_sink_component_consume_func_status sink_consume(bt_message_iterator *it,
								       void *data)
{
	struct lat_ctf_source *src = data;
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

		if (!src->stop) {
			switch (bt_message_get_type(msg)) {
			case BT_MESSAGE_TYPE_EVENT: {
				int ret = handle_event(src, msg);

				if (ret < 0) {
					src->run_status = ret;
					src->stop = true;
				} else if (ret > 0) {
					src->stop = true;
				}
				break;
			}
			case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
				src->stats.discarded_records++;
				if (bt_message_discarded_events_get_count(msg, &n) !=
				    BT_PROPERTY_AVAILABILITY_AVAILABLE) {
					n = UINT64_MAX;
				}
				count_loss(src, msg, false, n);
				break;
			case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
				src->stats.discarded_records++;
				if (bt_message_discarded_packets_get_count(msg, &n) !=
				    BT_PROPERTY_AVAILABILITY_AVAILABLE) {
					n = UINT64_MAX;
				}
				count_loss(src, msg, true, n);
				break;
			default:
				break;
			}
		}
		bt_message_put_ref(msg);
	}
	return src->stop ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END
			 : BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

/*
 * Loads one plugin from its file next to libbabeltrace2 (LIBDIR/babeltrace2/plugins), which
 * saves loading every plugin twice as bt_plugin_find() does; falls back to bt_plugin_find()
 * (and so to LIBBABELTRACE2_PLUGIN_PATH and the usual directories).
 */
static int load_plugin(const char *name, const bt_plugin **plugin)
{
	const bt_plugin_set *set = NULL;
	char path[PATH_MAX];
	Dl_info info;

	*plugin = NULL;
	if (!getenv("LIBBABELTRACE2_PLUGIN_PATH") && dladdr((void *)bt_graph_create, &info) &&
	    info.dli_fname) {
		const char *slash = strrchr(info.dli_fname, '/');
		int dir_len = slash ? (int)(slash - info.dli_fname) : 0;

		snprintf(path, sizeof(path), "%.*s/babeltrace2/plugins/babeltrace-plugin-%s.so",
			 dir_len, info.dli_fname, name);
		if (access(path, R_OK) == 0 && bt_plugin_find_all_from_file(path, BT_FALSE, &set) ==
						   BT_PLUGIN_FIND_ALL_FROM_FILE_STATUS_OK) {
			for (uint64_t i = 0; i < bt_plugin_set_get_plugin_count(set); i++) {
				const bt_plugin *p =
				    bt_plugin_set_borrow_plugin_by_index_const(set, i);

				if (strcmp(bt_plugin_get_name(p), name) == 0) {
					bt_plugin_get_ref(p);
					*plugin = p;
					break;
				}
			}
			bt_plugin_set_put_ref(set);
		}
		bt_current_thread_clear_error();
	}
	if (!*plugin && bt_plugin_find(name, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE,
				       plugin) != BT_PLUGIN_FIND_STATUS_OK) {
		return -ENOENT;
	}
	return 0;
}

static int build_graph(struct lat_ctf_source *src)
{
	const bt_component_class_source *fs_class;
	const bt_component_class_filter *muxer_class;
	const bt_component_source *fs = NULL;
	const bt_component_filter *muxer = NULL;
	const bt_component_sink *sink = NULL;
	bt_value *params;
	uint64_t nports;
	int ret;

	if (load_plugin("ctf", &src->ctf_plugin) || load_plugin("utils", &src->utils_plugin)) {
		set_error(src, "babeltrace2's ctf and utils plugins are not installed");
		return -ENOENT;
	}
	fs_class = bt_plugin_borrow_source_component_class_by_name_const(src->ctf_plugin, "fs");
	muxer_class =
	    bt_plugin_borrow_filter_component_class_by_name_const(src->utils_plugin, "muxer");
	if (!fs_class || !muxer_class) {
		set_error(src, "babeltrace2 has no src.ctf.fs or flt.utils.muxer");
		return -ENOENT;
	}
	params = make_inputs_params(src);
	if (!params) {
		return -ENOMEM;
	}
	src->graph = bt_graph_create(0);
	if (!src->graph) {
		bt_value_put_ref(params);
		return -ENOMEM;
	}
	if (bt_graph_add_source_component(src->graph, fs_class, "source", params,
					  BT_LOGGING_LEVEL_NONE,
					  &fs) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		bt_value_put_ref(params);
		take_bt_error(src, "cannot read the trace");
		return -EINVAL;
	}
	/* only now: the component has checked every packet header, which the query does not */
	ret = src->have_range && src->have_inter ? 0 : query_ranges(src, fs_class, params);
	bt_value_put_ref(params);
	if (ret) {
		return ret;
	}
	if (bt_graph_add_filter_component(src->graph, muxer_class, "muxer", NULL,
					  BT_LOGGING_LEVEL_NONE,
					  &muxer) != BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_add_simple_sink_component(src->graph, "latscope", sink_init, sink_consume,
					       NULL, src,
					       &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		take_bt_error(src, "cannot build the babeltrace2 graph");
		return -ENOMEM;
	}
	nports = bt_component_source_get_output_port_count(fs);
	if (nports == 0) {
		set_error(src, "the trace has no data stream");
		return -ENODATA;
	}
	for (uint64_t i = 0; i < nports; i++) {
		const bt_port_output *out =
		    bt_component_source_borrow_output_port_by_index_const(fs, i);
		const bt_port_input *in =
		    bt_component_filter_borrow_input_port_by_index_const(muxer, i);

		if (!in || bt_graph_connect_ports(src->graph, out, in, NULL) !=
			       BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
			take_bt_error(src, "cannot connect the trace streams");
			return -EINVAL;
		}
	}
	if (bt_graph_connect_ports(src->graph,
				   bt_component_filter_borrow_output_port_by_index_const(muxer, 0),
				   bt_component_sink_borrow_input_port_by_index_const(sink, 0),
				   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		take_bt_error(src, "cannot connect the sink");
		return -EINVAL;
	}
	return 0;
}

/* --- the LTTng decoder (lttng_decode.c) for trace files, chosen by LATSCOPE_CTF_DECODER ---- */

/* ctf.c's table for lttng_decode.c: what an event name becomes (the class map's rules). */
static int typed_class(void *ctx, const char *name, struct lat_lttng_typed *out)
{
	struct lat_ctf_source *src = ctx;
	const struct field_spec *fs = NULL;
	const char *syscall = NULL;

	out->type = LAT_EV_OTHER;
	for (size_t i = 0; i < sizeof(event_specs) / sizeof(event_specs[0]) && !fs; i++) {
		if (strcmp(event_specs[i].name, name) == 0) {
			out->type = event_specs[i].type;
			fs = event_specs[i].fields;
		}
	}
	if (!fs && strncmp(name, "syscall_entry_", 14) == 0) {
		out->type = LAT_EV_SYSCALL_ENTRY, syscall = name + 14, fs = syscall_entry_fields;
	} else if (!fs && strncmp(name, "sys_", 4) == 0) {
		out->type = LAT_EV_SYSCALL_ENTRY, syscall = name + 4, fs = syscall_entry_fields;
	} else if (!fs && strncmp(name, "syscall_exit_", 13) == 0) {
		out->type = LAT_EV_SYSCALL_EXIT, syscall = name + 13, fs = syscall_exit_fields;
	} else if (!fs && strcmp(name, "exit_syscall") == 0) {
		out->type = LAT_EV_SYSCALL_EXIT, syscall = "", fs = syscall_exit_fields;
	}
	if (syscall) {
		out->syscall_id = intern_syscall(src, syscall);
		if (out->syscall_id == UINT32_MAX) {
			return -ENOMEM;
		}
		out->syscall_name = src->syscall_names[out->syscall_id];
	}
	for (int i = 0; fs && i < MAX_FIELDS && fs[i].name; i++) {
		out->fields[out->nfields++] =
		    (struct lat_lttng_field){fs[i].name, fs[i].offset, fs[i].kind, fs[i].present};
	}
	return 0;
}

/* 0: the LTTng decoder reads the files; 1: libbabeltrace2 does; < 0: it was forced and failed */
static int open_fast(struct lat_ctf_source *src)
{
	const char *want = getenv("LATSCOPE_CTF_DECODER");
	char why[256];
	int64_t b, e, ib, ie;
	int ret;

	if (!want || !*want) {
		want = "auto"; /* the whole conformance suite is byte-identical with it */
	}
	if (strcmp(want, "babeltrace2") == 0) {
		return 1;
	}
	ret = lat_lttng_open(src->dirs, src->ndirs, &src->fast, why, sizeof(why));
	if (ret == 0 && !(src->have_range && src->have_inter)) {
		ret = lat_lttng_ranges(src->fast, &b, &e, &ib, &ie);
		if (ret == 0) {
			src->range_begin = b, src->range_end = e, src->have_range = true;
			src->inter_begin = ib, src->inter_end = ie, src->have_inter = true;
		}
	}
	if (ret == 0) {
		return 0;
	}
	lat_lttng_destroy(src->fast);
	src->fast = NULL;
	if (strcmp(want, "lttng") == 0) {
		set_error(src, "%s", why[0] ? why : strerror(-ret));
		return ret;
	}
	if (ret == -ENOTSUP) { /* a damaged trace: babeltrace2 says what it thinks of it */
		snprintf(src->fallback, sizeof(src->fallback), "%s", why[0] ? why : strerror(-ret));
	}
	return 1;
}

static int run_graph(struct lat_ctf_source *src);

static int drop_event(const struct lat_kevent *ev, void *user)
{
	return 0;
}

/*
 * A stream going back in time (lttng_decode.c's -ERANGE), which libbabeltrace2's muxer
 * refuses: the trace read again through libbabeltrace2, its events dropped and the stats kept,
 * fails with that path's very error (the stream and the event named by diagnose()); when it
 * does not fail, the decoder's own finding is said.
 */
static int refuse_as_babeltrace2(struct lat_ctf_source *src, const char *finding)
{
	struct lat_ctf_stats *saved = malloc(sizeof(*saved));
	int ret;

	if (!saved) {
		return -ENOMEM;
	}
	*saved = src->stats;
	src->fn = drop_event;
	src->user = NULL;
	src->error[0] = '\0';
	ret = src->graph ? 0 : build_graph(src);
	if (ret == 0) {
		ret = run_graph(src);
	}
	src->stats = *saved;
	free(saved);
	if (ret == 0) {
		set_error(src, "cannot read the trace: %s", finding);
		ret = -EIO;
	}
	return ret;
}

static int run_fast(struct lat_ctf_source *src)
{
	struct lat_lttng_run run = {src->fn,        src->user,        typed_class,    src,
				    src->intersect, src->inter_begin, src->inter_end, &src->stats};
	char why[300];
	int ret = lat_lttng_run(src->fast, &run, why, sizeof(why));

	if (ret == -ERANGE) {
		return refuse_as_babeltrace2(src, why);
	}
	if (ret < 0) {
		set_error(src, "%s", why[0] ? why : strerror(-ret));
	}
	return ret;
}

const char *lat_ctf_source_decoder(const struct lat_ctf_source *src, const char **fallback)
{
	*fallback = src->fallback[0] ? src->fallback : NULL;
	return src->fast ? "lttng" : "babeltrace2";
}

bool lat_ctf_is_live_url(const char *path)
{
	return path && (strncmp(path, "net://", 6) == 0 || strncmp(path, "net4://", 7) == 0 ||
			strncmp(path, "net6://", 7) == 0);
}

/*
 * A live session: src.ctf.lttng-live (which merges the streams itself) -> the same sink. The
 * session must exist when the graph first connects ("session-not-found-action": "fail").
 */
static int build_live_graph(struct lat_ctf_source *src, const char *url)
{
	const bt_component_class_source *cls;
	const bt_component_source *live = NULL;
	const bt_component_sink *sink = NULL;
	bt_value *params = NULL, *inputs = NULL;
	int ret = -ENOMEM;

	if (!strstr(url, "/host/")) {
		set_error(src, "not an lttng-live URL: net://HOST[:PORT]/host/HOSTNAME/SESSION");
		return -EINVAL;
	}
	if (load_plugin("ctf", &src->ctf_plugin)) {
		set_error(src, "babeltrace2's ctf plugin is not installed");
		return -ENOENT;
	}
	cls = bt_plugin_borrow_source_component_class_by_name_const(src->ctf_plugin, "lttng-live");
	if (!cls) {
		set_error(src, "babeltrace2 has no src.ctf.lttng-live");
		return -ENOENT;
	}
	params = bt_value_map_create();
	inputs = bt_value_array_create();
	src->graph = bt_graph_create(0);
	if (!params || !inputs || !src->graph ||
	    bt_value_array_append_string_element(inputs, url) ||
	    bt_value_map_insert_entry(params, "inputs", inputs) ||
	    bt_value_map_insert_string_entry(params, "session-not-found-action", "fail")) {
		goto out;
	}
	src->interrupter = bt_graph_borrow_default_interrupter(src->graph);
	if (bt_graph_add_source_component(src->graph, cls, "live", params, BT_LOGGING_LEVEL_NONE,
					  &live) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		take_bt_error(src, "cannot create the lttng-live source");
		ret = -EINVAL;
		goto out;
	}
	if (bt_graph_add_simple_sink_component(src->graph, "latscope", sink_init, sink_consume,
					       NULL, src,
					       &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_connect_ports(src->graph,
				   bt_component_source_borrow_output_port_by_index_const(live, 0),
				   bt_component_sink_borrow_input_port_by_index_const(sink, 0),
				   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		take_bt_error(src, "cannot build the babeltrace2 graph");
		ret = -EINVAL;
		goto out;
	}
	ret = 0;
out:
	bt_value_put_ref(inputs);
	bt_value_put_ref(params);
	return ret;
}

/*
 * Checks what libbabeltrace2 2.0.4 hangs or aborts on before it reads the traces: each
 * metadata file (lat_ctf_metadata_check()), the packet sizes of each stream file
 * (lat_ctf_check_streams()), and that some stream file holds data (a graph without a stream
 * has no sink: babeltrace2 aborts).
 */
static int check_traces(struct lat_ctf_source *src)
{
	bool any_data = false;

	for (int i = 0; i < src->ndirs; i++) {
		struct lat_ctf_metadata md;
		char err[sizeof(src->error)];
		struct dirent *entry;
		int ret;
		DIR *d;

		ret = lat_ctf_metadata_check_file(src->dirs[i], &md, err, sizeof(err));
		if (!ret) {
			lat_ctf_metadata_fini(&md);
			ret = lat_ctf_check_streams(src->dirs[i], &md.layout, err, sizeof(err));
		}
		if (ret) {
			set_error(src, "%s", ret == -ENOMEM ? strerror(ENOMEM) : err);
			return ret == -ENOMEM ? ret : -EINVAL;
		}
		d = opendir(src->dirs[i]);
		while (d && !any_data && (entry = readdir(d))) {
			char path[PATH_MAX];
			struct stat st;

			snprintf(path, sizeof(path), "%s/%s", src->dirs[i], entry->d_name);
			any_data = entry->d_name[0] != '.' && strcmp(entry->d_name, "metadata") &&
				   stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
		}
		if (d) {
			closedir(d);
		}
	}
	if (!any_data) {
		set_error(src, "the trace has no data stream (every stream file is empty)");
		return -ENODATA;
	}
	return 0;
}

int lat_ctf_source_open(const char *path, const struct lat_ctf_options *opts,
			struct lat_ctf_source **out, char *err, size_t err_len)
{
	struct lat_ctf_source *src;
	struct stat st;
	int ret;

	*out = NULL;
	if (err && err_len) {
		err[0] = '\0';
	}
	/*
	 * lttng-live: src.ctf.lttng-live instead of src.ctf.fs; the domain and tracer version
	 * come from the trace's env on its first event, lost events from the discarded-events
	 * messages as for folders, and there is no intersection (nor range before the run).
	 */
	if (lat_ctf_is_live_url(path)) {
		src = calloc(1, sizeof(*src));
		if (!src) {
			return -ENOMEM;
		}
		src->live = true;
		src->kernel_only = opts ? opts->kernel_only : true;
		ret = grow_classes(src);
		if (!ret) {
			ret = build_live_graph(src, path);
		}
		if (ret) {
			goto fail;
		}
		*out = src;
		return 0;
	}
	if (stat(path, &st)) {
		ret = -errno;
		if (err) {
			snprintf(err, err_len, "%s", strerror(errno));
		}
		return ret;
	}
	src = calloc(1, sizeof(*src));
	if (!src) {
		return -ENOMEM;
	}
	src->intersect = opts ? opts->intersect : true;
	ret = grow_classes(src);
	if (ret) {
		goto fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_error(src, "not a folder holding a CTF trace");
		ret = -ENODATA;
		goto fail;
	}
	ret = find_traces(src, path, 0);
	if (ret) {
		goto fail;
	}
	if (src->ndirs == 0) {
		set_error(src, "no CTF trace found there");
		ret = -ENODATA;
		goto fail;
	}
	ret = inspect_traces(src, opts ? opts->kernel_only : true);
	if (ret <= 0) {
		if (ret == 0) {
			set_error(src,
				  "no kernel trace there (only user-space or unreadable traces)");
		}
		ret = ret == 0 ? -EMEDIUMTYPE : -EINVAL;
		goto fail;
	}
	ret = check_traces(src);
	if (ret) {
		goto fail;
	}
	ret = open_fast(src);
	if (ret > 0) {
		ret = build_graph(src);
	}
	if (ret) {
		goto fail;
	}
	*out = src;
	return 0;
fail:
	if (err) {
		snprintf(err, err_len, "%s", src->error[0] ? src->error : strerror(-ret));
	}
	lat_ctf_source_destroy(src);
	return ret;
}

/*
 * A live session: one step at a time, a nap when the relay has nothing new, until the session
 * is destroyed (the source ends), lat_ctf_source_interrupt() or the callback stops it.
 */
static int run_live(struct lat_ctf_source *src)
{
	bt_graph_run_once_status status;

	for (;;) {
		status = bt_graph_run_once(src->graph);
		if (src->interrupted || src->stop) {
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
	if (src->run_status) {
		if (!src->error[0]) {
			set_error(src, "%s", strerror(-src->run_status));
		}
		return src->run_status;
	}
	if (src->interrupted || src->stop || status == BT_GRAPH_RUN_ONCE_STATUS_END ||
	    status == BT_GRAPH_RUN_ONCE_STATUS_OK) {
		bt_current_thread_clear_error();
		return 0;
	}
	take_bt_error(src, "cannot read the live session");
	return status == BT_GRAPH_RUN_ONCE_STATUS_MEMORY_ERROR ? -ENOMEM : -EIO;
}

void lat_ctf_source_interrupt(struct lat_ctf_source *src)
{
	src->interrupted = 1;
	if (src->interrupter) {
		bt_interrupter_set(src->interrupter);
	}
}

bool lat_ctf_source_is_live(const struct lat_ctf_source *src)
{
	return src->live;
}

/* --- naming the stream behind an error of the muxer ---------------------------------------- */

struct diag_stream {
	char *finding; /* the first stream found wrong writes here (shared) */
	size_t finding_len;
	int64_t last;
	uint64_t events, packets;
	bool seen;
};

static bt_graph_simple_sink_component_consume_func_status diag_consume(bt_message_iterator *it,
								       void *data)
{
	struct diag_stream *ds = data;
	bt_message_array_const msgs;
	uint64_t count = 0;
	bool failed = false;

	switch (bt_message_iterator_next(it, &msgs, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	for (uint64_t i = 0; i < count; i++) {
		const bt_message *msg = msgs[i];
		const bt_clock_snapshot *cs = NULL;
		const bt_stream *stream = NULL;
		const char *what = "event", *name;
		uint64_t *nth = &ds->events;
		int64_t ns;

		switch (failed ? BT_MESSAGE_TYPE_STREAM_END : bt_message_get_type(msg)) {
		case BT_MESSAGE_TYPE_EVENT:
			stream =
			    bt_event_borrow_stream_const(bt_message_event_borrow_event_const(msg));
			if (bt_message_event_borrow_stream_class_default_clock_class_const(msg)) {
				cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
			}
			break;
		case BT_MESSAGE_TYPE_PACKET_BEGINNING:
			stream = bt_packet_borrow_stream_const(
			    bt_message_packet_beginning_borrow_packet_const(msg));
			if (bt_stream_class_packets_have_beginning_default_clock_snapshot(
				bt_stream_borrow_class_const(stream))) {
				cs =
				    bt_message_packet_beginning_borrow_default_clock_snapshot_const(
					msg);
			}
			what = "packet", nth = &ds->packets;
			break;
		case BT_MESSAGE_TYPE_PACKET_END:
			stream = bt_packet_borrow_stream_const(
			    bt_message_packet_end_borrow_packet_const(msg));
			if (bt_stream_class_packets_have_end_default_clock_snapshot(
				bt_stream_borrow_class_const(stream))) {
				cs = bt_message_packet_end_borrow_default_clock_snapshot_const(msg);
			}
			what = "packet end", nth = &ds->packets;
			break;
		default:
			break;
		}
		if (cs) {
			name = bt_stream_get_name(stream);
			if (nth == &ds->events || strcmp(what, "packet") == 0) {
				(*nth)++;
			}
			if (bt_clock_snapshot_get_ns_from_origin(cs, &ns)) {
				bt_current_thread_clear_error();
				snprintf(ds->finding, ds->finding_len,
					 "%s: its %s %" PRIu64
					 " is more than 2^63 ns from the epoch",
					 name ? name : "?", what, *nth);
				failed = true;
			} else if (ds->seen && ns < ds->last) {
				snprintf(ds->finding, ds->finding_len,
					 "%s: its %s %" PRIu64 " goes back in time (%" PRId64
					 " ns after %" PRId64 ")",
					 name ? name : "?", what, *nth, ns, ds->last);
				failed = true;
			}
			ds->last = ns;
			ds->seen = true;
		}
		bt_message_put_ref(msg);
	}
	return failed ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR
		      : BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

/*
 * After a failed run: reads each stream on its own (no muxer, one sink per stream) and, when
 * one has an event whose time cannot be converted or goes backwards (what the muxer refuses
 * without naming the stream), appends the stream and the event to the error.
 */
static void diagnose(struct lat_ctf_source *src)
{
	const bt_component_class_source *fs_class =
	    bt_plugin_borrow_source_component_class_by_name_const(src->ctf_plugin, "fs");
	const bt_component_source *fs = NULL;
	struct diag_stream *streams = NULL;
	bt_value *params = make_inputs_params(src);
	char finding[320] = "";
	bt_graph *graph = bt_graph_create(0);
	uint64_t nports;

	if (!fs_class || !params || !graph ||
	    bt_graph_add_source_component(graph, fs_class, "source", params, BT_LOGGING_LEVEL_NONE,
					  &fs) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		goto out;
	}
	nports = bt_component_source_get_output_port_count(fs);
	streams = calloc(nports ? nports : 1, sizeof(*streams));
	if (!streams || nports == 0) {
		goto out;
	}
	for (uint64_t i = 0; i < nports; i++) {
		const bt_component_sink *sink = NULL;
		char name[32];

		streams[i].finding = finding;
		streams[i].finding_len = sizeof(finding);
		snprintf(name, sizeof(name), "diag-%" PRIu64, i);
		if (bt_graph_add_simple_sink_component(graph, name, NULL, diag_consume, NULL,
						       &streams[i],
						       &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
		    bt_graph_connect_ports(
			graph, bt_component_source_borrow_output_port_by_index_const(fs, i),
			bt_component_sink_borrow_input_port_by_index_const(sink, 0),
			NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
			goto out;
		}
	}
	while (bt_graph_run(graph) == BT_GRAPH_RUN_STATUS_AGAIN) {
	}
	if (finding[0]) {
		size_t n = strlen(src->error);

		snprintf(src->error + n, sizeof(src->error) - n, " (%s)", finding);
	}
out:
	bt_current_thread_clear_error();
	bt_graph_put_ref(graph);
	bt_value_put_ref(params);
	free(streams);
}

/* A trace read by libbabeltrace2: its graph run to the end (or until the callback stops). */
static int run_graph(struct lat_ctf_source *src)
{
	bt_graph_run_status status;

	src->stop = false;
	src->run_status = 0;
	do {
		status = bt_graph_run(src->graph);
	} while (status == BT_GRAPH_RUN_STATUS_AGAIN);
	if (src->run_status) {
		if (!src->error[0]) {
			set_error(src, "%s", strerror(-src->run_status));
		}
		return src->run_status;
	}
	if (status != BT_GRAPH_RUN_STATUS_OK) {
		take_bt_error(src, "cannot read the trace");
		if (status != BT_GRAPH_RUN_STATUS_MEMORY_ERROR && !strstr(src->error, " (/")) {
			diagnose(src); /* the muxer's errors name no stream: find it */
		}
		return status == BT_GRAPH_RUN_STATUS_MEMORY_ERROR ? -ENOMEM : -EIO;
	}
	return 0;
}

int lat_ctf_source_run(struct lat_ctf_source *src, lat_ctf_event_fn fn, void *user)
{
	src->fn = fn;
	src->user = user;
	src->stop = false;
	src->run_status = 0;
	if (src->live) {
		return run_live(src);
	}
	if (src->fast) {
		return run_fast(src);
	}
	return run_graph(src);
}

const char *lat_ctf_source_error(const struct lat_ctf_source *src)
{
	return src->error;
}

const char *lat_ctf_source_note(const struct lat_ctf_source *src)
{
	return src->note;
}

void lat_ctf_source_range(const struct lat_ctf_source *src, int64_t *begin, int64_t *end)
{
	*begin = src->have_range ? src->range_begin : 0;
	*end = src->have_range ? src->range_end : 0;
}

bool lat_ctf_source_intersection(const struct lat_ctf_source *src, int64_t *begin, int64_t *end)
{
	*begin = src->inter_begin;
	*end = src->inter_end;
	return src->have_inter && src->inter_begin <= src->inter_end;
}

int lat_ctf_source_tracer_version(const struct lat_ctf_source *src, int *major, int *minor,
				  int *patch)
{
	if (!src->have_tracer_version) {
		return -ENOENT;
	}
	*major = src->tracer_major;
	*minor = src->tracer_minor;
	*patch = src->tracer_patch;
	return 0;
}

const struct lat_ctf_stats *lat_ctf_source_stats(const struct lat_ctf_source *src)
{
	return &src->stats;
}

uint32_t lat_ctf_source_syscall_count(const struct lat_ctf_source *src)
{
	return src->syscall_count;
}

uint64_t lat_ctf_source_size(const struct lat_ctf_source *src)
{
	return src->size;
}

void lat_ctf_source_destroy(struct lat_ctf_source *src)
{
	if (!src) {
		return;
	}
	lat_lttng_destroy(src->fast);
	bt_graph_put_ref(src->graph);
	bt_plugin_put_ref(src->ctf_plugin);
	bt_plugin_put_ref(src->utils_plugin);
	for (int i = 0; i < src->ndirs; i++) {
		free(src->dirs[i]);
	}
	for (uint32_t i = 0; i < src->syscall_count; i++) {
		free(src->syscall_names[i]);
	}
	free(src->syscall_names);
	free(src->classes);
	free(src);
}

uint32_t lat_ctf_stats_warning_count(const struct lat_ctf_stats *stats)
{
	return stats->nnotes + (stats->discarded_unknown ? 1 : 0);
}

void lat_ctf_stats_warning(const struct lat_ctf_stats *stats, uint32_t i, char *out, size_t len)
{
	if (i < stats->nnotes) {
		snprintf(out, len, "%s", stats->notes[i]);
	} else if (i == stats->nnotes && stats->discarded_unknown) {
		snprintf(out, len,
			 "the tracer lost events %" PRIu64 " time%s without saying how many (a "
			 "stream's first packet already counting lost events, or a counter going "
			 "back): results may miss them",
			 stats->discarded_unknown, stats->discarded_unknown > 1 ? "s" : "");
	} else if (len) {
		out[0] = '\0';
	}
}
