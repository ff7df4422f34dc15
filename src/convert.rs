//! `whittle convert`: WAT to binary or binary to WAT, with the same reader
//! and printer as the reducer (so modules over `wasmparser`'s limits, such
//! as a function type with 1001 results, convert too).

use crate::input::read_module;
use crate::output::write_atomically;
use anyhow::Result;
use std::path::PathBuf;

/// Convert a module between .wat and .wasm (by OUTPUT's extension).
#[derive(clap::Args, Debug)]
pub struct ConvertOpts {
    /// The module (.wasm or .wat; `-` reads it from stdin).
    pub input: PathBuf,
    /// Where to write it: `.wat` for text, anything else for binary.
    #[arg(short, long)]
    pub output: PathBuf,
}

impl ConvertOpts {
    pub fn run(self) -> Result<crate::exit_code::ExitCode> {
        crate::same_file::refuse_overwriting_input(&self.input, &[&self.output], None)?;
        let m = read_module(&self.input)?;
        let text = self.output.extension().is_some_and(|e| e == "wat");
        if text {
            write_atomically(&self.output, whittle_module::to_wat(&m.bytes).as_bytes())?;
        } else {
            write_atomically(&self.output, &m.bytes)?;
        }
        Ok(crate::exit_code::ExitCode::Done)
    }
}
