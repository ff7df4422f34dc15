//! Merge duplicate types: a type equal to an earlier one (both alone in
//! their recursion group) is replaced by it everywhere and removed.
//! Reductions leave such duplicates behind (`(type (func))` twice), and
//! each is a line of noise in the result.

use crate::contract::SubsetPass;
use anyhow::Result;
use std::collections::HashMap;
use whittle_module::{Edit, Module};

pub struct MergeTypes;

impl SubsetPass for MergeTypes {
    /// (duplicate type, the earlier type it equals).
    type Target = (u32, u32);

    fn targets(&self, m: &Module) -> Vec<(u32, u32)> {
        let mut first: HashMap<&whittle_module::types::SubType, u32> = HashMap::new();
        let mut all = Vec::new();
        for (i, (group, ty)) in m.types.iter().enumerate() {
            let alone = m.rec_groups[*group].types.len() == 1 && !m.rec_groups[*group].explicit;
            // Types that refer to other types would need those compared too.
            let self_contained = format!("{ty:?}").find("Concrete").is_none()
                && ty.supertype.is_none()
                && ty.describes.is_none()
                && ty.descriptor.is_none()
                && !matches!(ty.composite, whittle_module::types::Composite::Cont(_));
            if !alone || !self_contained {
                continue;
            }
            match first.get(ty) {
                Some(&earlier) => all.push((i as u32, earlier)),
                None => {
                    first.insert(ty, i as u32);
                }
            }
        }
        all
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, u32)]) -> Result<Edit> {
        let mut edit = Edit::default();
        for &&(dup, earlier) in chosen {
            edit.type_aliases.insert(dup, earlier);
            edit.remove_type_groups.insert(m.types[dup as usize].0);
        }
        Ok(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const WAT: &str = r#"(module
        (type $a (func))
        (type $b (func (param i32)))
        (type $c (func))
        (func (type $a))
        (func (type $c) call 0)
        (func (type $b) i32.const 0 call_indirect (type $c)))"#;

    #[test]
    fn finds_duplicates() {
        assert_eq!(MergeTypes.targets(&module(WAT)).len(), 1);
    }

    #[test]
    fn merges_every_reference() {
        let out = run(
            &MergeTypes,
            &WAT.replace("(func (type $b)", "(table 1 funcref) (func (type $b)"),
            &[0],
        );
        assert_wat(
            &out,
            r#"(module
              (type $a (;0;) (func))
              (type $b (;1;) (func (param i32)))
              (table (;0;) 1 funcref)
              (func (;0;) (type $a))
              (func (;1;) (type $a)
                call 0
              )
              (func (;2;) (type $b) (param i32)
                i32.const 0
                call_indirect (type $a)
              )
            )"#,
        );
    }
}
