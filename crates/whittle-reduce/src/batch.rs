//! How many oracle runs a batch holds.
//!
//! `-j N` runs up to N candidates at once, and N is the right number when a
//! check uses one core. When a check already keeps several busy (a
//! predicate whose engine compiles functions in parallel), running more
//! at once slows each of them, and the speculative ones do not pay for
//! that: a batch of `j` holds on average `1 + p + ... + p^(j-1)` useful
//! candidates (a prediction is right a fraction `p` of the time), while
//! `j` checks of `c` cores each on `N` cores take `max(1, j*c/N)` times as
//! long as one alone. The batch size is the `j` that gets the most useful
//! candidates per unit of time. Only the batch size changes: the search
//! walks every batch as the sequential search would, so the result does
//! not depend on it.

use crate::driver::Reducer;

/// How often a batch's prediction is right, as measured on the corpus
/// cases at `-j 2` (README, "Benchmarks: cores").
const PREDICTION_RIGHT: f64 = 0.55;

impl Reducer<'_> {
    /// Oracle runs per batch: `-j` less the jobs held beside the search,
    /// or fewer when checks use several cores.
    pub(crate) fn batch_size(&self) -> usize {
        let held = self.opts.jobs_held.as_ref().map_or(0, |held| held.held());
        let jobs = self.opts.jobs.saturating_sub(held).max(1);
        let cores_per_check = self
            .opts
            .check_load
            .as_ref()
            .and_then(|load| load.cores_per_check())
            .unwrap_or(1.0);
        best_batch(jobs, cores_per_check)
    }
}

/// The batch size with the most useful candidates per unit of time, for
/// `jobs` cores and checks of `cores_per_check` cores each.
fn best_batch(jobs: usize, cores_per_check: f64) -> usize {
    let c = cores_per_check.max(1.0);
    let rate = |j: usize| {
        let useful = (1.0 - PREDICTION_RIGHT.powi(j as i32)) / (1.0 - PREDICTION_RIGHT);
        useful / (j as f64 * c / jobs as f64).max(1.0)
    };
    // Ties (no slow-down, and the useful count saturated) go to the larger.
    (1..=jobs).fold(1, |best, j| if rate(j) >= rate(best) { j } else { best })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_of_one_core_use_every_job() {
        for jobs in [1, 2, 4, 16, 64] {
            assert_eq!(best_batch(jobs, 1.0), jobs);
            // A little over one core (process start-up): about as many as
            // the cores hold.
            assert!(
                best_batch(jobs, 1.05) as f64 + 1.0 >= jobs as f64 / 1.05,
                "{jobs}"
            );
        }
    }

    #[test]
    fn a_little_over_one_core_keeps_few_jobs_whole() {
        assert_eq!(best_batch(2, 1.05), 2);
        assert_eq!(best_batch(4, 1.05), 4);
    }

    #[test]
    fn checks_that_fill_the_machine_go_one_at_a_time() {
        assert_eq!(best_batch(2, 1.9), 1);
        assert_eq!(best_batch(16, 16.0), 1);
    }

    #[test]
    fn checks_of_a_few_cores_share_the_machine() {
        // Two cores, a check of 1.3: two at once still pay.
        assert_eq!(best_batch(2, 1.3), 2);
        // Sixteen cores, checks of six: three at once.
        assert_eq!(best_batch(16, 6.0), 3);
    }
}
