//! The removable units of a body and what separates the arms of its
//! constructs: what `remove-instructions` builds its extents from.

use anyhow::{Context, Result};
use std::collections::BTreeSet;
use whittle_module::{frames, Module, Nesting};

/// The removable units of a body, as inclusive operator index ranges: each
/// instruction, and each whole block (from `block`/`loop`/`if`/`try`/
/// `try_table` to its `end`). `else`, `catch`, `end` and the final `end` are
/// never units on their own, so any union of units splits into runs of
/// siblings that can be cut out without unbalancing the body.
pub fn units(m: &Module, func: u32) -> Result<Vec<(usize, usize)>> {
    let body = m.function_body(func).context("no such function body")?;
    let mut units = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for step in frames(&body)? {
        let step = step?;
        let i = step.index;
        match step.nesting {
            Nesting::Opens(_) => {
                open.push(units.len());
                units.push((i, i));
            }
            Nesting::Closes(_) => {
                if let Some(u) = open.pop() {
                    units[u].1 = i;
                }
            }
            Nesting::NextArm(_) => {}
            Nesting::Inside => units.push((i, i)),
        }
    }
    Ok(units)
}

/// Operator indices of the `else`, `catch` and `catch_all` that separate
/// the arms of constructs in `func`'s body.
pub fn arm_separators(m: &Module, func: u32) -> Result<BTreeSet<usize>> {
    let body = m.function_body(func).context("no such function body")?;
    let mut separators = BTreeSet::new();
    for step in frames(&body)? {
        let step = step?;
        if let Nesting::NextArm(_) = step.nesting {
            separators.insert(step.index);
        }
    }
    Ok(separators)
}
