//! Options that choose and bound the oracle, shared by `check` and `reduce`.

use crate::flags::WasmtimeFlags;
use crate::units::{parse_duration, parse_size};
use anyhow::{bail, Context, Result};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;
use whittle_oracle::{split_command, Kind, Oracle, OracleKind, RunLimits};

/// The hidden subcommand the built-in oracle re-executes.
pub const CHILD_COMMAND: &str = "__compile";

#[derive(clap::Args, Clone, Debug)]
pub struct OracleOpts {
    #[command(flatten)]
    pub flags: WasmtimeFlags,

    /// Use this `wasmtime` CLI build (`wasmtime compile`) instead of the
    /// built-in Wasmtime 48.0.8, e.g. a debug build of main.
    #[arg(long, value_name = "PATH", conflicts_with = "predicate")]
    pub wasmtime: Option<PathBuf>,

    /// Use any command as the oracle: it gets the candidate path as its last
    /// argument and exit code 0 means "still interesting".
    #[arg(long, value_name = "CMD")]
    pub predicate: Option<String>,

    /// Only a failure whose message matches this regex counts.
    #[arg(long, value_name = "REGEX")]
    pub expect: Option<String>,

    /// Only a failure of this kind counts: error, panic, signal, exit,
    /// timeout, out-of-memory.
    #[arg(long, value_name = "KIND")]
    pub expect_kind: Option<Kind>,

    /// Kill a candidate's check after this long (default: 10x the
    /// original's time + 2 s; 60 s for the original itself).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// Kill a check whose resident memory exceeds this (e.g. 4G); it then
    /// counts as out-of-memory.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<u64>,
}

impl OracleOpts {
    /// The oracle these options describe, running under `timeout`.
    pub fn oracle(&self, timeout: Duration) -> Result<Oracle> {
        let flags: Vec<OsString> = self
            .flags
            .to_args()
            .into_iter()
            .map(OsString::from)
            .collect();
        let kind = if let Some(cmd) = &self.predicate {
            if !self.flags.to_args().is_empty() {
                bail!("wasmtime flags (-C/-W/-O/-D/--target) do not apply to --predicate; put them in the predicate command");
            }
            let argv = split_command(cmd).context("--predicate")?;
            if argv.is_empty() {
                bail!("--predicate: empty command");
            }
            OracleKind::Predicate {
                argv: argv.into_iter().map(OsString::from).collect(),
            }
        } else if let Some(path) = &self.wasmtime {
            if !path.exists() {
                bail!("--wasmtime {}: no such file", path.display());
            }
            OracleKind::WasmtimeCli {
                wasmtime: path.clone(),
                args: flags,
            }
        } else {
            self.flags.validate()?;
            let exe = std::env::current_exe().context("cannot find the whittle executable")?;
            let mut args = vec![OsString::from(CHILD_COMMAND)];
            args.extend(flags);
            OracleKind::Builtin { exe, args }
        };
        Ok(Oracle::new(
            kind,
            RunLimits {
                timeout,
                memory_limit: self.memory_limit,
                ..RunLimits::default()
            },
        ))
    }

    /// The oracle for candidate checks when `jobs` run at once: then
    /// Wasmtime's own parallel compilation is turned off, so that checks
    /// do not fight over the cores.
    pub fn oracle_for_jobs(&self, timeout: Duration, jobs: usize) -> Result<Oracle> {
        let mut oracle = self.oracle(timeout)?;
        if jobs > 1 {
            match &mut oracle.kind {
                OracleKind::Builtin { args, .. } | OracleKind::WasmtimeCli { args, .. } => {
                    args.push("-C".into());
                    args.push("parallel-compilation=n".into());
                }
                OracleKind::Predicate { .. } => {}
            }
        }
        Ok(oracle)
    }

    /// A short name of the oracle for reports.
    pub fn oracle_name(&self) -> String {
        if let Some(p) = &self.predicate {
            format!("predicate `{p}`")
        } else if let Some(w) = &self.wasmtime {
            format!("wasmtime CLI {}", w.display())
        } else {
            format!("built-in wasmtime {}", crate::WASMTIME_VERSION)
        }
    }
}
