#!/usr/bin/env python3
"""Winch on x86-64 with AVX but not AVX2 meets `v128.load32_splat`.

Flags: `-C compiler=winch --target x86_64-unknown-linux-gnu -C cranelift-has_avx=true`.
Winch lowers `v128.load32_splat` to `vpbroadcastd`, an AVX2 instruction; with
only `has_avx` enabled the x64 emitter panics with "Cannot emit inst ... for
target; failed to match ISA requirements".

The module has a `(memory 1)` and ~300 ordinary functions restricted to what
Winch compiles on a bare x86-64 target (MVP, multi-value, memory.copy/fill,
call_indirect; no float rounding or popcnt, whose lowering depends on
SSE4.1/POPCNT flags, and no reference-type instructions), so that no other
function can fail first.  Exactly one function, two thirds of the way through,
does

    (i32x4.extract_lane 0 (v128.load32_splat offset=16 (i32.and (local.get 0) ...)))

into an i32 accumulator, four control structures deep, on a path guarded by
parameter-dependent conditions (Winch skips unreachable code, so the load must
stay reachable).  There is no other SIMD anywhere and no `v128` in any
signature, global or local.

Usage: generate.py [--functions N] [--seed S] > winch-avx-splat.wat
(`corpora/predicate-winch/generate.py` imports `generate` from this file.)
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import wat_gen as W  # noqa: E402

SEED = 0xA5C2
DEFAULT_FUNCTIONS = 300


def culprit_position(functions):
    return functions * 2 // 3


def splat_payload(fg):
    acc = fg.local_of("i32")
    return ["(local.set %s (i32.add (local.get %s) (i32x4.extract_lane 0 "
            "(v128.load32_splat offset=16 (i32.and (local.get 0) (i32.const 65520))))))"
            % (acc, acc)]


def generate(functions=DEFAULT_FUNCTIONS, seed=SEED, case="winch-avx-splat"):
    if functions < 1:
        raise SystemExit("--functions must be at least 1")
    r = random.Random(seed)
    m = W.Module(r, W.Profile(**W.WINCH))
    m.header.append(";; corpora/%s/generate.py --functions %d --seed %d"
                    % (case, functions, seed))
    m.add_standard_prelude()
    target = culprit_position(functions)
    for i in range(functions):
        if i == target:
            m.add_filler("$f%d" % i, params=("i32", "i32", "f64"), results=("i32",),
                         payload=splat_payload, nest_levels=4, min_stmts=2, max_stmts=3,
                         depth=2)
        else:
            m.add_filler("$f%d" % i)
    return m.render()


if __name__ == "__main__":
    W.emit(sys.argv[1:], generate, __doc__, functions=DEFAULT_FUNCTIONS, seed=SEED)
