//! What makes a candidate interesting: the failure's signature, a resource
//! bound (peak memory, compile time), or a disagreement between two
//! configurations (a miscompile).
//!
//! Resource measurements are noisy, and noise would make a reduction
//! wander: a figure just above the bound is measured again and the
//! smallest reading counts, and a candidate must clear the bound by a small
//! margin (2% of memory, 5% of time). The margin is hysteresis: the result
//! then still holds, without it, when checked again at the end.
//!
//! A [`Verdict`] carries the reading it rests on, and that reading is what
//! messages and reports show: never a reading that says otherwise.

use crate::oracle_opts::OracleOpts;
use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use whittle_oracle::{Evaluation, Oracle, Outcome, Signature};

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
    fn of(e: &Evaluation) -> Measured {
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

/// The criterion with the oracle(s) it needs.
pub struct Judge {
    pub criterion: Criterion,
    pub oracle: Oracle,
    /// The second configuration of a differential check.
    pub other: Option<Oracle>,
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
}

impl Judge {
    /// The judge the options ask for, running under `timeout`.
    pub fn new(
        opts: &OracleOpts,
        criterion: Criterion,
        timeout: Duration,
        jobs: usize,
    ) -> Result<Judge> {
        let (oracle, other) = match &opts.differential {
            Some(configs) => {
                let a = opts
                    .with_flags(&configs[0])?
                    .oracle_for_jobs(timeout, jobs)?;
                let b = opts
                    .with_flags(&configs[1])?
                    .oracle_for_jobs(timeout, jobs)?;
                (a, Some(b))
            }
            None if opts.wasmtime.len() == 2 => {
                // Two builds: the same run under each.
                if opts.phase != crate::child::Phase::Run {
                    bail!("two --wasmtime builds are compared on a run: add --phase run --invoke NAME");
                }
                let mut first = opts.clone();
                first.wasmtime.truncate(1);
                let mut second = opts.clone();
                second.wasmtime.remove(0);
                (
                    first.oracle_for_jobs(timeout, jobs)?,
                    Some(second.oracle_for_jobs(timeout, jobs)?),
                )
            }
            None => (opts.oracle_for_jobs(timeout, jobs)?, None),
        };
        Ok(Judge {
            criterion,
            oracle,
            other,
        })
    }

    /// The criterion a fresh run establishes from the original (checked to
    /// hold), with the original's outcome and the measurement the verdict
    /// rests on. A refusal tells the check in full, with `shown` as the
    /// module's name.
    pub fn establish(
        opts: &OracleOpts,
        original: &[u8],
        shown: &str,
    ) -> Result<(Criterion, Outcome, Measured)> {
        opts.check_invoke(original)?;
        let timeout = opts.timeout.unwrap_or(Duration::from_secs(60));
        let probe = Judge::new(opts, Criterion::PeakRssAbove { bytes: 0 }, timeout, 1)?;
        let first = probe.oracle.evaluate(original)?;
        let in_full = || crate::explain::in_full(&probe.oracle, shown, &first);
        if let Some(bytes) = opts.peak_rss_above {
            let c = Criterion::PeakRssAbove { bytes };
            let verdict = probe
                .with(c.clone())
                .judge_eval(original, first.clone(), false)?;
            if !verdict.holds {
                bail!(
                    "the original's peak RSS ({}) is not above {}",
                    mib(verdict.measured.peak_rss_bytes),
                    mib(bytes)
                );
            }
            return Ok((c, verdict.outcome, verdict.measured));
        }
        if let Some(d) = opts.compile_time_above {
            let c = Criterion::CompileTimeAbove {
                seconds: d.as_secs_f64(),
            };
            let verdict = probe
                .with(c.clone())
                .judge_eval(original, first.clone(), false)?;
            if !verdict.holds {
                bail!(
                    "the original's check time ({:.2} s) is not reliably above {:.2} s",
                    verdict.measured.wall_seconds,
                    d.as_secs_f64()
                );
            }
            return Ok((c, verdict.outcome, verdict.measured));
        }
        let measured = Measured::of(&first);
        if let Some(other) = &probe.other {
            let second = other.evaluate(original)?;
            let Some(shape) = disagreement(&first.outcome, &second.outcome) else {
                bail!(
                    "the configurations agree on the original (`{}` and `{}`)",
                    first.outcome.summary(),
                    second.outcome.summary()
                );
            };
            return Ok((Criterion::Differential { shape }, first.outcome, measured));
        }
        let signature = if opts.predicate.is_some() {
            let sig = Signature::predicate_exit_zero();
            if !sig.matches(&first.outcome) {
                bail!(
                    "the predicate does not find the original interesting ({})\n{}",
                    first.outcome.summary(),
                    in_full()
                );
            }
            sig
        } else {
            if matches!(first.outcome, Outcome::Ok | Outcome::Returned { .. }) {
                bail!(
                    "does not fail: {} gives `{}` with these flags\n{}",
                    opts.oracle_name(),
                    first.outcome.summary(),
                    in_full()
                );
            }
            Signature::pinned(&first.outcome, opts.expect.as_deref(), opts.expect_kind)
                .map_err(|e| anyhow::anyhow!("{e:#}\n{}", in_full()))?
        };
        Ok((Criterion::Failure { signature }, first.outcome, measured))
    }

    fn with(self, criterion: Criterion) -> Judge {
        Judge { criterion, ..self }
    }

    /// Is `bytes` interesting (clearing a resource bound by the margin)?
    pub fn interesting(&self, bytes: &[u8]) -> Result<bool> {
        let first = self.oracle.evaluate(bytes)?;
        Ok(self.judge_eval(bytes, first, true)?.holds)
    }

    /// [`Judge::interesting`] with the (first) evaluation it judged, for
    /// `-v` lines.
    pub fn interesting_eval(&self, bytes: &[u8]) -> Result<(bool, Evaluation)> {
        let first = self.oracle.evaluate(bytes)?;
        Ok((self.judge_eval(bytes, first.clone(), true)?.holds, first))
    }

    /// Does the criterion hold for `bytes` (a resource bound without the
    /// margin)? For the final re-check of a result: the verdict's reading
    /// is the one to report.
    pub fn recheck(&self, bytes: &[u8]) -> Result<Verdict> {
        let first = self.oracle.evaluate(bytes)?;
        self.judge_eval(bytes, first, false)
    }

    /// [`Judge::recheck`]'s answer with the (first) evaluation it judged,
    /// for saying how a repeated run of the original differed.
    pub fn holds_eval(&self, bytes: &[u8]) -> Result<(bool, Evaluation)> {
        let first = self.oracle.evaluate(bytes)?;
        Ok((self.judge_eval(bytes, first.clone(), false)?.holds, first))
    }

    /// Given a first evaluation of `bytes`, is it interesting (measuring
    /// again when a resource reading is close to its bound; with `margin`,
    /// a resource bound must be cleared by the hysteresis margin)?
    fn judge_eval(&self, bytes: &[u8], first: Evaluation, margin: bool) -> Result<Verdict> {
        let verdict = |holds: bool, used: Evaluation| Verdict {
            holds,
            measured: Measured::of(&used),
            outcome: used.outcome,
        };
        Ok(match &self.criterion {
            Criterion::Failure { signature } => verdict(signature.matches(&first.outcome), first),
            Criterion::PeakRssAbove { bytes: bound } => {
                let bound = if margin { bound + bound / 50 } else { *bound };
                let far = bound + bound / 4;
                let low = self.lowest(
                    bytes,
                    first,
                    |e| e.peak_rss_bytes,
                    |p| p <= bound || p >= far,
                )?;
                verdict(low.peak_rss_bytes > bound, low)
            }
            Criterion::CompileTimeAbove { seconds } => {
                let bound = Duration::from_secs_f64(if margin { seconds * 1.05 } else { *seconds });
                let low = self.lowest(bytes, first, |e| e.wall, |w| w <= bound)?;
                verdict(low.wall > bound, low)
            }
            Criterion::Differential { shape } => {
                let other = self.other.as_ref().expect("differential has two oracles");
                let second = other.evaluate(bytes)?;
                let holds = disagreement(&first.outcome, &second.outcome).as_ref() == Some(shape);
                verdict(holds, first)
            }
        })
    }

    /// The evaluation with the lowest `reading` among `first` and up to two
    /// more, stopping as soon as one is `settled` (clearly on one side).
    fn lowest<R: PartialOrd + Copy>(
        &self,
        bytes: &[u8],
        first: Evaluation,
        reading: impl Fn(&Evaluation) -> R,
        settled: impl Fn(R) -> bool,
    ) -> Result<Evaluation> {
        let mut low = first;
        for _ in 0..2 {
            if settled(reading(&low)) {
                break;
            }
            let again = self.oracle.evaluate(bytes)?;
            if reading(&again) < reading(&low) {
                low = again;
            }
        }
        Ok(low)
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
