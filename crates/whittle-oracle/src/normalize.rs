//! Wasmtime's messages, made comparable across a reduction.
//!
//! Messages are compared after [`normalize_message`], which masks numbers
//! that are offsets, indices, sizes or addresses (they legitimately change as
//! the module shrinks) while keeping numbers that are part of words (`i32`,
//! `x86_64`), masks registers and drops function names. Panic locations are
//! compared after [`normalize_location`], which drops machine-specific path
//! prefixes and the column. [`failing_function`] reads the function index
//! Wasmtime names in a message.

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
}
