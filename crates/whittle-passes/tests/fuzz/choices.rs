//! Which choices to try on a plan: a sample of what the driver may ask for.
//!
//! The driver's delta debugging asks for all targets at once, halves,
//! complements and single targets; its bisection asks for lengths between
//! zero and the current one. Each kind is sampled here, with random subsets
//! on top; a plan with many targets gets a random sample of single targets
//! (always with the first and the last) so that a module costs about the
//! same whatever its size.

use super::rng::Rng;
use std::collections::BTreeSet;
use std::fmt;

/// At most this many single targets (or lengths per target) per plan.
const SINGLES: usize = 32;

/// One choice: positions of targets to take out, or of targets to shorten
/// with their new lengths.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Choice {
    Subset(Vec<usize>),
    Lengths(Vec<(usize, usize)>),
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Choice::Subset(chosen) => write!(f, "targets [{}]", runs(chosen)),
            Choice::Lengths(chosen) => write!(f, "(target, new length) {chosen:?}"),
        }
    }
}

/// Positions in order, with runs of three or more written `a..=b`.
fn runs(positions: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut k = 0;
    while k < positions.len() {
        let mut end = k;
        while end + 1 < positions.len() && positions[end + 1] == positions[end] + 1 {
            end += 1;
        }
        if end >= k + 2 {
            parts.push(format!("{}..={}", positions[k], positions[end]));
            k = end + 1;
        } else {
            parts.push(positions[k].to_string());
            k += 1;
        }
    }
    parts.join(", ")
}

/// Subset choices for a plan of `n > 0` targets.
pub fn subsets(n: usize, rng: &mut Rng) -> Vec<Choice> {
    let mut out: BTreeSet<Vec<usize>> = BTreeSet::new();
    out.insert((0..n).collect());
    for i in sample(n, rng) {
        out.insert(vec![i]);
    }
    if n >= 2 {
        out.insert((0..n / 2).collect());
        out.insert((n / 2..n).collect());
        for _ in 0..2 {
            let keep = rng.below(n as u64) as usize;
            out.insert((0..n).filter(|&i| i != keep).collect());
        }
    }
    for one_in in [2, 4] {
        let chosen: Vec<usize> = (0..n).filter(|_| rng.one_in(one_in)).collect();
        if !chosen.is_empty() {
            out.insert(chosen);
        }
    }
    out.into_iter().map(Choice::Subset).collect()
}

/// Length choices for targets of these current lengths.
pub fn lengths(current: &[usize], rng: &mut Rng) -> Vec<Choice> {
    let shortenable: Vec<usize> = (0..current.len()).filter(|&i| current[i] > 0).collect();
    if shortenable.is_empty() {
        return Vec::new();
    }
    let mut out: BTreeSet<Vec<(usize, usize)>> = BTreeSet::new();
    for k in sample(shortenable.len(), rng) {
        let i = shortenable[k];
        let len = current[i];
        for new in [0, len / 2, len - 1] {
            out.insert(vec![(i, new)]);
        }
    }
    out.insert(shortenable.iter().map(|&i| (i, 0)).collect());
    out.insert(shortenable.iter().map(|&i| (i, current[i] / 2)).collect());
    let mut chosen = Vec::new();
    for &i in &shortenable {
        if rng.one_in(2) {
            chosen.push((i, rng.below(current[i] as u64) as usize));
        }
    }
    if !chosen.is_empty() {
        out.insert(chosen);
    }
    out.into_iter().map(Choice::Lengths).collect()
}

/// Up to [`SINGLES`] positions among `n`, in order, with the first and the
/// last.
fn sample(n: usize, rng: &mut Rng) -> Vec<usize> {
    if n <= SINGLES {
        return (0..n).collect();
    }
    let mut chosen: BTreeSet<usize> = [0, n - 1].into();
    while chosen.len() < SINGLES {
        chosen.insert(rng.below(n as u64) as usize);
    }
    chosen.into_iter().collect()
}
