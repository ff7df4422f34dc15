//! Judging candidates: build them (in parallel), refuse what cannot win
//! without an oracle call (not cheaper than the best, answered before by
//! the cache, invalid where the original was not), and run the rest through
//! the oracle in parallel. Nothing is accepted here: the caller takes the
//! first success in its own order, so decisions do not depend on timing.

use crate::cost::cost;
use crate::driver::{Event, Judged, Reducer};
use crate::gate::{Gate, GateDecision};
use crate::parallel::parallel_map;
use crate::pool::{Done, Key, Pool, FINAL_CHECK_KEY};
use crate::still_needed::StillNeeded;
use anyhow::Result;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use whittle_module::{validate, validate_declarations, Edit, Module, Validity};

/// A candidate as built: its module, its validity when it was checked
/// while building, and its cache key when that was computed (hashing a
/// 5.7 MB candidate once, not twice).
pub(crate) struct Built {
    pub(crate) module: Arc<Module>,
    pub(crate) validity: Option<Validity>,
    pub(crate) key: Option<(u64, usize)>,
}

impl Built {
    /// A module nothing was checked of yet.
    pub(crate) fn unchecked(module: Module) -> Built {
        Built {
            module: Arc::new(module),
            validity: None,
            key: None,
        }
    }

    /// The candidate with what the gate will ask of it found out while it
    /// is at hand: its cache key unless it cannot be accepted (costs more
    /// than the best), and its validity unless the cache answers it (most
    /// candidates of the later rounds: validating a 70,000-entry
    /// `br_table` costs a sixth of its check). Validated here, knowing
    /// `edit`, a candidate that changes one body of 7,300 validates that
    /// body; the gate, knowing only the bytes, would validate them all.
    pub(crate) fn looked_over(
        self,
        base: &Module,
        edit: &Edit,
        gate: &Gate,
        best_cost: usize,
    ) -> Built {
        let Built {
            module: m,
            validity,
            key,
        } = self;
        let key = key.or_else(|| (cost(&m) <= best_cost).then(|| Gate::key(&m.bytes)));
        let needs_validity = key.is_some_and(|key| !gate.knows(key));
        // Every base is valid when the original is: the gate lets no
        // invalid candidate through then.
        let base_valid = gate.original_invalid().is_none();
        let validity =
            validity.or_else(|| needs_validity.then(|| validity_of(base, base_valid, edit, &m)));
        Built {
            module: m,
            validity,
            key,
        }
    }
}

/// A built candidate after the checks that need no oracle.
pub(crate) struct Screened {
    pub(crate) judged: Judged,
    /// The candidate's cache key when the oracle must judge it; `None`
    /// when `judged.interesting` is already its answer.
    pub(crate) needs_oracle: Option<(u64, usize)>,
}

impl Screened {
    fn decided(judged: Judged) -> Screened {
        Screened {
            judged,
            needs_oracle: None,
        }
    }
}

impl Reducer<'_> {
    /// Build the candidates (in parallel) and judge them, stopping the
    /// checks no longer `needed` (see [`StillNeeded`]).
    pub(crate) fn build_and_judge<C: Sync>(
        &mut self,
        name: &'static str,
        base: &Module,
        choices: &[C],
        edit: impl Fn(&C) -> Result<Edit> + Sync,
        needed: Option<&StillNeeded<'_>>,
    ) -> Result<Vec<Judged>> {
        let built = self.build(name, base, choices, edit);
        self.judge(name, built, needed)
    }

    /// Build the candidates (in parallel), validated unless their cost
    /// already refuses them.
    pub(crate) fn build<C: Sync>(
        &mut self,
        name: &'static str,
        base: &Module,
        choices: &[C],
        edit: impl Fn(&C) -> Result<Edit> + Sync,
    ) -> Vec<Result<Built>> {
        let best_cost = self.best_cost;
        let start = Instant::now();
        let base_key = Gate::key(&base.bytes);
        let gate = &self.gate;
        let memo = &self.built_memo;
        let made = parallel_map(self.opts.jobs, choices, |choice| {
            let edit = edit(choice)?;
            let (built, fresh) = memo.held_or_built(base, base_key, &edit)?;
            // Validated here, in parallel.
            let built = built.looked_over(base, &edit, gate, best_cost);
            anyhow::Ok((built, fresh.then_some(edit)))
        });
        let built = made
            .into_iter()
            .map(|made: Result<(Built, Option<Edit>)>| {
                let (built, fresh) = made?;
                if let Some(edit) = fresh {
                    self.built_memo.insert(base_key, edit, &built);
                }
                Ok(built)
            })
            .collect();
        self.pass_stats(name).build_time += start.elapsed();
        built
    }

    /// Cost-check, gate and run (in parallel) built candidates, against the
    /// current best, stopping the checks no longer `needed`; nothing is
    /// accepted here.
    pub(crate) fn judge(
        &mut self,
        name: &'static str,
        built: Vec<Result<Built>>,
        needed: Option<&StillNeeded<'_>>,
    ) -> Result<Vec<Judged>> {
        self.collect_ended()?;
        let names = vec![name; built.len()];
        let screened = self.screen(&names, built);
        // A batch built on guesses belongs to a search that asks again
        // for what it returns without.
        let until = match needed {
            Some(_) => Until::Walkable,
            None => Until::All,
        };
        self.run_screened(&names, screened, needed, until)
    }

    /// One candidate screened, once the checks that ended are collected
    /// (their answers are in the cache the screen reads).
    pub(crate) fn screen_fresh(
        &mut self,
        name: &'static str,
        built: Result<Built>,
    ) -> Result<Screened> {
        self.collect_ended()?;
        Ok(self
            .screen(&[name], vec![built])
            .pop()
            .expect("one screened"))
    }

    /// The checks that need no oracle: cost against the best, then the
    /// gate (cached answer, invalid). A candidate they decide has its
    /// answer in `interesting`; the others need the oracle.
    pub(crate) fn screen(
        &mut self,
        names: &[&'static str],
        built: Vec<Result<Built>>,
    ) -> Vec<Screened> {
        self.screen_against(names, built, None)
    }

    /// [`Reducer::screen`], weighing the cost against `against` when one is
    /// given, not the best: a tree node past a guessed step is weighed
    /// against the module its branch reached, which is the best by the time
    /// the search gets there. (Weighed against the best, a statement whose
    /// removal gives the same bytes, its own repair, was answered "taken"
    /// from the cache, and the branch re-based onto the module it had: 187
    /// of a tree's 190 nodes on `simd-disabled` were that node, with one
    /// check in the tree.)
    pub(crate) fn screen_against(
        &mut self,
        names: &[&'static str],
        built: Vec<Result<Built>>,
        against: Option<&Module>,
    ) -> Vec<Screened> {
        let start = Instant::now();
        let bar_cost = against.map_or(self.best_cost, cost);
        let mut screened = Vec::with_capacity(built.len());
        for (candidate, &name) in built.into_iter().zip(names) {
            self.pass_stats(name).candidates += 1;
            let mut j = Judged {
                module: None,
                cost: 0,
                complexity: None,
                interesting: false,
                ran: false,
                unanswered: false,
            };
            let Ok(Built {
                module: candidate,
                validity,
                key,
            }) = candidate
            else {
                self.stats.unrepairable_skipped += 1;
                screened.push(Screened::decided(j));
                continue;
            };
            j.cost = cost(&candidate);
            if j.cost == bar_cost {
                let bar = match against {
                    Some(module) => self.complexities.complexity(module),
                    None => *self
                        .best_complexity
                        .get_or_insert_with(|| self.complexities.complexity(&self.best)),
                };
                let c = self.complexities.complexity(&candidate);
                if c >= bar {
                    self.stats.not_smaller_skipped += 1;
                    screened.push(Screened::decided(j));
                    continue;
                }
                j.complexity = Some(c);
            } else if j.cost > bar_cost {
                self.stats.not_smaller_skipped += 1;
                screened.push(Screened::decided(j));
                continue;
            }
            let key = key.unwrap_or_else(|| Gate::key(&candidate.bytes));
            let needs_oracle = match self.gate.decide_validated(key, &candidate.bytes, validity) {
                GateDecision::Cached(answer) => {
                    self.stats.cache_hits += 1;
                    j.interesting = answer;
                    None
                }
                GateDecision::Invalid => {
                    self.stats.invalid_skipped += 1;
                    None
                }
                GateDecision::Run => Some(key),
            };
            j.module = Some(candidate);
            screened.push(Screened {
                judged: j,
                needs_oracle,
            });
        }
        if let Some(&pass) = names.first() {
            // Gating counts as the first pass's own work.
            self.pass_stats(pass).build_time += start.elapsed();
        }
        screened
    }

    /// Run the screened candidates that need the oracle (on the pool's
    /// workers; one run for candidates with the same bytes) and record the
    /// answers. For a batch built on guesses, as answers come in, a check
    /// whose answer is no longer `needed` (see [`StillNeeded`]) is stopped
    /// rather than waited for (a wasted candidate of a giant function
    /// compiles for seconds). With [`Until::Walkable`] the batch returns
    /// as soon as one of its answers is in and a worker is free, leaving
    /// the rest running for the next batch (see `pool.rs`). A stopped or
    /// still running check leaves no answer ([`Judged::unanswered`]).
    pub(crate) fn run_screened(
        &mut self,
        names: &[&'static str],
        screened: Vec<Screened>,
        needed: Option<&StillNeeded<'_>>,
        until: Until,
    ) -> Result<Vec<Judged>> {
        if let Some(mut pool) = self.pool.take() {
            let judged = self.run_on(&mut pool, names, screened, needed, until);
            self.pool = Some(pool);
            return judged;
        }
        // Outside `Reducer::run`: workers for this batch alone, which
        // leaves nothing running.
        let interesting = self.interesting;
        let workers = self.opts.jobs.max(1);
        std::thread::scope(|scope| {
            let (mut pool, _closer) = Pool::start(scope, workers, interesting, None, None);
            self.run_on(&mut pool, names, screened, needed, Until::All)
        })
    }

    /// Start the check of a candidate as soon as it is built, while fewer
    /// than `jobs` checks run, rather than once its whole batch is: a tree
    /// batch (`ddmin_tree.rs`) builds its nodes one after the other, and
    /// its first node is the one the search asks next. When the batch
    /// runs, it finds the check running and waits for it (`run_on`); a
    /// check the batch no longer needs is stopped there like any other.
    pub(crate) fn start_while_free(
        &mut self,
        name: &'static str,
        key: Key,
        module: &Arc<Module>,
        jobs: usize,
    ) {
        let Some(pool) = self.pool.as_mut() else {
            return;
        };
        if pool.running.len() < jobs && !pool.running.contains_key(&key) {
            pool.start_check(key, name, Arc::clone(module));
        }
    }

    fn run_on(
        &mut self,
        pool: &mut Pool,
        names: &[&'static str],
        screened: Vec<Screened>,
        needed: Option<&StillNeeded<'_>>,
        until: Until,
    ) -> Result<Vec<Judged>> {
        let start = Instant::now();
        // How long this call waited for checks to end.
        let mut waited = Duration::ZERO;
        // The positions that need the oracle, by key: the first runs, the
        // others (the same bytes) take its answer.
        let mut positions: HashMap<Key, Vec<usize>> = HashMap::new();
        let mut keys: Vec<Key> = Vec::new();
        for (i, s) in screened.iter().enumerate() {
            let Some(key) = s.needs_oracle else { continue };
            let at = positions.entry(key).or_default();
            if at.is_empty() {
                keys.push(key);
            } else {
                self.stats.cache_hits += 1;
            }
            at.push(i);
        }
        // The answers known so far, by position: the screen's now, the
        // oracle's as they come.
        let mut known: Vec<Option<bool>> = screened
            .iter()
            .map(|s| s.needs_oracle.is_none().then_some(s.judged.interesting))
            .collect();
        let mut judged: Vec<Judged> = screened.into_iter().map(|s| s.judged).collect();
        // What the screen knew can already rule candidates out (a
        // bisection's lowest probe, prefetched and taken, leaves no other
        // probe to ask): those are not started.
        if let Some(needed) = needed {
            let needed = needed.needed(&known);
            keys.retain(|key| needed[positions[key][0]]);
            positions.retain(|_, at| needed[at[0]]);
        }
        // A batch with checks to start stops the running ones it does not
        // ask for: off its path, or further along it than what it asks
        // (another pass's candidate, prefetched), and so less urgent. A
        // batch with nothing to start leaves them be: they cost nothing
        // then, and may still be asked.
        if keys.iter().any(|key| !pool.running.contains_key(key)) {
            for (key, running) in &pool.running {
                if !positions.contains_key(key) && *key != FINAL_CHECK_KEY {
                    running.stop();
                }
            }
        }
        // Asked again while its earlier check, stopped, has not ended yet:
        // started again once that one has, unless it ended with its answer.
        let mut restart: Vec<Key> = Vec::new();
        for &key in &keys {
            match pool.running.get(&key) {
                Some(running) if running.stopped() => restart.push(key),
                Some(_) => {}
                None => start_check_of(pool, key, positions[&key][0], names, &judged),
            }
        }
        // Keys whose answer this batch still waits for.
        let mut waiting: Vec<Key> = keys;
        // An answer of this batch came in this call: the search can step,
        // or build further along its path.
        let mut learned = false;
        while !waiting.is_empty() {
            if until == Until::Walkable && learned && pool.running.len() < self.batch_size() {
                break;
            }
            let wait = Instant::now();
            let done = pool.wait().expect("the workers live as long as the pool");
            waited += wait.elapsed();
            if self.should_stop() {
                // Runs cut short by a stop request say nothing: remember
                // none of their answers (a checkpoint must not either).
                for running in pool.running.values() {
                    running.stop();
                }
                for j in &mut judged {
                    j.interesting = false;
                }
                break;
            }
            let (key, answer) = self.collect(pool, done)?;
            if let Some(k) = restart.iter().position(|&k| k == key) {
                restart.swap_remove(k);
                if answer.is_none() {
                    start_check_of(pool, key, positions[&key][0], names, &judged);
                    continue;
                }
                // The stop came too late to cut it short: its answer is
                // this batch's, not wasted (on `simd-disabled` at `-j 2`, a
                // check that had answered was started again).
                self.stats.speculation_wasted = self.stats.speculation_wasted.saturating_sub(1);
            }
            // Not asked by this batch, or stopped as no longer needed (it
            // counted as wasted; its answer, if it came, is cached).
            let Some(at) = positions.get(&key).filter(|_| waiting.contains(&key)) else {
                continue;
            };
            waiting.retain(|&k| k != key);
            learned |= answer.is_some();
            for &i in at {
                judged[i].ran = answer.is_some();
                judged[i].interesting = answer.unwrap_or(false);
                known[i] = answer;
            }
            if let Some(needed) = needed {
                let needed = needed.needed(&known);
                for (key, at) in &positions {
                    if !needed[at[0]] {
                        if let Some(running) = pool.running.get(key) {
                            running.stop();
                        }
                        waiting.retain(|k| k != key);
                        restart.retain(|k| k != key);
                    }
                }
            }
        }
        // Stopped, or still running: no answer.
        for (i, k) in known.iter().enumerate() {
            judged[i].unanswered = k.is_none();
        }
        // The oracle's time since the last batch counted it; each pass in
        // this batch gets its share.
        let busy = pool.busy_time();
        let oracle_time = busy.saturating_sub(pool.counted);
        pool.counted = busy;
        self.stats.oracle_time += oracle_time;
        if !positions.is_empty() {
            let share = oracle_time / positions.len() as u32;
            for at in positions.values() {
                self.pass_stats(names[at[0]]).oracle_time += share;
            }
        }
        if let Some(&pass) = names.first() {
            // Bookkeeping counts as the first pass's own work.
            self.pass_stats(pass).build_time += start.elapsed().saturating_sub(waited);
            (self.on_event)(Event::Tick {
                pass,
                stats: &self.stats,
            })?;
        }
        Ok(judged)
    }

    /// Record a check that ended: the call in the statistics, its answer in
    /// the cache. Its key and answer (`None`: stopped, before it started or
    /// while it ran).
    pub(crate) fn collect(&mut self, pool: &mut Pool, done: Done) -> Result<(Key, Option<bool>)> {
        let running = pool.running.remove(&done.key).expect("a check started");
        if done.key == FINAL_CHECK_KEY {
            // Not a candidate's: its verdict, if it has one, is the
            // caller's to keep (an error is the caller's to meet again,
            // when it checks the result itself).
            return Ok((done.key, None));
        }
        let Some(answer) = done.answer else {
            return Ok((done.key, None));
        };
        self.stats.oracle_calls += 1;
        self.pass_stats(running.pass).oracle_calls += 1;
        let answer = match answer {
            // Stopped off the path: no answer to remember.
            Err(_) if running.stopped() => None,
            answer => Some(answer?),
        };
        if running.stopped() {
            // Asked by no batch any more when it ended.
            self.stats.speculation_wasted += 1;
        }
        if let Some(answer) = answer {
            self.gate.remember_key(done.key, answer);
            (self.on_event)(Event::Answer {
                key: done.key,
                interesting: answer,
            })?;
        }
        Ok((done.key, answer))
    }

    /// Record the checks that ended since the last batch (their answers go
    /// to the cache, where the screen finds them).
    pub(crate) fn collect_ended(&mut self) -> Result<()> {
        let Some(mut pool) = self.pool.take() else {
            return Ok(());
        };
        let mut collected = Ok(());
        while let Some(done) = pool.ended() {
            if let Err(e) = self.collect(&mut pool, done) {
                collected = Err(e);
                break;
            }
        }
        self.pool = Some(pool);
        collected
    }
}

/// Start the check of the batch's candidate at position `i`, whose key is
/// `key`.
fn start_check_of(pool: &mut Pool, key: Key, i: usize, names: &[&'static str], judged: &[Judged]) {
    let module = Arc::clone(judged[i].module.as_ref().expect("built"));
    pool.start_check(key, names[i], module);
}

/// Whether `m`, the candidate `edit` gives on `base`, is valid, checking
/// no more than the edit can have broken: nothing when it keeps validity,
/// the declarations when it leaves the bodies as valid as the base's, the
/// new bodies alone (against the base's declarations, shared by the bases
/// that differ from it only in bodies) when it changes only bodies, else
/// the whole module. Only a valid base vouches for what the edit keeps.
fn validity_of(base: &Module, base_valid: bool, edit: &Edit, m: &Module) -> Validity {
    if !base_valid {
        return validate(&m.bytes);
    }
    if edit.keeps_validity() {
        return Validity::Valid;
    }
    if edit.leaves_bodies_valid(base) {
        return validate_declarations(&m.bytes);
    }
    match edit.only_bodies().then(|| base.declarations()).flatten() {
        Some(declarations) => declarations.validate_bodies(&edit.bodies),
        None => validate(&m.bytes),
    }
}

/// How long a batch waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Until {
    /// For every answer it still needs.
    All,
    /// Until one of its answers is in and a worker is free: the search
    /// steps as far as the answers go, or builds further along its path
    /// on them, and asks again for what is still running.
    Walkable,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::tests::options;
    use crate::driver::{Event, Reducer};
    use std::ffi::OsString;
    use std::path::Path;
    use whittle_oracle::{run, RunLimits};

    fn module(wat: &str) -> Module {
        Module::parse(wat::parse_str(wat).unwrap()).unwrap()
    }

    const KEEPS_THE_CALL: &str = r#"(module (import "env" "bug" (func $bug)) (func call $bug))"#;
    const LOSES_IT: &str = r#"(module (func))"#;

    /// Screen `modules` and run them as one batch of the test pass,
    /// predicted `predicted` (a path) if given.
    fn ask(
        reducer: &mut Reducer<'_>,
        modules: Vec<Module>,
        predicted: Option<&[bool]>,
        until: Until,
    ) -> Vec<Judged> {
        let names = vec!["test"; modules.len()];
        let built = modules
            .into_iter()
            .map(|m| Ok(Built::unchecked(m)))
            .collect();
        let screened = reducer.screen(&names, built);
        let needed = predicted.map(StillNeeded::Path);
        reducer
            .run_screened(&names, screened, needed.as_ref(), until)
            .unwrap()
    }

    /// A reducer at `-j 2` of a module that calls `$bug`, with no passes.
    fn two_jobs<'a>(
        interesting: &'a crate::Interesting<'a>,
        on_event: &'a mut crate::OnEvent<'a>,
    ) -> Reducer<'a> {
        let original = module(
            r#"(module (import "env" "bug" (func $bug)) (func call $bug nop nop nop) (func))"#,
        );
        Reducer::new(original, options(2, Vec::new(), 0), interesting, on_event)
    }

    /// A batch predicted [no, no] whose first answer is yes: the second
    /// candidate (a check of 30 s) is off the path, and is stopped (or,
    /// had its turn not come yet, never started) with no answer recorded.
    #[test]
    fn a_check_past_a_wrong_prediction_is_stopped() {
        let interesting = |bytes: &[u8]| -> Result<bool> {
            if wasmprinter::print_bytes(bytes)?.contains("call $bug") {
                return Ok(true);
            }
            let slow = RunLimits::default();
            run(Path::new("sleep"), &[OsString::from("30")], None, &slow).map(|_| false)
        };
        let mut answers = 0;
        let mut on_event = |e: Event<'_>| -> Result<()> {
            answers += usize::from(matches!(e, Event::Answer { .. }));
            Ok(())
        };
        let mut reducer = two_jobs(&interesting, &mut on_event);
        let judged = ask(
            &mut reducer,
            vec![module(KEEPS_THE_CALL), module(LOSES_IT)],
            Some(&[false, false]),
            Until::Walkable,
        );
        assert!(judged[0].interesting && !judged[0].unanswered);
        assert!(judged[1].unanswered && !judged[1].interesting);
        let calls = reducer.stats.oracle_calls;
        drop(reducer);
        assert_eq!(answers, 1);
        // The stopped check counts as a call if it had started.
        assert!((1..=2).contains(&calls), "{calls}");
    }

    /// A candidate that the answers the screen already knows rule out is
    /// not started: here the first candidate's answer is cached, and is not
    /// the predicted one, so the second is off the path before anything
    /// runs.
    #[test]
    fn a_candidate_ruled_out_by_a_cached_answer_is_not_started() {
        let interesting = |bytes: &[u8]| -> Result<bool> {
            Ok(wasmprinter::print_bytes(bytes)?.contains("call $bug"))
        };
        let mut on_event = |_: Event<'_>| -> Result<()> { Ok(()) };
        let mut reducer = two_jobs(&interesting, &mut on_event);
        ask(&mut reducer, vec![module(KEEPS_THE_CALL)], None, Until::All);
        assert_eq!(reducer.stats.oracle_calls, 1);
        let judged = ask(
            &mut reducer,
            vec![module(KEEPS_THE_CALL), module(LOSES_IT)],
            Some(&[false, false]),
            Until::All,
        );
        assert!(judged[0].interesting && !judged[0].unanswered);
        assert!(judged[1].unanswered && !judged[1].ran);
        assert_eq!(reducer.stats.oracle_calls, 1);
    }

    /// An in-process check: a module that calls `$bug` fails at once;
    /// any other is counted in `slow_runs` and answers "no" after 300 ms,
    /// heeding no stop.
    fn slow_unless_it_calls_bug(
        slow_runs: &std::sync::atomic::AtomicUsize,
    ) -> impl Fn(&[u8]) -> Result<bool> + Sync + '_ {
        move |bytes: &[u8]| -> Result<bool> {
            if wasmprinter::print_bytes(bytes)?.contains("call $bug") {
                return Ok(true);
            }
            slow_runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(300));
            Ok(false)
        }
    }

    /// A batch returns when its first answer is in and a worker is free,
    /// its slow check still running; the next batch that asks for the same
    /// candidate waits for that check instead of starting it again, and
    /// the free worker meanwhile runs the other candidate.
    #[test]
    fn a_check_still_running_is_awaited_by_the_next_batch_not_run_again() {
        let slow_runs = std::sync::atomic::AtomicUsize::new(0);
        let interesting = slow_unless_it_calls_bug(&slow_runs);
        let mut on_event = |_: Event<'_>| -> Result<()> { Ok(()) };
        let mut reducer = two_jobs(&interesting, &mut on_event);
        let keeps_it_too = r#"(module (import "env" "bug" (func $bug)) (func call $bug nop))"#;
        std::thread::scope(|scope| {
            let (pool, _closer) = Pool::start(scope, 2, &interesting, None, None);
            reducer.pool = Some(pool);
            let first = ask(
                &mut reducer,
                vec![module(KEEPS_THE_CALL), module(LOSES_IT)],
                Some(&[true, false]),
                Until::Walkable,
            );
            assert!(first[0].interesting && !first[0].unanswered);
            assert!(first[1].unanswered, "the slow check was waited for");
            assert_eq!(reducer.pool.as_ref().unwrap().running.len(), 1);
            let second = ask(
                &mut reducer,
                vec![module(LOSES_IT), module(keeps_it_too)],
                Some(&[false, true]),
                Until::All,
            );
            assert!(!second[0].interesting && !second[0].unanswered);
            assert!(second[1].interesting && !second[1].unanswered);
            reducer.pool = None;
        });
        assert_eq!(reducer.stats.oracle_calls, 3);
        drop(reducer);
        assert_eq!(slow_runs.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    /// A candidate whose check was stopped off the path, asked again before
    /// that check ended, is run again once it has (not taken for running,
    /// which would wait forever for an answer that never comes).
    #[test]
    fn a_stopped_check_asked_again_runs_again() {
        let interesting = |bytes: &[u8]| -> Result<bool> {
            if wasmprinter::print_bytes(bytes)?.contains("call $bug") {
                return Ok(true);
            }
            let slow = RunLimits::default();
            run(Path::new("sleep"), &[OsString::from("0.3")], None, &slow).map(|_| false)
        };
        let mut on_event = |_: Event<'_>| -> Result<()> { Ok(()) };
        let mut reducer = two_jobs(&interesting, &mut on_event);
        std::thread::scope(|scope| {
            let (pool, _closer) = Pool::start(scope, 2, &interesting, None, None);
            reducer.pool = Some(pool);
            let first = ask(
                &mut reducer,
                vec![module(KEEPS_THE_CALL), module(LOSES_IT)],
                Some(&[false, false]),
                Until::All,
            );
            assert!(first[1].unanswered);
            let again = ask(&mut reducer, vec![module(LOSES_IT)], None, Until::All);
            assert!(!again[0].unanswered && !again[0].interesting);
            reducer.pool = None;
        });
    }

    /// A candidate whose check was stopped off the path but ran to its
    /// answer anyway (the stop came too late), asked again before it
    /// ended, takes that answer: it is not run a second time.
    #[test]
    fn a_stopped_check_that_still_answers_is_not_run_again() {
        let slow_runs = std::sync::atomic::AtomicUsize::new(0);
        // A check that does not heed the stop, as one near its end does
        // not in time.
        let interesting = slow_unless_it_calls_bug(&slow_runs);
        let mut on_event = |_: Event<'_>| -> Result<()> { Ok(()) };
        let mut reducer = two_jobs(&interesting, &mut on_event);
        std::thread::scope(|scope| {
            let (pool, _closer) = Pool::start(scope, 2, &interesting, None, None);
            reducer.pool = Some(pool);
            let first = ask(
                &mut reducer,
                vec![module(KEEPS_THE_CALL), module(LOSES_IT)],
                Some(&[false, false]),
                Until::All,
            );
            assert!(first[1].unanswered);
            assert_eq!(reducer.pool.as_ref().unwrap().running.len(), 1);
            let again = ask(&mut reducer, vec![module(LOSES_IT)], None, Until::All);
            assert!(!again[0].unanswered && !again[0].interesting);
            reducer.pool = None;
        });
        assert_eq!(reducer.stats.oracle_calls, 2);
        assert_eq!(reducer.stats.speculation_wasted, 0);
        drop(reducer);
        assert_eq!(slow_runs.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
