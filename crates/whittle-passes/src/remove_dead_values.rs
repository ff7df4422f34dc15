//! Remove values nobody consumes: a constant, `local.get`, `global.get`,
//! `ref.null` or `ref.func` whose value is left on the stack until an
//! `unreachable` or a branch discards it.
//!
//! Other removals repair the stack conservatively and can leave such values
//! behind (`i32.const 0 i32.const 0 i32x4.splat unreachable`: the first
//! constant is dead). Only values that are dead are offered
//! ([`whittle_module::dead_values`] follows the stack), so every subset of
//! them can go in one candidate.

use crate::contract::SubsetPass;
use crate::find::group_by_func;
use crate::op_edits::replace_ops;
use anyhow::Result;
use whittle_module::{dead_values, Edit, Module};

pub struct RemoveDeadValues;

impl SubsetPass for RemoveDeadValues {
    /// (function, op index) of an instruction that pushes a dead value.
    type Target = (u32, usize);

    fn targets(&self, m: &Module) -> Vec<(u32, usize)> {
        dead_values(m).unwrap_or_default()
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, usize)]) -> Result<Edit> {
        let mut edit = Edit::default();
        for (f, ops) in group_by_func(chosen) {
            let body = replace_ops(m, f, |i, _, _| Ok(ops.contains(&i).then(Vec::new)))?;
            edit.bodies.insert(f, body);
        }
        Ok(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, run};

    // The f32 is dead and so is the i64 (left under the add's result); the
    // add's operands are not.
    const WAT: &str = r#"(module (func (result i32)
        f32.const 7
        i64.const 3
        i32.const 1
        i32.const 2
        i32.add
        unreachable))"#;

    #[test]
    fn removes_the_values_left_for_unreachable() {
        let out = run(&RemoveDeadValues, WAT, &[0, 1]);
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
    fn only_dead_values_are_targets() {
        assert_eq!(
            RemoveDeadValues.targets(&crate::testutil::module(WAT)),
            [(0, 0), (0, 1)]
        );
    }
}
