#!/bin/bash
# gen-expected-periods.sh: runs the peer (lttng-analyses 0.6.1: lttng-period*, lttng-period*-mi)
# on the period cases (tests/data/expected/periods/cases.sh) over the synthetic traces of
# tests/traces/make_period_trace.py, and stores its outputs as
# tests/data/expected/periods/CASE.txt (text) and CASE.json (LAMI).
#
# The peer fails to parse any child period ("NAME (PARENT)": KeyError 'id' in
# period_parsing.parse_period_def_arg); for the cases that need one (FIX=1) the peer runs with
# that one function replaced by a fixed copy (below), everything else unchanged.
# Usage: scripts/gen-expected-periods.sh [CASE...]
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=tests/data/expected/periods
# shellcheck source=../tests/data/expected/periods/cases.sh
. $DIR/cases.sh
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
$PY tests/traces/make_period_trace.py "$TMP"
cat > "$TMP/peer.py" <<'PYEOF'
import sys
from lttnganalyses.cli import period_parsing as pp
from lttnganalyses.cli import periods


def parse_period_def_arg(arg):  # the peer's, with ['parent-name'][1] instead of ['id']
    try:
        res = pp._period_def.parseString(arg.split('/')[-1], parseAll=True)
    except Exception:
        raise pp.MalformedExpression(arg)
    name = parent = None
    if 'period-info' in res:
        info = res['period-info']
        name = info['name']
        if 'parent-name' in info:
            parent = info['parent-name'][1]
    begin = pp._expr_results_to_expression(res['begin-expr'])
    end = pp._expr_results_to_expression(res['end-expr']) if 'end-expr' in res else begin
    return pp.PeriodDefArgParseResults(parent, name, begin, end)


if sys.argv[1] == '--fix':
    del sys.argv[1]
    pp.parse_period_def_arg = parse_period_def_arg
cmd = sys.argv.pop(1)
sys.argv[0] = 'lttng-period' + cmd
getattr(periods, 'run' + cmd)()
PYEOF
if [ $# -eq 0 ]; then
	$PY "$TMP/peer.py" stats_mi --metadata > "$DIR/metadata.json"
fi
for c in ${*:-$CASES}; do
	"case_$c"
	fix=()
	[ "$FIX" = 1 ] && fix=(--fix)
	LC_ALL=C.UTF-8 $PY "$TMP/peer.py" "${fix[@]}" "$VIEW" "${ARGS[@]}" "${COMMON[@]}" \
		--no-progress --no-color "$TMP/$SCEN" > "$DIR/$c.txt" 2>&1 || true
	LC_ALL=C.UTF-8 $PY "$TMP/peer.py" "${fix[@]}" "${VIEW}_mi" "${ARGS[@]}" "${COMMON[@]}" \
		"$TMP/$SCEN" > "$DIR/$c.json" 2>&1 || true
	echo "$c: $(wc -l < "$DIR/$c.txt") text lines, $(wc -c < "$DIR/$c.json") LAMI bytes"
done
