"""Plain filler functions for the run-time corpus cases (Python stdlib only).

Each filler function takes `(param i32 i32)`, returns `i32`, and mixes
arithmetic, a bounded loop, an if/else and calls to earlier fillers: valid,
terminating, trap-free code (no division, no memory access) that a reducer
must see through.
"""
import random


def filler(rng, index):
    """The WAT of filler function `$fill<index>`."""
    lines = ["  (func $fill%d (param $a i32) (param $b i32) (result i32) (local $acc i32) (local $n i32)" % index]
    lines.append("    (local.set $acc (i32.add (local.get $a) (i32.const %d)))" % rng.randrange(1, 1000))
    lines.append("    (local.set $n (i32.const %d))" % rng.randrange(2, 6))
    lines.append("    (loop $l")
    lines.append("      (local.set $acc (i32.xor (i32.mul (local.get $acc) (i32.const %d)) (local.get $b)))" % rng.randrange(3, 97))
    lines.append("      (local.set $n (i32.sub (local.get $n) (i32.const 1)))")
    lines.append("      (br_if $l (i32.gt_s (local.get $n) (i32.const 0))))")
    lines.append("    (if (i32.lt_u (local.get $acc) (i32.const %d))" % rng.randrange(100, 100000))
    lines.append("      (then (local.set $acc (i32.rotl (local.get $acc) (i32.const %d))))" % rng.randrange(1, 31))
    lines.append("      (else (local.set $acc (i32.shr_u (local.get $acc) (i32.const %d)))))" % rng.randrange(1, 31))
    if index > 0 and rng.random() < 0.7:
        callee = rng.randrange(0, index)
        lines.append("    (local.set $acc (i32.add (local.get $acc) (call $fill%d (local.get $b) (local.get $acc))))" % callee)
    lines.append("    (local.get $acc))")
    return "\n".join(lines)


def fillers(seed, count):
    rng = random.Random(seed)
    return [filler(rng, i) for i in range(count)]
