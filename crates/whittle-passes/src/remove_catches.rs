//! Remove catch clauses from `try_table`s: the exceptions they caught
//! propagate further, often leaving a handler block nothing branches to.
//! A run of equal clauses is one target: an exception goes to the first
//! clause that matches, so the copies after it are never taken, and a
//! generated `try_table` with thousands of them is one target, not
//! thousands (`truncate-catches` bisects how many are needed).

use crate::runs::{item_runs, Removed};
use crate::truncate_catches::try_table_keeping;
use crate::util::{collect_ops, edit_ops};
use crate::SubsetPass;
use anyhow::Result;
use std::collections::BTreeMap;
use std::ops::Range;
use wasmparser::Operator;
use whittle_module::{Edit, Module};

pub struct RemoveCatches;

impl SubsetPass for RemoveCatches {
    /// (function, op index of a `try_table`, clause positions): a run of
    /// equal catch clauses.
    type Target = (u32, usize, Range<u32>);

    fn targets(&self, m: &Module) -> Vec<(u32, usize, Range<u32>)> {
        collect_ops(m, |op| match op {
            Operator::TryTable { try_table } => {
                Some(item_runs(try_table.catches.iter().copied().map(Some)))
            }
            _ => None,
        })
        .into_iter()
        .flat_map(|(f, i, runs)| runs.into_iter().map(move |r| (f, i, r.range)))
        .collect()
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, usize, Range<u32>)]) -> Result<Edit> {
        let mut by_op: BTreeMap<(u32, usize), Vec<Range<u32>>> = BTreeMap::new();
        for (f, i, clauses) in chosen {
            by_op.entry((*f, *i)).or_default().push(clauses.clone());
        }
        let removed = by_op.into_iter().map(|(op, r)| (op, Removed::new(r)));
        edit_ops(m, removed, |op, removed| {
            try_table_keeping(op, |i| !removed.contains(i))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{module, run};

    const WAT: &str = r#"(module
        (tag $e)
        (func
          block
            try_table (catch $e 0) (catch_all 0) (catch_all 0) (catch $e 0) (catch_all 0)
            end
          end))"#;

    #[test]
    fn runs_of_equal_clauses_are_one_target() {
        assert_eq!(
            RemoveCatches.targets(&module(WAT)),
            [(0, 1, 0..1), (0, 1, 1..3), (0, 1, 3..4), (0, 1, 4..5)]
        );
    }

    #[test]
    fn removes_the_chosen_runs() {
        let out = run(&RemoveCatches, WAT, &[1, 3]);
        assert!(
            out.contains("try_table (catch $e 0 (;@1;)) (catch $e 0 (;@1;)) ;; label = @2\n"),
            "{out}"
        );
    }
}
