//! Every case under `corpora/` reduced by the real `whittle` binary against
//! the real Wasmtime 48.0.8 (or the case's predicate), with the exact result
//! asserted.
//!
//! A case is a folder and nothing else: the test discovers `corpora/*/`, so
//! adding a case needs no Rust. A case folder holds `README.md`,
//! `generate.py` (prints the input WAT, deterministically), `case.json`
//! (the oracle arguments, what the signature or criterion must say, what the
//! `--emit-wast` file does; see [`Case`]), `expected.wat` (the exact reduced
//! module; a noisy case has counts in `case.json` instead) and any file its
//! arguments name as `{case}/FILE` (a predicate). A folder missing one of
//! these is a failing case. Python tests in the folder (`test_*.py`, a
//! predicate's self-test) run too.
//!
//! All cases run, as many at a time as libtest would run tests
//! (`RUST_TEST_THREADS`, else one per core), and the test fails once at the
//! end naming every failing case with its message. `WHITTLE_CASES=a,b` runs
//! only the cases named. Run with `WHITTLE_BLESS=1` to rewrite
//! `expected.wat` after an intended change, and review the diff.

mod util;

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use util::*;

/// `case.json`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// The `whittle reduce` arguments after `input.wat -o min.wasm`;
    /// `{case}` stands for the case folder.
    args: Vec<String>,
    /// What the preserved signature must say (a built-in oracle's failure
    /// or a predicate's exit), unless the case has a `criterion`.
    signature: Option<Signature>,
    /// The report's `criterion` exactly (a resource bound, a differential).
    criterion: Option<String>,
    /// A resource bound measured near its limit: counts in a band instead
    /// of `expected.wat`.
    noisy: Option<Noisy>,
    /// What the `--emit-wast` file does against Wasmtime 48.0.8.
    wast: Wast,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Signature {
    kind: String,
    contains: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Noisy {
    /// Why the result varies between runs (for the reader of `case.json`).
    #[allow(dead_code)]
    why: String,
    /// How many functions the result has, exactly.
    functions: u64,
    /// How often each word occurs in `min.wat`: `[at least, at most]`.
    count: BTreeMap<String, (u64, u64)>,
}

#[derive(Deserialize, Clone, Copy, PartialEq)]
enum Wast {
    /// The `.wast` passes while the failure is there.
    #[serde(rename = "passes")]
    Passes,
    /// The `.wast` fails until the failure is fixed.
    #[serde(rename = "fails")]
    Fails,
    /// As `fails`, for a module compiled for another architecture: only
    /// run on that architecture.
    #[serde(rename = "fails on its host")]
    FailsOnItsHost,
    /// No `.wast` form: `--emit-wast` is refused before any work.
    #[serde(rename = "none")]
    None,
}

#[test]
fn every_case_in_corpora() {
    let cases = discover();
    let failures = run_all(&cases);
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .map(|(name, why)| format!("--- {name}\n{why}"))
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// The case folders `corpora/*/`, by name, or those `WHITTLE_CASES`
/// names.
fn discover() -> Vec<(String, PathBuf)> {
    let corpora = repo().join("corpora");
    let cases: Vec<(String, PathBuf)> = listing(&corpora)
        .into_iter()
        .map(|name| {
            let dir = corpora.join(&name);
            (name, dir)
        })
        .filter(|(_, dir)| dir.is_dir())
        .collect();
    assert!(
        !cases.is_empty(),
        "no case folders in {}",
        corpora.display()
    );
    let Ok(wanted) = std::env::var("WHITTLE_CASES") else {
        return cases;
    };
    let wanted: Vec<&str> = wanted.split(',').collect();
    for name in &wanted {
        assert!(
            cases.iter().any(|(n, _)| n == name),
            "WHITTLE_CASES names {name}, which is not a folder of {}",
            corpora.display()
        );
    }
    cases
        .into_iter()
        .filter(|(name, _)| wanted.contains(&name.as_str()))
        .collect()
}

/// Check every case, as many at a time as libtest runs tests; the failing
/// ones by name, with what failed.
fn run_all(cases: &[(String, PathBuf)]) -> Vec<(String, String)> {
    let workers = std::env::var("RUST_TEST_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(cases.len());
    let next = Mutex::new(cases.iter());
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let Some((name, dir)) = next.lock().unwrap().next() else {
                    return;
                };
                if let Err(why) = check_case(name, dir) {
                    failures.lock().unwrap().push((name.clone(), why));
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    failures
}

/// The folder's files, then its reduction; a failed assertion is the
/// error.
fn check_case(name: &str, dir: &Path) -> Result<(), String> {
    let case = read_case(dir)?;
    let problems = folder_problems(dir, &case);
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    std::panic::catch_unwind(|| run_case(name, dir, &case)).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panicked".to_string())
    })
}

fn read_case(dir: &Path) -> Result<Case, String> {
    let path = dir.join("case.json");
    let json = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let case: Case = serde_json::from_str(&json).map_err(|e| format!("{}: {e}", path.display()))?;
    if case.signature.is_some() == case.criterion.is_some() {
        return Err(format!(
            "{}: needs either `signature` or `criterion`",
            path.display()
        ));
    }
    Ok(case)
}

/// The files the case needs that its folder lacks, and an `expected.wat`
/// that a noisy case would leave unchecked.
fn folder_problems(dir: &Path, case: &Case) -> Vec<String> {
    let mut needed = vec!["README.md".to_string(), "generate.py".to_string()];
    let blessing = std::env::var_os("WHITTLE_BLESS").is_some();
    if case.noisy.is_none() && !blessing {
        needed.push("expected.wat".to_string());
    }
    // Files the arguments name, such as a predicate.
    for arg in &case.args {
        for word in arg.split_whitespace() {
            if let Some(file) = word.strip_prefix("{case}/") {
                needed.push(file.to_string());
            }
        }
    }
    let mut problems: Vec<String> = needed
        .into_iter()
        .filter(|file| !dir.join(file).is_file())
        .map(|file| format!("no {file} in {}", dir.display()))
        .collect();
    if case.noisy.is_some() && dir.join("expected.wat").exists() {
        problems.push(format!(
            "{}: a noisy case's result is checked by the counts in case.json, not by expected.wat",
            dir.join("expected.wat").display()
        ));
    }
    problems
}

/// The case's own Python tests (`test_*.py`, such as a predicate's
/// self-test), if it has any: `python3 -m unittest` in its folder.
fn run_python_tests(case_dir: &Path) {
    let has_tests = listing(case_dir)
        .iter()
        .any(|file| file.starts_with("test_") && file.ends_with(".py"));
    if !has_tests {
        return;
    }
    let out = Command::new("python3")
        .args(["-B", "-m", "unittest", "-q"])
        .current_dir(case_dir)
        .output()
        .expect("python3 runs unittest");
    assert!(
        out.status.success(),
        "python3 -m unittest in {}:\n{}",
        case_dir.display(),
        text(&out.stderr)
    );
}

fn generate(case_dir: &Path) -> Vec<u8> {
    let out = Command::new("python3")
        .arg(case_dir.join("generate.py"))
        .output()
        .expect("python3 runs the generator");
    assert!(
        out.status.success(),
        "generator failed: {}",
        text(&out.stderr)
    );
    out.stdout
}

fn run_case(name: &str, case_dir: &Path, case: &Case) {
    run_python_tests(case_dir);
    let args: Vec<String> = case
        .args
        .iter()
        .map(|a| a.replace("{case}", case_dir.to_str().unwrap()))
        .collect();

    let tmp = tempfile::tempdir().unwrap();
    let input = generate(case_dir);
    assert_eq!(input, generate(case_dir), "generator is not deterministic");
    std::fs::write(tmp.path().join("input.wat"), &input).unwrap();

    let whittle = || whittle_in(tmp.path());
    whittle()
        .args(["reduce", "input.wat", "-o", "min.wasm"])
        .args(&args)
        .exits(0);

    // `min.wat` is whittle's own printing (it can print types over the
    // parser's limits); where wasmprinter can read the module it must agree.
    let actual = std::fs::read_to_string(tmp.path().join("min.wat")).unwrap();
    let min = std::fs::read(tmp.path().join("min.wasm")).unwrap();
    if let Ok(printed) = wasmprinter::print_bytes(&min) {
        assert_eq!(printed, actual, "min.wat is the printed min.wasm");
    }
    assert_eq!(
        wat::parse_str(&actual).unwrap(),
        min,
        "min.wat assembles to min.wasm"
    );
    if let Some(noisy) = &case.noisy {
        check_noisy(name, noisy, &actual, &min);
    } else {
        check_exact(name, case_dir, &actual);
    }

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("min.report.json")).unwrap())
            .unwrap();
    let size = std::fs::metadata(tmp.path().join("min.wasm"))
        .unwrap()
        .len();
    assert_eq!(report["after"]["bytes"], size);
    assert!(report["before"]["bytes"].as_u64().unwrap() > size);
    if let Some(criterion) = &case.criterion {
        assert_eq!(report["criterion"], criterion.as_str(), "{report:#}");
    } else {
        let signature = case.signature.as_ref().unwrap();
        assert_eq!(
            report["signature"]["kind"],
            signature.kind.as_str(),
            "{report:#}"
        );
        let described = report["signature"].to_string();
        for needle in &signature.contains {
            assert!(
                described.contains(needle.as_str()),
                "signature {described} lacks {needle:?}"
            );
        }
        assert_eq!(
            report["final_outcome"]["kind"],
            report["original_outcome"]["kind"]
        );
    }
    assert!(report["oracle_calls"].as_u64().unwrap() > 0);
    check_reproduction(tmp.path(), &report);
    if case.wast == Wast::None {
        // Refused before any work, with the reason.
        let out = whittle()
            .args(["reduce", "min.wasm", "-o", "w.wasm", "--emit-wast"])
            .args(&args)
            .exits(2);
        assert!(
            text(&out.stderr).starts_with("whittle: error: --emit-wast: "),
            "{}",
            text(&out.stderr)
        );
    }
    if case.noisy.is_some() {
        // A measurement near the bound can come out either side on a rerun:
        // 1-minimality is only asserted where the oracle is deterministic.
        return;
    }

    // 1-minimal: reducing the result again changes nothing, because no
    // single target of any pass (nor the seeded wasm-mutate stage) helps.
    // With --emit-wast where the failure has a .wast form (checked below).
    let mut again = whittle().args(["reduce", "min.wasm", "-o", "again.wasm", "-q"]);
    if case.wast != Wast::None {
        again = again.arg("--emit-wast");
    }
    again.args(&args).exits(0);
    assert_eq!(
        std::fs::read(tmp.path().join("again.wasm")).unwrap(),
        min,
        "{name} is not 1-minimal"
    );
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("again.report.json")).unwrap(),
    )
    .unwrap();
    for (pass, stats) in report["per_pass"].as_object().unwrap() {
        assert_eq!(stats["accepted"], 0, "{name}: {pass} still finds something");
    }

    if case.wast != Wast::None {
        check_wast(tmp.path(), "again.wast", case.wast, &report);
    }

    // An independent check of the result through the same oracle.
    whittle()
        .args(["check", "min.wasm", "--quiet"])
        .args(&args)
        .exits(0);
}

/// `sh -c command` in `dir` as a user would run it: the stock `wasmtime`
/// CLI (`wasmtime`) and `whittle` on PATH.
fn user_shell(dir: &Path, wasmtime: &Path, command: &str) -> std::process::Output {
    let whittle_exe = whittle_exe();
    let bins = [wasmtime.parent().unwrap(), whittle_exe.parent().unwrap()];
    let path = std::env::join_paths(
        bins.iter()
            .map(|p| p.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    Command::new("sh")
        .args(["-c", command])
        .current_dir(dir)
        .env("PATH", &path)
        .env("WHITTLE", &whittle_exe)
        .output()
        .unwrap()
}

/// The emitted `.wast` parses with the `wast` crate, and the `wasmtime
/// wast` command its comment gives (run by the Wasmtime 48.0.8 CLI) passes
/// or fails as the file says (`expect`: `passes`, `fails`, or `fails on
/// its host` for a module compiled for another architecture, which is
/// only run there), failing with the reduced module's own failure.
fn check_wast(dir: &Path, file: &str, expect: Wast, report: &Value) {
    let passes_today = expect == Wast::Passes;
    let wast_text = std::fs::read_to_string(dir.join(file)).unwrap();
    let buffer = wast::parser::ParseBuffer::new(&wast_text).unwrap();
    if let Err(e) = wast::parser::parse::<wast::Wast>(&buffer) {
        panic!("{file} does not parse: {e}\n{wast_text}");
    }
    let says = if passes_today {
        ";; This test passes while "
    } else {
        ";; This test fails today "
    };
    assert!(wast_text.contains(says), "{wast_text}");
    let command = wast_text
        .lines()
        .skip_while(|l| !l.ends_with("Run it with:"))
        .nth(1)
        .and_then(|l| l.strip_prefix(";;   "))
        .unwrap_or_else(|| panic!("no command in\n{wast_text}"));
    assert!(command.starts_with("wasmtime wast ") && command.ends_with(file));
    let elsewhere = format!("host (here: {}).", std::env::consts::ARCH);
    if expect == Wast::FailsOnItsHost && wast_text.contains(&elsewhere) {
        return; // `wasmtime wast` cannot run another architecture's code
    }
    let Some(wasmtime) = wasmtime_wast_cli() else {
        return;
    };
    let out = user_shell(dir, &wasmtime, command);
    let stderr = text(&out.stderr);
    if passes_today {
        assert!(out.status.success(), "{command}:\n{stderr}\n{wast_text}");
        return;
    }
    assert!(!out.status.success(), "{command} passed:\n{wast_text}");
    // The failure is the reduced module's: its message, or the disagreeing
    // result of a differential.
    let message = report["final_outcome"]["message"].as_str().map_or_else(
        || "didn't match".to_string(),
        |m| m.lines().next().unwrap().to_string(),
    );
    assert!(stderr.contains(&message), "no `{message}` in:\n{stderr}");
}

/// Run the report's `reproduce` commands as a user would (a shell, the
/// stock `wasmtime` CLI and `whittle` on PATH, in the output's directory)
/// and check that they show what `reproduce_expect` says.
fn check_reproduction(dir: &Path, report: &Value) {
    let Some(wasmtime) = wasmtime_cli() else {
        return;
    };
    let commands: Vec<&str> = report["reproduce"].as_str().unwrap().lines().collect();
    let expect = &report["reproduce_expect"];
    let runs: Vec<std::process::Output> = commands
        .iter()
        .map(|c| user_shell(dir, &wasmtime, c))
        .collect();
    let shown = || {
        runs.iter()
            .zip(&commands)
            .map(|(o, c)| {
                format!(
                    "$ {c}\n{:?}\n{}{}",
                    o.status,
                    text(&o.stdout),
                    text(&o.stderr)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let stderr = text(&runs[0].stderr);
    let shows = expect["shows"].as_str().unwrap();
    assert_eq!(
        commands.len(),
        if shows == "differ" { 2 } else { 1 },
        "{}",
        shown()
    );
    match shows {
        "fails" => {
            assert!(!runs[0].status.success(), "{}", shown());
            let needle = expect["stderr_contains"].as_str().unwrap();
            assert!(stderr.contains(needle), "no `{needle}` in:\n{}", shown());
            assert!(commands[0].starts_with("wasmtime "), "{}", shown());
        }
        "exits-zero" => {
            assert!(runs[0].status.success(), "{}", shown());
            // Only a predicate, or what the stock CLI cannot show.
            let predicate = report["oracle"].as_str().unwrap().starts_with("predicate");
            assert!(
                predicate || commands[0].starts_with("whittle check min.wasm "),
                "{}",
                shown()
            );
        }
        "differ" => {
            let outcome = |o: &std::process::Output| (o.status.code(), o.stdout.clone());
            assert_ne!(outcome(&runs[0]), outcome(&runs[1]), "{}", shown());
            assert!(commands.iter().all(|c| c.starts_with("wasmtime run ")));
        }
        "peak-rss-above" => {
            // `/usr/bin/time -f '%M KiB peak RSS, %e s'` prints last.
            let kib: u64 = stderr
                .lines()
                .last()
                .and_then(|l| l.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no peak RSS line:\n{}", shown()));
            assert!(kib > expect["kib"].as_u64().unwrap(), "{}", shown());
        }
        other => panic!(
            "{other}: no corpus case expects this; add a check\n{}",
            shown()
        ),
    }
    if let Some(stock) = report["reproduce_stock_cli"].as_str() {
        // A resource bound: the stock CLI under /usr/bin/time, for
        // comparison; it must run and print its figures.
        let out = user_shell(dir, &wasmtime, stock);
        let last = text(&out.stderr).lines().last().unwrap_or("").to_string();
        assert!(out.status.success(), "{stock}: {out:?}");
        assert!(
            stock.starts_with("/usr/bin/time ") && last.contains(" KiB peak RSS, "),
            "{stock}: {last}"
        );
    }
}

/// The result must be `expected.wat` exactly.
fn check_exact(name: &str, case_dir: &Path, actual: &str) {
    let expected_path = case_dir.join("expected.wat");
    if std::env::var_os("WHITTLE_BLESS").is_some() {
        std::fs::write(&expected_path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|_| {
        panic!(
            "{} missing; run with WHITTLE_BLESS=1",
            expected_path.display()
        )
    });
    assert_eq!(
        actual, expected,
        "reduced module of {name} differs from expected.wat"
    );
}

/// A noisy oracle (a resource bound): the structure exactly, counts in a band.
fn check_noisy(name: &str, noisy: &Noisy, actual: &str, min: &[u8]) {
    let m = wasmparser::Parser::new(0)
        .parse_all(min)
        .filter(|p| matches!(p, Ok(wasmparser::Payload::CodeSectionEntry(_))))
        .count();
    assert_eq!(m as u64, noisy.functions, "{name}: functions");
    for (word, &(lo, hi)) in &noisy.count {
        let n = actual.matches(word.as_str()).count() as u64;
        assert!(
            (lo..=hi).contains(&n),
            "{name}: {n} x {word}, expected {lo}..={hi}"
        );
    }
}
