//! The result, checked once more and kept on disk. The re-check is skipped
//! after Ctrl-C, which is honoured at once (every best was judged by the
//! oracle when it was accepted); under a resource bound a result that
//! falls short gives way to the newest earlier best that holds
//! (`final_check`). A search that found nothing smaller leaves the input
//! itself as the result.

use super::request::Reduction;
use super::search::Found;
use crate::output::write_atomically;
use anyhow::Result;
use std::path::Path;
use whittle_module::Module;
use whittle_oracle::{Judge, Verdict};
use whittle_reduce::Gate;

impl Reduction {
    /// The result's verdict (`None`: interrupted, not re-checked); a best
    /// that gave way is replaced in `found` and on disk.
    pub(super) fn recheck(
        &self,
        output: &Path,
        judge: &mut Judge,
        found: &mut Found,
    ) -> Result<Option<Verdict>> {
        if found.interrupted {
            return Ok(None);
        }
        // Checked beside the finishing stage already (not under a
        // resource bound: there the result may still give way).
        let result_key = Gate::key(&found.best.bytes);
        if let Some((_, verdict)) = found
            .result_verdict
            .take()
            .filter(|(key, _)| *key == result_key)
        {
            return Ok(Some(verdict));
        }
        // One check: the exact peak is worth the spawner's start.
        crate::oracle_opts::measure_memory_alone(&mut judge.oracle)?;
        let settled =
            match crate::final_check::settle(judge, &found.best.bytes, &found.recent_bests) {
                // Ctrl-C cut the check short: the result stands unchecked, and
                // the run ends as stopped early (resumable), as it does when
                // the signal comes during the search.
                Err(_) if crate::interrupt::requested() => {
                    found.interrupted = true;
                    found.stopped_early = true;
                    return Ok(None);
                }
                settled => settled?,
            };
        if let Some(short) = &settled.fell_short {
            let criterion = &judge.criterion;
            self.say(format_args!(
                "whittle: on re-check the result gave {}, not {}; the newest earlier best that holds is the result ({} bytes, {})",
                criterion.reading(&short.outcome, &short.measured),
                criterion.describe(),
                settled.bytes.len(),
                criterion.reading(&settled.verdict.outcome, &settled.verdict.measured),
            ));
            // After the bests still being written.
            found.on_disk(output)?;
            write_atomically(output, &settled.bytes)?;
            found.best = Module::parse(settled.bytes)?;
        }
        Ok(Some(settled.verdict))
    }
}

/// Make sure the output holds the result, unless an existing repro, not
/// larger, is kept in its place (`existing`: its size).
pub(super) fn keep_result(output: &Path, found: &mut Found, existing: Option<usize>) -> Result<()> {
    if std::fs::read(output).is_ok_and(|bytes| bytes == found.best.bytes) {
        // Already there (written at a new best, or by the run resumed).
        found.written = true;
    } else if existing.is_none() {
        // No smaller candidate was found: the input is already minimal.
        write_atomically(output, &found.best.bytes)?;
        found.written = true;
    }
    Ok(())
}
