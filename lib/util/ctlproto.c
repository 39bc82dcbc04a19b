/* ctlproto.c: the control protocol: request lines parsed, clients served without blocking,
 * the client side of `latscope ctl` and `top --agent` (see ctlproto.h). */
#include "util/ctlproto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/units.h"

static void parse_item(struct lat_ctl_item *it, char *word, bool is_set, unsigned settings)
{
	char *eq = is_set ? strchr(word, '=') : NULL;
	const char *dot;

	memset(it, 0, sizeof(*it));
	it->key = word;
	if (is_set && !eq) {
		it->error = LAT_CTL_E_KEY;
		return;
	}
	if (eq) {
		*eq = '\0';
		it->value = eq + 1;
	}
	dot = strchr(word, '.');
	if (!dot) {
		it->error = LAT_CTL_E_KEY;
		return;
	}
	it->tracker_len = (size_t)(dot - word);
	it->setting = dot + 1;
	if (!strcmp(it->setting, "threshold")) {
		it->kind = LAT_CTL_THRESHOLD;
	} else if (!strcmp(it->setting, "timeout")) {
		it->kind = LAT_CTL_TIMEOUT;
	} else if (!strcmp(it->setting, "enabled")) {
		it->kind = LAT_CTL_ENABLED;
	} else if (!strcmp(it->setting, "worst")) {
		it->kind = LAT_CTL_WORST;
	} else {
		it->error = LAT_CTL_E_SETTING;
		return;
	}
	if (!(settings & (1u << it->kind))) {
		it->error = LAT_CTL_E_SETTING;
		return;
	}
	if (!is_set) {
		return;
	}
	if (it->kind == LAT_CTL_ENABLED || it->kind == LAT_CTL_WORST) {
		if (strcmp(it->value, "0") && strcmp(it->value, "1")) {
			it->error = LAT_CTL_E_BOOL;
		}
		it->on = it->value[0] == '1';
	} else if (lat_parse_duration(it->value, 1, &it->ns) != 0) {
		it->error = LAT_CTL_E_DURATION;
	}
}

void lat_ctl_parse(const char *line, unsigned settings, struct lat_ctl_req *req)
{
	static const struct {
		const char *name;
		enum lat_ctl_verb verb;
	} verbs[] = {
	    {"status", LAT_CTL_STATUS}, {"top", LAT_CTL_TOP}, {"windows", LAT_CTL_WINDOWS},
	    {"get", LAT_CTL_GET},       {"set", LAT_CTL_SET}, {"snapshot", LAT_CTL_SNAPSHOT},
	};
	char *save = NULL, *word;

	snprintf(req->text, sizeof(req->text), "%s", line);
	req->n = 0;
	req->verb = LAT_CTL_EMPTY;
	req->verb_text = strtok_r(req->text, " \t", &save);
	if (!req->verb_text) {
		return;
	}
	req->verb = LAT_CTL_UNKNOWN;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (!strcmp(verbs[i].name, req->verb_text)) {
			req->verb = verbs[i].verb;
		}
	}
	if (req->verb != LAT_CTL_GET && req->verb != LAT_CTL_SET) {
		return;
	}
	while (req->n < LAT_CTL_ITEMS_MAX && (word = strtok_r(NULL, " \t", &save))) {
		parse_item(&req->items[req->n++], word, req->verb == LAT_CTL_SET, settings);
	}
}

/* --- the server ------------------------------------------------------------------------------ */

void lat_ctl_server_init(struct lat_ctl_server *s, int listen_fd, uint64_t timeout_ns,
			 lat_ctl_handler handle, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->listen_fd = listen_fd;
	s->timeout_ns = timeout_ns;
	s->handle = handle;
	s->ctx = ctx;
	s->i_listen = s->i_first = -1;
}

int lat_ctl_server_fds(struct lat_ctl_server *s, struct pollfd *fds, int max)
{
	int nfds = 0;

	s->i_listen = -1;
	if (s->listen_fd >= 0 && s->n < LAT_CTL_CLIENTS && nfds < max) {
		s->i_listen = nfds;
		fds[nfds++] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
	}
	s->i_first = nfds;
	for (int c = 0; c < s->n && nfds < max; c++) {
		fds[nfds++] = (struct pollfd){.fd = s->clients[c]->fd,
					      .events = lat_ctlsock_client_events(s->clients[c])};
	}
	return nfds;
}

/* A request line that came in full: its reply, to be written as the client takes it. */
static void answer(struct lat_ctl_server *s, struct lat_ctlsock_client *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out) {
		lat_ctlsock_client_reply(c, strdup("error: out of memory\n"), 21);
		return;
	}
	s->requests++;
	if (s->handle(s->ctx, c->line, out) == 0) {
		fputs("ok\n", out);
	}
	fclose(out);
	lat_ctlsock_client_reply(c, buf, len);
}

static void drop(struct lat_ctl_server *s, int i)
{
	lat_ctlsock_client_close(s->clients[i]);
	s->clients[i] = s->clients[--s->n];
}

/* Every client's input or output, then new connections; none can hold the caller's loop. */
void lat_ctl_server_serve(struct lat_ctl_server *s, const struct pollfd *fds, int ready,
			  uint64_t now_ns)
{
	bool listen_ready = ready > 0 && s->i_listen >= 0 && fds[s->i_listen].revents;
	int n = s->n;

	for (int i = n - 1; i >= 0; i--) {
		struct lat_ctlsock_client *c = s->clients[i];
		int r = 0;

		if (ready > 0 && s->i_first >= 0 && fds[s->i_first + i].revents) {
			if (!c->replying) {
				r = lat_ctlsock_client_read(c);
				if (r == 1) {
					answer(s, c);
					r = 0;
				}
			}
			if (r == 0 && c->replying) {
				r = lat_ctlsock_client_write(c);
			}
		}
		if (r == 0 && now_ns >= c->deadline_ns) {
			s->timeouts++;
			if (!c->replying) {
				static const char late[] =
				    "error: request timed out (2 s for a line)\n";

				send(c->fd, late, sizeof(late) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			}
			r = -ETIMEDOUT;
		}
		if (r != 0) {
			drop(s, i);
		}
	}
	while (listen_ready && s->n < LAT_CTL_CLIENTS) {
		struct lat_ctlsock_client *c;
		int err = lat_ctlsock_client_accept(s->listen_fd, now_ns, s->timeout_ns, &c);

		if (err == -EACCES) {
			continue;
		}
		if (err) {
			break;
		}
		s->clients[s->n++] = c;
	}
}

void lat_ctl_server_close(struct lat_ctl_server *s)
{
	while (s->n) {
		drop(s, s->n - 1);
	}
}

/* --- the client ------------------------------------------------------------------------------ */

int lat_ctl_connect(const char *path, int timeout_s)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = timeout_s};
	int fd, err;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int lat_ctl_exchange(int fd, const char *request,
		     int (*on_line)(void *ctx, const char *line, bool is_error), void *ctx,
		     struct lat_ctl_reply *reply)
{
	size_t len = strlen(request);
	char *buf = malloc(len + 2), *line = NULL;
	size_t cap = 0;
	ssize_t got;
	FILE *in;
	int rc = 0;

	memset(reply, 0, sizeof(*reply));
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	memcpy(buf, request, len);
	buf[len++] = '\n';
	/* a peer that refuses us may close before reading: no SIGPIPE, read what it said */
	if (send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len) {
		int err = errno;

		if (err != EPIPE && err != ECONNRESET) {
			free(buf);
			close(fd);
			return -err;
		}
		reply->send_errno = err;
	}
	free(buf);
	shutdown(fd, SHUT_WR);
	in = fdopen(fd, "r");
	if (!in) {
		close(fd);
		return -ENOMEM;
	}
	while (rc == 0 && (got = getline(&line, &cap, in)) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "ok") == 0) {
			reply->ok = true;
			break;
		}
		if (strncmp(line, "error: ", 7) == 0) {
			reply->nerrors++;
			rc = on_line ? on_line(ctx, line + 7, true) : 0;
		} else {
			rc = on_line ? on_line(ctx, line, false) : 0;
		}
	}
	free(line);
	fclose(in);
	return rc;
}
