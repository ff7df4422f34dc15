//! Remove the start section: the function stays, it just is no longer run
//! at instantiation.

use crate::contract::SubsetPass;
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveStart;

impl SubsetPass for RemoveStart {
    /// The start function's index.
    type Target = u32;

    fn targets(&self, m: &Module) -> Vec<u32> {
        m.start.into_iter().collect()
    }

    fn edit(&self, _m: &Module, chosen: &[&u32]) -> Result<Edit> {
        Ok(Edit {
            remove_start: !chosen.is_empty(),
            ..Edit::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    #[test]
    fn removes_the_start_section() {
        let wat = "(module (func $s) (start $s))";
        assert_eq!(RemoveStart.targets(&module(wat)).len(), 1);
        let out = run(&RemoveStart, wat, &[0]);
        assert_wat(
            &out,
            "(module\n(type (;0;) (func))\n(func $s (;0;) (type 0))\n)",
        );
    }
}
