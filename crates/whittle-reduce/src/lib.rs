//! The delta-debugging driver of wasm-whittle.
//!
//! It owns everything between the passes and the oracle: the schedule
//! (passes from coarse to fine, repeated until a whole round changes
//! nothing), the search over each pass's plan (ddmin over subsets,
//! bisection over lengths, a tree pass level by level), the validation gate
//! that keeps invalid candidates away from the oracle, the cache that keeps
//! any candidate from running twice, the cost that every accepted candidate
//! must lower, and the statistics that end up in the report.

mod batch;
mod bisect;
mod built_memo;
mod cost;
mod ddmin;
mod ddmin_path;
mod ddmin_tree;
mod driver;
mod gate;
mod halves;
mod held_jobs;
mod judge;
mod mutate;
mod parallel;
mod pass_search;
mod pool;
mod prefetch;
mod stats;
mod still_needed;

pub use cost::{complexity, cost};
pub use driver::{
    prepare_passes, Event, FinalCheck, Interesting, OnEvent, Opening, Position, Reducer,
    ReducerOptions,
};
pub use gate::{Gate, GateDecision};
pub use held_jobs::HeldJobs;
pub use parallel::parallel_map;
pub use stats::{PassStats, Stats};
