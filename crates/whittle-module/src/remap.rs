//! `Remap`: the index maps of one rewrite, plugged into `wasm-encoder`'s
//! `Reencode` so that every index the encoder meets (in instructions, types,
//! constant expressions, imports, exports, ...) is renumbered in one place.
//!
//! A reference to a removed item that cannot be repaired in place is an
//! `Unrepairable` error: the candidate is skipped without running the oracle.

use crate::edit::Edit;
use crate::module::Module;
use crate::types::{Heap, ValType};
use std::collections::{BTreeMap, BTreeSet};
use wasm_encoder::reencode::{utils, Error, Reencode};
use wasm_encoder::{AbstractHeapType, HeapType, Instruction, RefType};

/// A removed item is still referenced where no repair is possible.
#[derive(Debug, Clone)]
pub struct Unrepairable(pub String);

impl std::fmt::Display for Unrepairable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unrepairable {}

pub type RResult<T> = Result<T, Error<Unrepairable>>;

pub fn unrepairable<T>(msg: impl Into<String>) -> RResult<T> {
    Err(Error::UserError(Unrepairable(msg.into())))
}

/// Old index -> new index, `None` for removed items.
fn index_map(len: usize, removed: &BTreeSet<u32>) -> Vec<Option<u32>> {
    let mut next = 0;
    (0..len as u32)
        .map(|i| {
            if removed.contains(&i) {
                None
            } else {
                next += 1;
                Some(next - 1)
            }
        })
        .collect()
}

pub struct Remap<'m> {
    pub m: &'m Module,
    pub edit: &'m Edit,
    pub funcs: Vec<Option<u32>>,
    pub globals: Vec<Option<u32>>,
    pub tables: Vec<Option<u32>>,
    pub memories: Vec<Option<u32>>,
    pub tags: Vec<Option<u32>>,
    pub data: Vec<Option<u32>>,
    pub elements: Vec<Option<u32>>,
    pub types: Vec<Option<u32>>,
    /// For a retyped function type whose results change: the index (new
    /// space) of an appended type `[] -> old results`, used to wrap bodies.
    pub wrapper_types: BTreeMap<u32, u32>,
    /// The module declares typed references, so `ref.func` values are
    /// typed too (function references are on).
    pub(crate) typed_refs: bool,
}

impl<'m> Remap<'m> {
    pub fn new(m: &'m Module, edit: &'m Edit) -> Remap<'m> {
        let mut removed_types = BTreeSet::new();
        for (i, (group, _)) in m.types.iter().enumerate() {
            if edit.remove_type_groups.contains(group) {
                removed_types.insert(i as u32);
            }
        }
        let types = index_map(m.types.len(), &removed_types);
        let kept_types = types.iter().flatten().count() as u32;
        let mut wrapper_types = BTreeMap::new();
        for (&t, retype) in &edit.retype {
            let multi = m.func_type(t).is_some_and(|(_, r)| r.len() > 1);
            if retype.changes_results() && multi && needs_wrapper(m, edit, t) {
                wrapper_types.insert(t, kept_types + wrapper_types.len() as u32);
            }
        }
        Remap {
            m,
            edit,
            funcs: index_map(m.func_types.len(), &edit.remove_funcs),
            globals: index_map(m.globals.len(), &edit.remove_globals),
            tables: index_map(m.table_index_types.len(), &edit.remove_tables),
            memories: index_map(m.num_memories as usize, &edit.remove_memories),
            tags: index_map(m.tag_types.len(), &edit.remove_tags),
            data: index_map(m.num_data as usize, &edit.remove_data),
            elements: index_map(m.num_elements as usize, &edit.remove_elements),
            types,
            wrapper_types,
            typed_refs: declares_typed_refs(m),
        }
    }

    pub fn func_removed(&self, f: u32) -> bool {
        matches!(self.funcs.get(f as usize), Some(None))
    }

    pub fn global_removed(&self, g: u32) -> bool {
        matches!(self.globals.get(g as usize), Some(None))
    }

    pub fn data_removed(&self, d: u32) -> bool {
        matches!(self.data.get(d as usize), Some(None))
    }

    pub fn element_removed(&self, e: u32) -> bool {
        matches!(self.elements.get(e as usize), Some(None))
    }

    /// Our value type, encoded for `wasm-encoder` in the new index space.
    pub fn enc_val_type(&mut self, ty: ValType) -> RResult<wasm_encoder::ValType> {
        Ok(match ty {
            ValType::I32 | ValType::I8 | ValType::I16 => wasm_encoder::ValType::I32,
            ValType::I64 => wasm_encoder::ValType::I64,
            ValType::F32 => wasm_encoder::ValType::F32,
            ValType::F64 => wasm_encoder::ValType::F64,
            ValType::V128 => wasm_encoder::ValType::V128,
            ValType::Ref { nullable, heap } => wasm_encoder::ValType::Ref(RefType {
                nullable,
                heap_type: self.enc_heap(heap)?,
            }),
        })
    }

    fn enc_heap(&mut self, heap: Heap) -> RResult<HeapType> {
        Ok(match heap {
            Heap::Concrete(t) => HeapType::Concrete(self.type_index(t)?),
            Heap::Exact(t) => HeapType::Exact(self.type_index(t)?),
            Heap::Abstract { shared, code } => HeapType::Abstract {
                shared,
                ty: match crate::types::abstract_heap(code) {
                    Some(ty) => ty,
                    None => return unrepairable(format!("unknown heap type 0x{code:02x}")),
                },
            },
        })
    }

    /// An instruction that pushes the default value of `ty` (original
    /// index space), in the new index space; `unreachable` where `ty` has
    /// none (a non-nullable reference). Code after `unreachable` is never
    /// reached and validates whatever values it goes on to use, so a call
    /// to a removed function that returned a `(ref $t)` becomes a trap
    /// where it was, not a candidate refused. (In a constant expression,
    /// say a `global.get` of a removed non-nullable global in another
    /// global's initializer, `unreachable` is not constant: the validation
    /// refuses that candidate, as the rewriter refused it before.)
    pub fn default_value(&mut self, ty: ValType) -> RResult<Instruction<'static>> {
        let ty = match ty {
            ValType::Ref {
                nullable,
                heap: Heap::Concrete(t),
            } => ValType::Ref {
                nullable,
                heap: Heap::Concrete(self.type_index(t)?),
            },
            ValType::Ref {
                nullable,
                heap: Heap::Exact(t),
            } => ValType::Ref {
                nullable,
                heap: Heap::Exact(self.type_index(t)?),
            },
            other => other,
        };
        Ok(crate::types::default_instruction(ty).unwrap_or(Instruction::Unreachable))
    }

    fn lookup(map: &[Option<u32>], i: u32, what: &str) -> RResult<u32> {
        match map.get(i as usize) {
            Some(Some(n)) => Ok(*n),
            Some(None) => unrepairable(format!("removed {what} {i} is still referenced")),
            // Out of range in the original: keep it, validation decides.
            None => Ok(i),
        }
    }
}

/// Does a type, global or table of `m` use a typed reference (a type index
/// or a non-nullable reference), or a GC type? Then function references are
/// on and `ref.func f` is a `(ref $type-of-f)` that `ref.null func` cannot
/// stand in for.
fn declares_typed_refs(m: &Module) -> bool {
    use crate::types::Composite;
    let typed = |v: &ValType| {
        matches!(
            v,
            ValType::Ref {
                nullable: false,
                ..
            } | ValType::Ref {
                heap: Heap::Concrete(_) | Heap::Exact(_),
                ..
            }
        )
    };
    let in_types = m.types.iter().any(|(_, ty)| match &ty.composite {
        Composite::Func { params, results } => params.iter().chain(results).any(typed),
        Composite::Struct(_) | Composite::Array(_) | Composite::Cont(_) => true,
    });
    let in_tables = m
        .table_types
        .iter()
        .any(|t| !t.element_type.is_nullable() || t.element_type.is_concrete_type_ref());
    in_types || in_tables || m.globals.iter().any(|g| typed(&g.ty))
}

/// Does some function of type `t` leave through its own label with a
/// branch (so its results can only be trimmed inside a wrapper block)?
fn needs_wrapper(m: &Module, edit: &Edit, t: u32) -> bool {
    (m.num_imported_funcs..m.num_funcs()).any(|f| {
        if m.func_types[f as usize] != t || edit.remove_funcs.contains(&f) {
            return false;
        }
        let check = |body: &wasmparser::FunctionBody<'_>| {
            crate::labels::branches_to_function_label(body).unwrap_or(true)
        };
        match edit.bodies.get(&f) {
            Some(bytes) => check(&wasmparser::FunctionBody::new(
                wasmparser::BinaryReader::new(bytes, 0),
            )),
            None => m.function_body(f).is_some_and(|b| check(&b)),
        }
    })
}

impl Reencode for Remap<'_> {
    type Error = Unrepairable;

    fn function_index(&mut self, f: u32) -> RResult<u32> {
        Self::lookup(&self.funcs, f, "function")
    }
    fn global_index(&mut self, g: u32) -> RResult<u32> {
        Self::lookup(&self.globals, g, "global")
    }
    fn table_index(&mut self, t: u32) -> RResult<u32> {
        Self::lookup(&self.tables, t, "table")
    }
    fn memory_index(&mut self, m: u32) -> RResult<u32> {
        Self::lookup(&self.memories, m, "memory")
    }
    fn tag_index(&mut self, t: u32) -> RResult<u32> {
        Self::lookup(&self.tags, t, "tag")
    }
    fn data_index(&mut self, d: u32) -> RResult<u32> {
        Self::lookup(&self.data, d, "data segment")
    }
    fn element_index(&mut self, e: u32) -> RResult<u32> {
        Self::lookup(&self.elements, e, "element segment")
    }
    fn type_index(&mut self, t: u32) -> RResult<u32> {
        let t = self.edit.type_aliases.get(&t).copied().unwrap_or(t);
        Self::lookup(&self.types, t, "type")
    }

    fn block_type(&mut self, bt: wasmparser::BlockType) -> RResult<wasm_encoder::BlockType> {
        if let wasmparser::BlockType::FuncType(t) = bt {
            if self.edit.retype.contains_key(&t) {
                return unrepairable(format!("retyped type {t} is used as a block type"));
            }
        }
        utils::block_type(self, bt)
    }

    fn tag_type(&mut self, tag: wasmparser::TagType) -> RResult<wasm_encoder::TagType> {
        if self.edit.retype.contains_key(&tag.func_type_idx) {
            return unrepairable("retyped type is used by a tag");
        }
        utils::tag_type(self, tag)
    }

    /// Single-instruction repairs, which is all a constant expression can
    /// take: a removed function's `ref.func` becomes a null of its type
    /// (`ref.null func` without function references), a
    /// removed global's `global.get` becomes its type's default value. A
    /// `struct.new` of a type that lost fields cannot be repaired (its
    /// operands would have to go).
    fn instruction<'a>(&mut self, op: wasmparser::Operator<'a>) -> RResult<Instruction<'a>> {
        match op {
            wasmparser::Operator::RefFunc { function_index }
                if self.func_removed(function_index) =>
            {
                Ok(Instruction::RefNull(if self.typed_refs {
                    let ty = self.m.func_types[function_index as usize];
                    HeapType::Concrete(self.type_index(ty)?)
                } else {
                    HeapType::Abstract {
                        shared: false,
                        ty: AbstractHeapType::Func,
                    }
                }))
            }
            wasmparser::Operator::GlobalGet { global_index }
                if self.global_removed(global_index) =>
            {
                let ty = self.m.globals[global_index as usize].ty;
                self.default_value(ty)
            }
            wasmparser::Operator::StructNew { struct_type_index }
                if self.edit.remove_fields.contains_key(&struct_type_index) =>
            {
                unrepairable("struct.new of a type that lost fields")
            }
            op => utils::instruction(self, op),
        }
    }
}
