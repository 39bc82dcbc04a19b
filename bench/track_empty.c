/* track_empty.c: loads one pair of reference probes of bpf/bench_empty.bpf.c for bench/track.sh. */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bench_empty.skel.h"

/* usage: track_empty empty|ts|hash|clock — prints "ready" once attached, detaches on SIGINT or
 * SIGTERM. */
int main(int argc, char **argv)
{
	const char *variant = argc > 1 ? argv[1] : "empty";
	struct bench_empty_bpf *skel;
	struct bpf_program *prog;
	sigset_t stop;
	int sig;
	size_t len = strlen(variant);
	int kept = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: track_empty empty|ts|hash|clock\n");
		return 2;
	}
	skel = bench_empty_bpf__open();
	if (!skel) {
		fprintf(stderr, "track_empty: cannot open the BPF object\n");
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj)
	{
		const char *name = bpf_program__name(prog);
		bool keep = strncmp(name, variant, len) == 0 && name[len] == '_';

		bpf_program__set_autoload(prog, keep);
		kept += keep;
	}
	if (kept != 2 || bench_empty_bpf__load(skel) || bench_empty_bpf__attach(skel)) {
		fprintf(stderr, "track_empty: cannot load or attach variant '%s'\n", variant);
		bench_empty_bpf__destroy(skel);
		return 1;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	printf("ready\n");
	fflush(stdout);
	sigwait(&stop, &sig);
	bench_empty_bpf__destroy(skel);
	return 0;
}
