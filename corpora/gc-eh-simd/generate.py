#!/usr/bin/env python3
"""One SIMD expression in a GC + exception-handling module, with SIMD disabled.

Models a managed-language toolchain (WebAssembly GC and exception handling)
whose output is run with `-W simd=n,relaxed-simd=n`: Wasmtime rejects the
module with "SIMD support is not enabled" when it validates the one function
that contains SIMD.

The module (shared generator `corpora/gc_gen.py`) has rec groups with
subtyping, struct and array types, typed function references, tags, reference
globals, a funcref table and ~200 functions full of struct/array/cast/i31/
call_ref code and try_table/throw/throw_ref.  Exactly one function, two
thirds of the way through, contains

    (i32x4.extract_lane 0 (i32x4.splat (local.get 0)))

inside a `try_table` inside a `block`, three control structures deep.  No
`v128` appears in any type, global or local.

Usage: generate.py [--functions N] [--seed S] > gc-eh-simd.wat
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import gc_gen as G  # noqa: E402
import wat_gen as W  # noqa: E402

SEED = 0x6CE5
DEFAULT_FUNCTIONS = 200
CULPRIT_SIG = (("i32", "(ref null $obj)", "i64"), ("i32",))


def culprit_position(functions):
    return functions * 2 // 3


def simd_payload(fg):
    """block > local.set > block (result i32) > try_table > the SIMD expression."""
    acc = fg.local_of("i32")
    out_label, handler = fg.new_label(), fg.new_label()
    before, after = fg.stmts(1, 1), fg.stmts(1, 1)
    body = before + ["(local.set %s (i32.add (local.get %s) "
                     "(i32x4.extract_lane 0 (i32x4.splat (local.get 0)))))" % (acc, acc)] + after
    lines = ["(block %s" % out_label,
             "  (local.set %s" % acc,
             "    (block %s (result i32)" % handler,
             "      (try_table (catch $e_code %s) (catch_all %s)" % (handler, out_label)]
    lines += W.indent(body, 8, close=True)
    lines.append("      (local.get %s))))" % acc)
    return lines


def generate(functions=DEFAULT_FUNCTIONS, seed=SEED):
    r = random.Random(seed)
    header = [";; corpora/gc-eh-simd/generate.py --functions %d --seed %d" % (functions, seed)]
    m = G.build(r, functions, header, culprit=culprit_position(functions),
                payload=simd_payload, payload_sig=CULPRIT_SIG, nest_levels=3)
    return m.render()


if __name__ == "__main__":
    W.emit(sys.argv[1:], generate, __doc__, functions=DEFAULT_FUNCTIONS, seed=SEED)
