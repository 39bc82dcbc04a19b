/* net_loop.c: test workload: COUNT loopback TCP connections; the server answers each after a delay.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int family = AF_INET;
static long count = 1, delay_ms, bytes = 1000;
static int close_only; /* -x: the server closes without writing */
static int listen_fd;

static int usage(void)
{
	fprintf(stderr,
		"usage: net_loop [-w] [-6] [-n COUNT] [-s DELAY_MS] [-b BYTES]\n"
		"  -w  wait for a line on stdin first (start a tracker on our pid meanwhile)\n"
		"  -6  IPv6 (::1) instead of 127.0.0.1\n"
		"  -s  the server waits DELAY_MS after accept before its first write\n"
		"  -x  the server closes the connection (after the delay) without writing\n"
		"Prints one line per connection: client=PORT server=PORT.\n");
	return 2;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* Reads exactly len bytes (or until EOF). */
static void read_all(int fd, char *buf, long len)
{
	while (len > 0) {
		ssize_t got = read(fd, buf, (size_t)len);

		if (got <= 0) {
			return;
		}
		len -= got;
	}
}

static void *server(void *arg)
{
	char *buf = calloc(1, (size_t)bytes);

	for (long i = 0; i < count && buf; i++) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			break;
		}
		if (delay_ms) {
			sleep_ms(delay_ms);
		}
		if (close_only) {
			close(fd);
			continue;
		}
		if (write(fd, buf, (size_t)bytes) != bytes) {
			perror("net_loop: server write");
		}
		read_all(fd, buf, bytes);
		close(fd);
	}
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage addr = {0};
	socklen_t len;
	pthread_t thread;
	char *buf;
	int opt, server_port;

	while ((opt = getopt(argc, argv, "w6xn:s:b:")) != -1) {
		switch (opt) {
		case 'w': {
			char line[64];

			if (!fgets(line, sizeof(line), stdin)) {
				return 1;
			}
			break;
		}
		case '6':
			family = AF_INET6;
			break;
		case 'x':
			close_only = 1;
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 's':
			delay_ms = strtol(optarg, NULL, 10);
			break;
		case 'b':
			bytes = strtol(optarg, NULL, 10);
			break;
		default:
			return usage();
		}
	}
	if (optind != argc || count < 1 || bytes < 1 || delay_ms < 0) {
		return usage();
	}
	buf = calloc(1, (size_t)bytes);
	listen_fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!buf || listen_fd < 0) {
		perror("net_loop: socket");
		return 1;
	}
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&addr;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&addr;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof(*a);
	}
	if (bind(listen_fd, (struct sockaddr *)&addr, len) != 0 || listen(listen_fd, 64) != 0 ||
	    getsockname(listen_fd, (struct sockaddr *)&addr, &len) != 0) {
		perror("net_loop: listen");
		return 1;
	}
	server_port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&addr)->sin_port
					      : ((struct sockaddr_in6 *)&addr)->sin6_port);
	if (pthread_create(&thread, NULL, server, NULL) != 0) {
		return 1;
	}
	for (long i = 0; i < count; i++) {
		struct sockaddr_storage local;
		socklen_t local_len = sizeof(local);
		int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&addr, len) != 0 ||
		    getsockname(fd, (struct sockaddr *)&local, &local_len) != 0) {
			perror("net_loop: connect");
			return 1;
		}
		printf("client=%d server=%d\n",
		       ntohs(family == AF_INET ? ((struct sockaddr_in *)&local)->sin_port
					       : ((struct sockaddr_in6 *)&local)->sin6_port),
		       server_port);
		fflush(stdout);
		read_all(fd, buf, bytes);
		if (!close_only && write(fd, buf, (size_t)bytes) != bytes) {
			perror("net_loop: client write");
		}
		close(fd);
	}
	pthread_join(thread, NULL);
	close(listen_fd);
	free(buf);
	return 0;
}
