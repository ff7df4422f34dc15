//! Remove defined functions. The rewriter repairs what referred to them:
//! calls drop their arguments and push default results, `ref.func` becomes
//! `ref.null func`, table slots become null, exports and start go.
//! This is the coarsest and most effective pass on big modules.

use crate::util::defined;
use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveFunctions;

impl Pass for RemoveFunctions {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(m.num_defined_funcs() as usize)
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        Ok(Edit {
            remove_funcs: choice.subset().iter().map(|&i| defined(m, i)).collect(),
            ..Edit::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, run};

    #[test]
    fn removes_functions_and_repairs_callers() {
        let out = run(
            &RemoveFunctions,
            r#"(module
                 (import "env" "log" (func $log (param i32)))
                 (func $a (result f64) f64.const 1)
                 (func $b (result f64) call $a)
                 (func $c (param i32) local.get 0 call $log)
                 (export "b" (func $b)))"#,
            Choice::Subset(&[0, 2].into()),
        );
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32)))
              (type (;1;) (func (result f64)))
              (import "env" "log" (func $log (;0;) (type 0)))
              (export "b" (func $b))
              (func $b (;1;) (type 1) (result f64)
                f64.const 0x0p+0 (;=0;)
              )
            )"#,
        );
    }
}
