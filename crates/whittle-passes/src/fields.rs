//! The fields of struct types as the field passes see them: which the code
//! accesses, the runs of alike ones (`trim-fields` offers each as one
//! target, `shorten-fields` bisects it), the types that lose a field
//! together, and the edit taking fields out.

use crate::find::collect_ops;
use crate::runs::{runs, Run};
use crate::struct_access::{access, Access};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use whittle_module::types::{Composite, Field};
use whittle_module::{Edit, Module, TypeFamilies};

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
    for (t, (_, ty)) in (0u32..).zip(m.types.iter()) {
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

/// The number of fields of type `t`, if it is a struct.
pub(crate) fn field_count(m: &Module, t: u32) -> Option<u32> {
    match &m.types.get(t as usize)?.1.composite {
        Composite::Struct(fields) => Some(fields.len() as u32),
        _ => None,
    }
}

/// The types that lose fields `fields` with `t`: its family, with the
/// supertypes that have the first of those fields.
pub(crate) fn field_family(
    m: &Module,
    families: &TypeFamilies,
    t: u32,
    fields: &Range<u32>,
) -> BTreeSet<u32> {
    families.family(t, |s| field_count(m, s).is_some_and(|n| n > fields.start))
}

/// The edit removing these fields (by struct type) from their families
/// (a supertype only loses those it has).
pub(crate) fn fields_edit(m: &Module, chosen: impl IntoIterator<Item = (u32, Range<u32>)>) -> Edit {
    let families = TypeFamilies::of(m);
    let mut edit = Edit::default();
    for (t, fields) in chosen {
        for u in field_family(m, &families, t, &fields) {
            let n = field_count(m, u).unwrap_or(0);
            edit.remove_fields
                .entry(u)
                .or_default()
                .extend(fields.start..fields.end.min(n));
        }
    }
    edit
}
