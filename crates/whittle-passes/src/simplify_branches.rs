//! Simplify branches: a `br_if` that is never taken becomes `drop` (of its
//! condition), and `br_table` loses targets (their indices then go to the
//! default). Fewer edges, and often a block that `unwrap-blocks` can take.

use crate::util::{collect_ops, encoded, group_by_func, replace_ops};
use crate::{Choice, Pass, Search};
use anyhow::Result;
use std::collections::BTreeMap;
use wasm_encoder::Instruction;
use wasmparser::Operator;
use whittle_module::{Edit, Module};

pub struct SimplifyBranches;

/// A target: a `br_if` (`None`) or one entry of a `br_table` (`Some(k)`).
fn targets(m: &Module) -> Vec<(u32, usize, Option<u32>)> {
    let ops = collect_ops(m, |op| match op {
        Operator::BrIf { .. } => Some(None),
        Operator::BrTable { targets } => Some(Some(targets.len())),
        _ => None,
    });
    let mut all = Vec::new();
    for (f, i, entries) in ops {
        match entries {
            None => all.push((f, i, None)),
            Some(n) => all.extend((0..n).map(|e| (f, i, Some(e)))),
        }
    }
    all
}

impl Pass for SimplifyBranches {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(targets(m).len())
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        let targets = targets(m);
        let mut entries: BTreeMap<(u32, usize), Vec<u32>> = BTreeMap::new();
        let ops: Vec<(u32, usize)> = choice
            .subset()
            .iter()
            .map(|&c| {
                let (f, i, e) = targets[c];
                if let Some(e) = e {
                    entries.entry((f, i)).or_default().push(e);
                }
                (f, i)
            })
            .collect();
        let all: std::collections::BTreeSet<usize> = (0..ops.len()).collect();
        let mut edit = Edit::default();
        for (f, chosen) in group_by_func(&ops, &all) {
            let body = replace_ops(m, f, |i, op| {
                if !chosen.contains(&i) {
                    return Ok(None);
                }
                let insn = match op {
                    Operator::BrTable { targets } => {
                        let removed = &entries[&(f, i)];
                        let kept: Vec<u32> = targets
                            .targets()
                            .enumerate()
                            .filter(|(k, _)| !removed.contains(&(*k as u32)))
                            .map(|(_, t)| t)
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
    fn offers_each_br_if_and_table_entry() {
        assert_eq!(SimplifyBranches.search(&module(WAT)), Search::Subsets(4));
    }

    #[test]
    fn drops_entries_and_conditions() {
        let out = run(&SimplifyBranches, WAT, Choice::Subset(&[0, 2, 3].into()));
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
