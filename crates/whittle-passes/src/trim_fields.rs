//! Remove fields from struct types. Accesses to the remaining fields are
//! renumbered. Only fields nothing reads or writes, of types never built
//! with `struct.new` (which would need its arguments dropped), are offered
//! (the rewriter refuses the others as unrepairable), each run of alike
//! ones as one target (see `shorten-fields`). Types that must stay alike
//! (identical types, subtypes extending the type: see [`TypeFamilies`](whittle_module::TypeFamilies))
//! lose the fields together, and are offered once, under the first of
//! them.

use crate::contract::SubsetPass;
use crate::fields::{field_runs, fields_edit};
use anyhow::Result;
use std::ops::Range;
use whittle_module::{Edit, Module};

pub struct TrimFields;

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

    fn edit(&self, m: &Module, chosen: &[&(u32, Range<u32>)]) -> Result<Edit> {
        Ok(fields_edit(m, chosen.iter().map(|(t, r)| (*t, r.clone()))))
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
        let edit = fields_edit(&m, [(0, 1..2)]);
        assert!(apply(&m, &edit).is_err());
    }

    #[test]
    fn a_field_goes_from_identical_types_and_subtypes_too() {
        let wat = r#"(module
            (type $a (sub (struct (field i32))))
            (type $b (sub $a (struct (field i32) (field i64))))
            (type $a2 (sub (struct (field i32)))))"#;
        // $a2 is $a and $b extends it: field 0 is offered once, under $a;
        // field 1 is $b's own.
        assert_eq!(TrimFields.targets(&module(wat)), [(0, 0..1), (1, 1..2)]);
        let out = run(&TrimFields, wat, &[0]);
        assert_wat(
            &out,
            r#"(module
              (type $a (;0;) (sub (struct)))
              (type $b (;1;) (sub $a (struct (field i64))))
              (type $a2 (;2;) (sub (struct)))
            )"#,
        );
    }
}
