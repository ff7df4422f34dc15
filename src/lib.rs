//! wasm-whittle: reduce a WebAssembly module on which Wasmtime fails to the
//! smallest module that still fails the same way.
//!
//! The oracle and the verdict (`whittle_oracle`), the passes
//! (`whittle_passes`) and the driver (`whittle_reduce`) live in the crates
//! under `crates/`. This library holds what puts them to work: the
//! reduction as one call ([`reduction::Reduction::run`], returning a typed
//! [`reduction::ReductionEnd`]), the corpus mode built on it, and the
//! subcommands' options, each of which maps its flags to those calls and
//! prints what they return. The `whittle` binary (`src/main.rs`) only
//! dispatches to them.

pub mod best_writer;
pub mod check;
pub mod checkpoint;
pub mod child;
pub mod convert;
pub mod corpus;
pub mod corpus_index;
pub mod culprit;
pub mod deadline_read;
pub mod exit_code;
pub mod final_check;
pub mod flags;
pub mod flaky;
pub mod hint;
pub mod input;
pub mod interrupt;
pub mod invoke;
pub mod oracle_opts;
pub mod output;
pub mod predicate;
pub mod profile;
pub mod progress;
pub mod recheck;
pub mod reduce;
pub mod reduction;
pub mod report;
pub mod reproduce;
pub mod result_files;
pub mod same_file;
pub mod units;
pub mod version;
pub mod wast;
pub mod wast_text;

/// The version of the `wasmtime` crate the built-in oracle compiles with.
pub const WASMTIME_VERSION: &str = version::WASMTIME;
