//! Remove unused types, a whole recursion group at a time (types inside a
//! group refer to each other, so a group is the unit that can go).
//! Only groups nothing else refers to are offered; a group freed by an
//! earlier removal is found on the next round.

use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{used_types, Edit, Module};

pub struct RemoveTypes;

fn targets(m: &Module) -> Vec<usize> {
    let used = used_types(m).unwrap_or_default();
    (0..m.rec_groups.len())
        .filter(|&g| {
            !m.types
                .iter()
                .enumerate()
                .any(|(i, (tg, _))| *tg == g && used.contains(&(i as u32)))
        })
        .collect()
}

impl Pass for RemoveTypes {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(targets(m).len())
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        let targets = targets(m);
        Ok(Edit {
            remove_type_groups: choice.subset().iter().map(|&i| targets[i]).collect(),
            ..Edit::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const WAT: &str = r#"(module
        (type $a (func (param i32)))
        (rec (type $r1 (struct (field (ref null $r2)))) (type $r2 (struct)))
        (type $used (func (result i32)))
        (func (type $used) i32.const 0))"#;

    #[test]
    fn offers_only_unreferenced_groups() {
        assert_eq!(RemoveTypes.search(&module(WAT)), Search::Subsets(2));
    }

    #[test]
    fn removes_whole_groups() {
        let out = run(&RemoveTypes, WAT, Choice::Subset(&[0, 1].into()));
        assert_wat(
            &out,
            r#"(module
              (type $used (;0;) (func (result i32)))
              (func (;0;) (type $used) (result i32)
                i32.const 0
              )
            )"#,
        );
    }
}
