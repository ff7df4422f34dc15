//! Prefetch across passes, for `jobs > 1`.
//!
//! Many passes have a single target on a small module (the one export, the
//! one data segment), and in later rounds most passes' first candidate
//! ("take out everything") fails. Searched one after the other, each of
//! those is a lone oracle call with the other cores idle. So when a pass's
//! first plan has a single target (or, in the first round, when the pass
//! has not been tried yet: its "take out everything" is then the likely
//! answer, and a delta-debugging batch would pair it with a half that a
//! success makes useless), the driver builds its candidate and the
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
        // In the first round, a pass not tried yet most likely takes out
        // everything its first plan lists (the module's unused exports,
        // globals, custom sections): whatever their number, its first
        // candidate and the next passes' go together too.
        let untried = self.round == 1
            && self
                .stats
                .per_pass
                .get(self.opts.passes[from].name)
                .is_none_or(|s| s.oracle_calls == 0);
        if jobs < 2 || (plan.len() != 1 && !untried) {
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

#[cfg(test)]
mod tests {
    use crate::driver::tests::options;
    use crate::driver::{Event, Reducer};
    use anyhow::Result;
    use std::sync::{Condvar, Mutex};
    use std::time::Duration;
    use whittle_module::Module;

    /// In the first round, a pass not tried yet is prefetched whatever its
    /// number of targets: `remove-globals`' "both globals out" and
    /// `remove-exports`' first candidate (built on it) run at once. The
    /// check of the first waits (up to 5 s) for the second to start, and
    /// says whether it did; the result is `-j 1`'s.
    #[test]
    fn an_untried_pass_goes_with_the_next_one_in_the_first_round() {
        let wat = r#"(module (import "env" "bug" (func $bug))
            (global i32 (i32.const 1)) (global i32 (i32.const 2))
            (func (export "f") call $bug))"#;
        let run = |jobs: usize| {
            let exports_started = Mutex::new(false);
            let started = Condvar::new();
            let waited_for_nothing = Mutex::new(false);
            let interesting = |bytes: &[u8]| -> Result<bool> {
                let m = Module::parse(bytes.to_vec())?;
                let printed = wasmprinter::print_bytes(bytes)?;
                let globals = printed.contains("(global");
                let export = printed.contains("(export");
                if !globals && !export {
                    *exports_started.lock().unwrap() = true;
                    started.notify_all();
                } else if !globals && jobs > 1 {
                    let seen = started
                        .wait_timeout_while(
                            exports_started.lock().unwrap(),
                            Duration::from_secs(5),
                            |seen| !*seen,
                        )
                        .unwrap();
                    *waited_for_nothing.lock().unwrap() |= !*seen.0;
                }
                Ok(m.num_defined_funcs() == 1 && printed.contains("call $bug"))
            };
            let mut on_event = |_: Event<'_>| -> Result<()> { Ok(()) };
            let passes = ["remove-globals", "remove-exports"]
                .iter()
                .map(|p| whittle_passes::find(p).unwrap())
                .collect();
            let original = Module::parse(wat::parse_str(wat).unwrap()).unwrap();
            let mut reducer = Reducer::new(
                original,
                options(jobs, passes, 0),
                &interesting,
                &mut on_event,
            );
            let best = reducer.run().unwrap().bytes.clone();
            drop(reducer);
            (best, waited_for_nothing.into_inner().unwrap())
        };
        let (one, _) = run(1);
        let (two, alone) = run(2);
        assert_eq!(one, two);
        assert!(
            !alone,
            "remove-exports' candidate did not run beside remove-globals'"
        );
        assert_eq!(
            wasmprinter::print_bytes(&two).unwrap(),
            "(module\n  (type (;0;) (func))\n  (import \"env\" \"bug\" (func $bug (;0;) (type 0)))\n  (func (;1;) (type 0)\n    call $bug\n  )\n)\n"
        );
    }
}
