//! The spawner: a small process that starts a checked program, so that the
//! program's peak memory can be read alone (see [`crate::memory`] for why
//! `wait4` in the reducer itself cannot).
//!
//! [`crate::run`] starts `SPAWNER __spawn PROGRAM ARGS…` instead of
//! `PROGRAM ARGS…` when [`crate::RunLimits::spawner`] is set (whittle sets
//! it to its own executable, which dispatches to [`main`] before doing
//! anything else, so it is a few MB when it starts the program). The
//! spawner's stdout and stderr pass through to the program; its stdin is a
//! pipe back to the reducer on which it reports, one line each:
//!
//! ```text
//! pid 12345                  the program started
//! exit <wait status> <KiB>   it ended: raw status and wait4's ru_maxrss
//! error <message>            it could not be started (or waited for)
//! ```
//!
//! The program gets `/dev/null` as stdin, inherits the spawner's process
//! group (so the reducer's group kill reaches it) and dies with the spawner
//! (`PR_SET_PDEATHSIG`).

use std::ffi::OsString;
use std::io::Write;
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

/// The hidden first argument that makes whittle act as the spawner.
pub const SPAWN_COMMAND: &str = "__spawn";

/// What the spawner reported.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The program's pid, once started.
    pub pid: Option<libc::pid_t>,
    /// Its raw wait status and peak resident set size (bytes), once ended.
    pub exit: Option<(libc::c_int, u64)>,
    /// Why it could not be started or waited for.
    pub error: Option<String>,
}

impl Report {
    /// Parse what the spawner wrote so far (an unfinished line is ignored).
    pub fn parse(bytes: &[u8]) -> Report {
        let text = String::from_utf8_lossy(bytes);
        let mut report = Report::default();
        let complete = text.rsplit_once('\n').map_or("", |(done, _)| done);
        for line in complete.lines() {
            let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
            match word {
                "pid" => report.pid = rest.parse().ok(),
                "exit" => {
                    let mut fields = rest.split(' ').map(str::parse::<i64>);
                    if let (Some(Ok(status)), Some(Ok(kib))) = (fields.next(), fields.next()) {
                        report.exit = Some((status as libc::c_int, kib.max(0) as u64 * 1024));
                    }
                }
                "error" => report.error = Some(rest.to_string()),
                _ => {}
            }
        }
        report
    }
}

/// The spawner itself: `args` are the program and its arguments; fd 0 is
/// the report pipe. Returns the spawner's exit code (the program's own
/// status is in the report).
pub fn main(mut args: impl Iterator<Item = OsString>) -> i32 {
    // SAFETY: fd 0 is the report pipe the reducer handed over; nothing else
    // in this process uses it.
    let mut report = unsafe { std::fs::File::from_raw_fd(0) };
    let Some(program) = args.next() else {
        let _ = writeln!(report, "error the spawner got no program to run");
        return 2;
    };
    let spawner = std::process::id() as libc::pid_t;
    let mut cmd = Command::new(&program);
    cmd.args(args).stdin(Stdio::null());
    // SAFETY: only async-signal-safe calls between fork and exec (this
    // process has a single thread, so allocation would be safe too).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::getppid() != spawner {
                // The spawner died before the signal was armed.
                libc::_exit(127);
            }
            Ok(())
        });
    }
    let child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            let _ = writeln!(report, "error {e}");
            return 127;
        }
    };
    let pid = child.id() as libc::pid_t;
    let _ = writeln!(report, "pid {pid}");
    match crate::reap::reap(pid) {
        Ok((status, usage)) => {
            let _ = writeln!(report, "exit {status} {}", usage.ru_maxrss);
            0
        }
        Err(e) => {
            let _ = writeln!(report, "error waiting for the program: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_reports() {
        assert_eq!(Report::parse(b""), Report::default());
        assert_eq!(
            Report::parse(b"pid 42\nexit 256 2048\n"),
            Report {
                pid: Some(42),
                exit: Some((256, 2048 * 1024)),
                error: None
            }
        );
        // A line still being written does not count yet.
        assert_eq!(Report::parse(b"pid 42\nexit 25").exit, None);
        assert_eq!(Report::parse(b"pid 4").pid, None);
        assert_eq!(
            Report::parse(b"error No such file or directory (os error 2)\n").error,
            Some("No such file or directory (os error 2)".into())
        );
    }
}
