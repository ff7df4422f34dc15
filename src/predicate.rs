//! Finding the program of `--predicate CMD` before any run, so that a typo
//! or a missing `chmod +x` is one clear error instead of every candidate
//! "not interesting".
//!
//! A shell looks a bare word (`pred.sh`) up on `PATH` only, and so does
//! `exec`; users coming from creduce-style tools often write the script's
//! name alone. When no command of that name is on `PATH` but a file of that
//! name is here, that file is meant: it runs as `./pred.sh`.

use anyhow::{bail, Result};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The program word to run for the predicate's first word `word`.
pub fn resolve(word: &str) -> Result<String> {
    if word.contains('/') {
        check_runnable(word)?;
        return Ok(word.to_string());
    }
    if on_path(word) {
        return Ok(word.to_string());
    }
    if Path::new(word).is_file() {
        let here = format!("./{word}");
        check_runnable(&here)?;
        return Ok(here);
    }
    bail!("--predicate: `{word}`: command not found (not on PATH, and no such file here)")
}

fn check_runnable(path: &str) -> Result<()> {
    match std::fs::metadata(path) {
        Err(_) => bail!("--predicate: {path}: no such file"),
        Ok(m) if m.is_dir() => bail!("--predicate: {path} is a directory"),
        Ok(m) if m.permissions().mode() & 0o111 == 0 => bail!(
            "--predicate: {path} is not executable (`chmod +x {path}`, or name its interpreter: --predicate 'sh {path}')"
        ),
        Ok(_) => Ok(()),
    }
}

/// Whether an executable file named `word` is in a `PATH` directory.
fn on_path(word: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(word))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}
