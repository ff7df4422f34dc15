//! Operators picked out of every defined function's code: the targets of
//! the passes that work on single instructions.

use std::collections::{BTreeMap, BTreeSet};
use whittle_module::{frames, Module, Step};

/// Index of the `i`th defined function.
pub fn defined(m: &Module, i: usize) -> u32 {
    m.num_imported_funcs + i as u32
}

/// (function, op index) of every operator `pick` accepts, in every defined
/// function, in code order.
pub fn find_ops(
    m: &Module,
    mut pick: impl FnMut(&wasmparser::Operator<'_>) -> bool,
) -> Vec<(u32, usize)> {
    collect_ops(m, |op| pick(op).then_some(()))
        .into_iter()
        .map(|(f, i, ())| (f, i))
        .collect()
}

/// Like [`find_ops`], keeping what `pick` says of each operator (its
/// callee, its value, ...), in one pass over the code.
pub fn collect_ops<T>(
    m: &Module,
    mut pick: impl FnMut(&wasmparser::Operator<'_>) -> Option<T>,
) -> Vec<(u32, usize, T)> {
    let mut all = Vec::new();
    each_step(m, |f, step| {
        if let Some(t) = pick(&step.op) {
            all.push((f, step.index, t));
        }
    });
    all
}

/// Every step of every defined function's code (see
/// [`whittle_module::frames`]) with its function, in code order. A body
/// stops at the first operator that cannot be read.
pub fn each_step(m: &Module, mut visit: impl FnMut(u32, Step<'_>)) {
    for i in 0..m.num_defined_funcs() as usize {
        let f = defined(m, i);
        let Some(body) = m.function_body(f) else {
            continue;
        };
        let Ok(walk) = frames(&body) else {
            continue;
        };
        for step in walk.map_while(Result::ok) {
            visit(f, step);
        }
    }
}

/// The targets of a length pass over operators: (function, op index) of
/// every operator `length` gives a length, with that length.
pub fn op_lengths(
    m: &Module,
    length: impl FnMut(&wasmparser::Operator<'_>) -> Option<usize>,
) -> Vec<((u32, usize), usize)> {
    collect_ops(m, length)
        .into_iter()
        .map(|(f, i, len)| ((f, i), len))
        .collect()
}

/// The chosen (function, op) targets grouped by function.
pub fn group_by_func(chosen: &[&(u32, usize)]) -> BTreeMap<u32, BTreeSet<usize>> {
    let mut by_func: BTreeMap<u32, BTreeSet<usize>> = BTreeMap::new();
    for &&(f, op) in chosen {
        by_func.entry(f).or_default().insert(op);
    }
    by_func
}
