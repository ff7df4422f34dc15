//! One pass's search: its plans level by level, each searched by delta
//! debugging (subsets) or bisection (lengths), re-basing on the current
//! best as the search asks. Its own file so that the driver's schedule
//! (`driver.rs`) and the searches (`ddmin.rs`, `bisect.rs`), which use the
//! driver's `Reducer`, do not import each other.

use crate::bisect::Progress;
use crate::ddmin::{Relist, Sweep};
use crate::driver::{Reducer, Step};
use anyhow::Result;
use std::sync::Arc;
use std::time::Instant;
use whittle_passes::{PassInfo, Plan};

/// The largest module a tree batch is built on (`ddmin_tree.rs`), and
/// whose plan it lists to go on past a re-base: it builds its candidates
/// one at a time, and the listing of a giant function can cost more than
/// the check it saves waiting for. Larger ones get the path batch, whose
/// candidates are built in parallel.
const RELIST_MAX_BYTES: usize = 64 << 10;

impl Reducer<'_> {
    /// Search the pass's plans, level by level, re-basing as the search
    /// asks, until every level is exhausted or a stop is requested.
    pub(crate) fn run_pass(&mut self, pass_index: usize) -> Result<()> {
        let info = self.opts.passes[pass_index];
        let &PassInfo { name, pass, .. } = info;
        self.stats.per_pass.entry(name.to_string()).or_default();
        let mut level = 0;
        let prior = self.prior(info);
        let mut sweep = prior;
        let mut progress = Progress::default();
        let mut first_plan = true;
        // The plan of the current best, when the search derived it.
        let mut rebased = None;
        loop {
            if self.should_stop() {
                return Ok(());
            }
            let base = Arc::clone(&self.best);
            let listing = Instant::now();
            let plan = match rebased.take() {
                Some(plan) => Some(Plan::Subsets(plan)),
                None => pass.plan(&base, level),
            };
            self.pass_stats(name).build_time += listing.elapsed();
            let Some(plan) = plan else {
                return Ok(());
            };
            if std::mem::take(&mut first_plan) {
                if let Plan::Subsets(plan) = &plan {
                    self.prefetch(pass_index, plan.as_ref())?;
                }
            }
            let relist = Relist {
                pass,
                index: pass_index,
                level,
                max_bytes: RELIST_MAX_BYTES,
            };
            let step = match plan {
                Plan::Subsets(plan) => self.ddmin(name, &base, plan, &mut sweep, Some(relist))?,
                Plan::Lengths(plan) => {
                    self.bisect(name, &base, plan.as_ref(), &mut progress, relist)?
                }
            };
            match step {
                Step::Rebase(plan) => rebased = plan,
                Step::Done => {
                    level += 1;
                    sweep = prior;
                    progress = Progress::default();
                }
                Step::Stopped => return Ok(()),
            }
        }
    }

    /// What predicts the pass's answers for the parallel batches before
    /// its search has any: what its candidates gave so far (earlier
    /// rounds), else, and always in the first round (where those are
    /// mostly other passes' speculation), what the pass takes out: a pass
    /// that rewrites code takes the failure out with it, any other most
    /// likely takes out everything it lists (see `PassInfo::rewrites_code`).
    pub(crate) fn prior(&self, info: &PassInfo) -> Sweep {
        self.prior_in(info, self.round)
    }

    /// [`Reducer::prior`] in `round` (the next one, for a path that goes
    /// on into it).
    pub(crate) fn prior_in(&self, info: &PassInfo, round: u64) -> Sweep {
        match self.stats.per_pass.get(info.name) {
            Some(history) if round > 1 && history.oracle_calls > 0 => {
                Sweep::prior(history.oracle_calls, history.accepted)
            }
            _ => Sweep::prior(1, u64::from(!info.rewrites_code())),
        }
    }
}
