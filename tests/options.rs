//! Options not covered elsewhere, each through the real binary with an
//! exact assertion: memory cap, compile-time bound, pinned kind, import
//! stubs, run timeouts and fuel, --skip-passes, and -j independence (with
//! the built-in oracle and behind a slow predicate).

mod util;

use util::*;

fn check_json(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = whittle_in(dir)
        .args(["check", "m.wat", "--json"])
        .args(args)
        .output();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)))
}

fn handlers_module(dir: &std::path::Path, handlers: &str) {
    let wat = generate(
        "memory-blowup",
        &["--handlers", handlers, "--functions", "4"],
    );
    std::fs::write(dir.join("m.wat"), wat).unwrap();
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
    let out = whittle_in(tmp.path())
        .args(["check", "m.wat", "--compile-time-above", "50ms"])
        .exits(0);
    assert!(
        text(&out.stdout).ends_with("  criterion met: check time above 0.05 s\n"),
        "{}",
        text(&out.stdout)
    );
    std::fs::write(tmp.path().join("m.wat"), "(module (func))").unwrap();
    let out = whittle_in(tmp.path())
        .args(["check", "m.wat", "--compile-time-above", "30s"])
        .exits(1);
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
    let with = |kind: &str| whittle_in(tmp.path()).args(base).arg(kind);
    with("error").exits(0);
    with("panic").exits(1);
    let out = with("crash").exits(2);
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

/// Behind a predicate slow enough (40 ms a check) that the parallel
/// batches are trees of answers going on into the next passes and the
/// next round, every `-j` gives `-j 1`'s bytes.
#[test]
fn a_slow_predicate_gives_the_same_bytes_at_every_j() {
    let tmp = tempfile::tempdir().unwrap();
    let input = generate("simd-disabled", &["--functions", "24"]);
    std::fs::write(tmp.path().join("m.wat"), input).unwrap();
    write_script(
        tmp.path(),
        "slow.sh",
        "sleep 0.04\nexec \"$WHITTLE\" check \"$1\" -W simd=n,relaxed-simd=n --quiet",
    );
    let reduce = |jobs: &str| {
        let out = format!("j{jobs}.wasm");
        whittle_in(tmp.path())
            .args(["reduce", "m.wat", "-o", &out, "-q", "-j", jobs])
            .args(["--predicate", "./slow.sh"])
            .exits(0);
        std::fs::read(tmp.path().join(&out)).unwrap()
    };
    let one = reduce("1");
    assert_eq!(reduce("2"), one);
    assert_eq!(reduce("3"), one);
    assert_eq!(
        wat_of(&tmp.path().join("j2.wasm")),
        "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0)\n    i32.const 0\n    i32x4.splat\n    unreachable\n  )\n)\n"
    );
}

#[test]
fn skip_passes_and_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = generate("simd-disabled", &["--functions", "80"]);
    std::fs::write(tmp.path().join("m.wat"), input).unwrap();
    let reduce = |out: &str, extra: &[&str]| {
        whittle_in(tmp.path())
            .args(["reduce", "m.wat", "-o", out, "-q"])
            .args(NO_SIMD)
            .args(extra)
            .exits(0);
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
    let report = json_at(tmp.path().join("skip.report.json"));
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
