/* relayd.c: the lttng-relayd producer protocol (see relayd.h): encoders, the session set-up on
 * the control socket, and a thread sending the queued packets (data socket) and their indexes. */
#include "outputs/relayd.h"
#include "util/errtext.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LTTNG_OK 10 /* lttng-tools' LTTNG_OK reply code */

/* --- encoders -------------------------------------------------------------------------------- */

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
	return p + 8;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
	return p + 4;
}

static uint8_t *put_str(uint8_t *p, const char *s, size_t field)
{
	size_t n = s ? strnlen(s, field - 1) : 0;

	memset(p, 0, field);
	memcpy(p, s ? s : "", n);
	return p + field;
}

size_t lat_relayd_encode_hdr(uint8_t *out, uint32_t cmd, uint64_t data_size)
{
	uint8_t *p = put64(out, 0); /* circuit_id: unused */

	p = put64(p, data_size);
	p = put32(p, cmd);
	p = put32(p, 0); /* cmd_version */
	return (size_t)(p - out);
}

size_t lat_relayd_encode_version(uint8_t *out, uint32_t major, uint32_t minor)
{
	return (size_t)(put32(put32(out, major), minor) - out);
}

size_t lat_relayd_encode_create_session(uint8_t *out, const char *session, const char *hostname,
					uint32_t live_timer_us, bool snapshot)
{
	uint8_t *p = put_str(out, session, LAT_RELAYD_NAME_MAX);

	p = put_str(p, hostname, LAT_RELAYD_HOST_MAX);
	p = put32(p, live_timer_us);
	p = put32(p, snapshot ? 1 : 0);
	return (size_t)(p - out);
}

size_t lat_relayd_encode_add_stream(uint8_t *out, const char *channel, const char *path)
{
	uint8_t *p = put_str(out, channel, LAT_RELAYD_CHANNEL_MAX);

	p = put_str(p, path, LAT_RELAYD_PATH_MAX);
	p = put64(p, 0); /* tracefile_size: one file */
	p = put64(p, 0); /* tracefile_count */
	return (size_t)(p - out);
}

size_t lat_relayd_encode_data_hdr(uint8_t *out, uint64_t stream_id, uint64_t net_seq_num,
				  uint32_t size)
{
	uint8_t *p = put64(out, 0);

	p = put64(p, stream_id);
	p = put64(p, net_seq_num);
	p = put32(p, size);
	p = put32(p, 0); /* padding_size: packets are not padded */
	return (size_t)(p - out);
}

size_t lat_relayd_encode_index(uint8_t *out, const struct lat_relayd_index *x)
{
	uint8_t *p = put64(out, x->relay_stream_id);

	p = put64(p, x->net_seq_num);
	p = put64(p, x->packet_size);
	p = put64(p, x->content_size);
	p = put64(p, x->timestamp_begin);
	p = put64(p, x->timestamp_end);
	p = put64(p, x->events_discarded);
	p = put64(p, x->stream_id);
	p = put64(p, x->stream_instance_id);
	p = put64(p, x->packet_seq_num);
	return (size_t)(p - out);
}

size_t lat_relayd_encode_close_stream(uint8_t *out, uint64_t stream_id, uint64_t last_seq)
{
	return (size_t)(put64(put64(out, stream_id), last_seq) - out);
}

/* --- URL ------------------------------------------------------------------------------------- */

static int parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;

	if (n == 0 || n > 5) {
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return -EINVAL;
		}
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535) {
		return -EINVAL;
	}
	*port = (uint16_t)v;
	return 0;
}

int lat_relayd_parse_url(const char *url, char *host, size_t host_len, uint16_t *ctrl,
			 uint16_t *data, char *path, size_t path_len)
{
	const char *p, *end, *slash;
	size_t n;

	*ctrl = LAT_RELAYD_CTRL_PORT;
	*data = LAT_RELAYD_DATA_PORT;
	if (strncmp(url, "net://", 6) != 0) {
		return -EINVAL;
	}
	p = url + 6;
	slash = strchr(p, '/');
	end = slash ? slash : p + strlen(p);
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (!close) {
			return -EINVAL;
		}
		n = (size_t)(close - p - 1);
		if (n == 0 || n >= host_len) {
			return -EINVAL;
		}
		memcpy(host, p + 1, n);
		p = close + 1;
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		const char *hend = colon ? colon : end;

		n = (size_t)(hend - p);
		if (n == 0 || n >= host_len) {
			return -EINVAL;
		}
		memcpy(host, p, n);
		p = hend;
	}
	host[n] = 0;
	if (p < end && *p == ':') {
		const char *colon = memchr(p + 1, ':', (size_t)(end - p - 1));
		const char *pend = colon ? colon : end;

		if (parse_port(p + 1, (size_t)(pend - p - 1), ctrl)) {
			return -EINVAL;
		}
		if (colon && parse_port(colon + 1, (size_t)(end - colon - 1), data)) {
			return -EINVAL;
		}
		p = end;
	}
	if (p != end) {
		return -EINVAL;
	}
	path[0] = 0;
	if (slash) {
		while (*slash == '/') {
			slash++;
		}
		n = strlen(slash);
		while (n && slash[n - 1] == '/') {
			n--;
		}
		if (n >= path_len || strstr(slash, "..")) {
			return -EINVAL;
		}
		memcpy(path, slash, n);
		path[n] = 0;
	}
	return 0;
}

int lat_relayd_part_path(const char *path, unsigned n, char *out, size_t out_len)
{
	const char *base = strrchr(path, '/');
	int len;

	if (n == 0) {
		len = snprintf(out, out_len, "%s", path);
	} else if (base) {
		len = snprintf(out, out_len, "%.*s/reconnect-%u/%s", (int)(base - path), path, n,
			       base + 1);
	} else {
		len = snprintf(out, out_len, "reconnect-%u/%s", n, path);
	}
	return len < 0 || (size_t)len >= out_len ? -ENAMETOOLONG : 0;
}

/* --- connection ------------------------------------------------------------------------------ */

enum item_type { ITEM_PACKET, ITEM_BEACON, ITEM_METADATA };

struct item {
	struct item *next;
	enum item_type type;
	uint32_t cpu;
	uint64_t events;
	struct lat_relayd_index index; /* relay_stream_id and net_seq_num set when sent */
	size_t len;                    /* packet bytes; metadata: the text's length */
	uint8_t data[];
};

/*
 * The sockets belong to one thread at a time: the opener until the sender starts, the sender,
 * then the closer once it is joined. The lock guards the queue, the stats and the metadata text.
 */
struct lat_relayd {
	/* the session, as opened again after a loss */
	char *host, *session, *hostname, *path;
	uint16_t ctrl_port, data_port;
	int timeout_ms;
	bool snapshot, reconnect;
	int ctrl, data;
	bool connected;
	uint32_t streams;
	uint32_t live_us;
	uint64_t *handles;  /* this part's relay stream ids: data streams, then the metadata one */
	uint64_t *next_seq; /* per stream: net_seq_num of its next packet in this part */
	bool *had_packet;   /* per stream: a packet queued once (the first is always kept) */
	size_t metadata_sent; /* bytes of the metadata text sent in this part */
	char *meta;           /* the latest whole metadata text (only grows) */
	size_t meta_len;
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond, idle;
	struct item *head, *tail;
	size_t queued, queue_max;
	bool stopping, abandon, busy, sender_done;
	struct timespec retry_at;
	uint64_t backoff_ms;
	struct lat_relayd_stats stats;
};

static int send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

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

static int recv_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		if (n == 0) {
			return -ECONNRESET;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A control command: header, payload (two parts), then reply_len bytes of reply (0: none). */
static int command(int fd, uint32_t cmd, const void *a, size_t a_len, const void *b, size_t b_len,
		   void *reply, size_t reply_len)
{
	uint8_t hdr[LAT_RELAYD_HDR_BYTES];
	int err;

	lat_relayd_encode_hdr(hdr, cmd, a_len + b_len);
	err = send_all(fd, hdr, sizeof(hdr));
	if (!err && a_len) {
		err = send_all(fd, a, a_len);
	}
	if (!err && b_len) {
		err = send_all(fd, b, b_len);
	}
	if (!err && reply_len) {
		err = recv_all(fd, reply, reply_len);
	}
	return err;
}

static uint32_t be32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return be32toh(v);
}

static uint64_t be64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

static int tcp_connect(const char *host, uint16_t port, int timeout_ms, char *why, size_t why_len)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	char service[8];
	int fd = -1, err = -ECONNREFUSED, gai;

	snprintf(service, sizeof(service), "%u", port);
	gai = getaddrinfo(host, service, &hints, &res);
	if (gai) {
		lat_errtext_set(why, why_len, "%s: %s", host, gai_strerror(gai));
		return -EHOSTUNREACH;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd pfd;
		int one = 1, soerr = 0;
		socklen_t sl = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) {
			err = -errno;
			close(fd);
			fd = -1;
			continue;
		}
		pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
		if (poll(&pfd, 1, timeout_ms) != 1) {
			err = -ETIMEDOUT;
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr) {
			err = -(soerr ? soerr : errno);
		} else {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			err = 0;
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (err) {
		lat_errtext_set(why, why_len, "cannot connect to lttng-relayd at %s:%u: %s", host,
				port, strerror(-err));
		return err;
	}
	return fd;
}

/* Version, session and streams of part r->stats.part on the connected sockets. */
static int handshake(struct lat_relayd *r, char *why, size_t why_len)
{
	uint8_t buf[LAT_RELAYD_ADD_STREAM_BYTES], reply[12];
	char channel[32], path[LAT_RELAYD_PATH_MAX];
	size_t n;
	int err;

	n = lat_relayd_encode_version(buf, LAT_RELAYD_MAJOR, LAT_RELAYD_MINOR);
	err = command(r->ctrl, LAT_RELAYD_VERSION, buf, n, NULL, 0, reply, 8);
	if (err) {
		lat_errtext_set(why, why_len, "lttng-relayd at %s: version check: %s", r->host,
				strerror(-err));
		return err;
	}
	if (be32_at(reply) != LAT_RELAYD_MAJOR) {
		lat_errtext_set(why, why_len, "lttng-relayd at %s speaks protocol %u.%u, not %u.x",
				r->host, be32_at(reply), be32_at(reply + 4), LAT_RELAYD_MAJOR);
		return -EPROTO;
	}
	n = lat_relayd_encode_create_session(buf, r->session, r->hostname, r->live_us, r->snapshot);
	err = command(r->ctrl, LAT_RELAYD_CREATE_SESSION, buf, n, NULL, 0, reply, 12);
	if (!err && be32_at(reply + 8) != LTTNG_OK) {
		err = -EPROTO;
	}
	if (err) {
		lat_errtext_set(why, why_len, "lttng-relayd at %s refused the session '%s': %s",
				r->host, r->session, strerror(-err));
		return err;
	}
	if (lat_relayd_part_path(r->path, r->stats.part, path, sizeof(path))) {
		lat_errtext_set(why, why_len, "%s: the path is too long", r->path);
		return -ENAMETOOLONG;
	}
	for (uint32_t i = 0; i <= r->streams; i++) {
		if (i < r->streams) {
			snprintf(channel, sizeof(channel), "channel0_%u", i);
		} else {
			snprintf(channel, sizeof(channel), "metadata");
		}
		n = lat_relayd_encode_add_stream(buf, channel, path);
		err = command(r->ctrl, LAT_RELAYD_ADD_STREAM, buf, n, NULL, 0, reply, 12);
		if (!err && be32_at(reply + 8) != LTTNG_OK) {
			err = -EPROTO;
		}
		if (err) {
			lat_errtext_set(why, why_len,
					"lttng-relayd at %s refused the stream %s/%s: %s", r->host,
					path, channel, strerror(-err));
			return err;
		}
		r->handles[i] = be64_at(reply);
		r->next_seq[i] = 0;
	}
	err = command(r->ctrl, LAT_RELAYD_STREAMS_SENT, NULL, 0, NULL, 0, reply, 4);
	if (!err && be32_at(reply) != LTTNG_OK) {
		err = -EPROTO;
	}
	if (err) {
		lat_errtext_set(why, why_len, "lttng-relayd at %s: streams sent: %s", r->host,
				strerror(-err));
	}
	return err;
}

static void close_sockets(struct lat_relayd *r)
{
	if (r->ctrl >= 0) {
		close(r->ctrl);
	}
	if (r->data >= 0) {
		close(r->data);
	}
	r->ctrl = r->data = -1;
}

/* Sends the metadata text from metadata_sent up to len (the part's metadata stream grows). */
static int send_metadata(struct lat_relayd *r, size_t len)
{
	uint8_t head[12];
	char *text;
	size_t from = r->metadata_sent;
	int err;

	if (len <= from) {
		return 0;
	}
	pthread_mutex_lock(&r->lock);
	text = len <= r->meta_len ? malloc(len - from) : NULL;
	if (text) {
		memcpy(text, r->meta + from, len - from);
	}
	pthread_mutex_unlock(&r->lock);
	if (!text) {
		return -ENOMEM;
	}
	put32(put64(head, r->handles[r->streams]), 0);
	err = command(r->ctrl, LAT_RELAYD_SEND_METADATA, head, sizeof(head), text, len - from, NULL,
		      0);
	free(text);
	if (!err) {
		r->metadata_sent = len;
	}
	return err;
}

/* Connects, opens part r->stats.part and sends the metadata known so far. */
static int session_open(struct lat_relayd *r, char *why, size_t why_len)
{
	/* a relay that stops answering or reading does not hold the sender forever */
	struct timeval tv = {.tv_sec = 10};
	size_t meta_len;
	int err;

	err = tcp_connect(r->host, r->ctrl_port, r->timeout_ms, why, why_len);
	if (err < 0) {
		return err;
	}
	r->ctrl = err;
	setsockopt(r->ctrl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(r->ctrl, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	err = tcp_connect(r->host, r->data_port, r->timeout_ms, why, why_len);
	if (err < 0) {
		close_sockets(r);
		return err;
	}
	r->data = err;
	setsockopt(r->data, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	err = handshake(r, why, why_len);
	if (!err) {
		r->metadata_sent = 0;
		pthread_mutex_lock(&r->lock);
		meta_len = r->meta_len;
		pthread_mutex_unlock(&r->lock);
		err = send_metadata(r, meta_len);
		if (err) {
			lat_errtext_set(why, why_len, "lttng-relayd at %s: metadata: %s", r->host,
					strerror(-err));
		}
	}
	if (err) {
		close_sockets(r);
		return err;
	}
	return 0; /* the caller sets connected (under the lock once the sender runs) */
}

/* Sends one queued item (sending thread), with this part's stream ids and sequence numbers. */
static int send_item(struct lat_relayd *r, struct item *it)
{
	uint8_t buf[LAT_RELAYD_INDEX_BYTES], reply[4];
	uint64_t seq = r->next_seq[it->cpu];
	size_t n;
	int err;

	if (it->type == ITEM_METADATA) {
		return send_metadata(r, it->len);
	}
	it->index.relay_stream_id = r->handles[it->cpu];
	if (it->type == ITEM_PACKET) {
		it->index.net_seq_num = seq;
		n = lat_relayd_encode_data_hdr(buf, it->index.relay_stream_id, seq,
					       (uint32_t)it->len);
		err = send_all(r->data, buf, n);
		if (!err) {
			err = send_all(r->data, it->data, it->len);
		}
		if (err) {
			return err;
		}
	} else {
		/* a beacon: the stream's last packet in this part */
		it->index.net_seq_num = seq ? seq - 1 : 0;
	}
	n = lat_relayd_encode_index(buf, &it->index);
	err = command(r->ctrl, LAT_RELAYD_SEND_INDEX, buf, n, NULL, 0, reply, sizeof(reply));
	if (!err && be32_at(reply) != LTTNG_OK) {
		err = -EPROTO;
	}
	if (!err && it->type == ITEM_PACKET) {
		r->next_seq[it->cpu]++;
	}
	return err;
}

static void free_item(struct lat_relayd *r, struct item *it)
{
	if (it->type == ITEM_PACKET) {
		r->queued -= it->len;
	}
	free(it);
}

static struct timespec mono_in(uint64_t ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)(ms / 1000);
	t.tv_nsec += (long)(ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

static bool mono_passed(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* The relay lost (lock held): the next part is opened after the backoff. */
static void lost(struct lat_relayd *r, int err)
{
	close_sockets(r);
	r->connected = false;
	r->stats.down = true;
	r->stats.error = err;
	r->stats.losses++;
	r->backoff_ms = 100;
	r->retry_at = mono_in(r->backoff_ms);
	pthread_cond_broadcast(&r->idle);
}

/*
 * Away: waits for the backoff, then opens the next part (lock held, released while connecting).
 * Returns false when the sender is to stop.
 */
static bool rejoin(struct lat_relayd *r)
{
	char why[256];
	int err;

	while (!r->abandon && !mono_passed(&r->retry_at)) {
		pthread_cond_timedwait(&r->cond, &r->lock, &r->retry_at);
	}
	if (r->abandon) {
		return false;
	}
	r->busy = true;
	r->stats.part++;
	pthread_mutex_unlock(&r->lock);
	err = session_open(r, why, sizeof(why));
	pthread_mutex_lock(&r->lock);
	r->busy = false;
	if (err) {
		r->stats.part--;
		r->stats.error = err;
		r->backoff_ms = r->backoff_ms * 2 > 5000 ? 5000 : r->backoff_ms * 2;
		r->retry_at = mono_in(r->backoff_ms);
	} else {
		r->connected = true;
		r->stats.down = false;
		r->stats.reconnects++;
	}
	pthread_cond_broadcast(&r->idle);
	return true;
}

static void *sender(void *arg)
{
	struct lat_relayd *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct item *it;
		int err;

		if (!r->connected) {
			if (!r->reconnect || !rejoin(r)) {
				break;
			}
			continue;
		}
		while (!r->head && !r->stopping && !r->abandon) {
			pthread_cond_wait(&r->cond, &r->lock);
		}
		if (!r->head || r->abandon) {
			break;
		}
		it = r->head;
		r->head = it->next;
		if (!r->head) {
			r->tail = NULL;
		}
		r->busy = true;
		pthread_mutex_unlock(&r->lock);
		err = send_item(r, it);
		pthread_mutex_lock(&r->lock);
		r->busy = false;
		if (err) {
			/*
			 * The relay is lost. A packet or metadata goes back to the head of the
			 * queue for the next part (the relay stores a packet only with its index);
			 * a beacon is stale.
			 */
			if (it->type != ITEM_BEACON && r->reconnect) {
				it->next = r->head;
				r->head = it;
				if (!r->tail) {
					r->tail = it;
				}
			} else {
				if (it->type == ITEM_PACKET) {
					r->stats.dropped++;
					r->stats.dropped_events += it->events;
				}
				free_item(r, it);
			}
			lost(r, err);
			continue;
		}
		if (it->type == ITEM_PACKET) {
			r->stats.packets++;
			r->stats.bytes += it->len;
		} else if (it->type == ITEM_BEACON) {
			r->stats.beacons++;
		}
		free_item(r, it);
		pthread_cond_broadcast(&r->idle);
	}
	r->sender_done = true;
	pthread_cond_broadcast(&r->idle);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/*
 * Queues an item; -ENOBUFS (not queued) when the packets queued would pass the queue's size, or
 * the relay is gone for good. Metadata is always queued; beacons only while connected.
 */
static int enqueue(struct lat_relayd *r, struct item *it)
{
	int err = 0;

	pthread_mutex_lock(&r->lock);
	/*
	 * A stream's first packet is queued even when the queue is full: readers count discarded
	 * events from one packet to the next, and would see the first one's as "may have been".
	 */
	if ((r->stats.down && (!r->reconnect || it->type == ITEM_BEACON)) ||
	    (it->type == ITEM_PACKET && r->queued + it->len > r->queue_max && r->queued &&
	     r->had_packet[it->cpu])) {
		err = -ENOBUFS;
	} else {
		if (it->type == ITEM_PACKET) {
			r->had_packet[it->cpu] = true;
		}
		it->next = NULL;
		if (r->tail) {
			r->tail->next = it;
		} else {
			r->head = it;
		}
		r->tail = it;
		if (it->type == ITEM_PACKET) {
			r->queued += it->len;
		}
		pthread_cond_signal(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
	return err;
}

/* --- sink ------------------------------------------------------------------------------------ */

static int sink_packet(void *ctx, const struct lat_ctf_packet_info *info, const uint8_t *data)
{
	struct lat_relayd *r = ctx;
	struct item *it;

	if (info->cpu >= r->streams) {
		return -ERANGE;
	}
	it = malloc(sizeof(*it) + info->bytes);
	if (it) {
		it->type = ITEM_PACKET;
		it->cpu = info->cpu;
		it->len = info->bytes;
		it->events = info->events;
		memcpy(it->data, data, info->bytes);
		it->index = (struct lat_relayd_index){
		    .packet_size = info->bytes * 8,
		    .content_size = info->bytes * 8,
		    .timestamp_begin = info->ts_begin,
		    .timestamp_end = info->ts_end,
		    .events_discarded = info->discarded,
		    .stream_id = 0,
		    .stream_instance_id = info->cpu,
		    .packet_seq_num = info->seq,
		};
	}
	if (!it || enqueue(r, it)) {
		/* not sent: the writer counts its events in the stream's next packets */
		pthread_mutex_lock(&r->lock);
		r->stats.dropped++;
		r->stats.dropped_events += info->events;
		pthread_mutex_unlock(&r->lock);
		free(it);
		return -ENOBUFS;
	}
	return 0;
}

static void sink_beacon(void *ctx, uint32_t cpu, uint64_t ts)
{
	struct lat_relayd *r = ctx;
	struct item *it;

	if (cpu >= r->streams || !(it = calloc(1, sizeof(*it)))) {
		return;
	}
	it->type = ITEM_BEACON;
	it->cpu = cpu;
	it->index.timestamp_end = ts;
	it->index.stream_instance_id = cpu;
	if (enqueue(r, it)) {
		free(it);
	}
}

/*
 * The writer's whole metadata text, each time it writes it: kept (a new part gets it whole) and
 * queued before the packets that follow, the sender sending what this part has not had yet.
 */
static int sink_metadata(void *ctx, const char *text, size_t len)
{
	struct lat_relayd *r = ctx;
	struct item *it;
	char *copy;

	pthread_mutex_lock(&r->lock);
	if (len <= r->meta_len) {
		pthread_mutex_unlock(&r->lock);
		return 0;
	}
	copy = malloc(len);
	it = calloc(1, sizeof(*it));
	if (!copy || !it) {
		pthread_mutex_unlock(&r->lock);
		free(copy);
		free(it);
		return -ENOMEM;
	}
	memcpy(copy, text, len);
	free(r->meta);
	r->meta = copy;
	r->meta_len = len;
	pthread_mutex_unlock(&r->lock);
	it->type = ITEM_METADATA;
	it->cpu = r->streams;
	it->len = len;
	if (enqueue(r, it)) {
		free(it);
		return -EPIPE; /* gone for good (no reconnect) */
	}
	return 0;
}

void lat_relayd_sink(struct lat_relayd *r, struct lat_ctf_sink *sink)
{
	*sink = (struct lat_ctf_sink){
	    .packet = sink_packet,
	    .metadata = sink_metadata,
	    .beacon = sink_beacon,
	    .ctx = r,
	};
}

/* --- open, close ----------------------------------------------------------------------------- */

static void free_relayd(struct lat_relayd *r)
{
	while (r->head) {
		struct item *it = r->head;

		r->head = it->next;
		free(it);
	}
	close_sockets(r);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	pthread_cond_destroy(&r->idle);
	free(r->handles);
	free(r->next_seq);
	free(r->had_packet);
	free(r->meta);
	free(r->host);
	free(r->session);
	free(r->hostname);
	free(r->path);
	free(r);
}

int lat_relayd_open(const struct lat_relayd_opts *o, struct lat_relayd **out, char *why,
		    size_t why_len)
{
	pthread_condattr_t attr;
	struct lat_relayd *r;
	int err;

	if (!o->host || !o->session_name || !o->hostname || !o->path || !o->streams ||
	    o->streams > 4096) {
		lat_errtext_set(why, why_len, "bad relay options");
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		return -ENOMEM;
	}
	r->ctrl = r->data = -1;
	r->streams = o->streams;
	r->live_us = o->live_timer_us;
	r->snapshot = o->snapshot;
	r->reconnect = o->reconnect;
	r->ctrl_port = o->ctrl_port ? o->ctrl_port : LAT_RELAYD_CTRL_PORT;
	r->data_port = o->data_port ? o->data_port : LAT_RELAYD_DATA_PORT;
	r->timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000;
	r->queue_max = o->queue_bytes ? o->queue_bytes : (32u << 20);
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &attr);
	pthread_cond_init(&r->idle, &attr);
	pthread_condattr_destroy(&attr);
	r->handles = calloc(o->streams + 1, sizeof(uint64_t));
	r->next_seq = calloc(o->streams + 1, sizeof(uint64_t));
	r->had_packet = calloc(o->streams + 1, sizeof(bool));
	r->host = strdup(o->host);
	r->session = strdup(o->session_name);
	r->hostname = strdup(o->hostname);
	r->path = strdup(o->path);
	if (!r->handles || !r->next_seq || !r->had_packet || !r->host || !r->session ||
	    !r->hostname || !r->path) {
		free_relayd(r);
		return -ENOMEM;
	}
	err = session_open(r, why, why_len);
	if (err) {
		free_relayd(r);
		return err;
	}
	r->connected = true;
	err = -pthread_create(&r->thread, NULL, sender, r);
	if (err) {
		lat_errtext_set(why, why_len, "cannot start the relay thread: %s", strerror(-err));
		free_relayd(r);
		return err;
	}
	r->thread_started = true;
	*out = r;
	return 0;
}

void lat_relayd_get_stats(struct lat_relayd *r, struct lat_relayd_stats *stats)
{
	pthread_mutex_lock(&r->lock);
	*stats = r->stats;
	stats->queued = r->queued;
	pthread_mutex_unlock(&r->lock);
}

/*
 * As `lttng stop` does: asks until the relay has every packet sent (its data thread may lag its
 * control one), so that live viewers get all of them before the streams close.
 */
static void wait_data_pending(struct lat_relayd *r, const struct timespec *until)
{
	for (uint32_t i = 0; i < r->streams && r->connected; i++) {
		while (r->next_seq[i]) {
			uint8_t buf[16], reply[4];
			int err;

			lat_relayd_encode_close_stream(buf, r->handles[i], r->next_seq[i] - 1);
			err = command(r->ctrl, LAT_RELAYD_DATA_PENDING, buf, sizeof(buf), NULL, 0,
				      reply, sizeof(reply));
			if (err) {
				lost(r, err);
				return;
			}
			if (be32_at(reply) == 0 || mono_passed(until)) {
				break;
			}
			nanosleep(&(struct timespec){.tv_nsec = 5000000}, NULL);
		}
	}
}

int lat_relayd_close(struct lat_relayd *r, int drain_ms, struct lat_relayd_stats *stats)
{
	struct timespec until;
	int err;

	if (!r) {
		return 0;
	}
	until = mono_in(drain_ms > 0 ? (uint64_t)drain_ms : 0);
	pthread_mutex_lock(&r->lock);
	/* the sender sends what is queued, reconnecting meanwhile if the relay is away */
	r->stopping = true;
	pthread_cond_broadcast(&r->cond);
	while ((r->head || r->busy || !r->connected) && !r->sender_done) {
		if (pthread_cond_timedwait(&r->idle, &r->lock, &until) == ETIMEDOUT) {
			break;
		}
	}
	if (!r->sender_done && (r->head || r->busy || !r->connected)) {
		/* not sent in time: the sockets are shut, the rest is counted as dropped */
		r->abandon = true;
		if (r->connected) {
			shutdown(r->ctrl, SHUT_RDWR);
			shutdown(r->data, SHUT_RDWR);
		}
	}
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (r->thread_started) {
		pthread_join(r->thread, NULL);
	}
	for (struct item *it = r->head; it; it = it->next) {
		if (it->type == ITEM_PACKET) {
			r->stats.dropped++;
			r->stats.dropped_events += it->events;
		}
	}
	if (r->connected) {
		wait_data_pending(r, &until);
	}
	if (r->connected && r->live_us) {
		/*
		 * Live viewers ask for new indexes once per live delay, and the relay tells them
		 * the end as soon as the session closes: two delays (at most 5 s) to fetch the last
		 * ones.
		 */
		uint64_t ns = r->live_us * 2000ull;

		ns = ns > 5000000000ull ? 5000000000ull : ns;
		nanosleep(&(struct timespec){.tv_sec = (time_t)(ns / 1000000000ull),
					     .tv_nsec = (long)(ns % 1000000000ull)},
			  NULL);
	}
	for (uint32_t i = 0; r->connected && i <= r->streams; i++) {
		uint8_t buf[16], reply[4];
		/* -1 for the metadata and for a stream without packets: nothing in flight */
		uint64_t last = r->next_seq[i] - 1;
		int cerr;

		lat_relayd_encode_close_stream(buf, r->handles[i], last);
		cerr = command(r->ctrl, LAT_RELAYD_CLOSE_STREAM, buf, sizeof(buf), NULL, 0, reply,
			       sizeof(reply));
		if (cerr) {
			lost(r, cerr);
		}
	}
	err = r->connected ? 0 : r->stats.error ? r->stats.error : -EPIPE;
	r->stats.down = !r->connected;
	r->stats.queued = 0;
	if (stats) {
		*stats = r->stats;
	}
	free_relayd(r);
	return err;
}
