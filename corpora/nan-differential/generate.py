#!/usr/bin/env python3
"""A differential case: the same export under two configurations that
legitimately differ on Wasmtime 48.0.8, NaN canonicalization off and on.

No real miscompile was found to use here, so this models the differential
workflow with a known, documented difference: `0.0 / 0.0` on x86-64 yields
the NaN 0xffc00000, which `-W nan-canonicalization=y` turns into the
canonical 0x7fc00000. `run` computes a few float results through ordinary
functions; one of them is such a NaN.

Reduced with `--phase run --invoke run --differential
'-W nan-canonicalization=n' '-W nan-canonicalization=y'`, the result is the
division alone.

Usage: generate.py [--functions N] > nan-differential.wat
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import simple_gen  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--functions", type=int, default=50)
args = p.parse_args()
n = args.functions

out = ["(module"]
out += simple_gen.fillers(0x4A4, n)
out.append("""  (func $scale (param $v f32) (param $k i32) (result f32)
    (f32.mul (local.get $v) (f32.convert_i32_s (local.get $k))))
  (func $ratio (param $a f32) (param $b f32) (result f32)
    (f32.div (local.get $a) (local.get $b)))
  (func (export "run") (result f32 i32 f32)
    (call $scale (f32.const 1.5) (call $fill%d (i32.const 3) (i32.const 4)))
    (call $fill%d (i32.const 5) (i32.const 6))
    (call $scale (call $ratio (f32.const 0) (f32.const 0)) (i32.const 2)))""" % (n // 3, n - 1))
out.append(")")
print("\n".join(out))
