#!/bin/bash
# periods.t: latscope analyze period{log,stats,top,freq} against the peer's outputs
# (tests/data/expected/periods, made by scripts/gen-expected-periods.sh) on the synthetic traces of
# make_period_trace.py: the WordPress request of the LinuxCon 2016 demo with its child periods,
# field types and scopes, a user-space trace; then the errors users meet.
. "$(dirname "$0")/../lib.sh"
EXP=$LATSCOPE_SRC/tests/data/expected/periods
. "$EXP/cases.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 "$LATSCOPE_SRC/tests/traces/make_period_trace.py" "$TMP" >/dev/null
ok $? "make_period_trace.py wrote the traces"

# LAMI comparison, all cases in one Python run: the peer orders child periods as a Python set
# does (arbitrarily), so per-parent rows and per-parent distributions are sorted on both sides.
compare_all() { # compare_all CASE... -> lines "STATUS|CASE|first differences"
	/usr/bin/python3 - "$EXP" "$TMP" "$@" <<'PYEOF'
import json, os, sys
sys.path.insert(0, os.environ.get("LATSCOPE_SRC", ".") + "/tests/traces")
import lami_compare
cname = lambda t: t["class"] if isinstance(t["class"], str) else t["class"].get("inherit", "")
title = lambda t: "" if isinstance(t["class"], str) else t["class"].get("title", "")
def norm(d):
    res = d.get("results", [])
    for t in res:
        if cname(t).startswith("per_parent"):
            t["data"].sort(key=lambda r: json.dumps(r[:2]))
    out, i = [], 0
    while i < len(res):
        j = i
        while j < len(res) and cname(res[j]) == cname(res[i]) and \
                (" per " in title(res[j])) == (" per " in title(res[i])):
            j += 1
        grp = res[i:j]
        if " per " in title(res[i]):
            glob = [t for t in grp if "[Global" in title(t)]
            grp = sorted([t for t in grp if t not in glob], key=title) + sorted(glob, key=title)
        out += grp
        i = j
    if "results" in d:
        d["results"] = out
    return d
exp, tmp = sys.argv[1], sys.argv[2]
for case in sys.argv[3:]:
    try:
        e = norm(lami_compare.load("%s/%s.json" % (exp, case)))
        a = norm(lami_compare.load("%s/%s.json" % (tmp, case)))
        diff = lami_compare.Diff(3)
        lami_compare.compare_results(e, a, diff)
        items = diff.items
    except Exception as exc:  # not JSON, missing file
        items = ["%s: %s" % (type(exc).__name__, exc)]
    print("%d|%s|%s" % (1 if items else 0, case, " / ".join(items[:3]).replace("\n", " ")))
PYEOF
}

for c in $CASES; do
	"case_$c"
	if [ "$TEXT" = 1 ]; then
		LC_ALL=C.UTF-8 "$LATSCOPE" analyze "period$VIEW" "${ARGS[@]}" "${COMMON[@]}" \
			"$TMP/$SCEN" > "$TMP/$c.txt" 2>&1
		if cmp -s "$EXP/$c.txt" "$TMP/$c.txt"; then
			ok 0 "$c: text equals lttng-period$VIEW's"
		else
			ok 1 "$c: text equals lttng-period$VIEW's"
			diff "$EXP/$c.txt" "$TMP/$c.txt" | head -10 | sed 's/^/# /'
		fi
	fi
	"$LATSCOPE" analyze "period$VIEW" --lami "${ARGS[@]}" "${COMMON[@]}" "$TMP/$SCEN" \
		> "$TMP/$c.json" 2>/dev/null
done
while IFS='|' read -r status c diffs; do
	"case_$c"
	ok "$status" "$c: LAMI equals lttng-period$VIEW-mi's"
	[ "$status" != 0 ] && echo "# $diffs"
done < <(compare_all $CASES)

# What the peer cannot do: a '/' inside a string (it cuts the argument at the last '/').
out=$("$LATSCOPE" analyze periodlog --skip-validation --gmt \
	--period 'php : $evt.$name == "syscall_entry_open" && $evt.filename =* "/var/www/*.php" : $evt.$name == "syscall_exit_open" && $evt.pid == $begin.$evt.pid' \
	"$TMP/wordpress" 2>&1)
is "$(printf '%s\n' "$out" | grep -c ' php ')" 6 "a glob over a path with '/': 6 opens of index.php"

# Slow phases of the WordPress requests are found: the slowest db_queries and rendering.
out=$("$LATSCOPE" analyze periodtop --skip-validation --gmt --limit 2 --period "$REQ" \
	--period "$DBQ" --period "$REN" "$TMP/wordpress" 2>&1)
like "$out" '250200\.000 db_queries' "periodtop: the slowest phase is a 250 ms db_queries"
out=$("$LATSCOPE" analyze periodlog --lami --skip-validation --min-duration 50000 \
	--period "$REQ" --period "$REN" "$TMP/wordpress")
like "$out" '"request/rendering"' "LAMI log: a slow rendering (> 50 ms) by its full path"

# UST traces are read (the kernel-only check is not applied to periods).
out=$("$LATSCOPE" analyze periodstats --skip-validation --no-intersection --period "$JOB" "$TMP/ust" 2>&1)
like "$out" '^job +10 ' "a user-space trace: 10 jobs"

# Errors: one line, the column, what was expected; usage errors exit 2.
out=$("$LATSCOPE" analyze periodlog --period 'request : $evt.$name == "syscall_exit_accept4" && $evt.fd' "$TMP/wordpress" 2>&1)
is "$?" 2 "a bad expression exits 2"
is "$(printf '%s\n' "$out" | head -1)" \
	"latscope: --period: column 58: expected a comparison operator after '\$evt.fd', not the end" \
	"the error points at the column and says what was expected"
out=$("$LATSCOPE" analyze periodlog --period 'child (nope) : $evt.x == 1' "$TMP/wordpress" 2>&1)
like "$out" 'column 8: Cannot find parent period named "nope"' "an unknown parent is named"
out=$("$LATSCOPE" analyze periodlog --period 'a : $evt.x == 1' --period 'a : $evt.y == 1' "$TMP/wordpress" 2>&1)
like "$out" 'Cannot redefine period "a"' "a period defined twice is refused"
out=$("$LATSCOPE" analyze periodlog --period 'a : $parent.$begin.$evt.x == 1' "$TMP/wordpress" 2>&1)
like "$out" 'column 5: \$parent refers to the parent period, but this period has none' "\$parent without a parent"
out=$("$LATSCOPE" analyze periodlog --period-captures 'a : x = $evt.a, x = $evt.b' --period 'a : $evt.x == 1' "$TMP/wordpress" 2>&1)
like "$out" 'period-captures: column 17: Duplicate period capture name: "x"' "duplicate capture names"
out=$("$LATSCOPE" analyze periodlog "$TMP/wordpress" 2>&1)
is "$?" 2 "no --period: usage error"
# The LinuxCon 2016 names of --select/--aggregate-by (the peer has only the new ones).
P_ALL=(--period "$REQ" --period-captures "$REQ_CAP" --period "$URL" --period "$BDB" --period "$DBQ" --period "$REN")
new=$("$LATSCOPE" analyze periodlog "${COMMON[@]}" "${P_ALL[@]}" --select db_queries,rendering --aggregate-by request "$TMP/wordpress" 2>&1)
old=$("$LATSCOPE" analyze periodlog "${COMMON[@]}" "${P_ALL[@]}" --period-aggregate db_queries,rendering --period-aggregate-by request "$TMP/wordpress" 2>&1)
is "$old" "$new" "--period-aggregate/--period-aggregate-by are --select/--aggregate-by"
like "$old" 'db_queries' "... the aggregated log of db_queries per request"
# --freq-series needs --group-by to make its per-group tables; without groups it is --freq-uniform
a=$("$LATSCOPE" analyze periodfreq --lami "${COMMON[@]}" --period "$REQ" --period "$DBC" --freq-series "$TMP/wordpress")
b=$("$LATSCOPE" analyze periodfreq --lami "${COMMON[@]}" --period "$REQ" --period "$DBC" --freq-uniform "$TMP/wordpress")
is "$a" "$b" "--freq-series without --group-by: the --freq-uniform tables"
like "$b" 'period: request\]"\}, "time-range": \{[^[]*"data": \[\[\{"class": "duration", "value": 3200000\.0\}' \
	"--freq-uniform: request's buckets (shortest 6010 us) start at the shortest dbconn (3200 us)"
out=$("$LATSCOPE" analyze periodlog --period "$REQ" "$TMP/nothing-here" 2>&1)
is "$?" 1 "a missing trace exits 1"
out=$("$LATSCOPE" analyze periodlog --lami --period 'a : (' "$TMP/wordpress" 2>/dev/null)
like "$out" '"error-message": "Error: --period: column 6: ' "LAMI: an error object"
is "$("$LATSCOPE" analyze periodfreq --mi-version)" "1.0" "--mi-version"
out=$("$LATSCOPE" analyze periodstats --metadata | /usr/bin/python3 "$LATSCOPE_SRC/tests/traces/lami_compare.py" --metadata "$EXP/metadata.json" - 2>&1)
ok $? "--metadata: the peer's table classes"
[ -n "$out" ] && printf '%s\n' "$out" | head -5 | sed 's/^/# /'

done_testing
