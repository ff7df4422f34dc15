//! Simplify memory and table types: drop a maximum, make a shared memory
//! unshared, make a 64-bit memory or table 32-bit. Each is a target of its
//! own; a change that invalidates a use (an `i64` address, `memory.atomic.
//! wait` needing a shared memory) is skipped by validation.

use crate::SubsetPass;
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct SimplifyLimits;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    MemoryNoMaximum(usize),
    MemoryUnshared(usize),
    Memory32(usize),
    TableNoMaximum(usize),
    Table32(usize),
}

impl SubsetPass for SimplifyLimits {
    type Target = Change;

    fn targets(&self, m: &Module) -> Vec<Change> {
        let mut all = Vec::new();
        for (i, t) in m.memory_types.iter().enumerate() {
            if t.maximum.is_some() && !t.shared {
                all.push(Change::MemoryNoMaximum(i));
            }
            if t.shared {
                all.push(Change::MemoryUnshared(i));
            }
            if t.memory64 {
                all.push(Change::Memory32(i));
            }
        }
        for (i, t) in m.table_types.iter().enumerate() {
            if t.maximum.is_some() {
                all.push(Change::TableNoMaximum(i));
            }
            if t.table64 {
                all.push(Change::Table32(i));
            }
        }
        all
    }

    fn edit(&self, m: &Module, chosen: &[&Change]) -> Result<Edit> {
        let mut edit = Edit::default();
        for &&change in chosen {
            match change {
                Change::MemoryNoMaximum(j) | Change::MemoryUnshared(j) | Change::Memory32(j) => {
                    let ty = edit
                        .memory_types
                        .entry(j as u32)
                        .or_insert(m.memory_types[j]);
                    match change {
                        Change::MemoryNoMaximum(_) => ty.maximum = None,
                        Change::MemoryUnshared(_) => ty.shared = false,
                        _ => ty.memory64 = false,
                    }
                }
                Change::TableNoMaximum(j) | Change::Table32(j) => {
                    let ty = edit.table_types.entry(j as u32).or_insert(m.table_types[j]);
                    match change {
                        Change::TableNoMaximum(_) => ty.maximum = None,
                        _ => ty.table64 = false,
                    }
                }
            }
        }
        Ok(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const WAT: &str = r#"(module
        (memory i64 1 5)
        (memory 1 2 shared)
        (table 1 10 funcref))"#;

    #[test]
    fn offers_each_simplification() {
        assert_eq!(SimplifyLimits.targets(&module(WAT)).len(), 4);
    }

    #[test]
    fn applies_them_together() {
        let out = run(&SimplifyLimits, WAT, &[0, 1, 2, 3]);
        assert_wat(
            &out,
            r#"(module
              (table (;0;) 1 funcref)
              (memory (;0;) 1)
              (memory (;1;) 1 2)
            )"#,
        );
    }
}
