//! Remove exports: an export keeps nothing alive for the compiler, and each
//! one is a line of noise in the reduced test case.

use crate::contract::SubsetPass;
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveExports;

impl SubsetPass for RemoveExports {
    /// Position in the export section.
    type Target = u32;

    fn targets(&self, m: &Module) -> Vec<u32> {
        (0..m.exports.len() as u32).collect()
    }

    fn edit(&self, _m: &Module, chosen: &[&u32]) -> Result<Edit> {
        Ok(Edit {
            remove_exports: chosen.iter().map(|&&i| i).collect(),
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
            &[0, 2],
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
