//! Truncate `br_table`s: keep the first `k` entries of each (the default
//! stays), with `k` found by bisection.
//!
//! For this count, all entries of one table are alike. A failure that
//! depends on the table's size (Cranelift refuses more than 65,520
//! entries; a jump-table lowering bug needs a big one) fails whatever
//! labels the kept entries have, and cutting from the end keeps every index
//! below the cut branching where it did, so a failure that needs some label
//! keeps the prefix that holds it. A 70,000-entry table reaches its
//! smallest failing size in 17 candidates, where `simplify-branches` alone
//! would take out entries one run at a time. Entries alike in what they do
//! as well (equal labels) are one target each of `simplify-branches`,
//! which runs after this pass.

use crate::contract::LengthPass;
use crate::find::op_lengths;
use crate::op_edits::edit_raw_ops;
use anyhow::Result;
use wasm_encoder::Encode;
use wasmparser::Operator;
use whittle_module::{Edit, Module};

pub struct TruncateBrTables;

impl LengthPass for TruncateBrTables {
    /// (function, op index) of a `br_table` with at least two entries
    /// besides its default; its length is that number of entries.
    type Target = (u32, usize);

    fn targets(&self, m: &Module) -> Vec<((u32, usize), usize)> {
        op_lengths(m, |op| match op {
            Operator::BrTable { targets } if targets.len() >= 2 => Some(targets.len() as usize),
            _ => None,
        })
    }

    /// Cutting a table to a prefix of its entries drops label checks and
    /// adds none: the candidate is valid when the base is, so it is not
    /// validated ([`Edit::bodies_valid_by_construction`]).
    fn edit(&self, m: &Module, chosen: &[(&(u32, usize), usize)]) -> Result<Edit> {
        let mut edit = edit_raw_ops(
            m,
            chosen.iter().map(|&(&op, keep)| (op, keep)),
            |op, raw, &keep| match op {
                Operator::BrTable { .. } => truncated(raw, keep).map(Some),
                _ => Ok(None),
            },
        )?;
        edit.bodies_valid_by_construction = true;
        Ok(edit)
    }
}

/// The bytes of the `br_table` encoded as `raw`, keeping its first `keep`
/// entries and its default. The entries kept are copied as they are, not
/// decoded and encoded again: a 70,000-entry table took 1–2 ms a
/// candidate that way, most of the pass's own work.
fn truncated(raw: &[u8], keep: usize) -> Result<Vec<u8>> {
    let mut reader = wasmparser::BinaryReader::new(raw, 0);
    let opcode = reader.read_u8()?;
    let count = reader.read_var_u32()? as usize;
    anyhow::ensure!(
        opcode == BR_TABLE && keep <= count,
        "not a br_table of at least {keep} entries"
    );
    let entries = reader.original_position();
    for _ in 0..keep {
        reader.read_var_u32()?;
    }
    let kept_end = reader.original_position();
    // The default is the last number: its bytes all have the high bit set
    // but the last, as the one before it ends with a byte that has not.
    let mut default = raw.len() - 1;
    while default > kept_end && raw[default - 1] & 0x80 != 0 {
        default -= 1;
    }
    let mut out = vec![BR_TABLE];
    (keep as u32).encode(&mut out);
    out.extend_from_slice(&raw[entries..kept_end]);
    out.extend_from_slice(&raw[default..]);
    Ok(out)
}

const BR_TABLE: u8 = 0x0e;

#[cfg(test)]
mod tests {
    use super::*;

    /// Copying the entries kept gives the bytes decoding and encoding them
    /// again gives, multi-byte counts and labels included.
    #[test]
    fn a_cut_copies_the_entries_kept() {
        use wasm_encoder::Instruction;
        let labels: Vec<u32> = (0..300).map(|i| (i * 7) % 200).collect();
        let encode = |kept: &[u32], default: u32| {
            crate::op_edits::encoded(&Instruction::BrTable(kept.to_vec().into(), default))
        };
        for default in [3, 150, 20_000] {
            let raw = encode(&labels, default);
            for keep in [0, 1, 2, 127, 128, 129, 299, 300] {
                assert_eq!(
                    truncated(&raw, keep).unwrap(),
                    encode(&labels[..keep], default),
                    "keep {keep} of 300, default {default}"
                );
            }
            assert!(truncated(&raw, 301).is_err());
        }
        assert!(truncated(&encode(&[], 0)[..], 0).is_ok());
        assert!(
            truncated(&[0x0c, 0x00], 0).is_err(),
            "a br is not a br_table"
        );
    }
    use crate::testutil::{assert_wat, lengths_of, module, run_lengths};
    use whittle_module::Validity;

    const WAT: &str = r#"(module (func (param i32)
        block
          block
            local.get 0
            br_table 0 1 1 0 1
          end
          local.get 0
          br_table 0 1
        end))"#;

    /// Every cut of every table is valid (the claim that spares its
    /// validation), labels of different depths and result types included.
    #[test]
    fn every_cut_is_valid_and_says_so() {
        let m = module(
            r#"(module (func (param i32) (result i32)
                block (result i32)
                  block (result i32)
                    block (result i32)
                      i32.const 7
                      local.get 0
                      br_table 0 2 0 1 1 2 0
                    end
                    drop
                    i32.const 1
                    local.get 0
                    br_table 0 1 1 0 0 1
                  end
                end))"#,
        );
        assert_eq!(whittle_module::validate(&m.bytes), Validity::Valid);
        let targets = TruncateBrTables.targets(&m);
        assert_eq!(lengths_of(&TruncateBrTables, &m), vec![6, 5]);
        for (target, len) in &targets {
            for keep in 0..*len {
                let edit = TruncateBrTables.edit(&m, &[(target, keep)]).unwrap();
                assert!(edit.keeps_validity());
                let out = whittle_module::candidate(&m, &edit).unwrap();
                assert_eq!(whittle_module::validate(&out.bytes), Validity::Valid);
            }
        }
    }

    #[test]
    fn lengths_are_entries_besides_the_default() {
        assert_eq!(lengths_of(&TruncateBrTables, &module(WAT)), vec![4]);
    }

    #[test]
    fn keeps_a_prefix_and_the_default() {
        let out = run_lengths(&TruncateBrTables, WAT, &[(0, 1)]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32)))
              (func (;0;) (type 0) (param i32)
                block ;; label = @1
                  block ;; label = @2
                    local.get 0
                    br_table 0 (;@2;) 1 (;@1;)
                  end
                  local.get 0
                  br_table 0 (;@1;) 1
                end
              )
            )"#,
        );
        let none = run_lengths(&TruncateBrTables, WAT, &[(0, 0)]);
        assert!(none.contains("br_table 1 (;@1;)\n"), "{none}");
    }
}
