//! `--emit-wast` beyond the corpus cases (tests/corpora.rs checks those):
//! a trap while instantiating, fuel running out, and the failures that
//! have no `.wast` form. Each emitted file is parsed with the `wast` crate
//! and run with the `wasmtime wast` command it names (Wasmtime 48.0.8 CLI
//! with the `wast` subcommand, as `.ci/run` installs it).

mod util;

use std::path::Path;
use util::*;

/// `whittle reduce bug.wat -o min.wasm -q --emit-wast ARGS` on `wat`.
fn reduce_emitting(dir: &Path, wat: &str, args: &[&str]) -> TestCommand {
    std::fs::write(dir.join("bug.wat"), wat).unwrap();
    whittle_in(dir)
        .args(["reduce", "bug.wat", "-o", "min.wasm", "-q", "--emit-wast"])
        .args(args)
}

/// The `.wast` parses, and its own command passes today.
fn passes_today(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("min.wast")).unwrap();
    let buffer = wast::parser::ParseBuffer::new(&text).unwrap();
    wast::parser::parse::<wast::Wast>(&buffer).unwrap();
    let command = text
        .lines()
        .skip_while(|l| !l.ends_with("Run it with:"))
        .nth(1)
        .unwrap()
        .trim_start_matches(";;   ")
        .to_string();
    if let Some(cli) = wasmtime_wast_cli() {
        let program = command.replacen("wasmtime", cli.to_str().unwrap(), 1);
        let out = std::process::Command::new("sh")
            .args(["-c", &program])
            .current_dir(dir)
            .output()
            .unwrap();
        assert_exit(&out, 0);
    }
    text
}

#[test]
fn a_trap_while_instantiating_is_assert_trap_on_the_module() {
    let tmp = tempfile::tempdir().unwrap();
    reduce_emitting(
        tmp.path(),
        r#"(module
             (func $helper (result i32) i32.const 7)
             (func $start call $helper drop unreachable)
             (start $start))"#,
        &["--phase", "instantiate"],
    )
    .exits(0);
    let text = passes_today(tmp.path());
    assert!(
        text.ends_with(
            "(assert_trap
  (module
    (type (;0;) (func))
    (start 0)
    (func (;0;) (type 0)
      unreachable
    )
  )
  \"wasm `unreachable` instruction executed\")
"
        ),
        "{text}"
    );
}

#[test]
fn fuel_running_out_is_assert_exhaustion() {
    let tmp = tempfile::tempdir().unwrap();
    reduce_emitting(
        tmp.path(),
        r#"(module
             (func (export "spin") (param i32) loop br 0 end))"#,
        &["--phase", "run", "--invoke", "spin", "-W", "fuel=1000"],
    )
    .exits(0);
    let text = passes_today(tmp.path());
    assert!(
        text.contains("\n;;   wasmtime wast -W fuel=1000 min.wast\n"),
        "{text}"
    );
    assert!(
        text.ends_with("(assert_exhaustion (invoke \"spin\") \"all fuel consumed\")\n"),
        "{text}"
    );
}

#[test]
fn failures_without_a_wast_form_write_none_and_say_why() {
    let tmp = tempfile::tempdir().unwrap();
    // An endless loop under the epoch deadline: `wasmtime wast` has none.
    let out = reduce_emitting(
        tmp.path(),
        r#"(module (func (export "spin") loop br 0 end))"#,
        &[
            "--phase",
            "run",
            "--invoke",
            "spin",
            "--run-timeout",
            "200ms",
        ],
    )
    .exits(0);
    assert_eq!(
        text(&out.stderr),
        "whittle: note: no .wast written: --emit-wast: `timeout` in the run phase has no .wast form\n"
    );
    assert!(!tmp.path().join("min.wast").exists());
    // A run that needs an import: the .wast would need a module providing it.
    let out = reduce_emitting(
        tmp.path(),
        r#"(module (import "env" "f" (func $f (result i32)))
             (func (export "run") (result i32) i32.const 1 call $f i32.div_u))"#,
        &[
            "--phase",
            "run",
            "--invoke",
            "run",
            "--passes",
            "remove-exports",
            "--mutate-budget",
            "0",
        ],
    )
    .exits(0);
    assert_eq!(
        text(&out.stderr),
        "whittle: note: no .wast written: --emit-wast: the module imports `env::f`, and a .wast would need a module providing it\n"
    );
    // Refused before any work: a resource bound, a store limit.
    std::fs::write(tmp.path().join("bug.wat"), "(module (memory 40))").unwrap();
    for (args, why) in [
        (
            &["--peak-rss-above", "1G"][..],
            "a resource bound has no .wast form",
        ),
        (
            &["--phase", "instantiate", "-W", "max-memory-size=65536"][..],
            "`-W max-memory-size=65536` is a store limit, which `wasmtime wast` does not apply",
        ),
    ] {
        whittle_in(tmp.path())
            .args(["reduce", "bug.wat", "-o", "x.wasm", "--emit-wast"])
            .args(args)
            .refused(&format!("whittle: error: --emit-wast: {why}\n"));
    }
}
