#!/usr/bin/env python3
"""The winch-avx-splat module, reduced through a user-written predicate.

Same bug and same generator as `corpora/winch-avx-splat` (imported from there):
Winch with `-C cranelift-has_avx=true` but no AVX2 panics with "failed to match
ISA requirements" on the single `v128.load32_splat`, hidden four control
structures deep in one function two thirds of the way through the module.
A different seed and size give a different module, so the two cases do not
share cached answers.

What this case exercises is the `--predicate` oracle: `still-fails.sh` (next
to this file) re-enters `whittle check` with the Winch flags and
`--expect 'failed to match ISA requirements'`, and its exit status is the only
thing the reducer sees.

Usage: generate.py [--functions N] [--seed S] > predicate-winch.wat
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import wat_gen as W  # noqa: E402

winch = W.load_sibling("winch-avx-splat")

SEED = 0x9E3D
DEFAULT_FUNCTIONS = 240


def culprit_position(functions):
    return winch.culprit_position(functions)


def generate(functions=DEFAULT_FUNCTIONS, seed=SEED):
    return winch.generate(functions=functions, seed=seed, case="predicate-winch")


if __name__ == "__main__":
    W.emit(sys.argv[1:], generate, __doc__, functions=DEFAULT_FUNCTIONS, seed=SEED)
