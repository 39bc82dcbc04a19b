/* usyms.c: user stacks: DWARF CFI unwinding (elfutils libdw) from a stack copy; ELF symbols. */
#include "util/usyms.h"

#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/*
 * Three caches, all filled lazily:
 *  - per process (hash on pid): the executable mappings of /proc/PID/maps, and a Dwfl session
 *    (modules reported from the same maps, thread callbacks attached) reused for every stack of
 *    that process: only the registers and the stack copy change between two unwinds;
 *  - per ELF file (hash on device and inode, shared by every process mapping the file): the
 *    function symbols, from the separate debug file's .symtab (/usr/lib/debug/.build-id/) when
 *    present, else the file's .symtab, else its .dynsym, and the PT_LOAD segments to turn a file
 *    offset into a symbol address.
 * An address outside every cached mapping re-reads the maps (a dlopen, an exec since), at most
 * every MAPS_REFRESH_NS per process, and they are re-read every MAPS_CHECK_NS anyway (an exec or a
 * pid reused with mappings at the same addresses); the Dwfl session is rebuilt only when they
 * changed. A process that exited keeps what was cached until forgotten.
 */
#define PROC_BUCKETS    256
#define FILE_BUCKETS    256
#define MAPS_REFRESH_NS 100000000ULL
#define MAPS_CHECK_NS   1000000000ULL
#define NO_END_SPAN     4096 /* a symbol of size 0 covers at most this much, up to the next */
/*
 * Bounds for a long run over many processes: a Dwfl session holds the module files open (a few
 * descriptors and mappings), so at most MAX_SESSIONS live at once, and at most MAX_PROCS processes
 * are cached; the least recently used go first (a session is rebuilt on demand, in about 1 ms).
 */
#define MAX_SESSIONS 32
#define MAX_PROCS    4096

/* x86-64 DWARF register numbers. */
enum { DW_RBX = 3, DW_RBP = 6, DW_RSP = 7, DW_R12 = 12, DW_RIP = 16 };

struct usym {
	uint64_t addr, size;
	uint32_t name;
	uint32_t rank;
};

struct elf_seg {
	uint64_t vaddr, off, filesz;
};

struct elf_file {
	struct elf_file *next;
	uint64_t dev, ino;
	char *path;
	const char *base; /* basename of path */
	struct usym *syms;
	size_t nsyms;
	char *names;
	struct elf_seg *segs;
	size_t nsegs;
};

struct umap {
	uint64_t start, end, off;
	uint64_t dev, ino;
	char *path;
	struct elf_file *file; /* NULL until first needed */
};

struct uproc {
	struct uproc *next;
	struct lat_usyms *usyms;
	int pid;
	struct umap *maps;
	size_t nmaps;
	uint64_t maps_read_ns;
	uint64_t last_used;
	Dwfl *dwfl;
	bool dwfl_failed;
	bool seeded; /* maps from lat_usyms_seed(): the process was gone */
	/* The unwind in progress (the Dwfl callbacks' argument). */
	const struct lat_user_regs *regs;
	const unsigned char *stack;
	size_t stack_len;
	uint64_t *ips;
	int max_ips, n;
	uint64_t last_bp;
	bool last_bp_known;
	bool read_failed; /* a memory read failed since the last frame was delivered */
	bool read_past;   /* a stack read went past the end of the copy */
};

struct lat_usyms {
	struct uproc *procs[PROC_BUCKETS];
	struct elf_file *files[FILE_BUCKETS];
	size_t nprocs, nsessions;
	uint64_t tick;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- ELF files: symbols and segments ------------------------------------------------------ */

static uint32_t rank_of(const GElf_Sym *sym, const char *name)
{
	uint32_t rank, underscores = 0;

	switch (GELF_ST_BIND(sym->st_info)) {
	case STB_GLOBAL:
		rank = 0;
		break;
	case STB_WEAK:
		rank = 1;
		break;
	default:
		rank = 2;
		break;
	}
	while (name[underscores] == '_' && underscores < 255) {
		underscores++;
	}
	return rank << 8 | underscores;
}

static int cmp_usym(const void *a, const void *b)
{
	const struct usym *x = a, *y = b;

	if (x->addr != y->addr) {
		return x->addr < y->addr ? -1 : 1;
	}
	if (x->rank != y->rank) {
		return x->rank < y->rank ? -1 : 1;
	}
	return x->name < y->name ? -1 : x->name > y->name;
}

struct sym_builder {
	struct usym *syms;
	size_t count, cap;
	char *names;
	size_t names_len, names_cap;
};

static int builder_add(struct sym_builder *b, const GElf_Sym *sym, const char *name)
{
	size_t len = strcspn(name, "@"); /* "memcpy@GLIBC_2.2.5" -> "memcpy" */

	if (b->count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		struct usym *syms = realloc(b->syms, cap * sizeof(*syms));

		if (!syms) {
			return -ENOMEM;
		}
		b->syms = syms;
		b->cap = cap;
	}
	if (b->names_len + len + 1 > b->names_cap) {
		size_t cap = b->names_cap ? b->names_cap * 2 : 16384;
		char *names;

		while (cap < b->names_len + len + 1) {
			cap *= 2;
		}
		if (cap > UINT32_MAX) {
			return -E2BIG;
		}
		names = realloc(b->names, cap);
		if (!names) {
			return -ENOMEM;
		}
		b->names = names;
		b->names_cap = cap;
	}
	memcpy(b->names + b->names_len, name, len);
	b->names[b->names_len + len] = '\0';
	b->syms[b->count++] = (struct usym){
	    .addr = sym->st_value,
	    .size = sym->st_size,
	    .name = (uint32_t)b->names_len,
	    .rank = rank_of(sym, name),
	};
	b->names_len += len + 1;
	return 0;
}

/* Adds the function symbols of the first section of type sh_type; returns how many, or -errno. */
static int read_symtab(Elf *elf, Elf64_Word sh_type, struct sym_builder *b)
{
	Elf_Scn *scn = NULL;
	size_t before = b->count;

	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr shdr;
		Elf_Data *data;
		size_t count;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != sh_type || !shdr.sh_entsize) {
			continue;
		}
		data = elf_getdata(scn, NULL);
		if (!data) {
			return 0;
		}
		count = shdr.sh_size / shdr.sh_entsize;
		for (size_t i = 1; i < count; i++) {
			GElf_Sym sym;
			const char *name;
			int type;
			int err;

			if (!gelf_getsym(data, (int)i, &sym)) {
				break;
			}
			type = GELF_ST_TYPE(sym.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
			    sym.st_shndx == SHN_UNDEF || sym.st_value == 0) {
				continue;
			}
			name = elf_strptr(elf, shdr.sh_link, sym.st_name);
			if (!name || !*name) {
				continue;
			}
			err = builder_add(b, &sym, name);
			if (err) {
				return err;
			}
		}
		break;
	}
	return (int)(b->count - before);
}

/* "/usr/lib/debug/.build-id/xx/yyyy.debug" from the NT_GNU_BUILD_ID note, or -ENOENT. */
static int debug_file_path(Elf *elf, char *path, size_t len)
{
	size_t phnum;

	if (elf_getphdrnum(elf, &phnum) != 0) {
		return -ENOENT;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr phdr;
		Elf_Data *data;
		GElf_Nhdr nhdr;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getphdr(elf, (int)i, &phdr) || phdr.p_type != PT_NOTE) {
			continue;
		}
		data = elf_getdata_rawchunk(elf, (int64_t)phdr.p_offset, phdr.p_filesz,
					    phdr.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
		if (!data) {
			continue;
		}
		while ((off = gelf_getnote(data, off, &nhdr, &name_off, &desc_off)) > 0) {
			const unsigned char *id = (const unsigned char *)data->d_buf + desc_off;
			size_t used;

			if (nhdr.n_type != NT_GNU_BUILD_ID || nhdr.n_namesz != 4 ||
			    memcmp((const char *)data->d_buf + name_off, "GNU", 4) != 0 ||
			    nhdr.n_descsz < 2) {
				continue;
			}
			used = (size_t)snprintf(path, len, "/usr/lib/debug/.build-id/%02x/", id[0]);
			for (size_t j = 1; j < nhdr.n_descsz && used + 3 < len; j++) {
				used += (size_t)snprintf(path + used, len - used, "%02x", id[j]);
			}
			snprintf(path + used, len - used, ".debug");
			return 0;
		}
	}
	return -ENOENT;
}

static void load_segments(Elf *elf, struct elf_file *file)
{
	size_t phnum;

	if (elf_getphdrnum(elf, &phnum) != 0 || phnum == 0) {
		return;
	}
	file->segs = calloc(phnum, sizeof(*file->segs));
	if (!file->segs) {
		return;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr phdr;

		if (gelf_getphdr(elf, (int)i, &phdr) && phdr.p_type == PT_LOAD) {
			file->segs[file->nsegs++] = (struct elf_seg){
			    .vaddr = phdr.p_vaddr,
			    .off = phdr.p_offset,
			    .filesz = phdr.p_filesz,
			};
		}
	}
}

static void load_symbols(Elf *elf, struct elf_file *file)
{
	struct sym_builder b = {0};
	char debug_path[300];
	int found = 0;

	if (debug_file_path(elf, debug_path, sizeof(debug_path)) == 0) {
		int fd = open(debug_path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			Elf *debug = elf_begin(fd, ELF_C_READ_MMAP, NULL);

			if (debug) {
				found = read_symtab(debug, SHT_SYMTAB, &b);
				elf_end(debug);
			}
			close(fd);
		}
	}
	if (found <= 0) {
		found = read_symtab(elf, SHT_SYMTAB, &b);
	}
	if (found <= 0) {
		found = read_symtab(elf, SHT_DYNSYM, &b);
	}
	if (found <= 0 || b.count == 0) {
		free(b.syms);
		free(b.names);
		return;
	}
	qsort(b.syms, b.count, sizeof(*b.syms), cmp_usym);
	/* One symbol per address, the best named; it covers the largest size given there. */
	{
		size_t kept = 0;

		for (size_t i = 0; i < b.count; i++) {
			if (kept && b.syms[kept - 1].addr == b.syms[i].addr) {
				if (b.syms[i].size > b.syms[kept - 1].size) {
					b.syms[kept - 1].size = b.syms[i].size;
				}
				continue;
			}
			b.syms[kept++] = b.syms[i];
		}
		b.count = kept;
	}
	file->syms = b.syms;
	file->nsyms = b.count;
	file->names = b.names;
}

/* The vDSO is the same image in every process: read ours from memory. */
static Elf *open_vdso(void)
{
	const unsigned char *image = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *ehdr = (const Elf64_Ehdr *)image;
	size_t size;

	if (!image || memcmp(image, ELFMAG, SELFMAG) != 0 || image[EI_CLASS] != ELFCLASS64) {
		return NULL;
	}
	size = ehdr->e_shoff + (size_t)ehdr->e_shnum * ehdr->e_shentsize;
	for (size_t i = 0; i < ehdr->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(image + ehdr->e_phoff) + i;

		if (ph->p_offset + ph->p_filesz > size) {
			size = ph->p_offset + ph->p_filesz;
		}
	}
	return elf_memory((char *)image, size);
}

static int open_mapped_file(int pid, const struct umap *map)
{
	char path[64];
	struct stat st;
	int fd = open(map->path, O_RDONLY | O_CLOEXEC);

	/* The same file as the one mapped (not replaced since, not in another mount namespace)? */
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == map->ino) {
		return fd;
	}
	if (fd >= 0) {
		close(fd);
	}
	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", pid,
		 (unsigned long long)map->start, (unsigned long long)map->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fd = open(map->path, O_RDONLY | O_CLOEXEC);
	}
	return fd;
}

static struct elf_file *get_file(struct lat_usyms *usyms, int pid, const struct umap *map)
{
	size_t bucket = (size_t)((map->dev * 31 + map->ino) % FILE_BUCKETS);
	struct elf_file *file;
	Elf *elf = NULL;
	int fd = -1;
	const char *slash;

	for (file = usyms->files[bucket]; file; file = file->next) {
		if (file->dev == map->dev && file->ino == map->ino &&
		    strcmp(file->path, map->path) == 0) {
			return file;
		}
	}
	file = calloc(1, sizeof(*file));
	if (!file) {
		return NULL;
	}
	file->path = strdup(map->path);
	if (!file->path) {
		free(file);
		return NULL;
	}
	file->dev = map->dev;
	file->ino = map->ino;
	slash = strrchr(file->path, '/');
	file->base = slash ? slash + 1 : file->path;
	/* A file that cannot be read is cached too, without symbols: it is not retried. */
	if (strcmp(map->path, "[vdso]") == 0) {
		elf = open_vdso();
	} else if (map->path[0] == '/') {
		fd = open_mapped_file(pid, map);
		if (fd >= 0) {
			elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		}
	}
	if (elf && elf_kind(elf) == ELF_K_ELF) {
		load_segments(elf, file);
		load_symbols(elf, file);
	}
	if (elf) {
		elf_end(elf);
	}
	if (fd >= 0) {
		close(fd);
	}
	file->next = usyms->files[bucket];
	usyms->files[bucket] = file;
	return file;
}

static void free_file(struct elf_file *file)
{
	free(file->path);
	free(file->syms);
	free(file->names);
	free(file->segs);
	free(file);
}

/* The symbol containing the file address vaddr, or NULL. */
static const struct usym *file_lookup(const struct elf_file *file, uint64_t vaddr)
{
	size_t lo = 0, hi = file->nsyms;
	const struct usym *sym;
	uint64_t end;

	if (!file->nsyms || vaddr < file->syms[0].addr) {
		return NULL;
	}
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (file->syms[mid].addr <= vaddr) {
			lo = mid;
		} else {
			hi = mid;
		}
	}
	sym = &file->syms[lo];
	if (sym->size) {
		end = sym->addr + sym->size;
	} else {
		end = sym->addr + NO_END_SPAN;
		if (lo + 1 < file->nsyms && file->syms[lo + 1].addr < end) {
			end = file->syms[lo + 1].addr;
		}
	}
	return vaddr < end ? sym : NULL;
}

static int file_offset_to_vaddr(const struct elf_file *file, uint64_t off, uint64_t *vaddr)
{
	for (size_t i = 0; i < file->nsegs; i++) {
		const struct elf_seg *seg = &file->segs[i];

		if (off >= seg->off && off < seg->off + seg->filesz) {
			*vaddr = off - seg->off + seg->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- processes: maps and the Dwfl session ------------------------------------------------- */

static void free_maps(struct uproc *proc)
{
	for (size_t i = 0; i < proc->nmaps; i++) {
		free(proc->maps[i].path);
	}
	free(proc->maps);
	proc->maps = NULL;
	proc->nmaps = 0;
}

static bool same_maps(const struct umap *a, size_t na, const struct umap *b, size_t nb)
{
	if (na != nb) {
		return false;
	}
	for (size_t i = 0; i < na; i++) {
		if (a[i].start != b[i].start || a[i].end != b[i].end || a[i].off != b[i].off ||
		    a[i].ino != b[i].ino || a[i].dev != b[i].dev || strcmp(a[i].path, b[i].path)) {
			return false;
		}
	}
	return true;
}

/*
 * Reads the executable, file-backed (or vDSO) mappings of /proc/PID/maps; *changed (if not NULL)
 * tells whether they differ from the cached ones (which are kept, with their files, if not).
 */
static int read_maps(struct uproc *proc, bool *changed)
{
	char path[64];
	char *line = NULL;
	size_t cap = 0, count = 0, alloc = 0;
	struct umap *maps = NULL;
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", proc->pid);
	f = fopen(path, "re");
	if (!f) {
		return errno == ENOENT ? -ESRCH : -errno;
	}
	while (getline(&line, &cap, f) > 0) {
		unsigned long long start, end, off, ino;
		unsigned int major, minor;
		char perms[8];
		int name_at = 0;
		char *name;

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off,
			   &major, &minor, &ino, &name_at) < 7 ||
		    name_at == 0 || strchr(perms, 'x') == NULL) {
			continue;
		}
		name = line + name_at;
		name[strcspn(name, "\n")] = '\0';
		if (name[0] != '/' && strcmp(name, "[vdso]") != 0) {
			continue;
		}
		if (count == alloc) {
			size_t n = alloc ? alloc * 2 : 32;
			struct umap *grown = realloc(maps, n * sizeof(*maps));

			if (!grown) {
				err = -ENOMEM;
				break;
			}
			maps = grown;
			alloc = n;
		}
		maps[count] = (struct umap){
		    .start = start,
		    .end = end,
		    .off = off,
		    .dev = makedev(major, minor),
		    .ino = ino,
		    .path = strdup(name),
		};
		if (!maps[count].path) {
			err = -ENOMEM;
			break;
		}
		count++;
	}
	if (!err && (ferror(f) || count == 0)) {
		/* The process exited while its maps were read, or is exiting (its maps are empty
		 * once its memory is gone): not a change of its mappings. */
		err = -ESRCH;
	}
	fclose(f);
	free(line);
	if (err) {
		for (size_t i = 0; i < count; i++) {
			free(maps[i].path);
		}
		free(maps);
		return err;
	}
	proc->maps_read_ns = now_ns();
	if (proc->maps && same_maps(proc->maps, proc->nmaps, maps, count)) {
		for (size_t i = 0; i < count; i++) {
			free(maps[i].path);
		}
		free(maps);
		if (changed) {
			*changed = false;
		}
		return 0;
	}
	free_maps(proc);
	proc->maps = maps;
	proc->nmaps = count;
	if (changed) {
		*changed = true;
	}
	return 0;
}

static struct umap *find_map(struct uproc *proc, uint64_t addr)
{
	size_t lo = 0, hi = proc->nmaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < proc->maps[mid].start) {
			hi = mid;
		} else if (addr >= proc->maps[mid].end) {
			lo = mid + 1;
		} else {
			return &proc->maps[mid];
		}
	}
	return NULL;
}

static void drop_dwfl(struct uproc *proc)
{
	proc->dwfl_failed = false;
	if (proc->dwfl) {
		dwfl_end(proc->dwfl);
		proc->dwfl = NULL;
		proc->usyms->nsessions--;
	}
}

/* The least recently used process other than keep (with a session if with_session), or NULL. */
static struct uproc *least_recent(struct lat_usyms *usyms, const struct uproc *keep,
				  bool with_session)
{
	struct uproc *best = NULL;

	for (size_t i = 0; i < PROC_BUCKETS; i++) {
		for (struct uproc *proc = usyms->procs[i]; proc; proc = proc->next) {
			if (proc != keep && (!with_session || proc->dwfl) &&
			    (!best || proc->last_used < best->last_used)) {
				best = proc;
			}
		}
	}
	return best;
}

/* Re-reads the maps of a live process when addr is in none of the cached ones. */
static struct umap *find_map_refresh(struct uproc *proc, uint64_t addr)
{
	struct umap *map = find_map(proc, addr);
	bool changed;

	if (map || now_ns() - proc->maps_read_ns < MAPS_REFRESH_NS) {
		return map;
	}
	if (read_maps(proc, &changed) != 0) {
		proc->maps_read_ns = now_ns();
		return NULL;
	}
	if (changed) {
		drop_dwfl(proc);
	}
	return find_map(proc, addr);
}

static struct uproc **proc_slot(struct lat_usyms *usyms, int pid)
{
	struct uproc **slot = &usyms->procs[(unsigned int)pid % PROC_BUCKETS];

	while (*slot && (*slot)->pid != pid) {
		slot = &(*slot)->next;
	}
	return slot;
}

/* The cached process, or a new one whose maps could be read; -ESRCH when it is gone. */
static int get_proc(struct lat_usyms *usyms, int pid, struct uproc **out)
{
	struct uproc **slot = proc_slot(usyms, pid);
	struct uproc *proc;
	int err;

	if (*slot) {
		proc = *slot;
		proc->last_used = ++usyms->tick;
		/* Exec or pid reuse since: check the maps now and then (kept if it is gone). */
		if (now_ns() - proc->maps_read_ns >= MAPS_CHECK_NS) {
			bool changed = false;

			if (read_maps(proc, &changed) != 0) {
				proc->maps_read_ns = now_ns();
			} else if (changed) {
				drop_dwfl(proc);
			}
		}
		*out = proc;
		return 0;
	}
	if (pid <= 0) {
		return -ESRCH;
	}
	proc = calloc(1, sizeof(*proc));
	if (!proc) {
		return -ENOMEM;
	}
	proc->pid = pid;
	proc->usyms = usyms;
	proc->last_used = ++usyms->tick;
	err = read_maps(proc, NULL);
	if (err) {
		free(proc);
		return err;
	}
	if (usyms->nprocs >= MAX_PROCS) {
		struct uproc *old = least_recent(usyms, NULL, false);

		if (old) {
			lat_usyms_forget(usyms, old->pid);
			slot = proc_slot(usyms, pid);
		}
	}
	usyms->nprocs++;
	*slot = proc;
	*out = proc;
	return 0;
}

static void free_proc(struct uproc *proc)
{
	drop_dwfl(proc);
	free_maps(proc);
	free(proc);
}

/* find_debuginfo: the build-id debug file only (no debuginfod: no network on the hot path). */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	char path[300];
	size_t used;
	int len = dwfl_module_build_id(mod, &bits, &vaddr);
	int fd;

	if (len < 2) {
		return -1;
	}
	used = (size_t)snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%02x/", bits[0]);
	for (int i = 1; i < len && used + 3 < sizeof(path); i++) {
		used += (size_t)snprintf(path + used, sizeof(path) - used, "%02x", bits[i]);
	}
	snprintf(path + used, sizeof(path) - used, ".debug");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		*debuginfo_file_name = strdup(path);
	}
	return fd;
}

/* The process whose modules libdw may open now (find_elf has no argument to carry it). */
static __thread int opening_pid;

/* find_elf: the file as the process sees it (its root: containers), else libdw's own lookup. */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	if (name[0] == '/' && opening_pid > 0) {
		char path[4096];
		struct stat st;
		int fd;

		if (snprintf(path, sizeof(path), "/proc/%d/root%s", opening_pid, name) <
			(int)sizeof(path) &&
		    (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
				*file_name = strdup(path);
				return fd;
			}
			close(fd);
		}
	}
	return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
}

static const Dwfl_Callbacks dwfl_callbacks = {
    .find_elf = find_elf,
    .find_debuginfo = find_debuginfo,
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	/* One thread: the registers and stack given to lat_usyms_unwind. */
	if (*thread_argp != NULL) {
		return 0;
	}
	*thread_argp = arg;
	return dwfl_pid(dwfl);
}

static bool read_from_file(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
	GElf_Addr bias;
	Elf *elf;
	const char *raw;
	size_t raw_size, phnum;

	if (!mod || !(elf = dwfl_module_getelf(mod, &bias)) ||
	    !(raw = elf_rawfile(elf, &raw_size)) || elf_getphdrnum(elf, &phnum) != 0) {
		return false;
	}
	addr -= bias;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr phdr;

		if (!gelf_getphdr(elf, (int)i, &phdr) || phdr.p_type != PT_LOAD ||
		    addr < phdr.p_vaddr || addr + sizeof(*result) > phdr.p_vaddr + phdr.p_filesz) {
			continue;
		}
		if (phdr.p_offset + (addr - phdr.p_vaddr) + sizeof(*result) > raw_size) {
			return false;
		}
		memcpy(result, raw + phdr.p_offset + (addr - phdr.p_vaddr), sizeof(*result));
		return true;
	}
	return false;
}

static bool read_stack(struct uproc *proc, uint64_t addr, uint64_t *result)
{
	uint64_t sp = proc->regs->sp;

	if (addr < sp || proc->stack_len < sizeof(*result) ||
	    addr - sp > proc->stack_len - sizeof(*result)) {
		if (addr >= sp && addr - sp < (1ULL << 24)) {
			proc->read_past = true; /* above the copy, near it */
		}
		return false;
	}
	memcpy(result, proc->stack + (addr - sp), sizeof(*result));
	return true;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct uproc *proc = arg;
	bool past = proc->read_past;
	uint64_t value;

	if (read_stack(proc, addr, &value)) {
		*result = value;
		return true;
	}
	if (read_from_file(dwfl, addr, result)) {
		proc->read_past = past; /* not a stack read */
		return true;
	}
	proc->read_failed = true;
	return false;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	const struct uproc *proc = arg;
	const struct lat_user_regs *r = proc->regs;
	Dwarf_Word rbx = r->bx;
	Dwarf_Word rbp_rsp[2] = {r->bp, r->sp};
	Dwarf_Word r12_rip[5] = {r->r12, r->r13, r->r14, r->r15, r->ip};

	/* Only the registers we were given: the others stay unknown rather than wrong. */
	return dwfl_thread_state_registers(thread, DW_RBX, 1, &rbx) &&
	       dwfl_thread_state_registers(thread, DW_RBP, 2, rbp_rsp) &&
	       dwfl_thread_state_registers(thread, DW_R12, 5, r12_rip);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
    .next_thread = next_thread,
    .memory_read = memory_read,
    .set_initial_registers = set_initial_registers,
};

/*
 * Reports the modules of a process that is gone from its seeded maps, as /proc/PID/maps lines.
 * Only the executable mappings are known: a read-only line from the file's start (offset 0) is
 * added in front of each, so that libdw sees the load base (ELF files map offset 0 at their base).
 */
static int report_seeded(Dwfl *dwfl, const struct uproc *proc)
{
	char *text = NULL;
	size_t text_len = 0;
	FILE *out = open_memstream(&text, &text_len);
	FILE *in;
	int err;

	if (!out) {
		return ENOMEM;
	}
	for (size_t i = 0; i < proc->nmaps; i++) {
		const struct umap *m = &proc->maps[i];

		if (m->path[0] != '/') {
			continue;
		}
		if (m->off > 0 && m->off <= m->start) {
			fprintf(out, "%llx-%llx r--p 00000000 %02x:%02x %llu %s\n",
				(unsigned long long)(m->start - m->off),
				(unsigned long long)m->start, major(m->dev), minor(m->dev),
				(unsigned long long)m->ino, m->path);
		}
		fprintf(out, "%llx-%llx r-xp %08llx %02x:%02x %llu %s\n",
			(unsigned long long)m->start, (unsigned long long)m->end,
			(unsigned long long)m->off, major(m->dev), minor(m->dev),
			(unsigned long long)m->ino, m->path);
	}
	if (fclose(out) != 0) {
		free(text);
		return ENOMEM;
	}
	in = fmemopen(text, text_len ? text_len : 1, "r");
	if (!in) {
		free(text);
		return ENOMEM;
	}
	err = text_len ? dwfl_linux_proc_maps_report(dwfl, in) : ENOENT;
	fclose(in);
	free(text);
	return err;
}

static int open_dwfl(struct uproc *proc)
{
	Dwfl *dwfl = dwfl_begin(&dwfl_callbacks);
	int err;

	if (!dwfl) {
		return -ENOMEM;
	}
	dwfl_report_begin(dwfl);
	err = proc->seeded ? report_seeded(dwfl, proc) : dwfl_linux_proc_report(dwfl, proc->pid);
	if (dwfl_report_end(dwfl, NULL, NULL) != 0 && err == 0) {
		err = -1;
	}
	if (err != 0) {
		dwfl_end(dwfl);
		return err > 0 ? (err == ENOENT ? -ESRCH : -err) : -ENOENT;
	}
	if (!dwfl_attach_state(dwfl, NULL, proc->pid, &thread_callbacks, proc)) {
		dwfl_end(dwfl);
		return -ENOEXEC;
	}
	if (proc->usyms->nsessions >= MAX_SESSIONS) {
		struct uproc *old = least_recent(proc->usyms, proc, true);

		if (old) {
			drop_dwfl(old);
		}
	}
	proc->dwfl = dwfl;
	proc->usyms->nsessions++;
	return 0;
}

/* ---- unwinding ------------------------------------------------------------------------------ */

static int frame_callback(Dwfl_Frame *frame, void *arg)
{
	struct uproc *proc = arg;
	Dwarf_Addr pc;
	Dwarf_Word bp;

	if (!dwfl_frame_pc(frame, &pc, NULL)) {
		return -1;
	}
	if (proc->n == 0) {
		pc = proc->regs->ip;
	} else if (pc == 0) {
		return DWARF_CB_OK + 2; /* end of the chain */
	} else {
		/* A return address: the call is before it (and may end a noreturn caller). */
		pc--;
	}
	proc->read_failed = false;
	proc->read_past = false;
	proc->ips[proc->n++] = pc;
	proc->last_bp_known = dwfl_frame_reg(frame, DW_RBP, &bp) == 0;
	proc->last_bp = bp;
	return proc->n >= proc->max_ips ? DWARF_CB_ABORT : DWARF_CB_OK;
}

static bool is_code(struct uproc *proc, uint64_t addr)
{
	return find_map(proc, addr) != NULL;
}

/*
 * Frame-pointer walk from the last frame, whose rbp is bp: [bp] is the caller's rbp, [bp + 8] the
 * return address. Returns true when it reached the end of the chain (a saved rbp of 0), false
 * when it was cut (outside the copy, not code, not growing).
 */
static bool walk_frame_pointers(struct uproc *proc, uint64_t bp)
{
	/* An rbp of 0 to start with says nothing (code without frame pointers leaves it 0). */
	if (bp == 0) {
		return false;
	}
	while (proc->n < proc->max_ips) {
		uint64_t next_bp, ret;

		if ((bp & 7) || !read_stack(proc, bp, &next_bp) ||
		    !read_stack(proc, bp + 8, &ret)) {
			return false;
		}
		if (!is_code(proc, ret)) {
			return false;
		}
		proc->ips[proc->n++] = ret - 1;
		proc->read_past = false;
		if (next_bp == 0) {
			return true; /* the outermost frame saved the 0 that _start put in rbp */
		}
		if (next_bp <= bp) {
			return false;
		}
		bp = next_bp;
	}
	return false;
}

int lat_usyms_unwind(struct lat_usyms *usyms, int pid, const struct lat_user_regs *regs,
		     const void *stack, size_t stack_len, uint64_t *ips, int max_ips,
		     bool *cut_short)
{
	enum lat_usyms_stop stop;
	int n = lat_usyms_unwind_why(usyms, pid, regs, stack, stack_len, ips, max_ips, &stop);

	if (cut_short) {
		*cut_short = stop != LAT_USYMS_STOP_END;
	}
	return n;
}

int lat_usyms_unwind_why(struct lat_usyms *usyms, int pid, const struct lat_user_regs *regs,
			 const void *stack, size_t stack_len, uint64_t *ips, int max_ips,
			 enum lat_usyms_stop *stop)
{
	struct uproc *proc;
	bool complete = false;
	int err, rc;

	*stop = LAT_USYMS_STOP_ERROR;
	if (!usyms || !regs || !ips || max_ips < 1 || (!stack && stack_len)) {
		return -EINVAL;
	}
	err = get_proc(usyms, pid, &proc);
	if (err) {
		if (err == -ESRCH) {
			*stop = LAT_USYMS_STOP_GONE;
		}
		return err;
	}
	proc->regs = regs;
	proc->stack = stack;
	proc->stack_len = stack_len;
	proc->ips = ips;
	proc->max_ips = max_ips;
	proc->n = 0;
	proc->last_bp_known = false;
	proc->read_failed = false;
	proc->read_past = false;

	/* Code loaded since the maps were read (dlopen): read them again, with a new session. */
	find_map_refresh(proc, regs->ip);
	/* Modules are opened lazily, while unwinding too: find_elf needs the pid. */
	opening_pid = pid;
	if (!proc->dwfl && !proc->dwfl_failed) {
		/* Not retried until the maps change (a process gone, or with no usable ELF). */
		proc->dwfl_failed = open_dwfl(proc) != 0;
	}
	if (proc->dwfl) {
		rc = dwfl_getthread_frames(proc->dwfl, dwfl_pid(proc->dwfl), frame_callback, proc);
		/* libdw also ends "normally" when a read failed: the copy was too short. */
		if ((rc == 0 && !proc->read_failed) || rc == DWARF_CB_OK + 2) {
			complete = true;
		}
	}
	if (proc->n == 0) {
		ips[0] = regs->ip;
		proc->n = 1;
		proc->last_bp = regs->bp;
		proc->last_bp_known = true;
	}
	/* No CFI for a frame (or no session at all): continue with frame pointers. */
	if (!complete && proc->n < max_ips && proc->last_bp_known) {
		complete = walk_frame_pointers(proc, proc->last_bp);
	}
	if (complete) {
		*stop = LAT_USYMS_STOP_END;
	} else if (proc->n >= max_ips) {
		*stop = LAT_USYMS_STOP_MAX;
	} else if (proc->read_past) {
		*stop = LAT_USYMS_STOP_COPY_END;
	} else {
		*stop = LAT_USYMS_STOP_NO_UNWIND;
	}
	proc->regs = NULL;
	proc->stack = NULL;
	proc->ips = NULL;
	return proc->n;
}

/* ---- formatting ----------------------------------------------------------------------------- */

int lat_usyms_format(struct lat_usyms *usyms, int pid, uint64_t addr, char *buf, size_t len)
{
	struct uproc *proc;
	struct umap *map;
	const struct usym *sym;
	uint64_t off, vaddr;

	if (!buf || len == 0) {
		return -EINVAL;
	}
	snprintf(buf, len, "0x%llx", (unsigned long long)addr);
	if (!usyms || get_proc(usyms, pid, &proc) != 0) {
		return -ENOENT;
	}
	map = find_map_refresh(proc, addr);
	if (!map) {
		return -ENOENT;
	}
	if (!map->file) {
		map->file = get_file(usyms, pid, map);
		if (!map->file) {
			return -ENOENT;
		}
	}
	off = addr - map->start + map->off;
	if (file_offset_to_vaddr(map->file, off, &vaddr) == 0 &&
	    (sym = file_lookup(map->file, vaddr)) != NULL) {
		snprintf(buf, len, "%s+0x%llx (%s)", map->file->names + sym->name,
			 (unsigned long long)(vaddr - sym->addr), map->file->base);
		return 0;
	}
	snprintf(buf, len, "[unknown] (%s+0x%llx)", map->file->base, (unsigned long long)off);
	return -ENOENT;
}

/* ---- life cycle ----------------------------------------------------------------------------- */

/* The path of a file known by name, device and inode: a file already cached, or one of the
 * usual directories' files of that name that is the same inode. "" when not found. */
static void resolve_path(struct lat_usyms *usyms, const struct lat_usyms_map *m, char *path,
			 size_t len)
{
	static const char *const dirs[] = {
	    "/usr/bin",
	    "/usr/sbin",
	    "/usr/lib/x86_64-linux-gnu",
	    "/usr/lib64",
	    "/usr/lib",
	    "/usr/libexec",
	    "/usr/local/bin",
	    "/usr/local/lib",
	    "/bin",
	    "/sbin",
	    "/lib/x86_64-linux-gnu",
	    "/lib64",
	    "/lib",
	    NULL,
	};
	size_t bucket = (size_t)((m->dev * 31 + m->ino) % FILE_BUCKETS);
	struct stat st;

	path[0] = '\0';
	for (struct elf_file *file = usyms->files[bucket]; file; file = file->next) {
		if (file->dev == m->dev && file->ino == m->ino &&
		    strcmp(file->base, m->name) == 0) {
			snprintf(path, len, "%s", file->path);
			return;
		}
	}
	if (!m->name[0] || strchr(m->name, '/')) {
		return;
	}
	for (const char *const *dir = dirs; *dir; dir++) {
		if (snprintf(path, len, "%s/%s", *dir, m->name) < (int)len &&
		    stat(path, &st) == 0 && st.st_ino == m->ino && st.st_dev == m->dev) {
			return;
		}
	}
	path[0] = '\0';
}

static int cmp_umap(const void *a, const void *b)
{
	const struct umap *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int lat_usyms_seed(struct lat_usyms *usyms, int pid, const struct lat_usyms_map *maps, size_t nmaps)
{
	struct uproc **slot;
	struct uproc *proc;
	int err;

	if (pid <= 0) {
		return -EINVAL;
	}
	slot = proc_slot(usyms, pid);
	if (*slot) {
		return 0; /* cached: what was read while it lived */
	}
	err = get_proc(usyms, pid, &proc);
	if (err != -ESRCH) {
		return err; /* alive (0), or another error */
	}
	if (nmaps == 0) {
		return -ESRCH;
	}
	proc = calloc(1, sizeof(*proc));
	if (!proc) {
		return -ENOMEM;
	}
	proc->maps = calloc(nmaps, sizeof(*proc->maps));
	if (!proc->maps) {
		free(proc);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nmaps; i++) {
		char path[4096];

		if (strcmp(maps[i].name, "[vdso]") == 0) {
			snprintf(path, sizeof(path), "[vdso]");
		} else {
			resolve_path(usyms, &maps[i], path, sizeof(path));
		}
		proc->maps[proc->nmaps] = (struct umap){
		    .start = maps[i].start,
		    .end = maps[i].end,
		    .off = maps[i].off,
		    .dev = maps[i].dev,
		    .ino = maps[i].ino,
		    .path = strdup(path[0] ? path : maps[i].name),
		};
		if (!proc->maps[proc->nmaps].path) {
			free_maps(proc);
			free(proc);
			return -ENOMEM;
		}
		proc->nmaps++;
	}
	qsort(proc->maps, proc->nmaps, sizeof(*proc->maps), cmp_umap);
	proc->pid = pid;
	proc->usyms = usyms;
	proc->seeded = true;
	proc->last_used = ++usyms->tick;
	proc->maps_read_ns = now_ns();
	if (usyms->nprocs >= MAX_PROCS) {
		struct uproc *old = least_recent(usyms, NULL, false);

		if (old) {
			lat_usyms_forget(usyms, old->pid);
		}
	}
	slot = proc_slot(usyms, pid);
	usyms->nprocs++;
	*slot = proc;
	return 0;
}

int lat_usyms_create(struct lat_usyms **out)
{
	struct lat_usyms *usyms;

	if (!out) {
		return -EINVAL;
	}
	elf_version(EV_CURRENT);
	usyms = calloc(1, sizeof(*usyms));
	if (!usyms) {
		return -ENOMEM;
	}
	*out = usyms;
	return 0;
}

void lat_usyms_forget(struct lat_usyms *usyms, int pid)
{
	struct uproc **slot, *proc;

	if (!usyms) {
		return;
	}
	slot = proc_slot(usyms, pid);
	proc = *slot;
	if (proc) {
		*slot = proc->next;
		free_proc(proc);
		usyms->nprocs--;
	}
}

void lat_usyms_free(struct lat_usyms *usyms)
{
	if (!usyms) {
		return;
	}
	for (size_t i = 0; i < PROC_BUCKETS; i++) {
		while (usyms->procs[i]) {
			struct uproc *proc = usyms->procs[i];

			usyms->procs[i] = proc->next;
			free_proc(proc);
			usyms->nprocs--;
		}
	}
	for (size_t i = 0; i < FILE_BUCKETS; i++) {
		while (usyms->files[i]) {
			struct elf_file *file = usyms->files[i];

			usyms->files[i] = file->next;
			free_file(file);
		}
	}
	free(usyms);
}
