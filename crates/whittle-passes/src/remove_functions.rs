//! Remove defined functions. The rewriter repairs what referred to them:
//! calls drop their arguments and push default results (`unreachable` for
//! a non-nullable reference), `ref.func` becomes null (asserted non-null
//! where typed references are on), table slots become null, exports and
//! start go. A function a constant needs (a vtable's `ref.func` in a
//! non-nullable global) stays until the constant goes. This is the
//! coarsest and most effective pass on big modules.

use crate::contract::SubsetPass;
use anyhow::Result;
use whittle_module::{functions_in_constants, Edit, Module};

pub struct RemoveFunctions;

impl SubsetPass for RemoveFunctions {
    /// A defined function's absolute index.
    type Target = u32;

    /// Every defined function but those a constant needs: removing one
    /// gives an invalid module (see `whittle_module::functions_in_constants`),
    /// and a chunk holding one would be refused whatever else it holds.
    fn targets(&self, m: &Module) -> Vec<u32> {
        let needed = functions_in_constants(m).unwrap_or_default();
        (m.num_imported_funcs..m.num_funcs())
            .filter(|f| !needed.contains(f))
            .collect()
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
    fn a_function_a_constant_needs_is_not_a_target() {
        let m = crate::testutil::module(
            r#"(module
                 (type $f (func))
                 (import "env" "i" (func))
                 (func $method)
                 (func $nullable)
                 (func $free)
                 (global (ref $f) ref.func $method)
                 (global funcref ref.func $nullable))"#,
        );
        assert_eq!(RemoveFunctions.targets(&m), [2, 3]);
    }

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
