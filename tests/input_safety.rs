//! The input is never modified, and reading it never blocks without bound:
//! outputs that are the input (by any name) are refused, and FIFOs and other
//! special files are read with a deadline.

mod util;

use std::path::Path;
use std::process::Command;
use std::time::Duration;
use util::*;

/// `whittle ARGS -W simd=n,relaxed-simd=n` in `dir`; a run still going
/// after 60 s is killed and fails the test.
fn run(dir: &Path, args: &[&str]) -> TestCommand {
    whittle_in(dir)
        .args(args)
        .args(NO_SIMD)
        .time_limit(Duration::from_secs(60))
}

#[test]
fn an_output_that_is_the_input_is_refused_by_any_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let input = write_wasm(dir, "self.wasm", SIMD_FAILS);
    let original = std::fs::read(&input).unwrap();
    std::os::unix::fs::symlink("self.wasm", dir.join("link.wasm")).unwrap();
    std::fs::hard_link(&input, dir.join("hard.wasm")).unwrap();
    for output in ["self.wasm", "./self.wasm", "link.wasm", "hard.wasm"] {
        run(dir, &["reduce", "self.wasm", "-o", output, "-q"]).refused(&format!(
            "whittle: error: self.wasm: the output {output} is the input itself; choose another -o\n"
        ));
        assert_eq!(std::fs::read(&input).unwrap(), original);
        assert_eq!(listing(dir), ["hard.wasm", "link.wasm", "self.wasm"]);
    }
    // Standard input redirected from the output.
    run(dir, &["reduce", "-", "-o", "self.wasm", "-q"])
        .stdin_file(std::fs::File::open(&input).unwrap())
        .refused(
            "whittle: error: stdin: the output self.wasm is the input itself; choose another -o\n",
        );
    assert_eq!(std::fs::read(&input).unwrap(), original);
    // The same refusal from `convert`.
    whittle_in(dir)
        .args(["convert", "self.wasm", "-o", "./link.wasm"])
        .refused("whittle: error: self.wasm: the output ./link.wasm is the input itself; choose another -o\n");
    assert_eq!(std::fs::read(&input).unwrap(), original);
}

#[test]
fn a_companion_of_the_output_that_is_the_input_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("bug.wat"), SIMD_FAILS).unwrap();
    // `-o bug.wasm` writes bug.wat beside it: the input.
    run(dir, &["reduce", "bug.wat", "-o", "bug.wasm", "-q"]).refused(
        "whittle: error: bug.wat: bug.wat, written beside the output bug.wasm, is the input itself; choose another -o\n",
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("bug.wat")).unwrap(),
        SIMD_FAILS
    );
    assert_eq!(listing(dir), ["bug.wat"]);

    // An input inside the checkpoint folder the run would clear.
    std::fs::create_dir(dir.join("min.wasm.whittle")).unwrap();
    std::fs::write(dir.join("min.wasm.whittle/bug.wat"), SIMD_FAILS).unwrap();
    run(
        dir,
        &["reduce", "min.wasm.whittle/bug.wat", "-o", "min.wasm", "-q"],
    )
    .refused("whittle: error: min.wasm.whittle/bug.wat: the input is inside the checkpoint folder min.wasm.whittle, which a run clears; move it out first\n");
    assert_eq!(
        std::fs::read_to_string(dir.join("min.wasm.whittle/bug.wat")).unwrap(),
        SIMD_FAILS
    );

    // Another name is fine, and the input is untouched.
    run(dir, &["reduce", "bug.wat", "-o", "min.wasm", "-q"]).exits(0);
    assert_eq!(wat_of(&dir.join("min.wasm")), SIMD_REDUCED);
    assert_eq!(
        std::fs::read_to_string(dir.join("bug.wat")).unwrap(),
        SIMD_FAILS
    );
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

#[test]
fn a_fifo_without_a_writer_is_an_error_after_the_deadline() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    mkfifo(&dir.join("pipe.wasm"));
    let message = "whittle: error: pipe.wasm: cannot read: nothing arrived for 1 s (a FIFO or device with no writer?); set WHITTLE_INPUT_TIMEOUT=SECONDS to wait longer\n";
    for args in [
        &["check", "pipe.wasm"][..],
        &["reduce", "pipe.wasm", "-o", "min.wasm"],
    ] {
        run(dir, args)
            .env("WHITTLE_INPUT_TIMEOUT", "1")
            .refused(message);
    }
    assert_eq!(listing(dir), ["pipe.wasm"]);

    // A writer that comes within the deadline is waited for.
    let bytes = wat::parse_str(SIMD_FAILS).unwrap();
    let fifo = dir.join("pipe.wasm");
    let writer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        std::fs::write(fifo, bytes).unwrap();
    });
    let out = run(dir, &["reduce", "pipe.wasm", "-o", "min.wasm", "-q"])
        .env("WHITTLE_INPUT_TIMEOUT", "20")
        .output();
    writer.join().unwrap();
    assert_exit(&out, 0);
    assert_eq!(wat_of(&dir.join("min.wasm")), SIMD_REDUCED);

    // Endless bytes that cannot be a module are refused at once.
    run(dir, &["check", "/dev/zero"]).refused(
        "whittle: error: /dev/zero: not a WebAssembly module (no `\\0asm` magic, and not WAT text)\n",
    );
}

#[test]
fn process_substitution_keeps_working() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_wasm(dir, "bug.wasm", SIMD_FAILS);
    let bash = |script: &str| {
        Command::new("bash")
            .args(["-c", script])
            .env("WHITTLE", whittle_exe())
            .current_dir(dir)
            .output()
            .unwrap()
    };
    let out = bash(r#""$WHITTLE" reduce <(cat bug.wasm) -o min.wasm -q -W simd=n,relaxed-simd=n"#);
    assert_exit(&out, 0);
    assert_eq!(wat_of(&dir.join("min.wasm")), SIMD_REDUCED);
    // Nothing can be written beside /dev/fd/N: the output must be named.
    let out = bash(r#""$WHITTLE" reduce <(cat bug.wasm) -q -W simd=n,relaxed-simd=n"#);
    assert_exit(&out, 2);
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("whittle: error: /dev/fd/")
            && stderr.ends_with(": not a regular file, so there is no place beside it for the result: name the output with -o\n"),
        "{stderr}"
    );
}
