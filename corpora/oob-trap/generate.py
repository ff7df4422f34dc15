#!/usr/bin/env python3
"""A run-time trap: `run` goes through a chain of ordinary functions to one
that loads from an address past the end of its one-page memory ("wasm trap:
out of bounds memory access", trap code MemoryOutOfBounds).

Reduced with `--phase run --invoke run`: the result keeps `run` (exported:
it is what gets invoked) and the out-of-bounds load, nothing else.

Usage: generate.py [--functions N] > oob-trap.wat
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import simple_gen  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--functions", type=int, default=60)
args = p.parse_args()
n = args.functions

out = ["(module", "  (memory 1)"]
out += simple_gen.fillers(0x7A9, n)
out.append("""  (func $load (param $p i32) (result i32)
    (i32.load offset=16 (i32.add (local.get $p) (i32.const 65536))))
  (func $middle (param $x i32) (result i32)
    (local.set $x (call $fill%d (local.get $x) (i32.const 9)))
    (i32.add (call $load (i32.and (local.get $x) (i32.const 255))) (local.get $x)))
  (func (export "run") (result i32)
    (call $middle (call $fill%d (i32.const 1) (i32.const 2))))""" % (n - 1, n // 2))
out.append(")")
print("\n".join(out))
