//! The finishing stage: `wasm-mutate` in reduction mode, for shrinking
//! rewrites no pass knows (peephole rules, code motion).

use crate::driver::Reducer;
use anyhow::Result;
use whittle_module::{Module, Validity};

impl Reducer<'_> {
    /// The finishing stage: `wasm-mutate` in reduction mode, with fixed
    /// seeds (so runs are reproducible) and a budget of candidates. It finds
    /// shrinking rewrites no pass here knows (peephole rules, code motion).
    /// Returns whether it found a smaller module.
    pub(crate) fn mutate(&mut self) -> Result<bool> {
        const NAME: &str = "wasm-mutate";
        const PER_SEED: usize = 4;
        let mut tried = 0;
        let mut seed = 0u64;
        self.stats.per_pass.entry(NAME.to_string()).or_default();
        while tried < self.opts.mutate_budget && !self.should_stop() {
            seed += 1;
            if seed > 4 * self.opts.mutate_budget as u64 + 16 {
                break;
            }
            let input = self.best.bytes.clone();
            let mutants: Vec<Vec<u8>> = std::panic::catch_unwind(|| {
                let mut wm = wasm_mutate::WasmMutate::default();
                wm.seed(seed)
                    .fuel(1000)
                    .reduce(true)
                    .preserve_semantics(false);
                let mutants = match wm.run(&input) {
                    Ok(iter) => iter.take(PER_SEED).filter_map(Result::ok).collect(),
                    Err(_) => Vec::new(),
                };
                mutants
            })
            .unwrap_or_default();
            let mutants: Vec<Result<(Module, Option<Validity>)>> = mutants
                .into_iter()
                .take(self.opts.mutate_budget - tried)
                .map(|b| Module::parse(b).map(|m| (m, None)))
                .collect();
            tried += mutants.len();
            let judged = self.judge(NAME, mutants, None)?;
            if self.accept_first(NAME, judged)?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
