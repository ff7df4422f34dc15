//! How many cores a check keeps busy, measured on the checks that ran
//! alone.
//!
//! `-j N` runs N checks at once on the assumption that each uses one core.
//! A predicate whose engine compiles a module's functions in parallel (a
//! script running the `wasmtime` CLI, or `whittle check`) already uses
//! every core: two such checks at once each take twice as long, and the
//! speculative half of a batch then costs more than it saves (measured: a
//! 2.6 MB module behind such a predicate took 7.9 s at `-j 2` against
//! 6.9 s at `-j 1` on two cores). The driver sizes its batches from this
//! figure (`whittle_reduce`'s `batch_size`). It is read from checks that
//! had the machine to themselves: one measured while another ran would
//! show half the cores it wants, and the batches would never shrink.
//!
//! A built-in check started ahead (`ahead.rs`) counts its CPU time, its
//! start included, over the time it ran with its candidate: its start was
//! made while the check before it ran, as the next one's is made while it
//! runs, so that is what each check in flight costs the machine. A check
//! of a few milliseconds then keeps about 1.5 cores busy (its start is
//! half of its CPU), and two cores hold one at a time: at `-j 2` the small
//! corpus rows went 6-10% faster (`gc-eh-simd` 176 -> 165 ms,
//! `simd-disabled` 130 -> 117 ms), a compile of some milliseconds
//! (`riscv64-memcopy`, 494 -> 490 ms) kept both jobs. Counted over the time
//! since its start (which includes its wait for the candidate), the same
//! check seemed to keep under one core busy.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// What the earlier checks still weigh each time one more is counted: the
/// module shrinks as the reduction goes, and with it what a check compiles
/// in parallel. The average is weighted by wall time too, so that a 10 ms
/// check (process start-up, one core) barely moves what a 1 s compile of
/// the whole module said.
const DECAY: f64 = 0.7;

/// The running tally of one oracle's checks (shared by its clones).
#[derive(Debug, Default)]
pub struct CheckLoad {
    /// Checks running now.
    running: AtomicUsize,
    /// Checks started so far.
    started: AtomicU64,
    /// CPU and wall seconds of the checks that ran alone, the older ones
    /// decayed (see [`DECAY`]).
    alone: Mutex<(f64, f64)>,
}

/// A check in progress (see [`CheckLoad::start`]).
pub struct Running<'a> {
    load: &'a CheckLoad,
    /// `started` once this check had started.
    started: u64,
    /// No other check was running when this one started.
    alone: bool,
}

impl CheckLoad {
    /// A check starts; end it with [`Running::end`] (or drop it when the
    /// check failed to run).
    pub fn start(&self) -> Running<'_> {
        let alone = self.running.fetch_add(1, Ordering::SeqCst) == 0;
        let started = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        Running {
            load: self,
            started,
            alone,
        }
    }

    /// Cores a check keeps busy, on average over the recent checks that
    /// ran alone; `None` before the first.
    pub fn cores_per_check(&self) -> Option<f64> {
        let (cpu, wall) = *self.alone.lock().unwrap_or_else(|e| e.into_inner());
        (wall > 0.0).then(|| cpu / wall)
    }

    /// How many of `jobs` independent checks (all of them needed) to run
    /// at once: as many as the cores hold, `jobs / cores per check`, and
    /// one at a time when a check fills the machine.
    pub fn runs_at_once(&self, jobs: usize) -> usize {
        let cores = self.cores_per_check().unwrap_or(1.0).max(1.0);
        ((jobs as f64 / cores).round() as usize).clamp(1, jobs.max(1))
    }

    /// Count a check that ran alone.
    pub fn record_alone(&self, cpu: Duration, wall: Duration) {
        let mut alone = self.alone.lock().unwrap_or_else(|e| e.into_inner());
        alone.0 = alone.0 * DECAY + cpu.as_secs_f64();
        alone.1 = alone.1 * DECAY + wall.as_secs_f64();
    }
}

impl Running<'_> {
    /// The check ended after `wall`, having used `cpu`.
    pub fn end(self, cpu: Duration, wall: Duration) {
        // Alone throughout: nothing running at its start, nothing started
        // since.
        let alone = self.alone && self.load.started.load(Ordering::SeqCst) == self.started;
        if alone {
            self.load.record_alone(cpu, wall);
        }
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.load.running.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn only_checks_alone_count() {
        let load = CheckLoad::default();
        assert_eq!(load.cores_per_check(), None);
        // Two at once: neither counts.
        let a = load.start();
        let b = load.start();
        a.end(400 * MS, 100 * MS);
        b.end(400 * MS, 100 * MS);
        assert_eq!(load.cores_per_check(), None);
        // One alone, using two cores.
        load.start().end(2000 * MS, 1000 * MS);
        assert_eq!(load.cores_per_check(), Some(2.0));
        // A short one on one core barely moves it: weighed by wall time.
        load.start().end(10 * MS, 10 * MS);
        let cores = load.cores_per_check().unwrap();
        assert!(cores > 1.98 && cores < 2.0, "{cores}");
        // Long ones on one core take over as the earlier ones decay.
        for _ in 0..20 {
            load.start().end(1000 * MS, 1000 * MS);
        }
        let cores = load.cores_per_check().unwrap();
        assert!(cores < 1.01, "{cores}");
    }

    #[test]
    fn independent_runs_go_as_many_at_once_as_the_cores_hold() {
        let load = CheckLoad::default();
        // Not measured: one core each.
        assert_eq!(load.runs_at_once(2), 2);
        load.record_alone(1050 * MS, 1000 * MS);
        assert_eq!(load.runs_at_once(2), 2);
        assert_eq!(load.runs_at_once(1), 1);
        let busy = CheckLoad::default();
        busy.record_alone(1830 * MS, 1000 * MS);
        assert_eq!(busy.runs_at_once(2), 1);
        assert_eq!(busy.runs_at_once(16), 9);
    }

    #[test]
    fn a_check_that_overlaps_a_later_one_does_not_count() {
        let load = CheckLoad::default();
        let first = load.start();
        let second = load.start();
        second.end(100 * MS, 100 * MS);
        // `first` started alone, but `second` ran during it.
        first.end(300 * MS, 100 * MS);
        assert_eq!(load.cores_per_check(), None);
    }
}
