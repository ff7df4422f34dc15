//! Remove defined memories. A memory still used by a load, a store or a data
//! segment cannot be repaired and such a candidate is skipped without an
//! oracle call; unused memories go.
use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveMemories;

impl Pass for RemoveMemories {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(m.num_memories as usize - m.num_imported_memories as usize)
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        Ok(Edit {
            remove_memories: choice
                .subset()
                .iter()
                .map(|&i| m.num_imported_memories + i as u32)
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
    fn removes_an_unused_memory_and_renumbers_the_rest() {
        let out = run(
            &RemoveMemories,
            r#"(module
                 (memory $a 1)
                 (memory $b 2)
                 (func (result i32) i32.const 0 i32.load $b))"#,
            Choice::Subset(&[0].into()),
        );
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (result i32)))
              (memory $b (;0;) 2)
              (func (;0;) (type 0) (result i32)
                i32.const 0
                i32.load
              )
            )"#,
        );
    }
}
