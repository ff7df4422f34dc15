"""Shared building blocks for the wasm-whittle corpus generators.

Everything here emits WebAssembly text (folded s-expressions) as accepted by the
`wat` crate.  Filler code is well typed by construction:

* every `FuncGen.expr(ty, depth)` returns one folded expression that pushes
  exactly one value of type `ty`;
* every `FuncGen.stmt(depth)` returns lines that leave the operand stack as they
  found it;
* calls only go to functions registered earlier (imports and previously
  generated functions), whose signatures are tracked.

Filler uses only MVP, multi-value, bulk-memory and reference-types
instructions.  A `Profile` turns instruction groups off, for engines that lack
them (Winch) or for cases that must stay clear of the failing construct.

Randomness comes only from the `random.Random` the caller passes in, and no
set or hash ordering is ever iterated, so output is byte-for-byte stable.
"""

import os
import sys

NUM = ("i32", "i64", "f32", "f64")

INT_BINOPS = ("add", "sub", "mul", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr")
INT_DIVOPS = ("div_s", "div_u", "rem_s", "rem_u")
INT_CMPOPS = ("eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u")
FLT_BINOPS = ("add", "sub", "mul", "div", "min", "max", "copysign")
FLT_CMPOPS = ("eq", "ne", "lt", "gt", "le", "ge")
FLT_ROUNDING = ("ceil", "floor", "trunc", "nearest")

# (instruction, natural alignment in bytes)
LOADS = {
    "i32": (("i32.load", 4), ("i32.load8_s", 1), ("i32.load8_u", 1),
            ("i32.load16_s", 2), ("i32.load16_u", 2)),
    "i64": (("i64.load", 8), ("i64.load8_s", 1), ("i64.load8_u", 1), ("i64.load16_s", 2),
            ("i64.load16_u", 2), ("i64.load32_s", 4), ("i64.load32_u", 4)),
    "f32": (("f32.load", 4),),
    "f64": (("f64.load", 8),),
}
STORES = {
    "i32": (("i32.store", 4), ("i32.store8", 1), ("i32.store16", 2)),
    "i64": (("i64.store", 8), ("i64.store8", 1), ("i64.store16", 2), ("i64.store32", 4)),
    "f32": (("f32.store", 4),),
    "f64": (("f64.store", 8),),
}

# Constant lengths for bulk-memory filler.  Deliberately nothing in 16..=128,
# so filler never looks like the riscv64 `memory.copy` culprit.
SAFE_BULK_LENS = (0, 1, 2, 3, 4, 7, 8, 12, 15, 129, 160, 200, 256, 500, 1024)

TABLE_SIZE = 64


def emit(argv, generate, doc, **defaults):
    """Tiny shared CLI: `generate.py [--functions N] [--seed S] ...` -> WAT on stdout.

    Every keyword in `defaults` becomes an integer option of the same name.
    """
    import argparse

    ap = argparse.ArgumentParser(description=(doc or "").strip().split("\n")[0])
    for key, value in defaults.items():
        ap.add_argument("--" + key.replace("_", "-"), type=int, default=value,
                        help="default: %(default)s")
    ns = ap.parse_args(argv)
    sys.stdout.write(generate(**vars(ns)))


class Profile:
    """Which instruction groups filler code may use."""

    def __init__(self, memory=True, bulk=True, passive_data=True, reftypes=True,
                 multivalue=True, call_indirect=True, float_rounding=True, popcnt=True,
                 imports=True, bulk_weight=2):
        self.memory = memory
        self.bulk = bulk and memory
        self.passive_data = passive_data and self.bulk
        self.reftypes = reftypes
        self.multivalue = multivalue
        self.call_indirect = call_indirect
        self.float_rounding = float_rounding
        self.popcnt = popcnt
        self.imports = imports
        self.bulk_weight = bulk_weight

    @property
    def table(self):
        return self.reftypes or self.call_indirect


# Profile for Winch on x86-64: plain MVP + multi-value + memory.copy/fill.
# No float rounding or popcnt (their x64 lowering depends on SSE4.1/POPCNT
# flags that a bare `--target x86_64` does not enable), no reference types.
WINCH = dict(reftypes=False, passive_data=False, float_rounding=False, popcnt=False)


def sig_name(params, results):
    p = "_".join(params) or "v"
    r = "_".join(results) or "v"
    return "$t_%s__%s" % (p, r)


def typeuse(params, results, names=True):
    out = []
    if names:
        out += ["(param $p%d %s)" % (i, t) for i, t in enumerate(params)]
    elif params:
        out.append("(param %s)" % " ".join(params))
    if results:
        out.append("(result %s)" % " ".join(results))
    return " ".join(out)


class Module:
    """Collects module fields; `render()` returns the whole `(module ...)` text."""

    def __init__(self, rng, profile=None, memory_pages=1):
        self.r = rng
        self.profile = profile or Profile()
        self.types = []          # (name, params, results), explicit `(type ...)` fields
        self.type_names = {}     # name -> index into self.types
        self.imports = []        # text lines
        self.callable = []       # (name, params, results), imports first, in index order
        self.funcs = []          # (name, text)
        self.globals = []        # (name, ty, mutable, init)
        self.passive = []        # (name, length)
        self.data = []           # text lines
        self.exports = []        # text lines
        self.table_funcs = []    # functions placed in the table (declared for ref.func)
        self.header = []         # leading `;;` comment lines
        self.memory_pages = memory_pages if self.profile.memory else None
        self.import_names = []   # imported functions, in index order

    # -- types -------------------------------------------------------------------------
    def sig_type(self, params, results, name=None):
        params, results = tuple(params), tuple(results)
        name = name or sig_name(params, results)
        if name not in self.type_names:
            self.type_names[name] = len(self.types)
            self.types.append((name, params, results))
        return name

    # -- imports, globals, data ----------------------------------------------------------
    def import_func(self, module, field, name, params, results):
        assert not self.funcs, "imports must precede defined functions"
        tu = typeuse(params, results, names=False)
        self.imports.append('(import "%s" "%s" (func %s%s))'
                            % (module, field, name, (" " + tu) if tu else ""))
        self.callable.append((name, tuple(params), tuple(results)))
        self.import_names.append(name)

    def import_global(self, module, field, name, ty):
        self.imports.append('(import "%s" "%s" (global %s %s))' % (module, field, name, ty))
        self.globals.append((name, ty, False, None))

    def add_global(self, name, ty, mutable, value):
        init = "(%s.const %s)" % (ty, value)
        self.globals.append((name, ty, mutable, init))

    def add_data(self, offset, payload):
        self.data.append('(data (i32.const %d) "%s")' % (offset, wat_bytes(payload)))

    def add_passive(self, name, payload):
        self.data.append('(data %s "%s")' % (name, wat_bytes(payload)))
        self.passive.append((name, len(payload)))

    def export_func(self, field, name):
        self.exports.append('(export "%s" (func %s))' % (field, name))

    # -- functions ---------------------------------------------------------------------
    def func_index(self, name):
        """Index of `name` in the function index space (imports first)."""
        order = self.import_names + [n for n, _ in self.funcs]
        return order.index(name)

    def add_func_text(self, name, params, results, text, callable_=True):
        self.funcs.append((name, text))
        if callable_:
            self.callable.append((name, tuple(params), tuple(results)))

    def random_sig(self):
        r = self.r
        nparams = r.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))
        params = tuple(r.choice(("i32", "i32", "i32", "i64", "i64", "f32", "f64"))
                       for _ in range(nparams))
        roll = r.random()
        if roll < 0.25:
            results = ()
        elif roll < 0.85 or not self.profile.multivalue:
            results = (r.choice(("i32", "i32", "i32", "i64", "f32", "f64")),)
        else:
            results = tuple(r.choice(("i32", "i64", "f32", "f64")) for _ in range(2))
        return params, results

    def add_filler(self, name, params=None, results=None, payload=None, nest_levels=4,
                   min_stmts=1, max_stmts=3, depth=None):
        """Generate one filler function (optionally hiding `payload` `nest_levels` deep)."""
        r = self.r
        if params is None:
            params, results = self.random_sig()
        if depth is None:
            depth = r.choice((1, 1, 2))
        fg = FuncGen(self, r, params, results, n_locals=r.randint(0, 4))
        body = fg.body(payload=payload, nest_levels=nest_levels,
                       min_stmts=min_stmts, max_stmts=max_stmts, depth=depth)
        text = fg.render(name, body)
        self.add_func_text(name, params, results, text)
        if (self.profile.table and len(self.table_funcs) < TABLE_SIZE
                and r.random() < 0.15):
            self.table_funcs.append(name)
        if r.random() < 0.08:
            self.export_func(name[1:], name)
        return fg

    def add_standard_prelude(self, n_globals=8):
        """Typical imports and globals (call before adding functions)."""
        r = self.r
        if self.profile.imports:
            self.import_func("env", "log_i32", "$env_log_i32", ("i32",), ())
            self.import_func("env", "now", "$env_now", (), ("f64",))
            self.import_func("env", "mix", "$env_mix", ("i32", "i64"), ("i64",))
            self.import_global("env", "heap_base", "$heap_base", "i32")
        for i in range(n_globals):
            ty = NUM[i % 4] if i < 4 else r.choice(NUM)
            mutable = i < 4 or r.random() < 0.6
            if ty in ("i32", "i64"):
                value = str(r.randint(-1000, 100000))
            else:
                value = repr(r.randint(-4000, 4000) / 8)
            self.add_global("$g%d" % i, ty, mutable, value)
        if self.profile.memory:
            self.add_data(16, b"whittle corpus\x00\x01\x02\x03")
            self.add_data(1024, bytes(range(7, 7 + 40)))
            if self.profile.passive_data:
                self.add_passive("$pd0", b"passive segment bytes\xff\xfe")

    def render(self):
        out = list(self.header)
        out.append("(module")
        for name, params, results in self.types:
            tu = typeuse(params, results, names=False)
            out.append("  (type %s (func%s))" % (name, (" " + tu) if tu else ""))
        for line in self.imports:
            out.append("  " + line)
        if self.memory_pages is not None:
            out.append("  (memory %d)" % self.memory_pages)
        if self.profile.table:
            out.append("  (table $tbl %d funcref)" % TABLE_SIZE)
        for name, ty, mutable, init in self.globals:
            if init is None:
                continue
            t = "(mut %s)" % ty if mutable else ty
            out.append("  (global %s %s %s)" % (name, t, init))
        for _, text in self.funcs:
            out.append(text)
        if self.profile.table and self.table_funcs:
            out.append("  (elem (i32.const 0) func %s)" % " ".join(self.table_funcs))
        for line in self.data:
            out.append("  " + line)
        if self.memory_pages is not None:
            out.append('  (export "memory" (memory 0))')
        for line in self.exports:
            out.append("  " + line)
        out[-1] += ")"
        return "\n".join(out) + "\n"


def wat_bytes(payload):
    out = []
    for b in payload:
        c = chr(b)
        if 0x20 <= b < 0x7f and c not in '"\\':
            out.append(c)
        else:
            out.append("\\%02x" % b)
    return "".join(out)


class FuncGen:
    """Random, well-typed function body generator for one function."""

    def __init__(self, mod, rng, params, results, n_locals=2):
        self.m = mod
        self.r = rng
        self.p = mod.profile
        self.params = [("$p%d" % i, t) for i, t in enumerate(params)]
        self.results = tuple(results)
        self.locals = [("$l%d" % i, rng.choice(NUM)) for i in range(n_locals)]
        self.counters = []
        self.labels = []          # enclosing labels of type [] usable by br_if / br_table
        self.nlabels = 0
        self.callees = list(mod.callable)
        self.globals = [(n, t, m) for n, t, m, _ in mod.globals]
        # Set while generating a function that hides a payload: parameters are never
        # written (the guards on the payload's path test them) and no filler branch
        # or return can jump over the payload, so it stays reachable and its guards
        # cannot be constant-folded away.
        self.guarded = False

    # -- helpers -----------------------------------------------------------------------
    def pick(self, options):
        """options: list of (weight, value); weights are small ints."""
        total = sum(w for w, _ in options)
        x = self.r.random() * total
        for w, v in options:
            x -= w
            if x < 0:
                return v
        return options[-1][1]

    def vars_of(self, ty):
        return [n for n, t in self.params + self.locals if t == ty]

    def writable_of(self, ty):
        pool = self.locals if self.guarded else self.params + self.locals
        return [n for n, t in pool if t == ty]

    def local_of(self, ty):
        """A declared local (not a parameter) of type `ty`, added if there is none."""
        ls = [n for n, t in self.locals if t == ty]
        if ls:
            return self.r.choice(ls)
        name = "$l%d" % len(self.locals)
        self.locals.append((name, ty))
        return name

    def i32_params(self):
        return [n for n, t in self.params if t == "i32"]

    def new_label(self):
        self.nlabels += 1
        return "$b%d" % (self.nlabels - 1)

    def new_counter(self):
        name = "$c%d" % len(self.counters)
        self.counters.append(name)
        return name

    def const(self, ty):
        r = self.r
        if ty == "i32":
            roll = r.random()
            if roll < 0.5:
                v = r.randint(0, 16)
            elif roll < 0.85:
                v = r.randint(-128, 4096)
            else:
                v = r.randint(-2 ** 31, 2 ** 31 - 1)
        elif ty == "i64":
            roll = r.random()
            if roll < 0.5:
                v = r.randint(0, 64)
            else:
                v = r.randint(-2 ** 40, 2 ** 40)
        else:
            v = repr(r.randint(-4000, 4000) / 8)
        return "(%s.const %s)" % (ty, v)

    def leaf(self, ty):
        opts = [(3, "const")]
        vs = self.vars_of(ty)
        gs = [n for n, t, _ in self.globals if t == ty]
        if vs:
            opts.append((6, "var"))
        if gs:
            opts.append((1, "global"))
        kind = self.pick(opts)
        if kind == "var":
            return "(local.get %s)" % self.r.choice(vs)
        if kind == "global":
            return "(global.get %s)" % self.r.choice(gs)
        return self.const(ty)

    def addr(self, d):
        r = self.r
        if d <= 0 or r.random() < 0.4:
            return "(i32.const %d)" % (8 * r.randint(0, 511))
        return "(i32.and %s (i32.const 32760))" % self.expr("i32", d - 1)

    def memarg(self, natural):
        r = self.r
        parts = []
        if r.random() < 0.5:
            parts.append("offset=%d" % (natural * r.randint(0, 64)))
        if r.random() < 0.3:
            parts.append("align=%d" % r.choice([a for a in (1, 2, 4, 8) if a <= natural]))
        return (" " + " ".join(parts)) if parts else ""

    def args(self, params, d):
        return " ".join(self.expr(t, min(d, 1)) for t in params)

    def callees_returning(self, results):
        return [c for c in self.callees if c[2] == tuple(results)]

    def call(self, callee, d):
        name, params, _ = callee
        a = self.args(params, d)
        return "(call %s%s)" % (name, (" " + a) if a else "")

    def call_indirect(self, params, results, d):
        t = self.m.sig_type(params, results)
        a = self.args(params, d)
        idx = "(i32.const %d)" % self.r.randrange(TABLE_SIZE)
        return "(call_indirect (type %s)%s %s)" % (t, (" " + a) if a else "", idx)

    def cond(self, d):
        r = self.r
        if d <= 0 or r.random() < 0.3:
            vs = self.vars_of("i32")
            if vs and r.random() < 0.7:
                return "(i32.lt_u (local.get %s) (i32.const %d))" % (r.choice(vs), r.randint(1, 300))
            return self.leaf("i32")
        roll = r.random()
        if roll < 0.6:
            return self.g_cmp("i32", d - 1)
        if roll < 0.8:
            return "(i32.eqz %s)" % self.expr("i32", d - 1)
        return self.expr("i32", d)

    def param_cond(self):
        """A condition that depends on a parameter (not constant-foldable)."""
        ps = self.i32_params()
        r = self.r
        if ps:
            p = r.choice(ps)
            op = r.choice(("lt_u", "ne", "gt_s", "le_u"))
            return "(i32.%s (local.get %s) (i32.const %d))" % (op, p, r.randint(2, 5000))
        return self.cond(1)

    # -- expressions -------------------------------------------------------------------
    def expr(self, ty, d):
        if d <= 0 or self.r.random() < 0.3:
            return self.leaf(ty)
        gens = self.expr_gens(ty)
        for _ in range(4):
            g = self.pick(gens)
            s = g(ty, d - 1)
            if s is not None:
                return s
        return self.leaf(ty)

    def expr_gens(self, ty):
        p = self.p
        gens = [(6, self.g_binop), (2, self.g_unop), (2, self.g_tee), (1, self.g_select),
                (1, self.g_block), (1, self.g_if), (1, self.g_loop), (3, self.g_call),
                (2, self.g_convert)]
        if ty == "i32":
            gens += [(4, self.g_cmp)]
        if ty in ("i32", "i64"):
            gens += [(1, self.g_divrem)]
        if p.memory:
            gens += [(3, self.g_load)]
        if p.multivalue:
            gens += [(1, self.g_call_multi), (1, self.g_mv_block)]
        if p.call_indirect:
            gens += [(1, self.g_call_indirect)]
        if ty == "i32" and p.reftypes:
            gens += [(1, self.g_ref)]
        if ty == "i32" and p.memory:
            gens += [(1, lambda ty, d: "(memory.size)")]
        return gens

    def g_binop(self, ty, d):
        if ty in ("i32", "i64"):
            op = self.r.choice(INT_BINOPS)
        else:
            op = self.r.choice(FLT_BINOPS)
        return "(%s.%s %s %s)" % (ty, op, self.expr(ty, d), self.expr(ty, d))

    def g_divrem(self, ty, d):
        op = self.r.choice(INT_DIVOPS)
        return "(%s.%s %s (%s.or %s (%s.const 1)))" % (ty, op, self.expr(ty, d), ty,
                                                      self.expr(ty, d), ty)

    def g_unop(self, ty, d):
        r = self.r
        if ty in ("i32", "i64"):
            ops = ["clz", "ctz"] + (["popcnt"] if self.p.popcnt else [])
            if ty == "i32" and r.random() < 0.4:
                return self._eqz(d)
            return "(%s.%s %s)" % (ty, r.choice(ops), self.expr(ty, d))
        ops = ["neg", "abs", "sqrt"] + (list(FLT_ROUNDING) if self.p.float_rounding else [])
        return "(%s.%s %s)" % (ty, r.choice(ops), self.expr(ty, d))

    def _eqz(self, d):
        t = self.r.choice(("i32", "i32", "i64"))
        return "(%s.eqz %s)" % (t, self.expr(t, d))

    def g_cmp(self, ty, d):
        t = self.r.choice(NUM)
        ops = INT_CMPOPS if t in ("i32", "i64") else FLT_CMPOPS
        return "(%s.%s %s %s)" % (t, self.r.choice(ops), self.expr(t, d), self.expr(t, d))

    def g_convert(self, ty, d):
        r = self.r
        if ty == "i32":
            if r.random() < 0.6:
                return "(i32.wrap_i64 %s)" % self.expr("i64", d)
            return "(i32.reinterpret_f32 %s)" % self.expr("f32", d)
        if ty == "i64":
            roll = r.random()
            if roll < 0.4:
                return "(i64.extend_i32_s %s)" % self.expr("i32", d)
            if roll < 0.8:
                return "(i64.extend_i32_u %s)" % self.expr("i32", d)
            return "(i64.reinterpret_f64 %s)" % self.expr("f64", d)
        other = "f64" if ty == "f32" else "f32"
        roll = r.random()
        if roll < 0.5:
            src = r.choice(("i32", "i64"))
            return "(%s.convert_%s_%s %s)" % (ty, src, r.choice("su"), self.expr(src, d))
        if roll < 0.8:
            op = "demote_f64" if ty == "f32" else "promote_f32"
            return "(%s.%s %s)" % (ty, op, self.expr(other, d))
        src = "i32" if ty == "f32" else "i64"
        return "(%s.reinterpret_%s %s)" % (ty, src, self.expr(src, d))

    def g_tee(self, ty, d):
        vs = self.writable_of(ty)
        if not vs:
            return None
        return "(local.tee %s %s)" % (self.r.choice(vs), self.expr(ty, d))

    def g_select(self, ty, d):
        return "(select %s %s %s)" % (self.expr(ty, d), self.expr(ty, d), self.cond(d))

    def inline_stmts(self, n, d):
        lines = []
        for _ in range(n):
            lines += self.stmt(d)
        return "".join(" " + l.strip() for l in lines)

    def g_block(self, ty, d):
        r = self.r
        if r.random() < 0.4:
            # Early exit carrying a value: (drop (br_if $l value cond)).
            lab = self.new_label()
            return "(block %s (result %s)%s (drop (br_if %s %s %s)) %s)" % (
                lab, ty, self.inline_stmts(r.randint(0, 1), d), lab, self.expr(ty, d),
                self.cond(d), self.expr(ty, d))
        return "(block (result %s)%s %s)" % (ty, self.inline_stmts(r.randint(0, 2), d),
                                            self.expr(ty, d))

    def g_if(self, ty, d):
        r = self.r
        c = self.cond(d)
        t = "(then%s %s)" % (self.inline_stmts(r.randint(0, 1), d), self.expr(ty, d))
        e = "(else%s %s)" % (self.inline_stmts(r.randint(0, 1), d), self.expr(ty, d))
        return "(if (result %s) %s %s %s)" % (ty, c, t, e)

    def g_loop(self, ty, d):
        c = self.new_counter()
        lab = self.new_label()
        n = self.r.randint(2, 9)
        return ("(block (result %s) (local.set %s (i32.const %d)) (loop %s (result %s)%s "
                "(br_if %s (local.tee %s (i32.sub (local.get %s) (i32.const 1)))) %s))") % (
            ty, c, n, lab, ty, self.inline_stmts(self.r.randint(1, 2), d), lab, c, c,
            self.expr(ty, d))

    def g_call(self, ty, d):
        cs = self.callees_returning((ty,))
        if not cs:
            return None
        return self.call(self.r.choice(cs), d)

    def g_call_multi(self, ty, d):
        cs = self.callees_returning((ty, ty))
        if not cs:
            return None
        op = self.r.choice(("add", "sub", "mul"))
        return "(%s.%s %s)" % (ty, op, self.call(self.r.choice(cs), d))

    def g_mv_block(self, ty, d):
        op = self.r.choice(("add", "sub", "mul"))
        return "(%s.%s (block (result %s %s) %s %s))" % (ty, op, ty, ty, self.expr(ty, d),
                                                        self.expr(ty, d))

    def g_call_indirect(self, ty, d):
        cs = self.callees_returning((ty,))
        if cs:
            params = self.r.choice(cs)[1]
        else:
            params = ("i32",)
        return self.call_indirect(params, (ty,), d)

    def g_load(self, ty, d):
        op, nat = self.r.choice(LOADS[ty])
        return "(%s%s %s)" % (op, self.memarg(nat), self.addr(d))

    def ref_value(self):
        if self.m.table_funcs and self.r.random() < 0.6:
            return "(ref.func %s)" % self.r.choice(self.m.table_funcs)
        return "(ref.null func)"

    def g_ref(self, ty, d):
        roll = self.r.random()
        if roll < 0.35:
            return "(ref.is_null %s)" % self.ref_value()
        if roll < 0.55:
            return "(table.size $tbl)"
        if roll < 0.8:
            return "(ref.is_null (table.get $tbl (i32.and %s (i32.const %d))))" % (
                self.expr("i32", d), TABLE_SIZE - 1)
        return "(ref.is_null (select (result funcref) %s (ref.null func) %s))" % (
            self.ref_value(), self.cond(d))

    # -- statements --------------------------------------------------------------------
    def stmt(self, d):
        p = self.p
        gens = [(5, self.s_set), (2, self.s_drop), (3, self.s_call)]
        if [g for g in self.globals if g[2]]:
            gens.append((2, self.s_global))
        if p.memory:
            gens.append((3, self.s_store))
        if d > 0:
            gens += [(3, self.s_if), (2, self.s_block), (2, self.s_loop), (1, self.s_br_table)]
        if self.labels and not self.guarded:
            gens.append((1, self.s_br_if))
        if p.bulk:
            gens.append((p.bulk_weight, self.s_bulk))
        if p.call_indirect:
            gens.append((1, self.s_call_indirect))
        if p.reftypes:
            gens.append((1, self.s_table))
        if not self.guarded:
            gens.append((1, self.s_return))
        for _ in range(4):
            out = self.pick(gens)(max(d - 1, 0))
            if out is not None:
                return out
        return ["(drop %s)" % self.expr("i32", 1)]

    def stmts(self, n, d, payload=None):
        out = []
        k = self.r.randint(0, n) if payload is not None else -1
        for i in range(n + 1):
            if i == k:
                out += payload()
            if i < n:
                out += self.stmt(d)
        return out

    def s_set(self, d):
        ty = self.r.choice(NUM)
        vs = self.writable_of(ty)
        if not vs:
            return None
        return ["(local.set %s %s)" % (self.r.choice(vs), self.expr(ty, self.edepth(d)))]

    def edepth(self, d):
        """Expression depth for a statement generated at statement depth `d`."""
        return d + (1 if self.r.random() < 0.5 else 0)

    def s_global(self, d):
        name, ty, _ = self.r.choice([g for g in self.globals if g[2]])
        return ["(global.set %s %s)" % (name, self.expr(ty, self.edepth(d)))]

    def s_drop(self, d):
        return ["(drop %s)" % self.expr(self.r.choice(NUM), self.edepth(d))]

    def s_store(self, d):
        ty = self.r.choice(NUM)
        op, nat = self.r.choice(STORES[ty])
        return ["(%s%s %s %s)" % (op, self.memarg(nat), self.addr(d), self.expr(ty, d))]

    def consume(self, call_text, results):
        """Statement that evaluates `call_text` and disposes of its results."""
        r = self.r
        if not results:
            return [call_text]
        if len(results) == 1:
            vs = self.writable_of(results[0])
            if vs and r.random() < 0.5:
                return ["(local.set %s %s)" % (r.choice(vs), call_text)]
            return ["(drop %s)" % call_text]
        # Multi-value: (local.set $a (local.set $b CALL)) stores the last result in $b,
        # the first in $a; otherwise drop both.
        a, b = self.writable_of(results[0]), self.writable_of(results[1])
        if a and b and r.random() < 0.6:
            return ["(local.set %s (local.set %s %s))" % (r.choice(a), r.choice(b), call_text)]
        return ["(drop (drop %s))" % call_text]

    def s_call(self, d):
        if not self.callees:
            return None
        c = self.r.choice(self.callees)
        return self.consume(self.call(c, d), c[2])

    def s_call_indirect(self, d):
        if self.callees and self.r.random() < 0.7:
            _, params, results = self.r.choice(self.callees)
        else:
            params, results = ("i32",), ()
        return self.consume(self.call_indirect(params, results, d), results)

    def s_if(self, d):
        r = self.r
        c = self.cond(d)
        out = ["(if %s" % c, "  (then"]
        out += indent(self.stmts(r.randint(1, 3), d), 4)
        out[-1] += ")"
        if r.random() < 0.5:
            out.append("  (else")
            out += indent(self.stmts(r.randint(1, 2), d), 4)
            out[-1] += ")"
        out[-1] += ")"
        return out

    def s_block(self, d):
        r = self.r
        lab = self.new_label()
        self.labels.append(lab)
        inner = self.stmts(r.randint(0, 2), d)
        inner.append("(br_if %s %s)" % (lab, self.cond(d)))
        inner += self.stmts(r.randint(1, 2), d)
        self.labels.pop()
        return ["(block %s" % lab] + indent(inner, 2, close=True)

    def s_loop(self, d):
        r = self.r
        c = self.new_counter()
        lab = self.new_label()
        inner = self.stmts(r.randint(1, 3), d)
        inner.append("(br_if %s (local.tee %s (i32.sub (local.get %s) (i32.const 1))))"
                     % (lab, c, c))
        return (["(local.set %s (i32.const %d))" % (c, r.randint(2, 12)), "(loop %s" % lab]
                + indent(inner, 2, close=True))

    def s_br_table(self, d):
        r = self.r
        n = r.randint(2, 3)
        labs = [self.new_label() for _ in range(n)]
        targets = list(labs)
        if self.labels and not self.guarded and r.random() < 0.3:
            targets.append(r.choice(self.labels))
        # Innermost block holds only the br_table; each enclosing block gets filler
        # after its inner block closes.  The default target is the innermost block,
        # so the code after the whole construct is always reachable.
        self.labels.extend(labs)
        sel = self.expr("i32", d)
        tbl = " ".join(r.choice(targets) for _ in range(r.randint(1, 4)))
        lines = ["(block %s" % labs[-1],
                 "  (br_table %s %s %s))" % (tbl, labs[-1], sel)]
        for lab in reversed(labs[:-1]):
            self.labels.pop()  # the block just closed is no longer a target
            tail = self.stmts(r.randint(1, 2), d)
            lines = ["(block %s" % lab] + indent(lines + tail, 2, close=True)
        self.labels.pop()
        return lines

    def s_br_if(self, d):
        return ["(br_if %s %s)" % (self.r.choice(self.labels), self.cond(d))]

    def s_return(self, d):
        if self.r.random() < 0.5:
            return None
        vals = " ".join(self.expr(t, d) for t in self.results)
        return ["(if %s" % self.cond(d),
                "  (then (return%s)))" % ((" " + vals) if vals else "")]

    def bulk_len(self):
        """Length operand for bulk-memory filler: a parameter or a 'safe' constant."""
        r = self.r
        ps = self.i32_params()
        if ps and r.random() < 0.6:
            p = r.choice(ps)
            return r.choice(("(local.get %s)" % p,
                             "(i32.and (local.get %s) (i32.const 255))" % p,
                             "(i32.shr_u (local.get %s) (i32.const 4))" % p))
        return "(i32.const %d)" % r.choice(SAFE_BULK_LENS)

    def s_bulk(self, d):
        r = self.r
        roll = r.random()
        if roll < 0.6:
            return ["(memory.copy %s %s %s)" % (self.addr(d), self.addr(d), self.bulk_len())]
        if roll < 0.85 or not self.m.passive:
            return ["(memory.fill %s %s %s)" % (self.addr(d), self.expr("i32", d),
                                                self.bulk_len())]
        name, length = r.choice(self.m.passive)
        if r.random() < 0.15:
            return ["(data.drop %s)" % name]
        off = r.randint(0, length)
        return ["(memory.init %s %s (i32.const %d) (i32.const %d))"
                % (name, self.addr(d), off, r.randint(0, length - off))]

    def s_table(self, d):
        r = self.r
        if r.random() < 0.7:
            return ["(table.set $tbl (i32.const %d) %s)" % (r.randrange(TABLE_SIZE),
                                                          self.ref_value())]
        return ["(drop (table.grow $tbl (ref.null func) (i32.const %d)))" % r.randint(0, 2)]

    # -- whole bodies ------------------------------------------------------------------
    def nest(self, levels, payload):
        """Control structures `levels` deep, with `payload()`'s lines at the bottom.

        Every structure on the path is reachable and guarded by parameter-dependent
        conditions, so neither the validator nor an optimizer can skip the payload.
        """
        r = self.r
        if levels == 0:
            return self.stmts(r.randint(1, 2), 1, payload=payload)
        inner = lambda: self.nest(levels - 1, payload)
        kind = r.choice(("block", "loop", "if", "if"))
        if kind == "block":
            lab = self.new_label()
            self.labels.append(lab)
            body = self.stmts(r.randint(1, 2), 1, payload=inner)
            body.append("(br_if %s %s)" % (lab, self.param_cond()))
            body += self.stmts(1, 1)
            self.labels.pop()
            return ["(block %s" % lab] + indent(body, 2, close=True)
        if kind == "loop":
            c = self.new_counter()
            lab = self.new_label()
            body = self.stmts(r.randint(1, 2), 1, payload=inner)
            body.append("(br_if %s (local.tee %s (i32.sub (local.get %s) (i32.const 1))))"
                        % (lab, c, c))
            return (["(local.set %s (i32.const %d))" % (c, r.randint(2, 8)), "(loop %s" % lab]
                    + indent(body, 2, close=True))
        out = ["(if %s" % self.param_cond(), "  (then"]
        out += indent(self.stmts(r.randint(0, 2), 1, payload=inner), 4)
        out[-1] += ")"
        if r.random() < 0.5:
            out.append("  (else")
            out += indent(self.stmts(r.randint(1, 2), 1), 4)
            out[-1] += ")"
        out[-1] += ")"
        return out

    def body(self, payload=None, nest_levels=4, min_stmts=2, max_stmts=6, depth=3):
        r = self.r
        wrapped = None
        if payload is not None:
            self.guarded = True
            wrapped = lambda: self.nest(nest_levels, lambda: payload(self))
        lines = self.stmts(r.randint(min_stmts, max_stmts), depth, payload=wrapped)
        for t in self.results:
            lines.append(self.expr(t, depth))
        return lines

    def render(self, name, body_lines):
        params = [t for _, t in self.params]
        head = "  (func %s" % name
        if len(self.results) > 1:
            head += " (type %s)" % self.m.sig_type(params, self.results)
        tu = typeuse(params, self.results)
        if tu:
            head += " " + tu
        out = [head]
        decls = ["(local %s %s)" % (n, t) for n, t in self.locals]
        decls += ["(local %s i32)" % c for c in self.counters]
        if decls:
            out.append("    " + " ".join(decls))
        out += indent(body_lines, 4)
        if len(out) == 1:
            out[0] += ")"
        else:
            out[-1] += ")"
        return "\n".join(out)


def indent(lines, n, close=False):
    pad = " " * n
    out = [pad + l for l in lines]
    if close:
        if out:
            out[-1] += ")"
        else:
            out.append(pad + ")")
    return out


def wrap_flat(instrs, per_line):
    """Lay out a long run of flat (unfolded) instructions, `per_line` to a line."""
    return [" ".join(instrs[i:i + per_line]) for i in range(0, len(instrs), per_line)]


def load_sibling(case, module_name="generate"):
    """Import `corpora/<case>/generate.py` (folder names contain dashes)."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), case, module_name + ".py")
    spec = importlib.util.spec_from_file_location("corpora_%s_%s" % (case.replace("-", "_"),
                                                                      module_name), path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
