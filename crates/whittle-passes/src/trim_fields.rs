//! Remove fields from struct types. Accesses to the remaining fields are
//! renumbered. Only fields nothing reads or writes, of types never built
//! with `struct.new` (which would need its arguments dropped), are offered
//! (the rewriter refuses the others as unrepairable), each run of alike
//! ones as one target (see `shorten-fields`); subtyping that breaks is
//! caught by validation.

use crate::shorten_fields::field_runs;
use crate::SubsetPass;
use anyhow::Result;
use std::ops::Range;
use whittle_module::{Edit, Module};

pub struct TrimFields;

/// The edit removing these fields (by struct type).
pub(crate) fn fields_edit(chosen: impl IntoIterator<Item = (u32, Range<u32>)>) -> Edit {
    let mut edit = Edit::default();
    for (t, fields) in chosen {
        edit.remove_fields.entry(t).or_default().extend(fields);
    }
    edit
}

impl SubsetPass for TrimFields {
    /// (struct type, field indices) of a run of alike fields (see
    /// `shorten-fields`); fields that cannot go are not offered.
    type Target = (u32, Range<u32>);

    fn targets(&self, m: &Module) -> Vec<(u32, Range<u32>)> {
        field_runs(m)
            .into_iter()
            .filter(|(_, run)| run.key.is_some())
            .map(|(t, run)| (t, run.range))
            .collect()
    }

    fn edit(&self, _m: &Module, chosen: &[&(u32, Range<u32>)]) -> Result<Edit> {
        Ok(fields_edit(chosen.iter().map(|(t, r)| (*t, r.clone()))))
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
    fn offers_the_fields_nothing_accesses() {
        assert_eq!(TrimFields.targets(&module(WAT)), [(0, 0..1)]);
        let built = module(
            "(module (type $s (struct (field i32)))
               (func (result (ref $s)) i32.const 0 struct.new $s))",
        );
        assert!(TrimFields.targets(&built).is_empty());
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
        let edit = fields_edit([(0, 1..2)]);
        assert!(apply(&m, &edit).is_err());
    }
}
