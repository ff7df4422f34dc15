//! What stops a reduction early. Ctrl-C (or SIGTERM): the first one asks
//! the reduction to stop where it is (the best so far and the report are
//! still written, the checkpoint kept for `--resume`); a second one exits
//! at once. The time budget: [`BudgetWatch`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    if STOP.swap(true, Ordering::SeqCst) {
        // SAFETY: `_exit` is async-signal-safe.
        unsafe { libc::_exit(130) };
    }
    whittle_oracle::cancel_all();
}

static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();

/// Install the handler (once per process); the returned flag turns true on
/// the first Ctrl-C.
pub fn install() -> Arc<AtomicBool> {
    Arc::clone(FLAG.get_or_init(install_once))
}

fn install_once() -> Arc<AtomicBool> {
    let handler = on_sigint as extern "C" fn(libc::c_int);
    // SAFETY: the handler only touches atomics and calls `_exit`.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
    }
    let flag = Arc::new(AtomicBool::new(false));
    let watcher = Arc::clone(&flag);
    std::thread::spawn(move || loop {
        if STOP.load(Ordering::SeqCst) {
            watcher.store(true, Ordering::SeqCst);
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    });
    flag
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The time budget: when it runs out, the checks in progress are stopped
/// too (a compile may take minutes), so `--time-budget` is honoured within
/// a second whatever the oracle is doing. The driver sees the deadline
/// itself and discards the answers of the stopped checks; later checks
/// (the report's) run normally.
pub struct BudgetWatch {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BudgetWatch {
    pub fn start(deadline: std::time::Instant) -> BudgetWatch {
        let done = Arc::new(AtomicBool::new(false));
        let watching = Arc::clone(&done);
        let thread = std::thread::spawn(move || {
            while !watching.load(Ordering::SeqCst) {
                let now = std::time::Instant::now();
                if now >= deadline {
                    whittle_oracle::cancel_running();
                    return;
                }
                std::thread::sleep((deadline - now).min(std::time::Duration::from_millis(50)));
            }
        });
        BudgetWatch {
            done,
            thread: Some(thread),
        }
    }
}

impl Drop for BudgetWatch {
    /// The reduction is over: stop watching (the report's checks must not
    /// be cancelled).
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
