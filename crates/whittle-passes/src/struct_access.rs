//! What an operator does to a struct type's fields: the field passes may
//! take out only fields that no code reads or writes, of types that no
//! code builds from operands or accesses atomically.

use wasmparser::Operator;

/// What the code does with a struct type's fields.
pub enum Access {
    /// Reads or writes this field.
    Field(u32),
    /// Builds the type from operands or accesses a field atomically.
    Frozen,
}

pub fn access(op: &Operator<'_>) -> Option<(u32, Access)> {
    use Operator as O;
    Some(match *op {
        O::StructGet {
            struct_type_index,
            field_index,
        }
        | O::StructGetS {
            struct_type_index,
            field_index,
        }
        | O::StructGetU {
            struct_type_index,
            field_index,
        }
        | O::StructSet {
            struct_type_index,
            field_index,
        } => (struct_type_index, Access::Field(field_index)),
        O::StructNew { struct_type_index }
        | O::StructNewDesc { struct_type_index }
        | O::StructAtomicGet {
            struct_type_index, ..
        }
        | O::StructAtomicGetS {
            struct_type_index, ..
        }
        | O::StructAtomicGetU {
            struct_type_index, ..
        }
        | O::StructAtomicSet {
            struct_type_index, ..
        }
        | O::StructAtomicRmwAdd {
            struct_type_index, ..
        }
        | O::StructAtomicRmwSub {
            struct_type_index, ..
        }
        | O::StructAtomicRmwAnd {
            struct_type_index, ..
        }
        | O::StructAtomicRmwOr {
            struct_type_index, ..
        }
        | O::StructAtomicRmwXor {
            struct_type_index, ..
        }
        | O::StructAtomicRmwXchg {
            struct_type_index, ..
        }
        | O::StructAtomicRmwCmpxchg {
            struct_type_index, ..
        } => (struct_type_index, Access::Frozen),
        _ => return None,
    })
}
