//! Replace whole function bodies with `unreachable`: the function stays (its
//! index, type and callers are untouched) but none of its code is compiled.
//! Cheaper to try than truncation and often enough to isolate the culprit.

use crate::contract::SubsetPass;
use crate::find::defined;
use crate::op_edits::UNREACHABLE_BODY;
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct UnreachableBodies;

impl SubsetPass for UnreachableBodies {
    /// A defined function whose body is not already just `unreachable`.
    type Target = u32;

    fn targets(&self, m: &Module) -> Vec<u32> {
        (0..m.num_defined_funcs() as usize)
            .map(|i| defined(m, i))
            .filter(|&f| m.body(f) != Some(UNREACHABLE_BODY))
            .collect()
    }

    fn edit(&self, _m: &Module, chosen: &[&u32]) -> Result<Edit> {
        Ok(Edit {
            bodies: chosen
                .iter()
                .map(|&&f| (f, UNREACHABLE_BODY.to_vec()))
                .collect(),
            ..Edit::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    #[test]
    fn replaces_bodies_and_skips_those_already_unreachable() {
        let wat = r#"(module
            (func $a unreachable)
            (func $b (param i32) (result i32) (local i64) local.get 0 i32.const 1 i32.add))"#;
        assert_eq!(UnreachableBodies.targets(&module(wat)).len(), 1);
        let out = run(&UnreachableBodies, wat, &[0]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func))
              (type (;1;) (func (param i32) (result i32)))
              (func $a (;0;) (type 0)
                unreachable
              )
              (func $b (;1;) (type 1) (param i32) (result i32)
                unreachable
              )
            )"#,
        );
    }
}
