//! Shrink the initial size of memories and tables to the smallest that
//! still fails, by bisection (a memory of 65536 pages is rarely the bug).

use crate::contract::LengthPass;
use anyhow::Result;
use whittle_module::{Edit, ItemKind, Module};

pub struct ShrinkLimits;

impl LengthPass for ShrinkLimits {
    /// A memory or a table (absolute index); its length is its initial size.
    type Target = (ItemKind, u32);

    fn targets(&self, m: &Module) -> Vec<((ItemKind, u32), usize)> {
        let memories = (0..)
            .zip(&m.memory_types)
            .map(|(i, t)| ((ItemKind::Memory, i), t.initial));
        let tables = (0..)
            .zip(&m.table_types)
            .map(|(i, t)| ((ItemKind::Table, i), t.initial));
        memories
            .chain(tables)
            .map(|(target, initial)| (target, usize::try_from(initial).unwrap_or(usize::MAX)))
            .collect()
    }

    /// A size of 0 is what most reduced cases need, and only this pass
    /// shrinks sizes: a 65536-page memory then takes one candidate, not 17.
    fn shortest_first(&self) -> bool {
        true
    }

    fn edit(&self, m: &Module, chosen: &[(&(ItemKind, u32), usize)]) -> Result<Edit> {
        let mut edit = Edit::default();
        for &(&(kind, i), initial) in chosen {
            if kind == ItemKind::Memory {
                edit.memory_type(m, i).initial = initial as u64;
            } else {
                edit.table_type(m, i).initial = initial as u64;
            }
        }
        Ok(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, lengths_of, module, run_lengths};

    const WAT: &str = r#"(module
        (import "env" "m" (memory 3 10))
        (memory 7)
        (table 5 funcref))"#;

    #[test]
    fn lengths_are_initial_sizes() {
        assert_eq!(lengths_of(&ShrinkLimits, &module(WAT)), vec![3, 7, 5]);
    }

    #[test]
    fn sets_initial_sizes() {
        let out = run_lengths(&ShrinkLimits, WAT, &[(0, 1), (1, 0), (2, 2)]);
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
