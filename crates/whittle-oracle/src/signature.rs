//! Deciding whether a candidate "fails the same way" as the original.
//!
//! Reduction only makes sense while the bug is preserved: a candidate that
//! still makes the compiler fail, but with a *different* failure, is usually a
//! new (often uninteresting) problem introduced by the reduction itself. A
//! [`Signature`] captures what must stay the same — the kind of failure plus,
//! depending on the kind, its message, panic location, signal number or exit
//! code — and [`Signature::matches`] checks a candidate's [`Outcome`] against
//! it.
//!
//! Messages and locations are compared after normalization
//! ([`crate::normalize`]).

use crate::normalize::{normalize_location, normalize_message};
use crate::outcome::{signal_name, Kind, Outcome};

/// What a candidate's outcome must look like to count as "the same failure".
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Signature {
    /// The kind must be equal.
    pub kind: Kind,
    /// Normalized message that must be equal (`None` = any).
    pub message: Option<String>,
    /// Normalized panic location that must be equal (`None` = any).
    pub location: Option<String>,
    /// Signal number that must be equal (`None` = any).
    pub signal: Option<i32>,
    /// Exit code that must be equal (`None` = any).
    pub exit_code: Option<i32>,
    /// User `--expect` regex source; when set it replaces `message` equality
    /// and is searched in the raw (unnormalized) message.
    pub regex: Option<String>,
    /// Trap code that must be equal (`None` = any).
    #[serde(default)]
    pub trap_code: Option<String>,
    #[serde(skip)]
    compiled: Option<regex::Regex>,
}

impl Signature {
    fn bare(kind: Kind) -> Signature {
        Signature {
            kind,
            message: None,
            location: None,
            signal: None,
            exit_code: None,
            regex: None,
            trap_code: None,
            compiled: None,
        }
    }

    /// Derive the signature to preserve from the original's outcome.
    ///
    /// Error/Panic: kind + normalized message (+ normalized location for
    /// panics); Signal: kind + signal number; Exit: kind + exit code;
    /// Timeout/OutOfMemory: kind. Fails if the outcome is `Ok`.
    pub fn from_original(outcome: &Outcome) -> anyhow::Result<Signature> {
        let mut sig = Signature::bare(outcome.kind());
        match outcome {
            Outcome::Ok => anyhow::bail!("the original does not fail (it compiles successfully)"),
            Outcome::Returned { values } => anyhow::bail!(
                "the original does not fail (it returns [{}])",
                values.join(", ")
            ),
            Outcome::Trap { code, message } => {
                sig.message = Some(normalize_message(message));
                sig.trap_code = Some(code.clone());
            }
            Outcome::Error { message } => sig.message = Some(normalize_message(message)),
            Outcome::Panic { message, location } => {
                sig.message = Some(normalize_message(message));
                sig.location = location.as_deref().map(normalize_location);
            }
            Outcome::Signal { signal } => sig.signal = Some(*signal),
            Outcome::Exit { code, .. } => sig.exit_code = Some(*code),
            Outcome::Timeout | Outcome::OutOfMemory => {}
            Outcome::Validated => {
                anyhow::bail!("the original was only validated, not compiled: check it in full")
            }
        }
        Ok(sig)
    }

    /// Like [`Signature::from_original`], but pinned by the user.
    ///
    /// `expect` is a regex searched in the *raw* message (for `Exit`
    /// outcomes: in `stderr_tail`); when given it replaces message and
    /// location equality. `kind` (`--expect-kind`) pins the kind; then message and location are
    /// not required (signal number and exit code still are). Fails with a
    /// one-line message if the regex does not compile or the original's
    /// outcome does not satisfy the pinned expectation.
    pub fn pinned(
        outcome: &Outcome,
        expect: Option<&str>,
        kind: Option<Kind>,
    ) -> anyhow::Result<Signature> {
        if expect.is_none() && kind.is_none() {
            return Signature::from_original(outcome);
        }
        let compiled = expect.map(compile_regex).transpose()?;
        let actual = outcome.kind();
        if let Some(k @ (Kind::Ok | Kind::Validated)) = kind {
            anyhow::bail!("--expect-kind {k} cannot be preserved: reduction needs a failure");
        }
        if actual == Kind::Ok {
            anyhow::bail!("the original does not fail (it compiles successfully)");
        }
        if actual == Kind::Validated {
            anyhow::bail!("the original was only validated, not compiled: check it in full");
        }
        if let Some(k) = kind {
            if k != actual {
                anyhow::bail!(
                    "the original does not fail with kind `{k}`; it ended with: {}",
                    outcome.summary()
                );
            }
        }
        if let (Some(re), Some(src)) = (&compiled, expect) {
            match outcome.message() {
                Some(text) if re.is_match(text) => {}
                Some(_) => anyhow::bail!(
                    "the original's message does not match --expect `{src}`; it ended with: {}",
                    outcome.summary()
                ),
                None => anyhow::bail!(
                    "the original has no message to match --expect `{src}` against; it ended with: {}",
                    outcome.summary()
                ),
            }
        }
        let mut sig = Signature::bare(actual);
        match outcome {
            Outcome::Signal { signal } => sig.signal = Some(*signal),
            Outcome::Exit { code, .. } => sig.exit_code = Some(*code),
            _ => {}
        }
        sig.regex = expect.map(str::to_string);
        sig.compiled = compiled;
        debug_assert!(sig.matches(outcome));
        Ok(sig)
    }

    /// Can only Wasmtime's validator (with its binary parser) fail this way?
    /// Then a module that validates cannot, and the built-in oracle answers
    /// it without compiling it (`Oracle::validation_first`): a module that
    /// validates gives [`Outcome::Validated`], one that does not is checked
    /// in full, so its outcome is exactly what it would be.
    ///
    /// Only an exact message counts (not a user regex or a bare kind, which
    /// a compile error could meet too), and only the two shapes Wasmtime
    /// 48 gives `wasmparser`'s errors: a function body's, wrapped by the
    /// translator (`WasmError::InvalidWebAssembly`, which also wraps a failed
    /// integer conversion of the translator's own: not a validation error),
    /// and a module-level one, whose text ends with the offset as
    /// `BinaryReaderError` prints it.
    pub fn only_validation_fails(&self) -> bool {
        const IN_A_BODY: &str = "Invalid input WebAssembly code at offset N: ";
        const IN_THE_MODULE: &str = "failed to parse WebAssembly module: ";
        const NOT_THE_VALIDATOR_S: &str = "out of range integral type conversion attempted";
        let (Kind::Error, None, Some(message)) = (self.kind, &self.regex, &self.message) else {
            return false;
        };
        match message.split_once(IN_A_BODY) {
            Some((_, reason)) => !reason.starts_with(NOT_THE_VALIDATOR_S),
            None => message.starts_with(IN_THE_MODULE) && message.ends_with(" (at offset N)"),
        }
    }

    /// For `--predicate` mode: interesting iff the predicate exited with 0.
    pub fn predicate_exit_zero() -> Signature {
        let mut sig = Signature::bare(Kind::Exit);
        sig.exit_code = Some(0);
        sig
    }

    /// Whether `outcome` fails the same way.
    pub fn matches(&self, outcome: &Outcome) -> bool {
        if outcome.kind() != self.kind {
            return false;
        }
        if let Some(src) = &self.regex {
            let lazily;
            let re = match &self.compiled {
                Some(re) => re,
                None => match regex::Regex::new(src) {
                    Ok(re) => {
                        lazily = re;
                        &lazily
                    }
                    Err(_) => return false,
                },
            };
            if !outcome.message().is_some_and(|m| re.is_match(m)) {
                return false;
            }
        } else if let Some(want) = &self.message {
            if outcome
                .message()
                .is_none_or(|m| normalize_message(m) != *want)
            {
                return false;
            }
        }
        if let Some(want) = &self.location {
            let ok = matches!(
                outcome,
                Outcome::Panic { location: Some(l), .. } if normalize_location(l) == *want
            );
            if !ok {
                return false;
            }
        }
        if let Some(want) = &self.trap_code {
            if !matches!(outcome, Outcome::Trap { code, .. } if code == want) {
                return false;
            }
        }
        if let Some(want) = self.signal {
            if !matches!(outcome, Outcome::Signal { signal } if *signal == want) {
                return false;
            }
        }
        if let Some(want) = self.exit_code {
            if !matches!(outcome, Outcome::Exit { code, .. } if *code == want) {
                return false;
            }
        }
        true
    }

    /// One line for humans, e.g.
    /// `panic "internal error: entered unreachable code" at cranelift-codegen-0.135.8/src/isa/riscv64/inst/emit.rs:12`.
    pub fn describe(&self) -> String {
        let mut s = self.kind.to_string();
        if let Some(code) = &self.trap_code {
            s.push_str(&format!(" {code}"));
        }
        if let Some(re) = &self.regex {
            s.push_str(&format!(" matching /{re}/"));
        } else if let Some(m) = &self.message {
            s.push_str(&format!(" \"{m}\""));
        } else if matches!(self.kind, Kind::Error | Kind::Panic) {
            s.push_str(" (any message)");
        }
        if let Some(loc) = &self.location {
            s.push_str(&format!(" at {loc}"));
        }
        if let Some(sig) = self.signal {
            s.push_str(&format!(" {sig} ({})", signal_name(sig)));
        }
        if let Some(code) = self.exit_code {
            s.push_str(&format!(" code {code}"));
        }
        s
    }
}

/// Compile a user regex, turning the multi-line syntax error of the `regex`
/// crate into one line.
fn compile_regex(src: &str) -> anyhow::Result<regex::Regex> {
    regex::Regex::new(src).map_err(|e| {
        let text = e.to_string();
        let reason = text
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error:"))
            .map(|r| r.trim().to_string())
            .unwrap_or_else(|| text.split_whitespace().collect::<Vec<_>>().join(" "));
        anyhow::anyhow!("invalid --expect regex `{src}`: {reason}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panic(message: &str, location: &str) -> Outcome {
        Outcome::Panic {
            message: message.into(),
            location: Some(location.into()),
        }
    }

    fn error(message: &str) -> Outcome {
        Outcome::Error {
            message: message.into(),
        }
    }

    #[test]
    fn from_original_ok_is_err() {
        let err = Signature::from_original(&Outcome::Ok).unwrap_err();
        assert!(err.to_string().contains("does not fail"), "{err}");
    }

    #[test]
    fn only_the_validator_s_errors_let_a_valid_module_go_uncompiled() {
        let of = |o: &Outcome| Signature::from_original(o).unwrap().only_validation_fails();
        // A function body's validation error, and a module-level one.
        assert!(of(&error(
            "failed to compile: wasm[0]::function[3]::f: WebAssembly translation error: \
             Invalid input WebAssembly code at offset 13460: SIMD support is not enabled"
        )));
        assert!(of(&error(
            "failed to parse WebAssembly module: struct fields size is out of bounds (at offset 0xe)"
        )));
        // The translator's own integer conversion, wrapped like the
        // validator's errors; the translator's limits; a module-level
        // failure that is not `wasmparser`'s.
        assert!(!of(&error(
            "failed to compile: wasm[0]::function[0]: WebAssembly translation error: \
             Invalid input WebAssembly code at offset 0: out of range integral type conversion attempted"
        )));
        assert!(!of(&error(
            "failed to compile: wasm[0]::function[0]: WebAssembly translation error: \
             Unsupported feature: `br_table` has 70000 targets"
        )));
        assert!(!of(&error(
            "failed to parse WebAssembly module: Unsupported feature: shared memories"
        )));
        assert!(!of(&panic(
            "Invalid input WebAssembly code at offset 1: x",
            "cranelift-codegen-0.135.8/src/a.rs:12:9"
        )));
        // Not an exact message: a regex or a bare kind could be met by a
        // compile error.
        let simd = error("Invalid input WebAssembly code at offset 1: SIMD support is not enabled");
        let pinned = |expect, kind| Signature::pinned(&simd, expect, kind).unwrap();
        assert!(!pinned(Some("SIMD"), None).only_validation_fails());
        assert!(!pinned(None, Some(Kind::Error)).only_validation_fails());
        // A validated module never fails, and cannot be asked for.
        assert!(!Signature::from_original(&simd)
            .unwrap()
            .matches(&Outcome::Validated));
        assert!(Signature::from_original(&Outcome::Validated).is_err());
        let err = Signature::pinned(&simd, None, Some(Kind::Validated)).unwrap_err();
        assert!(err.to_string().contains("cannot be preserved"), "{err}");
    }

    #[test]
    fn from_original_panic() {
        let orig = panic(
            "index out of bounds: the len is 3 but the index is 7",
            "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cranelift-codegen-0.135.8/src/a.rs:12:9",
        );
        let sig = Signature::from_original(&orig).unwrap();
        assert_eq!(sig.kind, Kind::Panic);
        assert_eq!(
            sig.message.as_deref(),
            Some("index out of bounds: the len is N but the index is N")
        );
        assert_eq!(
            sig.location.as_deref(),
            Some("cranelift-codegen-0.135.8/src/a.rs:12")
        );
        assert!(sig.matches(&orig));
        // Different numbers, same shape: still the same failure.
        assert!(sig.matches(&panic(
            "index out of bounds: the len is 1 but the index is 2",
            "cranelift-codegen-0.135.8/src/a.rs:12"
        )));
        // Same message, different location.
        assert!(!sig.matches(&panic(
            "index out of bounds: the len is 1 but the index is 2",
            "cranelift-codegen-0.135.8/src/a.rs:13"
        )));
        // Same kind, different message.
        assert!(!sig.matches(&panic(
            "attempt to add with overflow",
            "cranelift-codegen-0.135.8/src/a.rs:12"
        )));
        // Different kind.
        assert!(!sig.matches(&Outcome::Signal { signal: 6 }));
        assert!(!sig.matches(&Outcome::Ok));
    }

    #[test]
    fn same_kind_different_message_does_not_match() {
        let sig = Signature::from_original(&error("failed at offset 12: bad type")).unwrap();
        assert!(sig.matches(&error("failed at offset 99: bad type")));
        assert!(!sig.matches(&error("failed at offset 99: other")));
        assert!(!sig.matches(&panic("failed at offset 12: bad type", "a.rs:1")));
    }

    #[test]
    fn signal_and_exit_signatures() {
        let sig = Signature::from_original(&Outcome::Signal { signal: 11 }).unwrap();
        assert!(sig.matches(&Outcome::Signal { signal: 11 }));
        assert!(!sig.matches(&Outcome::Signal { signal: 6 }));
        assert_eq!(sig.describe(), "signal 11 (SIGSEGV)");

        let exit = Outcome::Exit {
            code: 3,
            stderr_tail: "x".into(),
        };
        let sig = Signature::from_original(&exit).unwrap();
        assert!(sig.matches(&Outcome::Exit {
            code: 3,
            stderr_tail: "different".into()
        }));
        assert!(!sig.matches(&Outcome::Exit {
            code: 4,
            stderr_tail: "x".into()
        }));

        let sig = Signature::from_original(&Outcome::Timeout).unwrap();
        assert!(sig.matches(&Outcome::Timeout));
        assert!(!sig.matches(&Outcome::OutOfMemory));
    }

    #[test]
    fn regex_pinned() {
        let orig = panic("internal error: entered unreachable code: foo 12", "a.rs:1");
        let sig = Signature::pinned(&orig, Some(r"unreachable code: foo \d+"), None).unwrap();
        assert_eq!(sig.kind, Kind::Panic);
        assert!(sig.message.is_none());
        assert!(sig.location.is_none());
        assert!(sig.matches(&orig));
        // The regex sees the raw message, not the normalized one.
        assert!(sig.matches(&panic("entered unreachable code: foo 3", "b.rs:9")));
        assert!(!sig.matches(&panic("entered unreachable code: bar 3", "a.rs:1")));
        // Kind still has to match.
        assert!(!sig.matches(&error("entered unreachable code: foo 3")));
        assert!(sig
            .describe()
            .contains(r"matching /unreachable code: foo \d+/"));
    }

    #[test]
    fn regex_pinned_on_exit_searches_stderr() {
        let orig = Outcome::Exit {
            code: 1,
            stderr_tail: "warning\nassertion failed: x < y\n".into(),
        };
        let sig = Signature::pinned(&orig, Some("assertion failed"), None).unwrap();
        assert_eq!(sig.exit_code, Some(1));
        assert!(sig.matches(&orig));
        assert!(!sig.matches(&Outcome::Exit {
            code: 1,
            stderr_tail: "something else".into()
        }));
    }

    #[test]
    fn regex_pinned_errors() {
        let orig = error("bad thing");
        let err = Signature::pinned(&orig, Some("(unclosed"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid --expect regex"), "{err}");
        assert!(!err.contains('\n'), "{err}");
        let err = Signature::pinned(&orig, Some("good thing"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not match"), "{err}");
        assert!(err.contains("error: bad thing"), "{err}");
        let err = Signature::pinned(&Outcome::Signal { signal: 11 }, Some("x"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("SIGSEGV"), "{err}");
        assert!(Signature::pinned(&Outcome::Ok, Some("x"), None).is_err());
    }

    #[test]
    fn kind_pinned() {
        let orig = panic("boom 1", "a.rs:1");
        let sig = Signature::pinned(&orig, None, Some(Kind::Panic)).unwrap();
        assert!(sig.message.is_none() && sig.location.is_none());
        assert!(sig.matches(&panic("a completely different panic", "z.rs:99")));
        assert!(!sig.matches(&error("boom 1")));
        assert_eq!(sig.describe(), "panic (any message)");

        let err = Signature::pinned(&orig, None, Some(Kind::Signal))
            .unwrap_err()
            .to_string();
        assert!(err.contains("signal"), "{err}");
        assert!(err.contains("panic at a.rs:1: boom 1"), "{err}");
        assert!(!err.contains('\n'));

        let both = Signature::pinned(&orig, Some("^boom"), Some(Kind::Panic)).unwrap();
        assert!(both.matches(&panic("boom 2", "q.rs:3")));
        assert!(!both.matches(&panic("kaboom", "a.rs:1")));

        assert!(Signature::pinned(&orig, None, Some(Kind::Ok)).is_err());
    }

    #[test]
    fn no_pins_is_from_original() {
        let orig = panic("boom", "/x/registry/src/idx/c-1.0/src/a.rs:1:2");
        let sig = Signature::pinned(&orig, None, None).unwrap();
        assert_eq!(sig.location.as_deref(), Some("c-1.0/src/a.rs:1"));
        assert_eq!(sig.message.as_deref(), Some("boom"));
    }

    #[test]
    fn predicate_signature() {
        let sig = Signature::predicate_exit_zero();
        assert!(sig.matches(&Outcome::Exit {
            code: 0,
            stderr_tail: "anything".into()
        }));
        assert!(!sig.matches(&Outcome::Exit {
            code: 1,
            stderr_tail: String::new()
        }));
        assert!(!sig.matches(&Outcome::Ok));
        assert!(!sig.matches(&Outcome::Signal { signal: 9 }));
        assert_eq!(sig.describe(), "exit code 0");
    }

    #[test]
    fn describe_panic() {
        let sig = Signature::from_original(&panic(
            "internal error: entered unreachable code",
            "cranelift-codegen-0.135.8/src/isa/riscv64/inst/emit.rs:12:5",
        ))
        .unwrap();
        assert_eq!(
            sig.describe(),
            "panic \"internal error: entered unreachable code\" at cranelift-codegen-0.135.8/src/isa/riscv64/inst/emit.rs:12"
        );
    }

    #[test]
    fn regex_set_without_compiled_still_works() {
        let mut sig = Signature::from_original(&error("x 1")).unwrap();
        sig.regex = Some("^x".into());
        assert!(sig.matches(&error("x 99 y")));
        sig.regex = Some("(".into());
        assert!(!sig.matches(&error("x 99 y")));
    }

    #[test]
    fn roundtrips_through_json() {
        let sig = Signature::pinned(
            &Outcome::Error {
                message: "boom at offset 3".into(),
            },
            Some("boom"),
            None,
        )
        .unwrap();
        let back: Signature = serde_json::from_str(&serde_json::to_string(&sig).unwrap()).unwrap();
        assert!(back.matches(&Outcome::Error {
            message: "boom at offset 9".into()
        }));
        assert!(!back.matches(&Outcome::Ok));
    }

    #[test]
    fn serializes_without_compiled() {
        let sig = Signature::pinned(&error("abc"), Some("b"), None).unwrap();
        let json = serde_json::to_value(&sig).unwrap();
        assert_eq!(json["kind"], "error");
        assert_eq!(json["regex"], "b");
        assert!(json.get("compiled").is_none());
    }
}
