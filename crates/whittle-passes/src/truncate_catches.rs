//! Truncate the catch clauses of each `try_table` to its first `k`, with
//! `k` found by bisection.
//!
//! For this count, all clauses of one `try_table` are alike. A failure
//! that depends on how many there are (Wasmtime refuses more than 10,000;
//! the handler tables a compiler builds grow with them) fails whatever the
//! kept clauses catch, and an exception goes to the first clause that
//! matches, so cutting from the end keeps every exception the prefix
//! catches going where it did. Taking out clauses never breaks validity:
//! each only adds a branch. Clauses alike in what they do as well (equal
//! ones, of which only the first is ever taken) are one target each of
//! `remove-catches`, which runs after this pass.

use crate::contract::LengthPass;
use crate::find::op_lengths;
use crate::op_edits::edit_ops;
use anyhow::Result;
use wasmparser::Operator;
use whittle_module::{Edit, Module};

pub struct TruncateCatches;

/// The `try_table` with only the first `keep` of the catch clauses `want`
/// says to keep.
pub(crate) fn try_table_keeping(
    op: Operator<'_>,
    keep: usize,
    want: impl Fn(&wasmparser::Catch) -> bool,
) -> Result<Option<wasm_encoder::Instruction<'static>>> {
    use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
    let Operator::TryTable { try_table } = op else {
        return Ok(None);
    };
    let mut catches = Vec::new();
    for c in try_table.catches.into_iter().take(keep).filter(want) {
        catches.push(RoundtripReencoder.catch(c)?);
    }
    Ok(Some(wasm_encoder::Instruction::TryTable(
        RoundtripReencoder.block_type(try_table.ty)?,
        catches.into(),
    )))
}

impl LengthPass for TruncateCatches {
    /// (function, op index) of a `try_table` with at least two catch
    /// clauses; its length is their number.
    type Target = (u32, usize);

    fn targets(&self, m: &Module) -> Vec<((u32, usize), usize)> {
        op_lengths(m, |op| match op {
            Operator::TryTable { try_table } if try_table.catches.len() >= 2 => {
                Some(try_table.catches.len())
            }
            _ => None,
        })
    }

    fn edit(&self, m: &Module, chosen: &[(&(u32, usize), usize)]) -> Result<Edit> {
        edit_ops(
            m,
            chosen.iter().map(|&(&op, keep)| (op, keep)),
            |op, &keep| try_table_keeping(op, keep, |_| true),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, lengths_of, module, run_lengths};

    const WAT: &str = r#"(module
        (tag $e (param i32))
        (func (result i32)
          block (result i32)
            block
              try_table (catch $e 1) (catch_all 0) (catch_all 0)
                try_table (catch_all 0)
                end
              end
              i32.const 1
              return
            end
            i32.const 2
          end))"#;

    #[test]
    fn lengths_are_clause_counts() {
        assert_eq!(lengths_of(&TruncateCatches, &module(WAT)), vec![3]);
    }

    #[test]
    fn keeps_the_first_clauses() {
        let out = run_lengths(&TruncateCatches, WAT, &[(0, 1)]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32)))
              (type (;1;) (func (result i32)))
              (tag $e (;0;) (type 0) (param i32))
              (func (;0;) (type 1) (result i32)
                block (result i32) ;; label = @1
                  block ;; label = @2
                    try_table (catch $e 1 (;@1;)) ;; label = @3
                      try_table (catch_all 0 (;@3;)) ;; label = @4
                      end
                    end
                    i32.const 1
                    return
                  end
                  i32.const 2
                end
              )
            )"#,
        );
    }
}
