/* usyms.h: user-space stacks: DWARF CFI unwinding from a copy of the stack, and symbolization. */
#ifndef LATSCOPE_UTIL_USYMS_H
#define LATSCOPE_UTIL_USYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A cache of the processes' memory maps and of the ELF files they map (symbol tables, CFI),
 * shared by every stack of a run. Not thread-safe: use one per thread.
 */
struct lat_usyms;

/*
 * User registers at the moment the stack was copied, enough for DWARF CFI on x86-64
 * (the callee-saved registers, the stack and frame pointers and the instruction pointer).
 * The BPF side fills them from bpf_task_pt_regs() of the task.
 */
struct lat_user_regs {
	uint64_t ip, sp, bp, bx, r12, r13, r14, r15;
};

int lat_usyms_create(struct lat_usyms **out);
void lat_usyms_free(struct lat_usyms *usyms);

/* Drops what is cached for pid (it exited or exec'd). */
void lat_usyms_forget(struct lat_usyms *usyms, int pid);

/*
 * Unwinds the user stack of pid (the process, tgid; regs and stack may be those of any of its
 * threads) from regs and a copy of its stack: stack[0] is the byte at address regs->sp and
 * stack_len bytes follow. Fills ips[0..n) (ips[0] = regs->ip) and returns n >= 1, or -errno.
 * *cut_short (if not NULL) is set when unwinding stopped before the outermost frame (copy
 * exhausted, no CFI, max_ips reached, process gone) rather than at the end of the stack.
 * ips[1..n) are return addresses minus one (inside the call instruction, as perf reports them),
 * so that a call ending a function (a noreturn callee) still formats as the caller; do the same
 * to the return addresses of a bpf_get_stack() user stack before formatting them.
 * CFI comes from the mapped files' .eh_frame (or .debug_frame of the build-id debug file);
 * frames without CFI continue with frame pointers. What is cached for pid (maps, modules) keeps
 * serving its stacks after it exits, until lat_usyms_forget(); with nothing cached, a pid that is
 * gone gives -ESRCH. At most 32 processes keep a libdw session (open module files) at once and
 * 4096 processes are cached, least recently used dropped first; call lat_usyms_forget() on exit.
 */
int lat_usyms_unwind(struct lat_usyms *usyms, int pid, const struct lat_user_regs *regs,
		     const void *stack, size_t stack_len, uint64_t *ips, int max_ips,
		     bool *cut_short);

/* One executable mapping as the kernel reported it with a record (bpf/track.h struct lat_umap). */
struct lat_usyms_map {
	uint64_t start, end, off; /* off: in the file, bytes */
	uint64_t dev, ino;        /* dev: as st_dev (makedev) */
	const char *name;         /* the file's name (last component), or "[vdso]" */
};

/*
 * Gives what the kernel knew of pid's executable mappings when its record was made, for a
 * process that may exit before its record is read (a short-lived `sleep`). When pid is cached, or
 * its /proc/PID/maps can still be read, nothing changes; else the process is cached from these
 * mappings (each file found by name, device and inode: among the files already cached, then in
 * the usual directories /usr/bin, /usr/lib/x86_64-linux-gnu ...) and lat_usyms_unwind() unwinds
 * its stack copies from the files' CFI. Returns 0, -ESRCH (gone, no mappings given) or -errno.
 */
int lat_usyms_seed(struct lat_usyms *usyms, int pid, const struct lat_usyms_map *maps,
		   size_t nmaps);

/* Why lat_usyms_unwind_why() stopped. */
enum lat_usyms_stop {
	LAT_USYMS_STOP_END = 0,   /* at the outermost frame: the stack is complete */
	LAT_USYMS_STOP_COPY_END,  /* the next frame's data lies past the end of the stack copy */
	LAT_USYMS_STOP_NO_UNWIND, /* a frame without CFI and without a usable frame pointer */
	LAT_USYMS_STOP_MAX,       /* max_ips frames */
	LAT_USYMS_STOP_GONE,      /* the process is gone and nothing was cached (-ESRCH) */
	LAT_USYMS_STOP_ERROR,     /* another error (returned) */
};

/*
 * lat_usyms_unwind(), saying why it stopped: when the copy reached the top of the stack's
 * mapping, LAT_USYMS_STOP_COPY_END means the walk went past the top: the stack is complete too.
 */
int lat_usyms_unwind_why(struct lat_usyms *usyms, int pid, const struct lat_user_regs *regs,
			 const void *stack, size_t stack_len, uint64_t *ips, int max_ips,
			 enum lat_usyms_stop *stop);

/*
 * Formats a user address of pid as "function+0xoff (file)" or "[unknown] (file+0xoff)" or "0xaddr"
 * into buf (file is the mapped file's base name, 0xoff its offset in the file). Symbols come from
 * the build-id debug file's .symtab when installed, else the file's .symtab, else its .dynsym.
 * Returns 0 when a symbol was found, -ENOENT otherwise (buf is filled either way).
 */
int lat_usyms_format(struct lat_usyms *usyms, int pid, uint64_t addr, char *buf, size_t len);

#endif /* LATSCOPE_UTIL_USYMS_H */
