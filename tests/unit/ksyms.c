/* ksyms.c: kernel symbol lookup on a fake kallsyms file, hidden addresses, and the real one. */
#include "tap.h"
#include "util/ksyms.h"

#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static const char fake_kallsyms[] = "ffffffff81000000 T _stext\n"
				    "ffffffff81000000 t __pi__text\n"
				    "ffffffff81000100 T do_one\n"
				    "ffffffff81000200 t do_two\n"
				    "ffffffff81000300 D some_data\n"
				    "ffffffff81000400 W weak_fn\n"
				    "ffffffff81000500 T _etext\n"
				    "ffffffffc0001000 t mod_fn\t[mymod]\n"
				    "ffffffffc0001080 t mod_other\t[mymod]\n"
				    "ffffffffc0002000 b mod_bss\t[mymod]\n"
				    "ffffffffc0003000 t bpf_prog_6deef7357e7b4530_handle\t[bpf]\n";

static const char hidden_kallsyms[] = "0000000000000000 T _stext\n"
				      "0000000000000000 T do_one\n"
				      "0000000000000000 t do_two\n";

static int write_file(const char *text, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "/tmp/latscope-ksyms-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0) {
		return -1;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

struct lookup_case {
	uint64_t addr;
	const char *name; /* NULL: no symbol */
	uint64_t offset;
	const char *formatted;
	const char *what;
};

static const struct lookup_case cases[] = {
    {0xffffffff80ffffffULL, NULL, 0, "0xffffffff80ffffff", "before the first symbol"},
    {0xffffffff81000000ULL, "_stext", 0, "_stext+0x0", "at a symbol, global preferred"},
    {0xffffffff81000100ULL, "do_one", 0, "do_one+0x0", "at a function"},
    {0xffffffff810001ffULL, "do_one", 0xff, "do_one+0xff", "last byte of a function"},
    {0xffffffff81000234ULL, "do_two", 0x34, "do_two+0x34", "inside a local function"},
    {0xffffffff81000310ULL, NULL, 0, "0xffffffff81000310", "in data, between functions"},
    {0xffffffff81000401ULL, "weak_fn", 1, "weak_fn+0x1", "inside a weak function"},
    {0xffffffffc0001010ULL, "mod_fn [mymod]", 0x10, "mod_fn+0x10 [mymod]", "module function"},
    {0xffffffffc0001100ULL, "mod_other [mymod]", 0x80, "mod_other+0x80 [mymod]",
     "second module function"},
    {0xffffffffc0002010ULL, NULL, 0, "0xffffffffc0002010", "module bss"},
    {0xffffffffc0003042ULL, "bpf_prog_6deef7357e7b4530_handle [bpf]", 0x42,
     "bpf_prog_6deef7357e7b4530_handle+0x42 [bpf]", "BPF program"},
    {0xffffffffc0103000ULL, NULL, 0, "0xffffffffc0103000", "far past the last symbol"},
};

static void test_fake(void)
{
	char path[64];
	struct lat_ksyms *ksyms = NULL;
	int err;

	if (!ok(write_file(fake_kallsyms, path, sizeof(path)) == 0, "fake kallsyms written")) {
		return;
	}
	err = lat_ksyms_load(path, &ksyms);
	is_int(err, 0, "fake kallsyms loads");
	unlink(path);
	if (err) {
		return;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct lookup_case *c = &cases[i];
		uint64_t offset = 12345;
		const char *name = lat_ksyms_lookup(ksyms, c->addr, &offset);
		char buf[128];

		is_str(name, c->name, "lookup %s (0x%llx)", c->what, (unsigned long long)c->addr);
		if (c->name) {
			is_int(offset, c->offset, "offset %s", c->what);
		}
		lat_ksyms_format(ksyms, c->addr, buf, sizeof(buf));
		is_str(buf, c->formatted, "format %s", c->what);
	}
	{
		char small[8];

		lat_ksyms_format(ksyms, 0xffffffff81000234ULL, small, sizeof(small));
		is_str(small, "do_two+", "format truncates to the buffer");
	}
	lat_ksyms_free(ksyms);
}

static void test_errors(void)
{
	char path[64];
	struct lat_ksyms *ksyms = (struct lat_ksyms *)1;

	if (ok(write_file(hidden_kallsyms, path, sizeof(path)) == 0, "hidden kallsyms written")) {
		is_int(lat_ksyms_load(path, &ksyms), -EPERM, "all-zero addresses give -EPERM");
		ok(ksyms == NULL, "no table on error");
		unlink(path);
	}
	if (ok(write_file("", path, sizeof(path)) == 0, "empty kallsyms written")) {
		is_int(lat_ksyms_load(path, &ksyms), -ENOENT, "empty file gives -ENOENT");
		unlink(path);
	}
	if (ok(write_file("garbage\nnot kallsyms at all\n", path, sizeof(path)) == 0,
	       "garbage kallsyms written")) {
		is_int(lat_ksyms_load(path, &ksyms), -ENOENT, "garbage gives -ENOENT");
		unlink(path);
	}
	is_int(lat_ksyms_load("/nonexistent/kallsyms", &ksyms), -ENOENT, "missing file: -ENOENT");
	ok(lat_ksyms_lookup(NULL, 0x1234, NULL) == NULL, "lookup in no table is NULL");
	lat_ksyms_free(NULL);
}

/* A function's address read from the file must resolve to that function. */
static void test_real(void)
{
	static const char *const wanted[] = {"schedule", "do_nanosleep", "ksys_read"};
	struct lat_ksyms *ksyms = NULL;
	struct timespec t0, t1;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int err;

	if (geteuid() != 0) {
		skip(4, "not root: real /proc/kallsyms addresses are hidden");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = lat_ksyms_load(NULL, &ksyms);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	is_int(err, 0, "real /proc/kallsyms loads");
	tap_diag("diag ksyms: /proc/kallsyms loaded in %.1f ms",
		 (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (err) {
		skip(3, "no kallsyms");
		return;
	}
	f = fopen("/proc/kallsyms", "r");
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		unsigned long long addr = 0;
		char type, name[256];
		char buf[300], expected[300];

		rewind(f);
		while (getline(&line, &cap, f) > 0) {
			if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 &&
			    strcmp(name, wanted[i]) == 0) {
				break;
			}
			addr = 0;
		}
		lat_ksyms_format(ksyms, addr + 4, buf, sizeof(buf));
		snprintf(expected, sizeof(expected), "%s+0x4", wanted[i]);
		is_str(buf, expected, "real kallsyms: %s+4 resolves", wanted[i]);
	}
	free(line);
	fclose(f);
	{
		uint64_t base = 0xffffffff81000000ULL;
		char buf[300];

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < 200000; i++) {
			lat_ksyms_format(ksyms, base + (uint64_t)i * 4099 % 0x1000000, buf,
					 sizeof(buf));
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		tap_diag("diag ksyms: %.1f M addresses formatted/s",
			 0.2 / ((double)(t1.tv_sec - t0.tv_sec) +
				(double)(t1.tv_nsec - t0.tv_nsec) / 1e9));
	}
	lat_ksyms_free(ksyms);
}

int main(void)
{
	test_fake();
	test_errors();
	test_real();
	return tap_done_testing();
}
