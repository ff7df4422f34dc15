//! Remove parameters or results from function types.
//!
//! A removed parameter becomes a local (zero-initialized) inside the
//! functions of the type, and call sites drop the argument, shuffling
//! through scratch locals when it is not the last one. A removed result is
//! still computed by every function of the type and dropped before it
//! returns, and every call site pushes a default in its place (a function
//! returning 300 `i32`s down to the 254 that still trigger the bug). Types
//! used as block types, or by tags, are not offered or skipped as
//! unrepairable. A run of interchangeable entries (see `shorten-params`)
//! is one target: a type's 1,003 `i32` results that no code returns are
//! one target, not 1,003. Types that must stay alike (identical types,
//! declared subtypes: see [`TypeFamilies`](whittle_module::TypeFamilies)) lose the same positions
//! together, and are offered once, under the first of them.

use crate::contract::SubsetPass;
use crate::signatures::{signature_edit, signature_runs, SigList};
use anyhow::Result;
use std::ops::Range;
use whittle_module::{Edit, Module};

/// `trim-params` or `trim-results`.
pub struct TrimSignature(pub SigList);

impl SubsetPass for TrimSignature {
    /// (function type, positions in its parameters or results): a run of
    /// interchangeable entries (see `shorten-params`), or one entry.
    type Target = (u32, Range<u32>);

    fn targets(&self, m: &Module) -> Vec<(u32, Range<u32>)> {
        signature_runs(m, self.0)
            .into_iter()
            .map(|(t, run)| (t, run.range))
            .collect()
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, Range<u32>)]) -> Result<Edit> {
        Ok(signature_edit(
            m,
            self.0,
            chosen.iter().map(|(t, r)| (*t, r.clone())),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const TRIM_PARAMS: &TrimSignature = &TrimSignature(SigList::Params);
    const TRIM_RESULTS: &TrimSignature = &TrimSignature(SigList::Results);

    #[test]
    fn removes_a_middle_parameter_through_an_indirect_call() {
        let out = run(
            TRIM_PARAMS,
            r#"(module
                 (type $t (func (param i32 i64 f32) (result f32)))
                 (table 1 funcref)
                 (elem (i32.const 0) $f)
                 (func $f (type $t) local.get 2)
                 (func $g (result f32)
                   i32.const 1 i64.const 2 f32.const 3 i32.const 0
                   call_indirect (type $t)))"#,
            &[1],
        );
        assert_wat(
            &out,
            r#"(module
              (type $t (;0;) (func (param i32 f32) (result f32)))
              (type (;1;) (func (result f32)))
              (table (;0;) 1 funcref)
              (elem (;0;) (i32.const 0) func $f)
              (func $f (;0;) (type $t) (param i32 f32) (result f32)
                (local i64)
                local.get 1
              )
              (func $g (;1;) (type 1) (result f32)
                (local i32 f32)
                i32.const 1
                i64.const 2
                f32.const 0x1.8p+1 (;=3;)
                i32.const 0
                local.set 0
                local.set 1
                drop
                local.get 1
                local.get 0
                call_indirect (type $t)
              )
            )"#,
        );
    }

    const WAT: &str = r#"(module
        (type $t (func (result i32 i32 i32)))
        (func $many (type $t) i32.const 1 i32.const 2 i32.const 3)
        (func $caller (result i32) call $many i32.add i32.add))"#;

    #[test]
    fn results_some_code_returns_are_targets_one_by_one() {
        assert_eq!(
            TRIM_RESULTS.targets(&module(WAT)),
            [(0, 0..1), (0, 1..2), (0, 2..3), (1, 0..1)]
        );
        let alone = module("(module (type (func (result i32 i32 i32 f64))))");
        assert_eq!(TRIM_RESULTS.targets(&alone), [(0, 0..3), (0, 3..4)]);
    }

    #[test]
    fn drops_results_and_restores_them_at_call_sites() {
        let out = run(TRIM_RESULTS, WAT, &[0, 1, 2]);
        assert_wat(
            &out,
            r#"(module
              (type $t (;0;) (func))
              (type (;1;) (func (result i32)))
              (func $many (;0;) (type $t)
                i32.const 1
                i32.const 2
                i32.const 3
                drop
                drop
                drop
              )
              (func $caller (;1;) (type 1) (result i32)
                call $many
                i32.const 0
                i32.const 0
                i32.const 0
                i32.add
                i32.add
              )
            )"#,
        );
    }
}
