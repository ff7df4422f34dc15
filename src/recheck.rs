//! `whittle recheck`: run every repro of a corpus (`whittle corpus`)
//! against another Wasmtime — a newer build via `--wasmtime PATH`, other
//! flags — and say which still fail the same way, which now pass and which
//! fail differently. Regression-corpus upkeep.

use crate::corpus_index::Index;
use crate::exit_code::ExitCode;
use crate::oracle_opts::OracleOpts;
use crate::output::write_atomically;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::PathBuf;
use whittle_oracle::Outcome;

/// Re-run every repro of a corpus directory and report what changed. Exit
/// 0 when every repro still fails the same way, 1 when any now passes or
/// fails differently (so CI can gate on it).
#[derive(clap::Args, Debug)]
pub struct RecheckOpts {
    /// A directory written by `whittle corpus`.
    pub corpus: PathBuf,
    #[command(flatten)]
    pub oracle: OracleOpts,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Recheck {
    id: String,
    /// `still-fails`, `now-passes` or `fails-differently`.
    status: &'static str,
    outcome: Outcome,
}

impl RecheckOpts {
    pub fn run(self) -> Result<ExitCode> {
        let index_path = self.corpus.join("index.json");
        let index: Index =
            serde_json::from_slice(&std::fs::read(&index_path).with_context(|| {
                format!(
                    "{}: cannot read (not a corpus directory?)",
                    index_path.display()
                )
            })?)
            .with_context(|| format!("{}: not a corpus index", index_path.display()))?;
        let oracle = self.oracle.oracle(
            self.oracle
                .timeout
                .unwrap_or(whittle_oracle::ORIGINAL_TIMEOUT),
        )?;
        let mut results = Vec::new();
        for entry in &index.signatures {
            let repro = self
                .corpus
                .join("signatures")
                .join(&entry.id)
                .join("repro.wasm");
            let bytes = std::fs::read(&repro)
                .with_context(|| format!("{}: cannot read", repro.display()))?;
            let outcome = oracle.evaluate(&bytes)?.outcome;
            let status = if entry.signature.matches(&outcome) {
                "still-fails"
            } else if matches!(outcome, Outcome::Ok) {
                "now-passes"
            } else {
                "fails-differently"
            };
            results.push(Recheck {
                id: entry.id.clone(),
                status,
                outcome,
            });
        }
        let all_still_fail = results.iter().all(|r| r.status == "still-fails");
        let json = serde_json::to_string_pretty(&results)?;
        write_atomically(&self.corpus.join("recheck.json"), json.as_bytes())?;
        if self.json {
            println!("{json}");
        } else {
            for r in &results {
                println!("{:<18} {:<22} {}", r.status, r.id, r.outcome.summary());
            }
            let count = |s: &str| results.iter().filter(|r| r.status == s).count();
            println!(
                "{} still fail, {} now pass, {} fail differently ({})",
                count("still-fails"),
                count("now-passes"),
                count("fails-differently"),
                self.oracle.oracle_name()
            );
        }
        Ok(ExitCode::done_if(all_still_fail))
    }
}
