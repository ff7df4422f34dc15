//! The oracle: "what does the compiler do with this candidate?"
//!
//! An [`Oracle`] writes a candidate module to a fresh private temporary
//! directory, runs one of four kinds of checker on it in a subprocess
//! ([`crate::process::run`]) and classifies the result ([`crate::classify`]):
//! the built-in child (`whittle` re-executed), `wasmtime compile`, `wasmtime
//! run`, or a user predicate command. Running out of process is the point: the
//! compiler may crash or hang, and the reducer must survive it.
//!
//! Two ways of the search's checks differ: when only a validation error
//! counts, a candidate that validates is answered in whittle's process
//! without a checker ([`Oracle::validation_first`]); and the built-in
//! child of a search's check is started before its candidate is there and
//! reads it on stdin, with no folder ([`crate::ahead`]).
//!
//! [`Oracle::command_line`] writes the argv a check runs as shell text a user
//! can paste ([`crate::shell_words`]).

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::ahead::{StartedAhead, STDIN_MODULE};
use crate::child_protocol::{ChildPeak, ChildRequest};
use crate::classify::{classify_builtin, classify_predicate, classify_wasmtime_cli, stderr_tail};
use crate::load::CheckLoad;
use crate::outcome::Outcome;
use crate::process::{run_with_env, start, RunLimits};
use crate::shell_words::{join_quoted, shell_quote};

/// Which checker to run on a candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OracleKind {
    /// Re-execute `exe` with `args` + candidate path; the child prints one
    /// JSON [`Outcome`] line.
    Builtin { exe: PathBuf, args: Vec<OsString> },
    /// `wasmtime compile -o <tmpdir>/out.cwasm <args...> <candidate.wasm>`.
    WasmtimeCli {
        wasmtime: PathBuf,
        args: Vec<OsString>,
    },
    /// `argv[0] argv[1..] <candidate.wasm>`; exit 0 = interesting.
    Predicate { argv: Vec<OsString> },
    /// `wasmtime run <args...> [--invoke NAME] <candidate.wasm>
    /// [invoke_args...]`: what the export returns (stdout lines) or how it
    /// traps.
    WasmtimeRun {
        wasmtime: PathBuf,
        args: Vec<OsString>,
        invoke: Option<String>,
        invoke_args: Vec<OsString>,
    },
}

/// The result of evaluating one candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    pub outcome: Outcome,
    /// Wall-clock time of the subprocess.
    pub wall: Duration,
    /// CPU time of the subprocess and the children it waited for.
    pub cpu: Duration,
    /// Peak resident set size of the check (the program itself, not the
    /// reducer: see [`crate::memory`]), in bytes.
    pub peak_rss_bytes: u64,
    /// How the subprocess ended and the last lines of its output: what a
    /// user needs to see when a verdict surprises them.
    pub ending: Ending,
}

/// How a check's subprocess ended, in words, with the ends of its output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ending {
    /// `exit status 1`, `killed by signal 11 (SIGSEGV)`, `timed out`, ...
    pub status: String,
    /// The last lines of stdout and of stderr (see [`stderr_tail`]).
    pub stdout_tail: String,
    pub stderr_tail: String,
}

impl Ending {
    fn of(result: &crate::process::RunResult) -> Ending {
        use crate::process::Termination;
        let status = match result.termination {
            Termination::Exited(code) => format!("exit status {code}"),
            Termination::Signaled(signal) => format!(
                "killed by signal {signal} ({})",
                crate::outcome::signal_name(signal)
            ),
            Termination::TimedOut => {
                format!(
                    "killed after the {:.1} s timeout",
                    result.wall.as_secs_f64()
                )
            }
            Termination::MemoryExceeded => "killed above the memory limit".to_string(),
        };
        Ending {
            status,
            stdout_tail: stderr_tail(&result.stdout_text()),
            stderr_tail: stderr_tail(&result.stderr_text()),
        }
    }
}

/// The environment variable naming a predicate's private scratch directory
/// (fresh for every candidate, removed afterwards; it holds the candidate).
pub const WORKDIR_VAR: &str = "WHITTLE_WORKDIR";

/// A checker plus the limits it runs under.
#[derive(Clone, Debug)]
pub struct Oracle {
    pub kind: OracleKind,
    pub limits: RunLimits,
    /// How many cores its checks keep busy (shared by clones).
    pub load: Arc<CheckLoad>,
    /// The built-in oracle compiles a candidate smaller than this without
    /// Wasmtime's parallel compilation: starting its thread pool costs more
    /// than it saves on a small module (measured: a one-function candidate
    /// 15 ms against 5 ms, a 30 KB module of 300 functions 39 ms against
    /// 29 ms; a 2.6 MB module of 3000 functions 1.08 s against 1.48 s).
    pub sequential_below_bytes: Option<usize>,
    /// When only a validation error counts
    /// ([`crate::Signature::only_validation_fails`]): validate a candidate
    /// in whittle's own process first, under the checked engine's
    /// configuration, and answer [`Outcome::Validated`] without running the
    /// checker when it is valid, since it cannot fail that way. One that is
    /// not valid is checked as usual, so its outcome is exactly the
    /// checker's. Compiling is most of a check (a candidate that no longer
    /// fails compiles every function) and starting the checker a few
    /// milliseconds more; validating is a small fraction of either.
    pub validation_first: Option<InProcessValidation>,
    /// The built-in oracle starts each check's program while the check
    /// before runs, and hands it the candidate on stdin (see
    /// [`crate::ahead`]); set for the search's checks by
    /// [`Oracle::start_checks_ahead`].
    started_ahead: Option<StartedAhead>,
}

/// Does a module validate under the checked engine's configuration? Asked
/// in whittle's own process (see [`Oracle::validation_first`]); whittle
/// makes it from the `wasmtime` crate it links, which this crate does not.
#[derive(Clone)]
pub struct InProcessValidation(Arc<Validates>);

type Validates = dyn Fn(&[u8]) -> bool + Send + Sync;

impl InProcessValidation {
    pub fn new(validates: impl Fn(&[u8]) -> bool + Send + Sync + 'static) -> Self {
        InProcessValidation(Arc::new(validates))
    }

    pub fn validates(&self, wasm: &[u8]) -> bool {
        (self.0)(wasm)
    }
}

impl std::fmt::Debug for InProcessValidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InProcessValidation")
    }
}

/// File name of the candidate inside its temporary directory.
const CANDIDATE: &str = "candidate.wasm";
/// File name of `wasmtime compile`'s output inside the temporary directory.
const CWASM: &str = "out.cwasm";

impl ChildRequest {
    /// The oracle that runs this check in `exe` (a `whittle` executable).
    pub fn oracle_kind(&self, exe: PathBuf) -> OracleKind {
        OracleKind::Builtin {
            exe,
            args: self.to_args(),
        }
    }
}

impl Oracle {
    pub fn new(kind: OracleKind, mut limits: RunLimits) -> Oracle {
        limits.program_is_whittle = matches!(kind, OracleKind::Builtin { .. });
        Oracle {
            kind,
            limits,
            load: Arc::default(),
            sequential_below_bytes: None,
            validation_first: None,
            started_ahead: None,
        }
    }

    /// Start each check's program ahead from now on (the built-in oracle
    /// only, and not where memory is measured through the spawner).
    pub fn start_checks_ahead(&mut self) {
        if matches!(self.kind, OracleKind::Builtin { .. }) && self.limits.spawner.is_none() {
            self.started_ahead = Some(StartedAhead::default());
        }
    }

    /// Write `wasm` to `candidate.wasm` in a fresh private temporary
    /// directory (removed afterwards), run the checker on it and classify
    /// the result (or answer a valid candidate of a validation error here,
    /// or hand it to a built-in child started ahead: see the module doc).
    /// Fails only if the checker cannot be run at all.
    pub fn evaluate(&self, wasm: &[u8]) -> anyhow::Result<Evaluation> {
        if let Some(validation) = &self.validation_first {
            let started = std::time::Instant::now();
            if validation.validates(wasm) {
                let took = started.elapsed();
                return Ok(Evaluation {
                    outcome: Outcome::Validated,
                    wall: took,
                    cpu: took,
                    peak_rss_bytes: 0,
                    ending: Ending {
                        status: "validated in whittle's own process, not compiled".into(),
                        ..Ending::default()
                    },
                });
            }
        }
        if let (Some(ahead), OracleKind::Builtin { .. }, None) =
            (&self.started_ahead, &self.kind, &self.limits.spawner)
        {
            return self.evaluate_started_ahead(ahead, wasm);
        }
        let dir = crate::scratch::candidate_dir()?;
        let candidate = dir.path().join(CANDIDATE);
        std::fs::write(&candidate, wasm)
            .with_context(|| format!("failed to write {}", candidate.display()))?;
        let sequential = self.sequential_below_bytes.is_some_and(|n| wasm.len() < n);
        let (program, args) =
            self.argv(candidate.as_os_str(), &dir.path().join(CWASM), sequential)?;
        // A predicate runs in the caller's directory (its arguments may be
        // relative paths) and gets a private one for scratch files, so that
        // checks running at once (`-j`) do not overwrite each other's.
        let env: &[(&str, &Path)] = match self.kind {
            OracleKind::Predicate { .. } => &[(WORKDIR_VAR, dir.path())],
            _ => &[],
        };
        let running = self.load.start();
        let result = run_with_env(Path::new(&program), &args, None, env, &self.limits)?;
        running.end(result.cpu, result.wall);
        drop(dir);
        Ok(self.evaluation_of(result))
    }

    /// A check made by a program started ahead (see [`crate::ahead`]),
    /// handed the candidate on stdin; the next one is started meanwhile.
    fn evaluate_started_ahead(
        &self,
        ahead: &StartedAhead,
        wasm: &[u8],
    ) -> anyhow::Result<Evaluation> {
        let sequential = self.sequential_below_bytes.is_some_and(|n| wasm.len() < n);
        let (program, args) = self.argv(OsStr::new(STDIN_MODULE), Path::new(CWASM), sequential)?;
        let program = PathBuf::from(program);
        let started = match ahead.take(&args) {
            Some(started) => started,
            None => start(&program, &args, None, &[], &self.limits, true)?,
        };
        let running = self.load.start();
        // The next one is asked for once this one has its candidate.
        let result = started.finish_then(Some(wasm), &self.limits, || {
            ahead.start_one(&program, &args, &self.limits)
        })?;
        // The cores it kept busy while it ran with its candidate: its CPU
        // time counts its start too, made while the check before it ran,
        // as the next one's start is made while it runs (see `load.rs`).
        running.end(result.cpu, result.wall);
        Ok(self.evaluation_of(result))
    }

    /// The evaluation a finished run gives.
    fn evaluation_of(&self, result: crate::process::RunResult) -> Evaluation {
        let outcome = match &self.kind {
            OracleKind::Builtin { .. } => classify_builtin(&result),
            OracleKind::WasmtimeCli { .. } => classify_wasmtime_cli(&result),
            OracleKind::Predicate { .. } => classify_predicate(&result),
            OracleKind::WasmtimeRun { .. } => crate::classify::classify_wasmtime_run(&result),
        };
        // The built-in child reports its own peak: exact, where the run's
        // figure may only be a sample.
        let own = match &self.kind {
            OracleKind::Builtin { .. } => ChildPeak::find(&result).map(|p| p.peak_rss_bytes),
            _ => None,
        };
        let peak_rss_bytes = own.unwrap_or(result.peak_rss_bytes);
        let outcome = match self.limits.memory_limit {
            Some(limit) if peak_rss_bytes > limit => Outcome::OutOfMemory,
            _ => outcome,
        };
        Evaluation {
            outcome,
            wall: result.wall,
            cpu: result.cpu,
            peak_rss_bytes,
            ending: Ending::of(&result),
        }
    }

    /// The program and arguments that check `candidate`.
    fn argv(
        &self,
        candidate: &OsStr,
        cwasm: &Path,
        sequential: bool,
    ) -> anyhow::Result<(OsString, Vec<OsString>)> {
        Ok(match &self.kind {
            OracleKind::Builtin { exe, args } => {
                let mut a = args.clone();
                if sequential {
                    a.push("-C".into());
                    a.push("parallel-compilation=n".into());
                }
                a.push(candidate.to_owned());
                (exe.clone().into_os_string(), a)
            }
            OracleKind::WasmtimeCli { wasmtime, args } => {
                let mut a: Vec<OsString> = vec!["compile".into(), "-o".into(), cwasm.into()];
                a.extend(args.iter().cloned());
                a.push(candidate.to_owned());
                (wasmtime.clone().into_os_string(), a)
            }
            OracleKind::Predicate { argv } => {
                let (program, rest) = argv
                    .split_first()
                    .context("the predicate command is empty")?;
                let mut a = rest.to_vec();
                a.push(candidate.to_owned());
                (program.clone(), a)
            }
            OracleKind::WasmtimeRun {
                wasmtime,
                args,
                invoke,
                invoke_args,
            } => {
                let mut a: Vec<OsString> = vec!["run".into()];
                a.extend(args.iter().cloned());
                if let Some(name) = invoke {
                    a.push("--invoke".into());
                    a.push(name.into());
                }
                a.push(candidate.to_owned());
                a.extend(invoke_args.iter().cloned());
                (wasmtime.clone().into_os_string(), a)
            }
        })
    }

    /// One line for humans: `built-in (<exe> <args>)`, `wasmtime CLI <path>`
    /// (plus `(compile <args>)` when there are extra arguments) or
    /// `predicate <argv>`.
    pub fn describe(&self) -> String {
        match &self.kind {
            OracleKind::Builtin { exe, args } => {
                let mut words = vec![shell_quote(exe.as_os_str())];
                words.extend(args.iter().map(|a| shell_quote(a)));
                format!("built-in ({})", words.join(" "))
            }
            OracleKind::WasmtimeCli { wasmtime, args } => {
                let mut s = format!("wasmtime CLI {}", shell_quote(wasmtime.as_os_str()));
                if !args.is_empty() {
                    s.push_str(&format!(" (compile {})", join_quoted(args)));
                }
                s
            }
            OracleKind::Predicate { argv } => format!("predicate {}", join_quoted(argv)),
            OracleKind::WasmtimeRun { wasmtime, args, .. } => format!(
                "wasmtime CLI {} (run {})",
                shell_quote(wasmtime.as_os_str()),
                join_quoted(args)
            ),
        }
    }

    /// The shell-quoted command a user can paste to reproduce one check,
    /// with `candidate` as the module file. For the wasmtime CLI the output
    /// goes next to the candidate (`x.wasm` → `x.cwasm`).
    pub fn command_line(&self, candidate: &str) -> String {
        let cwasm = match candidate.strip_suffix(".wasm") {
            Some(stem) => format!("{stem}.cwasm"),
            None => format!("{candidate}.cwasm"),
        };
        match self.argv(OsStr::new(candidate), Path::new(&cwasm), false) {
            Ok((program, args)) => {
                let mut words = vec![shell_quote(&program)];
                words.extend(args.iter().map(|a| shell_quote(a)));
                words.join(" ")
            }
            Err(_) => shell_quote(OsStr::new(candidate)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_candidate_that_validates_here_runs_no_program() {
        // A checker that cannot start: any run would fail.
        let mut oracle = Oracle::new(
            OracleKind::Builtin {
                exe: PathBuf::from("/nonexistent/whittle"),
                args: vec!["__check".into(), "--".into()],
            },
            RunLimits::default(),
        );
        oracle.validation_first = Some(InProcessValidation::new(|wasm| wasm == b"valid"));
        let answered = oracle.evaluate(b"valid").unwrap();
        assert_eq!(answered.outcome, Outcome::Validated);
        assert_eq!(answered.peak_rss_bytes, 0);
        assert_eq!(
            answered.ending.status,
            "validated in whittle's own process, not compiled"
        );
        // One that does not validate goes to the checker.
        let err = oracle.evaluate(b"invalid").unwrap_err();
        assert!(
            format!("{err:#}").contains("/nonexistent/whittle"),
            "{err:#}"
        );
    }

    #[test]
    fn a_small_candidate_of_the_built_in_oracle_compiles_without_parallel_compilation() {
        let oracle = Oracle::new(
            OracleKind::Builtin {
                exe: PathBuf::from("/bin/whittle"),
                args: vec!["__check".into(), "--".into()],
            },
            RunLimits::default(),
        );
        let argv = |sequential| {
            let (_, args) = oracle
                .argv(OsStr::new("c.wasm"), Path::new("c.cwasm"), sequential)
                .unwrap();
            args
        };
        assert_eq!(argv(false), ["__check", "--", "c.wasm"]);
        assert_eq!(
            argv(true),
            ["__check", "--", "-C", "parallel-compilation=n", "c.wasm"]
        );
    }
    use std::os::unix::fs::PermissionsExt;

    fn os(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn command_lines() {
        let o = Oracle::new(
            OracleKind::Predicate {
                argv: os(&["python3", "check.py", "--flag=a b"]),
            },
            RunLimits::default(),
        );
        assert_eq!(
            o.command_line("t.wasm"),
            "python3 check.py '--flag=a b' t.wasm"
        );
        assert_eq!(o.describe(), "predicate python3 check.py '--flag=a b'");

        let o = Oracle::new(
            OracleKind::WasmtimeCli {
                wasmtime: "/opt/wasmtime".into(),
                args: os(&["--target", "riscv64gc"]),
            },
            RunLimits::default(),
        );
        assert_eq!(
            o.command_line("bug 1.wasm"),
            "/opt/wasmtime compile -o 'bug 1.cwasm' --target riscv64gc 'bug 1.wasm'"
        );
        assert_eq!(
            o.describe(),
            "wasmtime CLI /opt/wasmtime (compile --target riscv64gc)"
        );

        let o = Oracle::new(
            OracleKind::Builtin {
                exe: "/bin/whittle".into(),
                args: os(&["oracle-child", "-C", "opt-level=2"]),
            },
            RunLimits::default(),
        );
        assert_eq!(
            o.command_line("x.wasm"),
            "/bin/whittle oracle-child -C opt-level=2 x.wasm"
        );
        assert_eq!(
            o.describe(),
            "built-in (/bin/whittle oracle-child -C opt-level=2)"
        );
    }

    /// Write an executable shell script into `dir`.
    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn predicate_sees_candidate() {
        let dir = tempfile::tempdir().unwrap();
        let seen = dir.path().join("seen");
        // "$1" is the expected content, "$2" the candidate appended by the oracle.
        // (It lives long enough for its memory to be sampled: a program that
        // ends before the first sample, and stays under whittle's own peak,
        // has no peak to report.)
        let check = script(
            dir.path(),
            "check.sh",
            &format!(
                "echo \"$2\" > '{seen}'\n\
                 case \"$2\" in *.wasm) ;; *) exit 3;; esac\n\
                 test \"$(cat \"$2\")\" = \"$1\" || exit 4\n\
                 echo checked >&2\n\
                 sleep 0.1\n\
                 exit 0\n",
                seen = seen.display()
            ),
        );
        let oracle = Oracle::new(
            OracleKind::Predicate {
                argv: vec!["/bin/sh".into(), check.into_os_string(), "hello".into()],
            },
            RunLimits::default(),
        );
        let eval = oracle.evaluate(b"hello").unwrap();
        assert_eq!(
            eval.outcome,
            Outcome::Exit {
                code: 0,
                stderr_tail: "checked".into()
            }
        );
        assert!(eval.peak_rss_bytes > 0);
        let path = std::fs::read_to_string(&seen).unwrap();
        let path = Path::new(path.trim());
        assert!(path.ends_with(CANDIDATE), "{}", path.display());
        assert!(path.is_absolute());
        assert!(!path.exists(), "the temporary directory was not removed");

        let eval = oracle.evaluate(b"other bytes").unwrap();
        assert_eq!(eval.outcome.kind(), crate::Kind::Exit);
        assert!(matches!(eval.outcome, Outcome::Exit { code: 4, .. }));
    }

    #[test]
    fn predicate_runs_in_callers_cwd() {
        let cwd = std::env::current_dir().unwrap();
        let oracle = Oracle::new(
            OracleKind::Predicate {
                argv: os(&["/bin/sh", "-c", "pwd >&2; exit 5"]),
            },
            RunLimits::default(),
        );
        let eval = oracle.evaluate(b"").unwrap();
        match eval.outcome {
            Outcome::Exit { code, stderr_tail } => {
                assert_eq!(code, 5);
                assert_eq!(
                    Path::new(&stderr_tail).canonicalize().unwrap(),
                    cwd.canonicalize().unwrap()
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn predicate_gets_a_private_workdir_holding_the_candidate() {
        let oracle = Oracle::new(
            OracleKind::Predicate {
                argv: os(&[
                    "/bin/sh",
                    "-c",
                    r#"[ "$(dirname "$0")" = "$WHITTLE_WORKDIR" ] && echo "$WHITTLE_WORKDIR" >&2"#,
                ]),
            },
            RunLimits::default(),
        );
        let first = oracle.evaluate(b"").unwrap();
        let second = oracle.evaluate(b"").unwrap();
        match (&first.outcome, &second.outcome) {
            (
                Outcome::Exit {
                    code: 0,
                    stderr_tail: a,
                },
                Outcome::Exit {
                    code: 0,
                    stderr_tail: b,
                },
            ) => {
                assert_ne!(a, b, "each candidate gets its own directory");
                assert!(!Path::new(a).exists(), "and it is removed afterwards");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(first.ending.status, "exit status 0");
    }

    #[test]
    fn predicate_timeout() {
        let oracle = Oracle::new(
            OracleKind::Predicate {
                argv: os(&["/bin/sh", "-c", "sleep 30"]),
            },
            RunLimits {
                timeout: Duration::from_millis(200),
                ..RunLimits::default()
            },
        );
        // The candidate becomes the script's `$0`.
        let eval = oracle.evaluate(b"").unwrap();
        assert_eq!(eval.outcome, Outcome::Timeout);
    }

    #[test]
    fn empty_predicate_is_an_error() {
        let oracle = Oracle::new(OracleKind::Predicate { argv: vec![] }, RunLimits::default());
        assert!(oracle.evaluate(b"").is_err());
    }

    #[test]
    fn missing_program_is_an_error() {
        let oracle = Oracle::new(
            OracleKind::WasmtimeCli {
                wasmtime: "/nonexistent/wasmtime".into(),
                args: vec![],
            },
            RunLimits::default(),
        );
        let err = format!("{:#}", oracle.evaluate(b"").unwrap_err());
        assert!(err.contains("/nonexistent/wasmtime"), "{err}");
    }

    #[test]
    fn wasmtime_cli_fake() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("args");
        let fake = script(
            dir.path(),
            "wasmtime",
            &format!(
                "printf '%s\\n' \"$@\" > '{log}'\n\
                 test \"$(cat \"$6\")\" = ok && exit 0\n\
                 echo 'Error: failed to compile' >&2\n\
                 echo >&2\n\
                 echo 'Caused by:' >&2\n\
                 echo '    bad at offset 12' >&2\n\
                 exit 1\n",
                log = log.display()
            ),
        );
        let oracle = Oracle::new(
            OracleKind::WasmtimeCli {
                wasmtime: fake,
                args: os(&["-C", "x=y"]),
            },
            RunLimits::default(),
        );
        let eval = retry_busy(|| oracle.evaluate(b"ok"));
        assert_eq!(eval.outcome, Outcome::Ok);
        let args = std::fs::read_to_string(&log).unwrap();
        let args: Vec<&str> = args.lines().collect();
        assert_eq!(args.len(), 6, "{args:?}");
        assert_eq!(&args[..2], ["compile", "-o"]);
        assert!(args[2].ends_with(CWASM));
        assert_eq!(&args[3..5], ["-C", "x=y"]);
        assert!(args[5].ends_with(CANDIDATE));
        assert_eq!(Path::new(args[2]).parent(), Path::new(args[5]).parent());

        let eval = retry_busy(|| oracle.evaluate(b"not ok"));
        assert_eq!(
            eval.outcome,
            Outcome::Error {
                message: "failed to compile: bad at offset 12".into()
            }
        );
    }

    /// The search's checks: each one's program is started while the one
    /// before runs, reads the candidate on stdin, and the one left waiting
    /// at the end is killed with the oracle.
    #[test]
    fn checks_started_ahead_read_the_candidate_on_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let started = dir.path().join("started");
        let answered = dir.path().join("answered");
        let fake = script(
            dir.path(),
            "child",
            &format!(
                "echo $$ >> '{started}'\n\
                 for last; do :; done\n\
                 test \"$last\" = /dev/stdin || exit 9\n\
                 candidate=$(cat \"$last\")\n\
                 echo $$ >> '{answered}'\n\
                 if test \"$candidate\" = valid; then echo '{{\"kind\":\"ok\"}}';\n\
                 else echo '{{\"kind\":\"error\",\"message\":\"bad\"}}'; fi\n",
                started = started.display(),
                answered = answered.display()
            ),
        );
        let mut oracle = Oracle::new(
            OracleKind::Builtin {
                exe: fake,
                args: os(&["--child"]),
            },
            RunLimits::default(),
        );
        oracle.start_checks_ahead();
        assert_eq!(
            retry_busy(|| oracle.evaluate(b"valid")).outcome,
            Outcome::Ok
        );
        assert_eq!(
            retry_busy(|| oracle.evaluate(b"invalid")).outcome,
            Outcome::Error {
                message: "bad".into()
            }
        );
        // Two checks, and the program for a third, waiting. (The lines of
        // `started` need not come in the order the programs were: the
        // third may write its line before the second, which had its
        // candidate by then.)
        let pids = |file: &Path| -> Vec<libc::pid_t> {
            std::fs::read_to_string(file)
                .unwrap_or_default()
                .lines()
                .map(|l| l.parse().unwrap())
                .collect()
        };
        let alive = |pid: libc::pid_t| {
            // SAFETY: signal 0 only checks that the process exists.
            unsafe { libc::kill(pid, 0) == 0 }
        };
        let waited = std::time::Instant::now();
        while pids(&started).len() < 3 && waited.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let (started, answered) = (pids(&started), pids(&answered));
        assert_eq!(started.len(), 3, "{started:?}");
        assert_eq!(answered.len(), 2, "{answered:?}");
        let waiting: Vec<_> = started.iter().filter(|p| !answered.contains(p)).collect();
        let [&waiting] = waiting[..] else {
            panic!("started {started:?}, answered {answered:?}")
        };
        assert!(alive(waiting));
        drop(oracle);
        // Killed and reaped with the oracle (by the starter thread, if it
        // was still putting it with the ready ones).
        let dropped = std::time::Instant::now();
        while alive(waiting) && dropped.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!alive(waiting));
    }

    #[test]
    fn builtin_fake() {
        let dir = tempfile::tempdir().unwrap();
        let fake = script(
            dir.path(),
            "child",
            "test \"$1\" = --child || exit 9\n\
             echo 'log line'\n\
             echo '{\"kind\":\"panic\",\"message\":\"boom\",\"location\":\"a.rs:1\"}'\n",
        );
        let oracle = Oracle::new(
            OracleKind::Builtin {
                exe: fake,
                args: os(&["--child"]),
            },
            RunLimits::default(),
        );
        let eval = retry_busy(|| oracle.evaluate(b""));
        assert_eq!(
            eval.outcome,
            Outcome::Panic {
                message: "boom".into(),
                location: Some("a.rs:1".into())
            }
        );
    }

    /// Executing a freshly written script can fail with ETXTBSY while
    /// another test thread's fork still holds the write descriptor.
    fn retry_busy(mut f: impl FnMut() -> anyhow::Result<Evaluation>) -> Evaluation {
        for _ in 0..50 {
            match f() {
                Ok(e) => return e,
                Err(e) if format!("{e:#}").contains("busy") => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(e) => panic!("{e:#}"),
            }
        }
        panic!("executable stayed busy");
    }
}
