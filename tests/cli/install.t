#!/usr/bin/env bash
# install.t: `make install` into a temporary DESTDIR installs the CLI, liblatscope (.so with its
# soname, .a), the headers and a pkg-config file that a small C program builds and runs with;
# `make uninstall` removes them again.
. "$(dirname "$0")/../lib.sh"

command -v pkg-config >/dev/null || skip_all "pkg-config is not installed"
command -v cc >/dev/null || skip_all "no C compiler"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=/opt/latscope-test
dest=$tmp/dest
root=$dest$prefix

out=$(make -s --no-print-directory -C "$LATSCOPE_SRC" BUILD="$LATSCOPE_BUILD" \
	PREFIX=$prefix DESTDIR="$dest" install 2>&1)
ok $? "make install PREFIX=$prefix DESTDIR=... exits 0"
[ -n "$out" ] && diag "$out"

ok "$( [ -x "$root/bin/latscope" ]; echo $?)" "the CLI is installed in bin/"
like "$("$root/bin/latscope" --version 2>&1)" '^latscope [0-9]+\.[0-9]+\.[0-9]+$' \
	"the installed CLI runs (--version)"
ok "$( [ -f "$root/include/latscope/tracker.h" ]; echo $?)" "the public header is installed"
ok "$( [ -f "$root/lib/liblatscope.a" ]; echo $?)" "the static library is installed"
so=$(readlink -f "$root/lib/liblatscope.so")
like "$so" 'liblatscope\.so\.[0-9]+\.[0-9]+\.[0-9]+$' "liblatscope.so -> liblatscope.so.VERSION"
is "$(readlink "$root/lib/liblatscope.so.0")" "$(basename "$so")" "liblatscope.so.0 -> the same file"
like "$(readelf -d "$so" 2>&1)" 'SONAME.*\[liblatscope\.so\.0\]' "the library's soname is liblatscope.so.0"
pc=$root/lib/pkgconfig/latscope.pc
ok "$( [ -f "$pc" ]; echo $?)" "latscope.pc is installed in lib/pkgconfig/"

export PKG_CONFIG_PATH=$root/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs latscope 2>&1)
ok $? "pkg-config --cflags --libs latscope works"
like "$flags" "-I$root/include( |$)" "  its --cflags point at the installed headers"
like "$flags" "-L$root/lib -llatscope" "  its --libs at the installed library"
is "$(pkg-config --modversion latscope)" "$("$root/bin/latscope" --version | cut -d' ' -f2)" \
	"  its version is the CLI's"

# A small program of a service tracking its own requests: one fast, one slow request.
cat >"$tmp/prog.c" <<'PROG'
#include <latscope/tracker.h>
#include <stdio.h>
#include <time.h>

static int slow;

static void on_slow(const struct lat_tracker_event_ctx *ctx)
{
	slow++;
	printf("slow request %llu: %llu us\n", (unsigned long long)*(const unsigned long *)ctx->key,
	       (unsigned long long)(ctx->delay_ns / 1000));
}

int main(void)
{
	struct lat_tracker_options opts = {.threshold_ns = 5000000, .callback = on_slow};
	struct lat_tracker_counters c;
	struct lat_tracker *t;
	struct timespec ten_ms = {0, 10000000};
	unsigned long fast = 1, slowkey = 2;

	if (lat_tracker_create(&opts, &t))
		return 1;
	lat_tracker_event_in(t, &fast, sizeof(fast), 0, 0, NULL, NULL, 0);
	lat_tracker_event_out(t, &fast, sizeof(fast));
	lat_tracker_event_in(t, &slowkey, sizeof(slowkey), 0, 0, NULL, NULL, 0);
	nanosleep(&ten_ms, NULL);
	lat_tracker_event_out(t, &slowkey, sizeof(slowkey));
	lat_tracker_get_counters(t, &c);
	printf("completed=%llu over_threshold=%llu callbacks=%d\n",
	       (unsigned long long)c.completed, (unsigned long long)c.over_threshold, slow);
	lat_tracker_destroy(t);
	return slow == 1 ? 0 : 1;
}
PROG
# shellcheck disable=SC2046,SC2086
cc -o "$tmp/prog" "$tmp/prog.c" $(pkg-config --cflags --libs latscope) 2>"$tmp/cc.err"
ok $? "a program builds with \$(pkg-config --cflags --libs latscope)"
[ -s "$tmp/cc.err" ] && diag "$(cat "$tmp/cc.err")"
like "$(LD_LIBRARY_PATH=$root/lib ldd "$tmp/prog")" "liblatscope\.so\.0 => $root/lib/liblatscope\.so\.0" \
	"  it links the installed liblatscope.so.0"
out=$(LD_LIBRARY_PATH=$root/lib "$tmp/prog" 2>&1)
ok $? "  it runs against the installed library"
like "$out" '^slow request 2: [0-9]+ us' "  its slow request is caught by the callback"
like "$out" 'completed=2 over_threshold=1 callbacks=1' "  and the counters add up"

# shellcheck disable=SC2046,SC2086
cc -static-libgcc -o "$tmp/prog_static" "$tmp/prog.c" -I"$root/include" "$root/lib/liblatscope.a" \
	$(pkg-config --static --libs-only-l latscope | sed 's/-llatscope//') 2>"$tmp/cc.err"
ok $? "the same program links the static library (pkg-config --static for its dependencies)"
unlike "$(ldd "$tmp/prog_static")" 'liblatscope' "  it does not need liblatscope.so"
out=$("$tmp/prog_static" 2>&1)
like "$out" 'completed=2 over_threshold=1 callbacks=1' "  and runs the same"

# The build tree as an install, without make install: build/latscope-uninstalled.pc
# shellcheck disable=SC2046,SC2086
cc -o "$tmp/prog_tree" "$tmp/prog.c" $(env -u PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH="$LATSCOPE_BUILD" pkg-config --cflags --libs \
	latscope) 2>"$tmp/cc.err"
ok $? "the build tree: a program builds with PKG_CONFIG_PATH=build pkg-config" ||
	diag "$(cat "$tmp/cc.err")"
like "$(ldd "$tmp/prog_tree")" "liblatscope\.so\.0 => $LATSCOPE_BUILD/liblatscope\.so\.0" \
	"  it finds build/liblatscope.so.0 with no LD_LIBRARY_PATH"
out=$(env -u LD_LIBRARY_PATH "$tmp/prog_tree" 2>&1)
like "$out" 'completed=2 over_threshold=1 callbacks=1' "  and runs the same"

out=$(make -s --no-print-directory -C "$LATSCOPE_SRC" BUILD="$LATSCOPE_BUILD" \
	PREFIX=$prefix DESTDIR="$dest" uninstall 2>&1)
ok $? "make uninstall exits 0"
left=$(find "$dest" \( -type f -o -type l \) ! -name latscope.conf)
is "$left" "" "make uninstall removes every installed file (a default config is kept)"

done_testing
