//! `Edit`: a description of what to take out of a module or replace in it.
//!
//! Passes never produce bytes themselves; they say *what* should go (these
//! functions, that export, the 3rd result of type 7) and the rewriter
//! (`rewrite.rs`) does the renumbering and repairs every reference in one
//! place. All indices in an `Edit` are in the *original* module's index space.

use crate::module::{ItemKind, Module};
use std::collections::{BTreeMap, BTreeSet};

/// Which parameters and results of a function type to keep.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Retype {
    pub keep_params: Vec<bool>,
    pub keep_results: Vec<bool>,
}

impl Retype {
    pub fn changes_params(&self) -> bool {
        self.keep_params.iter().any(|k| !k)
    }

    pub fn changes_results(&self) -> bool {
        self.keep_results.iter().any(|k| !k)
    }
}

/// Everything a candidate removes or replaces, relative to its base module.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Edit {
    /// Functions by absolute index (an imported one removes its import).
    /// Calls to them are replaced by dropping the arguments and pushing
    /// default results; `ref.func` becomes `ref.null func`.
    pub remove_funcs: BTreeSet<u32>,
    /// Globals by absolute index; reads become constants, writes become drops.
    pub remove_globals: BTreeSet<u32>,
    /// Tables, memories and tags: any remaining reference makes the
    /// candidate unrepairable (it is skipped, not run).
    pub remove_tables: BTreeSet<u32>,
    pub remove_memories: BTreeSet<u32>,
    pub remove_tags: BTreeSet<u32>,
    /// Data segments; `memory.init` of one becomes drops, `data.drop` goes.
    pub remove_data: BTreeSet<u32>,
    /// Element segments; `table.init` becomes drops, `elem.drop` goes.
    pub remove_elements: BTreeSet<u32>,
    /// Exports by position in the export section.
    pub remove_exports: BTreeSet<u32>,
    /// Custom sections by their position among custom sections.
    pub remove_custom: BTreeSet<usize>,
    /// Whole recursion groups of the type section.
    pub remove_type_groups: BTreeSet<usize>,
    pub remove_start: bool,
    /// New bodies (locals + code, as in the code section) for defined
    /// functions, by absolute function index, written against the original
    /// index space and the function's original type.
    pub bodies: BTreeMap<u32, Vec<u8>>,
    /// Function types whose parameter/result lists shrink, by type index.
    /// Bodies and call sites of functions of that type are rewritten.
    pub retype: BTreeMap<u32, Retype>,
    /// New types (limits, sharing, index type) for memories and tables, by
    /// absolute index (imported ones included).
    pub memory_types: BTreeMap<u32, wasmparser::MemoryType>,
    pub table_types: BTreeMap<u32, wasmparser::TableType>,
    /// New contents for data segments.
    pub data_contents: BTreeMap<u32, Vec<u8>>,
    /// Element segments whose items are all dropped (the segment stays).
    pub empty_elements: BTreeSet<u32>,
    /// Element segments cut to their first `k` items (mode and element
    /// type stay), by segment index.
    pub truncate_elements: BTreeMap<u32, usize>,
    /// Fields removed from struct types, by type index. `struct.get`/`set`
    /// of the other fields are renumbered; one of a removed field, or a
    /// `struct.new` of the type, makes the candidate unrepairable.
    pub remove_fields: BTreeMap<u32, BTreeSet<u32>>,
    /// Every reference to type `j` becomes a reference to type `i`
    /// (`j -> i`); used to merge duplicate types before removing them.
    pub type_aliases: BTreeMap<u32, u32>,
    /// The new bodies are valid whenever the base's are, by how the pass
    /// made them (a `br_table` cut to a prefix of its entries drops label
    /// checks and adds none): see [`Edit::keeps_validity`]. Validating the
    /// bodies of a 70,000-entry `br_table` cost a sixth of its check.
    pub bodies_valid_by_construction: bool,
}

impl Edit {
    pub fn is_empty(&self) -> bool {
        *self == Edit::default()
    }

    /// Removes items or segments, or changes types or element lists: the
    /// changes that move indices or change what bodies are checked
    /// against. Every field is named, so that a new kind of change has to
    /// be placed here or left out on purpose; the other fields are read by
    /// [`Edit::only_bodies`] and [`Edit::leaves_bodies_valid`].
    fn renumbers_or_retypes(&self) -> bool {
        let Edit {
            remove_funcs,
            remove_globals,
            remove_tables,
            remove_memories,
            remove_tags,
            remove_data,
            remove_elements,
            remove_exports: _,
            remove_custom: _,
            remove_type_groups,
            remove_start: _,
            bodies: _,
            retype,
            memory_types: _,
            table_types: _,
            data_contents: _,
            empty_elements,
            truncate_elements,
            remove_fields,
            type_aliases,
            bodies_valid_by_construction: _,
        } = self;
        !(remove_funcs.is_empty()
            && remove_globals.is_empty()
            && remove_tables.is_empty()
            && remove_memories.is_empty()
            && remove_tags.is_empty()
            && remove_data.is_empty()
            && remove_elements.is_empty()
            && remove_type_groups.is_empty()
            && retype.is_empty()
            && empty_elements.is_empty()
            && truncate_elements.is_empty()
            && remove_fields.is_empty()
            && type_aliases.is_empty())
    }

    /// New bodies and nothing else: every index, type and declaration of
    /// the base stays, so the candidate is valid when its new bodies are
    /// (see [`crate::BodyValidator`]).
    pub fn only_bodies(&self) -> bool {
        !self.bodies.is_empty()
            && !self.renumbers_or_retypes()
            && self.remove_exports.is_empty()
            && self.remove_custom.is_empty()
            && !self.remove_start
            && self.memory_types.is_empty()
            && self.table_types.is_empty()
            && self.data_contents.is_empty()
    }

    /// New bodies only, made valid by construction (see
    /// [`Edit::bodies_valid_by_construction`]): a candidate of a valid base
    /// is valid, with no validation.
    pub fn keeps_validity(&self) -> bool {
        self.bodies_valid_by_construction && self.only_bodies()
    }

    /// Changes nothing a function body's validity depends on, so that a
    /// candidate of a valid `base` is valid when its declarations are (see
    /// [`crate::validate_declarations`]): only limits of memories and
    /// tables, data contents, custom sections, the start function, and
    /// exports when no body takes a `ref.func` (an export can be what
    /// declares its function for one). Validating the bodies too cost a
    /// `shrink-limits` candidate of a giant function more than building it.
    pub fn leaves_bodies_valid(&self, base: &Module) -> bool {
        let same_memory_kind = |(&i, new): (&u32, &wasmparser::MemoryType)| {
            base.memory_types.get(i as usize).is_some_and(|old| {
                (old.memory64, old.shared, old.page_size_log2)
                    == (new.memory64, new.shared, new.page_size_log2)
            })
        };
        let same_table_kind = |(&i, new): (&u32, &wasmparser::TableType)| {
            base.table_types.get(i as usize).is_some_and(|old| {
                (old.element_type, old.table64, old.shared)
                    == (new.element_type, new.table64, new.shared)
            })
        };
        self.bodies.is_empty()
            && !self.renumbers_or_retypes()
            && self.memory_types.iter().all(same_memory_kind)
            && self.table_types.iter().all(same_table_kind)
            && (self.remove_exports.is_empty() || !base.code_takes_ref_func())
    }

    /// Remove the item of `kind` at absolute index `index` (an imported one
    /// removes its import).
    pub fn remove(&mut self, kind: ItemKind, index: u32) {
        self.removals(kind).insert(index);
    }

    /// The type of memory `index` (absolute) as this edit leaves it, to
    /// change further: `m`'s until the edit first changes it.
    pub fn memory_type(&mut self, m: &Module, index: u32) -> &mut wasmparser::MemoryType {
        let base = m.memory_types[index as usize];
        self.memory_types.entry(index).or_insert(base)
    }

    /// The type of table `index` (absolute) as this edit leaves it, to
    /// change further: `m`'s until the edit first changes it.
    pub fn table_type(&mut self, m: &Module, index: u32) -> &mut wasmparser::TableType {
        let base = m.table_types[index as usize];
        self.table_types.entry(index).or_insert(base)
    }

    /// The items of `kind` this edit removes.
    pub fn removals(&mut self, kind: ItemKind) -> &mut BTreeSet<u32> {
        match kind {
            ItemKind::Func => &mut self.remove_funcs,
            ItemKind::Table => &mut self.remove_tables,
            ItemKind::Memory => &mut self.remove_memories,
            ItemKind::Global => &mut self.remove_globals,
            ItemKind::Tag => &mut self.remove_tags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::module;

    #[test]
    fn only_limits_contents_and_unneeded_exports_leave_bodies_valid() {
        let m = module(
            r#"(module (memory 2 4) (table 1 funcref) (data (i32.const 0) "abc")
                (func (export "f") i32.const 0 i32.load drop) (start 0))"#,
        );
        let limits = |edit: &mut Edit| {
            edit.memory_type(&m, 0).initial = 1;
            edit.memory_type(&m, 0).maximum = None;
            edit.table_type(&m, 0).initial = 0;
        };
        let mut edit = Edit::default();
        limits(&mut edit);
        edit.data_contents.insert(0, b"a".to_vec());
        edit.remove_start = true;
        edit.remove_exports.insert(0);
        assert!(edit.leaves_bodies_valid(&m));
        // A 64-bit memory changes what a load takes.
        let mut memory64 = Edit::default();
        memory64.memory_type(&m, 0).memory64 = true;
        assert!(!memory64.leaves_bodies_valid(&m));
        // A new body, a removed data segment (renumbering): bodies change.
        let mut body = Edit::default();
        body.bodies.insert(0, vec![0, 0x0b]);
        assert!(!body.leaves_bodies_valid(&m));
        let mut data = Edit::default();
        data.remove_data.insert(0);
        assert!(!data.leaves_bodies_valid(&m));
        // An export may be what declares a function for a `ref.func`.
        let referenced =
            module(r#"(module (func $f (export "f")) (func (result funcref) ref.func $f))"#);
        let mut export = Edit::default();
        export.remove_exports.insert(0);
        assert!(!export.leaves_bodies_valid(&referenced));
    }
}
