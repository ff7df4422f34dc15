#!/usr/bin/env python3
"""One giant generated function, for the giant-function benchmark (bench/giant.sh).

Prints WebAssembly text on stdout: a module whose only function holds N
straight-line statements

    local.get 0  i32.const K  i32.add  local.set 0

(the shape of a generated initializer), with the failure placed in it:

  --variant one   one culprit statement in the middle, `i32.const 0 v128.load
                  drop`: with `-W simd=n,relaxed-simd=n` Wasmtime rejects the
                  module because of it and nothing else.
  --variant panic one culprit statement in the middle, `i32.const 0
                  i32.const 0 i32.const 64 memory.copy`: compiled with
                  `--target riscv64gc-unknown-linux-gnu`, Cranelift panics on
                  it (as in corpora/riscv64-memcopy). A compile error, where
                  `one` is a validation error: a candidate without the
                  culprit is compiled in full to know it no longer fails.
  --variant two   the failure needs two distant statements: at a quarter of
                  the body `i32.const 16 i32.const 0x7fff0000 i32.store`
                  puts an address far out of bounds into memory, at three
                  quarters `i32.const 16 i32.load i32.load drop` loads from
                  it. Run with `--phase run --invoke run`: the module traps
                  (out-of-bounds load) only when both are there.
  --nested D      wraps every run of 64 statements in D nested blocks
                  (`block ... end`), so the body is a tree, not a list.

Deterministic for given arguments. Usage:
    gen_giant.py --statements N [--variant one|panic|two] [--nested D] > giant.wat
"""
import argparse
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--statements", type=int, required=True)
    ap.add_argument("--variant", choices=("one", "panic", "two"), default="one")
    ap.add_argument("--nested", type=int, default=0)
    args = ap.parse_args()
    n = args.statements
    special = {}
    if args.variant == "one":
        special[n // 2] = "i32.const 0 v128.load drop"
    elif args.variant == "panic":
        special[n // 2] = "i32.const 0 i32.const 0 i32.const 64 memory.copy"
    else:
        special[n // 4] = "i32.const 16 i32.const 0x7fff0000 i32.store"
        special[3 * n // 4] = "i32.const 16 i32.load i32.load drop"
    out = sys.stdout
    out.write("(module\n  (memory 1)\n")
    out.write('  (func (export "run") (local i32)\n')
    for i in range(n):
        if args.nested and i % 64 == 0:
            out.write("    " + "block " * args.nested + "\n")
        if i in special:
            out.write("    " + special[i] + "\n")
        out.write(f"    local.get 0 i32.const {(i * 7919) % 100003 + 1} i32.add local.set 0\n")
        if args.nested and (i % 64 == 63 or i == n - 1):
            out.write("    " + "end " * args.nested + "\n")
    out.write("  )\n)\n")


if __name__ == "__main__":
    main()
