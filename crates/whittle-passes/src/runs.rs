//! Runs of alike items in a list (a `br_table`'s labels, a function's
//! locals, a type's results, ...).
//!
//! When a failure depends only on how many items a list has, removing them
//! one at a time costs one oracle call per item: tens of thousands for a
//! generated `br_table`. Items that are *alike* (each list kind says what
//! that means and why, in its length pass) are interchangeable, so which
//! of them go does not matter, only how many. Two things follow: the subset
//! pass over such a list offers each maximal run of alike items as one
//! target, and a length pass shortens each run by bisection, keeping its
//! first items, in log2(length) candidates.

use std::ops::Range;

/// A run: positions in the list and what its items share (`None` for an
/// item alike to nothing, always a run of its own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run<K> {
    pub range: Range<u32>,
    pub key: Option<K>,
}

impl<K> Run<K> {
    pub fn len(&self) -> u32 {
        self.range.end - self.range.start
    }

    /// Whether a length pass shortens this run: two or more alike items (a
    /// run of one is the subset pass's business).
    pub fn is_long(&self) -> bool {
        self.key.is_some() && self.len() >= 2
    }
}

/// The targets of a length pass over runs: each long run, by its owner (a
/// type, a function) and positions, with its length.
pub fn long_run_lengths<K>(
    runs: impl IntoIterator<Item = (u32, Run<K>)>,
) -> Vec<((u32, Range<u32>), usize)> {
    runs.into_iter()
        .filter(|(_, run)| run.is_long())
        .map(|(owner, run)| {
            let len = run.len() as usize;
            ((owner, run.range), len)
        })
        .collect()
}

/// The positions of `run` that go when it keeps its first `keep`.
pub fn tail(run: &Range<u32>, keep: usize) -> Range<u32> {
    let keep = u32::try_from(keep).unwrap_or(u32::MAX);
    run.start.saturating_add(keep).min(run.end)..run.end
}

/// The maximal runs of consecutive `pieces` (positions and key, in order)
/// whose keys are equal and not `None`.
pub fn runs<K: PartialEq>(
    pieces: impl IntoIterator<Item = (Range<u32>, Option<K>)>,
) -> Vec<Run<K>> {
    let mut out: Vec<Run<K>> = Vec::new();
    for (range, key) in pieces {
        if range.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if key.is_some() && last.key == key && last.range.end == range.start => {
                last.range.end = range.end;
            }
            _ => out.push(Run { range, key }),
        }
    }
    out
}

/// The runs of a list of single items with these keys.
pub fn item_runs<K: PartialEq>(keys: impl IntoIterator<Item = Option<K>>) -> Vec<Run<K>> {
    runs(keys.into_iter().zip(0u32..).map(|(k, i)| (i..i + 1, k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alike_neighbours_merge_and_keyless_items_stand_alone() {
        let runs = item_runs([Some(0), Some(0), None, None, Some(1), Some(0), Some(0)]);
        let ranges: Vec<Range<u32>> = runs.iter().map(|r| r.range.clone()).collect();
        assert_eq!(ranges, [0..2, 2..3, 3..4, 4..5, 5..7]);
        let long: Vec<Range<u32>> = runs
            .into_iter()
            .filter(Run::is_long)
            .map(|r| r.range)
            .collect();
        assert_eq!(long, [0..2, 5..7]);
    }

    #[test]
    fn pieces_merge_only_when_adjacent() {
        let runs = runs([(0..3, Some('a')), (3..5, Some('a')), (6..8, Some('a'))]);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].range, 0..5);
        assert_eq!(tail(&runs[0].range, 2), 2..5);
        assert_eq!(tail(&runs[0].range, 9), 5..5);
    }
}
