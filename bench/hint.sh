#!/usr/bin/env bash
# Execution as a hint, measured with the release build: each case reduced with
# the hint (`cut-unexecuted`, `remove-unexecuted` before the passes) and with
# `--no-hints`.
#
#   oob-N        corpora/oob-trap at N functions (BENCH_FUNCTIONS, default
#                3000): a run-time trap that enters 10 of them; built-in
#                oracle, --phase run --invoke run
#   oob-N-slow   the same behind a predicate that sleeps BENCH_SLEEP seconds
#                (default 0.2) and runs `whittle check`: an oracle-bound
#                stand-in, where calls are what costs
#   hot-loop     a run of BENCH_ITERATIONS (default 20,000,000) loop
#                iterations through nested blocks and ifs, then a trap: what
#                the marks cost a run that is all loops (the recording's time
#                against a plain check of the original)
#
#   bench/hint.sh [CASE...]      (CASE: oob, slow, hot)
#
# Environment: BENCH_WORK (default /tmp/whittle-hint), BENCH_JOBS (-j, default
# 2). Prints a markdown table from each run's report.json and -v lines.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_WORK:-/tmp/whittle-hint}"
jobs="${BENCH_JOBS:-2}"
functions="${BENCH_FUNCTIONS:-3000}"
sleep_s="${BENCH_SLEEP:-0.2}"
iterations="${BENCH_ITERATIONS:-20000000}"
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(oob slow hot)
(cd "$root" && cargo build --release --locked --quiet)
whittle="${CARGO_TARGET_DIR:-$root/target}/release/whittle"
mkdir -p "$work"
cd "$work"

python3 "$root/corpora/oob-trap/generate.py" --functions "$functions" > oob.wat
cat > slow.sh <<SCRIPT
#!/bin/sh
sleep $sleep_s
exec "$whittle" check "\$1" --phase run --invoke run --expect 'out of bounds memory access' --quiet
SCRIPT
chmod +x slow.sh
python3 - "$iterations" > hot.wat <<'PY'
import sys
n = int(sys.argv[1])
print(f"""(module
  (memory 1)
  (func (export "run") (result i32) (local $i i32) (local $acc i32)
    (loop $again
      (block $out
        (if (i32.and (local.get $i) (i32.const 1))
          (then (local.set $acc (i32.add (local.get $acc) (i32.const 3))))
          (else
            (block (local.set $acc (i32.xor (local.get $acc) (local.get $i))))))
        (br_if $out (i32.eqz (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const {n}))))
    (i32.load (i32.add (local.get $acc) (i32.const 65536)))))""")
PY

# reduce NAME INPUT ARGS...: one row per setting (hints, --no-hints).
reduce() {
  local name="$1" input="$2"
  shift 2
  for hints in yes no; do
    local flag=()
    [ "$hints" = yes ] || flag=(--no-hints)
    rm -f "out-$name-$hints".*
    "$whittle" reduce "$input" -o "out-$name-$hints.wasm" -j "$jobs" -v "${flag[@]}" "$@" \
      2> "out-$name-$hints.log"
    python3 - "$name" "$hints" "out-$name-$hints" <<'PY'
import json, re, sys
name, hints, out = sys.argv[1:]
r = json.load(open(out + ".report.json"))
log = open(out + ".log").read()
m = re.search(r"entered (\d+) of (\d+) functions and (\d+) of (\d+) arms \((\d+\.\d+) s to record\)", log)
entered = f"{m[1]}/{m[2]} funcs, {m[3]}/{m[4]} arms" if m else "-"
record = m[5] if m else "-"
opened = "".join(
    f"{p} {'accepted' if r['per_pass'].get(p, {}).get('accepted') else 'rejected'}; "
    for p in ("cut-unexecuted", "remove-unexecuted") if p in r["per_pass"]
) or "-"
print(f"| {name} | {hints} | {r['before']['bytes']} | {r['after']['bytes']} | {r['oracle_calls']} "
      f"| {r['wall_seconds']:.1f} | {record} | {entered} | {opened.strip()} |")
PY
  done
  cmp -s "out-$name-yes.wasm" "out-$name-no.wasm" || echo "| $name | MISMATCH: the results differ |"
}

echo "| case | hints | input bytes | output bytes | oracle calls | wall s | record s | run entered | openings |"
echo "|---|---|---|---|---|---|---|---|---|"
for c in "${cases[@]}"; do
  case "$c" in
    oob) reduce "oob-$functions" oob.wat --phase run --invoke run ;;
    slow) reduce "oob-$functions-slow" oob.wat --predicate ./slow.sh --invoke run ;;
    hot)
      t0=$(date +%s.%N)
      "$whittle" check hot.wat --phase run --invoke run --run-timeout 60s > /dev/null || true
      t1=$(date +%s.%N)
      echo "| hot-loop | plain check of the original: $(python3 -c "print(f'{$t1 - $t0:.2f}')") s | | | | | | | |"
      reduce hot-loop hot.wat --phase run --invoke run --run-timeout 60s --passes remove-start --mutate-budget 0
      ;;
    *) echo "unknown case $c" >&2; exit 2 ;;
  esac
done
