//! The finishing stage: `wasm-mutate` in reduction mode, for shrinking
//! rewrites no pass knows (peephole rules, code motion).
//!
//! Most mutants are decided without the oracle (cached, invalid, not
//! smaller), so making them was most of the stage's time: each run of
//! `wasm-mutate` builds its rewrite rules again, 5 ms for the stage on a
//! 36-byte module, a third of whittle's own time in a reduction of 0.15 s.
//! So they are made seed by seed on a thread of their own ([`Mutants`]),
//! started with each round of passes on a small base: when the round
//! changes nothing (the last one), the stage finds them made, its judging
//! overlapping nothing but the round's own checks.
//!
//! That thread runs at idle priority (`SCHED_IDLE`): its work is a guess
//! (lost when the round changes its base), and at `-j` as many as the cores
//! it took CPU from the checks beside it (on a corpus case at `-j 2`, a
//! fifth of whittle's own CPU time). When the stage starts, it takes what
//! was made and makes the rest on a thread of normal priority, so that a
//! busy machine never leaves the stage waiting on idle time. Which mutants
//! are made, and the order they are judged in, depend on the module and
//! the seeds alone.

use crate::driver::Reducer;
use crate::judge::Built;
use crate::pool::FINAL_CHECK_KEY;
use anyhow::Result;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Arc;
use std::time::Instant;
use whittle_module::Module;

/// The stage's name in the statistics.
const NAME: &str = "wasm-mutate";

/// Mutants taken from one seed.
const PER_SEED: usize = 4;

/// Mutants are made ahead, with a round, only of a base at most this big:
/// the last rounds' bases are small, and the work is lost when the round
/// changes its base.
const AHEAD_MAX_BYTES: usize = 16 * 1024;

/// Mutants held made ahead of the judging at most (about).
const AHEAD_BUFFER_BYTES: usize = 4 << 20;

/// One seed's mutants.
struct Batch {
    seed: u64,
    mutants: Vec<Vec<u8>>,
}

/// The mutants of one module, a seed's at a time, from a thread that
/// stops when they are no longer wanted (this is dropped) or the budget is
/// made.
pub(crate) struct Mutants {
    of: Vec<u8>,
    budget: usize,
    /// Batches received from a thread that made them ahead, not judged yet.
    taken: VecDeque<Batch>,
    batches: Receiver<Batch>,
    /// Set when made ahead: the thread runs at idle priority, and stops
    /// before its next seed once this is set (the stage takes over).
    idle: Option<Arc<AtomicBool>>,
}

impl Mutants {
    /// Make the mutants of `of` from `first_seed` on, `made` of the budget
    /// made already; at idle priority when `idle` (ahead of the stage).
    fn start(of: Vec<u8>, budget: usize, first_seed: u64, made: usize, idle: bool) -> Mutants {
        // As many seeds ahead as a few MB of mutants hold: all of them for
        // the small modules made ahead, one for a large one.
        let ahead = (AHEAD_BUFFER_BYTES / (PER_SEED * of.len().max(1))).clamp(1, budget.max(1));
        let (sender, batches) = mpsc::sync_channel::<Batch>(ahead);
        let input = of.clone();
        let stop = idle.then(|| Arc::new(AtomicBool::new(false)));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("whittle-mutate".into())
            .spawn(move || {
                if stopped.is_some() {
                    lower_this_threads_priority();
                }
                let mut made = made;
                for seed in first_seed..=last_seed(budget) {
                    if made >= budget || stopped.as_ref().is_some_and(|s| s.load(Ordering::SeqCst))
                    {
                        return;
                    }
                    let mutants: Vec<Vec<u8>> = mutants_of(&input, seed)
                        .into_iter()
                        .take(budget - made)
                        .collect();
                    made += mutants.len();
                    if sender.send(Batch { seed, mutants }).is_err() {
                        return;
                    }
                }
            });
        if thread.is_err() {
            // No thread: no mutants (the receiver sees a closed channel).
            eprintln!("whittle: cannot start a thread for wasm-mutate; its stage is skipped");
        }
        Mutants {
            of,
            budget,
            taken: VecDeque::new(),
            batches,
            idle: stop,
        }
    }

    /// For the stage: what was made ahead, and the rest made at normal
    /// priority from the first seed not received.
    fn taken_over(mut self) -> Mutants {
        let Some(stop) = self.idle.take() else {
            return self;
        };
        stop.store(true, Ordering::SeqCst);
        loop {
            match self.batches.try_recv() {
                Ok(batch) => self.taken.push_back(batch),
                // Every seed made (the thread ended): nothing to take over.
                Err(TryRecvError::Disconnected) => return self,
                Err(TryRecvError::Empty) => break,
            }
        }
        let next_seed = self.taken.back().map_or(1, |batch| batch.seed + 1);
        let made = self.taken.iter().map(|batch| batch.mutants.len()).sum();
        // A seed the idle thread is making now is made again; its batch
        // goes nowhere (this receiver is dropped).
        let rest = Mutants::start(self.of, self.budget, next_seed, made, false);
        Mutants {
            taken: self.taken,
            ..rest
        }
    }

    /// The next seed's mutants, in seed order; `None` once all are judged.
    fn next_batch(&mut self) -> Option<Vec<Vec<u8>>> {
        match self.taken.pop_front() {
            Some(batch) => Some(batch.mutants),
            None => self.batches.recv().ok().map(|batch| batch.mutants),
        }
    }
}

/// Put the calling thread in the idle scheduling class: it runs only on a
/// core nothing else wants. (Not undone: an unprivileged thread cannot
/// leave that class, so the stage takes over on a thread of its own.)
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: pid 0 is the calling thread; the parameter is valid for
        // SCHED_IDLE. Failing leaves the thread as it was.
        unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
    }
}

impl Reducer<'_> {
    /// Start making the finishing stage's mutants of the best, at a
    /// round's start, when it is small (see the module docs).
    pub(crate) fn make_mutants_ahead(&mut self) {
        let budget = self.opts.mutate_budget;
        if budget == 0 || self.best.bytes.len() > AHEAD_MAX_BYTES {
            return;
        }
        if self
            .mutants
            .as_ref()
            .is_some_and(|m| m.of == self.best.bytes)
        {
            return;
        }
        self.mutants = Some(Mutants::start(self.best.bytes.clone(), budget, 1, 0, true));
    }

    /// The finishing stage: `wasm-mutate` in reduction mode, with fixed
    /// seeds (so runs are reproducible) and a budget of candidates. It finds
    /// shrinking rewrites no pass here knows (peephole rules, code motion).
    /// Returns whether it found a smaller module.
    pub(crate) fn mutate(&mut self) -> Result<bool> {
        self.stats.per_pass.entry(NAME.to_string()).or_default();
        let budget = self.opts.mutate_budget;
        if budget == 0 || self.should_stop() {
            return Ok(false);
        }
        let mutants = match self.mutants.take() {
            Some(made) if made.of == self.best.bytes => made.taken_over(),
            _ => Mutants::start(self.best.bytes.clone(), budget, 1, 0, false),
        };
        self.start_final_check()?;
        let found = self.judge_mutants(mutants);
        match found {
            Ok(false) if !self.should_stop() => self.wait_for_final_check()?,
            _ => self.stop_final_check(),
        }
        found
    }

    /// Judge the mutants, a seed's at a time, until one is accepted (then
    /// `true`), the budget is spent or a stop is requested.
    fn judge_mutants(&mut self, mut mutants: Mutants) -> Result<bool> {
        loop {
            let waited = Instant::now();
            let Some(batch) = mutants.next_batch() else {
                return Ok(false);
            };
            // Waiting for mutants is this stage's own work.
            self.pass_stats(NAME).build_time += waited.elapsed();
            let built: Vec<Result<Built>> = batch
                .into_iter()
                .map(|b| Module::parse(b).map(Built::unchecked))
                .collect();
            let judged = self.judge(NAME, built, None)?;
            if self.accept_first(NAME, judged)?.is_some() {
                return Ok(true);
            }
            if self.should_stop() {
                return Ok(false);
            }
        }
    }
}

/// The caller's final check of the result (see
/// [`Reducer::check_result_beside_mutants`]): started with the stage, on
/// the best it starts from; waited for when the stage takes nothing out,
/// so that the result is the best it checked; stopped otherwise.
impl Reducer<'_> {
    fn start_final_check(&mut self) -> Result<()> {
        if self.final_check.is_none() {
            return Ok(());
        }
        // One stopped at an earlier stage ends first (it holds the key).
        self.wait_for_final_check()?;
        if let Some(pool) = &mut self.pool {
            pool.start_final_check(Arc::clone(&self.best));
        }
        Ok(())
    }

    fn stop_final_check(&mut self) {
        if let Some(running) = self
            .pool
            .as_ref()
            .and_then(|pool| pool.running.get(&FINAL_CHECK_KEY))
        {
            running.stop();
        }
    }

    /// Collect what ends until the final check has.
    fn wait_for_final_check(&mut self) -> Result<()> {
        let Some(mut pool) = self.pool.take() else {
            return Ok(());
        };
        let mut waited = Ok(());
        while pool.running.contains_key(&FINAL_CHECK_KEY) {
            let Some(done) = pool.wait() else {
                break;
            };
            if let Err(e) = self.collect(&mut pool, done) {
                waited = Err(e);
                break;
            }
        }
        self.pool = Some(pool);
        waited
    }
}

/// The last seed tried: seeds that give no mutant do not count against the
/// budget, so a module `wasm-mutate` can do little with ends here.
fn last_seed(budget: usize) -> u64 {
    4 * budget as u64 + 16
}

/// Up to [`PER_SEED`] mutants of `input` from one seed (none if
/// `wasm-mutate` fails or panics on it).
fn mutants_of(input: &[u8], seed: u64) -> Vec<Vec<u8>> {
    std::panic::catch_unwind(|| {
        let mut wm = wasm_mutate::WasmMutate::default();
        wm.seed(seed)
            .fuel(1000)
            .reduce(true)
            .preserve_semantics(false);
        let mutants = match wm.run(input) {
            Ok(iter) => iter.take(PER_SEED).filter_map(Result::ok).collect(),
            Err(_) => Vec::new(),
        };
        mutants
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::driver::tests::options;
    use crate::driver::{Event, Reducer};
    use anyhow::Result;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Mutex;
    use std::time::Duration;
    use whittle_module::Module;

    /// From two jobs the caller's final check runs on the result while the
    /// finishing stage's checks run, last (and maybe on an earlier best a
    /// stage started from: here the stage takes the export out, so the
    /// search goes on to a next stage); at one job, never.
    #[test]
    fn the_result_is_checked_beside_the_mutants() {
        for jobs in [1, 2] {
            let original = Module::parse(
                wat::parse_str(
                    r#"(module
                         (import "env" "bug" (func $bug (param i32)))
                         (func (export "f") (param i32) (result i32)
                           local.get 0 i32.const 1 i32.add
                           i32.const 7 call $bug))"#,
                )
                .unwrap(),
            )
            .unwrap();
            let running = AtomicUsize::new(0);
            let interesting = |bytes: &[u8]| -> Result<bool> {
                running.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(30));
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(wasmprinter::print_bytes(bytes)?.contains("call $bug"))
            };
            let checked = Mutex::new(Vec::new());
            let beside = AtomicBool::new(false);
            // Whether a candidate's check runs within 2 s of its start.
            let final_check = |bytes: &[u8]| -> Result<()> {
                let start = std::time::Instant::now();
                while start.elapsed() < Duration::from_secs(2) {
                    if running.load(Ordering::SeqCst) > 0 {
                        beside.store(true, Ordering::SeqCst);
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                checked.lock().unwrap().push(bytes.to_vec());
                Ok(())
            };
            let mut on_event = |_: Event<'_>| -> Result<()> { Ok(()) };
            let passes = vec![whittle_passes::find("remove-instructions").unwrap()];
            let mut reducer = Reducer::new(
                original,
                options(jobs, passes, 20),
                &interesting,
                &mut on_event,
            );
            reducer.check_result_beside_mutants(&final_check);
            let best = reducer.run().unwrap().clone();
            let mutate_calls = reducer.stats.per_pass["wasm-mutate"].oracle_calls;
            drop(reducer);
            let checked = checked.into_inner().unwrap();
            if jobs == 1 {
                assert!(checked.is_empty());
            } else {
                let (last, earlier) = checked.split_last().expect("checked");
                assert_eq!(*last, best.bytes);
                assert!(earlier.iter().all(|bytes| *bytes != best.bytes));
                assert!(mutate_calls > 0);
                assert!(beside.load(Ordering::SeqCst), "checked alone");
            }
        }
    }

    /// Mutants made ahead at idle priority and taken over by the stage, at
    /// any point, are those made at once, in the same order.
    #[test]
    fn mutants_taken_over_from_the_idle_thread_are_those_made_at_once() {
        use super::Mutants;
        let module = wat::parse_str(
            r#"(module
                 (func (export "f") (param i32) (result i32)
                   local.get 0 i32.const 1 i32.add i32.const 2 i32.mul
                   local.get 0 i32.const 3 i32.sub i32.xor))"#,
        )
        .unwrap();
        let budget = 12;
        let all = |mut mutants: Mutants| {
            let mut out = Vec::new();
            while let Some(batch) = mutants.next_batch() {
                out.push(batch);
            }
            out
        };
        let at_once = all(Mutants::start(module.clone(), budget, 1, 0, false));
        assert!(
            at_once.iter().map(Vec::len).sum::<usize>() > 4,
            "{at_once:?}"
        );
        // Taken over before anything was received, after one seed, after
        // every seed.
        for received in [0, 1, usize::MAX] {
            let mut ahead = Mutants::start(module.clone(), budget, 1, 0, true);
            // (Bounded: at idle priority the thread may get no CPU while
            // other tests run.)
            for _ in 0..received {
                match ahead
                    .batches
                    .recv_timeout(std::time::Duration::from_secs(5))
                {
                    Ok(batch) => ahead.taken.push_back(batch),
                    Err(_) => break,
                }
            }
            assert_eq!(all(ahead.taken_over()), at_once, "after {received}");
        }
    }
}
