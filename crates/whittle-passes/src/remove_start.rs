//! Remove the start section: the function stays, it just is no longer run
//! at instantiation.

use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveStart;

impl Pass for RemoveStart {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(usize::from(m.start.is_some()))
    }

    fn edit(&self, _m: &Module, choice: Choice<'_>) -> Result<Edit> {
        Ok(Edit {
            remove_start: !choice.subset().is_empty(),
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
        assert_eq!(RemoveStart.search(&module(wat)), Search::Subsets(1));
        let out = run(&RemoveStart, wat, Choice::Subset(&[0].into()));
        assert_wat(
            &out,
            "(module\n(type (;0;) (func))\n(func $s (;0;) (type 0))\n)",
        );
    }
}
