//! Simplify branches: a `br_if` that is never taken becomes `drop` (of its
//! condition), and `br_table` loses targets (their indices then go to the
//! default). Fewer edges, and often a block that `unwrap-blocks` can take.

use crate::util::{collect_ops, encoded, replace_ops};
use crate::SubsetPass;
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use wasm_encoder::Instruction;
use wasmparser::Operator;
use whittle_module::{Edit, Module};

pub struct SimplifyBranches;

impl SubsetPass for SimplifyBranches {
    /// (function, op index, entry): a `br_if` (`None`) or one entry of a
    /// `br_table` (`Some(k)`).
    type Target = (u32, usize, Option<u32>);

    fn targets(&self, m: &Module) -> Vec<(u32, usize, Option<u32>)> {
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

    fn edit(&self, m: &Module, chosen: &[&(u32, usize, Option<u32>)]) -> Result<Edit> {
        let mut entries: BTreeMap<(u32, usize), Vec<u32>> = BTreeMap::new();
        let mut ops: BTreeMap<u32, BTreeSet<usize>> = BTreeMap::new();
        for &&(f, i, e) in chosen {
            if let Some(e) = e {
                entries.entry((f, i)).or_default().push(e);
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
                        let removed = &entries[&(f, i)];
                        let kept: Vec<u32> = targets
                            .targets()
                            .enumerate()
                            .filter(|(k, _)| removed.binary_search(&(*k as u32)).is_err())
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
        assert_eq!(SimplifyBranches.targets(&module(WAT)).len(), 4);
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
