//! A set of positions given as ranges, as an edit takes them out of a list
//! (a function's locals): membership and where the kept positions move,
//! without ever listing positions one by one (one range may hold four
//! billion).

use std::ops::Range;

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
