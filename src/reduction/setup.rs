//! What a reduction settles before any check runs: the passes, where the
//! result goes (never over the input), the original module, and the
//! arguments a checkpoint must have been made with to be resumed.

use super::cpu::CpuClock;
use super::request::Reduction;
use crate::checkpoint::Checkpoint;
use crate::input::{is_stdin, read_module};
use crate::result_files;
use crate::same_file::refuse_overwriting_input;
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;
use whittle_module::Module;
use whittle_passes::{PassInfo, REGISTRY};

/// What the whole run keeps to, settled first.
pub(super) struct Setup {
    /// When the run started: the time budget counts from here.
    pub started: Instant,
    /// The CPU time since then, whittle's and its checks'.
    pub cpu: CpuClock,
    pub output: PathBuf,
    pub passes: Vec<&'static PassInfo>,
    /// Candidates checked at once.
    pub jobs: usize,
    /// The input's cache key: a checkpoint resumes only the same input.
    pub input_key: (u64, usize),
    /// The arguments that change the search.
    pub arguments: Vec<String>,
}

impl Reduction {
    /// The setup, and the original module read from the input. Refuses an
    /// unknown pass, a result with no place to go, or one that would
    /// overwrite the input.
    pub(super) fn set_up(&self) -> Result<(Setup, Module)> {
        let started = Instant::now();
        let cpu = CpuClock::start();
        if self.emit_wast {
            crate::wast::check_expressible(&self.oracle)?;
        }
        let mut passes = self.selected_passes()?;
        let output = match &self.output {
            Some(path) => path.clone(),
            None if is_stdin(&self.input) => {
                bail!("the module comes from stdin: say where the result goes with -o OUTPUT")
            }
            None => result_files::default_output(&self.input)?,
        };
        let written: Vec<PathBuf> = result_files::written_files(&output);
        let written: Vec<&Path> = written.iter().map(PathBuf::as_path).collect();
        refuse_overwriting_input(&self.input, &written, Some(&Checkpoint::dir_for(&output)))?;
        let original = read_module(&self.input)?;
        if self.oracle.only_compiles() && original.is_one_giant_function() {
            statements_first(&mut passes);
        }
        if self.oracle.expectation().counts_code() {
            truncate_before_removing(&mut passes);
        }
        let setup = Setup {
            started,
            cpu,
            jobs: self
                .jobs
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            input_key: whittle_reduce::Gate::key(&original.bytes),
            arguments: self.search_arguments(&passes),
            output,
            passes,
        };
        Ok((setup, original))
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
}

/// For a module that is mostly one giant function
/// ([`Module::is_one_giant_function`]), `remove-statements` goes first. The
/// passes before it take out declarations a few bytes at a time (an
/// export, a memory's limits), and each of their candidates keeps the whole
/// function, so its check compiles all of it: on a function of 640,000
/// statements compiled for riscv64, 5.3 s for each of `remove-exports` and
/// `shrink-limits`, while `remove-statements` halves the function with its
/// first success. After it, those passes check a module of a few dozen
/// bytes. Only where a check compiles and stops there: a run's failure can
/// hang on a declaration (a memory shrunk to no pages makes any access
/// trap, and `shrink-limits` first cut a trap that needs two statements
/// half a function apart, `bench/giant.sh`'s `two`, in 33 calls; after
/// `remove-statements` it took 88). A module of many functions keeps the
/// usual order: there `remove-functions` is the big cut.
fn statements_first(passes: &mut [&'static PassInfo]) {
    if let Some(at) = passes.iter().position(|p| p.name == "remove-statements") {
        passes[..=at].rotate_right(1);
    }
}

/// For a criterion that grows with the amount of code (peak memory,
/// compile time), `truncate-bodies` goes before `remove-statements`: its
/// bisection finds the shortest prefix of a giant initializer that still
/// crosses the bound in a logarithmic number of checks, and the result is
/// that prefix. Delta debugging over the statements first got within a few
/// of the count too, but then swept the rest one statement at a time (each
/// one counts), past any budget, and kept no prefix.
fn truncate_before_removing(passes: &mut [&'static PassInfo]) {
    let at = |name: &str| passes.iter().position(|p| p.name == name);
    if let (Some(remove), Some(truncate)) = (at("remove-statements"), at("truncate-bodies")) {
        if truncate > remove {
            passes[remove..=truncate].rotate_right(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(passes: &[&'static PassInfo]) -> Vec<&'static str> {
        passes.iter().map(|p| p.name).collect()
    }

    /// Whether `reorder` leaves the registry without `remove-statements`
    /// as it is.
    fn moves_nothing_without_statements(reorder: fn(&mut [&'static PassInfo])) -> bool {
        let mut some: Vec<&'static PassInfo> = REGISTRY
            .iter()
            .filter(|p| p.name != "remove-statements")
            .collect();
        let before = names(&some);
        reorder(&mut some);
        names(&some) == before
    }

    #[test]
    fn removing_statements_goes_first_and_nothing_else_moves() {
        let mut all: Vec<&'static PassInfo> = REGISTRY.iter().collect();
        let registry = names(&all);
        statements_first(&mut all);
        let moved = names(&all);
        assert_eq!(moved[0], "remove-statements");
        let others = |v: &[&'static str]| {
            v.iter()
                .filter(|p| **p != "remove-statements")
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(others(&moved), others(&registry));
        // Under a resource bound, truncating still comes before it.
        truncate_before_removing(&mut all);
        assert_eq!(names(&all)[..2], ["truncate-bodies", "remove-statements"]);
        // Without it, nothing moves.
        assert!(moves_nothing_without_statements(statements_first));
    }

    #[test]
    fn truncating_comes_before_removing_statements_only_when_both_run() {
        let mut all: Vec<&'static PassInfo> = REGISTRY.iter().collect();
        let registry = names(&all);
        truncate_before_removing(&mut all);
        let moved = names(&all);
        let at = |v: &[&str], n: &str| v.iter().position(|p| *p == n).unwrap();
        assert!(at(&registry, "remove-statements") < at(&registry, "truncate-bodies"));
        assert_eq!(
            at(&moved, "truncate-bodies"),
            at(&registry, "remove-statements")
        );
        assert_eq!(
            at(&moved, "remove-statements"),
            at(&registry, "remove-statements") + 1
        );
        // Nothing else moves.
        let without = |v: &[&'static str]| {
            v.iter()
                .filter(|p| !["truncate-bodies", "remove-statements"].contains(p))
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(without(&moved), without(&registry));
        // Without remove-statements there is nothing to reorder.
        assert!(moves_nothing_without_statements(truncate_before_removing));
    }
}
