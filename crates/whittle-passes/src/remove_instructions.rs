//! Remove instructions — single ones or whole blocks — anywhere in a body,
//! repairing the operand stack around each removed run.
//!
//! Truncation can only cut a body's tail; this pass removes what comes
//! *before* the instruction that matters, too. For a removed run the stack
//! types before and after it come from `wasmparser`'s function validator:
//! the values they share at the bottom stay, the run's consumed values are
//! dropped and its produced values become defaults (`i32.const 0`,
//! `ref.null`). So `local.get 0 local.get 1 i32.add` minus the `i32.add`
//! becomes `local.get 0 local.get 1 drop`: the first value still flows on.

use crate::contract::SubsetPass;
use crate::op_edits::body_parts;
use crate::units::{arm_separators, units};
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use whittle_module::{
    all_stack_heights, repair, stack_snapshots, validate, Edit, Module, Validity,
};

pub struct RemoveInstructions;

impl SubsetPass for RemoveInstructions {
    /// (function, first op, last op) of a unit, statement or expression.
    type Target = (u32, usize, usize);

    /// Every unit and statement of every defined function, in code order
    /// (outer extents before the ones they hold). Stack repair needs a
    /// valid module to ask the validator about: an invalid one offers none.
    fn targets(&self, m: &Module) -> Vec<(u32, usize, usize)> {
        if validate(&m.bytes) != Validity::Valid {
            return Vec::new();
        }
        let heights = all_stack_heights(m).unwrap_or_default();
        let mut all = Vec::new();
        for (i, f) in (m.num_imported_funcs..m.num_funcs()).enumerate() {
            let Ok(units) = units(m, f) else { continue };
            let Ok(separators) = arm_separators(m, f) else {
                continue;
            };
            let mut extents: BTreeSet<(usize, std::cmp::Reverse<usize>)> = units
                .iter()
                .map(|&(a, b)| (a, std::cmp::Reverse(b)))
                .collect();
            if let Some(Some(heights)) = heights.get(i) {
                for (a, b) in statements(&units, &separators, heights) {
                    extents.insert((a, std::cmp::Reverse(b)));
                }
            }
            all.extend(extents.into_iter().map(|(a, b)| (f, a, b.0)));
        }
        all
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, usize, usize)]) -> Result<Edit> {
        let mut by_func: BTreeMap<u32, Vec<(usize, usize)>> = BTreeMap::new();
        for &&(f, a, b) in chosen {
            by_func.entry(f).or_default().push((a, b));
        }
        let mut edit = Edit::default();
        for (f, extents) in by_func {
            edit.bodies.insert(f, remove_runs(m, f, extents)?);
        }
        Ok(edit)
    }
}

/// Runs of at least two sibling units of one arm (an `else` or `catch`
/// separates the arms of a construct) that end at the stack height they
/// started at (statements) or one higher (expressions: removing one
/// replaces it by a constant of its type), never going below their start
/// height before any of their instructions.
fn statements(
    units: &[(usize, usize)],
    separators: &BTreeSet<usize>,
    heights: &[u32],
) -> Vec<(usize, usize)> {
    // Siblings: units grouped by their enclosing block unit (or the body).
    let mut levels: BTreeMap<Option<usize>, Vec<(usize, usize)>> = BTreeMap::new();
    let mut open: Vec<(usize, usize)> = Vec::new();
    for &(a, b) in units {
        while open.last().is_some_and(|&(_, end)| end < a) {
            open.pop();
        }
        levels
            .entry(open.last().map(|o| o.0))
            .or_default()
            .push((a, b));
        if b > a {
            open.push((a, b));
        }
    }
    let mut out = Vec::new();
    for siblings in levels.values() {
        // The arm of each sibling: a separator between two siblings is
        // their parent's (one inside a sibling would be inside it).
        let mut arm = vec![0usize; siblings.len()];
        for k in 1..siblings.len() {
            let between = separators
                .range(siblings[k - 1].1 + 1..siblings[k].0)
                .next();
            arm[k] = arm[k - 1] + usize::from(between.is_some());
        }
        for k in 1..siblings.len() {
            let after = heights[siblings[k].1 + 1];
            // A statement ends where it started; an expression one higher.
            for target in [Some(after), after.checked_sub(1)].into_iter().flatten() {
                let mut lowest = heights[siblings[k].0].min(after);
                for j in (0..k).rev() {
                    if arm[j] != arm[k] {
                        break;
                    }
                    let start = heights[siblings[j].0];
                    if start == target && lowest >= start {
                        out.push((siblings[j].0, siblings[k].1));
                        break;
                    }
                    lowest = lowest.min(start);
                    if lowest < target {
                        break;
                    }
                }
            }
        }
    }
    out
}

/// Merge extents (nested ones vanish, adjacent ones join) into runs.
fn runs(mut extents: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    extents.sort();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (a, b) in extents {
        match runs.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => runs.push((a, b)),
        }
    }
    runs
}

fn remove_runs(m: &Module, func: u32, extents: Vec<(usize, usize)>) -> Result<Vec<u8>> {
    let runs = runs(extents);
    let positions: BTreeSet<usize> = runs.iter().flat_map(|&(a, b)| [a, b + 1]).collect();
    let snaps = stack_snapshots(m, func, None, &positions)?;
    let parts = body_parts(m, func)?;
    let mut out = parts.locals.to_vec();
    let mut copied = 0;
    for (a, b) in runs {
        out.extend_from_slice(&parts.code[copied..parts.ops[a].0]);
        // Before an `unreachable`, nothing the run produced is needed.
        let next_is_unreachable = parts.code.get(parts.ops[b + 1].0) == Some(&UNREACHABLE_OPCODE);
        let (before, after) = (&snaps[&a], &snaps[&(b + 1)]);
        if !before.unreachable && after.unreachable {
            // The run ended reachable code (a branch, a `return`...): the
            // code after it may pop from the polymorphic stack, and only
            // `unreachable` keeps it dead.
            if !next_is_unreachable {
                out.push(UNREACHABLE_OPCODE);
            }
        } else if !next_is_unreachable {
            repair(before, after, &mut out)?;
        }
        copied = parts.ops[b].1;
    }
    out.extend_from_slice(&parts.code[copied..]);
    Ok(out)
}

const UNREACHABLE_OPCODE: u8 = 0x00;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const WAT: &str = r#"(module
        (func $f (param i32 i32) (result i32)
          local.get 0
          local.get 1
          i32.add
          block (result i64)
            i64.const 5
          end
          i32.wrap_i64
          i32.mul))"#;

    /// The target indices of these (first op, last op) extents of function 0.
    fn pick(wat: &str, extents: &[(usize, usize)]) -> Vec<usize> {
        let targets = RemoveInstructions.targets(&module(wat));
        extents
            .iter()
            .map(|&(a, b)| {
                targets
                    .iter()
                    .position(|&t| t == (0, a, b))
                    .unwrap_or_else(|| panic!("no target {a}..={b} in {targets:?}"))
            })
            .collect::<BTreeSet<usize>>()
            .into_iter()
            .collect()
    }

    #[test]
    fn every_instruction_block_statement_and_expression_is_a_target() {
        // Units; the statements `local.get 1 i32.add` and `block .. i32.mul`
        // (back at their start height); and the expressions starting at a
        // height one below where they end.
        assert_eq!(
            RemoveInstructions.targets(&module(WAT)),
            [
                (0, 0, 7),
                (0, 0, 2),
                (0, 0, 0),
                (0, 1, 5),
                (0, 1, 2),
                (0, 1, 1),
                (0, 2, 2),
                (0, 3, 7),
                (0, 3, 6),
                (0, 3, 5),
                (0, 4, 4),
                (0, 6, 6),
                (0, 7, 7)
            ]
        );
    }

    #[test]
    fn statements_cover_operands_and_consumer() {
        let wat = r#"(module (memory 1) (func (param i32)
                 i32.const 4 drop
                 i32.const 0 local.get 0 i32.const 3 memory.fill))"#;
        let out = run(&RemoveInstructions, wat, &pick(wat, &[(0, 1), (2, 5)]));
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32)))
              (memory (;0;) 1)
              (func (;0;) (type 0) (param i32))
            )"#,
        );
    }

    #[test]
    fn an_expression_becomes_a_constant() {
        let out = run(&RemoveInstructions, WAT, &pick(WAT, &[(0, 2)]));
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32 i32) (result i32)))
              (func $f (;0;) (type 0) (param i32 i32) (result i32)
                i32.const 0
                block (result i64) ;; label = @1
                  i64.const 5
                end
                i32.wrap_i64
                i32.mul
              )
            )"#,
        );
    }

    #[test]
    fn removing_an_instruction_keeps_the_values_that_still_fit() {
        let out = run(&RemoveInstructions, WAT, &pick(WAT, &[(2, 2)]));
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32 i32) (result i32)))
              (func $f (;0;) (type 0) (param i32 i32) (result i32)
                local.get 0
                local.get 1
                drop
                block (result i64) ;; label = @1
                  i64.const 5
                end
                i32.wrap_i64
                i32.mul
              )
            )"#,
        );
    }

    #[test]
    fn removing_a_block_and_its_consumer_keeps_what_fits() {
        let chosen = pick(WAT, &[(3, 5), (6, 6), (7, 7)]);
        let out = run(&RemoveInstructions, WAT, &chosen);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32 i32) (result i32)))
              (func $f (;0;) (type 0) (param i32 i32) (result i32)
                local.get 0
                local.get 1
                i32.add
              )
            )"#,
        );
    }

    #[test]
    fn removing_everything_leaves_default_results() {
        let all: Vec<usize> = (0..RemoveInstructions.targets(&module(WAT)).len()).collect();
        let out = run(&RemoveInstructions, WAT, &all);
        assert!(out.contains("(result i32)\n    i32.const 0\n  )"), "{out}");
    }

    #[test]
    fn removes_code_before_unreachable_ends() {
        let wat = r#"(module (func (result f32)
                 f32.const 1 f32.const 2 f32.add
                 unreachable
                 f32.neg))"#;
        let chosen = pick(wat, &[(0, 0), (1, 1), (2, 2), (4, 4)]);
        let out = run(&RemoveInstructions, wat, &chosen);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (result f32)))
              (func (;0;) (type 0) (result f32)
                unreachable
              )
            )"#,
        );
    }

    #[test]
    fn runs_stay_within_one_arm() {
        let wat = r#"(module (func (param i32)
            local.get 0     ;; 0
            if              ;; 1
              nop           ;; 2
              nop           ;; 3
            else            ;; 4
              nop           ;; 5
              nop           ;; 6
            end))           ;; 7"#;
        let targets = RemoveInstructions.targets(&module(wat));
        assert!(targets.contains(&(0, 2, 3)) && targets.contains(&(0, 5, 6)));
        // Only extents holding the whole `if` cross its `else`.
        let crossing = |&&(_, a, b): &&(u32, usize, usize)| a < 4 && 4 < b && !(a <= 1 && b >= 7);
        assert_eq!(targets.iter().find(crossing), None);
    }

    #[test]
    fn a_removed_branch_before_dead_code_leaves_unreachable() {
        let wat = r#"(module (func (result i32)
            i32.const 1
            return
            i32.add))"#;
        let out = run(&RemoveInstructions, wat, &pick(wat, &[(1, 1)]));
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (result i32)))
              (func (;0;) (type 0) (result i32)
                i32.const 1
                unreachable
                i32.add
              )
            )"#,
        );
    }
}
