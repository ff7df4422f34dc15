#!/usr/bin/env python3
"""A memory blow-up hidden among small functions, for bench/resource.sh.

Prints WebAssembly text on stdout: `--functions` small functions (default
3000; a few instructions of integer arithmetic each, some calling an earlier
one, some loading from memory) and, in the middle of them, one giant
straight-line initializer of `--statements` stores (default 100,000, about
1 MB of code):

    i32.const <address> i32.const <value> i32.store offset=<offset>

Wasmtime 48.0.8 (Cranelift) needs about 1 KiB of memory per such store to
compile the function (measured: 20,000 stores peak at ~37 MiB, 80,000 at
~113 MiB, against ~13 MiB for an empty module), while the small functions
together need a few MiB. So under a `--peak-rss-above` bound between the two,
the result of a reduction is the initializer alone, cut to the shortest
prefix whose compilation still peaks above the bound.

The giant function is exported as "init"; every 100th small function is
exported. Output is deterministic for given arguments (seeded).

Usage: gen_resource.py [--functions N] [--statements N] [--seed S] > big.wat
"""
import argparse
import random

p = argparse.ArgumentParser()
p.add_argument("--functions", type=int, default=3000)
p.add_argument("--statements", type=int, default=100_000)
p.add_argument("--seed", type=int, default=0x8E50)
args = p.parse_args()
rng = random.Random(args.seed)

out = ["(module", "  (memory 1)"]


def small(k):
    """A small function (param i32) (result i32), k its index among them."""
    body = ["local.get 0", "i32.const %d" % rng.randrange(1, 1000), "i32.add"]
    if k > 0 and rng.random() < 0.3:
        body += ["call $s%d" % rng.randrange(k)]
    if rng.random() < 0.3:
        body += ["i32.const %d" % (rng.randrange(8192) * 4), "i32.load", "i32.xor"]
    if rng.random() < 0.5:
        body += ["i32.const %d" % rng.randrange(1, 31), "i32.rotl"]
    export = ' (export "s%d")' % k if k % 100 == 0 else ""
    return "  (func $s%d%s (param i32) (result i32) %s)" % (k, export, " ".join(body))


giant_at = args.functions // 2
for k in range(args.functions):
    if k == giant_at:
        out.append('  (func $init (export "init")')
        for _ in range(args.statements):
            out.append(
                "    i32.const %d i32.const %d i32.store offset=%d"
                % (
                    rng.randrange(8192) * 4,
                    rng.randrange(1 << 20),
                    rng.randrange(4096) * 4,
                )
            )
        out.append("  )")
    out.append(small(k))
out.append(")")
print("\n".join(out))
