//! Judging modules against a criterion, and establishing the criterion
//! from the original: the one place that decides "is this still the same
//! failure".
//!
//! The CLI maps its flags to an [`Expectation`] (what the user asks for:
//! a failure, pinned or not, a predicate's yes, a resource bound or a
//! disagreement) and to the oracle(s) that check; [`Judge::establish`] runs
//! the original and turns the expectation into a [`Criterion`] it meets,
//! and the [`Judge`] then answers for every candidate.
//!
//! Resource measurements are noisy, and noise would make a reduction
//! wander: a figure just above the bound is measured again and the
//! smallest reading counts, and a candidate must clear the bound by a small
//! margin (2% of memory, 5% of time). The margin is hysteresis: the result
//! then still holds, without it, when checked again at the end.

use crate::criterion::{disagreement, mib, Criterion, Measured, Verdict};
use crate::explain::in_full;
use crate::oracle::{Evaluation, Oracle};
use crate::outcome::{Kind, Outcome};
use crate::signature::Signature;
use anyhow::{bail, Result};
use std::time::Duration;

/// What the user asks of a module before the original is seen: the
/// criterion-to-be. Which signature a failure keeps is decided here
/// ([`Expectation::signature`]) for every command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// A failure: the original's own signature, or pinned by `expect` (a
    /// regex searched in the raw message) and `kind`.
    Failure {
        expect: Option<String>,
        kind: Option<Kind>,
    },
    /// A user predicate says "interesting": it exits with 0.
    PredicateSaysYes,
    /// The check's peak resident memory is above this many bytes.
    PeakRssAbove { bytes: u64 },
    /// The check takes longer than this.
    CompileTimeAbove { bound: Duration },
    /// The judge's two oracles disagree on a run.
    Disagreement,
}

impl Expectation {
    /// A bound that grows with the amount of code the module holds (its
    /// compile's peak memory or time), rather than a failure it has.
    pub fn counts_code(&self) -> bool {
        matches!(
            self,
            Expectation::PeakRssAbove { .. } | Expectation::CompileTimeAbove { .. }
        )
    }

    /// The signature a module whose check gave `outcome` would be reduced
    /// under; an error says why there is none (it does not fail, or not as
    /// pinned). Only failures and predicates have signatures.
    pub fn signature(&self, outcome: &Outcome) -> Result<Signature> {
        match self {
            Expectation::Failure { expect, kind } => {
                Signature::pinned(outcome, expect.as_deref(), *kind)
            }
            Expectation::PredicateSaysYes => Ok(Signature::predicate_exit_zero()),
            Expectation::PeakRssAbove { .. }
            | Expectation::CompileTimeAbove { .. }
            | Expectation::Disagreement => {
                bail!("a resource bound or a disagreement has no signature")
            }
        }
    }

    /// Is a module's first evaluation all it takes to judge it (a
    /// signature to match, no reading to repeat and no second
    /// configuration)? Such an evaluation can be made before the
    /// criterion is known, and judged once it is.
    pub fn judged_from_first_evaluation(&self) -> bool {
        matches!(
            self,
            Expectation::Failure { .. } | Expectation::PredicateSaysYes
        )
    }

    /// Does `outcome` fail as expected (it has a signature, and meets it)?
    pub fn fails(&self, outcome: &Outcome) -> bool {
        self.signature(outcome)
            .is_ok_and(|signature| signature.matches(outcome))
    }
}

/// What a run of the original established: the criterion it meets, its
/// outcome, and the measurement the verdict rests on.
#[derive(Clone, Debug)]
pub struct Established {
    pub criterion: Criterion,
    pub outcome: Outcome,
    pub measured: Measured,
    /// CPU time of the original's check (see [`crate::load`]); `None` for
    /// a resumed run.
    pub cpu: Option<Duration>,
}

impl Established {
    /// The original's check time.
    pub fn wall(&self) -> Duration {
        Duration::from_secs_f64(self.measured.wall_seconds)
    }
}

/// The criterion with the oracle(s) it needs.
#[derive(Clone)]
pub struct Judge {
    pub criterion: Criterion,
    pub oracle: Oracle,
    /// The second configuration of a differential check.
    pub other: Option<Oracle>,
}

impl Judge {
    /// Establish what `expected` becomes on `original` (checked to hold),
    /// running `oracle` (and `other`, for a disagreement). A refusal tells
    /// the check in full, with `shown` as the module's name and
    /// `oracle_name` as the checker's.
    pub fn establish(
        expected: &Expectation,
        oracle: Oracle,
        other: Option<Oracle>,
        original: &[u8],
        shown: &str,
        oracle_name: &str,
    ) -> Result<Established> {
        let probe = Judge {
            criterion: Criterion::PeakRssAbove { bytes: 0 },
            oracle,
            other,
        };
        let first = probe.oracle.evaluate(original)?;
        let in_full = || in_full(&probe.oracle, shown, &first);
        let cpu = Some(first.cpu);
        let established = |criterion, verdict: Verdict| Established {
            criterion,
            outcome: verdict.outcome,
            measured: verdict.measured,
            cpu,
        };
        let criterion = match expected {
            Expectation::PeakRssAbove { bytes } => {
                let c = Criterion::PeakRssAbove { bytes: *bytes };
                let verdict = probe
                    .with(c.clone())
                    .judge_eval(original, first.clone(), false)?;
                if !verdict.holds {
                    bail!(
                        "the original's peak RSS ({}) is not above {}",
                        mib(verdict.measured.peak_rss_bytes),
                        mib(*bytes)
                    );
                }
                return Ok(established(c, verdict));
            }
            Expectation::CompileTimeAbove { bound } => {
                let c = Criterion::CompileTimeAbove {
                    seconds: bound.as_secs_f64(),
                };
                let verdict = probe
                    .with(c.clone())
                    .judge_eval(original, first.clone(), false)?;
                if !verdict.holds {
                    bail!(
                        "the original's check time ({:.2} s) is not reliably above {:.2} s",
                        verdict.measured.wall_seconds,
                        bound.as_secs_f64()
                    );
                }
                return Ok(established(c, verdict));
            }
            Expectation::Disagreement => {
                let Some(other) = &probe.other else {
                    bail!("a disagreement needs two configurations");
                };
                let second = other.evaluate(original)?;
                let Some(shape) = disagreement(&first.outcome, &second.outcome) else {
                    bail!(
                        "the configurations agree on the original (`{}` and `{}`)",
                        first.outcome.summary(),
                        second.outcome.summary()
                    );
                };
                Criterion::Differential { shape }
            }
            Expectation::PredicateSaysYes => {
                let sig = Signature::predicate_exit_zero();
                if !sig.matches(&first.outcome) {
                    bail!(
                        "the predicate does not find the original interesting ({})\n{}",
                        first.outcome.summary(),
                        in_full()
                    );
                }
                Criterion::Failure { signature: sig }
            }
            Expectation::Failure { .. } => {
                if matches!(
                    first.outcome,
                    Outcome::Ok | Outcome::Returned { .. } | Outcome::Validated
                ) {
                    bail!(
                        "does not fail: {oracle_name} gives `{}` with these flags\n{}",
                        first.outcome.summary(),
                        in_full()
                    );
                }
                let signature = expected
                    .signature(&first.outcome)
                    .map_err(|e| anyhow::anyhow!("{e:#}\n{}", in_full()))?;
                Criterion::Failure { signature }
            }
        };
        Ok(Established {
            criterion,
            measured: Measured::of(&first),
            outcome: first.outcome,
            cpu,
        })
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

    /// [`Judge::interesting`] of `bytes` given an evaluation of it made
    /// earlier by an oracle like this one's (e.g. before the criterion
    /// was known, see [`Expectation::judged_from_first_evaluation`]).
    pub fn interesting_given(&self, bytes: &[u8], first: Evaluation) -> Result<bool> {
        Ok(self.judge_eval(bytes, first, true)?.holds)
    }

    /// Does the criterion hold for `bytes` (a resource bound without the
    /// margin)? For the final re-check of a result: the verdict's reading
    /// is the one to report.
    pub fn recheck(&self, bytes: &[u8]) -> Result<Verdict> {
        let first = self.oracle.evaluate(bytes)?;
        self.judge_eval(bytes, first, false)
    }

    /// [`Judge::recheck`]'s answer for `bytes` given an evaluation of it
    /// made earlier (as [`Judge::interesting_given`]).
    pub fn holds_given(&self, bytes: &[u8], first: Evaluation) -> Result<bool> {
        Ok(self.judge_eval(bytes, first, false)?.holds)
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

    fn exit(code: i32) -> Outcome {
        Outcome::Exit {
            code,
            stderr_tail: String::new(),
        }
    }

    #[test]
    fn one_decision_says_which_outcomes_fail_as_expected() {
        let error = Outcome::Error {
            message: "bad at offset 1".into(),
        };
        let any = Expectation::Failure {
            expect: None,
            kind: None,
        };
        assert!(any.fails(&error));
        assert!(any.fails(&exit(1)));
        assert!(!any.fails(&Outcome::Ok));
        assert!(!any.fails(&Outcome::Returned { values: vec![] }));
        assert_eq!(
            any.signature(&error).unwrap().describe(),
            "error \"bad at offset N\""
        );

        let pinned = Expectation::Failure {
            expect: Some("^bad".into()),
            kind: Some(Kind::Error),
        };
        assert!(pinned.fails(&error));
        assert!(!pinned.fails(&Outcome::Error {
            message: "good".into()
        }));
        assert!(!pinned.fails(&Outcome::Timeout));

        let yes = Expectation::PredicateSaysYes;
        assert!(yes.fails(&exit(0)));
        assert!(!yes.fails(&exit(1)));
        assert!(!yes.fails(&error));

        for resource in [
            Expectation::PeakRssAbove { bytes: 1 },
            Expectation::Disagreement,
        ] {
            assert!(resource.signature(&error).is_err());
            assert!(!resource.fails(&error));
        }
    }
}
