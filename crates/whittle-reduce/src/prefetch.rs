//! Prefetch across passes, for `jobs > 1`.
//!
//! Many passes have a single target on a small module (the one export, the
//! one data segment), and in later rounds most passes' first candidate
//! ("take out everything") fails. Searched one after the other, each of
//! those is a lone oracle call with the other cores idle. So when a pass's
//! first plan has a single target, or in the first round whatever its
//! number, the driver builds its candidate and the first candidates of the
//! passes after it along the predicted path and judges them together:
//!
//! - a pass's candidate predicted to be taken out becomes the module the
//!   next one is built on; one predicted kept ends the path unless its
//!   plan had a single target (else its search goes on with halves);
//! - the prediction is `Reducer::prior`'s: in the first round, by what
//!   the pass takes out (one that rewrites code loses the failure with
//!   it; any other most likely takes out everything it lists), later by
//!   how often its candidates were accepted;
//! - in the first round a length pass that asks length 0 first
//!   (`LengthPass::shortest_first`: limits, data) is on the path too, as
//!   its probes of each target at 0, each on the one before; any other
//!   length search batches its own probes, and the path ends there.
//!
//! Nothing is accepted here: the answers go to the cache, and the passes,
//! run in order as ever, find them there. The decisions, and the result,
//! do not depend on `jobs`; a wrong prediction costs only the candidates
//! judged after it, whose checks are stopped as soon as it is known. A
//! candidate decided without the oracle (its answer cached, invalid, not
//! smaller) takes no job: the path goes on until `jobs` candidates need
//! the oracle.

use crate::driver::Reducer;
use crate::judge::Until;
use crate::still_needed::StillNeeded;
use anyhow::Result;
use std::sync::Arc;
use std::time::{Duration, Instant};
use whittle_module::candidate;
use whittle_module::Module;
use whittle_passes::{LengthPlan, Plan, SubsetPlan};

impl Reducer<'_> {
    /// Judge the single candidate of the pass at `from` (its `plan` on the
    /// best) together with the first candidates of the passes after it.
    pub(crate) fn prefetch(&mut self, from: usize, plan: &dyn SubsetPlan) -> Result<()> {
        let jobs = self.batch_size();
        // In the first round every pass is still to be tried, and its first
        // answer is predicted by what it takes out (see `Reducer::prior`):
        // whatever its number of targets, a pass predicted to take out
        // everything goes with the next passes.
        if jobs < 2 || (plan.len() != 1 && self.round != 1) {
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
        // Building the path is whittle's own time, spent to save at most
        // the wait for a check: it stops once it has cost an eighth of a
        // check (on the mean so far). On a giant function a candidate of
        // a later pass takes 15 ms to build, a check 50 ms; with a quarter
        // of a check, the 40k-statement function spent 13-15% of its time
        // outside the oracle, with an eighth 6-9%.
        let worth = match self.stats.oracle_calls {
            0 => Duration::MAX,
            calls => self.stats.oracle_time / calls as u32 / 8,
        };
        'passes: for (k, info) in passes.iter().enumerate() {
            if k > 0 && start.elapsed() > worth {
                break;
            }
            let base = Arc::clone(&module);
            let later_plan;
            let plan = if k == 0 {
                PlanRef::Subsets(plan)
            } else {
                later_plan = info.pass.plan(&base, 0);
                match &later_plan {
                    Some(Plan::Subsets(plan)) => PlanRef::Subsets(plan.as_ref()),
                    Some(Plan::Lengths(plan)) => PlanRef::Lengths(plan.as_ref()),
                    // Nothing to do: the pass asks nothing.
                    None => continue,
                }
            };
            // The candidates the pass's search asks first, each built with
            // the ones before it taken out, and whether the pass is done
            // when the one its search asks is kept.
            let (firsts, done_if_kept): (Vec<Result<Module>>, bool) = match plan {
                PlanRef::Subsets(plan) => {
                    let all: Vec<usize> = (0..plan.len()).collect();
                    let first = plan.edit(&all).and_then(|edit| candidate(&base, &edit));
                    // With several targets, halves of them come next.
                    (vec![first], plan.len() == 1)
                }
                // In the first round such a pass asks length 0 of each
                // target in turn before bisecting (likely taken); a length
                // kept is bisected next.
                PlanRef::Lengths(plan) if self.round == 1 && plan.shortest_first() => {
                    let lengths = plan.lengths();
                    let mut zeroed = Vec::new();
                    let firsts = (0..lengths.len())
                        .filter(|&t| lengths[t] > 0)
                        .map(|t| {
                            zeroed.push((t, 0));
                            plan.edit(&zeroed).and_then(|edit| candidate(&base, &edit))
                        })
                        .collect();
                    (firsts, false)
                }
                // A length search batches its own probes; the path beyond
                // it is not predicted.
                PlanRef::Lengths(_) => break,
            };
            let likely = self.prior(info).likely_taken();
            for first in firsts {
                if runs == jobs {
                    break 'passes;
                }
                // Screened at once: a candidate decided without the oracle
                // (cached, invalid, not smaller, unrepairable) takes no job,
                // and its answer, not a prediction, is the path.
                let s = self
                    .screen(&[info.name], vec![first.map(|m| (m, None))])
                    .pop()
                    .expect("one screened");
                let taken = if s.needs_oracle.is_some() {
                    runs += 1;
                    likely
                } else {
                    s.judged.interesting
                };
                if let (true, Some(next)) = (taken, &s.judged.module) {
                    module = Arc::clone(next);
                }
                screened.push(s);
                names.push(info.name);
                predicted.push(taken);
                if !taken && !done_if_kept {
                    break 'passes;
                }
            }
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

/// A pass's plan, borrowed: the first pass's is the caller's.
enum PlanRef<'p> {
    Subsets(&'p dyn SubsetPlan),
    Lengths(&'p dyn LengthPlan),
}

#[cfg(test)]
mod tests {
    use crate::driver::tests::options;
    use crate::driver::{Event, Reducer};
    use anyhow::Result;
    use std::sync::{Condvar, Mutex};
    use std::time::Duration;
    use whittle_module::Module;

    /// Reduce `wat` with `passes` at `-j 1` and `-j 2` (interesting: one
    /// defined function that calls `$bug`). At `-j 2` the check of a
    /// candidate that `first` matches waits (up to 5 s) for the check of
    /// one that `second` matches to start. Returns the `-j 2` result, after
    /// asserting it is `-j 1`'s and that the second started meanwhile.
    fn run_together(
        wat: &str,
        passes: &[&str],
        first: fn(&str) -> bool,
        second: fn(&str) -> bool,
    ) -> String {
        let run = |jobs: usize| {
            let second_started = Mutex::new(false);
            let started = Condvar::new();
            let waited_for_nothing = Mutex::new(false);
            let interesting = |bytes: &[u8]| -> Result<bool> {
                let m = Module::parse(bytes.to_vec())?;
                let printed = wasmprinter::print_bytes(bytes)?;
                if second(&printed) {
                    *second_started.lock().unwrap() = true;
                    started.notify_all();
                } else if first(&printed) && jobs > 1 {
                    let seen = started
                        .wait_timeout_while(
                            second_started.lock().unwrap(),
                            Duration::from_secs(5),
                            |seen| !*seen,
                        )
                        .unwrap();
                    *waited_for_nothing.lock().unwrap() |= !*seen.0;
                }
                Ok(m.num_defined_funcs() == 1 && printed.contains("call $bug"))
            };
            let mut on_event = |_: Event<'_>| -> Result<()> { Ok(()) };
            let passes = passes
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
        assert!(!alone, "the second candidate did not run beside the first");
        wasmprinter::print_bytes(&two).unwrap()
    }

    /// In the first round, a pass that does not rewrite code is prefetched
    /// whatever its number of targets: `remove-globals`' "both globals
    /// out" and `remove-exports`' first candidate (built on it) run at
    /// once.
    #[test]
    fn an_untried_pass_goes_with_the_next_one_in_the_first_round() {
        let wat = r#"(module (import "env" "bug" (func $bug))
            (global i32 (i32.const 1)) (global i32 (i32.const 2))
            (func (export "f") call $bug))"#;
        let printed = run_together(
            wat,
            &["remove-globals", "remove-exports"],
            |printed| !printed.contains("(global") && printed.contains("(export"),
            |printed| !printed.contains("(global") && !printed.contains("(export"),
        );
        assert_eq!(
            printed,
            "(module\n  (type (;0;) (func))\n  (import \"env\" \"bug\" (func $bug (;0;) (type 0)))\n  (func (;1;) (type 0)\n    call $bug\n  )\n)\n"
        );
    }

    /// In the first round, the path goes on through a length pass that
    /// asks length 0 first (`shrink-limits`): `remove-exports`' first
    /// candidate and, built on it, `shrink-limits`' probe of the memory at
    /// 0 pages run at once.
    #[test]
    fn a_length_pass_asking_zero_first_is_on_the_path_in_the_first_round() {
        let wat = r#"(module (import "env" "bug" (func $bug))
            (memory 3) (func (export "f") call $bug))"#;
        let printed = run_together(
            wat,
            &["remove-exports", "shrink-limits"],
            |printed| printed.contains("(memory (;0;) 3)") && !printed.contains("(export"),
            |printed| printed.contains("(memory (;0;) 0)") && !printed.contains("(export"),
        );
        assert_eq!(
            printed,
            "(module\n  (type (;0;) (func))\n  (import \"env\" \"bug\" (func $bug (;0;) (type 0)))\n  (memory (;0;) 0)\n  (func (;1;) (type 0)\n    call $bug\n  )\n)\n"
        );
    }
}
