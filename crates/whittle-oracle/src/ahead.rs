//! The built-in oracle's next checks, started ahead.
//!
//! Starting `whittle __check` (the exec of a large binary, its loader, the
//! runtime's start) is about 1.5 ms of wall time, and a check of a small
//! candidate is 3 to 5 ms: at `-j 1` a third of the time went to starting
//! programs while the other core idled. So while a check runs, the program
//! for the next one is started, and waits on its stdin for the candidate's
//! bytes (`__check ... -- /dev/stdin`); no candidate file is written
//! either. A program started ahead is like any other check's: its own
//! process group, tracked by [`crate::reaper`], killed when whittle dies;
//! one never used is killed when the oracle goes.
//!
//! They are started by a thread of their own, which lives as long as the
//! oracle: a child's parent-death signal fires when the *thread* that
//! started it ends, and the threads that ask for checks may end before
//! the check they started ahead is used (the checks beside the original's
//! first run end with it).

use crate::process::{start, RunLimits, Started};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Condvar, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

/// The module path the built-in child reads its candidate from.
pub(crate) const STDIN_MODULE: &str = "/dev/stdin";

/// At most this many programs wait at once (one per job is the usual).
const MOST_READY: usize = 8;

/// How long a check waits for the program being started for it, at most
/// (a start takes a few milliseconds).
const STARTING_WAIT: Duration = Duration::from_secs(1);

/// Programs started ahead, shared by an oracle's clones.
#[derive(Clone, Default)]
pub struct StartedAhead(Arc<Inner>);

#[derive(Default)]
struct Inner {
    programs: Mutex<Programs>,
    /// Signalled when a program asked for is started (or could not be).
    started: Condvar,
    /// The starter thread's queue, once it runs.
    starter: Mutex<Option<mpsc::Sender<Request>>>,
}

#[derive(Default)]
struct Programs {
    /// Waiting programs, by their arguments.
    ready: Vec<(Vec<OsString>, Started)>,
    /// The arguments of those asked for and not started yet.
    starting: Vec<Vec<OsString>>,
}

type Request = (PathBuf, Vec<OsString>, RunLimits);

impl std::fmt::Debug for StartedAhead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StartedAhead")
    }
}

impl StartedAhead {
    /// A program with these arguments started ahead and still waiting;
    /// one the starter thread is starting is waited for, as it is further
    /// along than one started now would be (for a while: past it, the
    /// check starts its own).
    pub(crate) fn take(&self, args: &[OsString]) -> Option<Started> {
        let deadline = Instant::now() + STARTING_WAIT;
        let mut programs = self.0.lock();
        loop {
            while let Some(at) = programs.ready.iter().position(|(a, _)| a == args) {
                let (_, started) = programs.ready.swap_remove(at);
                if !started.has_ended() {
                    return Some(started);
                }
                // Killed from outside while it waited: reaped as it drops.
            }
            let now = Instant::now();
            if now >= deadline || !programs.starting.iter().any(|a| a == args) {
                return None;
            }
            programs = self
                .0
                .started
                .wait_timeout(programs, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Start one more program for a later check, on the starter thread.
    pub(crate) fn start_one(&self, program: &Path, args: &[OsString], limits: &RunLimits) {
        let mut starter = self
            .0
            .starter
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if starter.is_none() {
            let (send, receive) = mpsc::channel::<Request>();
            let inner = Arc::downgrade(&self.0);
            let spawned = std::thread::Builder::new()
                .name("whittle-ahead".into())
                .spawn(move || starter_thread(&inner, &receive));
            if spawned.is_err() {
                return;
            }
            *starter = Some(send);
        }
        if let Some(send) = starter.as_ref() {
            self.0.lock().starting.push(args.to_vec());
            if send
                .send((program.to_path_buf(), args.to_vec(), limits.clone()))
                .is_err()
            {
                self.0.started_one(args, None);
            }
        }
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Programs> {
        self.programs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A program asked for with `args` is started (`Some`), or will not be.
    fn started_one(&self, args: &[OsString], started: Option<Started>) {
        let mut programs = self.lock();
        if let Some(at) = programs.starting.iter().position(|a| a == args) {
            programs.starting.swap_remove(at);
        }
        if let Some(started) = started {
            programs.ready.push((args.to_vec(), started));
        }
        drop(programs);
        self.started.notify_all();
    }
}

/// Start each program asked for and put it with the ready ones, until the
/// oracle goes (its queue closes).
fn starter_thread(inner: &Weak<Inner>, requests: &mpsc::Receiver<Request>) {
    for (program, args, limits) in requests {
        let Some(inner) = inner.upgrade() else {
            return;
        };
        if inner.lock().ready.len() >= MOST_READY {
            inner.started_one(&args, None);
            continue;
        }
        // One that cannot start is started again by the check that wants it.
        let started = start(&program, &args, None, &[], &limits, true).ok();
        inner.started_one(&args, started);
    }
}
