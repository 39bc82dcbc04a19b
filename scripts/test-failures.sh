#!/usr/bin/env bash
# test-failures.sh DIR: after a failed `make test`, prints each failed check of the logs tests/tap-tee
# kept in DIR with the TAP comments that follow it (what it expected, what it saw, the tool's
# stderr), so that they reach CI's output beside prove's summary.
dir=${1:?usage: test-failures.sh DIR}
for log in "$dir"/*.log; do
	[ -e "$log" ] || continue
	grep -Eq '^not ok [0-9]+( |$)' "$log" || continue
	grep -Ev '^not ok [0-9]+.*# TODO' "$log" | grep -Eq '^not ok ' || continue
	echo "=== $(basename "$log" .log): failed checks and their diagnostics"
	awk '/^not ok / && !/# TODO/ {show = 1; n = 0; print; next}
	     /^(ok|not ok) / {show = 0}
	     show && /^#/ && n < 60 {print; n++}' "$log"
done
