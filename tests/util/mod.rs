//! Helpers for integration tests that drive the real `whittle` binary in a
//! temporary directory (in the manner of ripgrep's `tests/util.rs`).

#![allow(dead_code)]

mod command;

pub use command::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `whittle` binary built for this test run.
pub fn whittle_exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_whittle"))
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Print a binary module as WAT.
pub fn wat_of(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    wasmprinter::print_bytes(&bytes).expect("valid module")
}

/// Write `wat` as a binary module to `dir/name`.
pub fn write_wasm(dir: &Path, name: &str, wat: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, wat::parse_str(wat).unwrap()).unwrap();
    path
}

/// A module that fails to compile with SIMD disabled ([`NO_SIMD`]).
pub const SIMD_FAILS: &str = r#"(module
  (func $helper (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  (func $culprit (export "culprit") (param i32) (result i32)
    local.get 0
    i32x4.splat
    i32x4.extract_lane 0
    call $helper))"#;

/// What `SIMD_FAILS` reduces to with SIMD disabled.
pub const SIMD_REDUCED: &str =
    "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0)\n    i32.const 0\n    i32x4.splat\n    unreachable\n  )\n)\n";

/// The sorted names of the entries of `dir`.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Wasmtime flags that disable SIMD.
pub const NO_SIMD: [&str; 2] = ["-W", "simd=n,relaxed-simd=n"];

/// The input `corpora/<case>/generate.py ARGS` prints.
pub fn generate(case: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new("python3")
        .arg(repo().join("corpora").join(case).join("generate.py"))
        .args(args)
        .output()
        .expect("run python3");
    assert!(out.status.success(), "{}", text(&out.stderr));
    out.stdout
}

/// Write the executable shell script `dir/name` (`#!/bin/sh` and `body`).
pub fn write_script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&path, perms).unwrap();
    path
}

/// A Wasmtime 48.0.8 CLI: `$WHITTLE_WASMTIME`, else `wasmtime` on PATH.
/// `.ci/run` installs one and sets `WHITTLE_REQUIRE_WASMTIME_CLI=1`, so in
/// CI a test needing it cannot pass by skipping; elsewhere it says so on
/// stderr and the caller skips.
pub fn wasmtime_cli() -> Option<PathBuf> {
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

/// The CLI of [`wasmtime_cli`] if it has the `wast` subcommand (the CLI's
/// `wast` cargo feature, which `.ci/run` installs): required where
/// `WHITTLE_REQUIRE_WASMTIME_WAST` is set (`.ci/run` sets it), else skipped
/// with a note.
pub fn wasmtime_wast_cli() -> Option<PathBuf> {
    let cli = wasmtime_cli()?;
    // (Builds without clap's default features have no `--help`: run a
    // one-module script.)
    let probe = tempfile::tempdir().unwrap();
    let script = probe.path().join("probe.wast");
    std::fs::write(&script, "(module)").unwrap();
    let has_wast = Command::new(&cli)
        .arg("wast")
        .arg(&script)
        .output()
        .is_ok_and(|o| o.status.success());
    if has_wast {
        return Some(cli);
    }
    if std::env::var_os("WHITTLE_REQUIRE_WASMTIME_WAST").is_some() {
        panic!("the wasmtime CLI at {cli:?} has no `wast` subcommand: install it with the `wast` feature, as .ci/run does");
    }
    eprintln!("skipped: the wasmtime CLI has no `wast` subcommand");
    None
}

/// The JSON file at `path` (a report, an index).
pub fn json_at(path: impl AsRef<Path>) -> serde_json::Value {
    let path = path.as_ref();
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What the report counted for `pass` (candidates, oracle calls, accepted,
/// bytes removed), without its timings, which vary from run to run.
pub fn pass_counts(report: &serde_json::Value, pass: &str) -> serde_json::Value {
    let mut counts = report["per_pass"][pass].clone();
    if let Some(fields) = counts.as_object_mut() {
        fields.remove("build_seconds");
        fields.remove("oracle_seconds");
    }
    counts
}
