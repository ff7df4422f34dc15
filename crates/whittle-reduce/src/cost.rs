//! The cost an accepted candidate must strictly lower.
//!
//! Mostly bytes, but each parameter or result of a function type weighs
//! extra: trimming a result can cost a `drop` in the body or a constant at a
//! call site, so bytes alone could refuse the very step a user wants (300
//! results down to 254). Because every acceptance lowers a non-negative
//! integer, the reduction always terminates.

use whittle_module::Module;

/// Extra weight of one function-type parameter or result.
const SIGNATURE_ENTRY_WEIGHT: usize = 4;

pub fn cost(m: &Module) -> usize {
    let entries: usize = m
        .types
        .iter()
        .filter_map(|(_, t)| t.as_func())
        .map(|(p, r)| p.len() + r.len())
        .sum();
    m.bytes.len() + SIGNATURE_ENTRY_WEIGHT * entries
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
}
