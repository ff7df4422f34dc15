//! Remove values nobody consumes: a constant, `local.get`, `global.get`,
//! `ref.null` or `ref.func` whose value is left on the stack until an
//! `unreachable` or a branch discards it.
//!
//! Other removals repair the stack conservatively and can leave such values
//! behind (`i32.const 0 i32.const 0 i32x4.splat unreachable`: the first
//! constant is dead). Whether a value is dead is left to the validation
//! gate: the instruction is simply deleted, and if the value was needed the
//! candidate is invalid and skipped without an oracle call.

use crate::util::{body_parts, find_ops};
use crate::{Choice, Pass, Search};
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use wasmparser::Operator;
use whittle_module::{Edit, Module};

pub struct RemoveDeadValues;

/// (function, op index) of every instruction that only pushes one value.
fn targets(m: &Module) -> Vec<(u32, usize)> {
    find_ops(m, |op| {
        matches!(
            op,
            Operator::I32Const { .. }
                | Operator::I64Const { .. }
                | Operator::F32Const { .. }
                | Operator::F64Const { .. }
                | Operator::V128Const { .. }
                | Operator::LocalGet { .. }
                | Operator::GlobalGet { .. }
                | Operator::RefNull { .. }
                | Operator::RefFunc { .. }
        )
    })
}

impl Pass for RemoveDeadValues {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(targets(m).len())
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        let targets = targets(m);
        let mut by_func: BTreeMap<u32, BTreeSet<usize>> = BTreeMap::new();
        for &i in choice.subset() {
            let (f, op) = targets[i];
            by_func.entry(f).or_default().insert(op);
        }
        let mut edit = Edit::default();
        for (f, ops) in by_func {
            let parts = body_parts(m, f).context("body")?;
            let mut out = parts.locals.to_vec();
            for (i, &(start, end)) in parts.ops.iter().enumerate() {
                if !ops.contains(&i) {
                    out.extend_from_slice(&parts.code[start..end]);
                }
            }
            edit.bodies.insert(f, out);
        }
        Ok(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};
    use whittle_module::{apply, validate, Validity};

    const WAT: &str = r#"(module (func (result i32)
        f32.const 7
        i32.const 1
        i32.const 2
        i32.add
        unreachable))"#;

    #[test]
    fn removes_a_value_left_for_unreachable() {
        assert_eq!(RemoveDeadValues.search(&module(WAT)), Search::Subsets(3));
        let out = run(&RemoveDeadValues, WAT, Choice::Subset(&[0].into()));
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (result i32)))
              (func (;0;) (type 0) (result i32)
                i32.const 1
                i32.const 2
                i32.add
                unreachable
              )
            )"#,
        );
    }

    #[test]
    fn a_needed_value_makes_the_candidate_invalid() {
        let m = module(WAT);
        let edit = RemoveDeadValues
            .edit(&m, Choice::Subset(&[2].into()))
            .unwrap();
        let out = apply(&m, &edit).unwrap();
        assert!(matches!(validate(&out), Validity::Invalid(_)));
    }
}
