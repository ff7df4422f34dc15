//! Read a WebAssembly module and rewrite it with items removed or replaced.
//!
//! This crate is the only place that knows how to keep a module valid while
//! taking it apart: reduction passes describe *what* to remove as an
//! [`Edit`], and [`apply`] renumbers every reference (calls, `ref.func`,
//! elements, exports, start, names, type indices) and repairs what would
//! dangle (call sites of removed functions, reads of removed globals, ...).
//! It is built on `wasm-encoder`'s `Reencode`, with one remap per index space.

mod body;
mod code_facts;
mod constant_refs;
mod dead_values;
mod declarations;
mod edit;
mod frames;
mod labels;
mod module;
mod names;
mod operators;
mod remap;
mod rewrite;
mod stack;
mod statements;
mod statements_ahead;
mod statements_without;
#[doc(hidden)]
pub mod test_support;
mod type_families;
pub mod types;
mod uses;
mod validate;
mod wat;

pub use code_facts::{body_complexity, CodeFacts};
pub use constant_refs::functions_in_constants;
pub use dead_values::dead_values;
pub use edit::{Edit, Retype};
pub use frames::{
    body_of, frames, rewrite_code, rewrite_ops, Frame, FrameKind, Frames, Nesting, Step,
};
pub use module::{Export, GlobalInfo, Import, ItemKind, Module, Section};
pub use operators::{has_offset, is_nonzero_const};
pub use rewrite::{apply, candidate, candidate_from_bytes};
pub use stack::{all_stack_heights, repair, stack_heights, stack_snapshots, StackSnapshot};
pub use statements::{statements, Statement};
pub use statements_without::statements_without;
pub use type_families::TypeFamilies;
pub use uses::{addressed_64bit_memories_and_tables, used_types};
pub use validate::{validate, validate_declarations, BodyValidator, Validity};
pub use wat::to_wat;

#[cfg(test)]
mod rewrite_tests;
