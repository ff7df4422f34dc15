//! What the WAT-in/WAT-out tests of this crate and of `whittle-passes` share:
//! a module from WAT, applying an edit and printing the valid result, and
//! comparing WAT texts.
//! Public (and hidden from the docs) only so that the passes' tests can use
//! the same comparison as the rewriter's.

use crate::{apply, validate, Edit, Module, Validity};

/// The module `wat` assembles to (this crate's tests: `wat` is a
/// dev-dependency).
#[cfg(test)]
pub fn module(wat: &str) -> Module {
    Module::parse(wat::parse_str(wat).unwrap()).unwrap()
}

/// `m` with `edit` applied, printed as WAT; the result must validate.
pub fn applied_wat(m: &Module, edit: &Edit) -> String {
    let out = apply(m, edit).unwrap();
    let text = wasmprinter::print_bytes(&out).unwrap();
    assert_eq!(validate(&out), Validity::Valid, "{text}");
    text
}

/// Compare two WAT texts ignoring indentation and blank lines.
pub fn assert_wat(actual: &str, expected: &str) {
    let norm = |s: &str| {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(norm(actual), norm(expected), "actual:\n{actual}");
}
