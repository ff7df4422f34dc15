//! The time a reduction spends in the oracle outside the search proper (the
//! original, the empty module, an existing output, the execution hint, the
//! final re-check): the report counts it in `oracle_seconds`, with the
//! search's own.

use std::time::{Duration, Instant};

/// The oracle time of the checks around the search, so far.
#[derive(Default)]
pub(super) struct OracleClock {
    pub total: Duration,
}

impl OracleClock {
    /// Run `check`, adding the time it takes.
    pub fn time<T>(&mut self, check: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let result = check();
        self.total += started.elapsed();
        result
    }
}
