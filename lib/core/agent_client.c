/* agent_client.c: liblatscope's client of `latscope agent`: samples and events as unix datagrams
 * (see include/latscope/agent.h). */
#include "latscope/agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

struct lat_agent_client {
	int fd;
	struct sockaddr_un addr;
	socklen_t addr_len;
	uint64_t sent, dropped; /* atomics */
};

LAT_API int lat_agent_client_open(const char *path, struct lat_agent_client **out)
{
	struct lat_agent_client *c;
	size_t len;

	if (!out) {
		return -EINVAL;
	}
	*out = NULL;
	if (!path) {
		path = LAT_AGENT_APP_SOCKET;
	}
	len = strlen(path);
	if (!len || len >= sizeof(c->addr.sun_path)) {
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		return -ENOMEM;
	}
	c->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		int err = -errno;

		free(c);
		return err;
	}
	c->addr.sun_family = AF_UNIX;
	memcpy(c->addr.sun_path, path, len + 1);
	c->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	*out = c;
	return 0;
}

LAT_API void lat_agent_client_close(struct lat_agent_client *client)
{
	if (!client) {
		return;
	}
	close(client->fd);
	free(client);
}

static int valid_name(const char *name)
{
	size_t n = 0;

	if (!name) {
		return 0;
	}
	for (; name[n]; n++) {
		char ch = name[n];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_')) {
			return 0;
		}
	}
	return n > 0 && n < LAT_AGENT_NAME_LEN;
}

/* Copies src cut to size - 1 bytes, at a character's start (the agent refuses cut UTF-8). */
static void copy_cut(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	if (n == size - 1 && src[n]) {
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80) {
			n--;
		}
	}

	if (n) {
		memcpy(dst, src, n);
	}
	dst[n] = '\0';
}

static int send_msg(struct lat_agent_client *c, uint16_t kind, const char *name, const char *label,
		    uint64_t value_ns, uint64_t count, const char *detail)
{
	struct lat_agent_msg msg;
	size_t len;

	if (!c || !valid_name(name)) {
		return -EINVAL;
	}
	memset(&msg, 0, sizeof(msg));
	msg.magic = LAT_AGENT_MSG_MAGIC;
	msg.version = LAT_AGENT_MSG_VERSION;
	msg.kind = kind;
	msg.pid = (uint32_t)getpid();
	msg.tid = (uint32_t)syscall(SYS_gettid);
	msg.value_ns = value_ns;
	msg.count = count;
	copy_cut(msg.name, sizeof(msg.name), name);
	copy_cut(msg.label, sizeof(msg.label), label);
	copy_cut(msg.detail, sizeof(msg.detail), detail);
	/* the detail's unused tail is not sent */
	len = offsetof(struct lat_agent_msg, detail) + strlen(msg.detail) + 1;
	if (sendto(c->fd, &msg, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&c->addr,
		   c->addr_len) != (ssize_t)len) {
		__atomic_add_fetch(&c->dropped, 1, __ATOMIC_RELAXED);
		return -EAGAIN;
	}
	__atomic_add_fetch(&c->sent, 1, __ATOMIC_RELAXED);
	return 0;
}

LAT_API int lat_agent_client_sample(struct lat_agent_client *client, const char *name,
				    const char *label, uint64_t value_ns, uint64_t count)
{
	if (!count) {
		return -EINVAL;
	}
	return send_msg(client, LAT_AGENT_MSG_SAMPLE, name, label, value_ns, count, NULL);
}

LAT_API int lat_agent_client_event(struct lat_agent_client *client, const char *name,
				   const char *label, uint64_t delay_ns, const char *detail)
{
	return send_msg(client, LAT_AGENT_MSG_EVENT, name, label, delay_ns, 1, detail);
}

LAT_API void lat_agent_client_counters(struct lat_agent_client *client, uint64_t *sent,
				       uint64_t *dropped)
{
	if (sent) {
		*sent = client ? __atomic_load_n(&client->sent, __ATOMIC_RELAXED) : 0;
	}
	if (dropped) {
		*dropped = client ? __atomic_load_n(&client->dropped, __ATOMIC_RELAXED) : 0;
	}
}
