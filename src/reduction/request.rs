//! What a reduction is asked to do: the input, where the result goes and
//! how to search, as `whittle reduce` and `whittle corpus` fill it in.

use crate::oracle_opts::OracleOpts;
use std::path::PathBuf;
use std::time::Duration;

/// A reduction to make: the input, where the result goes and how to search
/// (the fields of `whittle reduce`, which documents each).
#[derive(Clone, Debug)]
pub struct Reduction {
    pub input: PathBuf,
    /// Default: INPUT's name with `.reduced.wasm`, next to it.
    pub output: Option<PathBuf>,
    pub oracle: OracleOpts,
    /// Only these passes (all when empty), minus `skip_passes`.
    pub passes: Vec<String>,
    pub skip_passes: Vec<String>,
    pub time_budget: Option<Duration>,
    pub mutate_budget: usize,
    /// Candidates checked at once (default: the number of cores).
    pub jobs: Option<usize>,
    pub resume: bool,
    /// No progress lines on stderr.
    pub quiet: bool,
    pub verbose: u8,
    pub emit_wast: bool,
    pub original_runs: u32,
    pub confirm: u32,
    pub no_hints: bool,
}

impl Reduction {
    /// A line on stderr, unless quiet.
    pub(super) fn say(&self, args: std::fmt::Arguments<'_>) {
        if !self.quiet {
            eprintln!("{args}");
        }
    }
}
