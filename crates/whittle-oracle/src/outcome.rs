//! What happened when one candidate module was handed to the compiler.
//!
//! An [`Outcome`] is the classified result of one oracle run: the compiler
//! accepted the module, returned an error, panicked, crashed with a signal,
//! exited in some other way, hung, or blew its memory budget. It is plain data
//! (serializable to JSON) because the built-in oracle child process reports its
//! verdict to the parent as exactly one JSON line holding an `Outcome`, and
//! because reports and logs show it to humans. [`Kind`] is the outcome without
//! its payload; users name it on the command line (`--expect-kind panic`).

use std::fmt;
use std::str::FromStr;

/// The classified result of running one candidate.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Outcome {
    /// The module compiled (or a predicate had nothing to say).
    Ok,
    /// The compiler returned an error; the error chain joined with `": "`.
    Error { message: String },
    /// The compiler panicked. `location` is `file:line` (column dropped).
    Panic {
        message: String,
        location: Option<String>,
    },
    /// The process was killed by a signal it did not get from us.
    Signal { signal: i32 },
    /// Any other exit code (for predicates: the exit code, including 0).
    Exit { code: i32, stderr_tail: String },
    /// The run exceeded its time limit and was killed.
    Timeout,
    /// The run exceeded its memory limit (and was killed, or died of it).
    OutOfMemory,
    /// Execution trapped (`--phase instantiate|run`): Wasmtime's trap code
    /// (`MemoryOutOfBounds`, `UnreachableCodeReached`, ...) and message.
    Trap { code: String, message: String },
    /// The invoked function returned these values (`--phase run`).
    Returned { values: Vec<String> },
    /// The module validated and was not compiled: only a validation error
    /// counts, and it cannot fail that way (see `Oracle::validation_first`).
    Validated,
}

/// The kind of an [`Outcome`], without its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Ok,
    Error,
    Panic,
    Signal,
    Exit,
    Timeout,
    OutOfMemory,
    Trap,
    Returned,
    Validated,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 10] = [
        Kind::Ok,
        Kind::Error,
        Kind::Panic,
        Kind::Signal,
        Kind::Exit,
        Kind::Timeout,
        Kind::OutOfMemory,
        Kind::Trap,
        Kind::Returned,
        Kind::Validated,
    ];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ok => "ok",
            Kind::Error => "error",
            Kind::Panic => "panic",
            Kind::Signal => "signal",
            Kind::Exit => "exit",
            Kind::Timeout => "timeout",
            Kind::OutOfMemory => "out-of-memory",
            Kind::Trap => "trap",
            Kind::Returned => "returned",
            Kind::Validated => "validated",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Kind> {
        let lower = s.trim().to_ascii_lowercase();
        if lower == "oom" || lower == "out_of_memory" || lower == "outofmemory" {
            return Ok(Kind::OutOfMemory);
        }
        if let Some(kind) = Kind::ALL.iter().find(|k| k.name() == lower) {
            return Ok(*kind);
        }
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        anyhow::bail!(
            "unknown outcome kind `{s}`; expected one of: {} (or `oom`)",
            names.join(", ")
        )
    }
}

impl Outcome {
    /// The kind of this outcome.
    pub fn kind(&self) -> Kind {
        match self {
            Outcome::Ok => Kind::Ok,
            Outcome::Error { .. } => Kind::Error,
            Outcome::Panic { .. } => Kind::Panic,
            Outcome::Signal { .. } => Kind::Signal,
            Outcome::Exit { .. } => Kind::Exit,
            Outcome::Timeout => Kind::Timeout,
            Outcome::OutOfMemory => Kind::OutOfMemory,
            Outcome::Trap { .. } => Kind::Trap,
            Outcome::Returned { .. } => Kind::Returned,
            Outcome::Validated => Kind::Validated,
        }
    }

    /// The outcome's text, if it carries one: the message of an error or
    /// panic, the stderr tail of an exit.
    pub fn message(&self) -> Option<&str> {
        match self {
            Outcome::Error { message }
            | Outcome::Panic { message, .. }
            | Outcome::Trap { message, .. } => Some(message),
            Outcome::Exit { stderr_tail, .. } => Some(stderr_tail),
            _ => None,
        }
    }

    /// One line for humans, e.g.
    /// `panic at cranelift-codegen-0.135.8/src/isa/riscv64/lower.rs:12: internal error: entered unreachable code`,
    /// `signal 11 (SIGSEGV)` or `error: ...`. Multi-line messages are folded
    /// to their first line followed by ` …`.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Ok => "ok".to_string(),
            Outcome::Error { message } => format!("error: {}", fold(message)),
            Outcome::Panic {
                message,
                location: Some(location),
            } => format!("panic at {location}: {}", fold(message)),
            Outcome::Panic {
                message,
                location: None,
            } => format!("panic: {}", fold(message)),
            Outcome::Signal { signal } => format!("signal {signal} ({})", signal_name(*signal)),
            Outcome::Exit { code, stderr_tail } => {
                match stderr_tail
                    .lines()
                    .rev()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                {
                    Some(last) => format!("exit code {code}: {last}"),
                    None => format!("exit code {code}"),
                }
            }
            Outcome::Timeout => "timeout".to_string(),
            Outcome::OutOfMemory => "out of memory".to_string(),
            Outcome::Trap { code, message } => format!("trap {code}: {}", fold(message)),
            Outcome::Returned { values } => format!("returned [{}]", values.join(", ")),
            Outcome::Validated => "validated (not compiled)".to_string(),
        }
    }
}

/// Fold a possibly multi-line text to its first non-empty line, marking the
/// rest as elided.
fn fold(text: &str) -> String {
    let text = text.trim();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim_end();
    if lines.next().is_some() {
        format!("{first} …")
    } else {
        first.to_string()
    }
}

/// The conventional name of a Linux signal number (`"SIGSEGV"`), or
/// `"signal"` when it has none we know.
pub fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGCHLD => "SIGCHLD",
        libc::SIGCONT => "SIGCONT",
        libc::SIGSTOP => "SIGSTOP",
        libc::SIGTSTP => "SIGTSTP",
        libc::SIGTTIN => "SIGTTIN",
        libc::SIGTTOU => "SIGTTOU",
        libc::SIGURG => "SIGURG",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGVTALRM => "SIGVTALRM",
        libc::SIGPROF => "SIGPROF",
        libc::SIGWINCH => "SIGWINCH",
        libc::SIGIO => "SIGIO",
        libc::SIGSYS => "SIGSYS",
        _ => "signal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(kind.to_string().parse::<Kind>().unwrap(), kind);
        }
        assert_eq!("oom".parse::<Kind>().unwrap(), Kind::OutOfMemory);
        assert_eq!("out-of-memory".parse::<Kind>().unwrap(), Kind::OutOfMemory);
        assert_eq!(" Panic ".parse::<Kind>().unwrap(), Kind::Panic);
    }

    #[test]
    fn kind_parse_error_lists_names() {
        let err = "crash".parse::<Kind>().unwrap_err().to_string();
        assert!(err.contains("crash"), "{err}");
        for kind in Kind::ALL {
            assert!(err.contains(kind.name()), "{err}");
        }
    }

    #[test]
    fn kind_serde_matches_display() {
        for kind in Kind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
        }
    }

    #[test]
    fn outcome_json_shape() {
        let o = Outcome::Panic {
            message: "boom".into(),
            location: Some("a.rs:3".into()),
        };
        let json = serde_json::to_string(&o).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"panic","message":"boom","location":"a.rs:3"}"#
        );
        assert_eq!(serde_json::from_str::<Outcome>(&json).unwrap(), o);
        assert_eq!(
            serde_json::to_string(&Outcome::OutOfMemory).unwrap(),
            r#"{"kind":"out-of-memory"}"#
        );
        let exit: Outcome =
            serde_json::from_str(r#"{"kind":"exit","code":3,"stderr_tail":"x"}"#).unwrap();
        assert_eq!(
            exit,
            Outcome::Exit {
                code: 3,
                stderr_tail: "x".into()
            }
        );
    }

    #[test]
    fn kind_of_outcomes() {
        assert_eq!(Outcome::Ok.kind(), Kind::Ok);
        assert_eq!(Outcome::Signal { signal: 6 }.kind(), Kind::Signal);
        assert_eq!(Outcome::Timeout.kind(), Kind::Timeout);
        assert_eq!(
            Outcome::Error {
                message: String::new()
            }
            .kind(),
            Kind::Error
        );
    }

    #[test]
    fn summaries() {
        let panic = Outcome::Panic {
            message: "internal error: entered unreachable code".into(),
            location: Some("cranelift-codegen-0.135.8/src/isa/riscv64/lower.rs:12".into()),
        };
        assert_eq!(
            panic.summary(),
            "panic at cranelift-codegen-0.135.8/src/isa/riscv64/lower.rs:12: internal error: entered unreachable code"
        );
        assert_eq!(
            Outcome::Signal { signal: 11 }.summary(),
            "signal 11 (SIGSEGV)"
        );
        assert_eq!(
            Outcome::Signal { signal: 99 }.summary(),
            "signal 99 (signal)"
        );
        let err = Outcome::Error {
            message: "first line\nsecond line".into(),
        };
        assert_eq!(err.summary(), "error: first line …");
        let exit = Outcome::Exit {
            code: 2,
            stderr_tail: "a\nlast words\n\n".into(),
        };
        assert_eq!(exit.summary(), "exit code 2: last words");
        assert_eq!(
            Outcome::Exit {
                code: 0,
                stderr_tail: String::new()
            }
            .summary(),
            "exit code 0"
        );
        assert_eq!(Outcome::OutOfMemory.summary(), "out of memory");
    }

    #[test]
    fn signal_names() {
        assert_eq!(signal_name(6), "SIGABRT");
        assert_eq!(signal_name(11), "SIGSEGV");
        assert_eq!(signal_name(9), "SIGKILL");
        assert_eq!(signal_name(0), "signal");
    }
}
