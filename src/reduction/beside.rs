//! The preflight's checks made beside the original's first run: the empty
//! module's, then the original's re-runs (evaluated at once, judged once
//! the first run has set the criterion).
//!
//! They run on the jobs the first run leaves free, one check at a time
//! each, the next one taken when the last ends. The re-runs still running
//! when the first run ends go on beside the search, each holding one of its
//! jobs (`jobs_held`: the search's batches leave it free, so `-j` still
//! bounds how many checks run at once, and with them memory). Until every
//! re-run is in, the search holds back whatever it would write (new bests,
//! the checkpoint; see `search.rs`), so a flaky original still leaves the
//! output and an old checkpoint as they were.
//!
//! Why: at `-j 2` the empty module's check took a few milliseconds of the
//! job beside the first run, which then stood idle, and the two re-runs
//! after it kept the search waiting for one more run of the original. Now
//! the free job runs the re-runs from the start, and the last one shares
//! the cores with the search.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use whittle_oracle::{Evaluation, Oracle};
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
    /// Set when the run needs no more of them: each thread ends after the
    /// check in progress.
    cancel: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
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
            cancel: Arc::default(),
            threads: Vec::new(),
        }
    }
}

impl BesideChecks {
    /// Start, on `threads` threads, the empty module's check (if `empty`)
    /// and then `reruns` runs of `original`, with `oracle`.
    pub fn start(
        oracle: Oracle,
        original: Vec<u8>,
        empty: bool,
        reruns: usize,
        threads: usize,
    ) -> BesideChecks {
        let queue: VecDeque<Check> = empty
            .then_some(Check::EmptyModule)
            .into_iter()
            .chain((0..reruns).map(Check::Rerun))
            .collect();
        let threads = threads.min(queue.len());
        let queue = Arc::new(Mutex::new(queue));
        let oracle = Arc::new(oracle);
        let original: Arc<[u8]> = original.into();
        let working = HeldJobs::new(threads);
        let cancel = Arc::new(AtomicBool::new(false));
        let (send, received) = mpsc::channel();
        let handles = (0..threads)
            .map(|_| {
                let (queue, oracle, original) = (queue.clone(), oracle.clone(), original.clone());
                let (working, cancel, send) = (working.clone(), cancel.clone(), send.clone());
                std::thread::Builder::new()
                    .name("whittle-beside".into())
                    .spawn(move || {
                        loop {
                            let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                            let Some(check) = next.filter(|_| !cancel.load(Ordering::SeqCst))
                            else {
                                break;
                            };
                            let bytes = match check {
                                Check::EmptyModule => super::preflight::EMPTY_MODULE,
                                Check::Rerun(_) => &original[..],
                            };
                            let _ = send.send((check, oracle.evaluate(bytes).ok()));
                        }
                        // The job is free before the last answer is read.
                        working.release();
                    })
                    .expect("failed to start a thread for the checks beside the original")
            })
            .collect();
        BesideChecks {
            received: Some(received),
            empty_module: None,
            empty_module_asked: empty,
            reruns: vec![None; reruns],
            working,
            cancel,
            threads: handles,
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

    /// The jobs the checks still running hold.
    pub fn jobs_held(&self) -> Arc<HeldJobs> {
        Arc::clone(&self.working)
    }
}

impl Drop for BesideChecks {
    /// Stop taking checks, and wait for those in progress: no check of
    /// this run outlives it.
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::SeqCst);
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

    fn exit_code(evaluated: &Evaluated) -> i32 {
        match evaluated.as_ref().map(|e| &e.outcome) {
            Some(Outcome::Exit { code, .. }) => *code,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_empty_module_goes_first_and_each_re_run_is_kept_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let oracle = logging_oracle(dir.path(), "0");
        let mut beside = BesideChecks::start(oracle, vec![7; 12], true, 3, 1);
        assert_eq!(exit_code(&beside.empty_module()), 8);
        let reruns = beside.reruns();
        assert_eq!(
            reruns.iter().map(exit_code).collect::<Vec<_>>(),
            [12, 12, 12]
        );
        assert!(!beside.reruns_pending(), "taken, none are pending");
        assert!(beside.reruns().is_empty());
        // One thread: the empty module's check, then the re-runs.
        let log = std::fs::read_to_string(dir.path().join("log")).unwrap();
        assert_eq!(log, "8\n12\n12\n12\n");
        drop(beside);
    }

    #[test]
    fn each_thread_holds_a_job_until_its_last_check_ends() {
        let dir = tempfile::tempdir().unwrap();
        let oracle = logging_oracle(dir.path(), "0.3");
        let mut beside = BesideChecks::start(oracle, vec![7; 12], false, 3, 2);
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

    #[test]
    fn dropped_they_take_no_further_check() {
        let dir = tempfile::tempdir().unwrap();
        let oracle = logging_oracle(dir.path(), "0.3");
        let beside = BesideChecks::start(oracle, vec![7; 12], true, 4, 1);
        std::thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        drop(beside);
        // The check in progress ends; the four re-runs never start.
        assert!(started.elapsed() < Duration::from_secs(2));
        let log = std::fs::read_to_string(dir.path().join("log")).unwrap();
        assert_eq!(log, "8\n");
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
