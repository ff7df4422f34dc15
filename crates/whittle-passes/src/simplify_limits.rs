//! Simplify memory and table types: drop a maximum, make a shared memory
//! unshared, make a 64-bit memory or table 32-bit. Each is a target of its
//! own. Only memories and tables that no instruction or active segment
//! addresses can become 32-bit (their `i64` addresses would not validate),
//! and their limits are clamped to what 32 bits can address.

use crate::contract::SubsetPass;
use anyhow::Result;
use whittle_module::{addressed_64bit_memories_and_tables, Edit, Module};

pub struct SimplifyLimits;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    MemoryNoMaximum(u32),
    MemoryUnshared(u32),
    Memory32(u32),
    TableNoMaximum(u32),
    Table32(u32),
}

impl SubsetPass for SimplifyLimits {
    type Target = Change;

    fn targets(&self, m: &Module) -> Vec<Change> {
        let Ok((memories, tables)) = addressed_64bit_memories_and_tables(m) else {
            return Vec::new();
        };
        let mut all = Vec::new();
        for (i, t) in (0..).zip(&m.memory_types) {
            if t.maximum.is_some() && !t.shared {
                all.push(Change::MemoryNoMaximum(i));
            }
            if t.shared {
                all.push(Change::MemoryUnshared(i));
            }
            if t.memory64 && !memories.contains(&i) {
                all.push(Change::Memory32(i));
            }
        }
        for (i, t) in (0..).zip(&m.table_types) {
            if t.maximum.is_some() {
                all.push(Change::TableNoMaximum(i));
            }
            if t.table64 && !tables.contains(&i) {
                all.push(Change::Table32(i));
            }
        }
        all
    }

    fn edit(&self, m: &Module, chosen: &[&Change]) -> Result<Edit> {
        let mut edit = Edit::default();
        for &&change in chosen {
            match change {
                Change::MemoryNoMaximum(i) => edit.memory_type(m, i).maximum = None,
                Change::MemoryUnshared(i) => edit.memory_type(m, i).shared = false,
                Change::Memory32(i) => {
                    let ty = edit.memory_type(m, i);
                    ty.memory64 = false;
                    let page = 1u128 << ty.page_size_log2.unwrap_or(16);
                    // As the validator counts: 2^32 bytes, at most
                    // u32::MAX pages.
                    let pages = u32::try_from((1u128 << 32) / page).unwrap_or(u32::MAX);
                    clamp(&mut ty.initial, &mut ty.maximum, pages.into());
                }
                Change::TableNoMaximum(i) => edit.table_type(m, i).maximum = None,
                Change::Table32(i) => {
                    let ty = edit.table_type(m, i);
                    ty.table64 = false;
                    clamp(&mut ty.initial, &mut ty.maximum, u64::from(u32::MAX));
                }
            }
        }
        Ok(edit)
    }
}

/// Limits no larger than `most`.
fn clamp(initial: &mut u64, maximum: &mut Option<u64>, most: u64) {
    *initial = (*initial).min(most);
    if let Some(max) = maximum {
        *max = (*max).min(most);
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

    #[test]
    fn addressed_64_bit_items_stay_and_others_are_clamped() {
        let wat = r#"(module
            (memory $used i64 1)
            (memory $big i64 70000 80000)
            (table $t i64 5000000000 funcref)
            (func (result i32) i64.const 0 i32.load $used))"#;
        assert_eq!(
            SimplifyLimits.targets(&module(wat)),
            [
                Change::MemoryNoMaximum(1),
                Change::Memory32(1),
                Change::Table32(0)
            ]
        );
        let out = run(&SimplifyLimits, wat, &[1, 2]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (result i32)))
              (table $t (;0;) 4294967295 funcref)
              (memory $used (;0;) i64 1)
              (memory $big (;1;) 65536 65536)
              (func (;0;) (type 0) (result i32)
                i64.const 0
                i32.load
              )
            )"#,
        );
    }
}
