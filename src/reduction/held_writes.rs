//! The search's writes held back while the original's last re-runs go on
//! beside it (`beside.rs`): a flaky original must leave the output and an
//! old checkpoint as they were, so nothing of the search reaches the disk
//! until every re-run has agreed with the first. Then what was held is
//! written as it would have been: the newest best, the newest pass start
//! (with its base), the answers.

use super::beside::BesideChecks;
use super::clock::OracleClock;
use super::preflight::rerun_verdict;
use anyhow::Result;
use whittle_oracle::Judge;

/// The original's runs disagreed, found while searching: the run ends as
/// a flaky one, with nothing written.
#[derive(Debug)]
pub(super) struct OriginalFlaky(pub String);

impl std::fmt::Display for OriginalFlaky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OriginalFlaky {}

/// The re-runs still to come in, and how to judge them.
pub(super) struct PendingReruns<'a> {
    pub beside: BesideChecks,
    pub judge: &'a Judge,
    /// `--original-runs`.
    pub runs: u32,
    pub original: std::sync::Arc<whittle_module::Module>,
    /// The time the search waited for them, for the report.
    pub clock: OracleClock,
    /// What the search would have written meanwhile.
    pub held: HeldWrites,
}

impl PendingReruns<'_> {
    /// `Ok(true)` once every re-run is in and agrees with the first run
    /// (with `wait`, waiting for them); `Err(OriginalFlaky)` when one
    /// disagrees.
    pub fn agreed(&mut self, wait: bool) -> Result<bool> {
        if !wait && self.beside.reruns_pending() {
            return Ok(false);
        }
        // The wait, if any, is time in the oracle with no check of the
        // search's running (the report counts the time some check runs).
        let evaluated = self.clock.time(|| self.beside.reruns());
        let (judge, runs) = (self.judge, self.runs);
        let original = &self.original.bytes;
        match rerun_verdict(judge, runs, original, evaluated, 1, &mut self.clock)? {
            Some(why) => Err(OriginalFlaky(why).into()),
            None => Ok(true),
        }
    }
}

/// What the search would have written so far.
#[derive(Default)]
pub(super) struct HeldWrites {
    /// The newest best that goes to the output.
    pub best: Option<Vec<u8>>,
    /// The newest pass start's base (its position is the state's).
    pub pass_start_base: Option<std::sync::Arc<whittle_module::Module>>,
    /// Answers for the checkpoint's log: key, answer, turned down by a
    /// confirmation.
    pub answers: Vec<((u64, usize), bool, bool)>,
}
