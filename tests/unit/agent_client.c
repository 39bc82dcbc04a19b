/* agent_client.c: unit tests of liblatscope's agent client: the datagrams it sends, drops counted
 * when no agent listens, bad names refused, several threads at once. */
#include "tap.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "latscope/agent.h"

static char sock_path[108];

static int bind_socket(void)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int size = 4 << 20;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_path);
	unlink(sock_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

static ssize_t recv_msg(int fd, struct lat_agent_msg *msg)
{
	struct timeval tv = {.tv_sec = 2};

	memset(msg, 0x55, sizeof(*msg));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return recv(fd, msg, sizeof(*msg), 0);
}

struct sender {
	struct lat_agent_client *client;
	int failures;
};

static void *send_many(void *arg)
{
	struct sender *s = arg;

	for (int i = 0; i < 500; i++) {
		if (lat_agent_client_sample(s->client, "threads", "t", (uint64_t)i + 1, 1) != 0) {
			s->failures++;
		}
	}
	return NULL;
}

struct receiver {
	int fd;
	int got;
	bool bad;
};

static void *receive_all(void *arg)
{
	struct receiver *r = arg;
	struct lat_agent_msg msg;

	while (recv_msg(r->fd, &msg) > 0) {
		if (msg.magic != LAT_AGENT_MSG_MAGIC || strcmp(msg.name, "threads") != 0) {
			r->bad = true;
		}
		r->got++;
	}
	return NULL;
}

int main(void)
{
	struct lat_agent_client *client = NULL;
	struct lat_agent_msg msg;
	uint64_t sent, dropped;
	char long_label[100];
	ssize_t len;
	int fd;

	snprintf(sock_path, sizeof(sock_path), "/tmp/latscope-agent-client-%d.sock", (int)getpid());
	ok(lat_agent_client_open("", &client) == -EINVAL && !client, "an empty path is refused");
	ok(lat_agent_client_open(sock_path, &client) == 0, "a client opens with no agent running");
	ok(lat_agent_client_sample(client, "requests", "GET", 1000, 1) == -EAGAIN,
	   "no agent: the sample is dropped (-EAGAIN)");
	lat_agent_client_counters(client, &sent, &dropped);
	ok(sent == 0 && dropped == 1, "and counted as dropped");

	fd = bind_socket();
	ok(fd >= 0, "a test agent socket is bound");
	ok(lat_agent_client_sample(client, "requests", "GET /x", 2500000, 3) == 0,
	   "a sample is sent");
	len = recv_msg(fd, &msg);
	ok(len == (ssize_t)(offsetof(struct lat_agent_msg, detail) + 1),
	   "a sample's datagram ends after an empty detail (%zd bytes)", len);
	ok(msg.magic == LAT_AGENT_MSG_MAGIC && msg.version == LAT_AGENT_MSG_VERSION &&
	       msg.kind == LAT_AGENT_MSG_SAMPLE,
	   "magic, version and kind");
	ok(msg.value_ns == 2500000 && msg.count == 3 && msg.pid == (uint32_t)getpid(),
	   "value, count and pid");
	is_str(msg.name, "requests", "name");
	is_str(msg.label, "GET /x", "label");

	memset(long_label, 'x', sizeof(long_label) - 1);
	long_label[sizeof(long_label) - 1] = '\0';
	ok(lat_agent_client_event(client, "requests", long_label, 7000000, "request 42 slow") == 0,
	   "an event is sent");
	len = recv_msg(fd, &msg);
	ok(len > 0 && msg.kind == LAT_AGENT_MSG_EVENT && msg.value_ns == 7000000 && msg.count == 1,
	   "an event's kind, delay and count");
	ok(strlen(msg.label) == LAT_AGENT_LABEL_LEN - 1, "a long label is cut at %d bytes",
	   LAT_AGENT_LABEL_LEN - 1);
	is_str(msg.detail, "request 42 slow", "the event's detail");

	ok(lat_agent_client_sample(client, "bad name", NULL, 1, 1) == -EINVAL,
	   "a name with a space is refused");
	ok(lat_agent_client_sample(client, "", NULL, 1, 1) == -EINVAL, "an empty name is refused");
	ok(lat_agent_client_sample(client, "n", NULL, 1, 0) == -EINVAL, "a count of 0 is refused");
	ok(lat_agent_client_sample(NULL, "n", NULL, 1, 1) == -EINVAL, "a NULL client is refused");

	{
		struct sender senders[4];
		struct receiver r = {.fd = fd};
		pthread_t threads[4], reader;
		int failures = 0;
		uint64_t sent_before, dropped_before;

		lat_agent_client_counters(client, &sent_before, &dropped_before);
		pthread_create(&reader, NULL, receive_all, &r);
		for (int i = 0; i < 4; i++) {
			senders[i] = (struct sender){.client = client};
			pthread_create(&threads[i], NULL, send_many, &senders[i]);
		}
		for (int i = 0; i < 4; i++) {
			pthread_join(threads[i], NULL);
			failures += senders[i].failures;
		}
		pthread_join(reader, NULL); /* ends 2 s after the last message */
		lat_agent_client_counters(client, &sent, &dropped);
		ok(sent - sent_before + dropped - dropped_before == 2000,
		   "4 threads x 500 samples: every one sent or counted dropped (%llu sent, %llu "
		   "dropped)",
		   (unsigned long long)(sent - sent_before),
		   (unsigned long long)(dropped - dropped_before));
		ok(dropped - dropped_before == (uint64_t)failures, "drops match the failed calls");
		ok(r.got == (int)(sent - sent_before) && !r.bad,
		   "the socket received every sent datagram, intact (%d)", r.got);
	}

	lat_agent_client_close(client);
	close(fd);
	unlink(sock_path);
	return tap_done_testing();
}
