#!/usr/bin/env bash
# Scale: whittle on a ~10 MB, 12000-function module (bench/gen_huge.py) with one
# SIMD instruction, compiled with SIMD disabled, once with -j 1 and once with
# -j 2, one after the other on the same machine.
#
#   bench/scale.sh
#
# Environment: BENCH_WORK (default /tmp/whittle-scale; the generated module is
# cached there), BENCH_FUNCTIONS (12000), BENCH_TARGET_BYTES (10500000),
# BENCH_JOBS ("1 2"), BENCH_ORACLE (builtin). wasm-tools and GNU time are
# installed when missing (cargo / apt).
#
# Wasmtime's error names the failing function, so with the built-in oracle
# whittle's first candidate is "keep just that function" (isolate-culprit)
# and the 12000 functions are gone after one oracle call. BENCH_ORACLE=predicate
# measures the general path instead: the same test behind `--predicate`
# (a script running `whittle check --signature`, as in bench/compare.sh), whose
# outcome names no function, so the functions go by delta debugging. Its
# files are named pred-jN instead of jN.
#
# Each run is under `/usr/bin/time -v` and with WHITTLE_TRACE_BESTS set, which
# makes whittle write every new best as trace-jN/NNNN-<pass>.wasm; the k-th
# trace file and the k-th progress line on stderr are the same best, so the
# first trace file with one defined function gives the time to reach one
# function. Prints a markdown table (MB = 10^6 bytes), the -j speed-up, and
# whether every run produced byte-identical output (MISMATCH otherwise).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_WORK:-/tmp/whittle-scale}"
functions="${BENCH_FUNCTIONS:-12000}"
target_bytes="${BENCH_TARGET_BYTES:-10500000}"
read -r -a jobs_list <<< "${BENCH_JOBS:-1 2}"
oracle="${BENCH_ORACLE:-builtin}"
case "$oracle" in
  builtin) prefix="" ;;
  predicate) prefix="pred-" ;;
  *) echo "BENCH_ORACLE must be builtin or predicate" >&2; exit 2 ;;
esac
flags=(-W simd=n,relaxed-simd=n)
export PATH="$HOME/.cargo/bin:$PATH"

if ! command -v wasm-tools >/dev/null; then
  cargo install wasm-tools --locked
fi
if [ ! -x /usr/bin/time ]; then
  apt-get update && apt-get install -y time
fi
(cd "$root" && cargo build --release --locked --quiet)
whittle="${CARGO_TARGET_DIR:-$root/target}/release/whittle"
mkdir -p "$work"

# The module, cached per size; regenerated when the generator changes.
huge="$work/huge-$functions-$target_bytes.wasm"
if [ ! -s "$huge" ] || [ "$root/bench/gen_huge.py" -nt "$huge" ]; then
  echo "generating $huge ..." >&2
  python3 "$root/bench/gen_huge.py" --functions "$functions" --target-bytes "$target_bytes" \
    > "$work/huge.wat"
  wasm-tools parse "$work/huge.wat" -o "$huge.tmp"
  wasm-tools validate "$huge.tmp" # with SIMD enabled, everything validates
  mv "$huge.tmp" "$huge"
  rm -f "$work/huge.wat"
fi
ln -sf "$(basename "$huge")" "$work/huge.wasm"

# Defined functions of each file (the function section's count).
count_funcs() {
  python3 - "$@" <<'PY'
import sys

def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7f) << s; s += 7
        if x < 0x80:
            return r, i

for path in sys.argv[1:]:
    b = open(path, 'rb').read()
    i, n = 8, 0
    while i < len(b):
        sid = b[i]; size, j = leb(b, i + 1)
        if sid == 3:
            n = leb(b, j)[0]
        i = j + size
    print(n)
PY
}

in_bytes=$(wc -c < "$huge")
in_funcs=$(count_funcs "$huge")
echo "input: $huge: $in_bytes bytes ($(python3 -c "print(f'{$in_bytes / 1e6:.2f}')") MB), $in_funcs functions" >&2

oracle_args=("${flags[@]}")
if [ "$oracle" = predicate ]; then
  "$whittle" check "$work/huge.wasm" "${flags[@]}" --json |
    python3 -c 'import json,sys; json.dump(json.load(sys.stdin)["signature"], sys.stdout)' \
    > "$work/signature.json"
  printf '#!/bin/sh\nexec "%s" check "$1" %s --signature "%s/signature.json" --quiet\n' \
    "$whittle" "${flags[*]}" "$work" > "$work/interesting.sh"
  chmod +x "$work/interesting.sh"
  oracle_args=(--predicate "$work/interesting.sh")
fi

failed=0
for j in "${jobs_list[@]}"; do
  t="${prefix}j$j"
  out="$work/out-$t.wasm"
  trace="$work/trace-$t"
  rm -rf "$trace" "$out" "$work/out-$t".{wat,report.json,report.md} "$out.whittle"
  mkdir -p "$trace"
  cmd=("$whittle" reduce "$work/huge.wasm" -o "$out" "${oracle_args[@]}" -j "$j")
  echo "== -j $j: WHITTLE_TRACE_BESTS=$trace ${cmd[*]}" >&2
  set +e
  WHITTLE_TRACE_BESTS="$trace" /usr/bin/time -v -o "$work/time-$t.txt" "${cmd[@]}" \
    2>&1 > "$work/stdout-$t.log" | tee "$work/stderr-$t.log" >&2
  rc=${PIPESTATUS[0]}
  set -e
  echo "$rc" > "$work/rc-$t"
  if [ "$rc" -ne 0 ]; then
    echo "!!! whittle -j $j FAILED with exit code $rc (see $work/stderr-$t.log)" >&2
    failed=1
  fi
  count_funcs $(ls "$trace" | sort -n | sed "s|^|$trace/|") > "$work/trace-$t.funcs" || true
done

status=0
python3 - "$work" "$prefix" "$oracle" "$in_bytes" "$in_funcs" "${jobs_list[@]}" <<'PY' || status=$?
import json, os, re, sys

work, prefix, oracle = sys.argv[1:4]
in_bytes, in_funcs, jobs = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6:]
line_re = re.compile(r"^\[\s*([0-9.]+)s\]\s+(\S+)\s+(\d+) bytes")
problems = []
rows, results, totals = [], {}, {}

def mb(n):
    return n / 1e6

for j in jobs:
    rc = int(open(os.path.join(work, "rc-%sj%s" % (prefix, j))).read())
    with open(os.path.join(work, "stderr-%sj%s.log" % (prefix, j)), errors="replace") as f:
        progress = [m.groups() for m in map(line_re.match, f) if m]
    trace_dir = os.path.join(work, "trace-%sj%s" % (prefix, j))
    traces = sorted(os.listdir(trace_dir), key=lambda n: int(n.split("-", 1)[0]))
    funcs = [int(x) for x in open(os.path.join(work, "trace-%sj%s.funcs" % (prefix, j))).read().split()]
    if len(traces) != len(funcs):
        problems.append("-j %s: %d trace files, %d counted" % (j, len(traces), len(funcs)))
    # A progress line stands for each best smaller than the one before (a
    # best only simpler at the same size is traced but gets no line).
    smaller, least = [], in_bytes
    for t, n in zip(traces, funcs):
        size = os.path.getsize(os.path.join(trace_dir, t))
        if size < least:
            smaller.append((t, n))
            least = size
    traces = [t for t, _ in smaller]
    funcs = [n for _, n in smaller]
    if not (len(progress) == len(traces) == len(funcs)):
        problems.append("-j %s: %d progress lines, %d trace files, %d counted"
                        % (j, len(progress), len(traces), len(funcs)))
    for k, (p, t) in enumerate(zip(progress, traces)):
        size = os.path.getsize(os.path.join(trace_dir, t))
        if int(p[2]) != size or p[1] != t.split("-", 1)[1][:-len(".wasm")]:
            problems.append("-j %s: progress line %d (%s, %s bytes) is not trace file %s (%d bytes)"
                            % (j, k, p[1], p[2], t, size))
            break
    t_one = "never"
    if in_funcs <= 1:
        t_one = "0.0 s"
    else:
        for k, n in enumerate(funcs):
            if n <= 1 and k < len(progress):
                t_one = "%s s (%s)" % (progress[k][0], progress[k][1])
                break
    time_rss = None
    try:
        for line in open(os.path.join(work, "time-%sj%s.txt" % (prefix, j))):
            if "Maximum resident set size" in line:
                time_rss = int(line.rsplit(":", 1)[1]) * 1024
    except OSError:
        pass
    try:
        rep = json.load(open(os.path.join(work, "out-%sj%s.report.json" % (prefix, j))))
    except (OSError, ValueError):
        rep = None
    if rc != 0 or rep is None:
        problems.append("-j %s: whittle exited %d%s" % (j, rc, "" if rep else ", no report"))
    if rep is None:
        rows.append("| %.2f | %d | %s | %s | FAILED (exit %d) | | | | | |"
                    % (mb(in_bytes), in_funcs, j, t_one, rc))
        continue
    rss = rep["reducer_peak_rss_bytes"]
    totals[j] = rep["wall_seconds"]
    rows.append("| %.2f | %d | %s | %s | %.1f s | %d | %.1f%% | %.0f (%.1fx) | %s | %d B, %d func |"
                % (mb(rep["before"]["bytes"]), rep["before"]["functions"], j, t_one,
                   rep["wall_seconds"], rep["oracle_calls"], 100 * rep["overhead_share"],
                   mb(rss), rss / rep["before"]["bytes"],
                   "%.0f" % mb(time_rss) if time_rss else "-",
                   rep["after"]["bytes"], rep["after"]["functions"]))
    out = os.path.join(work, "out-%sj%s.wasm" % (prefix, j))
    if os.path.exists(out):
        results[j] = open(out, "rb").read()
    if rep["before"]["bytes"] != in_bytes:
        problems.append("-j %s: report says %d input bytes, file has %d"
                        % (j, rep["before"]["bytes"], in_bytes))

print()
print("oracle: %s" % ("built-in (-W simd=n,relaxed-simd=n)" if oracle == "builtin" else
                      "--predicate %s/interesting.sh (whittle check --signature)" % work))
print()
print("| input MB | functions | -j | time to one function | total time | oracle calls "
      "| overhead share | reducer peak RSS MB (x input) | max RSS incl. oracle MB | result |")
print("|---|---|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
print()
print("time to one function: elapsed time of the first new best with one defined function "
      "(and the pass that found it); total time, oracle calls, overhead share (1 - oracle time / "
      "wall time) and reducer peak RSS (whittle's own getrusage) from out-jN.report.json; "
      "max RSS incl. oracle: /usr/bin/time -v, which also covers the oracle's child processes.")
if len(totals) >= 2:
    base = jobs[0]
    for j in jobs[1:]:
        if j in totals and base in totals:
            print("speed-up -j %s -> -j %s: %.2fx (%.1f s -> %.1f s)"
                  % (base, j, totals[base] / totals[j], totals[base], totals[j]))
if len(results) == len(jobs) and len(set(results.values())) == 1:
    print("results: byte-identical across -j %s (%d bytes)"
          % (", ".join(jobs), len(next(iter(results.values())))))
else:
    print()
    print("!!!!!!!! MISMATCH: the results of -j %s are not byte-identical (%s) !!!!!!!!"
          % (", ".join(jobs), ", ".join("-j %s: %s" % (j, len(results[j]) if j in results else "none")
                                         for j in jobs)))
    problems.append("results differ")
for p in problems:
    print("PROBLEM: " + p)
print("(work files in %s)" % work)
sys.exit(1 if problems else 0)
PY
exit $((status | failed))
