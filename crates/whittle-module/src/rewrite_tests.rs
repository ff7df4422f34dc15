//! WAT-in/WAT-out tests of the rewriter: each applies an `Edit` and checks
//! the exact printed result, which must also validate.

use crate::test_support::{applied_wat, assert_wat, module};
use crate::{apply, Edit, Retype};

fn rewrite(wat: &str, edit: &Edit) -> String {
    applied_wat(&module(wat), edit)
}

/// `wat` with `edit` applied must print as `expected` (see [`assert_wat`]).
fn assert_rewrites_to(wat: &str, edit: &Edit, expected: &str) {
    assert_wat(&rewrite(wat, edit), expected);
}

#[test]
fn removing_a_function_repairs_calls_and_renumbers_everything() {
    assert_rewrites_to(
        r#"(module
            (func $a (param i32 f32) (result i64) i64.const 7)
            (func $b (result i64) i32.const 1 f32.const 2 call $a)
            (func $c call $b drop)
            (table 2 funcref)
            (elem (i32.const 0) func $a $c)
            (export "a" (func $a))
            (export "c" (func $c))
            (start $c))"#,
        &Edit {
            remove_funcs: [0].into(),
            ..Edit::default()
        },
        r#"(module
  (type (;0;) (func (param i32 f32) (result i64)))
  (type (;1;) (func (result i64)))
  (type (;2;) (func))
  (table (;0;) 2 funcref)
  (export "c" (func $c))
  (start $c)
  (elem (;0;) (i32.const 0) funcref (ref.null func) (ref.func $c))
  (func $b (;0;) (type 1) (result i64)
    i32.const 1
    f32.const 0x1p+1 (;=2;)
    drop
    drop
    i64.const 0
  )
  (func $c (;1;) (type 2)
    call $b
    drop
  )
)"#,
    );
}

#[test]
fn trimming_results_rewrites_body_and_callers() {
    assert_rewrites_to(
        r#"(module
            (type $t (func (param i32) (result i32 i64 f32)))
            (func $f (type $t)
              local.get 0
              if
                i32.const 1 i64.const 2 f32.const 3 return
              end
              i32.const 4 i64.const 5 f32.const 6)
            (func $g (result i32) i32.const 9 call $f drop drop))"#,
        &Edit {
            retype: [(
                0,
                Retype {
                    keep_params: vec![true],
                    keep_results: vec![false, true, false],
                },
            )]
            .into(),
            ..Edit::default()
        },
        r#"(module
  (type $t (;0;) (func (param i32) (result i64)))
  (type (;1;) (func (result i32)))
  (func $f (;0;) (type $t) (param i32) (result i64)
    (local i64)
    local.get 0
    if ;; label = @1
      i32.const 1
      i64.const 2
      f32.const 0x1.8p+1 (;=3;)
      drop
      local.set 1
      drop
      local.get 1
      return
    end
    i32.const 4
    i64.const 5
    f32.const 0x1.8p+2 (;=6;)
    drop
    local.set 1
    drop
    local.get 1
  )
  (func $g (;1;) (type 1) (result i32)
    (local i64)
    i32.const 9
    call $f
    local.set 0
    i32.const 0
    local.get 0
    f32.const 0x0p+0 (;=0;)
    drop
    drop
  )
)"#,
    );
}

#[test]
fn trimming_results_wraps_bodies_that_branch_out_with_their_results() {
    assert_rewrites_to(
        r#"(module
            (func $f (param i32) (result i32 i64)
              i32.const 1 i64.const 2 local.get 0 br_if 0
              drop drop
              i32.const 3 i64.const 4))"#,
        &Edit {
            retype: [(
                0,
                Retype {
                    keep_params: vec![true],
                    keep_results: vec![true, false],
                },
            )]
            .into(),
            ..Edit::default()
        },
        r#"(module
  (type (;0;) (func (param i32) (result i32)))
  (type (;1;) (func (result i32 i64)))
  (func $f (;0;) (type 0) (param i32) (result i32)
    block (type 1) (result i32 i64) ;; label = @1
      i32.const 1
      i64.const 2
      local.get 0
      br_if 0 (;@1;)
      drop
      drop
      i32.const 3
      i64.const 4
    end
    drop
  )
)"#,
    );
}

#[test]
fn trimming_params_turns_them_into_locals() {
    assert_rewrites_to(
        r#"(module
            (func $f (param i32 i64 f64) (result f64) (local f32)
              local.get 2)
            (func $g (result f64) i32.const 1 i64.const 2 f64.const 3 call $f))"#,
        &Edit {
            retype: [(
                0,
                Retype {
                    keep_params: vec![false, false, true],
                    keep_results: vec![true],
                },
            )]
            .into(),
            ..Edit::default()
        },
        r#"(module
  (type (;0;) (func (param f64) (result f64)))
  (type (;1;) (func (result f64)))
  (func $f (;0;) (type 0) (param f64) (result f64)
    (local i32 i64 f32)
    local.get 0
  )
  (func $g (;1;) (type 1) (result f64)
    (local f64)
    i32.const 1
    i64.const 2
    f64.const 0x1.8p+1 (;=3;)
    local.set 0
    drop
    drop
    local.get 0
    call $f
  )
)"#,
    );
}

#[test]
fn removed_globals_and_segments_are_repaired() {
    assert_rewrites_to(
        r#"(module
            (memory 1)
            (global $g (mut i32) (i32.const 5))
            (global $h i32 (global.get $g))
            (data $d "abc")
            (func
              global.get $g
              global.set $g
              i32.const 0 i32.const 0 i32.const 1 memory.init $d
              data.drop $d))"#,
        &Edit {
            remove_globals: [0].into(),
            remove_data: [0].into(),
            ..Edit::default()
        },
        r#"(module
  (type (;0;) (func))
  (memory (;0;) 1)
  (global $h (;0;) i32 i32.const 0)
  (func (;0;) (type 0)
    i32.const 0
    drop
    i32.const 0
    i32.const 0
    i32.const 1
    drop
    drop
    drop
  )
)"#,
    );
}

#[test]
fn removing_a_used_memory_is_unrepairable() {
    let m = module("(module (memory 1) (func (result i32) i32.const 0 i32.load))");
    let err = apply(
        &m,
        &Edit {
            remove_memories: [0].into(),
            ..Edit::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("removed memory 0"), "{err}");
}

#[test]
fn removing_types_renumbers_references() {
    assert_rewrites_to(
        r#"(module
            (type $unused (func (param i32)))
            (type $s (struct (field i32)))
            (func (param (ref null $s))))"#,
        &Edit {
            remove_type_groups: [0].into(),
            ..Edit::default()
        },
        r#"(module
  (type $s (;0;) (struct (field i32)))
  (type (;1;) (func (param (ref null $s))))
  (func (;0;) (type 1) (param (ref null $s)))
)"#,
    );
}

#[test]
fn unchanged_edit_roundtrips_to_valid_module() {
    let wat = r#"(module
        (import "env" "f" (func $imp (param i32)))
        (func $main (export "main") (param i32) (result i32)
          block (result i32)
            local.get 0
            local.get 0
            br_if 0
            drop
            i32.const 3
            call $imp
            i32.const 2
          end
          i32.const 1
          i32.add)
        (@custom "keep" "me"))"#;
    let out = rewrite(wat, &Edit::default());
    assert!(out.contains("(@custom \"keep\""), "{out}");
    assert!(out.contains("call $imp"), "{out}");
}

#[test]
fn removing_the_last_function_keeps_sections_in_order() {
    assert_rewrites_to(
        r#"(module
            (memory 1)
            (func $a)
            (func $b)
            (data (i32.const 0) "x"))"#,
        &Edit {
            remove_funcs: [1].into(),
            ..Edit::default()
        },
        r#"(module
  (type (;0;) (func))
  (memory (;0;) 1)
  (func $a (;0;) (type 0))
  (data (;0;) (i32.const 0) "x")
)"#,
    );
}

#[test]
fn an_export_that_declared_a_referenced_function_leaves_a_declaration() {
    let edit = Edit {
        remove_exports: [0].into(),
        ..Edit::default()
    };
    let referenced = r#"(module (func $f (export "f")) (func (result funcref) ref.func $f))"#;
    assert!(module(referenced).code_takes_ref_func());
    assert_rewrites_to(
        referenced,
        &edit,
        r#"(module
          (type (;0;) (func))
          (type (;1;) (func (result funcref)))
          (elem (;0;) declare func $f)
          (func $f (;0;) (type 0))
          (func (;1;) (type 1) (result funcref)
            ref.func $f
          )
        )"#,
    );
    // Without a `ref.func` in the code nothing needs declaring.
    let unreferenced = r#"(module (func (export "f")) (func (result funcref) ref.null func))"#;
    assert!(!module(unreferenced).code_takes_ref_func());
    assert_rewrites_to(
        unreferenced,
        &edit,
        r#"(module
          (type (;0;) (func))
          (type (;1;) (func (result funcref)))
          (func (;0;) (type 0))
          (func (;1;) (type 1) (result funcref)
            ref.null func
          )
        )"#,
    );
}

#[test]
fn removing_what_kept_code_uses_is_refused_as_the_rewrite_would() {
    let wat = r#"(module
        (memory $unused 1) (memory $used 1)
        (data $seg "x")
        (func $loads i32.const 0 i32.load $used drop)
        (func $inits i32.const 0 i32.const 0 i32.const 0 memory.init $unused $seg))"#;
    let m = module(wat);
    let remove_used = Edit {
        remove_memories: [1].into(),
        ..Edit::default()
    };
    // Refused from the code facts, with the rewrite's own words: the
    // same edit with the other function removed too goes through the
    // rewrite, which finds the load.
    let early = apply(&m, &remove_used).unwrap_err().to_string();
    assert_eq!(early, "unrepairable: removed memory 1 is still referenced");
    let through_rewrite = Edit {
        remove_funcs: [1].into(),
        ..remove_used.clone()
    };
    assert_eq!(apply(&m, &through_rewrite).unwrap_err().to_string(), early);
    // A memory named only by a `memory.init` of a removed segment can go
    // (the instruction becomes drops): the facts do not decide then.
    let with_its_segment = Edit {
        remove_memories: [0].into(),
        remove_data: [0].into(),
        ..Edit::default()
    };
    assert!(m.code_facts().memories.contains(&0));
    apply(&m, &with_its_segment).unwrap();
    // Nor when the only user goes.
    let with_its_user = Edit {
        remove_memories: [1].into(),
        remove_funcs: [0].into(),
        ..Edit::default()
    };
    apply(&m, &with_its_user).unwrap();
}

#[test]
fn a_call_to_a_removed_function_with_no_default_result_becomes_unreachable() {
    assert_rewrites_to(
        r#"(module
            (type $s (struct (field i32)))
            (func $make (param i32) (result (ref $s) i32)
              local.get 0 struct.new $s i32.const 1)
            (func $use (result i32)
              i32.const 5 call $make drop struct.get $s 0))"#,
        &Edit {
            remove_funcs: [0].into(),
            ..Edit::default()
        },
        r#"(module
  (type $s (;0;) (struct (field i32)))
  (type (;1;) (func (param i32) (result (ref $s) i32)))
  (type (;2;) (func (result i32)))
  (func $use (;0;) (type 2) (result i32)
    i32.const 5
    drop
    unreachable
    i32.const 0
    drop
    struct.get $s 0
  )
)"#,
    );
}

#[test]
fn a_lone_ref_func_of_a_nullable_constant_becomes_null() {
    assert_rewrites_to(
        r#"(module
            (func $f)
            (func $g)
            (global funcref ref.func $f)
            (table 1 funcref)
            (elem (table 0) (i32.const 0) funcref (ref.func $f)))"#,
        &Edit {
            remove_funcs: [0].into(),
            ..Edit::default()
        },
        r#"(module
  (type (;0;) (func))
  (table (;0;) 1 funcref)
  (global (;0;) funcref ref.null func)
  (elem (;0;) (table 0) (i32.const 0) funcref (ref.null func))
  (func $g (;0;) (type 0))
)"#,
    );
}

#[test]
fn a_typed_reference_to_a_removed_function_is_asserted_non_null() {
    assert_rewrites_to(
        r#"(module
            (type $f (func))
            (type $vtable (struct (field (ref $f))))
            (func $method)
            (func $caller (local $m (ref $f))
              ref.func $method local.set $m
              local.get $m call_ref $f)
            (elem declare func $method))"#,
        &Edit {
            remove_funcs: [0].into(),
            ..Edit::default()
        },
        r#"(module
  (type $f (;0;) (func))
  (type $vtable (;1;) (struct (field (ref $f))))
  (elem (;0;) declare func)
  (func $caller (;0;) (type $f)
    (local $m (ref $f))
    ref.null $f
    ref.as_non_null
    local.set $m
    local.get $m
    call_ref $f
  )
)"#,
    );
}
