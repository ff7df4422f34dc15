#!/usr/bin/env python3
"""A function type with 1003 results: refused while parsing.

wasmparser (and so Wasmtime) caps a function type at 1000 results; reading a
type with more fails with "function returns size is out of bounds" before any
validation or compilation happens.  The text format has no such limit, so the
`wat` crate happily encodes the module.

The module is otherwise ordinary and valid: a few imports and globals, a
memory with an active and a passive data segment, a table, exports and ~40
filler functions of normal types.  In the middle sits one function whose
explicit `(type $t_wide)` returns 1003 i32s (its body pushes 1003
`i32.const`s), and right after it a caller that calls it and drops every
result.  Pass `--results 1000` to get the same module one step inside the limit
(it then validates and compiles).

The failure happens while the type section is read, so the reducer must read
types without wasmparser's limits; the minimal result is the oversized type
alone (possibly trimmed to 1001 results).

Usage: generate.py [--functions N] [--results R] [--seed S] > too-many-results.wat
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import wat_gen as W  # noqa: E402

SEED = 0x3E8
DEFAULT_FUNCTIONS = 40
DEFAULT_RESULTS = 1003


def wide_position(functions):
    return functions // 2


def generate(functions=DEFAULT_FUNCTIONS, results=DEFAULT_RESULTS, seed=SEED):
    if functions < 2:
        raise SystemExit("--functions must be at least 2")
    r = random.Random(seed)
    m = W.Module(r, W.Profile())
    m.header.append(";; corpora/too-many-results/generate.py --functions %d --results %d --seed %d"
                    % (functions, results, seed))
    m.add_standard_prelude()
    wide_at = wide_position(functions)
    for i in range(functions):
        name = "$f%d" % i
        if i == wide_at:
            wide = ("i32",) * results
            m.sig_type((), wide, name="$t_wide")
            consts = ["i32.const %d" % r.randint(-50, 5000) for _ in range(results)]
            text = "\n".join(["  (func %s (type $t_wide)" % name]
                             + W.indent(W.wrap_flat(consts, 10), 4)) + ")"
            m.add_func_text(name, (), wide, text, callable_=False)
            wide_name = name
        elif i == wide_at + 1:
            lines = ["  (func %s (param $p0 i32) (result i32)" % name,
                     "    (call %s)" % wide_name]
            lines += W.indent(W.wrap_flat(["drop"] * results, 20), 4)
            lines.append("    (local.get $p0))")
            m.add_func_text(name, ("i32",), ("i32",), "\n".join(lines))
            m.export_func("drop_all", name)
        else:
            m.add_filler(name)
    return m.render()


if __name__ == "__main__":
    W.emit(sys.argv[1:], generate, __doc__, functions=DEFAULT_FUNCTIONS,
           results=DEFAULT_RESULTS, seed=SEED)
