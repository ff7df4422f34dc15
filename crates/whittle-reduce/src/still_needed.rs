//! Which answers of a speculative batch may still be needed, given the
//! answers known so far.
//!
//! A batch of `-j` candidates is built on guesses (ddmin's predicted path,
//! the probes of a bisection most likely to be asked). Once some answers
//! are in, others can no longer matter: the search will not walk that way.
//! Their checks are stopped rather than waited for (see
//! [`crate::Reducer::run_screened`]): a wasted candidate can be a
//! module that compiles for seconds. What is needed is decided by the same
//! walk the search then makes, so a stopped check is one the search would
//! not have read; and a search that meets one anyway (an answer it did not
//! expect) treats it as never asked.

/// The shape of a batch's guesses, to tell which answers are still needed.
pub(crate) enum StillNeeded<'a> {
    /// Candidates along a path of predicted answers, in the order the
    /// search walks them: past the first wrong prediction none is needed.
    Path(&'a [bool]),
    /// Nodes of a tree of answers, each with its parent (an earlier node)
    /// and the answer to it that leads to the node: a node is needed while
    /// every answer above it is unknown or the one its branch assumes.
    Tree(&'a [Option<(usize, bool)>]),
    /// Probes of one bisection of `lo..hi` (the length each probes): a probe
    /// outside the interval the known answers narrow it to is not needed.
    /// `lowest_first`: the search asks `lo` itself before the middle.
    Bisection {
        lo: usize,
        hi: usize,
        probes: &'a [usize],
        lowest_first: bool,
    },
}

impl StillNeeded<'_> {
    /// For each candidate (by position in the batch), whether its answer
    /// may still be needed, given `known` (the answers in so far).
    pub(crate) fn needed(&self, known: &[Option<bool>]) -> Vec<bool> {
        match self {
            StillNeeded::Path(predicted) => {
                // What comes after a wrong prediction is off the path,
                // whatever the answers before it turn out to be.
                let wrong = known
                    .iter()
                    .zip(predicted.iter())
                    .position(|(answer, prediction)| answer.is_some_and(|a| a != *prediction));
                let end = wrong.map_or(known.len(), |k| k + 1);
                (0..known.len()).map(|k| k < end).collect()
            }
            StillNeeded::Tree(parents) => {
                let mut needed = Vec::with_capacity(parents.len());
                for parent in parents.iter() {
                    needed.push(match *parent {
                        None => true,
                        Some((p, answer)) => needed[p] && known[p] != Some(!answer),
                    });
                }
                needed
            }
            StillNeeded::Bisection {
                lo,
                hi,
                probes,
                lowest_first,
            } => {
                let (mut lo, mut hi) = (*lo, *hi);
                let mut lowest = *lowest_first;
                // The sequential walk, as far as the answers go.
                while lo < hi {
                    let ask = bisection_probe(lo, hi, std::mem::take(&mut lowest));
                    let answer = probes.iter().position(|&p| p == ask).and_then(|k| known[k]);
                    match answer {
                        Some(true) => hi = ask,
                        Some(false) => lo = ask + 1,
                        None => break,
                    }
                }
                probes.iter().map(|&p| lo <= p && p < hi).collect()
            }
        }
    }
}

/// The length a bisection of `lo..hi` asks next: `lo` itself when it goes
/// lowest first, else the middle.
pub(crate) fn bisection_probe(lo: usize, hi: usize, lowest_first: bool) -> usize {
    if lowest_first {
        lo
    } else {
        lo + (hi - lo) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_needed_up_to_its_first_wrong_prediction() {
        let path = StillNeeded::Path(&[true, false, true]);
        assert_eq!(path.needed(&[None, None, None]), [true, true, true]);
        assert_eq!(
            path.needed(&[Some(true), None, Some(false)]),
            [true, true, true]
        );
        assert_eq!(
            path.needed(&[Some(false), None, None]),
            [true, false, false]
        );
        assert_eq!(
            path.needed(&[Some(true), Some(true), None]),
            [true, true, false]
        );
        // Off the path past a wrong answer, whatever comes before it.
        assert_eq!(path.needed(&[None, Some(true), None]), [true, true, false]);
    }

    #[test]
    fn a_tree_node_is_needed_while_the_answers_above_it_allow_it() {
        // 0; 1 if 0 is taken out, 2 if it is kept; 3 if 2 is taken out.
        let parents = [None, Some((0, true)), Some((0, false)), Some((2, true))];
        let tree = StillNeeded::Tree(&parents);
        assert_eq!(tree.needed(&[None; 4]), [true; 4]);
        assert_eq!(
            tree.needed(&[Some(true), None, None, None]),
            [true, true, false, false]
        );
        assert_eq!(
            tree.needed(&[Some(false), None, Some(false), None]),
            [true, false, true, false]
        );
        // An answer below an unknown one prunes only its own subtree.
        assert_eq!(
            tree.needed(&[None, None, Some(true), None]),
            [true, true, true, true]
        );
    }

    #[test]
    fn a_bisection_needs_what_its_interval_still_holds() {
        // 0..16: the middle 8, then 4 or 12.
        let probes = [8, 4, 12];
        let bisection = StillNeeded::Bisection {
            lo: 0,
            hi: 16,
            probes: &probes,
            lowest_first: false,
        };
        assert_eq!(bisection.needed(&[None, None, None]), [true, true, true]);
        // 8 fails: the search goes to 9..16, 4 is not needed.
        assert_eq!(
            bisection.needed(&[Some(false), None, None]),
            [false, false, true]
        );
        // 8 passes: 0..8, 12 is not needed (nor 8, answered: a position
        // known already has nothing left to stop).
        assert_eq!(
            bisection.needed(&[Some(true), None, None]),
            [false, true, false]
        );
        // 4 known first says nothing until 8 is.
        assert_eq!(
            bisection.needed(&[None, Some(true), None]),
            [true, true, true]
        );
    }

    #[test]
    fn a_bisection_that_asks_the_lowest_first_needs_nothing_else_once_it_passes() {
        // 0 first, then the middle of 1..16.
        let probes = [0, 8];
        let lowest = StillNeeded::Bisection {
            lo: 0,
            hi: 16,
            probes: &probes,
            lowest_first: true,
        };
        assert_eq!(lowest.needed(&[None, None]), [true, true]);
        // 0 passes: the search is over.
        assert_eq!(lowest.needed(&[Some(true), None]), [false, false]);
        // 0 fails: 1..16, whose middle is 8.
        assert_eq!(lowest.needed(&[Some(false), None]), [false, true]);
    }
}
