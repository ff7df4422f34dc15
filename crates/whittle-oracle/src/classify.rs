//! Turning a raw [`RunResult`] into an [`Outcome`].
//!
//! Four kinds of child are run, and each reports differently:
//!
//! * the **built-in** oracle child (`whittle` re-executed) prints exactly
//!   one JSON line holding a serialized [`Outcome`] on stdout, with its own
//!   peak memory as one more field ([`crate::ChildPeak`]);
//! * the **`wasmtime compile`** CLI reports errors the way `anyhow` formats
//!   them for `main` (`Error: …` plus a `Caused by:` block) and panics the way
//!   the Rust runtime prints them;
//! * **`wasmtime run --invoke`** prints what the export returned on stdout,
//!   or a trap (`wasm trap: …`) on stderr, and otherwise fails like
//!   `wasmtime compile`;
//! * a user **predicate** only has an exit code that matters.
//!
//! Common to all: our own kills become `Timeout`/`OutOfMemory`, and a death
//! by signal becomes `Signal` — unless stderr shows a Rust panic, which is
//! the real cause (a `panic = "abort"` build aborts right after printing it).
//! A stack overflow (`has overflowed its stack`, then SIGABRT) stays a signal.

use std::sync::OnceLock;

use regex::Regex;

#[cfg(test)]
use crate::child_protocol::ChildPeak;
use crate::normalize::normalize_location;
use crate::outcome::Outcome;
use crate::process::{RunResult, Termination};

/// Lines kept in an `Exit` outcome's `stderr_tail`.
const TAIL_LINES: usize = 20;
/// Characters kept in an `Exit` outcome's `stderr_tail`.
const TAIL_CHARS: usize = 2000;

/// Classify a run of the built-in oracle child.
///
/// The last stdout line that parses as an [`Outcome`] wins. Without one, a
/// clean exit is `Exit { code: 0 }`, a panic on stderr is a `Panic`, and
/// anything else an `Exit` with the stderr tail.
pub fn classify_builtin(result: &RunResult) -> Outcome {
    let stderr = String::from_utf8_lossy(&result.stderr);
    let code = match result.termination {
        Termination::Exited(code) => code,
        _ => return classify_abnormal(result.termination, &stderr),
    };
    let stdout = String::from_utf8_lossy(&result.stdout);
    let reported = stdout
        .lines()
        .rev()
        .map(str::trim)
        .filter(|l| l.starts_with('{'))
        .find_map(|l| serde_json::from_str::<Outcome>(l).ok());
    if let Some(outcome) = reported {
        return outcome;
    }
    if code != 0 {
        if let Some(panic) = parse_panic(&stderr) {
            return panic;
        }
    }
    Outcome::Exit {
        code,
        stderr_tail: stderr_tail(&stderr),
    }
}

/// Classify a run of `wasmtime compile …`.
///
/// Exit 0 is `Ok`; otherwise a panic on stderr is a `Panic`, an `Error: …`
/// report is an `Error` (the `Caused by:` chain appended, joined with
/// `": "`), and anything else an `Exit` with the stderr tail.
pub fn classify_wasmtime_cli(result: &RunResult) -> Outcome {
    let stderr = String::from_utf8_lossy(&result.stderr);
    let code = match result.termination {
        Termination::Exited(code) => code,
        _ => return classify_abnormal(result.termination, &stderr),
    };
    if code == 0 {
        return Outcome::Ok;
    }
    if let Some(panic) = parse_panic(&stderr) {
        return panic;
    }
    if let Some(message) = parse_error(&stderr) {
        return Outcome::Error { message };
    }
    Outcome::Exit {
        code,
        stderr_tail: stderr_tail(&stderr),
    }
}

/// `wasmtime run --invoke ...`: exit 0 means it returned (the values are
/// the stdout lines); a trap is reported with its message (`wasm trap: out
/// of bounds memory access`) standing for its code; anything else is
/// classified like `wasmtime compile`.
pub fn classify_wasmtime_run(result: &RunResult) -> Outcome {
    if let Termination::Exited(0) = result.termination {
        let values = result
            .stdout_text()
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        return Outcome::Returned { values };
    }
    let stderr = result.stderr_text();
    if let Some(at) = stderr.find("wasm trap: ") {
        let trap = stderr[at + "wasm trap: ".len()..]
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        return Outcome::Trap {
            code: trap.clone(),
            message: format!("wasm trap: {trap}"),
        };
    }
    classify_wasmtime_cli(result)
}

/// Classify a run of a user predicate: its exit code (including 0) is what
/// counts; signals, timeouts and memory blow-ups as for any child.
pub fn classify_predicate(result: &RunResult) -> Outcome {
    let stderr = String::from_utf8_lossy(&result.stderr);
    match result.termination {
        Termination::Exited(code) => Outcome::Exit {
            code,
            stderr_tail: stderr_tail(&stderr),
        },
        t => classify_abnormal(t, &stderr),
    }
}

/// Timeouts, memory kills and signals.
fn classify_abnormal(termination: Termination, stderr: &str) -> Outcome {
    match termination {
        Termination::TimedOut => Outcome::Timeout,
        Termination::MemoryExceeded => Outcome::OutOfMemory,
        Termination::Signaled(signal) => {
            if stderr.contains("has overflowed its stack") {
                return Outcome::Signal { signal };
            }
            parse_panic(stderr).unwrap_or(Outcome::Signal { signal })
        }
        Termination::Exited(code) => Outcome::Exit {
            code,
            stderr_tail: stderr_tail(stderr),
        },
    }
}

fn panic_header() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // `thread 'main' panicked at …` (any thread name), optionally with the
    // thread id Rust ≥ 1.89 prints: `thread 'main' (12345) panicked at …`.
    RE.get_or_init(|| {
        Regex::new(r"^thread '[^']*'(?: \(\d+\))? panicked at (.*)$").expect("valid regex")
    })
}

fn legacy_payload() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // Rust < 1.73: `panicked at 'message', src/main.rs:2:5`.
    RE.get_or_init(|| Regex::new(r"^'(.*)', (\S+:\d+(?::\d+)?)$").expect("valid regex"))
}

/// Find the first Rust panic report in `stderr`.
///
/// Current format: `thread 'main' (123) panicked at path/file.rs:10:5:` with
/// the message on the following lines, up to a line starting with `note: `
/// or `stack backtrace:` (or the next panic header, or the end).
pub fn parse_panic(stderr: &str) -> Option<Outcome> {
    let lines: Vec<&str> = stderr.lines().collect();
    let (idx, rest) = lines.iter().enumerate().find_map(|(i, line)| {
        panic_header()
            .captures(line.trim_end())
            .map(|c| (i, c.get(1).map_or("", |m| m.as_str())))
    })?;
    if let Some(location) = rest.strip_suffix(':') {
        let mut message = Vec::new();
        for line in &lines[idx + 1..] {
            if line.starts_with("note: ")
                || line.starts_with("stack backtrace:")
                || panic_header().is_match(line)
            {
                break;
            }
            message.push(*line);
        }
        return Some(Outcome::Panic {
            message: message.join("\n").trim().to_string(),
            location: Some(normalize_location(location)),
        });
    }
    if let Some(c) = legacy_payload().captures(rest) {
        return Some(Outcome::Panic {
            message: c[1].trim().to_string(),
            location: Some(normalize_location(&c[2])),
        });
    }
    Some(Outcome::Panic {
        message: rest.trim().to_string(),
        location: None,
    })
}

/// Parse an `anyhow`-style report (`Error: …` then an optional `Caused by:`
/// block with numbered `    0: …` or a single unnumbered `    …` cause) into
/// the chain joined with `": "`. Uses the last `Error: ` line.
pub fn parse_error(stderr: &str) -> Option<String> {
    static NUMBERED: OnceLock<Regex> = OnceLock::new();
    let numbered = NUMBERED.get_or_init(|| Regex::new(r"^\s+\d+: (.*)$").expect("valid regex"));

    let lines: Vec<&str> = stderr.lines().collect();
    let start = lines.iter().rposition(|l| l.starts_with("Error: "))?;
    let mut parts: Vec<String> = Vec::new();
    let mut head = lines[start]["Error: ".len()..].trim().to_string();
    let mut i = start + 1;
    // Continuation lines of a multi-line top-level message.
    while i < lines.len() && !lines[i].trim().is_empty() && lines[i].trim() != "Caused by:" {
        head.push('\n');
        head.push_str(lines[i].trim());
        i += 1;
    }
    parts.push(head);
    while i < lines.len() && lines[i].trim().is_empty() {
        i += 1;
    }
    if i < lines.len() && lines[i].trim() == "Caused by:" {
        i += 1;
        let mut current: Option<String> = None;
        while i < lines.len() {
            let line = lines[i];
            if line.trim().is_empty() || !line.starts_with(char::is_whitespace) {
                break;
            }
            if let Some(c) = numbered.captures(line) {
                parts.extend(current.take());
                current = Some(c[1].trim().to_string());
            } else {
                match &mut current {
                    Some(text) => {
                        text.push('\n');
                        text.push_str(line.trim());
                    }
                    None => current = Some(line.trim().to_string()),
                }
            }
            i += 1;
        }
        parts.extend(current);
    }
    Some(parts.join(": "))
}

/// The last ~20 lines of `stderr`, at most 2000 characters.
pub fn stderr_tail(stderr: &str) -> String {
    let trimmed = stderr.trim_end();
    let lines: Vec<&str> = trimmed.lines().collect();
    let tail = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n");
    let count = tail.chars().count();
    if count <= TAIL_CHARS {
        tail
    } else {
        tail.chars().skip(count - TAIL_CHARS).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn result(termination: Termination, stdout: &str, stderr: &str) -> RunResult {
        RunResult {
            termination,
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.as_bytes().to_vec(),
            wall: Duration::from_millis(5),
            peak_rss_bytes: 1,
            cpu: Duration::from_millis(5),
        }
    }

    #[test]
    fn the_built_in_child_reports_its_peak_with_its_outcome() {
        for outcome in [
            Outcome::Ok,
            Outcome::Error {
                message: "bad".into(),
            },
        ] {
            let line = ChildPeak::report(&outcome, 12345);
            let r = result(Termination::Exited(0), &format!("log\n{line}\n"), "");
            assert_eq!(classify_builtin(&r), outcome);
            assert_eq!(ChildPeak::find(&r).unwrap().peak_rss_bytes, 12345);
        }
        assert_eq!(
            ChildPeak::report(&Outcome::Ok, 7),
            r#"{"kind":"ok","peak_rss_bytes":7}"#
        );
        let r = result(Termination::Exited(0), "{\"kind\":\"ok\"}\n", "");
        assert_eq!(ChildPeak::find(&r), None);
    }

    const NEW_PANIC: &str = "\
thread 'main' (12345) panicked at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cranelift-codegen-0.135.8/src/isa/riscv64/lower.rs:12:9:
internal error: entered unreachable code
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
";

    const OLD_PANIC: &str = "\
thread '<unnamed>' panicked at cranelift-codegen/src/machinst/lower.rs:77:13:
assertion failed: x < y
  left: 1
 right: 2
stack backtrace:
   0: rust_begin_unwind
";

    #[test]
    fn panic_new_format() {
        let o = classify_wasmtime_cli(&result(Termination::Exited(101), "", NEW_PANIC));
        assert_eq!(
            o,
            Outcome::Panic {
                message: "internal error: entered unreachable code".into(),
                location: Some("cranelift-codegen-0.135.8/src/isa/riscv64/lower.rs:12".into()),
            }
        );
    }

    #[test]
    fn panic_old_format_multiline() {
        let o = classify_wasmtime_cli(&result(Termination::Exited(101), "", OLD_PANIC));
        assert_eq!(
            o,
            Outcome::Panic {
                message: "assertion failed: x < y\n  left: 1\n right: 2".into(),
                location: Some("cranelift-codegen/src/machinst/lower.rs:77".into()),
            }
        );
    }

    #[test]
    fn panic_legacy_quoted_format() {
        let o = parse_panic("thread 'rayon-worker' panicked at 'oh no', src/lib.rs:4:2\n").unwrap();
        assert_eq!(
            o,
            Outcome::Panic {
                message: "oh no".into(),
                location: Some("src/lib.rs:4".into()),
            }
        );
    }

    #[test]
    fn first_panic_wins() {
        let stderr = "some log line\n\
thread 'rayon-worker' (7) panicked at a.rs:1:1:\nfirst\n\
thread 'main' (6) panicked at b.rs:2:2:\nsecond\n";
        let o = parse_panic(stderr).unwrap();
        assert_eq!(
            o,
            Outcome::Panic {
                message: "first".into(),
                location: Some("a.rs:1".into()),
            }
        );
    }

    #[test]
    fn no_panic_in_plain_text() {
        assert_eq!(parse_panic("Error: thread panicked at nothing\n"), None);
    }

    #[test]
    fn abort_after_panic_is_panic() {
        let o = classify_wasmtime_cli(&result(Termination::Signaled(libc::SIGABRT), "", NEW_PANIC));
        assert_eq!(o.kind(), crate::Kind::Panic);
        let o = classify_predicate(&result(Termination::Signaled(libc::SIGABRT), "", NEW_PANIC));
        assert_eq!(o.kind(), crate::Kind::Panic);
    }

    #[test]
    fn stack_overflow_is_signal() {
        let stderr = "\nthread 'main' has overflowed its stack\nfatal runtime error: stack overflow, aborting\n";
        let o = classify_wasmtime_cli(&result(Termination::Signaled(6), "", stderr));
        assert_eq!(o, Outcome::Signal { signal: 6 });
    }

    #[test]
    fn plain_signal() {
        let o = classify_wasmtime_cli(&result(Termination::Signaled(11), "", "junk\n"));
        assert_eq!(o, Outcome::Signal { signal: 11 });
        let o = classify_builtin(&result(Termination::Signaled(11), "", ""));
        assert_eq!(o, Outcome::Signal { signal: 11 });
    }

    #[test]
    fn timeout_and_oom() {
        for f in [classify_builtin, classify_wasmtime_cli, classify_predicate] {
            assert_eq!(
                f(&result(Termination::TimedOut, "", NEW_PANIC)),
                Outcome::Timeout
            );
            assert_eq!(
                f(&result(Termination::MemoryExceeded, "", "")),
                Outcome::OutOfMemory
            );
        }
    }

    #[test]
    fn error_numbered_causes() {
        let stderr = "\
Error: failed to compile `/tmp/x/candidate.wasm`

Caused by:
    0: WebAssembly translation error
    1: Invalid input WebAssembly code at offset 45: type mismatch
";
        let o = classify_wasmtime_cli(&result(Termination::Exited(1), "", stderr));
        assert_eq!(
            o,
            Outcome::Error {
                message: "failed to compile `/tmp/x/candidate.wasm`: WebAssembly translation error: Invalid input WebAssembly code at offset 45: type mismatch".into()
            }
        );
    }

    #[test]
    fn error_unnumbered_cause() {
        let stderr = "Error: failed to parse\n\nCaused by:\n    bad magic number\n";
        let o = classify_wasmtime_cli(&result(Termination::Exited(1), "", stderr));
        assert_eq!(
            o,
            Outcome::Error {
                message: "failed to parse: bad magic number".into()
            }
        );
    }

    #[test]
    fn error_without_causes_and_with_backtrace() {
        assert_eq!(
            parse_error("Error: just this\n").as_deref(),
            Some("just this")
        );
        let stderr = "Error: top\n\nCaused by:\n    0: a\n    1: b\n\nStack backtrace:\n   0: x\n";
        assert_eq!(parse_error(stderr).as_deref(), Some("top: a: b"));
        let multi = "Error: top\n\nCaused by:\n    0: a\n       more of a\n    1: b\n";
        assert_eq!(parse_error(multi).as_deref(), Some("top: a\nmore of a: b"));
    }

    #[test]
    fn wasmtime_cli_ok_and_exit() {
        assert_eq!(
            classify_wasmtime_cli(&result(Termination::Exited(0), "", "warning: x\n")),
            Outcome::Ok
        );
        assert_eq!(
            classify_wasmtime_cli(&result(Termination::Exited(2), "", "usage: blah\n")),
            Outcome::Exit {
                code: 2,
                stderr_tail: "usage: blah".into()
            }
        );
    }

    #[test]
    fn builtin_json() {
        let stdout = "noise\n{\"kind\":\"error\",\"message\":\"first\"}\n{\"kind\":\"panic\",\"message\":\"m\",\"location\":\"a.rs:1\"}\n{not json\n";
        let o = classify_builtin(&result(Termination::Exited(0), stdout, NEW_PANIC));
        assert_eq!(
            o,
            Outcome::Panic {
                message: "m".into(),
                location: Some("a.rs:1".into())
            }
        );
        let o = classify_builtin(&result(Termination::Exited(0), "{\"kind\":\"ok\"}\n", ""));
        assert_eq!(o, Outcome::Ok);
    }

    #[test]
    fn builtin_without_json() {
        let o = classify_builtin(&result(Termination::Exited(0), "hello\n", "said nothing\n"));
        assert_eq!(
            o,
            Outcome::Exit {
                code: 0,
                stderr_tail: "said nothing".into()
            }
        );
        let o = classify_builtin(&result(Termination::Exited(101), "", NEW_PANIC));
        assert_eq!(o.kind(), crate::Kind::Panic);
        let o = classify_builtin(&result(Termination::Exited(7), "", "bad args\n"));
        assert_eq!(
            o,
            Outcome::Exit {
                code: 7,
                stderr_tail: "bad args".into()
            }
        );
    }

    #[test]
    fn predicate_exit_codes() {
        for code in [0, 1, 42] {
            assert_eq!(
                classify_predicate(&result(Termination::Exited(code), "", "x\n")),
                Outcome::Exit {
                    code,
                    stderr_tail: "x".into()
                }
            );
        }
        assert_eq!(
            classify_predicate(&result(Termination::Signaled(9), "", "")),
            Outcome::Signal { signal: 9 }
        );
    }

    #[test]
    fn tail_is_bounded() {
        let many: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let tail = stderr_tail(&many);
        assert_eq!(tail.lines().count(), 20);
        assert!(tail.starts_with("line 80"));
        assert!(tail.ends_with("line 99"));
        let long = "é".repeat(5000);
        let tail = stderr_tail(&long);
        assert_eq!(tail.chars().count(), 2000);
    }
}
