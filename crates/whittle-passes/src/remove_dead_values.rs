//! Remove values nobody consumes: a constant, `local.get`, `global.get`,
//! `ref.null` or `ref.func` whose value is left on the stack until an
//! `unreachable` or a branch discards it.
//!
//! Other removals repair the stack conservatively and can leave such values
//! behind (`i32.const 0 i32.const 0 i32x4.splat unreachable`: the first
//! constant is dead). Whether a value is dead is left to the validation
//! gate: the instruction is simply deleted, and if the value was needed the
//! candidate is invalid and skipped without an oracle call.

use crate::util::{body_parts, find_ops, group_by_func};
use crate::SubsetPass;
use anyhow::{Context, Result};
use wasmparser::Operator;
use whittle_module::{Edit, Module};

pub struct RemoveDeadValues;

impl SubsetPass for RemoveDeadValues {
    /// (function, op index) of an instruction that only pushes one value.
    type Target = (u32, usize);

    fn targets(&self, m: &Module) -> Vec<(u32, usize)> {
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

    fn edit(&self, m: &Module, chosen: &[&(u32, usize)]) -> Result<Edit> {
        let mut edit = Edit::default();
        for (f, ops) in group_by_func(chosen) {
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
    use crate::testutil::{assert_wat, edit_of, module, run};
    use whittle_module::{apply, validate, Validity};

    const WAT: &str = r#"(module (func (result i32)
        f32.const 7
        i32.const 1
        i32.const 2
        i32.add
        unreachable))"#;

    #[test]
    fn removes_a_value_left_for_unreachable() {
        assert_eq!(RemoveDeadValues.targets(&module(WAT)).len(), 3);
        let out = run(&RemoveDeadValues, WAT, &[0]);
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
        let edit = edit_of(&RemoveDeadValues, &m, &[2]).unwrap();
        let out = apply(&m, &edit).unwrap();
        assert!(matches!(validate(&out), Validity::Invalid(_)));
    }
}
