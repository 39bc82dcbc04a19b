/* ctlsock.c: root-only unix control sockets (see ctlsock.h). */
#include "util/ctlsock.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

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

FILE *lat_ctlsock_accept(int listen_fd, char *line, size_t len)
{
	struct timeval tv = {.tv_sec = 1};
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	size_t used = 0;
	FILE *out;
	int fd;

	if (len < 2) {
		return NULL;
	}
	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	out = fdopen(fd, "r+");
	if (!out) {
		close(fd);
		return NULL;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) != 0 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		fputs("error: permission denied\n", out);
		fclose(out);
		return NULL;
	}
	while (used < len - 1) {
		ssize_t got = read(fd, line + used, len - 1 - used);

		if (got <= 0) {
			break;
		}
		used += (size_t)got;
		if (memchr(line, '\n', used)) {
			break;
		}
	}
	line[used] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (!line[strspn(line, " \t")]) {
		fclose(out);
		return NULL;
	}
	return out;
}
