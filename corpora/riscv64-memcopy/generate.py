#!/usr/bin/env python3
"""`memory.copy` with a constant length of 64 when compiling for riscv64.

Flags: `--target riscv64gc-unknown-linux-gnu`.  A size-specialised lowering
bug: only a `memory.copy` whose length is the constant 64 takes the failing
path; copies with a length that comes from a parameter, or a constant below 16
or above 128, compile fine.

The module has a `(memory 1)` and ~300 ordinary functions (MVP, multi-value,
bulk-memory, reference types).  Bulk-memory filler is weighted up so that many
functions do `memory.copy`/`memory.fill`, always with a harmless length: a
parameter (`(local.get $pN)`, masked or shifted) or a constant from
0..15 / 129.. -- never a constant in 16..=128, and never a local that an
optimiser could fold to a constant.  Exactly one function, two thirds of the
way through, does

    (memory.copy (local.get 0) (local.get 1) (i32.const 64))

four control structures deep, on a path guarded by parameter-dependent
conditions so that no optimisation removes it.  A reducer that merely keeps
"some memory.copy" loses the failure; it has to keep this one.

Usage: generate.py [--functions N] [--seed S] > riscv64-memcopy.wat
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import wat_gen as W  # noqa: E402

SEED = 0x7264
DEFAULT_FUNCTIONS = 300


def culprit_position(functions):
    return functions * 2 // 3


def memcopy_payload(fg):
    return ["(memory.copy (local.get 0) (local.get 1) (i32.const 64))"]


def generate(functions=DEFAULT_FUNCTIONS, seed=SEED):
    if functions < 1:
        raise SystemExit("--functions must be at least 1")
    r = random.Random(seed)
    m = W.Module(r, W.Profile(bulk_weight=6))
    m.header.append(";; corpora/riscv64-memcopy/generate.py --functions %d --seed %d"
                    % (functions, seed))
    m.add_standard_prelude()
    target = culprit_position(functions)
    for i in range(functions):
        if i == target:
            m.add_filler("$f%d" % i, params=("i32", "i32", "i32"), results=("i32",),
                         payload=memcopy_payload, nest_levels=4, min_stmts=2, max_stmts=3,
                         depth=2)
        else:
            m.add_filler("$f%d" % i)
    return m.render()


if __name__ == "__main__":
    W.emit(sys.argv[1:], generate, __doc__, functions=DEFAULT_FUNCTIONS, seed=SEED)
