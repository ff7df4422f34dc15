//! Flaky oracles: caught at the start, and guarded against while reducing.
//!
//! A predicate that answers at random makes the driver accept candidates
//! that do not fail, and the result is then garbage that looks fine. Two
//! guards, both in the reduction (`src/reduction/preflight.rs` and
//! `search.rs`; the driver sees a plain yes or no):
//!
//! * the original is run several times at the start (`--original-runs`,
//!   3 by default: cheap next to a reduction); if the answers differ, the
//!   run stops with exit code 3, the code of a flaky oracle;
//! * with `--confirm N` a candidate is accepted only when it is interesting
//!   N times in a row; the candidates a confirmation turns down are counted
//!   for the report, and remembered by cache key so that a checkpoint can
//!   count them again on resume.

use anyhow::Result;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use whittle_oracle::Judge;
use whittle_oracle::Outcome;

/// The verdict on the original's `runs - 1` re-runs (the first run
/// established the criterion), given their answers and outcomes:
/// `Some(message)` when an answer differs, the oracle being flaky.
pub fn verdict(judge: &Judge, runs: u32, answers: &[(bool, Outcome)]) -> Option<String> {
    let yes = 1 + answers.iter().filter(|(holds, _)| *holds).count();
    if yes == runs as usize {
        return None;
    }
    let differing: Vec<String> = answers
        .iter()
        .enumerate()
        .filter(|(_, (holds, _))| !holds)
        .map(|(i, (_, outcome))| format!("run {}: `{}`", i + 2, outcome.summary()))
        .collect();
    Some(format!(
        "the oracle is flaky: the original met {} in {yes} of {runs} runs ({}); fix the oracle, or reduce anyway with --original-runs 1 and --confirm N",
        judge.criterion.describe(),
        differing.join(", ")
    ))
}

/// `--confirm N`: an interesting answer counts only when N runs in a row
/// agree.
pub struct Confirmer {
    runs: u32,
    /// Extra oracle runs made to confirm.
    pub extra_runs: AtomicU64,
    /// Candidates interesting once but not on confirmation.
    pub rejected: AtomicU64,
    /// Their cache keys, until the checkpoint has recorded them.
    rejected_keys: Mutex<HashSet<(u64, usize)>>,
}

impl Confirmer {
    /// `already_rejected`: the count a resumed checkpoint carries.
    pub fn new(runs: u32, already_rejected: u64) -> Confirmer {
        Confirmer {
            runs,
            extra_runs: AtomicU64::new(0),
            rejected: AtomicU64::new(already_rejected),
            rejected_keys: Mutex::new(HashSet::new()),
        }
    }

    /// The answer for `bytes` given the first one: a yes is asked again
    /// (`again`) until `runs` yeses in a row, or turned into a no.
    pub fn confirm(
        &self,
        bytes: &[u8],
        first: bool,
        again: impl Fn() -> Result<bool>,
    ) -> Result<bool> {
        if !first {
            return Ok(false);
        }
        for _ in 1..self.runs {
            self.extra_runs.fetch_add(1, Ordering::Relaxed);
            if !again()? {
                self.rejected.fetch_add(1, Ordering::Relaxed);
                self.keys().insert(whittle_reduce::Gate::key(bytes));
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Whether the candidate with this key was turned down by a
    /// confirmation (forgotten once asked).
    pub fn take_rejected(&self, key: (u64, usize)) -> bool {
        self.keys().remove(&key)
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, HashSet<(u64, usize)>> {
        self.rejected_keys.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn a_yes_needs_every_run_and_a_rejection_is_counted_once() {
        let c = Confirmer::new(3, 2);
        assert!(!c
            .confirm(b"a", false, || panic!("a no is not asked again"))
            .unwrap());
        let asked = Cell::new(0);
        let always = || {
            asked.set(asked.get() + 1);
            Ok(true)
        };
        assert!(c.confirm(b"b", true, always).unwrap());
        assert_eq!(asked.get(), 2);
        let answers = [true, false];
        let i = Cell::new(0);
        let second_no = || {
            i.set(i.get() + 1);
            Ok(answers[i.get() - 1])
        };
        assert!(!c.confirm(b"c", true, second_no).unwrap());
        assert_eq!(c.rejected.load(Ordering::Relaxed), 3);
        assert_eq!(c.extra_runs.load(Ordering::Relaxed), 4);
        let key = whittle_reduce::Gate::key(b"c");
        assert!(c.take_rejected(key));
        assert!(!c.take_rejected(key));
        assert!(!c.take_rejected(whittle_reduce::Gate::key(b"b")));
    }
}
