/* http.c: the agent's HTTP endpoint (/metrics) with libmicrohttpd, driven from the agent's poll
 * loop (epoll mode, no thread: the metrics are read without locks). */
#include "agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

struct agent_http {
	struct agent *agent;
	struct MHD_Daemon *daemon;
	uint16_t port;
};

static const char index_page[] =
    "latscope agent: Prometheus metrics on /metrics (see docs/agent.md)\n";

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct agent_http *h = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned int status = MHD_HTTP_OK;
	char *buf = NULL;
	size_t len = 0;

	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		resp = MHD_create_response_from_buffer(strlen("method not allowed\n"),
						       (void *)"method not allowed\n",
						       MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (!strcmp(url, "/metrics")) {
		FILE *out = open_memstream(&buf, &len);

		if (!out) {
			return MHD_NO;
		}
		agent_refresh(h->agent);
		h->agent->scrapes++;
		agent_render_prometheus(h->agent, out);
		fclose(out);
		resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
		if (resp) {
			MHD_add_response_header(resp, "Content-Type",
						"text/plain; version=0.0.4; charset=utf-8");
		}
	} else if (!strcmp(url, "/")) {
		resp = MHD_create_response_from_buffer(sizeof(index_page) - 1, (void *)index_page,
						       MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(strlen("not found\n"), (void *)"not found\n",
						       MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_NOT_FOUND;
	}
	if (!resp) {
		free(buf);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int agent_http_start(struct agent *a, const char *listen, struct agent_http **out, char *why,
		     size_t why_len)
{
	struct sockaddr_storage ss;
	struct agent_http *h;
	char host[128];
	uint16_t port;
	unsigned int flags = MHD_USE_EPOLL;
	const union MHD_DaemonInfo *info;

	*out = NULL;
	memset(&ss, 0, sizeof(ss));
	if (agent_parse_hostport(listen, host, sizeof(host), &port) != 0) {
		snprintf(why, why_len, "listen: '%s' is not ADDRESS:PORT", listen);
		return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(why, why_len, "listen: '%s' is not a numeric IPv4 or IPv6 address", host);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		return -ENOMEM;
	}
	h->agent = a;
	h->daemon = MHD_start_daemon(flags, port, NULL, NULL, answer, h, MHD_OPTION_SOCK_ADDR,
				     (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT,
				     (unsigned int)10, MHD_OPTION_CONNECTION_LIMIT,
				     (unsigned int)64, MHD_OPTION_END);
	if (!h->daemon) {
		int err = errno ? errno : EADDRINUSE;

		snprintf(why, why_len, "listen on %s: %s", listen, strerror(err));
		free(h);
		return -err;
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : port;
	*out = h;
	return 0;
}

void agent_http_stop(struct agent_http *h)
{
	if (!h) {
		return;
	}
	MHD_stop_daemon(h->daemon);
	free(h);
}

int agent_http_fd(struct agent_http *h)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);

	return info ? info->epoll_fd : -1;
}

int agent_http_timeout_ms(struct agent_http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(h->daemon, &ms) != MHD_YES) {
		return -1;
	}
	return ms > 1000 ? 1000 : (int)ms;
}

void agent_http_run(struct agent_http *h)
{
	MHD_run(h->daemon);
}

uint16_t agent_http_port(struct agent_http *h)
{
	return h->port;
}
