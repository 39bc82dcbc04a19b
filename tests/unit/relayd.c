/* relayd.c: the lttng-relayd encoders against lttng-tools' relayd.h byte layouts (big-endian,
 * packed), net:// URL parsing, the CTF writer's sink (dropped packets counted as discarded), and
 * the reconnection to a relay that restarts (a fake relay on 127.0.0.1: parts, queue, counts). */
#include "outputs/ctf_writer.h"
#include "outputs/relayd.h"
#include "tap.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++) {
		v = v << 8 | p[i];
	}
	return v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void encoders(void)
{
	static uint8_t b[LAT_RELAYD_ADD_STREAM_BYTES + 16];
	struct lat_relayd_index x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	size_t n;
	int good;

	/* struct lttcomm_relayd_hdr: u64 circuit_id, u64 data_size, u32 cmd, u32 cmd_version */
	n = lat_relayd_encode_hdr(b, LAT_RELAYD_SEND_INDEX, 0x0102030405060708ull);
	ok(n == 24 && be64(b) == 0 && be64(b + 8) == 0x0102030405060708ull && be32(b + 16) == 13 &&
	       be32(b + 20) == 0,
	   "header: 24 bytes, big-endian circuit 0, data_size, cmd 13, version 0");
	/* struct lttcomm_relayd_version: u32 major, u32 minor */
	n = lat_relayd_encode_version(b, 2, 10);
	ok(n == 8 && be32(b) == 2 && be32(b + 4) == 10, "version: 8 bytes, 2.10");
	/* struct lttcomm_relayd_create_session_2_4: name[255], hostname[64], live_timer, snapshot
	 */
	memset(b, 0xAA, sizeof(b));
	n = lat_relayd_encode_create_session(b, "s1", "h1", 250000, true);
	ok(n == 327 && !strcmp((char *)b, "s1") && b[254] == 0 && !strcmp((char *)b + 255, "h1") &&
	       b[318] == 0 && be32(b + 319) == 250000 && be32(b + 323) == 1,
	   "create session 2.4: 327 bytes, zero-padded names, live timer, snapshot");
	n = lat_relayd_encode_create_session(b, "a-name-longer-than-the-field-is-cut", "h", 0,
					     false);
	good = 1;
	for (int i = 0; i < 255; i++) {
		good &= b[i] != 0xAA;
	}
	ok(good && be32(b + 323) == 0, "create session: no byte left unset");
	/* struct lttcomm_relayd_add_stream_2_2: channel[264], path[4096], u64 size, u64 count */
	n = lat_relayd_encode_add_stream(b, "channel0_1", "host/s/kernel");
	ok(n == 4376 && !strcmp((char *)b, "channel0_1") &&
	       !strcmp((char *)b + 264, "host/s/kernel") && be64(b + 264 + 4096) == 0 &&
	       be64(b + 264 + 4104) == 0,
	   "add stream 2.2: 4376 bytes, channel, path, no tracefile rotation");
	/* struct lttcomm_relayd_data_hdr: circuit, stream_id, net_seq_num, u32 size, u32 padding */
	n = lat_relayd_encode_data_hdr(b, 7, 42, 4096);
	ok(n == 32 && be64(b) == 0 && be64(b + 8) == 7 && be64(b + 16) == 42 &&
	       be32(b + 24) == 4096 && be32(b + 28) == 0,
	   "data header: 32 bytes, stream, sequence, size, no padding");
	/* struct lttcomm_relayd_index (1.1): ten u64 */
	n = lat_relayd_encode_index(b, &x);
	good = n == 80;
	for (int i = 0; i < 10; i++) {
		good &= be64(b + 8 * i) == (uint64_t)i + 1;
	}
	ok(good, "index: 80 bytes, ten big-endian u64 in relayd.h's order");
	n = lat_relayd_encode_close_stream(b, 3, UINT64_MAX);
	ok(n == 16 && be64(b) == 3 && be64(b + 8) == UINT64_MAX, "close stream: id, last seq");
}

struct url_case {
	const char *url;
	int status;
	const char *host;
	uint16_t ctrl, data;
	const char *path;
};

static const struct url_case url_cases[] = {
    {"net://127.0.0.1", 0, "127.0.0.1", 5342, 5343, ""},
    {"net://relay.example:6000", 0, "relay.example", 6000, 5343, ""},
    {"net://h:6000:6001/a/b/", 0, "h", 6000, 6001, "a/b"},
    {"net://[::1]:7000:7001", 0, "::1", 7000, 7001, ""},
    {"net://h/sess", 0, "h", 5342, 5343, "sess"},
    {"net://", -EINVAL, NULL, 0, 0, NULL},
    {"net://h:0", -EINVAL, NULL, 0, 0, NULL},
    {"net://h:65536", -EINVAL, NULL, 0, 0, NULL},
    {"net://h:12x", -EINVAL, NULL, 0, 0, NULL},
    {"net://h:1:2:3", -EINVAL, NULL, 0, 0, NULL},
    {"net://h/../etc", -EINVAL, NULL, 0, 0, NULL},
    {"net://[::1", -EINVAL, NULL, 0, 0, NULL},
    {"tcp://h", -EINVAL, NULL, 0, 0, NULL},
};

static void urls(void)
{
	for (size_t i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		const struct url_case *c = &url_cases[i];
		char host[64] = "", path[64] = "";
		uint16_t ctrl = 0, data = 0;
		int st = lat_relayd_parse_url(c->url, host, sizeof(host), &ctrl, &data, path,
					      sizeof(path));

		if (c->status) {
			ok(st == c->status, "url '%s': refused", c->url);
		} else {
			ok(st == 0 && !strcmp(host, c->host) && ctrl == c->ctrl &&
			       data == c->data && !strcmp(path, c->path),
			   "url '%s': host '%s' ports %u %u path '%s' (got %d '%s' %u %u '%s')",
			   c->url, c->host, c->ctrl, c->data, c->path, st, host, ctrl, data, path);
		}
	}
}

/* A sink refusing its first packet (a full queue), keeping the next ones' info. */
struct fake_sink {
	int calls;
	struct lat_ctf_packet_info got[8];
	uint64_t discarded_field[8]; /* events_discarded as written in the packet context */
	size_t metadata_len;
	int beacons;
};

static int fake_packet(void *ctx, const struct lat_ctf_packet_info *info, const uint8_t *data)
{
	struct fake_sink *f = ctx;

	if (f->calls < 8) {
		f->got[f->calls] = *info;
		memcpy(&f->discarded_field[f->calls], data + 72, 8);
	}
	return f->calls++ == 0 ? -ENOBUFS : 0;
}

static int fake_metadata(void *ctx, const char *text, size_t len)
{
	struct fake_sink *f = ctx;

	f->metadata_len = strncmp(text, "/* CTF 1.8 */", 13) == 0 ? len : 0;
	return 0;
}

static void fake_beacon(void *ctx, uint32_t cpu, uint64_t ts)
{
	((struct fake_sink *)ctx)->beacons++;
}

static void sink(void)
{
	struct fake_sink f = {0};
	struct lat_ctf_sink s = {fake_packet, fake_metadata, fake_beacon, &f};
	struct lat_ctf_writer_opts o = {.sink = &s, .cpus = 2};
	struct lat_ctf_writer *w;
	uint32_t id;
	uint32_t v = 5;
	int st;

	ok(lat_ctf_writer_create(&o, &w) == 0, "writer with a sink, no folder");
	lat_ctf_writer_add_class(w, "ev", (struct lat_ctf_field[]){{"v", LAT_CTF_U32}}, 1, &id);
	ok(lat_ctf_writer_write_metadata(w) == 0 && f.metadata_len > 100,
	   "the metadata goes to the sink");
	for (int i = 0; i < 3; i++) {
		lat_ctf_event_write(w, 0, id, 1000 + (uint64_t)i, &v, 4);
	}
	ok(lat_ctf_writer_flush(w) == 0 && f.calls == 1 && f.got[0].events == 3 &&
	       f.got[0].discarded == 0 && f.got[0].bytes == 84 + 3 * 10,
	   "first packet: 3 events, 114 bytes (dropped by the sink)");
	lat_ctf_event_write(w, 0, id, 2000, &v, 4);
	lat_ctf_writer_flush(w);
	ok(f.calls == 2 && f.got[1].discarded == 3 && f.discarded_field[1] == 3 &&
	       f.got[1].seq == 1,
	   "next packet: events_discarded 3 (the dropped packet's), seq 1 (got %llu, %llu)",
	   (unsigned long long)f.got[1].discarded, (unsigned long long)f.discarded_field[1]);
	st = lat_ctf_writer_live_flush(w, 3000);
	ok(st == 0 && f.calls == 3 && f.got[2].cpu == 1 && f.got[2].events == 0 &&
	       f.got[2].ts_begin == 3000 && f.beacons == 1,
	   "live flush: an empty first packet on the idle CPU 1, a beacon on CPU 0 (calls %d, cpu "
	   "%u, "
	   "events %llu, ts %llu, beacons %d)",
	   f.calls, f.got[2].cpu, (unsigned long long)f.got[2].events,
	   (unsigned long long)f.got[2].ts_begin, f.beacons);
	ok(lat_ctf_writer_close(w) == 0, "closed");
}

/* The writer's last packet dropped: the close's flush says it in an empty packet. */
static int drop_first(void *ctx, const struct lat_ctf_packet_info *info, const uint8_t *data)
{
	return fake_packet(ctx, info, data);
}

static void sink_last_dropped(void)
{
	struct fake_sink f = {0};
	struct lat_ctf_sink s = {drop_first, fake_metadata, NULL, &f};
	struct lat_ctf_writer_opts o = {.sink = &s, .cpus = 1};
	struct lat_ctf_writer *w;
	uint32_t id, v = 1;

	lat_ctf_writer_create(&o, &w);
	lat_ctf_writer_add_class(w, "ev", (struct lat_ctf_field[]){{"v", LAT_CTF_U32}}, 1, &id);
	lat_ctf_writer_write_metadata(w);
	for (int i = 0; i < 4; i++) {
		lat_ctf_event_write(w, 0, id, 100 + (uint64_t)i, &v, 4);
	}
	lat_ctf_writer_flush(w);
	ok(lat_ctf_writer_close(w) == 0 && f.calls == 2 && f.got[1].events == 0 &&
	       f.discarded_field[1] == 4,
	   "last packet dropped by the sink: the close writes an empty one saying 4 discarded "
	   "(calls %d, discarded %llu)",
	   f.calls, (unsigned long long)f.discarded_field[1]);
}

static void part_paths(void)
{
	char out[64];

	ok(lat_relayd_part_path("h/s/kernel", 0, out, sizeof(out)) == 0 &&
	       !strcmp(out, "h/s/kernel"),
	   "part 0: the path itself");
	ok(lat_relayd_part_path("h/s/kernel", 1, out, sizeof(out)) == 0 &&
	       !strcmp(out, "h/s/reconnect-1/kernel"),
	   "part 1: h/s/reconnect-1/kernel (got '%s')", out);
	ok(lat_relayd_part_path("kernel", 12, out, sizeof(out)) == 0 &&
	       !strcmp(out, "reconnect-12/kernel"),
	   "part 12 of a one-component path: reconnect-12/kernel");
	ok(lat_relayd_part_path("h/s/kernel", 1, out, 12) == -ENAMETOOLONG,
	   "too long: -ENAMETOOLONG");
}

/* --- a fake lttng-relayd: answers the control commands, reads the data, dies on request ------ */

struct fake_relay {
	int ctrl_listen, data_listen;
	uint16_t ctrl_port, data_port;
	atomic_int die_after;  /* indexes of generation 1 before it dies */
	atomic_int dead, go;   /* generation 1 died; the test lets generation 2 start */
	atomic_int indexes[2]; /* per generation */
	char paths[2][128];    /* the streams' path per generation */
	size_t metadata[2];    /* metadata bytes per generation */
	uint8_t first_byte[2][8];
	uint64_t seq[2][8];
	int packets[2];
	atomic_int relistened, done;
};

static int listen_on(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(*port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4)) {
		close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n <= 0) {
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8) {
		p[i] = (uint8_t)v;
	}
}

/* One control command: 0, or -1 when the peer closed. */
static int fake_control(struct fake_relay *f, int gen, int fd, uint64_t *handle)
{
	uint8_t hdr[24], reply[12] = {0}, *payload;
	uint64_t size;
	uint32_t cmd;
	size_t reply_len = 0;

	if (read_full(fd, hdr, sizeof(hdr))) {
		return -1;
	}
	size = be64(hdr + 8);
	cmd = be32(hdr + 16);
	payload = malloc(size + 1);
	if (!payload || read_full(fd, payload, size)) {
		free(payload);
		return -1;
	}
	switch (cmd) {
	case LAT_RELAYD_VERSION:
		put_be(reply, 2, 4);
		put_be(reply + 4, 10, 4);
		reply_len = 8;
		break;
	case LAT_RELAYD_CREATE_SESSION:
		put_be(reply + 8, 10, 4);
		reply_len = 12;
		break;
	case LAT_RELAYD_ADD_STREAM:
		snprintf(f->paths[gen], sizeof(f->paths[gen]), "%s", (char *)payload + 264);
		put_be(reply, ++*handle, 8);
		put_be(reply + 8, 10, 4);
		reply_len = 12;
		break;
	case LAT_RELAYD_SEND_METADATA:
		f->metadata[gen] += size - 12;
		break;
	case LAT_RELAYD_SEND_INDEX:
		f->indexes[gen]++;
		/* fall through */
	case LAT_RELAYD_STREAMS_SENT:
	case LAT_RELAYD_CLOSE_STREAM:
		put_be(reply, 10, 4);
		reply_len = 4;
		break;
	case LAT_RELAYD_DATA_PENDING:
		reply_len = 4; /* 0: nothing pending */
		break;
	}
	free(payload);
	return reply_len && write(fd, reply, reply_len) != (ssize_t)reply_len ? -1 : 0;
}

static int fake_data(struct fake_relay *f, int gen, int fd)
{
	uint8_t hdr[32], *payload;
	uint32_t size;

	if (read_full(fd, hdr, sizeof(hdr))) {
		return -1;
	}
	size = be32(hdr + 24);
	payload = malloc(size ? size : 1);
	if (!payload || read_full(fd, payload, size)) {
		free(payload);
		return -1;
	}
	if (f->packets[gen] < 8) {
		f->seq[gen][f->packets[gen]] = be64(hdr + 16);
		f->first_byte[gen][f->packets[gen]] = payload[0];
	}
	f->packets[gen]++;
	free(payload);
	return 0;
}

static void *fake_relay_main(void *arg)
{
	struct fake_relay *f = arg;

	for (int gen = 0; gen < 2; gen++) {
		int ctrl = accept(f->ctrl_listen, NULL, NULL);
		int data = accept(f->data_listen, NULL, NULL);
		uint64_t handle = 0;

		if (ctrl < 0 || data < 0) {
			break; /* the port was taken meanwhile: the checks fail, nothing hangs */
		}
		for (;;) {
			struct pollfd p[2] = {{.fd = ctrl, .events = POLLIN},
					      {.fd = data, .events = POLLIN}};

			if (gen == 0 && f->indexes[0] >= f->die_after) {
				break; /* generation 1 dies */
			}
			if (poll(p, 2, 100) <= 0) {
				continue;
			}
			if ((p[1].revents && fake_data(f, gen, data)) ||
			    (p[0].revents && fake_control(f, gen, ctrl, &handle))) {
				break; /* the producer closed */
			}
		}
		close(ctrl);
		close(data);
		if (gen == 0) {
			/* away: the ports refuse until the test says go */
			close(f->ctrl_listen);
			close(f->data_listen);
			f->dead = 1;
			while (!f->go) {
				nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
			}
			f->ctrl_listen = listen_on(&f->ctrl_port);
			f->data_listen = listen_on(&f->data_port);
			f->relistened = 1;
		}
	}
	close(f->ctrl_listen);
	close(f->data_listen);
	f->done = 1;
	return NULL;
}

/* Polls cond (up to 10 s, for a loaded machine); true when it held. */
#define WAIT_FOR(cond)                                                            \
	({                                                                        \
		int i_;                                                           \
		for (i_ = 0; i_ < 1000 && !(cond); i_++) {                        \
			nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL); \
		}                                                                 \
		(cond);                                                           \
	})

static int send_packet(struct lat_ctf_sink *s, uint8_t mark)
{
	uint8_t data[100];
	struct lat_ctf_packet_info info = {
	    .cpu = 0, .bytes = sizeof(data), .seq = mark, .events = 10};

	memset(data, mark, sizeof(data));
	return s->packet(s->ctx, &info, data);
}

static void reconnect(void)
{
	static struct fake_relay f;
	struct lat_relayd_opts o = {.host = "127.0.0.1",
				    .session_name = "s",
				    .hostname = "h",
				    .path = "h/s/kernel",
				    .streams = 1,
				    .queue_bytes = 250,
				    .reconnect = true};
	struct lat_relayd_stats st;
	struct lat_relayd *r = NULL;
	struct lat_ctf_sink s;
	pthread_t thread;
	char why[256] = "";
	int st1, st2, good;

	f.die_after = 3;
	f.ctrl_listen = listen_on(&f.ctrl_port);
	f.data_listen = listen_on(&f.data_port);
	if (f.ctrl_listen < 0 || f.data_listen < 0) {
		skip(12, "cannot listen on 127.0.0.1");
		return;
	}
	pthread_create(&thread, NULL, fake_relay_main, &f);
	o.ctrl_port = f.ctrl_port;
	o.data_port = f.data_port;
	ok(lat_relayd_open(&o, &r, why, sizeof(why)) == 0, "open on the fake relay (%s)", why);
	if (!r) {
		skip(11, "no connection");
		return;
	}
	lat_relayd_sink(r, &s);
	s.metadata(s.ctx, "/* CTF 1.8 */ trace", 19);
	for (uint8_t i = 1; i <= 3; i++) {
		/* one at a time: the queue holds two */
		send_packet(&s, i);
		WAIT_FOR(f.indexes[0] >= i);
	}
	good = WAIT_FOR(f.dead);
	ok(good, "the relay got 3 packets, then died (indexes %d, packets %d)", (int)f.indexes[0],
	   f.packets[0]);
	send_packet(&s, 4); /* its sending finds the relay gone: kept */
	good = WAIT_FOR((lat_relayd_get_stats(r, &st), st.losses == 1)) && st.down;
	ok(good, "the loss is seen (losses %llu, down %d)", (unsigned long long)st.losses, st.down);
	st1 = send_packet(&s, 5);
	st2 = send_packet(&s, 6);
	ok(st1 == 0 && st2 == -ENOBUFS,
	   "away: packets kept up to the queue's 250 bytes (packet 5: %d), then refused (6: %d)",
	   st1, st2);
	f.go = 1;
	good = WAIT_FOR((lat_relayd_get_stats(r, &st), st.reconnects == 1)) && !st.down &&
	       st.part == 1;
	ok(good, "back: reconnected with backoff, part 1 (reconnects %llu, part %u)",
	   (unsigned long long)st.reconnects, st.part);
	send_packet(&s, 7);
	good = lat_relayd_close(r, 10000, &st) == 0;
	ok(good, "closed with the relay there: 0");
	WAIT_FOR(f.done);
	pthread_join(thread, NULL);
	ok(!strcmp(f.paths[0], "h/s/kernel") && !strcmp(f.paths[1], "h/s/reconnect-1/kernel"),
	   "streams of part 0 in h/s/kernel, of part 1 in h/s/reconnect-1/kernel ('%s', '%s')",
	   f.paths[0], f.paths[1]);
	ok(f.metadata[0] == 19 && f.metadata[1] == 19,
	   "the whole metadata in each part (%zu, %zu bytes)", f.metadata[0], f.metadata[1]);
	ok(f.packets[0] == 3 && f.indexes[0] == 3, "part 0: packets 1-3 with their indexes");
	ok(f.packets[1] == 3 && f.first_byte[1][0] == 4 && f.first_byte[1][1] == 5 &&
	       f.first_byte[1][2] == 7 && f.seq[1][0] == 0 && f.seq[1][2] == 2,
	   "part 1: the kept packets 4, 5, then 7, numbered from 0 again (%d packets: %u %u %u)",
	   f.packets[1], f.first_byte[1][0], f.first_byte[1][1], f.first_byte[1][2]);
	ok(st.packets == 6 && st.dropped == 1 && st.dropped_events == 10 && st.losses == 1 &&
	       st.reconnects == 1,
	   "stats: 6 sent, 1 dropped (10 events), 1 loss, 1 reconnection (%llu %llu %llu)",
	   (unsigned long long)st.packets, (unsigned long long)st.dropped,
	   (unsigned long long)st.dropped_events);
}

/* Without reconnect: the first loss is for good, the rest counted as not sent. */
static void no_reconnect(void)
{
	static struct fake_relay f;
	struct lat_relayd_opts o = {.host = "127.0.0.1",
				    .session_name = "s",
				    .hostname = "h",
				    .path = "h/s/kernel",
				    .streams = 1};
	struct lat_relayd_stats st;
	struct lat_relayd *r = NULL;
	struct lat_ctf_sink s;
	pthread_t thread;
	int err, hangups[2];

	f.die_after = 1;
	f.ctrl_listen = listen_on(&f.ctrl_port);
	f.data_listen = listen_on(&f.data_port);
	pthread_create(&thread, NULL, fake_relay_main, &f);
	o.ctrl_port = f.ctrl_port;
	o.data_port = f.data_port;
	if (lat_relayd_open(&o, &r, NULL, 0)) {
		skip(1, "no connection");
		f.go = 1;
		return;
	}
	lat_relayd_sink(r, &s);
	send_packet(&s, 1);
	WAIT_FOR(f.dead);
	send_packet(&s, 2);
	WAIT_FOR((lat_relayd_get_stats(r, &st), st.down));
	send_packet(&s, 3);
	err = lat_relayd_close(r, 2000, &st);
	ok(err < 0 && st.dropped == 2 && st.losses == 1 && st.reconnects == 0,
	   "no reconnect: the loss is for good (%d), 2 packets not sent (%llu)", err,
	   (unsigned long long)st.dropped);
	/* the fake's second generation waits for a producer: one that hangs up at once */
	f.go = 1;
	WAIT_FOR(f.relistened);
	for (int i = 0; i < 2; i++) {
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons(i ? f.data_port : f.ctrl_port),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			shutdown(fd, SHUT_WR);
		}
		hangups[i] = fd;
	}
	pthread_join(thread, NULL);
	close(hangups[0]);
	close(hangups[1]);
}

int main(void)
{
	encoders();
	urls();
	sink();
	sink_last_dropped();
	part_paths();
	reconnect();
	no_reconnect();
	return tap_done_testing();
}
