//! Where a recorded run is observed: each defined function's entry and the
//! start of each arm (the body of a `block`, `loop` or `try_table`, each arm
//! of an `if`, the body and each handler of a legacy `try`).
//!
//! Probes are numbered in one fixed order (function by function, the entry
//! first, then the arms in the order they open), which is all that ties the
//! bytes a run records to the code they stand for: the instrumented copy
//! writes probe `k` to byte `k`, and the cut reads byte `k` back.

use anyhow::{bail, Context, Result};
use std::ops::Range;
use wasmparser::Operator;
use whittle_module::{frames, Module, Nesting, Step};

/// Every probe point of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probes {
    /// One entry per defined function, in index order.
    pub funcs: Vec<FuncProbes>,
    /// Number of probes (the bytes a recording holds).
    pub count: u32,
}

/// The probes of one defined function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncProbes {
    /// Absolute function index.
    pub func: u32,
    /// The probe at the function's entry.
    pub entry: u32,
    /// Where the code starts in the body (after the locals), in bytes.
    pub code_start: usize,
    /// The arms, in the order they open (so also by where they start).
    pub arms: Vec<Arm>,
}

/// One arm: the instructions between the operator that opens it (`block`,
/// `loop`, `if`, `else`, `try`, `catch`, `catch_all`, `try_table`) and the
/// one that closes it (`else`, `catch`, `catch_all`, `delegate`, `end`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arm {
    pub probe: u32,
    /// Its instructions, as a byte range of the body (locals included).
    pub content: Range<usize>,
}

impl Probes {
    /// The probe points of every defined function of `m`.
    pub fn of(m: &Module) -> Result<Probes> {
        let mut next: u32 = 0;
        let mut funcs = Vec::with_capacity(m.bodies.len());
        for func in m.num_imported_funcs..m.num_funcs() {
            let found =
                func_probes(m, func, &mut next).with_context(|| format!("function {func}"))?;
            funcs.push(found);
        }
        Ok(Probes { funcs, count: next })
    }
}

fn func_probes(m: &Module, func: u32, next: &mut u32) -> Result<FuncProbes> {
    let body = m.function_body(func).context("no body")?;
    let walk = frames(&body)?;
    let code_start = walk.next_start();
    let mut take = || {
        let probe = *next;
        *next = next.checked_add(1).context("more than 2^32 probes")?;
        anyhow::Ok(probe)
    };
    let entry = take()?;
    let mut arms: Vec<Arm> = Vec::new();
    // The arms open around the current instruction, innermost last.
    let mut open: Vec<usize> = Vec::new();
    for step in walk {
        let Step {
            op, nesting, bytes, ..
        } = step?;
        if let Nesting::NextArm(_) | Nesting::Closes(_) = nesting {
            match open.pop() {
                Some(a) => arms[a].content.end = bytes.start,
                // The body's own final `end`.
                None if matches!(op, Operator::End) && bytes.end == body.as_bytes().len() => {}
                None => bail!("`{op:?}` at byte {} closes nothing", bytes.start),
            }
        }
        if let Nesting::Opens(_) | Nesting::NextArm(_) = nesting {
            open.push(arms.len());
            arms.push(Arm {
                probe: take()?,
                content: bytes.end..bytes.end,
            });
        }
    }
    if !open.is_empty() {
        bail!("the body ends inside a construct");
    }
    Ok(FuncProbes {
        func,
        entry,
        code_start,
        arms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_entries_then_arms_in_the_order_they_open() {
        let m = Module::parse(
            wat::parse_str(
                r#"(module
                     (import "env" "f" (func))
                     (func)
                     (func (param i32) (local i64)
                       block
                         local.get 0
                         if
                           nop
                         else
                           loop
                           end
                         end
                       end))"#,
            )
            .unwrap(),
        )
        .unwrap();
        let probes = Probes::of(&m).unwrap();
        assert_eq!(probes.count, 6);
        let [empty, nested] = &probes.funcs[..] else {
            panic!("{probes:?}")
        };
        assert_eq!((empty.func, empty.entry, empty.arms.len()), (1, 0, 0));
        assert_eq!((nested.func, nested.entry), (2, 1));
        let body = m.body(2).unwrap();
        let code = |a: &Arm| body[a.content.clone()].to_vec();
        // block: everything up to its end; if: `nop`; else: the loop;
        // loop: nothing.
        let probes_and_code: Vec<(u32, Vec<u8>)> =
            nested.arms.iter().map(|a| (a.probe, code(a))).collect();
        assert_eq!(
            probes_and_code,
            vec![
                (
                    2,
                    vec![0x20, 0x00, 0x04, 0x40, 0x01, 0x05, 0x03, 0x40, 0x0b, 0x0b]
                ),
                (3, vec![0x01]),
                (4, vec![0x03, 0x40, 0x0b]),
                (5, vec![]),
            ]
        );
        // One local declaration (count 1, i64) before the code.
        assert_eq!(&body[..nested.code_start], &[0x01, 0x01, 0x7e]);
    }
}
