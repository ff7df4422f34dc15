#!/usr/bin/env bash
# Wasm GC modules at the size managed-language compilers emit, BENCH_FUNCTIONS
# functions each (default 3000, about 310 KB: rec groups, vtables of
# `ref.func`s in non-nullable globals, helpers that return non-nullable
# references):
# - corpora/gc-eh-simd, one function of which holds SIMD, compiled with SIMD
#   off: with the built-in oracle (the error names the function) and behind
#   a predicate that runs the same check (it names none);
# - corpora/gc-winch with an export `run` that calls one of its functions and
#   then fails a `ref.cast`: `--phase run --invoke run`, so the execution
#   hint first cuts and removes what the run never entered.
# At every -j of BENCH_JOBS (default "1 2"); with BENCH_BASE=OTHER_WHITTLE the
# same rows for that build too. Prints a markdown table; exits 1 when a build
# gives different bytes at different -j.
#
#   bench/gc.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_WORK:-${TMPDIR:-/tmp}/whittle-gc}"
functions="${BENCH_FUNCTIONS:-3000}"
read -r -a jobs_list <<< "${BENCH_JOBS:-1 2}"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_build
mkdir -p "$work"
cd "$work"

if [ ! -s "input-$functions.wasm" ]; then
  python3 "$root/corpora/gc-eh-simd/generate.py" --functions "$functions" > "input-$functions.wat"
  "$whittle" convert "input-$functions.wat" -o "input-$functions.wasm"
fi
cp "input-$functions.wasm" input.wasm
signature_predicate "$work" "$work/check.sh" 0 -W simd=n,relaxed-simd=n
if [ ! -s "trap-$functions.wasm" ]; then
  python3 "$root/corpora/gc-winch/generate.py" --functions "$functions" > "trap-$functions.wat"
  python3 - "trap-$functions.wat" <<'EOF'
import sys
path = sys.argv[1]
wat = open(path).read().rstrip()
assert wat.endswith(")")
run = """  (func (export "run") (result i32)
    (drop (call $f1000))
    (struct.get $point $x (ref.cast (ref $point) (struct.new $box (ref.null any)))))
)
"""
open(path, "w").write(wat[:-1] + run)
EOF
  "$whittle" convert "trap-$functions.wat" -o "trap-$functions.wasm"
fi

builds=("now=$whittle")
if [ -n "${BENCH_BASE:-}" ]; then builds+=("base=$BENCH_BASE"); fi
mismatch=0
echo "| whittle | case | -j | input bytes | output bytes | oracle calls | remove-functions calls | opening taken | wall s |"
echo "|---|---|---|---|---|---|---|---|---|"
for build in "${builds[@]}"; do
  label=${build%%=*} bin=${build#*=}
  for case in built-in predicate run-trap; do
    case $case in
      built-in) input=input.wasm args=(-W simd=n,relaxed-simd=n) ;;
      predicate) input=input.wasm args=(--predicate "$work/check.sh") ;;
      run-trap) input="trap-$functions.wasm" args=(--phase run --invoke run) ;;
    esac
    first=""
    for j in "${jobs_list[@]}"; do
      out="$work/out-$label-$case-j$j.wasm"
      rm -rf "$out" "$out.whittle" "${out%.wasm}".*
      start=$(date +%s.%N)
      "$bin" reduce "$input" -o "$out" -j "$j" -q "${args[@]}"
      end=$(date +%s.%N)
      bytes=$(sha256sum < "$out")
      [ -z "$first" ] && first=$bytes
      [ "$bytes" = "$first" ] || mismatch=1
      python3 - "$label" "$case" "$j" "$(echo "$end - $start" | bc)" "${out%.wasm}.report.json" <<'EOF'
import json, sys
label, case, j, wall, report = sys.argv[1:]
r = json.load(open(report))
# The guess tried before the passes: keeping the named function alone, or
# (for the run) removing what the run never entered.
taken = "-"
for name in ("isolate-culprit", "remove-unexecuted"):
    o = r["per_pass"].get(name)
    if o is not None:
        taken = f"{name}: " + ("yes" if o["accepted"] else "refused" if o["oracle_calls"] == 0 else "no")
print(f"| {label} | {case} | {j} | {r['before']['bytes']:,} | {r['after']['bytes']:,} | {r['oracle_calls']} "
      f"| {r['per_pass']['remove-functions']['oracle_calls']} | {taken} | {float(wall):.1f} |")
EOF
    done
  done
done
[ $mismatch -eq 0 ] || echo "MISMATCH: a build gave different bytes at different -j"
exit $mismatch
