/* syscallstats.c: per-TID system call counts, durations and return values (lttng-analyses'). */
#include "analyses/syscallstats.h"
#include "outputs/analyses_text.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* errno.errorcode of the Python the peer runs on (Linux x86-64). */
static const char *const errno_names[] = {
    [1] = "EPERM",
    [2] = "ENOENT",
    [3] = "ESRCH",
    [4] = "EINTR",
    [5] = "EIO",
    [6] = "ENXIO",
    [7] = "E2BIG",
    [8] = "ENOEXEC",
    [9] = "EBADF",
    [10] = "ECHILD",
    [11] = "EAGAIN",
    [12] = "ENOMEM",
    [13] = "EACCES",
    [14] = "EFAULT",
    [15] = "ENOTBLK",
    [16] = "EBUSY",
    [17] = "EEXIST",
    [18] = "EXDEV",
    [19] = "ENODEV",
    [20] = "ENOTDIR",
    [21] = "EISDIR",
    [22] = "EINVAL",
    [23] = "ENFILE",
    [24] = "EMFILE",
    [25] = "ENOTTY",
    [26] = "ETXTBSY",
    [27] = "EFBIG",
    [28] = "ENOSPC",
    [29] = "ESPIPE",
    [30] = "EROFS",
    [31] = "EMLINK",
    [32] = "EPIPE",
    [33] = "EDOM",
    [34] = "ERANGE",
    [35] = "EDEADLOCK",
    [36] = "ENAMETOOLONG",
    [37] = "ENOLCK",
    [38] = "ENOSYS",
    [39] = "ENOTEMPTY",
    [40] = "ELOOP",
    [42] = "ENOMSG",
    [43] = "EIDRM",
    [44] = "ECHRNG",
    [45] = "EL2NSYNC",
    [46] = "EL3HLT",
    [47] = "EL3RST",
    [48] = "ELNRNG",
    [49] = "EUNATCH",
    [50] = "ENOCSI",
    [51] = "EL2HLT",
    [52] = "EBADE",
    [53] = "EBADR",
    [54] = "EXFULL",
    [55] = "ENOANO",
    [56] = "EBADRQC",
    [57] = "EBADSLT",
    [59] = "EBFONT",
    [60] = "ENOSTR",
    [61] = "ENODATA",
    [62] = "ETIME",
    [63] = "ENOSR",
    [64] = "ENONET",
    [65] = "ENOPKG",
    [66] = "EREMOTE",
    [67] = "ENOLINK",
    [68] = "EADV",
    [69] = "ESRMNT",
    [70] = "ECOMM",
    [71] = "EPROTO",
    [72] = "EMULTIHOP",
    [73] = "EDOTDOT",
    [74] = "EBADMSG",
    [75] = "EOVERFLOW",
    [76] = "ENOTUNIQ",
    [77] = "EBADFD",
    [78] = "EREMCHG",
    [79] = "ELIBACC",
    [80] = "ELIBBAD",
    [81] = "ELIBSCN",
    [82] = "ELIBMAX",
    [83] = "ELIBEXEC",
    [84] = "EILSEQ",
    [85] = "ERESTART",
    [86] = "ESTRPIPE",
    [87] = "EUSERS",
    [88] = "ENOTSOCK",
    [89] = "EDESTADDRREQ",
    [90] = "EMSGSIZE",
    [91] = "EPROTOTYPE",
    [92] = "ENOPROTOOPT",
    [93] = "EPROTONOSUPPORT",
    [94] = "ESOCKTNOSUPPORT",
    [95] = "ENOTSUP",
    [96] = "EPFNOSUPPORT",
    [97] = "EAFNOSUPPORT",
    [98] = "EADDRINUSE",
    [99] = "EADDRNOTAVAIL",
    [100] = "ENETDOWN",
    [101] = "ENETUNREACH",
    [102] = "ENETRESET",
    [103] = "ECONNABORTED",
    [104] = "ECONNRESET",
    [105] = "ENOBUFS",
    [106] = "EISCONN",
    [107] = "ENOTCONN",
    [108] = "ESHUTDOWN",
    [109] = "ETOOMANYREFS",
    [110] = "ETIMEDOUT",
    [111] = "ECONNREFUSED",
    [112] = "EHOSTDOWN",
    [113] = "EHOSTUNREACH",
    [114] = "EALREADY",
    [115] = "EINPROGRESS",
    [116] = "ESTALE",
    [117] = "EUCLEAN",
    [118] = "ENOTNAM",
    [119] = "ENAVAIL",
    [120] = "EISNAM",
    [121] = "EREMOTEIO",
    [122] = "EDQUOT",
    [123] = "ENOMEDIUM",
    [124] = "EMEDIUMTYPE",
    [125] = "ECANCELED",
    [126] = "ENOKEY",
    [127] = "EKEYEXPIRED",
    [128] = "EKEYREVOKED",
    [129] = "EKEYREJECTED",
    [130] = "EOWNERDEAD",
    [131] = "ENOTRECOVERABLE",
    [132] = "ERFKILL",
};

#define SUCCESS_KEY INT64_MIN

struct ret_count {
	int64_t key; /* SUCCESS_KEY, or the negative return value */
	uint64_t count;
};

struct syscall_stats {
	const char *name;
	uint64_t count;
	int64_t min, max, total;
	unsigned __int128 total_sq;
	struct ret_count *rets;
	uint32_t nrets, rets_cap;
};

struct tid_syscalls {
	char comm[LAT_STATE_COMM_LEN];
	int32_t pid; /* LAT_NO_TID: unknown */
	uint64_t total;
	struct syscall_stats *calls;
	uint32_t ncalls, calls_cap;
};

struct syscallstats {
	const struct lat_analysis_config *config;
	struct lat_tid_map map;
	struct tid_syscalls *tids;
	uint32_t tids_cap;
};

static const struct lat_column_class per_tid_columns[] = {
    {"syscall", "System call", LAT_CLS_SYSCALL, NULL},
    {"count", "Call count", LAT_CLS_NUMBER, "calls"},
    {"min_duration", "Minimum call duration", LAT_CLS_DURATION, NULL},
    {"avg_duration", "Average call duration", LAT_CLS_DURATION, NULL},
    {"max_duration", "Maximum call duration", LAT_CLS_DURATION, NULL},
    {"stdev_duration", "Call duration standard deviation", LAT_CLS_DURATION, NULL},
    {"return_values", "Return values count", LAT_CLS_STRING, NULL},
};
static const struct lat_column_class total_columns[] = {
    {"process", "Process", LAT_CLS_PROCESS, NULL},
    {"count", "Total system call count", LAT_CLS_NUMBER, "calls"},
};
static const struct lat_column_class summary_columns[] = {
    {"time_range", "Time range", LAT_CLS_TIME_RANGE, NULL},
    {"process", "Process", LAT_CLS_PROCESS, NULL},
    {"count", "Total system call count", LAT_CLS_NUMBER, "calls"},
};

#define CLASS(name, title, cols)                                  \
	{                                                         \
		name, title, cols, sizeof(cols) / sizeof(cols[0]) \
	}
static const struct lat_table_class per_tid_class =
    CLASS("per-tid", "System call statistics", per_tid_columns);
static const struct lat_table_class total_class =
    CLASS("total", "Per-TID system call statistics", total_columns);
static const struct lat_table_class summary_class =
    CLASS("summary", "System call statistics - summary", summary_columns);
static const struct lat_table_class *const classes[] = {
    &per_tid_class,
    &total_class,
    &summary_class,
};
static const char *const tags[] = {"syscall", "stats", NULL};

static int syscallstats_init(void *priv, const struct lat_analysis_config *config)
{
	struct syscallstats *ss = priv;

	ss->config = config;
	return 0;
}

static int count_return(struct syscall_stats *sc, const struct lat_syscall *call)
{
	int64_t key = call->ret >= 0 ? SUCCESS_KEY : call->ret;

	for (uint32_t i = 0; i < sc->nrets; i++) {
		if (sc->rets[i].key == key) {
			sc->rets[i].count++;
			return 0;
		}
	}
	if (lat_grow((void **)&sc->rets, &sc->rets_cap, sc->nrets + 1, sizeof(*sc->rets))) {
		return -ENOMEM;
	}
	/* lttng-analyses counts a return value's first occurrence twice: we do not */
	sc->rets[sc->nrets++] = (struct ret_count){.key = key, .count = 1};
	return 0;
}

static int syscallstats_handle_event(void *priv, const struct lat_kevent *ev,
				     const struct lat_state_change *change,
				     const struct lat_state *state)
{
	struct syscallstats *ss = priv;
	const struct lat_syscall *call = change->syscall;
	struct tid_syscalls *tid;
	struct syscall_stats *sc = NULL;
	int64_t duration;
	uint32_t index;
	int ret;

	if (ev->type != LAT_EV_SYSCALL_EXIT || !call) {
		return 0;
	}
	if (!lat_config_task_ok(ss->config, change->task) ||
	    !lat_config_cpu_ok(ss->config, ev->cpu)) {
		return 0;
	}
	ret = lat_tid_map_get(&ss->map, change->task->tid, &index);
	if (ret < 0 || lat_grow((void **)&ss->tids, &ss->tids_cap, index + 1, sizeof(*ss->tids))) {
		return -ENOMEM;
	}
	tid = &ss->tids[index];
	if (ret == 1) {
		memcpy(tid->comm, change->task->comm, sizeof(tid->comm));
		tid->pid = change->task->pid;
	}
	for (uint32_t i = 0; i < tid->ncalls; i++) {
		if (tid->calls[i].name == call->name) {
			sc = &tid->calls[i];
			break;
		}
	}
	if (!sc) {
		if (lat_grow((void **)&tid->calls, &tid->calls_cap, tid->ncalls + 1,
			     sizeof(*tid->calls))) {
			return -ENOMEM;
		}
		sc = &tid->calls[tid->ncalls++];
		sc->name = call->name;
	}
	duration = call->end_ts - call->begin_ts;
	if (sc->count == 0 || duration < sc->min) {
		sc->min = duration;
	}
	if (sc->count == 0 || duration > sc->max) {
		sc->max = duration;
	}
	sc->count++;
	sc->total += duration;
	sc->total_sq += (unsigned __int128)((__int128)duration * duration);
	tid->total++;
	if (call->has_ret && count_return(sc, call)) {
		return -ENOMEM;
	}
	return 0;
}

/*
 * Sample standard deviation as Python's statistics.stdev() returns it: the exact variance
 * (n * sum(x^2) - sum(x)^2) / (n * (n - 1)), square-rooted and rounded once to a double.
 */
static double exact_stdev(const struct syscall_stats *sc)
{
	__int128 n = sc->count, sum = sc->total;
	__int128 num = n * (__int128)sc->total_sq - sum * sum;
	__int128 den = n * (n - 1);
	__float128 v, x;

	if (num <= 0) {
		return 0;
	}
	v = (__float128)num / (__float128)den;
	x = (__float128)__builtin_sqrt((double)v);
	for (int i = 0; i < 3; i++) {
		x = (x + v / x) / 2;
	}
	return (double)x;
}

static void format_returns(char *buf, size_t len, const struct syscall_stats *sc)
{
	size_t n = snprintf(buf, len, "{");

	for (uint32_t i = 0; i < sc->nrets && n < len; i++) {
		const struct ret_count *r = &sc->rets[i];
		const char *sep = i ? ", " : "";

		if (r->key == SUCCESS_KEY) {
			n += snprintf(buf + n, len - n, "%s'success': %" PRIu64, sep, r->count);
		} else if (-r->key < (int64_t)(sizeof(errno_names) / sizeof(errno_names[0])) &&
			   errno_names[-r->key]) {
			n += snprintf(buf + n, len - n, "%s'%s': %" PRIu64, sep,
				      errno_names[-r->key], r->count);
		} else {
			n += snprintf(buf + n, len - n, "%s'%" PRId64 "': %" PRIu64, sep, r->key,
				      r->count);
		}
	}
	if (n < len) {
		snprintf(buf + n, len - n, "}");
	}
}

static int add_tid_table(struct syscallstats *ss, struct lat_result *result, uint32_t i,
			 int64_t begin, int64_t end)
{
	struct tid_syscalls *tid = &ss->tids[i];
	char subtitle[128], pid[16], returns[1024];
	struct lat_table *table;
	uint32_t *order = calloc(tid->ncalls + 1, sizeof(*order));
	double *keys = calloc(tid->ncalls + 1, sizeof(*keys));
	int ret = 0;

	if (tid->pid == LAT_NO_TID) {
		snprintf(pid, sizeof(pid), "?");
	} else {
		snprintf(pid, sizeof(pid), "%d", tid->pid);
	}
	snprintf(subtitle, sizeof(subtitle), "%s (%s, TID: %d)", tid->comm, pid, ss->map.tids[i]);
	table = lat_result_add_table(result, &per_tid_class, begin, end, subtitle);
	if (!order || !keys || !table) {
		ret = -ENOMEM;
		goto out;
	}
	table->role = LAT_SYSCALLSTATS_PER_TID;
	table->subject = ss->map.tids[i];
	for (uint32_t c = 0; c < tid->ncalls; c++) {
		keys[c] = (double)tid->calls[c].count;
	}
	lat_sort_desc_stable(order, tid->ncalls, keys);
	for (uint32_t k = 0; k < tid->ncalls; k++) {
		const struct syscall_stats *sc = &tid->calls[order[k]];
		struct lat_cell *row = lat_table_add_row(table);

		if (!row) {
			ret = -ENOMEM;
			break;
		}
		format_returns(returns, sizeof(returns), sc);
		row[0] = lat_cell_str(LAT_CLS_SYSCALL, sc->name);
		row[1] = lat_cell_int(LAT_CLS_NUMBER, (int64_t)sc->count);
		row[2] = lat_cell_int(LAT_CLS_DURATION, sc->min);
		row[3] = lat_cell_float(LAT_CLS_DURATION, (double)sc->total / (double)sc->count);
		row[4] = lat_cell_int(LAT_CLS_DURATION, sc->max);
		/* a sample deviation needs two calls (the peer asks for three) */
		row[5] = sc->count >= 2 ? lat_cell_float(LAT_CLS_DURATION, exact_stdev(sc))
					: lat_cell_unknown();
		row[6] = lat_cell_str(LAT_CLS_STRING, lat_result_strdup(result, returns));
	}
out:
	free(order);
	free(keys);
	return ret;
}

static int syscallstats_finish(void *priv, const struct lat_state *state, int64_t begin,
			       int64_t end, struct lat_result *result)
{
	struct syscallstats *ss = priv;
	uint32_t count = ss->map.count;
	uint32_t *order = calloc(count + 1, sizeof(*order));
	double *keys = calloc(count + 1, sizeof(*keys));
	struct lat_table *total;
	int ret = 0;

	if (!order || !keys) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < count; i++) {
		keys[i] = (double)ss->tids[i].total;
	}
	lat_sort_desc_stable(order, count, keys);
	for (uint32_t k = 0; k < count && !ret; k++) {
		ret = add_tid_table(ss, result, order[k], begin, end);
	}
	total = ret ? NULL : lat_result_add_table(result, &total_class, begin, end, NULL);
	if (!total) {
		ret = -ENOMEM;
		goto out;
	}
	total->role = LAT_SYSCALLSTATS_TOTAL;
	for (uint32_t k = 0; k < count; k++) {
		const struct tid_syscalls *tid = &ss->tids[order[k]];
		struct lat_cell *row = lat_table_add_row(total);

		if (!row) {
			ret = -ENOMEM;
			break;
		}
		row[0] =
		    lat_cell_process(lat_result_strdup(result, tid->comm), tid->pid != LAT_NO_TID,
				     tid->pid, true, ss->map.tids[order[k]]);
		row[1] = lat_cell_int(LAT_CLS_NUMBER, (int64_t)tid->total);
	}
out:
	free(order);
	free(keys);
	return ret;
}

static void syscallstats_fini(void *priv)
{
	struct syscallstats *ss = priv;

	for (uint32_t i = 0; i < ss->map.count; i++) {
		for (uint32_t c = 0; c < ss->tids[i].ncalls; c++) {
			free(ss->tids[i].calls[c].rets);
		}
		free(ss->tids[i].calls);
	}
	free(ss->tids);
	lat_tid_map_fini(&ss->map);
}

const struct lat_analysis_ops lat_syscallstats_ops = {
    .name = "syscallstats",
    .summary = "Per-TID and global system call statistics",
    .lami = {"System call statistics", "Per-TID and global system call statistics", tags, classes,
	     sizeof(classes) / sizeof(classes[0])},
    .options = LAT_OPTS_PROC_FILTER,
    .priv_size = sizeof(struct syscallstats),
    .init = syscallstats_init,
    .handle_event = syscallstats_handle_event,
    .finish = syscallstats_finish,
    .print_text = lat_syscallstats_print_text,
    .fini = syscallstats_fini,
};
