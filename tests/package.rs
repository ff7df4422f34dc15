//! Every crate of the workspace can be published: `cargo package` builds
//! each one's `.crate` (metadata, license, readme, versions on path
//! dependencies) from the registry index already on disk, without the
//! network and without compiling again (`--no-verify`: the suite has
//! just built them).

use std::process::Command;

#[test]
fn every_crate_packages() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = tempfile::tempdir().unwrap();
    let out = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "package",
            "--workspace",
            "--no-verify",
            "--locked",
            "--offline",
        ])
        .arg("--allow-dirty")
        .arg("--target-dir")
        .arg(target.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let mut crates: Vec<String> = std::fs::read_dir(target.path().join("package"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".crate"))
        .collect();
    crates.sort();
    let version = env!("CARGO_PKG_VERSION");
    let expected: Vec<String> = [
        "wasm-whittle",
        "whittle-hint",
        "whittle-module",
        "whittle-oracle",
        "whittle-passes",
        "whittle-reduce",
    ]
    .iter()
    .map(|name| format!("{name}-{version}.crate"))
    .collect();
    assert_eq!(crates, expected, "{stderr}");
    // No warning that a crate lacks what crates.io asks for.
    assert!(!stderr.contains("warning: manifest has no"), "{stderr}");
}
