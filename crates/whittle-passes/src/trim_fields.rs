//! Remove fields from struct types. Accesses to the remaining fields are
//! renumbered; a type whose instances are built with `struct.new` (which
//! would need its arguments dropped) or whose removed field is still read
//! or written is skipped as unrepairable, and subtyping that breaks is
//! caught by validation.

use crate::SubsetPass;
use anyhow::Result;
use whittle_module::types::Composite;
use whittle_module::{Edit, Module};

pub struct TrimFields;

impl SubsetPass for TrimFields {
    /// (struct type, field index).
    type Target = (u32, u32);

    fn targets(&self, m: &Module) -> Vec<(u32, u32)> {
        let mut all = Vec::new();
        for (t, (_, ty)) in m.types.iter().enumerate() {
            if let Composite::Struct(fields) = &ty.composite {
                all.extend((0..fields.len() as u32).map(|f| (t as u32, f)));
            }
        }
        all
    }

    fn edit(&self, _m: &Module, chosen: &[&(u32, u32)]) -> Result<Edit> {
        let mut edit = Edit::default();
        for &&(t, f) in chosen {
            edit.remove_fields.entry(t).or_default().insert(f);
        }
        Ok(edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, edit_of, module, run};
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
        assert_eq!(TrimFields.targets(&module(WAT)).len(), 3);
    }

    #[test]
    fn renumbers_accesses_to_kept_fields() {
        let out = run(&TrimFields, WAT, &[0]);
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
        let edit = edit_of(&TrimFields, &m, &[1]).unwrap();
        assert!(apply(&m, &edit).is_err());
    }
}
