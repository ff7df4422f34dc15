//! The reduction loop.
//!
//! For each pass in schedule order the driver fixes a *base* module (the
//! best so far), asks the pass for its plan on it (its targets, listed
//! once) and searches the plan: delta debugging over subsets
//! (`ddmin.rs`), bisection over lengths (`bisect.rs`). A tree pass offers
//! one level of its tree at a time, outermost first. Whenever the search
//! has taken out enough to matter it *re-bases*: the best becomes the base
//! and the pass lists its targets again, so the driver's own work stays
//! proportional to what is left, not to what was there.
//!
//! Rounds repeat until one changes nothing, so the result is 1-minimal for
//! the pass set: no single target of any pass can be removed. Each accepted
//! candidate is reported as an [`Event::NewBest`] (the CLI writes it out
//! atomically).
//!
//! With `jobs > 1` candidates are evaluated speculatively in parallel: the
//! next candidates of a ddmin sweep, or the likeliest probes of a
//! bisection, are built and judged at once (`batch.rs` sizes the batch),
//! and the first success *in the sequential order* wins. Decisions are exactly those of a sequential run,
//! so the result does not depend on `jobs` or timing; work past the first
//! success is wasted but its answers stay in the cache.

use crate::cost::{cost, ComplexityCache};
use crate::gate::Gate;
use crate::judge::Until;
use crate::stats::Stats;
use anyhow::Result;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;
use whittle_module::{candidate, Edit, Module};
use whittle_passes::{PassInfo, SubsetPlan};

pub struct ReducerOptions {
    pub passes: Vec<&'static PassInfo>,
    /// Stop (keeping the best so far) once this instant has passed.
    pub deadline: Option<Instant>,
    /// Stop after this many rounds even if the last one changed something.
    pub max_rounds: Option<u64>,
    /// Candidates the `wasm-mutate` finishing stage may try (0: none).
    pub mutate_budget: usize,
    /// Candidates built and judged at once, at most (`batch.rs` runs fewer
    /// oracle checks at once when each keeps several cores busy).
    pub jobs: usize,
    /// Set from outside (Ctrl-C) to stop where the search is.
    pub stop: Option<Arc<AtomicBool>>,
    /// Candidates tried once, in order, before the passes: guesses from
    /// outside the search (keep only the function the failure names; cut
    /// what the failing run never executed). Each is an edit of the best
    /// so far when its turn comes; the oracle judges it like any other.
    pub openings: Vec<Opening>,
    /// Continue an interrupted run from here.
    pub resume: Option<Position>,
    /// The original's validity, if the caller already knows it.
    pub original_validity: Option<whittle_module::Validity>,
    /// The oracle's tally of how many cores a check keeps busy: batches
    /// shrink below `jobs` when checks use several (see `batch.rs`).
    pub check_load: Option<Arc<whittle_oracle::CheckLoad>>,
    /// Jobs taken by checks that run beside the search (see
    /// `held_jobs.rs`).
    pub jobs_held: Option<Arc<crate::HeldJobs>>,
}

/// An opening's candidate of `best`, validated here as the gate would, and
/// what to say should the gate refuse it.
fn opening_candidate(best: &Module, edit: &Edit) -> (Result<crate::judge::Built>, String) {
    let built = candidate(best, edit);
    let validity = built
        .as_ref()
        .ok()
        .map(|m| whittle_module::validate(&m.bytes));
    let why = match (&built, &validity) {
        (Err(e), _) => format!("its edit cannot be applied: {e:#}"),
        (_, Some(whittle_module::Validity::Invalid(message))) => {
            format!("its candidate does not validate: {message}")
        }
        _ => String::new(),
    };
    let built = built.map(|module| crate::judge::Built {
        module: Arc::new(module),
        validity,
        key: None,
    });
    (built, why)
}

/// A guess tried before the passes (see [`ReducerOptions::openings`]).
pub struct Opening {
    /// Its name in the statistics (`isolate-culprit`).
    pub name: &'static str,
    /// The edit, against the module the reduction starts from. An opening
    /// that changes indices (removes functions) must come after those that
    /// refer to them.
    pub edit: Edit,
}

impl Opening {
    /// Keep only defined function `f` of `m` (the function a failure
    /// names, or the one a resource blow-up most likely comes from), and
    /// those a constant needs, without which the module would not validate
    /// (a Wasm GC module's vtables; see
    /// [`whittle_module::functions_in_constants`]).
    /// `None` when there is nothing to gain.
    pub fn keep_only(m: &Module, f: u32) -> Option<Opening> {
        if f < m.num_imported_funcs || f >= m.num_funcs() {
            return None;
        }
        let needed = whittle_module::functions_in_constants(m).ok()?;
        let remove_funcs: std::collections::BTreeSet<u32> = (m.num_imported_funcs..m.num_funcs())
            .filter(|g| *g != f && !needed.contains(g))
            .collect();
        (!remove_funcs.is_empty()).then(|| Opening {
            name: "isolate-culprit",
            edit: Edit {
                remove_funcs,
                ..Edit::default()
            },
        })
    }
}

/// Where a run is: enough to continue it after a crash with the same
/// decisions (the cache answers everything already asked).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Position {
    pub round: u64,
    /// Index into the schedule; `passes.len()` is the wasm-mutate stage.
    pub pass_index: usize,
    /// Cost and complexity of the best at the start of the round.
    pub round_start: (usize, Option<usize>),
    /// Cache answers: (hash, length) of candidate bytes, interesting?
    #[serde(skip)]
    pub answers: Vec<((u64, usize), bool)>,
}

/// What the driver tells its caller as it goes.
pub enum Event<'e> {
    /// A pass (or the mutate stage) starts from `base`, at `position`.
    /// (Shared: the caller may keep it without a copy.)
    PassStart {
        pass: &'e str,
        base: &'e Arc<Module>,
        position: &'e Position,
    },
    /// The oracle answered for the candidate with this cache key.
    Answer {
        key: (u64, usize),
        interesting: bool,
    },
    /// A new best module, found by `pass`.
    NewBest {
        module: &'e Module,
        pass: &'e str,
        stats: &'e Stats,
    },
    /// A batch of candidates was judged.
    Tick { pass: &'e str, stats: &'e Stats },
    /// An opening was refused without a check: its edit could not be
    /// applied to the best, or its candidate does not validate (`why`).
    OpeningRefused { name: &'e str, why: String },
}

/// What the driver calls: the oracle plus the signature check. Called from
/// several threads at once when `jobs > 1`.
pub type Interesting<'a> = dyn Fn(&[u8]) -> Result<bool> + Sync + 'a;
pub type OnEvent<'a> = dyn FnMut(Event<'_>) -> Result<()> + 'a;

/// The caller's last check of the result, which keeps its own verdict (see
/// [`Reducer::check_result_beside_mutants`]).
pub type FinalCheck<'a> = dyn Fn(&[u8]) -> Result<()> + Sync + 'a;

pub struct Reducer<'a> {
    pub(crate) opts: ReducerOptions,
    pub(crate) interesting: &'a Interesting<'a>,
    pub(crate) on_event: &'a mut OnEvent<'a>,
    pub(crate) gate: Gate,
    /// Shared with the base of the running pass until something is
    /// accepted: one copy of a big module, not two.
    pub(crate) best: Arc<Module>,
    pub(crate) best_cost: usize,
    /// Computed only when a candidate ties on cost.
    pub(crate) best_complexity: Option<usize>,
    /// The round in progress (1 for the first).
    pub(crate) round: u64,
    /// The best's cost and complexity when the round started: the round
    /// is followed by another if they changed.
    pub(crate) round_start: (usize, Option<usize>),
    /// The prefetch's walks of a pass's search on a module (by its key)
    /// that the screen decided whole, everything kept, and whether the
    /// path went on past them: walked again, they would build the same
    /// candidates to the same answers (a cached answer stays, and a
    /// candidate no smaller than the best stays so as the best shrinks).
    /// In the last rounds the same walk was made at every pass start
    /// before it: 0.7 ms each, 18 ms of `oob-trap`'s 0.34 s at `-j 2`.
    pub(crate) settled_walks: HashMap<(&'static str, crate::pool::Key), bool>,
    /// How the halves of two-chunk sweeps fared, per pass (see
    /// `halves.rs`).
    pub(crate) halves: crate::halves::Halves,
    /// Candidates built lately, by base and edit (see `built_memo.rs`).
    pub(crate) built_memo: crate::built_memo::BuiltMemo,
    /// Complexity by body, for candidates that tie the best on cost.
    pub(crate) complexities: ComplexityCache,
    /// The oracle's workers while [`Reducer::run`] runs (see `pool.rs`);
    /// outside it a batch starts its own.
    pub(crate) pool: Option<crate::pool::Pool>,
    /// The caller's final check, run beside the finishing stage's checks.
    pub(crate) final_check: Option<&'a FinalCheck<'a>>,
    pub stats: Stats,
    /// Set when the deadline passed or a stop was requested: the search
    /// stops where it is.
    pub out_of_time: bool,
}

/// A built candidate and what was decided about it.
pub(crate) struct Judged {
    pub(crate) module: Option<Arc<Module>>,
    pub(crate) cost: usize,
    pub(crate) complexity: Option<usize>,
    pub(crate) interesting: bool,
    /// The oracle ran it (not decided by the cache or the screen).
    pub(crate) ran: bool,
    /// It has no answer (`interesting` says nothing): its check was
    /// stopped once it was known to be off the search's path, or was still
    /// running when the batch returned (see `pool.rs`). A search that
    /// meets it on its path asks again.
    pub(crate) unanswered: bool,
}

/// How a search over one plan ended.
pub(crate) enum Step {
    /// Enough was taken out: search again on a plan of the current best,
    /// this one when the old plan could derive it (else listed afresh).
    Rebase(Option<Box<dyn SubsetPlan>>),
    /// This plan (this level of the pass) is exhausted.
    Done,
    /// A stop was requested or the deadline passed.
    Stopped,
}

impl<'a> Reducer<'a> {
    /// `original` must already be known to be interesting (when resuming:
    /// the base of the pass the run stopped in).
    pub fn new(
        original: impl Into<Arc<Module>>,
        opts: ReducerOptions,
        interesting: &'a Interesting<'a>,
        on_event: &'a mut OnEvent<'a>,
    ) -> Reducer<'a> {
        let original: Arc<Module> = original.into();
        let mut gate = match opts.original_validity.clone() {
            Some(v) => Gate::with_validity(v),
            None => Gate::new(&original.bytes),
        };
        gate.remember(&original.bytes, true);
        if let Some(resume) = &opts.resume {
            for &(key, answer) in &resume.answers {
                gate.remember_key(key, answer);
            }
        }
        Reducer {
            opts,
            interesting,
            on_event,
            gate,
            best_cost: cost(&original),
            best_complexity: None,
            best: original,
            round: 1,
            round_start: (0, None),
            settled_walks: HashMap::new(),
            halves: Default::default(),
            built_memo: Default::default(),
            complexities: ComplexityCache::default(),
            pool: None,
            final_check: None,
            stats: Stats::default(),
            out_of_time: false,
        }
    }

    pub fn best(&self) -> &Module {
        &self.best
    }

    pub(crate) fn should_stop(&mut self) -> bool {
        let stop = self.opts.deadline.is_some_and(|d| Instant::now() >= d)
            || self
                .opts
                .stop
                .as_ref()
                .is_some_and(|s| s.load(Ordering::SeqCst));
        self.out_of_time |= stop;
        self.out_of_time
    }

    /// Run `check` on the best when the finishing stage (`wasm-mutate`)
    /// starts, on a job of its own beside the stage's checks, and wait for
    /// it at the end when the stage took nothing out (else it is stopped,
    /// and run again on the new best at the next finishing stage). The
    /// caller's final check of the result need not then run alone after
    /// the search: the stage rarely finds anything, and its checks seldom
    /// fill the jobs. Only from 2 jobs up. An error of `check` is not the
    /// search's: a check that fails or is stopped leaves the caller with
    /// no verdict for the result, to check it itself.
    pub fn check_result_beside_mutants(&mut self, check: &'a FinalCheck<'a>) {
        self.final_check = (self.opts.jobs > 1).then_some(check);
    }

    /// Run rounds until a fixpoint (or the deadline), then the `wasm-mutate`
    /// finishing stage; if that finds something, rounds run again. The
    /// oracle's workers live as long as this call.
    pub fn run(&mut self) -> Result<&Module> {
        let interesting = self.interesting;
        let final_check = self.final_check;
        let workers = self.opts.jobs.max(1);
        let held = self.opts.jobs_held.clone();
        std::thread::scope(|scope| {
            let (pool, _closer) =
                crate::pool::Pool::start(scope, workers, interesting, final_check, held);
            self.pool = Some(pool);
            let run = self.run_rounds();
            self.pool = None;
            run
        })?;
        Ok(&self.best)
    }

    fn run_rounds(&mut self) -> Result<()> {
        let mut position = match self.opts.resume.take() {
            Some(p) => p,
            None => {
                self.try_openings()?;
                Position {
                    round: 1,
                    pass_index: 0,
                    round_start: (self.best_cost, self.best_complexity),
                    answers: Vec::new(),
                }
            }
        };
        loop {
            let n = self.opts.passes.len();
            while position.pass_index < n {
                let info = self.opts.passes[position.pass_index];
                self.stats.rounds = position.round;
                self.round = position.round;
                self.round_start = position.round_start;
                // Announced even when stopping now, so a checkpoint exists.
                (self.on_event)(Event::PassStart {
                    pass: info.name,
                    base: &self.best,
                    position: &position,
                })?;
                if self.should_stop() {
                    return Ok(());
                }
                if position.pass_index == 0 {
                    prepare_passes(Arc::clone(&self.best), &self.opts.passes);
                }
                self.run_pass(position.pass_index)?;
                if self.out_of_time {
                    return Ok(());
                }
                position.pass_index += 1;
                let round_over = position.pass_index == n;
                let changed = (self.best_cost, self.best_complexity) != position.round_start;
                let more_rounds = self.opts.max_rounds.is_none_or(|max| position.round < max);
                if round_over && changed && more_rounds {
                    position.round += 1;
                    position.pass_index = 0;
                    position.round_start = (self.best_cost, self.best_complexity);
                }
            }
            // The fixpoint: the finishing stage.
            (self.on_event)(Event::PassStart {
                pass: "wasm-mutate",
                base: &self.best,
                position: &position,
            })?;
            if self.out_of_time || !self.mutate()? {
                return Ok(());
            }
            position.round += 1;
            position.pass_index = 0;
            position.round_start = (self.best_cost, self.best_complexity);
        }
    }

    /// Let the passes do on another core, while the round's first passes
    /// run, what they can of their plans of its base (see
    /// [`whittle_passes::Pass::prepare`]; a giant function's statements are
    /// listed). Without a thread, nothing is prepared.
    /// The openings, each against the best so far; an edit that no longer
    /// applies (an earlier opening removed what it refers to) is skipped.
    /// From two jobs each goes with what comes after it, built on the
    /// module it leaves if taken (what an opening is made for): the next
    /// opening's candidate, and after the last one the first pass's
    /// candidates, as a search's last candidate goes with the next
    /// passes' (`Reducer::judge_last`). Alone, each left the other jobs
    /// idle (the culprit's check, 0.24 s at the start of the oracle-bound
    /// row).
    fn try_openings(&mut self) -> Result<()> {
        let openings = std::mem::take(&mut self.opts.openings);
        for (k, opening) in openings.iter().enumerate() {
            if self.should_stop() {
                return Ok(());
            }
            self.stats
                .per_pass
                .entry(opening.name.to_string())
                .or_default();
            let (built, why) = opening_candidate(&self.best, &opening.edit);
            let refused_before = self.stats.unrepairable_skipped + self.stats.invalid_skipped;
            let screened = self.screen_fresh(opening.name, built)?;
            if self.stats.unrepairable_skipped + self.stats.invalid_skipped > refused_before {
                (self.on_event)(Event::OpeningRefused {
                    name: opening.name,
                    why,
                })?;
            }
            let judged = match openings.get(k + 1) {
                _ if self.batch_size() < 2 => {
                    self.run_screened(&[opening.name], vec![screened], None, Until::All)?
                }
                None => {
                    let kept = Arc::clone(&self.best);
                    vec![self.judge_last(opening.name, screened, (1.0, kept), 0, Until::All)?]
                }
                Some(next) => self.judge_before_opening(opening.name, screened, next)?,
            };
            self.accept_first(opening.name, judged)?;
        }
        Ok(())
    }

    /// Judge an opening's candidate (`screened`) with, beside it, the
    /// `next` opening's, built on the module it leaves if taken.
    fn judge_before_opening(
        &mut self,
        name: &'static str,
        screened: crate::judge::Screened,
        next: &Opening,
    ) -> Result<Vec<Judged>> {
        let mut names = vec![name];
        let mut parents = vec![None];
        let reached = screened.needs_oracle.and(screened.judged.module.clone());
        let mut batch = vec![screened];
        if let Some(module) = reached {
            let (built, _) = opening_candidate(&module, &next.edit);
            let s = self.screen_against(&[next.name], vec![built], Some(&module));
            names.push(next.name);
            parents.push(Some((0, true)));
            batch.extend(s);
        }
        let needed = crate::still_needed::StillNeeded::Tree(&parents);
        let mut judged = self.run_screened(&names, batch, Some(&needed), Until::All)?;
        judged.truncate(1);
        Ok(judged)
    }

    /// Accept the first interesting candidate that is still cheaper than
    /// the best (the best may have moved since it was judged); its index.
    pub(crate) fn accept_first(
        &mut self,
        name: &'static str,
        judged: Vec<Judged>,
    ) -> Result<Option<usize>> {
        for (k, j) in judged.into_iter().enumerate() {
            if !j.interesting {
                continue;
            }
            let still_cheaper = j.cost < self.best_cost
                || (j.cost == self.best_cost
                    && j.complexity.is_some_and(|c| {
                        c < *self
                            .best_complexity
                            .get_or_insert_with(|| self.complexities.complexity(&self.best))
                    }));
            if !still_cheaper {
                continue;
            }
            let module = j.module.expect("an interesting candidate was built");
            let removed = self.best.bytes.len().saturating_sub(module.bytes.len());
            let stats = self.pass_stats(name);
            stats.accepted += 1;
            stats.bytes_removed += removed as u64;
            self.best = module;
            self.best_cost = j.cost;
            self.best_complexity = j.complexity;
            (self.on_event)(Event::NewBest {
                module: &self.best,
                pass: name,
                stats: &self.stats,
            })?;
            return Ok(Some(k));
        }
        Ok(None)
    }

    pub(crate) fn pass_stats(&mut self, name: &str) -> &mut crate::stats::PassStats {
        self.stats.per_pass.entry(name.to_string()).or_default()
    }
}

/// Let `passes` prepare on `base` (`Pass::prepare`: a giant function's
/// statements listed ahead) on a thread of their own, while checks run.
/// The driver does it with each round; a reduction can do it for the
/// first round while the original is checked. Preparing twice costs
/// nothing: a pass prepares a module once.
pub fn prepare_passes(base: Arc<Module>, passes: &[&'static PassInfo]) {
    let passes = passes.to_vec();
    let _ = std::thread::Builder::new()
        .name("whittle-prepare".into())
        .spawn(move || {
            for info in passes {
                info.pass.prepare(&base);
            }
        });
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    const WAT: &str = r#"(module
        (import "env" "bug" (func $bug (param i32)))
        (import "env" "other" (func $other))
        (global $g (mut i32) (i32.const 1))
        (memory 1)
        (data (i32.const 0) "hello")
        (func $a (export "a") call $other)
        (func $b (param i32) (result i32)
          local.get 0 i32.const 1 i32.add global.set $g
          i32.const 7 call $bug
          global.get $g)
        (func $c (export "c") i32.const 3 call $b drop))"#;

    /// Options for a test reduction: these passes at `jobs`, nothing else.
    pub(crate) fn options(
        jobs: usize,
        passes: Vec<&'static PassInfo>,
        mutate_budget: usize,
    ) -> ReducerOptions {
        ReducerOptions {
            passes,
            deadline: None,
            max_rounds: None,
            mutate_budget,
            jobs,
            stop: None,
            openings: Vec::new(),
            resume: None,
            original_validity: None,
            check_load: None,
            jobs_held: None,
        }
    }

    /// Run `f` with a reducer of `m` at `jobs`, with no passes and an
    /// oracle that says no to everything: for building batches.
    pub(crate) fn with_reducer<R>(
        m: &Module,
        jobs: usize,
        f: impl FnOnce(&mut Reducer<'_>) -> R,
    ) -> R {
        let interesting = |_: &[u8]| -> Result<bool> { Ok(false) };
        let mut on_event = |_: Event<'_>| -> Result<()> { Ok(()) };
        let mut reducer = Reducer::new(
            m.clone(),
            options(jobs, Vec::new(), 0),
            &interesting,
            &mut on_event,
        );
        f(&mut reducer)
    }

    /// A function of `n` statements `i32.const k drop`, but for the one at
    /// `bug`, which calls the imported `$bug`.
    pub(crate) fn statements_calling_bug(n: usize, bug: usize) -> Module {
        let body: String = (0..n)
            .map(|k| match k == bug {
                true => "call $bug\n".to_string(),
                false => format!("i32.const {k} drop\n"),
            })
            .collect();
        let wat = format!(r#"(module (import "env" "bug" (func $bug)) (func {body}))"#);
        Module::parse(wat::parse_str(wat).unwrap()).unwrap()
    }

    /// `remove-statements`, and its plan of `m`'s outermost statements.
    pub(crate) fn statements_of(
        m: &Module,
    ) -> (
        &'static dyn whittle_passes::Pass,
        Box<dyn whittle_passes::SubsetPlan + '_>,
    ) {
        let pass = whittle_passes::find("remove-statements").unwrap().pass;
        let Some(whittle_passes::Plan::Subsets(plan)) = pass.plan(m, 0) else {
            panic!("statements listed")
        };
        (pass, plan)
    }

    /// Reduce `wat` with the in-process predicate "still calls `$bug`".
    fn reduce(wat: &str, opts: ReducerOptions) -> (Module, Stats, usize, usize) {
        let original = Module::parse(wat::parse_str(wat).unwrap()).unwrap();
        let calls = AtomicUsize::new(0);
        let interesting = |bytes: &[u8]| -> Result<bool> {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(wasmprinter::print_bytes(bytes)?.contains("call $bug"))
        };
        let mut bests = 0;
        let mut on_event = |e: Event<'_>| -> Result<()> {
            if let Event::NewBest { .. } = e {
                bests += 1;
            }
            Ok(())
        };
        let mut reducer = Reducer::new(original, opts, &interesting, &mut on_event);
        let best = reducer.run().unwrap().clone();
        let stats = reducer.stats.clone();
        drop(reducer);
        (best, stats, calls.into_inner(), bests)
    }

    /// Everything but the call goes, the parameters of `$bug` and `$b`
    /// and a duplicate type included; a final round changes nothing.
    #[test]
    fn reduces_to_a_fixpoint_with_an_in_process_predicate() {
        let (best, stats, calls, bests) = reduce(
            WAT,
            options(1, whittle_passes::REGISTRY.iter().collect(), 50),
        );
        assert_eq!(
            wasmprinter::print_bytes(&best.bytes).unwrap(),
            r#"(module
  (type (;0;) (func))
  (import "env" "bug" (func $bug (;0;) (type 0)))
  (func $b (;1;) (type 0)
    call $bug
  )
)
"#
        );
        assert!(bests > 0);
        assert_eq!(stats.oracle_calls as usize, calls);
        assert!(stats.rounds >= 2);
    }

    /// `shrink-limits` asks size 0 before bisecting in the first round:
    /// one candidate when a memory can go to 0, one more than the
    /// bisection when it cannot; at any `-j`, the same sizes.
    #[test]
    fn a_size_that_can_go_to_zero_takes_one_candidate() {
        let shrink = vec![whittle_passes::find("shrink-limits").unwrap()];
        for (pages_needed, jobs) in [(0, 1), (0, 2), (5, 1), (5, 2)] {
            let original = Module::parse(
                wat::parse_str("(module (memory 65536) (func (export \"f\")))").unwrap(),
            )
            .unwrap();
            let interesting = |bytes: &[u8]| -> Result<bool> {
                let m = Module::parse(bytes.to_vec())?;
                Ok(m.memory_types[0].initial >= pages_needed)
            };
            let mut on_event = |_: Event<'_>| -> Result<()> { Ok(()) };
            let mut reducer = Reducer::new(
                original,
                options(jobs, shrink.clone(), 0),
                &interesting,
                &mut on_event,
            );
            let best = reducer.run().unwrap().clone();
            assert_eq!(best.memory_types[0].initial, pages_needed, "-j {jobs}");
            let calls = reducer.stats.per_pass["shrink-limits"].oracle_calls;
            if pages_needed == 0 && jobs == 1 {
                assert_eq!(calls, 1);
            }
            if pages_needed == 5 && jobs == 1 {
                // 0, then the bisection of 1..65536.
                assert_eq!(calls, 1 + 16);
            }
        }
    }

    /// Speculative parallel evaluation takes the same decisions.
    #[test]
    fn jobs_do_not_change_the_result() {
        let all: Vec<&'static PassInfo> = whittle_passes::REGISTRY.iter().collect();
        let (one, stats_one, _, _) = reduce(WAT, options(1, all.clone(), 20));
        let (four, stats_four, _, _) = reduce(WAT, options(4, all, 20));
        assert_eq!(one.bytes, four.bytes);
        assert_eq!(stats_one.rounds, stats_four.rounds);
        for (pass, s) in &stats_one.per_pass {
            assert_eq!(s.accepted, stats_four.per_pass[pass].accepted, "{pass}");
        }
    }

    /// With no passes at all, the seeded `wasm-mutate` stage alone still
    /// shrinks the module, within its budget, and keeps it interesting.
    #[test]
    fn the_mutate_stage_reduces_on_its_own_within_budget() {
        let wat = r#"(module
            (import "env" "bug" (func $bug))
            (global $g (mut i32) (i32.const 1))
            (func $a (export "a") global.get $g drop)
            (func $b (export "b") call $bug)
            (func $c (export "c") (result i64) i64.const 42))"#;
        let size = wat::parse_str(wat).unwrap().len();
        let (best, stats, _, _) = reduce(wat, options(1, Vec::new(), 30));
        let mutate = &stats.per_pass["wasm-mutate"];
        assert!(mutate.accepted > 0, "{stats:?}");
        assert!(best.bytes.len() < size);
        assert!(wasmprinter::print_bytes(&best.bytes)
            .unwrap()
            .contains("call $bug"));
        // Each stage tries at most the budget; a stage runs once more after
        // every stage that found something.
        assert!(
            mutate.candidates <= 30 * (mutate.accepted + 1),
            "{mutate:?}"
        );
    }

    /// A culprit named by the failure is tried alone first.
    #[test]
    fn isolates_a_named_culprit_in_one_candidate() {
        let mut opts = options(1, Vec::new(), 0);
        let original = Module::parse(wat::parse_str(WAT).unwrap()).unwrap();
        opts.openings.extend(Opening::keep_only(&original, 3));
        let (best, stats, calls, _) = reduce(WAT, opts);
        assert_eq!(calls, 1, "{stats:?}");
        assert_eq!(stats.per_pass["isolate-culprit"].accepted, 1);
        assert_eq!(best.num_defined_funcs(), 1);
    }

    /// Keeping a culprit alone keeps the functions a constant needs too;
    /// with nothing else to take out, there is no opening.
    #[test]
    fn keeping_a_culprit_alone_keeps_what_a_constant_needs() {
        let parse = |wat: &str| Module::parse(wat::parse_str(wat).unwrap()).unwrap();
        let m = parse(
            r#"(module (type $f (func)) (func $method) (func $culprit) (func $other)
                 (global (ref $f) ref.func $method))"#,
        );
        let opening = Opening::keep_only(&m, 1).unwrap();
        assert_eq!(opening.edit.remove_funcs, [2].into());
        let m = parse(
            r#"(module (type $f (func)) (func $method) (func $culprit)
                 (global (ref $f) ref.func $method))"#,
        );
        assert!(Opening::keep_only(&m, 1).is_none());
    }

    /// A stop request ends the run with the best so far.
    #[test]
    fn a_stop_request_ends_the_run() {
        let mut opts = options(1, whittle_passes::REGISTRY.iter().collect(), 50);
        let stop = Arc::new(AtomicBool::new(true));
        opts.stop = Some(stop);
        let (best, _, calls, _) = reduce(WAT, opts);
        assert_eq!(calls, 0);
        assert_eq!(best.bytes, wat::parse_str(WAT).unwrap());
    }
}
