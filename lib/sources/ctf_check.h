/* ctf_check.h: a CTF trace's metadata checked before libbabeltrace2 reads it; its layout. */
#ifndef LATSCOPE_SOURCES_CTF_CHECK_H
#define LATSCOPE_SOURCES_CTF_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * libbabeltrace2 2.0.4 loops forever on a metadata file cut inside its last packet and aborts
 * the process (a failed precondition) on a structure with two members of the same name. These
 * checks run first, on the bytes only (no libbabeltrace2), and say what is wrong and where.
 *
 * The metadata: packetized (each packet's header: magic 0x75D11D57 in either byte order, the
 * same uuid in every packet, CTF 1.8, no compression, encryption or checksum, content and
 * packet sizes whole bytes with header <= content <= packet, the content inside the file) or
 * plain text. Then its TSDL text: comments and strings closed, brackets balanced and nested
 * at most LAT_CTF_MAX_NESTING deep, no two members (or variant options) of one structure with
 * the same name (babeltrace2 drops one leading underscore: `_x` and `x` are the same), clock
 * offsets whose nanoseconds fit in 64 bits, and a frequency that is not 0.
 */
#define LAT_CTF_MAX_NESTING 64

/* A 32-bit word of a trace file in its byte order (the metadata's and the index's headers). */
static inline uint32_t lat_ctf_get_u32(const unsigned char *p, bool big_endian)
{
	return big_endian
		   ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		   : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Where the fields the packet index repeats sit in every packet (header then context). */
struct lat_ctf_field_pos {
	uint32_t offset_bits; /* from the packet's start */
	uint8_t size_bits;    /* 0: absent */
	bool big_endian;
};

struct lat_ctf_layout {
	/* packet_size or content_size (or both) placed, the same in every stream class: every
	   member before them has a fixed size */
	bool known;
	bool has_timestamps; /* timestamp_begin and timestamp_end placed too */
	struct lat_ctf_field_pos timestamp_begin, timestamp_end, content_size, packet_size;
	uint32_t context_end_bits; /* bytes needed to read them all, in bits */
};

/* The metadata's clock (the first one), as the TSDL says. */
struct lat_ctf_clock {
	bool present;
	uint64_t freq;
	int64_t offset_s, offset;
};

struct lat_ctf_metadata {
	char *text; /* the TSDL text, NUL-terminated (packet headers removed) */
	size_t text_len;
	bool packetized;
	struct lat_ctf_layout layout;
	struct lat_ctf_clock clock;
};

/*
 * Checks metadata bytes (a metadata file's whole content) and fills *md (md->text allocated:
 * lat_ctf_metadata_fini()). Returns 0, -EINVAL with one line in err ("packet 87 at byte
 * 352256: cut short, ..."; "line 12: ..."), or -ENOMEM. Never reads past data + len.
 */
int lat_ctf_metadata_check(const unsigned char *data, size_t len, struct lat_ctf_metadata *md,
			   char *err, size_t err_len);

/* Reads and checks DIR/metadata; err then names the file. Same returns, and -errno of open. */
int lat_ctf_metadata_check_file(const char *dir, struct lat_ctf_metadata *md, char *err,
				size_t err_len);

void lat_ctf_metadata_fini(struct lat_ctf_metadata *md);

/* ns since the epoch of a clock value; false when it does not fit in an int64_t. */
bool lat_ctf_clock_to_ns(const struct lat_ctf_clock *clock, uint64_t cycles, int64_t *ns);

#endif /* LATSCOPE_SOURCES_CTF_CHECK_H */
