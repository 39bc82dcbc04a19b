/* ebpf.h: the life of a kernel tracker probe: open skeleton, set filters, load, attach, read
 * counters. */
#ifndef LATSCOPE_SOURCES_EBPF_H
#define LATSCOPE_SOURCES_EBPF_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../bpf/track.h" /* records shared with the BPF side */

struct bpf_object;
struct ring_buffer;

/*
 * The four skeleton functions of one probe, typed away so a table can hold them.
 * LAT_EBPF_SKEL_DEFINE(syscall) defines `lat_ebpf_skel_syscall` from build/bpf/syscall.skel.h.
 */
struct lat_ebpf_skel_ops {
	void *(*open)(void);
	int (*load)(void *skel);
	int (*attach)(void *skel);
	void (*destroy)(void *skel);
	struct bpf_object *(*object)(void *skel);
};

#define LAT_EBPF_SKEL_DEFINE(name)                                     \
	static void *lat_ebpf_##name##_open(void)                      \
	{                                                              \
		return name##_bpf__open();                             \
	}                                                              \
	static int lat_ebpf_##name##_load(void *skel)                  \
	{                                                              \
		return name##_bpf__load(skel);                         \
	}                                                              \
	static int lat_ebpf_##name##_attach(void *skel)                \
	{                                                              \
		return name##_bpf__attach(skel);                       \
	}                                                              \
	static void lat_ebpf_##name##_destroy(void *skel)              \
	{                                                              \
		name##_bpf__destroy(skel);                             \
	}                                                              \
	static struct bpf_object *lat_ebpf_##name##_object(void *skel) \
	{                                                              \
		return ((struct name##_bpf *)skel)->obj;               \
	}                                                              \
	static const struct lat_ebpf_skel_ops lat_ebpf_skel_##name = { \
	    .open = lat_ebpf_##name##_open,                            \
	    .load = lat_ebpf_##name##_load,                            \
	    .attach = lat_ebpf_##name##_attach,                        \
	    .destroy = lat_ebpf_##name##_destroy,                      \
	    .object = lat_ebpf_##name##_object,                        \
	}

/* What a probe needs from the kernel, checked before loading (for a one-line error). */
struct lat_ebpf_needs {
	const char *const *tracepoints; /* "system/event", NULL-terminated */
};

/* How to open a probe. */
struct lat_ebpf_probe_opts {
	const char *name; /* the tracker's name, for messages */
	const struct lat_ebpf_skel_ops *skel;
	struct lat_tracker_filter filter;  /* written to .rodata before load */
	struct lat_tracker_ctl ctl;        /* initial run-time settings (.bss) */
	const char *const *stack_programs; /* programs loaded only when filter.kstack != 0 */
	size_t ringbuf_bytes;              /* 0: the probe's default */
	uint32_t task_slots;               /* 0: a power of two >= pid_max (task-keyed probes) */
	struct lat_syscall_set syscalls;   /* syscall tracker: the calls timed (on = 0: all) */
};

struct lat_ebpf_probe;

/*
 * Checks that the kernel can run probes at all: root, BTF, tracefs (mounted at
 * /sys/kernel/tracing when it is only unmounted), and each tracepoint in needs.
 * Returns 0, or -errno with a one-line reason in why.
 */
int lat_ebpf_check(const struct lat_ebpf_needs *needs, char *why, size_t why_len);

/*
 * Opens, configures and loads a probe (not attached yet, lat_ctl.enabled = 0).
 * Returns 0 or -errno with a one-line reason in why.
 */
int lat_ebpf_probe_load(const struct lat_ebpf_probe_opts *opts, struct lat_ebpf_probe **out,
			char *why, size_t why_len);

/* Attaches every loaded program, then sets lat_ctl.enabled = 1. */
int lat_ebpf_probe_attach(struct lat_ebpf_probe *probe, char *why, size_t why_len);

void lat_ebpf_probe_destroy(struct lat_ebpf_probe *probe);

/* The live run-time settings in the probe's .bss: writes take effect on the next event. */
struct lat_tracker_ctl *lat_ebpf_probe_ctl(struct lat_ebpf_probe *probe);

/* The skeleton (cast it to struct NAME_bpf *) and its object. */
void *lat_ebpf_probe_skel(struct lat_ebpf_probe *probe);
struct bpf_object *lat_ebpf_probe_object(struct lat_ebpf_probe *probe);

/* The ring buffer map's fd. */
int lat_ebpf_probe_events_fd(struct lat_ebpf_probe *probe);

/* Sums lat_stats[series] over the CPUs. Returns 0 or -errno. */
int lat_ebpf_probe_stats(struct lat_ebpf_probe *probe, uint32_t series, struct lat_stats *sum);

/* Sums the drops of every series (they are counted in series 0, summed here for safety). */
int lat_ebpf_probe_drops(struct lat_ebpf_probe *probe, uint64_t drops[LAT_DROP_MAX]);

/* Total BPF run time and run count of the probe's programs (needs kernel.bpf_stats_enabled). */
int lat_ebpf_probe_runtime(struct lat_ebpf_probe *probe, uint64_t *run_ns, uint64_t *run_cnt);

/* Name of a drop reason, for summaries ("ringbuf_full"...). */
const char *lat_ebpf_drop_name(enum lat_drop_reason reason);

/*
 * Validates a record read from the ring buffer: sizes and offsets inside [0, size).
 * Returns 0 or -EINVAL.
 */
int lat_ebpf_record_check(const void *data, size_t size);

#endif /* LATSCOPE_SOURCES_EBPF_H */
