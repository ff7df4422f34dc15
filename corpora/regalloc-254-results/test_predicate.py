"""Tests for predicate.py on hand-encoded binary modules.

Run from this folder:  python3 -m unittest
"""
import os
import random
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import predicate  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
I32, I64, F32, F64, V128, FUNCREF, EXTERNREF = 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F


# -- tiny binary encoder ---------------------------------------------------------------
def u32(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def s64(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if (v == 0 and not b & 0x40) or (v == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def vec(items):
    return u32(len(items)) + b"".join(items)


def name(s):
    return u32(len(s)) + s.encode()


def section(sid, payload):
    return bytes([sid]) + u32(len(payload)) + payload


def functype(params, results):
    return b"\x60" + vec([bytes([t]) for t in params]) + vec([bytes([t]) for t in results])


def body(code, locals_=()):
    b = vec([u32(n) + bytes([t]) for n, t in locals_]) + code + b"\x0b"
    return u32(len(b)) + b


def module(types=(), imports=(), funcs=(), bodies=(), extra=(), after=()):
    """funcs: type index per defined function; bodies: encoded bodies; extra / after:
    (id, payload) sections placed before / after the code section, in the order given."""
    out = b"\x00asm\x01\x00\x00\x00"
    if types:
        out += section(1, vec(list(types)))
    if imports:
        out += section(2, vec(list(imports)))
    if funcs:
        out += section(3, vec([u32(t) for t in funcs]))
    for sid, payload in extra:
        out += section(sid, payload)
    if bodies:
        out += section(10, vec(list(bodies)))
    for sid, payload in after:
        out += section(sid, payload)
    return out


def import_func(type_index, mod="env", field="f"):
    return name(mod) + name(field) + b"\x00" + u32(type_index)


def call(f):
    return b"\x10" + u32(f)


def i32c(v):
    return b"\x41" + s64(v)


DROP = b"\x1a"


def wide_call_module(n_results, called=True):
    """type 0: [] -> [i32 x n]; type 1: [] -> []; func 0 returns n consts; func 1 calls it."""
    types = [functype([], [I32] * n_results), functype([], [])]
    callee = body(b"".join(i32c(k) for k in range(n_results)))
    caller_code = (call(0) + DROP * n_results) if called else b"\x01"
    return module(types, funcs=[0, 1], bodies=[callee, body(caller_code)])


class PredicateTest(unittest.TestCase):
    def check(self, data, **kw):
        return bool(predicate.find_wide_calls(data, **kw))

    def run_predicate(self, data, *args):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "candidate.wasm")
            with open(path, "wb") as f:
                f.write(data)
            p = subprocess.run([sys.executable, os.path.join(HERE, "predicate.py")]
                               + list(args) + [path], capture_output=True)
        self.assertNotIn(b"Traceback", p.stderr)
        return p.returncode

    # -- the required cases ------------------------------------------------------------
    def test_call_to_254_results_is_interesting(self):
        data = wide_call_module(254)
        self.assertTrue(self.check(data))
        self.assertEqual(self.run_predicate(data), 0)

    def test_253_results_is_not(self):
        data = wide_call_module(253)
        self.assertFalse(self.check(data))
        self.assertEqual(self.run_predicate(data), 1)

    def test_defined_but_never_called_is_not(self):
        data = wide_call_module(300, called=False)
        self.assertFalse(self.check(data))
        self.assertEqual(self.run_predicate(data), 1)

    def test_call_through_import_is_interesting(self):
        types = [functype([I32], [I32] * 260), functype([], [])]
        code = i32c(7) + call(0) + DROP * 260
        data = module(types, imports=[import_func(0)], funcs=[1], bodies=[body(code)])
        self.assertTrue(self.check(data))
        self.assertEqual(self.run_predicate(data), 0)

    def test_garbage_is_not(self):
        for junk in (b"", b"\x00asm", b"hello world, not wasm at all",
                     bytes(range(256)), b"(module (func))",
                     b"\x00asm\x0d\x00\x01\x00"):  # component-model header
            self.assertEqual(self.run_predicate(junk), 1, junk[:16])

    def test_missing_file(self):
        p = subprocess.run([sys.executable, os.path.join(HERE, "predicate.py"),
                            os.path.join(HERE, "does-not-exist.wasm")], capture_output=True)
        self.assertEqual(p.returncode, 1)
        self.assertNotIn(b"Traceback", p.stderr)

    # -- more shapes -------------------------------------------------------------------
    def test_return_call_is_interesting(self):
        types = [functype([], [I32] * 254)]
        callee = body(b"".join(i32c(1) for _ in range(254)))
        data = module(types, funcs=[0, 0], bodies=[callee, body(b"\x12\x00")])
        self.assertTrue(self.check(data))

    def test_call_indirect_does_not_count(self):
        types = [functype([], [I32] * 254), functype([], [])]
        code = i32c(0) + b"\x11\x00\x00" + DROP * 254
        data = module(types, funcs=[1], extra=[(4, vec([b"\x70\x00\x01"]))],
                      bodies=[body(code)])
        self.assertFalse(self.check(data))

    def test_threshold_option(self):
        data = wide_call_module(254)
        self.assertEqual(self.run_predicate(data, "--min-results", "255"), 1)
        self.assertEqual(self.run_predicate(data, "--min-results", "254"), 0)

    def test_every_supported_instruction_shape_before_the_call(self):
        types = [functype([I32], [I32] * 256),            # 0: the wide one
                 functype([I32, I64], [I32, I64]),        # 1: multi-value block type
                 functype([], [])]                        # 2
        imports = [import_func(2, field="g0"),
                   name("env") + name("tbl") + b"\x01\x70\x01\x01\x10",
                   name("env") + name("mem") + b"\x02\x00\x01",
                   name("env") + name("glob") + b"\x03\x7f\x01",
                   name("env") + name("tag") + b"\x04\x00" + u32(2)]
        code = b"".join([
            b"\x01",                                     # nop
            b"\x02\x40", i32c(1), b"\x0d\x00", b"\x0b",  # block br_if end
            b"\x03\x7f", i32c(-5), b"\x0b", DROP,        # loop (result i32)
            i32c(1), b"\x42" + s64(-(1 << 40)),         # i32.const i64.const
            b"\x02" + s64(1),                            # block (type 1)
            b"\x1a\x1a", i32c(0), b"\x42\x00", b"\x0b",
            b"\x1a\x1a",
            i32c(3), b"\x04\x40", b"\x05", b"\x0b",      # if else end
            b"\x02\x40", b"\x02\x40", i32c(0),
            b"\x0e\x02\x00\x01\x00", b"\x0b", b"\x0b",   # br_table
            i32c(1), i32c(2), i32c(0), b"\x1c\x01\x7f", DROP,  # select (result i32)
            i32c(1), i32c(2), i32c(0), b"\x1b", DROP,    # select
            b"\x43" + b"\x00\x00\x80\x3f", DROP,        # f32.const
            b"\x44" + b"\x00" * 8, b"\xfc\x02", DROP,   # f64.const i32.trunc_sat_f64_s
            b"\x23\x00", b"\x24\x00",                    # global.get/set
            i32c(0), b"\x28\x02\x10", DROP,              # i32.load align=4 offset=16
            i32c(0), b"\x42\x07", b"\x37\x03\x80\x01",   # i64.store offset=128
            b"\x3f\x00", b"\x40\x00", DROP,              # memory.size/grow
            i32c(0), i32c(0), i32c(4), b"\xfc\x0a\x00\x00",   # memory.copy
            i32c(0), i32c(0), i32c(4), b"\xfc\x0b\x00",       # memory.fill
            i32c(0), i32c(0), i32c(0), b"\xfc\x08\x00\x00",   # memory.init 0
            b"\xfc\x09\x00",                                   # data.drop 0
            b"\xd0\x70", b"\xd1", DROP,                  # ref.null func; ref.is_null
            b"\xd2\x00", DROP,                           # ref.func 0
            i32c(0), b"\x25\x00", DROP,                  # table.get
            b"\xfc\x10\x00", DROP,                       # table.size
            b"\xd0\x70", i32c(1), b"\xfc\x0f\x00", DROP,  # table.grow
            i32c(0), b"\xd0\x70", i32c(0), b"\xfc\x11\x00",  # table.fill
            i32c(0), i32c(0), i32c(0), b"\xfc\x0e\x00\x00",  # table.copy
            i32c(0), i32c(0), i32c(0), b"\xfc\x0c\x00\x00",  # table.init
            b"\xfc\x0d\x00",                             # elem.drop
            i32c(9), i32c(0), b"\x11\x02\x00",           # call_indirect (type 2) table 0
            i32c(1), b"\x6a", DROP,                      # i32.add
            i32c(4), call(1), DROP * 256,                # call the wide function
            b"\x0f",                                     # return
        ])
        wide = body(b"".join(b"\x20\x00" for _ in range(256)))
        # Function index space: 0 = imported g0, 1 = the wide function, 2 = this body.
        elem = vec([b"\x01\x00" + vec([u32(0)])])     # passive segment: funcref [0]
        passive = vec([b"\x01" + vec([b"\x2a"])])     # passive data segment
        data = module(types, imports=imports, funcs=[0, 2],
                      extra=[(9, elem), (12, u32(1))],
                      bodies=[wide, body(code, [(2, I64), (1, F32)])],
                      after=[(11, passive), (0, name("x-custom") + b"\x01\x02\x03")])
        self.assertEqual(predicate.find_wide_calls(data), [(1, 1, 256)])
        self.assertEqual(self.run_predicate(data, "--verbose"), 0)

    def test_simd_opcode_is_not_decoded(self):
        types = [functype([], [I32] * 254), functype([], [])]
        callee = body(b"".join(i32c(1) for _ in range(254)))
        code = i32c(0) + b"\xfd\x11" + DROP + call(0) + DROP * 254   # i32x4.splat first
        data = module(types, funcs=[0, 1], bodies=[callee, body(code)])
        self.assertEqual(self.run_predicate(data), 1)

    def test_rec_group_is_rejected(self):
        rec = b"\x4e" + vec([functype([], [I32] * 254)])
        data = module([rec, functype([], [])], funcs=[1], bodies=[body(b"\x01")])
        with self.assertRaises(predicate.DecodeError):
            predicate.find_wide_calls(data)
        self.assertEqual(self.run_predicate(data), 1)

    def test_call_to_unknown_function_is_rejected(self):
        data = module([functype([], [])], funcs=[0], bodies=[body(call(7))])
        self.assertEqual(self.run_predicate(data), 1)

    def test_every_truncation_is_rejected(self):
        data = wide_call_module(254)
        for n in range(len(data)):
            with self.subTest(n=n):
                try:
                    self.assertFalse(self.check(data[:n]))
                except predicate.DecodeError:
                    pass

    def test_mutations_never_crash(self):
        base = wide_call_module(254)
        rng = random.Random(1234)
        for _ in range(2000):
            data = bytearray(base)
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            try:
                predicate.find_wide_calls(bytes(data))
            except predicate.DecodeError:
                pass


if __name__ == "__main__":
    unittest.main()
