//! The pass contract (see the crate documentation): the three kinds of
//! pass and the plan the driver sees of each.

use anyhow::Result;
use std::sync::Arc;
use whittle_module::{Edit, Module};

/// A pass whose targets can be taken out in any combination.
pub trait SubsetPass: Sync {
    /// What the pass can take out of a module.
    type Target: Sync;
    /// Every target of `m`, in a fixed order (code order for code).
    fn targets(&self, m: &Module) -> Vec<Self::Target>;
    /// The edit of `m` that takes out `chosen` (targets of `m`, in order).
    fn edit(&self, m: &Module, chosen: &[&Self::Target]) -> Result<Edit>;
}

/// A subset pass whose targets form a tree, offered one depth at a time:
/// its [`SubsetPass::targets`] are those at depth 0.
pub trait TreePass: SubsetPass {
    /// The targets of `m` at depth `level` (0: the outermost), in order;
    /// empty when the tree is not that deep.
    fn targets_at(&self, m: &Module, level: usize) -> Vec<Self::Target>;

    /// `targets` (of one level, as listed) once those at the positions
    /// `removed` are taken out: what [`TreePass::targets_at`] would list on
    /// the module that gives, when that is certain; `None` otherwise.
    fn targets_without(
        &self,
        _targets: Vec<Self::Target>,
        _removed: &[usize],
    ) -> Option<Vec<Self::Target>> {
        None
    }

    /// See [`Pass::prepare`].
    fn prepare(&self, _m: &Module) {}

    /// `targets`, what [`TreePass::targets_at`] listed for `level` of `m`,
    /// from a plan done with them (see [`SubsetPlan::hand_back`]): a pass
    /// whose listing is costly keeps them for its next listing of that
    /// level of `m`.
    fn hand_back(&self, _m: &Module, _level: usize, _targets: Vec<Self::Target>) {}
}

/// A pass whose targets each have a length to shorten.
pub trait LengthPass: Sync {
    type Target: Sync;
    /// Every target of `m` with its current length.
    fn targets(&self, m: &Module) -> Vec<(Self::Target, usize)>;
    /// The edit of `m` that shortens each chosen target to the length given
    /// with it (always below its current length).
    fn edit(&self, m: &Module, chosen: &[(&Self::Target, usize)]) -> Result<Edit>;

    /// Length 0 is the likely answer in the first round (no other pass
    /// tries it): it is probed before the bisection, one candidate where
    /// the bisection takes log2(length), one more where it is not.
    fn shortest_first(&self) -> bool {
        false
    }
}

/// A pass as the driver sees it: whatever its kind, it offers a [`Plan`]
/// for a base module and a level.
pub trait Pass: Sync {
    /// The targets of `m` at `level`, computed once; `None` once there are
    /// none (subset and length passes have only level 0).
    fn plan<'m>(&'m self, m: &'m Module, level: usize) -> Option<Plan<'m>>;

    /// Work towards a plan of `m` that can be done ahead, on another core,
    /// while earlier passes run (the driver calls it with each round's
    /// base). It must leave every plan as it would be without it.
    fn prepare(&self, _m: &Module) {}
}

/// The targets of one pass on one base module.
pub enum Plan<'m> {
    Subsets(Box<dyn SubsetPlan + 'm>),
    Lengths(Box<dyn LengthPlan + 'm>),
}

/// Subset targets of one base, by position.
pub trait SubsetPlan: Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The edit taking out the targets at these positions (ascending).
    fn edit(&self, chosen: &[usize]) -> Result<Edit>;

    /// The plan of `new_base`, the module this plan's edit of `removed`
    /// gives, derived from this one without listing it (a giant function's
    /// listing is the reducer's largest cost); `None` unless it is certain
    /// to equal the listed one: the driver then lists it. The old plan is
    /// used up either way (its targets become the new ones).
    fn rebased(
        self: Box<Self>,
        _removed: &[usize],
        _new_base: &Arc<Module>,
    ) -> Option<Box<dyn SubsetPlan>> {
        None
    }

    /// Done with, its targets as listed: a plan listed to build a guess
    /// from (the prefetch's path) gives them back to its module, for the
    /// pass that reaches it to take rather than list again (a giant
    /// function's statements). Dropped by default.
    fn hand_back(self: Box<Self>) {}
}

impl Plan<'_> {
    /// See [`SubsetPlan::hand_back`].
    pub fn hand_back(self) {
        if let Plan::Subsets(plan) = self {
            plan.hand_back();
        }
    }
}

/// Length targets of one base, by position.
pub trait LengthPlan: Sync {
    /// The current length of every target.
    fn lengths(&self) -> Vec<usize>;
    /// The edit shortening the targets at these positions (ascending) to
    /// the lengths given with them.
    fn edit(&self, chosen: &[(usize, usize)]) -> Result<Edit>;
    /// See [`LengthPass::shortest_first`].
    fn shortest_first(&self) -> bool {
        false
    }
}
