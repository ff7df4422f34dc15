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
//! - `answers.log`: one line per oracle answer (`<hash> <length> <answer>`,
//!   the answer 0 for no, 1 for yes, 2 for a yes that `--confirm` turned
//!   into a no), appended as they come; a torn last line (a kill mid-write)
//!   is ignored.

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
    /// Not yet on disk (see [`Checkpoint::create`]).
    fresh: bool,
    /// Answers the confirmation turned from yes to no, when opened.
    rejected_on_confirmation: u64,
    answers: Option<std::fs::File>,
}

impl Checkpoint {
    pub fn dir_for(output: &Path) -> PathBuf {
        let name = output.file_name().unwrap_or_default().to_string_lossy();
        output.with_file_name(format!("{name}.whittle"))
    }

    /// A fresh checkpoint. Nothing is touched on disk until the first pass
    /// starts: a run refused before that (the original does not fail, the
    /// empty module matches) leaves no folder and keeps an old checkpoint.
    pub fn create(output: &Path) -> Checkpoint {
        Checkpoint {
            dir: Self::dir_for(output),
            fresh: true,
            rejected_on_confirmation: 0,
            answers: None,
        }
    }

    /// Replace any old checkpoint by an empty folder, once.
    fn ensure_created(&mut self) -> Result<()> {
        if !self.fresh {
            return Ok(());
        }
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir).with_context(|| {
                format!("{}: cannot clear the old checkpoint", self.dir.display())
            })?;
        }
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("{}: cannot create the checkpoint", self.dir.display()))?;
        self.fresh = false;
        Ok(())
    }

    /// Open the checkpoint next to `output`: its state, base module and
    /// answers; `None` when there is none (no run got as far as its first
    /// pass).
    pub fn open(output: &Path) -> Result<Option<(Checkpoint, State, Vec<u8>)>> {
        let dir = Self::dir_for(output);
        let state_path = dir.join("state.json");
        let text = match std::fs::read_to_string(&state_path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "{}: cannot read the checkpoint",
                    state_path.display()
                )))
            }
        };
        let mut state: State = serde_json::from_str(&text)
            .with_context(|| format!("{}: unreadable checkpoint", state_path.display()))?;
        let base = std::fs::read(dir.join("base.wasm"))
            .with_context(|| format!("{}: checkpoint has no base module", dir.display()))?;
        let log = std::fs::read_to_string(dir.join("answers.log")).unwrap_or_default();
        let mut rejected_on_confirmation = 0;
        for line in log.lines() {
            let parts: Vec<&str> = line.split(' ').collect();
            if let [hash, len, answer] = parts[..] {
                if let (Ok(h), Ok(l), Ok(a)) = (
                    u64::from_str_radix(hash, 16),
                    len.parse(),
                    answer.parse::<u8>(),
                ) {
                    state.position.answers.push(((h, l), a == 1));
                    rejected_on_confirmation += u64::from(a == 2);
                }
            }
        }
        let checkpoint = Checkpoint {
            dir,
            fresh: false,
            rejected_on_confirmation,
            answers: None,
        };
        Ok(Some((checkpoint, state, base)))
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
        self.ensure_created()?;
        write_atomically(&self.dir.join("base.wasm"), base)?;
        write_atomically(
            &self.dir.join("state.json"),
            serde_json::to_string_pretty(state)?.as_bytes(),
        )
    }

    /// Record an answer; `rejected` when it is a no only because a
    /// confirmation run said no.
    pub fn answer(&mut self, key: (u64, usize), interesting: bool, rejected: bool) -> Result<()> {
        self.ensure_created()?;
        if self.answers.is_none() {
            self.answers = Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(self.dir.join("answers.log"))?,
            );
        }
        let file = self.answers.as_mut().expect("opened");
        let answer = if rejected { 2 } else { u8::from(interesting) };
        writeln!(file, "{:x} {} {answer}", key.0, key.1)?;
        Ok(())
    }

    /// The run finished: nothing left to resume.
    pub fn remove(self) -> Result<()> {
        if !self.dir.exists() {
            return Ok(());
        }
        std::fs::remove_dir_all(&self.dir)
            .with_context(|| format!("{}: cannot remove the checkpoint", self.dir.display()))
    }

    /// How many answers of the opened checkpoint a confirmation rejected.
    pub fn rejected_on_confirmation(&self) -> u64 {
        self.rejected_on_confirmation
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }
}
