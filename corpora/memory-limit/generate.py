#!/usr/bin/env python3
"""An instantiation failure from memory limits: the module declares a memory
of 40 pages (2.5 MiB), instantiated under `-W max-memory-size=1048576`
(1 MiB, 16 pages). Wasmtime 48.0.8 refuses it with "memory minimum size of
40 pages exceeds memory limits". Around it: ordinary functions, data
segments, globals and exports that do not matter.

The minimal result is the memory alone, shrunk to 17 pages: the smallest
minimum that still exceeds the limit.

Usage: generate.py [--functions N] > memory-limit.wat
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import simple_gen  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--functions", type=int, default=60)
args = p.parse_args()
rng = random.Random(0x11A1)

out = ["(module", "  (memory $mem 40 100)"]
out += simple_gen.fillers(0x11A2, args.functions)
for i in range(6):
    out.append('  (global $g%d (mut i32) (i32.const %d))' % (i, rng.randrange(1000)))
for i in range(4):
    payload = "".join("\\%02x" % rng.randrange(256) for _ in range(rng.randrange(8, 64)))
    out.append('  (data (i32.const %d) "%s")' % (i * 4096, payload))
out.append('  (export "memory" (memory $mem))')
out.append('  (export "main" (func $fill%d))' % (args.functions - 1))
out.append(")")
print("\n".join(out))
