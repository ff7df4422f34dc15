#!/usr/bin/env bash
# Lists of alike items: a module whose failure depends only on how many items
# one list has, at full size, reduced by the release build. The cases are
# Wasmtime's own limits (issue 8, measurement 4):
#
#   br-table  a 70,000-target br_table (Cranelift's limit is 65,520)
#   br-switch the same with labels cycling through three blocks
#   locals    60,000 unused i32 locals (the limit is 50,000)
#   params    a function type of 1,500 parameters (the limit is 1,000)
#   fields    a struct of 12,000 fields (the limit is 10,000)
#
#   bench/lists.sh [CASE...]
#
# Environment: BENCH_WORK (default /tmp/whittle-lists), BENCH_JOBS (-j, default
# 2), BENCH_BASE (another whittle binary to run the same cases with, e.g. one
# built from an older commit; its rows say "base"), BENCH_BUDGET (the
# --time-budget of each run, default 10m).
#
# Prints a markdown table: the items the result keeps (exactly limit + 1 when
# the count bisection works), wall time, oracle calls, time inside the oracle
# and the overhead share, all from each run's report.json.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_WORK:-/tmp/whittle-lists}"
jobs="${BENCH_JOBS:-2}"
budget="${BENCH_BUDGET:-10m}"
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(br-table br-switch locals params fields)
(cd "$root" && cargo build --release --locked --quiet)
whittle="${CARGO_TARGET_DIR:-$root/target}/release/whittle"
mkdir -p "$work"

generate() {
  python3 - "$1" <<'EOF'
import sys
case = sys.argv[1]
if case == "br-table":
    print("(module (func block i32.const 0 br_table " + "0 " * 70000 + "0 end))")
elif case == "br-switch":
    labels = " ".join(str(i % 3) for i in range(70000))
    print("(module (func block block block i32.const 0 br_table " + labels + " 0 end end end))")
elif case == "locals":
    print("(module (func (local" + " i32" * 60000 + ") unreachable))")
elif case == "params":
    print("(module (func (param" + " i32" * 1500 + ")))")
elif case == "fields":
    print("(module (type (struct" + " (field i32)" * 12000 + ")))")
EOF
}

# The items the result keeps, from whittle's printing of it.
kept() {
  python3 - "$1" "$2" <<'EOF'
import sys
case, wat = sys.argv[1], open(sys.argv[2]).read()
word = {"br-table": "(;@", "br-switch": "(;@", "locals": " i32", "params": " i32",
        "fields": "(field"}[case]
# A br_table's default is one more label.
print(wat.count(word) - case.startswith("br-"))
EOF
}

binaries=("new:$whittle")
[ -z "${BENCH_BASE:-}" ] || binaries+=("base:$BENCH_BASE")
echo "| case | whittle | input bytes | output bytes | items kept | wall s | oracle calls | oracle s | overhead share |"
echo "|---|---|---|---|---|---|---|---|---|"
for case in "${cases[@]}"; do
  generate "$case" > "$work/$case.wat"
  for entry in "${binaries[@]}"; do
    name="${entry%%:*}" bin="${entry#*:}"
    out="$work/$case-$name.wasm"
    rm -rf "$out" "${out%.wasm}".{wat,report.json,report.md} "$out.whittle"
    "$bin" reduce "$work/$case.wat" -o "$out" -q -j "$jobs" --time-budget "$budget" >&2
    report="${out%.wasm}.report.json"
    python3 - "$case" "$name" "$report" "$(kept "$case" "${out%.wasm}.wat")" <<'EOF'
import json, sys
case, name, path, kept = sys.argv[1:]
r = json.load(open(path))
print(f"| {case} | {name} | {r['before']['bytes']} | {r['after']['bytes']} | {kept} | "
      f"{r['wall_seconds']:.1f} | {r['oracle_calls']} | {r['oracle_seconds']:.1f} | "
      f"{r['overhead_share']:.2f} |")
EOF
  done
done
