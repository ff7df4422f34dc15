//! Remove declared locals and renumber the rest. Reads of a removed local
//! become its default value (`i32.const 0`), writes become `drop`, and
//! `local.tee` disappears (its value stays on the stack). A reduced body
//! often keeps a long `(local ...)` list whose uses are now noise; a local
//! without a default value (non-nullable reference) is not offered.

use crate::util::defined;
use crate::SubsetPass;
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{Encode, Instruction};
use wasmparser::Operator;
use whittle_module::types::{self, default_instruction, ValType};
use whittle_module::{Edit, Module};

pub struct RemoveLocals;

/// Index and type of each declared (non-parameter) local.
fn declared_locals(m: &Module, f: u32) -> Result<Vec<(u32, ValType)>> {
    let body = m.function_body(f).context("body")?;
    let mut index = m.func_sig(f).context("signature")?.0.len() as u32;
    let mut out = Vec::new();
    for pair in body.get_locals_reader()? {
        let (count, ty) = pair?;
        for _ in 0..count {
            out.push((index, types::from_wasmparser(ty)));
            index += 1;
        }
    }
    Ok(out)
}

impl SubsetPass for RemoveLocals {
    /// (function, local index) of a declared local with a default value.
    type Target = (u32, u32);

    fn targets(&self, m: &Module) -> Vec<(u32, u32)> {
        let mut all = Vec::new();
        for i in 0..m.num_defined_funcs() as usize {
            let f = defined(m, i);
            if let Ok(locals) = declared_locals(m, f) {
                all.extend(
                    locals
                        .into_iter()
                        .filter(|(_, ty)| default_instruction(*ty).is_some())
                        .map(|(l, _)| (f, l)),
                );
            }
        }
        all
    }

    fn edit(&self, m: &Module, chosen: &[&(u32, u32)]) -> Result<Edit> {
        let mut by_func: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
        for &&(f, l) in chosen {
            by_func.entry(f).or_default().insert(l);
        }
        let mut edit = Edit::default();
        for (f, removed) in by_func {
            edit.bodies.insert(f, without_locals(m, f, &removed)?);
        }
        Ok(edit)
    }
}

fn without_locals(m: &Module, f: u32, removed: &BTreeSet<u32>) -> Result<Vec<u8>> {
    let body = m.function_body(f).context("body")?;
    let params = m.func_sig(f).context("signature")?.0.len() as u32;
    let mut locals: Vec<(u32, wasm_encoder::ValType)> = Vec::new();
    let mut index = params;
    for pair in body.get_locals_reader()? {
        let (count, ty) = pair?;
        let ty = RoundtripReencoder.val_type(ty)?;
        for _ in 0..count {
            if !removed.contains(&index) {
                match locals.last_mut() {
                    Some((n, t)) if *t == ty => *n += 1,
                    _ => locals.push((1, ty)),
                }
            }
            index += 1;
        }
    }
    let types: BTreeMap<u32, ValType> = declared_locals(m, f)?.into_iter().collect();
    let map = |l: u32| l - removed.range(..l).count() as u32;
    let mut f = wasm_encoder::Function::new(locals);
    let mut code = Vec::new();
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        let insn = match ops.read()? {
            Operator::LocalGet { local_index } if removed.contains(&local_index) => {
                Some(default_instruction(types[&local_index]).context("no default value")?)
            }
            Operator::LocalSet { local_index } if removed.contains(&local_index) => {
                Some(Instruction::Drop)
            }
            Operator::LocalTee { local_index } if removed.contains(&local_index) => None,
            Operator::LocalGet { local_index } => Some(Instruction::LocalGet(map(local_index))),
            Operator::LocalSet { local_index } => Some(Instruction::LocalSet(map(local_index))),
            Operator::LocalTee { local_index } => Some(Instruction::LocalTee(map(local_index))),
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
        let non_null = module("(module (type $s (struct)) (func (local (ref $s)) (local i32)))");
        assert_eq!(RemoveLocals.targets(&non_null).len(), 1);
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
