//! Remove defined items of one kind: globals, tables, memories or tags
//! (functions have passes of their own, which repair call sites).
//!
//! Reads of a removed global become the type's default constant, writes
//! become `drop`, and initializers that read it become constants too. A
//! table, memory or tag that is still used (`call_indirect`, a load, a
//! `throw`, a segment) cannot be repaired: the candidate is skipped without
//! an oracle call, so in practice the unused ones go.

use crate::contract::SubsetPass;
use anyhow::Result;
use whittle_module::{Edit, ItemKind, Module};

pub struct RemoveItems(pub ItemKind);

impl SubsetPass for RemoveItems {
    /// The absolute index of a defined item of the pass's kind.
    type Target = u32;

    fn targets(&self, m: &Module) -> Vec<u32> {
        m.defined(self.0).collect()
    }

    fn edit(&self, _m: &Module, chosen: &[&u32]) -> Result<Edit> {
        let mut edit = Edit::default();
        edit.removals(self.0).extend(chosen.iter().map(|&&i| i));
        Ok(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, edit_of, module, run};
    use whittle_module::apply;

    const REMOVE_GLOBAL: &RemoveItems = &RemoveItems(ItemKind::Global);
    const REMOVE_TABLE: &RemoveItems = &RemoveItems(ItemKind::Table);
    const REMOVE_MEMORY: &RemoveItems = &RemoveItems(ItemKind::Memory);
    const REMOVE_TAG: &RemoveItems = &RemoveItems(ItemKind::Tag);

    #[test]
    fn removes_globals_and_repairs_reads_and_writes() {
        let out = run(
            REMOVE_GLOBAL,
            r#"(module
                 (global $a (mut f64) (f64.const 1))
                 (global $b (mut i64) (i64.const 2))
                 (func (result i64) f64.const 3 global.set $a global.get $b))"#,
            &[0],
        );
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (result i64)))
              (global $b (;0;) (mut i64) i64.const 2)
              (func (;0;) (type 0) (result i64)
                f64.const 0x1.8p+1 (;=3;)
                drop
                global.get $b
              )
            )"#,
        );
    }

    const TABLES_WAT: &str = r#"(module
        (import "env" "t" (table 1 funcref))
        (table $unused 2 externref)
        (table $used 3 funcref)
        (func (result funcref) i32.const 0 table.get $used))"#;

    #[test]
    fn removes_unused_tables() {
        assert_eq!(REMOVE_TABLE.targets(&module(TABLES_WAT)).len(), 2);
        let out = run(REMOVE_TABLE, TABLES_WAT, &[0]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (result funcref)))
              (import "env" "t" (table (;0;) 1 funcref))
              (table $used (;1;) 3 funcref)
              (func (;0;) (type 0) (result funcref)
                i32.const 0
                table.get $used
              )
            )"#,
        );
    }

    #[test]
    fn a_used_table_is_unrepairable() {
        let m = module(TABLES_WAT);
        let edit = edit_of(REMOVE_TABLE, &m, &[1]).unwrap();
        assert!(apply(&m, &edit).is_err());
    }

    #[test]
    fn removes_an_unused_memory_and_renumbers_the_rest() {
        let out = run(
            REMOVE_MEMORY,
            r#"(module
                 (memory $a 1)
                 (memory $b 2)
                 (func (result i32) i32.const 0 i32.load $b))"#,
            &[0],
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

    #[test]
    fn removes_an_unused_tag() {
        let out = run(
            REMOVE_TAG,
            r#"(module
                 (tag $unused (param i64))
                 (tag $e (param i32))
                 (func i32.const 1 throw $e))"#,
            &[0],
        );
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i64)))
              (type (;1;) (func (param i32)))
              (type (;2;) (func))
              (tag $e (;0;) (type 1) (param i32))
              (func (;0;) (type 2)
                i32.const 1
                throw $e
              )
            )"#,
        );
    }
}
