//! What happens to a candidate before the oracle: cache, then validation.
//!
//! A candidate already judged is answered from the cache (keyed by a hash
//! of its bytes and its length). An invalid candidate is refused without an
//! oracle call, unless the original itself was invalid with the same
//! normalized message (e.g. a type over the parser's limits): then the
//! invalidity is the bug being reduced and the oracle must see it.

use std::collections::HashMap;
use whittle_module::{validate, Validity};
use whittle_oracle::normalize_message;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateDecision {
    /// Judged before: this is the answer.
    Cached(bool),
    /// Invalid in a way the original was not: not interesting.
    Invalid,
    /// Must be run by the oracle.
    Run,
}

pub struct Gate {
    original_invalid: Option<String>,
    cache: HashMap<(u64, usize), bool>,
}

impl Gate {
    /// `original` is the module being reduced (whose validity sets the rule).
    pub fn new(original: &[u8]) -> Gate {
        Gate::with_validity(validate(original))
    }

    /// A gate for an original whose validity is already known (validating
    /// a 20 MB module twice is a measurable share of a reduction).
    pub fn with_validity(original: Validity) -> Gate {
        let original_invalid = match original {
            Validity::Valid => None,
            Validity::Invalid(m) => Some(normalize_message(&m)),
        };
        Gate {
            original_invalid,
            cache: HashMap::new(),
        }
    }

    /// The original's normalized validation error, if it has one.
    pub fn original_invalid(&self) -> Option<&str> {
        self.original_invalid.as_deref()
    }

    pub fn decide(&mut self, bytes: &[u8]) -> GateDecision {
        self.decide_validated(Self::key(bytes), bytes, None)
    }

    /// Like [`Gate::decide`], with the candidate's cache key already
    /// computed (the driver keeps it for the candidate's answer: hashing a
    /// 5.7 MB candidate once, not three times) and its validity possibly
    /// known (validated in a worker thread, off the driver's critical path).
    pub fn decide_validated(
        &mut self,
        key: (u64, usize),
        bytes: &[u8],
        validity: Option<Validity>,
    ) -> GateDecision {
        if let Some(&answer) = self.cache.get(&key) {
            return GateDecision::Cached(answer);
        }
        match validity.unwrap_or_else(|| validate(bytes)) {
            Validity::Valid => GateDecision::Run,
            Validity::Invalid(m)
                if self.original_invalid.as_deref() == Some(&normalize_message(&m)) =>
            {
                GateDecision::Run
            }
            Validity::Invalid(_) => {
                self.remember_key(key, false);
                GateDecision::Invalid
            }
        }
    }

    /// Whether a candidate with cache key `key` was judged before (its
    /// answer is then known, so it needs no validation).
    pub fn knows(&self, key: (u64, usize)) -> bool {
        self.cache.contains_key(&key)
    }

    pub fn remember(&mut self, bytes: &[u8], interesting: bool) {
        self.cache.insert(Self::key(bytes), interesting);
    }

    /// Remember an answer by cache key (from a checkpoint).
    pub fn remember_key(&mut self, key: (u64, usize), interesting: bool) {
        self.cache.insert(key, interesting);
    }

    /// The cache key of candidate bytes: their XXH64 hash (seed 0) and
    /// length. Checkpoints store it, so it must not change from one build
    /// of whittle to the next: the standard library's `DefaultHasher`
    /// promises no such thing, XXH64 is a fixed, published function.
    pub fn key(bytes: &[u8]) -> (u64, usize) {
        (xxh64(bytes), bytes.len())
    }
}

/// XXH64 with seed 0, written from the xxHash specification
/// (`doc/xxhash_spec.md` in the xxHash repository): no crate in the tree
/// offers a hash that is both fast on 20 MB candidates and stable by
/// contract, and the function is 40 lines.
fn xxh64(data: &[u8]) -> u64 {
    const P1: u64 = 0x9E37_79B1_85EB_CA87;
    const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    const P3: u64 = 0x1656_67B1_9E37_79F9;
    const P4: u64 = 0x85EB_CA77_C2B2_AE63;
    const P5: u64 = 0x27D4_EB2F_1656_67C5;
    let lane = |b: &[u8]| u64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
    let round = |acc: u64, input: u64| {
        acc.wrapping_add(input.wrapping_mul(P2))
            .rotate_left(31)
            .wrapping_mul(P1)
    };
    let mut rest = data;
    let mut acc = if data.len() >= 32 {
        let mut v = [P1.wrapping_add(P2), P2, 0, 0u64.wrapping_sub(P1)];
        while rest.len() >= 32 {
            for (i, acc) in v.iter_mut().enumerate() {
                *acc = round(*acc, lane(&rest[8 * i..]));
            }
            rest = &rest[32..];
        }
        let mut acc = v[0]
            .rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18));
        for v in v {
            acc = (acc ^ round(0, v)).wrapping_mul(P1).wrapping_add(P4);
        }
        acc
    } else {
        P5
    };
    acc = acc.wrapping_add(data.len() as u64);
    while rest.len() >= 8 {
        acc ^= round(0, lane(rest));
        acc = acc.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        rest = &rest[8..];
    }
    if rest.len() >= 4 {
        let word = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes"));
        acc ^= u64::from(word).wrapping_mul(P1);
        acc = acc.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        rest = &rest[4..];
    }
    for &byte in rest {
        acc ^= u64::from(byte).wrapping_mul(P5);
        acc = acc.rotate_left(11).wrapping_mul(P1);
    }
    acc ^= acc >> 33;
    acc = acc.wrapping_mul(P2);
    acc ^= acc >> 29;
    acc = acc.wrapping_mul(P3);
    acc ^ (acc >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_xxh64_and_length() {
        // Published XXH64 values (seed 0): every code path of the function
        // (no stripe, 32-byte stripes, 8- and 4-byte and single-byte tails).
        for (text, hash) in [
            ("", 0xef46_db37_51d8_e999),
            ("a", 0xd24e_c4f1_a98c_6e5b),
            ("abc", 0x44bc_2cf5_ad77_0999),
            ("foo", 0x33bf_00a8_59c4_ba3f),
            ("xxhash", 0x32dd_3895_2c4b_c720),
            ("abcdefghijklmnopqrstuvwxyz12345", 0x4676_0590_1b01_d6f6),
            (
                "0123456789abcdefghijklmnopqrstuvwxyz",
                0x6919_6c1b_3af0_bff9,
            ),
        ] {
            assert_eq!(Gate::key(text.as_bytes()), (hash, text.len()), "{text:?}");
        }
    }

    #[test]
    fn refuses_invalid_and_remembers_answers() {
        let valid = wat::parse_str("(module (func))").unwrap();
        let invalid = wat::parse_str("(module (func (result i32)))").unwrap();
        let mut gate = Gate::new(&valid);
        assert_eq!(gate.decide(&invalid), GateDecision::Invalid);
        assert_eq!(gate.decide(&valid), GateDecision::Run);
        gate.remember(&valid, true);
        assert_eq!(gate.decide(&valid), GateDecision::Cached(true));
    }

    #[test]
    fn lets_through_what_is_invalid_like_the_original() {
        let r = |n: usize| {
            wat::parse_str(format!(
                "(module (type (func (result{}))))",
                " i32".repeat(n)
            ))
            .unwrap()
        };
        let mut gate = Gate::new(&r(1003));
        assert!(gate.original_invalid().unwrap().contains("out of bounds"));
        assert_eq!(gate.decide(&r(1001)), GateDecision::Run);
        let other = wat::parse_str("(module (func (result i32)))").unwrap();
        assert_eq!(gate.decide(&other), GateDecision::Invalid);
    }
}
