//! The parameters and results of function types as the signature passes
//! see them: the runs of interchangeable entries (`trim-params` and
//! `trim-results` offer each as one target, `shorten-params` and
//! `shorten-results` bisect runs of one type), and the edit that drops
//! entries from a type and from the types that must change with it.
//!
//! `trim-params`/`trim-results` take entries out one by one, except runs of
//! entries that are alike in every respect, where removing any one gives
//! the same behaviour: parameters that no function of the type reads or
//! writes (callers still evaluate the argument, then drop it), and results
//! of a type that no code returns or receives (no defined function has it,
//! no call reaches one). A run of those is one target. Results a program
//! computes and uses are not interchangeable: of `(result i32 i32)`, a
//! miscompile may need the second and not the first.

use crate::find::{collect_ops, defined};
use crate::locals::used_locals;
use crate::runs::{item_runs, Run};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use wasmparser::Operator;
use whittle_module::types::ValType;
use whittle_module::{Edit, Module, Retype, TypeFamilies};

/// Which list of a function type a signature pass trims.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SigList {
    Params,
    Results,
}

/// The `Retype`s that drop the chosen positions of the chosen function
/// types and of the types that must change with them.
pub(crate) fn signature_edit(
    m: &Module,
    list: SigList,
    chosen: impl IntoIterator<Item = (u32, Range<u32>)>,
) -> Edit {
    let families = TypeFamilies::of(m);
    let chosen = chosen.into_iter().flat_map(|(t, positions)| {
        families
            .family(t, |_| true)
            .into_iter()
            .map(move |u| (u, positions.clone()))
    });
    let mut edit = Edit::default();
    for (t, positions) in chosen {
        let Some((params, results)) = m.func_type(t) else {
            continue;
        };
        let retype = edit.retype.entry(t).or_insert_with(|| Retype {
            keep_params: vec![true; params.len()],
            keep_results: vec![true; results.len()],
        });
        let keep = match list {
            SigList::Params => &mut retype.keep_params,
            SigList::Results => &mut retype.keep_results,
        };
        for k in positions {
            if let Some(k) = keep.get_mut(k as usize) {
                *k = false;
            }
        }
    }
    edit
}

/// For each function type, the parameters whose values some code may
/// observe: those a defined function of the type reads or writes (all of
/// them when its body cannot be read), and all of an imported function's.
fn used_params(m: &Module) -> BTreeMap<u32, BTreeSet<u32>> {
    let mut used: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    for f in 0..m.num_funcs() {
        let t = m.func_types[f as usize];
        let n = m.func_type(t).map_or(0, |(params, _)| params.len() as u32);
        if n < 2 {
            continue;
        }
        let set = used.entry(t).or_default();
        match used_locals(m, f) {
            Ok(locals) if f >= m.num_imported_funcs => set.extend(locals.range(..n)),
            _ => set.extend(0..n),
        }
    }
    used
}

/// The function types whose results some code returns or receives: those
/// of defined functions, and those that calls go through.
fn types_with_results_in_code(m: &Module) -> BTreeSet<u32> {
    let mut types: BTreeSet<u32> = (0..m.num_defined_funcs() as usize)
        .map(|i| m.func_types[defined(m, i) as usize])
        .collect();
    let called = collect_ops(m, |op| match *op {
        Operator::Call { function_index } | Operator::ReturnCall { function_index } => {
            m.func_types.get(function_index as usize).copied()
        }
        Operator::CallIndirect { type_index, .. }
        | Operator::ReturnCallIndirect { type_index, .. }
        | Operator::CallRef { type_index }
        | Operator::ReturnCallRef { type_index } => Some(type_index),
        _ => None,
    });
    types.extend(called.into_iter().map(|(_, _, t)| t));
    types
}

/// Every function type not used by a tag (a tag's signature cannot be
/// repaired) with the runs of its parameters or results, in type order:
/// runs of entries of one type for which `alike(type, position)` holds for
/// every type that changes with it, every other entry alone. A family of
/// types that change together (see [`TypeFamilies`]) is offered under its
/// first type only.
pub(crate) fn runs_where(
    m: &Module,
    list: SigList,
    alike: impl Fn(u32, u32) -> bool,
) -> Vec<(u32, Run<ValType>)> {
    let tag_types: BTreeSet<u32> = m.tag_types.iter().copied().collect();
    let families = TypeFamilies::of(m);
    let mut out = Vec::new();
    // Each family once (its members share it): asked of every type, a
    // module of 2,000 identical types walked 2,000 families of 2,000.
    let mut in_a_family = vec![false; m.types.len()];
    for t in 0..m.types.len() as u32 {
        if in_a_family[t as usize] {
            continue;
        }
        let family = families.family(t, |_| true);
        for &u in &family {
            if let Some(seen) = in_a_family.get_mut(u as usize) {
                *seen = true;
            }
        }
        if family.first() != Some(&t) || family.iter().any(|u| tag_types.contains(u)) {
            continue;
        }
        let Some((params, results)) = m.func_type(t) else {
            continue;
        };
        let entries = match list {
            SigList::Params => params,
            SigList::Results => results,
        };
        let keys = (0u32..)
            .zip(entries)
            .map(|(i, ty)| family.iter().all(|&u| alike(u, i)).then_some(*ty));
        out.extend(item_runs(keys).into_iter().map(|run| (t, run)));
    }
    out
}

/// The runs `trim-params`/`trim-results` offer as one target each: runs of
/// interchangeable entries, and every other entry alone.
pub(crate) fn signature_runs(m: &Module, list: SigList) -> Vec<(u32, Run<ValType>)> {
    match list {
        SigList::Params => {
            let used = used_params(m);
            runs_where(m, list, |t, i| {
                !used.get(&t).is_some_and(|u| u.contains(&i))
            })
        }
        SigList::Results => {
            let in_code = types_with_results_in_code(m);
            runs_where(m, list, |t, _| !in_code.contains(&t))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shorten_signatures::ShortenSignature;
    use crate::testutil::{lengths_of, module};
    use SigList::{Params, Results};

    /// (type, positions, interchangeable) of each run of `list` in `m`.
    fn runs_of(m: &Module, list: SigList) -> Vec<(u32, Range<u32>, bool)> {
        signature_runs(m, list)
            .into_iter()
            .map(|(t, r)| (t, r.range, r.key.is_some()))
            .collect()
    }

    #[test]
    fn parameters_are_interchangeable_when_no_function_uses_them() {
        let m = module(
            r#"(module
                 (type $t (func (param i32 i32 i32 i32 f32 f32)))
                 (func (type $t) local.get 1 drop)
                 (func (type $t))
                 (func (param i64 i64 i64)))"#,
        );
        assert_eq!(
            runs_of(&m, Params),
            [
                (0, 0..1, true),
                (0, 1..2, false),
                (0, 2..4, true),
                (0, 4..6, true),
                (1, 0..3, true)
            ]
        );
        // For the count, every run of one type is shortened.
        assert_eq!(lengths_of(&ShortenSignature(Params), &m), vec![4, 2, 3]);
    }

    #[test]
    fn results_are_interchangeable_when_no_code_returns_or_receives_them() {
        let m = module(
            r#"(module
                 (type $called (func (result i32 i32)))
                 (type $alone (func (result i32 i32 f32)))
                 (import "env" "f" (func $f (type $called)))
                 (func $g (result i64 i64) call $f drop drop i64.const 0 i64.const 1))"#,
        );
        assert_eq!(
            runs_of(&m, Results),
            [
                (0, 0..1, false),
                (0, 1..2, false),
                (1, 0..2, true),
                (1, 2..3, true),
                (2, 0..1, false),
                (2, 1..2, false)
            ]
        );
        assert_eq!(lengths_of(&ShortenSignature(Results), &m), vec![2, 2, 2]);
    }
}
