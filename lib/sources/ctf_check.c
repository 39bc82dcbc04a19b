/* ctf_check.c: CTF metadata checks (packets, TSDL, clocks, packet layout) before libbabeltrace2. */
#include "sources/ctf_check.h"
#include "util/errtext.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define METADATA_MAGIC     0x75D11D57u
#define METADATA_HEADER    37 /* bytes of a metadata packet header */
#define METADATA_MAX_BYTES (64u << 20)
#define MAX_TOKENS         (8u << 20)
#define MAX_ALIASES        4096
#define MAX_TYPE_DEPTH     16

/* --- packetized metadata ---------------------------------------------------------------- */

static int depacketize(const unsigned char *data, size_t len, char **text, size_t *text_len,
		       char *err, size_t err_len)
{
	bool big_endian = data[0] == 0x75; /* the magic in the writer's byte order */
	unsigned char uuid[16];
	size_t off = 0, n = 0;
	uint32_t packet = 0;
	char *out;

	out = malloc(len + 1);
	if (!out) {
		return -ENOMEM;
	}
	while (off < len) {
		const unsigned char *h = data + off;
		uint32_t content, size;

		if (len - off < METADATA_HEADER) {
			lat_errtext_set(err, err_len,
					"metadata packet %" PRIu32
					" at byte %zu: cut short (%zu of the header's "
					"%d bytes)",
					packet, off, len - off, METADATA_HEADER);
			goto invalid;
		}
		if (lat_ctf_get_u32(h, big_endian) != METADATA_MAGIC) {
			lat_errtext_set(err, err_len,
					"metadata packet %" PRIu32
					" at byte %zu: bad magic 0x%08" PRIx32 " (not 0x75d11d57)",
					packet, off, lat_ctf_get_u32(h, big_endian));
			goto invalid;
		}
		if (packet == 0) {
			memcpy(uuid, h + 4, 16);
		} else if (memcmp(uuid, h + 4, 16) != 0) {
			lat_errtext_set(err, err_len,
					"metadata packet %" PRIu32
					" at byte %zu: uuid differs from the first "
					"packet's",
					packet, off);
			goto invalid;
		}
		content = lat_ctf_get_u32(h + 24, big_endian);
		size = lat_ctf_get_u32(h + 28, big_endian);
		if (h[32] || h[33] || h[34]) {
			lat_errtext_set(err, err_len,
					"metadata packet %" PRIu32
					" at byte %zu: compressed, encrypted or "
					"checksummed (schemes %u/%u/%u): not supported",
					packet, off, h[32], h[33], h[34]);
			goto invalid;
		}
		if (h[35] != 1 || h[36] != 8) {
			lat_errtext_set(err, err_len,
					"metadata packet %" PRIu32
					" at byte %zu: CTF version %u.%u (not 1.8)",
					packet, off, h[35], h[36]);
			goto invalid;
		}
		if (content % 8 || size % 8 || content < METADATA_HEADER * 8 || content > size) {
			lat_errtext_set(err, err_len,
					"metadata packet %" PRIu32
					" at byte %zu: bad sizes (content %" PRIu32
					" bits, packet %" PRIu32 " bits)",
					packet, off, content, size);
			goto invalid;
		}
		if (content / 8 > len - off) {
			lat_errtext_set(err, err_len,
					"metadata packet %" PRIu32
					" at byte %zu: cut short (%zu of its %" PRIu32
					" bytes of content)",
					packet, off, len - off, content / 8);
			goto invalid;
		}
		memcpy(out + n, h + METADATA_HEADER, content / 8 - METADATA_HEADER);
		n += content / 8 - METADATA_HEADER;
		if (size / 8 >= len - off) {
			break; /* the last packet (its padding may be missing) */
		}
		off += size / 8;
		packet++;
	}
	out[n] = '\0';
	*text = out;
	*text_len = n;
	return 0;
invalid:
	free(out);
	return -EINVAL;
}

/* --- TSDL: tokens, nesting, duplicate members, clocks, packet layout --------------------- */

enum tok_kind { T_IDENT, T_NUM, T_STR, T_PUNCT };

struct tok {
	const char *s;
	uint32_t len;
	uint32_t line;
	uint8_t kind;
};

struct alias {
	char name[64];
	uint32_t begin, end; /* the type's tokens */
};

struct tsdl {
	const char *text;
	size_t len;
	struct tok *t;
	int32_t *match; /* the matching bracket of ( [ { ) ] }, or -1 */
	uint32_t n, cap;
	struct alias *aliases;
	uint32_t naliases;
	bool trace_be; /* the trace's byte_order */
	char *err;
	size_t err_len;
};

static bool is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int push_tok(struct tsdl *p, const char *s, size_t len, uint32_t line, uint8_t kind)
{
	if (p->n == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 1024;
		struct tok *t;

		if (cap > MAX_TOKENS) {
			lat_errtext_set(p->err, p->err_len,
					"metadata line %" PRIu32 ": too many tokens", line);
			return -EINVAL;
		}
		t = realloc(p->t, cap * sizeof(*t));
		if (!t) {
			return -ENOMEM;
		}
		p->t = t;
		p->cap = cap;
	}
	p->t[p->n++] = (struct tok){s, (uint32_t)len, line, kind};
	return 0;
}

static int lex(struct tsdl *p)
{
	const char *s = p->text, *end = p->text + p->len;
	uint32_t line = 1;
	int ret;

	while (s < end) {
		unsigned char c = (unsigned char)*s;
		const char *start = s;

		if (c == '\n') {
			line++;
			s++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
			s++;
		} else if (c == '/' && s + 1 < end && s[1] == '*') {
			uint32_t first = line;

			for (s += 2; s + 1 < end && !(s[0] == '*' && s[1] == '/'); s++) {
				line += *s == '\n';
			}
			if (s + 1 >= end) {
				lat_errtext_set(p->err, p->err_len,
						"metadata line %" PRIu32 ": comment never closed",
						first);
				return -EINVAL;
			}
			s += 2;
		} else if (c == '/' && s + 1 < end && s[1] == '/') {
			while (s < end && *s != '\n') {
				s++;
			}
		} else if (c == '"' || c == '\'') {
			for (s++; s < end && (unsigned char)*s != c; s++) {
				if (*s == '\\' && s + 1 < end) {
					s++;
				}
				if (*s == '\n' || *s == '\0') {
					break;
				}
			}
			if (s >= end || (unsigned char)*s != c) {
				lat_errtext_set(p->err, p->err_len,
						"metadata line %" PRIu32 ": string never closed",
						line);
				return -EINVAL;
			}
			s++;
			ret = push_tok(p, start, s - start, line, T_STR);
			if (ret) {
				return ret;
			}
		} else if (is_ident_start(c)) {
			while (s < end && is_ident_char((unsigned char)*s)) {
				s++;
			}
			ret = push_tok(p, start, s - start, line, T_IDENT);
			if (ret) {
				return ret;
			}
		} else if (c >= '0' && c <= '9') {
			while (s < end && is_ident_char((unsigned char)*s)) {
				s++;
			}
			ret = push_tok(p, start, s - start, line, T_NUM);
			if (ret) {
				return ret;
			}
		} else if (strchr("{}[]()<>;,:=.+-*&|^~!?%", c) && c) {
			size_t n = 1;

			if (c == ':' && s + 1 < end && s[1] == '=') {
				n = 2;
			} else if (c == '.' && end - s >= 3 && s[1] == '.' && s[2] == '.') {
				n = 3;
			} else if (c == '-' && s + 1 < end && s[1] == '>') {
				n = 2;
			}
			s += n;
			ret = push_tok(p, start, n, line, T_PUNCT);
			if (ret) {
				return ret;
			}
		} else {
			lat_errtext_set(p->err, p->err_len,
					"metadata line %" PRIu32 ": unexpected byte 0x%02x", line,
					c);
			return -EINVAL;
		}
	}
	return 0;
}

static bool tok_is(const struct tsdl *p, uint32_t i, const char *s)
{
	size_t len = strlen(s);

	return i < p->n && p->t[i].len == len && memcmp(p->t[i].s, s, len) == 0;
}

static bool is_open(const struct tsdl *p, uint32_t i)
{
	return p->t[i].kind == T_PUNCT && p->t[i].len == 1 && strchr("([{", p->t[i].s[0]);
}

/* Pairs the brackets; the nesting depth is bounded (babeltrace2's parser recurses). */
static int match_brackets(struct tsdl *p)
{
	uint32_t stack[LAT_CTF_MAX_NESTING];
	int depth = 0;

	p->match = malloc((p->n ? p->n : 1) * sizeof(*p->match));
	if (!p->match) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < p->n; i++) {
		const struct tok *t = &p->t[i];

		p->match[i] = -1;
		if (t->kind != T_PUNCT || t->len != 1) {
			continue;
		}
		if (strchr("([{", t->s[0])) {
			if (depth == LAT_CTF_MAX_NESTING) {
				lat_errtext_set(p->err, p->err_len,
						"metadata line %" PRIu32
						": nested more than %d deep",
						t->line, LAT_CTF_MAX_NESTING);
				return -EINVAL;
			}
			stack[depth++] = i;
		} else if (strchr(")]}", t->s[0])) {
			char want = t->s[0] == ')' ? '(' : t->s[0] == ']' ? '[' : '{';

			if (depth == 0 || p->t[stack[depth - 1]].s[0] != want) {
				lat_errtext_set(p->err, p->err_len,
						"metadata line %" PRIu32 ": unbalanced '%c'",
						t->line, t->s[0]);
				return -EINVAL;
			}
			depth--;
			p->match[i] = (int32_t)stack[depth];
			p->match[stack[depth]] = (int32_t)i;
		}
	}
	if (depth) {
		lat_errtext_set(p->err, p->err_len, "metadata line %" PRIu32 ": '%c' never closed",
				p->t[stack[depth - 1]].line, p->t[stack[depth - 1]].s[0]);
		return -EINVAL;
	}
	return 0;
}

/* The token after the group (or token) at i. */
static uint32_t skip_group(const struct tsdl *p, uint32_t i)
{
	if (is_open(p, i)) {
		return (uint32_t)p->match[i] + 1;
	}
	if (tok_is(p, i, "<")) { /* a variant's tag: <name> or <a.b.c> */
		for (uint32_t j = i + 1; j < p->n && j < i + 64; j++) {
			if (tok_is(p, j, ">")) {
				return j + 1;
			}
			if (p->t[j].kind == T_PUNCT && !tok_is(p, j, ".")) {
				break;
			}
		}
	}
	return i + 1;
}

/* The end of the statement starting at i (its ';', or `end`). */
static uint32_t statement_end(const struct tsdl *p, uint32_t i, uint32_t end)
{
	while (i < end && !tok_is(p, i, ";")) {
		i = skip_group(p, i);
	}
	return i < end ? i : end;
}

/* The declarator name of [s, e): the last identifier outside brackets; UINT32_MAX if none. */
static uint32_t declarator_name(const struct tsdl *p, uint32_t s, uint32_t e)
{
	uint32_t name = UINT32_MAX;

	for (uint32_t i = s; i < e; i = skip_group(p, i)) {
		if (p->t[i].kind == T_IDENT) {
			name = i;
		}
	}
	return name;
}

struct name_ref {
	const char *s;
	uint32_t len, line;
};

static int compare_names(const void *a, const void *b)
{
	const struct name_ref *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);

	if (c) {
		return c;
	}
	if (x->len != y->len) {
		return x->len < y->len ? -1 : 1;
	}
	return x->line < y->line ? -1 : x->line > y->line;
}

/* A structure's or variant's body at `open`: no two members of the same name. */
static int check_members(struct tsdl *p, uint32_t open)
{
	uint32_t close = (uint32_t)p->match[open], count = 0, cap = 0;
	struct name_ref *names = NULL;
	int ret = 0;

	for (uint32_t i = open + 1; i < close;) {
		uint32_t e = statement_end(p, i, close);

		if (!tok_is(p, i, "typealias") && !tok_is(p, i, "typedef")) {
			uint32_t s = i;

			for (uint32_t j = i; j <= e; j = j < e ? skip_group(p, j) : e + 1) {
				uint32_t name;

				if (j < e && !tok_is(p, j, ",")) {
					continue;
				}
				name = declarator_name(p, s, j);
				s = j + 1;
				if (name == UINT32_MAX) {
					continue;
				}
				if (count == cap) {
					struct name_ref *more;

					cap = cap ? cap * 2 : 32;
					more = realloc(names, cap * sizeof(*names));
					if (!more) {
						free(names);
						return -ENOMEM;
					}
					names = more;
				}
				/* babeltrace2 drops one leading underscore of a field name */
				names[count].s = p->t[name].s;
				names[count].len = p->t[name].len;
				if (names[count].len > 1 && names[count].s[0] == '_') {
					names[count].s++;
					names[count].len--;
				}
				names[count].line = p->t[name].line;
				count++;
			}
		}
		i = e + 1;
	}
	if (count > 1) {
		qsort(names, count, sizeof(*names), compare_names);
		for (uint32_t i = 1; i < count; i++) {
			if (names[i].len == names[i - 1].len &&
			    memcmp(names[i].s, names[i - 1].s, names[i].len) == 0) {
				lat_errtext_set(p->err, p->err_len,
						"metadata line %" PRIu32
						": a second member named \"%.*s\" in one "
						"structure or variant (line %" PRIu32 ")",
						names[i].line, (int)names[i].len, names[i].s,
						names[i - 1].line);
				ret = -EINVAL;
				break;
			}
		}
	}
	free(names);
	return ret;
}

/* Is the '{' at i the body of a structure or a variant? */
static bool is_compound_body(const struct tsdl *p, uint32_t i)
{
	uint32_t k = i;

	if (k == 0) {
		return false;
	}
	k--;
	if (tok_is(p, k, ">")) { /* variant [NAME] <tag> { */
		while (k > 0 && !tok_is(p, k, "<") && i - k < 64) {
			k--;
		}
		if (!tok_is(p, k, "<") || k == 0) {
			return false;
		}
		k--;
	}
	if (p->t[k].kind == T_IDENT && !tok_is(p, k, "struct") && !tok_is(p, k, "variant") &&
	    k > 0) {
		k--;
	}
	return tok_is(p, k, "struct") || tok_is(p, k, "variant");
}

static bool parse_number(const struct tsdl *p, uint32_t i, int64_t *v)
{
	bool negative = false;
	char buf[32];
	uint64_t u;
	char *end;

	if (tok_is(p, i, "-")) {
		negative = true;
		i++;
	} else if (tok_is(p, i, "+")) {
		i++;
	}
	if (i >= p->n || p->t[i].kind != T_NUM || p->t[i].len >= sizeof(buf)) {
		return false;
	}
	memcpy(buf, p->t[i].s, p->t[i].len);
	buf[p->t[i].len] = '\0';
	errno = 0;
	u = strtoull(buf, &end, 0);
	while (*end == 'u' || *end == 'U' || *end == 'l' || *end == 'L') {
		end++;
	}
	if (errno || *end || u > (uint64_t)INT64_MAX + negative) {
		return false;
	}
	*v = negative ? (int64_t)(0 - u) : (int64_t)u;
	return true;
}

/* `key = value` at i inside a block? Returns the value's first token or UINT32_MAX. */
static uint32_t assignment(const struct tsdl *p, uint32_t i, uint32_t e, const char *key)
{
	return tok_is(p, i, key) && i + 2 <= e && tok_is(p, i + 1, "=") ? i + 2 : UINT32_MAX;
}

static int check_clock(struct tsdl *p, uint32_t open, struct lat_ctf_clock *clock)
{
	uint32_t close = (uint32_t)p->match[open], line = p->t[open].line;
	struct lat_ctf_clock c = {.present = true, .freq = 1000000000};
	__int128 ns;

	for (uint32_t i = open + 1; i < close;) {
		uint32_t e = statement_end(p, i, close), v;
		int64_t x;

		if ((v = assignment(p, i, e, "freq")) != UINT32_MAX) {
			if (!parse_number(p, v, &x) || x <= 0) {
				lat_errtext_set(p->err, p->err_len,
						"metadata line %" PRIu32
						": clock frequency not a positive number",
						p->t[i].line);
				return -EINVAL;
			}
			c.freq = (uint64_t)x;
		} else if ((v = assignment(p, i, e, "offset_s")) != UINT32_MAX) {
			if (!parse_number(p, v, &x)) {
				lat_errtext_set(p->err, p->err_len,
						"metadata line %" PRIu32
						": clock offset_s not a 64-bit number",
						p->t[i].line);
				return -EINVAL;
			}
			c.offset_s = x;
		} else if ((v = assignment(p, i, e, "offset")) != UINT32_MAX) {
			if (!parse_number(p, v, &x)) {
				lat_errtext_set(p->err, p->err_len,
						"metadata line %" PRIu32
						": clock offset not a 64-bit number",
						p->t[i].line);
				return -EINVAL;
			}
			c.offset = x;
		}
		i = e + 1;
	}
	/* the offset in ns from the epoch must fit (babeltrace2 and our conversion use int64) */
	ns = (__int128)c.offset_s * 1000000000 + (__int128)c.offset * 1000000000 / c.freq;
	if (ns > INT64_MAX || ns < INT64_MIN) {
		lat_errtext_set(
		    p->err, p->err_len,
		    "metadata line %" PRIu32 ": clock offset out of range (offset_s = %" PRId64
		    ", offset = %" PRId64 " at %" PRIu64 " Hz: more than 2^63 ns from the epoch)",
		    line, c.offset_s, c.offset, c.freq);
		return -EINVAL;
	}
	if (!clock->present) {
		*clock = c;
	}
	return 0;
}

/* --- packet layout: where timestamp_begin/end and the sizes sit -------------------------- */

enum { FT_OTHER, FT_INT, FT_STRUCT };

struct ftype {
	int kind;
	uint32_t size, align; /* bits */
	bool big_endian;
	uint32_t body; /* FT_STRUCT: its '{' */
	uint32_t min_align;
};

static int eval_type(struct tsdl *p, uint32_t s, uint32_t e, struct ftype *out, int depth);

static void join_name(const struct tsdl *p, uint32_t s, uint32_t e, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (uint32_t i = s; i < e; i++) {
		int w =
		    snprintf(out + n, len - n, "%s%.*s", n ? " " : "", (int)p->t[i].len, p->t[i].s);

		if (w < 0 || (size_t)w >= len - n) {
			out[0] = '\0';
			return;
		}
		n += (size_t)w;
	}
}

static const struct alias *find_alias(const struct tsdl *p, const char *name)
{
	for (uint32_t i = p->naliases; i-- > 0;) {
		if (strcmp(p->aliases[i].name, name) == 0) {
			return &p->aliases[i];
		}
	}
	return NULL;
}

/* A named structure `struct NAME { ... }` declared at the top level: its '{', or UINT32_MAX. */
static uint32_t find_struct(const struct tsdl *p, uint32_t name)
{
	for (uint32_t i = 0; i + 2 < p->n; i++) {
		if (tok_is(p, i, "struct") && p->t[i + 1].len == p->t[name].len &&
		    memcmp(p->t[i + 1].s, p->t[name].s, p->t[name].len) == 0 &&
		    tok_is(p, i + 2, "{")) {
			return i + 2;
		}
	}
	return UINT32_MAX;
}

static uint32_t explicit_align(const struct tsdl *p, uint32_t after, uint32_t e)
{
	int64_t v;

	if (tok_is(p, after, "align") && after + 3 < e + 1 && tok_is(p, after + 1, "(") &&
	    parse_number(p, after + 2, &v) && v > 0 && v <= 4096) {
		return (uint32_t)v;
	}
	return 0;
}

static int eval_integer(struct tsdl *p, uint32_t open, struct ftype *out)
{
	uint32_t close = (uint32_t)p->match[open];
	int64_t size = 0, align = 0;

	out->kind = FT_INT;
	out->big_endian = p->trace_be;
	for (uint32_t i = open + 1; i < close;) {
		uint32_t e = statement_end(p, i, close), v;

		if ((v = assignment(p, i, e, "size")) != UINT32_MAX) {
			parse_number(p, v, &size);
		} else if ((v = assignment(p, i, e, "align")) != UINT32_MAX) {
			parse_number(p, v, &align);
		} else if ((v = assignment(p, i, e, "byte_order")) != UINT32_MAX) {
			if (tok_is(p, v, "be") || tok_is(p, v, "network")) {
				out->big_endian = true;
			} else if (tok_is(p, v, "le")) {
				out->big_endian = false;
			}
		}
		i = e + 1;
	}
	if (size <= 0 || size > 64 || align < 0 || align > 4096) {
		out->kind = FT_OTHER;
		return 0;
	}
	out->size = (uint32_t)size;
	out->align = align ? (uint32_t)align : size % 8 ? 1 : 8;
	return 0;
}

/*
 * Lays out the structure whose '{' is at `open` from bit 0: records the four fields in *lay
 * (offsets from the structure's start), its size and alignment. Returns 1 when a member has
 * no fixed size (what follows is unknown), 0, or a negative errno.
 */
static int layout_struct(struct tsdl *p, uint32_t open, struct lat_ctf_layout *lay, uint32_t *size,
			 uint32_t *align, int depth)
{
	uint32_t close = (uint32_t)p->match[open], off = 0, max_align = 1;

	if (depth > MAX_TYPE_DEPTH) {
		return 1;
	}
	for (uint32_t i = open + 1; i < close;) {
		uint32_t e = statement_end(p, i, close), name, count = 1;
		struct ftype ft;
		int ret;

		if (tok_is(p, i, "typealias") || tok_is(p, i, "typedef") || i == e) {
			i = e + 1;
			continue;
		}
		for (uint32_t j = i; j < e; j = skip_group(p, j)) {
			if (tok_is(p, j, ",")) {
				goto partial; /* several declarators: not in LTTng's packet contexts
					       */
			}
		}
		name = declarator_name(p, i, e);
		if (name == UINT32_MAX || name == i) {
			goto partial;
		}
		for (uint32_t j = name + 1; j < e; j = skip_group(p, j)) {
			int64_t n;

			if (!tok_is(p, j, "[") || !parse_number(p, j + 1, &n) || n < 0 ||
			    n > 1 << 20 || !tok_is(p, j + 2, "]")) {
				goto partial;
			}
			count *= (uint32_t)n;
		}
		ret = eval_type(p, i, name, &ft, depth + 1);
		if (ret) {
			return ret;
		}
		if (ft.kind == FT_STRUCT) {
			struct lat_ctf_layout inner = {0};
			uint32_t inner_align = 1;

			ret = layout_struct(p, ft.body, &inner, &ft.size, &inner_align, depth + 1);
			if (ret < 0) {
				return ret;
			}
			if (ret > 0) {
				goto partial;
			}
			ft.align = inner_align > ft.min_align ? inner_align : ft.min_align;
		} else if (ft.kind != FT_INT) {
			goto partial;
		}
		if (ft.align > max_align) {
			max_align = ft.align;
		}
		off = (off + ft.align - 1) / ft.align * ft.align;
		if (ft.kind == FT_INT && count == 1) {
			struct lat_ctf_field_pos pos = {off, (uint8_t)ft.size, ft.big_endian};
			const char *n = p->t[name].s;
			uint32_t len = p->t[name].len;

			if (len > 1 && n[0] == '_') {
				n++;
				len--;
			}
#define FIELD(member)                                                     \
	if (len == sizeof(#member) - 1 && memcmp(n, #member, len) == 0) { \
		lay->member = pos;                                        \
	}
			FIELD(timestamp_begin)
			FIELD(timestamp_end)
			FIELD(content_size)
			FIELD(packet_size)
#undef FIELD
		}
		if ((uint64_t)off + (uint64_t)ft.size * count > UINT32_MAX / 2) {
			goto partial;
		}
		off += ft.size * count;
		i = e + 1;
	}
	*size = off;
	*align = max_align;
	return 0;
partial: /* the fields recorded so far are right; the size is that of what was read */
	*size = off;
	*align = max_align;
	return 1;
}

static int eval_type(struct tsdl *p, uint32_t s, uint32_t e, struct ftype *out, int depth)
{
	char name[64];
	const struct alias *alias;

	memset(out, 0, sizeof(*out));
	out->kind = FT_OTHER;
	if (s >= e || depth > MAX_TYPE_DEPTH) {
		return 0;
	}
	if (tok_is(p, s, "integer") && tok_is(p, s + 1, "{")) {
		return eval_integer(p, s + 1, out);
	}
	if (tok_is(p, s, "enum")) {
		uint32_t colon = s + 1, brace;

		while (colon < e && !tok_is(p, colon, ":") && !tok_is(p, colon, "{")) {
			colon++;
		}
		for (brace = colon; brace < e && !tok_is(p, brace, "{"); brace++) {
		}
		if (colon < e && tok_is(p, colon, ":")) {
			return eval_type(p, colon + 1, brace, out, depth + 1);
		}
		return 0;
	}
	if (tok_is(p, s, "struct")) {
		uint32_t body = UINT32_MAX, after;

		if (tok_is(p, s + 1, "{")) {
			body = s + 1;
		} else if (s + 1 < e && p->t[s + 1].kind == T_IDENT) {
			body = tok_is(p, s + 2, "{") ? s + 2 : find_struct(p, s + 1);
		}
		if (body == UINT32_MAX) {
			return 0;
		}
		out->kind = FT_STRUCT;
		out->body = body;
		after = (uint32_t)p->match[body] + 1;
		if (body != s + 1 && body != s + 2) { /* a named one: its own align() */
			after = (uint32_t)p->match[body] + 1;
			out->min_align = explicit_align(p, after, p->n);
		} else {
			out->min_align = explicit_align(p, after, e);
		}
		if (!out->min_align) {
			out->min_align = 1;
		}
		return 0;
	}
	for (uint32_t i = s; i < e; i++) {
		if (p->t[i].kind != T_IDENT) {
			return 0;
		}
	}
	join_name(p, s, e, name, sizeof(name));
	alias = name[0] ? find_alias(p, name) : NULL;
	if (alias) {
		return eval_type(p, alias->begin, alias->end, out, depth + 1);
	}
	return 0;
}

static int add_alias(struct tsdl *p, uint32_t s, uint32_t e)
{
	uint32_t eq = s;

	while (eq < e && !tok_is(p, eq, ":=")) {
		eq = skip_group(p, eq);
	}
	if (eq >= e || p->naliases >= MAX_ALIASES) {
		return 0;
	}
	if (!p->aliases) {
		p->aliases = calloc(MAX_ALIASES, sizeof(*p->aliases));
		if (!p->aliases) {
			return -ENOMEM;
		}
	}
	join_name(p, eq + 1, e, p->aliases[p->naliases].name, sizeof(p->aliases[0].name));
	if (p->aliases[p->naliases].name[0]) {
		p->aliases[p->naliases].begin = s + 1;
		p->aliases[p->naliases].end = eq;
		p->naliases++;
	}
	return 0;
}

/* `packet.header := TYPE` / `packet.context := TYPE` in a block: TYPE's tokens. */
static bool scope_type(const struct tsdl *p, uint32_t i, uint32_t e, const char *scope, uint32_t *s)
{
	if (tok_is(p, i, "packet") && tok_is(p, i + 1, ".") && tok_is(p, i + 2, scope) &&
	    tok_is(p, i + 3, ":=") && i + 4 < e) {
		*s = i + 4;
		return true;
	}
	return false;
}

static bool field_usable(const struct lat_ctf_field_pos *f)
{
	return f->size_bits && f->size_bits % 8 == 0 && f->offset_bits % 8 == 0;
}

/* The packet header (trace block) and context (every stream block) laid out, if they can be. */
static int compute_layout(struct tsdl *p, struct lat_ctf_layout *out)
{
	struct lat_ctf_layout header = {0}, ctx = {0};
	uint32_t header_size = 0, header_align = 1;
	bool have_ctx = false, same = true;
	int ret;

	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < p->n;) { /* the trace's byte order first: integers use it */
		uint32_t e = statement_end(p, i, p->n);

		if (tok_is(p, i, "trace") && tok_is(p, i + 1, "{")) {
			uint32_t close = (uint32_t)p->match[i + 1];

			for (uint32_t j = i + 2; j < close;) {
				uint32_t je = statement_end(p, j, close), v;

				if ((v = assignment(p, j, je, "byte_order")) != UINT32_MAX) {
					p->trace_be = tok_is(p, v, "be") || tok_is(p, v, "network");
				}
				j = je + 1;
			}
		}
		i = e + 1;
	}
	for (uint32_t i = 0; i < p->n;) {
		uint32_t e = statement_end(p, i, p->n), ts;
		bool is_trace = tok_is(p, i, "trace"), is_stream = tok_is(p, i, "stream");

		if (tok_is(p, i, "typealias")) {
			ret = add_alias(p, i, e);
			if (ret) {
				return ret;
			}
		} else if ((is_trace || is_stream) && tok_is(p, i + 1, "{")) {
			uint32_t close = (uint32_t)p->match[i + 1];

			for (uint32_t j = i + 2; j < close;) {
				uint32_t je = statement_end(p, j, close);
				struct lat_ctf_layout l = {0};
				uint32_t size = 0, align = 1;
				struct ftype ft;

				if (scope_type(p, j, je, is_trace ? "header" : "context", &ts)) {
					ret = eval_type(p, ts, je, &ft, 0);
					if (ret) {
						return ret;
					}
					ret = ft.kind == FT_STRUCT
						  ? layout_struct(p, ft.body, &l, &size, &align, 0)
						  : 1;
					if (ret < 0) {
						return ret;
					}
					/*
					 * A context with a variable member: its fields before it
					 * are placed right when the header's size fits any
					 * alignment the context's later members could add (up to 8
					 * bytes).
					 */
					if (ret > 0 && (is_trace || header_size % 64)) {
						return 0; /* unknown */
					}
					if (ft.min_align > align) {
						align = ft.min_align;
					}
					if (is_trace) {
						header = l;
						header_size = size;
						header_align = align;
					} else {
						uint32_t start =
						    (header_size + align - 1) / align * align;
						struct lat_ctf_field_pos *f[4] = {
						    &l.timestamp_begin, &l.timestamp_end,
						    &l.content_size, &l.packet_size};

						l.context_end_bits = start + size;
						for (int k = 0; k < 4; k++) {
							if (f[k]->size_bits) {
								f[k]->offset_bits += start;
							}
							if (ret > 0 && f[k]->size_bits &&
							    (k == 0 ||
							     f[k]->offset_bits + f[k]->size_bits >
								 l.context_end_bits)) {
								l.context_end_bits =
								    f[k]->offset_bits +
								    f[k]->size_bits;
							}
						}
						if (have_ctx && memcmp(&l, &ctx, sizeof(l)) != 0) {
							same = false;
						}
						ctx = l;
						have_ctx = true;
					}
				}
				j = je + 1;
			}
		}
		i = e + 1;
	}
	(void)header_align;
	if (!have_ctx || !same) {
		return 0;
	}
	(void)header;
	*out = ctx;
	/* babeltrace2 reads the sizes from the packet context only; either gives the other */
	if ((out->packet_size.size_bits && !field_usable(&out->packet_size)) ||
	    (out->content_size.size_bits && !field_usable(&out->content_size)) ||
	    (!out->packet_size.size_bits && !out->content_size.size_bits)) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	out->known = true;
	out->has_timestamps =
	    field_usable(&out->timestamp_begin) && field_usable(&out->timestamp_end);
	return 0;
}

static int check_tsdl(const char *text, size_t len, struct lat_ctf_metadata *md, char *err,
		      size_t err_len)
{
	struct tsdl p = {.text = text, .len = len, .err = err, .err_len = err_len};
	int ret;

	ret = lex(&p);
	if (!ret) {
		ret = match_brackets(&p);
	}
	for (uint32_t i = 0; !ret && i < p.n; i++) {
		if (tok_is(&p, i, "{") && is_compound_body(&p, i)) {
			ret = check_members(&p, i);
		} else if (tok_is(&p, i, "clock") && tok_is(&p, i + 1, "{") &&
			   (i == 0 || tok_is(&p, i - 1, ";") || tok_is(&p, i - 1, "}"))) {
			ret = check_clock(&p, i + 1, &md->clock);
		}
	}
	if (!ret) {
		ret = compute_layout(&p, &md->layout);
	}
	free(p.t);
	free(p.match);
	free(p.aliases);
	return ret;
}

int lat_ctf_metadata_check(const unsigned char *data, size_t len, struct lat_ctf_metadata *md,
			   char *err, size_t err_len)
{
	int ret;

	memset(md, 0, sizeof(*md));
	if (err && err_len) {
		err[0] = '\0';
	}
	if (len == 0) {
		lat_errtext_set(err, err_len, "empty metadata");
		return -EINVAL;
	}
	if (len >= 4 && (lat_ctf_get_u32(data, false) == METADATA_MAGIC ||
			 lat_ctf_get_u32(data, true) == METADATA_MAGIC)) {
		md->packetized = true;
		ret = depacketize(data, len, &md->text, &md->text_len, err, err_len);
		if (ret) {
			return ret;
		}
	} else {
		md->text = malloc(len + 1);
		if (!md->text) {
			return -ENOMEM;
		}
		memcpy(md->text, data, len);
		md->text[len] = '\0';
		md->text_len = len;
	}
	ret = check_tsdl(md->text, md->text_len, md, err, err_len);
	if (ret) {
		lat_ctf_metadata_fini(md);
	}
	return ret;
}

int lat_ctf_metadata_check_file(const char *dir, struct lat_ctf_metadata *md, char *err,
				size_t err_len)
{
	char path[PATH_MAX], why[256];
	unsigned char *data = NULL;
	struct stat st;
	size_t got = 0;
	int fd, ret;

	memset(md, 0, sizeof(*md));
	snprintf(path, sizeof(path), "%s/metadata", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		lat_errtext_set(err, err_len, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > METADATA_MAX_BYTES) {
		ret = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		lat_errtext_set(err, err_len, "%s: %s", path,
				ret == -EFBIG ? "larger than 64 MiB" : "not a regular file");
		close(fd);
		return ret;
	}
	data = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!data) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

		if (n <= 0) {
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	ret = lat_ctf_metadata_check(data, got, md, why, sizeof(why));
	free(data);
	if (ret == -EINVAL) {
		lat_errtext_set(err, err_len, "%s: %s", path, why);
	}
	return ret;
}

void lat_ctf_metadata_fini(struct lat_ctf_metadata *md)
{
	free(md->text);
	md->text = NULL;
	md->text_len = 0;
}

bool lat_ctf_clock_to_ns(const struct lat_ctf_clock *clock, uint64_t cycles, int64_t *ns)
{
	__int128 v;

	if (!clock->freq) {
		return false;
	}
	v = ((__int128)clock->offset + cycles) * 1000000000 / clock->freq;
	v += (__int128)clock->offset_s * 1000000000;
	if (v > INT64_MAX || v < INT64_MIN) {
		return false;
	}
	*ns = (int64_t)v;
	return true;
}
