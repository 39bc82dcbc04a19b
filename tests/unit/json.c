/* json.c: lib/util/json.c, the one JSON string writer (bytes 0x00-0x1f, DEL, quotes and
 * backslashes, invalid UTF-8, the ASCII and <script> forms) and the one reader. */
#include "util/json.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static char *encode(const char *text, unsigned flags)
{
	static char *buf;
	size_t len;
	FILE *f;

	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	lat_json_write_string(f, text, flags);
	fclose(f);
	return buf;
}

/* The encoding read back by the strict reader (UTF-8 checked): the string, or NULL. */
static char *decode(const char *json)
{
	static char *out;
	struct json_object *o;

	free(out);
	out = NULL;
	if (lat_json_parse(json, strlen(json), &o) == 0 &&
	    json_object_is_type(o, json_type_string)) {
		out = strdup(json_object_get_string(o));
	}
	json_object_put(o);
	return out;
}

static const char *const names[] = {"plain", "ascii", "script"};
static const unsigned profiles[] = {0, LAT_JSON_ASCII, LAT_JSON_SCRIPT};

static void control_bytes(void)
{
	for (int p = 0; p < 3; p++) {
		char want[4096] = "\"", in[40];
		int n = 0;

		for (int c = 1; c < 0x20; c++) {
			static const char *const shorts[0x20] = {
			    [8] = "\\b", [9] = "\\t", [10] = "\\n", [12] = "\\f", [13] = "\\r"};
			char one[8];

			in[n++] = (char)c;
			if (shorts[c]) {
				strcat(want, shorts[c]);
			} else {
				snprintf(one, sizeof(one), "\\u%04x", c);
				strcat(want, one);
			}
		}
		in[n] = '\0';
		strcat(want, "\"");
		is_str(encode(in, profiles[p]), want,
		       "%s: bytes 0x01-0x1f: the short escapes, else \\u00xx", names[p]);
		is_str(decode(encode(in, profiles[p])), in, "%s: 0x01-0x1f read back", names[p]);
		is_str(encode("a\x7f"
			      "b",
			      profiles[p]),
		       "\"a\\u007fb\"", "%s: DEL as \\u007f", names[p]);
		is_str(encode("say \"hi\" \\ / ok", profiles[p]), "\"say \\\"hi\\\" \\\\ / ok\"",
		       "%s: quotes and backslashes escaped, '/' not", names[p]);
		is_str(encode("", profiles[p]), "\"\"", "%s: the empty string", names[p]);
		is_str(encode(NULL, profiles[p]), "\"\"", "%s: NULL as the empty string", names[p]);
	}
}

static void utf8(void)
{
	static const struct {
		const char *in, *plain, *ascii, *what;
	} cases[] = {
	    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
	     "\"caf\\u00e9 \\u20ac \\ud83d\\ude00\"",
	     "valid UTF-8: kept, or \\uXXXX and a surrogate pair"},
	    {"a\xff"
	     "b",
	     "\"a\xef\xbf\xbd"
	     "b\"",
	     "\"a\\ufffdb\"", "a byte that is never UTF-8"},
	    {"\xc0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\"", "\"\\ufffd\\ufffd\"", "an overlong NUL"},
	    {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
	     "\"\\ufffd\\ufffd\\ufffd\"", "a surrogate (U+D800) in UTF-8"},
	    {"\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
	     "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "beyond U+10FFFF"},
	    {"x\xe2\x82", "\"x\xef\xbf\xbd\xef\xbf\xbd\"", "\"x\\ufffd\\ufffd\"",
	     "a sequence cut short"},
	    {"\xc3(", "\"\xef\xbf\xbd(\"", "\"\\ufffd(\"", "a lead byte without its continuation"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		is_str(encode(cases[i].in, 0), cases[i].plain, "plain: %s", cases[i].what);
		is_str(encode(cases[i].in, LAT_JSON_ASCII), cases[i].ascii, "ascii: %s",
		       cases[i].what);
		ok(decode(encode(cases[i].in, 0)) != NULL, "plain: %s: strict JSON in UTF-8",
		   cases[i].what);
		ok(decode(encode(cases[i].in, LAT_JSON_ASCII)) != NULL, "ascii: %s: strict JSON",
		   cases[i].what);
	}
	is_str(encode("</script><b>&amp;", LAT_JSON_SCRIPT),
	       "\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026amp;\"", "script: < > & escaped");
	is_str(encode("</script>", 0), "\"</script>\"", "plain: < > kept");
	is_str(encode("caf\xc3\xa9 <", LAT_JSON_ASCII | LAT_JSON_SCRIPT), "\"caf\\u00e9 \\u003c\"",
	       "ascii and script together");
}

/* Every single byte and 20000 random byte strings: always strict JSON that reads back. */
static void any_bytes(void)
{
	int bad = 0, ascii_bad = 0;
	char in[64];

	for (int c = 1; c < 256; c++) {
		in[0] = (char)c;
		in[1] = '\0';
		for (int p = 0; p < 3; p++) {
			bad += decode(encode(in, profiles[p])) == NULL;
		}
	}
	srand(15);
	for (int i = 0; i < 20000; i++) {
		int n = rand() % 40;

		for (int k = 0; k < n; k++) {
			in[k] = (char)(1 + rand() % 255);
		}
		in[n] = '\0';
		for (int p = 0; p < 3; p++) {
			const char *e = encode(in, profiles[p]);

			bad += decode(e) == NULL;
			if (p == 1) {
				for (const unsigned char *q = (const unsigned char *)e; *q; q++) {
					ascii_bad += *q >= 0x7f || *q < 0x20;
				}
			}
		}
	}
	is_int(bad, 0, "any byte string: strict JSON in UTF-8 that reads back, in every form");
	is_int(ascii_bad, 0, "ascii: only printable ASCII bytes out");
}

static void reader(void)
{
	static const struct {
		const char *text;
		int ret;
		const char *what;
	} cases[] = {
	    {"{\"a\": [1, 2.5, \"x\", true, null]}", 0, "an object"},
	    {"  {\"a\":1}  \n", 0, "white space around"},
	    {"5", 0, "a number alone"},
	    {"-0.5e3", 0, "a number with an exponent, alone"},
	    {"null", 0, "null alone"},
	    {"{\"a\":1} x", -EINVAL, "something after the value"},
	    {"{\"a\":1}{}", -EINVAL, "two values"},
	    {"[1,]", -EINVAL, "a trailing comma"},
	    {"{'a':1}", -EINVAL, "single quotes"},
	    {"[NaN]", -EINVAL, "NaN"},
	    {"[01]", -EINVAL, "a leading zero"},
	    {"\"\xff\"", -EINVAL, "invalid UTF-8 in a string"},
	    {"[\"a\tb\"]", -EINVAL, "a raw control byte in a string"},
	    {"[\"a\\\"'NaN\"]", 0, "quotes and NaN inside a string"},
	    {"[Infinity]", -EINVAL, "Infinity"},
	    {"{\"a\":", -EINVAL, "cut short"},
	    {"", -EINVAL, "empty"},
	};
	struct json_object *o;
	char deep[200];
	int ret;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ret = lat_json_parse(cases[i].text, strlen(cases[i].text), &o);
		is_int(ret, cases[i].ret, "parse: %s", cases[i].what);
		json_object_put(o);
	}
	ret = lat_json_parse("[1]\0", 4, &o);
	is_int(ret, -EINVAL, "parse: a NUL byte");
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	ret = lat_json_parse(deep, 128, &o);
	is_int(ret, 0, "parse: 64 levels deep");
	json_object_put(o);
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	ret = lat_json_parse(deep, 130, &o);
	is_int(ret, -EINVAL, "parse: 65 levels deep is refused");
	json_object_put(o);

	ret =
	    lat_json_parse("{\"slope\": 1.000000000012345678901, \"offset_ns\": -12.125}", 56, &o);
	is_int(ret, 0, "parse: a sync file's numbers");
	if (!ret) {
		struct json_object *v;

		json_object_object_get_ex(o, "slope", &v);
		is_str(lat_json_number_text(v), "1.000000000012345678901",
		       "a number's text kept for long double readers");
		json_object_put(o);
	}
}

int main(void)
{
	control_bytes();
	utf8();
	any_bytes();
	reader();
	return tap_done_testing();
}
