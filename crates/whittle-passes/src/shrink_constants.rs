//! Shrink integer constants toward zero, keeping their sign: bisect the
//! smallest magnitude that still fails. Where a value matters only past a
//! threshold (an address out of bounds, a count above a limit) the result
//! shows the threshold (`i32.const 65520`, `i32.const -1`) instead of
//! whatever value the program happened to compute.

use crate::contract::LengthPass;
use crate::find::op_lengths;
use crate::op_edits::edit_ops;
use anyhow::Result;
use wasm_encoder::Instruction;
use wasmparser::Operator;
use whittle_module::{Edit, Module};

pub struct ShrinkConstants;

/// Integer constants with a magnitude above 1 (0 and ±1 are as simple as
/// it gets; `simplify-constants` tries 0).
fn is_big_int(op: &Operator<'_>) -> bool {
    match op {
        Operator::I32Const { value } => value.unsigned_abs() > 1,
        Operator::I64Const { value } => value.unsigned_abs() > 1,
        _ => false,
    }
}

fn magnitude(op: &Operator<'_>) -> usize {
    match op {
        Operator::I32Const { value } => value.unsigned_abs() as usize,
        Operator::I64Const { value } => usize::try_from(value.unsigned_abs()).unwrap_or(usize::MAX),
        _ => 0,
    }
}

impl LengthPass for ShrinkConstants {
    /// (function, op index) of an integer constant beyond ±1; its length is
    /// its magnitude.
    type Target = (u32, usize);

    fn targets(&self, m: &Module) -> Vec<((u32, usize), usize)> {
        op_lengths(m, |op| is_big_int(op).then(|| magnitude(op)))
    }

    fn edit(&self, m: &Module, chosen: &[(&(u32, usize), usize)]) -> Result<Edit> {
        edit_ops(m, chosen.iter().map(|&(&op, v)| (op, v)), |op, &v| {
            Ok(match op {
                Operator::I32Const { value } => {
                    let v = v as i64 as i32;
                    Some(Instruction::I32Const(if value < 0 { -v } else { v }))
                }
                Operator::I64Const { value } => {
                    let v = v as i64;
                    Some(Instruction::I64Const(if value < 0 { -v } else { v }))
                }
                _ => None,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, lengths_of, module, run_lengths};

    const WAT: &str = r#"(module (func (result i64)
        i32.const 1 drop
        i32.const -70000 drop
        i64.const 123456))"#;

    #[test]
    fn lengths_are_magnitudes() {
        assert_eq!(
            lengths_of(&ShrinkConstants, &module(WAT)),
            vec![70000, 123456]
        );
    }

    #[test]
    fn shrinks_keeping_the_sign() {
        let out = run_lengths(&ShrinkConstants, WAT, &[(0, 1), (1, 42)]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (result i64)))
              (func (;0;) (type 0) (result i64)
                i32.const 1
                drop
                i32.const -1
                drop
                i64.const 42
              )
            )"#,
        );
    }
}
