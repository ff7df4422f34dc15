//! A failure only Wasmtime's validator gives (a feature turned off, a limit
//! of the format): the built-in child validates each candidate first and
//! does not compile one that is valid, since it cannot fail that way. Any
//! other failure compiles every candidate.

mod util;

use util::*;

const NO_SIMD: &[&str] = &["-W", "simd=n,relaxed-simd=n"];

/// The rejected candidates of a `-v` reduction, by what their check gave
/// (the text after `not interesting`).
fn rejections(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.split_once("  not interesting  "))
        .map(|(_, outcome)| outcome.trim().to_string())
        .collect()
}

#[test]
fn candidates_that_validate_are_not_compiled_when_only_validation_fails_so() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    let out = whittle_in(tmp.path())
        .args(["reduce", "bug.wasm", "-o", "min.wasm", "-v", "-j", "1"])
        .args(NO_SIMD)
        .exits(0);
    let stderr = text(&out.stderr);
    assert_eq!(wat_of(&tmp.path().join("min.wasm")), SIMD_REDUCED);
    let rejected = rejections(&stderr);
    // Every candidate without the SIMD instruction validates, so none of
    // them is compiled; the others still fail the same way.
    assert!(!rejected.is_empty(), "{stderr}");
    for outcome in &rejected {
        assert_eq!(outcome, "validated (not compiled)", "{stderr}");
    }
    // The result itself was compiled: its failure is the compiler's own.
    let report = json_at(tmp.path().join("min.report.json"));
    assert_eq!(
        report["final_outcome"]["message"],
        "failed to compile: wasm[0]::function[0]: WebAssembly translation error: \
         Invalid input WebAssembly code at offset 25: SIMD support is not enabled"
    );
}

#[test]
fn a_failure_a_compile_could_give_too_compiles_every_candidate() {
    // `--expect-kind error` alone counts any error, and compiling can give
    // errors of its own: a valid candidate must be compiled to know.
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    let out = whittle_in(tmp.path())
        .args(["reduce", "bug.wasm", "-o", "min.wasm", "-v", "-j", "1"])
        .args(["--expect-kind", "error"])
        .args(NO_SIMD)
        .exits(0);
    let stderr = text(&out.stderr);
    assert_eq!(wat_of(&tmp.path().join("min.wasm")), SIMD_REDUCED);
    let rejected = rejections(&stderr);
    assert!(rejected.iter().any(|o| o == "ok"), "{stderr}");
    assert!(!stderr.contains("validated"), "{stderr}");
}

#[test]
fn the_child_stops_at_validation_only_when_asked_and_only_for_a_valid_module() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(
        tmp.path(),
        "valid.wasm",
        "(module (func (result i32) i32.const 1))",
    );
    write_wasm(tmp.path(), "invalid.wasm", SIMD_FAILS);
    let check = |module: &str, validate_first: bool| {
        let mut args = vec!["__check"];
        if validate_first {
            args.push("--validate-first");
        }
        args.push("--");
        args.extend(NO_SIMD);
        args.push(module);
        let mut answer: serde_json::Value =
            serde_json::from_slice(&whittle_in(tmp.path()).args(args).exits(0).stdout).unwrap();
        answer.as_object_mut().unwrap().remove("peak_rss_bytes");
        answer.to_string()
    };
    assert_eq!(check("valid.wasm", false), r#"{"kind":"ok"}"#);
    assert_eq!(check("valid.wasm", true), r#"{"kind":"validated"}"#);
    // An invalid module is compiled in full: the same answer either way.
    let full = check("invalid.wasm", false);
    assert!(full.contains("SIMD support is not enabled"), "{full}");
    assert_eq!(check("invalid.wasm", true), full);
}
