//! Remove defined tables. A table still used by `call_indirect`, `table.get` or an
//! element segment cannot be repaired, so such a candidate is skipped
//! without an oracle call; unused tables (often most of them) go.
use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveTables;

impl Pass for RemoveTables {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(m.table_index_types.len() - m.num_imported_tables as usize)
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        Ok(Edit {
            remove_tables: choice
                .subset()
                .iter()
                .map(|&i| m.num_imported_tables + i as u32)
                .collect(),
            ..Edit::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};
    use whittle_module::apply;

    const WAT: &str = r#"(module
        (import "env" "t" (table 1 funcref))
        (table $unused 2 externref)
        (table $used 3 funcref)
        (func (result funcref) i32.const 0 table.get $used))"#;

    #[test]
    fn removes_unused_tables() {
        assert_eq!(RemoveTables.search(&module(WAT)), Search::Subsets(2));
        let out = run(&RemoveTables, WAT, Choice::Subset(&[0].into()));
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
        let m = module(WAT);
        let edit = RemoveTables.edit(&m, Choice::Subset(&[1].into())).unwrap();
        assert!(apply(&m, &edit).is_err());
    }
}
