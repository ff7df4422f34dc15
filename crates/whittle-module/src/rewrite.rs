//! Apply an `Edit` to a `Module`, producing new bytes.
//!
//! Sections are re-encoded in their original order through `Remap`, so every
//! index is renumbered consistently. Sections left empty are omitted, which
//! is what a reducer wants. Custom sections are copied verbatim except the
//! `name` section, whose maps are renumbered (names of removed items go).

use crate::body::rewrite_body;
use crate::edit::Edit;
use crate::module::{ItemKind, Module};
use crate::remap::{RResult, Remap, Unrepairable};
use crate::types::{self, SubType};
use anyhow::{anyhow, bail, Result};
use std::borrow::Cow;
use wasm_encoder::reencode::{Error as ReError, Reencode};
use wasm_encoder::{ConstExpr, ElementMode, ElementSegment, Elements, RawSection, RefType};
use wasmparser::{DataKind, ElementItems, ElementKind, Parser, Payload, TypeRef};

/// The candidate `edit` makes of `base`: applied and indexed, sharing the
/// base's code facts when it keeps the bodies as they are, its statements
/// listed ahead when they are also checked as before, and its declarations
/// when only bodies change.
pub fn candidate(base: &Module, edit: &Edit) -> Result<Module> {
    candidate_from_bytes(base, edit, apply(base, edit)?)
}

/// The candidate `edit` gives on `base`, from the bytes [`apply`] gave for
/// them before (a reducer that keeps candidates' bytes, not their modules,
/// which share what `base`'s bodies answered, and its declarations when
/// the edit changes only bodies).
pub fn candidate_from_bytes(base: &Module, edit: &Edit, bytes: Vec<u8>) -> Result<Module> {
    let mut m = Module::parse_beside(bytes, Some(base))?;
    m.share_from(base, || edit.leaves_bodies_valid(base));
    if edit.only_bodies() {
        m.share_declarations_from(base);
    }
    Ok(m)
}

/// Rewrite `m` according to `edit`. An error means the edit cannot be
/// applied (e.g. a removed memory is still used): the candidate is invalid.
pub fn apply(m: &Module, edit: &Edit) -> Result<Vec<u8>> {
    if let Some(why) = removes_what_kept_code_uses(m, edit) {
        bail!("unrepairable: {why}");
    }
    let mut remap = Remap::new(m, edit);
    let bytes = write_module(&mut remap).map_err(|e| match e {
        ReError::UserError(Unrepairable(msg)) => anyhow!("unrepairable: {msg}"),
        ReError::ParseError(e) => anyhow!("parse error: {e}"),
        other => anyhow!("{other}"),
    })?;
    // What declares a function for `ref.func` may be gone.
    let drops_mentions = !edit.remove_elements.is_empty()
        || !edit.empty_elements.is_empty()
        || !edit.truncate_elements.is_empty()
        || !edit.remove_globals.is_empty()
        || !edit.remove_exports.is_empty()
        || !edit.remove_tables.is_empty();
    if drops_mentions && m.code_takes_ref_func() {
        crate::declarations::declare_referenced_functions(bytes)
    } else {
        Ok(bytes)
    }
}

/// A memory, table or tag the edit removes that a body it keeps as it is
/// still uses: the rewrite would refuse it too, but only after copying the
/// code up to the use (half of a 5.7 MB function for its one load). Known
/// from the code facts, shared by the bases that keep the same bodies, when
/// the edit leaves every instruction as it is.
fn removes_what_kept_code_uses(m: &Module, edit: &Edit) -> Option<String> {
    let removes_named = !edit.remove_memories.is_empty()
        || !edit.remove_tables.is_empty()
        || !edit.remove_tags.is_empty();
    // Nothing that replaces a body or turns an instruction into another
    // (a `memory.init` of a removed segment becomes drops, and with it
    // goes its use of the memory).
    let keeps_code = edit.remove_funcs.is_empty()
        && edit.bodies.is_empty()
        && edit.retype.is_empty()
        && edit.remove_fields.is_empty()
        && edit.remove_data.is_empty()
        && edit.remove_elements.is_empty()
        && edit.remove_globals.is_empty()
        && edit.remove_type_groups.is_empty()
        && edit.type_aliases.is_empty();
    if !(removes_named && keeps_code) {
        return None;
    }
    let facts = m.code_facts();
    if !facts.complete {
        return None;
    }
    [
        ("memory", &edit.remove_memories, &facts.memories),
        ("table", &edit.remove_tables, &facts.tables),
        ("tag", &edit.remove_tags, &facts.tags),
    ]
    .into_iter()
    .find_map(|(what, removed, used)| {
        removed
            .intersection(used)
            .next()
            .map(|i| format!("removed {what} {i} is still referenced"))
    })
}

fn write_module(remap: &mut Remap<'_>) -> RResult<Vec<u8>> {
    let m = remap.m;
    let edit = remap.edit;
    let mut out = wasm_encoder::Module::new();
    let mut custom_ordinal = 0usize;
    let mut defined_func = m.num_imported_funcs;
    let mut code = wasm_encoder::CodeSection::new();
    let mut in_code = false;
    let only_functions_move = edit.remove_globals.is_empty()
        && edit.remove_tables.is_empty()
        && edit.remove_memories.is_empty()
        && edit.remove_tags.is_empty()
        && edit.remove_data.is_empty()
        && edit.remove_elements.is_empty()
        && edit.remove_type_groups.is_empty()
        && edit.retype.is_empty()
        && edit.remove_fields.is_empty()
        && edit.type_aliases.is_empty();
    let indices_unchanged = only_functions_move && edit.remove_funcs.is_empty();
    for payload in Parser::new(0).parse_all(&m.bytes) {
        let payload = payload?;
        if !matches!(payload, Payload::CodeSectionEntry(_)) {
            // The code section ends where the next section starts, whether or
            // not its last function was kept.
            finish_code(&mut out, &mut code, &mut in_code);
        }
        match payload {
            Payload::TypeSection(_) => write_types(remap, &mut out)?,
            Payload::ImportSection(s) => {
                let imports = s
                    .into_imports()
                    .zip(&m.imports)
                    .map(|(import, info)| import.map(|import| (import, info)));
                write_kept(
                    remap,
                    &mut out,
                    wasm_encoder::ImportSection::new(),
                    (imports, 0),
                    |_, _, (_, info)| !removed(edit, info.kind, info.index),
                    |remap, section, _, (import, info)| {
                        let ty = match import.ty {
                            TypeRef::Memory(_) => match edit.memory_types.get(&info.index) {
                                Some(mt) => TypeRef::Memory(*mt),
                                None => import.ty,
                            },
                            TypeRef::Table(_) => match edit.table_types.get(&info.index) {
                                Some(tt) => TypeRef::Table(*tt),
                                None => import.ty,
                            },
                            other => other,
                        };
                        section.import(import.module, import.name, remap.entity_type(ty)?);
                        Ok(())
                    },
                )?;
            }
            Payload::FunctionSection(s) => write_kept(
                remap,
                &mut out,
                wasm_encoder::FunctionSection::new(),
                (s, m.num_imported_funcs),
                |remap, f, _| !remap.func_removed(f),
                |remap, section, _, ty| {
                    section.function(remap.type_index(ty)?);
                    Ok(())
                },
            )?,
            Payload::TableSection(s) => write_kept(
                remap,
                &mut out,
                wasm_encoder::TableSection::new(),
                (s, m.num_imported_tables),
                |_, index, _| !edit.remove_tables.contains(&index),
                |remap, section, index, mut t| {
                    if let Some(tt) = edit.table_types.get(&index) {
                        t.ty = *tt;
                    }
                    remap.parse_table(section, t)
                },
            )?,
            Payload::MemorySection(s) => write_kept(
                remap,
                &mut out,
                wasm_encoder::MemorySection::new(),
                (s, m.num_imported_memories),
                |_, index, _| !edit.remove_memories.contains(&index),
                |remap, section, index, mem| {
                    let mem = edit.memory_types.get(&index).copied().unwrap_or(mem);
                    section.memory(remap.memory_type(mem)?);
                    Ok(())
                },
            )?,
            Payload::TagSection(s) => write_kept(
                remap,
                &mut out,
                wasm_encoder::TagSection::new(),
                (s, m.num_imported_tags),
                |_, index, _| !edit.remove_tags.contains(&index),
                |remap, section, _, t| {
                    section.tag(remap.tag_type(t)?);
                    Ok(())
                },
            )?,
            Payload::GlobalSection(s) => write_kept(
                remap,
                &mut out,
                wasm_encoder::GlobalSection::new(),
                (s, m.num_imported_globals),
                |remap, index, _| !remap.global_removed(index),
                |remap, section, _, g| remap.parse_global(section, g),
            )?,
            Payload::ExportSection(s) => write_kept(
                remap,
                &mut out,
                wasm_encoder::ExportSection::new(),
                (s, 0),
                |_, i, e| {
                    let kind = ItemKind::from_external(e.kind);
                    !edit.remove_exports.contains(&i) && !removed(edit, kind, e.index)
                },
                |remap, section, _, e| {
                    let index = remap.external_index(e.kind, e.index)?;
                    section.export(e.name, remap.export_kind(e.kind)?, index);
                    Ok(())
                },
            )?,
            Payload::StartSection { func, .. } => {
                if !edit.remove_start && !remap.func_removed(func) {
                    out.section(&wasm_encoder::StartSection {
                        function_index: remap.function_index(func)?,
                    });
                }
            }
            Payload::ElementSection(s) => write_kept(
                remap,
                &mut out,
                wasm_encoder::ElementSection::new(),
                (s, 0),
                |remap, i, _| !remap.element_removed(i),
                |remap, section, i, e| {
                    let keep = match edit.empty_elements.contains(&i) {
                        true => Some(0),
                        false => edit.truncate_elements.get(&i).copied(),
                    };
                    write_element(remap, section, e, keep)
                },
            )?,
            Payload::DataCountSection { .. } => {
                let count = remap.data.iter().flatten().count() as u32;
                if count > 0 {
                    out.section(&wasm_encoder::DataCountSection { count });
                }
            }
            Payload::DataSection(s) => write_kept(
                remap,
                &mut out,
                wasm_encoder::DataSection::new(),
                (s, 0),
                |remap, i, _| !remap.data_removed(i),
                |remap, section, i, d| match edit.data_contents.get(&i) {
                    Some(contents) => write_data(remap, section, d, contents),
                    None => remap.parse_data(section, d),
                },
            )?,
            Payload::CodeSectionStart { .. } => in_code = true,
            Payload::CodeSectionEntry(body) => {
                let f = defined_func;
                defined_func += 1;
                if remap.func_removed(f) {
                    continue;
                }
                let function = match edit.bodies.get(&f) {
                    // Written against the original index space, which
                    // stays: copied as it is (a body pass on a giant
                    // function must not decode and encode it again).
                    Some(bytes) if indices_unchanged => {
                        code.raw(bytes);
                        continue;
                    }
                    Some(bytes) => {
                        let reader = wasmparser::BinaryReader::new(bytes, 0);
                        rewrite_body(remap, f, &wasmparser::FunctionBody::new(reader))?
                    }
                    // Nothing is renumbered: the body is copied as it is
                    // (the common case of body-level passes on big modules).
                    None if indices_unchanged
                        || (only_functions_move && !mentions_functions(&body)) =>
                    {
                        code.raw(&m.bytes[body.range()]);
                        continue;
                    }
                    None => rewrite_body(remap, f, &body)?,
                };
                code.function(&function);
            }
            Payload::CustomSection(c) => {
                finish_code(&mut out, &mut code, &mut in_code);
                let ordinal = custom_ordinal;
                custom_ordinal += 1;
                if edit.remove_custom.contains(&ordinal) {
                    continue;
                }
                if c.name() == "name" {
                    if let Some(names) = crate::names::rewrite_names(remap, &c) {
                        out.section(&names);
                    }
                } else {
                    out.section(&RawSection {
                        id: 0,
                        data: &m.bytes[c.range()],
                    });
                }
            }
            Payload::Version { .. } | Payload::End(_) => {}
            other => {
                if let Some((id, range)) = other.as_section() {
                    out.section(&RawSection {
                        id,
                        data: &m.bytes[range],
                    });
                }
            }
        }
    }
    finish_code(&mut out, &mut code, &mut in_code);
    Ok(out.finish())
}

fn finish_code(
    out: &mut wasm_encoder::Module,
    code: &mut wasm_encoder::CodeSection,
    in_code: &mut bool,
) {
    if *in_code {
        *in_code = false;
        if !code.is_empty() {
            out.section(code);
        }
    }
}

/// One section's items (each with its index in its own index space,
/// counted from `first`, where imports come before) that `keep` accepts,
/// each added to `section` by `write`; the section goes to `out` unless
/// nothing is left in it.
fn write_kept<'m, T, S: wasm_encoder::Section>(
    remap: &mut Remap<'m>,
    out: &mut wasm_encoder::Module,
    mut section: S,
    (items, first): (impl IntoIterator<Item = wasmparser::Result<T>>, u32),
    keep: impl Fn(&Remap<'m>, u32, &T) -> bool,
    mut write: impl FnMut(&mut Remap<'m>, &mut S, u32, T) -> RResult<()>,
) -> RResult<()> {
    let mut kept = 0usize;
    for (index, item) in (first..).zip(items) {
        let item = item?;
        if keep(remap, index, &item) {
            write(remap, &mut section, index, item)?;
            kept += 1;
        }
    }
    if kept > 0 {
        out.section(&section);
    }
    Ok(())
}

fn removed(edit: &Edit, kind: ItemKind, index: u32) -> bool {
    let set = match kind {
        ItemKind::Func => &edit.remove_funcs,
        ItemKind::Table => &edit.remove_tables,
        ItemKind::Memory => &edit.remove_memories,
        ItemKind::Global => &edit.remove_globals,
        ItemKind::Tag => &edit.remove_tags,
    };
    set.contains(&index)
}

fn write_types(remap: &mut Remap<'_>, out: &mut wasm_encoder::Module) -> RResult<()> {
    let m = remap.m;
    let edit = remap.edit;
    let mut groups: Vec<types::RecGroup> = Vec::new();
    for (g, group) in m.rec_groups.iter().enumerate() {
        if edit.remove_type_groups.contains(&g) {
            continue;
        }
        let mut group = group.clone();
        let first = m.types.iter().position(|(tg, _)| *tg == g).unwrap_or(0) as u32;
        for (i, ty) in group.types.iter_mut().enumerate() {
            if let Some(removed) = edit.remove_fields.get(&(first + i as u32)) {
                if let types::Composite::Struct(fields) = &mut ty.composite {
                    let mut k = 0;
                    fields.retain(|_| {
                        k += 1;
                        !removed.contains(&(k - 1))
                    });
                }
            }
            if let Some(r) = edit.retype.get(&(first + i as u32)) {
                if let types::Composite::Func { params, results } = &mut ty.composite {
                    *params = keep(params, &r.keep_params);
                    *results = keep(results, &r.keep_results);
                }
            }
        }
        groups.push(group);
    }
    for (&t, _) in remap.wrapper_types.clone().iter() {
        let results = m.func_type(t).map(|(_, r)| r.to_vec()).unwrap_or_default();
        groups.push(types::RecGroup {
            explicit: false,
            types: vec![SubType::func(Vec::new(), results)],
        });
    }
    if groups.is_empty() {
        return Ok(());
    }
    let mut err = None;
    // Every index in `groups` is in the original space, appended types too.
    let payload = types::encode_type_section(&groups, &mut |i| {
        remap.type_index(i).map_err(|e| {
            let msg = format!("{e}");
            err = Some(e);
            anyhow!(msg)
        })
    });
    match payload {
        Ok(payload) => {
            out.section(&RawSection {
                id: 1,
                data: &payload,
            });
            Ok(())
        }
        Err(e) => Err(err.unwrap_or_else(|| ReError::UserError(Unrepairable(e.to_string())))),
    }
}

fn keep<T: Copy>(items: &[T], keep: &[bool]) -> Vec<T> {
    items
        .iter()
        .zip(keep.iter().chain(std::iter::repeat(&true)))
        .filter(|(_, k)| **k)
        .map(|(t, _)| *t)
        .collect()
}

/// Write element segment `e`, only its first `keep` items if given.
fn write_element(
    remap: &mut Remap<'_>,
    section: &mut wasm_encoder::ElementSection,
    e: wasmparser::Element<'_>,
    keep: Option<usize>,
) -> RResult<()> {
    let limit = keep.unwrap_or(usize::MAX);
    let any_removed = match &e.items {
        ElementItems::Functions(funcs) => {
            let mut any = false;
            for f in funcs.clone().into_iter().take(limit) {
                any |= remap.func_removed(f?);
            }
            any
        }
        ElementItems::Expressions(..) => false,
    };
    if !any_removed && keep.is_none() {
        return remap.parse_element(section, e);
    }
    let mut offset = None;
    let mode = element_mode(remap, e.kind, &mut offset)?;
    let elements = match e.items {
        // Declarations only make `ref.func` legal: drop the removed ones.
        ElementItems::Functions(funcs) if !any_removed || matches!(mode, ElementMode::Declared) => {
            let mut kept = Vec::new();
            for f in funcs.into_iter().take(limit) {
                let f = f?;
                if !remap.func_removed(f) {
                    kept.push(remap.function_index(f)?);
                }
            }
            Elements::Functions(Cow::Owned(kept))
        }
        // Keep the table layout: a removed function's slot becomes null.
        ElementItems::Functions(funcs) => {
            let mut exprs = Vec::new();
            for f in funcs.into_iter().take(limit) {
                let f = f?;
                exprs.push(if remap.func_removed(f) {
                    ConstExpr::ref_null(wasm_encoder::HeapType::FUNC)
                } else {
                    ConstExpr::ref_func(remap.function_index(f)?)
                });
            }
            Elements::Expressions(RefType::FUNCREF, Cow::Owned(exprs))
        }
        ElementItems::Expressions(ty, items) => {
            let mut exprs = Vec::new();
            for expr in items.into_iter().take(limit) {
                exprs.push(remap.const_expr(expr?)?);
            }
            Elements::Expressions(remap.ref_type(ty)?, Cow::Owned(exprs))
        }
    };
    section.segment(ElementSegment { mode, elements });
    Ok(())
}

fn write_data(
    remap: &mut Remap<'_>,
    section: &mut wasm_encoder::DataSection,
    d: wasmparser::Data<'_>,
    contents: &[u8],
) -> RResult<()> {
    let offset;
    let mode = match d.kind {
        DataKind::Passive => wasm_encoder::DataSegmentMode::Passive,
        DataKind::Active {
            memory_index,
            offset_expr,
        } => {
            offset = remap.const_expr(offset_expr)?;
            wasm_encoder::DataSegmentMode::Active {
                memory_index: remap.memory_index(memory_index)?,
                offset: &offset,
            }
        }
    };
    section.segment(wasm_encoder::DataSegment {
        mode,
        data: contents.iter().copied(),
    });
    Ok(())
}

/// A segment's mode in the new index space; `offset` holds the renumbered
/// offset expression the mode borrows.
fn element_mode<'a>(
    remap: &mut Remap<'_>,
    kind: ElementKind<'_>,
    offset: &'a mut Option<ConstExpr>,
) -> RResult<ElementMode<'a>> {
    Ok(match kind {
        ElementKind::Passive => ElementMode::Passive,
        ElementKind::Declared => ElementMode::Declared,
        ElementKind::Active {
            table_index,
            offset_expr,
        } => {
            let expr = offset.insert(remap.const_expr(offset_expr)?);
            let table = remap.table_index(table_index.unwrap_or(0))?;
            ElementMode::Active {
                // Keep the compact MVP encoding where the original had it.
                table: (table_index.is_some() || table != 0).then_some(table),
                offset: expr,
            }
        }
    })
}

/// Does a body refer to any function index (the only indices that move
/// when only functions are removed)? Decoding is much cheaper than
/// re-encoding, and most bodies of a big module are left alone this way.
fn mentions_functions(body: &wasmparser::FunctionBody<'_>) -> bool {
    let Ok(mut ops) = body.get_operators_reader() else {
        return true;
    };
    while !ops.eof() {
        match ops.read() {
            Ok(
                wasmparser::Operator::Call { .. }
                | wasmparser::Operator::ReturnCall { .. }
                | wasmparser::Operator::RefFunc { .. },
            ) => return true,
            Ok(_) => {}
            Err(_) => return true,
        }
    }
    false
}
