//! The CPU time of a reduction: whittle's own (all its threads: the
//! passes' work, starting checks, reading their output, writing files) and
//! its checks' (every program it started and waited for: `whittle
//! __check`, `wasmtime`, a predicate and whatever that waited for). Beside
//! the wall time it says how many cores the run kept busy, and so how far
//! more jobs can take it on the machine it ran on: a run whose `-j 1`
//! already keeps 1.2 of 2 cores busy cannot be much more than 1.6 times as
//! fast at `-j 2`, however right the speculation.
//!
//! Read as the difference of `getrusage` from the start of the reduction,
//! so that `whittle corpus`, which reduces one module after the other in
//! one process, reports each reduction's own.

use std::time::Duration;

/// CPU time so far, from a start.
pub(super) struct CpuClock {
    own: Duration,
    checks: Duration,
}

impl CpuClock {
    pub fn start() -> CpuClock {
        CpuClock {
            own: used(libc::RUSAGE_SELF),
            checks: used(libc::RUSAGE_CHILDREN),
        }
    }

    /// Whittle's own CPU time since the start, and its checks'.
    pub fn elapsed(&self) -> (Duration, Duration) {
        (
            used(libc::RUSAGE_SELF).saturating_sub(self.own),
            used(libc::RUSAGE_CHILDREN).saturating_sub(self.checks),
        )
    }
}

/// User and system time of `who` (`RUSAGE_SELF`, `RUSAGE_CHILDREN`: those
/// waited for).
fn used(who: libc::c_int) -> Duration {
    // SAFETY: an all-zero rusage is a valid value; getrusage only writes it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to an rusage we own.
    if unsafe { libc::getrusage(who, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    whittle_oracle::process::cpu_time(&usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A child that spins counts in the checks' time once waited for, and
    /// the spinning here in whittle's own.
    #[test]
    fn counts_own_and_waited_for_children() {
        let clock = CpuClock::start();
        let spin = |d: Duration| {
            let start = std::time::Instant::now();
            let mut x = 0u64;
            while start.elapsed() < d {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        };
        spin(Duration::from_millis(30));
        let status = std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"])
            .status()
            .unwrap();
        assert!(status.success());
        let (own, checks) = clock.elapsed();
        assert!(own > Duration::ZERO, "{own:?}");
        assert!(checks > Duration::ZERO, "{checks:?}");
    }
}
