/* relayd.c: the lttng-relayd encoders against lttng-tools' relayd.h byte layouts (big-endian,
 * packed), net:// URL parsing, and the CTF writer's sink (dropped packets counted as discarded). */
#include "outputs/ctf_writer.h"
#include "outputs/relayd.h"
#include "tap.h"

#include <errno.h>

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

int main(void)
{
	encoders();
	urls();
	sink();
	return tap_done_testing();
}
