//! The protocol between the reducer and the built-in oracle's child: what
//! the parent asks for on the child's command line, and the one line the
//! child answers with.
//!
//! Both sides live here so that they cannot drift apart: the parent builds
//! a [`ChildRequest`] and turns it into arguments ([`ChildRequest::to_args`]),
//! the child parses the same type back (it is a `clap::Args`), and the
//! child's answer is an [`Outcome`] serialized as one JSON line with the
//! child's own peak memory added ([`ChildPeak`]). The work itself (compile,
//! instantiate, run with Wasmtime) is the `whittle` binary's, which links
//! Wasmtime.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::outcome::Outcome;
use crate::process::RunResult;

/// The hidden subcommand of `whittle` that makes one built-in check
/// (compile, instantiate, run, as the request's phase says).
pub const CHILD_COMMAND: &str = "__check";

/// Its name until 0.1.0, still accepted: refusals print the command of a
/// check for users to run by hand, and such a line may have been kept.
pub const OLD_CHILD_COMMAND: &str = "__compile";

/// How far the oracle goes with a candidate.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Compile,
    Instantiate,
    Run,
}

/// What imported functions do.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stubs {
    /// Return zeros (default values) of their result types.
    Zero,
    /// Trap when called.
    Trap,
}

/// One check the built-in child is asked to make: its command line.
#[derive(clap::Args, Clone, Debug, PartialEq, Eq)]
pub struct ChildRequest {
    #[arg(long, value_enum, default_value = "compile")]
    pub phase: Phase,
    /// The export to call with `--phase run` (none: `_start`).
    #[arg(long)]
    pub invoke: Option<String>,
    /// Arguments for `--invoke` (none: zeros).
    #[arg(long = "arg", allow_hyphen_values = true)]
    pub invoke_args: Vec<String>,
    /// With `--phase run`, the epoch deadline of the call.
    #[arg(long = "run-timeout-ms", default_value = "2000", value_parser = parse_millis)]
    pub run_timeout: Duration,
    #[arg(long, value_enum, default_value = "zero")]
    pub stubs: Stubs,
    /// The module is a recording copy: write its marks here after the run.
    #[arg(long)]
    pub coverage: Option<PathBuf>,
    /// Wasmtime flags (as `wasmtime` takes them), then, on the child's side,
    /// the module (the oracle appends the candidate's path).
    #[arg(last = true, num_args = 1..)]
    pub wasmtime_args: Vec<String>,
}

fn parse_millis(s: &str) -> Result<Duration, std::num::ParseIntError> {
    s.parse().map(Duration::from_millis)
}

impl ChildRequest {
    /// The arguments that ask a `whittle` executable for this check (the
    /// candidate's path is appended by the oracle).
    pub fn to_args(&self) -> Vec<OsString> {
        use clap::ValueEnum;
        let name = |v: Option<clap::builder::PossibleValue>| {
            v.map(|p| p.get_name().to_string()).unwrap_or_default()
        };
        let mut args = vec![
            CHILD_COMMAND.to_string(),
            "--phase".to_string(),
            name(self.phase.to_possible_value()),
            "--run-timeout-ms".to_string(),
            self.run_timeout.as_millis().to_string(),
            "--stubs".to_string(),
            name(self.stubs.to_possible_value()),
        ];
        if let Some(invoke) = &self.invoke {
            args.push("--invoke".to_string());
            args.push(invoke.clone());
        }
        for arg in &self.invoke_args {
            args.push(format!("--arg={arg}"));
        }
        if let Some(marks) = &self.coverage {
            args.push("--coverage".to_string());
            args.push(marks.display().to_string());
        }
        args.push("--".to_string());
        args.extend(self.wasmtime_args.iter().cloned());
        args.into_iter().map(OsString::from).collect()
    }

    /// On the child's side: the Wasmtime flags and the module's path.
    pub fn flags_and_module(&self) -> (&[String], PathBuf) {
        match self.wasmtime_args.split_last() {
            Some((module, flags)) => (flags, PathBuf::from(module)),
            None => (&[], PathBuf::new()),
        }
    }
}

/// The built-in child's own peak resident memory (`VmHWM` after the
/// check), a field of its outcome line: exact, where the reducer's view of
/// a child's peak is not (see [`crate::memory`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChildPeak {
    pub peak_rss_bytes: u64,
}

impl ChildPeak {
    /// The line the built-in child prints: `outcome` with the peak added.
    pub fn report(outcome: &Outcome, peak_rss_bytes: u64) -> String {
        let mut json = serde_json::to_value(outcome).expect("outcome serializes");
        json["peak_rss_bytes"] = peak_rss_bytes.into();
        json.to_string()
    }

    /// The peak in the last line of a built-in child's stdout that has one.
    pub fn find(result: &RunResult) -> Option<ChildPeak> {
        String::from_utf8_lossy(&result.stdout)
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str::<ChildPeak>(l.trim()).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(clap::Parser)]
    struct Child {
        #[command(flatten)]
        request: ChildRequest,
    }

    #[test]
    fn a_request_reads_back_as_itself() {
        let request = ChildRequest {
            phase: Phase::Run,
            invoke: Some("f".into()),
            invoke_args: vec!["-1".into(), "0x10".into()],
            run_timeout: Duration::from_millis(1500),
            stubs: Stubs::Trap,
            coverage: Some("/tmp/marks".into()),
            wasmtime_args: vec!["-C".into(), "compiler=winch".into()],
        };
        let mut args = request.to_args();
        assert_eq!(args[0], CHILD_COMMAND);
        args[0] = "child".into();
        args.push("m.wasm".into());
        let parsed = Child::try_parse_from(args).unwrap().request;
        let (flags, module) = parsed.flags_and_module();
        assert_eq!(flags, ["-C", "compiler=winch"]);
        assert_eq!(module, PathBuf::from("m.wasm"));
        let mut back = parsed.clone();
        back.wasmtime_args.pop();
        assert_eq!(back, request);
    }

    #[test]
    fn the_defaults_are_spelled_out() {
        let request = Child::try_parse_from(["child", "--", "m.wasm"])
            .unwrap()
            .request;
        let words: Vec<String> = request
            .to_args()
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            words.join(" "),
            "__check --phase compile --run-timeout-ms 2000 --stubs zero -- m.wasm"
        );
    }
}
