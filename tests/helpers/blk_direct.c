/* blk_direct.c: test workload: COUNT O_DIRECT writes of SIZE bytes to FILE, each followed by fsync.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr,
		"usage: blk_direct [-w] FILE COUNT [SIZE]\n"
		"  -w  wait for a line on stdin first (start a tracker on our pid meanwhile)\n");
	return 2;
}

int main(int argc, char **argv)
{
	long count, size = 65536;
	void *buf;
	int opt, fd;

	while ((opt = getopt(argc, argv, "w")) != -1) {
		if (opt == 'w') {
			char line[64];

			if (!fgets(line, sizeof(line), stdin)) {
				return 1;
			}
		} else {
			return usage();
		}
	}
	if (argc - optind < 2 || argc - optind > 3) {
		return usage();
	}
	count = strtol(argv[optind + 1], NULL, 10);
	if (optind + 2 < argc) {
		size = strtol(argv[optind + 2], NULL, 10);
	}
	if (count < 1 || size < 4096 || size % 4096) {
		return usage();
	}
	if (posix_memalign(&buf, 4096, (size_t)size) != 0) {
		return 1;
	}
	memset(buf, 0x5a, (size_t)size);
	fd = open(argv[optind], O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (fd < 0) {
		fprintf(stderr, "blk_direct: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	for (long i = 0; i < count; i++) {
		if (pwrite(fd, buf, (size_t)size, i * size) != size || fsync(fd) != 0) {
			fprintf(stderr, "blk_direct: write: %s\n", strerror(errno));
			return 1;
		}
	}
	close(fd);
	free(buf);
	return 0;
}
