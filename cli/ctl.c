/* ctl.c: `latscope ctl`: reads and changes a running `latscope track` through its control socket.
 */
#include "cli.h"
#include "trackers/ktracker.h"
#include "util/ctlproto.h"
#include "util/units.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static void print_help(void)
{
	printf(
	    "Usage: latscope ctl [--pid PID | --socket PATH] get [TRACKER.SETTING...]\n"
	    "       latscope ctl [--pid PID | --socket PATH] set TRACKER.SETTING=VALUE...\n"
	    "       latscope ctl [--pid PID | --socket PATH] status\n"
	    "       latscope ctl [--pid PID | --socket PATH] snapshot\n\n"
	    "Reads or changes the settings of a running `latscope track` without reloading its\n"
	    "probes. Settings: threshold and timeout (durations: 5ms, 250us...), worst (0 or 1).\n"
	    "Example: latscope ctl set syscall.threshold=5ms\n"
	    "snapshot: a running `latscope record --flight` writes a snapshot and prints its\n"
	    "folder (its socket: " LAT_TRACK_SOCKET_DIR "/record-PID.sock).\n\n"
	    "  -p, --pid PID       the latscope track process (default: the only one running)\n"
	    "  -s, --socket PATH   its control socket (default " LAT_TRACK_SOCKET_DIR
	    "/track-PID.sock)\n"
	    "  -h, --help          this help\n");
}

static int usage(const char *message, const char *arg)
{
	cli_error("ctl: %s%s%s (see latscope ctl --help)", message, arg ? ": " : "",
		  arg ? arg : "");
	return CLI_EXIT_USAGE;
}

static int connect_socket(const char *path)
{
	int fd = lat_ctl_connect(path, 5);

	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}

/* A reply line: printed, an error as one error line. */
static int on_line(void *ctx, const char *line, bool is_error)
{
	if (is_error) {
		cli_error("ctl: %s", line);
	} else {
		printf("%s\n", line);
	}
	return 0;
}

/* Finds the only live control socket of prog ("track", "record"); returns a connected fd or -1
 * after printing why. */
static int connect_only_running(const char *prog)
{
	size_t plen = strlen(prog);
	DIR *dir = opendir(LAT_TRACK_SOCKET_DIR);
	char found[PATH_MAX] = "", others[512] = "";
	int live = 0, fd = -1;
	struct dirent *de;

	if (!dir) {
		cli_error("ctl: no latscope %s is running (%s: %s)", prog, LAT_TRACK_SOCKET_DIR,
			  strerror(errno));
		return -1;
	}
	while ((de = readdir(dir))) {
		char path[PATH_MAX];
		int probe;
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, prog, plen) != 0 || de->d_name[plen] != '-' || len < 5 ||
		    strcmp(de->d_name + len - 5, ".sock") != 0) {
			continue;
		}
		snprintf(path, sizeof(path), LAT_TRACK_SOCKET_DIR "/%s", de->d_name);
		probe = connect_socket(path);
		if (probe < 0) {
			continue; /* stale: its process is gone */
		}
		close(probe);
		live++;
		if (live == 1) {
			snprintf(found, sizeof(found), "%s", path);
		}
		if (strlen(others) + len + 2 < sizeof(others)) {
			strcat(others, " ");
			strncat(others, de->d_name + plen + 1, len - plen - 6);
		}
	}
	closedir(dir);
	if (live == 0) {
		cli_error("ctl: no latscope %s is running (no live socket in %s)", prog,
			  LAT_TRACK_SOCKET_DIR);
		return -1;
	}
	if (live > 1) {
		cli_error("ctl: several latscope %s runs (pids%s): pass --pid", prog, others);
		return -1;
	}
	fd = connect_socket(found);
	if (fd < 0) {
		cli_error("ctl: %s: %s", found, strerror(errno));
	}
	return fd;
}

int cmd_ctl(int argc, char **argv)
{
	static const struct option options[] = {
	    {"pid", required_argument, NULL, 'p'},
	    {"socket", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char request[1024] = "", path[PATH_MAX];
	const char *socket_path = NULL, *prog = "track";
	bool ok = false, any_error = false;
	long pid = 0;
	struct lat_ctl_reply reply;
	int opt, fd, send_error = 0, err;
	size_t used = 0;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+:p:s:h", options, NULL)) != -1) {
		switch (opt) {
		case 'p': {
			int64_t v;

			if (lat_parse_i64(optarg, 1, CLI_PID_MAX, &v)) {
				return usage("bad --pid (1..4194304)", optarg);
			}
			pid = (long)v;
			break;
		}
		case 's':
			socket_path = optarg;
			break;
		case 'h':
			print_help();
			return CLI_EXIT_OK;
		case ':':
			return usage("option needs a value", argv[optind - 1]);
		default:
			return usage("unknown option", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		return usage("what? (get, set, status or snapshot)", NULL);
	}
	if (strcmp(argv[optind], "get") && strcmp(argv[optind], "set") &&
	    strcmp(argv[optind], "status") && strcmp(argv[optind], "snapshot")) {
		return usage("unknown request (get, set, status or snapshot)", argv[optind]);
	}
	if (strcmp(argv[optind], "snapshot") == 0) {
		if (optind + 1 < argc) {
			return usage("snapshot takes no argument", argv[optind + 1]);
		}
		prog = "record"; /* the flight recorder's socket */
	}
	if (pid && !socket_path) {
		snprintf(path, sizeof(path), LAT_TRACK_SOCKET_DIR "/%s-%ld.sock", prog, pid);
		socket_path = path;
	}
	if (strcmp(argv[optind], "set") == 0 && optind + 1 >= argc) {
		return usage("set needs TRACKER.SETTING=VALUE", NULL);
	}
	for (int i = optind; i < argc; i++) {
		size_t len = strlen(argv[i]);

		if (strpbrk(argv[i], " \t\r\n") || (i > optind && !strchr(argv[i], '.'))) {
			return usage("bad argument", argv[i]);
		}
		if (used + len + 2 >= sizeof(request)) {
			return usage("request too long", NULL);
		}
		used += (size_t)snprintf(request + used, sizeof(request) - used, "%s%s",
					 i > optind ? " " : "", argv[i]);
	}

	if (socket_path) {
		fd = connect_socket(socket_path);
		if (fd < 0) {
			cli_error("ctl: %s: %s%s", socket_path, strerror(errno),
				  errno == ENOENT || errno == ECONNREFUSED
				      ? (strcmp(prog, "record")
					     ? " (is latscope track running?)"
					     : " (is latscope record --flight running?)")
				      : "");
			return CLI_EXIT_FAILURE;
		}
	} else {
		fd = connect_only_running(prog);
		if (fd < 0) {
			return CLI_EXIT_FAILURE;
		}
	}
	err = lat_ctl_exchange(fd, request, on_line, NULL, &reply);
	if (err) {
		cli_error("ctl: sending the request: %s", strerror(-err));
		return CLI_EXIT_FAILURE;
	}
	ok = reply.ok;
	any_error = reply.nerrors > 0;
	send_error = reply.send_errno;
	if (!ok && !any_error && send_error) {
		cli_error("ctl: sending the request: %s (latscope %s closed the connection)",
			  strerror(send_error), prog);
	} else if (!ok && !any_error) {
		cli_error("ctl: no answer from latscope %s", prog);
	}
	return ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}
