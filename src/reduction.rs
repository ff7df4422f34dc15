//! The reduction as a library call: from a failing module to the smallest
//! one that fails the same way, with every step around the reducer proper
//! (establishing the criterion on the original, the flakiness and
//! empty-module checks, an existing output, checkpoints, hints, the final
//! re-check, the files beside the result), returning a typed [`ReductionEnd`].
//! `whittle reduce` and `whittle corpus` call it and print what it says.

use crate::checkpoint::{self, Checkpoint};
use crate::exit_code::ExitCode;
use crate::flaky::{self, Confirmer};
use crate::input::{is_stdin, read_module, shown};
use crate::oracle_opts::OracleOpts;
use crate::output::{sibling, write_atomically};
use crate::progress::{CandidateLog, Progress};
use crate::report::{Metrics, Report};
use crate::result_files;
use crate::same_file::refuse_overwriting_input;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use whittle_module::Module;
use whittle_oracle::{candidate_timeout, Criterion, Established, Judge};
use whittle_passes::{PassInfo, REGISTRY};
use whittle_reduce::{Event, Opening, Reducer, ReducerOptions};

/// A reduction to make: the input, where the result goes and how to search
/// (the fields of `whittle reduce`, which documents each).
#[derive(Clone, Debug)]
pub struct Reduction {
    pub input: PathBuf,
    /// Default: INPUT's name with `.reduced.wasm`, next to it.
    pub output: Option<PathBuf>,
    pub oracle: OracleOpts,
    /// Only these passes (all when empty), minus `skip_passes`.
    pub passes: Vec<String>,
    pub skip_passes: Vec<String>,
    pub time_budget: Option<Duration>,
    pub mutate_budget: usize,
    /// Candidates checked at once (default: the number of cores).
    pub jobs: Option<usize>,
    pub resume: bool,
    /// No progress lines on stderr.
    pub quiet: bool,
    pub verbose: u8,
    pub emit_wast: bool,
    pub original_runs: u32,
    pub confirm: u32,
    pub no_hints: bool,
}

/// How a reduction ended.
#[derive(Debug)]
pub enum ReductionEnd {
    /// Stopped (Ctrl-C) before a first result: nothing was written.
    InterruptedBeforeResult,
    /// The original's runs at the start disagreed: the oracle is flaky and
    /// nothing was reduced.
    FlakyOriginal {
        /// Which runs said otherwise.
        why: String,
    },
    /// A result, and its report.
    Finished(Box<Finished>),
}

/// A reduction's result.
#[derive(Debug)]
pub struct Finished {
    /// What `.report.json` holds.
    pub report: Report,
    /// The result's file.
    pub output: PathBuf,
    /// The result and its companions were written (else an existing
    /// output, not larger, was kept as it was).
    pub written: bool,
    /// The result met the criterion on its final re-check (false: the
    /// oracle is flaky).
    pub holds: bool,
    /// What the result was checked against.
    pub criterion: Criterion,
    /// Ctrl-C came (the result is the best so far when it stopped the
    /// search: `report.stopped_early`).
    pub interrupted: bool,
    /// Where the checkpoint is kept when the run stopped early.
    pub checkpoint: PathBuf,
}

impl Finished {
    /// The warning for a result that did not hold on its final re-check.
    pub fn flaky_warning(&self) -> Option<String> {
        (!self.holds).then(|| {
            format!(
                "whittle: warning: on re-check the result gave {}, not {}: the oracle is flaky",
                self.criterion
                    .reading(&self.report.final_outcome, &self.report.final_measured),
                self.criterion.describe()
            )
        })
    }
}

impl ReductionEnd {
    /// The line on stderr, quiet or not, for an end without a result
    /// (`input` as messages name it), or for a result the oracle did not
    /// confirm.
    pub fn warning(&self, input: &str) -> Option<String> {
        match self {
            ReductionEnd::InterruptedBeforeResult => {
                Some("whittle: interrupted before a first result: nothing written".to_string())
            }
            ReductionEnd::FlakyOriginal { why } => Some(format!("whittle: error: {input}: {why}")),
            ReductionEnd::Finished(finished) => finished.flaky_warning(),
        }
    }

    /// The exit code that says how it ended.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            ReductionEnd::InterruptedBeforeResult => ExitCode::Interrupted,
            ReductionEnd::FlakyOriginal { .. } => ExitCode::Flaky,
            ReductionEnd::Finished(f) if f.interrupted && f.report.stopped_early => {
                ExitCode::Interrupted
            }
            ReductionEnd::Finished(f) if !f.holds => ExitCode::Flaky,
            ReductionEnd::Finished(_) => ExitCode::Done,
        }
    }
}

/// The empty module: if it "fails the same way", the predicate is broken.
const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

impl Reduction {
    /// Reduce. Errors are refusals (bad input, an original that does not
    /// fail as asked) or failures to read or write.
    pub fn run(&self) -> Result<ReductionEnd> {
        // From the start, so that Ctrl-C while the original is checked
        // ends the run cleanly (its checks stopped, nothing half-written).
        let stop = crate::interrupt::install();
        match self.reduce(stop) {
            Err(_) if crate::interrupt::requested() => Ok(ReductionEnd::InterruptedBeforeResult),
            result => result,
        }
    }

    fn reduce(&self, stop: std::sync::Arc<std::sync::atomic::AtomicBool>) -> Result<ReductionEnd> {
        let started = Instant::now();
        if self.emit_wast {
            crate::wast::check_expressible(&self.oracle)?;
        }
        let passes = self.selected_passes()?;
        let input = self.input.clone();
        let output = match &self.output {
            Some(path) => path.clone(),
            None if is_stdin(&input) => {
                bail!("the module comes from stdin: say where the result goes with -o OUTPUT")
            }
            None => result_files::default_output(&input)?,
        };
        let written: Vec<PathBuf> = result_files::written_files(&output);
        let written: Vec<&Path> = written.iter().map(PathBuf::as_path).collect();
        refuse_overwriting_input(&input, &written, Some(&Checkpoint::dir_for(&output)))?;
        let original = read_module(&input)?;
        let jobs = self
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let input_key = whittle_reduce::Gate::key(&original.bytes);
        let original_len = original.bytes.len();
        // Time spent in the oracle outside the reduction proper (the
        // original, the empty module, an existing output, the re-check).
        let mut checks_outside = Duration::ZERO;
        let arguments = self.search_arguments(&passes);

        // Sizing and validating a big input take a while: done in a
        // thread, while the oracle runs the original.
        let ((before, original_validity), setup) = std::thread::scope(|scope| {
            let sizing = scope.spawn(|| {
                (
                    Metrics::of(&original),
                    whittle_module::validate(&original.bytes),
                )
            });
            let setup = self.setup(&input, &original, &output, input_key, &arguments, &passes);
            (sizing.join().expect("sizing thread"), setup)
        });
        let (mut checkpoint, established, base, resume, establish_time) = setup?;
        checks_outside += establish_time;
        let start_module = base.unwrap_or(original);
        let original_invalid = match &original_validity {
            whittle_module::Validity::Invalid(why) => Some(why.clone()),
            whittle_module::Validity::Valid => None,
        };
        let criterion = established.criterion.clone();
        let mut timeout = self
            .oracle
            .timeout
            .unwrap_or_else(|| candidate_timeout(established.wall()));
        if let Criterion::CompileTimeAbove { seconds } = criterion {
            // A check must be allowed to run past the bound it is judged on.
            timeout = timeout.max(Duration::from_secs_f64(seconds * 3.0 + 2.0));
        }
        let mut judge = self.oracle.judge(criterion.clone(), timeout, jobs)?;
        self.say(format_args!(
            "whittle: {} ({} bytes): {}",
            shown(&input),
            original_len,
            established.outcome.summary()
        ));
        self.say(format_args!(
            "whittle: preserving {} [{}; candidate timeout {:.1} s; {jobs} jobs]",
            criterion.describe(),
            self.oracle.oracle_name(),
            timeout.as_secs_f64()
        ));
        if let Some(why) = original_invalid {
            self.say(format_args!(
                "whittle: note: {} does not validate ({why}); candidates invalid in the same way are still tried",
                shown(&input)
            ));
        }
        if resume.is_none() {
            let t = Instant::now();
            let flaky =
                flaky::check_original(&judge, &start_module.bytes, self.original_runs, jobs)?;
            checks_outside += t.elapsed();
            if let Some(why) = flaky {
                return Ok(ReductionEnd::FlakyOriginal { why });
            }
        }
        let confirmer = Confirmer::new(self.confirm, checkpoint.rejected_on_confirmation());
        let t = Instant::now();
        let empty_matches = resume.is_none() && judge.interesting(EMPTY_MODULE)?;
        checks_outside += t.elapsed();
        if empty_matches {
            bail!(
                "the empty module also matches {}: the predicate or --expect is too loose to reduce with",
                criterion.describe()
            );
        }

        // Never replace an existing repro of this failure with something larger.
        let t = Instant::now();
        let existing = self.existing_repro(&output, &judge);
        checks_outside += t.elapsed();
        let mut progress = Progress::new(self.quiet, self.verbose, original_len, started);
        // The pass running now, for `-v` lines (candidates are judged on
        // worker threads; the pass comes from the driver's events).
        // Before the first pass (the culprit stage) it has no name: `-`.
        let current_pass = std::sync::Mutex::new("-".to_string());
        let candidate_log = CandidateLog {
            level: self.verbose,
            started,
        };
        let mut written = false;
        let best_writer = crate::best_writer::BestWriter::start(output.clone());
        let mut recent_bests = crate::final_check::RecentBests::default();
        let mut state = checkpoint::State {
            whittle_version: env!("CARGO_PKG_VERSION").to_string(),
            input_key,
            arguments,
            criterion: criterion.clone(),
            original_outcome: established.outcome.clone(),
            original_wall_seconds: established.wall().as_secs_f64(),
            original_measured: established.measured.clone(),
            position: whittle_reduce::Position {
                round: 1,
                pass_index: 0,
                round_start: (0, None),
                answers: Vec::new(),
            },
        };
        let trace_dir = std::env::var_os("WHITTLE_TRACE_BESTS").map(PathBuf::from);
        let mut on_event = |event: Event<'_>| -> Result<()> {
            match event {
                Event::PassStart {
                    pass,
                    base,
                    position,
                } => {
                    *current_pass.lock().unwrap_or_else(|e| e.into_inner()) = pass.to_string();
                    state.position = position.clone();
                    // The best on disk before the checkpoint names a base
                    // that may be newer (and a failed write shows here, in
                    // order).
                    best_writer.flush()?;
                    checkpoint.pass_start(&state, &base.bytes)?;
                }
                Event::Answer { key, interesting } => {
                    checkpoint.answer(key, interesting, confirmer.take_rejected(key))?
                }
                Event::NewBest {
                    module,
                    pass,
                    stats,
                } => {
                    if let Some(dir) = &trace_dir {
                        // Debugging aid: every intermediate best, numbered.
                        let n = std::fs::read_dir(dir).map_or(0, |d| d.count());
                        std::fs::write(dir.join(format!("{n:04}-{pass}.wasm")), &module.bytes)?;
                    }
                    if existing.is_none_or(|size| module.bytes.len() < size) {
                        best_writer.write(&module.bytes)?;
                        written = true;
                        recent_bests.push(&module.bytes);
                    }
                    progress.new_best(module.bytes.len(), pass, stats);
                }
                Event::Tick { pass, stats } => progress.tick(pass, stats),
            }
            Ok(())
        };
        let interesting = |bytes: &[u8]| -> Result<bool> {
            let judged = if self.verbose > 0 {
                let t = Instant::now();
                let judged = judge.interesting_eval(bytes);
                let pass = current_pass.lock().unwrap_or_else(|e| e.into_inner());
                candidate_log.log(&pass, bytes.len(), t.elapsed(), &judged);
                judged.map(|(answer, _)| answer)
            } else {
                judge.interesting(bytes)
            };
            let judged = judged
                .and_then(|first| confirmer.confirm(bytes, first, || judge.interesting(bytes)));
            match judged {
                Ok(answer) => Ok(answer),
                // A run cut short by Ctrl-C: the driver discards it.
                Err(_) if whittle_oracle::cancelled() => Ok(false),
                Err(e) => Err(e),
            }
        };
        // Openings are tried only by a fresh run. The execution hint's cut
        // keeps every index, so it goes first.
        let mut openings: Vec<Opening> = Vec::new();
        if resume.is_none() && !self.no_hints {
            let t = Instant::now();
            let say = |args: std::fmt::Arguments<'_>| {
                if self.verbose > 0 {
                    self.say(args)
                }
            };
            let hint = crate::hint::record_run(&self.oracle, &start_module, timeout, &say);
            checks_outside += t.elapsed();
            openings.extend(hint.cut);
            // Both of these remove functions: only one can be written
            // against the start's indices.
            let culprit = crate::culprit::culprit(&criterion, &established.outcome, &start_module)
                .and_then(|f| Opening::keep_only(&start_module, f));
            openings.extend(culprit.or(hint.remove));
        }
        // The budget counts from the start, but checking the original is
        // never cut short (without it there is nothing to preserve): the
        // watch starts with the reduction proper.
        let deadline = self.time_budget.map(|b| started + b);
        let budget_watch = deadline.map(crate::interrupt::BudgetWatch::start);
        let mut reducer = Reducer::new(
            start_module,
            ReducerOptions {
                passes: passes.clone(),
                deadline,
                max_rounds: None,
                mutate_budget: self.mutate_budget,
                jobs,
                stop: Some(stop),
                openings,
                // On resume the reducer starts from the checkpoint's base:
                // the gate's rule comes from the input all the same.
                original_validity: Some(original_validity),
                resume,
            },
            &interesting,
            &mut on_event,
        );
        let run = reducer.run().cloned();
        // Every best on disk before anything reads the output again.
        let on_disk = best_writer.flush();
        // (A failed write reaches the driver at the next new best.)
        let mut best = match run.and_then(|best| on_disk.map(|()| best)) {
            Ok(best) => best,
            Err(e) => {
                drop(reducer);
                progress.finish();
                return Err(result_files::explain_full_disk(
                    e,
                    &output,
                    best_writer.written() > 0,
                ));
            }
        };
        let stats = reducer.stats.clone();
        let stopped_early = reducer.out_of_time;
        drop(reducer);
        drop(budget_watch);
        progress.finish();
        let interrupted = crate::interrupt::requested();

        // Re-verify (unless interrupted: Ctrl-C is honoured at once; the
        // best was judged by the oracle when it was accepted), then write
        // the companions.
        let t = Instant::now();
        let verdict = if interrupted {
            None
        } else {
            // One check: the exact peak is worth the spawner's start.
            crate::oracle_opts::measure_memory_alone(&mut judge.oracle)?;
            let settled = crate::final_check::settle(&judge, &best.bytes, &recent_bests)?;
            if let Some(short) = &settled.fell_short {
                self.say(format_args!(
                    "whittle: on re-check the result gave {}, not {}; the newest earlier best that holds is the result ({} bytes, {})",
                    criterion.reading(&short.outcome, &short.measured),
                    criterion.describe(),
                    settled.bytes.len(),
                    criterion.reading(&settled.verdict.outcome, &settled.verdict.measured),
                ));
                write_atomically(&output, &settled.bytes)?;
                best = Module::parse(settled.bytes)?;
            }
            Some(settled.verdict)
        };
        let still_fails = verdict.as_ref().is_none_or(|v| v.holds);
        checks_outside += t.elapsed();
        if std::fs::read(&output).is_ok_and(|bytes| bytes == best.bytes) {
            // Already there (written at a new best, or by the run resumed).
            written = true;
        } else if existing.is_none() {
            // No smaller candidate was found: the input is already minimal.
            write_atomically(&output, &best.bytes)?;
            written = true;
        }
        let wat = result_files::wat(&best.bytes, stopped_early, &output);
        let wall = started.elapsed().as_secs_f64();
        let final_outcome = verdict
            .as_ref()
            .map_or(established.outcome.clone(), |v| v.outcome.clone());
        let output_shown = output.display().to_string();
        let reduced = crate::reproduce::Reduced {
            opts: &self.oracle,
            criterion: &criterion,
            outcome: &final_outcome,
            module: &best,
            file: &output_shown,
        };
        let reproduction = reduced.reproduction();
        let mut report = Report {
            whittle_version: env!("CARGO_PKG_VERSION"),
            wasmtime_version: crate::WASMTIME_VERSION,
            wasmtime_debug_assertions: crate::version::WASMTIME_DEBUG_ASSERTIONS,
            wasmtime_cli_versions: self
                .oracle
                .wasmtime
                .iter()
                .map(|w| crate::version::of_cli(w))
                .collect(),
            input: shown(&input),
            output: output.display().to_string(),
            oracle: self.oracle.oracle_name(),
            wasmtime_flags: self.oracle.flags.to_args(),
            reproduce: reproduction.commands.join("\n"),
            reproduce_expect: reproduction.expect,
            reproduce_stock_cli: reproduction.stock_cli,
            signature: criterion.signature().cloned(),
            criterion: criterion.describe(),
            original_outcome: established.outcome.clone(),
            final_outcome: final_outcome.clone(),
            original_measured: established.measured.clone(),
            final_measured: verdict
                .as_ref()
                .map(|v| v.measured.clone())
                .unwrap_or_default(),
            before,
            after: Metrics::of(&best),
            oracle_calls: 0,
            cache_hits: 0,
            invalid_skipped: 0,
            unrepairable_skipped: 0,
            not_smaller_skipped: 0,
            speculation_wasted: 0,
            rounds: 0,
            wall_seconds: wall,
            oracle_seconds: 0.0,
            overhead_share: 0.0,
            build_seconds: 0.0,
            other_seconds: 0.0,
            reducer_peak_rss_bytes: own_peak_rss(),
            jobs,
            original_runs: self.original_runs,
            confirm: self.confirm,
            confirmation_runs: confirmer.extra_runs.load(Ordering::Relaxed),
            confirmation_rejected: confirmer.rejected.load(Ordering::Relaxed),
            stopped_early,
            passes: passes.iter().map(|p| p.name.to_string()).collect(),
            per_pass: Default::default(),
        };
        report.set_stats(&stats);
        // All time in the oracle, the checks around the reduction included.
        report.oracle_seconds += checks_outside.as_secs_f64();
        report.overhead_share = (1.0 - report.oracle_seconds / wall.max(1e-9)).clamp(0.0, 1.0);
        report.other_seconds = (wall - report.oracle_seconds - report.build_seconds).max(0.0);
        if written {
            write_atomically(&sibling(&output, "wat"), wat.as_bytes())?;
            let json = serde_json::to_string_pretty(&report)?;
            write_atomically(&sibling(&output, "report.json"), json.as_bytes())?;
            write_atomically(
                &sibling(&output, "report.md"),
                report.markdown(&wat).as_bytes(),
            )?;
            if self.emit_wast {
                result_files::write_wast(&output, &reduced, report.before.bytes, &shown(&input))?;
            }
        }
        let checkpoint_path = checkpoint.path().to_path_buf();
        if !stopped_early {
            checkpoint.remove()?;
        }
        Ok(ReductionEnd::Finished(Box::new(Finished {
            report,
            output,
            written,
            holds: still_fails,
            criterion,
            interrupted,
            checkpoint: checkpoint_path,
        })))
    }

    /// The checkpoint and what the original established: read back when
    /// resuming (with the checkpoint's base module), measured otherwise
    /// (with the time it took).
    #[allow(clippy::type_complexity)]
    fn setup(
        &self,
        input: &Path,
        original: &Module,
        output: &Path,
        input_key: (u64, usize),
        arguments: &[String],
        passes: &[&'static PassInfo],
    ) -> Result<(
        Checkpoint,
        Established,
        Option<Module>,
        Option<whittle_reduce::Position>,
        Duration,
    )> {
        let found = if self.resume {
            let found = Checkpoint::open(output)?;
            if found.is_none() {
                self.say(format_args!(
                    "whittle: note: no checkpoint to resume in {}: starting afresh",
                    Checkpoint::dir_for(output).display()
                ));
            }
            found
        } else {
            None
        };
        if let Some((checkpoint, state, base)) = found {
            Checkpoint::check_same_run(&state, input_key, arguments)?;
            let base = Module::parse(base).context("checkpoint base module")?;
            self.say(format_args!(
                "whittle: resuming at round {}, pass {} of {} ({} answers known)",
                state.position.round,
                state.position.pass_index + 1,
                passes.len(),
                state.position.answers.len()
            ));
            let established = Established {
                criterion: state.criterion,
                measured: state.original_measured,
                outcome: state.original_outcome,
            };
            Ok((
                checkpoint,
                established,
                Some(base),
                Some(state.position),
                Duration::ZERO,
            ))
        } else {
            let t = Instant::now();
            let established = self
                .oracle
                .establish(&original.bytes, &shown(input))
                .with_context(|| shown(input))?;
            let took = t.elapsed();
            Ok((Checkpoint::create(output), established, None, None, took))
        }
    }

    /// The arguments that change the search: a checkpoint only resumes a
    /// run made with the same ones.
    fn search_arguments(&self, passes: &[&'static PassInfo]) -> Vec<String> {
        let mut args = self.oracle.flags.to_args();
        args.extend(
            self.oracle
                .wasmtime
                .iter()
                .map(|w| format!("--wasmtime={}", w.display())),
        );
        args.extend(
            self.oracle
                .predicate
                .iter()
                .map(|p| format!("--predicate={p}")),
        );
        args.extend(self.oracle.expect.iter().map(|e| format!("--expect={e}")));
        args.extend(
            self.oracle
                .expect_kind
                .iter()
                .map(|k| format!("--expect-kind={k}")),
        );
        args.push(format!(
            "--passes={}",
            passes.iter().map(|p| p.name).collect::<Vec<_>>().join(",")
        ));
        args.push(format!("--mutate-budget={}", self.mutate_budget));
        if self.confirm > 1 {
            args.push(format!("--confirm={}", self.confirm));
        }
        args
    }

    /// The size of an existing output that already fails the same way (it
    /// is then only replaced by something smaller). Any other existing file
    /// is simply the place the user asked the result to go.
    fn existing_repro(&self, output: &Path, judge: &Judge) -> Option<usize> {
        let bytes = std::fs::read(output).ok()?;
        let same =
            Module::parse(bytes.clone()).is_ok() && judge.interesting(&bytes).unwrap_or(false);
        if same {
            self.say(format_args!(
                "whittle: {} already fails the same way ({} bytes): it is only replaced by something smaller",
                output.display(),
                bytes.len()
            ));
            Some(bytes.len())
        } else {
            self.say(format_args!(
                "whittle: {} exists but does not fail the same way: it will be replaced",
                output.display()
            ));
            None
        }
    }

    fn say(&self, args: std::fmt::Arguments<'_>) {
        if !self.quiet {
            eprintln!("{args}");
        }
    }

    fn selected_passes(&self) -> Result<Vec<&'static PassInfo>> {
        for name in self.passes.iter().chain(&self.skip_passes) {
            if whittle_passes::find(name).is_none() {
                let known: Vec<_> = REGISTRY.iter().map(|p| p.name).collect();
                bail!("unknown pass `{name}` (known: {})", known.join(", "));
            }
        }
        Ok(REGISTRY
            .iter()
            .filter(|p| self.passes.is_empty() || self.passes.iter().any(|n| n == p.name))
            .filter(|p| !self.skip_passes.iter().any(|n| n == p.name))
            .collect())
    }
}

/// This process's own peak resident memory (`VmHWM`: not inflated by
/// whatever started whittle, as `getrusage` would be).
fn own_peak_rss() -> u64 {
    whittle_oracle::memory::own_peak()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(clap::Parser)]
    struct Flags {
        #[command(flatten)]
        oracle: OracleOpts,
    }

    /// The library call, as `corpus` and tests make it: a predicate (which
    /// needs no `whittle` executable) keeps the export `boom`.
    #[test]
    fn a_reduction_is_a_call_that_returns_its_report() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.wat");
        std::fs::write(
            &input,
            r#"(module
                 (func (export "boom") (result i32) i32.const 7)
                 (func (export "other") (result i32) i32.const 8 i32.const 9 i32.add)
                 (memory 1)
                 (data (i32.const 0) "unrelated bytes"))"#,
        )
        .unwrap();
        let oracle = Flags::try_parse_from(["whittle", "--predicate", "grep -q boom"])
            .unwrap()
            .oracle;
        let output = dir.path().join("out.wasm");
        let reduction = Reduction {
            input,
            output: Some(output.clone()),
            oracle,
            passes: Vec::new(),
            skip_passes: Vec::new(),
            time_budget: None,
            mutate_budget: 0,
            jobs: Some(1),
            resume: false,
            quiet: true,
            verbose: 0,
            emit_wast: false,
            original_runs: 1,
            confirm: 1,
            no_hints: true,
        };
        let end = reduction.run().unwrap();
        assert_eq!(end.exit_code(), ExitCode::Done);
        let ReductionEnd::Finished(finished) = end else {
            panic!("no result: {end:?}");
        };
        assert!(finished.written && finished.holds && !finished.interrupted);
        let report = &finished.report;
        assert!(report.after.bytes < report.before.bytes, "{report:?}");
        assert_eq!(report.after.functions, 1);
        assert_eq!(
            report.signature.as_ref().map(|s| s.describe()).as_deref(),
            Some("exit code 0")
        );
        let written = std::fs::read(&output).unwrap();
        assert_eq!(written.len(), report.after.bytes);
        assert!(written.windows(4).any(|w| w == b"boom"));
    }
}
