//! Reduction passes: each one names a kind of thing that can be taken out of
//! a module (exports, functions, statements, a type's results, ...).
//!
//! # The pass contract
//!
//! A pass never sees chunks, candidates or the oracle. Given a *base*
//! module it lists its **targets** once, as a `Vec` of a type it defines
//! (function indices, `(function, first op, last op)` extents, ...), and
//! later turns a choice among those targets into an [`Edit`] of the same
//! base. The driver (`whittle-reduce`) decides which choices to try,
//! applies and validates the edit and asks the oracle; when it accepts a
//! candidate it asks the pass for the targets of the new base.
//!
//! There are three kinds of pass, told apart by the trait they implement:
//!
//! - [`SubsetPass`]: independent targets, any subset of which can be taken
//!   out together. The driver searches subsets by delta debugging: all at
//!   once, then halves, quarters, ... single targets.
//! - [`TreePass`]: like a subset pass, but its targets are the nodes of a
//!   tree (statements inside blocks inside statements), offered one depth
//!   at a time. The driver reduces depth 0 first, then the children of what
//!   survived (hierarchical delta debugging, Misherghi & Su 2006): a whole
//!   subtree goes in one candidate before anything inside it is tried.
//! - [`LengthPass`]: targets with a length (a body's instruction count, a
//!   data segment's bytes, the number of `br_table` targets, a constant's
//!   magnitude). The driver bisects each length down to the smallest that
//!   still fails: log2(n) candidates, where removing items one by one would
//!   take n.
//!
//! Choices are always given in target order and never repeat a target. An
//! edit may fail (`Err`) when the choice cannot be expressed (a branch into
//! a removed label, a type that has no default value): the driver counts
//! the candidate as unrepairable and moves on. Nothing here may panic on any
//! valid module; `tests/` and `bench/fuzz.sh` feed random modules to every
//! pass to keep it so.
//!
//! The registry ([`REGISTRY`]) lists the passes in schedule order, coarse to
//! fine; registering a pass is one line in the `registry!` call below.
//!
//! Long lists of alike items (see `runs.rs`) have two passes each. Where
//! the length pass cuts a whole list's tail (`truncate-br-tables`,
//! `truncate-catches`) it runs first, so the subset pass sees only what the
//! failure needs. Where it shortens runs of alike items (`shorten-locals`,
//! `-results`, `-params`, `-fields`) the subset pass runs first: its first
//! candidate takes every run out at once, which is all a module's junk
//! needs, and only the runs that must stay are bisected (bisecting first
//! costs at least one candidate per run: 27 more oracle calls on the
//! `regalloc-254-results` corpus case).

use signatures::SigList;
use whittle_module::ItemKind;

mod contract;
mod empty_elements;
mod fields;
mod find;
mod inline_calls;
mod locals;
mod merge_types;
mod op_edits;
mod plans;
mod remove_catches;
mod remove_custom_sections;
mod remove_data;
mod remove_dead_values;
mod remove_elements;
mod remove_exports;
mod remove_functions;
mod remove_imports;
mod remove_instructions;
mod remove_items;
mod remove_locals;
mod remove_start;
mod remove_statements;
mod remove_types;
mod removed;
mod runs;
mod shorten_fields;
mod shorten_locals;
mod shorten_signatures;
mod shrink_constants;
mod shrink_limits;
mod signatures;
mod simplify_branches;
mod simplify_constants;
mod simplify_limits;
mod simplify_memargs;
mod struct_access;
mod trim_fields;
mod trim_signatures;
mod truncate_bodies;
mod truncate_br_tables;
mod truncate_catches;
mod truncate_data;
mod truncate_elements;
mod units;
mod unreachable_bodies;
mod unwrap_blocks;

#[cfg(test)]
mod testutil;

pub use contract::{LengthPass, LengthPlan, Pass, Plan, SubsetPass, SubsetPlan, TreePass};
pub use plans::{Lengths, Subsets, Tree};

/// A registered pass: its name for `--passes`, what it does, the pass.
pub struct PassInfo {
    pub name: &'static str,
    pub description: &'static str,
    pub pass: &'static dyn Pass,
}

macro_rules! registry {
    ($($name:literal => $pass:expr, $desc:literal;)*) => {
        /// Every pass, in schedule order (coarse to fine).
        pub static REGISTRY: &[PassInfo] = &[
            $(PassInfo { name: $name, description: $desc, pass: &$pass },)*
        ];
    };
}

registry! {
    "remove-exports" => Subsets(remove_exports::RemoveExports), "remove exports";
    "remove-start" => Subsets(remove_start::RemoveStart), "remove the start function declaration";
    "remove-functions" => Subsets(remove_functions::RemoveFunctions), "remove defined functions, repairing their call sites";
    "unreachable-bodies" => Subsets(unreachable_bodies::UnreachableBodies), "replace function bodies with `unreachable`";
    "remove-imports" => Subsets(remove_imports::RemoveImports), "remove imports of every kind, repairing their uses";
    "remove-elements" => Subsets(remove_elements::RemoveElements), "remove element segments";
    "empty-elements" => Subsets(empty_elements::EmptyElements), "drop all items of element segments";
    "truncate-elements" => Lengths(truncate_elements::TruncateElements), "keep the shortest prefix of each element segment's items";
    "remove-data" => Subsets(remove_data::RemoveData), "remove data segments";
    "truncate-data" => Lengths(truncate_data::TruncateData), "keep the shortest prefix of each data segment";
    "remove-globals" => Subsets(remove_items::RemoveItems(ItemKind::Global)), "remove defined globals, reads become constants";
    "remove-tables" => Subsets(remove_items::RemoveItems(ItemKind::Table)), "remove defined tables that nothing uses";
    "remove-memories" => Subsets(remove_items::RemoveItems(ItemKind::Memory)), "remove defined memories that nothing uses";
    "remove-tags" => Subsets(remove_items::RemoveItems(ItemKind::Tag)), "remove defined exception tags that nothing uses";
    "shrink-limits" => Lengths(shrink_limits::ShrinkLimits), "shrink the initial size of memories and tables";
    "simplify-limits" => Subsets(simplify_limits::SimplifyLimits), "drop maximums, unshare memories, make 64-bit memories and tables 32-bit";
    "remove-custom-sections" => Subsets(remove_custom_sections::RemoveCustomSections), "remove custom sections (names, producers, debug info)";
    "remove-statements" => Tree(remove_statements::RemoveStatements), "remove whole statements, outermost first, then those inside the blocks that stay";
    "truncate-bodies" => Lengths(truncate_bodies::TruncateBodies), "keep the shortest prefix of each body, ending in `unreachable`";
    "unwrap-blocks" => Subsets(unwrap_blocks::UnwrapBlocks), "unwrap block, loop and if (keeping one arm), renumbering branches";
    "truncate-br-tables" => Lengths(truncate_br_tables::TruncateBrTables), "keep the shortest prefix of each br_table's targets";
    "simplify-branches" => Subsets(simplify_branches::SimplifyBranches), "turn br_if into drop, remove br_table targets (all of one label together)";
    "truncate-catches" => Lengths(truncate_catches::TruncateCatches), "keep the shortest prefix of each try_table's catch clauses";
    "remove-catches" => Subsets(remove_catches::RemoveCatches), "remove catch clauses (equal clauses together)";
    "remove-instructions" => Subsets(remove_instructions::RemoveInstructions), "remove instructions, blocks and statements anywhere, repairing the stack";
    "remove-dead-values" => Subsets(remove_dead_values::RemoveDeadValues), "remove constants and reads whose value nothing consumes";
    "remove-locals" => Subsets(remove_locals::RemoveLocals), "remove locals (runs of unused ones together), reads become constants, and renumber the rest";
    "shorten-locals" => Lengths(shorten_locals::ShortenLocals), "shorten each run of unused locals of one type";
    "simplify-constants" => Subsets(simplify_constants::SimplifyConstants), "replace constants by zero";
    "inline-calls" => Subsets(inline_calls::InlineCalls), "inline calls of defined functions as blocks, removing callees left unused";
    "shrink-constants" => Lengths(shrink_constants::ShrinkConstants), "shrink integer constants toward zero, keeping the sign";
    "simplify-memargs" => Subsets(simplify_memargs::SimplifyMemargs), "zero the offsets of loads and stores";
    "trim-results" => Subsets(trim_signatures::TrimSignature(SigList::Results)), "remove results from function types (runs no code returns together), rewriting bodies and callers";
    "shorten-results" => Lengths(shorten_signatures::ShortenSignature(SigList::Results)), "shorten each run of results of one type in function types";
    "trim-params" => Subsets(trim_signatures::TrimSignature(SigList::Params)), "remove parameters from function types (runs of unused ones together), rewriting bodies and callers";
    "shorten-params" => Lengths(shorten_signatures::ShortenSignature(SigList::Params)), "shorten each run of parameters of one type in function types";
    "trim-fields" => Subsets(trim_fields::TrimFields), "remove unused struct fields (runs of one type together), renumbering accesses";
    "shorten-fields" => Lengths(shorten_fields::ShortenFields), "shorten each run of unused struct fields of one type";
    "merge-types" => Subsets(merge_types::MergeTypes), "merge duplicate types into the first of them";
    "remove-types" => Subsets(remove_types::RemoveTypes), "remove unused types (whole recursion groups)";
}

/// Look a pass up by name.
pub fn find(name: &str) -> Option<&'static PassInfo> {
    REGISTRY.iter().find(|p| p.name == name)
}

/// The passes that take out or rewrite the operators of function bodies
/// wholesale. The failure being reduced lives in code, so on a module not
/// reduced yet their first candidate ("everything out") almost never keeps
/// it, where the other passes' first candidate (every export, global,
/// data segment, custom section, unused local) almost always does. In the
/// first round of the six corpus cases of `bench/parallel.sh`, the first
/// oracle answers of these passes were 31 "no" and 2 "yes", those of the
/// others 84 "yes" and 4 "no".
const CODE_PASSES: &[&str] = &[
    "remove-functions",
    "unreachable-bodies",
    "remove-statements",
    "truncate-bodies",
    "remove-instructions",
    "simplify-constants",
    "inline-calls",
];

impl PassInfo {
    /// Whether the pass takes out or rewrites code wholesale (see
    /// [`CODE_PASSES`]). The driver uses it only to predict answers for
    /// speculation with `-j`: it decides nothing.
    pub fn rewrites_code(&self) -> bool {
        CODE_PASSES.contains(&self.name)
    }
}

#[cfg(test)]
mod registry_tests {
    use super::*;

    #[test]
    fn every_code_pass_is_registered() {
        for name in CODE_PASSES {
            assert!(find(name).is_some(), "{name} is not a pass");
        }
        assert!(find("remove-statements").unwrap().rewrites_code());
        assert!(!find("remove-exports").unwrap().rewrites_code());
    }
}
