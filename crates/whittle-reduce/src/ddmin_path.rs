//! The path batch of delta debugging (`ddmin.rs`; on a small module with
//! slow checks the batch is a tree instead, `ddmin_tree.rs`): chunks
//! along the path the sequential search is most likely to take, each
//! built on the predictions before it, in parallel.
//!
//! Each chunk is predicted taken out or kept by what the same chunk gave
//! before on this base, else by the success rate at its chunk size, or
//! kept where taking it out would re-base: the branch where it is taken
//! out lies past the re-base, in a plan the pass has not listed, and
//! rather than leave the jobs idle the path follows the other. But a half
//! beside one known kept (`halves.rs`) is predicted by how such halves of
//! the pass fared, and one likely taken out is followed taken out: past
//! it, as if it were kept, the path would build what the search is
//! unlikely to ask, and on a giant function those checks are compiles of
//! megabytes that take the cores from the one that matters (`-j 2` was
//! slower than `-j 1`).
//!
//! Past a re-base the path predicts (half the targets gone after such a
//! half, or the end of a sweep that took something out) it goes on in the
//! plan the search will stand in there ([`Frame`]), whose candidates it
//! builds from the batch's plan and base: on a giant function whose every
//! halving answers one half in whittle's process (it validates) while the
//! other's check runs, the next halving's check runs beside it; at a
//! sweep's end, the next sweep's first check starts while the search
//! re-bases (lists the plan of the module it reached), at `-j 1` too. The
//! prefetch's walk of a search (`prefetch.rs`) stops at a re-base.

use crate::ddmin::{following, Chunk, MAX_BATCH};
use crate::driver::Reducer;
use crate::halves::Half;
use crate::judge::Screened;
use std::collections::{HashMap, HashSet};
use whittle_module::Module;
use whittle_passes::SubsetPlan;

/// The largest base whose path goes on past the re-base at a sweep's end.
/// That candidate is mostly the one the search asks next anyway, and
/// building it here starts its check while the search re-bases (lists the
/// plan of the module it reached); but the search builds it again from
/// that plan. Measured against paths that stop there (medians of 5–7
/// alternating runs, same bytes): the five small corpus rows together 7%
/// faster at `-j 1` in two series (each row by -12% to +6%: the machine's
/// noise), and 6% at `-j 2`; the 160k-statement giant function 8% faster
/// at `-j 1`, and the 640k one (5.7 MB) 6% slower without this bound,
/// where building a candidate twice costs more than listing its plan.
const SWEEP_END_MAX_BYTES: usize = 1 << 20;

/// The plan a path batch stands in: the batch's own, or, past a re-base,
/// the plan the search lists for the module the path reaches there, whose
/// targets are the batch plan's not taken out, in order (a derived plan
/// equals the listed one, see `SubsetPlan::rebased`). Its candidates are
/// built from the batch's plan and base, taking out the targets the
/// re-bases took out as well: the same bytes the search builds once
/// re-based (a unit test checks it for `remove-statements`), so that it
/// finds their checks running or answered. Were they not the same, the
/// checks would only be wasted: the search reads answers by the bytes it
/// builds.
struct Frame {
    /// Targets of this plan.
    n: usize,
    /// Each target of this plan as a target of the batch's plan (`None`:
    /// this is the batch's plan).
    targets: Option<Vec<usize>>,
    /// Targets of the batch's plan the re-bases before took out.
    before: Vec<usize>,
}

impl Frame {
    fn own(n: usize) -> Frame {
        Frame {
            n,
            targets: None,
            before: Vec::new(),
        }
    }

    fn of_batch(&self, target: usize) -> usize {
        self.targets
            .as_ref()
            .map_or(target, |targets| targets[target])
    }

    /// The targets of the batch's plan a candidate takes out: those of
    /// the re-bases before, `assumed` and `chunk` (of this plan).
    fn choice(&self, assumed: &[usize], chunk: std::ops::Range<usize>) -> Vec<usize> {
        let mut chosen = self.before.clone();
        chosen.extend(
            assumed
                .iter()
                .copied()
                .chain(chunk)
                .map(|t| self.of_batch(t)),
        );
        chosen.sort_unstable();
        chosen
    }

    /// Go past the re-base that taking out `assumed` (ending with chunk
    /// `c`) brings once half the targets are gone: the plan of the targets
    /// left, and the chunk its search asks first (at the same size, from
    /// the same place among them, as `Sweep::passed_at`), if it asks any.
    fn rebase(&mut self, assumed: &[usize], c: &Chunk) -> Option<Chunk> {
        self.leave(assumed);
        let passed = (c.end - assumed.len()).min(self.n);
        (self.n > 0).then(|| following(self.n, c.size, passed, false))?
    }

    /// Go past the re-base at the end of a sweep at chunk size `size` that
    /// took `assumed` out: the plan of the targets left, and its search's
    /// first chunk, of half the size (as `Sweep::halved`).
    fn rebase_halved(&mut self, assumed: &[usize], size: usize) -> Option<Chunk> {
        self.leave(assumed);
        (self.n > 0).then(|| following(self.n, size.div_ceil(2), 0, false))?
    }

    /// This plan with `assumed` taken out: the targets left, in order.
    fn leave(&mut self, assumed: &[usize]) {
        let gone: HashSet<usize> = assumed.iter().copied().collect();
        let taken: Vec<usize> = assumed.iter().map(|&t| self.of_batch(t)).collect();
        self.before.extend(taken);
        let left: Vec<usize> = (0..self.n)
            .filter(|t| !gone.contains(t))
            .map(|t| self.of_batch(t))
            .collect();
        self.n = left.len();
        self.targets = Some(left);
    }
}

impl Reducer<'_> {
    /// The next batch: chunks along the path the sequential search is
    /// predicted to take from `first`, across chunk sizes, until `slots` of
    /// them need the oracle. A candidate the screen decides without it (its
    /// answer cached, invalid, not smaller) takes no slot, and its answer is
    /// certain: the path goes on from it, built in as many rounds as that
    /// takes (at most [`MAX_BATCH`] chunks, to bound memory). A chunk not
    /// judged yet is predicted `likely` (taken out or not), except where
    /// taking it out would re-base (see the module's doc). The path goes on
    /// past a re-base where `past_rebases` (see [`Frame`]): the search's
    /// own batches, not the prefetch's walk of a search (`prefetch.rs`).
    ///
    /// Also returns how many of the chunks are of `plan`; the others are
    /// of the plans past re-bases, which the search meets again once
    /// re-based.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fill_batch(
        &mut self,
        name: &'static str,
        base: &Module,
        plan: &dyn SubsetPlan,
        likely: bool,
        seen: &HashMap<(usize, usize), bool>,
        removed: &[usize],
        first: Chunk,
        slots: usize,
        past_rebases: bool,
    ) -> (Vec<Chunk>, Vec<Screened>, usize) {
        let jobs = slots;
        let mut batch: Vec<Chunk> = Vec::new();
        let mut screened: Vec<Screened> = Vec::new();
        let mut own: Option<usize> = None;
        let mut frame = Frame::own(plan.len());
        let no_answers = HashMap::new();
        // Taken out along the path so far (of the frame's plan), and the
        // path's next chunk.
        let mut assumed = removed.to_vec();
        let mut at = Some(first);
        let mut runs = 0;
        // Chunks can give the same candidate (what one takes out, the
        // repair of another puts back): it runs once, and takes one job.
        let mut keys: HashSet<(u64, usize)> = HashSet::new();
        let small = base.bytes.len() <= SWEEP_END_MAX_BYTES;
        while runs < jobs && batch.len() < MAX_BATCH {
            let n = frame.n;
            let seen = if own.is_none() { seen } else { &no_answers };
            // One chunk per free slot, each built on the predictions before
            // it.
            let mut round: Vec<Chunk> = Vec::new();
            let mut choices: Vec<Vec<usize>> = Vec::new();
            let mut round_assumed = assumed.clone();
            let mut round_at = at;
            while let Some(c) = round_at {
                if round.len() == jobs - runs {
                    break;
                }
                choices.push(frame.choice(&round_assumed, c.start..c.end));
                // Where taking the chunk out would re-base, it is predicted
                // kept (see the module's doc), unless it is a half likely
                // taken out beside one known kept (`halves.rs`).
                let rebases = (round_assumed.len() + c.size) * 2 >= n;
                let half_out = || {
                    Half::beside_kept(n, &c, seen)
                        .is_some_and(|half| self.halves.likely_taken(name, half))
                };
                let taken = seen
                    .get(&(c.start, c.end))
                    .copied()
                    .unwrap_or_else(|| (likely && !rebases) || half_out());
                round.push(Chunk { taken, ..c });
                if taken {
                    round_assumed.extend(c.start..c.end);
                    if round_assumed.len() * 2 >= n {
                        // The search would re-base here.
                        break;
                    }
                }
                round_at = following(n, c.size, c.end, !round_assumed.is_empty());
            }
            if round.is_empty() {
                break;
            }
            let built = self.build(name, base, &choices, |chosen| plan.edit(chosen));
            let names = vec![name; built.len()];
            for (mut c, s) in round.into_iter().zip(self.screen(&names, built)) {
                let mut off_path = false;
                if let Some(key) = s.needs_oracle {
                    runs += usize::from(keys.insert(key));
                } else if s.judged.interesting != c.taken {
                    // Known, and not as predicted: what the round built
                    // after it assumed otherwise.
                    c.taken = s.judged.interesting;
                    off_path = true;
                }
                if c.taken {
                    assumed.extend(c.start..c.end);
                }
                let rebases = c.taken && assumed.len() * 2 >= n;
                at = following(n, c.size, c.end, !assumed.is_empty());
                batch.push(c);
                screened.push(s);
                if rebases {
                    if !past_rebases {
                        let own = batch.len();
                        return (batch, screened, own);
                    }
                    own.get_or_insert(batch.len());
                    at = frame.rebase(&assumed, &c);
                    assumed.clear();
                    break;
                }
                // The end of a sweep that took something out: the search
                // re-bases, with chunks of half the size.
                if at.is_none() && past_rebases && small && !assumed.is_empty() && c.size > 1 {
                    own.get_or_insert(batch.len());
                    at = frame.rebase_halved(&assumed, c.size);
                    assumed.clear();
                    break;
                }
                if off_path || runs == jobs {
                    break;
                }
            }
            if at.is_none() {
                break;
            }
        }
        let own = own.unwrap_or(batch.len());
        (batch, screened, own)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::tests::{statements_of, with_reducer};
    use anyhow::Result;
    use whittle_passes::{Pass, Plan};

    /// Every choice of this plan gives the same candidate (the export
    /// goes), as chunks can when what one takes out the repair of another
    /// puts back.
    struct SameCandidate(usize);

    impl whittle_passes::SubsetPlan for SameCandidate {
        fn len(&self) -> usize {
            self.0
        }
        fn edit(&self, _chosen: &[usize]) -> Result<whittle_module::Edit> {
            Ok(whittle_module::Edit {
                remove_exports: [0].into(),
                ..whittle_module::Edit::default()
            })
        }
    }

    /// A candidate met twice in a batch runs once, so it takes one job:
    /// at `-j 2` the batch goes on past the second chunk (here to the end
    /// of the plan, every chunk being the same candidate).
    #[test]
    fn chunks_that_give_the_same_candidate_take_one_job() {
        let m = Module::parse(wat::parse_str(r#"(module (func (export "x")))"#).unwrap()).unwrap();
        with_reducer(&m, 2, |reducer| {
            let plan = SameCandidate(8);
            let first = Chunk::span(0, 1);
            let seen = std::collections::HashMap::new();
            let (batch, screened, _) =
                reducer.fill_batch("test", &m, &plan, false, &seen, &[], first, 2, false);
            assert_eq!(batch.len(), 8);
            let keys: std::collections::HashSet<_> =
                screened.iter().filter_map(|s| s.needs_oracle).collect();
            assert_eq!(keys.len(), 1);
        });
    }

    /// A function of eight statements `i32.const 0 drop`.
    fn eight_statements() -> Module {
        let body = "i32.const 0 drop\n".repeat(8);
        let wat = format!(r#"(module (func (export "f") {body}))"#);
        Module::parse(wat::parse_str(wat).unwrap()).unwrap()
    }

    /// A half likely taken out beside one known kept (`halves.rs`) is
    /// predicted taken out: it would re-base, and what the path would
    /// build past it as if it were kept is unlikely to be asked. Here the
    /// first of two chunks, its second known kept, and the second of two,
    /// its first known kept: at `-j 2`, each alone, predicted taken (the
    /// path stops at the re-base, as the prefetch's walk does; the test
    /// below goes past it).
    #[test]
    fn a_path_ends_at_a_half_likely_taken_out() {
        let m = eight_statements();
        with_reducer(&m, 2, |reducer| {
            let (_, plan) = statements_of(&m);
            let spans = |reducer: &mut Reducer<'_>, first, seen| {
                let (batch, _, _) = reducer.fill_batch(
                    "test",
                    &m,
                    plan.as_ref(),
                    false,
                    seen,
                    &[],
                    first,
                    2,
                    false,
                );
                batch
                    .iter()
                    .map(|c| (c.start, c.end, c.taken))
                    .collect::<Vec<_>>()
            };
            let nothing_seen = std::collections::HashMap::new();
            let first_half = Chunk::span(0, 4);
            // Nothing known of the second half: kept, and the path goes on
            // to the second, predicted kept as its first is not known kept,
            // and past it.
            let walked = spans(reducer, first_half, &nothing_seen);
            assert_eq!(walked[..2], [(0, 4, false), (4, 8, false)]);
            let second_kept = [((4, 8), false)].into();
            assert_eq!(spans(reducer, first_half, &second_kept), [(0, 4, true)]);
            let first_kept = [((0, 4), false)].into();
            let second_half = Chunk::span(4, 8);
            assert_eq!(spans(reducer, second_half, &first_kept), [(4, 8, true)]);
            // The second half with the first not known kept, as the
            // prefetch walks a search predicted to keep everything: kept,
            // and the path goes on.
            let walked = spans(reducer, second_half, &nothing_seen);
            assert_eq!(walked[0], (4, 8, false));
            assert!(walked.len() > 1);
            // A pass whose such halves were kept: the path goes on.
            for _ in 0..3 {
                reducer.halves.count("test", Half::FirstBesideKept, false);
            }
            let spans_then = spans(reducer, first_half, &second_kept);
            assert_eq!(spans_then[0], (0, 4, false));
            assert!(spans_then.len() > 1);
        });
    }

    /// Past a first half likely taken out (its second known kept), which
    /// re-bases, the path goes on in the plan of the four statements left:
    /// its search asks "all four out" first (known kept here, so it takes
    /// no job), then the first two of them. Each is built with the same
    /// bytes as the search builds once re-based, from the plan the pass
    /// lists for the module the first half's candidate reaches.
    #[test]
    fn a_path_goes_on_past_a_re_base_with_the_candidates_the_search_builds_there() {
        let m = counted_statements(8);
        with_reducer(&m, 2, |reducer| {
            let (pass, plan) = statements_of(&m);
            let everything: Vec<usize> = (0..8).collect();
            let nothing_left = reducer.build("test", &m, &[everything], |c| plan.edit(c));
            let nothing_left = &nothing_left[0].as_ref().unwrap().module;
            reducer.gate.remember(&nothing_left.bytes, false);
            let second_kept = [((4, 8), false)].into();
            let batch_from_first_half = |reducer: &mut Reducer<'_>, past_rebases| {
                let first = Chunk::span(0, 4);
                let slots = 2;
                reducer.fill_batch(
                    "test",
                    &m,
                    plan.as_ref(),
                    false,
                    &second_kept,
                    &[],
                    first,
                    slots,
                    past_rebases,
                )
            };
            let (batch, screened, own) = batch_from_first_half(reducer, true);
            let spans: Vec<_> = batch.iter().map(|c| (c.start, c.end, c.taken)).collect();
            assert_eq!(spans, [(0, 4, true), (0, 4, false), (0, 2, false)]);
            assert_eq!(own, 1);
            let reached = screened[0].judged.module.as_ref().unwrap();
            let listed = listed_plan(pass, reached);
            assert_eq!(listed.len(), 4);
            for (chosen, ours) in [vec![0, 1, 2, 3], vec![0, 1]]
                .into_iter()
                .zip(&screened[1..])
            {
                assert_built_as_listed(reducer, listed.as_ref(), reached, chosen, ours);
            }
            let printed =
                wasmprinter::print_bytes(&screened[2].judged.module.as_ref().unwrap().bytes);
            assert!(printed
                .unwrap()
                .contains("i32.const 6\n    drop\n    i32.const 7"));
            // Without `past_rebases` (the prefetch's walk), the path ends
            // at the re-base.
            let (batch, _, own) = batch_from_first_half(reducer, false);
            assert_eq!((batch.len(), own), (1, 1));
        });
    }

    /// A function of `n` statements `i32.const K drop`, K counting from 0.
    fn counted_statements(n: usize) -> Module {
        let body: String = (0..n).map(|k| format!("i32.const {k} drop\n")).collect();
        let wat = format!(r#"(module (func (export "f") {body}))"#);
        Module::parse(wat::parse_str(wat).unwrap()).unwrap()
    }

    /// The plan `pass` lists for `module`, as the search lists it once
    /// re-based there.
    fn listed_plan<'m>(pass: &'static dyn Pass, module: &'m Module) -> Box<dyn SubsetPlan + 'm> {
        let Some(Plan::Subsets(listed)) = pass.plan(module, 0) else {
            panic!("statements listed")
        };
        listed
    }

    /// `ours` (a candidate of a path past a re-base) has the bytes the
    /// search builds once re-based on `reached`, choosing `chosen` of its
    /// plan `listed`.
    fn assert_built_as_listed(
        reducer: &mut Reducer<'_>,
        listed: &dyn SubsetPlan,
        reached: &Module,
        chosen: Vec<usize>,
        ours: &Screened,
    ) {
        let theirs = reducer.build("test", reached, &[chosen], |c| listed.edit(c));
        let theirs = &theirs[0].as_ref().unwrap().module;
        assert_eq!(ours.judged.module.as_ref().unwrap().bytes, theirs.bytes);
    }

    /// At the end of a sweep that took something out (here two of ten
    /// statements earlier, and the last two, known taken out), the search
    /// re-bases with chunks of half the size: the path goes on there, with
    /// the first of the six statements left alone, built as the search
    /// builds it once re-based.
    #[test]
    fn a_path_goes_on_past_the_re_base_at_a_sweeps_end() {
        let m = counted_statements(10);
        with_reducer(&m, 2, |reducer| {
            let (pass, plan) = statements_of(&m);
            let last_two_out = [((8, 10), true)].into();
            let last_two = Chunk {
                size: 2,
                start: 8,
                end: 10,
                taken: false,
            };
            let (batch, screened, own) = reducer.fill_batch(
                "test",
                &m,
                plan.as_ref(),
                false,
                &last_two_out,
                &[0, 1],
                last_two,
                2,
                true,
            );
            let spans: Vec<_> = batch.iter().map(|c| (c.start, c.end, c.taken)).collect();
            assert_eq!(spans, [(8, 10, true), (0, 1, false)]);
            assert_eq!(own, 1);
            let reached = screened[0].judged.module.as_ref().unwrap();
            let listed = listed_plan(pass, reached);
            assert_eq!(listed.len(), 6);
            assert_built_as_listed(reducer, listed.as_ref(), reached, vec![0], &screened[1]);
            let printed =
                wasmprinter::print_bytes(&screened[1].judged.module.as_ref().unwrap().bytes);
            assert!(printed
                .unwrap()
                .contains("i32.const 3\n    drop\n    i32.const 4"));
        });
    }

    /// A chunk predicted taken out whose removal would re-base is followed
    /// as kept (a half beside one known kept aside): the branch where it
    /// is taken out lies past the re-base, and the path would otherwise
    /// leave the second job idle. At `-j 2`, "all eight out" (predicted
    /// taken) and, built as if it were kept, "the first four out".
    #[test]
    fn a_path_goes_on_as_kept_where_taken_would_re_base() {
        let m = eight_statements();
        with_reducer(&m, 2, |reducer| {
            let (_, plan) = statements_of(&m);
            let first = Chunk::span(0, 8);
            let seen = std::collections::HashMap::new();
            let (batch, screened, _) =
                reducer.fill_batch("test", &m, plan.as_ref(), true, &seen, &[], first, 2, true);
            let spans: Vec<(usize, usize, bool)> =
                batch.iter().map(|c| (c.start, c.end, c.taken)).collect();
            assert_eq!(spans, [(0, 8, false), (0, 4, false)]);
            assert!(screened.iter().all(|s| s.needs_oracle.is_some()));
        });
    }
}
