#!/usr/bin/env python3
"""A compile-time memory blow-up: one function with thousands of
`try_table (catch_all_ref ...)` handlers among ordinary functions.

Measured on Wasmtime 48.0.8: compile memory grows about 4x each time the
number of `catch_all_ref` handlers in one function doubles (quadratic), while
plain `catch_all` stays linear. With 2048 handlers a check peaks around
65 MiB against about 17 MiB for an ordinary module: reduced with
`--peak-rss-above 48M`, the result is that function alone, truncated to the
shortest prefix of handlers that still needs more than 48 MiB.

Usage: generate.py [--handlers N] [--functions N] > memory-blowup.wat
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import simple_gen  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--handlers", type=int, default=2048)
p.add_argument("--functions", type=int, default=40)
args = p.parse_args()

out = ["(module", '  (import "env" "poll" (func $poll))']
out += simple_gen.fillers(0xB10, args.functions)
body = ["  (func $handlers (export \"handlers\") (param $x i32) (result i32)"]
for i in range(args.handlers):
    body.append("    (block $done%d (block $h%d (result exnref) (try_table (catch_all_ref $h%d) (call $poll)) (br $done%d)) drop)" % (i, i, i, i))
body.append("    (call $fill%d (local.get $x) (i32.const 3)))" % (args.functions - 1))
out.append("\n".join(body))
out.append('  (export "main" (func $fill%d))' % (args.functions // 2))
out.append(")")
print("\n".join(out))
