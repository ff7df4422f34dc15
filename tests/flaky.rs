//! Flaky oracles are caught: the original is run several times at the
//! start, and `--confirm N` turns down candidates a lying predicate accepts.

mod util;

use std::path::Path;
use util::*;

/// Write the executable shell script `dir/name`; it counts its calls in
/// `dir/count` (`$n` is this call's number, from 1).
fn counting_script(dir: &Path, name: &str, body: &str) {
    let count = "n=$(( $(cat count 2>/dev/null || echo 0) + 1 ))\necho $n > count\n";
    write_script(dir, name, &format!("{count}{body}"));
}

/// A fresh directory holding `bug.wat`, a module that fails to compile
/// without SIMD.
fn bug_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bug.wat"), SIMD_FAILS).unwrap();
    tmp
}

/// What a predicate that says yes to the empty module stops the run with.
const TOO_LOOSE: &str = "whittle: error: the empty module also matches exit code 0: the predicate or --expect is too loose to reduce with\n";

/// `whittle reduce bug.wat -o min.wasm -q EXTRA` in `dir`.
fn reduce_bug(dir: &Path, extra: &[&str]) -> TestCommand {
    whittle_in(dir)
        .args(["reduce", "bug.wat", "-o", "min.wasm", "-q"])
        .args(extra)
}

#[test]
fn an_original_whose_runs_disagree_stops_the_run_with_exit_3() {
    let tmp = bug_dir();
    let dir = tmp.path();
    // Yes on odd calls: the original's second run says no. One job: the
    // re-runs of the original go in parallel otherwise, and the script's
    // count is not safe for that.
    counting_script(dir, "odd.sh", "[ $((n % 2)) -eq 1 ]\n");
    let out = reduce_bug(dir, &["-j", "1", "--predicate", "./odd.sh"]).exits(3);
    assert_eq!(
        text(&out.stderr),
        "whittle: error: bug.wat: the oracle is flaky: the original met exit code 0 in 2 of 3 runs (run 2: `exit code 1`); fix the oracle, or reduce anyway with --original-runs 1 and --confirm N\n"
    );
    assert_eq!(std::fs::read_to_string(dir.join("count")).unwrap(), "3\n");
    assert_eq!(listing(dir), ["bug.wat", "count", "odd.sh"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("bug.wat")).unwrap(),
        SIMD_FAILS
    );

    // More runs are asked for: the same answer after five.
    std::fs::remove_file(dir.join("count")).unwrap();
    let out = reduce_bug(
        dir,
        &["-j", "1", "--original-runs", "5", "--predicate", "./odd.sh"],
    )
    .exits(3);
    assert!(
        text(&out.stderr).contains(
            "met exit code 0 in 3 of 5 runs (run 2: `exit code 1`, run 4: `exit code 1`)"
        ),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(dir.join("count")).unwrap(), "5\n");
}

#[test]
fn the_original_is_run_again_in_parallel_and_still_caught_flaky() {
    let tmp = bug_dir();
    let dir = tmp.path();
    // Yes only the first time the original is asked (`mkdir` is atomic:
    // safe for runs at once); no for the empty module (8 bytes), whose
    // check runs beside the original's first.
    write_script(
        dir,
        "once.sh",
        "[ \"$(wc -c < \"$1\")\" -gt 8 ] && mkdir first 2>/dev/null\n",
    );
    let out = reduce_bug(dir, &["-j", "2", "--predicate", "./once.sh"]).exits(3);
    assert_eq!(
        text(&out.stderr),
        "whittle: error: bug.wat: the oracle is flaky: the original met exit code 0 in 1 of 3 runs (run 2: `exit code 1`, run 3: `exit code 1`); fix the oracle, or reduce anyway with --original-runs 1 and --confirm N\n"
    );
}

/// The honest answer: the candidate still fails to compile without SIMD.
const HONEST: &str = "\"$WHITTLE\" check \"$1\" -q -W simd=n,relaxed-simd=n && exit 0\n";

/// Says yes the first time it is asked about a candidate whose checksum is
/// a multiple of 3, whatever the candidate (after the original's three runs
/// and the empty module), and notes each such lie in `lies`.
const LIAR: &str = "sum=$(cksum < \"$1\" | cut -d' ' -f1)\n\
    seen=no; grep -qx \"$sum\" seen 2>/dev/null && seen=yes; echo \"$sum\" >> seen\n\
    \"$WHITTLE\" check \"$1\" -q -W simd=n,relaxed-simd=n && exit 0\n\
    if [ $n -gt 4 ] && [ $seen = no ] && [ $((sum % 3)) -eq 0 ]; then echo $n >> lies; exit 0; fi\n\
    exit 1\n";

#[test]
fn confirm_turns_down_what_a_lying_predicate_accepts() {
    let tmp = bug_dir();
    let dir = tmp.path();
    counting_script(dir, "honest.sh", &format!("{HONEST}exit 1\n"));
    counting_script(dir, "liar.sh", LIAR);
    let reduce = |predicate: &str, output: &str, extra: &[&str]| {
        let _ = std::fs::remove_file(dir.join("count"));
        whittle_in(dir)
            .args(["reduce", "bug.wat", "-o", output, "-j", "1"])
            .args(["--predicate", predicate])
            .args(extra)
    };
    reduce("./honest.sh", "honest.wasm", &["-q"]).exits(0);
    let honest = std::fs::read(dir.join("honest.wasm")).unwrap();

    // Believed once, the liar spoils the result: the final re-check says so.
    let out = reduce("./liar.sh", "fooled.wasm", &["-q"]).exits(3);
    assert!(
        text(&out.stderr).contains("the oracle is flaky"),
        "{}",
        text(&out.stderr)
    );
    assert_ne!(std::fs::read(dir.join("fooled.wasm")).unwrap(), honest);

    // Asked twice, each lie is followed by an honest no: the result is the
    // honest one, and every lie is counted.
    std::fs::remove_file(dir.join("lies")).unwrap();
    std::fs::remove_file(dir.join("seen")).unwrap();
    let out = reduce("./liar.sh", "confirmed.wasm", &["--confirm", "2"]).exits(0);
    assert_eq!(std::fs::read(dir.join("confirmed.wasm")).unwrap(), honest);
    let lies = std::fs::read_to_string(dir.join("lies"))
        .unwrap()
        .lines()
        .count() as u64;
    assert!(lies >= 1, "{lies}");
    let report = json_at(dir.join("confirmed.report.json"));
    assert_eq!(report["confirm"], 2);
    assert_eq!(report["original_runs"], 3);
    assert_eq!(report["confirmation_rejected"], lies);
    // Every yes of the reduction was asked once more.
    let calls: u64 = std::fs::read_to_string(dir.join("count"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let counted =
        report["oracle_calls"].as_u64().unwrap() + report["confirmation_runs"].as_u64().unwrap();
    // The original's three runs, the empty module, the re-check at the end.
    assert_eq!(calls, counted + 5);
    let stderr = text(&out.stderr);
    let last = stderr.lines().rev().nth(1).unwrap();
    assert!(
        last.contains(&format!(
            " invalid skipped; {lies} accepted then rejected on confirmation)"
        )),
        "{stderr}"
    );
}

/// A check's script: for any module but the empty one (8 bytes), note how
/// many such checks were running 0.8 s after it started (a line of
/// `counts`), and run 0.8 s more.
const SLOW_ORIGINAL: &str = "for last; do :; done\n\
     if [ \"$(wc -c < \"$last\")\" -gt 8 ]; then\n\
     touch running.$$; sleep 0.8; ls running.* | wc -l >> counts\n\
     sleep 0.8; rm running.$$\n\
     fi\n";

/// A `wasmtime` CLI whose every compile is [`SLOW_ORIGINAL`] and then
/// fails the same way.
fn slow_failing_wasmtime(dir: &Path) {
    write_script(
        dir,
        "wasmtime",
        &format!(
            "[ \"$1\" = --version ] && {{ echo wasmtime 48.0.8; exit 0; }}\n\
             {SLOW_ORIGINAL}echo \"Error: failed to compile: boom\" >&2; exit 1\n"
        ),
    );
}

/// With jobs enough, the original's re-runs run beside its first run too:
/// at `-j 4` its three runs (and the empty module's check) all run at once.
/// Not with a predicate, whose first run tells how many cores its checks
/// keep busy: there the re-runs come after it. The oracle here is a
/// `wasmtime` CLI that fails every compile the same way.
#[test]
fn the_original_s_re_runs_run_beside_its_first_run() {
    let tmp = bug_dir();
    let dir = tmp.path();
    // Every module fails the same way, so the run stops at the empty
    // module: too loose.
    slow_failing_wasmtime(dir);
    write_script(dir, "predicate.sh", &format!("{SLOW_ORIGINAL}exit 0\n"));
    let too_loose = |predicate: bool| {
        let _ = std::fs::remove_file(dir.join("counts"));
        let oracle = match predicate {
            true => ["--predicate", "./predicate.sh"],
            false => ["--wasmtime", "./wasmtime"],
        };
        let out = reduce_bug(dir, &["-j", "4"]).args(oracle).exits(2);
        let counts = std::fs::read_to_string(dir.join("counts")).unwrap();
        let counts: Vec<String> = counts.split_whitespace().map(String::from).collect();
        (text(&out.stderr), counts)
    };
    let (stderr, counts) = too_loose(false);
    assert_eq!(
        stderr,
        "whittle: error: the empty module also matches error \"failed to compile: boom\": the predicate or --expect is too loose to reduce with\n"
    );
    assert_eq!(counts, ["3", "3", "3"]);
    let (stderr, counts) = too_loose(true);
    assert_eq!(stderr, TOO_LOOSE);
    assert_eq!(counts, ["1", "2", "2"]);
}

/// An original of a megabyte or more runs alone (its first run compiles
/// with every core), unless it is mostly one giant function, which is
/// compiled on one core: then its re-runs run beside its first run.
#[test]
fn a_giant_function_s_re_runs_run_beside_its_first_run() {
    let tmp = bug_dir();
    let dir = tmp.path();
    // Every module fails the same way, so the run stops at the empty
    // module.
    slow_failing_wasmtime(dir);
    // 1.1 MB of code: in one function, or in 1,500 of them.
    let statement = "local.get 0 i32.const 1 i32.add local.set 0\n";
    let function =
        |statements: usize| format!("(func (local i32)\n{})\n", statement.repeat(statements));
    let runs_at_once = |functions: usize| {
        let wat = format!(
            "(module\n{})",
            function(160_000 / functions).repeat(functions)
        );
        write_wasm(dir, "big.wasm", &wat);
        let _ = std::fs::remove_file(dir.join("counts"));
        whittle_in(dir)
            .args(["reduce", "big.wasm", "-o", "min.wasm", "-q", "-j", "4"])
            .args(["--wasmtime", "./wasmtime"])
            .exits(2);
        let counts = std::fs::read_to_string(dir.join("counts")).unwrap();
        counts
            .split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(runs_at_once(1), ["3", "3", "3"]);
    // The first run alone (what follows it depends on when the empty
    // module's answer ends the run).
    assert_eq!(runs_at_once(1_500)[0], "1");
}

/// A `wasmtime` CLI for the tests of the original's re-runs beside the
/// search: a module fails to compile ("boom") when it mentions `culprit`
/// (an export, or the name section's name of a function). The original
/// (`bug.wasm`) answers at once the first time; its first and second
/// re-runs (in the order they start) take `reruns[0]` and `reruns[1]`
/// seconds, marked by `rerun.PID` files, and then answer `rerun_answer`
/// (`fail` as the first run did, `pass` otherwise). Every other module
/// takes `candidate` seconds. Each check logs, as it starts, what it is,
/// how many checks are running and how many of those are re-runs (live
/// processes only: a stopped check is killed before it can tidy up).
fn rerun_wasmtime(dir: &Path, reruns: [&str; 2], rerun_answer: &str, candidate: &str) {
    let [first, second] = reruns;
    write_script(
        dir,
        "wasmtime",
        &format!(
            "[ \"$1\" = --version ] && {{ echo wasmtime 48.0.8; exit 0; }}\n\
             for last; do :; done\n\
             live() {{ n=0; for f in $1.*; do [ -e \"$f\" ] && kill -0 \"${{f#*.}}\" 2>/dev/null && n=$((n+1)); done; echo $n; }}\n\
             touch running.$$\n\
             what=candidate; pause={candidate}; answer=fail\n\
             grep -q culprit \"$last\" || answer=pass\n\
             if cmp -s \"$last\" bug.wasm && ! mkdir first 2>/dev/null; then\n\
             what=rerun; answer={rerun_answer}; touch rerun.$$\n\
             if mkdir second 2>/dev/null; then pause={first}; else pause={second}; fi\n\
             fi\n\
             echo \"$what $(live running) $(live rerun)\" >> log\n\
             sleep $pause; rm -f running.$$ rerun.$$\n\
             [ $answer = fail ] && {{ echo \"Error: failed to compile: boom\" >&2; exit 1; }}\n\
             exit 0\n"
        ),
    );
    write_wasm(dir, "bug.wasm", SIMD_FAILS);
}

/// The log's lines: (what, checks running, re-runs running).
fn rerun_log(dir: &Path) -> Vec<(String, usize, usize)> {
    std::fs::read_to_string(dir.join("log"))
        .unwrap()
        .lines()
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            (
                words[0].to_string(),
                words[1].parse().unwrap(),
                words[2].parse().unwrap(),
            )
        })
        .collect()
}

/// At `-j 2` the job beside the original's first run checks the empty
/// module, then runs the original again; when the first run ends, the
/// second re-run starts on its job, and the search starts as soon as one of
/// the two ends, beside the other, judging one candidate at a time: never
/// more than two checks at once. The result is the one `-j 1` reaches.
#[test]
fn the_original_s_last_re_run_goes_on_beside_the_search() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    rerun_wasmtime(dir, ["0.2", "1"], "fail", "0.02");
    let reduce = |jobs: &str, output: &str| {
        for stale in ["first", "second", "log"] {
            let _ = std::fs::remove_dir(dir.join(stale));
            let _ = std::fs::remove_file(dir.join(stale));
        }
        whittle_in(dir)
            .args(["reduce", "bug.wasm", "-o", output, "-q", "-j", jobs])
            .args(["--wasmtime", "./wasmtime", "--mutate-budget", "0"])
            .exits(0);
        rerun_log(dir)
    };
    let log = reduce("2", "two.wasm");
    assert_eq!(log.iter().filter(|(what, ..)| what == "rerun").count(), 2);
    let most = log.iter().map(|(_, running, _)| *running).max().unwrap();
    assert_eq!(most, 2, "{log:?}");
    let beside_a_rerun = log
        .iter()
        .filter(|(what, _, reruns)| what == "candidate" && *reruns == 1)
        .count();
    assert!(beside_a_rerun >= 2, "{log:?}");
    reduce("1", "one.wasm");
    assert_eq!(
        std::fs::read(dir.join("two.wasm")).unwrap(),
        std::fs::read(dir.join("one.wasm")).unwrap()
    );
    // Re-runs over before the search: judged before it, and not made again.
    rerun_wasmtime(dir, ["0", "0"], "fail", "0.02");
    let log = reduce("4", "four.wasm");
    assert_eq!(log.iter().filter(|(what, ..)| what == "rerun").count(), 2);
    assert_eq!(
        std::fs::read(dir.join("four.wasm")).unwrap(),
        std::fs::read(dir.join("one.wasm")).unwrap()
    );
    assert_eq!(
        wat_of(&dir.join("two.wasm")),
        "(module\n  (type (;0;) (func))\n  (func $culprit (;0;) (type 0))\n)\n"
    );
}

/// A re-run that disagrees with the first run beside the search stops the
/// run as flaky, as before any search, and nothing the search found is
/// written: an earlier output and checkpoint are left as they were. Found
/// while the search goes on (a second re-run of 1 s, candidates of 0.1 s),
/// or once it has ended (one of 2 s, candidates at once).
#[test]
fn an_original_found_flaky_beside_the_search_leaves_the_files_as_they_were() {
    for (reruns, candidate) in [(["0.2", "1"], "0.1"), (["0", "2"], "0")] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        rerun_wasmtime(dir, reruns, "pass", candidate);
        std::fs::write(dir.join("min.wasm"), "an earlier output").unwrap();
        std::fs::create_dir(dir.join("min.wasm.whittle")).unwrap();
        std::fs::write(dir.join("min.wasm.whittle/state.json"), "an earlier run").unwrap();
        let out = whittle_in(dir)
            .args(["reduce", "bug.wasm", "-o", "min.wasm", "-q", "-j", "2"])
            .args(["--wasmtime", "./wasmtime"])
            .exits(3);
        assert_eq!(
            text(&out.stderr),
            "whittle: error: bug.wasm: the oracle is flaky: the original met error \"failed to compile: boom\" in 1 of 3 runs (run 2: `ok`, run 3: `ok`); fix the oracle, or reduce anyway with --original-runs 1 and --confirm N\n",
            "re-runs of {reruns:?} s"
        );
        // The earlier output's check, then the search's, beside the
        // second re-run.
        let log = rerun_log(dir);
        let beside_a_rerun = log
            .iter()
            .filter(|(what, _, reruns)| what == "candidate" && *reruns == 1)
            .count();
        assert!(beside_a_rerun >= 3, "{log:?}");
        assert_eq!(
            std::fs::read_to_string(dir.join("min.wasm")).unwrap(),
            "an earlier output"
        );
        assert_eq!(listing(&dir.join("min.wasm.whittle")), ["state.json"]);
        assert_eq!(
            std::fs::read_to_string(dir.join("min.wasm.whittle/state.json")).unwrap(),
            "an earlier run"
        );
    }
}

/// From `-j 2` the empty module's check runs beside the original's first
/// run (one evaluation judges it once the first run has set the
/// criterion). The predicate says yes to everything, so the run stops
/// there: too loose.
#[test]
fn the_empty_module_is_checked_beside_the_original_s_first_run() {
    let tmp = bug_dir();
    let dir = tmp.path();
    // The original's first run marks itself running for a second; the
    // empty module's check waits up to 5 s for such a mark.
    write_script(
        dir,
        "yes.sh",
        "if [ \"$(wc -c < \"$1\")\" -le 8 ]; then\n\
         i=0; while ! ls running.* >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done\n\
         ls running.* >/dev/null 2>&1 || touch alone\n\
         exit 0\n\
         fi\n\
         mkdir first 2>/dev/null || exit 0\n\
         touch running.$$; sleep 1; rm running.$$\n",
    );
    let out = reduce_bug(dir, &["-j", "2", "--predicate", "./yes.sh"]).exits(2);
    assert_eq!(text(&out.stderr), TOO_LOOSE);
    assert!(
        !dir.join("alone").exists(),
        "the empty module was checked alone"
    );
}

/// From `-j 2` the final re-check of the result runs beside the
/// `wasm-mutate` stage's checks rather than alone after them, and its
/// verdict is the report's.
#[test]
fn the_result_is_re_checked_beside_the_last_stage() {
    let tmp = bug_dir();
    let dir = tmp.path();
    // Every check logs its start and end, by the candidate's checksum.
    write_script(
        dir,
        "logged.sh",
        "sum=$(cksum < \"$1\" | cut -d' ' -f1)\n\
         echo \"start $sum\" >> log\n\
         sleep 0.05\n\
         \"$WHITTLE\" check \"$1\" -q -W simd=n,relaxed-simd=n; r=$?\n\
         echo \"end $sum\" >> log\n\
         exit $r\n",
    );
    reduce_bug(dir, &["-j", "2", "--predicate", "./logged.sh"]).exits(0);
    let result = std::fs::read(dir.join("min.wasm")).unwrap();
    let sum = std::process::Command::new("cksum")
        .arg(dir.join("min.wasm"))
        .output()
        .unwrap();
    let sum = text(&sum.stdout).split(' ').next().unwrap().to_string();
    let log = std::fs::read_to_string(dir.join("log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    // Checked when it was found, and once more at the end.
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i] == format!("start {sum}"))
        .collect();
    assert!(starts.len() >= 2, "{log}");
    let last_start = *starts.last().unwrap();
    let last_end = (last_start..lines.len())
        .find(|&i| lines[i] == format!("end {sum}"))
        .unwrap();
    // Another check was running when it started, or started or ended
    // while it ran.
    let running_at_its_start = lines[..last_start]
        .iter()
        .filter(|l| l.starts_with("start "))
        .count()
        > lines[..last_start]
            .iter()
            .filter(|l| l.starts_with("end "))
            .count();
    assert!(
        running_at_its_start || last_end > last_start + 1,
        "nothing ran beside the final re-check: {log}"
    );
    let report = json_at(dir.join("min.report.json"));
    assert_eq!(report["final_outcome"]["kind"], "exit");
    assert_eq!(report["final_outcome"]["code"], 0);
    assert_eq!(
        result.len(),
        report["after"]["bytes"].as_u64().unwrap() as usize
    );
}

#[test]
fn a_slow_original_s_re_runs_are_announced() {
    let tmp = bug_dir();
    let dir = tmp.path();
    // The first check of more than the empty module's 8 bytes (the
    // original's first run: the empty module's check may run beside it)
    // takes 2 s while `slow` exists; every other is quick.
    let slow_first = "for last; do :; done\n\
         [ \"$(wc -c < \"$last\")\" -gt 8 ] && rmdir slow 2>/dev/null && sleep 2\n";
    write_script(
        dir,
        "slow_first.sh",
        &format!("{slow_first}{HONEST}exit 1\n"),
    );
    // A `wasmtime` CLI on which every module fails the same way, the
    // empty one too: such a run stops as too loose once the original's
    // runs are in.
    write_script(
        dir,
        "wasmtime",
        &format!(
            "[ \"$1\" = --version ] && {{ echo wasmtime 48.0.8; exit 0; }}\n\
             {slow_first}echo \"Error: failed to compile: boom\" >&2; exit 1\n"
        ),
    );
    let reduce = |slow: bool, code: i32, extra: &[&str]| {
        let _ = std::fs::remove_file(dir.join("min.wasm"));
        if slow {
            std::fs::create_dir(dir.join("slow")).unwrap();
        }
        let out = whittle_in(dir)
            .args(["reduce", "bug.wat", "-o", "min.wasm"])
            .args(extra)
            .exits(code);
        if code == 0 {
            assert_eq!(std::fs::read(dir.join("min.wasm")).unwrap().len(), 29);
        }
        text(&out.stderr)
    };
    let predicate = |jobs: &'static str| ["-j", jobs, "--predicate", "./slow_first.sh"];
    let announced = |stderr: &str| {
        stderr
            .lines()
            .filter(|line| line.starts_with("whittle: the original's check took"))
            .map(|line| {
                // The time is the clock's: the rest of the line is exact.
                let (took, rest) = line
                    .strip_prefix("whittle: the original's check took ")
                    .unwrap()
                    .split_once(" s; ")
                    .unwrap();
                assert!(took.parse::<f64>().unwrap() >= 2.0, "{line}");
                rest.to_string()
            })
            .collect::<Vec<_>>()
    };
    let before = "it runs 2 more times before the search, to catch a flaky oracle now rather than at the end (--original-runs 1 skips them)";
    assert_eq!(announced(&reduce(true, 0, &predicate("1"))), [before]);
    // A predicate's re-runs come after its first run (which tells how many
    // cores its checks keep busy) at any -j.
    assert_eq!(announced(&reduce(true, 0, &predicate("2"))), [before]);
    // The `wasmtime` CLI's go beside the first run and the search.
    assert_eq!(
        announced(&reduce(true, 2, &["-j", "2", "--wasmtime", "./wasmtime"])),
        ["it runs 2 more times on free jobs, beside the search, to catch a flaky oracle now rather than at the end (--original-runs 1 skips them)"]
    );
    // A quick original's re-runs pass unnoticed, and so does a slow one
    // that is not re-run.
    assert_eq!(
        announced(&reduce(false, 0, &predicate("1"))),
        Vec::<String>::new()
    );
    let runs = |n: &'static str| [&predicate("1")[..], &["--original-runs", n]].concat();
    assert_eq!(
        announced(&reduce(true, 0, &runs("1"))),
        Vec::<String>::new()
    );
    assert_eq!(
        announced(&reduce(true, 0, &runs("2"))),
        ["it runs 1 more time before the search, to catch a flaky oracle now rather than at the end (--original-runs 1 skips it)"]
    );
}
