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
//! Messages are compared after [`normalize_message`], which masks numbers
//! that are offsets, indices, sizes or addresses (they legitimately change as
//! the module shrinks) while keeping numbers that are part of words (`i32`,
//! `x86_64`). Panic locations are compared after [`normalize_location`], which
//! drops machine-specific path prefixes and the column.

use crate::outcome::{signal_name, Kind, Outcome};

/// Normalize an error or panic message for comparison.
///
/// A run of decimal digits, or a `0x`-prefixed hex number, that is not
/// directly preceded by an ASCII letter, `_` or another digit becomes `N`
/// (`offset 45` → `offset N`, `func[12]` → `func[N]`, `0x1f` → `N`,
/// `-3` → `-N`; `i32`, `v128`, `x86_64`, `f64x2` stay). Runs of whitespace
/// (including newlines) collapse to one space, and the result is trimmed.
pub fn normalize_message(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut prev: Option<char> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let glued = prev.is_some_and(|p| p.is_ascii_alphanumeric() || p == '_');
        if c.is_ascii_digit() && !glued {
            let mut j = i + 1;
            let is_hex = c == '0'
                && chars.get(j).is_some_and(|&x| x == 'x' || x == 'X')
                && chars.get(j + 1).is_some_and(|x| x.is_ascii_hexdigit());
            if is_hex {
                j += 2;
                while chars.get(j).is_some_and(|x| x.is_ascii_hexdigit()) {
                    j += 1;
                }
            } else {
                while chars.get(j).is_some_and(|x| x.is_ascii_digit()) {
                    j += 1;
                }
            }
            out.push('N');
            prev = Some(chars[j - 1]);
            i = j;
            continue;
        }
        out.push(c);
        prev = Some(c);
        i += 1;
    }
    let words: Vec<String> = out.split_whitespace().map(mask_register).collect();
    drop_function_names(&words.join(" "))
}

/// Registers in Cranelift's disassembly (`vpbroadcastd (%rcx), %xmm0`) are
/// allocation choices, not part of the bug: `%name` becomes `%R`.
fn mask_register(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' && chars.peek().is_some_and(|n| n.is_ascii_alphabetic()) {
            while chars.peek().is_some_and(|n| n.is_ascii_alphanumeric()) {
                chars.next();
            }
            out.push('R');
        }
    }
    out
}

/// Wasmtime names the failing function as `wasm[0]::function[12]::name:`,
/// the name coming from the name section. A reduction renumbers functions
/// and may drop names, so after masking numbers the name is dropped too:
/// `wasm[N]::function[N]::parse_header: ...` -> `wasm[N]::function[N]: ...`.
fn drop_function_names(s: &str) -> String {
    const MARK: &str = "::function[N]::";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(MARK) {
        out.push_str(&rest[..i + MARK.len() - 2]);
        let after = &rest[i + MARK.len()..];
        let end = after.find(": ").unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The function Wasmtime names as failing (`wasm[0]::function[12]` in the
/// message: function index 12), if any.
pub fn failing_function(message: &str) -> Option<u32> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE
        .get_or_init(|| regex::Regex::new(r"wasm\[\d+\]::function\[(\d+)\]").expect("valid regex"));
    re.captures(message)?.get(1)?.as_str().parse().ok()
}

/// Normalize a panic location (`file:line` or `file:line:col`).
///
/// Drops everything up to and including `registry/src/<one dir>/` (the cargo
/// registry checkout, so `/root/.cargo/registry/src/index.crates.io-…/cranelift-codegen-0.135.8/src/x.rs:12`
/// becomes `cranelift-codegen-0.135.8/src/x.rs:12`), likewise
/// `git/checkouts/<repo>/<rev>/`, turns `/rustc/<hash>/library/…` into
/// `rustc/library/…`, keeps relative paths as they are and drops a trailing
/// `:column`.
pub fn normalize_location(loc: &str) -> String {
    let s = strip_column(loc.trim());
    if let Some(idx) = s.find("registry/src/") {
        let rest = &s[idx + "registry/src/".len()..];
        if let Some((_, tail)) = rest.split_once('/') {
            return tail.to_string();
        }
    }
    if let Some(idx) = s.find("git/checkouts/") {
        let rest = &s[idx + "git/checkouts/".len()..];
        if let Some((_, after_repo)) = rest.split_once('/') {
            if let Some((_, tail)) = after_repo.split_once('/') {
                return tail.to_string();
            }
        }
    }
    if let Some(rest) = s.strip_prefix("/rustc/") {
        if let Some((_, tail)) = rest.split_once('/') {
            return format!("rustc/{tail}");
        }
    }
    s.to_string()
}

/// `file:line:col` → `file:line`; anything else unchanged.
fn strip_column(s: &str) -> &str {
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if let Some((head, col)) = s.rsplit_once(':') {
        if all_digits(col) {
            if let Some((_, line)) = head.rsplit_once(':') {
                if all_digits(line) {
                    return head;
                }
            }
        }
    }
    s
}

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
        if kind == Some(Kind::Ok) {
            anyhow::bail!("--expect-kind ok cannot be preserved: reduction needs a failure");
        }
        if actual == Kind::Ok {
            anyhow::bail!("the original does not fail (it compiles successfully)");
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

    #[test]
    fn finds_the_function_wasmtime_names() {
        assert_eq!(
            failing_function("failed to compile: wasm[0]::function[12]::f: bad"),
            Some(12)
        );
        assert_eq!(failing_function("wasm[1]::function[3]"), Some(3));
        assert_eq!(failing_function("function 3 failed"), None);
    }

    #[test]
    fn masks_registers_in_disassembly() {
        assert_eq!(
            normalize_message("Cannot emit inst 'vpbroadcastd (%rcx), %xmm0' for target"),
            "Cannot emit inst 'vpbroadcastd (%R), %R' for target"
        );
    }

    #[test]
    fn drops_wasmtime_function_names() {
        assert_eq!(
            normalize_message("failed to compile: wasm[0]::function[12]::parse_header: WebAssembly translation error"),
            "failed to compile: wasm[N]::function[N]: WebAssembly translation error"
        );
        assert_eq!(
            normalize_message("failed to compile: wasm[0]::function[3]: boom"),
            "failed to compile: wasm[N]::function[N]: boom"
        );
    }

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
    fn normalize_masks_numbers() {
        assert_eq!(normalize_message("offset 45"), "offset N");
        assert_eq!(normalize_message("0x1f"), "N");
        assert_eq!(normalize_message("at 0xDEADbeef!"), "at N!");
        assert_eq!(normalize_message("func[12]"), "func[N]");
        assert_eq!(normalize_message("-3"), "-N");
        assert_eq!(normalize_message("size 1024, align 8"), "size N, align N");
        assert_eq!(
            normalize_message("wasm[0]::function[137] at 0x2a3"),
            "wasm[N]::function[N] at N"
        );
        assert_eq!(normalize_message("0x"), "Nx");
        assert_eq!(normalize_message("x0x10"), "x0x10");
    }

    #[test]
    fn normalize_keeps_words() {
        for w in [
            "i32",
            "v128",
            "x86_64",
            "riscv64gc",
            "f64x2",
            "i8x16.shuffle",
            "v12 = iadd v3, v4",
        ] {
            assert_eq!(normalize_message(w), w);
        }
        assert_eq!(
            normalize_message("type mismatch: expected i64, found f32 at offset 17"),
            "type mismatch: expected i64, found f32 at offset N"
        );
    }

    #[test]
    fn normalize_collapses_whitespace() {
        assert_eq!(normalize_message("  a \n\t b  c\n"), "a b c");
        assert_eq!(normalize_message(""), "");
    }

    #[test]
    fn location_normalization() {
        assert_eq!(
            normalize_location(
                "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cranelift-codegen-0.135.8/src/isa/x.rs:12"
            ),
            "cranelift-codegen-0.135.8/src/isa/x.rs:12"
        );
        assert_eq!(
            normalize_location(
                "/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cranelift-codegen-0.135.8/src/isa/x.rs:12:34"
            ),
            "cranelift-codegen-0.135.8/src/isa/x.rs:12"
        );
        assert_eq!(
            normalize_location("/rustc/0123456789abcdef/library/core/src/option.rs:2012:5"),
            "rustc/library/core/src/option.rs:2012"
        );
        assert_eq!(normalize_location("src/main.rs:10:5"), "src/main.rs:10");
        assert_eq!(normalize_location("src/main.rs:10"), "src/main.rs:10");
        assert_eq!(
            normalize_location(
                "/root/.cargo/git/checkouts/wasmtime-41807828cb3a7a7e/abc1234/cranelift/codegen/src/a.rs:7:1"
            ),
            "cranelift/codegen/src/a.rs:7"
        );
        // Idempotent.
        let once = normalize_location(
            "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/a-1.0.0/src/lib.rs:1:2",
        );
        assert_eq!(normalize_location(&once), once);
    }

    #[test]
    fn from_original_ok_is_err() {
        let err = Signature::from_original(&Outcome::Ok).unwrap_err();
        assert!(err.to_string().contains("does not fail"), "{err}");
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
