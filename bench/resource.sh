#!/usr/bin/env bash
# Resource variant of the giant-function benchmark: one giant straight-line
# initializer hidden among a few thousand small functions
# (bench/gen_resource.py), reduced under `--peak-rss-above`.
#
#   bench/resource.sh
#
# Environment: BENCH_WORK (default /tmp/whittle-resource; the generated
# modules are cached there), BENCH_FUNCTIONS (3000), BENCH_STATEMENTS
# (100000, about 1.2 MB of code), BENCH_BUDGET (the reduction's
# --time-budget, 10m), BENCH_BOUND (default: halfway between the peak of the
# small functions alone and the whole module's, as whittle measures them),
# BENCH_ORACLE (builtin, or cli: reduce with --wasmtime), WASMTIME (the
# wasmtime 48.0.8 CLI; default the one .ci/run installs, else `wasmtime` on
# PATH). Needs python3 and GNU time.
#
# Prints a markdown table: the reduction's sizes, time, oracle calls and
# overhead from its report; whittle's own peak; the result's shape (defined
# functions, stores kept, whether they are a prefix of the initializer's);
# and the result's peak under `wasmtime compile` by `/usr/bin/time -f %M`
# (lowest and highest of three runs) against the bound.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_WORK:-/tmp/whittle-resource}"
functions="${BENCH_FUNCTIONS:-3000}"
statements="${BENCH_STATEMENTS:-100000}"
budget="${BENCH_BUDGET:-10m}"
oracle="${BENCH_ORACLE:-builtin}"
wasmtime="${WASMTIME:-$HOME/.cache/wasm-whittle/wasmtime-48.0.8-run/bin/wasmtime}"
[ -x "$wasmtime" ] || wasmtime="$(command -v wasmtime)"
"$wasmtime" --version | grep -q '^wasmtime 48.0.8' || { echo "need a wasmtime 48.0.8 CLI (WASMTIME)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "need GNU time at /usr/bin/time" >&2; exit 2; }
case "$oracle" in
  builtin) oracle_args=() ;;
  cli) oracle_args=(--wasmtime "$wasmtime") ;;
  *) echo "BENCH_ORACLE must be builtin or cli" >&2; exit 2 ;;
esac

(cd "$root" && cargo build --release --locked --quiet)
whittle="${CARGO_TARGET_DIR:-$root/target}/release/whittle"
mkdir -p "$work"
cd "$work"

# The module, and the same small functions without the initializer.
big="big-$functions-$statements.wasm"
small="small-$functions.wasm"
if [ ! -s "$big" ] || [ "$root/bench/gen_resource.py" -nt "$big" ]; then
  echo "generating $big ..." >&2
  python3 "$root/bench/gen_resource.py" --functions "$functions" --statements "$statements" > big.wat
  "$whittle" convert big.wat -o "$big"
  python3 "$root/bench/gen_resource.py" --functions "$functions" --statements 0 > small.wat
  "$whittle" convert small.wat -o "$small"
  rm -f big.wat small.wat
fi

peak_of() { # whittle's reading of a module's peak, bytes (`check` exits 1: it compiles)
  { "$whittle" check "$1" --json "${oracle_args[@]}" || true; } |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["peak_rss_bytes"])'
}
if [ -n "${BENCH_BOUND:-}" ]; then
  bound="$BENCH_BOUND"
else
  small_peak=$(peak_of "$small")
  big_peak=$(peak_of "$big")
  bound="$(( (small_peak + big_peak) / 2 / 1048576 ))M"
  echo "peaks: small functions $((small_peak >> 20)) MiB, whole module $((big_peak >> 20)) MiB; bound $bound" >&2
fi

rm -rf min.wasm min.whittle
echo "reducing with --peak-rss-above $bound --time-budget $budget ($oracle oracle) ..." >&2
"$whittle" reduce "$big" -o min.wasm --peak-rss-above "$bound" --time-budget "$budget" -q \
  "${oracle_args[@]}" || echo "whittle exited with $?" >&2

# The result under the CLI, as the oracle ran it (2 cores: -j 2, so
# Wasmtime's parallel compilation is off).
cli_peaks=()
for _ in 1 2 3; do
  /usr/bin/time -f %M -o time.txt "$wasmtime" compile -C parallel-compilation=n -o min.cwasm min.wasm
  cli_peaks+=("$(tail -1 time.txt)")
done

"$whittle" convert "$big" -o big.print.wat
"$whittle" convert min.wasm -o min.print.wat
python3 - "$bound" "${cli_peaks[@]}" <<'PY'
import json, re, sys

bound_arg, cli = sys.argv[1], [int(k) * 1024 for k in sys.argv[2:]]
units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
m = re.fullmatch(r"([\d.]+)([KMG]?)(?:i?B)?", bound_arg.upper())
bound = int(float(m.group(1)) * units[m.group(2)])
r = json.load(open("min.report.json"))

def bodies(path):
    """Instruction lines of each function in a printed module."""
    out, cur = [], None
    for line in open(path):
        s = line.strip()
        if s.startswith("(func "):
            cur = []
            out.append(cur)
        elif cur is not None and s not in (")", "") and not s.startswith("("):
            cur.append(s)
    return out

giant = max(bodies("big.print.wat"), key=len)
result = bodies("min.print.wat")
kept = result[0] if len(result) == 1 else []
if kept and kept[-1] == "unreachable":
    kept = kept[:-1]
stores = sum(1 for s in kept if s.startswith("i32.store"))
prefix = "yes" if kept == giant[: len(kept)] else "no"
mib = lambda b: b / (1 << 20)
print("| input bytes | result bytes | functions | stores kept | prefix | wall s | oracle calls "
      "| oracle s | overhead | reducer peak MiB | result peak MiB (CLI, /usr/bin/time) | bound MiB | above |")
print("|---:|---:|---:|---:|:-:|---:|---:|---:|---:|---:|---:|---:|:-:|")
print("| %d | %d | %d | %d | %s | %.1f | %d | %.1f | %.1f%% | %.0f | %.1f-%.1f | %.1f | %s |" % (
    r["before"]["bytes"], r["after"]["bytes"], r["after"]["functions"], stores, prefix,
    r["wall_seconds"], r["oracle_calls"], r["oracle_seconds"], 100 * r["overhead_share"],
    mib(r["reducer_peak_rss_bytes"]), mib(min(cli)), mib(max(cli)), mib(bound),
    "yes" if min(cli) > bound else "NO"))
print("\nwhittle's reading of the result: %.1f MiB; isolate-culprit: %s; stopped early: %s" % (
    mib(r["final_measured"]["peak_rss_bytes"]), r["per_pass"].get("isolate-culprit"),
    r["stopped_early"]))
PY
