//! `--wasmtime PATH`: the same reductions through a real `wasmtime` CLI.
//!
//! Needs a Wasmtime 48.0.8 CLI: `$WHITTLE_WASMTIME`, else `wasmtime` on
//! PATH. `.ci/run` installs one and sets `WHITTLE_REQUIRE_WASMTIME_CLI=1`,
//! so in CI these tests cannot pass by skipping; on a machine without the
//! CLI they say so on stderr and pass.

mod util;

use std::path::PathBuf;
use std::process::Command;
use util::*;

fn wasmtime_cli() -> Option<PathBuf> {
    let candidate = std::env::var_os("WHITTLE_WASMTIME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("wasmtime"));
    let version = Command::new(&candidate).arg("--version").output().ok();
    let found = version.is_some_and(|v| text(&v.stdout).starts_with("wasmtime 48.0.8"));
    if found {
        return Some(candidate);
    }
    if std::env::var_os("WHITTLE_REQUIRE_WASMTIME_CLI").is_some() {
        panic!("WHITTLE_REQUIRE_WASMTIME_CLI is set but no wasmtime 48.0.8 CLI at {candidate:?}");
    }
    eprintln!("skipped: no wasmtime 48.0.8 CLI (set WHITTLE_WASMTIME)");
    None
}

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
    let mut builtin = vec!["check", "bug.wasm", "--json"];
    builtin.extend(WINCH_ARGS);
    let mut cli = builtin.clone();
    cli.extend(["--wasmtime", wasmtime.to_str().unwrap()]);
    let a: serde_json::Value =
        serde_json::from_slice(&whittle(tmp.path(), &builtin).stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&whittle(tmp.path(), &cli).stdout).unwrap();
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
    let mut args = vec!["reduce", "bug.wasm", "-o", "min.wasm", "-q", "--wasmtime"];
    args.push(wasmtime.to_str().unwrap());
    args.extend(WINCH_ARGS);
    let out = whittle(tmp.path(), &args);
    assert_exit(&out, 0);
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
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("min.report.json")).unwrap())
            .unwrap();
    let reproduce = report["reproduce"].as_str().unwrap();
    assert!(
        reproduce.ends_with(
            " compile -o min.cwasm -C compiler=winch -C cranelift-has_avx=true \
             --target x86_64-unknown-linux-gnu min.wasm"
        ),
        "{reproduce}"
    );
}
