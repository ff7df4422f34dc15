//! Remove defined exception tags. A tag still thrown or caught cannot be
//! repaired and such a candidate is skipped without an oracle call.

use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct RemoveTags;

impl Pass for RemoveTags {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(m.tag_types.len() - m.num_imported_tags as usize)
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        Ok(Edit {
            remove_tags: choice
                .subset()
                .iter()
                .map(|&i| m.num_imported_tags + i as u32)
                .collect(),
            ..Edit::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, run};

    #[test]
    fn removes_an_unused_tag() {
        let out = run(
            &RemoveTags,
            r#"(module
                 (tag $unused (param i64))
                 (tag $e (param i32))
                 (func i32.const 1 throw $e))"#,
            Choice::Subset(&[0].into()),
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
