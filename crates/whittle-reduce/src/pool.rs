//! The oracle's workers: `-j` threads that run checks for the whole
//! reduction ([`crate::Reducer::run`] starts them in a scope, so they can
//! borrow the oracle).
//!
//! Why a pool that outlives a batch: checks take very different times (a
//! candidate that still fails often stops at its first error, one that
//! compiles runs to the end, three times as long on the corpus cases). A
//! batch that waits for its slowest check leaves the other cores idle
//! while it does. So a search's batch returns as soon as the search can
//! take a step and a worker is free (see `judge.rs`, `Until::Walkable`):
//! the checks after that step keep running, and the next batch, built
//! along the same path, meets the same candidates (by cache key) still
//! running and waits for them instead of starting them again, while the
//! free worker starts the next candidate. A running check that no batch
//! asks for any more (the path went another way) is stopped.

use anyhow::Result;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::thread::Scope;
use std::time::{Duration, Instant};
use whittle_module::Module;
use whittle_oracle::stop_when;

/// A candidate's cache key (see [`crate::Gate::key`]).
pub(crate) type Key = (u64, usize);

/// The key under which the caller's final check of the result runs (see
/// [`crate::FinalCheck`]): no candidate is `usize::MAX` bytes long.
pub(crate) const FINAL_CHECK_KEY: Key = (0, usize::MAX);

/// The final check's name where a check's pass goes.
pub(crate) const FINAL_CHECK: &str = "final check";

/// A check asked of the workers: a candidate's, by `interesting`, or the
/// result's final one (at [`FINAL_CHECK_KEY`]), by the caller's check.
struct Job {
    key: Key,
    module: Arc<Module>,
    stop: Arc<AtomicBool>,
}

/// A check that ended: its answer, or `None` when it was stopped before
/// a worker took it up (it never ran).
pub(crate) struct Done {
    pub(crate) key: Key,
    pub(crate) answer: Option<Result<bool>>,
}

/// What the workers share: the queue, and the stop flag of the check
/// each one runs (raised when the pool closes).
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    ready: Condvar,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    closed: bool,
    running: Vec<Option<Arc<AtomicBool>>>,
    /// Checks running now, since when at least one has, and for how long
    /// at least one ran before that: the oracle's time (see
    /// [`Pool::busy_time`]). Jobs held beside the search count as checks
    /// running (`held_jobs.rs`).
    active: usize,
    busy_since: Option<Instant>,
    busy: Duration,
    held: Option<Arc<crate::HeldJobs>>,
    /// How long the checks that ran to their answer took, and how many
    /// there were (see [`Pool::mean_check`]).
    answered_time: Duration,
    answered: u32,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A check started and not yet collected.
pub(crate) struct Running {
    /// The pass whose candidate it is (its statistics count the call).
    pub(crate) pass: &'static str,
    stop: Arc<AtomicBool>,
}

impl Running {
    /// Asked by no batch any more: stop it (its answer, if it still comes,
    /// is wasted speculation).
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// The coordinator's end: start checks, collect what ended.
pub(crate) struct Pool {
    shared: Arc<Shared>,
    done: mpsc::Receiver<Done>,
    /// Checks started whose end has not been collected, by key.
    pub(crate) running: HashMap<Key, Running>,
    /// How much of [`Pool::busy_time`] the statistics have counted.
    pub(crate) counted: Duration,
}

/// Closes the pool when dropped, also while unwinding: queued checks are
/// dropped, running ones stopped, and the workers end, so the scope that
/// holds them can join them.
pub(crate) struct Closer(Arc<Shared>);

impl Drop for Closer {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.closed = true;
        state.queue.clear();
        for stop in state.running.iter().flatten() {
            stop.store(true, Ordering::SeqCst);
        }
        drop(state);
        self.0.ready.notify_all();
    }
}

impl Pool {
    /// `workers` threads in `scope`, each running `interesting` on the
    /// checks it takes from the queue (`final_check` on the final one).
    pub(crate) fn start<'scope, 'env>(
        scope: &'scope Scope<'scope, 'env>,
        workers: usize,
        interesting: &'env (dyn Fn(&[u8]) -> Result<bool> + Sync + 'env),
        final_check: Option<&'env crate::FinalCheck<'env>>,
        held: Option<Arc<crate::HeldJobs>>,
    ) -> (Pool, Closer) {
        let shared = Arc::new(Shared::default());
        {
            let mut state = shared.lock();
            state.running = vec![None; workers.max(1)];
            if held.as_ref().is_some_and(|held| held.held() > 0) {
                state.busy_since = Some(Instant::now());
            }
            state.held = held;
        }
        let (tx, done) = mpsc::channel();
        for worker in 0..workers.max(1) {
            let shared = Arc::clone(&shared);
            let tx = tx.clone();
            scope.spawn(move || {
                while let Some((job, run)) = next_job(&shared, worker) {
                    let started = Instant::now();
                    let check = || match (job.key, final_check) {
                        (FINAL_CHECK_KEY, Some(final_check)) => {
                            final_check(&job.module.bytes).map(|()| true)
                        }
                        _ => interesting(&job.module.bytes),
                    };
                    let answer = run.then(|| stop_when(&job.stop, check));
                    let mut state = shared.lock();
                    state.running[worker] = None;
                    if run && !job.stop.load(Ordering::SeqCst) {
                        state.answered_time += started.elapsed();
                        state.answered += 1;
                    }
                    if run {
                        state.active -= 1;
                        if state.active == 0 && state.held_jobs() == 0 {
                            let since = state.busy_since.take().expect("busy");
                            state.busy += since.elapsed();
                        }
                    }
                    drop(state);
                    if tx
                        .send(Done {
                            key: job.key,
                            answer,
                        })
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
        let closer = Closer(Arc::clone(&shared));
        let pool = Pool {
            shared,
            done,
            running: HashMap::new(),
            counted: Duration::ZERO,
        };
        (pool, closer)
    }

    /// Start a check of `module` (whose key is `key`) for `pass`.
    pub(crate) fn start_check(&mut self, key: Key, pass: &'static str, module: Arc<Module>) {
        let stop = Arc::new(AtomicBool::new(false));
        self.running.insert(
            key,
            Running {
                pass,
                stop: Arc::clone(&stop),
            },
        );
        self.shared
            .lock()
            .queue
            .push_back(Job { key, module, stop });
        self.shared.ready.notify_one();
    }

    /// Start the caller's final check of `result` (see
    /// [`crate::FinalCheck`]).
    pub(crate) fn start_final_check(&mut self, result: Arc<Module>) {
        self.start_check(FINAL_CHECK_KEY, FINAL_CHECK, result);
    }

    /// The next check to end, waiting for it.
    pub(crate) fn wait(&mut self) -> Option<Done> {
        self.done.recv().ok()
    }

    /// Wall time during which at least one check ran, so far: the time
    /// the reduction spent in the oracle. Whittle's own work while checks
    /// run costs no time; what is left of the wall time is whittle keeping
    /// the oracle waiting.
    pub(crate) fn busy_time(&self) -> Duration {
        let state = self.shared.lock();
        state.busy
            + state
                .busy_since
                .map_or(Duration::ZERO, |since| state.open_until(since))
    }

    /// How long a check takes, on the mean of those that ran to their
    /// answer so far (`None` before the first): unlike the oracle's time
    /// over its calls, it does not shrink as more checks run at once.
    pub(crate) fn mean_check(&self) -> Option<Duration> {
        let state = self.shared.lock();
        (state.answered > 0).then(|| state.answered_time / state.answered)
    }

    /// A check that already ended, without waiting.
    pub(crate) fn ended(&mut self) -> Option<Done> {
        self.done.try_recv().ok()
    }
}

/// The next job for `worker`, marked as its running check unless it was
/// stopped before it started (then `false`: it is not run); `None` once
/// the pool is closed.
impl State {
    /// Jobs held beside the search now.
    fn held_jobs(&self) -> usize {
        self.held.as_ref().map_or(0, |held| held.held())
    }

    /// How long the busy interval open `since` has lasted: until now
    /// while a check runs or a job is held, else until the last held job
    /// was released.
    fn open_until(&self, since: Instant) -> Duration {
        let released = self.held.as_ref().and_then(|held| held.all_released_at());
        match released {
            Some(at) if self.active == 0 => at.saturating_duration_since(since),
            _ => since.elapsed(),
        }
    }
}

fn next_job(shared: &Shared, worker: usize) -> Option<(Job, bool)> {
    let mut state = shared.lock();
    loop {
        if state.closed {
            return None;
        }
        if let Some(job) = state.queue.pop_front() {
            let run = !job.stop.load(Ordering::SeqCst);
            if run {
                state.running[worker] = Some(Arc::clone(&job.stop));
                if state.active == 0 {
                    // An interval the held jobs kept open ends where the
                    // last of them was released.
                    if let Some(since) = state.busy_since.take() {
                        let open = state.open_until(since);
                        state.busy += open;
                    }
                    state.busy_since = Some(Instant::now());
                }
                state.active += 1;
            }
            return Some((job, run));
        }
        state = shared.ready.wait(state).unwrap_or_else(|e| e.into_inner());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module() -> Arc<Module> {
        Arc::new(Module::parse(wat::parse_str("(module)").unwrap()).unwrap())
    }

    /// Checks run on the workers and their ends come back by key; one
    /// stopped before a worker took it never runs.
    #[test]
    fn runs_checks_and_skips_those_stopped_before_they_start() {
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let release = std::sync::Barrier::new(2);
        let interesting = |bytes: &[u8]| -> Result<bool> {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                // The first check holds the only worker until released.
                release.wait();
            }
            Ok(bytes.len() == 8)
        };
        std::thread::scope(|scope| {
            let (mut pool, _closer) = Pool::start(scope, 1, &interesting, None, None);
            pool.start_check((1, 8), "a", module());
            // Queued behind the first, and stopped before it starts.
            pool.start_check((2, 8), "b", module());
            pool.running[&(2, 8)].stop();
            release.wait();
            let first = pool.wait().unwrap();
            assert_eq!(first.key, (1, 8));
            assert!(first.answer.unwrap().unwrap());
            let second = pool.wait().unwrap();
            assert_eq!(second.key, (2, 8));
            assert!(second.answer.is_none());
            assert!(pool.ended().is_none());
        });
        assert_eq!(calls.into_inner(), 1);
    }

    /// Closing stops a running check and ends the workers (the scope
    /// returns).
    #[test]
    fn closing_stops_what_runs_and_ends_the_workers() {
        let started = std::sync::Barrier::new(2);
        let interesting = |_: &[u8]| -> Result<bool> {
            started.wait();
            // Stands for a check that runs until it is stopped.
            let flag_raised = || whittle_oracle::stop_requested();
            while !flag_raised() {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Ok(false)
        };
        std::thread::scope(|scope| {
            let (mut pool, closer) = Pool::start(scope, 2, &interesting, None, None);
            pool.start_check((1, 8), "a", module());
            started.wait();
            drop(closer);
        });
    }

    /// A job held beside the search counts as a check running, from the
    /// pool's start until it is released, and not after.
    #[test]
    fn a_held_job_is_oracle_time_until_released() {
        let interesting = |_: &[u8]| -> Result<bool> {
            std::thread::sleep(Duration::from_millis(30));
            Ok(true)
        };
        let held = crate::HeldJobs::new(1);
        std::thread::scope(|scope| {
            let (mut pool, _closer) =
                Pool::start(scope, 1, &interesting, None, Some(Arc::clone(&held)));
            std::thread::sleep(Duration::from_millis(40));
            assert!(pool.busy_time() >= Duration::from_millis(40));
            held.release();
            let at_release = pool.busy_time();
            std::thread::sleep(Duration::from_millis(40));
            // Nothing ran since: no time counted.
            assert_eq!(pool.busy_time(), at_release);
            pool.start_check((1, 8), "a", module());
            assert!(pool.wait().unwrap().answer.unwrap().unwrap());
            let busy = pool.busy_time();
            assert!(busy >= at_release + Duration::from_millis(30), "{busy:?}");
            assert!(busy < at_release + Duration::from_millis(70), "{busy:?}");
        });
    }
}
