//! Execution as a hint, through the real binary: with `--phase run` (or a
//! predicate whose entry point is known) whittle records which functions
//! and arms the original's run entered, and first tries cutting the rest
//! (`cut-unexecuted`), then removing the functions never entered
//! (`remove-unexecuted`); the oracle judges both like any other candidate.

mod util;

use serde_json::Value;
use std::path::Path;
use util::*;

/// `n` filler functions `$f0`..: each `$fK` calls `$f(K-1)` in one arm of
/// an `if` and runs a counted loop in the other.
fn fillers(n: usize) -> String {
    let mut wat = String::new();
    for k in 0..n {
        let then = if k == 0 {
            "(i32.const 0)".to_string()
        } else {
            format!("(call $f{} (i32.add (local.get $x) (i32.const 1)))", k - 1)
        };
        wat += &format!(
            r#"  (func $f{k} (param $x i32) (result i32) (local $i i32)
    (if (result i32) (i32.eq (local.get $x) (i32.const {k}))
      (then {then})
      (else
        (loop $again
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $again (i32.lt_u (local.get $i) (i32.const 3))))
        (i32.mul (local.get $x) (i32.const {k})))))
"#
        );
    }
    wat
}

/// Forty filler functions with branches, of which the run enters one (and
/// one arm of it), then a dispatcher whose taken arm loads past the end of
/// memory.
fn trapping_module() -> String {
    let mut wat = format!("(module\n  (memory 1)\n{}", fillers(40));
    wat += r#"  (func $load (param $p i32) (result i32)
    (i32.load (i32.add (local.get $p) (i32.const 65536))))
  (func $dispatch (param $x i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $x) (i32.const 100))
      (then (call $load (local.get $x)))
      (else (i32.add (call $f39 (local.get $x)) (call $f20 (local.get $x))))))
  (func (export "run") (result i32)
    (i32.add (call $f5 (i32.const 100)) (call $dispatch (i32.const 7)))))
"#;
    wat
}

/// `trapping_module` after its two openings.
const AFTER_OPENINGS: &str = r#"(module
  (type (;0;) (func (param i32) (result i32)))
  (type (;1;) (func (result i32)))
  (memory (;0;) 1)
  (export "run" (func 3))
  (func $f5 (;0;) (type 0) (param $x i32) (result i32)
    (local $i i32)
    local.get $x
    i32.const 5
    i32.eq
    if (result i32) ;; label = @1
      unreachable
    else
      loop ;; label = @2
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        local.get $i
        i32.const 3
        i32.lt_u
        br_if 0 (;@2;)
      end
      local.get $x
      i32.const 5
      i32.mul
    end
  )
  (func $load (;1;) (type 0) (param $p i32) (result i32)
    local.get $p
    i32.const 65536
    i32.add
    i32.load
  )
  (func $dispatch (;2;) (type 0) (param $x i32) (result i32)
    local.get $x
    i32.const 100
    i32.lt_u
    if (result i32) ;; label = @1
      local.get $x
      call $load
    else
      unreachable
    end
  )
  (func (;3;) (type 1) (result i32)
    i32.const 100
    call $f5
    i32.const 7
    call $dispatch
    i32.add
  )
)
"#;

/// What `trapping_module` reduces to, with or without hints.
const TRAP_REDUCED: &str = r#"(module
  (type (;0;) (func))
  (memory (;0;) 0)
  (export "run" (func 0))
  (func (;0;) (type 0)
    i32.const 0
    i32.load
    drop
  )
)
"#;

/// `whittle reduce bug.wasm -o min.wasm ARGS` (which must succeed; ARGS
/// split at spaces), every new best kept in `dir/bests/`: the report and
/// stderr.
fn reduce(dir: &Path, args: &str) -> (Value, String) {
    let bests = dir.join("bests");
    let _ = std::fs::remove_dir_all(&bests);
    std::fs::create_dir(&bests).unwrap();
    let out = whittle_in(dir)
        .args(["reduce", "bug.wasm", "-o", "min.wasm"])
        .args(args.split_whitespace())
        .env("WHITTLE_TRACE_BESTS", &bests)
        .exits(0);
    let report = std::fs::read_to_string(dir.join("min.report.json")).unwrap();
    (serde_json::from_str(&report).unwrap(), text(&out.stderr))
}

/// The result as whittle printed it.
fn min_wat(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("min.wat")).unwrap()
}

/// The -v line that says what the recording saw (its time masked), or why
/// there is no hint.
fn hint_line(stderr: &str) -> String {
    let line = stderr
        .lines()
        .find(|l| l.contains("execution hint"))
        .unwrap_or_else(|| panic!("no hint line in:\n{stderr}"));
    regex::Regex::new(r"\(\d+\.\d\d s to record\)")
        .unwrap()
        .replace(line, "(T s to record)")
        .into_owned()
}

/// The hint line for a run that entered `f` of `funcs` functions and `a`
/// of `arms` arms.
fn recorded(f: usize, funcs: usize, a: usize, arms: usize) -> String {
    format!("whittle: execution hint: the original's run entered {f} of {funcs} functions and {a} of {arms} arms (T s to record); cut-unexecuted and remove-unexecuted try cutting the rest first")
}

#[test]
fn a_run_trap_is_cut_to_what_ran_in_one_call_and_saves_calls() {
    let dir = tempfile::tempdir().unwrap();
    write_wasm(dir.path(), "bug.wasm", &trapping_module());
    let run = "--phase run --invoke run -j 1";

    let (hinted, stderr) = reduce(dir.path(), &format!("{run} -v"));
    assert_eq!(hint_line(&stderr), recorded(4, 43, 3, 122));
    assert_eq!(
        (
            &pass_counts(&hinted, "cut-unexecuted"),
            &pass_counts(&hinted, "remove-unexecuted")
        ),
        (
            &serde_json::json!({"candidates": 1, "oracle_calls": 1, "accepted": 1, "bytes_removed": 1894}),
            &serde_json::json!({"candidates": 1, "oracle_calls": 1, "accepted": 1, "bytes_removed": 697}),
        )
    );
    // The two openings' bests: everything never entered cut (constructs
    // and types kept), then the functions never entered gone.
    let bests = listing(&dir.path().join("bests"));
    assert_eq!(
        bests[..2],
        ["0000-cut-unexecuted.wasm", "0001-remove-unexecuted.wasm"]
    );
    assert_eq!(
        wat_of(&dir.path().join("bests").join(&bests[1])),
        AFTER_OPENINGS
    );
    let with_hints = min_wat(dir.path());
    assert_eq!(with_hints, TRAP_REDUCED);

    std::fs::remove_file(dir.path().join("min.wasm")).unwrap();
    let (plain, _) = reduce(dir.path(), &format!("{run} --no-hints"));
    assert!(plain["per_pass"].get("cut-unexecuted").is_none());
    let without_hints = min_wat(dir.path());
    assert_eq!(without_hints, TRAP_REDUCED);
    let calls = |r: &Value| r["oracle_calls"].as_u64().unwrap();
    eprintln!(
        "oracle calls: {} with hints, {} without",
        calls(&hinted),
        calls(&plain)
    );
    assert!(calls(&hinted) < calls(&plain));
}

/// Reduce `module` with `ARGS -j 1 -v`: the recording saw `hint`, both
/// openings were accepted in one call each, and the result is `expected`.
fn reduces_with_both_openings(module: &str, args: &str, hint: String, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    write_wasm(dir.path(), "bug.wasm", module);
    let (report, stderr) = reduce(dir.path(), &format!("{args} -j 1 -v"));
    assert_eq!(hint_line(&stderr), hint);
    for opening in ["cut-unexecuted", "remove-unexecuted"] {
        let stats = &report["per_pass"][opening];
        assert_eq!(
            (&stats["oracle_calls"], &stats["accepted"]),
            (&1.into(), &1.into())
        );
    }
    assert_eq!(min_wat(dir.path()), expected);
}

#[test]
fn a_trap_in_the_start_function_still_leaves_a_recording() {
    // The start function traps during instantiation: the recording copy
    // exports it instead, so the marks are there to read after the trap.
    let module = format!(
        r#"(module
  (memory 1)
{}  (func $init
    (drop (call $f3 (i32.const 50)))
    (drop (i32.load (i32.const 65536))))
  (start $init))"#,
        fillers(20)
    );
    reduces_with_both_openings(
        &module,
        "--phase instantiate",
        recorded(2, 21, 2, 60),
        "(module\n  (type (;0;) (func))\n  (memory (;0;) 0)\n  (start 0)\n  (func (;0;) (type 0)\n    i32.const 0\n    i32.load\n    drop\n  )\n)\n",
    );
}

/// A Wasm GC vtable in a non-nullable global names a method the run never
/// enters: the function removal keeps it (its `ref.func` has no null to
/// become), so the candidate validates and gets its call. Before, the
/// whole removal was invalid and never reached the oracle.
#[test]
fn a_vtable_s_method_the_run_never_entered_stays() {
    let module = format!(
        r#"(module
  (type $method (func (param i32) (result i32)))
  (type $vtable (struct (field (ref $method))))
  (memory 1)
  (global $vt (ref $vtable) ref.func $never struct.new $vtable)
{}  (func $never (type $method) (i32.mul (local.get 0) (i32.const 3)))
  (func (export "run") (result i32)
    (i32.add (call $f3 (i32.const 50)) (i32.load (i32.const 65536)))))"#,
        fillers(20)
    );
    reduces_with_both_openings(
        &module,
        "--phase run --invoke run",
        recorded(2, 22, 2, 60),
        "(module\n  (type (;0;) (func))\n  (memory (;0;) 0)\n  (export \"run\" (func 0))\n  (func (;0;) (type 0)\n    i32.const 0\n    i32.load\n    drop\n  )\n)\n",
    );
}

#[test]
fn fuel_spent_by_the_marks_does_not_shorten_the_recording() {
    // `$work` spends about 5 fuel an iteration in the original; its marks
    // (a loop and four blocks an iteration) would add 15 if they cost fuel,
    // and the recording would run out before `$tail`, whose loop is where
    // the original runs out of fuel.
    let module = format!(
        r#"(module
{}  (func $tail (loop $spin (br $spin)))
  (func $work (param $n i32)
    (loop $again
      (block (block (block (block nop))))
      (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "run")
    (call $work (i32.const 1000))
    (call $tail)))"#,
        fillers(10)
    );
    reduces_with_both_openings(
        &module,
        "--phase run --invoke run -W fuel=10000",
        recorded(3, 13, 6, 36),
        "(module\n  (type (;0;) (func))\n  (export \"run\" (func 0))\n  (func (;0;) (type 0)\n    loop ;; label = @1\n      br 0 (;@1;)\n    end\n  )\n)\n",
    );
}

#[test]
fn a_predicate_is_recorded_at_its_invoked_export() {
    let dir = tempfile::tempdir().unwrap();
    write_wasm(dir.path(), "bug.wasm", &trapping_module());
    write_script(
        dir.path(),
        "traps.sh",
        r#"exec "$WHITTLE" check "$1" --phase run --invoke run --expect 'out of bounds' --quiet"#,
    );
    // Only the openings: no pass has anything to do.
    let only_openings = "--passes remove-start --mutate-budget 0 -j 1 -v";
    let predicate = "--predicate ./traps.sh";
    let (report, stderr) = reduce(
        dir.path(),
        &format!("{predicate} {only_openings} --invoke run"),
    );
    assert_eq!(hint_line(&stderr), recorded(4, 43, 3, 122));
    assert_eq!(report["oracle_calls"], 2);
    assert_eq!(wat_of(&dir.path().join("min.wasm")), AFTER_OPENINGS);

    // Without --invoke, the predicate's entry point is not known.
    std::fs::remove_file(dir.path().join("min.wasm")).unwrap();
    let (report, stderr) = reduce(dir.path(), &format!("{predicate} {only_openings}"));
    assert_eq!(
        hint_line(&stderr),
        "whittle: no execution hint: the predicate's entry point is not known (give --invoke NAME; the module has no `_start` export and no start function)"
    );
    assert_eq!(report["oracle_calls"], 0);
}

#[test]
fn says_at_v_why_there_is_no_hint() {
    let no_hint = |wat: &str, args: &str| {
        let dir = tempfile::tempdir().unwrap();
        write_wasm(dir.path(), "bug.wasm", wat);
        let (_, stderr) = reduce(dir.path(), &format!("-v --passes remove-start {args}"));
        hint_line(&stderr)
    };
    assert_eq!(
        no_hint(SIMD_FAILS, &NO_SIMD.join(" ")),
        "whittle: no execution hint: the failure is about compiling (--phase compile)"
    );
    assert_eq!(
        no_hint(
            r#"(module (memory 40) (func (export "run") (loop (br 0))))"#,
            "--phase run --invoke run -W max-memory-size=1048576"
        ),
        "whittle: no execution hint: the recording run ended before running anything: error: memory minimum size of 40 pages exceeds memory limits"
    );
    assert_eq!(
        no_hint(
            r#"(module (func (export "run") (loop (br 0))))"#,
            "--phase run --invoke run --run-timeout 100ms"
        ),
        "whittle: no execution hint: the original's run entered every function and arm"
    );
}
