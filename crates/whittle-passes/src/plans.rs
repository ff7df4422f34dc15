//! How a registered pass of each kind offers its targets to the driver: a
//! [`Plan`] of the targets listed once for one base module.

use crate::contract::{LengthPass, LengthPlan, Pass, Plan, SubsetPass, SubsetPlan, TreePass};
use anyhow::Result;
use std::sync::Arc;
use whittle_module::{Edit, Module};

/// Registers a [`SubsetPass`].
pub struct Subsets<P>(pub P);
/// Registers a [`TreePass`].
pub struct Tree<P>(pub P);
/// Registers a [`LengthPass`].
pub struct Lengths<P>(pub P);

struct Listed<'m, P, T> {
    pass: &'m P,
    module: &'m Module,
    targets: Vec<T>,
}

impl<'m, P, T> Listed<'m, P, T> {
    /// The plan of these targets, unless there are none.
    fn of(pass: &'m P, module: &'m Module, targets: Vec<T>) -> Option<Box<Self>> {
        (!targets.is_empty()).then(|| {
            Box::new(Listed {
                pass,
                module,
                targets,
            })
        })
    }
}

/// The targets of a pass that has only level 0.
fn level_zero<T>(level: usize, targets: impl FnOnce() -> Vec<T>) -> Vec<T> {
    if level == 0 {
        targets()
    } else {
        Vec::new()
    }
}

impl<P: SubsetPass> Pass for Subsets<P> {
    fn plan<'m>(&'m self, m: &'m Module, level: usize) -> Option<Plan<'m>> {
        let targets = level_zero(level, || self.0.targets(m));
        Listed::of(&self.0, m, targets).map(|p| Plan::Subsets(p))
    }
}

impl<P: SubsetPass> SubsetPlan for Listed<'_, P, P::Target> {
    fn len(&self) -> usize {
        self.targets.len()
    }

    fn edit(&self, chosen: &[usize]) -> Result<Edit> {
        let chosen: Vec<&P::Target> = chosen.iter().map(|&i| &self.targets[i]).collect();
        self.pass.edit(self.module, &chosen)
    }
}

impl<P: TreePass + Clone + 'static> Pass for Tree<P>
where
    P::Target: 'static,
{
    fn prepare(&self, m: &Module) {
        self.0.prepare(m);
    }

    fn plan<'m>(&'m self, m: &'m Module, level: usize) -> Option<Plan<'m>> {
        let targets = self.0.targets_at(m, level);
        (!targets.is_empty()).then(|| {
            Plan::Subsets(Box::new(TreeLevel {
                pass: self.0.clone(),
                module: Base::Borrowed(m),
                level,
                targets,
            }))
        })
    }
}

/// The module a tree level's targets belong to: the driver's, or the new
/// base it was derived for (which the plan then shares).
enum Base<'m> {
    Borrowed(&'m Module),
    Shared(Arc<Module>),
}

/// The targets of one level of a [`TreePass`] on one base. It holds its
/// own copy of the pass (a unit struct), so that a plan derived for a new
/// base ([`SubsetPlan::rebased`]) borrows nothing of the old one.
struct TreeLevel<'m, P: TreePass> {
    pass: P,
    module: Base<'m>,
    level: usize,
    targets: Vec<P::Target>,
}

impl<P: TreePass + Clone + 'static> SubsetPlan for TreeLevel<'_, P>
where
    P::Target: 'static,
{
    fn len(&self) -> usize {
        self.targets.len()
    }

    fn edit(&self, chosen: &[usize]) -> Result<Edit> {
        let module = match &self.module {
            Base::Borrowed(m) => m,
            Base::Shared(m) => m.as_ref(),
        };
        let chosen: Vec<&P::Target> = chosen.iter().map(|&i| &self.targets[i]).collect();
        self.pass.edit(module, &chosen)
    }

    fn rebased(
        self: Box<Self>,
        removed: &[usize],
        new_base: &Arc<Module>,
    ) -> Option<Box<dyn SubsetPlan>> {
        let TreeLevel {
            pass,
            level,
            targets,
            ..
        } = *self;
        let targets = pass.targets_without(targets, removed)?;
        // No targets left: listing finds none either, and says so.
        (!targets.is_empty()).then(|| {
            Box::new(TreeLevel {
                pass,
                module: Base::Shared(Arc::clone(new_base)),
                level,
                targets,
            }) as Box<dyn SubsetPlan>
        })
    }

    fn hand_back(self: Box<Self>) {
        let TreeLevel {
            pass,
            module,
            level,
            targets,
        } = *self;
        let module = match &module {
            Base::Borrowed(m) => m,
            Base::Shared(m) => m.as_ref(),
        };
        pass.hand_back(module, level, targets);
    }
}

impl<P: LengthPass> Pass for Lengths<P> {
    fn plan<'m>(&'m self, m: &'m Module, level: usize) -> Option<Plan<'m>> {
        let targets = level_zero(level, || self.0.targets(m));
        Listed::of(&self.0, m, targets).map(|p| Plan::Lengths(p))
    }
}

impl<P: LengthPass> LengthPlan for Listed<'_, P, (P::Target, usize)> {
    fn lengths(&self) -> Vec<usize> {
        self.targets.iter().map(|(_, len)| *len).collect()
    }

    fn edit(&self, chosen: &[(usize, usize)]) -> Result<Edit> {
        let chosen: Vec<(&P::Target, usize)> = chosen
            .iter()
            .map(|&(i, len)| (&self.targets[i].0, len))
            .collect();
        self.pass.edit(self.module, &chosen)
    }

    fn shortest_first(&self) -> bool {
        self.pass.shortest_first()
    }
}
