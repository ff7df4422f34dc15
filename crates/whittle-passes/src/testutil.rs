//! Test helpers: apply a pass's choice to WAT and print the result as WAT.

use crate::contract::{LengthPass, SubsetPass};
use anyhow::Result;
use whittle_module::test_support::applied_wat;
pub use whittle_module::test_support::assert_wat;
use whittle_module::{Edit, Module};

pub fn module(wat: &str) -> Module {
    Module::parse(wat::parse_str(wat).unwrap()).unwrap()
}

/// The edit of a subset pass taking out the targets at `chosen` of `m`.
pub fn edit_of<P: SubsetPass>(pass: &P, m: &Module, chosen: &[usize]) -> Result<Edit> {
    let targets = pass.targets(m);
    let chosen: Vec<&P::Target> = chosen.iter().map(|&i| &targets[i]).collect();
    pass.edit(m, &chosen)
}

/// Take out the targets at `chosen` of `wat`; the result must validate.
pub fn run<P: SubsetPass>(pass: &P, wat: &str, chosen: &[usize]) -> String {
    let m = module(wat);
    applied_wat(&m, &edit_of(pass, &m, chosen).unwrap())
}

/// The current lengths of a length pass's targets.
pub fn lengths_of<P: LengthPass>(pass: &P, m: &Module) -> Vec<usize> {
    pass.targets(m).into_iter().map(|(_, len)| len).collect()
}

/// Shorten the targets of `wat` at these positions to these lengths; the
/// result must validate.
pub fn run_lengths<P: LengthPass>(pass: &P, wat: &str, chosen: &[(usize, usize)]) -> String {
    let m = module(wat);
    let targets = pass.targets(&m);
    let chosen: Vec<(&P::Target, usize)> = chosen
        .iter()
        .map(|&(i, len)| (&targets[i].0, len))
        .collect();
    applied_wat(&m, &pass.edit(&m, &chosen).unwrap())
}
