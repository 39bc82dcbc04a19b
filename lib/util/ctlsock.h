/* ctlsock.h: the root-only unix control sockets of track, record and the agent (one request line,
   a text reply, then close: the protocol of `latscope ctl`). */
#ifndef LATSCOPE_UTIL_CTLSOCK_H
#define LATSCOPE_UTIL_CTLSOCK_H

#include <stdio.h>
#include <sys/types.h>

/*
 * A non-blocking, close-on-exec unix socket bound at path (an old file there is removed) with
 * the given mode; type SOCK_STREAM (then listening) or SOCK_DGRAM (with a 4 MiB receive buffer).
 * Returns the fd or a negative errno (-ENAMETOOLONG for a path that does not fit).
 */
int lat_ctlsock_bind(const char *path, int type, mode_t mode);

/*
 * Accepts one connection on listen_fd and reads its request line (at most len - 1 bytes, up to
 * the first newline, 1 s timeouts) into line, without the line end. Peers that are neither root
 * nor this process' user get "error: permission denied" and are closed. Returns the connection as
 * a stream for the reply (fclose() it), or NULL: nothing to accept, refused, or an empty request
 * (`latscope ctl` probing for live sockets).
 */
FILE *lat_ctlsock_accept(int listen_fd, char *line, size_t len);

#endif
