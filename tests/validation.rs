//! A failure only Wasmtime's validator gives (a feature turned off, a limit
//! of the format): the built-in oracle validates each candidate in
//! whittle's own process first and does not compile one that is valid,
//! since it cannot fail that way. Any other failure compiles every
//! candidate.

mod util;

use util::*;

/// `whittle reduce bug.wasm -o OUTPUT -j JOBS -W simd=n,relaxed-simd=n
/// EXTRA...` in `dir` (which holds `SIMD_FAILS`): its stderr.
fn reduce_simd(dir: &std::path::Path, output: &str, jobs: &str, extra: &[&str]) -> String {
    write_wasm(dir, "bug.wasm", SIMD_FAILS);
    let out = whittle_in(dir)
        .args(["reduce", "bug.wasm", "-o", output, "-j", jobs])
        .args(extra)
        .args(NO_SIMD)
        .exits(0);
    text(&out.stderr)
}

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
    let stderr = reduce_simd(tmp.path(), "min.wasm", "1", &["-v"]);
    assert_eq!(wat_of(&tmp.path().join("min.wasm")), SIMD_REDUCED);
    let rejected = rejections(&stderr);
    // Every candidate without the SIMD instruction validates, so none of
    // them is compiled; the others still fail the same way.
    assert!(!rejected.is_empty(), "{stderr}");
    for outcome in &rejected {
        assert_eq!(outcome, "validated (not compiled)", "{stderr}");
    }
    // No program ran for them (`-vv` shows a check's peak memory).
    let stderr = reduce_simd(tmp.path(), "min2.wasm", "1", &["-vv"]);
    let validated: Vec<&str> = stderr.lines().filter(|l| l.contains("validated")).collect();
    assert_eq!(validated.len(), rejected.len(), "{stderr}");
    for line in validated {
        assert!(
            line.ends_with("not interesting  in whittle's process  validated (not compiled)"),
            "{line}"
        );
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
    let stderr = reduce_simd(
        tmp.path(),
        "min.wasm",
        "1",
        &["-v", "--expect-kind", "error"],
    );
    assert_eq!(wat_of(&tmp.path().join("min.wasm")), SIMD_REDUCED);
    let rejected = rejections(&stderr);
    assert!(rejected.iter().any(|o| o == "ok"), "{stderr}");
    assert!(!stderr.contains("validated"), "{stderr}");
}

/// What `reduce_simd` says when the original is not re-run.
const NOT_RE_RUN: &str = "whittle: the original's failure is a validation error, which does not \
     change from run to run: it is not re-run";

#[test]
fn an_original_whose_failure_is_a_validation_error_is_not_re_run() {
    let tmp = tempfile::tempdir().unwrap();
    for jobs in ["1", "2"] {
        let output = format!("min-j{jobs}.wasm");
        let stderr = reduce_simd(tmp.path(), &output, jobs, &[]);
        assert!(stderr.lines().any(|l| l == NOT_RE_RUN), "{stderr}");
        assert_eq!(wat_of(&tmp.path().join(&output)), SIMD_REDUCED);
        let report = json_at(tmp.path().join(format!("min-j{jobs}.report.json")));
        assert_eq!(report["original_runs"], 1, "-j {jobs}");
        assert_eq!(report["jobs"], jobs.parse::<u64>().unwrap());
    }
    // Any error counts: a compile could give one that changes from run to
    // run, so the original runs three times, as asked.
    let stderr = reduce_simd(tmp.path(), "any.wasm", "1", &["--expect-kind", "error"]);
    assert!(!stderr.contains("not re-run"), "{stderr}");
    assert_eq!(
        json_at(tmp.path().join("any.report.json"))["original_runs"],
        3
    );
}
