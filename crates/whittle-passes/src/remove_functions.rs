//! Remove defined functions. The rewriter repairs what referred to them:
//! calls drop their arguments and push default results, `ref.func` becomes
//! `ref.null func`, table slots become null, exports and start go.
//! This is the coarsest and most effective pass on big modules.

use crate::contract::SubsetPass;
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveFunctions;

impl SubsetPass for RemoveFunctions {
    /// A defined function's absolute index.
    type Target = u32;

    fn targets(&self, m: &Module) -> Vec<u32> {
        (m.num_imported_funcs..m.num_funcs()).collect()
    }

    fn edit(&self, _m: &Module, chosen: &[&u32]) -> Result<Edit> {
        Ok(Edit {
            remove_funcs: chosen.iter().map(|&&f| f).collect(),
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
            &[0, 2],
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
