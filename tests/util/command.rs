//! [`TestCommand`]: one way to run the `whittle` binary from a test, in the
//! manner of ripgrep's `TestCommand`, so that the working directory, the
//! environment, stdin and the checks on the exit code and streams are said
//! once instead of in every file's own `Command` helper.

use super::{text, whittle_exe};
use std::ffi::OsStr;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// `whittle` about to run in a folder, with `WHITTLE` pointing at the
/// binary (for predicate scripts) and stdin empty.
pub struct TestCommand {
    cmd: Command,
    stdin: Option<Input>,
    time_limit: Option<Duration>,
}

/// What the run reads on stdin.
enum Input {
    Bytes(Vec<u8>),
    File(File),
}

/// `whittle` in `dir`, with no arguments yet.
pub fn whittle_in(dir: &Path) -> TestCommand {
    let mut cmd = Command::new(whittle_exe());
    cmd.current_dir(dir).env("WHITTLE", whittle_exe());
    TestCommand {
        cmd,
        stdin: None,
        time_limit: None,
    }
}

impl TestCommand {
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    pub fn args<I>(mut self, args: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Feed `bytes` on stdin. A refusal may come before whittle reads its
    /// input: then the pipe is closed early, which is not an error here.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(Input::Bytes(bytes.into()));
        self
    }

    /// Redirect stdin from `file` (as `< file` in a shell).
    pub fn stdin_file(mut self, file: File) -> Self {
        self.stdin = Some(Input::File(file));
        self
    }

    /// Kill the run and fail the test if it is still going after `limit`
    /// (for what must never block).
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = Some(limit);
        self
    }

    /// The command as built (without the stdin and time limit set here),
    /// for a test that starts it its own way (to kill it, or with a
    /// terminal on stderr).
    pub fn command(self) -> Command {
        self.cmd
    }

    /// Run to the end, whatever the exit code.
    pub fn output(mut self) -> Output {
        let (stdin, bytes) = match self.stdin {
            None => (Stdio::null(), None),
            Some(Input::Bytes(bytes)) => (Stdio::piped(), Some(bytes)),
            Some(Input::File(file)) => (Stdio::from(file), None),
        };
        self.cmd
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let shown = format!("{:?}", self.cmd);
        let mut child = self.cmd.spawn().expect("run whittle");
        if let Some(bytes) = bytes {
            let _ = child.stdin.take().unwrap().write_all(&bytes);
        }
        let Some(limit) = self.time_limit else {
            return child.wait_with_output().expect("wait for whittle");
        };
        let pid = child.id() as i32;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(child.wait_with_output().expect("wait for whittle")));
        match rx.recv_timeout(limit) {
            Ok(out) => out,
            Err(_) => {
                // SAFETY: killing the child we started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                panic!("{shown} blocked for {limit:?}");
            }
        }
    }

    /// Run, and fail the test (showing both streams) unless it exits with
    /// `code`.
    pub fn exits(self, code: i32) -> Output {
        let out = self.output();
        assert_exit(&out, code);
        out
    }

    /// Run, and fail the test unless it is refused: exit code 2 and exactly
    /// `stderr`.
    pub fn refused(self, stderr: &str) {
        let out = self.exits(2);
        assert_eq!(text(&out.stderr), stderr);
    }

    /// Run, expecting exit code `code`, and parse stdout as JSON.
    pub fn json(self, code: i32) -> serde_json::Value {
        let out = self.exits(code);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", text(&out.stdout)))
    }
}

/// Panic with both streams unless the command exited with `code`.
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}
