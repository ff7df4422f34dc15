//! `whittle reduce`: from a failing module to the smallest one that fails
//! the same way.

use crate::input::read_module;
use crate::oracle_opts::OracleOpts;
use crate::output::{sibling, write_atomically};
use crate::report::{Metrics, Report};
use crate::units::parse_duration;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use whittle_module::Module;
use whittle_oracle::{Oracle, Signature};
use whittle_passes::{PassInfo, REGISTRY};
use whittle_reduce::{Reducer, ReducerOptions, Stats};

/// Reduce a module on which Wasmtime fails to the smallest module that still
/// fails the same way. Writes OUTPUT (.wasm), and beside it .wat,
/// .report.json and .report.md.
#[derive(clap::Args, Debug)]
pub struct ReduceOpts {
    /// The failing module (.wasm or .wat).
    #[arg(required_unless_present = "list_passes")]
    pub input: Option<PathBuf>,

    /// Where to write the reduced module [default: INPUT's name with
    /// `.reduced.wasm`, next to it]. Rewritten atomically at every new best;
    /// an existing file is only replaced by something smaller.
    #[arg(short, long, value_name = "OUTPUT")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub oracle: OracleOpts,

    /// Run only these passes (comma-separated, in schedule order).
    #[arg(long, value_delimiter = ',', value_name = "PASS,..")]
    pub passes: Vec<String>,

    /// Do not run these passes.
    #[arg(long, value_delimiter = ',', value_name = "PASS,..")]
    pub skip_passes: Vec<String>,

    /// List the passes in schedule order and exit.
    #[arg(long)]
    pub list_passes: bool,

    /// Stop with the best result so far after this long (e.g. 30m, 8h).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub time_budget: Option<Duration>,

    /// Candidates the final `wasm-mutate` stage may try after the passes
    /// reach their fixpoint (seeded, so runs are reproducible); 0 disables it.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub mutate_budget: usize,

    /// No progress lines on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// The empty module: if it "fails the same way", the predicate is broken.
const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

impl ReduceOpts {
    pub fn run(self) -> Result<i32> {
        if self.list_passes {
            for p in REGISTRY {
                println!("{:<24} {}", p.name, p.description);
            }
            return Ok(0);
        }
        let started = Instant::now();
        let passes = self.selected_passes()?;
        let input = self.input.clone().expect("clap requires INPUT");
        let output = self
            .output
            .clone()
            .unwrap_or_else(|| default_output(&input));
        let original = read_module(&input)?;

        // The original, under a generous timeout (or the user's).
        let first_timeout = self.oracle.timeout.unwrap_or(Duration::from_secs(60));
        let probe = self.oracle.oracle(first_timeout)?;
        let first = probe
            .evaluate(&original.bytes)
            .with_context(|| format!("{}: running the oracle", input.display()))?;
        let signature = self.signature(&input, &first.outcome)?;
        let timeout = self
            .oracle
            .timeout
            .unwrap_or(first.wall * 10 + Duration::from_secs(2));
        let oracle = self.oracle.oracle(timeout)?;
        self.say(format_args!(
            "whittle: {} ({} bytes): {}",
            input.display(),
            original.bytes.len(),
            first.outcome.summary()
        ));
        self.say(format_args!(
            "whittle: preserving {} [{}; candidate timeout {:.1} s]",
            signature.describe(),
            self.oracle.oracle_name(),
            timeout.as_secs_f64()
        ));

        let empty = oracle.evaluate(EMPTY_MODULE)?;
        if signature.matches(&empty.outcome) {
            bail!(
                "the empty module also matches {}: the predicate or --expect is too loose to reduce with",
                signature.describe()
            );
        }

        // Never replace an existing repro of this failure with something larger.
        let existing = self.existing_repro(&output, &oracle, &signature);
        let mut written = false;
        let mut write_best = |m: &Module, pass: &str, stats: &Stats| -> Result<()> {
            if existing.is_none_or(|size| m.bytes.len() < size) {
                write_atomically(&output, &m.bytes)?;
                written = true;
            }
            if !self.quiet {
                eprintln!(
                    "[{:>7.1}s] {:<22} {:>9} bytes ({:5.1}%)  {} oracle calls",
                    started.elapsed().as_secs_f64(),
                    pass,
                    m.bytes.len(),
                    100.0 * m.bytes.len() as f64 / original.bytes.len() as f64,
                    stats.oracle_calls
                );
            }
            Ok(())
        };
        let mut interesting = |bytes: &[u8]| -> Result<bool> {
            Ok(signature.matches(&oracle.evaluate(bytes)?.outcome))
        };
        let mut reducer = Reducer::new(
            original.clone(),
            ReducerOptions {
                passes: passes.clone(),
                deadline: self.time_budget.map(|b| started + b),
                max_rounds: None,
                mutate_budget: self.mutate_budget,
            },
            &mut interesting,
            &mut write_best,
        );
        let best = reducer.run()?.clone();
        let stats = reducer.stats.clone();
        let stopped_early = reducer.out_of_time;
        drop(reducer);

        // Re-verify, then write the companions.
        let last = oracle.evaluate(&best.bytes)?;
        let still_fails = signature.matches(&last.outcome);
        if !written && existing.is_none_or(|size| best.bytes.len() < size) {
            write_atomically(&output, &best.bytes)?;
            written = true;
        }
        let wat = whittle_module::to_wat(&best.bytes);
        let mut report = Report {
            whittle_version: env!("CARGO_PKG_VERSION"),
            wasmtime_version: crate::WASMTIME_VERSION,
            input: input.display().to_string(),
            output: output.display().to_string(),
            oracle: self.oracle.oracle_name(),
            wasmtime_flags: self.oracle.flags.to_args(),
            reproduce: reproduce_command(&oracle, &self.oracle, &output),
            signature: signature.clone(),
            original_outcome: first.outcome.clone(),
            final_outcome: last.outcome.clone(),
            before: Metrics::of(&original),
            after: Metrics::of(&best),
            oracle_calls: 0,
            cache_hits: 0,
            invalid_skipped: 0,
            unrepairable_skipped: 0,
            not_smaller_skipped: 0,
            rounds: 0,
            wall_seconds: started.elapsed().as_secs_f64(),
            oracle_seconds: 0.0,
            stopped_early,
            passes: passes.iter().map(|p| p.name.to_string()).collect(),
            per_pass: Default::default(),
        };
        report.set_stats(&stats);
        if written {
            write_atomically(&sibling(&output, "wat"), wat.as_bytes())?;
            let json = serde_json::to_string_pretty(&report)?;
            write_atomically(&sibling(&output, "report.json"), json.as_bytes())?;
            write_atomically(
                &sibling(&output, "report.md"),
                report.markdown(&wat).as_bytes(),
            )?;
        }
        self.say(format_args!(
            "whittle: {} -> {} bytes, {} -> {} functions in {:.1} s ({} oracle calls, {} cached, {} invalid skipped){}",
            report.before.bytes,
            report.after.bytes,
            report.before.functions,
            report.after.functions,
            report.wall_seconds,
            stats.oracle_calls,
            stats.cache_hits,
            stats.invalid_skipped,
            if stopped_early { "; time budget reached" } else { "" }
        ));
        if written {
            self.say(format_args!("whittle: wrote {}", output.display()));
        } else {
            self.say(format_args!(
                "whittle: kept the existing {} (it is not larger than this result)",
                output.display()
            ));
        }
        if !still_fails {
            eprintln!(
                "whittle: warning: on re-check the result gave `{}`, not {}: the oracle is flaky",
                last.outcome.summary(),
                signature.describe()
            );
            return Ok(3);
        }
        Ok(0)
    }

    /// The size of an existing output that already fails the same way (it
    /// is then only replaced by something smaller). Any other existing file
    /// is simply the place the user asked the result to go.
    fn existing_repro(
        &self,
        output: &Path,
        oracle: &Oracle,
        signature: &Signature,
    ) -> Option<usize> {
        let bytes = std::fs::read(output).ok()?;
        let same = Module::parse(bytes.clone()).is_ok()
            && oracle
                .evaluate(&bytes)
                .is_ok_and(|e| signature.matches(&e.outcome));
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

    fn signature(&self, input: &Path, outcome: &whittle_oracle::Outcome) -> Result<Signature> {
        if self.oracle.predicate.is_some() {
            let sig = Signature::predicate_exit_zero();
            if !sig.matches(outcome) {
                bail!(
                    "{}: the predicate does not find the original interesting ({})",
                    input.display(),
                    outcome.summary()
                );
            }
            return Ok(sig);
        }
        if matches!(outcome, whittle_oracle::Outcome::Ok) {
            bail!(
                "{}: does not fail: {} compiles it with these flags",
                input.display(),
                self.oracle.oracle_name()
            );
        }
        Signature::pinned(
            outcome,
            self.oracle.expect.as_deref(),
            self.oracle.expect_kind,
        )
        .with_context(|| format!("{}", input.display()))
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

fn default_output(input: &Path) -> PathBuf {
    let stem = input.file_stem().unwrap_or_default().to_string_lossy();
    input.with_file_name(format!("{stem}.reduced.wasm"))
}

/// The command a user runs to see the failure of the reduced module.
fn reproduce_command(oracle: &Oracle, opts: &OracleOpts, output: &Path) -> String {
    let file = output.display().to_string();
    match (&opts.predicate, &opts.wasmtime) {
        (Some(_), _) | (_, Some(_)) => oracle.command_line(&file),
        _ => {
            let mut words = vec!["wasmtime".to_string(), "compile".to_string()];
            words.extend(opts.flags.to_args());
            words.push(file);
            words
                .iter()
                .map(|w| whittle_oracle::shell_quote(std::ffi::OsStr::new(w)))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
}
