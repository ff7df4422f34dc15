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

use crate::runs::{runs, tail, Run};
use crate::trim_fields::{field_family, fields_edit};
use crate::util::collect_ops;
use crate::LengthPass;
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use wasmparser::Operator;
use whittle_module::types::{Composite, Field};
use whittle_module::{Edit, Module, TypeFamilies};

pub struct ShortenFields;

/// What the code does with a struct type's fields.
enum Access {
    /// Reads or writes this field.
    Field(u32),
    /// Builds the type from operands or accesses a field atomically.
    Frozen,
}

fn access(op: &Operator<'_>) -> Option<(u32, Access)> {
    use Operator as O;
    Some(match *op {
        O::StructGet {
            struct_type_index,
            field_index,
        }
        | O::StructGetS {
            struct_type_index,
            field_index,
        }
        | O::StructGetU {
            struct_type_index,
            field_index,
        }
        | O::StructSet {
            struct_type_index,
            field_index,
        } => (struct_type_index, Access::Field(field_index)),
        O::StructNew { struct_type_index }
        | O::StructNewDesc { struct_type_index }
        | O::StructAtomicGet {
            struct_type_index, ..
        }
        | O::StructAtomicGetS {
            struct_type_index, ..
        }
        | O::StructAtomicGetU {
            struct_type_index, ..
        }
        | O::StructAtomicSet {
            struct_type_index, ..
        }
        | O::StructAtomicRmwAdd {
            struct_type_index, ..
        }
        | O::StructAtomicRmwSub {
            struct_type_index, ..
        }
        | O::StructAtomicRmwAnd {
            struct_type_index, ..
        }
        | O::StructAtomicRmwOr {
            struct_type_index, ..
        }
        | O::StructAtomicRmwXor {
            struct_type_index, ..
        }
        | O::StructAtomicRmwXchg {
            struct_type_index, ..
        }
        | O::StructAtomicRmwCmpxchg {
            struct_type_index, ..
        } => (struct_type_index, Access::Frozen),
        _ => return None,
    })
}

/// The fields of every struct type that can lose some, in runs: each
/// maximal run of alike fields (keyed by the field), and each accessed
/// field alone (no key). What the code does to one type of a family (see
/// [`TypeFamilies`]) counts for all of them, and a run is offered under the
/// first type of the family that would lose it.
pub(crate) fn field_runs(m: &Module) -> Vec<(u32, Run<Field>)> {
    let mut used: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    let mut frozen: BTreeSet<u32> = BTreeSet::new();
    for (_, _, (t, access)) in collect_ops(m, access) {
        match access {
            Access::Field(f) => {
                used.entry(t).or_default().insert(f);
            }
            Access::Frozen => {
                frozen.insert(t);
            }
        }
    }
    let families = TypeFamilies::of(m);
    let mut out = Vec::new();
    for (t, (_, ty)) in (0u32..).zip(&m.types) {
        let Composite::Struct(fields) = &ty.composite else {
            continue;
        };
        let family = families.family(t, |_| true);
        if family.iter().any(|u| frozen.contains(u)) {
            continue;
        }
        let used: BTreeSet<u32> = family
            .iter()
            .filter_map(|u| used.get(u))
            .flatten()
            .copied()
            .collect();
        let pieces = (0u32..)
            .zip(fields)
            .map(|(i, field)| (i..i + 1, (!used.contains(&i)).then_some(*field)));
        out.extend(
            runs(pieces)
                .into_iter()
                .filter(|run| field_family(m, &families, t, &run.range).first() == Some(&t))
                .map(|run| (t, run)),
        );
    }
    out
}

impl LengthPass for ShortenFields {
    /// (struct type, field indices) of a run of at least two alike fields.
    type Target = (u32, Range<u32>);

    fn targets(&self, m: &Module) -> Vec<((u32, Range<u32>), usize)> {
        field_runs(m)
            .into_iter()
            .filter(|(_, run)| run.is_long())
            .map(|(t, run)| ((t, run.range.clone()), run.len() as usize))
            .collect()
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
