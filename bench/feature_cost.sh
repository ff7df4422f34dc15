#!/usr/bin/env bash
# What each optional Wasmtime feature of the `whittle` build costs: a
# release build with none of them (`--no-default-features`), then one with
# each alone, in a target
# directory of their own (BENCH_TARGET, default /tmp/whittle-feature-cost;
# seed it with a copy of target/release to skip the crates below Wasmtime).
#
#   bench/feature_cost.sh [FEATURE...]   # default: pooling-allocator stack-switching component-model
#
# Before each build the crates a feature can change (wasmtime,
# wasmtime-environ and the compilers' glue above it, wasmtime-cli-flags,
# wasm-whittle) are cleaned, so every row compiles the same set of crates
# and the difference between rows is what the feature adds to a cold build.
# Prints a markdown table: the build's wall seconds, its CPU seconds (user +
# system, from /usr/bin/time: what a cold build pays on any machine, and far
# less disturbed than wall time when the machine is shared), the crates it
# compiled (those cleaned, plus any the feature adds), and the binary's size.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${BENCH_TARGET:-/tmp/whittle-feature-cost}"
features=("$@")
[ ${#features[@]} -gt 0 ] || features=(pooling-allocator stack-switching component-model)
rebuilt=(wasmtime wasmtime-environ wasmtime-internal-cranelift wasmtime-internal-winch
  wasmtime-cli-flags wasm-whittle)
cd "$root"
export CARGO_TARGET_DIR="$target"
# Everything below those crates is built once, outside the table.
cargo build --release --locked -q --bin whittle --no-default-features 2>/dev/null
echo "| features | build wall s | build CPU s | crates compiled | whittle binary bytes |"
echo "|---|---|---|---|---|"
for feature in "" "${features[@]}"; do
  for crate in "${rebuilt[@]}"; do
    cargo clean --release -q -p "$crate" 2>/dev/null || true
  done
  log=$(mktemp)
  /usr/bin/time -f '%e %U %S' -o "$log.time" \
    cargo build --release --locked --bin whittle --no-default-features \
    ${feature:+--features "$feature"} 2>"$log"
  read -r wall user sys < "$log.time"
  crates=$(grep -c '^ *Compiling ' "$log" || true)
  size=$(stat -c %s "$target/release/whittle")
  printf '| %s | %.0f | %.0f | %s | %s |\n' "${feature:-(none)}" "$wall" "$(echo "$user + $sys" | bc)" "$crates" "$size"
  rm -f "$log" "$log.time"
done
