//! A full disk while writing a new best: the previous best is kept, the run
//! stops with a clear error, and `--resume` finishes once there is space.
//!
//! The output goes to a 256 KiB tmpfs mounted in a private mount namespace
//! (`unshare --mount`, or with `--map-root-user` when not root), and the
//! predicate fills it right after the first best is written.

mod util;

use std::process::Command;
use util::*;

/// Runs in the namespace: mounts the tmpfs at `out/`, reduces until the disk
/// is full, frees it, resumes, and copies what is left out of the tmpfs
/// (which disappears with the namespace).
const SCENARIO: &str = r#"mount -t tmpfs -o size=256k tmpfs out || exit 97
"$WHITTLE" reduce bug.wat -o out/min.wasm -q -j 1 --predicate ./fill.sh 2> first.err
echo $? > first.code
ls -A out > first.ls
cp out/min.wasm after-failure.wasm
rm out/filler
"$WHITTLE" reduce bug.wat -o out/min.wasm -q -j 1 --predicate ./fill.sh --resume 2> second.err
echo $? > second.code
cp -R out/. result/
"#;

/// Fails the same way as the original; once the first best exists, saves
/// it and fills the disk (once).
const FILL: &str = r#"if [ -e out/min.wasm ] && [ ! -e filled ]; then
  cp out/min.wasm first-best.wasm
  touch filled
  dd if=/dev/zero of=out/filler bs=4096 2>/dev/null
fi
"$WHITTLE" check "$1" -q -W simd=n,relaxed-simd=n
"#;

#[test]
fn a_full_disk_keeps_the_previous_best_and_resume_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("bug.wat"), SIMD_FAILS).unwrap();
    std::fs::create_dir(dir.join("out")).unwrap();
    std::fs::create_dir(dir.join("result")).unwrap();
    write_script(dir, "fill.sh", FILL);
    std::fs::write(dir.join("scenario.sh"), SCENARIO).unwrap();
    let in_namespace = |flags: &[&str]| {
        Command::new("unshare")
            .args(flags)
            .args(["sh", "scenario.sh"])
            .env("WHITTLE", whittle_exe())
            .current_dir(dir)
            .output()
            .expect("run unshare (util-linux)")
    };
    let mut out = in_namespace(&["--mount"]);
    if !out.status.success() {
        // Not root: a user namespace maps us to root in it.
        out = in_namespace(&["--mount", "--map-root-user"]);
    }
    assert_exit(&out, 0);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();

    assert_eq!(read("first.code"), "2\n");
    assert_eq!(
        read("first.err"),
        "whittle: error: out/min.wasm: cannot write: No space left on device (os error 28); out/min.wasm keeps the previous best: free space, then continue with --resume\n"
    );
    // No temporary file left behind, the checkpoint kept for --resume.
    assert_eq!(read("first.ls"), "filler\nmin.wasm\nmin.wasm.whittle\n");
    let first_best = std::fs::read(dir.join("first-best.wasm")).unwrap();
    assert_eq!(
        std::fs::read(dir.join("after-failure.wasm")).unwrap(),
        first_best
    );
    assert!(first_best.len() < wat::parse_str(SIMD_FAILS).unwrap().len());
    whittle_in(dir)
        .args(["check", "first-best.wasm", "-q"])
        .args(NO_SIMD)
        .exits(0);

    assert_eq!(read("second.code"), "0\n");
    assert_eq!(read("second.err"), "");
    assert_eq!(wat_of(&dir.join("result/min.wasm")), SIMD_REDUCED);
    assert_eq!(
        listing(&dir.join("result")),
        ["min.report.json", "min.report.md", "min.wasm", "min.wat"]
    );
}
