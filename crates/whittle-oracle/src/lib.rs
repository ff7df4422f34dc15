//! The oracle of wasm-whittle: run one candidate module, say how it fails,
//! and judge whether that is still the failure being reduced.
//!
//! A reducer calls its oracle thousands of times on modules that are, by
//! construction, exactly the ones that break the compiler. The compiler may
//! panic, abort, segfault, loop forever or allocate without bound — and none
//! of that may take the reducer down. So every candidate is checked in a
//! **subprocess** ([`process`]) under a time and memory limit, in its own
//! process group that is killed afterwards, with bounded output capture.
//!
//! What the subprocess did is then classified into an [`Outcome`]
//! ([`classify`]): the built-in child answers with a JSON `Outcome` itself
//! (the protocol both sides speak is [`child_protocol`]), the `wasmtime
//! compile` and `wasmtime run` CLIs are parsed from their output (panic
//! reports, `Error:` chains, traps), and user predicates are judged by exit
//! code.
//!
//! Finally, reduction must preserve *the* bug, not just *a* failure: a
//! [`Signature`] ([`signature`]) derived from the original's outcome (or
//! pinned by the user with `--expect`/`--expect-kind`) decides whether a
//! candidate "fails the same way", comparing messages after masking numbers
//! that legitimately change as the module shrinks ([`normalize`]). The CLI
//! maps its flags to an [`Expectation`]; [`Judge::establish`] turns it into
//! the [`Criterion`] the original meets, and the [`Judge`] gives the
//! [`Verdict`] on every candidate ([`judge`]).
//!
//! A check's peak memory is the checked program's own ([`memory`]): the
//! built-in child reports it, other programs are started by a small
//! [`spawner`] so that the reducer's own memory does not count. How many
//! cores a check keeps busy is tallied too ([`load`]), so that `-j` does
//! not run several checks at once that each want the whole machine.
//!
//! [`Oracle`] ([`oracle`]) ties the running together: write the candidate
//! to a private temporary directory, run, classify. [`reaper`] makes sure
//! nothing a check starts outlives it or `whittle`, and [`scratch`] that no
//! candidate folder outlives its run for long.
//!
//! One answer needs no subprocess: when only a validation error counts
//! ([`Signature::only_validation_fails`]), a candidate that validates under
//! the checked engine's configuration cannot fail that way, and the oracle
//! says so from whittle's own process ([`Oracle::validation_first`]).
//! Validating is not the risky part (whittle validates every candidate
//! anyway); compiling is, and such a candidate is not compiled.
//!
//! # Glossary
//!
//! - **oracle**: what checks one candidate: a program run in a subprocess
//!   (the built-in child, the `wasmtime` CLI, a user predicate) and the
//!   limits it runs under ([`Oracle`]).
//! - **outcome**: how one check ended, classified: ok, error, panic,
//!   signal, exit, timeout, out-of-memory, trap, returned, or validated
//!   and not compiled ([`Outcome`]).
//! - **signature**: what an outcome must keep to be "the same failure":
//!   its kind and, by kind, normalized message, panic location, trap code,
//!   signal or exit code, or a user regex ([`Signature`]).
//! - **expectation**: what the user asks for before the original is seen:
//!   a failure (pinned or not), a predicate's yes, a resource bound, a
//!   disagreement ([`Expectation`]).
//! - **criterion**: what makes a candidate interesting, established on the
//!   original: a signature to keep, a resource bound to stay above, or a
//!   disagreement to keep ([`Criterion`]).
//! - **verdict**: whether one module meets the criterion, with the outcome
//!   and measurement it rests on ([`Verdict`]).
//! - **gate**: what a candidate passes before the oracle, in the driver
//!   (`whittle_reduce`'s `Gate`): a candidate judged before is answered
//!   from the cache, one invalid where the original was not is refused
//!   without a check. It saves checks; it gives no verdict.

mod ahead;
pub mod child_protocol;
pub mod classify;
pub mod criterion;
mod exit_watch;
pub mod explain;
pub mod judge;
pub mod load;
pub mod memory;
pub mod normalize;
pub mod oracle;
pub mod outcome;
pub mod process;
mod reap;
pub mod reaper;
pub mod scratch;
pub mod shell_words;
pub mod signature;
pub mod spawner;

pub use child_protocol::{ChildPeak, ChildRequest, Phase, Stubs, CHILD_COMMAND, OLD_CHILD_COMMAND};
pub use classify::{classify_builtin, classify_predicate, classify_wasmtime_cli};
pub use criterion::{disagreement, mib, Criterion, Measured, Verdict};
pub use judge::{Established, Expectation, Judge};
pub use load::CheckLoad;
pub use normalize::{failing_function, normalize_location, normalize_message};
pub use oracle::{Ending, Evaluation, InProcessValidation, Oracle, OracleKind, WORKDIR_VAR};
pub use outcome::{signal_name, Kind, Outcome};
pub use process::{
    cancel_all, cancel_running, cancelled, candidate_timeout, run, run_with_env, stop_requested,
    stop_when, RunLimits, RunResult, Termination, ORIGINAL_TIMEOUT,
};
pub use shell_words::{shell_quote, split_command};
pub use signature::Signature;
pub use spawner::SPAWN_COMMAND;
