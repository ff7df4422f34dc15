//! What a reduction settles before any check runs: the passes, where the
//! result goes (never over the input), the original module, and the
//! arguments a checkpoint must have been made with to be resumed.

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
        if self.emit_wast {
            crate::wast::check_expressible(&self.oracle)?;
        }
        let passes = self.selected_passes()?;
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
        let setup = Setup {
            started,
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
