//! Prefetch across passes, for `jobs > 1`.
//!
//! Many passes have a single target on a small module (the one export, the
//! one data segment), and in later rounds most passes' searches take
//! nothing out, their candidates mostly decided without the oracle (cached
//! from the round before, or not smaller once repaired). Searched one
//! after the other, each of those is a lone oracle call with the other
//! cores idle. So at a pass's start the driver builds its candidates and
//! the first candidates of the passes after it along the predicted path
//! and judges them together:
//!
//! - a pass predicted to take out what it lists (in the first round, one
//!   that does not rewrite code) has its "everything out" candidate on the
//!   path, and the next pass is built on it;
//! - a pass predicted to keep it has its search walked, chunk by chunk
//!   down to single targets, when its plan is no longer than the jobs, or
//!   short on a small module (`WALK_MAX_BYTES`); if the walk ends with everything
//!   kept and the pass has no deeper level, the next pass is built on the
//!   same module; otherwise halves of its targets come next, not the next
//!   pass: the first of them, as its search builds them, fill the jobs
//!   left, and the path ends there;
//! - the prediction is `Reducer::prior`'s: in the first round, by what
//!   the pass takes out (one that rewrites code loses the failure with
//!   it; any other most likely takes out everything it lists), later by
//!   how often its candidates were accepted;
//! - a length pass is on the path as the probes its search asks first,
//!   each on the one before: in the first round, length 0 of each target
//!   when it asks that first (`LengthPass::shortest_first`: limits, data),
//!   predicted taken; from the second round, each target one below its
//!   length, predicted minimal (`bisect.rs`). Any other bisection is on
//!   the path as its first probe (the middle of its first target), and
//!   the path ends there: it batches the probes after that itself.
//!
//! The same path fills the jobs a search leaves at its end: a tree
//! batch's branch out of the pass (`ddmin_tree.rs`) and a bisection's last
//! probe (`judge_last`) go on with the passes after it, and the last
//! opening (`Reducer::try_openings`) with the first pass. Past the round's
//! last pass the path goes on into the next round, when there will be
//! one (the round changed the module, so far or as the path predicts).
//!
//! Nothing is accepted here: the answers go to the cache, and the passes,
//! run in order as ever, find them there. The decisions, and the result,
//! do not depend on `jobs`; a wrong prediction costs only the candidates
//! judged after it, whose checks are stopped as soon as it is known. A
//! candidate decided without the oracle (its answer cached, invalid, not
//! smaller) takes no job: the path goes on until `jobs` candidates need
//! the oracle.

use crate::ddmin::{following, Chunk};
use crate::driver::{Judged, Reducer};
use crate::gate::Gate;
use crate::judge::{Built, Screened, Until};
use crate::pool::Key;
use crate::still_needed::{bisection_probe, StillNeeded};
use anyhow::Result;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use whittle_module::{Edit, Module};
use whittle_passes::{LengthPlan, PassInfo, Plan, SubsetPlan};

/// The largest module, and the most targets, with which the path walks a
/// pass's search when it has more targets than jobs: the walk builds its
/// candidates a round at a time, and the pass's search builds them again
/// (on a giant function, 15 ms each). A last round's plans are that small
/// (a statement or two, five instructions); walking plans of any length
/// on modules up to 64 KiB took the passes' own time of
/// `regalloc-254-results` at `-j 2` from 0.24 s to 0.34 s.
const WALK_MAX_BYTES: usize = 64 << 10;
const WALK_MAX_TARGETS: usize = 8;

/// The prefetched path so far: its candidates, screened, with the pass
/// each belongs to and its predicted answer, and the module the next pass
/// is built on.
pub(crate) struct Path {
    module: Arc<Module>,
    pub(crate) screened: Vec<Screened>,
    pub(crate) names: Vec<&'static str>,
    pub(crate) predicted: Vec<bool>,
    /// Checks it needs: candidates that need the oracle, one a key (two
    /// chunks can give the same candidate).
    pub(crate) runs: usize,
    keys: HashSet<Key>,
    jobs: usize,
    /// When building it started, and what it may cost (see `new_path`).
    pub(crate) start: Instant,
    worth: Duration,
}

impl Path {
    fn push(&mut self, name: &'static str, s: Screened, taken: bool) {
        if let Some(key) = s.needs_oracle {
            self.runs += usize::from(self.keys.insert(key));
        }
        self.screened.push(s);
        self.names.push(name);
        self.predicted.push(taken);
    }

    /// No job left, or building it cost what a prefetch may.
    fn full(&self) -> bool {
        self.runs >= self.jobs || self.start.elapsed() > self.worth
    }
}

impl Reducer<'_> {
    /// Judge the candidates of the pass at `from` (its `plan` on the
    /// best) together with the first candidates of the passes after it,
    /// when its search is predicted to leave jobs free.
    pub(crate) fn prefetch(&mut self, from: usize, plan: &dyn SubsetPlan) -> Result<()> {
        let jobs = self.batch_size();
        // The pass's own search fills the batch when, predicted to keep
        // what it lists, it has more targets than jobs on a large module:
        // halves of them come next, not the next pass.
        let kept = !self.prior(self.opts.passes[from]).likely_taken();
        if jobs < 2 || (kept && !walkable(plan, jobs, &self.best)) {
            return Ok(());
        }
        self.collect_ended()?;
        let mut path = self.new_path(Arc::clone(&self.best), jobs);
        self.extend_path(&mut path, from, Some(plan));
        // Counted as the work of the pass about to run.
        self.pass_stats(self.opts.passes[from].name).build_time += path.start.elapsed();
        if path.runs < 2 {
            // Nothing to run alongside: the passes ask for themselves.
            return Ok(());
        }
        // Past a wrong prediction the candidates were built on a module
        // the passes will not see: their checks are stopped.
        self.run_screened(
            &path.names,
            path.screened,
            Some(&StillNeeded::Path(&path.predicted)),
            Until::Walkable,
        )?;
        Ok(())
    }

    /// Judge the last candidate of a pass's search (`last`, screened by
    /// [`Reducer::screen_fresh`], taken out
    /// with probability `odds`) with, beside it, the first candidates of
    /// the passes from `next` on, built on the module its likelier answer
    /// leaves (`kept`: the one it leaves if it is kept) as a prefetch
    /// builds them: their answers go to the cache, where those passes find
    /// them. Alone, the last candidate would leave every other job idle.
    /// With `Until::Walkable` it may come back unanswered (the caller asks
    /// again); with `Until::All` it waits for its answer.
    pub(crate) fn judge_last(
        &mut self,
        name: &'static str,
        last: Screened,
        (odds, kept): (f64, Arc<Module>),
        next: usize,
        until: Until,
    ) -> Result<Judged> {
        let taken = odds > 0.5;
        let reached = match taken {
            true => last.judged.module.clone(),
            false => Some(kept),
        };
        // (A batch sized down to one job since the search began has none
        // to spare.)
        let beside = self.batch_size().saturating_sub(1);
        let asks = last.needs_oracle.is_some() && beside > 0;
        let mut names = vec![name];
        let mut screened = vec![last];
        let mut parents = vec![None];
        if let (true, Some(module)) = (asks, reached) {
            let mut parent = (0, taken);
            for (later, s, predicted) in self.next_passes(name, module, beside, next) {
                parents.push(Some(parent));
                parent = (screened.len(), predicted);
                screened.push(s);
                names.push(later);
            }
        }
        let needed = StillNeeded::Tree(&parents);
        let judged = self.run_screened(&names, screened, Some(&needed), until)?;
        Ok(judged.into_iter().next().expect("the last candidate"))
    }

    /// The first candidates of the passes from `next` on, built on
    /// `module` for `jobs` checks as a prefetch builds them, to go beside
    /// the last candidate of pass `name`'s search (whose work the building
    /// counts as): each with its pass and its predicted answer, in order.
    pub(crate) fn next_passes(
        &mut self,
        name: &'static str,
        module: Arc<Module>,
        jobs: usize,
        next: usize,
    ) -> impl Iterator<Item = (&'static str, Screened, bool)> {
        let mut path = self.new_path(module, jobs);
        self.extend_path(&mut path, next, None);
        self.pass_stats(name).build_time += path.start.elapsed();
        let Path {
            names,
            screened,
            predicted,
            ..
        } = path;
        names
            .into_iter()
            .zip(screened)
            .zip(predicted)
            .map(|((n, s), p)| (n, s, p))
    }

    /// An empty path from `module`, for `jobs` checks. Building it is
    /// whittle's own time, spent to save at most the wait for a check: it
    /// stops once it has cost an eighth of a check (on the mean so far). On
    /// a giant function a candidate of a later pass takes 15 ms to build, a
    /// check 50 ms; with a quarter of a check, the 40k-statement function
    /// spent 13-15% of its time outside the oracle, with an eighth 6-9%.
    pub(crate) fn new_path(&self, module: Arc<Module>, jobs: usize) -> Path {
        Path {
            module,
            screened: Vec::new(),
            names: Vec::new(),
            predicted: Vec::new(),
            runs: 0,
            keys: HashSet::new(),
            jobs,
            start: Instant::now(),
            worth: match self.stats.oracle_calls {
                0 => Duration::MAX,
                calls => self.stats.oracle_time / calls as u32 / 8,
            },
        }
    }

    /// Put on `path` the candidates of the passes from `from` on, each
    /// built on the module the predictions before it leave, until the
    /// jobs are taken or a pass's answers are not predicted; `first`: the
    /// first pass's plan, else listed on the path's module. Past the last
    /// pass the path goes on into the next round, when there is one: the
    /// round has changed the module (so far, or as the path predicts) and
    /// may be followed by another.
    pub(crate) fn extend_path(
        &mut self,
        path: &mut Path,
        from: usize,
        first: Option<&dyn SubsetPlan>,
    ) {
        let passes = self.opts.passes.clone();
        let mut order: Vec<(usize, u64)> = (from..passes.len()).map(|i| (i, self.round)).collect();
        let mut wrapped = false;
        let mut k = 0;
        loop {
            if k == order.len() {
                let changed = (self.best_cost, self.best_complexity) != self.round_start
                    || path.predicted.contains(&true);
                let another = self.opts.max_rounds.is_none_or(|max| self.round < max);
                if wrapped || passes.is_empty() || !changed || !another {
                    break;
                }
                order.extend((0..passes.len()).map(|i| (i, self.round + 1)));
                wrapped = true;
            }
            let (index, round) = order[k];
            let info = passes[index];
            k += 1;
            if k > 1 && path.full() {
                break;
            }
            let base = Arc::clone(&path.module);
            let mut later_plan = None;
            let plan = if let (1, Some(plan)) = (k, first) {
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
            let likely = self.prior_in(info, round).likely_taken();
            // The base's cache key, for the memo and the settled walks:
            // hashed once, not once a candidate (a 20 MB base takes ms).
            let base_key = Gate::key(&base.bytes);
            let goes_on = match plan {
                PlanRef::Subsets(plan) if !likely && walkable(plan, path.jobs, &base) => {
                    self.walk_search(path, info, (&base, base_key), plan)
                }
                PlanRef::Subsets(plan) => {
                    let all: Vec<usize> = (0..plan.len()).collect();
                    let first = self.made(&base, base_key, plan.edit(&all));
                    // Kept, a single target's search is done; with several,
                    // halves of them come next.
                    let taken = self.on_path(path, info.name, first, likely);
                    if !taken && plan.len() > 1 && !path.full() {
                        self.walk_halves(path, info.name, &base, plan, likely);
                    }
                    taken || (plan.len() == 1 && !self.has_deeper_level(info, &base))
                }
                // In the first round such a pass asks length 0 of each
                // target in turn before bisecting (likely taken), each on
                // the one before; a length kept is bisected next.
                PlanRef::Lengths(plan) if round == 1 && plan.shortest_first() => {
                    let lengths = plan.lengths();
                    let mut zeroed = Vec::new();
                    (0..lengths.len()).filter(|&t| lengths[t] > 0).all(|t| {
                        zeroed.push((t, 0));
                        let probe = self.made(&base, base_key, plan.edit(&zeroed));
                        !path.full() && self.on_path(path, info.name, probe, likely)
                    })
                }
                // From the second round a length search first probes each
                // target one below its length, predicted minimal, as the
                // search itself predicts (see `bisect.rs`); all of them
                // kept, the pass is done.
                PlanRef::Lengths(plan) if round > 1 => {
                    let lengths = plan.lengths();
                    (0..lengths.len()).filter(|&t| lengths[t] > 0).all(|t| {
                        let probe = self.made(&base, base_key, plan.edit(&[(t, lengths[t] - 1)]));
                        !path.full() && !self.on_path(path, info.name, probe, false)
                    }) && !self.has_deeper_level(info, &base)
                }
                // A first-round bisection asks the middle of its first
                // target first; it batches the probes after that itself,
                // and the path beyond it is not predicted.
                PlanRef::Lengths(plan) => {
                    let lengths = plan.lengths();
                    if let Some(t) = (0..lengths.len()).find(|&t| lengths[t] > 0) {
                        let middle = bisection_probe(0, lengths[t], false);
                        let probe = self.made(&base, base_key, plan.edit(&[(t, middle)]));
                        self.on_path(path, info.name, probe, false);
                    }
                    false
                }
            };
            // The pass that reaches this base takes what was listed here.
            if let Some(plan) = later_plan {
                plan.hand_back();
            }
            if !goes_on {
                break;
            }
        }
    }

    /// Walk the search of a pass predicted to keep what its `plan` on
    /// `base` lists, chunk by chunk down to single targets (in a last
    /// round most are decided without the oracle: cached, or not smaller
    /// once repaired), until the jobs are taken. Whether the path goes on
    /// past it: the walk ended with everything kept, and the pass has no
    /// deeper level. (`module_key`: `base`'s cache key.)
    fn walk_search(
        &mut self,
        path: &mut Path,
        info: &PassInfo,
        (base, module_key): (&Module, Key),
        plan: &dyn SubsetPlan,
    ) -> bool {
        if let Some(&goes_on) = self.settled_walks.get(&(info.name, module_key)) {
            return goes_on;
        }
        let n = plan.len();
        let whole = Chunk {
            size: n,
            start: 0,
            end: n,
            taken: false,
        };
        let (chunks, settled) = self.walk_from(path, info.name, (base, plan), false, whole);
        let last = chunks.last().copied().unwrap_or(whole);
        let all_kept = chunks.iter().all(|c| !c.taken);
        let goes_on = all_kept
            && following(n, last.size, last.end, false).is_none()
            && !self.has_deeper_level(info, base);
        if settled && all_kept {
            self.settled_walks.insert((info.name, module_key), goes_on);
        }
        goes_on
    }

    /// After a pass's "everything out" on `base`, kept, its search asks
    /// halves of its targets next, not the next pass: the first of them,
    /// as the search builds them, fill the jobs the path has left. (Else a
    /// check whose kept answer the path predicted ran alone: at `-j 2` on
    /// `simd-disabled`, 14 ms of a 0.36 s timeline.)
    fn walk_halves(
        &mut self,
        path: &mut Path,
        name: &'static str,
        base: &Module,
        plan: &dyn SubsetPlan,
        likely: bool,
    ) {
        let n = plan.len();
        if let Some(half) = following(n, n, n, false) {
            self.walk_from(path, name, (base, plan), likely, half);
        }
    }

    /// Put on `path` the chunks of pass `name`'s search of `plan` on
    /// `base` from `first` on, as the search builds them (chunks not
    /// judged yet predicted `likely`), until the path's jobs are taken.
    /// The chunks, and whether the screen decided them all.
    fn walk_from(
        &mut self,
        path: &mut Path,
        name: &'static str,
        (base, plan): (&Module, &dyn SubsetPlan),
        likely: bool,
        first: Chunk,
    ) -> (Vec<Chunk>, bool) {
        let slots = path.jobs.saturating_sub(path.runs);
        let no_answers = HashMap::new();
        let (chunks, searched, _) = self.fill_batch(
            name,
            base,
            plan,
            likely,
            &no_answers,
            &[],
            first,
            slots,
            false,
        );
        let settled = searched.iter().all(|s| s.needs_oracle.is_none());
        for (c, s) in chunks.iter().zip(searched) {
            path.push(name, s, c.taken);
        }
        (chunks, settled)
    }

    /// Screen `candidate` onto the path: a candidate decided without the
    /// oracle (cached, invalid, not smaller, unrepairable) takes no job,
    /// and its answer, not the prediction `likely`, is the path; one taken
    /// out becomes the module the next pass is built on. Whether it is
    /// (predicted) taken out.
    ///
    /// It is weighed against the path's module, the best by the time the
    /// search gets there, as a tree node is (`Reducer::screen_against`).
    /// Weighed against the best, a candidate that leaves that module as it
    /// was (a body already as short as a length probe asks) was answered
    /// "taken" from the cache, and the path ended there: behind the slow
    /// predicate a check ran alone for 0.21 s, the next pass's candidates
    /// not built beside it.
    fn on_path(
        &mut self,
        path: &mut Path,
        name: &'static str,
        candidate: Result<Built>,
        likely: bool,
    ) -> bool {
        let s = self
            .screen_against(&[name], vec![candidate], Some(&path.module))
            .pop()
            .expect("one screened");
        let taken = match s.needs_oracle {
            Some(_) => likely,
            None => s.judged.interesting,
        };
        if let (true, Some(next)) = (taken, &s.judged.module) {
            path.module = Arc::clone(next);
        }
        path.push(name, s, taken);
        taken
    }

    /// The candidate `edit` gives on `base`, taken from the candidates
    /// built lately when it is one of them (`built_memo.rs`), else built
    /// and held there: a path's candidates are built again by the searches
    /// that reach them, and by the paths of the passes before.
    /// Either way it is looked over for the gate ([`Built::looked_over`]).
    /// (`base_key`: `base`'s cache key.)
    fn made(&mut self, base: &Module, base_key: Key, edit: Result<Edit>) -> Result<Built> {
        let edit = edit?;
        let (built, fresh) = self.built_memo.held_or_built(base, base_key, &edit)?;
        let built = built.looked_over(base, &edit, &self.gate, self.best_cost);
        if fresh {
            self.built_memo.insert(base_key, edit, &built);
        }
        Ok(built)
    }

    /// Whether the pass, done with its plan on `base` (level 0), has one
    /// at the next level (a tree pass's nested statements): its search
    /// goes on there, not with the next pass.
    fn has_deeper_level(&self, info: &PassInfo, base: &Module) -> bool {
        info.pass.plan(base, 1).is_some()
    }
}

/// Whether the path walks the search of a pass predicted to keep what
/// `plan` lists on `base`: with no more targets than jobs, or a few on a
/// small module (see [`WALK_MAX_BYTES`]).
fn walkable(plan: &dyn SubsetPlan, jobs: usize, base: &Module) -> bool {
    plan.len() <= jobs || (plan.len() <= WALK_MAX_TARGETS && base.bytes.len() <= WALK_MAX_BYTES)
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
    use std::sync::Arc;
    use std::sync::{Condvar, Mutex};
    use std::time::Duration;
    use whittle_module::Module;

    /// One defined function that calls `$bug`.
    fn calls_bug(m: &Module, printed: &str) -> bool {
        m.num_defined_funcs() == 1 && printed.contains("call $bug")
    }

    /// Reduce `wat` with `passes` at `-j 1` and `-j jobs` (interesting
    /// when `holds` of the module and its text). At `-j jobs` the check of a candidate
    /// that `first` matches waits (up to 5 s) for the check of one that
    /// `second` matches to start. Returns the `-j jobs` result, after
    /// asserting it is `-j 1`'s and that the second started meanwhile.
    fn run_together(
        wat: &str,
        passes: &[&str],
        jobs: usize,
        holds: fn(&Module, &str) -> bool,
        first: fn(&str) -> bool,
        second: fn(&str) -> bool,
    ) -> String {
        run_together_after(wat, |_| Vec::new(), passes, jobs, holds, (first, second))
    }

    /// [`run_together`], trying first the `openings` of the module.
    fn run_together_after(
        wat: &str,
        openings: fn(&Module) -> Vec<crate::Opening>,
        passes: &[&str],
        jobs: usize,
        holds: fn(&Module, &str) -> bool,
        (first, second): (fn(&str) -> bool, fn(&str) -> bool),
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
                Ok(holds(&m, &printed))
            };
            let mut on_event = |_: Event<'_>| -> Result<()> { Ok(()) };
            let passes = passes
                .iter()
                .map(|p| whittle_passes::find(p).unwrap())
                .collect();
            let original = Module::parse(wat::parse_str(wat).unwrap()).unwrap();
            let mut opts = options(jobs, passes, 0);
            opts.openings = openings(&original);
            let mut reducer = Reducer::new(original, opts, &interesting, &mut on_event);
            let best = reducer.run().unwrap().bytes.clone();
            drop(reducer);
            (best, waited_for_nothing.into_inner().unwrap())
        };
        let (one, _) = run(1);
        let (many, alone) = run(jobs);
        assert_eq!(one, many);
        assert!(!alone, "the second candidate did not run beside the first");
        wasmprinter::print_bytes(&many).unwrap()
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
            2,
            calls_bug,
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
            2,
            calls_bug,
            |printed| printed.contains("(memory (;0;) 3)") && !printed.contains("(export"),
            |printed| printed.contains("(memory (;0;) 0)") && !printed.contains("(export"),
        );
        assert_eq!(
            printed,
            "(module\n  (type (;0;) (func))\n  (import \"env\" \"bug\" (func $bug (;0;) (type 0)))\n  (memory (;0;) 0)\n  (func (;1;) (type 0)\n    call $bug\n  )\n)\n"
        );
    }

    /// A pass predicted to keep what it lists has its search walked when
    /// it fits the jobs: at `-j 4`, `remove-statements`' three candidates
    /// (both statements out, each one out: all kept, as both calls are
    /// needed) and `remove-exports`' first candidate run at once.
    #[test]
    fn a_search_predicted_to_keep_everything_goes_with_the_next_pass() {
        let wat = r#"(module (import "env" "bug" (func $bug (param i32)))
            (func (export "f") (call $bug (i32.const 1)) (call $bug (i32.const 2))))"#;
        let printed = run_together(
            wat,
            &["remove-statements", "remove-exports"],
            4,
            |m, printed| {
                calls_bug(m, printed)
                    && printed.contains("i32.const 1")
                    && printed.contains("i32.const 2")
            },
            |printed| printed.contains("(export") && !printed.contains("i32.const 1"),
            |printed| !printed.contains("(export"),
        );
        assert_eq!(
            printed,
            "(module\n  (type (;0;) (func (param i32)))\n  (type (;1;) (func))\n  (import \"env\" \"bug\" (func $bug (;0;) (type 0)))\n  (func (;1;) (type 1)\n    i32.const 1\n    call $bug\n    i32.const 2\n    call $bug\n  )\n)\n"
        );
    }

    /// The last probe of a bisection (a one-page memory, probed at 0)
    /// goes with the next pass's first candidate, built on the module its
    /// likelier answer leaves (kept, at even odds): the probe and
    /// `remove-exports`' "every export out" run at once.
    #[test]
    fn the_last_probe_of_a_bisection_goes_with_the_next_pass() {
        let wat = r#"(module (import "env" "bug" (func $bug))
            (memory 1) (func (export "f") call $bug))"#;
        let printed = run_together(
            wat,
            &["shrink-limits", "remove-exports"],
            2,
            |m, printed| calls_bug(m, printed) && printed.contains("(memory (;0;) 1)"),
            |printed| printed.contains("(memory (;0;) 0)"),
            |printed| printed.contains("(memory (;0;) 1)") && !printed.contains("(export"),
        );
        assert_eq!(
            printed,
            "(module\n  (type (;0;) (func))\n  (import \"env\" \"bug\" (func $bug (;0;) (type 0)))\n  (memory (;0;) 1)\n  (func (;1;) (type 0)\n    call $bug\n  )\n)\n"
        );
    }

    /// The passes of `names`, with the in-process predicate "calls
    /// `$bug`" (never called here): a reducer of `wat` for building paths.
    fn with_passes<R>(
        wat: &str,
        names: &[&str],
        max_rounds: Option<u64>,
        f: impl FnOnce(&mut Reducer<'_>) -> R,
    ) -> R {
        let m = Module::parse(wat::parse_str(wat).unwrap()).unwrap();
        let interesting = |_: &[u8]| -> Result<bool> { Ok(false) };
        let mut on_event = |_: Event<'_>| -> Result<()> { Ok(()) };
        let passes = names
            .iter()
            .map(|p| whittle_passes::find(p).unwrap())
            .collect();
        let opts = crate::driver::ReducerOptions {
            max_rounds,
            ..options(2, passes, 0)
        };
        let mut reducer = Reducer::new(m, opts, &interesting, &mut on_event);
        reducer.round_start = (reducer.best_cost, reducer.best_complexity);
        f(&mut reducer)
    }

    /// Past the last pass of a round that takes something out (as
    /// predicted), the path goes on into the next round, from its first
    /// pass; not when no other round may run.
    #[test]
    fn a_path_goes_on_into_the_next_round() {
        let wat = r#"(module (import "env" "bug" (func $bug))
            (global i32 (i32.const 1)) (func (export "f") call $bug))"#;
        let passes = ["remove-exports", "remove-globals"];
        for (max_rounds, expected) in [
            (None, vec!["remove-globals", "remove-exports"]),
            (Some(1), vec!["remove-globals"]),
        ] {
            with_passes(wat, &passes, max_rounds, |reducer| {
                let mut path = reducer.new_path(Arc::clone(&reducer.best), 3);
                reducer.extend_path(&mut path, 1, None);
                assert_eq!(path.names, expected);
                assert_eq!(path.runs, expected.len());
                let last = path
                    .screened
                    .last()
                    .unwrap()
                    .judged
                    .module
                    .as_ref()
                    .unwrap();
                let printed = wasmprinter::print_bytes(&last.bytes).unwrap();
                assert!(!printed.contains("(global"), "{printed}");
                assert_eq!(printed.contains("(export"), max_rounds.is_some());
            });
        }
    }

    /// Two chunks that give the same candidate need one check: the path
    /// counts one job for them.
    #[test]
    fn a_path_counts_a_candidate_met_twice_once() {
        let wat = r#"(module (import "env" "bug" (func $bug)) (func (export "f") call $bug))"#;
        with_passes(wat, &["remove-exports"], None, |reducer| {
            let mut path = reducer.new_path(Arc::clone(&reducer.best), 2);
            for _ in 0..2 {
                let all = whittle_module::Edit {
                    remove_exports: [0].into(),
                    ..whittle_module::Edit::default()
                };
                let best = Arc::clone(&reducer.best);
                let c = reducer.made(&best, crate::gate::Gate::key(&best.bytes), Ok(all));
                reducer.on_path(&mut path, "remove-exports", c, true);
            }
            assert_eq!(path.screened.len(), 2);
            assert_eq!(path.runs, 1);
            assert!(!path.full());
        });
    }

    /// A walk the screen decided whole, everything kept, is not walked
    /// again on the same module: its candidates would get the same
    /// answers.
    #[test]
    fn a_walk_decided_whole_is_not_made_again() {
        let wat = r#"(module (import "env" "bug" (func $bug (param i32)))
            (func (export "f") (call $bug (i32.const 1)) (call $bug (i32.const 2))))"#;
        with_passes(wat, &["remove-statements"], None, |reducer| {
            let walk = |reducer: &mut Reducer<'_>| {
                let mut path = reducer.new_path(Arc::clone(&reducer.best), 2);
                reducer.extend_path(&mut path, 0, None);
                path
            };
            let built =
                |reducer: &Reducer<'_>| reducer.stats.per_pass["remove-statements"].candidates;
            // Every candidate walked is answered "kept", until a walk
            // needs no check.
            loop {
                let path = walk(reducer);
                if path.runs == 0 {
                    assert_eq!(path.screened.len(), 3);
                    break;
                }
                for key in path.screened.iter().filter_map(|s| s.needs_oracle) {
                    reducer.gate.remember_key(key, false);
                }
            }
            let before = built(reducer);
            assert!(walk(reducer).screened.is_empty());
            assert_eq!(built(reducer), before);
        });
    }

    /// A candidate that leaves the path's module as it was is not smaller
    /// than it: the path weighs what it meets against the module it
    /// reached (the best by the time the search gets there), not against
    /// the best, next to which it was answered "taken" from the cache.
    #[test]
    fn a_candidate_that_leaves_the_paths_module_as_it_was_is_not_taken() {
        let wat = r#"(module (import "env" "bug" (func $bug)) (func (export "f") call $bug))"#;
        with_passes(wat, &["remove-exports"], None, |reducer| {
            let mut path = reducer.new_path(Arc::clone(&reducer.best), 2);
            let best = Arc::clone(&reducer.best);
            let no_export = whittle_module::Edit {
                remove_exports: [0].into(),
                ..whittle_module::Edit::default()
            };
            let taken_out = reducer.made(&best, crate::gate::Gate::key(&best.bytes), Ok(no_export));
            let reached = Arc::new(taken_out.as_ref().unwrap().module.clone());
            // Known to fail the same way: taken, and the path goes on from it.
            reducer
                .gate
                .remember_key(crate::gate::Gate::key(&reached.bytes), true);
            assert!(reducer.on_path(&mut path, "remove-exports", taken_out, false));
            let unchanged = reducer.made(
                &reached,
                crate::gate::Gate::key(&reached.bytes),
                Ok(whittle_module::Edit::default()),
            );
            assert_eq!(unchanged.as_ref().unwrap().module.bytes, reached.bytes);
            assert!(!reducer.on_path(&mut path, "remove-exports", unchanged, true));
            let last = path.screened.last().unwrap();
            assert!(last.needs_oracle.is_none() && !last.judged.interesting);
            assert_eq!(path.module.bytes, reached.bytes);
        });
    }

    /// A pass predicted to keep what it lists, with more targets than a
    /// walk takes, has the first half of them on the path after its
    /// "everything out": what its search asks next, not the next pass.
    #[test]
    fn a_pass_predicted_to_keep_its_many_targets_has_their_first_half_on_the_path() {
        let wat = r#"(module (import "env" "bug" (func $bug (param i32)))
            (func (export "f") nop nop nop nop nop nop nop nop nop nop i32.const 1 call $bug))"#;
        with_passes(
            wat,
            &["remove-instructions", "remove-exports"],
            None,
            |reducer| {
                let info = reducer.opts.passes[0];
                assert!(!reducer.prior(info).likely_taken());
                let mut path = reducer.new_path(Arc::clone(&reducer.best), 2);
                reducer.extend_path(&mut path, 0, None);
                assert_eq!(path.names, ["remove-instructions", "remove-instructions"]);
                assert_eq!(path.predicted, [false, false]);
                assert_eq!(path.runs, 2);
                let Some(whittle_passes::Plan::Subsets(plan)) = info.pass.plan(&reducer.best, 0)
                else {
                    panic!("no plan");
                };
                assert!(plan.len() > super::WALK_MAX_TARGETS);
                let half: Vec<usize> = (0..plan.len().div_ceil(2)).collect();
                let expected =
                    whittle_module::apply(&reducer.best, &plan.edit(&half).unwrap()).unwrap();
                let built = path.screened[1].judged.module.as_ref().unwrap();
                assert_eq!(built.bytes, expected);
            },
        );
    }

    /// The last opening (the culprit kept alone) goes with the first
    /// pass's candidate built on the module it leaves if taken:
    /// `remove-exports`' "every export out" of the culprit alone runs
    /// beside it.
    #[test]
    fn the_last_opening_goes_with_the_first_pass() {
        let printed = run_together_after(
            TWO_EXPORTS,
            |m| crate::Opening::keep_only(m, 2).into_iter().collect(),
            &["remove-exports"],
            2,
            calls_bug,
            (
                |printed| printed.contains("(export \"b\"") && !printed.contains("(export \"a\""),
                |printed| !printed.contains("(export") && printed.contains("call $bug"),
            ),
        );
        assert_eq!(printed, CULPRIT_ALONE);
    }

    /// An opening goes with the next opening's candidate, built on the
    /// module it leaves if taken: "export `a` out" and, on it, the culprit
    /// kept alone run at once.
    #[test]
    fn an_opening_goes_with_the_next_one() {
        let printed = run_together_after(
            TWO_EXPORTS,
            |m| {
                let no_a = crate::Opening {
                    name: "cut-unexecuted",
                    edit: whittle_module::Edit {
                        remove_exports: [0].into(),
                        ..whittle_module::Edit::default()
                    },
                };
                std::iter::once(no_a)
                    .chain(crate::Opening::keep_only(m, 2))
                    .collect()
            },
            &["remove-exports"],
            2,
            |m, printed| m.exports.len() < 2 && printed.contains("call $bug"),
            (
                |printed| printed.contains("nop") && !printed.contains("(export \"a\""),
                |printed| !printed.contains("nop") && printed.contains("(export \"b\""),
            ),
        );
        assert_eq!(printed, CULPRIT_ALONE);
    }

    /// Two exported functions, the second calling `$bug`.
    const TWO_EXPORTS: &str = r#"(module (import "env" "bug" (func $bug))
        (func (export "a") nop)
        (func (export "b") call $bug))"#;

    /// What `TWO_EXPORTS` reduces to.
    const CULPRIT_ALONE: &str = "(module\n  (type (;0;) (func))\n  (import \"env\" \"bug\" (func $bug (;0;) (type 0)))\n  (func (;1;) (type 0)\n    call $bug\n  )\n)\n";
}
