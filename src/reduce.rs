//! `whittle reduce`: from a failing module to the smallest one that fails
//! the same way. The flags become a [`Reduction`]; this prints what it
//! says and how it ended.

use crate::exit_code::ExitCode;
use crate::oracle_opts::OracleOpts;
use crate::reduction::{Finished, Reduction, ReductionEnd};
use crate::units::parse_duration;
use anyhow::Result;
use std::path::PathBuf;
use std::time::Duration;
use whittle_passes::REGISTRY;

/// Reduce a module on which Wasmtime fails to the smallest module that still
/// fails the same way. Writes OUTPUT (.wasm), and beside it .wat,
/// .report.json and .report.md.
#[derive(clap::Args, Debug)]
pub struct ReduceOpts {
    /// The failing module (.wasm or .wat; `-` reads it from stdin).
    #[arg(required_unless_present = "list_passes")]
    pub input: Option<PathBuf>,

    /// Where to write the reduced module [default: INPUT's name with
    /// `.reduced.wasm`, next to it]. Rewritten atomically at every new best;
    /// an existing file is only replaced by something smaller.
    #[arg(short, long, value_name = "OUTPUT")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub oracle: OracleOpts,

    /// Run only these passes (comma-separated, in schedule order).
    #[arg(long, value_delimiter = ',', value_name = "PASS,..")]
    pub passes: Vec<String>,

    /// Do not run these passes.
    #[arg(long, value_delimiter = ',', value_name = "PASS,..")]
    pub skip_passes: Vec<String>,

    /// List the passes in schedule order and exit.
    #[arg(long)]
    pub list_passes: bool,

    /// Stop with the best result so far after this long (e.g. 30m, 8h,
    /// 1h30m, 2d), counted from the start; checks running then are stopped
    /// too. Checking the original is never cut short.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub time_budget: Option<Duration>,

    /// Candidates the final `wasm-mutate` stage may try after the passes
    /// reach their fixpoint (seeded, so runs are reproducible); 0 disables it.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub mutate_budget: usize,

    /// Candidates checked at once (default: the number of cores). The
    /// result does not depend on it; Wasmtime's own parallel compilation is
    /// turned off in the checks when it is above 1.
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Continue the interrupted reduction whose checkpoint is next to
    /// OUTPUT (same input and arguments).
    #[arg(long)]
    pub resume: bool,

    /// No progress lines on stderr.
    #[arg(short, long)]
    pub quiet: bool,

    /// Run the original this many times at the start: when the answers
    /// differ, the oracle is flaky and whittle stops (exit code 3). With
    /// the built-in oracle, an original whose failure is a validation error
    /// runs once: that cannot differ.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub original_runs: u32,

    /// Accept a candidate only when it is interesting N times in a row (for
    /// an oracle that sometimes says yes by mistake); the report counts the
    /// candidates a confirmation rejected.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub confirm: u32,

    /// Also write OUTPUT's `.wast`: the failure as a test for Wasmtime's
    /// test suite (`tests/misc_testsuite`), run by `wasmtime wast`.
    #[arg(long)]
    pub emit_wast: bool,

    /// One line per candidate on stderr (pass, size, time, verdict,
    /// outcome); `-vv` shows the whole outcome and the check's peak memory.
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Skip the guesses tried once before the passes: cutting what the
    /// original's run never entered (`--phase run`/`instantiate`, or a
    /// `--predicate` whose entry point is known) and keeping only the
    /// function the failure names.
    #[arg(long)]
    pub no_hints: bool,
}

impl ReduceOpts {
    pub fn run(self) -> Result<ExitCode> {
        if self.list_passes {
            for p in REGISTRY {
                println!("{:<24} {}", p.name, p.description);
            }
            return Ok(ExitCode::Done);
        }
        let quiet = self.quiet;
        let reduced = self.reduction().run()?;
        match &reduced {
            ReductionEnd::Finished(finished) => tell(finished, quiet),
            other => {
                let input = self.input.as_deref().map(crate::input::shown);
                if let Some(warning) = other.warning(&input.unwrap_or_default()) {
                    eprintln!("{warning}");
                }
            }
        }
        Ok(reduced.exit_code())
    }

    /// The reduction these flags ask for.
    fn reduction(&self) -> Reduction {
        Reduction {
            input: self.input.clone().expect("clap requires INPUT"),
            output: self.output.clone(),
            oracle: self.oracle.clone(),
            passes: self.passes.clone(),
            skip_passes: self.skip_passes.clone(),
            time_budget: self.time_budget,
            mutate_budget: self.mutate_budget,
            jobs: self.jobs,
            resume: self.resume,
            quiet: self.quiet,
            verbose: self.verbose,
            emit_wast: self.emit_wast,
            original_runs: self.original_runs,
            confirm: self.confirm,
            no_hints: self.no_hints,
        }
    }
}

/// The closing lines of a reduction: sizes and counts, what was written,
/// a result that did not hold, how to go on after an early stop.
fn tell(finished: &Finished, quiet: bool) {
    let say = |args: std::fmt::Arguments<'_>| {
        if !quiet {
            eprintln!("{args}");
        }
    };
    let report = &finished.report;
    say(format_args!(
        "whittle: {} -> {} bytes, {} -> {} functions in {:.1} s ({} oracle calls, {} cached, {} invalid skipped{}){}",
        report.before.bytes,
        report.after.bytes,
        report.before.functions,
        report.after.functions,
        report.wall_seconds,
        report.oracle_calls,
        report.cache_hits,
        report.invalid_skipped,
        if report.confirm > 1 {
            format!(
                "; {} accepted then rejected on confirmation",
                report.confirmation_rejected
            )
        } else {
            String::new()
        },
        if finished.interrupted {
            "; interrupted"
        } else if report.stopped_early {
            "; time budget reached"
        } else {
            ""
        }
    ));
    if finished.written {
        say(format_args!("whittle: wrote {}", finished.output.display()));
    } else {
        say(format_args!(
            "whittle: kept the existing {} (it is not larger than this result)",
            finished.output.display()
        ));
    }
    if let Some(warning) = finished.flaky_warning() {
        eprintln!("{warning}");
    }
    if report.stopped_early {
        say(format_args!(
            "whittle: continue with --resume (checkpoint in {})",
            finished.checkpoint.display()
        ));
    }
}
