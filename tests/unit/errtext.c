/* errtext.c: lib/util/errtext.c, the one writer of the library's why/err buffers. */
#include "util/errtext.h"
#include "tap.h"

#include <string.h>

int main(void)
{
	char why[16];

	lat_errtext_set(why, sizeof(why), "%s: %d", "open", 2);
	is_str(why, "open: 2", "the line, formatted");
	lat_errtext_set(why, sizeof(why), "%s", "a line longer than the buffer");
	is_str(why, "a line longer t", "cut to the buffer, NUL-terminated");
	memcpy(why, "unchanged", 10);
	lat_errtext_set(why, 0, "%s", "x");
	is_str(why, "unchanged", "a length of 0: nothing written");
	lat_errtext_set(NULL, 16, "%s", "x");
	ok(1, "NULL: nothing written, no crash");
	return tap_done_testing();
}
