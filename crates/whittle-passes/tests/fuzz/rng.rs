//! A seeded random number generator for choosing modules and edits.
//!
//! SplitMix64 (Steele, Lea and Flood, 2014): a reproducer needs nothing but
//! the seed, and these few lines spare the project a dependency on `rand`
//! for a test that only needs uniform integers.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A generator for one part of a seed's work (`salt` names it), so that
    /// a part is reproduced without replaying the others.
    pub fn derived(seed: u64, salt: &str) -> Rng {
        let mut rng = Rng(seed);
        for b in salt.bytes() {
            rng.0 ^= u64::from(b);
            rng.next();
        }
        rng
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}
