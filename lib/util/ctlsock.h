/* ctlsock.h: the root-only unix control sockets of track, record and the agent (one request line,
   a text reply, then close: the protocol of `latscope ctl`), and the ownership of a socket path
   (one live owner: a lock file beside it). */
#ifndef LATSCOPE_UTIL_CTLSOCK_H
#define LATSCOPE_UTIL_CTLSOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * A non-blocking, close-on-exec unix socket bound at path (an old file there is removed) with
 * the given mode; type SOCK_STREAM (then listening) or SOCK_DGRAM (with a 4 MiB receive buffer).
 * Returns the fd or a negative errno (-ENAMETOOLONG for a path that does not fit).
 */
int lat_ctlsock_bind(const char *path, int type, mode_t mode);

/*
 * The same, for a path one live process owns: first takes PATH.lock (created 0644, flock()ed, the
 * owner's pid written in it) and checks that no live process answers at path; only then is an old
 * file at path removed. Returns the fd with *lock_fd set, -EADDRINUSE with *holder the running
 * owner's pid (0 when a live socket there has no lock: an older process), or a negative errno.
 * lat_ctlsock_release() at exit.
 */
int lat_ctlsock_bind_owned(const char *path, int type, mode_t mode, int *lock_fd, pid_t *holder);
/* Closes fd and, being its owner, removes path and its lock file (lock_fd < 0: nothing). */
void lat_ctlsock_release(const char *path, int fd, int lock_fd);

/*
 * Accepts one connection on listen_fd and reads its request line (at most len - 1 bytes, up to
 * the first newline, within 1 s in all) into line, without the line end. Peers that are neither
 * root nor this process' user get "error: permission denied" and are closed. Returns the
 * connection as a stream for the reply (fclose() it), or NULL: nothing to accept, refused, too
 * slow, or an empty request (`latscope ctl` probing for live sockets).
 */
FILE *lat_ctlsock_accept(int listen_fd, char *line, size_t len);

/*
 * A control client served without blocking (the agent's loop): accepted, its request line read
 * as it comes, its reply written as the peer takes it, all before a deadline.
 */
#define LAT_CTLSOCK_LINE_MAX 1024

struct lat_ctlsock_client {
	int fd;
	uint64_t deadline_ns; /* CLOCK_MONOTONIC */
	char line[LAT_CTLSOCK_LINE_MAX];
	size_t used;
	bool replying;
	char *reply; /* malloc()ed */
	size_t reply_len, reply_done;
};

/*
 * Accepts one connection (non-blocking): 0 with *out (to free with lat_ctlsock_client_close()),
 * -EAGAIN: none waiting, -EACCES: a peer neither root nor this user (told, closed), or -errno.
 */
int lat_ctlsock_client_accept(int listen_fd, uint64_t now_ns, uint64_t timeout_ns,
			      struct lat_ctlsock_client **out);
/*
 * Reads what has come: 1 when the request line is complete (in c->line, without its end; an
 * empty one is -ENODATA), 0 to wait for more, or a negative errno (-ENODATA: closed before a
 * line, -EMSGSIZE: a line too long).
 */
int lat_ctlsock_client_read(struct lat_ctlsock_client *c);
/* Sets the reply (takes reply, malloc()ed) and switches the client to writing it. */
void lat_ctlsock_client_reply(struct lat_ctlsock_client *c, char *reply, size_t len);
/* Writes what the peer takes: 1 when all is written, 0 for more, or a negative errno. */
int lat_ctlsock_client_write(struct lat_ctlsock_client *c);
/* poll() events it waits for: POLLIN while reading, POLLOUT while replying. */
short lat_ctlsock_client_events(const struct lat_ctlsock_client *c);
void lat_ctlsock_client_close(struct lat_ctlsock_client *c);

#endif
