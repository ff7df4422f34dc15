//! Count bisection for long lists of alike items, through the real binary:
//! where only how many items a list has matters, the reduction ends at
//! exactly the smallest count that still fails, found by bisection, for
//! each kind of list (`br_table` targets, locals, parameters, struct
//! fields against Wasmtime's own limits; catch clauses and element items,
//! which Wasmtime does not limit below what a test can afford, against a
//! predicate that counts them).

mod util;

use serde_json::Value;
use std::path::Path;
use util::*;

/// Reduce `input` (WAT, assembled to `bug.wasm`) with `whittle reduce
/// bug.wasm -o min.wasm ARGS`, which must succeed, and assert the result
/// as whittle prints it (`min.wat`, which also prints modules over the
/// parser's limits) is `expected`. The report.
fn reduces_to(dir: &Path, input: &str, args: &[&str], expected: &str) -> Value {
    write_wasm(dir, "bug.wasm", input);
    whittle_in(dir)
        .args(["reduce", "bug.wasm", "-o", "min.wasm", "-q"])
        .args(args)
        .exits(0);
    assert_same(
        &std::fs::read_to_string(dir.join("min.wat")).unwrap(),
        expected,
    );
    let report = std::fs::read_to_string(dir.join("min.report.json")).unwrap();
    serde_json::from_str(&report).unwrap()
}

/// `actual == expected`, showing where they part rather than both texts
/// (each is hundreds of kilobytes).
fn assert_same(actual: &str, expected: &str) {
    if actual != expected {
        let at = actual
            .bytes()
            .zip(expected.bytes())
            .position(|(a, e)| a != e)
            .unwrap_or(actual.len().min(expected.len()));
        let around = |s: &str| s[at.saturating_sub(80)..(at + 80).min(s.len())].to_string();
        panic!(
            "texts differ at byte {at} (lengths {} and {}):\nactual:   {:?}\nexpected: {:?}",
            actual.len(),
            expected.len(),
            around(actual),
            around(expected)
        );
    }
}

fn oracle_calls(report: &Value, pass: &str) -> u64 {
    report["per_pass"][pass]["oracle_calls"].as_u64().unwrap()
}

/// The count bisection of `pass` over a list of `n` items asked the oracle
/// about as often as bisection does: log2(n) probes, and one more per
/// later round (is one fewer still enough?). Sweeping items one by one
/// would take about `n`.
fn assert_bisected(report: &Value, pass: &str, n: u64) {
    let calls = oracle_calls(report, pass);
    let log2 = u64::from(n.next_power_of_two().trailing_zeros());
    let rounds = report["rounds"].as_u64().unwrap();
    eprintln!("{pass}: {calls} oracle calls for {n} items in {rounds} rounds");
    assert!(
        calls > 0 && calls <= log2 + rounds,
        "{pass}: {calls} oracle calls for {n} items in {rounds} rounds: {}",
        report["per_pass"]
    );
}

/// The whole reduction asked the oracle at most `most` times.
fn assert_total_calls(report: &Value, most: u64) {
    let calls = report["oracle_calls"].as_u64().unwrap();
    eprintln!("{calls} oracle calls in all");
    assert!(
        calls <= most,
        "{calls} oracle calls: {}",
        report["per_pass"]
    );
}

/// Cranelift refuses a `br_table` of more than 65,520 targets. The 70,000
/// alike targets are bisected to exactly 65,521 in 17 candidates (25 with
/// `-j 2`, which probes two levels at once), where taking them out one at
/// a time would need thousands.
#[test]
fn a_br_table_over_the_limit_keeps_exactly_one_target_too_many() {
    let tmp = tempfile::tempdir().unwrap();
    let labels = "0 ".repeat(70_000);
    let kept = " 0 (;@1;)".repeat(65_521);
    let report = reduces_to(
        tmp.path(),
        &format!("(module (func block i32.const 0 br_table {labels}0 end))"),
        &["-j", "2"],
        &format!(
            "(module
  (type (;0;) (func))
  (func (;0;) (type 0)
    block ;; label = @1
      i32.const 0
      br_table{kept} 0 (;@1;)
    end
  )
)
"
        ),
    );
    assert_eq!(
        report["final_outcome"]["message"],
        "failed to compile: wasm[0]::function[0]: WebAssembly translation error: \
         Unsupported feature: `br_table` has 65521 targets, which exceeds the \
         implementation limit of 65520"
    );
    assert_total_calls(&report, 40);
    assert!(oracle_calls(&report, "truncate-br-tables") <= 26);
}

/// The same limit with labels that differ from one entry to the next (a
/// dense switch into three blocks): after the bisection no entry can go,
/// and since the entries of one label are one target of
/// `simplify-branches`, finding that out takes a few candidates, not a
/// sweep over 65,521 entries.
#[test]
fn a_br_table_of_changing_labels_is_not_swept_entry_by_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let labels: String = (0..70_000).map(|i| format!("{} ", i % 3)).collect();
    let names = ["0 (;@3;)", "1 (;@2;)", "2 (;@1;)"];
    let kept: String = (0..65_521).map(|i| format!(" {}", names[i % 3])).collect();
    let report = reduces_to(
        tmp.path(),
        &format!("(module (func block block block i32.const 0 br_table {labels}0 end end end))"),
        &["-j", "2"],
        &format!(
            "(module
  (type (;0;) (func))
  (func (;0;) (type 0)
    block ;; label = @1
      block ;; label = @2
        block ;; label = @3
          i32.const 0
          br_table{kept} 0 (;@3;)
        end
      end
    end
  )
)
"
        ),
    );
    assert_total_calls(&report, 45);
    // 5 at `-j 1`; at `-j 2` the speculation adds one or two, depending on
    // timing. A sweep over the entries would take thousands.
    assert!(oracle_calls(&report, "simplify-branches") <= 8);
}

/// Wasmtime refuses a function with more than 50,000 locals. The unused
/// `i32`s are runs to bisect; the `i64` between them is not alike to them
/// and goes on its own, which joins them into one run.
#[test]
fn too_many_locals_end_at_one_over_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let run = " i32".repeat(30_000);
    let locals = " i32".repeat(50_001);
    let report = reduces_to(
        tmp.path(),
        &format!(
            "(module (func (local{run}) (local i64) (local{run}) i64.const 7 local.set 30000))"
        ),
        &["-j", "1"],
        &format!(
            "(module
  (type (;0;) (func))
  (func (;0;) (type 0)
    (local{locals})
    unreachable
  )
)
"
        ),
    );
    assert_bisected(&report, "shorten-locals", 60_000);
}

/// The parser refuses a function type with more than 1,000 parameters;
/// the other type's run of two goes in one candidate.
#[test]
fn too_many_parameters_end_at_one_over_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let params = " i32".repeat(1_500);
    let kept = " i32".repeat(1_001);
    let report = reduces_to(
        tmp.path(),
        &format!("(module (func (param{params})) (func (param f64 f64)))"),
        &["-j", "1"],
        &format!("(module\n  (type (func (param{kept})))\n)\n"),
    );
    assert_bisected(&report, "shorten-params", 1_500);
}

/// The parser refuses a struct type with more than 10,000 fields.
#[test]
fn too_many_struct_fields_end_at_one_over_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let fields = " (field i32)".repeat(12_000);
    let kept = " (field i32)".repeat(10_001);
    let report = reduces_to(
        tmp.path(),
        &format!("(module (type (struct{fields})))"),
        &["-j", "1"],
        &format!("(module\n  (type (struct{kept}))\n)\n"),
    );
    assert_bisected(&report, "shorten-fields", 12_000);
}

/// A predicate counting items in whittle's printing of the candidate:
/// interesting when some `try_table` has more than 100 catch clauses
/// (`catches`) or some element segment more than 100 items (`elements`).
const COUNT_PREDICATE: &str = r#"
import os, subprocess, sys, tempfile
kind, candidate = sys.argv[1], sys.argv[2]
with tempfile.TemporaryDirectory() as d:
    wat = os.path.join(d, "c.wat")
    subprocess.run([os.environ["WHITTLE"], "convert", candidate, "-o", wat], check=True)
    lines = open(wat).read().splitlines()
if kind == "catches":
    counts = [l.count("(catch") for l in lines if "try_table" in l]
else:
    counts = [len(l.split(" func ", 1)[1].rstrip(")").split()) for l in lines
              if l.lstrip().startswith("(elem") and " func " in l]
sys.exit(0 if max(counts, default=0) > 100 else 1)
"#;

/// `--predicate` running [`COUNT_PREDICATE`] for `kind`, with `-j 1`.
fn count_predicate(dir: &Path, kind: &str) -> Vec<String> {
    std::fs::write(dir.join("count.py"), COUNT_PREDICATE).unwrap();
    let command = format!("python3 {} {kind}", dir.join("count.py").display());
    vec!["-j".into(), "1".into(), "--predicate".into(), command]
}

/// 200 catch clauses in two runs of equal ones: the tail is cut by
/// bisection to 101 clauses, and the one left of the second run cannot go.
#[test]
fn catch_clauses_are_bisected_to_the_count_that_matters() {
    let tmp = tempfile::tempdir().unwrap();
    let clauses = " (catch_all 0)".repeat(100) + &" (catch $e 1)".repeat(100);
    let kept = " (catch_all 0 (;@2;))".repeat(100);
    let args = count_predicate(tmp.path(), "catches");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = reduces_to(
        tmp.path(),
        &format!(
            "(module (tag $e) (func (export \"f\")
               block block try_table{clauses} call 0 end end end))"
        ),
        &args,
        &format!(
            "(module
  (type (;0;) (func))
  (tag (;0;) (type 0))
  (func (;0;) (type 0)
    block ;; label = @1
      block ;; label = @2
        try_table{kept} (catch 0 1 (;@1;)) ;; label = @3
        end
      end
    end
  )
)
"
        ),
    );
    assert_bisected(&report, "truncate-catches", 200);
}

/// 300 items in an active element segment, a predicate that wants more
/// than 100: exactly 101 stay.
#[test]
fn element_items_are_bisected_to_the_count_that_matters() {
    let tmp = tempfile::tempdir().unwrap();
    let items = " $f $g $g".repeat(100);
    let kept = "0 1 1 ".repeat(33);
    let args = count_predicate(tmp.path(), "elements");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = reduces_to(
        tmp.path(),
        &format!(
            "(module (table 300 funcref) (func $f) (func $g) (elem (i32.const 0) func{items}))"
        ),
        &args,
        &format!(
            "(module
  (type (;0;) (func))
  (table (;0;) 0 funcref)
  (elem (;0;) (i32.const 0) func {kept}0 1)
  (func (;0;) (type 0))
  (func (;1;) (type 0))
)
"
        ),
    );
    assert_bisected(&report, "truncate-elements", 300);
}
