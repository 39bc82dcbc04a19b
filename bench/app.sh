#!/usr/bin/env bash
# app.sh: `make bench-app`: what a request costs an application with a liblatscope tracker in/out,
# with lat_agent_client_sample(), and with an LTTng-UST tracepoint pair (no session; then with a
# session recording the tracepoints, when lttng-sessiond can run here).
set -uo pipefail
src=${LATSCOPE_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
build=${LATSCOPE_BUILD:-$src/build}
tmp=$(mktemp -d /tmp/latscope_bench_app.XXXXXX)
chmod 755 "$tmp"
sessiond_pid=
cleanup() {
	[ -n "$sessiond_pid" ] && kill "$sessiond_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# built here: it links liblttng-ust, which the generic bench rule does not
if ! gcc -O2 -g -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
	-I"$src/include" -I"$src/bench/app" -o "$tmp/app_loop" "$src/bench/app/app_loop.c" \
	"$build/liblatscope.a" -llttng-ust -ldl -lpthread 2>"$tmp/cc.err"; then
	echo "latscope: bench-app: app_loop does not build (liblttng-ust-dev? scripts/deps.sh):" >&2
	cat "$tmp/cc.err" >&2
	exit 1
fi
echo "# one request = ~100 ns of work; $(nproc) CPUs; load average $(cut -d' ' -f1 /proc/loadavg)"
echo "# no LTTng session: a tracepoint is a not-taken branch"
"$tmp/app_loop" || exit 1

# With a session: lttng-sessiond of `nobody` with its own LTTNG_HOME (no other daemon shares it,
# as tests/e2e/periods_live.t does), a local trace of latscope_bench:*, the program run as nobody.
if ! command -v lttng-sessiond >/dev/null || ! command -v setpriv >/dev/null ||
	! setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true 2>/dev/null; then
	echo "# no LTTng session measured: lttng-sessiond or setpriv missing, or nobody cannot run here"
	exit 0
fi
mkdir "$tmp/home" && chown nobody "$tmp/home"
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups env "LTTNG_HOME=$tmp/home")
"${as_nobody[@]}" lttng-sessiond --background >"$tmp/sessiond.log" 2>&1
sessiond_pid=$(cat "$tmp/home/.lttng/lttng-sessiond.pid" 2>/dev/null)
lttng=("${as_nobody[@]}" lttng --no-sessiond)
session=latscope_bench_$$
if ! { "${lttng[@]}" create "$session" --output="$tmp/home/trace" &&
	"${lttng[@]}" enable-event -u 'latscope_bench:*' &&
	"${lttng[@]}" start; } >"$tmp/setup.log" 2>&1; then
	echo "# no LTTng session measured: its set-up failed:"
	sed 's/^/#   /' "$tmp/setup.log" "$tmp/sessiond.log" | tail -20
	exit 0
fi
echo "# LTTng session $session active (local trace, default channel: 4 x 512 KiB per CPU," \
	"discard mode): each tracepoint writes an event"
"${as_nobody[@]}" "$tmp/app_loop" --session
"${lttng[@]}" stop >/dev/null 2>&1
lost=$("${lttng[@]}" list "$session" 2>/dev/null | grep -io 'discarded[^,]*' | head -1)
"${lttng[@]}" destroy "$session" >/dev/null 2>&1
if command -v babeltrace2 >/dev/null; then
	n=$(babeltrace2 "$tmp/home/trace" 2>/dev/null | grep -c 'latscope_bench:request_begin')
	echo "# the session recorded $n request_begin events${lost:+ ($lost)}"
fi
