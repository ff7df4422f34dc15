//! Remove catch clauses from `try_table`s: the exceptions they caught
//! propagate further, often leaving a handler block nothing branches to.
//! All equal clauses of a `try_table` are one target: an exception goes to
//! the first clause that matches, so the copies after it are never taken,
//! and a generated `try_table` with thousands of them is one target, not
//! thousands (`truncate-catches` bisects how many are needed).

use crate::contract::SubsetPass;
use crate::find::collect_ops;
use crate::op_edits::edit_ops;
use crate::truncate_catches::try_table_keeping;
use anyhow::Result;
use std::collections::BTreeMap;
use wasmparser::{Catch, Operator};
use whittle_module::{Edit, Module};

pub struct RemoveCatches;

impl SubsetPass for RemoveCatches {
    /// (function, op index of a `try_table`, clause): every clause of that
    /// `try_table` equal to this one, clauses in the order they first
    /// appear.
    type Target = (u32, usize, Catch);

    fn targets(&self, m: &Module) -> Vec<(u32, usize, Catch)> {
        collect_ops(m, |op| match op {
            Operator::TryTable { try_table } => {
                let mut distinct: Vec<Catch> = Vec::new();
                for c in &try_table.catches {
                    if !distinct.contains(c) {
                        distinct.push(*c);
                    }
                }
                Some(distinct)
            }
            _ => None,
        })
        .into_iter()
        .flat_map(|(f, i, clauses)| clauses.into_iter().map(move |c| (f, i, c)))
        .collect()
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, usize, Catch)]) -> Result<Edit> {
        let mut by_op: BTreeMap<(u32, usize), Vec<Catch>> = BTreeMap::new();
        for &&(f, i, c) in chosen {
            by_op.entry((f, i)).or_default().push(c);
        }
        edit_ops(m, by_op, |op, removed| {
            try_table_keeping(op, usize::MAX, |c| !removed.contains(c))
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
    fn equal_clauses_are_one_target() {
        assert_eq!(
            RemoveCatches.targets(&module(WAT)),
            [
                (0, 1, Catch::One { tag: 0, label: 0 }),
                (0, 1, Catch::All { label: 0 })
            ]
        );
    }

    #[test]
    fn removes_the_chosen_clauses() {
        let out = run(&RemoveCatches, WAT, &[1]);
        assert!(
            out.contains("try_table (catch $e 0 (;@1;)) (catch $e 0 (;@1;)) ;; label = @2\n"),
            "{out}"
        );
    }
}
