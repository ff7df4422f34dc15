//! Remove imports of every kind. Function imports are repaired like removed
//! functions, global imports like removed globals; a removed table, memory
//! or tag that is still used makes the candidate unrepairable (skipped).

use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, ItemKind, Module};

pub struct RemoveImports;

impl Pass for RemoveImports {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(m.imports.len())
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        let mut edit = Edit::default();
        for &i in choice.subset() {
            let import = &m.imports[i];
            let set = match import.kind {
                ItemKind::Func => &mut edit.remove_funcs,
                ItemKind::Table => &mut edit.remove_tables,
                ItemKind::Memory => &mut edit.remove_memories,
                ItemKind::Global => &mut edit.remove_globals,
                ItemKind::Tag => &mut edit.remove_tags,
            };
            set.insert(import.index);
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
            Choice::Subset(&[0, 1].into()),
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
