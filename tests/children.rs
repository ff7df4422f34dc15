//! Nothing a check starts outlives the check or a killed `whittle`, and
//! candidate folders of dead runs do not pile up.

mod util;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use util::*;

/// What /proc says about a process that has not exited (zombies count as
/// gone: they run nothing, and only their parent can remove them).
struct Proc {
    pid: i32,
    ppid: i32,
    pgrp: i32,
    cmdline: String,
    environ: String,
}

fn live_processes() -> Vec<Proc> {
    let mut procs = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
            .split_whitespace()
            .collect();
        if fields[0] == "Z" || fields[0] == "X" {
            continue;
        }
        let read = |what: &str| {
            String::from_utf8_lossy(
                &std::fs::read(format!("/proc/{pid}/{what}")).unwrap_or_default(),
            )
            .replace('\0', " ")
        };
        procs.push(Proc {
            pid,
            ppid: fields[1].parse().unwrap(),
            pgrp: fields[2].parse().unwrap(),
            cmdline: read("cmdline"),
            environ: read("environ"),
        });
    }
    procs
}

/// The processes left by the run of `whittle` (pid `whittle`) whose checks
/// recorded `pids` and which ran with `TMPDIR=tmpdir` (the watchdog too):
/// by pid, by process group, by parent, by marker, by command line and by
/// environment.
fn leftovers(whittle: u32, pids: &[i32], tmpdir: &Path) -> Vec<String> {
    let whittle = whittle as i32;
    let marker = format!("WHITTLE_CHECK={whittle}.");
    let tmpdir = tmpdir.to_string_lossy().into_owned();
    live_processes()
        .into_iter()
        .filter(|p| {
            pids.contains(&p.pid)
                || pids.contains(&p.pgrp)
                || pids.contains(&p.ppid)
                || p.ppid == whittle
                || p.pid == whittle
                || p.environ.contains(&marker)
                || p.cmdline.contains(&tmpdir)
                || p.environ.contains(&tmpdir)
        })
        .map(|p| {
            format!(
                "{} (ppid {}, pgrp {}): {}",
                p.pid, p.ppid, p.pgrp, p.cmdline
            )
        })
        .collect()
}

/// Wait up to 10 s for `leftovers` to be empty; the last non-empty list
/// otherwise.
fn wait_for_no_leftovers(whittle: u32, pids: &[i32], tmpdir: &Path) -> Vec<String> {
    let start = Instant::now();
    loop {
        let left = leftovers(whittle, pids, tmpdir);
        if left.is_empty() || start.elapsed() > Duration::from_secs(10) {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn recorded_pids(file: &Path) -> Vec<i32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// A test folder holding `bug.wat` (`SIMD_FAILS`) and a private `tmp/`
/// that is the runs' `TMPDIR` (for candidate folders).
struct Fixture {
    _root: tempfile::TempDir,
    dir: std::path::PathBuf,
    tmpdir: std::path::PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().to_path_buf();
        let tmpdir = dir.join("tmp");
        std::fs::create_dir(&tmpdir).unwrap();
        std::fs::write(dir.join("bug.wat"), SIMD_FAILS).unwrap();
        Fixture {
            _root: root,
            dir,
            tmpdir,
        }
    }

    /// Write the executable shell script `name`.
    fn script(&self, name: &str, body: &str) {
        write_script(&self.dir, name, body);
    }

    /// `whittle ARGS` in the folder, with its `TMPDIR`.
    fn whittle(&self, args: &[&str]) -> TestCommand {
        whittle_in(&self.dir).args(args).env("TMPDIR", &self.tmpdir)
    }
}

#[test]
fn kill_9_during_a_slow_predicate_leaves_no_process_and_no_folder() {
    let f = Fixture::new();
    // The predicate's shell, a sleep in its group and a sleep in a session
    // of its own: all three record their pids, then it waits. At `-j 2`
    // two checks run: the original's and, beside it, the empty module's.
    f.script(
        "slow.sh",
        "echo $$ >> pids\nsleep 120 &\necho $! >> pids\nsetsid sleep 120 &\necho $! >> pids\nsleep 120\n",
    );
    let mut child = f
        .whittle(&[
            "reduce",
            "bug.wat",
            "-o",
            "min.wasm",
            "--predicate",
            "./slow.sh",
            "-j",
            "2",
        ])
        .command()
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while recorded_pids(&f.dir.join("pids")).len() < 6 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the predicate never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        listing(&f.tmpdir).len(),
        2,
        "a candidate folder for each check running"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let pids = recorded_pids(&f.dir.join("pids"));
    assert_eq!(
        wait_for_no_leftovers(child.id(), &pids, &f.tmpdir),
        Vec::<String>::new()
    );
    assert_eq!(listing(&f.tmpdir), Vec::<String>::new());
    assert_eq!(
        std::fs::read_to_string(f.dir.join("bug.wat")).unwrap(),
        SIMD_FAILS
    );
}

/// The search starts each built-in check's program while the check before
/// runs; the one waiting when the reduction ends goes with it, at every
/// `-j`.
#[test]
fn a_finished_reduction_leaves_no_check_started_ahead() {
    let f = Fixture::new();
    for jobs in ["1", "2"] {
        let mut child = f
            .whittle(&["reduce", "bug.wat", "-o", "out.wasm", "-q", "-j", jobs])
            .args(["-W", "simd=n,relaxed-simd=n"])
            .command()
            .spawn()
            .unwrap();
        assert!(child.wait().unwrap().success());
        assert_eq!(
            wait_for_no_leftovers(child.id(), &[], &f.tmpdir),
            Vec::<String>::new(),
            "-j {jobs}"
        );
        assert_eq!(listing(&f.tmpdir), Vec::<String>::new(), "-j {jobs}");
        assert_eq!(wat_of(&f.dir.join("out.wasm")), SIMD_REDUCED);
        std::fs::remove_file(f.dir.join("out.wasm")).unwrap();
    }
}

#[test]
fn early_kills_leave_no_built_in_oracle_child() {
    let f = Fixture::new();
    std::fs::write(f.dir.join("input.wat"), generate("simd-disabled", &[])).unwrap();
    for delay_ms in [30, 60, 120, 250, 400] {
        let mut child = f
            .whittle(&[
                "reduce",
                "input.wat",
                "-o",
                "out.wasm",
                "-q",
                "-W",
                "simd=n,relaxed-simd=n",
            ])
            .command()
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(
            wait_for_no_leftovers(child.id(), &[], &f.tmpdir),
            Vec::<String>::new(),
            "after a kill at {delay_ms} ms"
        );
        assert_eq!(
            listing(&f.tmpdir),
            Vec::<String>::new(),
            "after a kill at {delay_ms} ms"
        );
    }
}

#[test]
fn descendants_that_leave_the_group_are_ended_after_each_check() {
    let f = Fixture::new();
    // Each check first looks for what earlier checks started (`leaks`),
    // then starts a sleep in a new session and an orphaned one, both
    // holding stdout open.
    f.script(
        "leaky.sh",
        r#"for pid in $(cat pids 2>/dev/null); do
  if [ -e /proc/$pid ] && ! grep -q '^[^)]*) Z' /proc/$pid/stat; then echo $pid >> leaks; fi
done
setsid sleep 120 &
echo $! >> pids
( sleep 120 & echo $! >> pids )
grep -q culprit "$1"
"#,
    );
    f.whittle(&[
        "reduce",
        "bug.wat",
        "-o",
        "min.wasm",
        "-j",
        "1",
        "--predicate",
        "./leaky.sh",
    ])
    .exits(0);
    let report = json_at(f.dir.join("min.report.json"));
    assert_eq!(
        wat_of(&f.dir.join("min.wasm")),
        "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0))\n)\n"
    );
    assert!(
        !f.dir.join("leaks").exists(),
        "{}",
        std::fs::read_to_string(f.dir.join("leaks")).unwrap()
    );
    let pids = recorded_pids(&f.dir.join("pids"));
    // Two per check: the reduction's, the original's three, the empty
    // module's and the re-check at the end (which is also its measurement).
    assert_eq!(
        pids.len() as u64,
        2 * (report["oracle_calls"].as_u64().unwrap() + 5)
    );
    assert_eq!(leftovers(u32::MAX, &pids, &f.tmpdir), Vec::<String>::new());
    assert_eq!(listing(&f.tmpdir), Vec::<String>::new());
}

#[test]
fn stale_candidate_folders_of_dead_runs_are_removed_by_the_next_run() {
    let f = Fixture::new();
    let dead = {
        let mut child = Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    };
    let mut live = Command::new("sleep").arg("60").spawn().unwrap();
    let live_folder = format!("whittle-{}-Abc123", live.id());
    for name in [
        format!("whittle-{dead}-Xyz789"),
        live_folder.clone(),
        "whittle-Qrs456".into(),
    ] {
        std::fs::create_dir(f.tmpdir.join(&name)).unwrap();
        std::fs::write(f.tmpdir.join(name).join("candidate.wasm"), b"\0asm").unwrap();
    }
    f.whittle(&["check", "bug.wat", "-q", "-W", "simd=n,relaxed-simd=n"])
        .exits(0);
    // The dead run's folder is gone; a live process's and a folder not
    // named by a pid stay.
    let mut expected = vec![live_folder, "whittle-Qrs456".to_string()];
    expected.sort();
    assert_eq!(listing(&f.tmpdir), expected);
    live.kill().unwrap();
    live.wait().unwrap();
}

#[test]
fn a_whittle_started_as_a_check_dies_with_the_parent_it_is_told() {
    // Told its parent: it arms the parent-death signal and runs.
    let ours = std::process::id().to_string();
    let told_ours = Command::new(whittle_exe())
        .arg("--version")
        .env("WHITTLE_DIE_WITH", &ours)
        .output()
        .unwrap();
    assert_eq!(told_ours.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&told_ours.stdout).starts_with("whittle "));
    // Told a parent that is not its own (it died before the signal was
    // armed, and this process was re-parented): it ends at once.
    let told_another = Command::new(whittle_exe())
        .arg("--version")
        .env("WHITTLE_DIE_WITH", "1")
        .output()
        .unwrap();
    assert_eq!(told_another.status.code(), Some(137));
    assert!(told_another.stdout.is_empty());
}
