//! Remove custom sections: names, producers, DWARF, target features. They
//! rarely matter to a compile failure and can be most of a module's bytes.

use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveCustomSections;

impl Pass for RemoveCustomSections {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(m.custom_sections().count())
    }

    fn edit(&self, _m: &Module, choice: Choice<'_>) -> Result<Edit> {
        Ok(Edit {
            remove_custom: choice.subset().clone(),
            ..Edit::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, run};

    #[test]
    fn removes_chosen_custom_sections() {
        let out = run(
            &RemoveCustomSections,
            r#"(module (@custom "a" "1") (@custom "b" "2") (@custom "c" "3"))"#,
            Choice::Subset(&[0, 2].into()),
        );
        assert_wat(&out, "(module\n(@custom \"b\" (before first) \"2\")\n)");
    }
}
