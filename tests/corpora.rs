//! Every case under `corpora/` reduced by the real `whittle` binary against
//! the real Wasmtime 48.0.8 (or the case's predicate), with the exact result
//! asserted.
//!
//! A case folder holds `generate.py` (prints the input WAT,
//! deterministically), `case.json` (the oracle arguments and what the
//! signature must say) and `expected.wat` (the exact reduced module). Run
//! with `WHITTLE_BLESS=1` to rewrite `expected.wat` after an intended
//! change, and review the diff.

mod util;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use util::*;

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

fn run_case(name: &str) {
    let case_dir = repo().join("corpora").join(name);
    let case: Value =
        serde_json::from_str(&std::fs::read_to_string(case_dir.join("case.json")).unwrap())
            .unwrap();
    let args: Vec<String> = case["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            a.as_str()
                .unwrap()
                .replace("{case}", case_dir.to_str().unwrap())
        })
        .collect();

    let tmp = tempfile::tempdir().unwrap();
    let input = generate(&case_dir);
    assert_eq!(input, generate(&case_dir), "generator is not deterministic");
    std::fs::write(tmp.path().join("input.wat"), &input).unwrap();

    let mut cmd: Vec<&str> = vec!["reduce", "input.wat", "-o", "min.wasm"];
    cmd.extend(args.iter().map(String::as_str));
    let out = whittle(tmp.path(), &cmd);
    assert_exit(&out, 0);

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
    let noisy = &case["noisy"];
    if noisy.is_object() {
        check_noisy(name, noisy, &actual, &min);
    } else {
        check_exact(name, &case_dir, &actual);
    }

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("min.report.json")).unwrap())
            .unwrap();
    let size = std::fs::metadata(tmp.path().join("min.wasm"))
        .unwrap()
        .len();
    assert_eq!(report["after"]["bytes"], size);
    assert!(report["before"]["bytes"].as_u64().unwrap() > size);
    if let Some(criterion) = case["criterion"].as_str() {
        assert_eq!(report["criterion"], criterion, "{report:#}");
    } else {
        assert_eq!(
            report["signature"]["kind"], case["signature"]["kind"],
            "{report:#}"
        );
        let described = report["signature"].to_string();
        for needle in case["signature"]["contains"].as_array().unwrap() {
            assert!(
                described.contains(needle.as_str().unwrap()),
                "signature {described} lacks {needle}"
            );
        }
        assert_eq!(
            report["final_outcome"]["kind"],
            report["original_outcome"]["kind"]
        );
    }
    assert!(report["oracle_calls"].as_u64().unwrap() > 0);
    check_reproduction(tmp.path(), &report);
    let wast = case["wast"].as_str().unwrap();
    if wast == "none" {
        // Refused before any work, with the reason.
        let mut emit: Vec<&str> = vec!["reduce", "min.wasm", "-o", "w.wasm", "--emit-wast"];
        emit.extend(args.iter().map(String::as_str));
        let out = whittle(tmp.path(), &emit);
        assert_exit(&out, 2);
        assert!(
            text(&out.stderr).starts_with("whittle: error: --emit-wast: "),
            "{}",
            text(&out.stderr)
        );
    }
    if noisy.is_object() {
        // A measurement near the bound can come out either side on a rerun:
        // 1-minimality is only asserted where the oracle is deterministic.
        return;
    }

    // 1-minimal: reducing the result again changes nothing, because no
    // single target of any pass (nor the seeded wasm-mutate stage) helps.
    // With --emit-wast where the failure has a .wast form (checked below).
    let mut again: Vec<&str> = vec!["reduce", "min.wasm", "-o", "again.wasm", "-q"];
    if wast != "none" {
        again.push("--emit-wast");
    }
    again.extend(args.iter().map(String::as_str));
    let out = whittle(tmp.path(), &again);
    assert_exit(&out, 0);
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

    if wast != "none" {
        check_wast(tmp.path(), "again.wast", wast, &report);
    }

    // An independent check of the result through the same oracle.
    let mut check: Vec<&str> = vec!["check", "min.wasm", "--quiet"];
    check.extend(args.iter().map(String::as_str));
    let out = whittle(tmp.path(), &check);
    assert_exit(&out, 0);
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
fn check_wast(dir: &Path, file: &str, expect: &str, report: &Value) {
    let passes_today = expect == "passes";
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
    if expect == "fails on its host" && wast_text.contains(&elsewhere) {
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
fn check_noisy(name: &str, noisy: &Value, actual: &str, min: &[u8]) {
    let m = wasmparser::Parser::new(0)
        .parse_all(min)
        .filter(|p| matches!(p, Ok(wasmparser::Payload::CodeSectionEntry(_))))
        .count();
    assert_eq!(
        Some(m as u64),
        noisy["functions"].as_u64(),
        "{name}: functions"
    );
    for (word, band) in noisy["count"].as_object().unwrap() {
        let n = actual.matches(word.as_str()).count() as u64;
        let (lo, hi) = (band[0].as_u64().unwrap(), band[1].as_u64().unwrap());
        assert!(
            (lo..=hi).contains(&n),
            "{name}: {n} x {word}, expected {lo}..={hi}"
        );
    }
}

#[test]
fn simd_disabled() {
    run_case("simd-disabled");
}

#[test]
fn winch_avx_splat() {
    run_case("winch-avx-splat");
}

#[test]
fn riscv64_memcopy() {
    run_case("riscv64-memcopy");
}

#[test]
fn too_many_results() {
    run_case("too-many-results");
}

#[test]
fn regalloc_254_results() {
    run_case("regalloc-254-results");
}

#[test]
fn predicate_winch() {
    run_case("predicate-winch");
}

#[test]
fn gc_eh_simd() {
    run_case("gc-eh-simd");
}

#[test]
fn gc_winch() {
    run_case("gc-winch");
}

#[test]
fn memory_blowup() {
    run_case("memory-blowup");
}

#[test]
fn memory_limit() {
    run_case("memory-limit");
}

#[test]
fn oob_trap() {
    run_case("oob-trap");
}

#[test]
fn nan_differential() {
    run_case("nan-differential");
}
