//! What the passes and the cost function ask of single operators: the cost
//! counts exactly what `simplify-constants` and `simplify-memargs` take
//! out, so both read one definition.

use wasmparser::Operator;

/// Is this a constant of non-zero value (bits, for floats and vectors)?
pub fn is_nonzero_const(op: &Operator<'_>) -> bool {
    match op {
        Operator::I32Const { value } => *value != 0,
        Operator::I64Const { value } => *value != 0,
        Operator::F32Const { value } => value.bits() != 0,
        Operator::F64Const { value } => value.bits() != 0,
        Operator::V128Const { value } => value.i128() != 0,
        _ => false,
    }
}

/// Is this a memory instruction with a non-zero offset?
pub fn has_offset(op: &Operator<'_>) -> bool {
    use wasm_encoder::reencode::{utils, Error, Reencode};
    struct Probe(bool);
    impl Reencode for Probe {
        type Error = std::convert::Infallible;
        fn mem_arg(
            &mut self,
            arg: wasmparser::MemArg,
        ) -> Result<wasm_encoder::MemArg, Error<Self::Error>> {
            self.0 |= arg.offset != 0;
            utils::mem_arg(self, arg)
        }
    }
    let mut probe = Probe(false);
    let _ = probe.instruction(op.clone());
    probe.0
}
