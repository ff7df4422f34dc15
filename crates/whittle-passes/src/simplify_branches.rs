//! Simplify branches: a `br_if` that is never taken becomes `drop` (of its
//! condition), and `br_table` loses targets (their indices then go to the
//! default). Fewer edges, and often a block that `unwrap-blocks` can take.
//!
//! A run of equal labels is one target (`truncate-br-tables` says why they
//! are alike): a generated table of 70,000 entries into a few blocks is a
//! few targets, not 70,000.

use crate::runs::{item_runs, Removed};
use crate::util::{collect_ops, encoded, replace_ops};
use crate::SubsetPass;
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use wasm_encoder::Instruction;
use wasmparser::Operator;
use whittle_module::{Edit, Module};

pub struct SimplifyBranches;

impl SubsetPass for SimplifyBranches {
    /// (function, op index, entries): a `br_if` (`None`) or a run of
    /// entries of a `br_table` with equal labels (`Some((first, end))`).
    type Target = (u32, usize, Option<(u32, u32)>);

    fn targets(&self, m: &Module) -> Vec<(u32, usize, Option<(u32, u32)>)> {
        let ops = collect_ops(m, |op| match op {
            Operator::BrIf { .. } => Some(None),
            Operator::BrTable { targets } => targets
                .targets()
                .collect::<Result<Vec<u32>, _>>()
                .ok()
                .map(Some),
            _ => None,
        });
        let mut all = Vec::new();
        for (f, i, labels) in ops {
            match labels {
                None => all.push((f, i, None)),
                Some(labels) => all.extend(
                    item_runs(labels.into_iter().map(Some))
                        .into_iter()
                        .map(|r| (f, i, Some((r.range.start, r.range.end)))),
                ),
            }
        }
        all
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, usize, Option<(u32, u32)>)]) -> Result<Edit> {
        let mut entries: BTreeMap<(u32, usize), Vec<std::ops::Range<u32>>> = BTreeMap::new();
        let mut ops: BTreeMap<u32, BTreeSet<usize>> = BTreeMap::new();
        for &&(f, i, e) in chosen {
            if let Some((first, end)) = e {
                entries.entry((f, i)).or_default().push(first..end);
            }
            ops.entry(f).or_default().insert(i);
        }
        let mut edit = Edit::default();
        for (f, chosen) in ops {
            let body = replace_ops(m, f, |i, op| {
                if !chosen.contains(&i) {
                    return Ok(None);
                }
                let insn = match op {
                    Operator::BrTable { targets } => {
                        let removed = Removed::new(entries[&(f, i)].clone());
                        let kept: Vec<u32> = targets
                            .targets()
                            .zip(0u32..)
                            .filter(|(_, k)| !removed.contains(*k))
                            .map(|(t, _)| t)
                            .collect::<Result<_, _>>()?;
                        Instruction::BrTable(kept.into(), targets.default())
                    }
                    _ => Instruction::Drop,
                };
                Ok(Some(encoded(&insn)))
            })?;
            edit.bodies.insert(f, body);
        }
        Ok(edit)
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
    fn offers_each_br_if_and_run_of_equal_labels() {
        assert_eq!(SimplifyBranches.targets(&module(WAT)).len(), 4);
        let runs = module(
            r#"(module (func (param i32)
                 block block local.get 0 br_table 0 0 0 1 1 0 1 end end))"#,
        );
        assert_eq!(
            SimplifyBranches.targets(&runs),
            [
                (0, 3, Some((0, 3))),
                (0, 3, Some((3, 5))),
                (0, 3, Some((5, 6)))
            ]
        );
    }

    #[test]
    fn a_run_goes_as_a_whole() {
        let out = run(
            &SimplifyBranches,
            r#"(module (func (param i32)
                 block block local.get 0 br_table 0 0 0 1 1 0 1 end end))"#,
            &[0],
        );
        assert!(
            out.contains("br_table 1 (;@1;) 1 (;@1;) 0 (;@2;) 1 (;@1;)\n"),
            "{out}"
        );
    }

    #[test]
    fn drops_entries_and_conditions() {
        let out = run(&SimplifyBranches, WAT, &[0, 2, 3]);
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
