#!/usr/bin/env python3
"""A call to a function returning hundreds of i32s (historic regalloc2 bug).

Models the old regalloc2 failure on "a call to a function returning 254
i32s": every result of a call is defined at the call instruction, and with
hundreds of them the allocator ran out of a fixed-size resource.  Current
Wasmtime compiles this fine, so the failure is pinned by a user predicate,
`predicate.py`, which says "interesting" iff the binary module contains a
`call`/`return_call` whose callee's type has at least 254 results.

The module has a few imports and globals, a memory with active and passive
data segments, a table, exports and ~60 filler functions.  One function,
`$many`, has the explicit type `(func (param i32) (result i32 x 300))`; its
body pushes 300 values, a mix of `local.get 0` and `i32.const`.  It is not in
the table and no filler calls it.  Exactly one later filler function calls it,
two control structures deep, and sums all 300 results with 299 `i32.add`s
inside a `(block (result i32) ...)`.  The reducer must keep `$many`, its type
and that call, and can drop everything else (including the summing code, if it
knows how to drop a call's results).

Usage: generate.py [--functions N] [--results R] [--seed S] > regalloc-254-results.wat
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import wat_gen as W  # noqa: E402

SEED = 0xFE
DEFAULT_FUNCTIONS = 60
DEFAULT_RESULTS = 300


def positions(functions):
    """(index of $many, index of its caller) among the defined functions."""
    return functions * 2 // 5, functions * 2 // 3


def generate(functions=DEFAULT_FUNCTIONS, results=DEFAULT_RESULTS, seed=SEED):
    if functions < 2:
        raise SystemExit("--functions must be at least 2")
    r = random.Random(seed)
    m = W.Module(r, W.Profile())
    m.header.append(";; corpora/regalloc-254-results/generate.py --functions %d --results %d"
                    " --seed %d" % (functions, results, seed))
    m.add_standard_prelude()
    many_at, caller_at = positions(functions)
    wide = ("i32",) * results

    def call_many(fg):
        acc = fg.local_of("i32")
        adds = W.wrap_flat(["i32.add"] * (results - 1), 20)
        adds[-1] += ")))"
        return (["(local.set %s (i32.xor (local.get %s) (block (result i32)" % (acc, acc),
                 "  (call $many (local.get %s))" % fg.r.choice(fg.i32_params())]
                + W.indent(adds, 2))

    for i in range(functions):
        if i == many_at:
            m.sig_type(("i32",), wide, name="$t_many")
            vals = [("local.get 0" if r.random() < 0.4 else "i32.const %d" % r.randint(0, 999))
                    for _ in range(results)]
            text = "\n".join(["  (func $many (type $t_many)"]
                             + W.indent(W.wrap_flat(vals, 10), 4)) + ")"
            # Not registered as callable: filler must not call it (or we could not
            # control how many callers there are).
            m.add_func_text("$many", ("i32",), wide, text, callable_=False)
        elif i == caller_at:
            m.add_filler("$f%d" % i, params=("i32", "i32"), results=("i32",),
                         payload=call_many, nest_levels=2, min_stmts=2, max_stmts=3, depth=2)
        else:
            m.add_filler("$f%d" % i)
    return m.render()


if __name__ == "__main__":
    W.emit(sys.argv[1:], generate, __doc__, functions=DEFAULT_FUNCTIONS,
           results=DEFAULT_RESULTS, seed=SEED)
