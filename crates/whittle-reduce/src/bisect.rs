//! Bisection over a length plan: for each target, the smallest length that
//! still fails, in log2(length) candidates (a 70,000-entry `br_table` needs
//! 17, where removing entries one by one would take 70,000).
//!
//! Targets are taken in order; every accepted length stays while the later
//! targets are bisected, and after every [`REBASE_EVERY`] targets that
//! changed the search re-bases on the current best, so a candidate never
//! carries more than that many earlier decisions. From the second round on,
//! a target is first probed one below its length: a length already minimal
//! (the common case once a round has run) then costs one candidate, and
//! with `jobs > 1` the one-below probes of the next targets go in the same
//! batch (each built as if the targets before it were minimal; one that is
//! not makes the probes after it stale).
//!
//! In the first round, a pass whose likely answer is length 0 (limits,
//! data: `LengthPass::shortest_first`) has that probed before the
//! bisection: one candidate for a 65536-page memory that can go, where the
//! bisection took 17.
//!
//! With `jobs > 1` a batch holds the `jobs` probes of the binary search tree
//! most likely to be asked, each weighed by how likely the answers above it
//! are (a probe is accepted as often as this search's probes were so far):
//! with two jobs that is the middle and the half the search most likely
//! goes to next, not the middle and both halves, one of which is never
//! asked. The walk over the answers is the sequential search's, so the
//! result does not depend on `jobs`.

use crate::ddmin::Relist;
use crate::driver::{Judged, Reducer, Step};
use crate::judge::Until;
use crate::still_needed::{bisection_probe, StillNeeded};
use anyhow::Result;
use std::collections::HashMap;
use std::sync::Arc;
use whittle_module::Module;
use whittle_passes::LengthPlan;

/// Shortened targets carried before the search re-bases.
const REBASE_EVERY: usize = 64;

/// Where a bisection over one pass stands, carried across re-bases.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Progress {
    /// The next target to bisect.
    next: usize,
    /// How many targets the plan had when the search last re-based (0: it
    /// has not): targets that vanish with a re-base (a constant shrunk to
    /// 0) are ones already bisected, so `next` moves back by as many.
    targets_before: usize,
}

impl Reducer<'_> {
    pub(crate) fn bisect(
        &mut self,
        name: &'static str,
        base: &Module,
        plan: &dyn LengthPlan,
        progress: &mut Progress,
        relist: Relist<'_>,
    ) -> Result<Step> {
        let lengths = plan.lengths();
        if progress.targets_before > lengths.len() {
            progress.next = progress
                .next
                .saturating_sub(progress.targets_before - lengths.len());
        }
        let jobs = self.batch_size();
        // This search's probes so far (Laplace's rule gives the odds of the
        // next one being accepted).
        let (mut asked, mut shortened) = (0usize, 0usize);
        let mut accepted: Vec<(usize, usize)> = Vec::new();
        // From the second round: the one-below probes of the targets ahead,
        // judged in the batch of an earlier target.
        let mut minimal_probes: HashMap<usize, Judged> = HashMap::new();
        while progress.next < lengths.len() {
            let target = progress.next;
            // `len` itself is the unchanged target, known to be interesting.
            let (mut lo, mut hi) = (0, lengths[target]);
            if self.round > 1 && hi > 0 {
                // Most lengths are already minimal after a round: ask that
                // first.
                if self.should_stop() {
                    return Ok(Step::Stopped);
                }
                // (A probe stopped as stale was not asked: ask again.)
                let answer = match minimal_probes.remove(&target).filter(|j| !j.unanswered) {
                    Some(answer) => answer,
                    None => {
                        // This target's probe and those of the next ones,
                        // each built as if the ones before it were minimal
                        // (the common case): with `jobs` > 1 they go at once.
                        let targets: Vec<usize> = (target..lengths.len())
                            .filter(|&t| lengths[t] > 0)
                            .take(jobs)
                            .collect();
                        let choices: Vec<Vec<(usize, usize)>> = targets
                            .iter()
                            .map(|&t| with(&accepted, t, lengths[t] - 1))
                            .collect();
                        // Each predicted minimal: past one that is not,
                        // the probes are stale.
                        let minimal = vec![false; choices.len()];
                        let judged = self.build_and_judge(
                            name,
                            base,
                            &choices,
                            |c| plan.edit(c),
                            Some(&StillNeeded::Path(&minimal)),
                        )?;
                        minimal_probes = targets.into_iter().zip(judged).collect();
                        minimal_probes.remove(&target).expect("probed")
                    }
                };
                if self.accept_first(name, vec![answer])?.is_some() {
                    hi -= 1;
                    set(&mut accepted, target, hi);
                    // The later probes were built without this change.
                    let stale = std::mem::take(&mut minimal_probes);
                    self.stats.speculation_wasted +=
                        stale.values().filter(|j| j.ran).count() as u64;
                } else {
                    lo = hi;
                }
            }
            // In the first round a pass may ask length 0 before bisecting
            // (see `LengthPass::shortest_first`).
            let mut lowest_first = self.round == 1 && plan.shortest_first() && hi >= 2;
            while lo < hi {
                if self.should_stop() {
                    return Ok(Step::Stopped);
                }
                let odds = (shortened + 1) as f64 / (asked + 2) as f64;
                let probes = match lowest_first {
                    // The lowest, and with more jobs the likeliest probes
                    // of the bisection that follows when it fails.
                    true => std::iter::once(lo)
                        .chain(likeliest_probes(lo + 1, hi, jobs - 1, odds))
                        .collect(),
                    false => likeliest_probes(lo, hi, jobs, odds),
                };
                let choices: Vec<Vec<(usize, usize)>> =
                    probes.iter().map(|&p| with(&accepted, target, p)).collect();
                let needed = StillNeeded::Bisection {
                    lo,
                    hi,
                    probes: &probes,
                    lowest_first,
                };
                // The search's last probe (one length left to try, on its
                // last target): the next passes go beside it.
                let last = jobs > 1
                    && hi - lo == 1
                    && (target + 1..lengths.len()).all(|t| lengths[t] == 0)
                    && base.bytes.len() <= relist.max_bytes
                    && !relist.has_next_level(&self.best);
                let judged = match last {
                    true => {
                        let mut built = self.build(name, base, &choices[..1], |c| plan.edit(c));
                        let built = built.pop().expect("one built");
                        let last = self.screen_fresh(name, built)?;
                        let best = Arc::clone(&self.best);
                        let next = relist.index + 1;
                        vec![self.judge_last(name, last, (odds, best), next, Until::Walkable)?]
                    }
                    false => {
                        self.build_and_judge(name, base, &choices, |c| plan.edit(c), Some(&needed))?
                    }
                };
                let mut answers: HashMap<usize, _> = probes.into_iter().zip(judged).collect();
                // Walk the tree as the sequential search would, while the
                // batch has its answers.
                while lo < hi {
                    let ask = bisection_probe(lo, hi, lowest_first);
                    let Some(j) = answers.remove(&ask) else { break };
                    if j.unanswered {
                        // Not asked after all (see `StillNeeded`): asked
                        // again in the next batch.
                        break;
                    }
                    lowest_first = false;
                    asked += 1;
                    if self.accept_first(name, vec![j])?.is_some() {
                        shortened += 1;
                        hi = ask;
                        set(&mut accepted, target, ask);
                    } else {
                        lo = ask + 1;
                    }
                }
                self.stats.speculation_wasted += answers.values().filter(|j| j.ran).count() as u64;
            }
            progress.next += 1;
            if accepted.len() >= REBASE_EVERY {
                progress.targets_before = lengths.len();
                return Ok(Step::Rebase(None));
            }
        }
        Ok(Step::Done)
    }
}

/// `accepted` (ascending by target, all before `target`) with `target` at
/// `length`.
fn with(accepted: &[(usize, usize)], target: usize, length: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(accepted.len() + 1);
    out.extend(accepted.iter().copied().filter(|&(t, _)| t != target));
    out.push((target, length));
    out
}

/// Record that `target` is now at `length` (it is the last entry, if any).
fn set(accepted: &mut Vec<(usize, usize)>, target: usize, length: usize) {
    match accepted.last_mut() {
        Some(last) if last.0 == target => last.1 = length,
        _ => accepted.push((target, length)),
    }
}

/// The `count` probes of the binary search on `[lo, hi)` most likely to be
/// asked, when each probe is accepted (the search goes left) with
/// probability `odds`: a best-first walk of the search tree, ties in
/// breadth-first order. The first is always the middle.
fn likeliest_probes(lo: usize, hi: usize, count: usize, odds: f64) -> Vec<usize> {
    let mut out = Vec::with_capacity(count);
    // (probability of being asked, order of discovery, interval)
    let mut frontier = vec![(1.0f64, 0usize, lo, hi)];
    let mut discovered = 1;
    while out.len() < count {
        let Some(best) = (0..frontier.len()).reduce(|a, b| {
            let (x, y) = (&frontier[a], &frontier[b]);
            if y.0 > x.0 || (y.0 == x.0 && y.1 < x.1) {
                b
            } else {
                a
            }
        }) else {
            break;
        };
        let (p, _, lo, hi) = frontier.swap_remove(best);
        if lo >= hi {
            continue;
        }
        let mid = lo + (hi - lo) / 2;
        out.push(mid);
        frontier.push((p * odds, discovered, lo, mid));
        frontier.push((p * (1.0 - odds), discovered + 1, mid + 1, hi));
        discovered += 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_are_the_likeliest_sequential_ones() {
        // Even odds: the top levels of the tree, breadth first.
        assert_eq!(likeliest_probes(0, 10, 1, 0.5), [5]);
        assert_eq!(likeliest_probes(0, 10, 3, 0.5), [5, 2, 8]);
        assert_eq!(likeliest_probes(0, 3, 3, 0.5), [1, 0, 2]);
        // Two probes: the middle and the half the search likely goes to.
        assert_eq!(likeliest_probes(0, 10, 2, 0.9), [5, 2]);
        assert_eq!(likeliest_probes(0, 10, 2, 0.1), [5, 8]);
        // Down the likely side before the unlikely one: 5, then 2 (0.9),
        // 1 (0.81), 0 (0.729), before 8 (0.1).
        assert_eq!(likeliest_probes(0, 10, 4, 0.9), [5, 2, 1, 0]);
        // Never more probes than the interval has.
        assert_eq!(likeliest_probes(0, 3, 8, 0.5), [1, 0, 2]);
        assert!(likeliest_probes(4, 4, 3, 0.5).is_empty());
    }

    #[test]
    fn accepted_lengths_stay_in_target_order() {
        let mut accepted = vec![(0, 3)];
        set(&mut accepted, 2, 5);
        set(&mut accepted, 2, 1);
        assert_eq!(accepted, [(0, 3), (2, 1)]);
        assert_eq!(with(&accepted, 2, 0), [(0, 3), (2, 0)]);
        assert_eq!(with(&accepted, 4, 7), [(0, 3), (2, 1), (4, 7)]);
    }
}
