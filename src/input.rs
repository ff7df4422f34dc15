//! Reading the module to reduce: binary or text, from a file or from stdin
//! (`-`), with errors that name the file and say what is wrong in one line.

use anyhow::{bail, Context, Result};
use std::path::Path;
use whittle_module::Module;

/// The path that stands for standard input.
pub const STDIN: &str = "-";

/// Whether `path` is `-`, standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// How messages name `path`: `stdin` for `-`.
pub fn shown(path: &Path) -> String {
    if is_stdin(path) {
        "stdin".into()
    } else {
        path.display().to_string()
    }
}

/// Read `path` (or stdin for `-`) as a WebAssembly module (`.wasm` binary
/// or `.wat` text, told apart by the content).
pub fn read_module(path: &Path) -> Result<Module> {
    let shown = shown(path);
    let bytes = if is_stdin(path) {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
            .with_context(|| format!("{shown}: cannot read"))?;
        bytes
    } else {
        crate::deadline_read::read(path).with_context(|| format!("{shown}: cannot read"))?
    };
    let binary = if bytes.starts_with(b"\0asm") {
        bytes
    } else if looks_like_text(&bytes) {
        let text =
            String::from_utf8(bytes).with_context(|| format!("{shown}: text is not UTF-8"))?;
        match wat::parse_str(&text) {
            Ok(b) => b,
            Err(mut e) => {
                if !is_stdin(path) {
                    e.set_path(path);
                }
                let msg = e.to_string();
                let first = msg.lines().next().unwrap_or("").trim();
                let at = msg
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("--> "))
                    .map(|loc| format!(" (at {loc})"))
                    .unwrap_or_default();
                bail!("{shown}: invalid WebAssembly text: {first}{at}");
            }
        }
    } else {
        bail!("{shown}: not a WebAssembly module (no `\\0asm` magic, and not WAT text)");
    };
    Module::parse(binary).map_err(|e| anyhow::anyhow!("{shown}: malformed module: {e:#}"))
}

fn looks_like_text(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    matches!(bytes.get(start), Some(b'(') | Some(b';'))
}
