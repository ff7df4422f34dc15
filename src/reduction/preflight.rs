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
pub(super) const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

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
        // The original's re-runs that did not run beside its first run go
        // up to `jobs` at once; then the empty module's check, if it did
        // not run beside it either, and only if they agree.
        let beside = &start.beside;
        let mut original = beside
            .reruns
            .iter()
            .map(|evaluated| {
                let holds = judge.holds_given(&origin.module.bytes, evaluated.clone())?;
                Ok((holds, evaluated.outcome.clone()))
            })
            .collect::<Result<Vec<_>>>()?;
        let reruns = self.original_runs.saturating_sub(1) as usize;
        let at_once = judge.oracle.load.runs_at_once(jobs);
        let left: Vec<usize> = (original.len()..reruns).collect();
        let more = clock.time(|| {
            whittle_reduce::parallel_map(at_once, &left, |_| {
                let (holds, eval) = judge.holds_eval(&origin.module.bytes)?;
                Ok((holds, eval.outcome))
            })
            .into_iter()
            .collect::<Result<Vec<_>>>()
        })?;
        original.extend(more);
        if let Some(flaky) = flaky::verdict(judge, self.original_runs, &original) {
            return Ok(Some(flaky));
        }
        let empty_holds = match &beside.empty_module {
            Some(evaluated) => judge.interesting_given(EMPTY_MODULE, evaluated.clone())?,
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
