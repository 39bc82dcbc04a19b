/* ctlproto.h: the control protocol of track, record and the agent (`latscope ctl`, `top
 * --agent`, `report --agent`): one request line, a text reply ended by "ok" or one "error: ..."
 * line. Its three parts: the request parser (pure: no I/O, for the fuzzers), the server (clients
 * served without blocking the caller's poll loop) and the client. Sockets: util/ctlsock.h. */
#ifndef LATSCOPE_UTIL_CTLPROTO_H
#define LATSCOPE_UTIL_CTLPROTO_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/ctlsock.h"

/* --- requests ---------------------------------------------------------------------------- */

enum lat_ctl_verb {
	LAT_CTL_UNKNOWN,
	LAT_CTL_EMPTY,
	LAT_CTL_STATUS,
	LAT_CTL_TOP,
	LAT_CTL_WINDOWS,
	LAT_CTL_GET,
	LAT_CTL_SET,
	LAT_CTL_SNAPSHOT,
};

/* A tracker's settings; a server takes those in its mask (1u << setting). */
enum lat_ctl_setting { LAT_CTL_THRESHOLD, LAT_CTL_TIMEOUT, LAT_CTL_ENABLED, LAT_CTL_WORST };

#define LAT_CTL_SETTINGS_AGENT \
	((1u << LAT_CTL_THRESHOLD) | (1u << LAT_CTL_TIMEOUT) | (1u << LAT_CTL_ENABLED))
#define LAT_CTL_SETTINGS_TRACK \
	((1u << LAT_CTL_THRESHOLD) | (1u << LAT_CTL_TIMEOUT) | (1u << LAT_CTL_WORST))

/* Why an item is refused (reported by the caller once it knows the tracker runs). */
enum lat_ctl_error {
	LAT_CTL_OK,
	LAT_CTL_E_KEY,      /* not TRACKER.SETTING (set: or no '=') */
	LAT_CTL_E_SETTING,  /* a setting this server does not have */
	LAT_CTL_E_DURATION, /* threshold, timeout: not a duration */
	LAT_CTL_E_BOOL,     /* enabled, worst: not 0 or 1 */
};

struct lat_ctl_item {
	const char *key;     /* TRACKER.SETTING as given (set: without =VALUE) */
	const char *value;   /* set: the text after '=' (NULL for get) */
	size_t tracker_len;  /* key[0..tracker_len) is the tracker's name */
	const char *setting; /* after the dot */
	enum lat_ctl_setting kind;
	uint64_t ns; /* threshold, timeout */
	bool on;     /* enabled, worst */
	enum lat_ctl_error error;
};

/* A line holds at most LAT_CTLSOCK_LINE_MAX bytes: items of 3 characters and a space at most. */
#define LAT_CTL_ITEMS_MAX (LAT_CTLSOCK_LINE_MAX / 4)

struct lat_ctl_req {
	char text[LAT_CTLSOCK_LINE_MAX]; /* the line, cut into its words */
	enum lat_ctl_verb verb;
	const char *verb_text;
	int n;
	struct lat_ctl_item items[LAT_CTL_ITEMS_MAX];
};

/* Parses line (NUL-terminated, without its end) into req, items against the settings in mask.
 * Never fails: errors are in req. */
void lat_ctl_parse(const char *line, unsigned settings, struct lat_ctl_req *req);

/* --- the server ------------------------------------------------------------------------------ */

#define LAT_CTL_CLIENTS 8 /* clients served at once */

/*
 * Answers one request line into out (the reply's lines, without the final "ok"): 0 and the
 * server adds "ok", or -1 with its "error: ..." line written.
 */
typedef int (*lat_ctl_handler)(void *ctx, const char *line, FILE *out);

struct lat_ctl_server {
	int listen_fd;       /* -1: none (the server does nothing) */
	uint64_t timeout_ns; /* each client has this long for its request and its reply */
	lat_ctl_handler handle;
	void *ctx;
	struct lat_ctlsock_client *clients[LAT_CTL_CLIENTS];
	int n;
	uint64_t requests, timeouts; /* answered; closed at their deadline */
	int i_listen, i_first;       /* their places in the fds of the last lat_ctl_server_fds() */
};

void lat_ctl_server_init(struct lat_ctl_server *s, int listen_fd, uint64_t timeout_ns,
			 lat_ctl_handler handle, void *ctx);
/* Adds the fds to poll (the listening socket while there is room, each client); returns how
 * many (at most max). */
int lat_ctl_server_fds(struct lat_ctl_server *s, struct pollfd *fds, int max);
/* After poll (fds: as given to lat_ctl_server_fds; ready: poll's result): reads, answers and
 * writes what is ready, closes the clients past their deadline, accepts new ones. */
void lat_ctl_server_serve(struct lat_ctl_server *s, const struct pollfd *fds, int ready,
			  uint64_t now_ns);
/* Closes every client (not the listening socket). */
void lat_ctl_server_close(struct lat_ctl_server *s);

/* --- the client ------------------------------------------------------------------------------ */

/* Connects to the control socket at path, with timeout_s to send and to wait for each reply
 * read. Returns the fd or -errno. */
int lat_ctl_connect(const char *path, int timeout_s);

struct lat_ctl_reply {
	bool ok;        /* the reply ended with "ok" */
	int nerrors;    /* "error: ..." lines */
	int send_errno; /* EPIPE, ECONNRESET: the peer closed before taking the request (it may
			   have said why: its lines are read all the same) */
};

/*
 * Sends request (one line, without its end) on fd and reads the reply up to "ok" or the end;
 * every other line goes to on_line (is_error: an "error: " line, given without that prefix),
 * which returns 0 to go on. Closes fd. Returns 0, on_line's non-zero value, or -errno (sending
 * or reading failed).
 */
int lat_ctl_exchange(int fd, const char *request,
		     int (*on_line)(void *ctx, const char *line, bool is_error), void *ctx,
		     struct lat_ctl_reply *reply);

#endif /* LATSCOPE_UTIL_CTLPROTO_H */
