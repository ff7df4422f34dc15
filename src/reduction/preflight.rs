//! The checks between establishing the original and searching, each a
//! reason not to search, or to search with care: the original must meet
//! the criterion on every one of its runs (else the oracle is flaky), the
//! empty module must not (else the predicate is too loose to reduce with),
//! and an output that already fails the same way is only replaced by
//! something smaller.

use super::clock::OracleClock;
use super::request::Reduction;
use super::start::{Origin, Start};
use crate::flaky;
use anyhow::{bail, Result};
use std::path::Path;
use whittle_module::Module;
use whittle_oracle::Judge;

/// The empty module: if it "fails the same way", the predicate is broken.
const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

impl Reduction {
    /// `Some(why)` when the original's runs disagree (the oracle is
    /// flaky); an error when the empty module meets the criterion. A
    /// resumed run made both checks when it started.
    pub(super) fn preflight(
        &self,
        start: &Start,
        origin: &Origin,
        jobs: usize,
        clock: &mut OracleClock,
    ) -> Result<Option<String>> {
        if origin.resume.is_some() {
            return Ok(None);
        }
        let judge = &start.judge;
        // The original's re-runs go up to `jobs` at once; the empty
        // module's check goes with them when their last wave leaves a job
        // free (it would run alone after them), else after them, and only
        // if they agree.
        let reruns = self.original_runs.saturating_sub(1) as usize;
        let at_once = judge.oracle.load.runs_at_once(jobs);
        let empty_with_them = !reruns.is_multiple_of(at_once);
        let runs: Vec<usize> = (0..reruns + usize::from(empty_with_them)).collect();
        let answers = clock.time(|| {
            whittle_reduce::parallel_map(at_once, &runs, |&run| {
                let (holds, eval) = match run < reruns {
                    true => judge.holds_eval(&origin.module.bytes)?,
                    false => judge.interesting_eval(EMPTY_MODULE)?,
                };
                Ok((holds, eval.outcome))
            })
            .into_iter()
            .collect::<Result<Vec<_>>>()
        })?;
        let (original, empty) = answers.split_at(reruns);
        if let Some(flaky) = flaky::verdict(judge, self.original_runs, original) {
            return Ok(Some(flaky));
        }
        let empty_holds = match empty.first() {
            Some(&(holds, _)) => holds,
            None => clock.time(|| judge.interesting(EMPTY_MODULE))?,
        };
        if empty_holds {
            bail!(
                "the empty module also matches {}: the predicate or --expect is too loose to reduce with",
                judge.criterion.describe()
            );
        }
        Ok(None)
    }

    /// The size of an existing output that already fails the same way (it
    /// is then only replaced by something smaller). Any other existing file
    /// is simply the place the user asked the result to go.
    pub(super) fn existing_repro(&self, output: &Path, judge: &Judge) -> Option<usize> {
        let bytes = std::fs::read(output).ok()?;
        let same =
            Module::parse(bytes.clone()).is_ok() && judge.interesting(&bytes).unwrap_or(false);
        if same {
            self.say(format_args!(
                "whittle: {} already fails the same way ({} bytes): it is only replaced by something smaller",
                output.display(),
                bytes.len()
            ));
            Some(bytes.len())
        } else {
            self.say(format_args!(
                "whittle: {} exists but does not fail the same way: it will be replaced",
                output.display()
            ));
            None
        }
    }
}
