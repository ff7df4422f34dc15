#!/usr/bin/env bash
# Giant functions: whittle on one generated function of 10k, 40k, 160k and
# 640k statements (up to 5.7 MB; bench/gen_giant.py) with one culprit
# instruction in the middle: a SIMD load compiled with SIMD disabled (`one`,
# a validation error: a candidate that validates is not compiled) and a
# `memory.copy` on which Cranelift's riscv64 backend panics (`panic`, a
# compile failure: every candidate is compiled); and on the variant whose
# failure needs two distant statements (a trap when run). Prints a markdown table: input bytes, result bytes, wall time,
# oracle calls, time inside the oracle, overhead share (the share of wall
# time spent outside the oracle), reducer peak RSS; then the growth of wall
# time from 40k to 640k statements.
#
#   bench/giant.sh
#
# Environment: BENCH_WORK (default /tmp/whittle-giant; generated modules
# are cached there), BENCH_STATEMENTS ("10000 40000 160000 640000"),
# BENCH_PANIC (the sizes of the `panic` variant, default BENCH_STATEMENTS),
# BENCH_TWO ("160000": sizes of the two-statement variant), BENCH_JOBS (1).
# Needs python3.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_WORK:-/tmp/whittle-giant}"
read -r -a sizes <<< "${BENCH_STATEMENTS:-10000 40000 160000 640000}"
read -r -a panic_sizes <<< "${BENCH_PANIC:-${sizes[*]}}"
read -r -a two_sizes <<< "${BENCH_TWO:-160000}"
jobs="${BENCH_JOBS:-1}"
export PATH="$HOME/.cargo/bin:$PATH"

(cd "$root" && cargo build --release --locked --quiet)
whittle="${CARGO_TARGET_DIR:-$root/target}/release/whittle"
mkdir -p "$work"

# The module for a variant and size, cached; regenerated when the
# generator changes.
module() {
  local variant=$1 n=$2
  local wasm="$work/$variant-$n.wasm"
  if [ ! -s "$wasm" ] || [ "$root/bench/gen_giant.py" -nt "$wasm" ]; then
    python3 "$root/bench/gen_giant.py" --statements "$n" --variant "$variant" > "$work/$variant-$n.wat"
    "$whittle" convert "$work/$variant-$n.wat" -o "$wasm"
    rm "$work/$variant-$n.wat"
  fi
  echo "$wasm"
}

# One reduction; prints a table row and records the wall time.
declare -A wall_of
run() {
  local variant=$1 n=$2; shift 2
  local input out
  input=$(module "$variant" "$n")
  out="$work/out-$variant-$n.wasm"
  rm -rf "$out" "$out.whittle" "${out%.wasm}".*
  local start end
  start=$(date +%s.%N)
  "$whittle" reduce "$input" -o "$out" -j "$jobs" -q "$@"
  end=$(date +%s.%N)
  python3 - "$variant" "$n" "$input" "${out%.wasm}.report.json" "$start" "$end" <<'EOF'
import json, os, sys
variant, n, input_path, report, start, end = sys.argv[1:]
r = json.load(open(report))
wall = float(end) - float(start)
print(f"| {variant} | {int(n):,} | {os.path.getsize(input_path):,} | {r['after']['bytes']:,} "
      f"| {wall:.1f} | {r['oracle_calls']} | {r['oracle_seconds']:.1f} "
      f"| {100 * r['overhead_share']:.0f}% | {r['reducer_peak_rss_bytes'] / 2**20:.0f} MiB |")
EOF
  wall_of[$variant-$n]=$(echo "$end - $start" | bc)
}

echo "| variant | statements | input bytes | result bytes | wall s | oracle calls | oracle s | overhead share | reducer peak RSS |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
  run one "$n" -W simd=n,relaxed-simd=n
done
for n in "${panic_sizes[@]}"; do
  run panic "$n" --target riscv64gc-unknown-linux-gnu
done
for n in "${two_sizes[@]}"; do
  run two "$n" --phase run --invoke run
done
for variant in one panic; do
  if [ -n "${wall_of[$variant-40000]:-}" ] && [ -n "${wall_of[$variant-640000]:-}" ]; then
    [ "$variant" = one ] && echo
    echo "$variant: wall time 40k -> 640k statements: $(echo "scale=1; ${wall_of[$variant-640000]} / ${wall_of[$variant-40000]}" | bc)x (16x more statements)"
  fi
done
