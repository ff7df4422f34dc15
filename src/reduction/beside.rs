//! The preflight's checks made beside the original's first run: the empty
//! module's, then the original's re-runs (evaluated at once, judged once
//! the first run has set the criterion).
//!
//! They run on the jobs the first run leaves free, one check at a time
//! each, the next one taken when the last ends. When the first run ends,
//! its job is free too: the checks not started yet start at once on the
//! jobs free, and the search starts as soon as one job is left for it. The
//! re-runs still running go on beside the search, each holding one of its
//! jobs (`HeldJobs`: the search's batches leave it free, so `-j` still
//! bounds how many checks run at once, and with them memory). Until every
//! re-run is in, the search holds back whatever it would write (new bests,
//! the checkpoint; `held_writes.rs`), so a flaky original still leaves the output
//! and an old checkpoint as they were.
//!
//! Why: at `-j 2` the empty module's check took a few milliseconds of the
//! job beside the first run, which then stood idle, and the two re-runs
//! after it kept the search waiting for a whole run of the original. Now
//! the free job runs a re-run from the start, and the last one shares the
//! cores with the search. An original of a megabyte or more is left alone
//! in its first run (`BesideChecks::start`'s `reruns_beside_first_run`):
//! that run compiles with Wasmtime's parallel compilation, every core
//! busy, and a re-run beside it only slowed it down.
//!
//! A validation error's original is not re-run at all
//! (`Reduction::runs_of_original`), which is known once the first run has
//! said. Where that may happen (the built-in oracle, the failure's message
//! the criterion), the first re-run beside the first run asks first whether
//! the original validates under the checked engine (in whittle's process:
//! a fraction of a run), and none is made if it does not: a 5.7 MB
//! function's re-run at `-j 2` slowed its first run by a third.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use whittle_module::Module;
use whittle_oracle::{Evaluation, InProcessValidation, Oracle};
use whittle_reduce::HeldJobs;

/// One of the checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    EmptyModule,
    /// The original's re-run of this index (0 is its second run).
    Rerun(usize),
}

/// A check's evaluation, `None` when it could not be made (it is made again
/// where its error is reported).
type Evaluated = Option<Evaluation>;

/// The checks beside the original's first run, and what they gave so far.
pub(super) struct BesideChecks {
    received: Option<Receiver<(Check, Evaluated)>>,
    /// The empty module's check: `None` until in (or not asked).
    empty_module: Option<Evaluated>,
    empty_module_asked: bool,
    /// The re-runs, by index: `None` until in (empty once taken).
    reruns: Vec<Option<Evaluated>>,
    /// Threads still at work: the jobs they hold.
    working: Arc<HeldJobs>,
    /// What a thread needs to take on checks.
    work: Option<Work>,
    /// Re-runs that wait for the first run to end (see
    /// [`BesideChecks::start`]).
    deferred: Vec<Check>,
    threads: Vec<JoinHandle<()>>,
}

/// What the threads share.
#[derive(Clone)]
struct Work {
    /// The checks not started yet, in order.
    queue: Arc<Mutex<VecDeque<Check>>>,
    oracle: Arc<Oracle>,
    original: Arc<Module>,
    /// Re-run the original only if it validates under the checked engine
    /// (see [`BesideChecks::start`]); asked once, by the thread that takes
    /// the first re-run.
    reruns_if_valid: Arc<Mutex<Option<InProcessValidation>>>,
    /// Set when the run needs no more of them: each thread ends after the
    /// check in progress.
    cancel: Arc<AtomicBool>,
    /// Set once no re-run is wanted: the original does not validate (see
    /// [`Work::rerun_wanted`]), or the run forwent them
    /// ([`BesideChecks::forgo_reruns`]). A re-run in progress then stops.
    no_reruns: Arc<AtomicBool>,
    send: Sender<(Check, Evaluated)>,
}

impl Work {
    /// Take on checks until none is left (or the run needs none), then
    /// free the job.
    fn run(self, working: Arc<HeldJobs>) {
        loop {
            let next = self
                .queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop_front();
            let Some(check) = next.filter(|_| !self.cancel.load(Ordering::SeqCst)) else {
                break;
            };
            let bytes = match check {
                Check::EmptyModule => super::preflight::EMPTY_MODULE,
                Check::Rerun(_) => &self.original.bytes[..],
            };
            let evaluated = match check {
                Check::EmptyModule => self.oracle.evaluate(bytes).ok(),
                // Not made: made after the first run if still needed.
                Check::Rerun(_) if !self.rerun_wanted() => None,
                Check::Rerun(_) => {
                    whittle_oracle::stop_when(&self.no_reruns, || self.oracle.evaluate(bytes)).ok()
                }
            };
            let _ = self.send.send((check, evaluated));
        }
        // The job is free before the last answer is read.
        working.release();
    }

    /// Is a re-run still wanted? Not once they were forgone, nor when the
    /// original does not validate under the checked engine (asked once,
    /// when `reruns_if_valid` is given): such an original most likely
    /// fails as its validator says, and is then not re-run at all, so a
    /// re-run beside its first run would only take the cores from it (a
    /// 5.7 MB function at `-j 2`).
    fn rerun_wanted(&self) -> bool {
        let mut asked = self
            .reruns_if_valid
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match asked.take() {
            Some(validation) if !validation.validates(&self.original.bytes) => {
                self.no_reruns.store(true, Ordering::SeqCst);
                false
            }
            _ => !self.no_reruns.load(Ordering::SeqCst),
        }
    }

    fn left(&self) -> usize {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl Default for BesideChecks {
    /// None at all.
    fn default() -> BesideChecks {
        BesideChecks {
            received: None,
            empty_module: None,
            empty_module_asked: false,
            reruns: Vec::new(),
            working: HeldJobs::new(0),
            work: None,
            deferred: Vec::new(),
            threads: Vec::new(),
        }
    }
}

impl BesideChecks {
    /// Start, on `threads` threads, the empty module's check (if `empty`)
    /// and then `reruns` runs of `original`, with `oracle`; the re-runs
    /// only once the first run has ended unless `reruns_beside_first_run`,
    /// and only if `original` validates under `reruns_if_valid` when that
    /// is given (those not made come back as not made).
    pub fn start(
        oracle: Oracle,
        original: Arc<Module>,
        (empty, reruns): (bool, usize),
        reruns_beside_first_run: bool,
        reruns_if_valid: Option<InProcessValidation>,
        threads: usize,
    ) -> BesideChecks {
        let mut queue: VecDeque<Check> = empty.then_some(Check::EmptyModule).into_iter().collect();
        let mut deferred: Vec<Check> = (0..reruns).map(Check::Rerun).collect();
        if reruns_beside_first_run {
            queue.extend(deferred.drain(..));
        }
        let threads = threads.min(queue.len());
        let (send, received) = mpsc::channel();
        let mut beside = BesideChecks {
            received: Some(received),
            empty_module: None,
            empty_module_asked: empty,
            reruns: vec![None; reruns],
            working: HeldJobs::new(0),
            work: Some(Work {
                queue: Arc::new(Mutex::new(queue)),
                oracle: Arc::new(oracle),
                original,
                reruns_if_valid: Arc::new(Mutex::new(reruns_if_valid)),
                cancel: Arc::new(AtomicBool::new(false)),
                no_reruns: Arc::new(AtomicBool::new(false)),
                send,
            }),
            deferred,
            threads: Vec::new(),
        };
        for _ in 0..threads {
            beside.add_thread();
        }
        beside
    }

    fn add_thread(&mut self) {
        let Some(work) = self.work.clone() else {
            return;
        };
        self.working.hold();
        let working = Arc::clone(&self.working);
        let thread = std::thread::Builder::new()
            .name("whittle-beside".into())
            .spawn(move || work.run(working))
            .expect("failed to start a thread for the checks beside the original");
        self.threads.push(thread);
    }

    /// The first run has ended, and its job is free: the checks not
    /// started yet (the re-runs that waited for it, too) start on the
    /// jobs free, at once; then wait until a job is left for the search
    /// (`jobs` in all), as the checks that hold them end.
    pub fn first_run_ended(&mut self, jobs: usize) {
        let Some(work) = &self.work else {
            return;
        };
        work.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(self.deferred.drain(..));
        let free = jobs.saturating_sub(self.working.held());
        for _ in 0..free.min(work.left()) {
            self.add_thread();
        }
        while self.working.held() >= jobs.max(1) {
            if !self.receive(Some(Duration::from_millis(5))) && self.threads_ended() {
                return;
            }
        }
    }

    /// Take what has come in; with `wait`, wait up to that long for the
    /// next one.
    fn receive(&mut self, wait: Option<Duration>) -> bool {
        let Some(received) = &self.received else {
            return false;
        };
        let first = match wait {
            Some(timeout) => received.recv_timeout(timeout),
            None => received.try_recv().map_err(|_| RecvTimeoutError::Timeout),
        };
        let Ok(first) = first else {
            return false;
        };
        let rest: Vec<_> = received.try_iter().collect();
        for (check, evaluated) in std::iter::once(first).chain(rest) {
            match check {
                Check::EmptyModule => self.empty_module = Some(evaluated),
                Check::Rerun(i) => {
                    if let Some(slot) = self.reruns.get_mut(i) {
                        *slot = Some(evaluated);
                    }
                }
            }
        }
        true
    }

    /// Wait until `done` says so, or every thread has ended.
    fn wait_until(&mut self, done: impl Fn(&BesideChecks) -> bool) {
        while !done(self) {
            if !self.receive(Some(Duration::from_millis(50))) && self.threads_ended() {
                // Whatever they sent before ending is in now.
                self.receive(None);
                return;
            }
        }
    }

    fn threads_ended(&self) -> bool {
        self.threads.iter().all(|t| t.is_finished())
    }

    /// The empty module's evaluation, once in (`None`: not asked, or it
    /// could not be made).
    pub fn empty_module(&mut self) -> Evaluated {
        if !self.empty_module_asked {
            return None;
        }
        self.wait_until(|b| b.empty_module.is_some());
        self.empty_module.take().flatten()
    }

    /// Are re-runs still to come in? (Takes what has come.)
    pub fn reruns_pending(&mut self) -> bool {
        self.receive(None);
        self.reruns.iter().any(Option::is_none)
    }

    /// Are there re-runs not yet taken by [`BesideChecks::reruns`] (in
    /// or not)?
    pub fn reruns_unjudged(&self) -> bool {
        !self.reruns.is_empty()
    }

    /// The original the re-runs run.
    pub fn original(&self) -> Option<Arc<Module>> {
        self.work.as_ref().map(|work| Arc::clone(&work.original))
    }

    /// The re-runs' evaluations, in order, once all are in (waiting for
    /// them); those that could not be made are `None`. Taken once: then
    /// none are pending.
    pub fn reruns(&mut self) -> Vec<Evaluated> {
        self.wait_until(|b| b.reruns.iter().all(Option::is_some));
        std::mem::take(&mut self.reruns)
            .into_iter()
            .map(Option::flatten)
            .collect()
    }

    /// The original is not re-run after all (its failure cannot change:
    /// see `Reduction::runs_of_original`): the re-runs not started yet
    /// never are, and those running stop (their threads then end, and free
    /// their jobs), so that `-j` still bounds the checks at once.
    pub fn forgo_reruns(&mut self) {
        let is_rerun = |check: &Check| matches!(check, Check::Rerun(_));
        if let Some(work) = &self.work {
            work.no_reruns.store(true, Ordering::SeqCst);
            work.queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|check| !is_rerun(check));
        }
        self.deferred.retain(|check| !is_rerun(check));
        self.reruns.clear();
    }

    /// The jobs the checks still running hold.
    pub fn jobs_held(&self) -> Arc<HeldJobs> {
        Arc::clone(&self.working)
    }
}

impl Drop for BesideChecks {
    /// Stop taking checks, and wait for those in progress: no check of
    /// this run outlives it.
    fn drop(&mut self) {
        if let Some(work) = &self.work {
            work.cancel.store(true, Ordering::SeqCst);
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;
    use whittle_oracle::{OracleKind, Outcome, RunLimits};

    /// Checks beside a first run of [`original`], with a predicate that
    /// logs each check's size in the folder's `log`, sleeps `pause`
    /// seconds, and exits with the candidate's size.
    fn checks(
        pause: &str,
        checks: (bool, usize),
        reruns_beside_first_run: bool,
        threads: usize,
    ) -> (tempfile::TempDir, BesideChecks) {
        checks_if_valid(pause, checks, reruns_beside_first_run, None, threads)
    }

    /// [`checks`], re-running the original only if it validates under
    /// `reruns_if_valid`.
    fn checks_if_valid(
        pause: &str,
        checks: (bool, usize),
        reruns_beside_first_run: bool,
        reruns_if_valid: Option<InProcessValidation>,
        threads: usize,
    ) -> (tempfile::TempDir, BesideChecks) {
        let dir = tempfile::tempdir().unwrap();
        let oracle = logging_oracle(dir.path(), pause);
        let beside = BesideChecks::start(
            oracle,
            original(),
            checks,
            reruns_beside_first_run,
            reruns_if_valid,
            threads,
        );
        (dir, beside)
    }

    fn log(dir: &tempfile::TempDir) -> String {
        std::fs::read_to_string(dir.path().join("log")).unwrap()
    }

    /// A predicate that logs each check's size in `dir/log`, sleeps
    /// `pause` seconds, and exits with the candidate's size.
    fn logging_oracle(dir: &std::path::Path, pause: &str) -> Oracle {
        let script = format!(
            "n=$(wc -c < \"$1\"); echo $n >> '{log}'; sleep {pause}; exit $n",
            log = dir.join("log").display()
        );
        Oracle::new(
            OracleKind::Predicate {
                argv: vec!["/bin/sh".into(), "-c".into(), script.into(), "sh".into()],
            },
            RunLimits::default(),
        )
    }

    /// A module of `N` bytes (not 8, the empty module's size).
    fn original() -> Arc<Module> {
        let module = Module::parse(wat::parse_str("(module (func))").unwrap()).unwrap();
        assert_eq!(module.bytes.len(), N);
        Arc::new(module)
    }

    const N: usize = 24;

    fn exit_code(evaluated: &Evaluated) -> i32 {
        match evaluated.as_ref().map(|e| &e.outcome) {
            Some(Outcome::Exit { code, .. }) => *code,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_empty_module_goes_first_and_each_re_run_is_kept_in_order() {
        let (dir, mut beside) = checks("0", (true, 3), true, 1);
        assert_eq!(exit_code(&beside.empty_module()), 8);
        let reruns = beside.reruns();
        assert_eq!(
            reruns.iter().map(exit_code).collect::<Vec<_>>(),
            [N as i32; 3]
        );
        assert!(!beside.reruns_pending(), "taken, none are pending");
        assert!(beside.reruns().is_empty());
        // One thread: the empty module's check, then the re-runs.
        let logged = log(&dir);
        assert_eq!(logged, "8\n24\n24\n24\n");
        drop(beside);
    }

    #[test]
    fn an_original_that_does_not_validate_is_not_re_run_beside_its_first_run() {
        let validation = |valid: bool| Some(InProcessValidation::new(move |_| valid));
        // Two threads: whichever takes a re-run first asks, once.
        let (dir, mut beside) = checks_if_valid("0", (true, 3), true, validation(false), 2);
        assert_eq!(exit_code(&beside.empty_module()), 8);
        let reruns = beside.reruns();
        assert_eq!(reruns.len(), 3);
        assert!(reruns.iter().all(Option::is_none), "not made");
        drop(beside);
        assert_eq!(log(&dir), "8\n");
        // One that validates is re-run as usual.
        let (dir, mut beside) = checks_if_valid("0", (false, 2), true, validation(true), 1);
        let reruns = beside.reruns();
        assert_eq!(
            reruns.iter().map(exit_code).collect::<Vec<_>>(),
            [N as i32; 2]
        );
        assert_eq!(log(&dir), "24\n24\n");
    }

    #[test]
    fn forgone_re_runs_stop_and_free_their_jobs() {
        let (dir, mut beside) = checks("5", (false, 3), true, 1);
        let held = beside.jobs_held();
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(log(&dir), "24\n", "the first re-run is running");
        let forgone = Instant::now();
        beside.forgo_reruns();
        assert!(!beside.reruns_pending());
        assert!(!beside.reruns_unjudged());
        while held.held() > 0 && forgone.elapsed() < Duration::from_secs(4) {
            std::thread::sleep(Duration::from_millis(10));
        }
        // Stopped, not waited for (it sleeps 5 s); the others never start.
        assert_eq!(held.held(), 0);
        drop(beside);
        assert!(forgone.elapsed() < Duration::from_secs(4));
        assert_eq!(log(&dir), "24\n");
    }

    #[test]
    fn each_thread_holds_a_job_until_its_last_check_ends() {
        let (_dir, mut beside) = checks("0.3", (false, 3), true, 2);
        let held = beside.jobs_held();
        assert_eq!(held.held(), 2);
        assert!(beside.reruns_pending());
        // Two re-runs at once, then the third alone on one thread.
        let reruns = beside.reruns();
        assert_eq!(reruns.len(), 3);
        let deadline = Instant::now() + Duration::from_secs(5);
        while held.held() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(held.held(), 0);
        assert!(held.all_released_at().is_some());
    }

    /// When the first run ends, its job takes the checks not started yet,
    /// and the search waits until one of the `jobs` is free.
    #[test]
    fn the_first_run_s_job_takes_what_is_left_and_the_search_a_free_one() {
        let (dir, mut beside) = checks("0.3", (false, 3), true, 1);
        std::thread::sleep(Duration::from_millis(50));
        let started = Instant::now();
        beside.first_run_ended(2);
        // Two re-runs at once, on both jobs: one had to end.
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert!(beside.jobs_held().held() < 2);
        assert_eq!(beside.reruns().len(), 3);
        let logged = log(&dir);
        assert_eq!(logged, "24\n24\n24\n");
    }

    /// Re-runs held back for the first run start when it ends, all at
    /// once on the jobs free.
    #[test]
    fn re_runs_held_for_the_first_run_start_at_once_when_it_ends() {
        let (dir, mut beside) = checks("0.3", (true, 2), false, 1);
        assert_eq!(exit_code(&beside.empty_module()), 8);
        std::thread::sleep(Duration::from_millis(50));
        assert!(beside.reruns_pending());
        let logged = log(&dir);
        assert_eq!(logged, "8\n", "no re-run before the first run ends");
        let started = Instant::now();
        beside.first_run_ended(2);
        assert!(beside.jobs_held().held() < 2);
        assert_eq!(beside.reruns().len(), 2);
        // Both at once: about one re-run's time.
        assert!(started.elapsed() < Duration::from_millis(550));
    }

    #[test]
    fn dropped_they_take_no_further_check() {
        let (dir, beside) = checks("0.3", (true, 4), true, 1);
        std::thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        drop(beside);
        // The check in progress ends; the four re-runs never start.
        assert!(started.elapsed() < Duration::from_secs(2));
        let logged = log(&dir);
        assert_eq!(logged, "8\n");
    }

    #[test]
    fn none_at_all() {
        let mut beside = BesideChecks::default();
        assert_eq!(beside.empty_module(), None);
        assert!(!beside.reruns_pending());
        assert!(beside.reruns().is_empty());
        assert_eq!(beside.jobs_held().held(), 0);
    }
}
