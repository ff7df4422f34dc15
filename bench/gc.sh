#!/usr/bin/env bash
# A Wasm GC module at the size managed-language compilers emit:
# corpora/gc-eh-simd at BENCH_FUNCTIONS functions (default 3000, about 310 KB:
# rec groups, vtables of `ref.func`s in non-nullable globals, helpers that
# return non-nullable references), one of which holds SIMD, compiled with
# SIMD off. Each reduction with the built-in oracle (the failure names its
# function) and behind a predicate that runs the same check (it names none),
# at every -j of BENCH_JOBS (default "1 2"). With BENCH_BASE=OTHER_WHITTLE
# the same rows for that build too. Prints a markdown table; exits 1 when a
# build gives different bytes at different -j.
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

builds=("new=$whittle")
if [ -n "${BENCH_BASE:-}" ]; then builds+=("base=$BENCH_BASE"); fi
mismatch=0
echo "| whittle | oracle | -j | input bytes | output bytes | oracle calls | remove-functions calls | named function kept alone | wall s |"
echo "|---|---|---|---|---|---|---|---|---|"
for build in "${builds[@]}"; do
  label=${build%%=*} bin=${build#*=}
  for oracle in built-in predicate; do
    case $oracle in
      built-in) args=(-W simd=n,relaxed-simd=n) ;;
      predicate) args=(--predicate "$work/check.sh") ;;
    esac
    first=""
    for j in "${jobs_list[@]}"; do
      out="$work/out-$label-$oracle-j$j.wasm"
      rm -rf "$out" "$out.whittle" "${out%.wasm}".*
      start=$(date +%s.%N)
      "$bin" reduce input.wasm -o "$out" -j "$j" -q "${args[@]}"
      end=$(date +%s.%N)
      bytes=$(sha256sum < "$out")
      [ -z "$first" ] && first=$bytes
      [ "$bytes" = "$first" ] || mismatch=1
      python3 - "$label" "$oracle" "$j" "$(echo "$end - $start" | bc)" "${out%.wasm}.report.json" <<'EOF'
import json, sys
label, oracle, j, wall, report = sys.argv[1:]
r = json.load(open(report))
culprit = r["per_pass"].get("isolate-culprit")
kept = "-" if culprit is None else ("yes" if culprit["accepted"] else "refused" if culprit["oracle_calls"] == 0 else "no")
print(f"| {label} | {oracle} | {j} | {r['before']['bytes']:,} | {r['after']['bytes']:,} | {r['oracle_calls']} "
      f"| {r['per_pass']['remove-functions']['oracle_calls']} | {kept} | {float(wall):.1f} |")
EOF
    done
  done
done
[ $mismatch -eq 0 ] || echo "MISMATCH: a build gave different bytes at different -j"
exit $mismatch
