//! Remove declared locals and renumber the rest. Reads of a removed local
//! become its default value (`i32.const 0`), writes become `drop`, and
//! `local.tee` disappears (its value stays on the stack). A reduced body
//! often keeps a long `(local ...)` list whose uses are now noise; a used
//! local without a default value (non-nullable reference) is not offered.
//! A run of alike locals (unused, of one type: see `shorten-locals`) is
//! one target, so 60,000 unused `i32`s go in one candidate or not at all.

use crate::contract::SubsetPass;
use crate::find::defined;
use crate::locals::{declared_locals, local_runs, local_type, without_locals_in};
use anyhow::Result;
use std::collections::BTreeMap;
use std::ops::Range;
use whittle_module::types::default_instruction;
use whittle_module::{Edit, Module};

pub struct RemoveLocals;

impl SubsetPass for RemoveLocals {
    /// (function, local indices): a run of alike locals (see
    /// `shorten-locals`), or one used local with a default value.
    type Target = (u32, Range<u32>);

    fn targets(&self, m: &Module) -> Vec<(u32, Range<u32>)> {
        let mut all = Vec::new();
        for i in 0..m.num_defined_funcs() as usize {
            let f = defined(m, i);
            let (Ok(runs), Ok(declared)) = (local_runs(m, f), declared_locals(m, f)) else {
                continue;
            };
            all.extend(
                runs.into_iter()
                    .filter(|r| {
                        r.key.is_some()
                            || local_type(&declared, r.range.start)
                                .is_some_and(|ty| default_instruction(ty).is_some())
                    })
                    .map(|r| (f, r.range)),
            );
        }
        all
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, Range<u32>)]) -> Result<Edit> {
        let mut by_func: BTreeMap<u32, Vec<Range<u32>>> = BTreeMap::new();
        for (f, locals) in chosen {
            by_func.entry(*f).or_default().push(locals.clone());
        }
        without_locals_in(m, by_func)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const WAT: &str = r#"(module
        (func (param i32) (result i64)
          (local i32 f32 i64 f64)
          local.get 3
          local.get 0
          drop))"#;

    #[test]
    fn offers_every_declared_local_with_a_default() {
        assert_eq!(RemoveLocals.targets(&module(WAT)).len(), 4);
        let non_null = module(
            "(module (type $s (struct))
               (func (param (ref $s)) (local (ref $s)) (local i32) local.get 0 local.set 1))",
        );
        assert_eq!(RemoveLocals.targets(&non_null), [(0, 2..3)]);
    }

    #[test]
    fn a_run_of_unused_locals_is_one_target() {
        let m = module(
            "(module (func (param i32) (local i32 i32 i32 i64 i64) (local i64 f32)
               local.get 2 drop))",
        );
        assert_eq!(
            RemoveLocals.targets(&m),
            [(0, 1..2), (0, 2..3), (0, 3..4), (0, 4..7), (0, 7..8)]
        );
        let out = run(
            &RemoveLocals,
            "(module (func (local i32 i32 i32 i64) (local i64) local.get 3 drop))",
            &[0],
        );
        assert!(out.contains("(local i64 i64)\n    local.get 0\n"), "{out}");
    }

    #[test]
    fn reads_of_removed_locals_become_constants() {
        let out = run(
            &RemoveLocals,
            r#"(module (func (result f64) (local f64 i32)
                 f64.const 2 local.tee 0 local.set 0
                 i32.const 1 local.set 1
                 local.get 0))"#,
            &[0],
        );
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (result f64)))
              (func (;0;) (type 0) (result f64)
                (local i32)
                f64.const 0x1p+1 (;=2;)
                drop
                i32.const 1
                local.set 0
                f64.const 0x0p+0 (;=0;)
              )
            )"#,
        );
    }

    #[test]
    fn removes_and_renumbers() {
        let out = run(&RemoveLocals, WAT, &[0, 1, 3]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32) (result i64)))
              (func (;0;) (type 0) (param i32) (result i64)
                (local i64)
                local.get 1
                local.get 0
                drop
              )
            )"#,
        );
    }
}
