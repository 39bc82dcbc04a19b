/* relayd.h: a producer for lttng-relayd (LTTng's trace collector): the consumer side of its
 * control and data protocol (lttng-tools' relayd.h, protocol 2.10: session, streams, metadata,
 * data packets with their indexes, live beacons), packets sent by a thread from a bounded queue,
 * which reconnects with backoff when the relay goes away (the trace goes on in a new part). */
#ifndef LATSCOPE_OUTPUTS_RELAYD_H
#define LATSCOPE_OUTPUTS_RELAYD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outputs/ctf_writer.h"

#define LAT_RELAYD_CTRL_PORT 5342 /* LTTng's defaults */
#define LAT_RELAYD_DATA_PORT 5343
#define LAT_RELAYD_MAJOR     2
#define LAT_RELAYD_MINOR     10 /* the last protocol without trace chunks (2.11) */

/* Command numbers (enum lttcomm_relayd_command). */
enum {
	LAT_RELAYD_ADD_STREAM = 1,
	LAT_RELAYD_CREATE_SESSION = 2,
	LAT_RELAYD_VERSION = 5,
	LAT_RELAYD_SEND_METADATA = 6,
	LAT_RELAYD_CLOSE_STREAM = 7,
	LAT_RELAYD_DATA_PENDING = 8,
	LAT_RELAYD_SEND_INDEX = 13,
	LAT_RELAYD_STREAMS_SENT = 16,
};

/* Wire sizes (all fields big-endian, packed). */
#define LAT_RELAYD_HDR_BYTES            24   /* circuit_id, data_size, cmd, cmd_version */
#define LAT_RELAYD_DATA_HDR_BYTES       32   /* circuit, stream, net_seq_num, size, padding */
#define LAT_RELAYD_CREATE_SESSION_BYTES 327  /* name[255], hostname[64], live_timer, snapshot */
#define LAT_RELAYD_ADD_STREAM_BYTES     4376 /* channel[264], path[4096], size, count */
#define LAT_RELAYD_INDEX_BYTES          80   /* ten u64 (index 1.1, protocol 2.8+) */
#define LAT_RELAYD_NAME_MAX             255
#define LAT_RELAYD_HOST_MAX             64
#define LAT_RELAYD_CHANNEL_MAX          264
#define LAT_RELAYD_PATH_MAX             4096

/* One index entry (struct lttcomm_relayd_index); sizes in bits, as CTF packet contexts say. */
struct lat_relayd_index {
	uint64_t relay_stream_id, net_seq_num, packet_size, content_size;
	uint64_t timestamp_begin, timestamp_end, events_discarded, stream_id;
	uint64_t stream_instance_id, packet_seq_num;
};

/* Encoders: each writes its message at out and returns its length. */
size_t lat_relayd_encode_hdr(uint8_t *out, uint32_t cmd, uint64_t data_size);
size_t lat_relayd_encode_version(uint8_t *out, uint32_t major, uint32_t minor);
size_t lat_relayd_encode_create_session(uint8_t *out, const char *session, const char *hostname,
					uint32_t live_timer_us, bool snapshot);
size_t lat_relayd_encode_add_stream(uint8_t *out, const char *channel, const char *path);
size_t lat_relayd_encode_data_hdr(uint8_t *out, uint64_t stream_id, uint64_t net_seq_num,
				  uint32_t size);
size_t lat_relayd_encode_index(uint8_t *out, const struct lat_relayd_index *index);
size_t lat_relayd_encode_close_stream(uint8_t *out, uint64_t stream_id, uint64_t last_seq);

/*
 * Parses net://HOST[:CTRL[:DATA]][/PATH] (LTTng's URL; HOST a name, an IPv4 address or [IPv6]).
 * path gets PATH or "" . Returns 0 or -EINVAL.
 */
int lat_relayd_parse_url(const char *url, char *host, size_t host_len, uint16_t *ctrl,
			 uint16_t *data, char *path, size_t path_len);

/*
 * The trace folder of part n (0: before any reconnection): path itself for 0, else the folder
 * reconnect-N beside path's last component (HOST/SESSION/kernel -> HOST/SESSION/reconnect-1/
 * kernel). A relay that restarts truncates the files of a folder given again, so each
 * reconnection writes a new physical trace with the same UUID: babeltrace2 given HOST/SESSION
 * reads the parts as one trace (as LTTng's rotation chunks). Returns 0 or -ENAMETOOLONG.
 */
int lat_relayd_part_path(const char *path, unsigned n, char *out, size_t out_len);

struct lat_relayd_opts {
	const char *host;
	uint16_t ctrl_port, data_port; /* 0: 5342, 5343 */
	const char *session_name;      /* the relay's session (live viewers list it) */
	const char *hostname;          /* the relay's folder OUTPUT/HOSTNAME/ */
	const char *path;              /* the trace folder under OUTPUT: HOSTNAME/SESSION/kernel */
	uint32_t streams;              /* channel0_0 .. channel0_(streams-1), plus metadata */
	uint32_t live_timer_us;        /* 0: not live */
	bool snapshot;
	size_t queue_bytes;     /* packets waiting to be sent, at most (0: 32 MiB) */
	int connect_timeout_ms; /* 0: 5000 */
	/* The relay lost (an error or 10 s without progress on a socket): reconnect with backoff
	 * (0.1 s doubling to 5 s), the queue keeping packets meanwhile, and go on in the next part
	 * (lat_relayd_part_path()). false: the relay lost for good at the first error. */
	bool reconnect;
};

struct lat_relayd_stats {
	uint64_t packets, bytes;          /* sent */
	uint64_t dropped, dropped_events; /* not sent: queue full or relay gone */
	uint64_t beacons;
	uint64_t losses;     /* times the relay was lost */
	uint64_t reconnects; /* times a new part's session was opened after a loss */
	unsigned part;       /* the part being written (lat_relayd_part_path()) */
	size_t queued;       /* bytes of packets waiting */
	bool down;           /* the relay is away now (or for good, without reconnect) */
	int error;           /* the last loss's -errno */
};

struct lat_relayd;

/*
 * Connects to the relay, checks the protocol version, creates the session and the streams, and
 * starts the sending thread. Returns 0 or -errno with a one-line reason in why.
 */
int lat_relayd_open(const struct lat_relayd_opts *opts, struct lat_relayd **out, char *why,
		    size_t why_len);

/* A CTF writer sink sending the writer's packets and metadata to this relay. */
void lat_relayd_sink(struct lat_relayd *r, struct lat_ctf_sink *sink);

void lat_relayd_get_stats(struct lat_relayd *r, struct lat_relayd_stats *stats);

/*
 * Sends what is queued (waiting up to drain_ms, reconnecting meanwhile if the relay is away),
 * closes the streams and the connection, frees. Returns 0, or the last loss's -errno when the
 * relay was away at the end (what was queued then is counted in stats' dropped).
 */
int lat_relayd_close(struct lat_relayd *r, int drain_ms, struct lat_relayd_stats *stats);

#endif /* LATSCOPE_OUTPUTS_RELAYD_H */
