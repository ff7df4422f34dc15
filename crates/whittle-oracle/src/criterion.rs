//! What makes a candidate interesting ([`Criterion`]): the failure's
//! signature, a resource bound (peak memory, compile time), or a
//! disagreement between two configurations (a miscompile); and the answer
//! for one module ([`Verdict`]).
//!
//! A [`Verdict`] carries the reading it rests on, and that reading is what
//! messages and reports show: never a reading that says otherwise.

use crate::oracle::Evaluation;
use crate::outcome::Outcome;
use crate::signature::Signature;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "criterion", rename_all = "kebab-case")]
pub enum Criterion {
    /// Fails the same way.
    Failure { signature: Signature },
    /// The check's peak resident memory is above this many bytes.
    PeakRssAbove { bytes: u64 },
    /// The check takes longer than this (the minimum of a few runs).
    CompileTimeAbove { seconds: f64 },
    /// Two configurations disagree, in the same way as on the original
    /// (`returned`/`trap <code>` on each side).
    Differential { shape: (String, String) },
}

/// A measurement of one module, for reports.
#[derive(Clone, Debug, Serialize, Deserialize, Default)]
pub struct Measured {
    pub wall_seconds: f64,
    pub peak_rss_bytes: u64,
}

impl Measured {
    pub fn of(e: &Evaluation) -> Measured {
        Measured {
            wall_seconds: e.wall.as_secs_f64(),
            peak_rss_bytes: e.peak_rss_bytes,
        }
    }
}

/// Whether a module meets the criterion, with the check the verdict rests
/// on: for a resource bound, the lowest of the readings taken.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub holds: bool,
    pub outcome: Outcome,
    pub measured: Measured,
}

/// Bytes as MiB for people: whole when whole, else to a tenth (a reading
/// of 70.6 MiB must not print as the bound of 70 MiB it is above).
pub fn mib(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    }
}

/// `returned` or `trap <code>`; anything else cannot take part in a
/// differential comparison (a compile error is not a miscompile, a timeout
/// or fuel exhaustion says nothing).
fn shape(o: &Outcome) -> Option<String> {
    match o {
        Outcome::Returned { .. } => Some("returned".into()),
        Outcome::Trap { code, .. } => Some(format!("trap {code}")),
        _ => None,
    }
}

/// Do two run outcomes disagree, and how?
pub fn disagreement(a: &Outcome, b: &Outcome) -> Option<(String, String)> {
    let (sa, sb) = (shape(a)?, shape(b)?);
    (a != b).then_some((sa, sb))
}

impl Criterion {
    pub fn describe(&self) -> String {
        match self {
            Criterion::Failure { signature } => signature.describe(),
            Criterion::PeakRssAbove { bytes } => format!("peak RSS above {}", mib(*bytes)),
            Criterion::CompileTimeAbove { seconds } => format!("check time above {seconds:.2} s"),
            Criterion::Differential { shape } => {
                format!("configurations disagree ({} vs {})", shape.0, shape.1)
            }
        }
    }

    /// What a check gave, in the terms of this criterion: the reading for a
    /// resource bound, else the outcome.
    pub fn reading(&self, outcome: &Outcome, measured: &Measured) -> String {
        match self {
            Criterion::PeakRssAbove { .. } => {
                format!("a peak RSS of {}", mib(measured.peak_rss_bytes))
            }
            Criterion::CompileTimeAbove { .. } => format!("{:.2} s", measured.wall_seconds),
            _ => format!("`{}`", outcome.summary()),
        }
    }

    pub fn signature(&self) -> Option<&Signature> {
        match self {
            Criterion::Failure { signature } => Some(signature),
            _ => None,
        }
    }

    /// A bound on a reading (peak memory, check time) rather than an
    /// outcome: a reading can land on the other side on a second look, and
    /// is taken with no other check beside it.
    pub fn is_resource_bound(&self) -> bool {
        matches!(
            self,
            Criterion::PeakRssAbove { .. } | Criterion::CompileTimeAbove { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disagreements_have_a_shape() {
        let r = |v: &str| Outcome::Returned {
            values: vec![v.into()],
        };
        let t = |c: &str| Outcome::Trap {
            code: c.into(),
            message: String::new(),
        };
        assert_eq!(disagreement(&r("i32:1"), &r("i32:1")), None);
        assert_eq!(
            disagreement(&r("i32:1"), &r("i32:2")),
            Some(("returned".into(), "returned".into()))
        );
        assert_eq!(
            disagreement(&t("MemoryOutOfBounds"), &r("i32:0")),
            Some(("trap MemoryOutOfBounds".into(), "returned".into()))
        );
        assert_eq!(disagreement(&t("X"), &t("X")), None);
        assert_eq!(disagreement(&Outcome::Timeout, &r("i32:0")), None);
        assert_eq!(
            disagreement(
                &Outcome::Error {
                    message: "e".into()
                },
                &r("i32:0")
            ),
            None
        );
    }
}
