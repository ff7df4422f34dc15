//! The cost an accepted candidate must strictly lower.
//!
//! Mostly bytes, but each parameter or result of a function type weighs
//! extra: trimming a result can cost a `drop` in the body or a constant at a
//! call site, so bytes alone could refuse the very step a user wants (300
//! results down to 254). Because every acceptance lowers a non-negative
//! integer, the reduction always terminates.

use crate::gate::Gate;
use std::collections::HashMap;
use wasmparser::FunctionBody;
use whittle_module::{body_complexity, Module};

/// Extra weight of one function-type parameter or result.
const SIGNATURE_ENTRY_WEIGHT: usize = 4;
/// Extra weight of one defined function: inlining a function into its only
/// caller rarely saves bytes, but one function less is the simpler case.
const FUNCTION_WEIGHT: usize = 8;

pub fn cost(m: &Module) -> usize {
    let entries: usize = m
        .types
        .iter()
        .filter_map(|(_, t)| t.as_func())
        .map(|(p, r)| p.len() + r.len())
        .sum();
    m.bytes.len()
        + SIGNATURE_ENTRY_WEIGHT * entries
        + FUNCTION_WEIGHT * m.num_defined_funcs() as usize
}

/// Non-zero constants and non-zero memory offsets in all bodies, plus the
/// initial sizes of memories and tables (shrinking 40 pages to 17 does not
/// change a byte, but it is the simpler test case), plus the declared
/// locals (60,000 `i32`s take as many bytes as 50,001: one count and a
/// type).
pub fn complexity(m: &Module) -> usize {
    complexity_by_body(m, body_complexity)
}

/// [`complexity`] with each body's share remembered by the body's bytes.
///
/// The complexity is asked of every candidate that ties the best on cost,
/// and such candidates (smaller limits, a constant made zero) share all
/// but one body with the best, or all of them: decoding each body again
/// cost a fifth of a second per candidate on a 5.7 MB function, hashing it
/// costs a millisecond.
#[derive(Default)]
pub struct ComplexityCache {
    by_body: HashMap<(u64, usize), usize>,
}

/// Bodies remembered at most (then the cache starts over): a few MB.
const CACHED_BODIES: usize = 200_000;

impl ComplexityCache {
    pub fn complexity(&mut self, m: &Module) -> usize {
        if m.code_facts_known() {
            // Found with the module's other code facts, or shared with the
            // base whose bodies it kept.
            return limits_complexity(m).saturating_add(m.code_facts().complexity);
        }
        if self.by_body.len() > CACHED_BODIES {
            self.by_body.clear();
        }
        complexity_by_body(m, |body| {
            *self
                .by_body
                .entry(Gate::key(body.as_bytes()))
                .or_insert_with(|| body_complexity(body))
        })
    }
}

fn complexity_by_body(m: &Module, mut of_body: impl FnMut(&FunctionBody<'_>) -> usize) -> usize {
    let mut count: usize = 0;
    for f in m.num_imported_funcs..m.num_funcs() {
        if let Some(body) = m.function_body(f) {
            count = count.saturating_add(of_body(&body));
        }
    }
    count.saturating_add(limits_complexity(m))
}

/// The initial sizes of memories and tables.
fn limits_complexity(m: &Module) -> usize {
    let limits: u64 = m.memory_types.iter().map(|t| t.initial).sum::<u64>()
        + m.table_types.iter().map(|t| t.initial).sum::<u64>();
    usize::try_from(limits).unwrap_or(usize::MAX / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighs_signature_entries() {
        let a = Module::parse(wat::parse_str("(module (type (func (result i32 i32))))").unwrap())
            .unwrap();
        let b =
            Module::parse(wat::parse_str("(module (type (func (result i32))))").unwrap()).unwrap();
        assert_eq!(cost(&a), a.bytes.len() + 8);
        assert!(cost(&b) < cost(&a));
    }

    #[test]
    fn complexity_counts_nonzero_constants_offsets_and_locals() {
        let m = Module::parse(
            wat::parse_str(
                "(module (memory 3) (func (local i32 i64) i32.const 0 i32.const 5 i32.store offset=8 f32.const 0 drop))",
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(complexity(&m), 2 + 3 + 2);
        // The cache gives the same, the first time and the next, and so do
        // the module's code facts once they are known.
        let mut cache = ComplexityCache::default();
        assert_eq!(cache.complexity(&m), 2 + 3 + 2);
        assert_eq!(cache.complexity(&m), 2 + 3 + 2);
        assert!(!m.code_facts_known());
        m.code_facts();
        assert_eq!(ComplexityCache::default().complexity(&m), 2 + 3 + 2);
    }
}
