//! Test helpers: run a pass choice on WAT and print the result as WAT.

use crate::{Choice, Pass};
use whittle_module::{apply, validate, Module, Validity};

pub fn module(wat: &str) -> Module {
    Module::parse(wat::parse_str(wat).unwrap()).unwrap()
}

/// Apply `choice` of `pass` to `wat`; the result must validate.
pub fn run(pass: &dyn Pass, wat: &str, choice: Choice<'_>) -> String {
    let m = module(wat);
    let edit = pass.edit(&m, choice).unwrap();
    let out = apply(&m, &edit).unwrap();
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
