//! Renumbering the `name` custom section.
//!
//! Names make the reduced WAT readable (`$parse_header` instead of `$f17`),
//! so they are kept as long as they can be renumbered: names of removed
//! items go; local names of functions whose parameters moved, label names
//! and field names (which depend on body structure) are dropped.

use crate::remap::Remap;
use wasm_encoder::{IndirectNameMap, NameMap, NameSection};
use wasmparser::{KnownCustom, Name};

/// The renumbered name section, or `None` if it cannot be read (a broken
/// name section is not worth keeping in a reduced test case).
pub fn rewrite_names(
    remap: &Remap<'_>,
    section: &wasmparser::CustomSectionReader<'_>,
) -> Option<NameSection> {
    let KnownCustom::Name(reader) = section.as_known() else {
        return None;
    };
    let mut out = NameSection::new();
    for name in reader {
        match name.ok()? {
            Name::Module { name, .. } => out.module(name),
            Name::Function(map) => out.functions(&renumber(map, &remap.funcs)?),
            Name::Local(map) => {
                let mut locals = IndirectNameMap::new();
                for naming in map {
                    let naming = naming.ok()?;
                    let Some(Some(f)) = remap.funcs.get(naming.index as usize) else {
                        continue;
                    };
                    let ty = remap.m.func_types[naming.index as usize];
                    if remap
                        .edit
                        .retype
                        .get(&ty)
                        .is_some_and(|r| r.changes_params())
                    {
                        continue;
                    }
                    let identity: Vec<Option<u32>> = Vec::new();
                    locals.append(*f, &renumber_or_keep(naming.names, &identity)?);
                }
                out.locals(&locals);
            }
            Name::Type(map) => out.types(&renumber(map, &remap.types)?),
            Name::Table(map) => out.tables(&renumber(map, &remap.tables)?),
            Name::Memory(map) => out.memories(&renumber(map, &remap.memories)?),
            Name::Global(map) => out.globals(&renumber(map, &remap.globals)?),
            Name::Element(map) => out.elements(&renumber(map, &remap.elements)?),
            Name::Data(map) => out.data(&renumber(map, &remap.data)?),
            Name::Tag(map) => out.tags(&renumber(map, &remap.tags)?),
            Name::Label(_) | Name::Field(_) | Name::Unknown { .. } => {}
        }
    }
    Some(out)
}

fn renumber(map: wasmparser::NameMap<'_>, indices: &[Option<u32>]) -> Option<NameMap> {
    let mut out = NameMap::new();
    for naming in map {
        let naming = naming.ok()?;
        if let Some(Some(new)) = indices.get(naming.index as usize) {
            out.append(*new, naming.name);
        }
    }
    Some(out)
}

/// Local indices do not move (see `body.rs`), so an empty map means "keep".
fn renumber_or_keep(map: wasmparser::NameMap<'_>, indices: &[Option<u32>]) -> Option<NameMap> {
    let mut out = NameMap::new();
    for naming in map {
        let naming = naming.ok()?;
        match indices.get(naming.index as usize) {
            Some(Some(new)) => out.append(*new, naming.name),
            Some(None) => {}
            None => out.append(naming.index, naming.name),
        }
    }
    Some(out)
}
