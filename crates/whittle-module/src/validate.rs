//! Validation of candidates before any oracle call.
//!
//! An invalid candidate is never worth a subprocess: the oracle would only
//! report a validation error that the original did not have. The exception
//! is an original that is itself invalid (e.g. a function type over
//! `wasmparser`'s limits, which Wasmtime reports as a compile error): then a
//! candidate whose validation fails with the same normalized message may
//! still fail the same way, and is let through.

use std::collections::BTreeMap;
use wasmparser::{
    BinaryReader, FuncToValidate, FuncValidator, FuncValidatorAllocations, FunctionBody, Validator,
    ValidatorResources, WasmFeatures, WasmModuleResources,
};

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

/// The validity of a module whose function bodies are known to be valid
/// against its declarations (see [`crate::Edit::leaves_bodies_valid`]):
/// every section is validated but the bodies are not walked.
pub fn validate_declarations(bytes: &[u8]) -> Validity {
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let checked = payload.and_then(|payload| validator.payload(&payload));
        if let Err(e) = checked {
            return Validity::Invalid(e.message().to_string());
        }
    }
    Validity::Valid
}

/// A module's declarations (the sections before its code), validated and
/// kept to check bodies against: a candidate of a valid base that changes
/// only function bodies is valid exactly when each new body is valid
/// against them, so validating it costs the changed bodies, not the whole
/// module (a statement removed from one of 2,000 functions validates one
/// function). Walks of bodies (`stack.rs`) use them too.
#[derive(Clone, Debug)]
pub struct BodyValidator {
    resources: ValidatorResources,
}

impl BodyValidator {
    /// The declarations of `module`, validated, its bodies not walked;
    /// `None` when they do not validate or there is no code section.
    /// (Validating the bodies too cost each new base of a giant function as
    /// much as listing its statements.)
    pub fn of_declarations(module: &[u8]) -> Option<BodyValidator> {
        let mut validator = Validator::new_with_features(WasmFeatures::all());
        for payload in wasmparser::Parser::new(0).parse_all(module) {
            let payload = payload.ok()?;
            if let wasmparser::ValidPayload::Func(func, _) = validator.payload(&payload).ok()? {
                // Everything a body is checked against is declared before
                // the code section.
                return Some(BodyValidator {
                    resources: func.resources,
                });
            }
        }
        None
    }

    /// A validator for a body of function `index` (absolute), or `None`
    /// when the module declares no such function.
    pub(crate) fn for_function(
        &self,
        index: u32,
        allocations: FuncValidatorAllocations,
    ) -> Option<FuncValidator<ValidatorResources>> {
        let ty = self.resources.type_index_of_function(index)?;
        let func = FuncToValidate {
            resources: self.resources.clone(),
            index,
            ty,
            features: WasmFeatures::all(),
        };
        Some(func.into_validator(allocations))
    }

    /// The validity of the module that is the base with these bodies (by
    /// absolute function index, in code-section form) in place of its own.
    pub fn validate_bodies(&self, bodies: &BTreeMap<u32, Vec<u8>>) -> Validity {
        let mut allocations = Default::default();
        for (&index, bytes) in bodies {
            let Some(mut validator) = self.for_function(index, allocations) else {
                return Validity::Invalid(format!("unknown function {index}"));
            };
            let body = FunctionBody::new(BinaryReader::new(bytes, 0));
            if let Err(e) = validator.validate(&body) {
                return Validity::Invalid(e.message().to_string());
            }
            allocations = validator.into_allocations();
        }
        Validity::Valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::Payload;

    /// A new body is judged as the whole module with it would be.
    #[test]
    fn bodies_validate_as_their_module_would() {
        let base = wat::parse_str(
            r#"(module (import "m" "f" (func (param i32))) (global $g (mut i32) (i32.const 0))
               (func (result i32) i32.const 1) (func (param i64) (result i64) local.get 0))"#,
        )
        .unwrap();
        let body = |wat: &str| {
            let m =
                wat::parse_str(format!("(module (global (mut i32) (i32.const 0)) {wat})")).unwrap();
            let code = wasmparser::Parser::new(0)
                .parse_all(&m)
                .find_map(|p| match p.unwrap() {
                    Payload::CodeSectionEntry(b) => Some(b.as_bytes().to_vec()),
                    _ => None,
                })
                .unwrap();
            code
        };
        let checker = BodyValidator::of_declarations(&base).unwrap();
        let valid = BTreeMap::from([(1, body("(func (result i32) global.get 0)"))]);
        assert_eq!(checker.validate_bodies(&valid), Validity::Valid);
        // Function 2's type takes an i64: an i32 result is a type mismatch.
        let wrong = BTreeMap::from([(2, body("(func (param i64) (result i32) i32.const 0)"))]);
        match checker.validate_bodies(&wrong) {
            Validity::Invalid(m) => assert!(m.contains("type mismatch"), "{m}"),
            Validity::Valid => panic!("a body of the wrong type is valid"),
        }
        // An invalid body is not looked at; invalid declarations give none.
        let invalid = wat::parse_str("(module (func (result i32)))").unwrap();
        assert!(BodyValidator::of_declarations(&invalid).is_some());
        let mut no_such_type = wat::parse_str("(module (type (func)) (func (type 0)))").unwrap();
        // The function section (id 3, 2 bytes, 1 entry) names type 0: make
        // it type 5, which is not declared.
        let at = no_such_type
            .windows(4)
            .position(|w| w == [3, 2, 1, 0])
            .unwrap();
        no_such_type[at + 3] = 5;
        assert!(wasmparser::Parser::new(0)
            .parse_all(&no_such_type)
            .all(|p| p.is_ok()));
        assert!(BodyValidator::of_declarations(&no_such_type).is_none());
    }

    #[test]
    fn declarations_are_validated_without_the_bodies() {
        // A body of the wrong type: only a full validation sees it.
        let wrong_body = wat::parse_str("(module (memory 1) (func (result i32)))").unwrap();
        assert!(matches!(validate(&wrong_body), Validity::Invalid(_)));
        assert_eq!(validate_declarations(&wrong_body), Validity::Valid);
        // A wrong declaration (an export of a function that is not there,
        // a data segment in a memory that is not there) is seen.
        for wat in [
            r#"(module (func) (export "f" (func 1)))"#,
            r#"(module (func) (data (i32.const 0) "x"))"#,
        ] {
            let bytes = wat::parse_str(wat).unwrap();
            assert!(
                matches!(validate_declarations(&bytes), Validity::Invalid(_)),
                "{wat}"
            );
        }
    }

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
