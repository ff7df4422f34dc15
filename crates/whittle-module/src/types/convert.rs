//! The model's value types from `wasmparser`'s, and as `wasm-encoder`'s
//! heap types and default-value instructions.

use super::model::{Heap, ValType};

/// Convert a `wasmparser` value type (from locals, globals, block types...)
/// into this model. Concrete indices are module indices.
pub fn from_wasmparser(ty: wasmparser::ValType) -> ValType {
    match ty {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => ValType::V128,
        wasmparser::ValType::Ref(r) => ValType::Ref {
            nullable: r.is_nullable(),
            heap: heap_from_wasmparser(r.heap_type()),
        },
    }
}

fn heap_from_wasmparser(h: wasmparser::HeapType) -> Heap {
    use wasmparser::{AbstractHeapType as A, HeapType};
    let module_index = |i: wasmparser::UnpackedIndex| i.as_module_index().unwrap_or(u32::MAX);
    match h {
        HeapType::Concrete(i) => Heap::Concrete(module_index(i)),
        HeapType::Exact(i) => Heap::Exact(module_index(i)),
        HeapType::Abstract { shared, ty } => Heap::Abstract {
            shared,
            code: match ty {
                A::Func => 0x70,
                A::Extern => 0x6f,
                A::Any => 0x6e,
                A::None => 0x71,
                A::NoExtern => 0x72,
                A::NoFunc => 0x73,
                A::Eq => 0x6d,
                A::Struct => 0x6b,
                A::Array => 0x6a,
                A::I31 => 0x6c,
                A::Exn => 0x69,
                A::NoExn => 0x74,
                A::Cont => 0x68,
                A::NoCont => 0x75,
            },
        },
    }
}

/// `wasm-encoder`'s name for an abstract heap type code.
pub fn abstract_heap(code: u8) -> Option<wasm_encoder::AbstractHeapType> {
    use wasm_encoder::AbstractHeapType as A;
    Some(match code {
        0x70 => A::Func,
        0x6f => A::Extern,
        0x6e => A::Any,
        0x71 => A::None,
        0x72 => A::NoExtern,
        0x73 => A::NoFunc,
        0x6d => A::Eq,
        0x6b => A::Struct,
        0x6a => A::Array,
        0x6c => A::I31,
        0x69 => A::Exn,
        0x74 => A::NoExn,
        0x68 => A::Cont,
        0x75 => A::NoCont,
        _ => return None,
    })
}

/// An instruction pushing the default value of `ty`, in the same index
/// space as `ty`; `None` for a non-nullable reference (no default).
pub fn default_instruction(ty: ValType) -> Option<wasm_encoder::Instruction<'static>> {
    use wasm_encoder::{HeapType, Instruction};
    Some(match ty {
        ValType::I32 | ValType::I8 | ValType::I16 => Instruction::I32Const(0),
        ValType::I64 => Instruction::I64Const(0),
        ValType::F32 => Instruction::F32Const(0.0.into()),
        ValType::F64 => Instruction::F64Const(0.0.into()),
        ValType::V128 => Instruction::V128Const(0),
        ValType::Ref {
            nullable: true,
            heap,
        } => Instruction::RefNull(match heap {
            Heap::Concrete(t) => HeapType::Concrete(t),
            Heap::Exact(t) => HeapType::Exact(t),
            Heap::Abstract { shared, code } => HeapType::Abstract {
                shared,
                ty: abstract_heap(code)?,
            },
        }),
        ValType::Ref {
            nullable: false, ..
        } => return None,
    })
}
