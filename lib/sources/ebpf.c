/* ebpf.c: the life of a kernel tracker probe: open skeleton, set filters, load, attach, read
 * counters. */
#include "sources/ebpf.h"
#include "util/errtext.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define TRACEFS "/sys/kernel/tracing"

struct lat_ebpf_probe {
	const struct lat_ebpf_skel_ops *ops;
	void *skel;
	struct bpf_object *obj;
	struct lat_tracker_ctl *ctl; /* in the mmap'ed .bss */
	char name[32];
};

const char *lat_ebpf_drop_name(enum lat_drop_reason reason)
{
	switch (reason) {
	case LAT_DROP_INFLIGHT_FULL:
		return "inflight_full";
	case LAT_DROP_RINGBUF_FULL:
		return "ringbuf_full";
	case LAT_DROP_STACK:
		return "stack_failed";
	case LAT_DROP_TIMER:
		return "timer_failed";
	case LAT_DROP_REPLACED:
		return "replaced";
	default:
		return NULL;
	}
}

/* Mounts tracefs where it is expected, if it is not there yet. */
static int ensure_tracefs(char *why, size_t why_len)
{
	if (access(TRACEFS "/events", F_OK) == 0) {
		return 0;
	}
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) != 0 && errno != EBUSY) {
		int err = -errno;

		lat_errtext_set(why, why_len,
				"tracefs is not mounted at " TRACEFS " and mounting it failed: %s",
				strerror(-err));
		return err;
	}
	if (access(TRACEFS "/events", F_OK) != 0) {
		lat_errtext_set(why, why_len, "tracefs at " TRACEFS " has no events/ directory");
		return -ENOENT;
	}
	return 0;
}

int lat_ebpf_check(const struct lat_ebpf_needs *needs, char *why, size_t why_len)
{
	struct btf *vmlinux = NULL;
	int err;

	if (geteuid() != 0) {
		lat_errtext_set(why, why_len,
				"needs root (CAP_BPF and CAP_PERFMON) to load BPF programs");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		lat_errtext_set(why, why_len,
				"the kernel has no BTF (/sys/kernel/btf/vmlinux missing: "
				"CONFIG_DEBUG_INFO_BTF)");
		return -ENOENT;
	}
	err = ensure_tracefs(why, why_len);
	if (err) {
		return err;
	}
	if (!needs || !needs->tracepoints) {
		return 0;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		err = -errno;
		lat_errtext_set(why, why_len, "cannot read the kernel BTF: %s", strerror(-err));
		return err;
	}
	for (const char *const *tp = needs->tracepoints; *tp; tp++) {
		const char *event = strchr(*tp, '/');
		char path[256], type_name[128];

		event = event ? event + 1 : *tp;
		snprintf(path, sizeof(path), TRACEFS "/events/%s", *tp);
		snprintf(type_name, sizeof(type_name), "btf_trace_%s", event);
		if (access(path, F_OK) != 0 ||
		    btf__find_by_name_kind(vmlinux, type_name, BTF_KIND_TYPEDEF) < 0) {
			lat_errtext_set(why, why_len, "the kernel has no tracepoint %s", *tp);
			btf__free(vmlinux);
			return -ENOENT;
		}
	}
	btf__free(vmlinux);
	return 0;
}

/* The map of an internal section (".bss", ".rodata") of obj. */
static struct bpf_map *find_section_map(struct bpf_object *obj, const char *section)
{
	struct bpf_map *map;
	size_t section_len = strlen(section);

	bpf_object__for_each_map(map, obj)
	{
		const char *name = bpf_map__name(map);
		size_t len = strlen(name);

		if (len >= section_len && strcmp(name + len - section_len, section) == 0) {
			return map;
		}
	}
	return NULL;
}

/* The address of global variable var in section's map image (mmap'ed once loaded), or NULL. */
static void *find_global(struct bpf_object *obj, const char *section, const char *var,
			 size_t var_size)
{
	struct bpf_map *map = find_section_map(obj, section);
	const struct btf_var_secinfo *vsi;
	const struct btf_type *datasec;
	struct btf *btf = bpf_object__btf(obj);
	size_t image_size = 0;
	char *image;

	if (!map || !btf) {
		return NULL;
	}
	/* Writable: before load it is the image libbpf copies; after, the mmap of the map. */
	image = (char *)bpf_map__initial_value(map, &image_size);
	datasec = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
	if (!image || !datasec || !btf_is_datasec(datasec)) {
		return NULL;
	}
	vsi = btf_var_secinfos(datasec);
	for (int i = 0; i < btf_vlen(datasec); i++, vsi++) {
		const struct btf_type *t = btf__type_by_id(btf, vsi->type);

		if (t && strcmp(btf__name_by_offset(btf, t->name_off), var) == 0) {
			if (vsi->size != var_size || vsi->offset + vsi->size > image_size) {
				return NULL;
			}
			return image + vsi->offset;
		}
	}
	return NULL;
}

/* A power of two >= pid_max, so that tids index the task slots without colliding. */
static uint32_t default_task_slots(void)
{
	unsigned long pid_max = 32768;
	uint32_t slots = 1024;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");

	if (f) {
		if (fscanf(f, "%lu", &pid_max) != 1) {
			pid_max = 32768;
		}
		fclose(f);
	}
	while (slots < pid_max && slots < (1u << 17)) {
		slots <<= 1;
	}
	return slots;
}

/* The offset of per-CPU variable name in the kernel's .data..percpu section (BTF), or -1. */
static int64_t percpu_offset(const struct btf *vmlinux, const char *name)
{
	int id = btf__find_by_name_kind(vmlinux, ".data..percpu", BTF_KIND_DATASEC);
	const struct btf_type *sec = id > 0 ? btf__type_by_id(vmlinux, id) : NULL;
	const struct btf_var_secinfo *vsi;

	if (!sec) {
		return -1;
	}
	vsi = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vsi++) {
		const struct btf_type *t = btf__type_by_id(vmlinux, vsi->type);

		if (t && strcmp(btf__name_by_offset(vmlinux, t->name_off), name) == 0) {
			return vsi->offset;
		}
	}
	return -1;
}

/*
 * Probes that read this CPU's preempt count (offcpu: was the wake-up in an interrupt?) get the
 * distance from the per-CPU runqueues to __preempt_count; left 0 (unknown) when the BTF lacks one.
 */
static void set_preempt_delta(struct bpf_object *obj)
{
	int64_t *delta = find_global(obj, ".rodata", "lat_pcpu_preempt_delta", sizeof(*delta));
	struct btf *vmlinux;
	int64_t pc, rq;

	if (!delta) {
		return;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		return;
	}
	pc = percpu_offset(vmlinux, "__preempt_count");
	rq = percpu_offset(vmlinux, "runqueues");
	if (pc >= 0 && rq >= 0 && pc != rq) {
		*delta = pc - rq;
	}
	btf__free(vmlinux);
}

static int configure(struct lat_ebpf_probe *probe, const struct lat_ebpf_probe_opts *opts,
		     char *why, size_t why_len)
{
	struct lat_tracker_filter *filter;
	struct bpf_map *map;
	uint32_t *mask;
	uint32_t slots = opts->task_slots ? opts->task_slots : default_task_slots();

	filter = find_global(probe->obj, ".rodata", "lat_filter", sizeof(*filter));
	if (!filter) {
		lat_errtext_set(why, why_len, "%s: the BPF object has no lat_filter in .rodata",
				opts->name);
		return -ENOENT;
	}
	*filter = opts->filter;
	if (filter->ustack_size > LAT_USTACK_MAX) {
		filter->ustack_size = LAT_USTACK_MAX;
	}
	set_preempt_delta(probe->obj);
	if (opts->syscalls.on) {
		struct lat_syscall_set *set =
		    find_global(probe->obj, ".rodata", "lat_sys_set", sizeof(*set));

		if (!set) {
			lat_errtext_set(why, why_len, "%s: this tracker cannot select system calls",
					opts->name);
			return -EINVAL;
		}
		*set = opts->syscalls;
	}

	/* Task-keyed probes: size the slot arrays. */
	mask = find_global(probe->obj, ".rodata", "lat_task_mask", sizeof(*mask));
	if (mask) {
		if (slots & (slots - 1)) {
			lat_errtext_set(why, why_len, "%s: task slots must be a power of two",
					opts->name);
			return -EINVAL;
		}
		*mask = slots - 1;
		map = bpf_object__find_map_by_name(probe->obj, "lat_task_slots");
		if (map) {
			bpf_map__set_max_entries(map, slots);
		}
		map = bpf_object__find_map_by_name(probe->obj, "lat_task_timers");
		if (map) {
			bpf_map__set_max_entries(map, slots);
		}
	}

	if (opts->ringbuf_bytes) {
		map = bpf_object__find_map_by_name(probe->obj, "lat_events");
		if (map) {
			bpf_map__set_max_entries(map, opts->ringbuf_bytes);
		}
	}

	if (!opts->filter.kstack && opts->stack_programs) {
		for (const char *const *name = opts->stack_programs; *name; name++) {
			struct bpf_program *prog =
			    bpf_object__find_program_by_name(probe->obj, *name);

			if (prog) {
				bpf_program__set_autoload(prog, false);
			}
		}
	}
	return 0;
}

int lat_ebpf_probe_load(const struct lat_ebpf_probe_opts *opts, struct lat_ebpf_probe **out,
			char *why, size_t why_len)
{
	struct lat_ebpf_probe *probe;
	int err;

	probe = calloc(1, sizeof(*probe));
	if (!probe) {
		return -ENOMEM;
	}
	probe->ops = opts->skel;
	snprintf(probe->name, sizeof(probe->name), "%s", opts->name);
	probe->skel = probe->ops->open();
	if (!probe->skel) {
		err = errno ? -errno : -EINVAL;
		lat_errtext_set(why, why_len, "%s: cannot open the BPF object: %s", opts->name,
				strerror(-err));
		free(probe);
		return err;
	}
	probe->obj = probe->ops->object(probe->skel);
	err = configure(probe, opts, why, why_len);
	if (err) {
		goto error;
	}
	err = probe->ops->load(probe->skel);
	if (err) {
		err = err < 0 ? err : -EINVAL;
		lat_errtext_set(why, why_len,
				"%s: loading the BPF programs failed: %s (--verbose shows why)",
				opts->name, strerror(-err));
		goto error;
	}
	probe->ctl = find_global(probe->obj, ".bss", "lat_ctl", sizeof(*probe->ctl));
	if (!probe->ctl) {
		err = -ENOENT;
		lat_errtext_set(why, why_len, "%s: the BPF object has no lat_ctl in .bss",
				opts->name);
		goto error;
	}
	*probe->ctl = opts->ctl;
	probe->ctl->enabled = 0;
	*out = probe;
	return 0;

error:
	probe->ops->destroy(probe->skel);
	free(probe);
	return err;
}

int lat_ebpf_probe_attach(struct lat_ebpf_probe *probe, char *why, size_t why_len)
{
	int err = probe->ops->attach(probe->skel);

	if (err) {
		err = err < 0 ? err : -EINVAL;
		lat_errtext_set(why, why_len, "%s: attaching the BPF programs failed: %s",
				probe->name, strerror(-err));
		return err;
	}
	__atomic_store_n(&probe->ctl->enabled, 1, __ATOMIC_RELEASE);
	return 0;
}

void lat_ebpf_probe_destroy(struct lat_ebpf_probe *probe)
{
	if (!probe) {
		return;
	}
	probe->ops->destroy(probe->skel);
	free(probe);
}

struct lat_tracker_ctl *lat_ebpf_probe_ctl(struct lat_ebpf_probe *probe)
{
	return probe->ctl;
}

void *lat_ebpf_probe_skel(struct lat_ebpf_probe *probe)
{
	return probe->skel;
}

struct bpf_object *lat_ebpf_probe_object(struct lat_ebpf_probe *probe)
{
	return probe->obj;
}

int lat_ebpf_probe_events_fd(struct lat_ebpf_probe *probe)
{
	struct bpf_map *map = bpf_object__find_map_by_name(probe->obj, "lat_events");

	return map ? bpf_map__fd(map) : -ENOENT;
}

int lat_ebpf_probe_stats(struct lat_ebpf_probe *probe, uint32_t series, struct lat_stats *sum)
{
	struct bpf_map *map = bpf_object__find_map_by_name(probe->obj, "lat_stats");
	int ncpus = libbpf_num_possible_cpus();
	struct lat_stats *percpu;

	memset(sum, 0, sizeof(*sum));
	if (!map) {
		return -ENOENT;
	}
	if (ncpus <= 0) {
		return ncpus < 0 ? ncpus : -EINVAL;
	}
	percpu = calloc((size_t)ncpus, sizeof(*percpu));
	if (!percpu) {
		return -ENOMEM;
	}
	if (bpf_map_lookup_elem(bpf_map__fd(map), &series, percpu) != 0) {
		int err = -errno;

		free(percpu);
		return err;
	}
	for (int cpu = 0; cpu < ncpus; cpu++) {
		const struct lat_stats *s = &percpu[cpu];

		sum->count += s->count;
		sum->reported += s->reported;
		sum->total_ns += s->total_ns;
		if (s->max_ns > sum->max_ns) {
			sum->max_ns = s->max_ns;
		}
		if (s->min_ns && (!sum->min_ns || s->min_ns < sum->min_ns)) {
			sum->min_ns = s->min_ns;
		}
		for (int i = 0; i < LAT_DROP_MAX; i++) {
			sum->drops[i] += s->drops[i];
		}
		for (int i = 0; i < LAT_HIST_BUCKETS; i++) {
			sum->hist[i] += s->hist[i];
		}
	}
	free(percpu);
	return 0;
}

int lat_ebpf_probe_drops(struct lat_ebpf_probe *probe, uint64_t drops[LAT_DROP_MAX])
{
	struct lat_stats sum;

	memset(drops, 0, sizeof(uint64_t) * LAT_DROP_MAX);
	for (uint32_t series = 0; series < LAT_STATS_SERIES_MAX; series++) {
		int err = lat_ebpf_probe_stats(probe, series, &sum);

		if (err) {
			return err;
		}
		for (int i = 0; i < LAT_DROP_MAX; i++) {
			drops[i] += sum.drops[i];
		}
	}
	return 0;
}

int lat_ebpf_probe_runtime(struct lat_ebpf_probe *probe, uint64_t *run_ns, uint64_t *run_cnt)
{
	struct bpf_program *prog;

	*run_ns = 0;
	*run_cnt = 0;
	bpf_object__for_each_program(prog, probe->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0) {
			continue;
		}
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
			return -errno;
		}
		*run_ns += info.run_time_ns;
		*run_cnt += info.run_cnt;
	}
	return 0;
}

int lat_ebpf_record_check(const void *data, size_t size)
{
	const struct lat_record_hdr *hdr = data;

	if (size < sizeof(*hdr) || hdr->size > size || hdr->size < sizeof(*hdr)) {
		return -EINVAL;
	}
	if (hdr->payload_len && (size_t)hdr->payload_off + hdr->payload_len > hdr->size) {
		return -EINVAL;
	}
	if (hdr->kstack_n &&
	    (hdr->kstack_n > LAT_KSTACK_MAX ||
	     (size_t)hdr->kstack_off + (size_t)hdr->kstack_n * sizeof(__u64) > hdr->size)) {
		return -EINVAL;
	}
	if (hdr->ustack_off) {
		const struct lat_ustack *u;

		if ((size_t)hdr->ustack_off + offsetof(struct lat_ustack, data) > hdr->size) {
			return -EINVAL;
		}
		u = (const struct lat_ustack *)((const char *)data + hdr->ustack_off);
		if (u->len > LAT_USTACK_MAX ||
		    (size_t)hdr->ustack_off + offsetof(struct lat_ustack, data) + u->len >
			hdr->size) {
			return -EINVAL;
		}
	}
	return 0;
}
