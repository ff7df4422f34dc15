//! Simplify branches: a `br_if` that is never taken becomes `drop` (of its
//! condition), and `br_table` loses targets (their indices then go to the
//! default). Fewer edges, and often a block that `unwrap-blocks` can take.
//!
//! All entries of a `br_table` with one label are one target. They are
//! alike in what they do (branch to that label) and differ only in which
//! index selects them, and a generated table of 70,000 entries into three
//! blocks is then three targets, not 70,000 to take out one at a time
//! (after `truncate-br-tables` has cut it to the count that fails, every
//! single entry would be a candidate that cannot go).

use crate::contract::SubsetPass;
use crate::find::collect_ops;
use crate::op_edits::edit_ops;
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use wasm_encoder::Instruction;
use wasmparser::Operator;
use whittle_module::{Edit, Module};

pub struct SimplifyBranches;

impl SubsetPass for SimplifyBranches {
    /// (function, op index, label): a `br_if` (`None`), or the entries of a
    /// `br_table` with one label (`Some(label)`), labels in the order they
    /// first appear.
    type Target = (u32, usize, Option<u32>);

    fn targets(&self, m: &Module) -> Vec<(u32, usize, Option<u32>)> {
        let ops = collect_ops(m, |op| match op {
            Operator::BrIf { .. } => Some(vec![None]),
            Operator::BrTable { targets } => {
                let mut seen = BTreeSet::new();
                let labels = targets.targets().collect::<Result<Vec<u32>, _>>().ok()?;
                Some(
                    labels
                        .into_iter()
                        .filter(|&l| seen.insert(l))
                        .map(Some)
                        .collect(),
                )
            }
            _ => None,
        });
        ops.into_iter()
            .flat_map(|(f, i, labels)| labels.into_iter().map(move |l| (f, i, l)))
            .collect()
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, usize, Option<u32>)]) -> Result<Edit> {
        let mut by_op: BTreeMap<(u32, usize), BTreeSet<u32>> = BTreeMap::new();
        for &&(f, i, label) in chosen {
            by_op.entry((f, i)).or_default().extend(label);
        }
        edit_ops(m, by_op, |op, removed| {
            Ok(Some(match op {
                Operator::BrTable { targets } => {
                    let kept: Vec<u32> = targets
                        .targets()
                        .filter(|l| l.as_ref().map_or(true, |l| !removed.contains(l)))
                        .collect::<Result<_, _>>()?;
                    Instruction::BrTable(kept.into(), targets.default())
                }
                _ => Instruction::Drop,
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const WAT: &str = r#"(module (func (param i32)
        block
          block
            local.get 0
            br_table 0 1 0 1
          end
          local.get 0
          br_if 0
        end))"#;

    #[test]
    fn offers_each_br_if_and_each_label_of_a_table() {
        assert_eq!(
            SimplifyBranches.targets(&module(WAT)),
            [(0, 3, Some(0)), (0, 3, Some(1)), (0, 6, None)]
        );
    }

    #[test]
    fn the_entries_of_a_label_go_together() {
        let out = run(
            &SimplifyBranches,
            r#"(module (func (param i32)
                 block block block local.get 0 br_table 0 0 2 1 1 0 2 1 end end end))"#,
            &[0, 2],
        );
        // Labels 0 and 1 (targets 0 and 2: labels in order of appearance)
        // go; the entries of label 2 and the default stay.
        assert!(
            out.contains("br_table 2 (;@1;) 2 (;@1;) 1 (;@2;)\n"),
            "{out}"
        );
    }

    #[test]
    fn drops_entries_and_conditions() {
        let out = run(&SimplifyBranches, WAT, &[0, 2]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32)))
              (func (;0;) (type 0) (param i32)
                block ;; label = @1
                  block ;; label = @2
                    local.get 0
                    br_table 1 (;@1;) 1 (;@1;)
                  end
                  local.get 0
                  drop
                end
              )
            )"#,
        );
    }
}
