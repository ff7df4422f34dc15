//! Every proposal Wasmtime compiles parses, rewrites and reduces: a module
//! leaning on one proposal hides a SIMD instruction, compiled with SIMD
//! off, and must reduce (through the real binary) to that instruction
//! alone. GC and exception handling have their own corpus cases
//! (`corpora/gc-eh-simd`, `corpora/gc-winch`).

mod util;

use util::*;

const NO_SIMD: &[&str] = &["-W", "simd=n,relaxed-simd=n"];

const SPLAT_UNREACHABLE: &str = "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0)\n    i32.const 0\n    i32x4.splat\n    unreachable\n  )\n)\n";
const SPLAT_DROP: &str = "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0)\n    i32.const 0\n    i32x4.splat\n    drop\n  )\n)\n";

fn reduces_to(wat: &str, flags: &[&str], expected: &str) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bug.wat"), wat).unwrap();
    // Valid, and compiles with Wasmtime's defaults: only the flags break it.
    whittle_in(tmp.path())
        .args(["check", "bug.wat", "-q"])
        .exits(1);
    whittle_in(tmp.path())
        .args(["reduce", "bug.wat", "-o", "min.wasm", "-q"])
        .args(flags)
        .exits(0);
    assert_eq!(wat_of(&tmp.path().join("min.wasm")), expected);
}

#[test]
fn multi_value() {
    reduces_to(
        r#"(module
  (func $pair (param i32) (result i32 i64) local.get 0 i64.const 2)
  (func (export "f") (param i32) (result i32)
    local.get 0 call $pair
    block (param i32 i64) (result i32) drop i32x4.splat i32x4.extract_lane 0 end))"#,
        NO_SIMD,
        SPLAT_UNREACHABLE,
    );
}

#[test]
fn reference_types() {
    reduces_to(
        r#"(module
  (table $t 2 externref)
  (table $f 2 funcref)
  (func $id (param externref) (result externref) local.get 0)
  (func (export "f") (param externref i32) (result i32)
    i32.const 0 local.get 0 call $id table.set $t
    i32.const 1 ref.null func table.set $f
    local.get 0 ref.is_null
    local.get 1 i32x4.splat i32x4.extract_lane 0
    i32.add))"#,
        NO_SIMD,
        SPLAT_DROP,
    );
}

#[test]
fn bulk_memory() {
    reduces_to(
        r#"(module
  (memory 1)
  (data $d "abcdef")
  (table 4 funcref)
  (elem $e func $g)
  (func $g)
  (func (export "f") (param i32) (result i32)
    i32.const 0 i32.const 0 i32.const 4 memory.init $d
    data.drop $d
    i32.const 8 i32.const 0 i32.const 4 memory.copy
    i32.const 0 i32.const 0 i32.const 1 table.init $e
    elem.drop $e
    i32.const 16 i32.const 7 i32.const 3 memory.fill
    local.get 0 i32x4.splat i32x4.extract_lane 0))"#,
        NO_SIMD,
        SPLAT_UNREACHABLE,
    );
}

#[test]
fn threads_and_shared_memory() {
    reduces_to(
        r#"(module
  (memory 1 2 shared)
  (func (export "f") (param i32) (result i32)
    local.get 0 i32.const 1 i32.atomic.rmw.add
    i32.const 0 i32.const 5 i64.const -1 memory.atomic.wait32 drop
    atomic.fence
    local.get 0 i32x4.splat i32x4.extract_lane 0 i32.add))"#,
        NO_SIMD,
        SPLAT_DROP,
    );
}

#[test]
fn memory64_and_multi_memory() {
    reduces_to(
        r#"(module
  (memory $a i64 1)
  (memory $b 1)
  (func (export "f") (param i64) (result i32)
    local.get 0 i32.load $a
    i32.const 0 i32.load $b
    i32.add
    i32x4.splat i32x4.extract_lane 0))"#,
        NO_SIMD,
        SPLAT_UNREACHABLE,
    );
}

#[test]
fn tail_calls() {
    reduces_to(
        r#"(module
  (type $t (func (param i32) (result i32)))
  (table 1 funcref) (elem (i32.const 0) $g)
  (func $g (type $t) local.get 0 i32x4.splat i32x4.extract_lane 0)
  (func $f (export "f") (type $t) local.get 0 i32.const 0 return_call_indirect (type $t))
  (func $h (type $t) local.get 0 return_call $g))"#,
        NO_SIMD,
        SPLAT_UNREACHABLE,
    );
}

#[test]
fn typed_function_references() {
    reduces_to(
        r#"(module
  (type $t (func (param i32) (result i32)))
  (elem declare func $g)
  (func $g (type $t) local.get 0 i32x4.splat i32x4.extract_lane 0)
  (func (export "f") (param i32) (result i32)
    local.get 0 ref.func $g call_ref $t)
  (func (param (ref null $t)) (result i32)
    i32.const 1 local.get 0 br_on_null 0 call_ref $t))"#,
        NO_SIMD,
        SPLAT_UNREACHABLE,
    );
}

#[test]
fn relaxed_simd() {
    reduces_to(
        r#"(module
  (func (export "f") (param f32) (result i32)
    local.get 0 f32x4.splat i32x4.relaxed_trunc_f32x4_s i32x4.extract_lane 0))"#,
        &["-W", "relaxed-simd=n"],
        "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0)\n    (local f32)\n    local.get 0\n    f32x4.splat\n    i32x4.relaxed_trunc_f32x4_s\n    unreachable\n  )\n)\n",
    );
}

/// Wasmtime 48 has no legacy exception handling: reducing what uses it
/// keeps just a `try`.
#[test]
fn legacy_exceptions() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("bug.wat"),
        r#"(module
  (tag $e (param i32))
  (func (export "f") (param i32) (result i32)
    try (result i32)
      local.get 0 throw $e
    catch $e
      i32x4.splat i32x4.extract_lane 0
    catch_all
      i32.const 0
    end))"#,
    )
    .unwrap();
    whittle_in(tmp.path())
        .args(["reduce", "bug.wat", "-o", "min.wasm", "-q"])
        .exits(0);
    assert_eq!(
        wat_of(&tmp.path().join("min.wasm")),
        "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0)\n    try (result i32) ;; label = @1\n      unreachable\n    end\n    unreachable\n  )\n)\n"
    );
}

/// A Wasm GC module as languages compile them: a vtable in a non-nullable
/// global names its methods, a helper returns a non-nullable struct, and
/// the failing function keeps a method in a `(ref $area)` local. The
/// failure names its function, and keeping that one alone is one oracle
/// call: the method the vtable needs stays (a null would not validate),
/// the call to the removed helper becomes `unreachable` (no default value
/// exists for it), and the removed method's `ref.func` becomes a null
/// asserted non-null. Before, that candidate was refused
/// without a call and `remove-functions` searched the 41 functions: 49
/// oracle calls in all at `-j 1`, now 28 (without any one of the three
/// repairs the opening is still refused).
#[test]
fn a_gc_module_s_named_function_is_kept_alone_in_one_call() {
    let fillers: String = (0..36)
        .map(|k| format!("  (func (export \"f{k}\") (result i32) i32.const {k})\n"))
        .collect();
    let wat = format!(
        r#"(module
  (type $shape (struct (field i32)))
  (type $area (func (param (ref null $shape)) (result i32)))
  (type $vtable (struct (field (ref $area))))
  (global $circle (ref $vtable) ref.func $circle_area struct.new $vtable)
  (func $circle_area (type $area) i32.const 3)
  (func $square_area (type $area) i32.const 4)
  (elem declare func $square_area)
  (func $make (param i32) (result (ref $shape)) local.get 0 struct.new $shape)
  (func (export "bug") (result i32) (local $method (ref $area))
    ref.func $square_area local.set $method
    i32.const 7 call $make struct.get $shape 0
    global.get $circle struct.get $vtable 0 drop
    i32x4.splat i32x4.extract_lane 0)
{fillers})"#
    );
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bug.wat"), wat).unwrap();
    whittle_in(tmp.path())
        .args(["reduce", "bug.wat", "-o", "min.wasm", "-q", "-j", "1"])
        .args(NO_SIMD)
        .exits(0);
    let report = json_at(tmp.path().join("min.report.json"));
    assert_eq!(
        pass_counts(&report, "isolate-culprit"),
        serde_json::json!({"candidates": 1, "oracle_calls": 1, "accepted": 1, "bytes_removed": 458})
    );
    assert_eq!(report["oracle_calls"], 28);
    // The helper's call became `unreachable`, which stays as the splat's
    // operand: one byte less than `i32.const 0`.
    assert_eq!(
        wat_of(&tmp.path().join("min.wasm")),
        "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0)\n    unreachable\n    i32x4.splat\n    unreachable\n  )\n)\n"
    );
}
