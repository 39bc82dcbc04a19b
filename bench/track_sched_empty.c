/* track_sched_empty.c: loads one pair of reference programs (sched_switch + sched_waking) of
 * bpf/bench_sched_empty.bpf.c for bench/track_sched.sh. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bench_sched_empty.skel.h"

/* usage: track_sched_empty [empty|clock|core|stats] — prints "ready" once attached, detaches on
 * SIGINT or SIGTERM. "stats" attaches nothing: it holds BPF run-time statistics on
 * (BPF_ENABLE_STATS) until stopped, whatever anybody writes to kernel.bpf_stats_enabled. */
int main(int argc, char **argv)
{
	const char *variant = argc > 1 ? argv[1] : "empty";
	size_t len = strlen(variant);
	struct bench_sched_empty_bpf *skel;
	struct bpf_program *prog;
	sigset_t stop;
	int sig, kept = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: track_sched_empty [empty|clock|core|stats]\n");
		return 2;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	if (strcmp(variant, "stats") == 0) {
		int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

		if (fd < 0) {
			fprintf(stderr, "track_sched_empty: BPF_ENABLE_STATS: %d\n", fd);
			return 1;
		}
		printf("ready\n");
		fflush(stdout);
		sigwait(&stop, &sig);
		return 0;
	}
	skel = bench_sched_empty_bpf__open();
	if (!skel) {
		fprintf(stderr, "track_sched_empty: cannot open the BPF object\n");
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj)
	{
		const char *name = bpf_program__name(prog);
		bool keep = strncmp(name, variant, len) == 0 && name[len] == '_';

		bpf_program__set_autoload(prog, keep);
		kept += keep;
	}
	if (kept != 2 || bench_sched_empty_bpf__load(skel) || bench_sched_empty_bpf__attach(skel)) {
		fprintf(stderr, "track_sched_empty: cannot load or attach variant '%s'\n", variant);
		bench_sched_empty_bpf__destroy(skel);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	sigwait(&stop, &sig);
	bench_sched_empty_bpf__destroy(skel);
	return 0;
}
