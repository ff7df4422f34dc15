//! Remove imports of every kind. Function imports are repaired like removed
//! functions, global imports like removed globals; a removed table, memory
//! or tag that is still used makes the candidate unrepairable (skipped).

use crate::contract::SubsetPass;
use anyhow::Result;
use whittle_module::{Edit, ItemKind, Module};

pub struct RemoveImports;

impl SubsetPass for RemoveImports {
    /// The kind and absolute index of what an import defines.
    type Target = (ItemKind, u32);

    fn targets(&self, m: &Module) -> Vec<(ItemKind, u32)> {
        m.imports.iter().map(|i| (i.kind, i.index)).collect()
    }

    fn edit(&self, _m: &Module, chosen: &[&(ItemKind, u32)]) -> Result<Edit> {
        let mut edit = Edit::default();
        for &&(kind, index) in chosen {
            edit.remove(kind, index);
        }
        Ok(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, run};

    #[test]
    fn removes_function_and_global_imports() {
        let out = run(
            &RemoveImports,
            r#"(module
                 (import "env" "f" (func $f (param i32) (result i32)))
                 (import "env" "g" (global $g i32))
                 (import "env" "m" (memory 1))
                 (func (result i32) global.get $g call $f))"#,
            &[0, 1],
        );
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32) (result i32)))
              (type (;1;) (func (result i32)))
              (import "env" "m" (memory (;0;) 1))
              (func (;0;) (type 1) (result i32)
                i32.const 0
                drop
                i32.const 0
              )
            )"#,
        );
    }
}
