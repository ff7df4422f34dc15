//! Simplify constants to zero: `i32.const 1234567` becomes `i32.const 0`
//! when the failure does not depend on the value, which tells the reader
//! which values matter.

use crate::contract::SubsetPass;
use crate::find::find_ops;
use crate::op_edits::edit_ops;
use anyhow::Result;
use wasm_encoder::Instruction;
use wasmparser::Operator;
use whittle_module::{is_nonzero_const, Edit, Module};

pub struct SimplifyConstants;

impl SubsetPass for SimplifyConstants {
    /// (function, op index) of a non-zero constant.
    type Target = (u32, usize);

    fn targets(&self, m: &Module) -> Vec<(u32, usize)> {
        find_ops(m, is_nonzero_const)
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, usize)]) -> Result<Edit> {
        edit_ops(m, chosen.iter().map(|&&op| (op, ())), |op, ()| {
            let zero = match op {
                Operator::I32Const { .. } => Instruction::I32Const(0),
                Operator::I64Const { .. } => Instruction::I64Const(0),
                Operator::F32Const { .. } => Instruction::F32Const(0.0.into()),
                Operator::F64Const { .. } => Instruction::F64Const(0.0.into()),
                _ => Instruction::V128Const(0),
            };
            Ok(Some(zero))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const WAT: &str = r#"(module (func (result f64)
        i32.const 0 drop
        i64.const 123456789 drop
        f64.const 2.5))"#;

    #[test]
    fn offers_nonzero_constants() {
        assert_eq!(SimplifyConstants.targets(&module(WAT)).len(), 2);
    }

    #[test]
    fn replaces_them_with_zero() {
        let out = run(&SimplifyConstants, WAT, &[0, 1]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (result f64)))
              (func (;0;) (type 0) (result f64)
                i32.const 0
                drop
                i64.const 0
                drop
                f64.const 0x0p+0 (;=0;)
              )
            )"#,
        );
    }
}
