//! `whittle corpus` and `whittle recheck` through the real binary: group a
//! directory of failing modules by signature, shard the work (sequential
//! shards and GNU parallel), and recheck the repros against other flags.

mod util;

use std::path::Path;
use std::process::Command;
use util::*;

const FLAGS: [&str; 2] = ["-W", "simd=n,relaxed-simd=n"];

fn make_corpus(dir: &Path) {
    std::fs::create_dir_all(dir.join("b")).unwrap();
    std::fs::write(
        dir.join("a.wat"),
        r#"(module
             (func $helper (param i32) (result i32) local.get 0 i32.const 7 i32.mul)
             (func (export "f") (param i32) (result i32)
               local.get 0 call $helper i32x4.splat i32x4.extract_lane 0))"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("b/c.wat"),
        "(module (memory 1) (func (result i32) i32.const 0 v128.load i32x4.extract_lane 1))",
    )
    .unwrap();
    std::fs::write(
        dir.join("legacy.wat"),
        "(module (tag $e) (func (result i32) try (result i32) i32.const 1 catch $e i32.const 2 end))",
    )
    .unwrap();
    std::fs::write(
        dir.join("ok.wat"),
        "(module (func (result i32) i32.const 1))",
    )
    .unwrap();
    std::fs::write(dir.join("junk.wasm"), b"not wasm").unwrap();
}

fn corpus(cwd: &Path, out: &str, extra: &[&str]) {
    whittle_in(cwd)
        .args(["corpus", "in", "-o", out, "-q"])
        .args(extra)
        .args(FLAGS)
        .exits(0);
}

fn index(dir: &Path) -> serde_json::Value {
    json_at(dir.join("index.json"))
}

#[test]
fn groups_by_signature_keeps_the_smallest_and_lists_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    make_corpus(&tmp.path().join("in"));
    corpus(tmp.path(), "out", &[]);
    let out = tmp.path().join("out");
    let index = index(&out);
    let sigs = index["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2, "{index:#}");
    let simd = sigs
        .iter()
        .find(|s| {
            s["signature"]["message"]
                .as_str()
                .unwrap()
                .contains("SIMD support")
        })
        .unwrap();
    assert_eq!(simd["members"], serde_json::json!(["a.wat", "b/c.wat"]));
    assert_eq!(simd["smallest_bytes"], 29);
    let legacy = sigs
        .iter()
        .find(|s| {
            s["signature"]["message"]
                .as_str()
                .unwrap()
                .contains("legacy_exceptions")
        })
        .unwrap();
    assert_eq!(legacy["members"], serde_json::json!(["legacy.wat"]));
    assert_eq!(index["passing"], serde_json::json!(["ok.wat"]));
    assert_eq!(index["errors"][0][0], "junk.wasm");
    assert!(index["errors"][0][1]
        .as_str()
        .unwrap()
        .contains("not a WebAssembly module"));

    let id = simd["id"].as_str().unwrap();
    let folder = out.join("signatures").join(id);
    assert_eq!(
        std::fs::read_to_string(folder.join("repro.wat")).unwrap(),
        "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0)\n    i32.const 0\n    i32x4.splat\n    unreachable\n  )\n)\n"
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("reproduce.sh")).unwrap(),
        "#!/bin/sh\n# Run in this folder.\nwasmtime compile -W simd=n,relaxed-simd=n repro.wasm\n"
    );
    let md = std::fs::read_to_string(out.join("index.md")).unwrap();
    assert!(
        md.contains(&format!("| [{id}](signatures/{id}/) |")),
        "{md}"
    );

    // A rerun finds everything done: nothing is reduced again.
    let before = std::fs::metadata(out.join("reduced/a.wat.wasm"))
        .unwrap()
        .modified()
        .unwrap();
    corpus(tmp.path(), "out", &[]);
    let after = std::fs::metadata(out.join("reduced/a.wat.wasm"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after);
}

/// `--emit-wast`: each signature's smallest repro as a test for Wasmtime's
/// suite, named for its folder.
#[test]
fn emit_wast_writes_a_test_per_signature() {
    let tmp = tempfile::tempdir().unwrap();
    make_corpus(&tmp.path().join("in"));
    corpus(tmp.path(), "out", &["--emit-wast"]);
    let out = tmp.path().join("out");
    let index = index(&out);
    let sigs = index["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2, "{index:#}");
    for sig in sigs {
        let folder = out.join("signatures").join(sig["id"].as_str().unwrap());
        let wast = std::fs::read_to_string(folder.join("repro.wast")).unwrap();
        let buffer = wast::parser::ParseBuffer::new(&wast).unwrap();
        wast::parser::parse::<wast::Wast>(&buffer).unwrap();
        assert!(
            wast.contains("\n;;   wasmtime wast -W simd=n,relaxed-simd=n repro.wast\n"),
            "{wast}"
        );
        if sig["smallest"] == "a.wat" {
            assert_eq!(
                wast,
                format!(
                    ";;! simd = false
;;! relaxed_simd = false

;; Reduced by wasm-whittle {} from `in/a.wat` (69 -> 29 bytes).
;; Wasmtime 48.0.8 (built into whittle, debug assertions {}) gives:
;;   error: failed to compile: wasm[0]::function[0]: WebAssembly translation error: Invalid input WebAssembly code at offset 25: SIMD support is not enabled
;; This test passes while Wasmtime rejects the module this way. Run it with:
;;   wasmtime wast -W simd=n,relaxed-simd=n repro.wast

(assert_invalid
  (module
    (type (;0;) (func))
    (func (;0;) (type 0)
      i32.const 0
      i32x4.splat
      unreachable
    )
  )
  \"SIMD support is not enabled\")
",
                    env!("CARGO_PKG_VERSION"),
                    if cfg!(debug_assertions) { "on" } else { "off" }
                )
            );
        }
    }
    // A predicate's verdict has no .wast form: refused before any work.
    whittle_in(tmp.path())
        .args([
            "corpus",
            "in",
            "-o",
            "p",
            "--emit-wast",
            "--predicate",
            "true",
        ])
        .refused("whittle: error: --emit-wast: a predicate's verdict has no .wast form\n");
}

#[test]
fn shards_merge_into_the_same_index() {
    let tmp = tempfile::tempdir().unwrap();
    make_corpus(&tmp.path().join("in"));
    corpus(tmp.path(), "whole", &[]);
    for k in 1..=3 {
        corpus(tmp.path(), "sharded", &["--shard", &format!("{k}/3")]);
    }
    corpus(tmp.path(), "sharded", &["--index-only"]);
    assert_eq!(
        index(&tmp.path().join("whole")),
        index(&tmp.path().join("sharded"))
    );
}

/// The README's GNU parallel example, run locally. `.ci/run` installs GNU
/// parallel and sets WHITTLE_REQUIRE_PARALLEL, so CI cannot skip this.
#[test]
fn gnu_parallel_over_shards() {
    let found = Command::new("parallel")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("WHITTLE_REQUIRE_PARALLEL").is_none(),
            "WHITTLE_REQUIRE_PARALLEL is set but GNU parallel is missing"
        );
        eprintln!("skipped: GNU parallel is not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    make_corpus(&tmp.path().join("in"));
    corpus(tmp.path(), "whole", &[]);
    let status = Command::new("parallel")
        .current_dir(tmp.path())
        .args(["--will-cite", "-j", "3"])
        .arg(format!(
            "{} corpus in -o par -q --shard {{}}/3 -W simd=n,relaxed-simd=n",
            whittle_exe().display()
        ))
        .args([":::", "1", "2", "3"])
        .status()
        .unwrap();
    assert!(status.success());
    corpus(tmp.path(), "par", &["--index-only"]);
    assert_eq!(
        index(&tmp.path().join("whole")),
        index(&tmp.path().join("par"))
    );
}

#[test]
fn recheck_reports_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    make_corpus(&tmp.path().join("in"));
    corpus(tmp.path(), "out", &[]);
    // With the same flags everything still fails.
    let out = whittle_in(tmp.path())
        .args(["recheck", "out", FLAGS[0], FLAGS[1]])
        .exits(0);
    assert!(
        text(&out.stdout)
            .ends_with("2 still fail, 0 now pass, 0 fail differently (built-in wasmtime 48.0.8)\n"),
        "{}",
        text(&out.stdout)
    );
    // With SIMD back on, the SIMD repro compiles: it "now passes", and the
    // exit status says something changed.
    let out = whittle_in(tmp.path())
        .args(["recheck", "out", "--json"])
        .exits(1);
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut statuses: Vec<&str> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    statuses.sort();
    assert_eq!(statuses, ["now-passes", "still-fails"]);
}
