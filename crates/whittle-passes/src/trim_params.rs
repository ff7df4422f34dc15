//! Remove parameters from function types. Inside functions of the type a
//! removed parameter becomes a local (zero-initialized); call sites drop the
//! argument, shuffling through scratch locals when it is not the last one.

use crate::util::{signature_edit, signature_targets, SigList};
use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct TrimParams;

impl Pass for TrimParams {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(signature_targets(m, SigList::Params).len())
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        Ok(signature_edit(m, SigList::Params, choice.subset()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, run};

    #[test]
    fn removes_a_middle_parameter_through_an_indirect_call() {
        let out = run(
            &TrimParams,
            r#"(module
                 (type $t (func (param i32 i64 f32) (result f32)))
                 (table 1 funcref)
                 (elem (i32.const 0) $f)
                 (func $f (type $t) local.get 2)
                 (func $g (result f32)
                   i32.const 1 i64.const 2 f32.const 3 i32.const 0
                   call_indirect (type $t)))"#,
            Choice::Subset(&[1].into()),
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
}
