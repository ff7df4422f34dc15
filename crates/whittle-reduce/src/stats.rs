//! Counters for the report: where the oracle calls and the time went.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Read back from an earlier run's `report.json` too (corpus mode's index).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
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
    #[serde(rename = "build_seconds", with = "secs")]
    pub build_time: Duration,
    /// Wall time in the oracle on this pass's candidates: the time at
    /// least one check ran, counted at each batch since the batch before,
    /// shared among the passes the batch holds candidates of.
    #[serde(rename = "oracle_seconds", with = "secs")]
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
    /// wrong guess in the batch before them), those whose check was
    /// stopped once that was known included.
    pub speculation_wasted: u64,
    /// Wall time during which at least one check ran (whittle's own work
    /// while checks run costs the user nothing).
    #[serde(with = "secs")]
    pub oracle_time: Duration,
    pub per_pass: BTreeMap<String, PassStats>,
}

/// A duration as seconds (a float), as the report shows it.
mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let seconds = f64::deserialize(d)?;
        Duration::try_from_secs_f64(seconds).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_stats_read_back_as_written() {
        let stats = PassStats {
            candidates: 7,
            oracle_calls: 5,
            accepted: 2,
            bytes_removed: 300,
            build_time: Duration::from_millis(1500),
            oracle_time: Duration::from_millis(250),
        };
        let json = serde_json::to_string(&stats).unwrap();
        assert_eq!(
            json,
            r#"{"candidates":7,"oracle_calls":5,"accepted":2,"bytes_removed":300,"build_seconds":1.5,"oracle_seconds":0.25}"#
        );
        let back: PassStats = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        assert!(serde_json::from_str::<PassStats>(&json.replace("0.25", "-1")).is_err());
    }
}
