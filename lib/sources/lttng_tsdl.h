/* lttng_tsdl.h: the TSDL (CTF 1.8) metadata LTTng writes, parsed and compiled into flat reads. */
#ifndef LATSCOPE_SOURCES_LTTNG_TSDL_H
#define LATSCOPE_SOURCES_LTTNG_TSDL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Each scope (packet header, packet context, event header, stream event context, event
 * context, payload) is compiled once into an array of reads (struct lat_tsdl_op) that the
 * decoder (lttng_decode.c) runs over the bytes. Every field read stores its value in a slot
 * (one per op); a sequence's length and a variant's tag are slots of earlier fields. Field
 * names are the TSDL names without their leading underscore, as babeltrace2 shows them.
 */
enum lat_tsdl_opcode {
	LAT_OP_INT,      /* integer or enumeration */
	LAT_OP_STRING,   /* NUL-terminated */
	LAT_OP_TEXT_ARR, /* array of 8-bit integers with an encoding: a string */
	LAT_OP_TEXT_SEQ, /* sequence of 8-bit integers with an encoding: a string */
	LAT_OP_ARRAY,    /* `len` times the next `body` ops */
	LAT_OP_SEQ,      /* slot `ref` times the next `body` ops */
	LAT_OP_VARIANT,  /* one option (by the tag in slot `ref`) of the next `body` ops */
	LAT_OP_ALIGN,    /* aligns to `align` bits (structures) */
};

/* What a field means to the decoder (by its name in its scope). */
enum lat_tsdl_role {
	LAT_ROLE_NONE,
	LAT_ROLE_MAGIC,
	LAT_ROLE_STREAM_ID,
	LAT_ROLE_TS_BEGIN,
	LAT_ROLE_TS_END,
	LAT_ROLE_CONTENT_SIZE,
	LAT_ROLE_PACKET_SIZE,
	LAT_ROLE_SEQ_NUM,
	LAT_ROLE_DISCARDED,
	LAT_ROLE_CPU_ID,
	LAT_ROLE_EVENT_ID,
	LAT_ROLE_COUNT,
};

struct lat_tsdl_range {
	int64_t lo, hi;
	uint32_t option; /* variant option index */
};

struct lat_tsdl_label {
	const char *name;
	int64_t lo, hi;
};

struct lat_tsdl_op {
	uint8_t code;   /* enum lat_tsdl_opcode */
	uint8_t size;   /* integer bits (1..64) */
	uint8_t sign;   /* signed integer */
	uint8_t be;     /* big-endian */
	uint8_t role;   /* enum lat_tsdl_role (top level of the packet/header scopes only) */
	uint8_t clock;  /* integer mapped to the clock: updates it (CTF's wrap rule) */
	uint8_t top;    /* a member of the scope's top-level structure */
	uint16_t align; /* bits */
	uint32_t ref;   /* SEQ/TEXT_SEQ: length slot; VARIANT: tag slot */
	uint32_t len;   /* ARRAY/TEXT_ARR: length; VARIANT: option count */
	uint32_t body;  /* ARRAY/SEQ/VARIANT: number of ops that follow and belong to this one */
	const char *name;
	/* VARIANT: the tag's ranges -> option; then, per option, its first op (relative) */
	const struct lat_tsdl_range *ranges;
	uint32_t nranges;
	const uint32_t *opt_start, *opt_len;
	/* INT of an enumeration: its labels, in declaration order */
	const struct lat_tsdl_label *labels;
	uint32_t nlabels;
};

struct lat_tsdl_prog {
	struct lat_tsdl_op *ops;
	uint32_t nops;
};

struct lat_tsdl_event {
	char *name;
	uint64_t id;
	struct lat_tsdl_prog context, payload;
};

struct lat_tsdl_stream {
	uint64_t id;
	struct lat_tsdl_prog packet_context, event_header, event_context;
	struct lat_tsdl_event **by_id; /* indexed by event id (< nby_id) */
	uint64_t nby_id;
};

struct lat_tsdl {
	int byte_order_be;
	struct lat_tsdl_prog packet_header;
	struct lat_tsdl_stream *streams;
	uint32_t nstreams;
	struct lat_tsdl_event *events;
	uint32_t nevents;
	/* the clock the timestamps map to (babeltrace2's normalisation: offset < freq) */
	uint64_t freq, offset;
	int64_t offset_s;
	struct lat_tsdl_pool *pool; /* every allocation */
};

/*
 * Parses TSDL text (after unpacking a packetized metadata file: lat_tsdl_unpack()).
 * Returns 0, -ENOTSUP (valid TSDL this decoder does not handle: the caller falls back to
 * libbabeltrace2), -EINVAL (bad metadata), -ENOMEM; `err` holds one line on failure.
 */
int lat_tsdl_parse(const char *text, size_t len, struct lat_tsdl **out, char *err, size_t err_len);
void lat_tsdl_free(struct lat_tsdl *t);

/*
 * A metadata file's TSDL text: the file itself when plain text, else its packets' contents
 * concatenated (CTF metadata packets, magic 0x75d11d57). Returns a malloc'd NUL-terminated
 * text, or NULL (bad packets: *why says why). In lttng_decode.c, which reads the files.
 */
char *lat_tsdl_unpack(const unsigned char *data, size_t size, size_t *len, const char **why);

/* Slot of the top-level member `name` of a program, or -1. */
int lat_tsdl_find(const struct lat_tsdl_prog *p, const char *name);

#endif /* LATSCOPE_SOURCES_LTTNG_TSDL_H */
