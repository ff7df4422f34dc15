//! The built-in oracle's child: compile one module with the `wasmtime`
//! crate and print the outcome as one JSON line.
//!
//! It runs in its own process (the parent re-executes `whittle`), so a
//! panic is caught here and reported with its message and location, while
//! an abort, a segfault or a stack overflow kills only this process and is
//! seen by the parent as a signal.

use crate::flags::WasmtimeFlags;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Mutex;
use whittle_oracle::Outcome;

#[derive(clap::Args, Debug)]
pub struct ChildOpts {
    /// Wasmtime flags, as produced by `WasmtimeFlags::to_args`, then the module.
    #[arg(allow_hyphen_values = true, num_args = 1..)]
    args: Vec<String>,
}

static PANIC: Mutex<Option<(String, Option<String>)>> = Mutex::new(None);

pub fn run(opts: ChildOpts) -> i32 {
    let mut args = opts.args;
    let path = PathBuf::from(args.pop().unwrap_or_default());
    panic::set_hook(Box::new(|info| {
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "Box<dyn Any>".to_string()
        };
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        eprintln!(
            "panicked at {}: {message}",
            location.as_deref().unwrap_or("?")
        );
        let mut slot = PANIC.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some((message, location));
        }
    }));
    let outcome = match panic::catch_unwind(AssertUnwindSafe(|| compile(&args, &path))) {
        Ok(outcome) => outcome,
        Err(_) => {
            let (message, location) = PANIC
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_else(|| ("unknown panic".to_string(), None));
            Outcome::Panic {
                message,
                location: location.map(|l| whittle_oracle::normalize_location(&l)),
            }
        }
    };
    println!(
        "{}",
        serde_json::to_string(&outcome).expect("outcome serializes")
    );
    0
}

fn compile(args: &[String], path: &std::path::Path) -> Outcome {
    let error = |e: anyhow::Error| Outcome::Error {
        message: format!("{e:#}"),
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return Outcome::Error {
                message: format!("whittle child: cannot read {}: {e}", path.display()),
            }
        }
    };
    let config = match WasmtimeFlags::config_from_args(args) {
        Ok(c) => c,
        Err(e) => return error(e),
    };
    let engine = match wasmtime::Engine::new(&config) {
        Ok(e) => e,
        Err(e) => return error(anyhow::anyhow!("{e:#}")),
    };
    match engine.precompile_module(&bytes) {
        Ok(_) => Outcome::Ok,
        Err(e) => error(anyhow::anyhow!("{e:#}")),
    }
}
