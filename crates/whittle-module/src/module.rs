//! `Module`: a wasm binary plus the index of what it contains.
//!
//! Passes need to know what a module holds (how many functions, of which
//! types, which exports, ...) to count their targets, and the rewriter needs
//! the byte ranges to copy from. Parsing once into this index is cheap; the
//! bytes stay the source of truth.

use crate::code_facts::CodeFacts;
use crate::statements_ahead::StatementsAhead;
use crate::types::{self, RecGroup, SubType, ValType};
use crate::validate::BodyValidator;
use anyhow::{bail, Context, Result};
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use wasmparser::{ExternalKind, Parser, Payload, TypeRef};

/// The kinds of indexed items a module can remove or reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemKind {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

impl ItemKind {
    pub fn from_external(kind: ExternalKind) -> ItemKind {
        match kind {
            ExternalKind::Func | ExternalKind::FuncExact => ItemKind::Func,
            ExternalKind::Table => ItemKind::Table,
            ExternalKind::Memory => ItemKind::Memory,
            ExternalKind::Global => ItemKind::Global,
            ExternalKind::Tag => ItemKind::Tag,
        }
    }
}

/// One import, flattened out of any compact import encoding.
#[derive(Clone, Debug)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub ty: TypeRef,
    /// The kind and the absolute index this import defines.
    pub kind: ItemKind,
    pub index: u32,
}

#[derive(Clone, Debug)]
pub struct Export {
    pub name: String,
    pub kind: ExternalKind,
    pub index: u32,
}

/// A section as it appears in the binary, in order.
#[derive(Clone, Debug)]
pub struct Section {
    pub id: u8,
    /// The payload (without id and size).
    pub range: Range<usize>,
    /// For custom sections: the name.
    pub custom_name: Option<String>,
}

/// The type section's id.
const TYPE_SECTION: u8 = 1;

/// A global's type.
#[derive(Clone, Copy, Debug)]
pub struct GlobalInfo {
    pub ty: ValType,
    pub mutable: bool,
}

/// A parsed module. Cheap to build; holds the bytes it was built from.
#[derive(Clone, Debug)]
pub struct Module {
    pub bytes: Vec<u8>,
    pub sections: Vec<Section>,
    /// The type section, parsed; shared with the candidates that keep it
    /// byte for byte (`Module::parse_beside`).
    pub rec_groups: Arc<Vec<RecGroup>>,
    /// Every defined type in index order, with the rec group it belongs to.
    pub types: Arc<Vec<(usize, SubType)>>,
    pub imports: Vec<Import>,
    /// Type index of every function, imported ones first.
    pub func_types: Vec<u32>,
    pub num_imported_funcs: u32,
    /// Byte range of each defined function's body (locals + code).
    pub bodies: Vec<Range<usize>>,
    /// Index type of every table (`i64` for table64), imported ones first.
    pub table_index_types: Vec<ValType>,
    /// Type (limits, element type) of every table, imported ones first.
    pub table_types: Vec<wasmparser::TableType>,
    /// Type (limits, sharing, index type) of every memory, imported ones first.
    pub memory_types: Vec<wasmparser::MemoryType>,
    /// Length in bytes of every data segment.
    pub data_lengths: Vec<usize>,
    /// Number of items of every element segment.
    pub element_lengths: Vec<usize>,
    pub num_imported_tables: u32,
    pub num_memories: u32,
    pub num_imported_memories: u32,
    pub globals: Vec<GlobalInfo>,
    pub num_imported_globals: u32,
    /// Type index of every tag.
    pub tag_types: Vec<u32>,
    pub num_imported_tags: u32,
    pub exports: Vec<Export>,
    pub start: Option<u32>,
    pub num_elements: u32,
    pub num_data: u32,
    /// What the bodies mention, once asked; shared with the modules built
    /// from this one that keep every body as it is.
    code_facts: Arc<OnceLock<CodeFacts>>,
    /// Its statements, when listed ahead; shared with the candidates that
    /// keep them (see `statements_ahead`).
    pub(crate) statements_ahead: Arc<StatementsAhead>,
    /// What its bodies are checked against, once asked; shared with the
    /// candidates that change only bodies (see [`Module::declarations`]).
    declarations: Arc<OnceLock<Option<BodyValidator>>>,
}

impl Module {
    /// Index a binary module. Fails on anything that is not a core module
    /// whose sections can be read.
    pub fn parse(bytes: Vec<u8>) -> Result<Module> {
        Module::parse_beside(bytes, None)
    }

    /// [`Module::parse`], taking `base`'s parsed types when the type
    /// section is `base`'s byte for byte, as in most candidates: on a
    /// module of 1351 types, parsing them (and dropping them after) was a
    /// fifth of the reducer's own time.
    pub fn parse_beside(bytes: Vec<u8>, base: Option<&Module>) -> Result<Module> {
        let mut m = Module {
            bytes: Vec::new(),
            sections: Vec::new(),
            rec_groups: Arc::default(),
            types: Arc::default(),
            imports: Vec::new(),
            func_types: Vec::new(),
            num_imported_funcs: 0,
            bodies: Vec::new(),
            table_index_types: Vec::new(),
            table_types: Vec::new(),
            memory_types: Vec::new(),
            data_lengths: Vec::new(),
            element_lengths: Vec::new(),
            num_imported_tables: 0,
            num_memories: 0,
            num_imported_memories: 0,
            globals: Vec::new(),
            num_imported_globals: 0,
            tag_types: Vec::new(),
            num_imported_tags: 0,
            exports: Vec::new(),
            start: None,
            num_elements: 0,
            num_data: 0,
            code_facts: Arc::default(),
            statements_ahead: Arc::default(),
            declarations: Arc::default(),
        };
        m.index(&bytes, base)?;
        m.bytes = bytes;
        Ok(m)
    }

    /// The bytes of the section with this id, if there is one.
    fn section_bytes(&self, id: u8) -> Option<&[u8]> {
        let s = self.sections.iter().find(|s| s.id == id)?;
        Some(&self.bytes[s.range.clone()])
    }

    fn index(&mut self, bytes: &[u8], base: Option<&Module>) -> Result<()> {
        for payload in Parser::new(0).parse_all(bytes) {
            let payload = payload?;
            if let Some((id, range)) = payload.as_section() {
                let custom_name = match &payload {
                    Payload::CustomSection(c) => Some(c.name().to_string()),
                    _ => None,
                };
                // `as_section` gives the full custom section range; keep the payload
                // range for the others and the full contents for custom ones.
                self.sections.push(Section {
                    id,
                    range,
                    custom_name,
                });
            }
            match payload {
                Payload::Version { encoding, .. } if encoding != wasmparser::Encoding::Module => {
                    bail!("this is a component, not a core module");
                }
                Payload::TypeSection(s) => {
                    let range = s.range();
                    let section = &bytes[range.clone()];
                    match base {
                        Some(base) if base.section_bytes(TYPE_SECTION) == Some(section) => {
                            self.rec_groups = Arc::clone(&base.rec_groups);
                            self.types = Arc::clone(&base.types);
                        }
                        _ => {
                            let groups = types::parse_type_section(section, range.start)?;
                            let mut types = Vec::new();
                            for (g, group) in groups.iter().enumerate() {
                                for ty in &group.types {
                                    types.push((g, ty.clone()));
                                }
                            }
                            self.rec_groups = Arc::new(groups);
                            self.types = Arc::new(types);
                        }
                    }
                }
                Payload::ImportSection(s) => {
                    for import in s.into_imports() {
                        let import = import?;
                        let (kind, index) = match import.ty {
                            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                                self.func_types.push(t);
                                self.num_imported_funcs += 1;
                                (ItemKind::Func, self.func_types.len() - 1)
                            }
                            TypeRef::Table(t) => {
                                self.table_index_types.push(index_type(t.table64));
                                self.table_types.push(t);
                                self.num_imported_tables += 1;
                                (ItemKind::Table, self.table_index_types.len() - 1)
                            }
                            TypeRef::Memory(mt) => {
                                self.memory_types.push(mt);
                                self.num_memories += 1;
                                self.num_imported_memories += 1;
                                (ItemKind::Memory, self.num_memories as usize - 1)
                            }
                            TypeRef::Global(g) => {
                                self.globals.push(GlobalInfo {
                                    ty: types::from_wasmparser(g.content_type),
                                    mutable: g.mutable,
                                });
                                self.num_imported_globals += 1;
                                (ItemKind::Global, self.globals.len() - 1)
                            }
                            TypeRef::Tag(t) => {
                                self.tag_types.push(t.func_type_idx);
                                self.num_imported_tags += 1;
                                (ItemKind::Tag, self.tag_types.len() - 1)
                            }
                        };
                        self.imports.push(Import {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                            ty: import.ty,
                            kind,
                            index: index as u32,
                        });
                    }
                }
                Payload::FunctionSection(s) => {
                    for t in s {
                        self.func_types.push(t?);
                    }
                }
                Payload::TableSection(s) => {
                    for t in s {
                        let t = t?;
                        self.table_index_types.push(index_type(t.ty.table64));
                        self.table_types.push(t.ty);
                    }
                }
                Payload::MemorySection(s) => {
                    for mt in s {
                        self.memory_types.push(mt?);
                        self.num_memories += 1;
                    }
                }
                Payload::GlobalSection(s) => {
                    for g in s {
                        let g = g?;
                        self.globals.push(GlobalInfo {
                            ty: types::from_wasmparser(g.ty.content_type),
                            mutable: g.ty.mutable,
                        });
                    }
                }
                Payload::TagSection(s) => {
                    for t in s {
                        self.tag_types.push(t?.func_type_idx);
                    }
                }
                Payload::ExportSection(s) => {
                    for e in s {
                        let e = e?;
                        self.exports.push(Export {
                            name: e.name.to_string(),
                            kind: e.kind,
                            index: e.index,
                        });
                    }
                }
                Payload::StartSection { func, .. } => self.start = Some(func),
                Payload::ElementSection(s) => {
                    self.num_elements = s.count();
                    for e in s {
                        self.element_lengths.push(match e?.items {
                            wasmparser::ElementItems::Functions(f) => f.count() as usize,
                            wasmparser::ElementItems::Expressions(_, e) => e.count() as usize,
                        });
                    }
                }
                Payload::DataSection(s) => {
                    self.num_data = s.count();
                    for d in s {
                        self.data_lengths.push(d?.data.len());
                    }
                }
                Payload::CodeSectionEntry(body) => self.bodies.push(body.range()),
                Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => {
                    bail!("nested modules and components are not supported")
                }
                _ => {}
            }
        }
        let defined = self.func_types.len() - self.num_imported_funcs as usize;
        if defined != self.bodies.len() {
            bail!(
                "function and code section disagree: {defined} functions declared, {} bodies",
                self.bodies.len()
            );
        }
        Ok(())
    }

    /// Number of functions, imported and defined.
    pub fn num_funcs(&self) -> u32 {
        self.func_types.len() as u32
    }

    /// Absolute indices of the items of `kind` the module defines itself
    /// (after the imported ones).
    pub fn defined(&self, kind: ItemKind) -> std::ops::Range<u32> {
        let (imported, all) = match kind {
            ItemKind::Func => (self.num_imported_funcs, self.func_types.len()),
            ItemKind::Table => (self.num_imported_tables, self.table_types.len()),
            ItemKind::Memory => (self.num_imported_memories, self.memory_types.len()),
            ItemKind::Global => (self.num_imported_globals, self.globals.len()),
            ItemKind::Tag => (self.num_imported_tags, self.tag_types.len()),
        };
        imported..all as u32
    }

    /// Number of defined (non-imported) functions.
    pub fn num_defined_funcs(&self) -> u32 {
        self.bodies.len() as u32
    }

    /// The body bytes (locals + code) of a function given by absolute index.
    pub fn body(&self, func: u32) -> Option<&[u8]> {
        let i = func.checked_sub(self.num_imported_funcs)?;
        self.bodies.get(i as usize).map(|r| &self.bytes[r.clone()])
    }

    /// Some body takes a `ref.func` (a body that cannot be read counts as
    /// taking one). No edit writes a `ref.func` that was not there, so a
    /// candidate of a module without one has none either, and needs no
    /// declarations for them (looking for them cost each candidate of a
    /// giant function a walk of it).
    pub fn code_takes_ref_func(&self) -> bool {
        self.code_facts().takes_ref_func
    }

    /// What the bodies mention and their complexity: one walk of them, on
    /// the first ask of this module or of one it shares them with.
    pub fn code_facts(&self) -> &CodeFacts {
        self.code_facts.get_or_init(|| {
            CodeFacts::of_bodies(
                (self.num_imported_funcs..self.num_funcs()).filter_map(|f| self.function_body(f)),
            )
        })
    }

    /// Whether [`Module::code_facts`] is known without a walk.
    pub fn code_facts_known(&self) -> bool {
        self.code_facts.get().is_some()
    }

    /// Share what `base`'s bodies answered when this module's bodies are
    /// `base`'s byte for byte (an edit of exports, limits or items the
    /// bodies do not name): its code facts, known or still to be found,
    /// and, when `checked_as_before` also says the bodies are checked
    /// against the same declarations, its statements listed ahead.
    pub(crate) fn share_from(&mut self, base: &Module, checked_as_before: impl FnOnce() -> bool) {
        let same_bodies = self.bodies.len() == base.bodies.len()
            && self
                .bodies
                .iter()
                .zip(&base.bodies)
                .all(|(a, b)| a.len() == b.len())
            && self.code_bytes() == base.code_bytes();
        if !same_bodies {
            return;
        }
        self.code_facts = Arc::clone(&base.code_facts);
        if checked_as_before() {
            self.statements_ahead = Arc::clone(&base.statements_ahead);
        }
    }

    /// Its declarations (the sections before the code), validated, for
    /// checking bodies one at a time; `None` when they do not validate or
    /// there is no code. Made on the first ask of this module or of one it
    /// shares them with: validating a type section of 1351 types for each
    /// listing of statements was a fifth of the reducer's own time.
    pub fn declarations(&self) -> Option<&BodyValidator> {
        self.declarations
            .get_or_init(|| BodyValidator::of_declarations(&self.bytes))
            .as_ref()
    }

    /// Share `base`'s declarations, known or still to be found: this
    /// module is `base` with other bodies and nothing else changed, so its
    /// bodies are checked against the same ones.
    pub(crate) fn share_declarations_from(&mut self, base: &Module) {
        self.declarations = Arc::clone(&base.declarations);
    }

    /// The size of its code: from the first body's start to the last one's
    /// end.
    pub fn code_size(&self) -> usize {
        self.code_bytes().len()
    }

    /// Is its code mostly one giant function: 64 KiB of code or more, half
    /// of it or more in one body? Then a check of it is mostly that
    /// function's compile, and its statements are the way to cut it.
    pub fn is_one_giant_function(&self) -> bool {
        const GIANT_CODE_BYTES: usize = 64 << 10;
        let code = self.code_size();
        let largest = self.bodies.iter().map(|b| b.len()).max().unwrap_or(0);
        code >= GIANT_CODE_BYTES && 2 * largest >= code
    }

    /// The bytes from the first body's start to the last one's end.
    fn code_bytes(&self) -> &[u8] {
        match (self.bodies.first(), self.bodies.last()) {
            (Some(first), Some(last)) => &self.bytes[first.start..last.end],
            _ => &[],
        }
    }

    /// A `wasmparser` view of a function body.
    pub fn function_body(&self, func: u32) -> Option<wasmparser::FunctionBody<'_>> {
        let i = func.checked_sub(self.num_imported_funcs)?;
        let r = self.bodies.get(i as usize)?.clone();
        Some(wasmparser::FunctionBody::new(
            wasmparser::BinaryReader::new(&self.bytes[r.clone()], r.start),
        ))
    }

    /// Parameters and results of a function type, if `ty` is one.
    pub fn func_type(&self, ty: u32) -> Option<(&[ValType], &[ValType])> {
        self.types.get(ty as usize)?.1.as_func()
    }

    /// The signature of function `func`.
    pub fn func_sig(&self, func: u32) -> Option<(&[ValType], &[ValType])> {
        self.func_type(*self.func_types.get(func as usize)?)
    }

    /// The custom sections, in order, as (ordinal among custom sections, section).
    pub fn custom_sections(&self) -> impl Iterator<Item = (usize, &Section)> {
        self.sections.iter().filter(|s| s.id == 0).enumerate()
    }

    /// Size in bytes of the code section payload (0 if there is none).
    pub fn code_section_size(&self) -> usize {
        self.sections
            .iter()
            .find(|s| s.id == 10)
            .map_or(0, |s| s.range.len())
    }

    /// Number of instructions across all function bodies (each body's final
    /// `end` included).
    pub fn instruction_count(&self) -> Result<usize> {
        let mut n = 0;
        for f in self.num_imported_funcs..self.num_funcs() {
            let body = self.function_body(f).context("missing body")?;
            let mut ops = body.get_operators_reader()?;
            while !ops.eof() {
                ops.read()?;
                n += 1;
            }
        }
        Ok(n)
    }
}

fn index_type(is64: bool) -> ValType {
    if is64 {
        ValType::I64
    } else {
        ValType::I32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_giant_function_is_64_kib_of_code_or_more_half_of_it_in_one_body() {
        // `n` statements of 7 bytes (`local.get 0 i32.const 1 i32.add
        // local.set 0`) in the first function, `m` in each of `others`.
        let module = |n: usize, others: usize, m: usize| {
            let body = |k: usize| "local.get 0 i32.const 1 i32.add local.set 0 ".repeat(k);
            let mut wat = format!("(module (func (local i32) {})", body(n));
            for _ in 0..others {
                wat.push_str(&format!(" (func (local i32) {})", body(m)));
            }
            wat.push(')');
            Module::parse(wat::parse_str(&wat).unwrap()).unwrap()
        };
        let giant = module(10_000, 0, 0);
        assert!(giant.code_size() >= 64 << 10);
        assert!(giant.is_one_giant_function());
        // Too little code to matter.
        assert!(!module(9_000, 0, 0).is_one_giant_function());
        // Half the code in it, or less than half.
        assert!(module(10_000, 1, 9_000).is_one_giant_function());
        assert!(!module(10_000, 2, 6_000).is_one_giant_function());
        assert!(!Module::parse(wat::parse_str("(module)").unwrap())
            .unwrap()
            .is_one_giant_function());
    }

    /// A candidate that keeps its base's type section byte for byte takes
    /// the base's parsed types; one whose type section differs parses its
    /// own, and gets them right.
    #[test]
    fn a_candidate_shares_its_bases_types_when_the_section_is_the_same() {
        use crate::Edit;
        let base = Module::parse(
            wat::parse_str(
                r#"(module (type (func (param i32))) (type (func (result i64)))
                     (func (type 0)) (func (type 1) i64.const 0) (export "f" (func 0)))"#,
            )
            .unwrap(),
        )
        .unwrap();
        let no_export = Edit {
            remove_exports: [0].into(),
            ..Edit::default()
        };
        let kept = crate::candidate(&base, &no_export).unwrap();
        assert!(Arc::ptr_eq(&kept.types, &base.types));
        assert!(Arc::ptr_eq(&kept.rec_groups, &base.rec_groups));
        let no_second = Edit {
            remove_funcs: [1].into(),
            remove_type_groups: [1].into(),
            ..Edit::default()
        };
        let fewer = crate::candidate(&base, &no_second).unwrap();
        assert!(!Arc::ptr_eq(&fewer.types, &base.types));
        assert_eq!(fewer.types.len(), 1);
        assert_eq!(fewer.func_type(0).map(|(params, _)| params.len()), Some(1));
    }

    #[test]
    fn a_candidate_shares_its_bases_declarations_when_only_bodies_change() {
        use crate::Edit;
        let base = Module::parse(
            wat::parse_str(
                r#"(module (type (func (result i32))) (global i32 (i32.const 7))
                     (func (type 0) global.get 0) (func (type 0) i32.const 1))"#,
            )
            .unwrap(),
        )
        .unwrap();
        assert!(base.declarations().is_some());
        let empty_body = vec![0x00, 0x41, 0x02, 0x0b]; // no locals; i32.const 2
        let new_body = Edit {
            bodies: [(0, empty_body)].into(),
            ..Edit::default()
        };
        let body_only = crate::candidate(&base, &new_body).unwrap();
        assert!(Arc::ptr_eq(&body_only.declarations, &base.declarations));
        // Removing a function changes what bodies are checked against.
        let fewer = Edit {
            remove_funcs: [0].into(),
            ..Edit::default()
        };
        let fewer = crate::candidate(&base, &fewer).unwrap();
        assert!(!Arc::ptr_eq(&fewer.declarations, &base.declarations));
        assert!(fewer.declarations().is_some());
        // Declarations that do not validate give none.
        let invalid =
            wat::parse_str("(module (func) (export \"f\" (func 0)) (export \"f\" (func 0)))");
        let invalid = Module::parse(invalid.unwrap()).unwrap();
        assert!(invalid.declarations().is_none());
    }

    #[test]
    fn indexes_items_in_index_order() {
        let wasm = wat::parse_str(
            r#"(module
                 (import "m" "f" (func (param i32)))
                 (import "m" "g" (global i64))
                 (func (result i32) i32.const 1)
                 (func)
                 (table 1 funcref)
                 (memory 1)
                 (global (mut f32) (f32.const 0))
                 (export "x" (func 1))
                 (start 2)
                 (data (i32.const 0) "hi")
                 (elem (i32.const 0) func 1)
                 (@custom "c" "payload"))"#,
        )
        .unwrap();
        let m = Module::parse(wasm).unwrap();
        assert_eq!(m.num_funcs(), 3);
        assert_eq!(m.num_imported_funcs, 1);
        assert_eq!(m.func_sig(1).unwrap().1, &[ValType::I32]);
        assert_eq!(m.globals.len(), 2);
        assert!(m.globals[1].mutable);
        assert_eq!(m.exports[0].name, "x");
        assert_eq!(m.start, Some(2));
        assert_eq!((m.num_data, m.num_elements, m.num_memories), (1, 1, 1));
        assert_eq!(m.custom_sections().count(), 1);
        assert_eq!(m.instruction_count().unwrap(), 3);
    }

    #[test]
    fn refuses_components() {
        let wasm = wat::parse_str("(component)").unwrap();
        let err = Module::parse(wasm).unwrap_err().to_string();
        assert!(err.contains("component"), "{err}");
    }
}
