//! Which types, memories and tables does a module use?
//!
//! The `remove-types` pass only offers groups nobody refers to, and
//! `simplify-limits` only changes the index type of memories and tables
//! that no instruction or segment addresses, so that the driver does not
//! waste candidates on changes that cannot be valid. Every section but the
//! type section (and exports, which name an item without using it) is
//! walked with a `Reencode` whose index hooks record what they see; the
//! type section (our own model) contributes type references that cross
//! group boundaries.

use crate::code_facts::Mentions;
use crate::module::Module;
use crate::types::{Composite, Heap, ValType};
use anyhow::Result;
use std::collections::BTreeSet;
use std::convert::Infallible;
use wasm_encoder::reencode::{Error, Reencode};
use wasmparser::{Parser, Payload};

fn recorded(m: &Module) -> Result<Mentions> {
    let mut r = Mentions::default();
    walk(&mut r, m).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(r)
}

/// The 64-bit memories and tables (absolute indices) that an instruction or
/// an active segment addresses: only those matter (to make one 32-bit), and
/// with none in the module no body is decoded (70 ms on a 5.7 MB function).
pub fn addressed_64bit_memories_and_tables(m: &Module) -> Result<(BTreeSet<u32>, BTreeSet<u32>)> {
    let memory64 = |i: &u32| m.memory_types.get(*i as usize).is_some_and(|t| t.memory64);
    let table64 = |i: &u32| m.table_types.get(*i as usize).is_some_and(|t| t.table64);
    if !(m.memory_types.iter().any(|t| t.memory64) || m.table_types.iter().any(|t| t.table64)) {
        return Ok(Default::default());
    }
    let r = recorded(m)?;
    Ok((
        r.memories.into_iter().filter(memory64).collect(),
        r.tables.into_iter().filter(table64).collect(),
    ))
}

/// Type indices referenced from outside their own recursion group.
pub fn used_types(m: &Module) -> Result<BTreeSet<u32>> {
    let mut used = recorded(m)?.types;
    for (i, (group, ty)) in m.types.iter().enumerate() {
        let mut refs = Vec::new();
        refs.extend(ty.supertype);
        refs.extend(ty.describes);
        refs.extend(ty.descriptor);
        let mut val = |v: &ValType| {
            if let ValType::Ref {
                heap: Heap::Concrete(t) | Heap::Exact(t),
                ..
            } = v
            {
                refs.push(*t);
            }
        };
        match &ty.composite {
            Composite::Func { params, results } => params.iter().chain(results).for_each(&mut val),
            Composite::Struct(fields) => fields.iter().for_each(|f| val(&f.storage)),
            Composite::Array(f) => val(&f.storage),
            Composite::Cont(t) => refs.push(*t),
        }
        for t in refs {
            let other_group = m.types.get(t as usize).map(|(g, _)| *g);
            if other_group != Some(*group) && t as usize != i {
                used.insert(t);
            }
        }
    }
    Ok(used)
}

fn walk(r: &mut Mentions, m: &Module) -> Result<(), Error<Infallible>> {
    let mut code = wasm_encoder::CodeSection::new();
    for payload in Parser::new(0).parse_all(&m.bytes) {
        match payload? {
            Payload::ImportSection(s) => {
                for import in s.into_imports() {
                    r.entity_type(import?.ty)?;
                }
            }
            Payload::FunctionSection(s) => {
                r.parse_function_section(&mut wasm_encoder::FunctionSection::new(), s)?
            }
            Payload::TableSection(s) => {
                r.parse_table_section(&mut wasm_encoder::TableSection::new(), s)?
            }
            Payload::GlobalSection(s) => {
                r.parse_global_section(&mut wasm_encoder::GlobalSection::new(), s)?
            }
            Payload::TagSection(s) => {
                r.parse_tag_section(&mut wasm_encoder::TagSection::new(), s)?
            }
            Payload::ElementSection(s) => {
                r.parse_element_section(&mut wasm_encoder::ElementSection::new(), s)?
            }
            Payload::DataSection(s) => {
                r.parse_data_section(&mut wasm_encoder::DataSection::new(), s)?
            }
            Payload::CodeSectionEntry(body) => r.parse_function_body(&mut code, body)?,
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_types_used_by_code_and_signatures() {
        let m = Module::parse(
            wat::parse_str(
                r#"(module
                  (type $unused (func (param i64)))
                  (type $s (struct (field i32)))
                  (type $arr (array (ref null $s)))
                  (type $blk (func (result i32 i32)))
                  (func (result i32)
                    block (type $blk) i32.const 1 i32.const 2 end
                    drop))"#,
            )
            .unwrap(),
        )
        .unwrap();
        let used = used_types(&m).unwrap();
        // $s is used by $arr (another group); $blk by a block; 4 is the func's type.
        assert_eq!(used, [1, 3, 4].into());
    }
}
