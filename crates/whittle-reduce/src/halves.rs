//! How the halves of a sweep of two chunks fare, per pass: the batches'
//! prediction (`ddmin.rs`, `ddmin_tree.rs`) for such a chunk not judged
//! yet, where the sweep's success rate says little.
//!
//! - **The second of two chunks**, the first kept (had it been taken out,
//!   the search would have re-based): what the first holds is likely what
//!   the failure needs, and the other half likely not. Over the `-j 1` runs
//!   of the corpus cases and the oracle-bound row, 72% of these were taken
//!   out where the success rate predicted 32% of them right
//!   (`remove-statements` 97% in the first round, `remove-functions` 76%),
//!   but `remove-instructions`, whose targets nest, 18%.
//! - **The first of two chunks whose second is already known kept** (its
//!   answer came first: a candidate that validates is answered in
//!   whittle's process while the other's check still runs): the failure
//!   needs something in the second, so likely nothing in the first. The
//!   batches predicted such a chunk kept because taking it out re-bases,
//!   and a path cannot go on past a re-base; on a giant function with the
//!   culprit in the second half, every level's batch then spent a job on a
//!   compile of megabytes built as if the first half were kept, stopped
//!   once it was taken out, and `-j 2` was slower than `-j 1`. Predicted
//!   taken out, the path batch ends there and the tree goes on past the
//!   re-base.
//!
//! A path batch ends at either kind only where the other half is known
//! kept (answered, not predicted): the prefetch walks a search predicted
//! to keep everything (`prefetch.rs`), as in a last round, where these
//! odds, gathered over the rounds before, would end its walk.
//!
//! Both are counted per pass, from a prior of two in three.

use crate::ddmin::Chunk;
use std::collections::HashMap;

/// Which of the two kinds of half a chunk is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Half {
    /// The second of two chunks.
    Second,
    /// The first of two chunks, the second known kept.
    FirstBesideKept,
}

impl Half {
    /// The kind of `c`, a chunk of a plan of `n` targets, if it is either,
    /// by what `seen` holds of the chunks judged on this plan. (The second
    /// of two is one whatever `seen` holds: the search, or a branch of a
    /// tree, asks it once the first is kept.)
    pub(crate) fn of(n: usize, c: &Chunk, seen: &HashMap<(usize, usize), bool>) -> Option<Half> {
        let other = other_half(n, c)?;
        (c.start > 0 || seen.get(&other) == Some(&false)).then(|| Half::by_place(c))
    }

    /// The kind of `c` where its other half is known kept (answered, not
    /// assumed): where a path batch predicts it by these counts.
    pub(crate) fn beside_kept(
        n: usize,
        c: &Chunk,
        seen: &HashMap<(usize, usize), bool>,
    ) -> Option<Half> {
        let other = other_half(n, c)?;
        (seen.get(&other) == Some(&false)).then(|| Half::by_place(c))
    }

    /// Which half `c`, one of two chunks, is by its place.
    fn by_place(c: &Chunk) -> Half {
        if c.start > 0 {
            Half::Second
        } else {
            Half::FirstBesideKept
        }
    }
}

/// The other chunk of `c`'s sweep, if `c` is one of two chunks of a plan
/// of `n` targets.
fn other_half(n: usize, c: &Chunk) -> Option<(usize, usize)> {
    if c.size >= n || c.size * 2 < n {
        return None;
    }
    Some(if c.start > 0 {
        (0, c.start)
    } else {
        (c.end, n)
    })
}

/// How each kind of half fared so far, per pass: (asked, taken out).
#[derive(Default)]
pub(crate) struct Halves(HashMap<(&'static str, Half), (u32, u32)>);

impl Halves {
    /// How likely the pass's next half of this kind is taken out.
    pub(crate) fn odds(&self, pass: &'static str, half: Half) -> f64 {
        let (asked, taken) = self.0.get(&(pass, half)).copied().unwrap_or_default();
        f64::from(taken + 2) / f64::from(asked + 3)
    }

    /// Whether the pass's next half of this kind is more likely taken out
    /// than kept.
    pub(crate) fn likely_taken(&self, pass: &'static str, half: Half) -> bool {
        self.odds(pass, half) > 0.5
    }

    pub(crate) fn count(&mut self, pass: &'static str, half: Half, taken: bool) {
        let (asked, taken_out) = self.0.entry((pass, half)).or_default();
        *asked += 1;
        *taken_out += u32::from(taken);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ddmin::following;

    #[test]
    fn a_chunk_is_a_half_by_its_place_and_what_its_other_half_gave() {
        let mut seen = HashMap::new();
        // The sweep of two chunks of 5 targets, as the search has them: 0..3
        // and 3..5, both of size 3.
        let first = following(5, 5, 5, false).unwrap();
        let second = following(5, first.size, first.end, false).unwrap();
        assert_eq!(
            (first.start, first.end, second.start, second.end),
            (0, 3, 3, 5)
        );
        assert_eq!(Half::of(5, &second, &seen), Some(Half::Second));
        assert_eq!(Half::of(5, &first, &seen), None);
        seen.insert((3, 5), true);
        assert_eq!(Half::of(5, &first, &seen), None);
        seen.insert((3, 5), false);
        assert_eq!(Half::of(5, &first, &seen), Some(Half::FirstBesideKept));
        // Beside a kept half: the first, and the second once the first is
        // known kept.
        assert_eq!(
            Half::beside_kept(5, &first, &seen),
            Some(Half::FirstBesideKept)
        );
        assert_eq!(Half::beside_kept(5, &second, &seen), None);
        seen.insert((0, 3), false);
        assert_eq!(Half::beside_kept(5, &second, &seen), Some(Half::Second));
        // Not halves: the whole plan, and a quarter.
        assert_eq!(Half::of(5, &Chunk::span(0, 5), &seen), None);
        assert_eq!(Half::of(8, &Chunk::span(2, 4), &seen), None);
    }

    #[test]
    fn odds_start_at_two_in_three_and_follow_each_kind_and_pass() {
        let mut halves = Halves::default();
        assert!((halves.odds("p", Half::FirstBesideKept) - 2.0 / 3.0).abs() < 1e-9);
        for _ in 0..3 {
            halves.count("p", Half::FirstBesideKept, false);
        }
        // 2 / 6: no longer likely, for this kind and pass only.
        assert!(!halves.likely_taken("p", Half::FirstBesideKept));
        assert!(halves.likely_taken("p", Half::Second));
        assert!(halves.likely_taken("q", Half::FirstBesideKept));
    }
}
