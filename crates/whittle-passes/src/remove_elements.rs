//! Remove element segments (table initializers and `ref.func`
//! declarations). `table.init` of a removed segment becomes drops.

use crate::contract::SubsetPass;
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveElements;

impl SubsetPass for RemoveElements {
    /// An element segment's index.
    type Target = u32;

    fn targets(&self, m: &Module) -> Vec<u32> {
        (0..m.num_elements).collect()
    }

    fn edit(&self, _m: &Module, chosen: &[&u32]) -> Result<Edit> {
        Ok(Edit {
            remove_elements: chosen.iter().map(|&&i| i).collect(),
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
            &[0, 1],
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
