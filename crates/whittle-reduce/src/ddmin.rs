//! Delta debugging over a subset plan (ddmin as llvm-reduce does it): try
//! taking out all targets, then chunks of half the targets, a quarter, ...
//! down to single targets; every accepted chunk stays out while the later
//! chunks are tried.
//!
//! The driver's own cost must stay near-linear in the number of targets.
//! Once half of the plan's targets are gone, or a sweep at one chunk size
//! ends having taken something out, the search *re-bases*: the pass lists
//! the targets of the current best and the sweep goes on from the same
//! place among the targets that are left. So a sweep never visits a target
//! that is gone, and a candidate never carries more earlier removals than
//! targets it still has: building one costs what is left, not what was
//! there.

use crate::driver::{Judged, Reducer, Step};
use anyhow::Result;
use whittle_module::Module;
use whittle_passes::SubsetPlan;

/// Where a delta-debugging search over one pass level stands, carried
/// across re-bases.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Sweep {
    /// The chunk size of the sweep in progress; 0 before the first.
    chunk: usize,
    /// Targets of the current base (in order) that the sweep in progress
    /// has already passed: the next chunk starts after them.
    passed: usize,
}

impl Reducer<'_> {
    pub(crate) fn ddmin(
        &mut self,
        name: &'static str,
        base: &Module,
        plan: &dyn SubsetPlan,
        sweep: &mut Sweep,
    ) -> Result<Step> {
        let n = plan.len();
        if sweep.chunk == 0 {
            *sweep = Sweep {
                chunk: n,
                passed: 0,
            };
        }
        let jobs = self.opts.jobs.max(1);
        loop {
            let chunk = sweep.chunk.max(1);
            // Taken out since this base, ascending. A sweep re-bases before
            // it ends if it took anything out, so everything taken out lies
            // before `next` and every chunk from `next` on is still there.
            let mut removed: Vec<usize> = Vec::new();
            let mut next = sweep.passed.min(n);
            while next < n {
                if self.should_stop() {
                    return Ok(Step::Stopped);
                }
                // The next `jobs` chunks, each on its own (as if none before
                // it succeeds): the first success in order wins.
                let mut batch: Vec<(usize, usize)> = Vec::with_capacity(jobs);
                let mut start = next;
                while start < n && batch.len() < jobs {
                    let end = (start + chunk).min(n);
                    batch.push((start, end));
                    start = end;
                }
                let choices: Vec<Vec<usize>> = batch
                    .iter()
                    .map(|&(s, e)| removed.iter().copied().chain(s..e).collect())
                    .collect();
                let judged: Vec<Judged> =
                    self.build_and_judge(name, base, &choices, |chosen| plan.edit(chosen))?;
                match self.accept_first(name, judged)? {
                    Some(k) => {
                        let (s, e) = batch[k];
                        removed.extend(s..e);
                        next = e;
                        if removed.len() * 2 >= n {
                            sweep.passed = next - removed.len();
                            return Ok(Step::Rebase);
                        }
                    }
                    None => next = batch.last().map_or(n, |b| b.1),
                }
            }
            if chunk == 1 {
                return Ok(Step::Done);
            }
            *sweep = Sweep {
                chunk: chunk.div_ceil(2),
                passed: 0,
            };
            if !removed.is_empty() {
                return Ok(Step::Rebase);
            }
            // Nothing changed: the finer sweep runs on this very plan.
        }
    }
}
