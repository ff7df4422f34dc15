//! Jobs held by checks that run beside the search, outside the reducer (the
//! original's last re-runs: the CLI's `src/reduction/beside.rs`). The
//! batches leave them free (`batch.rs`), so that `-j` still bounds how many
//! checks run at once, and the time they run counts as the oracle's
//! (`Pool::busy_time`: the wall time during which some check ran).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub struct HeldJobs {
    held: AtomicUsize,
    /// When the last one was released.
    released_at: Mutex<Option<Instant>>,
}

impl HeldJobs {
    /// `jobs` held from now.
    pub fn new(jobs: usize) -> Arc<HeldJobs> {
        Arc::new(HeldJobs {
            held: AtomicUsize::new(jobs),
            released_at: Mutex::new((jobs == 0).then(Instant::now)),
        })
    }

    /// One more job is held.
    pub fn hold(&self) {
        self.held.fetch_add(1, Ordering::SeqCst);
    }

    /// One job is free again (its last check has ended).
    pub fn release(&self) {
        let mut released_at = self.released_at.lock().unwrap_or_else(|e| e.into_inner());
        if self.held.fetch_sub(1, Ordering::SeqCst) == 1 {
            *released_at = Some(Instant::now());
        }
    }

    /// How many are held now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    /// When the last one was released; `None` while some are held.
    pub fn all_released_at(&self) -> Option<Instant> {
        let released_at = self.released_at.lock().unwrap_or_else(|e| e.into_inner());
        (self.held() == 0).then_some(*released_at).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_release_is_dated() {
        let held = HeldJobs::new(2);
        assert_eq!(held.held(), 2);
        assert_eq!(held.all_released_at(), None);
        held.release();
        assert_eq!(held.all_released_at(), None);
        let before = Instant::now();
        held.release();
        assert_eq!(held.held(), 0);
        assert!(held.all_released_at().unwrap() >= before);
    }
}
