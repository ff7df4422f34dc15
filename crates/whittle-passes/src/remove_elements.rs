//! Remove element segments (table initializers and `ref.func`
//! declarations). `table.init` of a removed segment becomes drops.

use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveElements;

impl Pass for RemoveElements {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(m.num_elements as usize)
    }

    fn edit(&self, _m: &Module, choice: Choice<'_>) -> Result<Edit> {
        Ok(Edit {
            remove_elements: choice.subset().iter().map(|&i| i as u32).collect(),
            ..Edit::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, run};

    #[test]
    fn removes_segments_and_repairs_table_init() {
        let out = run(
            &RemoveElements,
            r#"(module (table 4 funcref) (func $f)
                 (elem (i32.const 0) $f)
                 (elem $p func $f)
                 (func i32.const 0 i32.const 0 i32.const 1 table.init $p elem.drop $p))"#,
            Choice::Subset(&[0, 1].into()),
        );
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func))
              (table (;0;) 4 funcref)
              (func $f (;0;) (type 0))
              (func (;1;) (type 0)
                i32.const 0
                i32.const 0
                i32.const 1
                drop
                drop
                drop
              )
            )"#,
        );
    }
}
