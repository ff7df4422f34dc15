//! What `whittle --version` and every report say about the build: whittle's
//! version, the Wasmtime it embeds, and whether that Wasmtime has its debug
//! assertions compiled in — a `cargo run` build has them and a release
//! build does not, and the two can disagree on a module (an assertion that
//! fires in one is silently skipped in the other).
//!
//! How the binary knows: Cargo gives every crate of a build the profile's
//! `debug-assertions` setting unless a `[profile.*.package.*]` section
//! overrides it, and Cargo.toml overrides only `opt-level` and `debug` for
//! the dependencies (a test below keeps it so). So the wasmtime crates have
//! debug assertions exactly when this crate does: `cfg!(debug_assertions)`.

/// The `wasmtime` crate version the built-in oracle compiles with (the
/// `=` pin in Cargo.toml; a test checks they agree).
macro_rules! wasmtime_version {
    () => {
        "48.0.8"
    };
}

pub const WASMTIME: &str = wasmtime_version!();

/// Whether the embedded Wasmtime checks its debug assertions.
pub const WASMTIME_DEBUG_ASSERTIONS: bool = cfg!(debug_assertions);

/// `--version`: `whittle 0.1.0 (wasmtime 48.0.8, debug assertions off)`.
pub const LINE: &str = if WASMTIME_DEBUG_ASSERTIONS {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " (wasmtime ",
        wasmtime_version!(),
        ", debug assertions on)"
    )
} else {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " (wasmtime ",
        wasmtime_version!(),
        ", debug assertions off)"
    )
};

/// The first line of `PATH --version` for a `--wasmtime PATH` build, or
/// why there is none.
pub fn of_cli(path: &std::path::Path) -> String {
    match std::process::Command::new(path).arg("--version").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string(),
        _ => format!("{}: no version (`--version` failed)", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_toml_pins_this_wasmtime_and_keeps_debug_assertions_uniform() {
        let manifest = include_str!("../Cargo.toml");
        assert!(
            manifest.contains(&format!("wasmtime = {{ version = \"={WASMTIME}\"")),
            "Cargo.toml pins another wasmtime than {WASMTIME}"
        );
        // A per-package `debug-assertions` would make the wasmtime crates
        // differ from this one, and cfg!(debug_assertions) would lie.
        assert!(
            !manifest.contains("debug-assertions"),
            "Cargo.toml sets debug-assertions: update version.rs"
        );
    }
}
