//! The search proper: the reducer runs the passes from the origin, and
//! around it whittle keeps its promises: every new best on disk (on the
//! writer's thread; an existing repro is only replaced by something
//! smaller), the checkpoint at every pass and answer, progress lines and
//! `-v` candidate lines, `--confirm`, the openings a fresh run tries first,
//! and the time budget.

use super::clock::OracleClock;
use super::request::Reduction;
use super::setup::Setup;
use super::start::{Origin, Start};
use crate::best_writer::BestWriter;
use crate::checkpoint;
use crate::final_check::RecentBests;
use crate::flaky::Confirmer;
use crate::progress::{CandidateLog, Progress};
use crate::result_files;
use anyhow::Result;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use whittle_module::Module;
use whittle_reduce::{Event, Opening, Reducer, ReducerOptions, Stats};

/// What the search leaves.
pub(super) struct Found {
    pub best: Module,
    pub stats: Stats,
    /// The time budget ran out, or Ctrl-C came, before the fixpoint.
    pub stopped_early: bool,
    /// Ctrl-C came.
    pub interrupted: bool,
    /// The output holds a best of this run.
    pub written: bool,
    /// The last bests written, for the final check to step back to.
    pub recent_bests: RecentBests,
    /// `--confirm`'s extra runs, and the candidates they turned down.
    pub confirmation_runs: u64,
    pub confirmation_rejected: u64,
}

impl Reduction {
    /// Run the reducer from `origin` until its fixpoint, the time budget or
    /// Ctrl-C (`stop`); `existing`: the size of an output that already
    /// fails the same way.
    pub(super) fn search(
        &self,
        setup: &Setup,
        start: &mut Start,
        origin: Origin,
        existing: Option<usize>,
        stop: Arc<AtomicBool>,
        clock: &mut OracleClock,
    ) -> Result<Found> {
        let Start {
            checkpoint,
            established,
            before,
            judge,
            timeout,
        } = start;
        let confirmer = Confirmer::new(self.confirm, checkpoint.rejected_on_confirmation());
        let mut progress = Progress::new(self.quiet, self.verbose, before.bytes, setup.started);
        // The pass running now, for `-v` lines (candidates are judged on
        // worker threads; the pass comes from the driver's events).
        // Before the first pass (the culprit stage) it has no name: `-`.
        let current_pass = Mutex::new("-".to_string());
        let candidate_log = CandidateLog {
            level: self.verbose,
            started: setup.started,
        };
        let mut written = false;
        let best_writer = BestWriter::start(setup.output.clone());
        let mut recent_bests = RecentBests::default();
        let mut state = checkpoint::State {
            whittle_version: env!("CARGO_PKG_VERSION").to_string(),
            input_key: setup.input_key,
            arguments: setup.arguments.clone(),
            criterion: established.criterion.clone(),
            original_outcome: established.outcome.clone(),
            original_wall_seconds: established.wall().as_secs_f64(),
            original_measured: established.measured.clone(),
            position: whittle_reduce::Position {
                round: 1,
                pass_index: 0,
                round_start: (0, None),
                answers: Vec::new(),
            },
        };
        let trace_dir = std::env::var_os("WHITTLE_TRACE_BESTS").map(PathBuf::from);
        let mut on_event = |event: Event<'_>| -> Result<()> {
            match event {
                Event::PassStart {
                    pass,
                    base,
                    position,
                } => {
                    *current_pass.lock().unwrap_or_else(|e| e.into_inner()) = pass.to_string();
                    state.position = position.clone();
                    // The best on disk before the checkpoint names a base
                    // that may be newer (and a failed write shows here, in
                    // order).
                    best_writer.flush()?;
                    checkpoint.pass_start(&state, &base.bytes)?;
                }
                Event::Answer { key, interesting } => {
                    checkpoint.answer(key, interesting, confirmer.take_rejected(key))?
                }
                Event::NewBest {
                    module,
                    pass,
                    stats,
                } => {
                    if let Some(dir) = &trace_dir {
                        // Debugging aid: every intermediate best, numbered.
                        let n = std::fs::read_dir(dir).map_or(0, |d| d.count());
                        std::fs::write(dir.join(format!("{n:04}-{pass}.wasm")), &module.bytes)?;
                    }
                    if existing.is_none_or(|size| module.bytes.len() < size) {
                        best_writer.write(&module.bytes)?;
                        written = true;
                        recent_bests.push(&module.bytes);
                    }
                    progress.new_best(module.bytes.len(), pass, stats);
                }
                Event::Tick { pass, stats } => progress.tick(pass, stats),
            }
            Ok(())
        };
        let interesting = |bytes: &[u8]| -> Result<bool> {
            let judged = if self.verbose > 0 {
                let t = Instant::now();
                let judged = judge.interesting_eval(bytes);
                let pass = current_pass.lock().unwrap_or_else(|e| e.into_inner());
                candidate_log.log(&pass, bytes.len(), t.elapsed(), &judged);
                judged.map(|(answer, _)| answer)
            } else {
                judge.interesting(bytes)
            };
            let judged = judged
                .and_then(|first| confirmer.confirm(bytes, first, || judge.interesting(bytes)));
            match judged {
                Ok(answer) => Ok(answer),
                // A run cut short by Ctrl-C: the driver discards it.
                Err(_) if whittle_oracle::cancelled() => Ok(false),
                Err(e) => Err(e),
            }
        };
        let openings = match origin.resume {
            None => self.openings(&origin.module, established, *timeout, clock),
            Some(_) => Vec::new(),
        };
        // The budget counts from the start, but checking the original is
        // never cut short (without it there is nothing to preserve): the
        // watch starts with the reduction proper.
        let deadline = self.time_budget.map(|b| setup.started + b);
        let budget_watch = deadline.map(crate::interrupt::BudgetWatch::start);
        let mut reducer = Reducer::new(
            origin.module,
            ReducerOptions {
                passes: setup.passes.clone(),
                deadline,
                max_rounds: None,
                mutate_budget: self.mutate_budget,
                jobs: setup.jobs,
                stop: Some(stop),
                openings,
                // On resume the reducer starts from the checkpoint's base:
                // the gate's rule comes from the input all the same.
                original_validity: Some(origin.original_validity),
                resume: origin.resume,
            },
            &interesting,
            &mut on_event,
        );
        let run = reducer.run().cloned();
        // Every best on disk before anything reads the output again.
        let on_disk = best_writer.flush();
        // (A failed write reaches the driver at the next new best.)
        let best = match run.and_then(|best| on_disk.map(|()| best)) {
            Ok(best) => best,
            Err(e) => {
                drop(reducer);
                progress.finish();
                return Err(result_files::explain_full_disk(
                    e,
                    &setup.output,
                    best_writer.written() > 0,
                ));
            }
        };
        let stats = reducer.stats.clone();
        let stopped_early = reducer.out_of_time;
        drop(reducer);
        drop(budget_watch);
        progress.finish();
        Ok(Found {
            best,
            stats,
            stopped_early,
            interrupted: crate::interrupt::requested(),
            written,
            recent_bests,
            confirmation_runs: confirmer.extra_runs.load(Ordering::Relaxed),
            confirmation_rejected: confirmer.rejected.load(Ordering::Relaxed),
        })
    }

    /// The guesses a fresh run tries once before the passes (none with
    /// `--no-hints`). The execution hint's cut keeps every index, so it
    /// goes first.
    fn openings(
        &self,
        module: &Module,
        established: &whittle_oracle::Established,
        timeout: std::time::Duration,
        clock: &mut OracleClock,
    ) -> Vec<Opening> {
        let mut openings: Vec<Opening> = Vec::new();
        if self.no_hints {
            return openings;
        }
        let say = |args: std::fmt::Arguments<'_>| {
            if self.verbose > 0 {
                self.say(args)
            }
        };
        let hint = clock.time(|| crate::hint::record_run(&self.oracle, module, timeout, &say));
        openings.extend(hint.cut);
        // Both of these remove functions: only one can be written
        // against the start's indices.
        let culprit = crate::culprit::culprit(&established.criterion, &established.outcome, module)
            .and_then(|f| Opening::keep_only(module, f));
        openings.extend(culprit.or(hint.remove));
        openings
    }
}
