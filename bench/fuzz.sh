#!/usr/bin/env bash
# Fuzzing at scale, in two parts.
#
#   bench/fuzz.sh
#
# 1. Every pass on random modules: the property test
#    crates/whittle-passes/tests/random_modules.rs, built in release and run
#    on BENCH_FUZZ_MODULES seeds (default 10000, from BENCH_FUZZ_SEED,
#    default 1000000, so that the modules differ from the ones CI checks),
#    each made of up to BENCH_FUZZ_SIZE random bytes (default 6000; CI's are
#    up to 1000). Prints the table of counts per pass: edits tried, valid,
#    refused (Err), invalid, invalid in a documented way, panics, CPU time.
#    A failure prints its reproducer (seed, pass, choice, files, command).
#
# 2. End-to-end reductions: BENCH_REDUCTIONS (default 60) modules from
#    `wasm-tools smith` (seeded bytes, every proposal whittle reduces), each
#    reduced by the release `whittle` under a random structural predicate
#    that the module satisfies (a `--predicate` script over `wasm-tools
#    print`): a call, a defined function with two or more results, a
#    memory, a loop, or one of its instructions (opcode). Every output must
#    validate (`wasm-tools validate --features all`) and still satisfy its
#    predicate. Each reduction is capped by BENCH_REDUCE_BUDGET (default
#    120s, whittle's --time-budget). Prints a table per structure: runs,
#    exit 0, valid outputs, predicate still holds, median input and output
#    bytes, median seconds; failures are listed with their files.
#
# Environment: BENCH_WORK (default $TMPDIR/whittle-fuzz-bench), BENCH_PARTS
# ("passes reductions"). wasm-tools is installed with cargo when missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_WORK:-${TMPDIR:-/tmp}/whittle-fuzz-bench}"
parts="${BENCH_PARTS:-passes reductions}"
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p "$work"
status=0

if [[ " $parts " == *" passes "* ]]; then
  modules="${BENCH_FUZZ_MODULES:-10000}"
  log="$work/passes.log"
  echo "## Every pass on $modules random modules"
  echo
  echo "WHITTLE_FUZZ_MODULES=$modules WHITTLE_FUZZ_SEED=${BENCH_FUZZ_SEED:-1000000} WHITTLE_FUZZ_SIZE=${BENCH_FUZZ_SIZE:-6000} cargo test --release -p whittle-passes --test random_modules"
  echo
  set +e
  (cd "$root" && WHITTLE_FUZZ_MODULES="$modules" \
    WHITTLE_FUZZ_SEED="${BENCH_FUZZ_SEED:-1000000}" \
    WHITTLE_FUZZ_SIZE="${BENCH_FUZZ_SIZE:-6000}" \
    WHITTLE_FUZZ_OUT="$work/passes" \
    cargo test --release --locked --quiet -p whittle-passes --test random_modules \
      every_pass_survives_random_modules -- --nocapture) >"$log" 2>&1
  passes_status=$?
  set -e
  sed -n '/ modules from seeds /,/^| total /p' "$log"
  if [ "$passes_status" -ne 0 ]; then
    echo
    echo "FAILED (exit $passes_status); the failures, as the test reports them:"
    sed -n '/failures; the first of each kind/,/^stack backtrace/p' "$log" | grep -v '^stack backtrace'
    status=1
  fi
  echo
fi

if [[ " $parts " == *" reductions "* ]]; then
  if ! command -v wasm-tools >/dev/null; then
    cargo install wasm-tools --locked
  fi
  (cd "$root" && cargo build --release --locked --quiet)
  whittle="${CARGO_TARGET_DIR:-$root/target}/release/whittle"
  runs="${BENCH_REDUCTIONS:-60}"
  budget="${BENCH_REDUCE_BUDGET:-120s}"
  dir="$work/reductions"
  rm -rf "$dir"
  mkdir -p "$dir"
  rows="$dir/rows.tsv"
  : >"$rows"
  # wasm-smith's proposals, as whittle's property test enables them.
  smith_flags=(--multi-value-enabled true --reference-types-enabled true
    --bulk-memory-enabled true --simd-enabled true --relaxed-simd-enabled true
    --threads-enabled true --memory64-enabled true --max-memories 3 --max-tables 3
    --tail-call-enabled true --exceptions-enabled true --gc-enabled true
    --extended-const-enabled true --custom-page-sizes-enabled true
    --wide-arithmetic-enabled true)
  kinds=(call multi-result memory loop opcode)
  for i in $(seq 1 "$runs"); do
    run="$dir/$i"
    mkdir -p "$run"
    python3 -c 'import random, sys
r = random.Random(int(sys.argv[1]))
sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(r.randrange(2000, 20000))))' "$i" >"$run/dna"
    if ! wasm-tools smith "${smith_flags[@]}" -o "$run/in.wasm" <"$run/dna" 2>"$run/smith.err"; then
      continue
    fi
    wasm-tools print "$run/in.wasm" >"$run/in.wat"
    # The structures this module has, in a seeded random order; the first
    # one is the predicate.
    mapfile -t order < <(python3 -c 'import random, sys
k = sys.argv[2:]; random.Random(int(sys.argv[1])).shuffle(k); print("\n".join(k))' "$i" "${kinds[@]}")
    kind=""
    for k in "${order[@]}"; do
      case "$k" in
        call) pattern='^[[:space:]]+call [^ ]' ;;
        multi-result) pattern='^  \(func .*\(result [^ )]+ [^)]+\)' ;;
        memory) pattern='\(memory ' ;;
        loop) pattern='^[[:space:]]+loop( |$)' ;;
        opcode)
          # (A module without code has no instruction: grep finds none.)
          op="$({ grep -oE '^[[:space:]]+[a-z][a-z0-9_.]*' "$run/in.wat" || true; } | tr -d ' ' | sort -u |
            python3 -c 'import random, sys
ops = sys.stdin.read().split(); print(random.Random(int(sys.argv[1])).choice(ops) if ops else "")' "$i")"
          [ -n "$op" ] || continue
          pattern="^[[:space:]]+${op//./\\.}( |\$)"
          k="opcode $op"
          ;;
      esac
      if grep -Eq "$pattern" "$run/in.wat"; then
        kind="$k"
        break
      fi
    done
    [ -n "$kind" ] || continue
    cat >"$run/pred.sh" <<EOF
#!/bin/sh
# Interesting: the module has this structure ($kind).
wasm-tools print "\$1" 2>/dev/null | grep -Eq '$pattern'
EOF
    chmod +x "$run/pred.sh"
    start=$(date +%s.%N)
    set +e
    "$whittle" reduce "$run/in.wasm" -o "$run/out.wasm" --predicate "$run/pred.sh" \
      --time-budget "$budget" -q >"$run/whittle.log" 2>&1
    code=$?
    set -e
    seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
    valid=no
    holds=no
    out_bytes=-
    if [ -f "$run/out.wasm" ]; then
      out_bytes=$(stat -c %s "$run/out.wasm")
      wasm-tools validate --features all "$run/out.wasm" 2>"$run/validate.err" && valid=yes
      "$run/pred.sh" "$run/out.wasm" && holds=yes
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "${kind%% *}" "$code" "$valid" "$holds" \
      "$(stat -c %s "$run/in.wasm")" "$out_bytes" "$seconds" >>"$rows"
  done
  echo "## End-to-end reductions of wasm-tools smith modules under structural predicates"
  echo
  echo "BENCH_REDUCTIONS=$runs BENCH_REDUCE_BUDGET=$budget bench/fuzz.sh (whittle reduce --predicate, release)"
  echo
  python3 - "$rows" "$dir" <<'PY' || status=1
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
kinds = sorted({r[1] for r in rows})
def med(values):
    values = [float(v) for v in values if v != "-"]
    return f"{statistics.median(values):.0f}" if values else "-"
def med_s(values):
    return f"{statistics.median(float(v) for v in values):.1f}" if values else "-"
print("| structure | runs | exit 0 | valid output | predicate holds | median input bytes | median output bytes | median s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for kind in kinds + ["total"]:
    rs = [r for r in rows if kind in ("total", r[1])]
    print(f"| {kind} | {len(rs)} | {sum(r[2] == '0' for r in rs)} | {sum(r[3] == 'yes' for r in rs)} "
          f"| {sum(r[4] == 'yes' for r in rs)} | {med(r[5] for r in rs)} | {med(r[6] for r in rs)} "
          f"| {med_s([r[7] for r in rs])} |")
bad = [r for r in rows if r[2] != "0" or r[3] != "yes" or r[4] != "yes"]
for r in bad:
    print(f"\nFAILED run {r[0]} ({r[1]}): exit {r[2]}, valid {r[3]}, predicate holds {r[4]}: {sys.argv[2]}/{r[0]}/")
sys.exit(1 if bad else 0)
PY
fi
exit "$status"
