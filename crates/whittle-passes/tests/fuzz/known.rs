//! Invalid outputs that are known, documented limitations of a pass, not
//! bugs: the driver's validation gate refuses such a candidate without an
//! oracle call, so each costs one wasted candidate. Anything not listed here
//! fails the test.

/// (pass, or `*` for any, a piece of the validator's message, why it is
/// accepted).
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "remove-functions",
        "reference types support is not enabled",
        MVP_ELEMENT_SLOT,
    ),
    (
        "remove-imports",
        "reference types support is not enabled",
        MVP_ELEMENT_SLOT,
    ),
    ("*", "bulk memory must be enabled", DECLARATIVE_SEGMENT),
];

/// A removed function listed in a function-index (MVP) element segment
/// leaves `ref.null func` in its table slot, which needs reference types
/// (on by default in Wasmtime): every other slot keeps its index, which
/// matters more to a reduction than staying within MVP.
const MVP_ELEMENT_SLOT: &str = "a removed function's table slot becomes ref.null func";

/// A `ref.func` whose only mention went (a global, an element segment) is
/// declared again in a declarative element segment, which the validator
/// ties to bulk memory: a module with reference types but without bulk
/// memory is accepted by no engine anyway.
const DECLARATIVE_SEGMENT: &str = "ref.func is declared in a declarative element segment";

/// Why an invalid output of `pass` with this validation message is
/// accepted, if it is.
pub fn limitation(pass: &str, message: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|(p, piece, _)| (*p == pass || *p == "*") && message.contains(piece))
        .map(|(_, _, why)| *why)
}
