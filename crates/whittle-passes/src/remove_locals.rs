//! Remove declared locals and renumber the rest. Reads of a removed local
//! become its default value (`i32.const 0`), writes become `drop`, and
//! `local.tee` disappears (its value stays on the stack). A reduced body
//! often keeps a long `(local ...)` list whose uses are now noise; a used
//! local without a default value (non-nullable reference) is not offered.
//! A run of alike locals (unused, of one type: see `shorten-locals`) is
//! one target, so 60,000 unused `i32`s go in one candidate or not at all.

use crate::runs::Removed;
use crate::shorten_locals::local_runs;
use crate::util::defined;
use crate::SubsetPass;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::ops::Range;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{Encode, Instruction};
use wasmparser::Operator;
use whittle_module::types::{self, default_instruction, ValType};
use whittle_module::{Edit, Module};

pub struct RemoveLocals;

/// The declared (non-parameter) locals of `f` as declared: a range of
/// local indices and their type per entry. Kept as ranges, never one by
/// one: one entry may declare four billion locals.
pub(crate) fn declared_locals(m: &Module, f: u32) -> Result<Vec<(Range<u32>, ValType)>> {
    let body = m.function_body(f).context("body")?;
    let mut index = m.func_sig(f).context("signature")?.0.len() as u32;
    let mut out = Vec::new();
    for pair in body.get_locals_reader()? {
        let (count, ty) = pair?;
        let end = index.checked_add(count).context("too many locals")?;
        out.push((index..end, types::from_wasmparser(ty)));
        index = end;
    }
    Ok(out)
}

/// The type of local `l` among `declared` (sorted ranges).
fn local_type(declared: &[(Range<u32>, ValType)], l: u32) -> Option<ValType> {
    let k = declared.partition_point(|(r, _)| r.end <= l);
    declared
        .get(k)
        .filter(|(r, _)| r.start <= l)
        .map(|(_, ty)| *ty)
}

impl SubsetPass for RemoveLocals {
    /// (function, local indices): a run of alike locals (see
    /// `shorten-locals`), or one used local with a default value.
    type Target = (u32, Range<u32>);

    fn targets(&self, m: &Module) -> Vec<(u32, Range<u32>)> {
        let mut all = Vec::new();
        for i in 0..m.num_defined_funcs() as usize {
            let f = defined(m, i);
            let (Ok(runs), Ok(declared)) = (local_runs(m, f), declared_locals(m, f)) else {
                continue;
            };
            all.extend(
                runs.into_iter()
                    .filter(|r| {
                        r.key.is_some()
                            || local_type(&declared, r.range.start)
                                .is_some_and(|ty| default_instruction(ty).is_some())
                    })
                    .map(|r| (f, r.range)),
            );
        }
        all
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, Range<u32>)]) -> Result<Edit> {
        let mut by_func: BTreeMap<u32, Vec<Range<u32>>> = BTreeMap::new();
        for (f, locals) in chosen {
            by_func.entry(*f).or_default().push(locals.clone());
        }
        without_locals_in(m, by_func)
    }
}

/// The edit taking these locals (by function) out.
pub(crate) fn without_locals_in(
    m: &Module,
    by_func: BTreeMap<u32, Vec<Range<u32>>>,
) -> Result<Edit> {
    let mut edit = Edit::default();
    for (f, removed) in by_func {
        edit.bodies
            .insert(f, without_locals(m, f, &Removed::new(removed))?);
    }
    Ok(edit)
}

fn without_locals(m: &Module, f: u32, removed: &Removed) -> Result<Vec<u8>> {
    let body = m.function_body(f).context("body")?;
    let declared = declared_locals(m, f)?;
    let mut locals: Vec<(u32, wasm_encoder::ValType)> = Vec::new();
    for (pair, (range, _)) in body.get_locals_reader()?.into_iter().zip(&declared) {
        let ty = RoundtripReencoder.val_type(pair?.1)?;
        let gone = removed.count_below(range.end) - removed.count_below(range.start);
        let kept = range.end - range.start - gone;
        match locals.last_mut() {
            _ if kept == 0 => {}
            Some((n, t)) if *t == ty => *n += kept,
            _ => locals.push((kept, ty)),
        }
    }
    let mut f = wasm_encoder::Function::new(locals);
    let mut code = Vec::new();
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        let insn = match ops.read()? {
            Operator::LocalGet { local_index } if removed.contains(local_index) => Some(
                local_type(&declared, local_index)
                    .and_then(default_instruction)
                    .context("no default value")?,
            ),
            Operator::LocalSet { local_index } if removed.contains(local_index) => {
                Some(Instruction::Drop)
            }
            Operator::LocalTee { local_index } if removed.contains(local_index) => None,
            Operator::LocalGet { local_index } => {
                Some(Instruction::LocalGet(removed.renumber(local_index)))
            }
            Operator::LocalSet { local_index } => {
                Some(Instruction::LocalSet(removed.renumber(local_index)))
            }
            Operator::LocalTee { local_index } => {
                Some(Instruction::LocalTee(removed.renumber(local_index)))
            }
            op => Some(RoundtripReencoder.instruction(op)?),
        };
        if let Some(insn) = insn {
            insn.encode(&mut code);
        }
    }
    f.raw(code);
    let mut out = Vec::new();
    f.encode(&mut out);
    // `Function::encode` writes a size prefix; the code section entry
    // without it is what `Edit::bodies` holds.
    let mut reader = wasmparser::BinaryReader::new(&out, 0);
    let size = reader.read_var_u32()? as usize;
    Ok(out[out.len() - size..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const WAT: &str = r#"(module
        (func (param i32) (result i64)
          (local i32 f32 i64 f64)
          local.get 3
          local.get 0
          drop))"#;

    #[test]
    fn offers_every_declared_local_with_a_default() {
        assert_eq!(RemoveLocals.targets(&module(WAT)).len(), 4);
        let non_null = module(
            "(module (type $s (struct))
               (func (param (ref $s)) (local (ref $s)) (local i32) local.get 0 local.set 1))",
        );
        assert_eq!(RemoveLocals.targets(&non_null), [(0, 2..3)]);
    }

    #[test]
    fn a_run_of_unused_locals_is_one_target() {
        let m = module(
            "(module (func (param i32) (local i32 i32 i32 i64 i64) (local i64 f32)
               local.get 2 drop))",
        );
        assert_eq!(
            RemoveLocals.targets(&m),
            [(0, 1..2), (0, 2..3), (0, 3..4), (0, 4..7), (0, 7..8)]
        );
        let out = run(
            &RemoveLocals,
            "(module (func (local i32 i32 i32 i64) (local i64) local.get 3 drop))",
            &[0],
        );
        assert!(out.contains("(local i64 i64)\n    local.get 0\n"), "{out}");
    }

    #[test]
    fn reads_of_removed_locals_become_constants() {
        let out = run(
            &RemoveLocals,
            r#"(module (func (result f64) (local f64 i32)
                 f64.const 2 local.tee 0 local.set 0
                 i32.const 1 local.set 1
                 local.get 0))"#,
            &[0],
        );
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (result f64)))
              (func (;0;) (type 0) (result f64)
                (local i32)
                f64.const 0x1p+1 (;=2;)
                drop
                i32.const 1
                local.set 0
                f64.const 0x0p+0 (;=0;)
              )
            )"#,
        );
    }

    #[test]
    fn removes_and_renumbers() {
        let out = run(&RemoveLocals, WAT, &[0, 1, 3]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32) (result i64)))
              (func (;0;) (type 0) (param i32) (result i64)
                (local i64)
                local.get 1
                local.get 0
                drop
              )
            )"#,
        );
    }
}
