//! Shorten runs of alike struct fields by bisection: keep the first `k`.
//!
//! Fields are alike when they are consecutive, of one storage type and
//! mutability, and no code reads or writes them: taking out any `n` of such
//! a run gives the same type and the same code, so only their number can
//! matter (Wasmtime refuses more than 10,000 fields; a GC layout bug may
//! need a big struct). Fields that are accessed cannot go at all (the
//! access would dangle), and neither can any field of a type built with
//! `struct.new` (its operands would need dropping) or accessed atomically
//! (the rewriter does not renumber those): such fields are not offered.
//! `trim-fields` offers each run of alike fields as one target.

use crate::contract::LengthPass;
use crate::fields::{field_runs, fields_edit};
use crate::runs::{long_run_lengths, tail};
use anyhow::Result;
use std::ops::Range;
use whittle_module::{Edit, Module};

pub struct ShortenFields;

impl LengthPass for ShortenFields {
    /// (struct type, field indices) of a run of at least two alike fields.
    type Target = (u32, Range<u32>);

    fn targets(&self, m: &Module) -> Vec<((u32, Range<u32>), usize)> {
        long_run_lengths(field_runs(m))
    }

    fn edit(&self, m: &Module, chosen: &[(&(u32, Range<u32>), usize)]) -> Result<Edit> {
        Ok(fields_edit(
            m,
            chosen.iter().map(|&((t, run), keep)| (*t, tail(run, keep))),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, lengths_of, module, run_lengths};

    const WAT: &str = r#"(module
        (type $p (struct (field i32 i32 i32) (field $x (mut i32)) (field f64 f64 f64)))
        (type $built (struct (field i32 i32)))
        (func (param (ref $p)) (result i32)
          local.get 0
          struct.get $p $x)
        (func (result (ref $built))
          i32.const 1 i32.const 2 struct.new $built))"#;

    #[test]
    fn runs_are_unaccessed_fields_of_types_never_built_from_operands() {
        let runs: Vec<(u32, Range<u32>, bool)> = field_runs(&module(WAT))
            .into_iter()
            .map(|(t, r)| (t, r.range, r.key.is_some()))
            .collect();
        assert_eq!(runs, [(0, 0..3, true), (0, 3..4, false), (0, 4..7, true)]);
        assert_eq!(lengths_of(&ShortenFields, &module(WAT)), vec![3, 3]);
    }

    #[test]
    fn keeps_the_first_fields_of_runs_and_renumbers_accesses() {
        let out = run_lengths(&ShortenFields, WAT, &[(0, 1), (1, 0)]);
        assert_wat(
            &out,
            r#"(module
              (type $p (;0;) (struct (field i32) (field (mut i32))))
              (type $built (;1;) (struct (field i32) (field i32)))
              (type (;2;) (func (param (ref $p)) (result i32)))
              (type (;3;) (func (result (ref $built))))
              (func (;0;) (type 2) (param (ref $p)) (result i32)
                local.get 0
                struct.get $p 1
              )
              (func (;1;) (type 3) (result (ref $built))
                i32.const 1
                i32.const 2
                struct.new $built
              )
            )"#,
        );
    }
}
