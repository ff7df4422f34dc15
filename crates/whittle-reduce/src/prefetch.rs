//! Prefetch across passes, for `jobs > 1`.
//!
//! Many passes have a single target on a small module (the one export, the
//! one data segment), and in later rounds most passes' first candidate
//! ("take out everything") fails. Searched one after the other, each of
//! those is a lone oracle call with the other cores idle. So when a pass's
//! first plan has a single target, the driver builds its candidate and the
//! first candidates of the passes after it along the predicted path (a
//! pass's candidate predicted to be taken out becomes the module the next
//! one is built on) and judges them together. Nothing is accepted here:
//! the answers go to the cache, and the passes, run in order as ever, find
//! them there. The decisions, and the result, do not depend on `jobs`; a
//! wrong prediction costs only the candidates judged after it, whose
//! checks are stopped as soon as it is known. A candidate
//! decided without the oracle (its answer cached, invalid, not smaller)
//! takes no job: the path goes on until `jobs` candidates need the oracle.

use crate::driver::Reducer;
use crate::judge::Until;
use crate::still_needed::StillNeeded;
use anyhow::Result;
use std::sync::Arc;
use std::time::Instant;
use whittle_module::candidate;
use whittle_passes::{Plan, SubsetPlan};

impl Reducer<'_> {
    /// Judge the single candidate of the pass at `from` (its `plan` on the
    /// best) together with the first candidates of the passes after it.
    pub(crate) fn prefetch(&mut self, from: usize, plan: &dyn SubsetPlan) -> Result<()> {
        let jobs = self.batch_size();
        if jobs < 2 || plan.len() != 1 {
            return Ok(());
        }
        self.collect_ended()?;
        let start = Instant::now();
        let mut module = Arc::clone(&self.best);
        let mut screened = Vec::new();
        let mut names = Vec::new();
        let mut predicted = Vec::new();
        let mut runs = 0;
        let passes = self.opts.passes[from..].to_vec();
        for (k, info) in passes.iter().enumerate() {
            if runs == jobs {
                break;
            }
            let base = Arc::clone(&module);
            let later_plan;
            let plan: &dyn SubsetPlan = if k == 0 {
                plan
            } else {
                later_plan = match info.pass.plan(&base, 0) {
                    Some(Plan::Subsets(plan)) => plan,
                    // Nothing to do: the pass asks nothing.
                    None => continue,
                    // A length search batches its own probes; the path
                    // beyond it is not predicted.
                    Some(Plan::Lengths(_)) => break,
                };
                later_plan.as_ref()
            };
            let all: Vec<usize> = (0..plan.len()).collect();
            let candidate = plan.edit(&all).and_then(|edit| candidate(&base, &edit));
            let stats = self.stats.per_pass.get(info.name);
            let likely_taken = stats.is_some_and(|s| s.accepted * 2 > s.oracle_calls)
                || (self.round == 1 && stats.is_none_or(|s| s.oracle_calls == 0));
            // Screened at once: a candidate decided without the oracle
            // (cached, invalid, not smaller, unrepairable) takes no job, and
            // its answer, not a prediction, is the path.
            let s = self
                .screen(&[info.name], vec![candidate.map(|m| (m, None))])
                .pop()
                .expect("one screened");
            let taken = if s.needs_oracle.is_some() {
                runs += 1;
                likely_taken
            } else {
                s.judged.interesting
            };
            if let (true, Some(next)) = (taken, &s.judged.module) {
                module = Arc::clone(next);
            }
            screened.push(s);
            names.push(info.name);
            predicted.push(taken);
        }
        // Counted as the work of the pass about to run.
        self.pass_stats(self.opts.passes[from].name).build_time += start.elapsed();
        if runs < 2 {
            // Nothing to run alongside: the passes ask for themselves.
            return Ok(());
        }
        // Past a wrong prediction the candidates were built on a module
        // the passes will not see: their checks are stopped.
        self.run_screened(
            &names,
            screened,
            Some(&StillNeeded::Path(&predicted)),
            Until::Walkable,
        )?;
        Ok(())
    }
}
