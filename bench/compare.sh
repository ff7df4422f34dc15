#!/usr/bin/env bash
# Side-by-side: whittle vs `wasm-tools shrink` vs Binaryen's `wasm-reduce` on
# every corpus case, with the same interestingness, one tool after another.
#
#   bench/compare.sh [CASE...]          (default: every folder under corpora/)
#
# The interestingness is a generated wrapper around the same oracle: for
# built-in-oracle cases `whittle check --signature` against the original's
# signature (exactly the test `whittle reduce` applies), for predicate cases
# the case's own predicate. Peers that are missing are installed (cargo /
# apt). Each peer run is capped by BENCH_PEER_TIMEOUT seconds (default 900).
# Prints a markdown table: final bytes, code-section bytes, wall time, oracle
# calls (counted by the wrapper for peers, from the report for whittle), and
# whether the output still fails the same way. Rows are also appended to
# $BENCH_WORK/rows.md as they come. BENCH_TOOLS (default
# "whittle shrink wasm-reduce") picks the tools.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_WORK:-${TMPDIR:-/tmp}/whittle-bench}"
peer_timeout="${BENCH_PEER_TIMEOUT:-900}"
export PATH="$HOME/.cargo/bin:$PATH"

if ! command -v wasm-tools >/dev/null; then
  cargo install wasm-tools --locked
fi
if ! command -v wasm-reduce >/dev/null; then
  apt-get update && apt-get install -y binaryen
fi
(cd "$root" && cargo build --release --locked --quiet)
whittle="${CARGO_TARGET_DIR:-$root/target}/release/whittle"
export WHITTLE="$whittle"

cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  for d in "$root"/corpora/*/; do cases+=("$(basename "$d")"); done
fi

now() { date +%s.%N; }
code_bytes() {
  python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
i, size = 8, 0
def leb(i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i
while i < len(b):
    sid = b[i]; n, j = leb(i + 1)
    if sid == 10: size = n
    i = j + n
print(size)
PY
}

rows=()
for name in "${cases[@]}"; do
  case_dir="$root/corpora/$name"
  dir="$work/$name"
  rm -rf "$dir" && mkdir -p "$dir"
  echo "== $name" >&2
  mapfile -t args < <(python3 -c '
import json, sys
for a in json.load(open(sys.argv[1]))["args"]:
    print(a.replace("{case}", sys.argv[2]))' "$case_dir/case.json" "$case_dir")
  python3 "$case_dir/generate.py" > "$dir/input.wat"
  # whittle's own converter: it also writes modules over wasmparser's limits.
  "$whittle" convert "$dir/input.wat" -o "$dir/input.wasm"

  # The interestingness wrapper: same oracle, counts its calls.
  predicate=""
  for ((k = 0; k < ${#args[@]}; k++)); do
    if [ "${args[$k]}" = "--predicate" ]; then predicate="${args[$((k + 1))]}"; fi
  done
  criterion=""
  check_args=()
  skip=""
  for a in "${args[@]}"; do
    case "$a" in --peak-rss-above|--compile-time-above|--differential) criterion=yes ;; esac
    # Options of `reduce` only (with their value) stay out of the check.
    if [ -n "$skip" ]; then skip=""; continue; fi
    case "$a" in --passes|--skip-passes|--mutate-budget|--time-budget) skip=yes; continue ;; esac
    check_args+=("$a")
  done
  quoted=""
  if [ ${#check_args[@]} -gt 0 ]; then quoted=$(printf ' %q' "${check_args[@]}"); fi
  if [ -n "$predicate" ]; then
    printf '#!/bin/sh\necho >> "%s/calls"\nexec %s "$1"\n' "$dir" "$predicate" > "$dir/interesting.sh"
  elif [ -n "$criterion" ]; then
    # A resource or differential criterion: `whittle check` says whether it holds.
    printf '#!/bin/sh\necho >> "%s/calls"\nexec "%s" check "$1"%s --quiet\n' \
      "$dir" "$whittle" "$quoted" > "$dir/interesting.sh"
  else
    "$whittle" check "$dir/input.wasm" "${check_args[@]}" --json |
      python3 -c 'import json,sys; json.dump(json.load(sys.stdin)["signature"], sys.stdout)' > "$dir/signature.json"
    printf '#!/bin/sh\necho >> "%s/calls"\nexec "%s" check "$1"%s --signature "%s/signature.json" --quiet\n' \
      "$dir" "$whittle" "$quoted" "$dir" > "$dir/interesting.sh"
  fi
  chmod +x "$dir/interesting.sh"
  # wasm-reduce compares exit code and stdout with the original's.
  printf '#!/bin/sh\nif "%s/interesting.sh" "%s/test.wasm"; then echo interesting; else echo boring; fi\n' \
    "$dir" "$dir" > "$dir/reduce-command.sh"
  chmod +x "$dir/reduce-command.sh"
  original=$(wc -c < "$dir/input.wasm")

  result() { # tool, output, wall, calls
    local same="no" bytes="-" code="-"
    if [ -s "$2" ]; then
      bytes=$(wc -c < "$2")
      code=$(code_bytes "$2")
      if "$dir/interesting.sh" "$2" >/dev/null 2>&1; then same="yes"; fi
    fi
    rows+=("| $name | $1 | $original | $bytes | $code | $3 | $4 | $same |")
    echo "${rows[-1]}" | tee -a "$work/rows.md"
  }

  tools="${BENCH_TOOLS:-whittle shrink wasm-reduce}"
  # whittle
  if [[ " $tools " == *" whittle "* ]]; then
  start=$(now)
  "$whittle" reduce "$dir/input.wasm" -o "$dir/whittle.wasm" -q "${args[@]}" || true
  wall=$(python3 -c "print(f'{$(now) - $start:.1f}')")
  calls=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["oracle_calls"])' "$dir/whittle.report.json" 2>/dev/null || echo "-")
  result whittle "$dir/whittle.wasm" "$wall" "$calls"
  fi

  # wasm-tools shrink
  if [[ " $tools " == *" shrink "* ]]; then
  : > "$dir/calls"
  start=$(now)
  timeout "$peer_timeout" wasm-tools shrink "$dir/interesting.sh" "$dir/input.wasm" -o "$dir/shrink.wasm" \
    > "$dir/shrink.log" 2>&1 || echo "(wasm-tools shrink exited $?)" >> "$dir/shrink.log"
  wall=$(python3 -c "print(f'{$(now) - $start:.1f}')")
  result "wasm-tools shrink" "$dir/shrink.wasm" "$wall" "$(wc -l < "$dir/calls")"
  fi

  # binaryen wasm-reduce
  if [[ " $tools " == *" wasm-reduce "* ]]; then
  : > "$dir/calls"
  cp "$dir/input.wasm" "$dir/reduce-in.wasm"
  start=$(now)
  (cd "$dir" && timeout "$peer_timeout" wasm-reduce reduce-in.wasm --command "$dir/reduce-command.sh" \
    -t "$dir/test.wasm" -w "$dir/reduce.wasm" --timeout 60 -b "$(dirname "$(command -v wasm-opt)")/" \
    > "$dir/reduce.log" 2>&1) ||
    echo "(wasm-reduce exited $?)" >> "$dir/reduce.log"
  wall=$(python3 -c "print(f'{$(now) - $start:.1f}')")
  result "wasm-reduce" "$dir/reduce.wasm" "$wall" "$(wc -l < "$dir/calls")"
  fi
done

echo
echo "| case | tool | input bytes | output bytes | code bytes | wall s | oracle calls | same failure |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "(work files in $work)"
