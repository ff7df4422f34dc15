//! The report written next to the reduced module: `.report.json` for tools,
//! `.report.md` to paste into a bug. `whittle corpus` reads it back, typed,
//! from the runs of earlier shards.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use whittle_module::Module;
use whittle_oracle::{Outcome, Signature};
use whittle_reduce::{PassStats, Stats};

/// Sizes of one module.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Metrics {
    pub bytes: usize,
    pub code_section_bytes: usize,
    pub functions: u32,
    pub instructions: usize,
}

impl Metrics {
    pub fn of(m: &Module) -> Metrics {
        Metrics {
            bytes: m.bytes.len(),
            code_section_bytes: m.code_section_size(),
            functions: m.num_funcs(),
            instructions: m.instruction_count().unwrap_or(0),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Report {
    pub whittle_version: String,
    /// The Wasmtime the built-in oracle embeds, and whether its debug
    /// assertions are compiled in.
    pub wasmtime_version: String,
    pub wasmtime_debug_assertions: bool,
    /// `wasmtime --version` of each `--wasmtime PATH` build.
    pub wasmtime_cli_versions: Vec<String>,
    pub input: String,
    pub output: String,
    pub oracle: String,
    pub wasmtime_flags: Vec<String>,
    /// Commands (one per line) that show the reduced module's failure,
    /// with the stock `wasmtime` CLI whenever it can.
    pub reproduce: String,
    /// What those commands show.
    pub reproduce_expect: crate::reproduce::Expect,
    /// For a resource bound: the stock CLI under `/usr/bin/time`, to
    /// compare with.
    pub reproduce_stock_cli: Option<String>,
    /// The failure preserved (absent for resource and differential criteria).
    pub signature: Option<Signature>,
    /// What made candidates interesting, in words.
    pub criterion: String,
    pub original_outcome: Outcome,
    pub final_outcome: Outcome,
    /// Wall time and peak RSS of one check of the original and of the result.
    pub original_measured: whittle_oracle::Measured,
    pub final_measured: whittle_oracle::Measured,
    pub before: Metrics,
    pub after: Metrics,
    pub oracle_calls: u64,
    pub cache_hits: u64,
    pub invalid_skipped: u64,
    pub unrepairable_skipped: u64,
    pub not_smaller_skipped: u64,
    /// Candidates judged in parallel off the path the search took.
    pub speculation_wasted: u64,
    pub rounds: u64,
    pub wall_seconds: f64,
    /// Wall time in the oracle: during which at least one check ran.
    pub oracle_seconds: f64,
    /// Share of wall time when no check ran (the reducer's overhead: the
    /// time it kept the oracle waiting).
    pub overhead_share: f64,
    /// Wall time in the passes' own work (the sum of `per_pass`'s
    /// `build_seconds`): listing targets, building, validating, gating.
    pub build_seconds: f64,
    /// The rest of the wall time, neither oracle nor passes: reading and
    /// writing files (new bests, checkpoints, the report), printing.
    pub other_seconds: f64,
    /// The passes' work done while checks ran (with `-j` > 1), counted in
    /// both `oracle_seconds` and `build_seconds`: the wall time is
    /// `oracle + build + other - overlap`. (Absent from reports of
    /// versions before it: 0.)
    #[serde(default)]
    pub overlap_seconds: f64,
    /// Peak resident memory of the reducer itself (not of its oracle runs).
    pub reducer_peak_rss_bytes: u64,
    /// CPU time (user and system) of the reducer itself, all its threads.
    /// (Absent from reports of versions before it: 0.)
    #[serde(default)]
    pub reducer_cpu_seconds: f64,
    /// CPU time of the programs it ran and waited for: the checks, the
    /// original's, and whatever a predicate waited for. With the reducer's,
    /// over the wall time: the cores the run kept busy on average, which
    /// bounds what more jobs can gain on the same machine.
    #[serde(default)]
    pub checks_cpu_seconds: f64,
    /// Candidates checked at once.
    pub jobs: usize,
    /// Runs of the original at the start (their answers must agree):
    /// `--original-runs`, or 1 for a validation error under the built-in
    /// oracle (it cannot differ from run to run).
    pub original_runs: u32,
    /// Runs an accepted candidate needs, all interesting (`--confirm`).
    pub confirm: u32,
    /// Oracle runs made to confirm, beyond `oracle_calls`.
    pub confirmation_runs: u64,
    /// Candidates interesting once but not on confirmation.
    pub confirmation_rejected: u64,
    /// The time budget ran out (or Ctrl-C) before a fixpoint was reached.
    pub stopped_early: bool,
    pub passes: Vec<String>,
    pub per_pass: BTreeMap<String, PassStats>,
}

impl Report {
    pub fn set_stats(&mut self, s: &Stats) {
        self.oracle_calls = s.oracle_calls;
        self.cache_hits = s.cache_hits;
        self.invalid_skipped = s.invalid_skipped;
        self.unrepairable_skipped = s.unrepairable_skipped;
        self.not_smaller_skipped = s.not_smaller_skipped;
        self.speculation_wasted = s.speculation_wasted;
        self.rounds = s.rounds;
        self.oracle_seconds = s.oracle_time.as_secs_f64();
        self.per_pass = s.per_pass.clone();
        self.build_seconds = s
            .per_pass
            .values()
            .map(|p| p.build_time.as_secs_f64())
            .sum();
    }

    pub fn markdown(&self, wat: &str) -> String {
        let flags = if self.wasmtime_flags.is_empty() {
            "(none)".to_string()
        } else {
            format!("`{}`", self.wasmtime_flags.join(" "))
        };
        let message = self
            .final_outcome
            .message()
            .unwrap_or("(no message)")
            .to_string();
        let shown_wat = if wat.len() <= 8000 {
            format!("```wat\n{wat}```\n")
        } else {
            format!(
                "(WAT is {} bytes: see `{}`)\n",
                wat.len(),
                self.output.replace(".wasm", ".wat")
            )
        };
        let wasmtime = if self.wasmtime_cli_versions.is_empty() {
            format!(
                "{} (built-in, debug assertions {})",
                self.wasmtime_version,
                if self.wasmtime_debug_assertions {
                    "on"
                } else {
                    "off"
                }
            )
        } else {
            format!(
                "{} ({})",
                self.wasmtime_cli_versions.join(" vs "),
                self.oracle
            )
        };
        let reproduce: Vec<String> = self.reproduce.lines().map(|c| format!("`{c}`")).collect();
        format!(
            "# Reduced test case\n\n\
             - Wasmtime: {wasmtime}\n\
             - Flags: {flags}\n\
             - Failure: {kind}{at}: {message}\n\
             - Reproduce: {reproduce} ({expect})\n\
             {stock_cli}\
             - Size: {before} bytes -> {after} bytes ({funcs_before} -> {funcs_after} functions), \
             reduced by wasm-whittle {version} in {calls} oracle calls, {wall:.1} s\n\n\
             {shown_wat}",
            kind = self.final_outcome.kind(),
            at = match &self.final_outcome {
                whittle_oracle::Outcome::Panic {
                    location: Some(location),
                    ..
                } => format!(" at {location}"),
                _ => String::new(),
            },
            reproduce = reproduce.join(" and "),
            expect = self.reproduce_expect.describe(),
            stock_cli = self.reproduce_stock_cli.as_ref().map_or(String::new(), |c| format!(
                "- With the stock CLI, to compare: `{c}` (one check here measured {} KiB peak RSS, {:.2} s)\n",
                self.final_measured.peak_rss_bytes / 1024,
                self.final_measured.wall_seconds
            )),
            before = self.before.bytes,
            after = self.after.bytes,
            funcs_before = self.before.functions,
            funcs_after = self.after.functions,
            version = self.whittle_version,
            calls = self.oracle_calls,
            wall = self.wall_seconds,
        )
    }
}
