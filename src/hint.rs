//! The execution hint (see `whittle_hint`): when the failure is about
//! running the module, run the original once, recorded, under the built-in
//! Wasmtime, and open the reduction with the candidate that cuts everything
//! the run never entered (`cut-unexecuted`), then with the one that also
//! removes the functions never entered (`remove-unexecuted`). The cut alone
//! leaves the function-level work to delta debugging, which pays about
//! log2(n) checks for each function it keeps; the removal settles all the
//! functions the run never entered in one check. The oracle judges both
//! like any other candidate; a wrong guess costs one check.
//!
//! Which run is recorded:
//! - `--phase run` or `instantiate` (the built-in oracle or `--wasmtime
//!   PATH`): the oracle's own run, with the same flags, `--invoke` export and
//!   arguments, and import stubs. With `--differential`, the run under each
//!   of the two configurations: what either entered counts, since a
//!   miscompile may take another path than the correct build.
//! - `--predicate CMD`: whittle cannot see what the command runs, so the
//!   entry point must be known: the `--invoke NAME [ARGS]` given, else the
//!   `_start` export, else the start function alone; with none of these
//!   there is no hint. The run uses Wasmtime's default configuration (flags
//!   do not go with a predicate).
//! - `--phase compile`: no hint; what fails to compile does not depend on
//!   what runs.
//!
//! The recorded run gets twice `--run-timeout`: marks slow a run a little,
//! and a run that goes further only records more, which cuts less (with
//! `-W fuel=N` the marks cost no fuel: see `child.rs`). A module that cannot
//! be instrumented, or whose recording run ends before running anything (a
//! compile error, a crash), gets no hint; `-v` says why.

use crate::oracle_opts::OracleOpts;
use anyhow::{bail, Context, Result};
use std::time::{Duration, Instant};
use whittle_hint::Cut;
use whittle_module::Module;
use whittle_oracle::{Oracle, Phase, RunLimits};
use whittle_reduce::Opening;

/// The openings' names in the report and progress lines.
pub const CUT: &str = "cut-unexecuted";
pub const REMOVE: &str = "remove-unexecuted";

/// What the recorded run proposes: two openings, tried in this order.
#[derive(Default)]
pub struct Hint {
    /// Every function and arm never entered becomes `unreachable`; indices
    /// stay, so it goes before any opening that removes functions.
    pub cut: Option<Opening>,
    /// Then the functions never entered go altogether (calls to them left
    /// in entered code become their default results). This one renumbers
    /// functions: an opening written against the original's indices cannot
    /// follow it.
    pub remove: Option<Opening>,
}

/// The openings the original's recorded run proposes, if the failure is
/// about running and the run left something to cut; `say` gets one line
/// on what was recorded, or why there is no hint.
pub fn record_run(
    opts: &OracleOpts,
    module: &Module,
    timeout: Duration,
    say: &dyn Fn(std::fmt::Arguments<'_>),
) -> Hint {
    let started = Instant::now();
    match propose(opts, module, timeout) {
        Ok(cut) => {
            say(format_args!(
                "whittle: execution hint: the original's run entered {} of {} functions and {} of {} arms ({:.2} s to record); {CUT} and {REMOVE} try cutting the rest first",
                cut.funcs_entered,
                cut.funcs,
                cut.arms_entered,
                cut.arms,
                started.elapsed().as_secs_f64()
            ));
            // A function a constant needs stays: without it the module
            // would not validate, and the whole candidate would be refused.
            let needed = whittle_module::functions_in_constants(module).unwrap_or_default();
            let remove_funcs: std::collections::BTreeSet<u32> =
                cut.never_entered.difference(&needed).copied().collect();
            let remove = (!remove_funcs.is_empty()).then(|| Opening {
                name: REMOVE,
                edit: whittle_module::Edit {
                    remove_funcs,
                    ..Default::default()
                },
            });
            Hint {
                cut: Some(Opening {
                    name: CUT,
                    edit: cut.edit,
                }),
                remove,
            }
        }
        Err(why) => {
            say(format_args!("whittle: no execution hint: {why:#}"));
            Hint::default()
        }
    }
}

fn propose(opts: &OracleOpts, module: &Module, timeout: Duration) -> Result<Cut> {
    let runs = recorded_runs(opts, module)?;
    let copy = whittle_hint::instrument(module).context("cannot instrument the module")?;
    let mut entered = vec![0u8; copy.probes.count as usize];
    for run in &runs {
        let marks = record(run, &copy.bytes, timeout)?;
        for (e, m) in entered.iter_mut().zip(marks) {
            *e |= m;
        }
    }
    let cut = whittle_hint::cut(module, &copy.probes, &entered)?;
    if cut.edit.is_empty() {
        bail!("the original's run entered every function and arm");
    }
    Ok(cut)
}

/// The built-in child's options for each run to record.
fn recorded_runs(opts: &OracleOpts, module: &Module) -> Result<Vec<OracleOpts>> {
    let runs = if opts.predicate.is_some() {
        let mut run = opts.clone();
        run.predicate = None;
        run.phase = if !opts.invoke.is_empty() || exports_start(module) {
            Phase::Run
        } else if module.start.is_some() {
            Phase::Instantiate
        } else {
            bail!("the predicate's entry point is not known (give --invoke NAME; the module has no `_start` export and no start function)");
        };
        vec![run]
    } else if opts.phase == Phase::Compile {
        bail!("the failure is about compiling (--phase compile)");
    } else if let Some([a, b]) = opts.differential.as_deref() {
        vec![opts.with_flags(a)?, opts.with_flags(b)?]
    } else {
        vec![opts.clone()]
    };
    Ok(runs
        .into_iter()
        .map(|mut run| {
            run.run_timeout *= 2;
            run
        })
        .collect())
}

fn exports_start(module: &Module) -> bool {
    module
        .exports
        .iter()
        .any(|e| e.name == "_start" && e.kind == wasmparser::ExternalKind::Func)
}

/// Run the recording copy under `run` and read back its marks.
fn record(run: &OracleOpts, copy: &[u8], timeout: Duration) -> Result<Vec<u8>> {
    let dir = tempfile::tempdir().context("a directory for the recording")?;
    let marks = dir.path().join("marks");
    marks
        .to_str()
        .context("a temporary path that is not UTF-8")?;
    let kind = run.builtin(Some(marks.clone()))?;
    let oracle = Oracle::new(
        kind,
        RunLimits {
            timeout,
            memory_limit: run.memory_limit,
            ..RunLimits::default()
        },
    );
    let evaluation = oracle.evaluate(copy)?;
    std::fs::read(&marks).map_err(|_| {
        anyhow::anyhow!(
            "the recording run ended before running anything: {}",
            evaluation.outcome.summary()
        )
    })
}
