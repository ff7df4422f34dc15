//! Shrink the initial size of memories and tables to the smallest that
//! still fails, by bisection (a memory of 65536 pages is rarely the bug).

use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct ShrinkLimits;

impl Pass for ShrinkLimits {
    /// Targets: every memory, then every table; length = initial size.
    fn search(&self, m: &Module) -> Search {
        let memories = m.memory_types.iter().map(|t| t.initial as usize);
        let tables = m.table_types.iter().map(|t| t.initial as usize);
        Search::Lengths(memories.chain(tables).collect())
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        let mut edit = Edit::default();
        let memories = m.memory_types.len();
        for (&i, &initial) in choice.lengths() {
            if i < memories {
                let mut ty = m.memory_types[i];
                ty.initial = initial as u64;
                edit.memory_types.insert(i as u32, ty);
            } else {
                let mut ty = m.table_types[i - memories];
                ty.initial = initial as u64;
                edit.table_types.insert((i - memories) as u32, ty);
            }
        }
        Ok(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};
    use std::collections::BTreeMap;

    const WAT: &str = r#"(module
        (import "env" "m" (memory 3 10))
        (memory 7)
        (table 5 funcref))"#;

    #[test]
    fn lengths_are_initial_sizes() {
        assert_eq!(
            ShrinkLimits.search(&module(WAT)),
            Search::Lengths(vec![3, 7, 5])
        );
    }

    #[test]
    fn sets_initial_sizes() {
        let lengths = BTreeMap::from([(0, 1), (1, 0), (2, 2)]);
        let out = run(&ShrinkLimits, WAT, Choice::Lengths(&lengths));
        assert_wat(
            &out,
            r#"(module
              (import "env" "m" (memory (;0;) 1 10))
              (table (;0;) 2 funcref)
              (memory (;1;) 0)
            )"#,
        );
    }
}
