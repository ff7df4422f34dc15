//! The finishing stage: `wasm-mutate` in reduction mode, for shrinking
//! rewrites no pass knows (peephole rules, code motion).
//!
//! Most mutants are decided without the oracle (cached, invalid, not
//! smaller), so making them is most of the stage's time: each run of
//! `wasm-mutate` builds its rewrite rules again. They are made seed by seed
//! on a thread of their own ([`Mutants`]), a few seeds ahead of the
//! judging. Which mutants are made, and the order they are judged in,
//! depend on the module and the seeds alone.
//!
//! They were made ahead for a while, from each round's start on a small
//! base, so that the last round's stage found them made. Every round that
//! changed its base lost that work, and its thread went on to its next
//! seed: medians of 7–9 runs without it, on the small corpus rows, were
//! 3–16% faster at `-j 1` and 5–12% at `-j 2`, the giant 10k and 40k rows
//! 1–14% (`bench/parallel-history.md`).

use crate::driver::Reducer;
use crate::judge::Built;
use crate::pool::FINAL_CHECK_KEY;
use anyhow::Result;
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::time::Instant;
use whittle_module::Module;

/// The stage's name in the statistics.
const NAME: &str = "wasm-mutate";

/// Mutants taken from one seed.
const PER_SEED: usize = 4;

/// Seeds whose mutants are made ahead of the judging: the next ones are
/// made while a seed's are judged, and the thread stops soon after the
/// stage does.
const SEEDS_AHEAD: usize = 2;

/// The mutants of one module, a seed's at a time in seed order, within the
/// budget. `makers` threads make them, each every `makers`-th seed (`-j`
/// of them, at most the cores: a seed's mutants take a millisecond or more
/// to make, and most are judged without the oracle); they stop when the
/// mutants are no longer wanted (this is dropped) or their seeds run out.
pub(crate) struct Mutants {
    /// Each maker's seeds' mutants, in its seeds' order.
    makers: Vec<Receiver<Vec<Vec<u8>>>>,
    budget: usize,
    /// Mutants handed out so far.
    made: usize,
    /// The next seed to hand out.
    seed: u64,
}

impl Mutants {
    fn start(input: Vec<u8>, budget: usize, makers: usize) -> Mutants {
        let input: Arc<[u8]> = input.into();
        let makers = makers.max(1) as u64;
        let mut receivers = Vec::new();
        for maker in 0..makers {
            let (sender, receiver) = mpsc::sync_channel::<Vec<Vec<u8>>>(SEEDS_AHEAD);
            let input = Arc::clone(&input);
            let started = std::thread::Builder::new()
                .name("whittle-mutate".into())
                .spawn(move || {
                    let seeds = (1 + maker..=last_seed(budget)).step_by(makers as usize);
                    for seed in seeds {
                        if sender.send(mutants_of(&input, seed)).is_err() {
                            return;
                        }
                    }
                });
            if started.is_err() {
                // No mutants at all rather than some seeds' only.
                eprintln!("whittle: cannot start a thread for wasm-mutate; its stage is skipped");
                receivers.clear();
                break;
            }
            receivers.push(receiver);
        }
        Mutants {
            makers: receivers,
            budget,
            made: 0,
            seed: 1,
        }
    }

    /// The next seed's mutants, cut to the budget left; `None` once the
    /// budget or the seeds are spent.
    fn next_batch(&mut self) -> Option<Vec<Vec<u8>>> {
        if self.made >= self.budget || self.seed > last_seed(self.budget) {
            return None;
        }
        let maker = (self.seed - 1) as usize % self.makers.len().max(1);
        let batch = self.makers.get(maker)?.recv().ok()?;
        self.seed += 1;
        let batch: Vec<Vec<u8>> = batch.into_iter().take(self.budget - self.made).collect();
        self.made += batch.len();
        Some(batch)
    }
}

impl Reducer<'_> {
    /// The finishing stage: `wasm-mutate` in reduction mode, with fixed
    /// seeds (so runs are reproducible) and a budget of candidates. It finds
    /// shrinking rewrites no pass here knows (peephole rules, code motion).
    /// Returns whether it found a smaller module.
    pub(crate) fn mutate(&mut self) -> Result<bool> {
        self.stats.per_pass.entry(NAME.to_string()).or_default();
        let budget = self.opts.mutate_budget;
        if budget == 0 || self.should_stop() {
            return Ok(false);
        }
        // A maker a job, as many as the cores hold: more would take the
        // cores from the checks (a predicate's -j 16 on two cores).
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let makers = self.opts.jobs.min(cores);
        let mutants = Mutants::start(self.best.bytes.clone(), budget, makers);
        self.start_final_check()?;
        let found = self.judge_mutants(mutants);
        match found {
            Ok(false) if !self.should_stop() => self.wait_for_final_check()?,
            _ => self.stop_final_check(),
        }
        found
    }

    /// Judge the mutants, a seed's at a time, until one is accepted (then
    /// `true`), the budget is spent or a stop is requested.
    fn judge_mutants(&mut self, mut mutants: Mutants) -> Result<bool> {
        loop {
            let waited = Instant::now();
            let Some(batch) = mutants.next_batch() else {
                return Ok(false);
            };
            // Waiting for mutants is this stage's own work.
            self.pass_stats(NAME).build_time += waited.elapsed();
            let built: Vec<Result<Built>> = batch
                .into_iter()
                .map(|b| Module::parse(b).map(Built::unchecked))
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

/// The caller's final check of the result (see
/// [`Reducer::check_result_beside_mutants`]): started with the stage, on
/// the best it starts from; waited for when the stage takes nothing out,
/// so that the result is the best it checked; stopped otherwise.
impl Reducer<'_> {
    fn start_final_check(&mut self) -> Result<()> {
        if self.final_check.is_none() {
            return Ok(());
        }
        // One stopped at an earlier stage ends first (it holds the key).
        self.wait_for_final_check()?;
        if let Some(pool) = &mut self.pool {
            pool.start_final_check(Arc::clone(&self.best));
        }
        Ok(())
    }

    fn stop_final_check(&mut self) {
        if let Some(running) = self
            .pool
            .as_ref()
            .and_then(|pool| pool.running.get(&FINAL_CHECK_KEY))
        {
            running.stop();
        }
    }

    /// Collect what ends until the final check has.
    fn wait_for_final_check(&mut self) -> Result<()> {
        let Some(mut pool) = self.pool.take() else {
            return Ok(());
        };
        let mut waited = Ok(());
        while pool.running.contains_key(&FINAL_CHECK_KEY) {
            let Some(done) = pool.wait() else {
                break;
            };
            if let Err(e) = self.collect(&mut pool, done) {
                waited = Err(e);
                break;
            }
        }
        self.pool = Some(pool);
        waited
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

#[cfg(test)]
mod tests {
    /// However many threads make them, the mutants come in the same order,
    /// cut at the same budget.
    #[test]
    fn makers_hand_out_the_same_mutants_in_the_same_order() {
        let input = wat::parse_str(
            "(module (func (export \"f\") (result i32) i32.const 1 i32.const 2 i32.add i32.const 3 i32.mul))",
        )
        .unwrap();
        let all = |makers: usize, budget: usize| {
            let mut mutants = super::Mutants::start(input.clone(), budget, makers);
            std::iter::from_fn(|| mutants.next_batch()).collect::<Vec<_>>()
        };
        for budget in [1, 7, 40] {
            let one = all(1, budget);
            assert!(one.iter().map(Vec::len).sum::<usize>() <= budget);
            assert!(one.iter().any(|batch| !batch.is_empty()), "budget {budget}");
            assert_eq!(all(2, budget), one, "budget {budget}");
            assert_eq!(all(3, budget), one, "budget {budget}");
        }
    }

    use crate::driver::tests::options;
    use crate::driver::{Event, Reducer};
    use anyhow::Result;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Mutex;
    use std::time::Duration;
    use whittle_module::Module;

    /// From two jobs the caller's final check runs on the result while the
    /// finishing stage's checks run, last (and maybe on an earlier best a
    /// stage started from: here the stage takes the export out, so the
    /// search goes on to a next stage); at one job, never.
    #[test]
    fn the_result_is_checked_beside_the_mutants() {
        for jobs in [1, 2] {
            let original = Module::parse(
                wat::parse_str(
                    r#"(module
                         (import "env" "bug" (func $bug (param i32)))
                         (func (export "f") (param i32) (result i32)
                           local.get 0 i32.const 1 i32.add
                           i32.const 7 call $bug))"#,
                )
                .unwrap(),
            )
            .unwrap();
            let running = AtomicUsize::new(0);
            let interesting = |bytes: &[u8]| -> Result<bool> {
                running.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(30));
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(wasmprinter::print_bytes(bytes)?.contains("call $bug"))
            };
            let checked = Mutex::new(Vec::new());
            let beside = AtomicBool::new(false);
            // Whether a candidate's check runs within 2 s of its start.
            let final_check = |bytes: &[u8]| -> Result<()> {
                let start = std::time::Instant::now();
                while start.elapsed() < Duration::from_secs(2) {
                    if running.load(Ordering::SeqCst) > 0 {
                        beside.store(true, Ordering::SeqCst);
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                checked.lock().unwrap().push(bytes.to_vec());
                Ok(())
            };
            let mut on_event = |_: Event<'_>| -> Result<()> { Ok(()) };
            let passes = vec![whittle_passes::find("remove-instructions").unwrap()];
            let mut reducer = Reducer::new(
                original,
                options(jobs, passes, 20),
                &interesting,
                &mut on_event,
            );
            reducer.check_result_beside_mutants(&final_check);
            let best = reducer.run().unwrap().clone();
            let mutate_calls = reducer.stats.per_pass["wasm-mutate"].oracle_calls;
            drop(reducer);
            let checked = checked.into_inner().unwrap();
            if jobs == 1 {
                assert!(checked.is_empty());
            } else {
                let (last, earlier) = checked.split_last().expect("checked");
                assert_eq!(*last, best.bytes);
                assert!(earlier.iter().all(|bytes| *bytes != best.bytes));
                assert!(mutate_calls > 0);
                assert!(beside.load(Ordering::SeqCst), "checked alone");
            }
        }
    }
}
