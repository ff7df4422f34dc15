//! What new users trip over, through the real binary: stdin input, long
//! time budgets, `-v` (and why a guess was not tried), refusals that show
//! the whole check, predicates
//! written without `./` and their scratch files under `-j`, `--invoke`
//! arguments, and the status line on a narrow terminal.

mod util;

use std::io::Read;
use std::process::Stdio;
use util::*;

/// What SIMD_FAILS reduces to under NO_SIMD.
const SIMD_MINIMAL: &str = "(module
  (type (;0;) (func))
  (func (;0;) (type 0)
    i32.const 0
    i32x4.splat
    unreachable
  )
)
";

#[test]
fn the_module_can_come_from_stdin_as_text_or_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let out = whittle_in(tmp.path())
        .args(["reduce", "-", "-o", "min.wasm"])
        .args(NO_SIMD)
        .stdin(SIMD_FAILS)
        .exits(0);
    assert!(
        text(&out.stderr).starts_with("whittle: stdin (84 bytes): error: "),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(wat_of(&tmp.path().join("min.wasm")), SIMD_MINIMAL);

    let binary = wat::parse_str(SIMD_FAILS).unwrap();
    whittle_in(tmp.path())
        .args(["check", "-", "--quiet"])
        .args(NO_SIMD)
        .stdin(binary.clone())
        .exits(0);

    // Without -o there is no name to put the result next to.
    let no_output =
        "whittle: error: the module comes from stdin: say where the result goes with -o OUTPUT\n";
    whittle_in(tmp.path())
        .args(["reduce", "-"])
        .stdin(binary)
        .refused(no_output);
    let junk =
        "whittle: error: stdin: not a WebAssembly module (no `\\0asm` magic, and not WAT text)\n";
    whittle_in(tmp.path())
        .args(["check", "-"])
        .stdin("junk")
        .refused(junk);
}

#[test]
fn time_budgets_take_days_and_combinations() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    let run = |budget: &str| {
        whittle_in(tmp.path())
            .args([
                "reduce",
                "bug.wasm",
                "-o",
                "min.wasm",
                "--time-budget",
                budget,
            ])
            .args(NO_SIMD)
    };
    // Zero in four units: stops at once, the input kept as the result.
    let out = run("0d0h0m0s").exits(0);
    assert!(
        text(&out.stderr).contains("; time budget reached\n"),
        "{}",
        text(&out.stderr)
    );
    let out = run("1h30m").exits(0);
    assert!(!text(&out.stderr).contains("time budget reached"));
    assert_eq!(wat_of(&tmp.path().join("min.wasm")), SIMD_MINIMAL);
    run("2d").exits(0);
    let out = run("1h30").exits(2);
    assert!(
        text(&out.stderr).contains(
            "invalid value '1h30' for '--time-budget <DURATION>': invalid duration `1h30` (expected e.g. 30s, 10m, 1h30m, 2d, 500ms)"
        ),
        "{}",
        text(&out.stderr)
    );
}

/// `[    0.1s] remove-functions   3189 bytes    0.03 s  not interesting  ok`
/// (`validated (not compiled)` when only a validation error counts, as
/// here; or `stopped  off the search's path`, a speculative check cut
/// short).
fn candidate_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.contains(" s  interesting  ")
                || l.contains(" s  not interesting  ")
                || l.contains(" s  stopped          off the search's path")
        })
        .collect()
}

#[test]
fn verbose_prints_one_line_per_candidate() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    let out = whittle_in(tmp.path())
        .args(["reduce", "bug.wasm", "-o", "min.wasm", "-v"])
        .args(NO_SIMD)
        .exits(0);
    let stderr = text(&out.stderr);
    let lines = candidate_lines(&stderr);
    let report = json_at(tmp.path().join("min.report.json"));
    assert_eq!(
        lines.len() as u64,
        report["oracle_calls"].as_u64().unwrap(),
        "{stderr}"
    );
    let interesting = lines
        .iter()
        .filter(|l| l.contains(" s  interesting  "))
        .count();
    assert!(interesting > 0 && interesting < lines.len(), "{stderr}");
    // Every line names a pass (`-` before the first one starts; the final
    // stage is `wasm-mutate`).
    let listed = text(
        &whittle_in(tmp.path())
            .args(["reduce", "--list-passes"])
            .output()
            .stdout,
    );
    let passes: Vec<&str> = listed
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    for line in &lines {
        let pass = line[11..].split_whitespace().next().unwrap();
        assert!(
            ["-", "wasm-mutate"].contains(&pass) || passes.contains(&pass),
            "{line}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains(" not interesting  validated (not compiled)")
                && l.contains("remove-")),
        "{stderr}"
    );

    // -vv: the whole outcome and the check's peak memory.
    let out = whittle_in(tmp.path())
        .args(["reduce", "bug.wasm", "-o", "min2.wasm", "-vv"])
        .args(NO_SIMD)
        .exits(0);
    let stderr = text(&out.stderr);
    let lines = candidate_lines(&stderr);
    // (A check stopped off the path has no reading, nor one answered
    // without a program.)
    assert!(
        lines.iter().all(|l| l.contains("  peak RSS ")
            || l.contains(" stopped ")
            || l.contains("  in whittle's process  validated")),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.len() > 200 && l.ends_with(": SIMD support is not enabled")),
        "{stderr}"
    );

    let out = whittle_in(tmp.path())
        .args(["reduce", "bug.wasm", "-q", "-v"])
        .exits(2);
    assert!(text(&out.stderr).contains("cannot be used with"));
}

/// `whittle reduce bug.wasm -o min.wasm -q EXTRA...` gives SIMD_MINIMAL.
/// A guess refused without a check says so at `-v`, and why: here keeping
/// the named function alone turns its `ref.func` of a removed function into
/// a `ref.null func` that its `(ref $f)` local cannot hold (the module
/// declares typed references only in a local, where the rewriter does not
/// look). The reduction goes on as always.
#[test]
fn verbose_says_why_a_guess_was_not_tried() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("bug.wat"),
        r#"(module
  (type $f (func))
  (func $m)
  (elem declare func $m)
  (func $other)
  (func (export "bug") (local $x (ref $f))
    ref.func $m local.set $x
    i32.const 0 i32x4.splat drop))"#,
    )
    .unwrap();
    let out = whittle_in(tmp.path())
        .args(["reduce", "bug.wat", "-o", "min.wasm", "-v", "-j", "1"])
        .args(NO_SIMD)
        .exits(0);
    let stderr = text(&out.stderr);
    let refused: Vec<&str> = stderr.lines().filter(|l| l.contains("not tried")).collect();
    assert_eq!(
        refused,
        ["whittle: isolate-culprit not tried: its candidate does not validate: type mismatch: expected (ref $type), found funcref"],
        "{stderr}"
    );
    let report = json_at(tmp.path().join("min.report.json"));
    assert_eq!(
        pass_counts(&report, "isolate-culprit"),
        serde_json::json!({"candidates": 1, "oracle_calls": 0, "accepted": 0, "bytes_removed": 0})
    );
    assert_eq!(
        wat_of(&tmp.path().join("min.wasm")),
        SIMD_MINIMAL.replace("unreachable", "drop")
    );
    // Quiet without -v.
    let quiet = whittle_in(tmp.path())
        .args(["reduce", "bug.wat", "-o", "again.wasm", "-j", "1"])
        .args(NO_SIMD)
        .exits(0);
    assert!(!text(&quiet.stderr).contains("not tried"));
}

fn reduces_to_simd_minimal(tmp: &tempfile::TempDir, extra: &[&str]) {
    whittle_in(tmp.path())
        .args(["reduce", "bug.wasm", "-o", "min.wasm", "-q"])
        .args(extra)
        .exits(0);
    assert_eq!(wat_of(&tmp.path().join("min.wasm")), SIMD_MINIMAL);
}

#[test]
fn a_refused_original_is_shown_in_full() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    write_script(
        tmp.path(),
        "pred.sh",
        "echo checking a module\necho 'line one' >&2\necho 'line two' >&2\nexit 3",
    );
    let out = whittle_in(tmp.path())
        .args(["reduce", "bug.wasm", "--predicate", "./pred.sh"])
        .exits(2);
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "whittle: error: bug.wasm: the predicate does not find the original interesting (exit code 3: line two)",
            "  command: ./pred.sh bug.wasm",
        ]
    );
    assert!(
        lines[2].starts_with("  ended: exit status 3 after "),
        "{stderr}"
    );
    assert_eq!(
        lines[3..],
        [
            "  stderr (last lines):",
            "    line one",
            "    line two",
            "  stdout (last lines):",
            "    checking a module",
        ]
    );

    // The built-in oracle: the module compiles without the flags.
    let out = whittle_in(tmp.path()).args(["reduce", "bug.wasm"]).exits(2);
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0],
        "whittle: error: bug.wasm: does not fail: built-in wasmtime 48.0.8 gives `ok` with these flags"
    );
    assert_eq!(
        lines[1],
        format!(
            "  command: {} __check --phase compile --run-timeout-ms 2000 --stubs zero -- bug.wasm",
            whittle_exe().display()
        )
    );
    assert!(lines[2].starts_with("  ended: exit status 0 after "));
    assert_eq!(lines[3..5], ["  stderr: (empty)", "  stdout (last lines):"]);
    // The child's outcome line carries its own peak memory.
    let outcome = regex::Regex::new(r#"^    \{"kind":"ok","peak_rss_bytes":\d+\}$"#).unwrap();
    assert!(outcome.is_match(lines[5]), "{stderr}");
    assert_eq!(lines.len(), 6, "{stderr}");
}

#[test]
fn a_predicate_named_without_dot_slash_is_found_here() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    write_script(
        tmp.path(),
        "still-fails.sh",
        "\"$WHITTLE\" check \"$1\" -W simd=n,relaxed-simd=n --quiet",
    );
    reduces_to_simd_minimal(&tmp, &["--predicate", "still-fails.sh"]);
    let report = json_at(tmp.path().join("min.report.json"));
    assert_eq!(report["reproduce"], "./still-fails.sh min.wasm");

    std::fs::write(tmp.path().join("plain.sh"), "exit 0\n").unwrap();
    for (predicate, message) in [
        (
            "plain.sh",
            "whittle: error: bug.wasm: --predicate: ./plain.sh is not executable (`chmod +x ./plain.sh`, or name its interpreter: --predicate 'sh ./plain.sh')\n",
        ),
        (
            "missing.sh",
            "whittle: error: bug.wasm: --predicate: `missing.sh`: command not found (not on PATH, and no such file here)\n",
        ),
        (
            "./missing.sh",
            "whittle: error: bug.wasm: --predicate: ./missing.sh: no such file\n",
        ),
    ] {
        whittle_in(tmp.path()).args(["reduce", "bug.wasm", "--predicate", predicate]).refused(message);
    }
}

/// A predicate that copies the candidate to a fixed scratch name: under
/// `-j 4` the copies would overwrite each other in a shared directory;
/// `$WHITTLE_WORKDIR` is private to each check.
#[test]
fn predicates_get_a_private_scratch_directory() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(tmp.path(), "bug.wasm", SIMD_FAILS);
    write_script(
        tmp.path(),
        "scratch.sh",
        "cp \"$1\" \"$WHITTLE_WORKDIR/scratch.wasm\" || exit 9\n\
         echo \"$WHITTLE_WORKDIR\" >> dirs.log\n\
         sleep 0.05\n\
         cmp -s \"$1\" \"$WHITTLE_WORKDIR/scratch.wasm\" || exit 8\n\
         \"$WHITTLE\" check \"$WHITTLE_WORKDIR/scratch.wasm\" -W simd=n,relaxed-simd=n --quiet",
    );
    reduces_to_simd_minimal(&tmp, &["-j", "4", "--predicate", "./scratch.sh"]);
    let log = std::fs::read_to_string(tmp.path().join("dirs.log")).unwrap();
    let dirs: Vec<&str> = log.lines().collect();
    let mut distinct = dirs.clone();
    distinct.sort();
    distinct.dedup();
    assert!(dirs.len() > 4, "{log}");
    assert_eq!(distinct.len(), dirs.len(), "a directory was shared: {log}");
    assert!(dirs.iter().all(|d| !std::path::Path::new(d).exists()));
}

#[test]
fn invoke_takes_arguments_as_wasmtime_run_does() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("load.wat"),
        r#"(module
             (memory 1)
             (func $load (param i32) (result i32) local.get 0 i32.load)
             (func (export "f") (param i32 i64) (result i32)
               local.get 0 call $load))"#,
    )
    .unwrap();
    let check = |args: &[&str]| {
        whittle_in(tmp.path())
            .args(["check", "load.wat", "--phase", "run", "--invoke", "f"])
            .args(args)
    };
    // Zeros by default; 70000 is past the 64 KiB memory; hex as wasmtime reads it.
    let out = check(&[]).exits(1);
    assert!(text(&out.stdout).starts_with("load.wat: returned [i32:0]\n"));
    let out = check(&["70000", "-1"]).exits(0);
    assert!(text(&out.stdout).starts_with("load.wat: trap MemoryOutOfBounds:"));
    check(&["0x11170", "0x10"]).exits(0);
    for (args, message) in [
        (
            &["1"][..],
            "whittle: error: --invoke f: `f` takes 2 arguments (i32 i64), 1 given\n",
        ),
        (
            &["1", "2", "3"][..],
            "whittle: error: --invoke f: `f` takes 2 arguments (i32 i64), 3 given\n",
        ),
        (
            &["x", "2"][..],
            "whittle: error: --invoke f: `x` is not an i32: invalid digit found in string\n",
        ),
        (
            &["0xffffffff", "2"][..],
            "whittle: error: --invoke f: `0xffffffff` is not an i32: number too large to fit in target type\n",
        ),
    ] {
        check(args).refused(message);
    }
    whittle_in(tmp.path())
        .args(["check", "load.wat", "--phase", "run", "--invoke", "g"])
        .refused("whittle: error: --invoke g: the module exports no function `g`\n");

    // The reduction keeps the trap with these arguments. The memory
    // shrinks to no page, where any address traps: the inlined load's
    // address becomes a zero constant (as small as the argument's read).
    whittle_in(tmp.path())
        .args([
            "reduce", "load.wat", "-o", "min.wasm", "-q", "--phase", "run", "--invoke", "f",
            "70000", "-1",
        ])
        .exits(0);
    assert_eq!(
        wat_of(&tmp.path().join("min.wasm")),
        "(module
  (type (;0;) (func (param i32 i64)))
  (memory (;0;) 0)
  (export \"f\" (func 0))
  (func (;0;) (type 0) (param i32 i64)
    i32.const 0
    i32.load
    drop
  )
)
"
    );

    // The module written after --invoke is taken as an argument: say so.
    let out = whittle_in(tmp.path())
        .args(["check", "--phase", "run", "--invoke", "f", "load.wat"])
        .exits(2);
    assert!(text(&out.stderr).ends_with(
        "note: --invoke takes NAME and the function's arguments: write the module before --invoke\n"
    ));
}

/// Run whittle with stderr on a pseudo-terminal `columns` wide; what it
/// drew there.
fn on_terminal(cwd: &std::path::Path, args: &[&str], columns: u16) -> (i32, String) {
    use std::os::fd::{FromRawFd, OwnedFd};
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 24,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors, which we then own.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty");
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut child = whittle_in(cwd)
        .args(args)
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(slave))
        .spawn()
        .unwrap();
    let reader = std::thread::spawn(move || {
        let mut drawn = Vec::new();
        let mut file = std::fs::File::from(master);
        // Ends with EIO once the last holder of the terminal's other end exits.
        let _ = file.read_to_end(&mut drawn);
        drawn
    });
    let status = child.wait().unwrap();
    drop(child);
    let drawn = reader.join().unwrap();
    (status.code().unwrap(), text(&drawn))
}

#[test]
fn the_status_line_fits_a_narrow_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bug.wat"), generate("simd-disabled", &[])).unwrap();
    let (code, drawn) = on_terminal(
        tmp.path(),
        &[
            "reduce",
            "bug.wat",
            "-o",
            "min.wasm",
            "-j",
            "1",
            "-W",
            "simd=n,relaxed-simd=n",
        ],
        50,
    );
    assert_eq!(code, 0, "{drawn}");
    // Every status or new-best line (drawn after clearing the line) fits
    // in 49 columns; the closing summary lines after them may wrap.
    let drawn_lines: Vec<&str> = drawn
        .split("\r\x1b[K")
        .skip(1)
        .map(|piece| piece.split(['\r', '\n']).next().unwrap())
        .filter(|line| line.starts_with('['))
        .collect();
    assert!(drawn_lines.len() > 3, "{drawn:?}");
    for line in &drawn_lines {
        assert!(
            line.chars().count() <= 49,
            "{line:?} is wider than 49 columns"
        );
    }
    assert!(drawn_lines.iter().all(|l| l.ends_with('…')), "{drawn:?}");
}

/// The `wasmtime` CLI's default features that whittle compiles in work as
/// flags; the one it leaves out is refused with the ways to get it.
#[test]
fn wasmtime_features_that_flags_need() {
    let tmp = tempfile::tempdir().unwrap();
    write_wasm(
        tmp.path(),
        "m.wasm",
        r#"(module (memory 1) (func (export "f") (result i32) i32.const 0 i32.load))"#,
    );
    for flags in [
        &["--phase", "run", "--invoke", "f", "-O", "pooling-allocator"][..],
        &["-W", "stack-switching"][..],
    ] {
        // It does not fail: exit 1, and the flags were accepted.
        let out = whittle_in(tmp.path())
            .args(["check", "m.wasm"])
            .args(flags)
            .exits(1);
        assert!(
            text(&out.stdout).starts_with("m.wasm: ok\n")
                || text(&out.stdout).starts_with("m.wasm: returned [i32:0]\n"),
            "{}",
            text(&out.stdout)
        );
    }
    whittle_in(tmp.path())
        .args(["check", "m.wasm", "-W", "component-model"])
        .refused(
            "whittle: error: invalid wasmtime flags: support for component-model was disabled at \
         compile-time: this whittle is built without Wasmtime's `component-model`; build it with \
         `cargo install --path . --locked --features component-model`, or use --wasmtime PATH \
         with a wasmtime CLI built with it\n",
        );
}

/// Each progress line is a smaller best: a best that is only simpler at
/// the same size (smaller limits, fewer locals) redraws the status line of
/// a terminal but prints no line of its own.
#[test]
fn progress_lines_shrink() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bug.wat"), generate("simd-disabled", &[])).unwrap();
    let out = whittle_in(tmp.path())
        .args([
            "reduce",
            "bug.wat",
            "-o",
            "min.wasm",
            "-W",
            "simd=n,relaxed-simd=n",
        ])
        .exits(0);
    let sizes: Vec<u64> = text(&out.stderr)
        .lines()
        .filter(|l| l.starts_with('['))
        .map(|l| {
            let bytes = l.split(" bytes (").next().unwrap();
            bytes.rsplit(' ').next().unwrap().parse().unwrap()
        })
        .collect();
    assert!(sizes.len() > 10, "{}", text(&out.stderr));
    assert!(
        sizes.windows(2).all(|w| w[1] < w[0]),
        "{sizes:?}\n{}",
        text(&out.stderr)
    );
    assert_eq!(sizes.last(), Some(&29));
}
