//! Remove unused types, a whole recursion group at a time (types inside a
//! group refer to each other, so a group is the unit that can go).
//! Only groups nothing else refers to are offered; a group freed by an
//! earlier removal is found on the next round.

use crate::contract::SubsetPass;
use anyhow::Result;
use whittle_module::{used_types, Edit, Module};

pub struct RemoveTypes;

impl SubsetPass for RemoveTypes {
    /// A recursion group none of whose types is used.
    type Target = usize;

    fn targets(&self, m: &Module) -> Vec<usize> {
        let used = used_types(m).unwrap_or_default();
        let mut group_used = vec![false; m.rec_groups.len()];
        for (i, (group, _)) in m.types.iter().enumerate() {
            group_used[*group] |= used.contains(&(i as u32));
        }
        (0..m.rec_groups.len())
            .filter(|&g| !group_used[g])
            .collect()
    }

    fn edit(&self, _m: &Module, chosen: &[&usize]) -> Result<Edit> {
        Ok(Edit {
            remove_type_groups: chosen.iter().map(|&&g| g).collect(),
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
        assert_eq!(RemoveTypes.targets(&module(WAT)).len(), 2);
    }

    #[test]
    fn removes_whole_groups() {
        let out = run(&RemoveTypes, WAT, &[0, 1]);
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
