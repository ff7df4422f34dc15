//! Remove exports: an export keeps nothing alive for the compiler, and each
//! one is a line of noise in the reduced test case.

use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveExports;

impl Pass for RemoveExports {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(m.exports.len())
    }

    fn edit(&self, _m: &Module, choice: Choice<'_>) -> Result<Edit> {
        Ok(Edit {
            remove_exports: choice.subset().iter().map(|&i| i as u32).collect(),
            ..Edit::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, run};

    #[test]
    fn removes_the_chosen_exports() {
        let out = run(
            &RemoveExports,
            r#"(module (func $f) (memory 1)
                 (export "f" (func $f)) (export "m" (memory 0)) (export "g" (func $f)))"#,
            Choice::Subset(&[0, 2].into()),
        );
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func))
              (memory (;0;) 1)
              (export "m" (memory 0))
              (func $f (;0;) (type 0))
            )"#,
        );
    }
}
