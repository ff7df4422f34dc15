//! Truncate function bodies: keep the first `k` instructions, then
//! `unreachable` and the `end`s that close what the prefix opened.
//!
//! `unreachable` makes the rest of each block type-check whatever is on the
//! stack, so any prefix gives a valid body; the driver bisects on `k` per
//! function. An `if` still in its `then` arm gets `else unreachable` so a
//! value-producing `if` stays valid.

use crate::contract::LengthPass;
use crate::find::defined;
use anyhow::{Context, Result};
use whittle_module::{frames, Edit, FrameKind, Module};

pub struct TruncateBodies;

const UNREACHABLE: u8 = 0x00;
const ELSE: u8 = 0x05;
const END: u8 = 0x0b;

impl LengthPass for TruncateBodies {
    /// A defined function; its length is its instruction count before the
    /// final `end`.
    type Target = u32;

    fn targets(&self, m: &Module) -> Vec<(u32, usize)> {
        (0..m.num_defined_funcs() as usize)
            .map(|i| {
                let f = defined(m, i);
                (f, op_count(m, f).map_or(0, |n| n.saturating_sub(1)))
            })
            .collect()
    }

    fn edit(&self, m: &Module, chosen: &[(&u32, usize)]) -> Result<Edit> {
        let mut edit = Edit::default();
        for &(&func, keep) in chosen {
            edit.bodies.insert(func, truncated(m, func, keep)?);
        }
        Ok(edit)
    }
}

/// How many operators `func`'s body has, the final `end` included.
fn op_count(m: &Module, func: u32) -> Option<usize> {
    let body = m.function_body(func)?;
    frames(&body)
        .ok()?
        .try_fold(0, |n, step| step.ok().map(|_| n + 1))
}

/// The body of `func` cut after `keep` instructions.
fn truncated(m: &Module, func: u32, keep: usize) -> Result<Vec<u8>> {
    let body = m.function_body(func).context("no such function body")?;
    let mut walk = frames(&body)?;
    for _ in 0..keep {
        walk.next().context("body shorter than its prefix")??;
    }
    let mut out = body.as_bytes()[..walk.next_start()].to_vec();
    for frame in walk.open().iter().rev() {
        out.push(UNREACHABLE);
        if frame.kind == FrameKind::If && frame.arm == 0 {
            out.extend_from_slice(&[ELSE, UNREACHABLE]);
        }
        out.push(END);
    }
    out.extend_from_slice(&[UNREACHABLE, END]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, lengths_of, module, run_lengths};

    const WAT: &str = r#"(module
        (func $f (param i32) (result i32) (local i64)
          block (result i32)
            local.get 0
            if (result i32)
              i32.const 1
            else
              i32.const 2
            end
          end
          i32.const 3
          i32.add))"#;

    #[test]
    fn counts_instructions_before_the_final_end() {
        assert_eq!(lengths_of(&TruncateBodies, &module(WAT)), vec![10]);
    }

    #[test]
    fn closes_open_blocks_inside_a_then_arm() {
        let out = run_lengths(&TruncateBodies, WAT, &[(0, 4)]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32) (result i32)))
              (func $f (;0;) (type 0) (param i32) (result i32)
                (local i64)
                block (result i32) ;; label = @1
                  local.get 0
                  if (result i32) ;; label = @2
                    i32.const 1
                    unreachable
                  else
                    unreachable
                  end
                  unreachable
                end
                unreachable
              )
            )"#,
        );
    }

    #[test]
    fn keeping_nothing_leaves_unreachable_and_locals() {
        let out = run_lengths(&TruncateBodies, WAT, &[(0, 0)]);
        assert!(out.contains("(local i64)\n    unreachable\n  )"), "{out}");
    }
}
