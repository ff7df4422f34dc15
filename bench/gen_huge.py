#!/usr/bin/env python3
"""A huge module with one SIMD instruction, for the scale benchmark (bench/scale.sh).

Prints WebAssembly text on stdout: N ordinary functions (default 12000) whose
bodies are a few hundred MVP instructions each -- straight-line integer and
float arithmetic on params and locals, blocks left early by `br_if`, loops
with a counter that bounds their iteration, calls to earlier functions, loads
and stores on the one memory -- sized so that the binary module reaches
`--target-bytes` (default 10.5 MB, i.e. a bit over 10 MiB).

Exactly one function, at index int(0.7 * N), contains the SIMD expression

    (i32x4.extract_lane 0 (i32x4.splat (local.get 0)))

two blocks deep; nothing else in the module uses SIMD, so Wasmtime run with
`-W simd=n,relaxed-simd=n` rejects the module and everything else validates.

Everything is addressed by index (no `$names`), so the binary has no name
section: its bytes are code.  Output is deterministic for a given
--functions/--target-bytes/--seed (each function has its own seeded RNG).

Usage: gen_huge.py [--functions N] [--target-bytes B] [--seed S] > huge.wat
"""
import argparse
import random
import sys

DEFAULT_FUNCTIONS = 12000
DEFAULT_TARGET_BYTES = 10_500_000
SEED = 0x5CA1E

# Function types, by index.  Type 0 is the culprit's: its param 0 is an i32.
TYPES = (
    (("i32", "i32"), ("i32",)),
    (("i32", "i64"), ("i64",)),
    (("i32",), ()),
    (("i32", "i32", "i32"), ("i32",)),
    (("i32", "f64"), ("f64",)),
    (("i64", "i32"), ("i32",)),
)
TYPE_WEIGHTS = (4, 2, 2, 3, 1, 2)
CULPRIT_TYPE = 0

# Declared locals after the params, in this order, then one i32 counter per loop.
LOCALS = ("i32", "i32", "i32", "i64", "i64", "f64")

INT_BINOPS = ("add", "sub", "mul", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr")
INT_CMPOPS = ("eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u")
F64_BINOPS = ("add", "sub", "mul", "min", "max")
LOADS = {"i32": (("i32.load", 2), ("i32.load8_u", 0), ("i32.load16_s", 1)),
         "i64": (("i64.load", 3), ("i64.load32_u", 2), ("i64.load8_s", 0)),
         "f64": (("f64.load", 3),)}
STORES = {"i32": (("i32.store", 2), ("i32.store8", 0), ("i32.store16", 1)),
          "i64": (("i64.store", 3), ("i64.store32", 2)),
          "f64": (("f64.store", 3),)}
ADDR_MASK = 0xFFF0  # addresses stay in the first 64 KiB page, offsets are < 16

MAX_LOOPS = 6       # per function; each has its own counter local
SIMD = "(i32x4.extract_lane 0 (i32x4.splat (local.get 0)))"


def uleb(v):
    n = 1
    while v >= 0x80:
        v >>= 7
        n += 1
    return n


def sleb(v):
    n = 1
    while not -64 <= v < 64:
        v >>= 7
        n += 1
    return n


class Func:
    """One function body; `size` tracks its binary encoding in bytes as it grows."""

    def __init__(self, rng, index, tyidx, callees):
        self.r = rng
        self.index = index
        self.params, self.results = TYPES[tyidx]
        self.callees = callees            # result type tuple -> earlier function indices
        self.vars = {"i32": [], "i64": [], "f64": []}
        for i, t in enumerate(self.params + LOCALS):
            self.vars[t].append(i)
        self.nfixed = len(self.params) + len(LOCALS)
        self.counters = 0
        self.labels = []                  # enclosing labels: "block" or "loop"
        self.size = 0

    # -- expressions: folded text pushing one value of type ty ------------------------
    def const(self, ty):
        r = self.r
        if ty == "f64":
            self.size += 9
            return "(f64.const %r)" % (r.randint(-4000, 4000) / 8)
        v = r.randint(0, 63) if r.random() < 0.6 else r.randint(-100000, 100000)
        self.size += 1 + sleb(v)
        return "(%s.const %d)" % (ty, v)

    def leaf(self, ty):
        if self.r.random() < 0.7:
            self.size += 2
            return "(local.get %d)" % self.r.choice(self.vars[ty])
        return self.const(ty)

    def addr(self, d):
        r = self.r
        if d <= 0 or r.random() < 0.4:
            v = 16 * r.randint(0, 4095)
            self.size += 1 + sleb(v)
            return "(i32.const %d)" % v
        self.size += 1 + 1 + sleb(ADDR_MASK)
        return "(i32.and %s (i32.const %d))" % (self.expr("i32", d - 1), ADDR_MASK)

    def memarg(self, align):
        off = 0 if self.r.random() < 0.5 else 1 << align
        self.size += 1 + uleb(align) + uleb(off)
        return " offset=%d" % off if off else ""

    def call(self, results, d):
        pool = self.callees.get(results)
        if not pool:
            return None
        callee = self.r.choice(pool)
        params = TYPES[FUNC_TYPES[callee]][0]
        args = " ".join(self.expr(t, min(d, 1)) for t in params)
        self.size += 1 + uleb(callee)
        return "(call %d %s)" % (callee, args)

    def expr(self, ty, d):
        r = self.r
        if d <= 0 or r.random() < 0.25:
            return self.leaf(ty)
        roll = r.random()
        if roll < 0.45:
            self.size += 1
            if ty == "f64":
                op = r.choice(F64_BINOPS)
            else:
                op = r.choice(INT_BINOPS)
            return "(%s.%s %s %s)" % (ty, op, self.expr(ty, d - 1), self.expr(ty, d - 1))
        if roll < 0.6:
            op, align = r.choice(LOADS[ty])
            m = self.memarg(align)
            return "(%s%s %s)" % (op, m, self.addr(d - 1))
        if roll < 0.72:
            self.size += 2
            return "(local.tee %d %s)" % (r.choice(self.vars[ty]), self.expr(ty, d - 1))
        if roll < 0.8:
            c = self.call((ty,), d - 1)
            if c is not None:
                return c
            return self.leaf(ty)
        # conversions and comparisons
        self.size += 1
        if ty == "i32":
            k = r.random()
            if k < 0.4:
                t = r.choice(("i32", "i64"))
                return "(%s.%s %s %s)" % (t, r.choice(INT_CMPOPS), self.expr(t, d - 1),
                                          self.expr(t, d - 1))
            if k < 0.7:
                return "(i32.wrap_i64 %s)" % self.expr("i64", d - 1)
            return "(i32.eqz %s)" % self.expr("i32", d - 1)
        if ty == "i64":
            return "(i64.extend_i32_%s %s)" % (r.choice("su"), self.expr("i32", d - 1))
        return "(f64.convert_i32_%s %s)" % (r.choice("su"), self.expr("i32", d - 1))

    def cond(self):
        r = self.r
        if r.random() < 0.6:
            self.size += 2 + 1 + 1
            v = r.randint(1, 300)
            self.size += sleb(v)
            return "(i32.lt_u (local.get %d) (i32.const %d))" % (r.choice(self.vars["i32"]), v)
        return self.expr("i32", 2)

    # -- statements: lines leaving the stack as they found it -------------------------
    def stmt(self, d):
        r = self.r
        while True:
            roll = r.random()
            if roll < 0.38:
                ty = r.choice(("i32", "i32", "i64", "f64"))
                self.size += 2
                local = r.choice(self.vars[ty])
                return ["(local.set %d %s)" % (local, self.expr(ty, d + 1))]
            if roll < 0.6:
                ty = r.choice(("i32", "i32", "i64", "f64"))
                op, align = r.choice(STORES[ty])
                m = self.memarg(align)
                return ["(%s%s %s %s)" % (op, m, self.addr(d), self.expr(ty, d))]
            if roll < 0.7:
                results = r.choice(((), ("i32",), ("i64",)))
                c = self.call(results, d)
                if c is None:
                    continue
                if not results:
                    return [c]
                self.size += 1
                return ["(drop %s)" % c]
            if roll < 0.8 and d > 0:
                return self.block(d)
            if roll < 0.87 and d > 0 and self.counters < MAX_LOOPS:
                return self.loop(d)
            if roll < 0.95 and "block" in self.labels:
                depths = [len(self.labels) - 1 - i
                          for i, k in enumerate(self.labels) if k == "block"]
                depth = r.choice(depths)
                self.size += 1 + uleb(depth)
                return ["(br_if %d %s)" % (depth, self.cond())]

    def stmts(self, n, d):
        out = []
        for _ in range(n):
            out += self.stmt(d)
        return out

    def block(self, d, inner=None):
        """A block left early by a br_if in its middle; `inner` (lines) goes first."""
        r = self.r
        self.size += 3  # block, blocktype, end
        self.labels.append("block")
        body = list(inner or ())
        body += self.stmts(r.randint(1, 3), d - 1)
        self.size += 2
        body.append("(br_if 0 %s)" % self.cond())
        body += self.stmts(r.randint(1, 2), d - 1)
        self.labels.pop()
        return ["(block"] + ["  " + line for line in body[:-1]] + ["  " + body[-1] + ")"]

    def loop(self, d):
        r = self.r
        c = self.nfixed + self.counters
        self.counters += 1
        n = r.randint(2, 12)
        self.size += 2 + 1 + sleb(n) + 3  # local.set c (i32.const n); loop, blocktype, end
        self.labels.append("loop")
        body = self.stmts(r.randint(1, 4), d - 1)
        self.labels.pop()
        self.size += 2 + 2 + 2 + 2 + 1     # br_if 0 (local.tee c (i32.sub (local.get c) (i32.const 1)))
        body.append("(br_if 0 (local.tee %d (i32.sub (local.get %d) (i32.const 1))))" % (c, c))
        return (["(local.set %d (i32.const %d))" % (c, n), "(loop"]
                + ["  " + line for line in body[:-1]] + ["  " + body[-1] + ")"])

    def culprit(self):
        """The SIMD expression, two blocks deep, feeding an ordinary i32 local."""
        acc = self.vars["i32"][len([p for p in self.params if p == "i32"])]
        self.size += 2 + 2 + 1 + 2 + 2 + 3  # local.set, local.get, i32.add, get, splat, lane
        line = "(local.set %d (i32.add (local.get %d) %s))" % (acc, acc, SIMD)
        self.labels.append("block")
        inner = self.block(2, inner=[line])
        self.labels.pop()
        return self.block(2, inner=inner)

    def body(self, budget, culprit=False):
        lines = []
        half = budget // 2
        while self.size < budget:
            if culprit and self.size >= half:
                lines += self.culprit()
                culprit = False
            lines += self.stmt(self.r.choice((1, 2, 2, 3)))
        if culprit:
            lines += self.culprit()
        for t in self.results:
            lines.append(self.expr(t, 3))
        return lines

    def local_decl(self):
        """Text and binary size of the local declarations."""
        types = list(LOCALS) + ["i32"] * self.counters
        groups = 1
        for a, b in zip(types, types[1:]):
            groups += a != b
        return "(local %s)" % " ".join(types), uleb(groups) + 2 * groups


FUNC_TYPES = []  # type index of every function generated so far


def generate(functions=DEFAULT_FUNCTIONS, target_bytes=DEFAULT_TARGET_BYTES, seed=SEED,
             out=sys.stdout):
    if functions < 1:
        raise SystemExit("--functions must be at least 1")
    culprit_at = int(functions * 0.7)
    # Each function's budget is what is left of the target over the functions left,
    # so the overshoot of one body (its last statement) is taken from the next ones.
    remaining = target_bytes - 100 - 40 * len(TYPES) - 12 * (functions // 100)
    pick = random.Random(seed)
    FUNC_TYPES.clear()
    FUNC_TYPES.extend(CULPRIT_TYPE if i == culprit_at
                      else pick.choices(range(len(TYPES)), TYPE_WEIGHTS)[0]
                      for i in range(functions))
    w = out.write
    w(";; bench/gen_huge.py --functions %d --target-bytes %d --seed %d\n"
      ";; one SIMD expression, in function %d\n(module\n"
      % (functions, target_bytes, seed, culprit_at))
    for params, results in TYPES:
        w("  (type (func (param %s)%s))\n"
          % (" ".join(params), " (result %s)" % " ".join(results) if results else ""))
    w("  (memory 1)\n")
    w('  (export "memory" (memory 0))\n')
    callees = {}
    for i in range(functions):
        rng = random.Random(seed * 1_000_003 + i)
        tyidx = FUNC_TYPES[i]
        f = Func(rng, i, tyidx, callees)
        budget = remaining // (functions - i)
        _, decl_size = f.local_decl()  # provisional: loops add counters
        lines = f.body(max(32, budget - decl_size - 5), culprit=(i == culprit_at))
        decl, decl_size = f.local_decl()
        body_size = f.size + decl_size + 1                    # + the final `end`
        remaining -= body_size + uleb(body_size) + 1          # + size prefix, type index
        w("  (func (;%d;) (type %d)\n    %s\n" % (i, tyidx, decl))
        w("\n".join("    " + line for line in lines))
        w(")\n")
        if i != culprit_at:  # the culprit is never called, so callers stay SIMD-free
            callees.setdefault(TYPES[tyidx][1], []).append(i)
        if i % 100 == 0 or i == functions - 1 or i == culprit_at:
            w('  (export "f%d" (func %d))\n' % (i, i))
    w(")\n")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.strip().split("\n")[0])
    ap.add_argument("--functions", type=int, default=DEFAULT_FUNCTIONS,
                    help="number of functions (default: %(default)s)")
    ap.add_argument("--target-bytes", type=int, default=DEFAULT_TARGET_BYTES,
                    help="approximate size of the binary module (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=SEED, help="default: %(default)s")
    ns = ap.parse_args(argv)
    generate(ns.functions, ns.target_bytes, ns.seed)


if __name__ == "__main__":
    main(sys.argv[1:])
