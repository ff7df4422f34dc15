//! Where the search starts. A fresh run establishes what the original does
//! (the criterion candidates must meet, its outcome and measure); a resumed
//! one reads that back from the checkpoint, with the checkpoint's base
//! module. Sizing and validating a big original take a while, so they run
//! on a thread of their own meanwhile, as do, on the jobs left free, the
//! empty module's check and the original's re-runs (`beside.rs`; judged in
//! the preflight, or beside the search). The judge of the candidates, and
//! how long one check may take, follow from what was established.

use super::beside::BesideChecks;
use super::clock::OracleClock;
use super::request::Reduction;
use super::setup::Setup;
use crate::checkpoint::Checkpoint;
use crate::input::shown;
use crate::oracle_opts::SEQUENTIAL_BELOW_BYTES;
use crate::report::Metrics;
use anyhow::{Context, Result};
use std::sync::Arc;
use std::time::Duration;
use whittle_module::{Module, Validity};
use whittle_oracle::{candidate_timeout, Criterion, Established, Judge, OracleKind};
use whittle_reduce::Position;

/// An original whose check takes this long has its re-runs announced (how
/// many, and how to skip them): below it they pass unnoticed.
const SLOW_ORIGINAL: Duration = Duration::from_secs(2);

/// What the run keeps from the start to the report.
pub(super) struct Start {
    pub checkpoint: Checkpoint,
    pub established: Established,
    /// The original's sizes.
    pub before: Metrics,
    pub judge: Judge,
    /// How long one candidate's check may run.
    pub timeout: Duration,
    /// The preflight's checks made beside the original's first run, for
    /// the preflight to judge (the last re-runs may go on beside the
    /// search).
    pub beside: BesideChecks,
    /// How many times the original runs: `--original-runs`, or once when
    /// its failure is the validator's verdict (see
    /// [`Reduction::runs_of_original`]).
    pub original_runs: u32,
}

/// What the search begins from (handed to the reducer).
pub(super) struct Origin {
    /// The original, or the checkpoint's base.
    pub module: Arc<Module>,
    /// Where a resumed search goes on (`None`: a fresh run).
    pub resume: Option<Position>,
    /// Whether the original validates: candidates are held to its rule,
    /// on resume too.
    pub original_validity: Validity,
}

/// A resumed run's base module, and where its search goes on.
type Resumed = (Module, Position);

impl Reduction {
    /// Establish the original (or resume), build the judge and say what
    /// is preserved.
    pub(super) fn establish(
        &self,
        setup: &Setup,
        original: Module,
        clock: &mut OracleClock,
    ) -> Result<(Start, Origin)> {
        let (empty, reruns) = self.checks_beside_original(setup.jobs);
        // An oracle that cannot be made fails the original's check too,
        // which says why.
        let oracle = (empty || reruns > 0)
            .then(|| self.oracle.oracle_beside_original(setup.jobs).ok())
            .flatten();
        // A bigger original's first run compiles with Wasmtime's parallel
        // compilation, which keeps every core busy: a re-run beside it
        // would only slow it down (a 21 MB module at `-j 2`: 10 s -> 17 s).
        // Its re-runs then wait for it, and go all at once. Not when the
        // code is mostly one giant function: that one is compiled on one
        // core, however many the compilation may use (a function of
        // 640,000 statements compiled for riscv64: 5.3 s a run).
        let reruns_beside_first_run =
            original.bytes.len() < SEQUENTIAL_BELOW_BYTES || original.is_one_giant_function();
        let original = Arc::new(original);
        if !self.resume {
            // The first round's preparations (a giant function's
            // statements, listed for `remove-statements`, which then goes
            // first) are made while the original is checked.
            whittle_reduce::prepare_passes(Arc::clone(&original), &setup.passes);
        }
        // A validation error's original is not re-run (`runs_of_original`):
        // then a re-run beside its first run would only slow that down.
        let reruns_if_valid = oracle
            .as_ref()
            .filter(|_| reruns_beside_first_run && reruns > 0)
            .and_then(|oracle| self.oracle.validation_may_decide(oracle));
        let mut beside = match oracle {
            Some(oracle) => BesideChecks::start(
                oracle,
                Arc::clone(&original),
                (empty, reruns),
                reruns_beside_first_run,
                reruns_if_valid,
                setup.jobs - 1,
            ),
            None => BesideChecks::default(),
        };
        let ((before, original_validity), found) = std::thread::scope(|scope| {
            let sizing = scope.spawn(|| {
                // What the bodies mention is asked by the first passes
                // (exports, limits, memories): found here, while the
                // original is checked, it costs them nothing.
                original.code_facts();
                (
                    Metrics::of(&original),
                    whittle_module::validate(&original.bytes),
                )
            });
            let found = self.resume_or_establish(setup, &original, clock);
            (sizing.join().expect("sizing thread"), found)
        });
        let (checkpoint, established, resumed) = found?;
        let (module, resume) = match resumed {
            Some((base, position)) => (Arc::new(base), Some(position)),
            None => (original, None),
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
        let judge = self.oracle.judge(criterion, timeout, setup.jobs)?;
        let original_runs = self.runs_of_original(&judge);
        if original_runs < self.original_runs {
            beside.forgo_reruns();
        }
        if let (OracleKind::Predicate { .. }, Some(cpu)) = (&judge.oracle.kind, established.cpu) {
            // A predicate's checks run the very command the original's
            // did: as many cores as that one kept busy, until the
            // candidates' own checks say otherwise. (The built-in and CLI
            // oracles' checks turn parallel compilation off at -j > 1.)
            judge.oracle.load.record_alone(cpu, established.wall());
        }
        self.say(format_args!(
            "whittle: {} ({} bytes): {}",
            shown(&self.input),
            before.bytes,
            established.outcome.summary()
        ));
        self.say(format_args!(
            "whittle: preserving {} [{}; candidate timeout {:.1} s; {} jobs]",
            judge.criterion.describe(),
            self.oracle.oracle_name(),
            timeout.as_secs_f64(),
            setup.jobs
        ));
        if original_runs < self.original_runs {
            self.say(format_args!(
                "whittle: the original's failure is a validation error, which does not change from run to run: it is not re-run"
            ));
        } else if !self.resume && original_runs > 1 && established.wall() >= SLOW_ORIGINAL {
            // Otherwise a slow original's re-runs are a long silence: at
            // `-j 1`, half of the reduction of a 5.7 MB giant function
            // (9.2 of 18.9 s, `bench/giant.sh`'s `panic`).
            self.say(format_args!(
                "whittle: the original's check took {:.1} s; it runs {} more time{} {}, to catch a flaky oracle now rather than at the end (--original-runs 1 skips {})",
                established.wall().as_secs_f64(),
                original_runs - 1,
                if original_runs == 2 { "" } else { "s" },
                // (A predicate's re-runs, and any at `-j 1`, come after
                // the first run and before the search: `preflight.rs`.)
                if beside.reruns_unjudged() {
                    "on free jobs, beside the search"
                } else {
                    "before the search"
                },
                if original_runs == 2 { "it" } else { "them" }
            ));
        }
        if let Validity::Invalid(why) = &original_validity {
            self.say(format_args!(
                "whittle: note: {} does not validate ({why}); candidates invalid in the same way are still tried",
                shown(&self.input)
            ));
        }
        let start = Start {
            checkpoint,
            established,
            before,
            judge,
            timeout,
            beside,
            original_runs,
        };
        let origin = Origin {
            module,
            resume,
            original_validity,
        };
        Ok((start, origin))
    }

    /// Which of the preflight's checks run beside the original's first
    /// run, on the jobs it leaves free: the empty module's (whether it
    /// does), then the original's re-runs (how many). On a fresh run only,
    /// and where one evaluation is all it takes to judge a check once the
    /// original has set the criterion. A resource bound is left out, so
    /// that nothing runs beside the check that measures the original; so
    /// is a disagreement, which needs the second configuration's
    /// evaluation too. A predicate's re-runs are left out as well: its
    /// first run tells how many cores its checks keep busy (`CheckLoad`),
    /// and re-runs as heavy as it would skew that on a machine they fill
    /// (the empty module's check is light for any engine). Re-runs still
    /// running when the first run ends go on beside the search (see
    /// `beside.rs`).
    fn checks_beside_original(&self, jobs: usize) -> (bool, usize) {
        let fit =
            jobs > 1 && !self.resume && self.oracle.expectation().judged_from_first_evaluation();
        if !fit {
            return (false, 0);
        }
        let reruns = match self.oracle.predicate {
            Some(_) => 0,
            None => self.original_runs.saturating_sub(1) as usize,
        };
        (true, reruns)
    }

    /// How many times the original runs: as asked, except when its failure
    /// is a validation error and the oracle the built-in one (the judge
    /// validates candidates in whittle's process: `validation_first`).
    /// That verdict depends on the bytes and the engine's features alone:
    /// the validator is deterministic, and Wasmtime reports the first
    /// invalid function in index order even when it compiles them in
    /// parallel (`Engine::run_maybe_parallel`), so a re-run could only
    /// repeat it. The search already relies on the message's shape meaning
    /// the validator's verdict (`Signature::only_validation_fails`). Its
    /// runs were most of such a reduction: Wasmtime compiles the valid
    /// functions before it reports the invalid one (8–10 s a run for the
    /// 21 MB module of `bench/scale.sh`, whose reduction went from 33 s to
    /// 10.5 s at `-j 1`; `simd-disabled` 0.23 -> 0.15 s). A resumed run
    /// makes none anyway.
    fn runs_of_original(&self, judge: &Judge) -> u32 {
        if judge.oracle.validation_first.is_some() && !self.resume {
            1
        } else {
            self.original_runs
        }
    }

    /// The checkpoint and what the original established: read back when
    /// resuming (with the checkpoint's base module and position), measured
    /// otherwise.
    fn resume_or_establish(
        &self,
        setup: &Setup,
        original: &Module,
        clock: &mut OracleClock,
    ) -> Result<(Checkpoint, Established, Option<Resumed>)> {
        let found = if self.resume {
            let found = Checkpoint::open(&setup.output)?;
            if found.is_none() {
                self.say(format_args!(
                    "whittle: note: no checkpoint to resume in {}: starting afresh",
                    Checkpoint::dir_for(&setup.output).display()
                ));
            }
            found
        } else {
            None
        };
        if let Some((checkpoint, state, base)) = found {
            Checkpoint::check_same_run(&state, setup.input_key, &setup.arguments)?;
            let base = Module::parse(base).context("checkpoint base module")?;
            self.say(format_args!(
                "whittle: resuming at round {}, pass {} of {} ({} answers known)",
                state.position.round,
                state.position.pass_index + 1,
                setup.passes.len(),
                state.position.answers.len()
            ));
            let established = Established {
                criterion: state.criterion,
                measured: state.original_measured,
                outcome: state.original_outcome,
                cpu: None,
            };
            Ok((checkpoint, established, Some((base, state.position))))
        } else {
            let established = clock
                .time(|| self.oracle.establish(&original.bytes, &shown(&self.input)))
                .with_context(|| shown(&self.input))?;
            Ok((Checkpoint::create(&setup.output), established, None))
        }
    }
}
