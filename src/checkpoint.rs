//! The checkpoint kept next to the output (`OUTPUT.whittle/`), so that
//! `whittle reduce --resume` continues after a crash, a `kill -9` or a
//! Ctrl-C without redoing finished work.
//!
//! The driver's decisions are deterministic, so a run is fully described
//! by where it is (round, pass), the module that pass started from, and
//! every oracle answer so far: on resume the pass restarts from its base,
//! replays its earlier candidates from the answers (no oracle calls) and
//! continues exactly as the interrupted run would have.
//! - `state.json`: the run's identity (input hash, arguments, version),
//!   signature and position; rewritten atomically at each pass start.
//! - `base.wasm`: the module the current pass started from.
//! - `answers.log`: one line per oracle answer, appended as they come; a
//!   torn last line (a kill mid-write) is ignored.

use crate::output::write_atomically;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use whittle_oracle::Outcome;
use whittle_reduce::Position;

#[derive(Serialize, Deserialize)]
pub struct State {
    pub whittle_version: String,
    /// Cache key of the input module's bytes.
    pub input_key: (u64, usize),
    /// Everything on the command line that changes the search.
    pub arguments: Vec<String>,
    pub criterion: crate::criterion::Criterion,
    pub original_outcome: Outcome,
    pub original_wall_seconds: f64,
    pub original_measured: crate::criterion::Measured,
    pub position: Position,
}

pub struct Checkpoint {
    dir: PathBuf,
    answers: Option<std::fs::File>,
}

impl Checkpoint {
    pub fn dir_for(output: &Path) -> PathBuf {
        let name = output.file_name().unwrap_or_default().to_string_lossy();
        output.with_file_name(format!("{name}.whittle"))
    }

    /// Start a fresh checkpoint (any old one is replaced).
    pub fn create(output: &Path) -> Result<Checkpoint> {
        let dir = Self::dir_for(output);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("{}: cannot clear the old checkpoint", dir.display()))?;
        }
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("{}: cannot create the checkpoint", dir.display()))?;
        Ok(Checkpoint { dir, answers: None })
    }

    /// Open an existing checkpoint: its state, base module and answers.
    pub fn open(output: &Path) -> Result<(Checkpoint, State, Vec<u8>)> {
        let dir = Self::dir_for(output);
        let state_path = dir.join("state.json");
        let text = std::fs::read_to_string(&state_path).with_context(|| {
            format!(
                "{}: no checkpoint to resume (run without --resume first)",
                dir.display()
            )
        })?;
        let mut state: State = serde_json::from_str(&text)
            .with_context(|| format!("{}: unreadable checkpoint", state_path.display()))?;
        let base = std::fs::read(dir.join("base.wasm"))
            .with_context(|| format!("{}: checkpoint has no base module", dir.display()))?;
        let log = std::fs::read_to_string(dir.join("answers.log")).unwrap_or_default();
        for line in log.lines() {
            let parts: Vec<&str> = line.split(' ').collect();
            if let [hash, len, answer] = parts[..] {
                if let (Ok(h), Ok(l), Ok(a)) = (
                    u64::from_str_radix(hash, 16),
                    len.parse(),
                    answer.parse::<u8>(),
                ) {
                    state.position.answers.push(((h, l), a == 1));
                }
            }
        }
        Ok((Checkpoint { dir, answers: None }, state, base))
    }

    pub fn check_same_run(
        state: &State,
        input_key: (u64, usize),
        arguments: &[String],
    ) -> Result<()> {
        if state.whittle_version != env!("CARGO_PKG_VERSION") {
            bail!(
                "the checkpoint was written by whittle {}, this is {}",
                state.whittle_version,
                env!("CARGO_PKG_VERSION")
            );
        }
        if state.input_key != input_key {
            bail!("the checkpoint belongs to another input module");
        }
        if state.arguments != arguments {
            bail!(
                "the checkpoint was made with other arguments: {}",
                state.arguments.join(" ")
            );
        }
        Ok(())
    }

    /// A pass starts: record where, and its base.
    pub fn pass_start(&mut self, state: &State, base: &[u8]) -> Result<()> {
        write_atomically(&self.dir.join("base.wasm"), base)?;
        write_atomically(
            &self.dir.join("state.json"),
            serde_json::to_string_pretty(state)?.as_bytes(),
        )
    }

    pub fn answer(&mut self, key: (u64, usize), interesting: bool) -> Result<()> {
        if self.answers.is_none() {
            self.answers = Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(self.dir.join("answers.log"))?,
            );
        }
        let file = self.answers.as_mut().expect("opened");
        writeln!(file, "{:x} {} {}", key.0, key.1, u8::from(interesting))?;
        Ok(())
    }

    /// The run finished: nothing left to resume.
    pub fn remove(self) -> Result<()> {
        std::fs::remove_dir_all(&self.dir)
            .with_context(|| format!("{}: cannot remove the checkpoint", self.dir.display()))
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }
}
