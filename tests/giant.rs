//! One giant generated function: the reducer's own cost, tree-aware body
//! reduction, and stopping at once (issue 8). The inputs are the shapes of
//! `bench/gen_giant.py`, generated small here (the benchmark runs them at
//! full size).

mod util;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};
use util::*;

/// One function of `n` straight-line statements `local.get 0 i32.const K
/// i32.add local.set 0`, with `special` statements inserted before the
/// statement of the same index.
fn giant(n: usize, special: &[(usize, &str)]) -> String {
    let mut wat = String::from("(module\n  (memory 1)\n  (func (export \"run\") (local i32)\n");
    for i in 0..n {
        for (at, s) in special {
            if *at == i {
                wat.push_str(&format!("    {s}\n"));
            }
        }
        wat.push_str(&format!(
            "    local.get 0 i32.const {} i32.add local.set 0\n",
            (i * 7919) % 100003 + 1
        ));
    }
    wat.push_str("  )\n)\n");
    wat
}

/// A SIMD load, compiled with SIMD disabled: the culprit statement.
const CULPRIT: &str = "i32.const 0 v128.load drop";

/// What a giant function with [`CULPRIT`] in it reduces to.
const CULPRIT_ALONE: &str = "(module
  (type (;0;) (func))
  (memory (;0;) 0)
  (func (;0;) (type 0)
    i32.const 0
    v128.load
    drop
  )
)
";

fn report(dir: &std::path::Path, name: &str) -> serde_json::Value {
    json_at(dir.join(name))
}

/// Reduce one culprit statement in the middle of 20,000 at `jobs`:
/// asserts the result is the culprit alone, and returns the report.
fn reduce_one_culprit(jobs: &str) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let n = 20_000;
    write_wasm(tmp.path(), "giant.wasm", &giant(n, &[(n / 2, CULPRIT)]));
    whittle_in(tmp.path())
        .args(["reduce", "giant.wasm", "-o", "min.wasm", "-q", "-j", jobs])
        .args(NO_SIMD)
        .args(["--mutate-budget", "0"])
        .exits(0);
    assert_eq!(wat_of(&tmp.path().join("min.wasm")), CULPRIT_ALONE);
    report(tmp.path(), "min.report.json")
}

/// One culprit statement in the middle of 20,000: the whole reduction
/// takes a number of oracle calls logarithmic in the function's size.
#[test]
fn one_culprit_statement_in_a_giant_function() {
    let r = reduce_one_culprit("1");
    let calls = r["oracle_calls"].as_u64().unwrap();
    // About 2 log2(n) for the statements, a few for everything else.
    assert!(calls <= 40, "{calls} oracle calls");
    let statements = &r["per_pass"]["remove-statements"];
    assert!(
        statements["oracle_calls"].as_u64().unwrap() <= 2 * 15,
        "{statements}"
    );
    assert_eq!(statements["accepted"], 12, "{statements}");
}

/// The same at `-j 2`, where the function is too large for tree batches
/// and each level's two halves are checked at once: the half without the
/// culprit validates and is answered in whittle's process while the
/// other's check runs; the batch after it predicts that other half taken
/// out (`halves.rs`) and goes on past the re-base that brings, with the
/// next level's check (`ddmin_path.rs`), rather than build past it as if
/// it were kept. The search is `-j 1`'s. (How many checks were wasted
/// depends on timing: 7-12 in twelve runs, six at once on two cores,
/// before that prediction, 1-4 after it and the path past the re-base.)
#[test]
fn one_culprit_statement_in_a_giant_function_at_two_jobs() {
    let r = reduce_one_culprit("2");
    let statements = &r["per_pass"]["remove-statements"];
    assert_eq!(statements["accepted"], 12, "{statements}");
}

/// A module that is mostly one giant function has its statements cut
/// first when checks only compile: the passes that take out declarations
/// a few bytes at a time (an export, a memory's limits) would each check
/// the whole function, and check a few dozen bytes after the cut instead.
#[test]
fn a_giant_function_is_cut_before_its_declarations() {
    let tmp = tempfile::tempdir().unwrap();
    // 70 KB of code: just over the 64 KiB that makes a function giant.
    let n = 10_000;
    write_wasm(tmp.path(), "giant.wasm", &giant(n, &[(n / 2, CULPRIT)]));
    let out = whittle_in(tmp.path())
        .args(["reduce", "giant.wasm", "-o", "min.wasm", "-v", "-j", "1"])
        .args(NO_SIMD)
        .args(["--mutate-budget", "0"])
        .exits(0);
    let stderr = text(&out.stderr);
    // `[    0.1s] remove-exports   70038 bytes    0.01 s  not interesting ...`
    let checked: Vec<(&str, usize)> = stderr
        .lines()
        .filter(|l| l.contains(" interesting  "))
        .map(|l| {
            let mut words = l[11..].split_whitespace();
            let pass = words.next().unwrap();
            (pass, words.next().unwrap().parse().unwrap())
        })
        .collect();
    let first = |pass: &str| checked.iter().find(|(p, _)| *p == pass).unwrap();
    assert_eq!(checked[0].0, "remove-statements", "{stderr}");
    assert!(first("remove-exports").1 < 100, "{stderr}");
    assert!(first("shrink-limits").1 < 100, "{stderr}");
    assert_eq!(wat_of(&tmp.path().join("min.wasm")), CULPRIT_ALONE);
    let order = |report: &str| json_at(tmp.path().join(report))["passes"][0].clone();
    assert_eq!(order("min.report.json"), "remove-statements");
    // Where a check runs the module, a declaration can decide a trap (a
    // memory shrunk to no pages): the usual order stays.
    whittle_in(tmp.path())
        .args(["reduce", "giant.wasm", "-o", "run.wasm", "-q", "-j", "1"])
        .args(["--phase", "run", "--invoke", "run", "--mutate-budget", "0"])
        .args(NO_SIMD)
        .exits(0);
    assert_eq!(order("run.report.json"), "remove-exports");
}

/// Two statements a half-function apart are both needed for the trap (a
/// store of an out-of-bounds address, a load through it): level-by-level
/// statement removal keeps exactly those two, in a number of oracle calls
/// logarithmic in the function's size.
#[test]
fn two_distant_statements_are_found_by_statement_removal() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 8_000;
    write_wasm(
        tmp.path(),
        "giant.wasm",
        &giant(
            n,
            &[
                (n / 4, "i32.const 16 i32.const 0x7fff0000 i32.store"),
                (3 * n / 4, "i32.const 16 i32.load i32.load drop"),
            ],
        ),
    );
    whittle_in(tmp.path())
        .args([
            "reduce",
            "giant.wasm",
            "-o",
            "min.wasm",
            "-q",
            "-j",
            "1",
            "--phase",
            "run",
            "--invoke",
            "run",
            "--passes",
            "remove-statements",
            "--mutate-budget",
            "0",
        ])
        .exits(0);
    assert_eq!(
        wat_of(&tmp.path().join("min.wasm")),
        "(module
  (type (;0;) (func))
  (memory (;0;) 1)
  (export \"run\" (func 0))
  (func (;0;) (type 0)
    (local i32)
    i32.const 16
    i32.const 2147418112
    i32.store
    i32.const 16
    i32.load
    i32.load
    drop
  )
)
"
    );
    let calls = report(tmp.path(), "min.report.json")["oracle_calls"]
        .as_u64()
        .unwrap();
    // ddmin finds two needed targets among n in about 4 log2(n) candidates.
    assert!(calls <= 4 * 13 + 10, "{calls} oracle calls");
}

/// SIGTERM in the middle of a long pass over a large function (a predicate
/// that takes 0.3 s a call): whittle stops within a second or two (not
/// after the pass), with the best so far and its report written, and exit
/// status 130; the same for a time budget that ends while a check runs.
#[test]
fn stops_at_once_in_a_long_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 4_000;
    write_wasm(tmp.path(), "giant.wasm", &giant(n, &[(n / 2, CULPRIT)]));
    write_script(
        tmp.path(),
        "slow.sh",
        "sleep 0.3\n\"$WHITTLE\" convert \"$1\" -o \"$1.wat\" && grep -q v128.load \"$1.wat\"\n",
    );
    let reduce = |extra: &[&str]| {
        whittle_in(tmp.path())
            .args(["reduce", "giant.wasm", "-o", "min.wasm", "-j", "1"])
            .args(["--predicate", "./slow.sh"])
            .args(extra)
    };

    // Wait for the first new best (a progress line), then SIGTERM.
    let mut child = reduce(&[])
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "ended early:\n{seen}"
        );
        seen.push_str(&line);
        if line.contains("remove-statements") {
            break;
        }
    }
    let signalled = Instant::now();
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    let took = signalled.elapsed();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(took < Duration::from_secs(5), "stopped after {took:?}");
    assert!(rest.contains("interrupted"), "{rest}");
    let best = std::fs::read(tmp.path().join("min.wasm")).unwrap();
    assert!(best.len() < std::fs::read(tmp.path().join("giant.wasm")).unwrap().len());
    assert!(wat_of(&tmp.path().join("min.wasm")).contains("v128.load"));
    let r = report(tmp.path(), "min.report.json");
    assert_eq!(r["stopped_early"], true);
    assert_eq!(r["after"]["bytes"].as_u64().unwrap() as usize, best.len());

    // A time budget that ends while a 0.3 s check runs.
    std::fs::remove_file(tmp.path().join("min.wasm")).unwrap();
    std::fs::remove_dir_all(tmp.path().join("min.wasm.whittle")).unwrap();
    let started = Instant::now();
    let out = reduce(&["--time-budget", "2s"]).output();
    let took = started.elapsed();
    assert_exit(&out, 0);
    assert!(took < Duration::from_secs(5), "stopped after {took:?}");
    assert!(text(&out.stderr).contains("time budget reached"));
    assert!(wat_of(&tmp.path().join("min.wasm")).contains("v128.load"));
    assert_eq!(report(tmp.path(), "min.report.json")["stopped_early"], true);
}
