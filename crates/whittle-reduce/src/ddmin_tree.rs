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
//! else the second of two chunks by how such chunks of the pass fared,
//! `SecondHalves`, else by the sweep's success rate).
//!
//! With two jobs the tree is a path too, but one that goes on past a
//! re-base, where the path batch cannot: the second of two chunks, its
//! first kept, is taken out about three times in four, and taking it out
//! re-bases.
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
//! Nothing here decides: the search walks its own plan's nodes along the
//! predicted branch, in order, as the path version does, and reads the
//! other nodes' answers from the cache (or waits for their checks) in its
//! next batches. The result does not depend on `jobs`.

use crate::ddmin::{following, Chunk, Relist, SecondHalves, Sweep, MAX_BATCH};
use crate::driver::Reducer;
use crate::judge::Screened;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
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

/// A tree batch: its candidates, own-plan nodes on the predicted branch
/// first (`own` of them, in the order the search walks them), then the
/// others; each one's parent and the answer leading to it.
pub(crate) struct TreeBatch {
    pub(crate) chunks: Vec<Chunk>,
    pub(crate) screened: Vec<Screened>,
    pub(crate) own: usize,
    pub(crate) parents: Vec<Option<(usize, bool)>>,
}

impl Reducer<'_> {
    /// The `jobs` likeliest nodes (that need the oracle) of the tree of
    /// answers from `root`, at most [`MAX_BATCH`] in all.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fill_tree(
        &mut self,
        name: &'static str,
        base: &Module,
        plan: &dyn SubsetPlan,
        seen: &HashMap<(usize, usize), bool>,
        root: BranchStart,
        relist: Relist<'_>,
        jobs: usize,
    ) -> TreeBatch {
        let mut frontier = vec![Pending {
            source: Source::Own,
            start: root,
            parent: None,
            chance: 1.0,
        }];
        let mut chunks: Vec<Chunk> = Vec::new();
        let mut screened: Vec<Screened> = Vec::new();
        let mut parents: Vec<Option<(usize, bool)>> = Vec::new();
        let mut own_plan: Vec<bool> = Vec::new();
        let mut runs = 0;
        let mut keys: HashSet<(u64, usize)> = HashSet::new();
        while runs < jobs && chunks.len() < MAX_BATCH && !frontier.is_empty() {
            // The likeliest node (the first found, among equals).
            let best = (0..frontier.len())
                .reduce(|a, b| {
                    if frontier[b].chance > frontier[a].chance {
                        b
                    } else {
                        a
                    }
                })
                .expect("not empty");
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
            let s = self.screen(&[name], built).pop().expect("one screened");
            // How likely the chunk is taken out: certain when the screen
            // decided it, else by what it gave before, else by the sweep.
            let taken_odds = match s.needs_oracle {
                Some(key) => {
                    runs += usize::from(keys.insert(key));
                    let seen_before = matches!(node.source, Source::Own)
                        .then(|| seen.get(&(c.start, c.end)).copied())
                        .flatten();
                    match seen_before {
                        Some(true) => 0.9,
                        Some(false) => 0.1,
                        None if SecondHalves::holds(n, &c) => self.second_halves.odds(name),
                        None => node.start.sweep.odds(),
                    }
                }
                None => f64::from(u8::from(s.judged.interesting)),
            };
            let at = chunks.len();
            for (answer, odds) in [(true, taken_odds), (false, 1.0 - taken_odds)] {
                if odds <= 0.0 {
                    continue;
                }
                let module = s.judged.module.clone();
                if let Some((source, start)) = self.branch_after(&node, n, answer, module, relist) {
                    frontier.push(Pending {
                        source,
                        start,
                        parent: Some((at, answer)),
                        chance: node.chance * odds,
                    });
                }
            }
            chunks.push(Chunk {
                taken: taken_odds > 0.5,
                ..c
            });
            own_plan.push(matches!(node.source, Source::Own));
            parents.push(node.parent);
            screened.push(s);
        }
        order_for_the_walk(chunks, screened, parents, &own_plan)
    }

    /// Where the branch goes after `node`'s chunk, answered `answer`
    /// (`module`: the node's candidate): the next chunk of the same plan,
    /// or, past a re-base, the first of the plan listed for the module the
    /// branch reaches; `None` where the search is done with this level.
    fn branch_after(
        &self,
        node: &Pending,
        n: usize,
        answer: bool,
        module: Option<Arc<Module>>,
        relist: Relist<'_>,
    ) -> Option<(Source, BranchStart)> {
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
                    return Some((node.source.clone(), start));
                }
                // The end of a sweep that took something out: a re-base,
                // and a sweep at half the size.
                None if !removed.is_empty() && c.size > 1 => sweep.halved(c.size),
                None => return None,
            }
        };
        let module = reached?;
        if module.bytes.len() > relist.max_bytes {
            return None;
        }
        let n = match relist.pass.plan(&module, relist.level) {
            Some(Plan::Subsets(listed)) => listed.len(),
            _ => return None,
        };
        if n == 0 {
            return None;
        }
        let first = following(n, sweep.chunk(), sweep.passed().min(n), false)?;
        let start = BranchStart {
            first,
            removed: Vec::new(),
            reached: None,
            sweep,
        };
        Some((Source::Relisted { module, n }, start))
    }
}

/// Reorder a tree batch so that the own plan's nodes on the predicted
/// branch from the root come first, in the order the search walks them;
/// the others keep their order (a parent stays before its children).
fn order_for_the_walk(
    chunks: Vec<Chunk>,
    screened: Vec<Screened>,
    parents: Vec<Option<(usize, bool)>>,
    own_plan: &[bool],
) -> TreeBatch {
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
        .chain((0..chunks.len()).filter(|k| !on_path.contains(k)))
        .collect();
    let mut position = vec![0; chunks.len()];
    for (new, &old) in order.iter().enumerate() {
        position[old] = new;
    }
    let mut screened: Vec<Option<Screened>> = screened.into_iter().map(Some).collect();
    TreeBatch {
        own: path.len(),
        chunks: order.iter().map(|&k| chunks[k]).collect(),
        screened: order
            .iter()
            .map(|&k| screened[k].take().expect("once"))
            .collect(),
        parents: order
            .iter()
            .map(|&k| parents[k].map(|(p, answer)| (position[p], answer)))
            .collect(),
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
        let (pass, plan) = statements_of(m);
        let root = BranchStart {
            first,
            removed: Vec::new(),
            reached: None,
            sweep,
        };
        let relist = Relist {
            pass,
            level: 0,
            max_bytes: 1 << 16,
        };
        reducer.fill_tree(
            "test",
            m,
            plan.as_ref(),
            &HashMap::new(),
            root,
            relist,
            jobs,
        )
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
    /// (`SecondHalves`, two in three before the pass has any): at `-j 2`
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
}
