/* ctf_check.c: unit tests of the CTF metadata, stream and packet-index checks (ctf_check.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sources/ctf_check.h"
#include "sources/ctf_index.h"
#include "tap.h"

/* A TSDL like LTTng's (typealiases, named structures, a clock offset in cycles). */
static const char lttng_tsdl[] =
    "/* CTF 1.8 */\n"
    "typealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n"
    "typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
    "typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n"
    "typealias integer { size = 64; align = 8; signed = false; } := unsigned long;\n"
    "trace {\n\tmajor = 1; minor = 8; byte_order = le;\n"
    "\tpacket.header := struct {\n\t\tuint32_t magic;\n\t\tuint8_t uuid[16];\n"
    "\t\tuint32_t stream_id;\n\t\tuint64_t stream_instance_id;\n\t};\n};\n"
    "clock {\n\tname = \"monotonic\";\n\tfreq = 1000000000; /* Hz */\n"
    "\toffset = 1521473229552257809;\n};\n"
    "typealias integer { size = 64; align = 8; signed = false; map = clock.monotonic.value; }"
    " := uint64_clock_monotonic_t;\n"
    "struct packet_context {\n\tuint64_clock_monotonic_t timestamp_begin;\n"
    "\tuint64_clock_monotonic_t timestamp_end;\n\tuint64_t content_size;\n"
    "\tuint64_t packet_size;\n\tuint64_t packet_seq_num;\n\tunsigned long events_discarded;\n"
    "\tuint32_t cpu_id;\n};\n"
    "struct event_header_compact {\n\tenum : uint8_t { compact = 0 ... 30, extended = 31 } id;\n"
    "\tvariant <id> {\n\t\tstruct { uint32_t timestamp; } compact;\n"
    "\t\tstruct { uint32_t id; uint64_t timestamp; } extended;\n\t} v;\n} align(8);\n"
    "stream {\n\tid = 0;\n\tevent.header := struct event_header_compact;\n"
    "\tpacket.context := struct packet_context;\n};\n"
    "event {\n\tname = \"sched_switch\";\n\tid = 0;\n\tstream_id = 0;\n"
    "\tfields := struct {\n"
    "\t\tinteger { size = 8; align = 8; signed = 0; encoding = UTF8; base = 10; } "
    "_prev_comm[16];\n"
    "\t\tinteger { size = 32; align = 8; signed = 1; encoding = none; base = 10; } _prev_tid;\n"
    "\t\tstring _name;\n\t};\n};\n";

static int check_text(const char *text, char *err, size_t len, struct lat_ctf_metadata *md)
{
	struct lat_ctf_metadata local;
	int ret;

	ret = lat_ctf_metadata_check((const unsigned char *)text, strlen(text), md ? md : &local,
				     err, len);
	if (!ret && !md) {
		lat_ctf_metadata_fini(&local);
	}
	return ret;
}

/* `text` with the first `from` replaced by `to` (a static buffer). */
static const char *edited(const char *text, const char *from, const char *to)
{
	static char buf[8192];
	const char *at = strstr(text, from);

	if (!at) {
		return "(edit not found)";
	}
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return buf;
}

static void test_text(void)
{
	struct lat_ctf_metadata md;
	char err[256];
	static const struct {
		const char *what, *from, *to, *error;
	} bad[] = {
	    {"a duplicated member", "_prev_tid;", "_prev_comm;",
	     "a second member named \"prev_comm\""},
	    {"_x and x in one structure", "_prev_tid;", "prev_comm;",
	     "a second member named \"prev_comm\""},
	    {"a duplicated variant option", "} extended;", "} compact;",
	     "a second member named \"compact\""},
	    {"a duplicated packet context member", "uint32_t cpu_id;", "uint32_t packet_size;",
	     "a second member named \"packet_size\""},
	    {"a comment never closed", "/* Hz */", "/* Hz", "comment never closed"},
	    {"a string never closed", "\"monotonic\";", "\"monotonic;", "string never closed"},
	    {"an unbalanced brace", "} align(8);", "}} align(8);", "unbalanced '}'"},
	    {"a brace never closed", "stream {", "stream {{", "'{' never closed"},
	    {"a NUL byte", "major = 1;", "major = 1;\x01", "unexpected byte 0x01"},
	    {"a clock offset beyond 2^63 ns", "offset = 1521473229552257809;",
	     "offset_s = 9223372036; offset = 1521473229552257809;", "clock offset out of range"},
	    {"a clock offset_s near INT64_MAX", "offset = 1521473229552257809;",
	     "offset_s = 9223372036854775807;", "clock offset out of range"},
	    {"a clock offset that is no 64-bit number", "offset = 1521473229552257809;",
	     "offset = 99999999999999999999;", "clock offset not a 64-bit number"},
	    {"a clock frequency of 0", "freq = 1000000000;", "freq = 0;",
	     "clock frequency not a positive number"},
	};

	is_int(check_text(lttng_tsdl, err, sizeof(err), &md), 0, "LTTng-like TSDL: accepted (%s)",
	       err);
	ok(md.layout.known, "its packet layout is known");
	/* header: magic 32, uuid 128, stream_id 32, stream_instance_id 64 (at 192) = 256 bits */
	is_int(md.layout.timestamp_begin.offset_bits, 256,
	       "timestamp_begin right after the header");
	is_int(md.layout.timestamp_end.offset_bits, 320, "then timestamp_end");
	is_int(md.layout.content_size.offset_bits, 384, "then content_size");
	is_int(md.layout.packet_size.offset_bits, 448, "then packet_size");
	is_int(md.layout.context_end_bits, 256 + 6 * 64 + 32, "the context ends after cpu_id");
	ok(!md.layout.packet_size.big_endian, "little-endian (the trace's byte_order)");
	ok(md.clock.present && md.clock.freq == 1000000000 &&
	       md.clock.offset == 1521473229552257809LL && md.clock.offset_s == 0,
	   "the clock: freq and offset read");
	lat_ctf_metadata_fini(&md);

	is_int(check_text(edited(lttng_tsdl, "byte_order = le;", "byte_order = be;"), err,
			  sizeof(err), &md),
	       0, "big-endian trace: accepted");
	ok(md.layout.known && md.layout.timestamp_begin.big_endian,
	   "its integers are big-endian by default");
	lat_ctf_metadata_fini(&md);

	is_int(check_text(edited(lttng_tsdl, "\tuint64_t packet_seq_num;", "\tstring label;"), err,
			  sizeof(err), &md),
	       0, "a string in the packet context: accepted");
	ok(md.layout.known && md.layout.has_timestamps && md.layout.context_end_bits == 512,
	   "the fields before it are placed (its end: packet_size's, bit 512)");
	lat_ctf_metadata_fini(&md);

	is_int(check_text(edited(lttng_tsdl, "\t\tuint64_t stream_instance_id;",
				 "\t\tstring stream_name;"),
			  err, sizeof(err), &md),
	       0, "a string in the packet header: accepted");
	ok(!md.layout.known, "but the context is not placed (no packet or index check)");
	lat_ctf_metadata_fini(&md);

	is_int(check_text(edited(lttng_tsdl, "offset = 1521473229552257809;",
				 "offset_s = -1; offset = 5;"),
			  err, sizeof(err), NULL),
	       0, "a negative offset_s: accepted");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret =
		    check_text(edited(lttng_tsdl, bad[i].from, bad[i].to), err, sizeof(err), NULL);

		ok(ret == -EINVAL && strstr(err, bad[i].error) &&
		       strncmp(err, "metadata line ", 14) == 0,
		   "%s: refused, '%s'", bad[i].what, err);
	}

	/* nesting: 64 levels pass, 65 do not (babeltrace2's parser recurses) */
	for (int depth = 64; depth <= 65; depth++) {
		char deep[256];
		int n = 0;

		for (int i = 0; i < depth; i++) {
			deep[n++] = '(';
		}
		for (int i = 0; i < depth; i++) {
			deep[n++] = ')';
		}
		deep[n] = '\0';
		if (depth == 64) {
			ok(check_text(deep, err, sizeof(err), NULL) == 0,
			   "64 nested brackets: accepted");
		} else {
			ok(check_text(deep, err, sizeof(err), NULL) == -EINVAL &&
			       strstr(err, "nested more than 64"),
			   "65 nested brackets: refused (%s)", err);
		}
	}
	ok(check_text("", err, sizeof(err), NULL) == -EINVAL && strstr(err, "empty"),
	   "empty metadata: refused");
}

/* The TSDL cut in packets of `size` bytes (LE unless big_endian), in a static buffer. */
static size_t packetize(const char *text, size_t size, int big_endian, unsigned char *out)
{
	size_t len = strlen(text), off = 0, n = 0;

	while (off < len) {
		size_t chunk = len - off < size - 37 ? len - off : size - 37;
		uint32_t words[3] = {0x75D11D57, (uint32_t)(37 + chunk) * 8, (uint32_t)size * 8};
		unsigned char *h = out + n;

		memset(h, 0, size);
		for (int w = 0; w < 3; w++) {
			unsigned char *p = w == 0 ? h : h + 20 + 4 * w;

			for (int b = 0; b < 4; b++) {
				p[b] = (unsigned char)(words[w] >> (8 * (big_endian ? 3 - b : b)));
			}
		}
		memset(h + 4, 0xab, 16); /* uuid */
		h[35] = 1, h[36] = 8;
		memcpy(h + 37, text + off, chunk);
		off += chunk;
		n += size;
	}
	return n;
}

static void test_packetized(void)
{
	static unsigned char buf[16384], copy[16384];
	struct lat_ctf_metadata md;
	size_t len = packetize(lttng_tsdl, 512, 0, buf), last = len - 512;
	size_t content_last = (buf[last + 24] | buf[last + 25] << 8) / 8;
	char err[256];

	is_int(lat_ctf_metadata_check(buf, len, &md, err, sizeof(err)), 0,
	       "packetized (%zu packets of 512 bytes): accepted (%s)", len / 512, err);
	ok(md.packetized && md.text_len == strlen(lttng_tsdl) &&
	       memcmp(md.text, lttng_tsdl, md.text_len) == 0,
	   "its text is the TSDL, headers removed");
	lat_ctf_metadata_fini(&md);
	is_int(lat_ctf_metadata_check(buf, last + content_last, &md, err, sizeof(err)), 0,
	       "the last packet's padding missing: accepted (babeltrace2 reads it)");
	lat_ctf_metadata_fini(&md);
	ok(lat_ctf_metadata_check(buf, last + content_last - 10, &md, err, sizeof(err)) ==
		   -EINVAL &&
	       strstr(err, "cut short"),
	   "cut inside the last packet's content: refused (%s)", err);
	ok(lat_ctf_metadata_check(buf, last + 20, &md, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "header"),
	   "cut inside the last packet's header: refused (%s)", err);

	memcpy(copy, buf, len);
	copy[512 + 3] ^= 0xff;
	ok(lat_ctf_metadata_check(copy, len, &md, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "packet 1 at byte 512: bad magic"),
	   "a bad magic: refused (%s)", err);
	memcpy(copy, buf, len);
	copy[512 + 4] ^= 1;
	ok(lat_ctf_metadata_check(copy, len, &md, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "uuid"),
	   "another uuid: refused (%s)", err);
	memcpy(copy, buf, len);
	memset(copy + 512 + 24, 0, 8);
	ok(lat_ctf_metadata_check(copy, len, &md, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "bad sizes (content 0 bits, packet 0 bits)"),
	   "sizes of 0 (babeltrace2 would loop): refused (%s)", err);
	memcpy(copy, buf, len);
	copy[512 + 36] = 7;
	ok(lat_ctf_metadata_check(copy, len, &md, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "CTF version 1.7"),
	   "CTF 1.7: refused (%s)", err);
	memcpy(copy, buf, len);
	copy[512 + 32] = 1;
	ok(lat_ctf_metadata_check(copy, len, &md, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "compressed"),
	   "a compression scheme: refused (%s)", err);

	len = packetize(lttng_tsdl, 1024, 1, buf);
	is_int(lat_ctf_metadata_check(buf, len, &md, err, sizeof(err)), 0,
	       "big-endian packet headers: accepted (%s)", err);
	lat_ctf_metadata_fini(&md);
}

static void test_clock(void)
{
	struct lat_ctf_clock c = {true, 1000000000, 0, 0};
	int64_t ns = 0;

	ok(lat_ctf_clock_to_ns(&c, 5, &ns) && ns == 5, "1 GHz, no offset: cycles are ns");
	c.offset_s = 1500000000;
	ok(lat_ctf_clock_to_ns(&c, 7, &ns) && ns == 1500000000000000007LL, "offset_s added");
	c = (struct lat_ctf_clock){true, 2000000000, 0, 0};
	ok(lat_ctf_clock_to_ns(&c, 3000, &ns) && ns == 1500, "2 GHz: cycles halved");
	/* what overflowed int64_t (UBSan: signed overflow) before the conversion used 128 bits */
	c = (struct lat_ctf_clock){true, 1000000000, INT64_MAX / 1000000000 + 1, 0};
	ok(!lat_ctf_clock_to_ns(&c, 0, &ns), "offset_s * 1e9 beyond INT64_MAX: refused");
	c = (struct lat_ctf_clock){true, 1000000000, 0, INT64_MAX};
	ok(!lat_ctf_clock_to_ns(&c, UINT64_MAX, &ns), "offset + cycles beyond INT64_MAX: refused");
	c = (struct lat_ctf_clock){true, 1, INT64_MIN / 1000000000, INT64_MIN};
	ok(!lat_ctf_clock_to_ns(&c, 0, &ns), "1 Hz, offsets near INT64_MIN: refused");
	c.freq = 0;
	ok(!lat_ctf_clock_to_ns(&c, 0, &ns), "a frequency of 0: refused");
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		p[i] = (unsigned char)(v >> (56 - 8 * i));
	}
}

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		p[i] = (unsigned char)(v >> (8 * i));
	}
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		tap_diag("cannot write %s", path);
	}
	if (fd >= 0) {
		close(fd);
	}
}

static void test_index(void)
{
	char dir[] = "/tmp/latscope-ctf-check.XXXXXX", path[256], note[384], err[256];
	static unsigned char stream[2 * 4096], index[16 + 2 * 56];
	struct lat_ctf_metadata md;
	uint64_t begin = 0, end = 0;

	if (!mkdtemp(dir)) {
		skip(10, "no temporary folder");
		return;
	}
	check_text(lttng_tsdl, err, sizeof(err), &md);
	lat_ctf_metadata_fini(&md);
	/* two packets of 4096 bytes: [1000, 2000] and [2000, 3000] */
	memset(stream, 0, sizeof(stream));
	memset(index, 0, sizeof(index));
	index[0] = 0xC1, index[1] = 0xF1, index[2] = 0xDC, index[3] = 0xC1;
	index[7] = 1, index[15] = 56;
	for (int i = 0; i < 2; i++) {
		unsigned char *p = stream + 4096 * i, *e = index + 16 + 56 * i;

		put_le64(p + 32, 1000 + 1000 * (uint64_t)i);
		put_le64(p + 40, 2000 + 1000 * (uint64_t)i);
		put_le64(p + 48, 4000 * 8);
		put_le64(p + 56, 4096 * 8);
		put_be64(e, 4096 * (uint64_t)i);
		put_be64(e + 8, 4096 * 8);
		put_be64(e + 16, 4000 * 8);
		put_be64(e + 24, 1000 + 1000 * (uint64_t)i);
		put_be64(e + 32, 2000 + 1000 * (uint64_t)i);
	}
	snprintf(path, sizeof(path), "%s/channel0_0", dir);
	write_file(path, stream, sizeof(stream));
	is_int(
	    lat_ctf_stream_range(dir, "channel0_0", &md.layout, &begin, &end, note, sizeof(note)),
	    -ENOENT, "no index: -ENOENT");
	snprintf(path, sizeof(path), "%s/index", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/index/channel0_0.idx", dir);
	write_file(path, index, sizeof(index));
	ok(lat_ctf_stream_range(dir, "channel0_0", &md.layout, &begin, &end, note, sizeof(note)) ==
		   0 &&
	       begin == 1000 && end == 3000 && !note[0],
	   "an index that agrees: 0, [1000, 3000]");
	put_be64(index + 16 + 24, 1500);
	write_file(path, index, sizeof(index));
	ok(lat_ctf_stream_range(dir, "channel0_0", &md.layout, &begin, &end, note, sizeof(note)) ==
		   1 &&
	       begin == 1000 && end == 3000 &&
	       strstr(note, "entry 0 says timestamp_begin 1500 but the packet at byte 0"),
	   "a corrupt timestamp: 1, the packets' range, said (%s)", note);
	put_be64(index + 16 + 24, 1000);
	write_file(path, index, 16 + 56);
	ok(lat_ctf_stream_range(dir, "channel0_0", &md.layout, &begin, &end, note, sizeof(note)) ==
		   1 &&
	       end == 3000 && strstr(note, "1 entries for 2 packets"),
	   "an entry missing: 1, said (%s)", note);
	write_file(path, "garbage!garbage!garbage!", 24);
	ok(lat_ctf_stream_range(dir, "channel0_0", &md.layout, &begin, &end, note, sizeof(note)) ==
		   1 &&
	       strstr(note, "not a CTF packet index"),
	   "garbage: 1, said (%s)", note);

	is_int(lat_ctf_check_streams(dir, &md.layout, err, sizeof(err)), 0,
	       "good packets: accepted");
	put_le64(stream + 4096 + 48, 0);
	put_le64(stream + 4096 + 56, 0);
	snprintf(path, sizeof(path), "%s/channel0_0", dir);
	write_file(path, stream, sizeof(stream));
	ok(lat_ctf_check_streams(dir, &md.layout, err, sizeof(err)) == -EINVAL &&
	       strstr(err,
		      "channel0_0: packet 1 at byte 4096: bad sizes (content 0 bits, packet 0"),
	   "a packet of size 0 (babeltrace2 loops): refused (%s)", err);
	put_le64(stream + 4096 + 56, UINT64_MAX - 7);
	put_le64(stream + 4096 + 48, 4000 * 8);
	write_file(path, stream, sizeof(stream));
	ok(lat_ctf_check_streams(dir, &md.layout, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "packet 18446744073709551608 bits"),
	   "a packet_size above 2^63 (babeltrace2 asserts): refused (%s)", err);
	put_le64(stream + 4096 + 56, 4096 * 8);
	put_le64(stream + 4096 + 48, 4000 * 8);
	write_file(path, stream, 4096 + 100);
	ok(lat_ctf_check_streams(dir, &md.layout, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "packet 1 at byte 4096: cut short (100 of its 4096 bytes)"),
	   "a file cut inside a packet: refused, where (%s)", err);
	write_file(path, stream, 4096 + 20);
	ok(lat_ctf_check_streams(dir, &md.layout, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "packet 1 at byte 4096: cut short (20 of its header and context's 84 "
			   "bytes)"),
	   "a file cut inside a packet header: refused, where (%s)", err);
	write_file(path, stream, 4096);
	is_int(lat_ctf_check_streams(dir, &md.layout, err, sizeof(err)), 0,
	       "a file ending at a packet's end: accepted");

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0) {
		tap_diag("cannot remove %s", dir);
	}
}

int main(void)
{
	test_text();
	test_packetized();
	test_clock();
	test_index();
	return tap_done_testing();
}
