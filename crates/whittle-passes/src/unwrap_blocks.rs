//! Unwrap `block`, `loop`, `if` and `try_table`: keep the body (for an
//! `if`, one arm and a `drop` of its condition; for a `try_table`, the body
//! without its handlers) without the construct around it.
//!
//! Reduced bodies are often the culprit instruction nested five constructs
//! deep in filler control flow. Unwrapping keeps the stack effect (a
//! block's params and results are exactly what its body consumes and
//! leaves), so the only repair is renumbering branches that cross the
//! removed label; a branch *to* the removed label makes the candidate
//! unrepairable. Each `if` offers two targets: keep the `then` arm, or keep
//! the `else` arm (if both are chosen, `then` wins).

use crate::contract::SubsetPass;
use crate::find::each_step;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{Encode, Instruction};
use wasmparser::Operator;
use whittle_module::{rewrite_ops, Edit, FrameKind, Module, Nesting};

pub struct UnwrapBlocks;

/// How a construct is unwrapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Keep {
    /// `block`/`loop` body, or an `if`'s `then` arm.
    Body,
    /// An `if`'s `else` arm.
    Else,
}

/// (function, op index of the construct, what to keep).
fn targets(m: &Module) -> Vec<(u32, usize, Keep)> {
    let mut all = Vec::new();
    each_step(m, |f, step| match step.nesting {
        Nesting::Opens(FrameKind::Try) => {}
        Nesting::Opens(_) => all.push((f, step.index, Keep::Body)),
        Nesting::NextArm(Some(frame))
            if frame.kind == FrameKind::If && matches!(step.op, Operator::Else) =>
        {
            all.push((f, frame.start, Keep::Else))
        }
        _ => {}
    });
    all.sort();
    all
}

impl SubsetPass for UnwrapBlocks {
    /// (function, op index of the construct, what to keep).
    type Target = (u32, usize, Keep);

    fn targets(&self, m: &Module) -> Vec<(u32, usize, Keep)> {
        targets(m)
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, usize, Keep)]) -> Result<Edit> {
        let mut by_func: BTreeMap<u32, BTreeMap<usize, Keep>> = BTreeMap::new();
        for &&(f, at, keep) in chosen {
            let entry = by_func.entry(f).or_default().entry(at).or_insert(keep);
            *entry = (*entry).min(keep);
        }
        let mut edit = Edit::default();
        for (f, unwrap) in by_func {
            edit.bodies.insert(f, unwrapped(m, f, &unwrap)?);
        }
        Ok(edit)
    }
}

/// An open construct while rewriting.
struct Frame {
    /// Unwrapped: its label is gone.
    removed: bool,
    /// For an unwrapped `if`: the arm being kept.
    keep: Keep,
    /// Currently inside the arm that is being dropped.
    skipping: bool,
}

fn unwrapped(m: &Module, f: u32, unwrap: &BTreeMap<usize, Keep>) -> Result<Vec<u8>> {
    let body = m.function_body(f).context("body")?;
    let mut open: Vec<Frame> = Vec::new();
    rewrite_ops(&body, |step, code| {
        let op = step.op;
        let skipping = open.iter().any(|fr| fr.skipping);
        let insn: Option<Instruction<'_>> = match step.nesting {
            Nesting::Opens(kind) => {
                let keep = unwrap.get(&step.index).copied();
                open.push(Frame {
                    removed: keep.is_some() && !skipping,
                    keep: keep.unwrap_or(Keep::Body),
                    skipping: false,
                });
                let frame = open.last_mut().expect("just pushed");
                match (frame.removed, kind == FrameKind::If) {
                    (true, true) => {
                        frame.skipping = frame.keep == Keep::Else;
                        (!skipping).then_some(Instruction::Drop)
                    }
                    (true, false) => None,
                    (false, _) if skipping => None,
                    (false, _) => Some(translate(&open, op)?),
                }
            }
            Nesting::NextArm(_) if matches!(op, Operator::Else) => {
                let frame = open.last_mut().context("else outside if")?;
                if frame.removed {
                    frame.skipping = frame.keep == Keep::Body;
                    None
                } else if skipping {
                    None
                } else {
                    Some(Instruction::Else)
                }
            }
            Nesting::Closes(Some(_)) => {
                let frame = open.pop().context("no open frame")?;
                let outer_skipping = open.iter().any(|fr| fr.skipping);
                if frame.removed || outer_skipping {
                    if matches!(op, Operator::Delegate { .. }) && frame.removed {
                        bail!("cannot unwrap a try that delegates");
                    }
                    None
                } else {
                    Some(translate(&open, op)?)
                }
            }
            _ if skipping => None,
            _ => Some(translate(&open, op)?),
        };
        if let Some(insn) = insn {
            insn.encode(code);
        }
        Ok(())
    })
}

/// Re-encode `op`, renumbering branch depths across removed labels.
/// The new relative depth of label `d` seen from inside `frames`.
fn depth_in(frames: &[Frame], d: u32) -> Result<u32> {
    // Frames from the innermost outwards; the function's own label is past
    // the end of `frames` and never removed.
    let n = frames.len();
    let mut removed_between = 0;
    for k in 0..=d as usize {
        if k >= n {
            return Ok(d - removed_between);
        }
        if frames[n - 1 - k].removed {
            if k == d as usize {
                bail!("a branch targets an unwrapped label");
            }
            removed_between += 1;
        }
    }
    Ok(d - removed_between)
}

fn translate<'a>(frames: &[Frame], op: Operator<'a>) -> Result<Instruction<'a>> {
    let depth = |d: u32| depth_in(frames, d);
    Ok(match op {
        Operator::Br { relative_depth } => Instruction::Br(depth(relative_depth)?),
        Operator::BrIf { relative_depth } => Instruction::BrIf(depth(relative_depth)?),
        Operator::BrOnNull { relative_depth } => Instruction::BrOnNull(depth(relative_depth)?),
        Operator::BrOnNonNull { relative_depth } => {
            Instruction::BrOnNonNull(depth(relative_depth)?)
        }
        Operator::BrTable { targets } => {
            let labels = targets
                .targets()
                .map(|t| depth(t?))
                .collect::<Result<Vec<_>>>()?;
            Instruction::BrTable(labels.into(), depth(targets.default())?)
        }
        Operator::TryTable { try_table } => {
            // Handler labels count from outside the try_table's own frame.
            let outer = &frames[..frames.len().saturating_sub(1)];
            let mut catches = Vec::new();
            for c in try_table.catches {
                catches.push(match c {
                    wasmparser::Catch::One { tag, label } => wasm_encoder::Catch::One {
                        tag,
                        label: depth_in(outer, label)?,
                    },
                    wasmparser::Catch::OneRef { tag, label } => wasm_encoder::Catch::OneRef {
                        tag,
                        label: depth_in(outer, label)?,
                    },
                    wasmparser::Catch::All { label } => wasm_encoder::Catch::All {
                        label: depth_in(outer, label)?,
                    },
                    wasmparser::Catch::AllRef { label } => wasm_encoder::Catch::AllRef {
                        label: depth_in(outer, label)?,
                    },
                });
            }
            Instruction::TryTable(RoundtripReencoder.block_type(try_table.ty)?, catches.into())
        }
        Operator::BrOnCast { .. }
        | Operator::BrOnCastFail { .. }
        | Operator::Rethrow { .. }
        | Operator::Delegate { .. }
            if frames.iter().any(|f| f.removed) =>
        {
            bail!("branch form not renumbered by unwrap-blocks")
        }
        op => RoundtripReencoder.instruction(op)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, edit_of, module, run};

    const WAT: &str = r#"(module
        (func (param i32) (result i32)
          block (result i32)
            loop
              local.get 0
              local.get 0
              br_if 1
              drop
            end
            local.get 0
            if (result i32)
              i32.const 1
            else
              i32.const 2
            end
          end))"#;

    #[test]
    fn offers_each_construct_and_each_else_arm() {
        let m = module(WAT);
        assert_eq!(
            targets(&m),
            [
                (0, 0, Keep::Body),
                (0, 1, Keep::Body),
                (0, 8, Keep::Body),
                (0, 8, Keep::Else)
            ]
        );
    }

    #[test]
    fn unwraps_a_loop_renumbering_branches_past_it() {
        let out = run(&UnwrapBlocks, WAT, &[1]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32) (result i32)))
              (func (;0;) (type 0) (param i32) (result i32)
                block (result i32) ;; label = @1
                  local.get 0
                  local.get 0
                  br_if 0 (;@1;)
                  drop
                  local.get 0
                  if (result i32) ;; label = @2
                    i32.const 1
                  else
                    i32.const 2
                  end
                end
              )
            )"#,
        );
    }

    #[test]
    fn keeps_either_arm_of_an_if() {
        let then_arm = run(&UnwrapBlocks, WAT, &[2]);
        assert!(
            then_arm.contains("local.get 0\n      drop\n      i32.const 1\n    end"),
            "{then_arm}"
        );
        let else_arm = run(&UnwrapBlocks, WAT, &[3]);
        assert!(
            else_arm.contains("local.get 0\n      drop\n      i32.const 2\n    end"),
            "{else_arm}"
        );
    }

    #[test]
    fn unwraps_try_table_and_renumbers_handlers_of_kept_ones() {
        let wat = r#"(module
            (tag $e)
            (func
              block $outer
                block $mid
                  try_table (catch $e $outer)
                    try_table (catch_all $mid)
                      throw $e
                    end
                  end
                end
              end))"#;
        // Targets: block, block, try_table, try_table; unwrap $mid's block
        // and the inner try_table.
        let out = run(&UnwrapBlocks, wat, &[1, 3]);
        assert!(out.contains("try_table (catch $e 0 (;@1;))"), "{out}");
        assert!(!out.contains("catch_all"), "{out}");
    }

    #[test]
    fn a_branch_to_the_unwrapped_label_is_unrepairable() {
        let m = module(WAT);
        assert!(edit_of(&UnwrapBlocks, &m, &[0]).is_err());
    }
}
