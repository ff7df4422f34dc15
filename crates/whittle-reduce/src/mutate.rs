//! The finishing stage: `wasm-mutate` in reduction mode, for shrinking
//! rewrites no pass knows (peephole rules, code motion).
//!
//! Most mutants are decided without the oracle (cached, invalid, not
//! smaller), so making them was most of the stage's time: each run of
//! `wasm-mutate` builds its rewrite rules again, 5 ms for the stage on a
//! 36-byte module, a third of whittle's own time in a reduction of 0.15 s.
//! So they are made seed by seed on a thread of their own ([`Mutants`]),
//! started with each round of passes on a small base: when the round
//! changes nothing (the last one), the stage finds them made, its judging
//! overlapping nothing but the round's own checks. Which mutants are made,
//! and the order they are judged in, depend on the module and the seeds
//! alone, as before.

use crate::driver::Reducer;
use anyhow::Result;
use std::sync::mpsc::{self, Receiver};
use std::time::Instant;
use whittle_module::{Module, Validity};

/// Mutants taken from one seed.
const PER_SEED: usize = 4;

/// Mutants are made ahead, with a round, only of a base at most this big:
/// the last rounds' bases are small, and the work is lost when the round
/// changes its base.
const AHEAD_MAX_BYTES: usize = 16 * 1024;

/// Mutants held made ahead of the judging at most (about).
const AHEAD_BUFFER_BYTES: usize = 4 << 20;

/// The mutants of one module, a seed's at a time, from a thread that
/// stops when they are no longer wanted (this is dropped) or the budget is
/// made.
pub(crate) struct Mutants {
    of: Vec<u8>,
    batches: Receiver<Vec<Vec<u8>>>,
}

impl Mutants {
    fn start(of: Vec<u8>, budget: usize) -> Mutants {
        // As many seeds ahead as a few MB of mutants hold: all of them for
        // the small modules made ahead, one for a large one.
        let ahead = (AHEAD_BUFFER_BYTES / (PER_SEED * of.len().max(1))).clamp(1, budget.max(1));
        let (sender, batches) = mpsc::sync_channel::<Vec<Vec<u8>>>(ahead);
        let input = of.clone();
        let made = std::thread::Builder::new()
            .name("whittle-mutate".into())
            .spawn(move || {
                let mut made = 0;
                for seed in 1..=last_seed(budget) {
                    let batch: Vec<Vec<u8>> = mutants_of(&input, seed)
                        .into_iter()
                        .take(budget - made)
                        .collect();
                    made += batch.len();
                    if sender.send(batch).is_err() || made >= budget {
                        return;
                    }
                }
            });
        if made.is_err() {
            // No thread: no mutants (the receiver sees a closed channel).
            eprintln!("whittle: cannot start a thread for wasm-mutate; its stage is skipped");
        }
        Mutants { of, batches }
    }
}

impl Reducer<'_> {
    /// Start making the finishing stage's mutants of the best, at a
    /// round's start, when it is small (see the module docs).
    pub(crate) fn make_mutants_ahead(&mut self) {
        let budget = self.opts.mutate_budget;
        if budget == 0 || self.best.bytes.len() > AHEAD_MAX_BYTES {
            return;
        }
        if self
            .mutants
            .as_ref()
            .is_some_and(|m| m.of == self.best.bytes)
        {
            return;
        }
        self.mutants = Some(Mutants::start(self.best.bytes.clone(), budget));
    }

    /// The finishing stage: `wasm-mutate` in reduction mode, with fixed
    /// seeds (so runs are reproducible) and a budget of candidates. It finds
    /// shrinking rewrites no pass here knows (peephole rules, code motion).
    /// Returns whether it found a smaller module.
    pub(crate) fn mutate(&mut self) -> Result<bool> {
        const NAME: &str = "wasm-mutate";
        self.stats.per_pass.entry(NAME.to_string()).or_default();
        let budget = self.opts.mutate_budget;
        if budget == 0 || self.should_stop() {
            return Ok(false);
        }
        let mutants = match self.mutants.take() {
            Some(made) if made.of == self.best.bytes => made,
            _ => Mutants::start(self.best.bytes.clone(), budget),
        };
        loop {
            let waited = Instant::now();
            let Ok(batch) = mutants.batches.recv() else {
                return Ok(false);
            };
            // Waiting for mutants is this stage's own work.
            self.pass_stats(NAME).build_time += waited.elapsed();
            let built: Vec<Result<(Module, Option<Validity>)>> = batch
                .into_iter()
                .map(|b| Module::parse(b).map(|m| (m, None)))
                .collect();
            let judged = self.judge(NAME, built, None)?;
            if self.accept_first(NAME, judged)?.is_some() {
                return Ok(true);
            }
            if self.should_stop() {
                return Ok(false);
            }
        }
    }
}

/// The last seed tried: seeds that give no mutant do not count against the
/// budget, so a module `wasm-mutate` can do little with ends here.
fn last_seed(budget: usize) -> u64 {
    4 * budget as u64 + 16
}

/// Up to [`PER_SEED`] mutants of `input` from one seed (none if
/// `wasm-mutate` fails or panics on it).
fn mutants_of(input: &[u8], seed: u64) -> Vec<Vec<u8>> {
    std::panic::catch_unwind(|| {
        let mut wm = wasm_mutate::WasmMutate::default();
        wm.seed(seed)
            .fuel(1000)
            .reduce(true)
            .preserve_semantics(false);
        let mutants = match wm.run(input) {
            Ok(iter) => iter.take(PER_SEED).filter_map(Result::ok).collect(),
            Err(_) => Vec::new(),
        };
        mutants
    })
    .unwrap_or_default()
}
