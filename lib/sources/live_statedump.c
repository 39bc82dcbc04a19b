/* live_statedump.c: /proc's processes, file descriptors and disks as typed statedump events. */
#include "sources/live_statedump.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COMM_LEN 16 /* the kernel's TASK_COMM_LEN, as record.c's statedump */

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		return -errno;
	}
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return (int)n;
}

static struct lat_kevent base(int64_t ts, uint16_t type, const char *name)
{
	struct lat_kevent ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts = ts;
	ev.type = type;
	ev.name = name;
	return ev;
}

static int dump_thread(int64_t ts, int pid, int tid, lat_statedump_fn fn, void *user)
{
	struct lat_kevent ev = base(ts, LAT_EV_STATEDUMP_PROCESS, "lttng_statedump_process_state");
	char path[96], buf[1024], comm[COMM_LEN] = {0};
	char *open_paren, *close_paren;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (read_file(path, buf, sizeof(buf)) <= 0) {
		return 0; /* gone meanwhile */
	}
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren) {
		return 0;
	}
	n = (int)(close_paren - open_paren - 1);
	memcpy(comm, open_paren + 1, (size_t)(n < COMM_LEN - 1 ? n : COMM_LEN - 1));
	/* after "(comm) ": state ppid */
	if (sscanf(close_paren + 1, " %*c %d", &ev.sd_process.ppid) != 1) {
		return 0;
	}
	ev.sd_process.tid = tid;
	ev.sd_process.pid = pid;
	ev.sd_process.name = comm;
	return fn(user, &ev);
}

static int dump_fds(int64_t ts, int pid, lat_statedump_fn fn, void *user)
{
	char path[96], target[PATH_MAX], info[256];
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir) {
		return 0;
	}
	while (!ret && (de = readdir(dir))) {
		struct lat_kevent ev =
		    base(ts, LAT_EV_STATEDUMP_FD, "lttng_statedump_file_descriptor");
		unsigned long flags = 0;
		ssize_t n;
		char *fl;
		int fd;

		if (!isdigit((unsigned char)de->d_name[0])) {
			continue;
		}
		fd = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0) {
			continue;
		}
		target[n] = 0;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
		if (read_file(path, info, sizeof(info)) > 0 && (fl = strstr(info, "flags:"))) {
			flags = strtoul(fl + 6, NULL, 8);
		}
		ev.sd_fd.pid = pid;
		ev.sd_fd.fd = fd;
		ev.sd_fd.filename = target;
		ev.sd_fd.flags = (int64_t)(uint32_t)flags; /* the trace's u32 */
		ev.present = LAT_HAS_FLAGS;
		ret = fn(user, &ev);
	}
	closedir(dir);
	return ret;
}

static int dump_processes(int64_t ts, lat_statedump_fn fn, void *user)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	int ret = 0;

	if (!proc) {
		return -errno;
	}
	while (!ret && (de = readdir(proc))) {
		char path[64];
		struct dirent *te;
		DIR *tasks;
		int pid;

		if (!isdigit((unsigned char)de->d_name[0])) {
			continue;
		}
		pid = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		tasks = opendir(path);
		if (!tasks) {
			continue;
		}
		while (!ret && (te = readdir(tasks))) {
			if (isdigit((unsigned char)te->d_name[0])) {
				ret = dump_thread(ts, pid, atoi(te->d_name), fn, user);
			}
		}
		closedir(tasks);
		if (!ret) {
			ret = dump_fds(ts, pid, fn, user);
		}
	}
	closedir(proc);
	return ret;
}

static int dump_block_devices(int64_t ts, lat_statedump_fn fn, void *user)
{
	FILE *f = fopen("/proc/partitions", "re");
	char line[256], name[128];
	unsigned major, minor;
	unsigned long long blocks;
	int ret = 0;

	if (!f) {
		return 0;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		struct lat_kevent ev =
		    base(ts, LAT_EV_STATEDUMP_BLOCKDEV, "lttng_statedump_block_device");

		if (sscanf(line, " %u %u %llu %127s", &major, &minor, &blocks, name) != 4) {
			continue;
		}
		ev.blockdev.dev = (uint32_t)(major << 20 | minor);
		ev.blockdev.diskname = name;
		ret = fn(user, &ev);
	}
	fclose(f);
	return ret;
}

int lat_live_statedump(int64_t ts, lat_statedump_fn fn, void *user)
{
	struct lat_kevent ev = base(ts, LAT_EV_OTHER, "lttng_statedump_start");
	int ret = fn(user, &ev);

	if (!ret) {
		ret = dump_processes(ts, fn, user);
	}
	if (!ret) {
		ret = dump_block_devices(ts, fn, user);
	}
	if (!ret) {
		ev = base(ts, LAT_EV_OTHER, "lttng_statedump_end");
		ret = fn(user, &ev);
	}
	return ret;
}
