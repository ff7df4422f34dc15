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
//! candidate is reported as an [`Event::NewBest`] (the CLI writes it out
//! atomically).
//!
//! With `jobs > 1` candidates are evaluated speculatively in parallel: the
//! next `jobs` candidates of a ddmin sweep, or the next levels of a
//! bisection, are built and judged at once, and the first success *in the
//! sequential order* wins. Decisions are exactly those of a sequential run,
//! so the result does not depend on `jobs` or timing; work past the first
//! success is wasted but its answers stay in the cache.

use crate::cost::{complexity, cost};
use crate::gate::{Gate, GateDecision};
use crate::stats::Stats;
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use whittle_module::{apply, Edit, Module};
use whittle_passes::{Choice, Pass, PassInfo, Search};

pub struct ReducerOptions {
    pub passes: Vec<&'static PassInfo>,
    /// Stop (keeping the best so far) once this instant has passed.
    pub deadline: Option<Instant>,
    /// Stop after this many rounds even if the last one changed something.
    pub max_rounds: Option<u64>,
    /// Candidates the `wasm-mutate` finishing stage may try (0: none).
    pub mutate_budget: usize,
    /// Candidates built and judged at once.
    pub jobs: usize,
    /// Set from outside (Ctrl-C) to stop where the search is.
    pub stop: Option<Arc<AtomicBool>>,
    /// A defined function the failure names: first try keeping only it.
    pub culprit: Option<u32>,
    /// Continue an interrupted run from here.
    pub resume: Option<Position>,
    /// The original's validity, if the caller already knows it.
    pub original_validity: Option<whittle_module::Validity>,
}

/// Where a run is: enough to continue it after a crash with the same
/// decisions (the cache answers everything already asked).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Position {
    pub round: u64,
    /// Index into the schedule; `passes.len()` is the wasm-mutate stage.
    pub pass_index: usize,
    /// Cost and complexity of the best at the start of the round.
    pub round_start: (usize, Option<usize>),
    /// Cache answers: (hash, length) of candidate bytes, interesting?
    #[serde(skip)]
    pub answers: Vec<((u64, usize), bool)>,
}

/// What the driver tells its caller as it goes.
pub enum Event<'e> {
    /// A pass (or the mutate stage) starts from `base`, at `position`.
    PassStart {
        pass: &'e str,
        base: &'e Module,
        position: &'e Position,
    },
    /// The oracle answered for the candidate with this cache key.
    Answer {
        key: (u64, usize),
        interesting: bool,
    },
    /// A new best module, found by `pass`.
    NewBest {
        module: &'e Module,
        pass: &'e str,
        stats: &'e Stats,
    },
    /// A batch of candidates was judged.
    Tick { pass: &'e str, stats: &'e Stats },
}

/// What the driver calls: the oracle plus the signature check. Called from
/// several threads at once when `jobs > 1`.
pub type Interesting<'a> = dyn Fn(&[u8]) -> Result<bool> + Sync + 'a;
pub type OnEvent<'a> = dyn FnMut(Event<'_>) -> Result<()> + 'a;

pub struct Reducer<'a> {
    opts: ReducerOptions,
    interesting: &'a Interesting<'a>,
    on_event: &'a mut OnEvent<'a>,
    gate: Gate,
    /// Shared with the base of the running pass until something is
    /// accepted: one copy of a big module, not two.
    best: Arc<Module>,
    best_cost: usize,
    /// Computed only when a candidate ties on cost.
    best_complexity: Option<usize>,
    pub stats: Stats,
    /// Set when the deadline passed or a stop was requested: the search
    /// stops where it is.
    pub out_of_time: bool,
}

/// A built candidate and what was decided about it.
struct Judged {
    module: Option<Module>,
    cost: usize,
    complexity: Option<usize>,
    interesting: bool,
}

impl<'a> Reducer<'a> {
    /// `original` must already be known to be interesting (when resuming:
    /// the base of the pass the run stopped in).
    pub fn new(
        original: Module,
        opts: ReducerOptions,
        interesting: &'a Interesting<'a>,
        on_event: &'a mut OnEvent<'a>,
    ) -> Reducer<'a> {
        let mut gate = match opts.original_validity.clone() {
            Some(v) => Gate::with_validity(v),
            None => Gate::new(&original.bytes),
        };
        gate.remember(&original.bytes, true);
        if let Some(resume) = &opts.resume {
            for &(key, answer) in &resume.answers {
                gate.remember_key(key, answer);
            }
        }
        Reducer {
            opts,
            interesting,
            on_event,
            gate,
            best_cost: cost(&original),
            best_complexity: None,
            best: Arc::new(original),
            stats: Stats::default(),
            out_of_time: false,
        }
    }

    pub fn best(&self) -> &Module {
        &self.best
    }

    fn should_stop(&mut self) -> bool {
        let stop = self.opts.deadline.is_some_and(|d| Instant::now() >= d)
            || self
                .opts
                .stop
                .as_ref()
                .is_some_and(|s| s.load(Ordering::SeqCst));
        self.out_of_time |= stop;
        self.out_of_time
    }

    /// Run rounds until a fixpoint (or the deadline), then the `wasm-mutate`
    /// finishing stage; if that finds something, rounds run again.
    pub fn run(&mut self) -> Result<&Module> {
        let mut position = match self.opts.resume.take() {
            Some(p) => p,
            None => {
                self.isolate_culprit()?;
                Position {
                    round: 1,
                    pass_index: 0,
                    round_start: (self.best_cost, self.best_complexity),
                    answers: Vec::new(),
                }
            }
        };
        loop {
            let n = self.opts.passes.len();
            while position.pass_index < n {
                let info = self.opts.passes[position.pass_index];
                self.stats.rounds = position.round;
                // Announced even when stopping now, so a checkpoint exists.
                (self.on_event)(Event::PassStart {
                    pass: info.name,
                    base: &self.best,
                    position: &position,
                })?;
                if self.should_stop() {
                    return Ok(&self.best);
                }
                let pass = (info.make)();
                self.run_pass(info.name, pass.as_ref())?;
                if self.out_of_time {
                    return Ok(&self.best);
                }
                position.pass_index += 1;
                let round_over = position.pass_index == n;
                let changed = (self.best_cost, self.best_complexity) != position.round_start;
                let more_rounds = self.opts.max_rounds.is_none_or(|max| position.round < max);
                if round_over && changed && more_rounds {
                    position.round += 1;
                    position.pass_index = 0;
                    position.round_start = (self.best_cost, self.best_complexity);
                }
            }
            // The fixpoint: the finishing stage.
            (self.on_event)(Event::PassStart {
                pass: "wasm-mutate",
                base: &self.best,
                position: &position,
            })?;
            if self.out_of_time || !self.mutate()? {
                return Ok(&self.best);
            }
            position.round += 1;
            position.pass_index = 0;
            position.round_start = (self.best_cost, self.best_complexity);
        }
    }

    /// When the failure names a function, try keeping just that one.
    fn isolate_culprit(&mut self) -> Result<()> {
        let Some(f) = self.opts.culprit else {
            return Ok(());
        };
        let m = &self.best;
        if f < m.num_imported_funcs || f >= m.num_funcs() || m.num_defined_funcs() < 2 {
            return Ok(());
        }
        let edit = Edit {
            remove_funcs: (m.num_imported_funcs..m.num_funcs())
                .filter(|&g| g != f)
                .collect(),
            ..Edit::default()
        };
        let built = apply(m, &edit).and_then(Module::parse).map(|m| (m, None));
        let judged = self.judge("isolate-culprit", vec![built])?;
        self.accept_first("isolate-culprit", judged)?;
        Ok(())
    }

    fn run_pass(&mut self, name: &'static str, pass: &dyn Pass) -> Result<()> {
        let base = Arc::clone(&self.best);
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
        let jobs = self.opts.jobs.max(1);
        let mut removed = BTreeSet::new();
        let mut chunk = n;
        while chunk > 0 {
            let mut start = 0;
            while start < n {
                // The next `jobs` candidates, assuming none of them succeeds.
                let mut batch: Vec<(usize, BTreeSet<usize>)> = Vec::new();
                let mut s = start;
                while s < n && batch.len() < jobs {
                    let e = (s + chunk).min(n);
                    let mut candidate = removed.clone();
                    let before = candidate.len();
                    candidate.extend(s..e);
                    if candidate.len() > before {
                        batch.push((e, candidate));
                    }
                    s = e;
                }
                if batch.is_empty() {
                    break;
                }
                if self.should_stop() {
                    return Ok(());
                }
                let choices: Vec<Choice<'_>> =
                    batch.iter().map(|(_, c)| Choice::Subset(c)).collect();
                let judged = self.build_and_judge(name, pass, base, &choices)?;
                match self.accept_first(name, judged)? {
                    Some(k) => {
                        start = batch[k].0;
                        removed = batch.swap_remove(k).1;
                    }
                    None => start = batch.last().map_or(n, |b| b.0),
                }
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
        // Probes per batch: the top levels of the binary search tree.
        let depth = (usize::BITS - self.opts.jobs.max(1).leading_zeros()) as usize;
        let mut accepted: BTreeMap<usize, usize> = BTreeMap::new();
        for (target, &len) in lengths.iter().enumerate() {
            // `len` itself is the unchanged body, known to be interesting.
            let (mut lo, mut hi) = (0, len);
            while lo < hi {
                if self.should_stop() {
                    return Ok(());
                }
                let probes = probe_tree(lo, hi, depth);
                let candidates: Vec<BTreeMap<usize, usize>> = probes
                    .iter()
                    .map(|&p| {
                        let mut c = accepted.clone();
                        c.insert(target, p);
                        c
                    })
                    .collect();
                let choices: Vec<Choice<'_>> = candidates.iter().map(Choice::Lengths).collect();
                let judged = self.build_and_judge(name, pass, base, &choices)?;
                let mut answers: HashMap<usize, Judged> = probes.into_iter().zip(judged).collect();
                // Walk the tree as the sequential search would.
                for _ in 0..depth {
                    if lo >= hi {
                        break;
                    }
                    let mid = lo + (hi - lo) / 2;
                    let Some(j) = answers.remove(&mid) else { break };
                    if self.accept_first(name, vec![j])?.is_some() {
                        hi = mid;
                        accepted.insert(target, mid);
                    } else {
                        lo = mid + 1;
                    }
                }
            }
        }
        Ok(())
    }

    /// Build the candidates (in parallel) and judge them.
    fn build_and_judge(
        &mut self,
        name: &'static str,
        pass: &dyn Pass,
        base: &Module,
        choices: &[Choice<'_>],
    ) -> Result<Vec<Judged>> {
        let best_cost = self.best_cost;
        let built = parallel_map(self.opts.jobs, choices, |&choice| {
            pass.edit(base, choice)
                .and_then(|edit| apply(base, &edit))
                .and_then(Module::parse)
                .map(|m| {
                    // Validate here, in parallel, unless it cannot be accepted.
                    let validity =
                        (cost(&m) <= best_cost).then(|| whittle_module::validate(&m.bytes));
                    (m, validity)
                })
        });
        self.judge(name, built)
    }

    /// Cost-check, gate and run (in parallel) built candidates, against the
    /// current best; nothing is accepted here.
    fn judge(
        &mut self,
        name: &'static str,
        built: Vec<Result<(Module, Option<whittle_module::Validity>)>>,
    ) -> Result<Vec<Judged>> {
        let mut judged = Vec::with_capacity(built.len());
        let mut to_run: Vec<usize> = Vec::new();
        let mut first_of_key: HashMap<(u64, usize), usize> = HashMap::new();
        let mut duplicate_of: HashMap<usize, usize> = HashMap::new();
        for candidate in built {
            self.pass_stats(name).candidates += 1;
            let mut j = Judged {
                module: None,
                cost: 0,
                complexity: None,
                interesting: false,
            };
            let Ok((candidate, validity)) = candidate else {
                self.stats.unrepairable_skipped += 1;
                judged.push(j);
                continue;
            };
            j.cost = cost(&candidate);
            if j.cost == self.best_cost {
                let best = *self
                    .best_complexity
                    .get_or_insert_with(|| complexity(&self.best));
                let c = complexity(&candidate);
                if c >= best {
                    self.stats.not_smaller_skipped += 1;
                    judged.push(j);
                    continue;
                }
                j.complexity = Some(c);
            } else if j.cost > self.best_cost {
                self.stats.not_smaller_skipped += 1;
                judged.push(j);
                continue;
            }
            match self.gate.decide_validated(&candidate.bytes, validity) {
                GateDecision::Cached(answer) => {
                    self.stats.cache_hits += 1;
                    j.interesting = answer;
                }
                GateDecision::Invalid => self.stats.invalid_skipped += 1,
                GateDecision::Run => {
                    let key = Gate::key(&candidate.bytes);
                    match first_of_key.get(&key) {
                        Some(&first) => {
                            self.stats.cache_hits += 1;
                            duplicate_of.insert(judged.len(), first);
                        }
                        None => {
                            first_of_key.insert(key, judged.len());
                            to_run.push(judged.len());
                        }
                    }
                }
            }
            j.module = Some(candidate);
            judged.push(j);
        }
        if !to_run.is_empty() {
            let start = Instant::now();
            let inputs: Vec<&[u8]> = to_run
                .iter()
                .map(|&i| judged[i].module.as_ref().expect("built").bytes.as_slice())
                .collect();
            let interesting = self.interesting;
            let answers = parallel_map(self.opts.jobs, &inputs, |bytes| interesting(bytes));
            self.stats.oracle_time += start.elapsed();
            if self.should_stop() {
                // Runs cut short by a stop request say nothing: remember
                // none of their answers (a checkpoint must not either).
                for j in &mut judged {
                    j.interesting = false;
                }
                return Ok(judged);
            }
            for (&i, answer) in to_run.iter().zip(answers) {
                let answer = answer?;
                self.stats.oracle_calls += 1;
                self.pass_stats(name).oracle_calls += 1;
                let key = Gate::key(&judged[i].module.as_ref().expect("built").bytes);
                self.gate.remember_key(key, answer);
                (self.on_event)(Event::Answer {
                    key,
                    interesting: answer,
                })?;
                judged[i].interesting = answer;
            }
            for (dup, first) in duplicate_of {
                judged[dup].interesting = judged[first].interesting;
            }
        }
        (self.on_event)(Event::Tick {
            pass: name,
            stats: &self.stats,
        })?;
        Ok(judged)
    }

    /// Accept the first interesting candidate that is still cheaper than
    /// the best (the best may have moved since it was judged); its index.
    fn accept_first(&mut self, name: &'static str, judged: Vec<Judged>) -> Result<Option<usize>> {
        for (k, j) in judged.into_iter().enumerate() {
            if !j.interesting {
                continue;
            }
            let still_cheaper = j.cost < self.best_cost
                || (j.cost == self.best_cost
                    && j.complexity.is_some_and(|c| {
                        c < *self
                            .best_complexity
                            .get_or_insert_with(|| complexity(&self.best))
                    }));
            if !still_cheaper {
                continue;
            }
            let module = j.module.expect("an interesting candidate was built");
            let removed = self.best.bytes.len().saturating_sub(module.bytes.len());
            let stats = self.pass_stats(name);
            stats.accepted += 1;
            stats.bytes_removed += removed as u64;
            self.best = Arc::new(module);
            self.best_cost = j.cost;
            self.best_complexity = j.complexity;
            (self.on_event)(Event::NewBest {
                module: &self.best,
                pass: name,
                stats: &self.stats,
            })?;
            return Ok(Some(k));
        }
        Ok(None)
    }

    /// The finishing stage: `wasm-mutate` in reduction mode, with fixed
    /// seeds (so runs are reproducible) and a budget of candidates. It finds
    /// shrinking rewrites no pass here knows (peephole rules, code motion).
    /// Returns whether it found a smaller module.
    fn mutate(&mut self) -> Result<bool> {
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
            let mutants: Vec<Result<(Module, Option<whittle_module::Validity>)>> = mutants
                .into_iter()
                .take(self.opts.mutate_budget - tried)
                .map(|b| Module::parse(b).map(|m| (m, None)))
                .collect();
            tried += mutants.len();
            let judged = self.judge(NAME, mutants)?;
            if self.accept_first(NAME, judged)?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn pass_stats(&mut self, name: &str) -> &mut crate::stats::PassStats {
        self.stats.per_pass.entry(name.to_string()).or_default()
    }
}

/// The probes of the binary search on `[lo, hi)` down to `depth` levels,
/// in breadth-first order: exactly the probes a sequential search may ask.
fn probe_tree(lo: usize, hi: usize, depth: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut level = vec![(lo, hi)];
    for _ in 0..depth {
        let mut next = Vec::new();
        for (lo, hi) in level {
            if lo < hi {
                let mid = lo + (hi - lo) / 2;
                out.push(mid);
                next.push((lo, mid));
                next.push((mid + 1, hi));
            }
        }
        level = next;
    }
    out
}

/// `f` over `items` on up to `jobs` threads, results in order.
fn parallel_map<T: Sync, R: Send>(jobs: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if jobs <= 1 || items.len() <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(items.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= items.len() {
                    break;
                }
                let r = f(&items[i]);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every item mapped"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAT: &str = r#"(module
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

    fn options(
        jobs: usize,
        passes: Vec<&'static PassInfo>,
        mutate_budget: usize,
    ) -> ReducerOptions {
        ReducerOptions {
            passes,
            deadline: None,
            max_rounds: None,
            mutate_budget,
            jobs,
            stop: None,
            culprit: None,
            resume: None,
            original_validity: None,
        }
    }

    /// Reduce `wat` with the in-process predicate "still calls `$bug`".
    fn reduce(wat: &str, opts: ReducerOptions) -> (Module, Stats, usize, usize) {
        let original = Module::parse(wat::parse_str(wat).unwrap()).unwrap();
        let calls = AtomicUsize::new(0);
        let interesting = |bytes: &[u8]| -> Result<bool> {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(wasmprinter::print_bytes(bytes)?.contains("call $bug"))
        };
        let mut bests = 0;
        let mut on_event = |e: Event<'_>| -> Result<()> {
            if let Event::NewBest { .. } = e {
                bests += 1;
            }
            Ok(())
        };
        let mut reducer = Reducer::new(original, opts, &interesting, &mut on_event);
        let best = reducer.run().unwrap().clone();
        let stats = reducer.stats.clone();
        drop(reducer);
        (best, stats, calls.into_inner(), bests)
    }

    /// Everything but the call goes, the parameters of `$bug` and `$b`
    /// and a duplicate type included; a final round changes nothing.
    #[test]
    fn reduces_to_a_fixpoint_with_an_in_process_predicate() {
        let (best, stats, calls, bests) = reduce(
            WAT,
            options(1, whittle_passes::REGISTRY.iter().collect(), 50),
        );
        assert_eq!(
            wasmprinter::print_bytes(&best.bytes).unwrap(),
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
        assert_eq!(stats.oracle_calls as usize, calls);
        assert!(stats.rounds >= 2);
    }

    /// Speculative parallel evaluation takes the same decisions.
    #[test]
    fn jobs_do_not_change_the_result() {
        let all: Vec<&'static PassInfo> = whittle_passes::REGISTRY.iter().collect();
        let (one, stats_one, _, _) = reduce(WAT, options(1, all.clone(), 20));
        let (four, stats_four, _, _) = reduce(WAT, options(4, all, 20));
        assert_eq!(one.bytes, four.bytes);
        assert_eq!(stats_one.rounds, stats_four.rounds);
        for (pass, s) in &stats_one.per_pass {
            assert_eq!(s.accepted, stats_four.per_pass[pass].accepted, "{pass}");
        }
    }

    #[test]
    fn probe_trees_are_the_sequential_probes() {
        assert_eq!(probe_tree(0, 10, 1), [5]);
        assert_eq!(probe_tree(0, 10, 2), [5, 2, 8]);
        assert_eq!(probe_tree(0, 3, 3), [1, 0, 2]);
        assert!(probe_tree(4, 4, 3).is_empty());
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
        let size = wat::parse_str(wat).unwrap().len();
        let (best, stats, _, _) = reduce(wat, options(1, Vec::new(), 30));
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

    /// A culprit named by the failure is tried alone first.
    #[test]
    fn isolates_a_named_culprit_in_one_candidate() {
        let mut opts = options(1, Vec::new(), 0);
        opts.culprit = Some(3);
        let (best, stats, calls, _) = reduce(WAT, opts);
        assert_eq!(calls, 1, "{stats:?}");
        assert_eq!(stats.per_pass["isolate-culprit"].accepted, 1);
        assert_eq!(best.num_defined_funcs(), 1);
    }

    /// A stop request ends the run with the best so far.
    #[test]
    fn a_stop_request_ends_the_run() {
        let mut opts = options(1, whittle_passes::REGISTRY.iter().collect(), 50);
        let stop = Arc::new(AtomicBool::new(true));
        opts.stop = Some(stop);
        let (best, _, calls, _) = reduce(WAT, opts);
        assert_eq!(calls, 0);
        assert_eq!(best.bytes, wat::parse_str(WAT).unwrap());
    }
}
