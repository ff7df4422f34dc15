//! The reduction loop.
//!
//! For each pass in schedule order the driver fixes a *base* module, asks
//! the pass how to search it, and tries choices against that base:
//! - `Subsets(n)`: remove all targets at once, then chunks of n/2, n/4, ...,
//!   down to single targets; every accepted chunk stays removed while the
//!   later chunks are tried (ddmin as llvm-reduce does it).
//! - `Lengths(lens)`: per target, bisect the smallest length that still
//!   fails.
//!
//! Rounds repeat until one changes nothing, so the result is 1-minimal for
//! the pass set: no single target of any pass can be removed. Each accepted
//! candidate is handed to `on_best` (which writes it out atomically).

use crate::cost::{complexity, cost};
use crate::gate::{Gate, GateDecision};
use crate::stats::Stats;
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;
use whittle_module::{apply, Module};
use whittle_passes::{Choice, Pass, PassInfo, Search};

pub struct ReducerOptions {
    pub passes: Vec<&'static PassInfo>,
    /// Stop (keeping the best so far) once this instant has passed.
    pub deadline: Option<Instant>,
    /// Stop after this many rounds even if the last one changed something.
    pub max_rounds: Option<u64>,
    /// Candidates the `wasm-mutate` finishing stage may try (0: none).
    pub mutate_budget: usize,
}

/// What the driver calls: the oracle plus the signature check.
pub type Interesting<'a> = dyn FnMut(&[u8]) -> Result<bool> + 'a;
/// Called with every new best and the name of the pass that found it.
pub type OnBest<'a> = dyn FnMut(&Module, &str, &Stats) -> Result<()> + 'a;

pub struct Reducer<'a> {
    opts: ReducerOptions,
    interesting: &'a mut Interesting<'a>,
    on_best: &'a mut OnBest<'a>,
    gate: Gate,
    best: Module,
    best_cost: usize,
    /// Computed only when a candidate ties on cost.
    best_complexity: Option<usize>,
    pub stats: Stats,
    /// Set when the deadline passed: the search stops where it is.
    pub out_of_time: bool,
}

impl<'a> Reducer<'a> {
    /// `original` must already be known to be interesting.
    pub fn new(
        original: Module,
        opts: ReducerOptions,
        interesting: &'a mut Interesting<'a>,
        on_best: &'a mut OnBest<'a>,
    ) -> Reducer<'a> {
        let mut gate = Gate::new(&original.bytes);
        gate.remember(&original.bytes, true);
        Reducer {
            opts,
            interesting,
            on_best,
            gate,
            best_cost: cost(&original),
            best_complexity: None,
            best: original,
            stats: Stats::default(),
            out_of_time: false,
        }
    }

    pub fn best(&self) -> &Module {
        &self.best
    }

    /// Run rounds until a fixpoint (or the deadline), then the `wasm-mutate`
    /// finishing stage; if that finds something, rounds run again.
    pub fn run(&mut self) -> Result<&Module> {
        loop {
            self.rounds()?;
            if self.out_of_time || !self.mutate()? {
                return Ok(&self.best);
            }
        }
    }

    /// The deterministic passes, round after round, until one changes nothing.
    fn rounds(&mut self) -> Result<()> {
        loop {
            if self
                .opts
                .max_rounds
                .is_some_and(|max| self.stats.rounds >= max)
            {
                break;
            }
            self.stats.rounds += 1;
            let before = (self.best_cost, self.best_complexity);
            for info in self.opts.passes.clone() {
                let pass = (info.make)();
                self.run_pass(info.name, pass.as_ref())?;
                if self.out_of_time {
                    return Ok(());
                }
            }
            if (self.best_cost, self.best_complexity) == before {
                break;
            }
        }
        Ok(())
    }

    /// The finishing stage: `wasm-mutate` in reduction mode, with fixed
    /// seeds (so runs are reproducible) and a budget of candidates. It finds
    /// shrinking rewrites no pass here knows (peephole rules, code motion).
    /// Returns whether it found a smaller module.
    fn mutate(&mut self) -> Result<bool> {
        const NAME: &str = "wasm-mutate";
        const PER_SEED: usize = 4;
        let mut tried = 0;
        let mut found = false;
        let mut seed = 0u64;
        while tried < self.opts.mutate_budget && !self.out_of_time {
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
            for bytes in mutants {
                if tried >= self.opts.mutate_budget {
                    break;
                }
                if self.opts.deadline.is_some_and(|d| Instant::now() >= d) {
                    self.out_of_time = true;
                    break;
                }
                tried += 1;
                self.pass_stats(NAME).candidates += 1;
                if self.consider(NAME, bytes)? {
                    found = true;
                    break;
                }
            }
        }
        Ok(found)
    }

    fn run_pass(&mut self, name: &'static str, pass: &dyn Pass) -> Result<()> {
        let base = self.best.clone();
        self.stats.per_pass.entry(name.to_string()).or_default();
        match pass.search(&base) {
            Search::Subsets(n) => self.ddmin(name, pass, &base, n),
            Search::Lengths(lengths) => self.bisect(name, pass, &base, &lengths),
        }
    }

    fn ddmin(
        &mut self,
        name: &'static str,
        pass: &dyn Pass,
        base: &Module,
        n: usize,
    ) -> Result<()> {
        let mut removed = BTreeSet::new();
        let mut chunk = n;
        while chunk > 0 {
            let mut start = 0;
            while start < n {
                let end = (start + chunk).min(n);
                let mut candidate = removed.clone();
                let before = candidate.len();
                candidate.extend(start..end);
                if candidate.len() > before
                    && self.try_choice(name, pass, base, Choice::Subset(&candidate))?
                {
                    removed = candidate;
                }
                if self.out_of_time {
                    return Ok(());
                }
                start = end;
            }
            if chunk == 1 {
                break;
            }
            chunk = chunk.div_ceil(2);
        }
        Ok(())
    }

    fn bisect(
        &mut self,
        name: &'static str,
        pass: &dyn Pass,
        base: &Module,
        lengths: &[usize],
    ) -> Result<()> {
        let mut accepted: BTreeMap<usize, usize> = BTreeMap::new();
        for (target, &len) in lengths.iter().enumerate() {
            // `len` itself is the unchanged body, known to be interesting.
            let (mut lo, mut hi) = (0, len);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let mut candidate = accepted.clone();
                candidate.insert(target, mid);
                if self.try_choice(name, pass, base, Choice::Lengths(&candidate))? {
                    hi = mid;
                    accepted = candidate;
                } else {
                    lo = mid + 1;
                }
                if self.out_of_time {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Build, gate and (maybe) run one candidate; accept it if interesting.
    fn try_choice(
        &mut self,
        name: &'static str,
        pass: &dyn Pass,
        base: &Module,
        choice: Choice<'_>,
    ) -> Result<bool> {
        if self.opts.deadline.is_some_and(|d| Instant::now() >= d) {
            self.out_of_time = true;
            return Ok(false);
        }
        self.pass_stats(name).candidates += 1;
        let bytes = match pass.edit(base, choice).and_then(|edit| apply(base, &edit)) {
            Ok(bytes) => bytes,
            Err(_) => {
                self.stats.unrepairable_skipped += 1;
                return Ok(false);
            }
        };
        self.consider(name, bytes)
    }

    /// Gate, cost-check and (maybe) run candidate `bytes`; accept it as the
    /// new best if it is interesting.
    fn consider(&mut self, name: &'static str, bytes: Vec<u8>) -> Result<bool> {
        let candidate = match Module::parse(bytes) {
            Ok(m) => m,
            Err(_) => {
                self.stats.unrepairable_skipped += 1;
                return Ok(false);
            }
        };
        let candidate_cost = cost(&candidate);
        let mut candidate_complexity = None;
        if candidate_cost == self.best_cost {
            let best = *self
                .best_complexity
                .get_or_insert_with(|| complexity(&self.best));
            let c = complexity(&candidate);
            if c >= best {
                self.stats.not_smaller_skipped += 1;
                return Ok(false);
            }
            candidate_complexity = Some(c);
        } else if candidate_cost > self.best_cost {
            self.stats.not_smaller_skipped += 1;
            return Ok(false);
        }
        let interesting = match self.gate.decide(&candidate.bytes) {
            GateDecision::Cached(answer) => {
                self.stats.cache_hits += 1;
                answer
            }
            GateDecision::Invalid => {
                self.stats.invalid_skipped += 1;
                false
            }
            GateDecision::Run => {
                let start = Instant::now();
                let answer = (self.interesting)(&candidate.bytes)?;
                self.stats.oracle_time += start.elapsed();
                self.stats.oracle_calls += 1;
                self.pass_stats(name).oracle_calls += 1;
                self.gate.remember(&candidate.bytes, answer);
                answer
            }
        };
        if interesting {
            let removed = self.best.bytes.len().saturating_sub(candidate.bytes.len());
            let stats = self.pass_stats(name);
            stats.accepted += 1;
            stats.bytes_removed += removed as u64;
            self.best = candidate;
            self.best_cost = candidate_cost;
            self.best_complexity = candidate_complexity;
            (self.on_best)(&self.best, name, &self.stats)?;
        }
        Ok(interesting)
    }

    fn pass_stats(&mut self, name: &str) -> &mut crate::stats::PassStats {
        self.stats.per_pass.entry(name.to_string()).or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reduction with an in-process predicate: "still has a call to an
    /// import named `bug`". Everything else goes, the parameters of `$bug`
    /// and `$b` included.
    #[test]
    fn reduces_to_a_fixpoint_with_an_in_process_predicate() {
        let wat = r#"(module
            (import "env" "bug" (func $bug (param i32)))
            (import "env" "other" (func $other))
            (global $g (mut i32) (i32.const 1))
            (memory 1)
            (data (i32.const 0) "hello")
            (func $a (export "a") call $other)
            (func $b (param i32) (result i32)
              local.get 0 i32.const 1 i32.add global.set $g
              i32.const 7 call $bug
              global.get $g)
            (func $c (export "c") i32.const 3 call $b drop))"#;
        let original = Module::parse(wat::parse_str(wat).unwrap()).unwrap();
        let mut calls = 0;
        let mut interesting = |bytes: &[u8]| -> Result<bool> {
            calls += 1;
            let text = wasmprinter::print_bytes(bytes)?;
            Ok(text.contains("call $bug"))
        };
        let mut bests = 0;
        let mut on_best = |_: &Module, _: &str, _: &Stats| -> Result<()> {
            bests += 1;
            Ok(())
        };
        let mut reducer = Reducer::new(
            original,
            ReducerOptions {
                passes: whittle_passes::REGISTRY.iter().collect(),
                deadline: None,
                max_rounds: None,
                mutate_budget: 50,
            },
            &mut interesting,
            &mut on_best,
        );
        let best = reducer.run().unwrap().clone();
        let stats = reducer.stats.clone();
        drop(reducer);
        let text = wasmprinter::print_bytes(&best.bytes).unwrap();
        assert_eq!(
            text,
            r#"(module
  (type (;0;) (func))
  (import "env" "bug" (func $bug (;0;) (type 0)))
  (func $b (;1;) (type 0)
    call $bug
  )
)
"#
        );
        assert!(bests > 0);
        assert_eq!(stats.oracle_calls, calls);
        // A final round that changed nothing.
        assert!(stats.rounds >= 2);
    }

    /// With no passes at all, the seeded `wasm-mutate` stage alone still
    /// shrinks the module, within its budget, and keeps it interesting.
    #[test]
    fn the_mutate_stage_reduces_on_its_own_within_budget() {
        let wat = r#"(module
            (import "env" "bug" (func $bug))
            (global $g (mut i32) (i32.const 1))
            (func $a (export "a") global.get $g drop)
            (func $b (export "b") call $bug)
            (func $c (export "c") (result i64) i64.const 42))"#;
        let original = Module::parse(wat::parse_str(wat).unwrap()).unwrap();
        let size = original.bytes.len();
        let mut interesting = |bytes: &[u8]| -> Result<bool> {
            Ok(wasmprinter::print_bytes(bytes)?.contains("call $bug"))
        };
        let mut on_best = |_: &Module, _: &str, _: &Stats| -> Result<()> { Ok(()) };
        let mut reducer = Reducer::new(
            original,
            ReducerOptions {
                passes: Vec::new(),
                deadline: None,
                max_rounds: None,
                mutate_budget: 30,
            },
            &mut interesting,
            &mut on_best,
        );
        let best = reducer.run().unwrap().clone();
        let stats = reducer.stats.clone();
        drop(reducer);
        let mutate = &stats.per_pass["wasm-mutate"];
        assert!(mutate.accepted > 0, "{stats:?}");
        assert!(best.bytes.len() < size);
        assert!(wasmprinter::print_bytes(&best.bytes)
            .unwrap()
            .contains("call $bug"));
        // Each stage tries at most the budget; a stage runs once more after
        // every stage that found something.
        assert!(
            mutate.candidates <= 30 * (mutate.accepted + 1),
            "{mutate:?}"
        );
    }
}
