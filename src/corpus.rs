//! `whittle corpus`: reduce every failing module of a directory (fuzzer
//! crashes, a regression corpus) and group the results by signature.
//!
//! Layout of OUT_DIR — every file belongs to exactly one input, so any
//! number of shards (`--shard K/N`, on one machine or many) can write into
//! the same directory without conflicts, and a rerun skips finished work:
//! - `inputs/<name>.json`: what happened to one input (reduced, passes,
//!   error), with its signature;
//! - `reduced/<name>.wasm` (+ `.wat`, `.report.json`, `.report.md`, and
//!   `.wast` with `--emit-wast`);
//! - `signatures/<id>/`: the smallest repro of each signature (`repro.wasm`,
//!   `repro.wat`, `report.json`, `reproduce.sh`, `members.txt`, and
//!   `repro.wast` when its reduction wrote one), and
//!   `index.json` + `index.md` at the top, rebuilt from `inputs/` at the
//!   end of every run (and by `--index-only` once all shards are done):
//!   `corpus_index.rs`.

use crate::corpus_index::{build_index, flat_name, InputRecord, Status};
use crate::exit_code::ExitCode;
use crate::input::read_module;
use crate::oracle_opts::OracleOpts;
use crate::output::write_atomically;
use crate::reduction::{Reduction, ReductionEnd};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;
use whittle_oracle::{Expectation, Outcome, Signature, ORIGINAL_TIMEOUT};

/// Reduce every failing module under IN_DIR into OUT_DIR, grouped by
/// signature, with an index (index.md, index.json).
#[derive(clap::Args, Debug)]
pub struct CorpusOpts {
    /// Directory of modules (.wasm, .wat), searched recursively.
    pub input: PathBuf,

    /// Where the results go (created if missing; shared by all shards).
    #[arg(short, long, value_name = "OUT_DIR")]
    pub output: PathBuf,

    #[command(flatten)]
    pub oracle: OracleOpts,

    /// Process only the K-th of N deterministic shares of the inputs
    /// (1 <= K <= N), e.g. `--shard 2/8` on the second of eight machines.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,

    /// Candidates checked at once for each reduction.
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Time budget for each module's reduction (e.g. 10m, 1h30m).
    #[arg(long, value_name = "DURATION", value_parser = crate::units::parse_duration)]
    pub time_budget: Option<Duration>,

    /// Also write each reduced module as a `.wast` test for Wasmtime's test
    /// suite (`signatures/<id>/repro.wast` for each signature).
    #[arg(long)]
    pub emit_wast: bool,

    /// Only rebuild the index from what OUT_DIR holds (after all shards).
    #[arg(long)]
    pub index_only: bool,

    /// No per-module lines.
    #[arg(short, long)]
    pub quiet: bool,
}

fn parse_shard(s: &str) -> Result<(u64, u64)> {
    let (k, n) = s.split_once('/').context("expected K/N, e.g. 2/8")?;
    let (k, n): (u64, u64) = (k.trim().parse()?, n.trim().parse()?);
    if n == 0 || k == 0 || k > n {
        bail!("shard {k}/{n}: need 1 <= K <= N");
    }
    Ok((k, n))
}

/// A stable 64-bit FNV-1a hash (the same on every machine, unlike std's).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `error-1a2b3c4d`: the kind and a hash of the signature's contents.
pub fn signature_id(sig: &Signature) -> String {
    let json = serde_json::to_string(sig).unwrap_or_default();
    format!("{}-{:08x}", sig.kind, fnv1a(json.as_bytes()) as u32)
}

/// Input files, relative to `dir`, sorted.
fn inputs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in
            std::fs::read_dir(&d).with_context(|| format!("{}: cannot read", d.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("wasm" | "wat")
            ) {
                out.push(path.strip_prefix(dir).unwrap_or(&path).to_path_buf());
            }
        }
    }
    out.sort();
    Ok(out)
}

impl CorpusOpts {
    pub fn run(self) -> Result<ExitCode> {
        if !matches!(
            self.oracle.expectation(),
            Expectation::Failure { .. } | Expectation::PredicateSaysYes
        ) {
            bail!("corpus groups failures by signature: --peak-rss-above, --compile-time-above, --differential and two --wasmtime builds have none");
        }
        if self.emit_wast {
            crate::wast::check_expressible(&self.oracle)?;
        }
        if !self.input.is_dir() {
            bail!("{}: not a directory", self.input.display());
        }
        for sub in ["inputs", "reduced", "signatures"] {
            std::fs::create_dir_all(self.output.join(sub))
                .with_context(|| format!("{}: cannot create", self.output.display()))?;
        }
        if !self.index_only {
            let all = inputs(&self.input)?;
            let mine: Vec<&PathBuf> = all
                .iter()
                .filter(|rel| match self.shard {
                    Some((k, n)) => fnv1a(rel.to_string_lossy().as_bytes()) % n == k - 1,
                    None => true,
                })
                .collect();
            if !self.quiet {
                eprintln!(
                    "whittle corpus: {} of {} inputs{}",
                    mine.len(),
                    all.len(),
                    self.shard
                        .map(|(k, n)| format!(" (shard {k}/{n})"))
                        .unwrap_or_default()
                );
            }
            for rel in mine {
                if crate::interrupt::requested() {
                    break;
                }
                let record = self.process(rel)?;
                if !self.quiet {
                    eprintln!(
                        "  {}: {}{}",
                        record.input,
                        record.status,
                        match (
                            &record.signature_id,
                            record.original_bytes,
                            record.reduced_bytes
                        ) {
                            (Some(id), Some(a), Some(b)) => format!(" {id} ({a} -> {b} bytes)"),
                            _ => record
                                .error
                                .as_ref()
                                .map(|e| format!(": {e}"))
                                .unwrap_or_default(),
                        }
                    );
                }
            }
        }
        let index = build_index(&self.output)?;
        if !self.quiet {
            eprintln!(
                "whittle corpus: {} signatures, {} passing, {} errors: {}",
                index.signatures.len(),
                index.passing.len(),
                index.errors.len(),
                self.output.join("index.md").display()
            );
        }
        Ok(if crate::interrupt::requested() {
            ExitCode::Interrupted
        } else {
            ExitCode::Done
        })
    }

    fn process(&self, rel: &Path) -> Result<InputRecord> {
        let name = flat_name(rel);
        let record_path = self.output.join("inputs").join(format!("{name}.json"));
        if let Some(done) = std::fs::read(&record_path)
            .ok()
            .and_then(|b| serde_json::from_slice::<InputRecord>(&b).ok())
        {
            return Ok(done); // finished by an earlier run or another shard
        }
        let path = self.input.join(rel);
        let mut record = InputRecord {
            input: rel.to_string_lossy().into_owned(),
            status: Status::Error,
            outcome: None,
            signature: None,
            signature_id: None,
            original_bytes: None,
            reduced_bytes: None,
            error: None,
        };
        match self.reduce_one(&path, &name) {
            Ok(Some(reduced)) => {
                record.status = Status::Reduced;
                record.signature_id = Some(signature_id(&reduced.signature));
                record.outcome = Some(reduced.outcome);
                record.signature = Some(reduced.signature);
                record.original_bytes = Some(reduced.original_bytes);
                record.reduced_bytes = Some(reduced.reduced_bytes);
            }
            Ok(None) => record.status = Status::Passes,
            Err(e) => record.error = Some(format!("{e:#}")),
        }
        if record.status == Status::Passes {
            let module = read_module(&path)?;
            let oracle = self
                .oracle
                .oracle(self.oracle.timeout.unwrap_or(ORIGINAL_TIMEOUT))?;
            let outcome = oracle.evaluate(&module.bytes)?.outcome;
            if !matches!(outcome, Outcome::Ok) && self.oracle.predicate.is_none() {
                // It fails, but not as --expect/--expect-kind ask.
                record.status = Status::FailsOtherwise;
            }
            record.outcome = Some(outcome);
        }
        if !crate::interrupt::requested() {
            write_atomically(
                &record_path,
                serde_json::to_string_pretty(&record)?.as_bytes(),
            )?;
        }
        Ok(record)
    }

    /// Reduce one input; `None` if it does not fail.
    fn reduce_one(&self, path: &Path, name: &str) -> Result<Option<Reduced>> {
        let module = read_module(path)?;
        let oracle = self
            .oracle
            .oracle(self.oracle.timeout.unwrap_or(ORIGINAL_TIMEOUT))?;
        let first = oracle.evaluate(&module.bytes)?;
        if !self.oracle.expectation().fails(&first.outcome) {
            return Ok(None);
        }
        let output = self.output.join("reduced").join(format!("{name}.wasm"));
        let resume = crate::checkpoint::Checkpoint::dir_for(&output)
            .join("state.json")
            .exists();
        let reduction = Reduction {
            input: path.to_path_buf(),
            output: Some(output.clone()),
            oracle: self.oracle.clone(),
            passes: Vec::new(),
            skip_passes: Vec::new(),
            time_budget: self.time_budget,
            mutate_budget: 100,
            jobs: self.jobs,
            resume,
            quiet: true,
            verbose: 0,
            emit_wast: self.emit_wast,
            original_runs: 3,
            confirm: 1,
            no_hints: false,
        };
        let reduced = reduction.run()?;
        // What `whittle reduce` says whether quiet or not.
        if let Some(warning) = reduced.warning(&crate::input::shown(path)) {
            eprintln!("{warning}");
        }
        if reduced.exit_code() == ExitCode::Interrupted {
            bail!("interrupted");
        }
        let report = match reduced {
            ReductionEnd::Finished(finished) => finished.report,
            ReductionEnd::FlakyOriginal { why } => bail!("{why}"),
            ReductionEnd::InterruptedBeforeResult => bail!("interrupted"),
        };
        let signature = report
            .signature
            .context("a failure's reduction has a signature")?;
        Ok(Some(Reduced {
            outcome: first.outcome,
            signature,
            original_bytes: report.before.bytes,
            reduced_bytes: report.after.bytes,
        }))
    }
}

/// What the index records of an input that was reduced.
struct Reduced {
    /// The original's outcome.
    outcome: Outcome,
    /// The signature the reduction kept.
    signature: Signature,
    original_bytes: usize,
    reduced_bytes: usize,
}
