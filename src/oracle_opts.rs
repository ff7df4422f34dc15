//! Options that choose and bound the oracle, shared by `check` and `reduce`:
//! the flags mapped to `whittle_oracle`'s types (the oracle, the child
//! request, the expectation, the judge), which decide everything else.

use crate::flags::WasmtimeFlags;
use crate::units::{parse_duration, parse_size};
use anyhow::{bail, Context, Result};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;
use whittle_oracle::{
    split_command, ChildRequest, Criterion, Established, Expectation, Judge, Kind, Oracle,
    OracleKind, Phase, RunLimits, Stubs, ORIGINAL_TIMEOUT,
};

/// Candidates smaller than this are compiled without Wasmtime's parallel
/// compilation at `-j 1` (`Oracle::sequential_below_bytes`), and so is the
/// original's first run.
pub(crate) const SEQUENTIAL_BELOW_BYTES: usize = 1 << 20;

#[derive(clap::Args, Clone, Debug)]
pub struct OracleOpts {
    #[command(flatten)]
    pub flags: WasmtimeFlags,

    /// Use this `wasmtime` CLI build (`wasmtime compile`, or `wasmtime run`
    /// with `--phase run`) instead of the built-in Wasmtime 48.0.8, e.g. a
    /// debug build of main. Given twice (with `--phase run`): interesting
    /// iff the two builds disagree on the run.
    #[arg(long, value_name = "PATH", conflicts_with = "predicate", num_args = 1, action = clap::ArgAction::Append)]
    pub wasmtime: Vec<PathBuf>,

    /// Use any command as the oracle: it gets the candidate path as its last
    /// argument and exit code 0 means "still interesting".
    #[arg(long, value_name = "CMD")]
    pub predicate: Option<String>,

    /// Only a failure whose message matches this regex counts.
    #[arg(long, value_name = "REGEX")]
    pub expect: Option<String>,

    /// Only a failure of this kind counts: error, panic, signal, exit,
    /// timeout, out-of-memory, trap.
    #[arg(long, value_name = "KIND")]
    pub expect_kind: Option<Kind>,

    /// Kill a candidate's check after this long (default: 10x the
    /// original's time + 2 s; 60 s for the original itself).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// How far each check goes: compile; instantiate (imports stubbed, under
    /// the -W max-memory-size/... limits); or run `--invoke` too.
    #[arg(long, value_enum, default_value = "compile")]
    pub phase: Phase,

    /// The export to call with `--phase run` [default: `_start`], and its
    /// arguments as `wasmtime run --invoke` takes them (decimal or 0x hex
    /// integers, decimal floats); without them every parameter gets zero.
    /// Write the module before it: the words after NAME are arguments.
    #[arg(long, value_name = "NAME [ARGS]", num_args = 1.., allow_negative_numbers = true)]
    pub invoke: Vec<String>,

    /// With `--phase run`, stop execution after this long (an epoch
    /// deadline; `-W fuel=N` uses fuel instead): it counts as a timeout.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "2s")]
    pub run_timeout: Duration,

    /// What stubbed imported functions do when called.
    #[arg(long, value_enum, default_value = "zero")]
    pub import_stubs: Stubs,

    /// Interesting iff a check's peak resident memory is above this (e.g.
    /// 1G): reduce a memory blow-up instead of a failure.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, conflicts_with_all = ["compile_time_above", "differential", "expect", "expect_kind", "predicate"])]
    pub peak_rss_above: Option<u64>,

    /// Interesting iff a check takes longer than this (the minimum of up to
    /// three runs when above), e.g. 5s.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, conflicts_with_all = ["differential", "expect", "expect_kind", "predicate"])]
    pub compile_time_above: Option<Duration>,

    /// Interesting iff the same export, run (`--phase run`) under these two
    /// sets of wasmtime flags, gives different results or traps, e.g.
    /// `--differential '-C compiler=cranelift' '-C compiler=winch'`.
    #[arg(long, num_args = 2, allow_hyphen_values = true, value_names = ["FLAGS_A", "FLAGS_B"], conflicts_with_all = ["expect", "expect_kind", "predicate", "wasmtime"])]
    pub differential: Option<Vec<String>>,

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
            let mut argv = split_command(cmd).context("--predicate")?;
            if argv.is_empty() {
                bail!("--predicate: empty command");
            }
            argv[0] = crate::predicate::resolve(&argv[0])?;
            OracleKind::Predicate {
                argv: argv.into_iter().map(OsString::from).collect(),
            }
        } else if let Some(path) = self.wasmtime.first() {
            if self.wasmtime.len() > 2 {
                bail!("--wasmtime: at most two builds (two are compared)");
            }
            if !path.exists() {
                bail!("--wasmtime {}: no such file", path.display());
            }
            match self.phase {
                Phase::Compile => OracleKind::WasmtimeCli {
                    wasmtime: path.clone(),
                    args: flags,
                },
                Phase::Run => OracleKind::WasmtimeRun {
                    wasmtime: path.clone(),
                    args: flags,
                    invoke: self.invoke_name().map(str::to_string),
                    invoke_args: self.invoke_args().iter().map(OsString::from).collect(),
                },
                Phase::Instantiate => {
                    bail!("--phase instantiate needs the built-in oracle (with --wasmtime use --phase run)")
                }
            }
        } else {
            self.builtin(None)?
        };
        let mut oracle = Oracle::new(
            kind,
            RunLimits {
                timeout,
                memory_limit: self.memory_limit,
                ..RunLimits::default()
            },
        );
        if self.peak_rss_above.is_some() || self.memory_limit.is_some() {
            measure_memory_alone(&mut oracle)?;
        }
        Ok(oracle)
    }

    /// The oracle for candidate checks when `jobs` run at once: then
    /// Wasmtime's own parallel compilation is turned off, so that checks
    /// do not fight over the cores. With one job the built-in oracle keeps
    /// it for candidates of a megabyte or more only.
    pub fn oracle_for_jobs(&self, timeout: Duration, jobs: usize) -> Result<Oracle> {
        let mut oracle = self.oracle(timeout)?;
        let user_chose = |args: &[OsString]| {
            args.iter()
                .any(|a| a.to_string_lossy().contains("parallel-compilation"))
        };
        if let OracleKind::Builtin { args, .. } = &oracle.kind {
            // One job: small candidates without it (see the field's doc),
            // large ones with it, unless the flags say.
            if jobs == 1 && !user_chose(args) {
                oracle.sequential_below_bytes = Some(SEQUENTIAL_BELOW_BYTES);
            }
        }
        if jobs > 1 {
            match &mut oracle.kind {
                OracleKind::Builtin { args, .. }
                | OracleKind::WasmtimeCli { args, .. }
                | OracleKind::WasmtimeRun { args, .. } => {
                    args.push("-C".into());
                    args.push("parallel-compilation=n".into());
                }
                OracleKind::Predicate { .. } => {}
            }
        }
        Ok(oracle)
    }

    /// These options with the wasmtime flags replaced by `flags` (shell
    /// words, e.g. `-C compiler=winch -W nan-canonicalization=y`).
    pub fn with_flags(&self, flags: &str) -> Result<OracleOpts> {
        #[derive(clap::Parser)]
        struct Flags {
            #[command(flatten)]
            flags: WasmtimeFlags,
        }
        use clap::Parser;
        let words = split_command(flags).with_context(|| format!("--differential `{flags}`"))?;
        let parsed = Flags::try_parse_from(std::iter::once("flags".to_string()).chain(words))
            .map_err(|e| anyhow::anyhow!("--differential `{flags}`: {}", e.to_string().trim()))?;
        if self.phase != Phase::Run {
            bail!("--differential compares runs: add --phase run --invoke NAME");
        }
        let mut opts = self.clone();
        opts.flags = parsed.flags;
        opts.differential = None;
        Ok(opts)
    }

    /// The built-in child with these options, recording the run's marks
    /// into `coverage` when given (see `whittle_hint`).
    pub fn builtin(&self, coverage: Option<PathBuf>) -> Result<OracleKind> {
        self.flags.validate()?;
        let exe = std::env::current_exe().context("cannot find the whittle executable")?;
        let request = ChildRequest {
            phase: self.phase,
            invoke: self.invoke_name().map(str::to_string),
            invoke_args: self.invoke_args().to_vec(),
            run_timeout: self.run_timeout,
            stubs: self.import_stubs,
            coverage,
            wasmtime_args: self.flags.to_args(),
        };
        Ok(request.oracle_kind(exe))
    }

    /// Does a check compile the module and stop there (the built-in oracle
    /// or the `wasmtime` CLI at `--phase compile`; a predicate may do
    /// anything)? Then nothing runs, and what a declaration says (a
    /// memory's size, say) does not decide whether code traps.
    pub fn only_compiles(&self) -> bool {
        self.phase == Phase::Compile && self.predicate.is_none()
    }

    /// What these options ask a module to do.
    pub fn expectation(&self) -> Expectation {
        if let Some(bytes) = self.peak_rss_above {
            Expectation::PeakRssAbove { bytes }
        } else if let Some(bound) = self.compile_time_above {
            Expectation::CompileTimeAbove { bound }
        } else if self.differential.is_some() || self.wasmtime.len() == 2 {
            Expectation::Disagreement
        } else if self.predicate.is_some() {
            Expectation::PredicateSaysYes
        } else {
            Expectation::Failure {
                expect: self.expect.clone(),
                kind: self.expect_kind,
            }
        }
    }

    /// Whether the original's failure may turn out to be exactly a
    /// validation error, which the built-in oracle's judge answers in
    /// whittle's process and whose original is not re-run (see `judge` and
    /// `Reduction::runs_of_original`): a failure's message is the
    /// criterion, not `--expect` or a bare `--expect-kind`. Then the
    /// engine that would tell, before the first run has said.
    pub fn validation_may_decide(
        &self,
        oracle: &Oracle,
    ) -> Option<whittle_oracle::InProcessValidation> {
        let exact_failure = matches!(
            self.expectation(),
            Expectation::Failure {
                expect: None,
                kind: None
            }
        );
        exact_failure
            .then(|| self.in_process_validation_for(oracle))
            .flatten()
    }

    /// The engine the flags describe, to validate in whittle's process
    /// what `oracle` would otherwise check: the built-in oracle's only
    /// (should the engine fail to build, every candidate is simply
    /// compiled; the flags made one already, `WasmtimeFlags::validate`).
    fn in_process_validation_for(
        &self,
        oracle: &Oracle,
    ) -> Option<whittle_oracle::InProcessValidation> {
        matches!(oracle.kind, OracleKind::Builtin { .. })
            .then(|| self.flags.in_process_validation().ok())
            .flatten()
    }

    /// The judge of `criterion` these options describe, its checks running
    /// under `timeout`, `jobs` at once. When only a validation error meets
    /// the criterion, the built-in oracle validates a candidate in whittle's
    /// own process first and does not compile one that is valid (see
    /// `Oracle::validation_first`; the original's own checks, made before
    /// the criterion is known, are made in full).
    pub fn judge(&self, criterion: Criterion, timeout: Duration, jobs: usize) -> Result<Judge> {
        let (mut oracle, other) = self.oracles(timeout, jobs)?;
        // The search makes many checks: each one's program starts while
        // the one before runs.
        oracle.start_checks_ahead();
        let only_validation_fails = criterion
            .signature()
            .is_some_and(|s| s.only_validation_fails());
        if only_validation_fails {
            oracle.validation_first = self.in_process_validation_for(&oracle);
        }
        Ok(Judge {
            criterion,
            oracle,
            other,
        })
    }

    /// Run the original and establish the criterion these options ask
    /// for; a refusal names the module as `shown`.
    pub fn establish(&self, original: &[u8], shown: &str) -> Result<Established> {
        self.check_invoke(original)?;
        let (oracle, other) = self.oracles(self.timeout.unwrap_or(ORIGINAL_TIMEOUT), 1)?;
        Judge::establish(
            &self.expectation(),
            oracle,
            other,
            original,
            shown,
            &self.oracle_name(),
        )
    }

    /// The oracle candidates are judged by at `jobs` (the first one of a
    /// differential check), under the original's timeout: for the checks
    /// made beside the original's, before the criterion is known.
    pub fn oracle_beside_original(&self, jobs: usize) -> Result<Oracle> {
        let (oracle, _) = self.oracles(self.timeout.unwrap_or(ORIGINAL_TIMEOUT), jobs)?;
        Ok(oracle)
    }

    /// The oracle, and the second one of a differential check.
    fn oracles(&self, timeout: Duration, jobs: usize) -> Result<(Oracle, Option<Oracle>)> {
        Ok(match &self.differential {
            Some(configs) => {
                let a = self
                    .with_flags(&configs[0])?
                    .oracle_for_jobs(timeout, jobs)?;
                let b = self
                    .with_flags(&configs[1])?
                    .oracle_for_jobs(timeout, jobs)?;
                (a, Some(b))
            }
            None if self.wasmtime.len() == 2 => {
                // Two builds: the same run under each.
                if self.phase != Phase::Run {
                    bail!("two --wasmtime builds are compared on a run: add --phase run --invoke NAME");
                }
                let mut first = self.clone();
                first.wasmtime.truncate(1);
                let mut second = self.clone();
                second.wasmtime.remove(0);
                (
                    first.oracle_for_jobs(timeout, jobs)?,
                    Some(second.oracle_for_jobs(timeout, jobs)?),
                )
            }
            None => (self.oracle_for_jobs(timeout, jobs)?, None),
        })
    }

    /// These options as `whittle check` arguments (defaults left out).
    pub fn to_args(&self) -> Vec<String> {
        use clap::ValueEnum;
        let value = |v: Option<clap::builder::PossibleValue>| {
            v.map(|p| p.get_name().to_string()).unwrap_or_default()
        };
        let ms = |d: &Duration| format!("{}ms", d.as_millis());
        let mut args = self.flags.to_args();
        for w in &self.wasmtime {
            args.extend(["--wasmtime".to_string(), w.display().to_string()]);
        }
        let mut push = |flag: &str, v: String| args.extend([flag.to_string(), v]);
        if let Some(p) = &self.predicate {
            push("--predicate", p.clone());
        }
        if let Some(e) = &self.expect {
            push("--expect", e.clone());
        }
        if let Some(k) = self.expect_kind {
            push("--expect-kind", k.to_string());
        }
        if let Some(t) = &self.timeout {
            push("--timeout", ms(t));
        }
        if self.phase != Phase::Compile {
            push("--phase", value(self.phase.to_possible_value()));
        }
        if self.run_timeout != Duration::from_secs(2) {
            push("--run-timeout", ms(&self.run_timeout));
        }
        if self.import_stubs != Stubs::Zero {
            push(
                "--import-stubs",
                value(self.import_stubs.to_possible_value()),
            );
        }
        if let Some(b) = self.peak_rss_above {
            push("--peak-rss-above", b.to_string());
        }
        if let Some(t) = &self.compile_time_above {
            push("--compile-time-above", ms(t));
        }
        if let Some(m) = self.memory_limit {
            push("--memory-limit", m.to_string());
        }
        if let Some([a, b]) = self.differential.as_deref() {
            args.extend(["--differential".to_string(), a.clone(), b.clone()]);
        }
        // Last: every word after NAME is an argument.
        if !self.invoke.is_empty() {
            args.push("--invoke".to_string());
            args.extend(self.invoke.iter().cloned());
        }
        args
    }

    /// The export `--invoke` names.
    pub fn invoke_name(&self) -> Option<&str> {
        self.invoke.first().map(String::as_str)
    }

    /// The arguments given after `--invoke NAME`.
    pub fn invoke_args(&self) -> &[String] {
        self.invoke.get(1..).unwrap_or_default()
    }

    /// Refuse, before any run, `--invoke` arguments that do not fit the
    /// export of the original.
    pub fn check_invoke(&self, original: &[u8]) -> Result<()> {
        if self.phase != Phase::Run || self.predicate.is_some() {
            return Ok(());
        }
        let module = whittle_module::Module::parse(original.to_vec())?;
        crate::invoke::check(
            self.invoke_name().unwrap_or("_start"),
            self.invoke_args(),
            &module,
        )
    }

    /// A short name of the oracle for reports.
    pub fn oracle_name(&self) -> String {
        if let Some(p) = &self.predicate {
            format!("predicate `{p}`")
        } else if !self.wasmtime.is_empty() {
            let paths: Vec<String> = self
                .wasmtime
                .iter()
                .map(|w| w.display().to_string())
                .collect();
            format!("wasmtime CLI {}", paths.join(" vs "))
        } else {
            format!("built-in wasmtime {}", crate::WASMTIME_VERSION)
        }
    }
}

/// Make `oracle` read the peak memory of a program other than the built-in
/// child exactly: through whittle's spawner (see `whittle_oracle::memory`).
/// It costs about 2 ms per check (a start of whittle), so it is done where
/// memory decides something: a memory bound or limit, or a profile. (Without
/// it, a figure is still the program's own, but only a sampled lower bound
/// when it stays below whittle's own peak.)
pub fn measure_memory_alone(oracle: &mut Oracle) -> Result<()> {
    if !matches!(oracle.kind, OracleKind::Builtin { .. }) {
        let exe = std::env::current_exe().context("cannot find the whittle executable")?;
        oracle.limits.spawner = Some(exe);
    }
    Ok(())
}
