//! Remove defined globals: reads become the type's default constant, writes
//! become `drop`, initializers that read them become constants too.

use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveGlobals;

impl Pass for RemoveGlobals {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(m.globals.len() - m.num_imported_globals as usize)
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        Ok(Edit {
            remove_globals: choice
                .subset()
                .iter()
                .map(|&i| m.num_imported_globals + i as u32)
                .collect(),
            ..Edit::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, run};

    #[test]
    fn removes_globals_and_repairs_reads_and_writes() {
        let out = run(
            &RemoveGlobals,
            r#"(module
                 (global $a (mut f64) (f64.const 1))
                 (global $b (mut i64) (i64.const 2))
                 (func (result i64) f64.const 3 global.set $a global.get $b))"#,
            Choice::Subset(&[0].into()),
        );
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (result i64)))
              (global $b (;0;) (mut i64) i64.const 2)
              (func (;0;) (type 0) (result i64)
                f64.const 0x1.8p+1 (;=3;)
                drop
                global.get $b
              )
            )"#,
        );
    }
}
