//! Delta debugging over a subset plan (ddmin as llvm-reduce does it): try
//! taking out all targets, then chunks of half the targets, a quarter, ...
//! down to single targets; every accepted chunk stays out while the later
//! chunks are tried.
//!
//! With `jobs > 1` a batch of candidates is judged at once (on a small
//! module with slow checks, shaped as a tree of answers: `ddmin_tree.rs`;
//! else a path, `ddmin_path.rs`), built along the
//! path the sequential search is most likely to take: each chunk is
//! predicted to be taken out or kept, and the
//! next candidate is built on the predictions before it. The batch is then
//! walked in order; every candidate up to the first wrong prediction is
//! exactly the one a sequential run would build, so the decisions, and the
//! result, do not depend on `jobs`. What lies past a wrong prediction is
//! not all wasted either: an answer that came predicts the same chunk next
//! time. A check still running once a wrong prediction before it is known
//! is stopped, not waited for: on a giant function such a candidate is
//! often one that compiles for seconds (its failure gone), and waiting made
//! `-j 2` slower than `-j 1`. A batch returns as soon as one of its
//! answers is in and a worker is free; its checks still running go on,
//! and the next batch, built along the same path (a chunk not judged yet
//! is predicted the same way for the whole plan), waits for them rather
//! than starting them again (`pool.rs`). A batch
//! holds as many oracle runs as there are jobs: a candidate the screen
//! decides without the oracle (cached, invalid, not smaller) takes no job,
//! and its answer, being certain, carries the path on.
//!
//! The driver's own cost must stay near-linear in the number of targets.
//! Once half of the plan's targets are gone, or a sweep at one chunk size
//! ends having taken something out, the search *re-bases*: the pass lists
//! the targets of the current best (or derives them from this plan, when it
//! can: `SubsetPlan::rebased`) and the sweep goes on from the same
//! place among the targets that are left. So a sweep never visits a target
//! that is gone, and a candidate never carries more earlier removals than
//! targets it still has: building one costs what is left, not what was
//! there.

use crate::ddmin_tree::BranchStart;
use crate::driver::{Reducer, Step};
use crate::halves::Half;
use crate::judge::Until;
use crate::still_needed::StillNeeded;
use anyhow::Result;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use whittle_module::Module;
use whittle_passes::{Pass, SubsetPlan};

/// Chunks in one batch at most, decided without the oracle or not: each
/// holds a built candidate.
pub(crate) const MAX_BATCH: usize = 64;

/// Where a delta-debugging search over one pass level stands, carried
/// across re-bases.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Sweep {
    /// The chunk size of the sweep in progress; 0 before the first.
    chunk: usize,
    /// Targets of the current base (in order) that the sweep in progress
    /// has already passed: the next chunk starts after them.
    passed: usize,
    /// Chunks tried and taken out at this chunk size (the prediction for
    /// a chunk never tried).
    tried: usize,
    taken: usize,
}

impl Sweep {
    /// No sweep yet, with a success rate seen elsewhere as the prior.
    pub(crate) fn prior(tried: u64, taken: u64) -> Sweep {
        Sweep {
            tried: tried as usize,
            taken: taken as usize,
            ..Sweep::default()
        }
    }

    /// A sweep at this chunk size from the start, keeping the success rate
    /// of the sweeps before it as the prior.
    fn at(chunk: usize, before: &Sweep) -> Sweep {
        Sweep {
            chunk,
            passed: 0,
            ..*before
        }
    }

    /// Most chunks at this size were taken out so far.
    pub(crate) fn likely_taken(&self) -> bool {
        self.taken * 2 > self.tried
    }

    /// How likely a chunk not judged yet is to be taken out (Laplace's
    /// rule over the chunks so far).
    pub(crate) fn odds(&self) -> f64 {
        (self.taken + 1) as f64 / (self.tried + 2) as f64
    }

    /// Count a chunk of size `size` as the walk does, taken out or not.
    pub(crate) fn count(&mut self, size: usize, taken: bool) {
        if size != self.chunk {
            *self = Sweep::at(size, self);
        }
        self.tried += 1;
        self.taken += usize::from(taken);
    }

    /// The sweep as a re-base in its middle leaves it: going on after the
    /// first `passed` targets of the re-based plan.
    pub(crate) fn passed_at(self, passed: usize) -> Sweep {
        Sweep { passed, ..self }
    }

    /// The sweep after one of chunks of `size` that took something out
    /// (the search re-bases): chunks of half the size, from the start.
    pub(crate) fn halved(self, size: usize) -> Sweep {
        Sweep::at(size.div_ceil(2), &self)
    }

    pub(crate) fn chunk(&self) -> usize {
        self.chunk
    }

    pub(crate) fn passed(&self) -> usize {
        self.passed
    }
}

/// How the pass lists its plan of a module, for a batch that goes on past
/// a re-base (`ddmin_tree.rs`), on modules of at most `max_bytes`: on a
/// giant function a listing costs more than a check may. `index`: the
/// pass's place in the round, whose next passes a batch goes on to where
/// the search is done.
#[derive(Clone, Copy)]
pub(crate) struct Relist<'p> {
    pub(crate) pass: &'p dyn Pass,
    pub(crate) index: usize,
    pub(crate) level: usize,
    pub(crate) max_bytes: usize,
}

impl Relist<'_> {
    /// Whether the pass, done with this level on `module`, has a next
    /// level there (its search goes on with it, not with the next pass).
    pub(crate) fn has_next_level(&self, module: &Module) -> bool {
        self.pass.plan(module, self.level + 1).is_some()
    }
}

/// One chunk of a sweep: targets `start..end` at chunk size `size`, and
/// whether the batch predicts it is taken out.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Chunk {
    pub(crate) size: usize,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) taken: bool,
}

#[cfg(test)]
impl Chunk {
    /// Targets `start..end` as one chunk of their size, not judged yet.
    pub(crate) fn span(start: usize, end: usize) -> Chunk {
        Chunk {
            size: end - start,
            start,
            end,
            taken: false,
        }
    }
}

/// The chunk the sequential search tries after the one of size `size`
/// ending at `end`: the next one of the same size, else the first of half
/// the size; `None` when the search is done with this plan or would
/// re-base (it has taken something out by the end of a sweep).
pub(crate) fn following(n: usize, size: usize, end: usize, taken_any: bool) -> Option<Chunk> {
    let size = size.max(1);
    let (size, start) = if end < n {
        (size, end)
    } else if size == 1 || taken_any {
        return None;
    } else {
        (size.div_ceil(2), 0)
    };
    Some(Chunk {
        size,
        start,
        end: (start + size).min(n),
        taken: false,
    })
}

impl Reducer<'_> {
    pub(crate) fn ddmin(
        &mut self,
        name: &'static str,
        base: &Module,
        plan: Box<dyn SubsetPlan + '_>,
        sweep: &mut Sweep,
        relist: Option<Relist<'_>>,
    ) -> Result<Step> {
        let n = plan.len();
        if sweep.chunk == 0 {
            *sweep = Sweep::at(n, sweep);
        }
        // What each chunk (by its targets in this plan) gave when judged,
        // on or off the sequential path.
        let mut seen: HashMap<(usize, usize), bool> = HashMap::new();
        // Taken out since this base, ascending. A sweep re-bases before it
        // ends if it took anything out, so everything taken out lies before
        // the sweep's position and every chunk after it is still there.
        let mut removed: Vec<usize> = Vec::new();
        let mut next = sweep.passed.min(n);
        // The prediction for a chunk not judged yet, fixed for this plan: a
        // check still running when its batch returned was built on it, and
        // the next batch must build the same candidate to wait for it (a
        // prediction that flipped with every answer would stop it and
        // start another).
        let likely = sweep.likely_taken();
        loop {
            if self.should_stop() {
                return Ok(Step::Stopped);
            }
            // Where the search stands: the next chunk, or the end of this
            // plan (done, or a re-base because something was taken out).
            let Some(first) = following(n, sweep.chunk, next, !removed.is_empty()) else {
                return Ok(if sweep.chunk <= 1 {
                    Step::Done
                } else {
                    *sweep = sweep.halved(sweep.chunk);
                    Step::Rebase(self.rebased(name, plan, &removed))
                });
            };
            // What ended since the last batch is cached: the screen decides
            // it without a job.
            self.collect_ended()?;
            let jobs = self.batch_size();
            let (batch, screened, names, own, parents) = match relist {
                // On a module small enough to list and build its
                // candidates one at a time, with checks slow enough for
                // that: the likeliest nodes of the tree of answers
                // (`ddmin_tree.rs`).
                Some(relist)
                    if jobs >= 2
                        && base.bytes.len() <= relist.max_bytes
                        && self.tree_pays(jobs) =>
                {
                    let root = BranchStart {
                        first,
                        removed: removed.clone(),
                        reached: (!removed.is_empty()).then(|| Arc::clone(&self.best)),
                        sweep: *sweep,
                    };
                    let budget = self.pool.as_ref().and_then(|pool| pool.mean_check());
                    let tree = self.fill_tree(
                        name,
                        base,
                        plan.as_ref(),
                        &seen,
                        root,
                        relist,
                        (jobs, budget),
                    );
                    let (names, own) = (tree.names, tree.own);
                    (tree.chunks, tree.screened, names, own, Some(tree.parents))
                }
                _ => {
                    let (batch, screened, own) = self.fill_batch(
                        name,
                        base,
                        plan.as_ref(),
                        likely,
                        &seen,
                        &removed,
                        first,
                        jobs,
                        true,
                    );
                    let names = vec![name; screened.len()];
                    (batch, screened, names, own, None)
                }
            };
            let predicted: Vec<bool> = batch.iter().map(|c| c.taken).collect();
            let needed = match &parents {
                Some(parents) => StillNeeded::Tree(parents),
                None => StillNeeded::Path(&predicted),
            };
            let judged = self.run_screened(&names, screened, Some(&needed), Until::Walkable)?;
            // The tree's nodes past the predicted branch, or past a
            // re-base, are met again by the search's next batches.
            let mut judged = judged.into_iter().zip(batch).take(own);
            let mut rebase = false;
            // The walk stopped at a check still running: the answers past
            // it are still on the path (the next batch reads them from the
            // cache), not wasted.
            let mut at_running = false;
            for (j, c) in judged.by_ref() {
                if j.unanswered {
                    // Still running (the next batch meets it again), or
                    // stopped past a wrong answer, where the walk ends
                    // anyway: the next batch starts from it.
                    at_running = true;
                    break;
                }
                let taken = self.accept_first(name, vec![j])?.is_some();
                if let Some(half) = Half::of(n, &c, &seen) {
                    self.halves.count(name, half, taken);
                }
                // (A new chunk size: the sweep before ended taking nothing
                // out, and the next one goes on on this very plan.)
                sweep.count(c.size, taken);
                seen.insert((c.start, c.end), taken);
                next = c.end;
                if taken {
                    removed.extend(c.start..c.end);
                    if removed.len() * 2 >= n {
                        *sweep = sweep.passed_at(next - removed.len());
                        rebase = true;
                        break;
                    }
                }
                if taken != c.taken {
                    break;
                }
            }
            // Past a wrong prediction or a re-base they are off the path;
            // either way their answers predict the same chunks.
            for (j, c) in judged {
                self.stats.speculation_wasted += u64::from(j.ran && !at_running);
                if !j.unanswered {
                    seen.insert((c.start, c.end), j.interesting);
                }
            }
            if rebase {
                return Ok(Step::Rebase(self.rebased(name, plan, &removed)));
            }
        }
    }

    /// Whether a batch of `jobs` is a tree (`ddmin_tree.rs`) rather than a
    /// path. At two jobs, always: the tree is then a path that goes on past
    /// a re-base, which the path batch cannot, so it holds no more
    /// candidates than the path would, and its time building is bounded by
    /// a check's (`fill_tree`). That is where a binary search for the one
    /// function a failure needs leaves a job idle: its first half, kept,
    /// compiles everything (0.1 s on a 680 KB riscv64 module), while the
    /// second, taken out, panics in 10 ms and re-bases; at `-j 2` that
    /// reduction went 1.87 s -> 1.66 s (medians of 7), the corpus rows
    /// within 1% but `riscv64-memcopy` (-5%). From three jobs the tree
    /// holds more nodes than the path, built one after the other where a
    /// path builds them in parallel, so only where a check (the mean so
    /// far) takes at least sixteen times as long as building `jobs`
    /// candidates one after the other (the mean so far). Checks of 5-20 ms
    /// against 0.3-0.5 ms a candidate (the small built-in corpus cases) are
    /// not: with the tree at any check time, `-j 4` on two cores made
    /// `simd-disabled` 0.46 s -> 0.53 s and `winch-avx-splat` 0.62 s ->
    /// 0.70 s. A predicate's checks of 0.2 s are.
    fn tree_pays(&self, jobs: usize) -> bool {
        if jobs == 2 {
            return true;
        }
        let passes = self.stats.per_pass.values();
        let candidates: u64 = passes.clone().map(|s| s.candidates).sum();
        let building: Duration = passes.map(|s| s.build_time).sum();
        let Some(check) = self.pool.as_ref().and_then(|pool| pool.mean_check()) else {
            return false;
        };
        if candidates == 0 {
            return false;
        }
        let candidate = building / candidates as u32;
        candidate * jobs as u32 * 16 <= check
    }

    /// The plan of the current best, which is `plan`'s base with the
    /// targets at `removed` taken out, if `plan` can derive it.
    fn rebased(
        &mut self,
        name: &'static str,
        plan: Box<dyn SubsetPlan + '_>,
        removed: &[usize],
    ) -> Option<Box<dyn SubsetPlan>> {
        let start = Instant::now();
        let rebased = plan.rebased(removed, &self.best);
        self.pass_stats(name).build_time += start.elapsed();
        rebased
    }
}

#[cfg(test)]
mod tests {
    use crate::driver::tests::{options, statements_calling_bug};
    use crate::driver::{Event, Reducer, ReducerOptions};
    use anyhow::Result;
    use std::ffi::OsString;
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use whittle_module::Module;
    use whittle_oracle::{run, RunLimits};

    /// A function of 24 statements, one of which calls `$bug`.
    fn module() -> Module {
        statements_calling_bug(24, 9)
    }

    /// Reduce with remove-statements alone at `jobs`, the predicate "still
    /// calls `$bug`" answering at once when it does and after a 0.3 s
    /// check (a process, which a stop can cut short) when it does not.
    /// The best, the stats, and how many checks were stopped.
    fn reduce(jobs: usize) -> (Vec<u8>, crate::stats::Stats, usize) {
        let stopped = AtomicUsize::new(0);
        let interesting = |bytes: &[u8]| -> Result<bool> {
            if wasmprinter::print_bytes(bytes)?.contains("call $bug") {
                return Ok(true);
            }
            let slow = run(
                Path::new("sleep"),
                &[OsString::from("0.3")],
                None,
                &RunLimits::default(),
            );
            if let Err(e) = &slow {
                if format!("{e:#}").contains("cancelled") {
                    stopped.fetch_add(1, Ordering::SeqCst);
                }
            }
            slow.map(|_| false)
        };
        let mut on_event = |_: Event<'_>| -> Result<()> { Ok(()) };
        let opts = ReducerOptions {
            max_rounds: Some(1),
            ..options(
                jobs,
                vec![whittle_passes::find("remove-statements").unwrap()],
                0,
            )
        };
        let mut reducer = Reducer::new(module(), opts, &interesting, &mut on_event);
        let best = reducer.run().unwrap().bytes.clone();
        let stats = reducer.stats.clone();
        drop(reducer);
        (best, stats, stopped.into_inner())
    }

    /// With four jobs and checks that take up to 0.3 s, far longer than
    /// building a candidate, batches are trees (`ddmin_tree.rs`; this test
    /// fails when `fill_tree` panics): the result is `-j 1`'s.
    #[test]
    fn tree_batches_change_nothing() {
        let (one, _, _) = reduce(1);
        let (four, _, _) = reduce(4);
        assert_eq!(one, four);
    }

    /// Checks stopped off the path (how many depends on timing: one not
    /// yet started when found unneeded is not run at all) are counted as
    /// wasted and change nothing in the result. That a check is stopped
    /// is `judge.rs`'s test.
    #[test]
    fn off_path_checks_are_stopped_and_change_nothing() {
        let (one, _, stopped_one) = reduce(1);
        let (two, stats, stopped_two) = reduce(2);
        assert_eq!(one, two);
        assert_eq!(
            wasmprinter::print_bytes(&two).unwrap(),
            "(module\n  (type (;0;) (func))\n  (import \"env\" \"bug\" (func $bug (;0;) (type 0)))\n  (func (;1;) (type 0)\n    call $bug\n  )\n)\n"
        );
        assert_eq!(stopped_one, 0);
        assert!(stats.speculation_wasted >= stopped_two as u64, "{stats:?}");
    }
}
