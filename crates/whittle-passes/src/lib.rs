//! Reduction passes: each one names a kind of thing that can be taken out of
//! a module (exports, functions, a body's tail, a type's results, ...).
//!
//! A pass never sees chunks or the oracle. It says how many targets a module
//! offers ([`Search`]) and turns a choice of targets into an [`Edit`]; the
//! driver (`whittle-reduce`) decides which choices to try, validates the
//! result and asks the oracle. One pass per file, each with WAT tests.
//! [`REGISTRY`] lists them in schedule order, coarse to fine.

use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use whittle_module::{Edit, Module};

mod empty_elements;
mod inline_calls;
mod merge_types;
mod remove_custom_sections;
mod remove_data;
mod remove_dead_values;
mod remove_elements;
mod remove_exports;
mod remove_functions;
mod remove_globals;
mod remove_imports;
mod remove_instructions;
mod remove_locals;
mod remove_memories;
mod remove_start;
mod remove_tables;
mod remove_tags;
mod remove_types;
mod shrink_constants;
mod shrink_limits;
mod simplify_branches;
mod simplify_constants;
mod simplify_limits;
mod simplify_memargs;
mod trim_fields;
mod trim_params;
mod trim_results;
mod truncate_bodies;
mod truncate_data;
mod unreachable_bodies;
mod unwrap_blocks;
mod util;

#[cfg(test)]
mod testutil;

/// How the driver should search a pass's targets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Search {
    /// `n` independent targets; the driver tries removing subsets of them
    /// (ddmin: all at once, then halves, quarters, ... single targets).
    Subsets(usize),
    /// One length per target (e.g. a body's instruction count); the driver
    /// looks for the smallest length in `0..len` that still fails, by
    /// bisection.
    Lengths(Vec<usize>),
}

/// The targets the driver picked.
#[derive(Clone, Copy, Debug)]
pub enum Choice<'a> {
    /// Remove (or simplify) these targets.
    Subset(&'a BTreeSet<usize>),
    /// Shrink these targets to these lengths.
    Lengths(&'a BTreeMap<usize, usize>),
}

impl Choice<'_> {
    pub(crate) fn subset(&self) -> &BTreeSet<usize> {
        match self {
            Choice::Subset(s) => s,
            Choice::Lengths(_) => panic!("this pass expects a subset choice"),
        }
    }

    pub(crate) fn lengths(&self) -> &BTreeMap<usize, usize> {
        match self {
            Choice::Lengths(l) => l,
            Choice::Subset(_) => panic!("this pass expects a lengths choice"),
        }
    }
}

/// A reduction pass.
pub trait Pass: Send + Sync {
    /// How many targets `m` offers, and how to search them.
    fn search(&self, m: &Module) -> Search;
    /// The edit that applies `choice` to `m`.
    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit>;
}

/// A registered pass: its name for `--passes`, what it does, and how to make it.
pub struct PassInfo {
    pub name: &'static str,
    pub description: &'static str,
    pub make: fn() -> Box<dyn Pass>,
}

macro_rules! registry {
    ($($name:literal => $module:ident::$ty:ident, $desc:literal;)*) => {
        /// Every pass, in schedule order (coarse to fine).
        pub static REGISTRY: &[PassInfo] = &[
            $(PassInfo { name: $name, description: $desc, make: || Box::new($module::$ty) },)*
        ];
    };
}

registry! {
    "remove-exports" => remove_exports::RemoveExports, "remove exports";
    "remove-start" => remove_start::RemoveStart, "remove the start function declaration";
    "remove-functions" => remove_functions::RemoveFunctions, "remove defined functions, repairing their call sites";
    "unreachable-bodies" => unreachable_bodies::UnreachableBodies, "replace function bodies with `unreachable`";
    "remove-imports" => remove_imports::RemoveImports, "remove imports of every kind, repairing their uses";
    "remove-elements" => remove_elements::RemoveElements, "remove element segments";
    "empty-elements" => empty_elements::EmptyElements, "drop all items of element segments";
    "remove-data" => remove_data::RemoveData, "remove data segments";
    "truncate-data" => truncate_data::TruncateData, "keep the shortest prefix of each data segment";
    "remove-globals" => remove_globals::RemoveGlobals, "remove defined globals, reads become constants";
    "remove-tables" => remove_tables::RemoveTables, "remove defined tables that nothing uses";
    "remove-memories" => remove_memories::RemoveMemories, "remove defined memories that nothing uses";
    "remove-tags" => remove_tags::RemoveTags, "remove defined exception tags that nothing uses";
    "shrink-limits" => shrink_limits::ShrinkLimits, "shrink the initial size of memories and tables";
    "simplify-limits" => simplify_limits::SimplifyLimits, "drop maximums, unshare memories, make 64-bit memories and tables 32-bit";
    "remove-custom-sections" => remove_custom_sections::RemoveCustomSections, "remove custom sections (names, producers, debug info)";
    "truncate-bodies" => truncate_bodies::TruncateBodies, "keep the shortest prefix of each body, ending in `unreachable`";
    "unwrap-blocks" => unwrap_blocks::UnwrapBlocks, "unwrap block, loop and if (keeping one arm), renumbering branches";
    "simplify-branches" => simplify_branches::SimplifyBranches, "turn br_if into drop, remove br_table targets";
    "remove-instructions" => remove_instructions::RemoveInstructions, "remove instructions, blocks and statements anywhere, repairing the stack";
    "remove-dead-values" => remove_dead_values::RemoveDeadValues, "remove constants and reads whose value nothing consumes";
    "remove-locals" => remove_locals::RemoveLocals, "remove locals, reads become constants, and renumber the rest";
    "simplify-constants" => simplify_constants::SimplifyConstants, "replace constants by zero";
    "inline-calls" => inline_calls::InlineCalls, "inline calls of defined functions as blocks, removing callees left unused";
    "shrink-constants" => shrink_constants::ShrinkConstants, "shrink integer constants toward zero, keeping the sign";
    "simplify-memargs" => simplify_memargs::SimplifyMemargs, "zero the offsets of loads and stores";
    "trim-results" => trim_results::TrimResults, "remove results from function types, rewriting bodies and callers";
    "trim-params" => trim_params::TrimParams, "remove parameters from function types, rewriting bodies and callers";
    "trim-fields" => trim_fields::TrimFields, "remove fields from struct types, renumbering accesses";
    "merge-types" => merge_types::MergeTypes, "merge duplicate types into the first of them";
    "remove-types" => remove_types::RemoveTypes, "remove unused types (whole recursion groups)";
}

/// Look a pass up by name.
pub fn find(name: &str) -> Option<&'static PassInfo> {
    REGISTRY.iter().find(|p| p.name == name)
}
