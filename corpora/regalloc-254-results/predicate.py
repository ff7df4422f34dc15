#!/usr/bin/env python3
"""Interestingness test for the regalloc-254-results corpus.

    predicate.py [--verbose] [--min-results N] CANDIDATE.wasm

Exit 0 iff the binary module at CANDIDATE.wasm contains, inside some function
body, a `call` (0x10) or `return_call` (0x12) whose callee's function type has
at least N results (default 254).  Exit 1 otherwise, and also for anything
this script cannot decode: a truncated or malformed module, text format, GC
type forms (rec/sub groups, typed references), or an instruction outside the
set below.  It never exits with a traceback.

The binary format is decoded here, with no dependencies: LEB128, the
type/import/function/code sections (all other sections are skipped by size),
and every instruction of MVP, multi-value (type-index block types),
`select t*`, the 0xFC prefix (saturating truncations 0-7 and bulk memory
8-17), reference types (0xd0-0xd2, table.get/set) and tail calls
(0x12/0x13).  SIMD (0xFD) and other prefixes are not decoded: exit 1.
"""
import sys

DEFAULT_MIN_RESULTS = 254

VALTYPES = frozenset((0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F))


class DecodeError(Exception):
    """The input is not something this predicate understands."""


class Reader:
    def __init__(self, data, pos=0, end=None):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def at_end(self):
        return self.pos >= self.end

    def byte(self):
        if self.pos >= self.end:
            raise DecodeError("unexpected end at offset %d" % self.pos)
        b = self.data[self.pos]
        self.pos += 1
        return b

    def take(self, n):
        if n > self.end - self.pos:
            raise DecodeError("unexpected end at offset %d" % self.pos)
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def sub(self, n):
        """A reader over the next n bytes; this reader skips past them."""
        if n > self.end - self.pos:
            raise DecodeError("section or body runs past its container at %d" % self.pos)
        r = Reader(self.data, self.pos, self.pos + n)
        self.pos += n
        return r

    def uleb(self, bits=32):
        result = 0
        shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
            if shift >= bits:
                raise DecodeError("LEB128 too long at offset %d" % self.pos)
        if result >> bits:
            raise DecodeError("LEB128 value out of range at offset %d" % self.pos)
        return result

    def sleb(self, bits):
        result = 0
        shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
            if shift >= bits:
                raise DecodeError("LEB128 too long at offset %d" % self.pos)
        if b & 0x40:
            result -= 1 << shift
        if not -(1 << (bits - 1)) <= result < (1 << (bits - 1)):
            raise DecodeError("signed LEB128 out of range at offset %d" % self.pos)
        return result

    def valtype(self):
        t = self.byte()
        if t not in VALTYPES:
            raise DecodeError("unsupported value type 0x%02x at offset %d" % (t, self.pos - 1))
        return t

    def name(self):
        self.take(self.uleb())


def read_limits(r):
    flags = r.byte()
    if flags & ~0x0F:
        raise DecodeError("unknown limits flags 0x%02x" % flags)
    r.uleb(64)
    if flags & 0x01:
        r.uleb(64)
    if flags & 0x08:
        r.uleb()  # custom page size (log2)


def read_reftype(r):
    t = r.byte()
    if t in (0x70, 0x6F):
        return
    if t in (0x63, 0x64):  # (ref null? ht), typed function references / GC
        r.sleb(33)
        return
    raise DecodeError("unsupported reference type 0x%02x" % t)


def read_types(r):
    """Type section -> list of result counts, one per function type."""
    results = []
    for _ in range(r.uleb()):
        form = r.byte()
        if form in (0x4E, 0x50, 0x4F):
            raise DecodeError("rec/sub type forms (GC proposal) are not supported")
        if form != 0x60:
            raise DecodeError("unsupported type form 0x%02x" % form)
        for _ in range(r.uleb()):
            r.valtype()
        n = r.uleb()
        for _ in range(n):
            r.valtype()
        results.append(n)
    return results


def read_imports(r, func_types):
    for _ in range(r.uleb()):
        r.name()
        r.name()
        kind = r.byte()
        if kind == 0x00:
            func_types.append(r.uleb())
        elif kind == 0x01:
            read_reftype(r)
            read_limits(r)
        elif kind == 0x02:
            read_limits(r)
        elif kind == 0x03:
            r.valtype()
            if r.byte() not in (0, 1):
                raise DecodeError("bad global mutability")
        elif kind == 0x04:
            if r.byte() != 0:
                raise DecodeError("bad tag attribute")
            r.uleb()
        else:
            raise DecodeError("unknown import kind 0x%02x" % kind)


def read_blocktype(r):
    b = r.data[r.pos] if r.pos < r.end else None
    if b is None:
        raise DecodeError("unexpected end in block type")
    if b == 0x40 or b in VALTYPES:
        r.pos += 1
        return
    idx = r.sleb(33)
    if idx < 0:
        raise DecodeError("unsupported block type at offset %d" % r.pos)


def read_memarg(r):
    align = r.uleb()
    if align & 0x40:
        r.uleb()  # memory index (multi-memory)
    r.uleb(64)  # offset


# Opcodes whose immediates are exactly one u32.
ONE_U32 = frozenset([0x0C, 0x0D, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x3F, 0x40, 0xD2])
# Opcodes with no immediates (besides block structure handled separately).
NO_IMM = frozenset([0x00, 0x01, 0x0F, 0x1A, 0x1B, 0xD1] + list(range(0x45, 0xC5)))


def scan_body(r, on_call):
    """Walk one function body (locals + instructions); call on_call(funcidx) per call."""
    for _ in range(r.uleb()):
        r.uleb()
        r.valtype()
    depth = 1
    while True:
        op = r.byte()
        if op == 0x0B:
            depth -= 1
            if depth == 0:
                if not r.at_end():
                    raise DecodeError("code after the final `end` of a body")
                return
        elif op in (0x02, 0x03, 0x04):
            read_blocktype(r)
            depth += 1
        elif op == 0x05:
            if depth < 2:
                raise DecodeError("`else` outside of a block")
        elif op in NO_IMM:
            pass
        elif op in ONE_U32:
            r.uleb()
        elif op in (0x10, 0x12):
            on_call(r.uleb())
        elif op in (0x11, 0x13):
            r.uleb()
            r.uleb()
        elif op == 0x0E:
            for _ in range(r.uleb()):
                r.uleb()
            r.uleb()
        elif op == 0x1C:
            for _ in range(r.uleb()):
                r.valtype()
        elif 0x28 <= op <= 0x3E:
            read_memarg(r)
        elif op == 0x41:
            r.sleb(32)
        elif op == 0x42:
            r.sleb(64)
        elif op == 0x43:
            r.take(4)
        elif op == 0x44:
            r.take(8)
        elif op == 0xD0:
            r.sleb(33)
        elif op == 0xFC:
            sub = r.uleb()
            if sub <= 7:
                pass
            elif sub in (8, 10, 12, 14):
                r.uleb()
                r.uleb()
            elif sub in (9, 11, 13, 15, 16, 17):
                r.uleb()
            else:
                raise DecodeError("unsupported 0xfc sub-opcode %d" % sub)
        else:
            raise DecodeError("unsupported opcode 0x%02x at offset %d" % (op, r.pos - 1))


def find_wide_calls(data, min_results=DEFAULT_MIN_RESULTS):
    """Decode the whole module; return [(defined function index, callee, results)].

    Raises DecodeError on anything not understood.
    """
    r = Reader(bytes(data))
    if r.take(4) != b"\x00asm":
        raise DecodeError("not a WebAssembly binary (bad magic)")
    if r.take(4) != b"\x01\x00\x00\x00":
        raise DecodeError("not a core module, version 1")
    type_results = []
    func_types = []      # type index per function, imports first
    declared = None      # function section entries
    hits = []
    saw_code = False
    while not r.at_end():
        sid = r.byte()
        sec = r.sub(r.uleb())
        if sid > 13:
            raise DecodeError("unknown section id %d" % sid)
        if sid == 1:
            type_results = read_types(sec)
        elif sid == 2:
            read_imports(sec, func_types)
        elif sid == 3:
            declared = [sec.uleb() for _ in range(sec.uleb())]
            func_types.extend(declared)
        elif sid == 10:
            saw_code = True
            count = sec.uleb()
            if count != len(declared or ()):
                raise DecodeError("code and function section counts differ")
            for ti in func_types:
                if ti >= len(type_results):
                    raise DecodeError("function type index %d out of range" % ti)
            for i in range(count):
                body = sec.sub(sec.uleb())

                def on_call(callee, i=i):
                    if callee >= len(func_types):
                        raise DecodeError("call to unknown function %d" % callee)
                    n = type_results[func_types[callee]]
                    if n >= min_results:
                        hits.append((i, callee, n))
                scan_body(body, on_call)
        else:
            continue  # custom and other sections: skipped by size
        if not sec.at_end():
            raise DecodeError("section %d has trailing bytes" % sid)
    if declared and not saw_code:
        raise DecodeError("function section without a code section")
    return hits


def main(argv):
    verbose = False
    min_results = DEFAULT_MIN_RESULTS
    args = list(argv)
    try:
        while args and args[0].startswith("-") and len(args) > 1:
            opt = args.pop(0)
            if opt in ("-v", "--verbose"):
                verbose = True
            elif opt == "--min-results":
                min_results = int(args.pop(0))
            else:
                raise ValueError(opt)
        if len(args) != 1:
            raise ValueError("expected one path")
    except (ValueError, IndexError):
        sys.stderr.write("usage: predicate.py [--verbose] [--min-results N] CANDIDATE.wasm\n")
        return 1
    try:
        with open(args[0], "rb") as f:
            data = f.read()
        hits = find_wide_calls(data, min_results)
    except (OSError, DecodeError, RecursionError, MemoryError, ValueError) as e:
        if verbose:
            sys.stderr.write("predicate: not interesting: %s\n" % e)
        return 1
    except Exception as e:  # a bug here must never look like "interesting"
        if verbose:
            sys.stderr.write("predicate: internal error: %r\n" % (e,))
        return 1
    if verbose:
        for i, callee, n in hits:
            sys.stderr.write("predicate: defined function %d calls function %d (%d results)\n"
                             % (i, callee, n))
        if not hits:
            sys.stderr.write("predicate: no call to a function with >= %d results\n"
                             % min_results)
    return 0 if hits else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
