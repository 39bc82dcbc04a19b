/* http.c: the agent's HTTP endpoint (/metrics) with libmicrohttpd, driven from the agent's poll
 * loop (epoll mode, no thread: the metrics are read without locks). Slow clients cannot hold it:
 * connections idle for HTTP_IDLE_S are closed, a request must be answered within HTTP_REQUEST_S
 * of the connection's start or of its previous answer, and one address holds at most
 * HTTP_PER_IP_MAX of the HTTP_CONNECTIONS_MAX connections. */
#include "agentd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define HTTP_IDLE_S          5
#define HTTP_REQUEST_S       10
#define HTTP_CONNECTIONS_MAX 128
#define HTTP_PER_IP_MAX      16

/* One open connection, to close it at its deadline. */
struct http_conn {
	struct MHD_Connection *conn;
	uint64_t since_ns; /* its start, or its last answer */
	struct http_conn *prev, *next;
};

struct agent_http {
	struct agent *agent;
	struct MHD_Daemon *daemon;
	uint16_t port;
	struct http_conn *conns;
	uint64_t deadline_closes; /* connections closed at HTTP_REQUEST_S */
};

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct agent_http *h = cls;
	struct http_conn *c = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			return; /* untracked: the idle timeout still closes it */
		}
		c->conn = conn;
		c->since_ns = agent_now_ns();
		c->next = h->conns;
		if (h->conns) {
			h->conns->prev = c;
		}
		h->conns = c;
		*socket_context = c;
	} else if (c) {
		if (c->prev) {
			c->prev->next = c->next;
		} else {
			h->conns = c->next;
		}
		if (c->next) {
			c->next->prev = c->prev;
		}
		free(c);
		*socket_context = NULL;
	}
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct http_conn *c = info ? info->socket_context : NULL;

	if (c) {
		c->since_ns = agent_now_ns(); /* keep-alive: the next request's time starts */
	}
}

/* Closes the connections past their deadline (shut down: libmicrohttpd sees them end). */
static void close_late(struct agent_http *h)
{
	uint64_t now = agent_now_ns();

	for (struct http_conn *c = h->conns; c; c = c->next) {
		if (now - c->since_ns >= HTTP_REQUEST_S * 1000000000ULL) {
			const union MHD_ConnectionInfo *info =
			    MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CONNECTION_FD);

			if (info && shutdown(info->connect_fd, SHUT_RDWR) == 0) {
				h->deadline_closes++;
			}
			c->since_ns = now; /* once */
		}
	}
}

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
	char reason[256];
	uint16_t port;
	unsigned int flags = MHD_USE_EPOLL;
	const union MHD_DaemonInfo *info;

	*out = NULL;
	memset(&ss, 0, sizeof(ss));
	if (agent_parse_listen(listen, &ss, sizeof(ss), reason, sizeof(reason)) != 0) {
		snprintf(why, why_len, "listen: %s", reason);
		return -EINVAL;
	}
	if (ss.ss_family == AF_INET6) {
		flags |= MHD_USE_IPv6;
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else {
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		return -ENOMEM;
	}
	h->agent = a;
	h->daemon = MHD_start_daemon(
	    flags, port, NULL, NULL, answer, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_S, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)HTTP_CONNECTIONS_MAX, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)HTTP_PER_IP_MAX, MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_END);
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
	close_late(h);
	if (h->conns) {
		MHD_run(h->daemon); /* the ones just shut down end now */
	}
}

uint64_t agent_http_deadline_closes(struct agent_http *h)
{
	return h ? h->deadline_closes : 0;
}

uint16_t agent_http_port(struct agent_http *h)
{
	return h->port;
}
