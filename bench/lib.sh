# Shared by the benchmark scripts (sourced, not run): building whittle and
# preparing corpus cases. Expects $root (the repository).

# Build whittle in release; sets $whittle and exports WHITTLE (predicates
# call `$WHITTLE check`).
bench_build() {
  (cd "$root" && cargo build --release --locked --quiet)
  whittle="${CARGO_TARGET_DIR:-$root/target}/release/whittle"
  export WHITTLE="$whittle"
}

# The oracle arguments of corpus case $1 (one per line; `{case}` becomes the
# case's folder).
case_args() {
  python3 -c '
import json, sys
for a in json.load(open(sys.argv[1]))["args"]:
    print(a.replace("{case}", sys.argv[2]))' "$root/corpora/$1/case.json" "$root/corpora/$1"
}

# Generate corpus case $1 into $2/input.wasm (whittle's own converter: it
# also writes modules over wasmparser's limits).
case_input() {
  python3 "$root/corpora/$1/generate.py" > "$2/input.wat"
  "$whittle" convert "$2/input.wat" -o "$2/input.wasm"
}

# A wrapper predicate $2 (executable) that answers like `whittle reduce
# $1/input.wasm ARGS...` would with the built-in oracle, after sleeping
# $3 seconds: the same test, made as slow as an oracle that runs a program.
signature_predicate() {
  local dir=$1 script=$2 delay=$3; shift 3
  "$whittle" check "$dir/input.wasm" "$@" --json |
    python3 -c 'import json,sys; json.dump(json.load(sys.stdin)["signature"], sys.stdout)' > "$dir/signature.json"
  local quoted=""
  if [ $# -gt 0 ]; then quoted=$(printf ' %q' "$@"); fi
  printf '#!/bin/sh\nsleep %s\nexec "%s" check "$1"%s --signature "%s/signature.json" --quiet\n' \
    "$delay" "$whittle" "$quoted" "$dir" > "$script"
  chmod +x "$script"
}
