//! `whittle`: reduce a WebAssembly module on which Wasmtime fails to the
//! smallest module that still fails the same way.
//!
//! The command line only: each subcommand's options and work are in the
//! `wasm_whittle` library (`src/lib.rs`), the oracle, the passes and the
//! driver in the crates under `crates/`.

use clap::{Parser, Subcommand};
use wasm_whittle::exit_code::ExitCode;
use wasm_whittle::{check, child, convert, corpus, profile, recheck, reduce, version};

#[derive(Parser, Debug)]
#[command(name = "whittle", version = version::LINE, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Check(check::CheckOpts),
    Reduce(reduce::ReduceOpts),
    Corpus(corpus::CorpusOpts),
    Recheck(recheck::RecheckOpts),
    Profile(profile::ProfileOpts),
    Convert(convert::ConvertOpts),
    /// Internal: the built-in oracle's child process.
    #[command(name = whittle_oracle::CHILD_COMMAND, alias = whittle_oracle::OLD_CHILD_COMMAND, hide = true)]
    Child(whittle_oracle::ChildRequest),
}

fn main() {
    // Started as a check: die with the whittle that started it, before
    // anything else (see whittle_oracle::reaper).
    whittle_oracle::reaper::arm_death_signal();
    // The spawner that starts external checks (see whittle_oracle::spawner)
    // must stay small: it acts before anything else is set up.
    let mut args = std::env::args_os();
    if args
        .nth(1)
        .is_some_and(|a| a == whittle_oracle::SPAWN_COMMAND)
    {
        std::process::exit(whittle_oracle::spawner::main(args));
    }
    // Like other Unix tools, die quietly when a reader closes the pipe
    // (`whittle check x.wasm | head -1`) instead of panicking in println!.
    // SAFETY: restoring the default disposition of a signal at startup,
    // before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::try_parse().unwrap_or_else(|e| {
        let _ = e.print();
        if e.kind() == clap::error::ErrorKind::MissingRequiredArgument
            && std::env::args().any(|a| a == "--invoke")
        {
            // `--invoke NAME ARGS...` takes every word up to the next flag.
            eprintln!("note: --invoke takes NAME and the function's arguments: write the module before --invoke");
        }
        std::process::exit(e.exit_code())
    });
    if !matches!(cli.command, Command::Child(_) | Command::Convert(_)) {
        // Still single-threaded here, as the watchdog's fork requires.
        if let Err(e) = whittle_oracle::reaper::start() {
            eprintln!("whittle: warning: cannot guard against leftover processes ({e}): a killed whittle may leave its checks running");
        }
    }
    let code = match cli.command {
        Command::Child(opts) => child::run(opts),
        Command::Check(opts) => report_error(opts.run()),
        Command::Reduce(opts) => report_error(opts.run()),
        Command::Corpus(opts) => report_error(opts.run()),
        Command::Recheck(opts) => report_error(opts.run()),
        Command::Profile(opts) => report_error(opts.run()),
        Command::Convert(opts) => report_error(opts.run()),
    };
    whittle_oracle::reaper::finish();
    std::process::exit(code);
}

/// Errors are one line, naming the file and what is wrong; exit code 2.
fn report_error(result: anyhow::Result<impl Into<i32>>) -> i32 {
    match result {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("whittle: error: {e:#}");
            ExitCode::Refused.code()
        }
    }
}
