//! Values nothing consumes: pushed by a constant, `local.get`,
//! `global.get`, `ref.null` or `ref.func` and still on the stack when the
//! code turns unreachable (`unreachable`, `br`, `return`, `throw`...), which
//! discards them.
//!
//! Other removals repair the stack conservatively and leave such values
//! behind (`i32.const 0 i32.const 0 i32x4.splat unreachable`: the first
//! constant is dead). The operand stack is followed with `wasmparser`'s
//! validator and each operator's arity, remembering which operator pushed
//! each value; a value still there when the validator discards the frame's
//! values was never popped. None of them is ever popped, so taking out any
//! subset of them together keeps the body valid.

use crate::frames::{frames, Nesting, Step};
use crate::module::Module;
use crate::stack::for_each_body;
use anyhow::{Context, Result};
use wasmparser::{FuncValidator, FunctionBody, Operator, ValidatorResources};

/// (function, op index) of every dead value of every defined function whose
/// body validates, in code order.
pub fn dead_values(m: &Module) -> Result<Vec<(u32, usize)>> {
    let mut all = Vec::new();
    for_each_body(
        m,
        |_| true,
        |func, fv, body| {
            // A body that does not validate offers nothing.
            if let Ok(mut found) = body_dead_values(fv, body) {
                found.sort_unstable();
                all.extend(found.into_iter().map(|i| (func, i)));
            }
            Ok(())
        },
    )?;
    Ok(all)
}

fn body_dead_values(
    mut fv: FuncValidator<ValidatorResources>,
    body: &FunctionBody<'_>,
) -> Result<Vec<usize>> {
    for pair in body.get_locals_reader()? {
        let (count, ty) = pair?;
        fv.define_locals(0, count, ty)?;
    }
    // The operand stack as the validator has it, each value with the op
    // that pushed it when that op could be taken out alone.
    let mut stack: Vec<Option<usize>> = Vec::new();
    // Where each open construct's values start in `stack`.
    let mut frame_bases: Vec<usize> = vec![0];
    let mut dead = Vec::new();
    for step in frames(body)? {
        let Step {
            index: i,
            op,
            nesting,
            offset,
            ..
        } = step?;
        let (pops, pushes) = op.operator_arity(&fv).context("operator arity")?;
        let base = *frame_bases.last().context("no frame")?;
        // Unreachable code pops from the polymorphic stack below the base.
        let popped = (pops as usize).min(stack.len() - base);
        stack.truncate(stack.len() - popped);
        match nesting {
            Nesting::Closes(_) => {
                stack.truncate(base);
                frame_bases.pop();
            }
            Nesting::NextArm(_) => stack.truncate(base),
            Nesting::Opens(_) | Nesting::Inside => {}
        }
        fv.op(offset, &op)?;
        if let Nesting::Opens(_) = nesting {
            frame_bases.push(stack.len());
        }
        let removable = matches!(
            op,
            Operator::I32Const { .. }
                | Operator::I64Const { .. }
                | Operator::F32Const { .. }
                | Operator::F64Const { .. }
                | Operator::V128Const { .. }
                | Operator::LocalGet { .. }
                | Operator::GlobalGet { .. }
                | Operator::RefNull { .. }
                | Operator::RefFunc { .. }
        );
        for _ in 0..pushes {
            stack.push(removable.then_some(i));
        }
        // Every other op keeps `stack` as high above its frame's base as
        // the validator's stack is above the frame's height; a polymorphic
        // op (`br`, `unreachable`...) made the validator drop the frame's
        // values, which nothing popped.
        if let (Some(frame), Some(&base)) = (fv.get_control_frame(0), frame_bases.last()) {
            if frame.unreachable && fv.operand_stack_height() as usize == frame.height {
                dead.extend(stack.drain(base..).flatten());
            }
        }
    }
    Ok(dead)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dead(wat: &str) -> Vec<usize> {
        let m = Module::parse(wat::parse_str(wat).unwrap()).unwrap();
        dead_values(&m)
            .unwrap()
            .into_iter()
            .map(|(_, i)| i)
            .collect()
    }

    #[test]
    fn values_left_for_a_discarding_op_are_dead() {
        let found = dead(
            r#"(module (func (param i32) (result i32)
            f32.const 7          ;; 0: dead
            i32.const 1          ;; 1: consumed by the add
            local.get 0          ;; 2: consumed by the add
            i32.add              ;; 3: pushed by an add, not removable alone
            unreachable))        ;; 4"#,
        );
        assert_eq!(found, [0]);
    }

    #[test]
    fn branch_values_and_results_are_consumed() {
        let found = dead(
            r#"(module (func (result i32)
            block (result i32)   ;; 0
              i64.const 1        ;; 1: dead, below the branch value
              i32.const 2        ;; 2: the branch's value
              br 0               ;; 3
            end                  ;; 4
            drop                 ;; 5
            i32.const 3          ;; 6: dead after the return below
            i32.const 4          ;; 7: the return's value
            return               ;; 8
            i32.const 5))        ;; 9: the result in dead code"#,
        );
        assert_eq!(found, [1, 6]);
    }

    #[test]
    fn dead_code_values_are_dead_at_the_next_discarding_op() {
        let found = dead(
            r#"(module (func
            unreachable          ;; 0
            i32.const 1          ;; 1: dead
            i32.const 2          ;; 2: the store's address
            i32.const 3          ;; 3: the store's value
            i32.store            ;; 4
            unreachable)         ;; 5
            (memory 1))"#,
        );
        assert_eq!(found, [1]);
    }
}
