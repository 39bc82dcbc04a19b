/* ctlsock.c: root-only unix control sockets and the ownership of socket paths (see ctlsock.h). */
#include "util/ctlsock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int lat_ctlsock_bind(const char *path, int type, mode_t mode)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd, err;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || chmod(path, mode) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) != 0)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (type == SOCK_DGRAM) {
		int size = 4 << 20;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	}
	return fd;
}

static pid_t read_pid(int fd)
{
	char buf[32] = "";
	ssize_t got = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;

	if (got <= 0) {
		return 0;
	}
	buf[got] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 && pid <= INT_MAX ? (pid_t)pid : 0;
}

/* Takes PATH.lock: 0 and *lock_fd, -EADDRINUSE and *holder, or -errno. */
static int take_lock(const char *lock_path, int *lock_fd, pid_t *holder)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		struct stat on_fd, on_path;
		char pid[32];
		int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		int len;

		if (fd < 0) {
			return -errno;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int err = errno;

			*holder = read_pid(fd);
			close(fd);
			return err == EWOULDBLOCK ? -EADDRINUSE : -err;
		}
		/* its owner may have removed it between our open and flock: then take the new one
		 */
		if (fstat(fd, &on_fd) != 0 || stat(lock_path, &on_path) != 0 ||
		    on_fd.st_ino != on_path.st_ino || on_fd.st_dev != on_path.st_dev) {
			close(fd);
			continue;
		}
		len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
			int err = -errno;

			close(fd);
			return err ? err : -EIO;
		}
		*lock_fd = fd;
		return 0;
	}
	return -EAGAIN;
}

/* True when a process answers at path (a socket of that type that is bound and alive). */
static bool socket_alive(const char *path, int type)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct stat st;
	bool alive;
	int probe;

	if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		return false;
	}
	strcpy(addr.sun_path, path);
	probe = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (probe < 0) {
		return false;
	}
	alive = connect(probe, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	close(probe);
	return alive;
}

int lat_ctlsock_bind_owned(const char *path, int type, mode_t mode, int *lock_fd, pid_t *holder)
{
	char lock_path[PATH_MAX];
	int fd, err;

	*lock_fd = -1;
	*holder = 0;
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		return -ENAMETOOLONG;
	}
	snprintf(lock_path, sizeof(lock_path), "%s.lock", path);
	err = take_lock(lock_path, lock_fd, holder);
	if (err) {
		return err;
	}
	if (socket_alive(path, type)) {
		/* a live owner that takes no lock (an older latscope, record --app-socket) */
		close(*lock_fd);
		*lock_fd = -1;
		return -EADDRINUSE;
	}
	fd = lat_ctlsock_bind(path, type, mode);
	if (fd < 0) {
		unlink(lock_path);
		close(*lock_fd);
		*lock_fd = -1;
	}
	return fd;
}

void lat_ctlsock_release(const char *path, int fd, int lock_fd)
{
	char lock_path[PATH_MAX];

	if (fd >= 0) {
		close(fd);
	}
	if (lock_fd < 0) {
		return; /* not ours: never remove a peer's socket */
	}
	snprintf(lock_path, sizeof(lock_path), "%s.lock", path);
	unlink(path);
	unlink(lock_path); /* still locked: a newcomer that opened it sees it gone and retries */
	close(lock_fd);
}

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0 &&
	       (cred.uid == 0 || cred.uid == geteuid());
}

static const char denied[] = "error: permission denied\n";

FILE *lat_ctlsock_accept(int listen_fd, char *line, size_t len)
{
	uint64_t deadline = now_ns() + 1000000000ULL;
	size_t used = 0;
	FILE *out;
	int fd;

	if (len < 2) {
		return NULL;
	}
	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		return NULL;
	}
	if (!peer_allowed(fd)) {
		send(fd, denied, sizeof(denied) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return NULL;
	}
	/* the whole line within 1 s: a client sending a byte at a time cannot hold its caller */
	while (used < len - 1) {
		uint64_t now = now_ns();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t got;

		if (now >= deadline) {
			break;
		}
		if (poll(&pfd, 1, (int)((deadline - now) / 1000000 + 1)) <= 0) {
			continue;
		}
		got = read(fd, line + used, len - 1 - used);
		if (got <= 0) {
			if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
				continue;
			}
			break;
		}
		used += (size_t)got;
		if (memchr(line, '\n', used)) {
			break;
		}
	}
	line[used] = '\0';
	if (!memchr(line, '\n', used) && now_ns() >= deadline) {
		send(fd, "error: request timed out\n", 25, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	if (!line[strspn(line, " \t")]) {
		close(fd);
		return NULL;
	}
	/* the reply: blocking again, with a send timeout */
	{
		struct timeval tv = {.tv_sec = 1};
		int flags = fcntl(fd, F_GETFL);

		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	out = fdopen(fd, "r+");
	if (!out) {
		close(fd);
	}
	return out;
}

int lat_ctlsock_client_accept(int listen_fd, uint64_t now, uint64_t timeout_ns,
			      struct lat_ctlsock_client **out)
{
	struct lat_ctlsock_client *c;
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	*out = NULL;
	if (fd < 0) {
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	if (!peer_allowed(fd)) {
		send(fd, denied, sizeof(denied) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return -EACCES;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->deadline_ns = now + timeout_ns;
	*out = c;
	return 0;
}

int lat_ctlsock_client_read(struct lat_ctlsock_client *c)
{
	for (;;) {
		ssize_t got;
		char *nl;

		if (c->used >= sizeof(c->line) - 1) {
			return -EMSGSIZE;
		}
		got = recv(c->fd, c->line + c->used, sizeof(c->line) - 1 - c->used, MSG_DONTWAIT);
		if (got < 0) {
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		}
		if (got == 0) {
			/* the peer is done writing: what came is the line (ctl shuts down its end)
			 */
			if (!c->used) {
				return -ENODATA;
			}
			got = 0;
			c->line[c->used] = '\n';
			c->used++;
		}
		c->used += (size_t)got;
		c->line[c->used] = '\0';
		nl = memchr(c->line, '\n', c->used);
		if (nl) {
			*nl = '\0';
			c->line[strcspn(c->line, "\r")] = '\0';
			return c->line[strspn(c->line, " \t")] ? 1 : -ENODATA;
		}
	}
}

void lat_ctlsock_client_reply(struct lat_ctlsock_client *c, char *reply, size_t len)
{
	free(c->reply);
	c->reply = reply;
	c->reply_len = reply ? len : 0;
	c->reply_done = 0;
	c->replying = true;
}

int lat_ctlsock_client_write(struct lat_ctlsock_client *c)
{
	while (c->reply_done < c->reply_len) {
		ssize_t put = send(c->fd, c->reply + c->reply_done, c->reply_len - c->reply_done,
				   MSG_DONTWAIT | MSG_NOSIGNAL);

		if (put < 0) {
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		}
		c->reply_done += (size_t)put;
	}
	return 1;
}

short lat_ctlsock_client_events(const struct lat_ctlsock_client *c)
{
	return c->replying ? POLLOUT : POLLIN;
}

void lat_ctlsock_client_close(struct lat_ctlsock_client *c)
{
	if (!c) {
		return;
	}
	close(c->fd);
	free(c->reply);
	free(c);
}
