//! The command-line contract: errors, refusals and output safety, through
//! the real binary and the real built-in Wasmtime.

mod util;

use std::path::Path;
use util::*;

/// `whittle reduce bug.wasm -o min.wasm -q EXTRA` in `dir`.
fn reduce(dir: &Path, extra: &[&str]) -> TestCommand {
    whittle_in(dir)
        .args(["reduce", "bug.wasm", "-o", "min.wasm", "-q"])
        .args(extra)
}

#[test]
fn check_reports_outcome_and_signature() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    let out = whittle_in(tmp.path())
        .args(["check", "bug.wasm", "-W", "simd=n,relaxed-simd=n"])
        .exits(0);
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("bug.wasm: error: failed to compile: wasm[0]::function[1]::culprit: WebAssembly translation error: Invalid input WebAssembly code at offset 49: SIMD support is not enabled\n"), "{stdout}");
    assert!(stdout.contains("  signature: error \"failed to compile: wasm[N]::function[N]: WebAssembly translation error: Invalid input WebAssembly code at offset N: SIMD support is not enabled\""), "{stdout}");

    // Compiles fine without the flags: exit 1.
    let out = whittle_in(tmp.path()).args(["check", "bug.wasm"]).exits(1);
    assert!(text(&out.stdout).starts_with("bug.wasm: ok\n"));

    // --expect that does not match: exit 1; one that does: exit 0.
    let expect = |pattern: &str| {
        whittle_in(tmp.path())
            .args(["check", "bug.wasm", "--quiet", "--expect", pattern])
            .args(NO_SIMD)
    };
    expect("too large").exits(1);
    expect("SIMD support").exits(0);
}

#[test]
fn check_json_is_one_object() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    let v = whittle_in(tmp.path())
        .args(["check", "bug.wasm", "--json", "-W", "simd=n,relaxed-simd=n"])
        .json(0);
    assert_eq!(v["outcome"]["kind"], "error");
    assert_eq!(v["signature"]["kind"], "error");
    assert_eq!(v["fails_as_expected"], true);
}

#[test]
fn bad_input_is_a_one_line_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("junk.wasm"), b"hello world").unwrap();
    std::fs::write(
        tmp.path().join("bad.wat"),
        "(module (func (result i32) i32.const))",
    )
    .unwrap();
    std::fs::write(tmp.path().join("trunc.wasm"), b"\0asm\x01\0\0\0\x01\x05").unwrap();
    for (file, needle) in [
        ("junk.wasm", "junk.wasm: not a WebAssembly module"),
        ("bad.wat", "bad.wat: invalid WebAssembly text"),
        ("trunc.wasm", "trunc.wasm: malformed module"),
        ("missing.wasm", "missing.wasm: cannot read"),
    ] {
        let out = whittle_in(tmp.path())
            .args(["reduce", file, "-o", "min.wasm"])
            .exits(2);
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("whittle: error: ") && stderr.contains(needle),
            "{stderr}"
        );
        assert!(!tmp.path().join("min.wasm").exists());
    }
}

#[test]
fn refuses_a_module_that_does_not_fail() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    let out = reduce(tmp.path(), &[]).exits(2);
    // The first line says why; the check follows in full
    // (tests/ergonomics.rs).
    assert!(
        text(&out.stderr).starts_with(
            "whittle: error: bug.wasm: does not fail: built-in wasmtime 48.0.8 gives `ok` with these flags\n  command: "
        ),
        "{}",
        text(&out.stderr)
    );
    assert!(!tmp.path().join("min.wasm").exists());
}

#[test]
fn refuses_a_predicate_that_finds_the_empty_module_interesting() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    let out = reduce(tmp.path(), &["--predicate", "true"]).exits(2);
    assert!(
        text(&out.stderr).contains("the empty module also matches exit code 0"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn invalid_wasmtime_flags_are_reported_before_any_run() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    reduce(tmp.path(), &["-W", "simd=n"])
        .refused("whittle: error: bug.wasm: invalid wasmtime flags: cannot disable the simd proposal but enable the relaxed simd proposal\n");
}

#[test]
fn expect_that_the_original_does_not_match_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    let out = reduce(tmp.path(), &["--expect", "Code for function is too large"])
        .args(NO_SIMD)
        .exits(2);
    assert!(
        text(&out.stderr).starts_with("whittle: error: bug.wasm: "),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn reduces_and_writes_all_companions() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    reduce(tmp.path(), &NO_SIMD).exits(0);
    assert_eq!(
        wat_of(&tmp.path().join("min.wasm")),
        "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0)\n    i32.const 0\n    i32x4.splat\n    unreachable\n  )\n)\n"
    );
    let report = json_at(tmp.path().join("min.report.json"));
    assert_eq!(report["after"]["bytes"], 29);
    assert_eq!(report["after"]["functions"], 1);
    assert_eq!(report["before"]["functions"], 2);
    assert_eq!(
        report["wasmtime_flags"],
        serde_json::json!(["-W", "simd=n,relaxed-simd=n"])
    );
    assert_eq!(
        report["reproduce"],
        "wasmtime compile -W simd=n,relaxed-simd=n min.wasm"
    );
    assert_eq!(
        report["reproduce_expect"],
        serde_json::json!({"shows": "fails", "stderr_contains": "SIMD support is not enabled"})
    );
    assert_eq!(report["wasmtime_version"], "48.0.8");
    assert_eq!(report["wasmtime_debug_assertions"], cfg!(debug_assertions));
    // Every second is accounted: oracle, the passes' own work (the sum of
    // theirs), and the rest.
    let secs = |v: &serde_json::Value| v.as_f64().unwrap();
    let per_pass = report["per_pass"].as_object().unwrap();
    let build: f64 = per_pass.values().map(|p| secs(&p["build_seconds"])).sum();
    assert!(
        (build - secs(&report["build_seconds"])).abs() < 1e-6,
        "{report}"
    );
    let pass_oracle: f64 = per_pass.values().map(|p| secs(&p["oracle_seconds"])).sum();
    assert!(
        pass_oracle > 0.0 && pass_oracle <= secs(&report["oracle_seconds"]),
        "{report}"
    );
    // (The passes' work done while checks ran counts in both.)
    let parts = secs(&report["oracle_seconds"]) + build + secs(&report["other_seconds"])
        - secs(&report["overlap_seconds"]);
    assert!(
        (parts - secs(&report["wall_seconds"])).abs() < 1e-6,
        "{report}"
    );
    // CPU time, whittle's own and its checks': both spent, and together
    // no more than every core for the whole run.
    let (own_cpu, checks_cpu) = (
        secs(&report["reducer_cpu_seconds"]),
        secs(&report["checks_cpu_seconds"]),
    );
    let cores = std::thread::available_parallelism().unwrap().get() as f64;
    assert!(own_cpu > 0.0 && checks_cpu > 0.0, "{report}");
    assert!(
        own_cpu + checks_cpu <= secs(&report["wall_seconds"]) * cores,
        "{report}"
    );
    let md = std::fs::read_to_string(tmp.path().join("min.report.md")).unwrap();
    assert!(md.contains("- Flags: `-W simd=n,relaxed-simd=n`"), "{md}");
    assert!(md.contains("i32x4.splat"), "{md}");
    let assertions = if cfg!(debug_assertions) { "on" } else { "off" };
    assert!(
        md.contains(&format!(
            "- Wasmtime: 48.0.8 (built-in, debug assertions {assertions})\n"
        )),
        "{md}"
    );
    assert!(md.contains("- Reproduce: `wasmtime compile -W simd=n,relaxed-simd=n min.wasm` (fails with `SIMD support is not enabled` on stderr)\n"), "{md}");
}

/// The test binary is built with the same profile as `whittle`, so its own
/// `cfg!(debug_assertions)` says what whittle's Wasmtime has.
#[test]
fn version_names_the_embedded_wasmtime_and_its_debug_assertions() {
    let tmp = tempfile::tempdir().unwrap();
    let out = whittle_in(tmp.path()).args(["--version"]).exits(0);
    assert_eq!(
        text(&out.stdout),
        format!(
            "whittle {} (wasmtime 48.0.8, debug assertions {})\n",
            env!("CARGO_PKG_VERSION"),
            if cfg!(debug_assertions) { "on" } else { "off" }
        )
    );
}

#[test]
fn an_existing_smaller_repro_is_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    // A hand-made repro of the same failure, as small as what the
    // reduction reaches (29 bytes) but with another SIMD instruction.
    let tiny = wat::parse_str("(module (func i32.const 0 i8x16.splat unreachable))").unwrap();
    assert_eq!(tiny.len(), 29);
    std::fs::write(tmp.path().join("min.wasm"), &tiny).unwrap();
    whittle_in(tmp.path())
        .args(["check", "min.wasm", "-q", "-W", "simd=n,relaxed-simd=n"])
        .exits(0);
    reduce(tmp.path(), &NO_SIMD).exits(0);
    assert_eq!(std::fs::read(tmp.path().join("min.wasm")).unwrap(), tiny);
    assert!(!tmp.path().join("min.report.json").exists());
}

#[test]
fn an_existing_output_that_fails_otherwise_is_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    // Tiny, but compiles fine: not a repro of this failure.
    std::fs::write(tmp.path().join("min.wasm"), b"\0asm\x01\0\0\0").unwrap();
    reduce(tmp.path(), &NO_SIMD).exits(0);
    assert_eq!(
        std::fs::read(tmp.path().join("min.wasm")).unwrap().len(),
        29
    );
    assert!(tmp.path().join("min.report.json").exists());
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    let mut child = whittle_in(tmp.path())
        .args(["check", "bug.wasm", "-W", "simd=n,relaxed-simd=n"])
        .command()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn list_passes_and_unknown_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let out = whittle_in(tmp.path())
        .args(["reduce", "--list-passes"])
        .exits(0);
    let names: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "remove-exports",
            "remove-start",
            "remove-functions",
            "unreachable-bodies",
            "remove-imports",
            "remove-elements",
            "empty-elements",
            "truncate-elements",
            "remove-data",
            "truncate-data",
            "remove-globals",
            "remove-tables",
            "remove-memories",
            "remove-tags",
            "shrink-limits",
            "simplify-limits",
            "remove-custom-sections",
            "remove-statements",
            "truncate-bodies",
            "unwrap-blocks",
            "truncate-br-tables",
            "simplify-branches",
            "truncate-catches",
            "remove-catches",
            "remove-instructions",
            "remove-dead-values",
            "remove-locals",
            "shorten-locals",
            "simplify-constants",
            "inline-calls",
            "shrink-constants",
            "simplify-memargs",
            "trim-results",
            "shorten-results",
            "trim-params",
            "shorten-params",
            "trim-fields",
            "shorten-fields",
            "merge-types",
            "remove-types",
        ]
    );
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    let out = reduce(tmp.path(), &["--passes", "remove-functons"]).exits(2);
    assert!(text(&out.stderr).contains("unknown pass `remove-functons`"));
}

#[test]
fn passes_and_skip_passes_limit_the_schedule() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    reduce(tmp.path(), &["--passes", "remove-functions,remove-exports"])
        .args(NO_SIMD)
        .exits(0);
    let report = json_at(tmp.path().join("min.report.json"));
    assert_eq!(
        report["passes"],
        serde_json::json!(["remove-exports", "remove-functions"])
    );
    // The body is untouched: only items went.
    let wat = wat_of(&tmp.path().join("min.wasm"));
    assert!(wat.contains("i32x4.extract_lane 0"), "{wat}");
    assert!(!wat.contains("export"), "{wat}");
}

#[test]
fn convert_between_text_and_binary() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("m.wat"),
        "(module (func (result i32) i32.const 7))",
    )
    .unwrap();
    whittle_in(tmp.path())
        .args(["convert", "m.wat", "-o", "m.wasm"])
        .exits(0);
    assert_eq!(
        std::fs::read(tmp.path().join("m.wasm")).unwrap(),
        wat::parse_str("(module (func (result i32) i32.const 7))").unwrap()
    );
    whittle_in(tmp.path())
        .args(["convert", "m.wasm", "-o", "back.wat"])
        .exits(0);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("back.wat")).unwrap(),
        "(module\n  (type (;0;) (func (result i32)))\n  (func (;0;) (type 0) (result i32)\n    i32.const 7\n  )\n)\n"
    );
    // Over wasmparser's limits: still written as binary.
    let results = " i32".repeat(1001);
    std::fs::write(
        tmp.path().join("big.wat"),
        format!("(module (type (func (result{results}))))"),
    )
    .unwrap();
    whittle_in(tmp.path())
        .args(["convert", "big.wat", "-o", "big.wasm"])
        .exits(0);
    whittle_in(tmp.path())
        .args(["convert", "big.wasm", "-o", "big2.wat"])
        .exits(0);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("big2.wat")).unwrap(),
        format!("(module\n  (type (func (result{results})))\n)\n")
    );
}
