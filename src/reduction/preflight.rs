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
use whittle_oracle::{Evaluation, Judge, Outcome};

/// The empty module: if it "fails the same way", the predicate is broken.
pub(super) const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

impl Reduction {
    /// `Some(why)` when the original's runs disagree (the oracle is
    /// flaky); an error when the empty module meets the criterion. Re-runs
    /// still running beside the search are judged there (`search.rs`). A
    /// resumed run made both checks when it started.
    pub(super) fn preflight(
        &self,
        start: &mut Start,
        origin: &Origin,
        jobs: usize,
        clock: &mut OracleClock,
    ) -> Result<Option<String>> {
        if origin.resume.is_some() {
            return Ok(None);
        }
        let judge = &start.judge;
        let beside = &mut start.beside;
        // (Waiting for a job counts as the oracle's time: checks run.)
        clock.time(|| beside.first_run_ended(jobs));
        if !beside.reruns_pending() {
            let evaluated = clock.time(|| beside.reruns());
            let at_once = judge.oracle.load.runs_at_once(jobs);
            let bytes = &origin.module.bytes;
            let verdict =
                rerun_verdict(judge, start.original_runs, bytes, evaluated, at_once, clock)?;
            if let Some(flaky) = verdict {
                return Ok(Some(flaky));
            }
        }
        // (Waited for, if need be, as a check: the oracle's time.)
        let empty_holds = match clock.time(|| beside.empty_module()) {
            Some(evaluated) => judge.interesting_given(EMPTY_MODULE, evaluated)?,
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

/// `Some(why)` when the original's `runs` disagree (the first one set the
/// criterion). `evaluated`: the re-runs made beside it, in order; those
/// missing (not made, or not run at all) are made now, `at_once` at a time.
pub(super) fn rerun_verdict(
    judge: &Judge,
    runs: u32,
    original: &[u8],
    evaluated: Vec<Option<Evaluation>>,
    at_once: usize,
    clock: &mut OracleClock,
) -> Result<Option<String>> {
    let reruns = runs.saturating_sub(1) as usize;
    let mut answers: Vec<Option<(bool, Outcome)>> = vec![None; reruns];
    let mut missing = Vec::new();
    for (i, answer) in answers.iter_mut().enumerate() {
        match evaluated.get(i).cloned().flatten() {
            Some(evaluation) => {
                let outcome = evaluation.outcome.clone();
                *answer = Some((judge.holds_given(original, evaluation)?, outcome));
            }
            None => missing.push(i),
        }
    }
    let made = clock.time(|| {
        whittle_reduce::parallel_map(at_once, &missing, |_| {
            let (holds, evaluation) = judge.holds_eval(original)?;
            Ok((holds, evaluation.outcome))
        })
        .into_iter()
        .collect::<Result<Vec<_>>>()
    })?;
    for (i, answer) in missing.into_iter().zip(made) {
        answers[i] = Some(answer);
    }
    let answers: Vec<(bool, Outcome)> = answers.into_iter().flatten().collect();
    Ok(flaky::verdict(judge, runs, &answers))
}
