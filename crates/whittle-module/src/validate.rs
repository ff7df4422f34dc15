//! Validation of candidates before any oracle call.
//!
//! An invalid candidate is never worth a subprocess: the oracle would only
//! report a validation error that the original did not have. The exception
//! is an original that is itself invalid (e.g. a function type over
//! `wasmparser`'s limits, which Wasmtime reports as a compile error): then a
//! candidate whose validation fails with the same normalized message may
//! still fail the same way, and is let through.

use wasmparser::{Validator, WasmFeatures};

/// What validation says of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Validity {
    Valid,
    /// The validator's message, without its offset.
    Invalid(String),
}

/// Validate with every proposal `wasmparser` knows enabled: the oracle, not
/// the validator, decides which features the engine accepts.
pub fn validate(bytes: &[u8]) -> Validity {
    match Validator::new_with_features(WasmFeatures::all()).validate_all(bytes) {
        Ok(_) => Validity::Valid,
        Err(e) => Validity::Invalid(e.message().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_message_without_offset() {
        let wasm = wat::parse_str("(module (func (result i32)))").unwrap();
        match validate(&wasm) {
            Validity::Invalid(m) => assert!(m.contains("type mismatch"), "{m}"),
            Validity::Valid => panic!("should be invalid"),
        }
        assert_eq!(
            validate(&wat::parse_str("(module)").unwrap()),
            Validity::Valid
        );
    }
}
