//! `whittle check`: run the oracle once and say how the module fails.

use crate::exit_code::ExitCode;
use crate::input::read_module;
use crate::oracle_opts::OracleOpts;
use anyhow::{Context, Result};
use std::path::PathBuf;
use whittle_oracle::{mib, Expectation, Signature, ORIGINAL_TIMEOUT};

/// Run the oracle once on a module: print its outcome and the signature a
/// reduction would preserve. Exit 0 if it fails (and matches --expect /
/// --expect-kind when given), 1 if it compiles or fails otherwise.
#[derive(clap::Args, Debug)]
pub struct CheckOpts {
    /// The module (.wasm or .wat; `-` reads it from stdin).
    pub input: PathBuf,
    #[command(flatten)]
    pub oracle: OracleOpts,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print nothing; only the exit code speaks.
    #[arg(short, long)]
    pub quiet: bool,
    /// Exit 0 only if the failure matches this signature (the `signature`
    /// object of `whittle check --json` or of a `.report.json`): the exact
    /// test `whittle reduce` applies, for use in other tools' scripts.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["expect", "expect_kind"])]
    pub signature: Option<PathBuf>,
}

impl CheckOpts {
    pub fn run(self) -> Result<ExitCode> {
        let module = read_module(&self.input)?;
        let expected = self.oracle.expectation();
        if !matches!(
            expected,
            Expectation::Failure { .. } | Expectation::PredicateSaysYes
        ) {
            // A resource or differential criterion: does the module meet it?
            return Ok(
                match self
                    .oracle
                    .establish(&module.bytes, &crate::input::shown(&self.input))
                {
                    Ok(established) => {
                        let (criterion, outcome, measured) = (
                            established.criterion,
                            established.outcome,
                            established.measured,
                        );
                        if !self.quiet {
                            println!(
                                "{}: {}",
                                crate::input::shown(&self.input),
                                outcome.summary()
                            );
                            println!(
                                "  measured: {:.2} s, peak RSS {}",
                                measured.wall_seconds,
                                mib(measured.peak_rss_bytes)
                            );
                            println!("  criterion met: {}", criterion.describe());
                        }
                        ExitCode::Done
                    }
                    Err(e) => {
                        if !self.quiet {
                            println!(
                                "{}: criterion not met: {e:#}",
                                crate::input::shown(&self.input)
                            );
                        }
                        ExitCode::NotAsExpected
                    }
                },
            );
        }
        self.oracle.check_invoke(&module.bytes)?;
        let timeout = self.oracle.timeout.unwrap_or(ORIGINAL_TIMEOUT);
        let mut oracle = self.oracle.oracle(timeout)?;
        // One check: the exact peak is worth the spawner's start.
        crate::oracle_opts::measure_memory_alone(&mut oracle)?;
        let eval = oracle.evaluate(&module.bytes)?;
        let signature = if let Some(path) = &self.signature {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read", path.display()))?;
            serde_json::from_str::<Signature>(&text)
                .with_context(|| format!("{}: not a signature", path.display()))
        } else {
            expected.signature(&eval.outcome)
        };
        let matches = signature.as_ref().is_ok_and(|s| s.matches(&eval.outcome));
        if self.json && !self.quiet {
            let json = serde_json::json!({
                "file": crate::input::shown(&self.input),
                "oracle": self.oracle.oracle_name(),
                "outcome": eval.outcome,
                "signature": signature.as_ref().ok(),
                "fails_as_expected": matches,
                "wall_seconds": eval.wall.as_secs_f64(),
                "peak_rss_bytes": eval.peak_rss_bytes,
            });
            println!("{json}");
        } else if !self.quiet {
            println!(
                "{}: {}",
                crate::input::shown(&self.input),
                eval.outcome.summary()
            );
            println!(
                "  oracle: {} ({:.2} s, peak RSS {})",
                self.oracle.oracle_name(),
                eval.wall.as_secs_f64(),
                mib(eval.peak_rss_bytes)
            );
            match &signature {
                Ok(s) => println!("  signature: {}", s.describe()),
                Err(e) => println!("  no signature: {e:#}"),
            }
        }
        Ok(ExitCode::done_if(matches))
    }
}
