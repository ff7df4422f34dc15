//! The end of a reduction with a result: its report (sizes, counters,
//! where the time went, how to reproduce the failure without whittle), the
//! `.wat`, `.report.json`, `.report.md` and `.wast` beside a result that
//! was written, and the checkpoint, kept only when the run stopped early
//! (to resume).

use super::clock::OracleClock;
use super::end::Finished;
use super::request::Reduction;
use super::search::Found;
use super::setup::Setup;
use super::start::Start;
use crate::input::shown;
use crate::output::{sibling, write_atomically};
use crate::report::{Metrics, Report};
use crate::reproduce::Reduced;
use crate::result_files;
use anyhow::Result;
use std::path::Path;
use whittle_oracle::Verdict;

impl Reduction {
    /// Report the result, write its companions and say how it ended.
    pub(super) fn close(
        &self,
        setup: Setup,
        start: Start,
        found: Found,
        verdict: Option<Verdict>,
        clock: OracleClock,
    ) -> Result<Finished> {
        let output = setup.output;
        let wat = result_files::wat(&found.best.bytes, found.stopped_early, &output);
        let wall = setup.started.elapsed().as_secs_f64();
        let criterion = start.judge.criterion;
        let final_outcome = verdict
            .as_ref()
            .map_or(start.established.outcome.clone(), |v| v.outcome.clone());
        let output_shown = output.display().to_string();
        let reduced = Reduced {
            opts: &self.oracle,
            criterion: &criterion,
            outcome: &final_outcome,
            module: &found.best,
            file: &output_shown,
        };
        let reproduction = reduced.reproduction();
        let mut report = Report {
            whittle_version: env!("CARGO_PKG_VERSION").to_string(),
            wasmtime_version: crate::WASMTIME_VERSION.to_string(),
            wasmtime_debug_assertions: crate::version::WASMTIME_DEBUG_ASSERTIONS,
            wasmtime_cli_versions: self
                .oracle
                .wasmtime
                .iter()
                .map(|w| crate::version::of_cli(w))
                .collect(),
            input: shown(&self.input),
            output: output.display().to_string(),
            oracle: self.oracle.oracle_name(),
            wasmtime_flags: self.oracle.flags.to_args(),
            reproduce: reproduction.commands.join("\n"),
            reproduce_expect: reproduction.expect,
            reproduce_stock_cli: reproduction.stock_cli,
            signature: criterion.signature().cloned(),
            criterion: criterion.describe(),
            original_outcome: start.established.outcome.clone(),
            final_outcome: final_outcome.clone(),
            original_measured: start.established.measured.clone(),
            final_measured: verdict
                .as_ref()
                .map(|v| v.measured.clone())
                .unwrap_or_default(),
            before: start.before,
            after: Metrics::of(&found.best),
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
            overlap_seconds: 0.0,
            reducer_peak_rss_bytes: own_peak_rss(),
            reducer_cpu_seconds: 0.0,
            checks_cpu_seconds: 0.0,
            jobs: setup.jobs,
            original_runs: start.original_runs,
            confirm: self.confirm,
            confirmation_runs: found.confirmation_runs,
            confirmation_rejected: found.confirmation_rejected,
            stopped_early: found.stopped_early,
            passes: setup.passes.iter().map(|p| p.name.to_string()).collect(),
            per_pass: Default::default(),
        };
        report.set_stats(&found.stats);
        // All time in the oracle, the checks around the reduction included.
        report.oracle_seconds += clock.total.as_secs_f64();
        report.overhead_share = (1.0 - report.oracle_seconds / wall.max(1e-9)).clamp(0.0, 1.0);
        let (own_cpu, checks_cpu) = setup.cpu.elapsed();
        report.reducer_cpu_seconds = own_cpu.as_secs_f64();
        report.checks_cpu_seconds = checks_cpu.as_secs_f64();
        let parts = report.oracle_seconds + report.build_seconds;
        report.other_seconds = (wall - parts).max(0.0);
        report.overlap_seconds = (parts - wall).max(0.0);
        if found.written {
            self.write_companions(&output, &report, &wat, &reduced)?;
        }
        let checkpoint = start.checkpoint.path().to_path_buf();
        if !found.stopped_early {
            start.checkpoint.remove()?;
        }
        Ok(Finished {
            report,
            output,
            written: found.written,
            holds: verdict.as_ref().is_none_or(|v| v.holds),
            criterion,
            interrupted: found.interrupted,
            checkpoint,
        })
    }

    /// OUTPUT's `.wat`, `.report.json`, `.report.md` (and `.wast` with
    /// `--emit-wast`).
    fn write_companions(
        &self,
        output: &Path,
        report: &Report,
        wat: &str,
        reduced: &Reduced,
    ) -> Result<()> {
        write_atomically(&sibling(output, "wat"), wat.as_bytes())?;
        let json = serde_json::to_string_pretty(report)?;
        write_atomically(&sibling(output, "report.json"), json.as_bytes())?;
        write_atomically(
            &sibling(output, "report.md"),
            report.markdown(wat).as_bytes(),
        )?;
        if self.emit_wast {
            result_files::write_wast(output, reduced, report.before.bytes, &shown(&self.input))?;
        }
        Ok(())
    }
}

/// This process's own peak resident memory (`VmHWM`: not inflated by
/// whatever started whittle, as `getrusage` would be).
fn own_peak_rss() -> u64 {
    whittle_oracle::memory::own_peak()
}
