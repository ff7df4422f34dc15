//! A delta-debugging batch shaped as a tree, for two jobs or more.
//!
//! A path of predictions (`ddmin.rs`) holds `1 + p + p^2 + ...` useful
//! candidates, where `p` is how often a prediction is right: about 0.55
//! here, so never more than about 2.2 however many jobs there are. With
//! `p` near one half, the third likeliest candidate is not the successor of
//! the second but the other answer to the first. So a batch holds the
//! likeliest nodes of the tree of answers: each node is the candidate the
//! sequential search asks if the answers above it are as its branch says,
//! weighed by how likely those answers are (a chunk by what it gave before,
//! else a half of a two-chunk sweep by how such halves of the pass fared,
//! `halves.rs`, else by the sweep's success rate).
//!
//! With two jobs the tree is a path too, but one that goes on past any
//! re-base, where the path batch goes on only past one whose chunk is
//! known or likely taken out beside a half known kept (`ddmin_path.rs`):
//! the second of two chunks, its first kept, is taken out about three
//! times in four, and taking it out re-bases.
//!
//! Most chunks taken out are half of what is left, so the search re-bases
//! right after them (`ddmin.rs`): the tree goes on past a re-base, in the
//! plan the pass lists for the module that branch reaches (a derived plan
//! equals the listed one, see `SubsetPlan::rebased`), so that the search,
//! once re-based, builds the same candidates and waits for their checks.
//! A tree builds its candidates one at a time and lists plans, so it is
//! only used on modules of at most `Relist::max_bytes`; larger ones get the
//! path batch, whose candidates are built in parallel.
//!
//! Where a branch leaves the pass (its search done with the level, and no
//! next level), the passes after it come next: their first candidates,
//! built on the module that branch reaches as a prefetch builds them
//! (`prefetch.rs`), are nodes too, weighed by the branch's chance. The
//! last chunk of a search otherwise ran alone: at `-j 2` behind the
//! oracle-bound predicate, most of the 0.98 s of a 10 s timeline that
//! held one check.
//!
//! Nothing here decides: the search walks its own plan's nodes along the
//! predicted branch, in order, as the path version does, and reads the
//! other nodes' answers from the cache (or waits for their checks) in its
//! next batches. The result does not depend on `jobs`.

use crate::ddmin::{following, Chunk, Relist, Sweep, MAX_BATCH};
use crate::driver::Reducer;
use crate::halves::Half;
use crate::judge::Screened;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use whittle_module::Module;
use whittle_passes::{Plan, SubsetPlan};

/// Where a branch of the tree stands: the chunk it asks next, the targets
/// taken out before it since its plan's base, the module that leaves
/// (`None`: the base), and the sweep as the search will stand there.
#[derive(Clone)]
pub(crate) struct BranchStart {
    pub(crate) first: Chunk,
    pub(crate) removed: Vec<usize>,
    pub(crate) reached: Option<Arc<Module>>,
    pub(crate) sweep: Sweep,
}

/// Which plan a node's candidate is built from.
#[derive(Clone)]
enum Source {
    /// The batch's own plan.
    Own,
    /// The plan the pass lists for this module (past a re-base), of `n`
    /// targets.
    Relisted { module: Arc<Module>, n: usize },
}

/// A node not built yet: its branch, its parent and the answer leading to
/// it, and how likely the search is to ask it.
struct Pending {
    source: Source,
    start: BranchStart,
    parent: Option<(usize, bool)>,
    chance: f64,
}

impl Pending {
    /// The module the branch has reached by the node, when it is not the
    /// search's best: what the branch took out so far, or the module its
    /// plan was listed on past a re-base.
    fn reached(&self) -> Option<&Module> {
        match (&self.start.reached, &self.source) {
            (Some(module), _) | (None, Source::Relisted { module, .. }) => Some(module),
            (None, Source::Own) => None,
        }
    }
}

/// A tree batch: its candidates, own-plan nodes on the predicted branch
/// first (`own` of them, in the order the search walks them), then the
/// other nodes (`chunks` holds the nodes' chunks), then the later passes'
/// candidates; each one's pass, parent and the answer leading to it.
pub(crate) struct TreeBatch {
    pub(crate) chunks: Vec<Chunk>,
    pub(crate) screened: Vec<Screened>,
    pub(crate) names: Vec<&'static str>,
    pub(crate) own: usize,
    pub(crate) parents: Vec<Option<(usize, bool)>>,
}

/// A branch on which the pass is done: the passes after it come next, on
/// the module it reaches (`parent`: the node it ends at, and the answer).
struct PassDone {
    module: Arc<Module>,
    parent: (usize, bool),
    chance: f64,
}

/// Where a branch goes after a node's answer.
enum After {
    /// On to this chunk.
    Chunk(Source, BranchStart),
    /// Out of the pass: its search is done at this level and it has no
    /// next level on this module, which the passes after it start from.
    PassDone(Arc<Module>),
    /// Where the batch does not follow.
    Unknown,
}

impl Reducer<'_> {
    /// The `jobs` likeliest nodes (that need the oracle) of the tree of
    /// answers from `root`, at most [`MAX_BATCH`] in all. Where the
    /// likeliest is a branch on which the pass is done, the first
    /// candidates of the passes after it, built on the module that branch
    /// reaches as a prefetch would (`prefetch.rs`), fill the jobs left: the
    /// last chunk of a search otherwise runs alone.
    ///
    /// `(jobs, budget)`: the oracle runs the batch is filled to, and the
    /// time it may spend building (a check's, when one is known). A tree
    /// builds its nodes one after the other and lists the plan past each
    /// re-base, and a node the screen decides (cached, not smaller) takes
    /// no job: on a 10 KB function whose statements had all been asked, a
    /// tree built 64 such nodes in 178 ms while no check ran. Past the
    /// budget the batch holds what it has; the search walks it and asks
    /// again, from further on.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fill_tree(
        &mut self,
        name: &'static str,
        base: &Module,
        plan: &dyn SubsetPlan,
        seen: &HashMap<(usize, usize), bool>,
        root: BranchStart,
        relist: Relist<'_>,
        (jobs, budget): (usize, Option<Duration>),
    ) -> TreeBatch {
        let started = Instant::now();
        let mut frontier = vec![Pending {
            source: Source::Own,
            start: root,
            parent: None,
            chance: 1.0,
        }];
        let mut done: Vec<PassDone> = Vec::new();
        let mut nodes = Nodes::default();
        let mut runs = 0;
        let mut keys: HashSet<(u64, usize)> = HashSet::new();
        while runs < jobs && nodes.screened.len() < MAX_BATCH {
            let spent = budget.is_some_and(|budget| started.elapsed() >= budget);
            if spent && !nodes.screened.is_empty() {
                break;
            }
            // The likeliest node (the first found, among equals), or
            // branch out of the pass.
            let likeliest = |chances: &mut dyn Iterator<Item = f64>| {
                chances
                    .enumerate()
                    .reduce(|a, b| if b.1 > a.1 { b } else { a })
            };
            let node = likeliest(&mut frontier.iter().map(|p| p.chance));
            let out = likeliest(&mut done.iter().map(|d| d.chance));
            match (node, out) {
                (None, None) => break,
                (node, Some((k, chance))) if node.is_none_or(|(_, c)| chance > c) => {
                    let out = done.remove(k);
                    let next = relist.index + 1;
                    let mut parent = out.parent;
                    for (later, s, taken) in self.next_passes(name, out.module, jobs - runs, next) {
                        if let Some(key) = s.needs_oracle {
                            runs += usize::from(keys.insert(key));
                        }
                        parent = nodes.push_later(later, s, parent, taken);
                    }
                    continue;
                }
                _ => {}
            }
            let (best, _) = node.expect("the likeliest");
            let node = frontier.remove(best);
            let c = node.start.first;
            let choices: Vec<usize> = node
                .start
                .removed
                .iter()
                .copied()
                .chain(c.start..c.end)
                .collect();
            let (built, n) = match &node.source {
                Source::Own => (
                    self.build(name, base, &[choices], |chosen| plan.edit(chosen)),
                    plan.len(),
                ),
                Source::Relisted { module, n } => {
                    let Some(Plan::Subsets(listed)) = relist.pass.plan(module, relist.level) else {
                        continue;
                    };
                    (
                        self.build(name, module, &[choices], |chosen| listed.edit(chosen)),
                        *n,
                    )
                }
            };
            let s = self
                .screen_against(&[name], built, node.reached())
                .pop()
                .expect("one screened");
            if let (Some(key), Some(module)) = (s.needs_oracle, &s.judged.module) {
                self.start_while_free(name, key, module, jobs);
            }
            // How likely the chunk is taken out: certain when the screen
            // decided it, else by what it gave before, else by the sweep.
            let taken_odds = match s.needs_oracle {
                Some(key) => {
                    runs += usize::from(keys.insert(key));
                    let own = matches!(node.source, Source::Own);
                    let seen_before = own.then(|| seen.get(&(c.start, c.end)).copied()).flatten();
                    // What this plan's chunks gave says nothing of a
                    // relisted plan's.
                    let no_answers = HashMap::new();
                    let half = Half::of(n, &c, if own { seen } else { &no_answers });
                    match (seen_before, half) {
                        (Some(true), _) => 0.9,
                        (Some(false), _) => 0.1,
                        (None, Some(half)) => self.halves.odds(name, half),
                        (None, None) => node.start.sweep.odds(),
                    }
                }
                None => f64::from(u8::from(s.judged.interesting)),
            };
            let at = nodes.screened.len();
            for (answer, odds) in [(true, taken_odds), (false, 1.0 - taken_odds)] {
                if odds <= 0.0 {
                    continue;
                }
                let module = s.judged.module.clone();
                let chance = node.chance * odds;
                match self.branch_after(&node, n, answer, module, relist) {
                    After::Chunk(source, start) => frontier.push(Pending {
                        source,
                        start,
                        parent: Some((at, answer)),
                        chance,
                    }),
                    After::PassDone(module) => done.push(PassDone {
                        module,
                        parent: (at, answer),
                        chance,
                    }),
                    After::Unknown => {}
                }
            }
            let own_plan = matches!(node.source, Source::Own);
            let taken = taken_odds > 0.5;
            nodes.push_node(name, Chunk { taken, ..c }, s, node.parent, own_plan);
        }
        nodes.order_for_the_walk()
    }

    /// Where the branch goes after `node`'s chunk, answered `answer`
    /// (`module`: the node's candidate): the next chunk of the same plan,
    /// or, past a re-base, the first of the plan listed for the module the
    /// branch reaches, or out of the pass.
    fn branch_after(
        &self,
        node: &Pending,
        n: usize,
        answer: bool,
        module: Option<Arc<Module>>,
        relist: Relist<'_>,
    ) -> After {
        let c = node.start.first;
        let mut removed = node.start.removed.clone();
        let mut reached = node.start.reached.clone();
        let mut sweep = node.start.sweep;
        sweep.count(c.size, answer);
        if answer {
            removed.extend(c.start..c.end);
            reached = module;
        }
        let sweep = if answer && removed.len() * 2 >= n {
            // Half the targets gone: a re-base, going on from the same
            // place among those left.
            sweep.passed_at(c.end - removed.len())
        } else {
            match following(n, c.size, c.end, !removed.is_empty()) {
                Some(first) => {
                    let start = BranchStart {
                        first,
                        removed,
                        reached,
                        sweep,
                    };
                    return After::Chunk(node.source.clone(), start);
                }
                // The end of a sweep that took something out: a re-base,
                // and a sweep at half the size.
                None if !removed.is_empty() && c.size > 1 => sweep.halved(c.size),
                // The search is done with this level.
                None => {
                    let module = match (reached, &node.source) {
                        (Some(module), _) => module,
                        (None, Source::Relisted { module, .. }) => Arc::clone(module),
                        (None, Source::Own) => Arc::clone(&self.best),
                    };
                    return out_of_level(module, relist);
                }
            }
        };
        let Some(module) = reached else {
            return After::Unknown;
        };
        if module.bytes.len() > relist.max_bytes {
            return After::Unknown;
        }
        let n = match relist.pass.plan(&module, relist.level) {
            Some(Plan::Subsets(listed)) => Some(listed.len()),
            Some(Plan::Lengths(_)) => return After::Unknown,
            None => None,
        };
        let Some(n) = n else {
            // Nothing left to list: the pass ends (`run_pass`).
            return After::PassDone(module);
        };
        if n == 0 {
            // Every chunk of an empty plan is the base, not smaller.
            return out_of_level(module, relist);
        }
        // (None: the re-based search is done with this level at once.)
        let Some(first) = following(n, sweep.chunk(), sweep.passed().min(n), false) else {
            return out_of_level(module, relist);
        };
        let start = BranchStart {
            first,
            removed: Vec::new(),
            reached: None,
            sweep,
        };
        After::Chunk(Source::Relisted { module, n }, start)
    }
}

/// Where a branch goes once the search is done with this level on
/// `module`: out of the pass, unless the pass has a next level there.
/// (Going on into the next level's first chunk was tried: the
/// oracle-bound row did not move, at `-j 2` or `-j 8`.)
fn out_of_level(module: Arc<Module>, relist: Relist<'_>) -> After {
    match relist.has_next_level(&module) {
        true => After::Unknown,
        false => After::PassDone(module),
    }
}

/// A tree batch as it is filled, in the order built: its nodes and the
/// later passes' candidates (`later`, whose chunk says only whether it
/// is predicted taken); each one's candidate, pass, parent and whether it
/// is of the batch's own plan.
#[derive(Default)]
struct Nodes {
    chunks: Vec<Chunk>,
    screened: Vec<Screened>,
    names: Vec<&'static str>,
    parents: Vec<Option<(usize, bool)>>,
    own_plan: Vec<bool>,
    later: Vec<bool>,
}

impl Nodes {
    fn push_node(
        &mut self,
        name: &'static str,
        chunk: Chunk,
        s: Screened,
        parent: Option<(usize, bool)>,
        own_plan: bool,
    ) {
        self.chunks.push(chunk);
        self.push(name, s, parent, own_plan, false);
    }

    /// A later pass's candidate after `parent`, predicted `taken`: the
    /// parent of the next one.
    fn push_later(
        &mut self,
        name: &'static str,
        s: Screened,
        parent: (usize, bool),
        taken: bool,
    ) -> (usize, bool) {
        self.chunks.push(Chunk {
            size: 0,
            start: 0,
            end: 0,
            taken,
        });
        self.push(name, s, Some(parent), false, true);
        (self.screened.len() - 1, taken)
    }

    fn push(
        &mut self,
        name: &'static str,
        s: Screened,
        parent: Option<(usize, bool)>,
        own_plan: bool,
        later: bool,
    ) {
        self.screened.push(s);
        self.names.push(name);
        self.parents.push(parent);
        self.own_plan.push(own_plan);
        self.later.push(later);
    }

    /// The batch, ordered so that the own plan's nodes on the predicted
    /// branch from the root come first, in the order the search walks
    /// them, then the other nodes, then the later passes' candidates, each
    /// part in the order built (a parent stays before its children).
    fn order_for_the_walk(self) -> TreeBatch {
        let Nodes {
            chunks,
            screened,
            names,
            parents,
            own_plan,
            later,
        } = self;
        let mut path: Vec<usize> = Vec::new();
        if !chunks.is_empty() {
            path.push(0);
            loop {
                let last = *path.last().expect("not empty");
                let next = (0..chunks.len())
                    .find(|&k| own_plan[k] && parents[k] == Some((last, chunks[last].taken)));
                match next {
                    Some(k) => path.push(k),
                    None => break,
                }
            }
        }
        let on_path: HashSet<usize> = path.iter().copied().collect();
        let order: Vec<usize> = path
            .iter()
            .copied()
            .chain((0..chunks.len()).filter(|&k| !on_path.contains(&k) && !later[k]))
            .chain((0..chunks.len()).filter(|&k| later[k]))
            .collect();
        let mut position = vec![0; chunks.len()];
        for (new, &old) in order.iter().enumerate() {
            position[old] = new;
        }
        let mut screened: Vec<Option<Screened>> = screened.into_iter().map(Some).collect();
        TreeBatch {
            own: path.len(),
            chunks: order
                .iter()
                .filter(|&&k| !later[k])
                .map(|&k| chunks[k])
                .collect(),
            screened: order
                .iter()
                .map(|&k| screened[k].take().expect("once"))
                .collect(),
            names: order.iter().map(|&k| names[k]).collect(),
            parents: order
                .iter()
                .map(|&k| parents[k].map(|(p, answer)| (position[p], answer)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::tests::{statements_calling_bug, statements_of, with_reducer};

    /// The tree batch of `jobs` from `first`, the sweep standing at
    /// `sweep`, of `remove-statements`' plan of `m`'s outermost statements
    /// (nothing taken out yet, nothing seen).
    fn tree_from(
        reducer: &mut Reducer<'_>,
        m: &Module,
        first: Chunk,
        sweep: Sweep,
        jobs: usize,
    ) -> TreeBatch {
        tree_within(reducer, m, first, sweep, (jobs, None), &HashMap::new())
    }

    /// [`tree_from`] with a budget for its building, and what `seen`
    /// holds of the plan's chunks.
    fn tree_within(
        reducer: &mut Reducer<'_>,
        m: &Module,
        first: Chunk,
        sweep: Sweep,
        jobs_and_budget: (usize, Option<Duration>),
        seen: &HashMap<(usize, usize), bool>,
    ) -> TreeBatch {
        let (pass, plan) = statements_of(m);
        let root = BranchStart {
            first,
            removed: Vec::new(),
            reached: None,
            sweep,
        };
        let relist = Relist {
            pass,
            index: 0,
            level: 0,
            max_bytes: 1 << 16,
        };
        reducer.fill_tree(
            "test",
            m,
            plan.as_ref(),
            seen,
            root,
            relist,
            jobs_and_budget,
        )
    }

    /// A node past a guessed step is weighed against the module that step
    /// reaches, not the best (`Reducer::screen_against`): its candidate is
    /// taken only when smaller.
    #[test]
    fn a_node_is_weighed_against_the_module_its_branch_reached() {
        use crate::cost::cost;
        use crate::judge::Built;
        let best = statements_calling_bug(8, 5);
        let parse = |wat: &str| Module::parse(wat::parse_str(wat).unwrap()).unwrap();
        // Taking out the last statement of `(result i32)` code puts back
        // the very `i32.const 0` it took: the same module.
        let reached = parse("(module (func (result i32) i32.const 0))");
        let smaller = parse("(module (func))");
        let one = parse("(module (func (result i32) i32.const 1))");
        with_reducer(&best, 2, |reducer| {
            // Each smaller than the best, and answered "interesting" from
            // the cache but for `smaller`'s second ask.
            for m in [&reached, &smaller, &one] {
                assert!(cost(m) < cost(&best));
                reducer.gate.remember(&m.bytes, true);
            }
            fn screened(reducer: &mut Reducer<'_>, m: &Module, against: &Module) -> Screened {
                let built = vec![Ok(Built::unchecked(m.clone()))];
                let s = reducer.screen_against(&["test"], built, Some(against));
                s.into_iter().next().unwrap()
            }
            // The same bytes are not taken, and need no check.
            let same = screened(reducer, &reached, &reached);
            assert!(!same.judged.interesting);
            assert_eq!(same.needs_oracle, None);
            // As costly but simpler (a zero constant where the reached
            // module has a one): kept, with its complexity for the walk;
            // the other way round, not taken.
            assert_eq!(cost(&one), cost(&reached));
            let simpler = screened(reducer, &reached, &one);
            assert!(simpler.judged.interesting);
            let knottier = screened(reducer, &one, &reached);
            assert!(!knottier.judged.interesting);
            let zero = reducer.complexities.complexity(&reached);
            assert_eq!(simpler.judged.complexity, Some(zero));
            assert!(zero < reducer.complexities.complexity(&one));
            // Smaller: as the gate has it, cached or to be checked.
            let cached = screened(reducer, &smaller, &reached);
            assert!(cached.judged.interesting);
            assert_eq!(cached.needs_oracle, None);
            reducer.gate = crate::gate::Gate::new(&best.bytes);
            let asked = screened(reducer, &smaller, &reached);
            assert!(!asked.judged.interesting);
            assert!(asked.needs_oracle.is_some());
        });
    }

    /// Past its budget a tree holds what it has built: with no time to
    /// spend, the one node it must hold (the chunk the search asks next),
    /// though three jobs are free; with time, the three of
    /// `a_tree_holds_both_answers_and_goes_on_past_a_re_base`.
    #[test]
    fn a_tree_past_its_budget_holds_what_it_has() {
        let m = statements_calling_bug(8, 5);
        with_reducer(&m, 3, |reducer| {
            let spans = |tree: &TreeBatch| -> Vec<(usize, usize)> {
                tree.chunks.iter().map(|c| (c.start, c.end)).collect()
            };
            let nothing_seen = HashMap::new();
            let mut tree_in = |budget| {
                let sweep = Sweep::prior(0, 0);
                tree_within(
                    reducer,
                    &m,
                    Chunk::span(0, 4),
                    sweep,
                    (3, budget),
                    &nothing_seen,
                )
            };
            let tree = tree_in(Some(Duration::ZERO));
            assert_eq!(spans(&tree), [(0, 4)]);
            assert_eq!((tree.own, tree.parents), (1, vec![None]));
            let tree = tree_in(Some(Duration::from_secs(3600)));
            assert_eq!(spans(&tree), [(0, 4), (4, 8), (0, 4)]);
        });
    }

    /// A tree batch of three jobs from a chunk at even odds: the chunk, the
    /// next chunk if it is kept (the predicted branch, walked first), and,
    /// if it is taken out, the first chunk of the plan listed past the
    /// re-base that brings (half the targets gone).
    #[test]
    fn a_tree_holds_both_answers_and_goes_on_past_a_re_base() {
        let m = statements_calling_bug(8, 5);
        with_reducer(&m, 3, |reducer| {
            assert_eq!(statements_of(&m).1.len(), 8);
            let tree = tree_from(reducer, &m, Chunk::span(0, 4), Sweep::prior(0, 0), 3);
            let spans: Vec<(usize, usize)> = tree.chunks.iter().map(|c| (c.start, c.end)).collect();
            // The predicted branch (kept: even odds are not "likely taken"),
            // then the other answer's node, whose span is in the listed plan
            // of the four statements left.
            assert_eq!(spans, [(0, 4), (4, 8), (0, 4)]);
            assert_eq!(tree.own, 2);
            assert_eq!(tree.parents, [None, Some((0, false)), Some((0, true))]);
            let printed: Vec<String> = tree
                .screened
                .iter()
                .map(|s| {
                    wasmprinter::print_bytes(&s.judged.module.as_ref().unwrap().bytes).unwrap()
                })
                .collect();
            let statements =
                |p: &String| p.matches("drop").count() + p.matches("call $bug").count();
            assert_eq!(statements(&printed[0]), 4);
            assert_eq!(statements(&printed[1]), 4);
            assert_eq!(statements(&printed[2]), 0);
            assert!(printed[1].contains("i32.const 0") && !printed[1].contains("call $bug"));
        });
    }

    /// The second of two chunks (the first kept) is likely taken out
    /// (`halves.rs`, two in three before the pass has any): at `-j 2`
    /// the tree's second node is the first chunk of the plan listed past
    /// the re-base that brings, not the next chunk of this plan.
    #[test]
    fn a_second_half_is_likely_taken_out() {
        let m = statements_calling_bug(8, 7);
        with_reducer(&m, 2, |reducer| {
            // The first half was kept: the sweep alone predicts "kept".
            let tree = tree_from(reducer, &m, Chunk::span(4, 8), Sweep::prior(1, 0), 2);
            let spans: Vec<(usize, usize)> = tree.chunks.iter().map(|c| (c.start, c.end)).collect();
            assert_eq!(spans, [(4, 8), (0, 2)]);
            assert!(tree.chunks[0].taken);
            assert_eq!(tree.parents, [None, Some((0, true))]);
            assert_eq!(tree.own, 1);
        });
    }

    /// The first of two chunks whose second is known kept is likely taken
    /// out (`halves.rs`): at `-j 2` the tree's second node is the first
    /// chunk of the plan listed past the re-base that brings, not the
    /// second half's successor in this plan as if the first were kept.
    #[test]
    fn a_first_half_beside_a_kept_one_is_likely_taken_out() {
        let m = statements_calling_bug(8, 7);
        with_reducer(&m, 2, |reducer| {
            let seen = [((4, 8), false)].into();
            let sweep = Sweep::prior(1, 0);
            let tree = tree_within(reducer, &m, Chunk::span(0, 4), sweep, (2, None), &seen);
            let spans: Vec<(usize, usize)> = tree.chunks.iter().map(|c| (c.start, c.end)).collect();
            // Past the re-base, the plan of the four statements left, from
            // where the sweep stood: all four out.
            assert_eq!(spans, [(0, 4), (0, 4)]);
            assert!(tree.chunks[0].taken);
            assert_eq!(tree.parents, [None, Some((0, true))]);
            assert_eq!(tree.own, 1);
            // Without the second's answer: kept, and the next chunk of
            // this plan (the first quarter, at the next chunk size).
            let tree = tree_from(reducer, &m, Chunk::span(0, 4), sweep, 2);
            assert!(!tree.chunks[0].taken);
            assert_eq!(tree.parents[1], Some((0, false)));
        });
    }

    /// Where the tree's likeliest branch leaves the pass (its search done
    /// with its only level), the next pass's first candidate, built on the
    /// module that branch reaches, takes the job left: at `-j 2`, the last
    /// statement (likely taken out, as the second of two chunks) and,
    /// past it, `remove-exports`' "every export out" without it.
    #[test]
    fn a_branch_out_of_the_pass_goes_on_with_the_next_pass() {
        let wat = r#"(module (import "env" "bug" (func $bug))
            (func (export "f") i32.const 0 drop call $bug))"#;
        let m = Module::parse(wat::parse_str(wat).unwrap()).unwrap();
        with_reducer(&m, 2, |reducer| {
            reducer.opts.passes = ["remove-statements", "remove-exports"]
                .map(|name| whittle_passes::find(name).unwrap())
                .to_vec();
            let tree = tree_from(reducer, &m, Chunk::span(1, 2), Sweep::prior(1, 0), 2);
            let spans: Vec<(usize, usize)> = tree.chunks.iter().map(|c| (c.start, c.end)).collect();
            assert_eq!(spans, [(1, 2)]);
            assert_eq!(tree.names, ["test", "remove-exports"]);
            assert_eq!(tree.parents, [None, Some((0, true))]);
            assert!(tree.screened.iter().all(|s| s.needs_oracle.is_some()));
            let next = tree.screened[1].judged.module.as_ref().unwrap();
            assert_eq!(
                wasmprinter::print_bytes(&next.bytes).unwrap(),
                "(module\n  (type (;0;) (func))\n  (import \"env\" \"bug\" (func $bug (;0;) (type 0)))\n  (func (;1;) (type 0)\n    i32.const 0\n    drop\n  )\n)\n"
            );
        });
    }
}
