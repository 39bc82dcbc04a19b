/* ctf_writer.c: CTF 1.8 traces laid out as lttng-modules writes them (see ctf_writer.h). */
#include "outputs/ctf_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define CTF_MAGIC        0xC1FC1FC1u
#define PACKET_HDR_BYTES 84 /* packet header (32) + packet context (52) */
#define EVENT_HDR_MAX    14 /* u16 id = 65535, u32 id, u64 timestamp */
#define ID_EXTENDED      65535u
#define CONTEXT_MAX      128 /* bytes of event context */

struct ctf_class {
	char *name;
	struct lat_ctf_field *fields;
	unsigned count;
};

struct ctf_stream {
	int fd;
	uint8_t *buf;
	size_t pos; /* 0: no packet open */
	uint64_t ts_begin;
	uint64_t last_ts;
	uint64_t seq;
	uint64_t discarded;
	uint64_t discarded_written;   /* as of the last packet written (sink drops included) */
	uint8_t context[CONTEXT_MAX]; /* the next events' context */
	uint64_t pkt_events;          /* in the open packet */
	uint64_t sink_dropped;        /* events in packets the sink dropped */
};

struct lat_ctf_writer {
	char *dir;
	uint32_t cpus;
	size_t packet_bytes;
	int64_t clock_offset_ns;
	uint8_t uuid[16];
	char hostname[256];
	char release[256];
	char version[256];
	char tracer_name[64];
	int tracer_major, tracer_minor, tracer_patchlevel;
	struct ctf_class *classes;
	unsigned class_count, class_cap;
	struct lat_ctf_field context[16];
	unsigned context_count;
	size_t context_bytes;
	struct ctf_stream *streams;
	struct lat_ctf_sink sink; /* sink.packet NULL: files */
	uint64_t events, bytes;
	/* not 0: the streams' first packets begin there (lat_ctf_writer_begin_at) */
	uint64_t begin_ts;
	int error; /* first write error */
};

static int mkdir_p(const char *path)
{
	char tmp[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp)) {
		return -ENAMETOOLONG;
	}
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, 0755) && errno != EEXIST) {
				return -errno;
			}
			*p = '/';
		}
	}
	if (mkdir(tmp, 0755) && errno != EEXIST) {
		return -errno;
	}
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void random_uuid(uint8_t uuid[16])
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, uuid, 16) : -1;

	if (fd >= 0) {
		close(fd);
	}
	if (n != 16) {
		uint64_t seed = (uint64_t)getpid() * 6364136223846793005ull ^ (uint64_t)time(NULL);

		for (int i = 0; i < 16; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			uuid[i] = (uint8_t)(seed >> 56);
		}
	}
	uuid[6] = (uuid[6] & 0x0f) | 0x40;
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
}

/* The bytes of a fixed-size field (0: not fixed-size). */
static size_t field_bytes(enum lat_ctf_type type)
{
	switch (type) {
	case LAT_CTF_U8:
	case LAT_CTF_S8:
		return 1;
	case LAT_CTF_U16:
	case LAT_CTF_S16:
		return 2;
	case LAT_CTF_U32:
	case LAT_CTF_S32:
	case LAT_CTF_X32:
		return 4;
	case LAT_CTF_U64:
	case LAT_CTF_S64:
	case LAT_CTF_X64:
		return 8;
	case LAT_CTF_COMM:
		return 16;
	default:
		return 0;
	}
}

/* --- sink (outputs/relayd.h): packets and metadata handed over instead of written ---------- */

static int sink_streams(struct lat_ctf_writer *w, const struct lat_ctf_sink *sink)
{
	w->sink = *sink;
	for (uint32_t i = 0; i < w->cpus; i++) {
		w->streams[i].buf = malloc(w->packet_bytes);
		if (!w->streams[i].buf) {
			return -ENOMEM;
		}
	}
	return 0;
}

static void write_metadata_text(struct lat_ctf_writer *w, FILE *f);
static int packet_open(struct lat_ctf_writer *w, uint32_t cpu, uint64_t ts);
static int packet_close(struct lat_ctf_writer *w, uint32_t cpu);

static int sink_metadata(struct lat_ctf_writer *w)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int err;

	if (!f) {
		return -errno;
	}
	write_metadata_text(w, f);
	err = ferror(f) ? -EIO : 0;
	if (fclose(f) && !err) {
		err = -ENOMEM;
	}
	if (!err) {
		err = w->sink.metadata(w->sink.ctx, text, len);
	}
	free(text);
	return err;
}

/* A closed packet to the sink: a dropped one's events are counted as discarded. */
static int sink_packet(struct lat_ctf_writer *w, uint32_t cpu, uint64_t seq)
{
	struct ctf_stream *s = &w->streams[cpu];
	struct lat_ctf_packet_info info = {
	    .cpu = cpu,
	    .ts_begin = s->ts_begin,
	    .ts_end = s->last_ts,
	    .bytes = s->pos,
	    .seq = seq,
	    .discarded = s->discarded + s->sink_dropped,
	    .events = s->pkt_events,
	};
	int err = w->sink.packet(w->sink.ctx, &info, s->buf);

	if (err == -ENOBUFS) {
		s->sink_dropped += s->pkt_events;
		err = 0;
	}
	return err;
}

int lat_ctf_writer_live_flush(struct lat_ctf_writer *w, uint64_t ts)
{
	int first = 0;

	for (uint32_t i = 0; i < w->cpus; i++) {
		struct ctf_stream *s = &w->streams[i];
		int err = 0;

		if (!s->pos && s->seq == 0) {
			err = packet_open(w, i, ts > s->last_ts ? ts : s->last_ts);
		}
		if (!err && s->pos) {
			err = packet_close(w, i);
		} else if (!err && w->sink.beacon) {
			w->sink.beacon(w->sink.ctx, i, ts > s->last_ts ? ts : s->last_ts);
		}
		first = first ? first : err;
	}
	return first;
}

int lat_ctf_writer_create(const struct lat_ctf_writer_opts *opts, struct lat_ctf_writer **out)
{
	struct lat_ctf_writer *w;
	struct utsname uts;
	char path[4096];
	int err;

	if (!opts || (!opts->dir && !opts->sink) || opts->cpus == 0 || opts->cpus > 4096) {
		return -EINVAL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		return -ENOMEM;
	}
	w->dir = strdup(opts->dir ? opts->dir : "");
	w->cpus = opts->cpus;
	w->packet_bytes = opts->packet_bytes ? opts->packet_bytes : (1u << 20);
	if (w->packet_bytes < 4096) {
		w->packet_bytes = 4096;
	}
	w->clock_offset_ns = opts->clock_offset_ns;
	random_uuid(w->uuid);
	if (uname(&uts) == 0) {
		snprintf(w->hostname, sizeof(w->hostname), "%s", uts.nodename);
		snprintf(w->release, sizeof(w->release), "%s", uts.release);
		snprintf(w->version, sizeof(w->version), "%s", uts.version);
	}
	if (opts->hostname) {
		snprintf(w->hostname, sizeof(w->hostname), "%s", opts->hostname);
	}
	snprintf(w->tracer_name, sizeof(w->tracer_name), "%s",
		 opts->tracer_name ? opts->tracer_name : "lttng-modules");
	if (opts->tracer_major) {
		w->tracer_major = opts->tracer_major;
		w->tracer_minor = opts->tracer_minor;
		w->tracer_patchlevel = opts->tracer_patchlevel;
	} else {
		w->tracer_major = 2;
		w->tracer_minor = 10;
		w->tracer_patchlevel = 5;
	}
	if (opts->context_count > sizeof(w->context) / sizeof(w->context[0])) {
		free(w->dir);
		free(w);
		return -EINVAL;
	}
	for (unsigned i = 0; i < opts->context_count; i++) {
		size_t n = field_bytes(opts->context[i].type);

		if (!n || w->context_bytes + n > CONTEXT_MAX) {
			free(w->dir);
			free(w);
			return -EINVAL;
		}
		w->context[i] = opts->context[i];
		w->context_bytes += n;
	}
	w->context_count = opts->context_count;
	w->streams = calloc(w->cpus, sizeof(*w->streams));
	if (!w->dir || !w->streams) {
		err = -ENOMEM;
		goto error;
	}
	for (uint32_t i = 0; i < w->cpus; i++) {
		w->streams[i].fd = -1;
	}
	if (opts->sink) {
		err = sink_streams(w, opts->sink);
		if (err) {
			goto error;
		}
		*out = w;
		return 0;
	}
	err = mkdir_p(w->dir);
	if (err) {
		goto error;
	}
	for (uint32_t i = 0; i < w->cpus; i++) {
		struct ctf_stream *s = &w->streams[i];

		snprintf(path, sizeof(path), "%s/channel0_%u", w->dir, i);
		s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (s->fd < 0) {
			err = -errno;
			goto error;
		}
		s->buf = malloc(w->packet_bytes);
		if (!s->buf) {
			err = -ENOMEM;
			goto error;
		}
	}
	*out = w;
	return 0;

error:
	w->error = err;
	lat_ctf_writer_close(w);
	return err;
}

int lat_ctf_writer_add_class(struct lat_ctf_writer *w, const char *name,
			     const struct lat_ctf_field *fields, unsigned count, uint32_t *id)
{
	struct ctf_class *c;

	if (w->class_count >= ID_EXTENDED - 1) {
		return -ENOSPC;
	}
	if (w->class_count == w->class_cap) {
		unsigned cap = w->class_cap ? w->class_cap * 2 : 64;
		struct ctf_class *n = realloc(w->classes, cap * sizeof(*n));

		if (!n) {
			return -ENOMEM;
		}
		w->classes = n;
		w->class_cap = cap;
	}
	c = &w->classes[w->class_count];
	c->name = strdup(name);
	c->fields = count ? malloc(count * sizeof(*fields)) : NULL;
	if (!c->name || (count && !c->fields)) {
		free(c->name);
		free(c->fields);
		return -ENOMEM;
	}
	if (count) {
		memcpy(c->fields, fields, count * sizeof(*fields));
	}
	c->count = count;
	*id = w->class_count++;
	return 0;
}

/* --- metadata ------------------------------------------------------------------------------- */

static void escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			fputc('\\', f);
		}
		fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
	}
}

static void write_field(FILE *f, const struct lat_ctf_field *field)
{
	static const char *const ints[] = {
	    [LAT_CTF_U8] = "size = 8; align = 8; signed = 0; encoding = none; base = 10;",
	    [LAT_CTF_U16] = "size = 16; align = 8; signed = 0; encoding = none; base = 10;",
	    [LAT_CTF_U32] = "size = 32; align = 8; signed = 0; encoding = none; base = 10;",
	    [LAT_CTF_U64] = "size = 64; align = 8; signed = 0; encoding = none; base = 10;",
	    [LAT_CTF_S8] = "size = 8; align = 8; signed = 1; encoding = none; base = 10;",
	    [LAT_CTF_S16] = "size = 16; align = 8; signed = 1; encoding = none; base = 10;",
	    [LAT_CTF_S32] = "size = 32; align = 8; signed = 1; encoding = none; base = 10;",
	    [LAT_CTF_S64] = "size = 64; align = 8; signed = 1; encoding = none; base = 10;",
	    [LAT_CTF_X32] = "size = 32; align = 8; signed = 0; encoding = none; base = 16;",
	    [LAT_CTF_X64] = "size = 64; align = 8; signed = 0; encoding = none; base = 16;",
	};

	switch (field->type) {
	case LAT_CTF_COMM:
		fprintf(
		    f,
		    "\t\tinteger { size = 8; align = 8; signed = 0; encoding = UTF8; base = 10; } "
		    "_%s[16];\n",
		    field->name);
		break;
	case LAT_CTF_STRING:
		fprintf(f, "\t\tstring _%s;\n", field->name);
		break;
	case LAT_CTF_CMD:
		fprintf(f, "\t\tinteger { %s } __%s_length;\n", ints[LAT_CTF_U64], field->name);
		fprintf(
		    f,
		    "\t\tinteger { size = 8; align = 8; signed = 0; encoding = none; base = 16; } "
		    "_%s[ __%s_length ];\n",
		    field->name, field->name);
		break;
	case LAT_CTF_VTIDS:
		fprintf(f, "\t\tinteger { %s } __%s_length;\n", ints[LAT_CTF_U8], field->name);
		fprintf(f, "\t\tinteger { %s } _%s[ __%s_length ];\n", ints[LAT_CTF_S32],
			field->name, field->name);
		break;
	default:
		fprintf(f, "\t\tinteger { %s } _%s;\n", ints[field->type], field->name);
		break;
	}
}

static void write_metadata_text(struct lat_ctf_writer *w, FILE *f)
{
	const uint8_t *u = w->uuid;
	char uuid[40];
	snprintf(uuid, sizeof(uuid),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
	fprintf(
	    f, "/* CTF 1.8 */\n\n"
	       "typealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n"
	       "typealias integer { size = 16; align = 8; signed = false; } := uint16_t;\n"
	       "typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
	       "typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n"
	       "typealias integer { size = 64; align = 8; signed = false; } := unsigned long;\n\n");
	fprintf(f,
		"trace {\n\tmajor = 1;\n\tminor = 8;\n\tuuid = \"%s\";\n\tbyte_order = le;\n"
		"\tpacket.header := struct {\n\t\tuint32_t magic;\n\t\tuint8_t  uuid[16];\n"
		"\t\tuint32_t stream_id;\n\t\tuint64_t stream_instance_id;\n\t};\n};\n\n",
		uuid);
	fprintf(f, "env {\n\thostname = \"");
	escape(f, w->hostname);
	fprintf(f, "\";\n\tdomain = \"kernel\";\n\tsysname = \"Linux\";\n\tkernel_release = \"");
	escape(f, w->release);
	fprintf(f, "\";\n\tkernel_version = \"");
	escape(f, w->version);
	fprintf(f, "\";\n\ttracer_name = \"");
	escape(f, w->tracer_name);
	fprintf(f,
		"\";\n\ttracer_major = %d;\n\ttracer_minor = %d;\n\ttracer_patchlevel = %d;\n"
		"\ttrace_producer = \"latscope " LATSCOPE_VERSION "\";\n};\n\n",
		w->tracer_major, w->tracer_minor, w->tracer_patchlevel);
	/* The clock's uuid is the trace's: one recording, one clock. */
	fprintf(
	    f,
	    "clock {\n\tname = \"monotonic\";\n\tuuid = \"%s\";\n"
	    "\tdescription = \"Monotonic Clock\";\n\tfreq = 1000000000; /* Frequency, in Hz */\n"
	    "\t/* clock value offset from Epoch is: offset * (1/freq) */\n"
	    "\toffset = %lld;\n};\n\n",
	    uuid, (long long)w->clock_offset_ns);
	fprintf(f, "typealias integer {\n\tsize = 32; align = 8; signed = false;\n"
		   "\tmap = clock.monotonic.value;\n} := uint32_clock_monotonic_t;\n\n"
		   "typealias integer {\n\tsize = 64; align = 8; signed = false;\n"
		   "\tmap = clock.monotonic.value;\n} := uint64_clock_monotonic_t;\n\n");
	fprintf(f, "struct packet_context {\n\tuint64_clock_monotonic_t timestamp_begin;\n"
		   "\tuint64_clock_monotonic_t timestamp_end;\n\tuint64_t content_size;\n"
		   "\tuint64_t packet_size;\n\tuint64_t packet_seq_num;\n"
		   "\tunsigned long events_discarded;\n\tuint32_t cpu_id;\n};\n\n");
	fprintf(f, "struct event_header_large {\n"
		   "\tenum : uint16_t { compact = 0 ... 65534, extended = 65535 } id;\n"
		   "\tvariant <id> {\n\t\tstruct {\n\t\t\tuint32_clock_monotonic_t timestamp;\n"
		   "\t\t} compact;\n\t\tstruct {\n\t\t\tuint32_t id;\n"
		   "\t\t\tuint64_clock_monotonic_t timestamp;\n\t\t} extended;\n\t} v;\n"
		   "} align(8);\n\n");
	fprintf(f, "stream {\n\tid = 0;\n\tevent.header := struct event_header_large;\n"
		   "\tpacket.context := struct packet_context;\n");
	if (w->context_count) {
		/* as lttng-modules writes the contexts of `lttng add-context -k` */
		fprintf(f, "\tevent.context := struct {\n");
		for (unsigned i = 0; i < w->context_count; i++) {
			write_field(f, &w->context[i]);
		}
		fprintf(f, "\t};\n");
	}
	fprintf(f, "};\n\n");
	for (unsigned i = 0; i < w->class_count; i++) {
		const struct ctf_class *c = &w->classes[i];

		fprintf(f, "event {\n\tname = \"%s\";\n\tid = %u;\n\tstream_id = 0;\n", c->name, i);
		fprintf(f, "\tfields := struct {\n");
		for (unsigned j = 0; j < c->count; j++) {
			write_field(f, &c->fields[j]);
		}
		fprintf(f, "\t};\n};\n\n");
	}
}

int lat_ctf_writer_write_metadata(struct lat_ctf_writer *w)
{
	char path[4096], tmp[4096];
	FILE *f;
	int err = 0;

	if (w->sink.packet) {
		return sink_metadata(w);
	}
	snprintf(path, sizeof(path), "%s/metadata", w->dir);
	snprintf(tmp, sizeof(tmp), "%s/.metadata.tmp", w->dir);
	f = fopen(tmp, "we");
	if (!f) {
		return -errno;
	}
	write_metadata_text(w, f);
	if (ferror(f)) {
		err = -EIO;
	}
	if (fclose(f) && !err) {
		err = -errno;
	}
	if (!err && rename(tmp, path)) {
		err = -errno;
	}
	if (err) {
		unlink(tmp);
	}
	return err;
}

/* --- packets and events --------------------------------------------------------------------- */

static void put_at(uint8_t *buf, size_t off, const void *v, size_t n)
{
	memcpy(buf + off, v, n);
}

static int packet_close(struct lat_ctf_writer *w, uint32_t cpu)
{
	struct ctf_stream *s = &w->streams[cpu];
	uint64_t bits = (uint64_t)s->pos * 8, seq;
	uint32_t magic = CTF_MAGIC, stream_id = 0;
	uint64_t instance = cpu;
	int err;

	if (!s->pos) {
		return 0; /* no packet: no sequence number used (readers see gaps as lost packets)
			   */
	}
	seq = s->seq++;
	put_at(s->buf, 0, &magic, 4);
	put_at(s->buf, 4, w->uuid, 16);
	put_at(s->buf, 20, &stream_id, 4);
	put_at(s->buf, 24, &instance, 8);
	put_at(s->buf, 32, &s->ts_begin, 8);
	put_at(s->buf, 40, &s->last_ts, 8);
	put_at(s->buf, 48, &bits, 8); /* content_size */
	put_at(s->buf, 56, &bits, 8); /* packet_size: no padding */
	put_at(s->buf, 64, &seq, 8);
	{
		uint64_t discarded = s->discarded + s->sink_dropped;

		put_at(s->buf, 72, &discarded, 8);
	}
	s->discarded_written = s->discarded + s->sink_dropped;
	put_at(s->buf, 80, &cpu, 4);
	err = w->sink.packet ? sink_packet(w, cpu, seq) : write_all(s->fd, s->buf, s->pos);
	s->pkt_events = 0;
	w->bytes += s->pos;
	s->pos = 0;
	if (err && !w->error) {
		w->error = err;
	}
	return err;
}

/*
 * Opens a packet at ts. Readers count discarded events as the difference between two packets'
 * events_discarded, so a stream whose first packet would carry drops starts with an empty packet
 * saying 0 (babeltrace2 would otherwise report "may have discarded", without a count).
 */
static int packet_open(struct lat_ctf_writer *w, uint32_t cpu, uint64_t ts)
{
	struct ctf_stream *s = &w->streams[cpu];

	if (s->seq == 0 && s->discarded) {
		uint64_t discarded = s->discarded;
		int err;

		s->discarded = 0;
		s->pos = PACKET_HDR_BYTES;
		s->ts_begin = w->begin_ts && w->begin_ts < ts ? w->begin_ts : ts;
		s->last_ts = ts;
		err = packet_close(w, cpu);
		s->discarded = discarded;
		if (err) {
			return err;
		}
	}
	s->pos = PACKET_HDR_BYTES;
	s->ts_begin = s->seq == 0 && w->begin_ts && w->begin_ts < ts ? w->begin_ts : ts;
	s->last_ts = ts;
	return 0;
}

void lat_ctf_writer_begin_at(struct lat_ctf_writer *w, uint64_t ts)
{
	w->begin_ts = ts;
}

int lat_ctf_event_begin(struct lat_ctf_writer *w, uint32_t cpu, uint32_t id, uint64_t ts,
			size_t max_payload, uint8_t **payload)
{
	struct ctf_stream *s;
	uint8_t *p;
	uint16_t id16;

	if (cpu >= w->cpus) {
		return -ERANGE;
	}
	s = &w->streams[cpu];
	if (max_payload + EVENT_HDR_MAX + w->context_bytes + PACKET_HDR_BYTES > w->packet_bytes) {
		return -E2BIG;
	}
	if (s->pos && s->pos + EVENT_HDR_MAX + w->context_bytes + max_payload > w->packet_bytes) {
		int err = packet_close(w, cpu);

		if (err) {
			return err;
		}
	}
	if (ts < s->last_ts) {
		ts = s->last_ts;
	}
	if (!s->pos) {
		int err = packet_open(w, cpu, ts);

		if (err) {
			return err;
		}
	}
	p = s->buf + s->pos;
	if (id < ID_EXTENDED && ts - s->last_ts < (1ull << 32)) {
		uint32_t ts32 = (uint32_t)ts;

		id16 = (uint16_t)id;
		memcpy(p, &id16, 2);
		memcpy(p + 2, &ts32, 4);
		p += 6;
	} else {
		id16 = ID_EXTENDED;
		memcpy(p, &id16, 2);
		memcpy(p + 2, &id, 4);
		memcpy(p + 6, &ts, 8);
		p += 14;
	}
	if (w->context_bytes) {
		memcpy(p, s->context, w->context_bytes);
		p += w->context_bytes;
	}
	s->last_ts = ts;
	s->pos = (size_t)(p - s->buf);
	*payload = p;
	return 0;
}

void lat_ctf_writer_set_context(struct lat_ctf_writer *w, uint32_t cpu, const void *bytes)
{
	if (cpu < w->cpus && w->context_bytes) {
		memcpy(w->streams[cpu].context, bytes, w->context_bytes);
	}
}

size_t lat_ctf_writer_context_bytes(const struct lat_ctf_writer *w)
{
	return w->context_bytes;
}

void lat_ctf_event_commit(struct lat_ctf_writer *w, uint32_t cpu, size_t payload_len)
{
	w->streams[cpu].pos += payload_len;
	w->streams[cpu].pkt_events++;
	w->events++;
}

int lat_ctf_event_write(struct lat_ctf_writer *w, uint32_t cpu, uint32_t id, uint64_t ts,
			const void *payload, size_t len)
{
	uint8_t *p;
	int err = lat_ctf_event_begin(w, cpu, id, ts, len, &p);

	if (err) {
		return err;
	}
	if (len) {
		memcpy(p, payload, len);
	}
	lat_ctf_event_commit(w, cpu, len);
	return 0;
}

void lat_ctf_writer_set_discarded(struct lat_ctf_writer *w, uint32_t cpu, uint64_t total)
{
	struct ctf_stream *s;

	if (cpu >= w->cpus || w->streams[cpu].discarded == total) {
		return;
	}
	s = &w->streams[cpu];
	if (s->pos && s->seq == 0) {
		/* The first packet must say 0 for readers to count the drops: close it as is. */
		packet_close(w, cpu);
	}
	s->discarded = total;
}

void lat_ctf_put_string(uint8_t **p, const char *s, size_t max)
{
	size_t n = strnlen(s, max ? max - 1 : 0);

	memcpy(*p, s, n);
	(*p)[n] = 0;
	*p += n + 1;
}

int lat_ctf_writer_flush(struct lat_ctf_writer *w)
{
	int first = 0;

	for (uint32_t i = 0; i < w->cpus; i++) {
		struct ctf_stream *s = &w->streams[i];
		int err;

		if (s->fd < 0 && !w->sink.packet) {
			continue;
		}
		if (!s->pos && s->discarded + s->sink_dropped != s->discarded_written) {
			/* Drops (or packets the sink dropped) since the last one: an empty packet
			 * says so. */
			err = packet_open(w, i, s->last_ts);
			if (err) {
				first = first ? first : err;
				continue;
			}
		}
		err = packet_close(w, i);
		if (err && !first) {
			first = err;
		}
	}
	return first;
}

int lat_ctf_writer_flush_at(struct lat_ctf_writer *w, uint64_t ts)
{
	int first = 0;

	for (uint32_t i = 0; i < w->cpus; i++) {
		struct ctf_stream *s = &w->streams[i];
		int err = 0;

		if (s->fd < 0 && !w->sink.packet) {
			continue;
		}
		if (!s->pos) {
			/* An empty packet from the stream's last time (or its beginning) to ts. */
			uint64_t from = s->seq ? s->last_ts : (w->begin_ts ? w->begin_ts : ts);

			err = packet_open(w, i, from < ts ? from : ts);
		}
		if (!err) {
			if (s->last_ts < ts) {
				s->last_ts = ts;
			}
			err = packet_close(w, i);
		}
		if (err && !first) {
			first = err;
		}
	}
	return first;
}

uint64_t lat_ctf_writer_events(const struct lat_ctf_writer *w)
{
	return w->events;
}

uint64_t lat_ctf_writer_bytes(const struct lat_ctf_writer *w)
{
	return w->bytes;
}

int lat_ctf_writer_close(struct lat_ctf_writer *w)
{
	int err;

	if (!w) {
		return 0;
	}
	err = w->error;
	if (!err && w->streams) {
		err = lat_ctf_writer_flush(w);
	}
	if (!err && w->streams) {
		err = lat_ctf_writer_write_metadata(w);
	}
	for (uint32_t i = 0; w->streams && i < w->cpus; i++) {
		if (w->streams[i].fd >= 0 && close(w->streams[i].fd) && !err) {
			err = -errno;
		}
		free(w->streams[i].buf);
	}
	for (unsigned i = 0; i < w->class_count; i++) {
		free(w->classes[i].name);
		free(w->classes[i].fields);
	}
	free(w->classes);
	free(w->streams);
	free(w->dir);
	free(w);
	return err;
}
