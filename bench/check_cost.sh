#!/usr/bin/env bash
# What one check costs whittle itself: a reduction behind a predicate that
# does almost nothing (`grep -q` on the candidate), with -j 1, so the wall
# time per oracle call is the shell's start plus whittle's own work per check
# (candidate folder and its lock, spawn, group kill, reaping, the sweep of
# adopted descendants). A second predicate also leaves a `setsid sleep 5`
# behind at every check: a descendant outside the check's process group.
#
#   bench/check_cost.sh [BASELINE_WHITTLE]
#
# With a second whittle binary (e.g. a release build of an older commit), its
# rows are printed too. Environment: BENCH_WORK (default
# /tmp/whittle-check-cost), BENCH_FUNCTIONS (60: exported functions in the
# module; the predicate keeps one export). Prints a markdown table.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_WORK:-/tmp/whittle-check-cost}"
functions="${BENCH_FUNCTIONS:-60}"
(cd "$root" && cargo build --release --locked --quiet)
binaries=("${CARGO_TARGET_DIR:-$root/target}/release/whittle")
if [ $# -gt 0 ]; then
  binaries+=("$1")
fi
mkdir -p "$work"
cd "$work"

{
  echo "(module"
  for i in $(seq 0 $((functions - 1))); do
    echo "  (func (export \"f$i\") (result i32) i32.const $i)"
  done
  echo ")"
} > input.wat
keep="f$((functions / 2))"
printf '#!/bin/sh\ngrep -q %s "$1"\n' "'$keep'" > plain.sh
printf '#!/bin/sh\nsetsid sleep 5 &\ngrep -q %s "$1"\n' "'$keep'" > leaver.sh
chmod +x plain.sh leaver.sh

echo "| whittle | predicate | reduction checks | wall s | wall ms per reduction check | processes left |"
echo "|---|---|---|---|---|---|"
for bin in "${binaries[@]}"; do
  for pred in plain leaver; do
    rm -f out.wasm out.wat out.report.json out.report.md
    start=$(date +%s.%N)
    "$bin" reduce input.wat -o out.wasm -q -j 1 --predicate "./$pred.sh"
    end=$(date +%s.%N)
    calls=$(python3 -c 'import json; r = json.load(open("out.report.json")); print(r["oracle_calls"])')
    left=$(pgrep -c -f '^sleep 5$' || true)
    python3 - "$bin" "$pred" "$calls" "$start" "$end" "$left" <<'EOF'
import sys
bin, pred, calls, start, end, left = sys.argv[1:]
wall = float(end) - float(start)
# Per check of the reduction proper: the few checks around it (the
# original's runs, the empty module, the final re-check) are in the wall
# time too, so this slightly overstates a check's cost.
print(f"| {bin} | {pred} | {calls} | {wall:.2f} | {1000 * wall / int(calls):.1f} | {left} |")
EOF
    if [ "$pred" = leaver ]; then
      sleep 5.5 # let a leaky binary's sleeps end before the next row
    fi
  done
done
