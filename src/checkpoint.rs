//! The checkpoint kept next to the output (`OUTPUT.whittle/`), so that
//! `whittle reduce --resume` continues after a crash, a `kill -9` or a
//! Ctrl-C without redoing finished work.
//!
//! The driver's decisions are deterministic, so a run is fully described
//! by where it is (round, pass), the module that pass started from, and
//! every oracle answer so far: on resume the pass restarts from its base,
//! replays its earlier candidates from the answers (no oracle calls) and
//! continues exactly as the interrupted run would have.
//! - `state.json`: the checkpoint's format ([`FORMAT`]), the run's identity
//!   (input hash, arguments, version), signature, position and the name of
//!   its base file; rewritten atomically at each pass start, by the thread
//!   that writes new bests and after the bests queued before it
//!   ([`crate::best_writer`]), so the output is never older than the base
//!   the checkpoint names.
//! - `base-<hash>-<length>.wasm`: the module the current pass started from.
//!   Named by its cache key and written before `state.json` names it, so a
//!   kill between the two writes leaves the older state with its own base;
//!   bases no state names any more are removed after the state is written.
//! - `answers.log`: one line per oracle answer (`<hash> <length> <answer>`,
//!   the answer 0 for no, 1 for yes, 2 for a yes that `--confirm` turned
//!   into a no), appended as they come; a torn last line (a kill mid-write)
//!   is ignored.

use crate::output::{replace_unsynced, write_atomically};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use whittle_oracle::Outcome;
use whittle_reduce::{Gate, Position};

/// The layout and meaning of the files above; a checkpoint in any other
/// format is refused, never misread. Format 1 (no `format` field) keyed
/// answers with the standard library's `DefaultHasher`, whose values change
/// from one build of whittle to another; format 2 keys them with XXH64
/// ([`Gate::key`]), names the base file in the state and marks answers
/// that `--confirm` rejected.
pub const FORMAT: u64 = 2;

/// `state.json` as written: the state with the format and its base file.
#[derive(Serialize)]
struct StateOut<'a> {
    format: u64,
    base: String,
    #[serde(flatten)]
    state: &'a State,
}

/// `state.json` as read (once the format is known to be [`FORMAT`]).
#[derive(Deserialize)]
struct StateIn {
    base: String,
    #[serde(flatten)]
    state: State,
}

/// A pass's start as it goes to disk: its base module, then `state.json`
/// naming it, then the removal of bases no state names any more. Each step
/// is atomic, so a kill between any two leaves a state with its own base.
pub struct PassStartWrite {
    dir: PathBuf,
    base_name: String,
    /// `None` when the pass start written before this one had the same
    /// base.
    base: Option<Vec<u8>>,
    state_json: String,
}

impl PassStartWrite {
    /// Whether this pass start brings a base the checkpoint does not hold
    /// yet (it then moves more than the position).
    pub fn carries_base(&self) -> bool {
        self.base.is_some()
    }

    pub fn write(self) -> Result<()> {
        let path = self.dir.join(&self.base_name);
        // Progress (a new base) is written durably. Most passes start from
        // the base the one before them had: then only the pass index
        // changes, and an fsync at every pass start would cost more than
        // many passes (a kill loses nothing without it: the page cache
        // outlives the process).
        let new_base = match &self.base {
            Some(base) if !path.exists() => {
                write_atomically(&path, base)?;
                true
            }
            _ => false,
        };
        let state_path = self.dir.join("state.json");
        if new_base {
            write_atomically(&state_path, self.state_json.as_bytes())?;
        } else {
            replace_unsynced(&state_path, self.state_json.as_bytes())?;
        }
        // The base the state named before is gone only when this one is
        // another (a pass start with the same base carries none).
        if self.base.is_some() {
            for entry in std::fs::read_dir(&self.dir)?.flatten() {
                let file = entry.file_name();
                let file = file.to_string_lossy();
                if file.starts_with("base-") && file != self.base_name {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        Ok(())
    }
}

/// The file name of a base module: its cache key.
fn base_name(base: &[u8]) -> String {
    let (hash, len) = Gate::key(base);
    format!("base-{hash:016x}-{len}.wasm")
}

#[derive(Serialize, Deserialize)]
pub struct State {
    pub whittle_version: String,
    /// Cache key of the input module's bytes.
    pub input_key: (u64, usize),
    /// Everything on the command line that changes the search.
    pub arguments: Vec<String>,
    pub criterion: whittle_oracle::Criterion,
    pub original_outcome: Outcome,
    pub original_wall_seconds: f64,
    pub original_measured: whittle_oracle::Measured,
    pub position: Position,
}

pub struct Checkpoint {
    dir: PathBuf,
    /// Not yet on disk (see [`Checkpoint::create`]).
    fresh: bool,
    /// Answers the confirmation turned from yes to no, when opened.
    rejected_on_confirmation: u64,
    answers: Option<std::fs::File>,
    /// The base of the last pass start handed out: the next one with the
    /// same base does not copy it again (a giant function's base is
    /// megabytes, and most passes start from the one before's).
    last_base: Option<String>,
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
            last_base: None,
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
        let unreadable = || format!("{}: unreadable checkpoint", state_path.display());
        let value: serde_json::Value = serde_json::from_str(&text).with_context(unreadable)?;
        let format = value
            .get("format")
            .map_or(Some(1), serde_json::Value::as_u64);
        if format != Some(FORMAT) {
            let format = format.map_or("unknown".into(), |f| f.to_string());
            let writer = if format.parse::<u64>().is_ok_and(|f| f > FORMAT) {
                "a newer"
            } else {
                "an older"
            };
            bail!(
                "{}: the checkpoint is in format {format}, written by {writer} whittle; this one reads format {FORMAT}: run without --resume to start over",
                dir.display()
            );
        }
        let StateIn { base, mut state } = serde_json::from_value(value).with_context(unreadable)?;
        let base_path = dir.join(&base);
        let base_bytes = std::fs::read(&base_path)
            .with_context(|| format!("{}: checkpoint has no base module", dir.display()))?;
        if base_name(&base_bytes) != base {
            bail!(
                "{}: damaged checkpoint: the base module does not match its name",
                base_path.display()
            );
        }
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
            last_base: None,
        };
        Ok(Some((checkpoint, state, base_bytes)))
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

    /// A pass starts: what to record (where, and its base), to be written
    /// by [`PassStartWrite::write`], off the reducer's thread (see
    /// [`crate::best_writer`]) in the order they are made. The folder is
    /// made here, before any answer is appended to it.
    pub fn pass_start(&mut self, state: &State, base: &[u8]) -> Result<PassStartWrite> {
        self.ensure_created()?;
        let base_name = base_name(base);
        let out = StateOut {
            format: FORMAT,
            base: base_name.clone(),
            state,
        };
        let same_base = self.last_base.as_ref() == Some(&base_name);
        self.last_base = Some(base_name.clone());
        Ok(PassStartWrite {
            dir: self.dir.clone(),
            base_name,
            base: (!same_base).then(|| base.to_vec()),
            state_json: serde_json::to_string_pretty(&out)?,
        })
    }

    /// Record an answer; `rejected` when it is a no only because a
    /// confirmation run said no.
    pub fn answer(&mut self, key: (u64, usize), interesting: bool, rejected: bool) -> Result<()> {
        self.ensure_created()?;
        if self.answers.is_none() {
            let path = self.dir.join("answers.log");
            let mut file = OpenOptions::new()
                .create(true)
                .append(true)
                .read(true)
                .open(&path)
                .with_context(|| format!("{}: cannot open", path.display()))?;
            // A line torn by a kill must not run into the next one.
            if ends_without_newline(&mut file)? {
                file.write_all(b"\n")?;
            }
            self.answers = Some(file);
        }
        let file = self.answers.as_mut().expect("opened");
        let answer = if rejected { 2 } else { u8::from(interesting) };
        // One write per line: a kill tears at most the last one.
        file.write_all(format!("{:x} {} {answer}\n", key.0, key.1).as_bytes())
            .with_context(|| format!("{}: cannot write", self.dir.join("answers.log").display()))?;
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

/// Whether a non-empty file's last byte is not a newline.
fn ends_without_newline(file: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}
