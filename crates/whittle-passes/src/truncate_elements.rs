//! Truncate element segments to their first `k` items, with `k` found by
//! bisection.
//!
//! For this count, the items of one segment are alike. A failure that
//! depends on how many there are (a segment longer than its table traps at
//! instantiation; a big table initializer makes a slow or large compile)
//! fails whatever functions the kept items name, and cutting from the end
//! keeps every table slot below the cut as it was, so a failure that needs
//! some item keeps the prefix that holds it. `empty-elements`, which runs
//! first, tries keeping none in one candidate.

use crate::contract::LengthPass;
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct TruncateElements;

impl LengthPass for TruncateElements {
    /// An element segment with at least two items; its length is their
    /// number.
    type Target = u32;

    fn targets(&self, m: &Module) -> Vec<(u32, usize)> {
        (0..m.num_elements)
            .zip(m.element_lengths.iter().copied())
            .filter(|&(_, len)| len >= 2)
            .collect()
    }

    fn edit(&self, _m: &Module, chosen: &[(&u32, usize)]) -> Result<Edit> {
        Ok(Edit {
            truncate_elements: chosen.iter().map(|&(&i, keep)| (i, keep)).collect(),
            ..Edit::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, lengths_of, module, run_lengths};

    const WAT: &str = r#"(module (table 8 funcref) (func $f) (func $g)
        (elem (i32.const 1) $f $g $f)
        (elem funcref (ref.func $g) (ref.null func) (ref.func $f))
        (elem declare func $g))"#;

    #[test]
    fn lengths_are_item_counts() {
        assert_eq!(lengths_of(&TruncateElements, &module(WAT)), vec![3, 3]);
    }

    #[test]
    fn keeps_a_prefix_of_items_and_the_mode() {
        let out = run_lengths(&TruncateElements, WAT, &[(0, 2), (1, 1)]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func))
              (table (;0;) 8 funcref)
              (elem (;0;) (i32.const 1) func $f $g)
              (elem (;1;) funcref (ref.func $g))
              (elem (;2;) declare func $g)
              (func $f (;0;) (type 0))
              (func $g (;1;) (type 0))
            )"#,
        );
    }
}
