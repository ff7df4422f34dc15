//! Options not covered elsewhere, each through the real binary with an
//! exact assertion: memory cap, compile-time bound, pinned kind, import
//! stubs, run timeouts and fuel, --skip-passes, and -j independence.

mod util;

use std::process::Command;
use util::*;

fn check_json(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["check", "m.wat", "--json"];
    all.extend_from_slice(args);
    let out = whittle(dir, &all);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)))
}

fn handlers_module(dir: &std::path::Path, handlers: &str) {
    let out = Command::new("python3")
        .arg(repo().join("corpora/memory-blowup/generate.py"))
        .args(["--handlers", handlers, "--functions", "4"])
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(dir.join("m.wat"), &out.stdout).unwrap();
}

#[test]
fn a_memory_cap_turns_a_blow_up_into_out_of_memory() {
    let tmp = tempfile::tempdir().unwrap();
    handlers_module(tmp.path(), "2048");
    let v = check_json(tmp.path(), &["--memory-limit", "30M"]);
    assert_eq!(v["outcome"], serde_json::json!({"kind": "out-of-memory"}));
    assert_eq!(v["signature"]["kind"], "out-of-memory");
}

#[test]
fn compile_time_above_is_a_criterion() {
    let tmp = tempfile::tempdir().unwrap();
    handlers_module(tmp.path(), "2048");
    let out = whittle(
        tmp.path(),
        &["check", "m.wat", "--compile-time-above", "50ms"],
    );
    assert_exit(&out, 0);
    assert!(
        text(&out.stdout).ends_with("  criterion met: check time above 0.05 s\n"),
        "{}",
        text(&out.stdout)
    );
    std::fs::write(tmp.path().join("m.wat"), "(module (func))").unwrap();
    let out = whittle(
        tmp.path(),
        &["check", "m.wat", "--compile-time-above", "30s"],
    );
    assert_exit(&out, 1);
    assert!(text(&out.stdout).starts_with("m.wat: criterion not met: the original's check time"));
}

#[test]
fn expect_kind_pins_the_kind() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("m.wat"),
        "(module (func i32.const 0 i32x4.splat drop))",
    )
    .unwrap();
    let base = [
        "check",
        "m.wat",
        "-q",
        "-W",
        "simd=n,relaxed-simd=n",
        "--expect-kind",
    ];
    let with = |kind: &str| {
        let mut args = base.to_vec();
        args.push(kind);
        whittle(tmp.path(), &args)
    };
    assert_exit(&with("error"), 0);
    assert_exit(&with("panic"), 1);
    let out = with("crash");
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("unknown outcome kind `crash`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn import_stubs_return_zeros_or_trap() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("m.wat"),
        r#"(module (import "env" "f" (func $f (result i32 f64)))
             (func (export "run") (result i32 f64) call $f))"#,
    )
    .unwrap();
    let v = check_json(tmp.path(), &["--phase", "run", "--invoke", "run"]);
    assert_eq!(
        v["outcome"],
        serde_json::json!({"kind": "returned", "values": ["i32:0", "f64:0x0000000000000000"]})
    );
    let v = check_json(
        tmp.path(),
        &[
            "--phase",
            "run",
            "--invoke",
            "run",
            "--import-stubs",
            "trap",
        ],
    );
    assert_eq!(v["outcome"]["kind"], "error");
    assert!(
        v["outcome"]["message"]
            .as_str()
            .unwrap()
            .contains("stub import called"),
        "{v}"
    );
}

#[test]
fn an_infinite_loop_is_a_timeout_by_epoch_or_fuel() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("m.wat"),
        r#"(module (func (export "run") loop br 0 end))"#,
    )
    .unwrap();
    let timeout = serde_json::json!({"kind": "timeout"});
    let v = check_json(
        tmp.path(),
        &[
            "--phase",
            "run",
            "--invoke",
            "run",
            "--run-timeout",
            "200ms",
        ],
    );
    assert_eq!(v["outcome"], timeout);
    let v = check_json(
        tmp.path(),
        &["--phase", "run", "--invoke", "run", "-W", "fuel=10000"],
    );
    assert_eq!(v["outcome"], timeout);
}

#[test]
fn skip_passes_and_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = Command::new("python3")
        .arg(repo().join("corpora/simd-disabled/generate.py"))
        .args(["--functions", "80"])
        .output()
        .unwrap();
    std::fs::write(tmp.path().join("m.wat"), &input.stdout).unwrap();
    let reduce = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "reduce",
            "m.wat",
            "-o",
            out,
            "-q",
            "-W",
            "simd=n,relaxed-simd=n",
        ];
        args.extend_from_slice(extra);
        assert_exit(&whittle(tmp.path(), &args), 0);
        std::fs::read(tmp.path().join(out)).unwrap()
    };
    // The result does not depend on -j.
    let one = reduce("j1.wasm", &["-j", "1"]);
    let three = reduce("j3.wasm", &["-j", "3"]);
    assert_eq!(one, three);
    assert_eq!(
        wat_of(&tmp.path().join("j1.wasm")),
        "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0)\n    i32.const 0\n    i32x4.splat\n    unreachable\n  )\n)\n"
    );
    // Skipped passes are not run.
    reduce(
        "skip.wasm",
        &[
            "--skip-passes",
            "remove-functions,inline-calls",
            "--mutate-budget",
            "0",
        ],
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("skip.report.json")).unwrap())
            .unwrap();
    let passes: Vec<&str> = report["passes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(passes.len(), 38);
    assert!(!passes.contains(&"remove-functions") && !passes.contains(&"inline-calls"));
    assert!(report["per_pass"].get("remove-functions").is_none());
    assert_eq!(report["per_pass"]["wasm-mutate"]["candidates"], 0);
}
