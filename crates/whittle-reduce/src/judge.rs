//! Judging candidates: build them (in parallel), refuse what cannot win
//! without an oracle call (not cheaper than the best, answered before by
//! the cache, invalid where the original was not), and run the rest through
//! the oracle in parallel. Nothing is accepted here: the caller takes the
//! first success in its own order, so decisions do not depend on timing.

use crate::cost::cost;
use crate::driver::{BaseDeclarations, Event, Judged, Reducer};
use crate::gate::{Gate, GateDecision};
use crate::parallel::parallel_map;
use crate::still_needed::StillNeeded;
use anyhow::Result;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use whittle_module::{
    candidate, validate, validate_declarations, BodyValidator, Edit, Module, Validity,
};
use whittle_oracle::stop_when;

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
    ) -> Vec<Result<(Module, Option<Validity>)>> {
        let best_cost = self.best_cost;
        let start = Instant::now();
        let key = Gate::key(&base.bytes);
        let declarations = match &self.base_declarations {
            Some((k, d)) if *k == key => Arc::clone(d),
            _ => {
                let d = BaseDeclarations::default();
                self.base_declarations = Some((key, Arc::clone(&d)));
                d
            }
        };
        // Every base is valid when the original is: the gate lets no
        // invalid candidate through then.
        let base_valid = self.gate.original_invalid().is_none();
        let built = parallel_map(self.opts.jobs, choices, |choice| {
            let edit = edit(choice)?;
            let m = candidate(base, &edit)?;
            // Validate here, in parallel, unless it cannot be accepted; a
            // candidate with new bodies only, by its new bodies alone.
            let validity = (cost(&m) <= best_cost).then(|| {
                // Its bodies as valid as the base's: only the rest is checked.
                if base_valid && edit.leaves_bodies_valid(base) {
                    return validate_declarations(&m.bytes);
                }
                let body_checker = edit
                    .only_bodies()
                    .then(|| {
                        declarations.get_or_init(|| match base_valid {
                            true => BodyValidator::of_valid(&base.bytes),
                            false => BodyValidator::new(&base.bytes),
                        })
                    })
                    .and_then(Option::as_ref);
                match body_checker {
                    Some(checker) => checker.validate_bodies(&edit.bodies),
                    None => validate(&m.bytes),
                }
            });
            Ok((m, validity))
        });
        self.pass_stats(name).build_time += start.elapsed();
        built
    }

    /// Cost-check, gate and run (in parallel) built candidates, against the
    /// current best, stopping the checks no longer `needed`; nothing is
    /// accepted here.
    pub(crate) fn judge(
        &mut self,
        name: &'static str,
        built: Vec<Result<(Module, Option<Validity>)>>,
        needed: Option<&StillNeeded<'_>>,
    ) -> Result<Vec<Judged>> {
        let names = vec![name; built.len()];
        let screened = self.screen(&names, built);
        self.run_screened(&names, screened, needed)
    }

    /// The checks that need no oracle: cost against the best, then the
    /// gate (cached answer, invalid). A candidate they decide has its
    /// answer in `interesting`; the others need the oracle.
    pub(crate) fn screen(
        &mut self,
        names: &[&'static str],
        built: Vec<Result<(Module, Option<Validity>)>>,
    ) -> Vec<Screened> {
        let start = Instant::now();
        let mut screened = Vec::with_capacity(built.len());
        for (candidate, &name) in built.into_iter().zip(names) {
            self.pass_stats(name).candidates += 1;
            let mut j = Judged {
                module: None,
                cost: 0,
                complexity: None,
                interesting: false,
                ran: false,
                stopped: false,
            };
            let Ok((candidate, validity)) = candidate else {
                self.stats.unrepairable_skipped += 1;
                screened.push(Screened::decided(j));
                continue;
            };
            j.cost = cost(&candidate);
            if j.cost == self.best_cost {
                let best = *self
                    .best_complexity
                    .get_or_insert_with(|| self.complexities.complexity(&self.best));
                let c = self.complexities.complexity(&candidate);
                if c >= best {
                    self.stats.not_smaller_skipped += 1;
                    screened.push(Screened::decided(j));
                    continue;
                }
                j.complexity = Some(c);
            } else if j.cost > self.best_cost {
                self.stats.not_smaller_skipped += 1;
                screened.push(Screened::decided(j));
                continue;
            }
            let key = Gate::key(&candidate.bytes);
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

    /// Run the screened candidates that need the oracle (in parallel; one
    /// run for candidates with the same bytes) and record the answers. For
    /// a batch built on guesses, as answers come in, a check whose answer
    /// is no longer `needed` (see [`StillNeeded`]) is stopped rather than
    /// waited for (a wasted candidate of a giant function compiles for
    /// seconds). A stopped check leaves no answer ([`Judged::stopped`]).
    pub(crate) fn run_screened(
        &mut self,
        names: &[&'static str],
        screened: Vec<Screened>,
        needed: Option<&StillNeeded<'_>>,
    ) -> Result<Vec<Judged>> {
        let start = Instant::now();
        let mut oracle_time = Duration::ZERO;
        // The candidates to run, each with its cache key.
        let mut to_run: Vec<(usize, (u64, usize))> = Vec::new();
        let mut first_of_key: HashMap<(u64, usize), usize> = HashMap::new();
        let mut duplicate_of: HashMap<usize, usize> = HashMap::new();
        for (i, s) in screened.iter().enumerate() {
            let Some(key) = s.needs_oracle else { continue };
            match first_of_key.get(&key) {
                Some(&first) => {
                    self.stats.cache_hits += 1;
                    duplicate_of.insert(i, first);
                }
                None => {
                    first_of_key.insert(key, i);
                    to_run.push((i, key));
                }
            }
        }
        // The answers known so far, by position: the screen's now, the
        // oracle's as they come.
        let known: Vec<Option<bool>> = screened
            .iter()
            .map(|s| s.needs_oracle.is_none().then_some(s.judged.interesting))
            .collect();
        let known = Mutex::new(known);
        let mut judged: Vec<Judged> = screened.into_iter().map(|s| s.judged).collect();
        if !to_run.is_empty() {
            let oracle_start = Instant::now();
            let inputs: Vec<&[u8]> = to_run
                .iter()
                .map(|&(i, _)| judged[i].module.as_ref().expect("built").bytes.as_slice())
                .collect();
            let stop_flags: Vec<Arc<AtomicBool>> = to_run.iter().map(|_| Arc::default()).collect();
            let interesting = self.interesting;
            let order: Vec<usize> = (0..to_run.len()).collect();
            // `None`: not run at all, no longer needed when its turn came.
            let answers = parallel_map(self.opts.jobs, &order, |&t| {
                if stop_flags[t].load(Ordering::SeqCst) {
                    return None;
                }
                let answer = stop_when(&stop_flags[t], || interesting(inputs[t]));
                if let (Some(needed), Ok(a)) = (needed, &answer) {
                    let mut known = known.lock().unwrap_or_else(|e| e.into_inner());
                    let i = to_run[t].0;
                    known[i] = Some(*a);
                    for (&dup, &first) in &duplicate_of {
                        if first == i {
                            known[dup] = Some(*a);
                        }
                    }
                    let needed = needed.needed(&known);
                    for (u, &(i, _)) in to_run.iter().enumerate() {
                        if !needed[i] {
                            stop_flags[u].store(true, Ordering::SeqCst);
                        }
                    }
                }
                Some(answer)
            });
            oracle_time = oracle_start.elapsed();
            self.stats.oracle_time += oracle_time;
            // Each pass in the batch gets its share of the wait.
            let share = oracle_time / to_run.len() as u32;
            for &(i, _) in &to_run {
                self.pass_stats(names[i]).oracle_time += share;
            }
            if self.should_stop() {
                // Runs cut short by a stop request say nothing: remember
                // none of their answers (a checkpoint must not either).
                for j in &mut judged {
                    j.interesting = false;
                }
                return Ok(judged);
            }
            for ((&(i, key), answer), flag) in to_run.iter().zip(answers).zip(&stop_flags) {
                let Some(answer) = answer else {
                    judged[i].stopped = true;
                    continue;
                };
                self.stats.oracle_calls += 1;
                self.pass_stats(names[i]).oracle_calls += 1;
                let answer = match answer {
                    // Stopped off the path: no answer to remember.
                    Err(_) if flag.load(Ordering::SeqCst) => {
                        judged[i].ran = true;
                        judged[i].stopped = true;
                        continue;
                    }
                    answer => answer?,
                };
                self.gate.remember_key(key, answer);
                (self.on_event)(Event::Answer {
                    key,
                    interesting: answer,
                })?;
                judged[i].interesting = answer;
                judged[i].ran = true;
            }
            for (dup, first) in duplicate_of {
                judged[dup].interesting = judged[first].interesting;
                judged[dup].stopped = judged[first].stopped;
            }
        }
        if let Some(&pass) = names.first() {
            // Bookkeeping counts as the first pass's own work.
            self.pass_stats(pass).build_time += start.elapsed().saturating_sub(oracle_time);
            (self.on_event)(Event::Tick {
                pass,
                stats: &self.stats,
            })?;
        }
        Ok(judged)
    }
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
        let original = module(
            r#"(module (import "env" "bug" (func $bug)) (func call $bug nop nop nop) (func))"#,
        );
        let mut reducer = Reducer::new(
            original,
            options(2, Vec::new(), 0),
            &interesting,
            &mut on_event,
        );
        let keeps_the_call =
            module(r#"(module (import "env" "bug" (func $bug)) (func call $bug))"#);
        let loses_it = module(r#"(module (func))"#);
        let names = ["test"; 2];
        let screened = reducer.screen(
            &names,
            vec![Ok((keeps_the_call, None)), Ok((loses_it, None))],
        );
        let predicted = [false, false];
        let judged = reducer
            .run_screened(&names, screened, Some(&StillNeeded::Path(&predicted)))
            .unwrap();
        assert!(judged[0].interesting && !judged[0].stopped);
        assert!(judged[1].stopped && !judged[1].interesting);
        let calls = reducer.stats.oracle_calls;
        drop(reducer);
        assert_eq!(answers, 1);
        // The stopped check counts as a call if it had started.
        assert!((1..=2).contains(&calls), "{calls}");
    }
}
