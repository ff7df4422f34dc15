//! The reduction as a library call: from a failing module to the smallest
//! one that fails the same way, with every step around the reducer proper,
//! returning a typed [`ReductionEnd`]. `whittle reduce` and `whittle
//! corpus` call it and print what it says.
//!
//! [`Reduction::run`] reads as the data path; each step is a file of
//! `src/reduction/`: what is settled before any check (`setup.rs`), the
//! original established or the checkpoint resumed (`start.rs`, with the
//! checks beside the original's first run in `beside.rs`), the checks
//! before searching (`preflight.rs`), the search (`search.rs`, with what it
//! holds back while the original's last re-runs go on in `held_writes.rs`), the result
//! re-checked and kept on disk (`settle.rs`), and the report and the files
//! beside the result (`close.rs`). The request is `request.rs`, how it
//! ended `end.rs`, `clock.rs` counts the oracle's time outside the
//! search, and `cpu.rs` the CPU time of whittle and its checks.

mod beside;
mod clock;
mod close;
mod cpu;
mod end;
mod held_writes;
mod preflight;
mod request;
mod search;
mod settle;
mod setup;
mod start;

pub use end::{Finished, ReductionEnd};
pub use request::Reduction;

use anyhow::Result;
use clock::OracleClock;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

impl Reduction {
    /// Reduce. Errors are refusals (bad input, an original that does not
    /// fail as asked) or failures to read or write.
    pub fn run(&self) -> Result<ReductionEnd> {
        // From the start, so that Ctrl-C while the original is checked
        // ends the run cleanly (its checks stopped, nothing half-written).
        let stop = crate::interrupt::install();
        match self.reduce(stop) {
            Err(_) if crate::interrupt::requested() => Ok(ReductionEnd::InterruptedBeforeResult),
            result => result,
        }
    }

    fn reduce(&self, stop: Arc<AtomicBool>) -> Result<ReductionEnd> {
        let mut clock = OracleClock::default();
        let (setup, original) = self.set_up()?;
        let (mut start, origin) = self.establish(&setup, original, &mut clock)?;
        if let Some(why) = self.preflight(&mut start, &origin, setup.jobs, &mut clock)? {
            return Ok(ReductionEnd::FlakyOriginal { why });
        }
        // Never replace an existing repro of this failure with something larger.
        let existing = clock.time(|| self.existing_repro(&setup.output, &start.judge));
        // The original's last re-runs may go on beside the search, and
        // find it flaky there.
        let mut found = match self.search(&setup, &mut start, origin, existing, stop, &mut clock) {
            Ok(found) => found,
            Err(e) => match e.downcast::<held_writes::OriginalFlaky>() {
                Ok(flaky) => return Ok(ReductionEnd::FlakyOriginal { why: flaky.0 }),
                Err(e) => return Err(e),
            },
        };
        let verdict = clock.time(|| self.recheck(&setup.output, &mut start.judge, &mut found));
        // Every best on disk before the output is read or written again
        // (a failed write is the error to report, even if the check failed
        // too: it is why).
        found.on_disk(&setup.output)?;
        let verdict = verdict?;
        settle::keep_result(&setup.output, &mut found, existing)?;
        let finished = self.close(setup, start, found, verdict, clock)?;
        Ok(ReductionEnd::Finished(Box::new(finished)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit_code::ExitCode;
    use crate::oracle_opts::OracleOpts;
    use clap::Parser;

    #[derive(clap::Parser)]
    struct Flags {
        #[command(flatten)]
        oracle: OracleOpts,
    }

    /// The library call, as `corpus` and tests make it: a predicate (which
    /// needs no `whittle` executable) keeps the export `boom`.
    #[test]
    fn a_reduction_is_a_call_that_returns_its_report() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.wat");
        std::fs::write(
            &input,
            r#"(module
                 (func (export "boom") (result i32) i32.const 7)
                 (func (export "other") (result i32) i32.const 8 i32.const 9 i32.add)
                 (memory 1)
                 (data (i32.const 0) "unrelated bytes"))"#,
        )
        .unwrap();
        let oracle = Flags::try_parse_from(["whittle", "--predicate", "grep -q boom"])
            .unwrap()
            .oracle;
        let output = dir.path().join("out.wasm");
        let reduction = Reduction {
            input,
            output: Some(output.clone()),
            oracle,
            passes: Vec::new(),
            skip_passes: Vec::new(),
            time_budget: None,
            mutate_budget: 0,
            jobs: Some(1),
            resume: false,
            quiet: true,
            verbose: 0,
            emit_wast: false,
            original_runs: 1,
            confirm: 1,
            no_hints: true,
        };
        let end = reduction.run().unwrap();
        assert_eq!(end.exit_code(), ExitCode::Done);
        let ReductionEnd::Finished(finished) = end else {
            panic!("no result: {end:?}");
        };
        assert!(finished.written && finished.holds && !finished.interrupted);
        let report = &finished.report;
        assert!(report.after.bytes < report.before.bytes, "{report:?}");
        assert_eq!(report.after.functions, 1);
        assert_eq!(
            report.signature.as_ref().map(|s| s.describe()).as_deref(),
            Some("exit code 0")
        );
        let written = std::fs::read(&output).unwrap();
        assert_eq!(written.len(), report.after.bytes);
        assert!(written.windows(4).any(|w| w == b"boom"));
    }
}
