//! Zero the static offset of loads and stores (`i32.load offset=1024`
//! becomes `i32.load`) when the failure does not depend on it.

use crate::contract::SubsetPass;
use crate::find::find_ops;
use crate::op_edits::edit_ops;
use anyhow::Result;
use wasm_encoder::reencode::{utils, Error, Reencode};
use whittle_module::{has_offset, Edit, Module};

pub struct SimplifyMemargs;

/// Re-encodes an instruction with offset 0.
struct ZeroOffset;

impl Reencode for ZeroOffset {
    type Error = std::convert::Infallible;

    fn mem_arg(
        &mut self,
        arg: wasmparser::MemArg,
    ) -> Result<wasm_encoder::MemArg, Error<Self::Error>> {
        let mut arg = utils::mem_arg(self, arg)?;
        arg.offset = 0;
        Ok(arg)
    }
}

impl SubsetPass for SimplifyMemargs {
    /// (function, op index) of a memory access with an offset.
    type Target = (u32, usize);

    fn targets(&self, m: &Module) -> Vec<(u32, usize)> {
        find_ops(m, has_offset)
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, usize)]) -> Result<Edit> {
        edit_ops(m, chosen.iter().map(|&&op| (op, ())), |op, ()| {
            let insn = ZeroOffset
                .instruction(op)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(Some(insn))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const WAT: &str = r#"(module (memory 1) (func
        i32.const 0 i32.load offset=16 drop
        i32.const 0 v128.load32_splat offset=4 drop
        i32.const 0 i64.load drop))"#;

    #[test]
    fn offers_accesses_with_offsets() {
        assert_eq!(SimplifyMemargs.targets(&module(WAT)).len(), 2);
    }

    #[test]
    fn zeroes_offsets() {
        let out = run(&SimplifyMemargs, WAT, &[1]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func))
              (memory (;0;) 1)
              (func (;0;) (type 0)
                i32.const 0
                i32.load offset=16
                drop
                i32.const 0
                v128.load32_splat
                drop
                i32.const 0
                i64.load
                drop
              )
            )"#,
        );
    }
}
