//! Empty element segments: keep the segment (so `table.init`/`elem.drop`
//! indices stay valid) but drop all its items, which often frees the
//! functions they referenced for `remove-functions`.

use crate::contract::SubsetPass;
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct EmptyElements;

impl SubsetPass for EmptyElements {
    /// An element segment with items.
    type Target = u32;

    fn targets(&self, m: &Module) -> Vec<u32> {
        (0..m.num_elements)
            .filter(|&i| m.element_lengths.get(i as usize).is_some_and(|&n| n > 0))
            .collect()
    }

    fn edit(&self, _m: &Module, chosen: &[&u32]) -> Result<Edit> {
        Ok(Edit {
            empty_elements: chosen.iter().map(|&&i| i).collect(),
            ..Edit::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const WAT: &str = r#"(module (table 4 funcref) (func $f)
        (elem (i32.const 0) $f $f)
        (elem $e func)
        (elem funcref (ref.func $f)))"#;

    #[test]
    fn offers_non_empty_segments() {
        assert_eq!(EmptyElements.targets(&module(WAT)).len(), 2);
    }

    #[test]
    fn empties_them_keeping_their_mode() {
        let out = run(&EmptyElements, WAT, &[0, 1]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func))
              (table (;0;) 4 funcref)
              (elem (;0;) (i32.const 0) func)
              (elem $e (;1;) func)
              (elem (;2;) funcref)
              (func $f (;0;) (type 0))
            )"#,
        );
    }
}
