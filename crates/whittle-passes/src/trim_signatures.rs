//! Remove parameters or results from function types.
//!
//! A removed parameter becomes a local (zero-initialized) inside the
//! functions of the type, and call sites drop the argument, shuffling
//! through scratch locals when it is not the last one. A removed result is
//! still computed by every function of the type and dropped before it
//! returns, and every call site pushes a default in its place (a function
//! returning 300 `i32`s down to the 254 that still trigger the bug). Types
//! used as block types, or by tags, are not offered or skipped as
//! unrepairable.

use crate::SubsetPass;
use anyhow::Result;
use whittle_module::{Edit, Module, Retype};

/// `trim-params` or `trim-results`.
pub struct TrimSignature(pub SigList);

/// Which list of a function type a signature pass trims.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SigList {
    Params,
    Results,
}

/// Every (function type, position) in the chosen list, for function types
/// not used by tags (a tag's signature is not repairable).
fn signature_targets(m: &Module, list: SigList) -> Vec<(u32, usize)> {
    let mut targets = Vec::new();
    for t in 0..m.types.len() as u32 {
        if m.tag_types.contains(&t) {
            continue;
        }
        if let Some((params, results)) = m.func_type(t) {
            let n = if list == SigList::Params {
                params.len()
            } else {
                results.len()
            };
            targets.extend((0..n).map(|i| (t, i)));
        }
    }
    targets
}

/// The `Retype`s that drop the chosen (type, position) targets.
fn signature_edit(m: &Module, list: SigList, chosen: &[&(u32, usize)]) -> Edit {
    let mut edit = Edit::default();
    for &&(t, pos) in chosen {
        let Some((params, results)) = m.func_type(t) else {
            continue;
        };
        let retype = edit.retype.entry(t).or_insert_with(|| Retype {
            keep_params: vec![true; params.len()],
            keep_results: vec![true; results.len()],
        });
        match list {
            SigList::Params => retype.keep_params[pos] = false,
            SigList::Results => retype.keep_results[pos] = false,
        }
    }
    edit
}

impl SubsetPass for TrimSignature {
    /// (function type, position in its parameters or results).
    type Target = (u32, usize);

    fn targets(&self, m: &Module) -> Vec<(u32, usize)> {
        signature_targets(m, self.0)
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, usize)]) -> Result<Edit> {
        Ok(signature_edit(m, self.0, chosen))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, edit_of, module, run};

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
    fn targets_every_result_of_every_function_type() {
        assert_eq!(TRIM_RESULTS.targets(&module(WAT)).len(), 4);
    }

    #[test]
    fn drops_trailing_results_and_restores_them_at_call_sites() {
        let out = run(TRIM_RESULTS, WAT, &[1, 2]);
        assert_wat(
            &out,
            r#"(module
              (type $t (;0;) (func (result i32)))
              (type (;1;) (func (result i32)))
              (func $many (;0;) (type $t) (result i32)
                i32.const 1
                i32.const 2
                i32.const 3
                drop
                drop
              )
              (func $caller (;1;) (type 1) (result i32)
                call $many
                i32.const 0
                i32.const 0
                i32.add
                i32.add
              )
            )"#,
        );
    }

    #[test]
    fn keeps_types_over_the_parser_limit_reducible() {
        let results = " i32".repeat(1003);
        let m = whittle_module::Module::parse(
            wat::parse_str(format!("(module (type (func (result{results}))))")).unwrap(),
        )
        .unwrap();
        assert_eq!(TRIM_RESULTS.targets(&m).len(), 1003);
        let edit = edit_of(TRIM_RESULTS, &m, &[0, 1]).unwrap();
        let out = whittle_module::apply(&m, &edit).unwrap();
        let m = whittle_module::Module::parse(out).unwrap();
        assert_eq!(m.func_type(0).unwrap().1.len(), 1001);
    }
}
