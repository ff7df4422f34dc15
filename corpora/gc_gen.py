"""GC and exception-handling building blocks for the wasm-whittle corpus generators.

This extends `wat_gen.py` toward what a compiler for a managed language emits
when it targets the WebAssembly GC and exception-handling proposals:

* a fixed type universe (`TYPE_GROUPS`): a plain struct, arrays, function
  types, and three rec groups with subtyping (an object/node/leaf chain, a
  shape hierarchy with a vtable of typed function references, a list type);
* tags with parameters;
* globals of reference types, initialised with GC constant expressions;
* about forty hand-written runtime functions (`TEMPLATES`): constructors,
  accessors, list growth, `br_on_cast` dispatch, `call_ref` through closures,
  vtables and the funcref table, and `throw` / `try_table` / `throw_ref`
  exception plumbing;
* `GcFuncGen`, a `wat_gen.FuncGen` whose random filler also produces and
  consumes references (`struct.*`, `array.*`, `ref.cast`, `ref.test`,
  `br_on_cast[_fail]`, `br_on_null`, `ref.i31`, `i31.get_*`, `call_ref`) and
  throws and catches exceptions (`catch`, `catch_all`, `catch_ref`,
  `catch_all_ref`, `throw_ref`).

Filler stays well typed by construction: reference values are produced for a
requested type by subtype-aware generators, and every label's type is fixed
by the construct that creates it.  Nothing here emits SIMD or `v128`.

Randomness comes only from the `random.Random` the caller passes in, and no
set or hash ordering is iterated, so output is byte-for-byte stable.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wat_gen as W  # noqa: E402

NUM = W.NUM
indent = W.indent

# -- the type universe ----------------------------------------------------------------

# Struct fields: (name, storage type, mutable).  A subtype repeats its
# supertype's fields first, as the GC proposal requires.
_OBJ = [("$hash", "i32", True), ("$next", "(ref null $node)", False)]
_NODE = _OBJ + [("$val", "i64", True)]
_SHAPE = [("$vt", "(ref null $vtable)", False), ("$area", "f64", True)]
_LIST = [("$items", "(ref null $objs)", True), ("$len", "i32", True)]

STRUCTS = {
    "$point": [("$x", "i32", True), ("$y", "i32", True)],
    "$obj": _OBJ,
    "$node": _NODE,
    "$leaf": _NODE + [("$weight", "f64", False)],
    "$shape": _SHAPE,
    "$circle": _SHAPE + [("$r", "f64", False)],
    "$rect": _SHAPE + [("$w", "f64", False), ("$h", "f64", False)],
    "$vtable": [("$area_of", "(ref $shape_fn)", False), ("$label", "(ref null $bytes)", False)],
    "$list": _LIST,
    "$ilist": _LIST + [("$data", "(ref null $ints)", True)],
    "$box": [("$v", "anyref", True)],
    "$closure": [("$fn", "(ref $fty_i32)", False), ("$env", "i32", True)],
}

# Arrays: element storage type (all mutable).
ARRAYS = {
    "$ints": "i32",
    "$bytes": "i8",
    "$objs": "(ref null $obj)",
}

FUNC_TYPES = {
    "$fty_i32": (("i32",), ("i32",)),
    "$fty_obj": (("(ref null $obj)",), ("i32",)),
    "$shape_fn": (("(ref null $shape)",), ("f64",)),
}

# Type definitions in type-section order.  Each inner list is one rec group
# (a single entry is written without `rec`).  Entries: (name, supertype, mode)
# where mode is "plain" (final, no `sub`), "open" (`sub`, may be extended) or
# "final" (`sub final`).  The first type is a plain struct: it is what an
# engine without GC rejects first.
TYPE_GROUPS = [
    [("$point", None, "plain")],
    [("$ints", None, "plain")],
    [("$bytes", None, "plain")],
    [("$fty_i32", None, "plain")],
    [("$obj", None, "open"), ("$node", "$obj", "open"), ("$leaf", "$node", "final")],
    [("$objs", None, "plain")],
    [("$fty_obj", None, "plain")],
    [("$shape", None, "open"), ("$circle", "$shape", "final"), ("$rect", "$shape", "final"),
     ("$shape_fn", None, "plain"), ("$vtable", None, "plain")],
    [("$list", None, "open"), ("$ilist", "$list", "final")],
    [("$box", None, "plain")],
    [("$closure", None, "plain")],
]

TAGS = [
    ("$e_code", ("i32",)),
    ("$e_obj", ("(ref null $obj)",)),
    ("$e_pair", ("i32", "i64")),
    ("$e_abort", ()),
]

# Heap type -> its direct supertype (None for the top of a hierarchy).
PARENT = {"any": None, "eq": "any", "i31": "eq", "struct": "eq", "array": "eq",
          "func": None, "exn": None}
for _group in TYPE_GROUPS:
    for _name, _sup, _mode in _group:
        if _name in STRUCTS:
            PARENT[_name] = _sup or "struct"
        elif _name in ARRAYS:
            PARENT[_name] = "array"
        else:
            PARENT[_name] = "func"

ABBREV = ("any", "eq", "i31", "struct", "array", "func", "exn")

# Reference types that random signatures and locals draw from.
REF_PARAMS = ("(ref null $obj)", "(ref null $obj)", "(ref null $node)", "(ref $node)",
              "(ref null $shape)", "(ref null $ints)", "(ref $ints)", "(ref null $objs)",
              "anyref", "anyref", "eqref", "i31ref", "(ref null $list)",
              "(ref null $fty_i32)", "(ref null $box)", "structref", "(ref null $point)")
REF_RESULTS = ("(ref null $obj)", "(ref $node)", "(ref null $node)", "anyref", "anyref",
               "i31ref", "(ref $ints)", "(ref null $shape)", "eqref", "(ref null $objs)",
               "(ref $fty_i32)", "(ref null $list)")
REF_LOCALS = tuple(t for t in REF_PARAMS if t.endswith("ref") or t.startswith("(ref null"))


def parse_ref(ty):
    """'(ref null $x)' / '(ref $x)' / 'anyref' -> (nullable, heap); None for numbers."""
    if ty in NUM or ty in ("i8", "i16"):
        return None
    if ty.startswith("(ref null "):
        return True, ty[len("(ref null "):-1]
    if ty.startswith("(ref "):
        return False, ty[len("(ref "):-1]
    assert ty.endswith("ref"), ty
    return True, ty[:-3]


def ref_type(nullable, heap):
    if nullable and heap in ABBREV:
        return heap + "ref"
    return "(ref %s%s)" % ("null " if nullable else "", heap)


def is_ref(ty):
    return parse_ref(ty) is not None


def heap_sub(a, b):
    while a is not None:
        if a == b:
            return True
        a = PARENT[a]
    return False


def top_of(heap):
    while PARENT[heap] is not None:
        heap = PARENT[heap]
    return heap


def subtype(t1, t2):
    """Is value type t1 a subtype of t2 (numbers: equal)?"""
    a, b = parse_ref(t1), parse_ref(t2)
    if a is None or b is None:
        return t1 == t2
    return (b[0] or not a[0]) and heap_sub(a[1], b[1])


def unpack(storage):
    return "i32" if storage in ("i8", "i16") else storage


def defaultable(ty):
    r = parse_ref(ty)
    return r is None or r[0]


def field_text(name, storage, mutable):
    st = "(mut %s)" % storage if mutable else storage
    return "(field %s %s)" % (name, st)


def type_def_text(name, sup, mode):
    if name in STRUCTS:
        comp = "(struct %s)" % " ".join(field_text(*f) for f in STRUCTS[name])
    elif name in ARRAYS:
        comp = "(array (mut %s))" % ARRAYS[name]
    else:
        params, results = FUNC_TYPES[name]
        parts = []
        if params:
            parts.append(" (param %s)" % " ".join(params))
        if results:
            parts.append(" (result %s)" % " ".join(results))
        comp = "(func%s)" % "".join(parts)
    if mode == "plain":
        return "(type %s %s)" % (name, comp)
    head = "sub final" if mode == "final" else "sub"
    return "(type %s (%s%s %s))" % (name, head, (" " + sup) if sup else "", comp)


def type_lines():
    out = []
    for group in TYPE_GROUPS:
        if len(group) == 1:
            out.append(type_def_text(*group[0]))
        else:
            out.append("(rec")
            out += ["  " + type_def_text(*entry) for entry in group]
            out[-1] += ")"
    return out


# (struct, field, storage, mutable) for every field of every struct type.
ALL_FIELDS = [(s, f, st, m) for s in STRUCTS for f, st, m in STRUCTS[s]]


def numeric_fields(ty):
    return [(s, f) for s, f, st, _ in ALL_FIELDS if st == ty]


def ancestors(heap):
    """The strict supertypes of `heap`, nearest first."""
    out = []
    h = PARENT[heap]
    while h is not None:
        out.append(h)
        h = PARENT[h]
    return out


# -- hand-written runtime functions -----------------------------------------------------

# (name, explicit type or None, params, results, locals, body lines)
TEMPLATES = [
    ("$add1", "$fty_i32", ("i32",), ("i32",), [],
     ["(i32.add (local.get $p0) (i32.const 1))"]),
    ("$twice", "$fty_i32", ("i32",), ("i32",), [],
     ["(i32.shl (local.get $p0) (i32.const 1))"]),
    ("$negate", "$fty_i32", ("i32",), ("i32",), [],
     ["(i32.sub (i32.const 0) (local.get $p0))"]),
    ("$node_new", None, ("i32", "i64", "(ref null $node)"), ("(ref $node)",), [],
     ["(struct.new $node (local.get $p0) (local.get $p2) (local.get $p1))"]),
    ("$leaf_new", None, ("i32", "i64", "f64"), ("(ref $leaf)",), [],
     ["(struct.new $leaf (local.get $p0) (ref.null $node) (local.get $p1) (local.get $p2))"]),
    ("$obj_hash", "$fty_obj", ("(ref null $obj)",), ("i32",), [],
     ["(if (ref.is_null (local.get $p0))",
      "  (then (throw $e_code (i32.const -1))))",
      "(struct.get $obj $hash (local.get $p0))"]),
    ("$obj_rehash", "$fty_obj", ("(ref null $obj)",), ("i32",), [("$h", "i32")],
     ["(local.set $h (i32.mul (call $obj_hash (local.get $p0)) (i32.const 31)))",
      "(if (ref.test (ref $node) (local.get $p0))",
      "  (then",
      "    (local.set $h (i32.xor (local.get $h)",
      "      (i32.wrap_i64 (struct.get $node $val (ref.cast (ref $node) (local.get $p0))))))))",
      "(struct.set $obj $hash (local.get $p0) (local.get $h))",
      "(local.get $h)"]),
    ("$node_sum", None, ("(ref null $node)",), ("i64",),
     [("$acc", "i64"), ("$cur", "(ref null $node)")],
     ["(local.set $cur (local.get $p0))",
      "(block $end",
      "  (loop $walk",
      "    (local.set $acc (i64.add (local.get $acc)",
      "      (struct.get $node $val (br_on_null $end (local.get $cur)))))",
      "    (local.set $cur (struct.get $node $next (local.get $cur)))",
      "    (br $walk)))",
      "(local.get $acc)"]),
    ("$node_len", None, ("(ref null $node)",), ("i32",),
     [("$n", "i32"), ("$cur", "(ref null $node)")],
     ["(local.set $cur (local.get $p0))",
      "(block $end",
      "  (loop $walk",
      "    (br_if $end (ref.is_null (local.get $cur)))",
      "    (local.set $n (i32.add (local.get $n) (i32.const 1)))",
      "    (local.set $cur (struct.get $node $next (local.get $cur)))",
      "    (br $walk)))",
      "(local.get $n)"]),
    ("$circle_area", "$shape_fn", ("(ref null $shape)",), ("f64",), [("$rad", "f64")],
     ["(local.set $rad (struct.get $circle $r (ref.cast (ref $circle) (local.get $p0))))",
      "(f64.mul (f64.const 3.141592653589793) (f64.mul (local.get $rad) (local.get $rad)))"]),
    ("$rect_area", "$shape_fn", ("(ref null $shape)",), ("f64",), [("$rc", "(ref null $rect)")],
     ["(local.set $rc (ref.cast (ref null $rect) (local.get $p0)))",
      "(f64.mul (struct.get $rect $w (local.get $rc)) (struct.get $rect $h (local.get $rc)))"]),
    ("$shape_area", "$shape_fn", ("(ref null $shape)",), ("f64",), [],
     ["(block $is_rect (result (ref $rect))",
      "  (block $is_circle (result (ref $circle))",
      "    local.get $p0",
      "    br_on_cast $is_circle (ref null $shape) (ref $circle)",
      "    br_on_cast $is_rect (ref null $shape) (ref $rect)",
      "    drop",
      "    (return (struct.get $shape $area (local.get $p0))))",
      "  call $circle_area",
      "  return)",
      "call $rect_area"]),
    ("$shape_area_virtual", "$shape_fn", ("(ref null $shape)",), ("f64",), [],
     ["(call_ref $shape_fn (local.get $p0)",
      "  (struct.get $vtable $area_of (struct.get $shape $vt (local.get $p0))))"]),
    ("$shape_cache_area", None, ("(ref null $shape)",), ("f64",), [("$a", "f64")],
     ["(local.set $a (struct.get $shape $area (local.get $p0)))",
      "(if (f64.eq (local.get $a) (f64.const 0))",
      "  (then",
      "    (local.set $a (call $shape_area_virtual (local.get $p0)))",
      "    (struct.set $shape $area (local.get $p0) (local.get $a))))",
      "(local.get $a)"]),
    ("$circle_new", None, ("f64",), ("(ref $circle)",), [],
     ["(struct.new $circle (global.get $vt_circle) (f64.const 0) (local.get $p0))"]),
    ("$rect_new", None, ("f64", "f64"), ("(ref $rect)",), [],
     ["(struct.new $rect (global.get $vt_rect) (f64.const 0) (local.get $p0) (local.get $p1))"]),
    ("$box_i31", None, ("i32",), ("i31ref",), [],
     ["(ref.i31 (local.get $p0))"]),
    ("$i31_add", None, ("i31ref", "i31ref"), ("i31ref",), [],
     ["(ref.i31 (i32.add (i31.get_s (local.get $p0)) (i31.get_u (local.get $p1))))"]),
    ("$unbox", None, ("anyref",), ("i32",), [],
     ["(if (result i32) (ref.test (ref i31) (local.get $p0))",
      "  (then (i31.get_s (ref.cast (ref i31) (local.get $p0))))",
      "  (else",
      "    (if (result i32) (ref.test (ref $obj) (local.get $p0))",
      "      (then (struct.get $obj $hash (ref.cast (ref $obj) (local.get $p0))))",
      "      (else (throw $e_code (i32.const 2))))))"]),
    ("$box_any", None, ("anyref",), ("(ref $box)",), [],
     ["(struct.new $box (local.get $p0))"]),
    ("$any_kind", None, ("anyref",), ("i32",), [],
     ["(drop (block $is_i31 (result (ref i31))",
      "  (drop (block $is_obj (result (ref $obj))",
      "    (drop (block $is_shape (result (ref $shape))",
      "      (drop (block $is_array (result (ref array))",
      "        local.get $p0",
      "        br_on_cast $is_i31 anyref (ref i31)",
      "        br_on_cast $is_obj anyref (ref $obj)",
      "        br_on_cast $is_shape anyref (ref $shape)",
      "        br_on_cast $is_array anyref (ref array)",
      "        drop",
      "        (return (i32.const 0))))",
      "      (return (i32.const 4))))",
      "    (return (i32.const 3))))",
      "  (return (i32.const 2))))",
      "(i32.const 1)"]),
    ("$eq_any", None, ("anyref", "anyref"), ("i32",), [],
     ["(ref.eq (ref.cast eqref (local.get $p0)) (ref.cast eqref (local.get $p1)))"]),
    ("$ints_new", None, ("i32", "i32"), ("(ref $ints)",), [],
     ["(array.new $ints (local.get $p1) (i32.and (local.get $p0) (i32.const 255)))"]),
    ("$ints_sum", None, ("(ref null $ints)",), ("i32",),
     [("$i", "i32"), ("$acc", "i32"), ("$n", "i32")],
     ["(local.set $n (array.len (local.get $p0)))",
      "(block $done",
      "  (loop $next",
      "    (br_if $done (i32.ge_u (local.get $i) (local.get $n)))",
      "    (local.set $acc (i32.add (local.get $acc)",
      "      (array.get $ints (local.get $p0) (local.get $i))))",
      "    (local.set $i (i32.add (local.get $i) (i32.const 1)))",
      "    (br $next)))",
      "(local.get $acc)"]),
    ("$bytes_hash", None, ("(ref null $bytes)",), ("i32",), [("$i", "i32"), ("$h", "i32")],
     ["(local.set $h (i32.const 5381))",
      "(block $done",
      "  (loop $next",
      "    (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $p0))))",
      "    (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 33))",
      "      (array.get_u $bytes (local.get $p0) (local.get $i))))",
      "    (local.set $i (i32.add (local.get $i) (i32.const 1)))",
      "    (br $next)))",
      "(local.get $h)"]),
    ("$list_new", None, ("i32",), ("(ref $list)",), [],
     ["(struct.new $list (array.new_default $objs (local.get $p0)) (i32.const 0))"]),
    ("$ilist_new", None, ("i32",), ("(ref $ilist)",), [],
     ["(struct.new $ilist (array.new_default $objs (i32.const 8)) (i32.const 0)",
      "  (array.new $ints (i32.const 0) (local.get $p0)))"]),
    ("$list_push", None, ("(ref null $list)", "(ref null $obj)"), (),
     [("$items", "(ref null $objs)"), ("$len", "i32"), ("$bigger", "(ref null $objs)")],
     ["(local.set $items (struct.get $list $items (local.get $p0)))",
      "(local.set $len (struct.get $list $len (local.get $p0)))",
      "(if (i32.ge_u (local.get $len) (array.len (local.get $items)))",
      "  (then",
      "    (local.set $bigger (array.new_default $objs",
      "      (i32.add (i32.shl (local.get $len) (i32.const 1)) (i32.const 4))))",
      "    (array.copy $objs $objs (local.get $bigger) (i32.const 0)",
      "      (local.get $items) (i32.const 0) (local.get $len))",
      "    (struct.set $list $items (local.get $p0) (local.get $bigger))",
      "    (local.set $items (local.get $bigger))))",
      "(array.set $objs (local.get $items) (local.get $len) (local.get $p1))",
      "(struct.set $list $len (local.get $p0) (i32.add (local.get $len) (i32.const 1)))"]),
    ("$list_get", None, ("(ref null $list)", "i32"), ("(ref null $obj)",), [],
     ["(if (i32.ge_u (local.get $p1) (struct.get $list $len (local.get $p0)))",
      "  (then (throw $e_code (local.get $p1))))",
      "(array.get $objs (struct.get $list $items (local.get $p0)) (local.get $p1))"]),
    ("$apply", None, ("(ref null $fty_i32)", "i32"), ("i32",), [],
     ["(call_ref $fty_i32 (local.get $p1) (local.get $p0))"]),
    ("$closure_new", None, ("i32",), ("(ref $closure)",), [],
     ["(struct.new $closure (ref.func $add1) (local.get $p0))"]),
    ("$closure_call", None, ("(ref null $closure)", "i32"), ("i32",), [],
     ["(i32.add (struct.get $closure $env (local.get $p0))",
      "  (call_ref $fty_i32 (local.get $p1) (struct.get $closure $fn (local.get $p0))))"]),
    ("$table_apply", None, ("i32", "i32"), ("i32",), [],
     ["(call_ref $fty_i32 (local.get $p1)",
      "  (ref.cast (ref $fty_i32) (table.get $tbl (i32.and (local.get $p0) (i32.const 63)))))"]),
    ("$checked_div", None, ("i32", "i32"), ("i32",), [],
     ["(if (i32.eqz (local.get $p1))",
      "  (then (throw $e_code (i32.const 22))))",
      "(i32.div_s (local.get $p0) (local.get $p1))"]),
    ("$try_div", None, ("i32", "i32"), ("i32",), [("$code", "i32")],
     ["(block $fail (result i32)",
      "  (return (try_table (result i32) (catch $e_code $fail)",
      "    (call $checked_div (local.get $p0) (local.get $p1)))))",
      "(local.set $code)",
      "(i32.sub (i32.const 0) (local.get $code))"]),
    ("$fail_obj", None, ("(ref null $obj)",), (), [],
     ["(throw $e_obj (local.get $p0))"]),
    ("$pair_fail", None, ("i32", "i64"), (), [],
     ["(throw $e_pair (local.get $p0) (local.get $p1))"]),
    ("$pair_sum", None, ("i32", "i64"), ("i64",), [("$c", "i32"), ("$v", "i64")],
     ["(block $h (result i32 i64)",
      "  (try_table (catch $e_pair $h)",
      "    (if (i32.lt_s (local.get $p0) (i32.const 0))",
      "      (then (call $pair_fail (local.get $p0) (local.get $p1)))))",
      "  (return (i64.const 0)))",
      "(local.set $v)",
      "(local.set $c)",
      "(i64.add (i64.extend_i32_s (local.get $c)) (local.get $v))"]),
    ("$guarded_hash", None, ("(ref null $obj)",), ("i32",),
     [("$exn", "exnref"), ("$o", "(ref null $obj)")],
     ["(block $other",
      "  (block $h (result (ref null $obj) exnref)",
      "    (return (try_table (result i32) (catch_ref $e_obj $h) (catch_all $other)",
      "      (if (ref.test (ref $leaf) (local.get $p0))",
      "        (then (call $fail_obj (local.get $p0))))",
      "      (call $obj_rehash (local.get $p0)))))",
      "  (local.set $exn)",
      "  (local.set $o)",
      "  (if (ref.eq (local.get $o) (local.get $p0))",
      "    (then (throw_ref (local.get $exn))))",
      "  (return (i32.const -2)))",
      "(i32.const -1)"]),
    ("$rethrow_unless", None, ("i32",), ("i32",), [("$exn", "exnref")],
     ["(block $h (result exnref)",
      "  (return (try_table (result i32) (catch_all_ref $h)",
      "    (call $checked_div (i32.const 1000) (local.get $p0)))))",
      "(local.set $exn)",
      "(if (i32.eqz (local.get $p0))",
      "  (then (throw_ref (local.get $exn))))",
      "(i32.const 0)"]),
    ("$abort_if", None, ("i32",), (), [],
     ["(if (local.get $p0) (then (throw $e_abort)))"]),
    ("$point_dist2", None, ("(ref null $point)",), ("i32",), [],
     ["(i32.add",
      "  (i32.mul (struct.get $point $x (local.get $p0)) (struct.get $point $x (local.get $p0)))",
      "  (i32.mul (struct.get $point $y (local.get $p0)) (struct.get $point $y (local.get $p0))))"]),
]

# Templates also placed in the funcref table (at indices 0, 1, 2).
TABLE_TEMPLATES = ("$add1", "$twice", "$negate")
EXPORT_TEMPLATES = ("$node_sum", "$shape_area", "$list_push", "$guarded_hash", "$unbox")

# Reference globals: (name, type, mutable, init).
REF_GLOBALS = [
    ("$g_root", "(ref null $node)", True, "(ref.null $node)"),
    ("$g_origin", "(ref $point)", False, "(struct.new $point (i32.const 0) (i32.const 0))"),
    ("$g_scratch", "(ref null $ints)", True, "(array.new_default $ints (i32.const 16))"),
    ("$g_any", "anyref", True, "(ref.null any)"),
    ("$g_small", "i31ref", False, "(ref.i31 (i32.const 42))"),
    ("$g_inc", "(ref $fty_i32)", False, "(ref.func $add1)"),
    ("$vt_circle", "(ref $vtable)", False,
     "(struct.new $vtable (ref.func $circle_area) (ref.null $bytes))"),
    ("$vt_rect", "(ref $vtable)", False,
     "(struct.new $vtable (ref.func $rect_area) (array.new_fixed $bytes 4 (i32.const 114) "
     "(i32.const 101) (i32.const 99) (i32.const 116)))"),
    ("$g_list", "(ref null $list)", True, "(ref.null $list)"),
    ("$g_handler", "(ref null $fty_obj)", True, "(ref.func $obj_hash)"),
]


class GcModule(W.Module):
    """A `wat_gen.Module` with the GC type universe, tags, ref globals and templates."""

    def __init__(self, rng, profile=None, memory_pages=1):
        super().__init__(rng, profile or W.Profile(), memory_pages)
        self.typed = {t: [] for t in FUNC_TYPES}   # func type -> functions declared with it
        self.declared = []                          # `(elem declare func ...)`

    def random_sig(self):
        r = self.r

        def param():
            if r.random() < 0.4:
                return r.choice(REF_PARAMS)
            return r.choice(("i32", "i32", "i32", "i64", "i64", "f32", "f64"))

        params = tuple(param() for _ in range(r.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))))
        roll = r.random()
        if roll < 0.2:
            results = ()
        elif roll < 0.6:
            results = (r.choice(("i32", "i32", "i32", "i64", "f32", "f64")),)
        elif roll < 0.9:
            results = (r.choice(REF_RESULTS),)
        else:
            # Multi-value results get a `(type $t_...)` named after numeric types.
            params = tuple(p if p in NUM else "i32" for p in params)
            results = tuple(r.choice(("i32", "i64", "f32", "f64")) for _ in range(2))
        return params, results

    def add_ref_globals(self):
        for name, ty, mutable, init in REF_GLOBALS:
            self.globals.append((name, ty, mutable, init))

    def add_templates(self):
        for name, ftype, params, results, locals_, body in TEMPLATES:
            head = "  (func %s" % name
            if ftype:
                head += " (type %s)" % ftype
            tu = W.typeuse(params, results)
            if tu:
                head += " " + tu
            lines = [head]
            if locals_:
                lines.append("    " + " ".join("(local %s %s)" % lt for lt in locals_))
            lines += indent(body, 4)
            lines[-1] += ")"
            self.add_func_text(name, params, results, "\n".join(lines))
            if ftype:
                self.typed[ftype].append(name)
                self.declared.append(name)
            if name in TABLE_TEMPLATES:
                self.table_funcs.append(name)
            if name in EXPORT_TEMPLATES:
                self.export_func(name[1:], name)

    def add_gc_func(self, name, params=None, results=None, ftype=None, payload=None,
                    nest_levels=3, min_stmts=1, max_stmts=3, depth=None):
        """One random GC-flavoured function (optionally hiding `payload`)."""
        r = self.r
        if ftype is not None:
            params, results = FUNC_TYPES[ftype]
        elif params is None:
            params, results = self.random_sig()
        if depth is None:
            depth = r.choice((1, 1, 2))
        fg = GcFuncGen(self, r, params, results, n_locals=r.randint(0, 3),
                       n_ref_locals=r.randint(0, 2))
        fg.ftype = ftype
        body = fg.body(payload=payload, nest_levels=nest_levels,
                       min_stmts=min_stmts, max_stmts=max_stmts, depth=depth)
        self.add_func_text(name, params, results, fg.render(name, body))
        if ftype is not None:
            self.typed[ftype].append(name)
            self.declared.append(name)
        if len(self.table_funcs) < W.TABLE_SIZE and r.random() < 0.12:
            self.table_funcs.append(name)
        if r.random() < 0.06:
            self.export_func(name[1:], name)
        return fg

    def render(self):
        out = list(self.header)
        out.append("(module")
        out += indent(type_lines(), 2)
        for name, params, results in self.types:
            tu = W.typeuse(params, results, names=False)
            out.append("  (type %s (func%s))" % (name, (" " + tu) if tu else ""))
        for line in self.imports:
            out.append("  " + line)
        if self.memory_pages is not None:
            out.append("  (memory %d)" % self.memory_pages)
        out.append("  (table $tbl %d funcref)" % W.TABLE_SIZE)
        for name, params in TAGS:
            out.append("  (tag %s%s)" % (name, (" (param %s)" % " ".join(params))
                                         if params else ""))
        for name, ty, mutable, init in self.globals:
            if init is None:
                continue
            t = "(mut %s)" % ty if mutable else ty
            out.append("  (global %s %s %s)" % (name, t, init))
        for _, text in self.funcs:
            out.append(text)
        if self.table_funcs:
            out.append("  (elem (i32.const 0) func %s)" % " ".join(self.table_funcs))
        if self.declared:
            out.append("  (elem declare func %s)" % " ".join(self.declared))
        for line in self.data:
            out.append("  " + line)
        if self.memory_pages is not None:
            out.append('  (export "memory" (memory 0))')
        for line in self.exports:
            out.append("  " + line)
        out[-1] += ")"
        return "\n".join(out) + "\n"


class GcFuncGen(W.FuncGen):
    """`wat_gen.FuncGen` whose filler also uses GC references and exceptions."""

    GC_STMT_SHARE = 0.45

    def __init__(self, mod, rng, params, results, n_locals=2, n_ref_locals=1):
        super().__init__(mod, rng, params, results, n_locals=n_locals)
        for _ in range(n_ref_locals):
            self.locals.append(("$l%d" % len(self.locals), rng.choice(REF_LOCALS)))
        self.ftype = None

    # -- helpers -----------------------------------------------------------------------
    def ref_vars(self, ty):
        return [n for n, t in self.params + self.locals if is_ref(t) and subtype(t, ty)]

    def ref_globals(self, ty):
        return [n for n, t, _ in self.globals if is_ref(t) and subtype(t, ty)]

    def ref_writable(self):
        pool = self.locals if self.guarded else self.params + self.locals
        return [(n, t) for n, t in pool if is_ref(t)]

    def small_len(self, d):
        if d > 0 and self.r.random() < 0.4:
            return "(i32.and %s (i32.const 15))" % self.expr("i32", d - 1)
        return "(i32.const %d)" % self.r.randint(0, 16)

    def index(self, d):
        if d > 0 and self.r.random() < 0.5:
            return "(i32.and %s (i32.const 7))" % self.expr("i32", d - 1)
        return "(i32.const %d)" % self.r.randint(0, 7)

    def sink(self, ty, text):
        """Statement that stores `text` (of type `ty`) into a local or drops it."""
        vs = self.writable_of(ty)
        if vs and self.r.random() < 0.6:
            return "(local.set %s %s)" % (self.r.choice(vs), text)
        return "(drop %s)" % text

    # -- expressions -------------------------------------------------------------------
    def expr(self, ty, d):
        if ty in NUM:
            return super().expr(ty, d)
        return self.ref_expr(ty, d)

    def expr_gens(self, ty):
        gens = super().expr_gens(ty)
        if numeric_fields(ty):
            gens += [(4, self.g_struct_get), (1, self.g_br_on_cast)]
        if ty == "i32":
            gens += [(1, self.g_array_len), (2, self.g_array_get), (2, self.g_ref_test),
                     (1, self.g_is_null), (1, self.g_ref_eq), (1, self.g_i31_get),
                     (2, self.g_call_ref), (2, self.g_try)]
        if ty in ("i64", "f64"):
            gens += [(1, self.g_try)]
        if ty == "f64":
            gens += [(1, self.g_call_ref)]
        return gens

    def g_struct_get(self, ty, d):
        s, f = self.r.choice(numeric_fields(ty))
        return "(struct.get %s %s %s)" % (s, f, self.ref_expr(ref_type(True, s), d))

    def g_br_on_cast(self, ty, d):
        r = self.r
        s, f = r.choice(numeric_fields(ty))
        src = ref_type(True, r.choice(ancestors(s)))
        bx, by = self.new_label(), self.new_label()
        if r.random() < 0.6:
            return ("(block %s (result %s) (struct.get %s %s (block %s (result (ref %s)) "
                    "(drop (br_on_cast %s %s (ref %s) %s)) (br %s %s))))") % (
                bx, ty, s, f, by, s, by, src, s, self.ref_expr(src, d), bx, self.expr(ty, d))
        return ("(block %s (result %s) (drop (block %s (result %s) (br %s (struct.get %s %s "
                "(br_on_cast_fail %s %s (ref %s) %s))))) %s)") % (
            bx, ty, by, src, bx, s, f, by, src, s, self.ref_expr(src, d), self.expr(ty, d))

    def g_array_len(self, ty, d):
        t = self.r.choice(("arrayref", "(ref null $ints)", "(ref null $objs)", "(ref null $bytes)"))
        return "(array.len %s)" % self.ref_expr(t, d)

    def g_array_get(self, ty, d):
        if self.r.random() < 0.7:
            return "(array.get $ints %s %s)" % (self.ref_expr("(ref null $ints)", d), self.index(d))
        return "(array.get_%s $bytes %s %s)" % (self.r.choice("su"),
                                                self.ref_expr("(ref null $bytes)", d),
                                                self.index(d))

    def g_ref_test(self, ty, d):
        r = self.r
        target = r.choice(("i31", "$obj", "$node", "$leaf", "$shape", "$circle", "$rect",
                           "$ints", "$list", "$ilist", "struct", "array"))
        src = ref_type(True, r.choice(ancestors(target)))
        return "(ref.test %s %s)" % (ref_type(r.random() < 0.3, target), self.ref_expr(src, d))

    def g_is_null(self, ty, d):
        t = self.r.choice(("anyref", "(ref null $obj)", "(ref null $node)", "(ref null $list)",
                           "(ref null $shape)", "(ref null $fty_i32)"))
        return "(ref.is_null %s)" % self.ref_expr(t, d)

    def g_ref_eq(self, ty, d):
        t = self.r.choice(("eqref", "(ref null $obj)", "(ref null $shape)"))
        return "(ref.eq %s %s)" % (self.ref_expr(t, d), self.ref_expr(t, d))

    def g_i31_get(self, ty, d):
        return "(i31.get_%s %s)" % (self.r.choice("su"), self.ref_expr("i31ref", d))

    def g_call_ref(self, ty, d):
        r = self.r
        if ty == "f64":
            ft = "$shape_fn"
        else:
            ft = r.choice(("$fty_i32", "$fty_i32", "$fty_obj"))
        params, _ = FUNC_TYPES[ft]
        args = " ".join(self.expr(t, min(d, 1)) for t in params)
        return "(call_ref %s %s %s)" % (ft, args, self.ref_expr(ref_type(True, ft), d))

    def g_try(self, ty, d):
        bo = self.new_label()
        if ty == "i32" and self.r.random() < 0.7:
            return "(block %s (result i32) (try_table (result i32) (catch $e_code %s) %s))" % (
                bo, bo, self.expr(ty, d))
        bh = self.new_label()
        return ("(block %s (result %s) (block %s (br %s (try_table (result %s) (catch_all %s) "
                "%s))) %s)") % (bo, ty, bh, bo, ty, bh, self.expr(ty, d), self.expr(ty, d))

    # -- reference expressions ---------------------------------------------------------
    def ref_expr(self, ty, d):
        r = self.r
        nullable, heap = parse_ref(ty)
        top = top_of(heap)
        vs, gs = self.ref_vars(ty), self.ref_globals(ty)
        leaves = []
        if nullable:
            leaves.append((1, "null"))
        if vs:
            leaves.append((5, "var"))
        if gs:
            leaves.append((1, "global"))
        builders = []
        ctors = [c for c in list(STRUCTS) + list(ARRAYS) if heap_sub(c, heap)]
        if ctors:
            builders.append((3, "new"))
        if heap_sub("i31", heap):
            builders.append((2, "i31"))
        fns = [f for t in FUNC_TYPES if heap_sub(t, heap) for f in self.m.typed[t]]
        if heap == "func":
            fns += self.m.table_funcs
        if fns:
            builders.append((2, "func"))
        if d <= 0 or r.random() < 0.3:
            opts = leaves if vs else leaves + [(1, b) for _, b in builders]
        else:
            opts = leaves + builders
            calls = [c for c in self.callees
                     if len(c[2]) == 1 and is_ref(c[2][0]) and subtype(c[2][0], ty)]
            if calls:
                opts.append((2, "call"))
            if top == "any" and heap != "any":
                opts.append((2, "cast"))
            if top == "func":
                opts.append((1, "table"))
            fields = [(s, f) for s, f, st, _ in ALL_FIELDS if is_ref(st) and subtype(st, ty)]
            if fields:
                opts.append((1, "field"))
            if subtype("(ref null $obj)", ty):
                opts.append((1, "aget"))
            opts += [(1, "select"), (1, "if")]
            if not nullable:
                opts.append((1, "nonnull"))
            if [v for v, t in self.ref_writable() if subtype(t, ty)]:
                opts.append((1, "tee"))
        assert opts, ty
        kind = self.pick(opts)
        dd = max(d - 1, 0)
        if kind == "null":
            return "(ref.null %s)" % heap
        if kind == "var":
            return "(local.get %s)" % r.choice(vs)
        if kind == "global":
            return "(global.get %s)" % r.choice(gs)
        if kind == "new":
            return self.construct(r.choice(ctors), dd)
        if kind == "i31":
            return "(ref.i31 %s)" % self.expr("i32", dd)
        if kind == "func":
            return "(ref.func %s)" % r.choice(fns)
        if kind == "call":
            return self.call(r.choice(calls), dd)
        if kind == "cast":
            targets = [heap] + [c for c in list(STRUCTS) + list(ARRAYS)
                                if heap_sub(c, heap) and c != heap]
            target = r.choice(targets) if r.random() < 0.3 else heap
            cast = ref_type(nullable and r.random() < 0.5, target)
            # Prefer a real downcast of a variable of a supertype.
            down = [v for v, t in self.params + self.locals
                    if is_ref(t) and parse_ref(t)[1] in ancestors(target)]
            if down and r.random() < 0.7:
                return "(ref.cast %s (local.get %s))" % (cast, r.choice(down))
            src = ref_type(True, r.choice(ancestors(target)))
            return "(ref.cast %s %s)" % (cast, self.ref_expr(src, dd))
        if kind == "table":
            idx = "(i32.const %d)" % r.randrange(W.TABLE_SIZE)
            if heap == "func":
                got = "(table.get $tbl %s)" % idx
                return got if nullable else "(ref.as_non_null %s)" % got
            return "(ref.cast %s (table.get $tbl %s))" % (ref_type(False, heap), idx)
        if kind == "field":
            s, f = r.choice(fields)
            return "(struct.get %s %s %s)" % (s, f, self.ref_expr(ref_type(True, s), dd))
        if kind == "aget":
            return "(array.get $objs %s %s)" % (self.ref_expr("(ref null $objs)", dd),
                                               self.index(dd))
        if kind == "select":
            return "(select (result %s) %s %s %s)" % (ty, self.ref_expr(ty, dd),
                                                      self.ref_expr(ty, dd), self.cond(dd))
        if kind == "if":
            return "(if (result %s) %s (then %s) (else %s))" % (
                ty, self.cond(dd), self.ref_expr(ty, dd), self.ref_expr(ty, dd))
        if kind == "nonnull":
            return "(ref.as_non_null %s)" % self.ref_expr(ref_type(True, heap), dd)
        v, t = r.choice([(v, t) for v, t in self.ref_writable() if subtype(t, ty)])
        return "(local.tee %s %s)" % (v, self.ref_expr(t, dd))

    def construct(self, c, d):
        r = self.r
        if c in STRUCTS:
            fields = STRUCTS[c]
            if all(defaultable(st) for _, st, _ in fields) and r.random() < 0.2:
                return "(struct.new_default %s)" % c
            args = " ".join(self.expr(unpack(st), d) for _, st, _ in fields)
            return "(struct.new %s %s)" % (c, args)
        elem = unpack(ARRAYS[c])
        roll = r.random()
        if c == "$bytes" and self.m.passive and roll < 0.3:
            name, length = self.m.passive[0]
            off = r.randint(0, length)
            return "(array.new_data $bytes %s (i32.const %d) (i32.const %d))" % (
                name, off, r.randint(0, length - off))
        if roll < 0.4:
            return "(array.new_default %s %s)" % (c, self.small_len(d))
        if roll < 0.7:
            return "(array.new %s %s %s)" % (c, self.expr(elem, d), self.small_len(d))
        n = r.randint(1, 3)
        return "(array.new_fixed %s %d %s)" % (c, n, " ".join(self.expr(elem, d)
                                                              for _ in range(n)))

    # -- calls: call_indirect keeps to numeric signatures (named `$t_...` types) -------
    def numeric_callees(self):
        return [c for c in self.callees if all(t in NUM for t in c[1] + c[2])]

    def s_call_indirect(self, d):
        cs = self.numeric_callees()
        if cs and self.r.random() < 0.7:
            _, params, results = self.r.choice(cs)
        else:
            params, results = ("i32",), ()
        return self.consume(self.call_indirect(params, results, d), results)

    def g_call_indirect(self, ty, d):
        cs = [c for c in self.numeric_callees() if c[2] == (ty,)]
        params = self.r.choice(cs)[1] if cs else ("i32",)
        return self.call_indirect(params, (ty,), d)

    # -- statements --------------------------------------------------------------------
    def stmt(self, d):
        if self.r.random() < self.GC_STMT_SHARE:
            gens = [(3, self.s_struct_set), (2, self.s_array_set), (1, self.s_array_bulk),
                    (3, self.s_ref_set), (1, self.s_br_on_null)]
            if not self.guarded:
                gens.append((1, self.s_throw))
            if d > 0:
                gens.append((3, self.s_try))
            out = self.pick(gens)(max(d - 1, 0))
            if out is not None:
                return out
        return super().stmt(d)

    def s_struct_set(self, d):
        s, f, st, _ = self.r.choice([x for x in ALL_FIELDS if x[3]])
        return ["(struct.set %s %s %s %s)" % (s, f, self.ref_expr(ref_type(True, s), d),
                                              self.expr(unpack(st), d))]

    def s_array_set(self, d):
        c = self.r.choice(("$ints", "$ints", "$bytes", "$objs"))
        return ["(array.set %s %s %s %s)" % (c, self.ref_expr(ref_type(True, c), d),
                                             self.index(d), self.expr(unpack(ARRAYS[c]), d))]

    def s_array_bulk(self, d):
        r = self.r
        c = r.choice(("$ints", "$bytes", "$objs"))
        a = self.ref_expr(ref_type(True, c), d)
        if r.random() < 0.5:
            return ["(array.fill %s %s %s %s %s)" % (c, a, self.index(0),
                                                     self.expr(unpack(ARRAYS[c]), d),
                                                     self.small_len(0))]
        return ["(array.copy %s %s %s %s %s %s %s)" % (
            c, c, a, self.index(0), self.ref_expr(ref_type(True, c), d), self.index(0),
            self.small_len(0))]

    def s_ref_set(self, d):
        ws = self.ref_writable()
        if not ws:
            return None
        v, t = self.r.choice(ws)
        return ["(local.set %s %s)" % (v, self.ref_expr(t, self.edepth(d)))]

    def s_br_on_null(self, d):
        r = self.r
        ty = r.choice(("i32", "i64", "f64"))
        s, f = r.choice(numeric_fields(ty))
        lab = self.new_label()
        got = "(struct.get %s %s (br_on_null %s %s))" % (s, f, lab,
                                                       self.ref_expr(ref_type(True, s), d))
        return ["(block %s" % lab, "  %s)" % self.sink(ty, got)]

    def s_throw(self, d):
        tag, params = self.r.choice(TAGS)
        args = "".join(" " + self.expr(t, d) for t in params)
        return ["(if %s" % self.cond(d), "  (then (throw %s%s)))" % (tag, args)]

    def s_try(self, d):
        r = self.r
        variant = r.choice(("code", "code", "pair", "ref", "all_ref", "obj"))
        bd, bh = self.new_label(), self.new_label()
        catch_all = r.random() < 0.4
        self.labels.append(bd)
        body = self.stmts(r.randint(1, 3), d)
        self.labels.pop()
        extra = " (catch_all %s)" % bd if catch_all else ""
        if variant == "code":
            head = "(try_table (catch $e_code %s)%s" % (bh, extra)
            inner = ["(block %s (result i32)" % bh, "  " + head]
            inner += indent(body, 4, close=True)
            inner.append("  %s)" % self.expr("i32", d))
            vs = self.writable_of("i32")
            if vs and r.random() < 0.7:
                wrapped = ["(local.set %s" % r.choice(vs)] + indent(inner, 2, close=True)
            else:
                wrapped = ["(drop"] + indent(inner, 2, close=True)
            return ["(block %s" % bd] + indent(wrapped, 2, close=True)
        if variant == "obj":
            head = "(try_table (catch $e_obj %s)%s" % (bh, extra)
            inner = ["(block %s (result (ref null $obj))" % bh, "  " + head]
            inner += indent(body, 4, close=True)
            inner.append("  (br %s))" % bd)
            obj = self.local_of("(ref null $obj)")
            out = ["(local.set %s" % obj] + indent(inner, 2, close=True)
            out += self.stmts(1, 0)
            return ["(block %s" % bd] + indent(out, 2, close=True)
        if variant == "pair":
            labels = "(result i32 i64)"
            head = "(try_table (catch $e_pair %s)%s" % (bh, extra)
        elif variant == "ref":
            labels = "(result (ref null $obj) exnref)"
            head = "(try_table (catch_ref $e_obj %s)%s" % (bh, extra)
        else:
            labels = "(result exnref)"
            head = "(try_table (catch_all_ref %s)" % bh
        inner = ["(block %s %s" % (bh, labels), "  " + head]
        inner += indent(body, 4, close=True)
        inner.append("  (br %s))" % bd)
        out = list(inner)
        if variant == "pair":
            out.append("(local.set %s)" % self.local_of("i64"))
            out.append("(local.set %s)" % self.local_of("i32"))
        else:
            exn = self.local_of("exnref")
            out.append("(local.set %s)" % exn)
            if variant == "ref":
                out.append("(drop)" if r.random() < 0.5
                           else "(local.set %s)" % self.local_of("(ref null $obj)"))
            if not self.guarded:
                out += ["(if %s" % self.cond(0),
                        "  (then (throw_ref (local.get %s))))" % exn]
        out += self.stmts(r.randint(0, 1), 0)
        return ["(block %s" % bd] + indent(out, 2, close=True)

    # -- rendering ---------------------------------------------------------------------
    def render(self, name, body_lines):
        text = super().render(name, body_lines)
        if self.ftype is not None:
            text = text.replace("  (func %s" % name,
                                "  (func %s (type %s)" % (name, self.ftype), 1)
        return text


def build(rng, functions, header, culprit=None, payload=None, payload_sig=None,
          nest_levels=3):
    """A GC + EH module with `functions` defined functions.

    The hand-written templates come first; the rest are random `GcFuncGen`
    functions, about one in ten declared with one of the `FUNC_TYPES` (so
    `ref.func` / `call_ref` have targets).  If `culprit` is given, defined
    function number `culprit` hides `payload` `nest_levels` structures deep.
    """
    if functions <= len(TEMPLATES):
        raise SystemExit("--functions must be more than %d" % len(TEMPLATES))
    if culprit is not None and culprit < len(TEMPLATES):
        raise SystemExit("the culprit must come after the %d templates" % len(TEMPLATES))
    m = GcModule(rng, W.Profile())
    m.header += header
    m.add_standard_prelude()
    m.add_ref_globals()
    m.add_templates()
    ftypes = list(FUNC_TYPES)
    for i in range(len(TEMPLATES), functions):
        name = "$f%d" % i
        if i == culprit:
            params, results = payload_sig
            m.add_gc_func(name, params=params, results=results, payload=payload,
                          nest_levels=nest_levels, min_stmts=2, max_stmts=3, depth=2)
        elif rng.random() < 0.1:
            m.add_gc_func(name, ftype=rng.choice(ftypes))
        else:
            m.add_gc_func(name)
    return m
