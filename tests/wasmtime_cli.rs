//! `--wasmtime PATH`: the same reductions through a real `wasmtime` CLI.
//!
//! Needs a Wasmtime 48.0.8 CLI (see `util::wasmtime_cli`).

mod util;

use std::process::Command;
use util::*;

const WINCH_ARGS: [&str; 6] = [
    "-C",
    "compiler=winch",
    "--target",
    "x86_64-unknown-linux-gnu",
    "-C",
    "cranelift-has_avx=true",
];

const WINCH_BUG: &str = r#"(module
  (memory 1)
  (func $ok (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
  (func $bug (export "bug") (param i32) (result i32)
    local.get 0
    call $ok
    drop
    local.get 0
    v128.load32_splat
    i32x4.extract_lane 0))"#;

#[test]
fn cli_and_built_in_oracles_agree_on_the_signature() {
    let Some(wasmtime) = wasmtime_cli() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", WINCH_BUG);
    let check = || {
        whittle_in(tmp.path())
            .args(["check", "bug.wasm", "--json"])
            .args(WINCH_ARGS)
    };
    let a = check().json(0);
    let b = check().arg("--wasmtime").arg(&wasmtime).json(0);
    assert_eq!(a["signature"], b["signature"]);
    assert_eq!(b["signature"]["kind"], "panic");
    assert_eq!(
        b["signature"]["location"],
        "cranelift-codegen-0.135.8/src/isa/x64/inst/emit.rs:174"
    );
    assert!(b["oracle"].as_str().unwrap().starts_with("wasmtime CLI "));
}

#[test]
fn reduces_a_winch_panic_through_the_cli() {
    let Some(wasmtime) = wasmtime_cli() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", WINCH_BUG);
    whittle_in(tmp.path())
        .args(["reduce", "bug.wasm", "-o", "min.wasm", "-q", "--wasmtime"])
        .arg(&wasmtime)
        .args(WINCH_ARGS)
        .exits(0);
    assert_eq!(
        wat_of(&tmp.path().join("min.wasm")),
        r#"(module
  (type (;0;) (func))
  (memory (;0;) 0)
  (func (;0;) (type 0)
    i32.const 0
    v128.load32_splat
    unreachable
  )
)
"#
    );
    let report = json_at(tmp.path().join("min.report.json"));
    let reproduce = report["reproduce"].as_str().unwrap();
    assert!(
        reproduce.ends_with(
            " compile -o min.cwasm -C compiler=winch -C cranelift-has_avx=true \
             --target x86_64-unknown-linux-gnu min.wasm"
        ),
        "{reproduce}"
    );
}

/// Two builds compared on a run: the second is the same CLI behind a
/// wrapper that turns NaN canonicalization on, standing in for a build
/// that computes something else. Needs a CLI with the `run` subcommand.
#[test]
fn two_builds_that_disagree_on_a_run() {
    let Some(wasmtime) = wasmtime_cli() else {
        return;
    };
    // (Such builds have no `--help` either: run an empty module.)
    let probe = tempfile::tempdir().unwrap();
    std::fs::write(probe.path().join("empty.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let has_run = Command::new(&wasmtime)
        .arg("run")
        .arg(probe.path().join("empty.wasm"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_run {
        assert!(
            std::env::var_os("WHITTLE_REQUIRE_WASMTIME_CLI").is_none(),
            "the wasmtime CLI at {wasmtime:?} has no `run` subcommand"
        );
        eprintln!("skipped: the wasmtime CLI has no `run` subcommand");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let other = write_script(
        tmp.path(),
        "canonicalizing-wasmtime",
        &format!(
            "cmd=$1; shift\nexec '{}' \"$cmd\" -W nan-canonicalization=y \"$@\"\n",
            wasmtime.display()
        ),
    );
    std::fs::write(
        tmp.path().join("bug.wat"),
        r#"(module
             (func $div (param f32 f32) (result f32) local.get 0 local.get 1 f32.div)
             (func (export "run") (result i32 i32)
               i32.const 7
               f32.const 0 f32.const 0 call $div i32.reinterpret_f32))"#,
    )
    .unwrap();
    whittle_in(tmp.path())
        .args(["reduce", "bug.wat", "-o", "min.wasm", "-q"])
        .args(["--phase", "run", "--invoke", "run"])
        .arg("--wasmtime")
        .arg(&wasmtime)
        .arg("--wasmtime")
        .arg(&other)
        .exits(0);
    assert_eq!(
        wat_of(&tmp.path().join("min.wasm")),
        "(module\n  (type (;0;) (func (result i32)))\n  (export \"run\" (func 0))\n  (func (;0;) (type 0) (result i32)\n    f32.const 0x0p+0 (;=0;)\n    f32.const 0x0p+0 (;=0;)\n    f32.div\n    i32.reinterpret_f32\n  )\n)\n"
    );
    let report = json_at(tmp.path().join("min.report.json"));
    assert_eq!(
        report["criterion"],
        "configurations disagree (returned vs returned)"
    );
}

/// `--invoke NAME ARGS...` reaches `wasmtime run` as `--invoke NAME
/// module ARGS...`.
#[test]
fn invoke_arguments_reach_the_cli() {
    let Some(wasmtime) = wasmtime_cli() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(
        tmp.path(),
        "load.wasm",
        r#"(module
             (memory 1)
             (func (export "f") (param i32 i64) (result i32) local.get 0 i32.load))"#,
    );
    let check = |args: [&str; 2], code| {
        whittle_in(tmp.path())
            .args(["check", "load.wasm", "--json", "--wasmtime"])
            .arg(&wasmtime)
            .args(["--phase", "run", "--invoke", "f"])
            .args(args)
            .json(code)["outcome"]
            .clone()
    };
    assert_eq!(check(["4", "0"], 1)["kind"], "returned");
    let trap = check(["70000", "-1"], 0);
    assert_eq!(trap["kind"], "trap", "{trap}");
    assert_eq!(trap["message"], "wasm trap: out of bounds memory access");
}
