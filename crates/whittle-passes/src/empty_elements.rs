//! Empty element segments: keep the segment (so `table.init`/`elem.drop`
//! indices stay valid) but drop all its items, which often frees the
//! functions they referenced for `remove-functions`.

use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct EmptyElements;

fn targets(m: &Module) -> Vec<u32> {
    (0..m.num_elements)
        .filter(|&i| m.element_lengths.get(i as usize).is_some_and(|&n| n > 0))
        .collect()
}

impl Pass for EmptyElements {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(targets(m).len())
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        let targets = targets(m);
        Ok(Edit {
            empty_elements: choice.subset().iter().map(|&i| targets[i]).collect(),
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
        assert_eq!(EmptyElements.search(&module(WAT)), Search::Subsets(2));
    }

    #[test]
    fn empties_them_keeping_their_mode() {
        let out = run(&EmptyElements, WAT, Choice::Subset(&[0, 1].into()));
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
