//! Remove data segments. `memory.init` of a removed segment becomes three
//! drops and `data.drop` disappears, so passive segments go too.

use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveData;

impl Pass for RemoveData {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(m.num_data as usize)
    }

    fn edit(&self, _m: &Module, choice: Choice<'_>) -> Result<Edit> {
        Ok(Edit {
            remove_data: choice.subset().iter().map(|&i| i as u32).collect(),
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
            Choice::Subset(&[0, 1].into()),
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
