//! The report's `Reproduce:` line: commands that show the reduced module's
//! failure to someone without whittle, and what they will see.
//!
//! Whenever the stock `wasmtime` CLI can show the failure, the commands use
//! it: `wasmtime compile` for a compile failure, `wasmtime run` with
//! unknown imports stubbed as whittle stubs them for instantiation, `--invoke
//! NAME` with the same arguments (zeros unless given) for a run,
//! `/usr/bin/time` for a resource bound, two commands for a differential
//! and `timeout` for a hang. When it cannot (the module imports WASI, which
//! `wasmtime run` links for real; a parameter without a command-line form;
//! `--memory-limit`; results that differ only in NaN bits, which the CLI
//! prints alike), the command is `whittle check` with the same options. A
//! predicate, or a `--wasmtime PATH` build, is shown as it was run.
//!
//! A resource bound is the one case where the stock CLI shows *something*
//! but not reliably *the* failure: the reduced module sits just above the
//! bound as whittle's own check measures it, and the CLI's footprint and
//! speed are another baseline (its peak RSS for the corpus' memory case is
//! a few MiB lower). So `whittle check` reproduces it, and the
//! `/usr/bin/time wasmtime ...` command comes along for comparison.

use crate::oracle_opts::OracleOpts;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use whittle_module::Module;
use whittle_oracle::{shell_quote, Criterion, Outcome, Phase, Stubs};

/// What the commands show when the failure is there (machine-readable: a
/// test runs every corpus case's commands and checks this).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "shows", rename_all = "kebab-case")]
pub enum Expect {
    /// The command exits non-zero with this text on stderr.
    Fails { stderr_contains: String },
    /// The command is killed by this signal.
    Killed { signal: i32 },
    /// The command exits 0 (a predicate, `whittle check`).
    ExitsZero,
    /// The two commands print different results (or one traps).
    Differ,
    /// `/usr/bin/time` reports a peak RSS above this many KiB.
    PeakRssAbove { kib: u64 },
    /// `/usr/bin/time` reports more than this many seconds.
    SlowerThan { seconds: f64 },
    /// `timeout` stops the command after this many seconds (exit 124).
    TimesOut { seconds: u64 },
}

impl Expect {
    pub fn describe(&self) -> String {
        match self {
            Expect::Fails { stderr_contains } => {
                format!("fails with `{stderr_contains}` on stderr")
            }
            Expect::Killed { signal } => format!(
                "is killed by signal {signal} ({})",
                whittle_oracle::signal_name(*signal)
            ),
            Expect::ExitsZero => "exits 0".to_string(),
            Expect::Differ => "the two print different results".to_string(),
            Expect::PeakRssAbove { kib } => format!("peak RSS above {kib} KiB"),
            Expect::SlowerThan { seconds } => format!("takes more than {seconds:.2} s"),
            Expect::TimesOut { seconds } => {
                format!("still runs after {seconds} s (`timeout` exits 124)")
            }
        }
    }
}

/// Commands (one per line in the JSON report) and what they show.
#[derive(Clone, Debug, PartialEq)]
pub struct Reproduction {
    pub commands: Vec<String>,
    pub expect: Expect,
    /// For a resource bound: the stock CLI under `/usr/bin/time`, to
    /// compare with (no promise about its figure).
    pub stock_cli: Option<String>,
}

/// The reduced module and how it was judged: everything its `Reproduce:`
/// commands (and its `.wast`, [`crate::wast`]) depend on.
pub struct Reduced<'a> {
    pub opts: &'a OracleOpts,
    pub criterion: &'a Criterion,
    /// The reduced module's outcome (first configuration for a differential).
    pub outcome: &'a Outcome,
    pub module: &'a Module,
    /// The reduced module's path as the user will type it.
    pub file: &'a str,
}

fn words(words: &[String]) -> String {
    words
        .iter()
        .map(|w| shell_quote(std::ffi::OsStr::new(w)))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Reduced<'_> {
    pub fn reproduction(&self) -> Reproduction {
        let opts = self.opts;
        if opts.predicate.is_some() || !opts.wasmtime.is_empty() {
            return self.as_run();
        }
        if self.criterion.is_resource_bound() {
            return Reproduction {
                stock_cli: self.wasmtime_command(opts).map(|c| format!("{TIME} {c}")),
                ..self.whittle_check()
            };
        }
        self.with_stock_cli()
            .unwrap_or_else(|| self.whittle_check())
    }

    /// The predicate, or the `--wasmtime` build(s), as whittle ran them.
    fn as_run(&self) -> Reproduction {
        let builds: Vec<OracleOpts> = if self.opts.wasmtime.len() == 2 {
            self.opts
                .wasmtime
                .iter()
                .map(|w| OracleOpts {
                    wasmtime: vec![w.clone()],
                    ..self.opts.clone()
                })
                .collect()
        } else {
            vec![self.opts.clone()]
        };
        let commands: Vec<String> = builds
            .iter()
            .filter_map(|o| o.oracle(Duration::from_secs(1)).ok())
            .map(|oracle| oracle.command_line(self.file))
            .collect();
        let expect = if self.opts.predicate.is_some() {
            Expect::ExitsZero
        } else if commands.len() == 2 {
            Expect::Differ
        } else {
            self.expect_failure(self.outcome)
                .unwrap_or(Expect::ExitsZero)
        };
        self.timed(commands, expect)
    }

    /// Commands for the stock `wasmtime` CLI, if it can show this failure.
    fn with_stock_cli(&self) -> Option<Reproduction> {
        let opts = self.opts;
        if opts.memory_limit.is_some() {
            return None; // the CLI has no RSS cap
        }
        if let Some(configs) = &opts.differential {
            if returns_nan(self.outcome) {
                return None; // `wasmtime run` prints every NaN as `NaN`
            }
            let commands = configs
                .iter()
                .map(|flags| {
                    let config = opts.with_flags(flags).ok()?;
                    self.wasmtime_command(&config)
                })
                .collect::<Option<Vec<String>>>()?;
            return Some(Reproduction {
                commands,
                expect: Expect::Differ,
                stock_cli: None,
            });
        }
        let command = self.wasmtime_command(opts)?;
        let expect = self.expect_failure(self.outcome)?;
        if matches!(self.outcome, Outcome::Timeout) && opts.phase == Phase::Compile {
            // A compile that hangs: `timeout` ends it and says so.
            let seconds = opts.timeout.map_or(60, |t| t.as_secs().max(1));
            return Some(Reproduction {
                commands: vec![format!("timeout {seconds} {command}")],
                expect: Expect::TimesOut { seconds },
                stock_cli: None,
            });
        }
        Some(Reproduction {
            commands: vec![command],
            expect,
            stock_cli: None,
        })
    }

    /// A resource criterion with `--wasmtime PATH`: the commands under
    /// `/usr/bin/time` (that build is the measure the reduction used).
    fn timed(&self, commands: Vec<String>, expect: Expect) -> Reproduction {
        let expect = match self.criterion {
            Criterion::PeakRssAbove { bytes } => Expect::PeakRssAbove { kib: bytes / 1024 },
            Criterion::CompileTimeAbove { seconds } => Expect::SlowerThan { seconds: *seconds },
            _ => {
                return Reproduction {
                    commands,
                    expect,
                    stock_cli: None,
                }
            }
        };
        Reproduction {
            commands: commands.iter().map(|c| format!("{TIME} {c}")).collect(),
            expect,
            stock_cli: None,
        }
    }

    /// `wasmtime compile|run ...` checking the module as `opts` ask, if the
    /// stock CLI can.
    fn wasmtime_command(&self, opts: &OracleOpts) -> Option<String> {
        let mut w = vec!["wasmtime".to_string()];
        if opts.phase == Phase::Compile {
            w.push("compile".into());
            w.extend(opts.flags.to_args());
            w.push(self.file.to_string());
            return Some(words(&w));
        }
        if self
            .module
            .imports
            .iter()
            .any(|i| i.module.starts_with("wasi"))
        {
            return None; // `wasmtime run` would link real WASI functions
        }
        w.push("run".into());
        w.extend(opts.flags.to_args());
        if !self.module.imports.is_empty() {
            w.push("-W".into());
            w.push(match opts.import_stubs {
                Stubs::Zero => "unknown-imports-default=y".into(),
                // Functions trap; memories, tables, globals get defaults.
                Stubs::Trap => "unknown-imports-trap=y,unknown-imports-default=y".into(),
            });
        }
        let fuel = opts.flags.wasm.iter().any(|w| w.contains("fuel="));
        if matches!(self.outcome, Outcome::Timeout) && !fuel {
            w.push("-W".into());
            w.push(format!("timeout={}ms", opts.run_timeout.as_millis()));
        }
        if opts.phase == Phase::Run {
            let name = opts.invoke_name().unwrap_or("_start");
            w.push("--invoke".into());
            w.push(name.to_string());
            w.push(self.file.to_string());
            w.extend(self.invoke_args(opts, name)?);
        } else {
            w.push(self.file.to_string());
        }
        Some(words(&w))
    }

    /// The arguments given, or a zero of each parameter's type.
    fn invoke_args(&self, opts: &OracleOpts, name: &str) -> Option<Vec<String>> {
        if !opts.invoke_args().is_empty() {
            return Some(opts.invoke_args().to_vec());
        }
        let params = crate::invoke::export_params(self.module, name)?;
        params
            .iter()
            .map(|p| crate::invoke::ArgType::of(p).map(|_| "0".to_string()))
            .collect()
    }

    /// What the stock CLI prints for this outcome.
    fn expect_failure(&self, outcome: &Outcome) -> Option<Expect> {
        Some(match outcome {
            Outcome::Error { message } | Outcome::Trap { message, .. } => Expect::Fails {
                stderr_contains: innermost(message),
            },
            Outcome::Panic { message, .. } => Expect::Fails {
                stderr_contains: message.lines().next().unwrap_or("").trim().to_string(),
            },
            Outcome::Signal { signal } => Expect::Killed { signal: *signal },
            Outcome::Timeout if self.opts.flags.wasm.iter().any(|w| w.contains("fuel=")) => {
                Expect::Fails {
                    stderr_contains: "all fuel consumed".into(),
                }
            }
            Outcome::Timeout => Expect::Fails {
                stderr_contains: "wasm trap: interrupt".into(),
            },
            _ => return None,
        })
    }

    /// `whittle check` with the options of the reduction.
    fn whittle_check(&self) -> Reproduction {
        let mut w = vec!["whittle".to_string(), "check".into(), self.file.to_string()];
        w.extend(self.opts.to_args());
        Reproduction {
            commands: vec![words(&w)],
            expect: Expect::ExitsZero,
            stock_cli: None,
        }
    }
}

/// `/usr/bin/time` printing peak RSS and seconds on one line.
const TIME: &str = "/usr/bin/time -f '%M KiB peak RSS, %e s'";

/// Whether a run returned a NaN (`f32:0x7fc00000`, `f64:0x7ff8...`).
fn returns_nan(outcome: &Outcome) -> bool {
    let Outcome::Returned { values } = outcome else {
        return false;
    };
    values.iter().any(|v| {
        let bits = |hex: &str| u64::from_str_radix(hex.trim_start_matches("0x"), 16).ok();
        match v.split_once(':') {
            Some(("f32", hex)) => bits(hex).is_some_and(|b| f32::from_bits(b as u32).is_nan()),
            Some(("f64", hex)) => bits(hex).is_some_and(|b| f64::from_bits(b).is_nan()),
            _ => false,
        }
    })
}

/// The innermost cause of an error chain joined with `": "` (what the CLI
/// prints on the last line of its `Caused by:` list).
pub fn innermost(message: &str) -> String {
    let last_line = message.trim().lines().last().unwrap_or("");
    last_line
        .rsplit(": ")
        .next()
        .unwrap_or(last_line)
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(args: &[&str]) -> OracleOpts {
        #[derive(clap::Parser)]
        struct Args {
            #[command(flatten)]
            oracle: OracleOpts,
        }
        use clap::Parser;
        Args::parse_from(std::iter::once("whittle").chain(args.iter().copied())).oracle
    }

    fn reproduce(args: &[&str], wat: &str, outcome: Outcome) -> Reproduction {
        let module = Module::parse(wat::parse_str(wat).unwrap()).unwrap();
        let criterion = Criterion::Failure {
            signature: whittle_oracle::Signature::from_original(&outcome).unwrap(),
        };
        Reduced {
            opts: &opts(args),
            criterion: &criterion,
            outcome: &outcome,
            module: &module,
            file: "min.wasm",
        }
        .reproduction()
    }

    fn trap() -> Outcome {
        Outcome::Trap {
            code: "UnreachableCodeReached".into(),
            message: "wasm trap: wasm `unreachable` instruction executed".into(),
        }
    }

    #[test]
    fn runs_pass_zeros_and_stub_imports_as_whittle_did() {
        let wat = r#"(module (import "env" "g" (global i32))
                       (func (export "f") (param i32 f64) unreachable))"#;
        let r = reproduce(&["--phase", "run", "--invoke", "f"], wat, trap());
        assert_eq!(
            r.commands,
            ["wasmtime run -W unknown-imports-default=y --invoke f min.wasm 0 0"]
        );
        assert_eq!(
            r.expect,
            Expect::Fails {
                stderr_contains: "wasm `unreachable` instruction executed".into()
            }
        );
        let r = reproduce(
            &[
                "--phase",
                "run",
                "--import-stubs",
                "trap",
                "--invoke",
                "f",
                "7",
                "-1.5",
            ],
            wat,
            trap(),
        );
        assert_eq!(
            r.commands,
            ["wasmtime run -W unknown-imports-trap=y,unknown-imports-default=y --invoke f min.wasm 7 -1.5"]
        );
    }

    #[test]
    fn without_a_stock_cli_form_it_is_whittle_check() {
        // WASI imports are linked for real by `wasmtime run`.
        let wasi = r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                        (func (export "f") unreachable))"#;
        let r = reproduce(&["--phase", "run", "--invoke", "f"], wasi, trap());
        assert_eq!(
            r.commands,
            ["whittle check min.wasm --phase run --invoke f"]
        );
        assert_eq!(r.expect, Expect::ExitsZero);
        // A v128 parameter has no command-line form.
        let v128 = r#"(module (func (export "f") (param v128) unreachable))"#;
        let r = reproduce(&["--phase", "run", "--invoke", "f"], v128, trap());
        assert_eq!(
            r.commands,
            ["whittle check min.wasm --phase run --invoke f"]
        );
        // The CLI cannot cap memory.
        let r = reproduce(
            &["--memory-limit", "1G", "-W", "simd=n,relaxed-simd=n"],
            "(module)",
            Outcome::OutOfMemory,
        );
        assert_eq!(
            r.commands,
            ["whittle check min.wasm -W simd=n,relaxed-simd=n --memory-limit 1073741824"]
        );
    }

    #[test]
    fn hangs_and_crashes() {
        let r = reproduce(&["--timeout", "30s"], "(module)", Outcome::Timeout);
        assert_eq!(r.commands, ["timeout 30 wasmtime compile min.wasm"]);
        assert_eq!(r.expect, Expect::TimesOut { seconds: 30 });
        let looping = r#"(module (func (export "f") loop br 0 end))"#;
        let r = reproduce(
            &["--phase", "run", "--invoke", "f"],
            looping,
            Outcome::Timeout,
        );
        assert_eq!(
            r.commands,
            ["wasmtime run -W timeout=2000ms --invoke f min.wasm"]
        );
        let r = reproduce(&[], "(module)", Outcome::Signal { signal: 11 });
        assert_eq!(r.commands, ["wasmtime compile min.wasm"]);
        assert_eq!(r.expect, Expect::Killed { signal: 11 });
    }

    #[test]
    fn nan_results_are_told_apart() {
        let returned = |v: &str| Outcome::Returned {
            values: vec!["i32:1".into(), v.into()],
        };
        assert!(returns_nan(&returned("f32:0x7fc00000")));
        assert!(returns_nan(&returned("f64:0xfff8000000000001")));
        assert!(!returns_nan(&returned("f32:0x3f800000")));
        assert!(!returns_nan(&returned("f64:0x0000000000000000")));
        assert!(!returns_nan(&Outcome::Ok));
    }

    #[test]
    fn the_innermost_cause_is_the_last_segment() {
        assert_eq!(
            innermost("failed to compile: wasm[0]::function[0]: WebAssembly translation error: Invalid input WebAssembly code at offset 30: SIMD support is not enabled"),
            "SIMD support is not enabled"
        );
        assert_eq!(
            innermost("wasm trap: out of bounds memory access"),
            "out of bounds memory access"
        );
        assert_eq!(innermost("plain"), "plain");
    }
}
