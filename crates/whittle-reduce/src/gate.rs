//! What happens to a candidate before the oracle: cache, then validation.
//!
//! A candidate already judged is answered from the cache (keyed by a hash
//! of its bytes and its length). An invalid candidate is refused without an
//! oracle call, unless the original itself was invalid with the same
//! normalized message (e.g. a type over the parser's limits): then the
//! invalidity is the bug being reduced and the oracle must see it.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
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
        self.decide_validated(bytes, None)
    }

    /// Like [`Gate::decide`], with the candidate's validity already known
    /// (validated in a worker thread, off the driver's critical path).
    pub fn decide_validated(&mut self, bytes: &[u8], validity: Option<Validity>) -> GateDecision {
        if let Some(&answer) = self.cache.get(&Self::key(bytes)) {
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
                self.remember(bytes, false);
                GateDecision::Invalid
            }
        }
    }

    pub fn remember(&mut self, bytes: &[u8], interesting: bool) {
        self.cache.insert(Self::key(bytes), interesting);
    }

    /// Remember an answer by cache key (from a checkpoint).
    pub fn remember_key(&mut self, key: (u64, usize), interesting: bool) {
        self.cache.insert(key, interesting);
    }

    /// The cache key of candidate bytes: a 64-bit hash with fixed keys
    /// (`DefaultHasher::new`: the same in every run of one build, so a
    /// checkpoint can store it) and the length.
    pub fn key(bytes: &[u8]) -> (u64, usize) {
        let mut h = std::hash::DefaultHasher::new();
        bytes.hash(&mut h);
        (h.finish(), bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
