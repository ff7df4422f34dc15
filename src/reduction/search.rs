//! The search proper: the reducer runs the passes from the origin, and
//! around it whittle keeps its promises: every new best on disk (on the
//! writer's thread; an existing repro is only replaced by something
//! smaller), the checkpoint at every pass and answer, progress lines and
//! `-v` candidate lines, `--confirm`, the openings a fresh run tries first,
//! and the time budget. While the original's last re-runs still run beside
//! it (`beside.rs`), the writes wait (`held_writes.rs`).

use super::clock::OracleClock;
use super::held_writes::{HeldWrites, OriginalFlaky, PendingReruns};
use super::request::Reduction;
use super::setup::Setup;
use super::start::{Origin, Start};
use crate::best_writer::BestWriter;
use crate::checkpoint::{self, Checkpoint, PassStartWrite};
use crate::final_check::RecentBests;
use crate::flaky::Confirmer;
use crate::progress::{CandidateLog, Progress};
use crate::result_files;
use anyhow::Result;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use whittle_module::Module;
use whittle_oracle::{Established, Judge, Verdict};
use whittle_reduce::{Event, Gate, Opening, Reducer, ReducerOptions, Stats};

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
    /// The verdict of the final check made beside the finishing stage, and
    /// the cache key of the module it judged (see
    /// [`Reducer::check_result_beside_mutants`]).
    pub result_verdict: Option<((u64, usize), Verdict)>,
    /// The writer of bests, maybe still writing the last ones.
    writer: BestWriter,
}

impl Found {
    /// Wait until every best is on disk; a failed write, explained. Waited
    /// for after the final check rather than before it, the last fsyncs
    /// overlap its oracle run (they kept a small reduction waiting 3–12
    /// ms).
    pub(super) fn on_disk(&self, output: &std::path::Path) -> Result<()> {
        self.writer
            .flush()
            .map_err(|e| result_files::explain_full_disk(e, output, self.writer.written() > 0))
    }
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
            beside,
            original_runs,
        } = start;
        let judge: &Judge = judge;
        // The original's re-runs still running (`beside.rs`): what the
        // search writes waits for them.
        let reruns = beside
            .original()
            .filter(|_| beside.reruns_unjudged())
            .map(|original| PendingReruns {
                beside: std::mem::take(beside),
                judge,
                runs: *original_runs,
                original,
                clock: OracleClock::default(),
                held: HeldWrites::default(),
            });
        let jobs_held = reruns.as_ref().map(|r| r.beside.jobs_held());
        let check_load = Arc::clone(&judge.oracle.load);
        let confirmer = Confirmer::new(self.confirm, checkpoint.rejected_on_confirmation());
        // The pass running now, for `-v` lines (candidates are judged on
        // worker threads; the pass comes from the driver's events).
        // Before the first pass (the culprit stage) it has no name: `-`.
        let current_pass = Mutex::new("-".to_string());
        let best_writer = BestWriter::start(setup.output.clone());
        let mut events = Events {
            checkpoint,
            state: first_state(setup, established),
            best_writer: &best_writer,
            confirmer: &confirmer,
            current_pass: &current_pass,
            progress: Progress::new(self.quiet, self.verbose, before.bytes, setup.started),
            existing,
            written: false,
            recent_bests: RecentBests::default(),
            trace_dir: std::env::var_os("WHITTLE_TRACE_BESTS").map(PathBuf::from),
            deferred_state: None,
            state_queued: Instant::now(),
            reruns,
            reruns_oracle_time: Duration::ZERO,
        };
        let candidates = Candidates {
            judge,
            confirmer: &confirmer,
            current_pass: &current_pass,
            log: CandidateLog {
                level: self.verbose,
                started: setup.started,
            },
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
        let interesting = |bytes: &[u8]| candidates.interesting(bytes);
        // The final check of the result, beside the finishing stage's
        // checks (from 2 jobs): as `settle.rs` makes it, with the result's
        // memory measured alone; not under a resource bound, whose
        // readings are taken with nothing beside them.
        let result_judge = (setup.jobs > 1 && !judge.criterion.is_resource_bound())
            .then(|| -> Result<Judge> {
                let mut result_judge = judge.clone();
                crate::oracle_opts::measure_memory_alone(&mut result_judge.oracle)?;
                Ok(result_judge)
            })
            .transpose()?;
        let result_verdict = Mutex::new(None);
        let final_check = |bytes: &[u8]| -> Result<()> {
            if let Some(result_judge) = &result_judge {
                let verdict = result_judge.recheck(bytes)?;
                *result_verdict.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((Gate::key(bytes), verdict));
            }
            Ok(())
        };
        let mut on_event = |event: Event<'_>| events.on(event);
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
                check_load: Some(check_load),
                jobs_held,
            },
            &interesting,
            &mut on_event,
        );
        if result_judge.is_some() {
            reducer.check_result_beside_mutants(&final_check);
        }
        // The bests still being written go on while the final check runs:
        // `Found::on_disk` waits for them before the output is read or
        // written again. (A failed write reaches the driver at the next
        // new best.)
        let best = match reducer.run().cloned() {
            Ok(best) => best,
            Err(e) => {
                drop(reducer);
                events.progress.finish();
                if e.is::<OriginalFlaky>() {
                    // Nothing of this run was written.
                    return Err(e);
                }
                let _ = events.queue_deferred_state();
                let _ = best_writer.flush();
                return Err(result_files::explain_full_disk(
                    e,
                    &setup.output,
                    best_writer.written() > 0,
                ));
            }
        };
        let stats = reducer.stats.clone();
        // Ctrl-C also cuts short the final check that runs beside the last
        // stage (the driver may not have seen the signal yet when it ends):
        // the result is then unchecked, and the run stopped early.
        let interrupted = crate::interrupt::requested();
        let stopped_early = reducer.out_of_time || interrupted;
        drop(reducer);
        if let Err(e) = events.settle_reruns(true) {
            events.progress.finish();
            return Err(e);
        }
        clock.total += events.reruns_oracle_time;
        events.queue_deferred_state()?;
        drop(budget_watch);
        events.progress.finish();
        Ok(Found {
            best,
            stats,
            stopped_early,
            interrupted,
            written: events.written,
            recent_bests: events.recent_bests,
            confirmation_runs: confirmer.extra_runs.load(Ordering::Relaxed),
            confirmation_rejected: confirmer.rejected.load(Ordering::Relaxed),
            result_verdict: result_verdict
                .into_inner()
                .unwrap_or_else(|e| e.into_inner()),
            writer: best_writer,
        })
    }

    /// The guesses a fresh run tries once before the passes (none with
    /// `--no-hints`). The execution hint's cut keeps every index, so it
    /// goes first.
    fn openings(
        &self,
        module: &Module,
        established: &Established,
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

/// What the checkpoint records of this run, at the first pass of the
/// first round.
fn first_state(setup: &Setup, established: &Established) -> checkpoint::State {
    checkpoint::State {
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
    }
}

/// What the search does with the driver's events: the checkpoint at every
/// pass and answer, every new best to disk (unless an existing repro is
/// not larger), the progress lines.
struct Events<'a> {
    checkpoint: &'a mut Checkpoint,
    /// What the checkpoint records at each pass's start.
    state: checkpoint::State,
    best_writer: &'a BestWriter,
    confirmer: &'a Confirmer,
    current_pass: &'a Mutex<String>,
    progress: Progress,
    /// The size of an output that already fails the same way.
    existing: Option<usize>,
    /// A best was written to the output.
    written: bool,
    recent_bests: RecentBests,
    /// `WHITTLE_TRACE_BESTS`: a folder for every intermediate best.
    trace_dir: Option<PathBuf>,
    /// The newest pass start whose base the checkpoint already holds, not
    /// queued yet (see [`STATE_EVERY`]).
    deferred_state: Option<PassStartWrite>,
    /// When the last pass start was queued.
    state_queued: Instant,
    /// The original's re-runs still running beside the search, and until
    /// they agree, the writes held back (`held_writes.rs`).
    reruns: Option<PendingReruns<'a>>,
    /// The time in the oracle of the re-runs, once they are in.
    reruns_oracle_time: Duration,
}

/// A pass start that only moves the checkpoint's position (its base is the
/// one written before) is queued at most this often; the newest of those
/// in between waits (`Events::deferred_state`). Writing each one made a
/// file and renamed it over `state.json`: on a corpus case at `-j 2`, a
/// sixth of whittle's own CPU time, taken from the checks that ran beside
/// it. A kill loses at most this much of the position, and nothing else:
/// `--resume` replays the passes in between from `answers.log`, without
/// the oracle.
const STATE_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

impl Events<'_> {
    fn on(&mut self, event: Event<'_>) -> Result<()> {
        self.settle_reruns(false)?;
        match event {
            Event::PassStart {
                pass,
                base,
                position,
            } => {
                *self.current_pass.lock().unwrap_or_else(|e| e.into_inner()) = pass.to_string();
                self.state.position = position.clone();
                match &mut self.reruns {
                    Some(pending) => pending.held.pass_start_base = Some(Arc::clone(base)),
                    None => self.write_pass_start(&base.bytes)?,
                }
            }
            Event::Answer { key, interesting } => {
                let rejected = self.confirmer.take_rejected(key);
                match &mut self.reruns {
                    Some(pending) => pending.held.answers.push((key, interesting, rejected)),
                    None => self.write_answer(key, interesting, rejected)?,
                }
            }
            Event::NewBest {
                module,
                pass,
                stats,
            } => {
                if let Some(dir) = &self.trace_dir {
                    // Debugging aid: every intermediate best, numbered.
                    let n = std::fs::read_dir(dir).map_or(0, |d| d.count());
                    std::fs::write(dir.join(format!("{n:04}-{pass}.wasm")), &module.bytes)?;
                }
                if self.existing.is_none_or(|size| module.bytes.len() < size) {
                    match &mut self.reruns {
                        Some(pending) => pending.held.best = Some(module.bytes.clone()),
                        None => {
                            self.best_writer.write(&module.bytes)?;
                            self.written = true;
                        }
                    }
                    self.recent_bests.push(&module.bytes);
                }
                self.progress.new_best(module.bytes.len(), pass, stats);
            }
            Event::Tick { pass, stats } => self.progress.tick(pass, stats),
            Event::OpeningRefused { name, why } => self.progress.opening_refused(name, &why),
        }
        Ok(())
    }
}

impl Events<'_> {
    /// A pass starts from `base` at the state's position: its base is
    /// written at once (after the bests queued before it), a position
    /// alone at most every `STATE_EVERY`.
    fn write_pass_start(&mut self, base: &[u8]) -> Result<()> {
        // Written after the bests queued so far (the base may be the
        // newest), off this thread.
        let write = self.checkpoint.pass_start(&self.state, base)?;
        if write.carries_base() || self.state_queued.elapsed() >= STATE_EVERY {
            self.deferred_state = None;
            self.queue_state(write)?;
        } else {
            self.deferred_state = Some(write);
        }
        Ok(())
    }

    fn write_answer(&mut self, key: (u64, usize), interesting: bool, rejected: bool) -> Result<()> {
        self.checkpoint.answer(key, interesting, rejected)?;
        if self.state_queued.elapsed() >= STATE_EVERY {
            self.queue_deferred_state()?;
        }
        Ok(())
    }

    /// Once every re-run of the original is in (with `wait`, waiting for
    /// them) and agrees with its first run, write what was held back, as
    /// it would have been written; `Err(OriginalFlaky)` when one does not.
    fn settle_reruns(&mut self, wait: bool) -> Result<()> {
        let Some(reruns) = &mut self.reruns else {
            return Ok(());
        };
        if !reruns.agreed(wait)? {
            return Ok(());
        }
        self.reruns_oracle_time += reruns.clock.total;
        let held = std::mem::take(&mut reruns.held);
        self.reruns = None;
        if let Some(best) = held.best {
            self.best_writer.write(&best)?;
            self.written = true;
        }
        if let Some(base) = held.pass_start_base {
            self.write_pass_start(&base.bytes)?;
        }
        for (key, interesting, rejected) in held.answers {
            self.write_answer(key, interesting, rejected)?;
        }
        Ok(())
    }

    fn queue_state(&mut self, write: PassStartWrite) -> Result<()> {
        self.state_queued = Instant::now();
        self.best_writer.then(Box::new(move || write.write()))
    }

    /// Queue the pass start held back, if any: when its time comes, and
    /// when the search ends (Ctrl-C, the time budget: the checkpoint is
    /// resumed from it).
    fn queue_deferred_state(&mut self) -> Result<()> {
        match self.deferred_state.take() {
            Some(write) => self.queue_state(write),
            None => Ok(()),
        }
    }
}

/// How the search judges a candidate (on the worker threads): the judge,
/// a `-v` line each, `--confirm`, and a check Ctrl-C cut short taken as a
/// no.
struct Candidates<'a> {
    judge: &'a Judge,
    confirmer: &'a Confirmer,
    current_pass: &'a Mutex<String>,
    log: CandidateLog,
}

impl Candidates<'_> {
    fn interesting(&self, bytes: &[u8]) -> Result<bool> {
        let judge = self.judge;
        let judged = if self.log.level > 0 {
            let t = Instant::now();
            let judged = judge.interesting_eval(bytes);
            let pass = self.current_pass.lock().unwrap_or_else(|e| e.into_inner());
            self.log.log(&pass, bytes.len(), t.elapsed(), &judged);
            judged.map(|(answer, _)| answer)
        } else {
            judge.interesting(bytes)
        };
        let judged = judged.and_then(|first| {
            self.confirmer
                .confirm(bytes, first, || judge.interesting(bytes))
        });
        match judged {
            Ok(answer) => Ok(answer),
            // A run cut short by Ctrl-C: the driver discards it.
            Err(_) if whittle_oracle::cancelled() => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use whittle_oracle::{Criterion, Signature};
    use whittle_reduce::Position;

    fn state() -> checkpoint::State {
        checkpoint::State {
            whittle_version: "test".into(),
            input_key: (1, 2),
            arguments: Vec::new(),
            criterion: Criterion::Failure {
                signature: Signature::predicate_exit_zero(),
            },
            original_outcome: whittle_oracle::Outcome::Ok,
            original_wall_seconds: 0.1,
            original_measured: Default::default(),
            position: Position {
                round: 1,
                pass_index: 0,
                round_start: (0, None),
                answers: Vec::new(),
            },
        }
    }

    fn pass_index_on_disk(output: &std::path::Path) -> u64 {
        let dir = Checkpoint::dir_for(output);
        let text = std::fs::read_to_string(dir.join("state.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        json["position"]["pass_index"].as_u64().unwrap()
    }

    /// A pass start that brings a new base is queued at once; one that
    /// only moves the position waits (for `STATE_EVERY`, or the end of the
    /// search), and the newest is the one written.
    #[test]
    fn a_pass_start_that_only_moves_the_position_waits_and_the_newest_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("out.wasm");
        let mut checkpoint = Checkpoint::create(&output);
        let best_writer = BestWriter::start(output.clone());
        let confirmer = Confirmer::new(1, 0);
        let current_pass = Mutex::new(String::new());
        let mut events = Events {
            checkpoint: &mut checkpoint,
            state: state(),
            best_writer: &best_writer,
            confirmer: &confirmer,
            current_pass: &current_pass,
            progress: Progress::new(true, 0, 8, Instant::now()),
            existing: None,
            written: false,
            recent_bests: RecentBests::default(),
            trace_dir: None,
            deferred_state: None,
            state_queued: Instant::now(),
            reruns: None,
            reruns_oracle_time: Duration::ZERO,
        };
        let base = Arc::new(Module::parse(wat::parse_str("(module (func))").unwrap()).unwrap());
        let pass_start = |events: &mut Events<'_>, pass_index| {
            let mut position = state().position;
            position.pass_index = pass_index;
            events
                .on(Event::PassStart {
                    pass: "p",
                    base: &base,
                    position: &position,
                })
                .unwrap();
        };
        for pass_index in 0..5 {
            pass_start(&mut events, pass_index);
        }
        best_writer.flush().unwrap();
        // The first brought the base; the next four came within
        // `STATE_EVERY` of it.
        assert_eq!(pass_index_on_disk(&output), 0);
        assert!(events.deferred_state.is_some());
        events.queue_deferred_state().unwrap();
        best_writer.flush().unwrap();
        assert_eq!(pass_index_on_disk(&output), 4);
        // Once `STATE_EVERY` has passed, an answer queues the one waiting.
        pass_start(&mut events, 5);
        events.state_queued -= STATE_EVERY;
        events
            .on(Event::Answer {
                key: (7, 8),
                interesting: false,
            })
            .unwrap();
        best_writer.flush().unwrap();
        assert_eq!(pass_index_on_disk(&output), 5);
        assert!(events.deferred_state.is_none());
    }
}
