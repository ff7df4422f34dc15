//! How a reduction ended, as the library call returns it: the callers print
//! its warning and exit with its code.

use crate::exit_code::ExitCode;
use crate::report::Report;
use std::path::PathBuf;
use whittle_oracle::Criterion;

/// How a reduction ended.
#[derive(Debug)]
pub enum ReductionEnd {
    /// Stopped (Ctrl-C) before a first result: nothing was written.
    InterruptedBeforeResult,
    /// The original's runs at the start disagreed: the oracle is flaky and
    /// nothing was reduced.
    FlakyOriginal {
        /// Which runs said otherwise.
        why: String,
    },
    /// A result, and its report.
    Finished(Box<Finished>),
}

/// A reduction's result.
#[derive(Debug)]
pub struct Finished {
    /// What `.report.json` holds.
    pub report: Report,
    /// The result's file.
    pub output: PathBuf,
    /// The result and its companions were written (else an existing
    /// output, not larger, was kept as it was).
    pub written: bool,
    /// The result met the criterion on its final re-check (false: the
    /// oracle is flaky).
    pub holds: bool,
    /// What the result was checked against.
    pub criterion: Criterion,
    /// Ctrl-C came (the result is the best so far when it stopped the
    /// search: `report.stopped_early`).
    pub interrupted: bool,
    /// Where the checkpoint is kept when the run stopped early.
    pub checkpoint: PathBuf,
}

impl Finished {
    /// The warning for a result that did not hold on its final re-check.
    pub fn flaky_warning(&self) -> Option<String> {
        (!self.holds).then(|| {
            format!(
                "whittle: warning: on re-check the result gave {}, not {}: the oracle is flaky",
                self.criterion
                    .reading(&self.report.final_outcome, &self.report.final_measured),
                self.criterion.describe()
            )
        })
    }
}

impl ReductionEnd {
    /// The line on stderr, quiet or not, for an end without a result
    /// (`input` as messages name it), or for a result the oracle did not
    /// confirm.
    pub fn warning(&self, input: &str) -> Option<String> {
        match self {
            ReductionEnd::InterruptedBeforeResult => {
                Some("whittle: interrupted before a first result: nothing written".to_string())
            }
            ReductionEnd::FlakyOriginal { why } => Some(format!("whittle: error: {input}: {why}")),
            ReductionEnd::Finished(finished) => finished.flaky_warning(),
        }
    }

    /// The exit code that says how it ended.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            ReductionEnd::InterruptedBeforeResult => ExitCode::Interrupted,
            ReductionEnd::FlakyOriginal { .. } => ExitCode::Flaky,
            ReductionEnd::Finished(f) if f.interrupted && f.report.stopped_early => {
                ExitCode::Interrupted
            }
            ReductionEnd::Finished(f) if !f.holds => ExitCode::Flaky,
            ReductionEnd::Finished(_) => ExitCode::Done,
        }
    }
}
