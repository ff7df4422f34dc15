//! Remove custom sections: names, producers, DWARF, target features. They
//! rarely matter to a compile failure and can be most of a module's bytes.

use crate::contract::SubsetPass;
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveCustomSections;

impl SubsetPass for RemoveCustomSections {
    /// A custom section's position among custom sections.
    type Target = usize;

    fn targets(&self, m: &Module) -> Vec<usize> {
        (0..m.custom_sections().count()).collect()
    }

    fn edit(&self, _m: &Module, chosen: &[&usize]) -> Result<Edit> {
        Ok(Edit {
            remove_custom: chosen.iter().map(|&&i| i).collect(),
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
            &[0, 2],
        );
        assert_wat(&out, "(module\n(@custom \"b\" (before first) \"2\")\n)");
    }
}
