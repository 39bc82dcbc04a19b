/* json.c: JSON strings written and JSON texts read through json-c (see json.h). */
#include "util/json.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define MAX_DEPTH 64

/* The length of the valid UTF-8 sequence at p (RFC 3629: no overlong form, no surrogate, at
 * most U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (p[0] < 0x80) {
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		lo = p[0] == 0xE0 ? 0xA0 : 0x80;
		hi = p[0] == 0xED ? 0x9F : 0xBF;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		lo = p[0] == 0xF0 ? 0x90 : 0x80;
		hi = p[0] == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	if (avail < n || p[1] < lo || p[1] > hi) {
		return 0;
	}
	for (size_t i = 2; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			return 0;
		}
	}
	return n;
}

static unsigned utf8_code(const unsigned char *p, size_t n)
{
	unsigned cp = n == 1 ? p[0] : n == 2 ? p[0] & 0x1F : n == 3 ? p[0] & 0x0F : p[0] & 0x07;

	for (size_t i = 1; i < n; i++) {
		cp = cp << 6 | (p[i] & 0x3F);
	}
	return cp;
}

/* json-c's encoding, then what it leaves as is: DEL always, '<' '>' '&' and non-ASCII by flag.
 * None of these bytes occurs in json-c's own escapes, so they are rewritten where they are. */
static void write_after(FILE *out, const unsigned char *p, unsigned flags)
{
	while (*p) {
		unsigned char c = *p;

		if (c == 0x7f ||
		    ((flags & LAT_JSON_SCRIPT) && (c == '<' || c == '>' || c == '&'))) {
			fprintf(out, "\\u%04x", c);
			p++;
		} else if (c >= 0x80 && (flags & LAT_JSON_ASCII)) {
			size_t n = utf8_len(p, strlen((const char *)p));
			unsigned cp = utf8_code(p, n);

			if (cp >= 0x10000) {
				cp -= 0x10000;
				fprintf(out, "\\u%04x\\u%04x", 0xD800 + (cp >> 10),
					0xDC00 + (cp & 0x3FF));
			} else {
				fprintf(out, "\\u%04x", cp);
			}
			p += n;
		} else {
			fputc(c, out);
			p++;
		}
	}
}

void lat_json_write_string(FILE *out, const char *text, unsigned flags)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t len = strlen((const char *)s), bad = 0;
	bool rewrite = false, plain = true;
	unsigned char *fixed = NULL;
	struct json_object *str;
	const char *encoded;

	for (size_t i = 0; i < len;) {
		size_t n = s[i] >= 0x20 && s[i] < 0x7f ? 1 : utf8_len(s + i, len - i);

		if (n == 0) {
			bad++;
			i++;
			continue;
		}
		if (s[i] == 0x7f || (n > 1 && (flags & LAT_JSON_ASCII)) ||
		    ((flags & LAT_JSON_SCRIPT) && (s[i] == '<' || s[i] == '>' || s[i] == '&'))) {
			rewrite = true;
		}
		plain &= s[i] >= 0x20 && s[i] != '"' && s[i] != '\\';
		i += n;
	}
	if (plain && !rewrite && !bad) {
		/* nothing to escape (most names and labels): the bytes as they are */
		fputc('"', out);
		fwrite(s, 1, len, out);
		fputc('"', out);
		return;
	}
	if (bad) {
		/* each byte that is not UTF-8 becomes U+FFFD (3 bytes) */
		size_t m = 0;

		fixed = malloc(len + 2 * bad + 1);
		if (!fixed) {
			fputs("\"\"", out);
			return;
		}
		for (size_t i = 0; i < len;) {
			size_t n = utf8_len(s + i, len - i);

			if (n == 0) {
				memcpy(fixed + m, "\xEF\xBF\xBD", 3);
				m += 3;
				i++;
				rewrite |= (flags & LAT_JSON_ASCII) != 0;
			} else {
				memcpy(fixed + m, s + i, n);
				m += n;
				i += n;
			}
		}
		fixed[m] = '\0';
		s = fixed;
		len = m;
	}
	str = json_object_new_string_len((const char *)s, (int)(len > INT_MAX ? INT_MAX : len));
	encoded = str ? json_object_to_json_string_ext(str, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE)
		      : NULL;
	if (!encoded) {
		fputs("\"\"", out);
	} else if (rewrite) {
		write_after(out, (const unsigned char *)encoded, flags);
	} else {
		fputs(encoded, out);
	}
	json_object_put(str);
	free(fixed);
}

/*
 * json-c's strict mode still reads 'single-quoted' strings, NaN, Infinity and raw control bytes
 * in strings: RFC 8259 has none of them. Outside strings it has only these bytes.
 */
static bool rfc_bytes(const char *text, size_t len)
{
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (in_string) {
			if (c == '\\') {
				i++;
			} else if (c == '"') {
				in_string = false;
			} else if (c < 0x20) {
				return false;
			}
		} else if (c == '"') {
			in_string = true;
		} else if (!c || !strchr("{}[]:,-+.0123456789eE \t\n\rtruefalsn", c)) {
			return false;
		}
	}
	return true;
}

int lat_json_parse(const char *text, size_t len, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error err;
	size_t end;

	*out = NULL;
	if (len > INT_MAX || !rfc_bytes(text, len)) {
		return -EINVAL;
	}
	tok = json_tokener_new_ex(MAX_DEPTH);
	if (!tok) {
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	err = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!obj && err == json_tokener_continue && end == len) {
		/* a number at the very end waits for what follows it: its end is the text's */
		obj = json_tokener_parse_ex(tok, "", 1);
		err = json_tokener_get_error(tok);
		end = len;
	}
	json_tokener_free(tok);
	if (err != json_tokener_success) {
		json_object_put(obj);
		return -EINVAL; /* json-c 0.16 tells no allocation failure apart */
	}
	for (; end < len; end++) {
		if (!strchr(" \t\n\r", text[end])) {
			json_object_put(obj);
			return -EINVAL;
		}
	}
	*out = obj; /* NULL for the text `null` */
	return 0;
}

const char *lat_json_number_text(struct json_object *number)
{
	return json_object_get_string(number);
}
