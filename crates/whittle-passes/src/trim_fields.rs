//! Remove fields from struct types. Accesses to the remaining fields are
//! renumbered; a type whose instances are built with `struct.new` (which
//! would need its arguments dropped) or whose removed field is still read
//! or written is skipped as unrepairable, and subtyping that breaks is
//! caught by validation.

use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::types::Composite;
use whittle_module::{Edit, Module};

pub struct TrimFields;

/// (struct type, field index) of every field of every struct type.
fn targets(m: &Module) -> Vec<(u32, u32)> {
    let mut all = Vec::new();
    for (t, (_, ty)) in m.types.iter().enumerate() {
        if let Composite::Struct(fields) = &ty.composite {
            all.extend((0..fields.len() as u32).map(|f| (t as u32, f)));
        }
    }
    all
}

impl Pass for TrimFields {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(targets(m).len())
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        let targets = targets(m);
        let mut edit = Edit::default();
        for &i in choice.subset() {
            let (t, f) = targets[i];
            edit.remove_fields.entry(t).or_default().insert(f);
        }
        Ok(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};
    use whittle_module::apply;

    const WAT: &str = r#"(module
        (type $p (struct (field $x i32) (field $y (mut f64)) (field $z i64)))
        (func (param (ref $p)) (result i64)
          local.get 0
          f64.const 1
          struct.set $p $y
          local.get 0
          struct.get $p $z))"#;

    #[test]
    fn offers_every_field() {
        assert_eq!(TrimFields.search(&module(WAT)), Search::Subsets(3));
    }

    #[test]
    fn renumbers_accesses_to_kept_fields() {
        let out = run(&TrimFields, WAT, Choice::Subset(&[0].into()));
        assert_wat(
            &out,
            r#"(module
              (type $p (;0;) (struct (field (mut f64)) (field i64)))
              (type (;1;) (func (param (ref $p)) (result i64)))
              (func (;0;) (type 1) (param (ref $p)) (result i64)
                local.get 0
                f64.const 0x1p+0 (;=1;)
                struct.set $p 0
                local.get 0
                struct.get $p 1
              )
            )"#,
        );
    }

    #[test]
    fn a_removed_field_still_used_is_unrepairable() {
        let m = module(WAT);
        let edit = TrimFields.edit(&m, Choice::Subset(&[1].into())).unwrap();
        assert!(apply(&m, &edit).is_err());
    }
}
