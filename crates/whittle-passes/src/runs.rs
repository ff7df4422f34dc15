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

/// A set of positions given as ranges: what an edit takes out of a list.
#[derive(Clone, Debug, Default)]
pub struct Removed {
    /// Sorted, disjoint, non-empty.
    ranges: Vec<Range<u32>>,
    /// Positions in the ranges before each one.
    before: Vec<u32>,
}

impl Removed {
    pub fn new(mut ranges: Vec<Range<u32>>) -> Removed {
        ranges.retain(|r| !r.is_empty());
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<u32>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        let mut before = Vec::with_capacity(merged.len());
        let mut total = 0;
        for r in &merged {
            before.push(total);
            total += r.end - r.start;
        }
        Removed {
            ranges: merged,
            before,
        }
    }

    pub fn contains(&self, i: u32) -> bool {
        let k = self.ranges.partition_point(|r| r.end <= i);
        self.ranges.get(k).is_some_and(|r| r.start <= i)
    }

    /// How many removed positions lie below `i`.
    pub fn count_below(&self, i: u32) -> u32 {
        let k = self.ranges.partition_point(|r| r.start < i);
        match k.checked_sub(1) {
            Some(last) => {
                self.before[last] + self.ranges[last].end.min(i) - self.ranges[last].start
            }
            None => 0,
        }
    }

    /// Where position `i` (not removed) moves.
    pub fn renumber(&self, i: u32) -> u32 {
        i - self.count_below(i)
    }
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

    #[test]
    fn removed_ranges_answer_membership_and_renumber() {
        let removed = Removed::new(vec![5..7, 0..2, 1..3, 9..9]);
        assert_eq!(removed.ranges, [0..3, 5..7]);
        assert!(removed.contains(2) && !removed.contains(3) && removed.contains(6));
        assert!(!removed.contains(7));
        assert_eq!(removed.count_below(6), 4);
        assert_eq!(removed.renumber(4), 1);
        assert_eq!(removed.renumber(100), 95);
    }
}
