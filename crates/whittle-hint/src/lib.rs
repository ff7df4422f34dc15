//! Execution as a hint: run the failing module once, see which functions
//! and arms it entered, and propose the module with everything else cut.
//!
//! When a failure is about running a module (a trap, a wrong result, a hang),
//! the code the failing run never reached cannot be part of it, and on real
//! programs that is most of the module. Delta debugging finds it too, but one
//! oracle call at a time; a single recorded run names all of it at once (the
//! idea behind the record-reduce-replay reducers, Wasm-R3 and RR-Reduce). The
//! cut is only a guess: the driver tries it once, before the passes, and the
//! oracle judges it like any other candidate.
//!
//! Recording works on a copy of the module ([`instrument`]) that marks a byte
//! of an extra memory at every function entry and arm start. Every index of
//! the original stays as it was, so the recorded bytes map straight back to
//! the original's functions and arms ([`Probes`]), and [`cut`] turns them
//! into an [`whittle_module::Edit`] of new bodies in which each arm that was
//! never entered holds just `unreachable` (the construct and its type stay)
//! and each function that was never entered is just `unreachable`; it also
//! names those functions, for a second candidate that removes them.

mod cut;
mod instrument;
mod probes;

pub use cut::{cut, Cut};
pub use instrument::{instrument, Instrumented, COVERAGE_EXPORT, START_EXPORT};
pub use probes::{Arm, FuncProbes, Probes};
