/* io_int.h: what the I/O analyses' engine (io.c: the automaton, the requests), tables
 * (io_stats.c) and text (io_text.c) share, inside lib/analyses only. */
#ifndef LATSCOPE_ANALYSES_IO_INT_H
#define LATSCOPE_ANALYSES_IO_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyses/analysis.h"

enum { OP_NONE = 0, OP_OPEN, OP_READ, OP_WRITE, OP_CLOSE, OP_SYNC, OP_READ_WRITE };
enum { FDT_UNKNOWN = 0, FDT_DISK, FDT_NET, FDT_MAYBE_NET };

/* The entry arguments read (typed fields of the event, lib/sources/event.h). */
enum { F_FD, F_FLAGS, F_OLDFD, F_NEWFD, F_CMD, F_FAMILY, F_DPORT };

struct afd { /* the automaton's sv.FD */
	int32_t fd;
	uint8_t type;
	bool cloexec;
	char *filename;
};

struct rq { /* a syscall I/O request (sv.SyscallIORequest and subclasses) */
	int64_t begin, end;
	int64_t size; /* -1: None */
	int64_t returned;
	int32_t fd, fd_in, fd_out; /* -1: None (fds are never negative in the peer's requests) */
	int32_t tid;
	int32_t err; /* 0: None */
	uint8_t op, fd_type;
	bool cloexec, valid;
	const char *name;
	char *filename; /* open requests */
	uint32_t proc;  /* period process index (completed requests) */
	uint32_t seq;
};

struct aproc { /* automaton process (by tid) */
	struct afd *fds;
	uint32_t nfds, cap;
	struct rq pending; /* pending.valid: the I/O request of the syscall in flight */
};

struct pfd { /* FDStats */
	int32_t fd;
	uint8_t type;
	int64_t open_ts, close_ts; /* close_ts -1: open */
	char *filename;
	int64_t io_read, io_write; /* FDStats.io: bytes read/written through this fd */
};

struct pproc {       /* ProcessIOStats */
	int32_t pid; /* LAT_NO_TID: None */
	char comm[LAT_STATE_COMM_LEN];
	struct pfd *fds;
	uint32_t nfds, cap;
	/* disk_io, net_io, unk_io (syscalls, by the fd's type) and block_io: read, write */
	int64_t disk_r, disk_w, net_r, net_w, unk_r, unk_w, block_r, block_w;
};

struct brq { /* a block request in flight */
	uint64_t dev, sector;
	uint32_t nr_sector;
	int64_t begin;
	int32_t tid;
	bool write;
};

struct remap {
	uint64_t dev, sector, old_dev, old_sector;
};

struct drq { /* a completed block request */
	int64_t duration;
	uint32_t nr_sector;
};

struct iface { /* IfaceStats */
	char *name;
	int64_t recv, sent;
};

struct pdisk { /* DiskStats */
	uint64_t dev;
	char name[32];
	struct drq *rqs;
	uint32_t nrqs, cap;
};

enum { WANT_STATS = 1, WANT_TOP = 2, WANT_LOG = 4, WANT_FREQ = 8, WANT_USAGE = 16 };

struct io {
	const struct lat_analysis_config *config;
	unsigned want;
	struct lat_tid_map amap;
	struct aproc *aprocs;
	uint32_t aprocs_cap;
	struct lat_tid_map pmap;
	struct pproc *pprocs;
	uint32_t pprocs_cap;
	struct rq *rqs;
	uint32_t nrqs, rqs_cap;
	struct brq *brqs;
	uint32_t nbrqs, brqs_cap;
	struct remap *remaps;
	uint32_t nremaps, remaps_cap;
	struct pdisk *disks;
	uint32_t ndisks, disks_cap;
	struct iface *ifaces;
	uint32_t nifaces, ifaces_cap;
	bool in_period;
};

/* The tables (io_stats.c), in their LAMI order. */
#define LAT_IO_NCLASSES 12
extern const struct lat_table_class lat_io_stats_class, lat_io_disk_stats_class, lat_io_freq_class,
    lat_io_top_class, lat_io_log_class, lat_io_proc_top_class, lat_io_file_top_class,
    lat_io_block_top_class, lat_io_disk_sector_class, lat_io_disk_request_class,
    lat_io_disk_rtps_class, lat_io_netif_class;
extern const struct lat_table_class *const lat_io_classes[LAT_IO_NCLASSES];

/* The period's tables from what io.c kept (io_stats.c). */
int lat_io_finish(void *priv, const struct lat_state *state, int64_t begin, int64_t end,
		  struct lat_result *result);

/* lttng-analyses' text of the tables (io_text.c). */
void lat_io_print_text(const struct lat_result *result, const struct lat_text_opts *opts,
		       FILE *out);

#endif /* LATSCOPE_ANALYSES_IO_INT_H */
