#!/usr/bin/env python3
"""SIMD used while SIMD is disabled (`-W simd=n,relaxed-simd=n`).

Models the everyday "my module fails validation because of one feature" report:
Wasmtime rejects the whole module with "SIMD support is not enabled" as soon as
its validator meets the first SIMD instruction.

The module has ~300 ordinary functions (MVP, multi-value, bulk-memory and
reference-types code: loops, blocks, if/else, br_table, calls, globals, memory,
tables).  Exactly one of them, two thirds of the way through, contains a single
SIMD expression:

    (i32x4.extract_lane 0 (i32x4.splat (local.get 0)))

feeding an ordinary i32 computation, four control structures deep.  No `v128`
appears in any signature, global or local, so nothing outside that one
function body hints at SIMD: the reducer has to find the function (by removing
the others) and then dig through the nested blocks and loops to reach it.

Usage: generate.py [--functions N] [--seed S] > simd-disabled.wat
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import wat_gen as W  # noqa: E402

SEED = 0x5D01
DEFAULT_FUNCTIONS = 300


def culprit_position(functions):
    return functions * 2 // 3


def simd_payload(fg):
    acc = fg.local_of("i32")
    return ["(local.set %s (i32.add (local.get %s) "
            "(i32x4.extract_lane 0 (i32x4.splat (local.get 0)))))" % (acc, acc)]


def generate(functions=DEFAULT_FUNCTIONS, seed=SEED):
    if functions < 1:
        raise SystemExit("--functions must be at least 1")
    r = random.Random(seed)
    m = W.Module(r, W.Profile())
    m.header.append(";; corpora/simd-disabled/generate.py --functions %d --seed %d"
                    % (functions, seed))
    m.add_standard_prelude()
    target = culprit_position(functions)
    for i in range(functions):
        if i == target:
            m.add_filler("$f%d" % i, params=("i32", "i32", "i64"), results=("i32",),
                         payload=simd_payload, nest_levels=4, min_stmts=2, max_stmts=3,
                         depth=2)
        else:
            m.add_filler("$f%d" % i)
    return m.render()


if __name__ == "__main__":
    W.emit(sys.argv[1:], generate, __doc__, functions=DEFAULT_FUNCTIONS, seed=SEED)
