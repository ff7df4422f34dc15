//! Truncate function bodies: keep the first `k` instructions, then
//! `unreachable` and the `end`s that close what the prefix opened.
//!
//! `unreachable` makes the rest of each block type-check whatever is on the
//! stack, so any prefix gives a valid body; the driver bisects on `k` per
//! function. An `if` still in its `then` arm gets `else unreachable` so a
//! value-producing `if` stays valid.

use crate::contract::LengthPass;
use crate::util::{body_parts, defined};
use anyhow::Result;
use wasmparser::Operator;
use whittle_module::{Edit, Module};

pub struct TruncateBodies;

/// An open block in the kept prefix.
#[derive(Clone, Copy, PartialEq)]
enum Frame {
    IfThen,
    Other,
}

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
                let len = body_parts(m, f).map_or(0, |p| p.ops.len().saturating_sub(1));
                (f, len)
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

/// The body of `func` cut after `keep` instructions.
fn truncated(m: &Module, func: u32, keep: usize) -> Result<Vec<u8>> {
    let parts = body_parts(m, func)?;
    let body = m.function_body(func).expect("body exists");
    let mut reader = body.get_operators_reader()?;
    let mut frames = Vec::new();
    for _ in 0..keep {
        match reader.read()? {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. } => frames.push(Frame::Other),
            Operator::If { .. } => frames.push(Frame::IfThen),
            Operator::Else | Operator::Catch { .. } | Operator::CatchAll => {
                if let Some(top) = frames.last_mut() {
                    *top = Frame::Other;
                }
            }
            Operator::End | Operator::Delegate { .. } => {
                frames.pop();
            }
            _ => {}
        }
    }
    let prefix_end = if keep == 0 { 0 } else { parts.ops[keep - 1].1 };
    let mut out = parts.locals.to_vec();
    out.extend_from_slice(&parts.code[..prefix_end]);
    for frame in frames.iter().rev() {
        out.push(UNREACHABLE);
        if *frame == Frame::IfThen {
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
