#!/usr/bin/env python3
"""A GC + exception-handling module compiled with Winch.

Winch in Wasmtime 48 does not implement the GC proposal, so with
`-C compiler=winch` Wasmtime leaves the `gc` feature off and the validator
rejects the module while reading the type section: its first type is a plain
struct, and the error is "struct indexed types not supported without the gc
feature".

The module comes from the shared generator `corpora/gc_gen.py` (rec groups
with subtyping, struct and array types, typed function references, tags,
reference globals, a funcref table and ~220 functions of GC and
exception-handling code) with a different seed and no SIMD at all.  Nothing
in any function matters to the failure: only the type section does.

Usage: generate.py [--functions N] [--seed S] > gc-winch.wat
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import gc_gen as G  # noqa: E402
import wat_gen as W  # noqa: E402

SEED = 0x3C17
DEFAULT_FUNCTIONS = 220


def generate(functions=DEFAULT_FUNCTIONS, seed=SEED):
    r = random.Random(seed)
    header = [";; corpora/gc-winch/generate.py --functions %d --seed %d" % (functions, seed)]
    return G.build(r, functions, header).render()


if __name__ == "__main__":
    W.emit(sys.argv[1:], generate, __doc__, functions=DEFAULT_FUNCTIONS, seed=SEED)
