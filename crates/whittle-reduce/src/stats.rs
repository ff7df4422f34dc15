//! Counters for the report: where the oracle calls and the time went.

use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Clone, Debug, Default, Serialize)]
pub struct PassStats {
    /// Candidates built by this pass.
    pub candidates: u64,
    /// Candidates the oracle ran.
    pub oracle_calls: u64,
    /// Candidates accepted as the new best.
    pub accepted: u64,
    /// Bytes removed by accepted candidates.
    pub bytes_removed: u64,
    /// Wall time whittle spent on this pass's own work: listing its targets,
    /// building, encoding and validating candidates, gating them.
    #[serde(rename = "build_seconds", serialize_with = "secs")]
    pub build_time: Duration,
    /// Wall time waiting for the oracle on this pass's candidates (a batch
    /// judged at once is shared among the passes it holds candidates of).
    #[serde(rename = "oracle_seconds", serialize_with = "secs")]
    pub oracle_time: Duration,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    pub oracle_calls: u64,
    pub cache_hits: u64,
    /// Candidates that failed validation (never run).
    pub invalid_skipped: u64,
    /// Candidates whose edit could not be applied (a removed item still used).
    pub unrepairable_skipped: u64,
    /// Candidates that were not cheaper than the current best (never run).
    pub not_smaller_skipped: u64,
    pub rounds: u64,
    /// Candidates judged in parallel off the path the search took (a
    /// wrong guess in the batch before them).
    pub speculation_wasted: u64,
    #[serde(serialize_with = "secs")]
    pub oracle_time: Duration,
    pub per_pass: BTreeMap<String, PassStats>,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}
