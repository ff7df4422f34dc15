//! Remove data segments. `memory.init` of a removed segment becomes three
//! drops and `data.drop` disappears, so passive segments go too.

use crate::contract::SubsetPass;
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveData;

impl SubsetPass for RemoveData {
    /// A data segment's index.
    type Target = u32;

    fn targets(&self, m: &Module) -> Vec<u32> {
        (0..m.num_data).collect()
    }

    fn edit(&self, _m: &Module, chosen: &[&u32]) -> Result<Edit> {
        Ok(Edit {
            remove_data: chosen.iter().map(|&&i| i).collect(),
            ..Edit::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, run};

    #[test]
    fn removes_active_and_passive_segments() {
        let out = run(
            &RemoveData,
            r#"(module (memory 1)
                 (data (i32.const 0) "active")
                 (data $p "passive")
                 (data (i32.const 8) "kept")
                 (func i32.const 0 i32.const 0 i32.const 2 memory.init $p data.drop $p))"#,
            &[0, 1],
        );
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func))
              (memory (;0;) 1)
              (func (;0;) (type 0)
                i32.const 0
                i32.const 0
                i32.const 2
                drop
                drop
                drop
              )
              (data (;0;) (i32.const 8) "kept")
            )"#,
        );
    }
}
