#!/usr/bin/env bash
# Parallel scaling: each reduction at -j 1, 2 and the number of cores, one
# after the other on this machine. Prints a markdown table: wall time,
# speed-up over -j 1, oracle calls, overhead share (the share of wall time
# outside the oracle), of which the passes' own work (listing targets,
# building and validating candidates) and the rest (files, printing),
# candidates judged off the search's path (wasted speculation), the cores
# the run kept busy on average (whittle's CPU time and its checks', over
# the wall time: a run whose -j 1 keeps most of the machine busy has little
# for more jobs to gain), result bytes, and whether every -j gave the same
# bytes (MISMATCH otherwise; the script then exits 1).
#
#   bench/parallel.sh
#
# Rows:
# - corpus cases with the built-in oracle (BENCH_CASES, default
#   "simd-disabled riscv64-memcopy winch-avx-splat gc-eh-simd oob-trap
#   regalloc-254-results"; empty for none);
# - a module of a real program's size with the built-in oracle:
#   riscv64-memcopy generated with BENCH_RISCV_FUNCTIONS functions (7300,
#   about 680 KB; 0 for none), a stand-in for the 688 KB sql.js build
#   whose riscv64 panic issue 10 measured first;
# - an oracle-bound case: simd-disabled behind a predicate that sleeps
#   BENCH_SLEEP seconds (0.2) before the same check;
# - a large generated module (bench/gen_huge.py, BENCH_FUNCTIONS functions,
#   default 3000; 0 for none) behind a predicate (`whittle check --signature`), whose
#   outcome names no function, so functions go by delta debugging.
# BENCH_JOBS overrides the -j values ("1 2 <cores>" by default, deduplicated).
# BENCH_RUNS (default 1) runs every -j that many times, in turn, and shows
# the median: a sub-second row moves by 0.1 s from one run to the next on a
# busy machine, so its speed-up is only worth comparing as a median.
#
# More jobs than cores: the oracle-bound row's checks mostly sleep, so with
#   BENCH_CASES= BENCH_FUNCTIONS=0 BENCH_RISCV_FUNCTIONS=0 BENCH_SLEEP=0.5 BENCH_JOBS="1 2 4 8 16" bench/parallel.sh
# a 2-core machine runs 16 of them at once as 16 cores would (each check's
# own work is about 10 ms of CPU a call): it measures how far the
# speculation, not the machine, scales.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_WORK:-${TMPDIR:-/tmp}/whittle-parallel}"
read -r -a cases <<< "${BENCH_CASES-simd-disabled riscv64-memcopy winch-avx-splat gc-eh-simd oob-trap regalloc-254-results}"
sleep_s="${BENCH_SLEEP:-0.2}"
functions="${BENCH_FUNCTIONS:-3000}"
riscv_functions="${BENCH_RISCV_FUNCTIONS:-7300}"
cores=$(nproc)
read -r -a jobs_list <<< "${BENCH_JOBS:-$(printf '%s\n' 1 2 "$cores" | sort -nu | tr '\n' ' ')}"
runs="${BENCH_RUNS:-1}"
export PATH="$HOME/.cargo/bin:$PATH"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_build
mkdir -p "$work"

mismatch=0
echo "| reduction | -j | wall s | speed-up | oracle calls | overhead share | passes' work s | other s | wasted | cores busy | result bytes | same bytes |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
# run NAME DIR ARGS...: every -j on DIR/input.wasm, BENCH_RUNS times in
# turn (-j 1, 2, ..., then again), one row per -j with the median wall time
# and the figures of the run that took it.
run() {
  local name=$1 dir=$2; shift 2
  local base_bytes="" rep j
  for rep in $(seq "$runs"); do
    for j in "${jobs_list[@]}"; do
      local out="$dir/out-j$j.wasm"
      rm -rf "$out" "$out.whittle" "${out%.wasm}".*
      local start end
      start=$(date +%s.%N)
      "$whittle" reduce "$dir/input.wasm" -o "$out" -j "$j" -q "$@" || true
      end=$(date +%s.%N)
      echo "$end - $start" | bc > "$dir/wall-j$j-$rep"
      cp "${out%.wasm}.report.json" "$dir/report-j$j-$rep.json"
      [ -z "$base_bytes" ] && base_bytes=$(sha256sum < "$out")
      if [ "$(sha256sum < "$out")" != "$base_bytes" ]; then
        touch "$dir/mismatch-j$j"
        mismatch=1
      fi
    done
  done
  python3 - "$name" "$dir" "$runs" "${jobs_list[@]}" <<'EOF'
import json, os, sys
name, d, runs, *jobs = sys.argv[1:]
def median_run(j):
    walls = sorted((float(open(f"{d}/wall-j{j}-{k}").read()), k) for k in range(1, int(runs) + 1))
    return walls[len(walls) // 2]
base = median_run(jobs[0])[0]
for j in jobs:
    wall, k = median_run(j)
    r = json.load(open(f"{d}/report-j{j}-{k}.json"))
    same = "MISMATCH" if os.path.exists(f"{d}/mismatch-j{j}") else "yes"
    cores = (r['reducer_cpu_seconds'] + r['checks_cpu_seconds']) / r['wall_seconds']
    print(f"| {name} | {j} | {wall:.2f} | {base / wall:.2f}x | {r['oracle_calls']} "
          f"| {100 * r['overhead_share']:.0f}% | {r['build_seconds']:.2f} | {r['other_seconds']:.2f} "
          f"| {r['speculation_wasted']} | {cores:.2f} | {r['after']['bytes']:,} | {same} |")
EOF
  rm -f "$dir"/wall-j* "$dir"/report-j*-*.json "$dir"/mismatch-j*
}

for name in "${cases[@]}"; do
  dir="$work/$name"
  mkdir -p "$dir"
  case_input "$name" "$dir"
  mapfile -t args < <(case_args "$name")
  run "$name (built-in)" "$dir" "${args[@]}"
done

if [ "$riscv_functions" -gt 0 ]; then
  dir="$work/riscv64-$riscv_functions"
  mkdir -p "$dir"
  python3 "$root/corpora/riscv64-memcopy/generate.py" --functions "$riscv_functions" > "$dir/input.wat"
  "$whittle" convert "$dir/input.wat" -o "$dir/input.wasm"
  mapfile -t args < <(case_args riscv64-memcopy)
  run "riscv64-memcopy, $riscv_functions functions, $(($(wc -c < "$dir/input.wasm") / 1000)) KB (built-in)" "$dir" "${args[@]}"
fi

dir="$work/slow-predicate"
mkdir -p "$dir"
case_input simd-disabled "$dir"
signature_predicate "$dir" "$dir/slow.sh" "$sleep_s" -W simd=n,relaxed-simd=n
run "simd-disabled (predicate, +${sleep_s} s a call)" "$dir" --predicate "$dir/slow.sh"

[ "$functions" -gt 0 ] || exit $mismatch
dir="$work/huge-$functions"
mkdir -p "$dir"
if [ ! -s "$dir/input.wasm" ]; then
  python3 "$root/bench/gen_huge.py" --functions "$functions" \
    --target-bytes $((functions * 875)) > "$dir/input.wat"
  "$whittle" convert "$dir/input.wat" -o "$dir/input.wasm"
fi
signature_predicate "$dir" "$dir/check.sh" 0 -W simd=n,relaxed-simd=n
run "$functions functions, $(($(wc -c < "$dir/input.wasm") / 1000)) KB (predicate)" "$dir" --predicate "$dir/check.sh"

exit $mismatch
