//! The last word on a reduction's result: it is checked once more (a
//! resource bound without the hysteresis margin), and that verdict, with
//! its reading, is what the report says.
//!
//! Under a resource bound a reading can come out on the other side of the
//! bound on a second look; every best was accepted with a reading clear of
//! the bound, so the newest earlier best that still holds then takes the
//! result's place, and what whittle leaves behind meets its criterion. A
//! failure criterion gets no such second chance: a failure that does not
//! come back is a flaky oracle, reported as such.

use anyhow::Result;
use std::collections::VecDeque;
use whittle_oracle::{Judge, Verdict};

/// The last bests written, newest last: at most [`RecentBests::COUNT`] and,
/// beyond the newest, [`RecentBests::BYTES`] in all.
#[derive(Default)]
pub struct RecentBests {
    bests: VecDeque<Vec<u8>>,
    bytes: usize,
}

impl RecentBests {
    const COUNT: usize = 8;
    const BYTES: usize = 64 << 20;

    pub fn push(&mut self, best: &[u8]) {
        self.bests.push_back(best.to_vec());
        self.bytes += best.len();
        while self.bests.len() > 1
            && (self.bests.len() > Self::COUNT || self.bytes > Self::BYTES + best.len())
        {
            let oldest = self.bests.pop_front().expect("more than one");
            self.bytes -= oldest.len();
        }
    }
}

/// The result after the final check.
pub struct Settled {
    pub bytes: Vec<u8>,
    pub verdict: Verdict,
    /// When the result gave way: its own failing verdict.
    pub fell_short: Option<Verdict>,
}

/// Re-check `best`; under a resource bound, if it falls short, step back
/// to the newest of `recent` that holds (if none does, `best` stays, with
/// its failing verdict).
pub fn settle(judge: &Judge, best: &[u8], recent: &RecentBests) -> Result<Settled> {
    let verdict = judge.recheck(best)?;
    if !verdict.holds && judge.criterion.is_resource_bound() {
        let earlier = recent.bests.iter().rev().filter(|b| b.as_slice() != best);
        for bytes in earlier {
            let v = judge.recheck(bytes)?;
            if v.holds {
                return Ok(Settled {
                    bytes: bytes.clone(),
                    verdict: v,
                    fell_short: Some(verdict),
                });
            }
        }
    }
    Ok(Settled {
        bytes: best.to_vec(),
        verdict,
        fell_short: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_bests_are_bounded() {
        let mut r = RecentBests::default();
        for n in 0..20u8 {
            r.push(&[n; 3]);
        }
        assert_eq!(r.bests.len(), RecentBests::COUNT);
        assert_eq!(r.bests.back(), Some(&vec![19; 3]));
        assert_eq!(r.bests.front(), Some(&vec![12; 3]));
        // Big bests: the newest always stays, and older ones up to BYTES.
        let big = vec![0u8; RecentBests::BYTES];
        for _ in 0..3 {
            r.push(&big);
        }
        assert_eq!(r.bests.len(), 2);
        assert_eq!(r.bytes, 2 * RecentBests::BYTES);
    }
}
