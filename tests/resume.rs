//! Killing `whittle reduce` at arbitrary moments loses nothing: the output
//! is always a valid module that still fails the same way, and `--resume`
//! finishes with exactly the result of an uninterrupted run.

mod util;

use std::process::{Child, Stdio};
use std::time::Duration;
use util::*;

const ARGS: [&str; 2] = ["-W", "simd=n,relaxed-simd=n"];

/// `whittle reduce input.wat -o OUTPUT -q -W simd=n,relaxed-simd=n`, with
/// `--resume` if `resume`.
fn reduce_cmd(dir: &std::path::Path, output: &str, resume: bool) -> TestCommand {
    let cmd = whittle_in(dir)
        .args(["reduce", "input.wat", "-o", output, "-q"])
        .args(ARGS);
    if resume {
        cmd.arg("--resume")
    } else {
        cmd
    }
}

/// Start `cmd` to be killed: stdout dropped, stderr kept.
fn start(cmd: TestCommand) -> Child {
    cmd.command()
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn kill_9_at_random_points_then_resume_gives_the_uninterrupted_result() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // 2000 functions: the run lasts long enough for kills to land in every
    // stage of it.
    let input = generate("simd-disabled", &["--functions", "2000"]);
    std::fs::write(dir.join("input.wat"), input).unwrap();

    // The reference: one uninterrupted run.
    let started = std::time::Instant::now();
    reduce_cmd(dir, "ref.wasm", false).exits(0);
    let uninterrupted = started.elapsed();
    let reference = std::fs::read(dir.join("ref.wasm")).unwrap();
    assert!(
        !dir.join("ref.wasm.whittle").exists(),
        "a finished run leaves no checkpoint"
    );

    // The signature, for checking intermediate outputs exactly as reduce does.
    let json = whittle_in(dir)
        .args(["check", "input.wat", "--json"])
        .args(ARGS)
        .json(0);
    std::fs::write(dir.join("sig.json"), json["signature"].to_string()).unwrap();

    // Kill at pseudo-random moments (a fixed LCG: reproducible).
    let mut seed: u64 = 0x5eed;
    let mut kills = 0;
    for _ in 0..8 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // Somewhere in the first nine tenths of an uninterrupted run.
        let delay = uninterrupted.mul_f64(((seed >> 33) % 900) as f64 / 1000.0);
        let resume = dir.join("out.wasm.whittle/state.json").exists();
        let mut child = start(reduce_cmd(dir, "out.wasm", resume));
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        let status = child.wait().unwrap();
        let out_path = dir.join("out.wasm");
        if out_path.exists() {
            let bytes = std::fs::read(&out_path).unwrap();
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
                .validate_all(&bytes)
                .unwrap_or_else(|e| panic!("torn or invalid output after a kill: {e}"));
            whittle_in(dir)
                .args([
                    "check",
                    "out.wasm",
                    "-q",
                    "--signature",
                    "sig.json",
                    ARGS[0],
                    ARGS[1],
                ])
                .exits(0);
        }
        if status.success() {
            break;
        }
    }
    assert!(
        kills > 0,
        "no run was killed: the delays are too long for this machine"
    );

    // Finish: resume until done.
    let resume = dir.join("out.wasm.whittle/state.json").exists();
    reduce_cmd(dir, "out.wasm", resume).exits(0);
    assert_eq!(std::fs::read(dir.join("out.wasm")).unwrap(), reference);
    assert!(!dir.join("out.wasm.whittle").exists());
}

/// `whittle reduce input.wat -o out.wasm EXTRA -W simd=n,relaxed-simd=n`.
fn reduce_to_out(dir: &std::path::Path, extra: &[&str]) -> TestCommand {
    whittle_in(dir)
        .args(["reduce", "input.wat", "-o", "out.wasm"])
        .args(extra)
        .args(ARGS)
}

/// Reduce `dir/input.wat` to `out.wasm` with no time at all: the run
/// stops at its first pass and leaves a checkpoint.
fn leave_a_checkpoint(dir: &std::path::Path) {
    reduce_to_out(dir, &["-q", "--time-budget", "0s"]).exits(0);
    assert!(dir.join("out.wasm.whittle/state.json").exists());
}

const SMALL_SIMD: &str = "(module (func $f (param i32) (result i32) local.get 0 i32x4.splat i32x4.extract_lane 0) (func i32.const 1 call 0 drop))";

#[test]
fn resume_refuses_another_input_or_other_arguments() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("input.wat"), SMALL_SIMD).unwrap();
    // A checkpoint left by a run stopped by its time budget.
    leave_a_checkpoint(dir);
    let out = reduce_to_out(dir, &["-q", "--resume", "--passes", "remove-functions"]).exits(2);
    assert!(
        text(&out.stderr).contains("the checkpoint was made with other arguments"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(
        dir.join("other.wat"),
        "(module (func i32.const 1 i32x4.splat drop))",
    )
    .unwrap();
    let out = whittle_in(dir)
        .args([
            "reduce",
            "other.wat",
            "-o",
            "out.wasm",
            "-q",
            "--resume",
            ARGS[0],
            ARGS[1],
        ])
        .exits(2);
    assert!(
        text(&out.stderr).contains("belongs to another input"),
        "{}",
        text(&out.stderr)
    );
    // The right one resumes and finishes.
    reduce_to_out(dir, &["-q", "--resume"]).exits(0);
    assert_eq!(
        wat_of(&dir.join("out.wasm")),
        "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0)\n    i32.const 0\n    i32x4.splat\n    unreachable\n  )\n)\n"
    );
}

#[test]
fn ctrl_c_writes_the_best_so_far_and_a_resumable_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Big enough that the reduction is still running when the signal comes.
    let input = generate("simd-disabled", &["--functions", "1500"]);
    std::fs::write(dir.join("input.wat"), input).unwrap();
    // Without the guess of the function the error names, the functions go
    // by delta debugging: a first new best comes early, the end later.
    let child = start(reduce_cmd(dir, "out.wasm", false).arg("--no-hints"));
    // Interrupt once the reduction has made progress (a first new best).
    let start = std::time::Instant::now();
    while !dir.join("out.wasm").exists() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: sending SIGINT to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(dir.join("out.wasm").exists());
    assert!(dir.join("out.report.json").exists());
    let report = json_at(dir.join("out.report.json"));
    assert_eq!(report["stopped_early"], true);
    reduce_cmd(dir, "out.wasm", true).arg("--no-hints").exits(0);
}

#[test]
fn resume_without_a_checkpoint_starts_afresh_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("input.wat"), SMALL_SIMD).unwrap();
    // No checkpoint at all, then the empty folder a run killed before its
    // first pass used to leave.
    for make_folder in [false, true] {
        if make_folder {
            std::fs::create_dir(dir.join("out.wasm.whittle")).unwrap();
        }
        let out = reduce_to_out(dir, &["--resume"]).exits(0);
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with(
                "whittle: note: no checkpoint to resume in out.wasm.whittle: starting afresh\n"
            ),
            "{stderr}"
        );
        assert_eq!(
            wat_of(&dir.join("out.wasm")),
            "(module\n  (type (;0;) (func))\n  (func (;0;) (type 0)\n    i32.const 0\n    i32x4.splat\n    unreachable\n  )\n)\n"
        );
        assert_eq!(
            listing(dir),
            [
                "input.wat",
                "out.report.json",
                "out.report.md",
                "out.wasm",
                "out.wat"
            ]
        );
        std::fs::remove_file(dir.join("out.wasm")).unwrap();
    }
}

#[test]
fn a_refused_run_leaves_nothing_and_keeps_an_old_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("input.wat"), SMALL_SIMD).unwrap();
    let refused = |dir: &std::path::Path| {
        // `true` finds the empty module interesting too.
        let out = whittle_in(dir)
            .args([
                "reduce",
                "input.wat",
                "-o",
                "out.wasm",
                "--predicate",
                "true",
            ])
            .exits(2);
        assert!(
            text(&out.stderr).ends_with("whittle: error: the empty module also matches exit code 0: the predicate or --expect is too loose to reduce with\n"),
            "{}",
            text(&out.stderr)
        );
    };
    refused(dir);
    assert_eq!(listing(dir), ["input.wat"]);

    // A checkpoint of an interrupted run is not thrown away by a refused one.
    leave_a_checkpoint(dir);
    let state = std::fs::read(dir.join("out.wasm.whittle/state.json")).unwrap();
    std::fs::remove_file(dir.join("out.wasm")).unwrap();
    for companion in ["out.wat", "out.report.json", "out.report.md"] {
        std::fs::remove_file(dir.join(companion)).unwrap();
    }
    refused(dir);
    assert_eq!(listing(dir), ["input.wat", "out.wasm.whittle"]);
    assert_eq!(
        std::fs::read(dir.join("out.wasm.whittle/state.json")).unwrap(),
        state
    );
}

#[test]
fn checkpoints_are_versioned_and_keyed_by_a_hash_stable_across_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("input.wat"), SMALL_SIMD).unwrap();
    leave_a_checkpoint(dir);
    let folder = dir.join("out.wasm.whittle");
    let state_path = folder.join("state.json");
    let written = std::fs::read_to_string(&state_path).unwrap();
    let state: serde_json::Value = serde_json::from_str(&written).unwrap();
    // XXH64 of the 58-byte input, as an independent implementation of the
    // published function computes it: no build of whittle can change it.
    assert_eq!(state["format"], 2);
    assert_eq!(
        state["input_key"],
        serde_json::json!([17706611937060001658u64, 58])
    );
    assert_eq!(
        listing(&folder),
        ["base-f5ba85be3c27177a-58.wasm", "state.json"]
    );

    // Another format is refused, and the checkpoint left as it is.
    for (format, writer) in [
        (None, "format 1, written by an older"),
        (Some(3), "format 3, written by a newer"),
    ] {
        let mut other = state.clone();
        match format {
            None => drop(other.as_object_mut().unwrap().remove("format")),
            Some(f) => other["format"] = serde_json::json!(f),
        }
        let other = serde_json::to_string_pretty(&other).unwrap();
        std::fs::write(&state_path, &other).unwrap();
        let out = reduce_to_out(dir, &["-q", "--resume"]).exits(2);
        assert_eq!(
            text(&out.stderr),
            format!("whittle: error: out.wasm.whittle: the checkpoint is in {writer} whittle; this one reads format 2: run without --resume to start over\n")
        );
        assert_eq!(std::fs::read_to_string(&state_path).unwrap(), other);
    }
    // Its own format resumes and finishes.
    std::fs::write(&state_path, &written).unwrap();
    reduce_to_out(dir, &["-q", "--resume"]).exits(0);
    assert!(!folder.exists());
}

/// Ctrl-C while the result is re-checked (after the search at `-j 1`,
/// beside the last stage at `-j 2`) ends the run as stopped early, as it
/// does during the search: the result and its report are written, the
/// checkpoint is kept, the exit code is 130. (It used to say "interrupted
/// before a first result: nothing written" with the result on disk.)
#[test]
fn ctrl_c_during_the_final_re_check_keeps_the_result() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("input.wat"), SMALL_SIMD).unwrap();
    // The result's bytes, from an uninterrupted run.
    reduce_cmd(dir, "ref.wasm", false).exits(0);
    let result = std::fs::read(dir.join("ref.wasm")).unwrap();
    let cksum = |path: &std::path::Path| {
        let out = std::process::Command::new("cksum")
            .arg(path)
            .output()
            .unwrap();
        text(&out.stdout).split(' ').next().unwrap().to_string()
    };
    let sum = cksum(&dir.join("ref.wasm"));
    // The predicate is the check itself, but the second time it is asked
    // about the result (its re-check) it marks that and waits.
    write_script(
        dir,
        "check.sh",
        &format!(
            "if [ \"$(cksum < \"$1\" | cut -d' ' -f1)\" = {sum} ] && ! mkdir seen 2>/dev/null; then\n\
             touch rechecking; sleep 30\n\
             fi\n\
             \"$WHITTLE\" check \"$1\" -q -W simd=n,relaxed-simd=n\n"
        ),
    );
    for jobs in ["1", "2"] {
        for leftover in ["seen", "rechecking"] {
            let _ = std::fs::remove_dir(dir.join(leftover));
            let _ = std::fs::remove_file(dir.join(leftover));
        }
        let out_wasm = format!("out{jobs}.wasm");
        let child = start(
            whittle_in(dir)
                .args(["reduce", "input.wat", "-o", &out_wasm, "-q", "-j", jobs])
                .args(["--predicate", "./check.sh"]),
        );
        let start = std::time::Instant::now();
        while !dir.join("rechecking").exists() {
            assert!(start.elapsed() < Duration::from_secs(60), "no re-check");
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: sending SIGINT to our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(130), "-j {jobs}: {stderr}");
        assert!(!stderr.contains("nothing written"), "-j {jobs}: {stderr}");
        assert_eq!(std::fs::read(dir.join(&out_wasm)).unwrap(), result);
        let report: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join(format!("out{jobs}.report.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(report["stopped_early"], true, "-j {jobs}");
        assert!(
            dir.join(format!("out{jobs}.wasm.whittle")).is_dir(),
            "-j {jobs}"
        );
    }
}
