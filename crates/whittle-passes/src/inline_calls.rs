//! Inline calls: replace `call $f` by `$f`'s body, in a block of `$f`'s
//! result, its arguments stored into fresh locals first (`return` becomes a
//! branch out of the block). A failure reached through a chain of calls
//! (`run` -> `$middle` -> `$load`) can then be left in one function, and
//! `remove-functions` takes the rest.

use crate::contract::SubsetPass;
use crate::find::collect_ops;
use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{BlockType, Encode, Instruction};
use wasmparser::Operator;
use whittle_module::{body_of, frames, rewrite_code, Edit, Module, Nesting};

pub struct InlineCalls;

/// Every `call`: (caller, op index, callee).
fn all_calls(m: &Module) -> Vec<(u32, usize, u32)> {
    collect_ops(m, |op| match *op {
        Operator::Call { function_index } => Some(function_index),
        _ => None,
    })
}

/// Functions referenced other than by `call`: exports, start, element
/// segments, `ref.func`, `return_call`.
fn referenced_otherwise(m: &Module) -> Result<BTreeSet<u32>> {
    let mut out: BTreeSet<u32> = m
        .exports
        .iter()
        .filter(|e| matches!(e.kind, wasmparser::ExternalKind::Func))
        .map(|e| e.index)
        .collect();
    out.extend(m.start);
    for payload in wasmparser::Parser::new(0).parse_all(&m.bytes) {
        if let wasmparser::Payload::ElementSection(s) = payload? {
            for e in s {
                match e?.items {
                    wasmparser::ElementItems::Functions(fs) => {
                        for f in fs {
                            out.insert(f?);
                        }
                    }
                    wasmparser::ElementItems::Expressions(_, exprs) => {
                        for expr in exprs {
                            let mut ops = expr?.get_operators_reader();
                            while !ops.eof() {
                                if let Operator::RefFunc { function_index } = ops.read()? {
                                    out.insert(function_index);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    let in_code = collect_ops(m, |op| match *op {
        Operator::RefFunc { function_index } | Operator::ReturnCall { function_index } => {
            Some(function_index)
        }
        _ => None,
    });
    out.extend(in_code.into_iter().map(|(_, _, f)| f));
    Ok(out)
}

/// A call that can be inlined.
pub struct Site {
    caller: u32,
    op: usize,
    callee: u32,
    /// How many calls the callee has, if nothing else refers to it: once
    /// they are all inlined, the callee goes too.
    callee_calls: Option<usize>,
}

impl SubsetPass for InlineCalls {
    type Target = Site;

    /// Calls of defined functions other than the caller itself.
    fn targets(&self, m: &Module) -> Vec<Site> {
        let calls = all_calls(m);
        let referenced = referenced_otherwise(m).unwrap_or_default();
        let mut count: BTreeMap<u32, usize> = BTreeMap::new();
        for &(_, _, callee) in &calls {
            *count.entry(callee).or_default() += 1;
        }
        calls
            .into_iter()
            .filter(|&(caller, _, callee)| callee >= m.num_imported_funcs && callee != caller)
            .map(|(caller, op, callee)| Site {
                caller,
                op,
                callee,
                callee_calls: (!referenced.contains(&callee)).then(|| count[&callee]),
            })
            .collect()
    }

    /// Inline the chosen calls; a callee left with no call and no other
    /// reference (export, start, element, `ref.func`) is removed too, which
    /// is what makes inlining pay.
    fn edit(&self, m: &Module, chosen: &[&Site]) -> Result<Edit> {
        let mut edit = Edit::default();
        let mut sites: BTreeMap<u32, BTreeSet<usize>> = BTreeMap::new();
        let mut inlined: BTreeMap<u32, (usize, Option<usize>)> = BTreeMap::new();
        for site in chosen {
            sites.entry(site.caller).or_default().insert(site.op);
            inlined
                .entry(site.callee)
                .or_insert((0, site.callee_calls))
                .0 += 1;
        }
        for (caller, ops) in sites {
            edit.bodies.insert(caller, inline_into(m, caller, &ops)?);
        }
        for (callee, (n, calls)) in inlined {
            if calls == Some(n) && !edit.bodies.contains_key(&callee) {
                edit.remove_funcs.insert(callee);
            }
        }
        Ok(edit)
    }
}

fn inline_into(m: &Module, caller: u32, sites: &BTreeSet<usize>) -> Result<Vec<u8>> {
    let body = m.function_body(caller).context("caller body")?;
    let params = m.func_sig(caller).context("caller type")?.0.len() as u32;
    let mut locals: Vec<(u32, wasm_encoder::ValType)> = Vec::new();
    let mut next_local = params;
    for pair in body.get_locals_reader()? {
        let (count, ty) = pair?;
        locals.push((count, RoundtripReencoder.val_type(ty)?));
        next_local += count;
    }
    let code = rewrite_code(&body, |step, code| {
        match step.op {
            Operator::Call { function_index } if sites.contains(&step.index) => {
                let base = next_local;
                next_local += inline_body(m, function_index, base, &mut locals, code)?;
            }
            op => RoundtripReencoder.instruction(op)?.encode(code),
        }
        anyhow::Ok(())
    })?;
    Ok(body_of(locals, &code))
}

/// Emit `callee`'s body as a block, its locals renumbered from `base`
/// (declared in `locals`); returns how many locals it added.
fn inline_body(
    m: &Module,
    callee: u32,
    base: u32,
    locals: &mut Vec<(u32, wasm_encoder::ValType)>,
    code: &mut Vec<u8>,
) -> Result<u32> {
    let ty = m.func_types[callee as usize];
    let (params, results) = m.func_type(ty).context("callee type")?;
    let body = m.function_body(callee).context("callee body")?;
    let mut added = 0;
    let callee_params = encoded_types(params)?;
    for p in &callee_params {
        locals.push((1, RoundtripReencoder.val_type(*p)?));
        added += 1;
    }
    for pair in body.get_locals_reader()? {
        let (count, t) = pair?;
        locals.push((count, RoundtripReencoder.val_type(t)?));
        added += count;
    }
    // The arguments go to their locals before a block of the callee's
    // result, which needs no multi-value; several results need it anyway,
    // and a block of the callee's own type takes the arguments.
    let set_arguments = |code: &mut Vec<u8>| {
        for p in (0..callee_params.len() as u32).rev() {
            Instruction::LocalSet(base + p).encode(code);
        }
    };
    match encoded_types(results)?[..] {
        [] => {
            set_arguments(code);
            Instruction::Block(BlockType::Empty).encode(code);
        }
        [result] => {
            set_arguments(code);
            Instruction::Block(BlockType::Result(RoundtripReencoder.val_type(result)?))
                .encode(code);
        }
        _ => {
            Instruction::Block(BlockType::FunctionType(ty)).encode(code);
            set_arguments(code);
        }
    }
    for step in frames(&body)? {
        let step = step?;
        let insn = match step.op {
            // The callee's own final `end` closes the block it is inlined as.
            _ if step.nesting == Nesting::Closes(None) => Instruction::End,
            Operator::Return => Instruction::Br(step.depth),
            Operator::LocalGet { local_index } => Instruction::LocalGet(base + local_index),
            Operator::LocalSet { local_index } => Instruction::LocalSet(base + local_index),
            Operator::LocalTee { local_index } => Instruction::LocalTee(base + local_index),
            Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. } => bail!("cannot inline a tail call"),
            op => RoundtripReencoder.instruction(op)?,
        };
        insn.encode(code);
    }
    Ok(added)
}

/// Our value types as `wasmparser`'s (through their encoding: no validator
/// is at hand to convert type indices).
fn encoded_types(types: &[whittle_module::types::ValType]) -> Result<Vec<wasmparser::ValType>> {
    let mut out = Vec::new();
    for t in types {
        let mut bytes = Vec::new();
        whittle_module::types::encode_val_type(&mut bytes, *t, &mut |i| Ok(i))?;
        out.push(wasmparser::BinaryReader::new(&bytes, 0).read::<wasmparser::ValType>()?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const WAT: &str = r#"(module
        (func $sq (param i32) (result i32) (local i64)
          local.get 0 i32.eqz
          if i32.const 1 return end
          local.get 0 local.get 0 i32.mul)
        (func $f (param i32) (result i32) (local f32)
          local.get 0 call $sq))"#;

    #[test]
    fn offers_calls_of_defined_functions() {
        assert_eq!(InlineCalls.targets(&module(WAT)).len(), 1);
    }

    #[test]
    fn inlines_as_a_block_of_the_callee_result() {
        let out = run(&InlineCalls, WAT, &[0]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32) (result i32)))
              (func $f (;0;) (type 0) (param i32) (result i32)
                (local f32 i32 i64)
                local.get 0
                local.set 2
                block (result i32) ;; label = @1
                  local.get 2
                  i32.eqz
                  if ;; label = @2
                    i32.const 1
                    br 1 (;@1;)
                  end
                  local.get 2
                  local.get 2
                  i32.mul
                end
              )
            )"#,
        );
    }

    #[test]
    fn several_results_take_a_block_of_the_callee_type() {
        let wat = r#"(module
            (func $pair (param i32) (result i32 i32) local.get 0 local.get 0)
            (func (result i32 i32) i32.const 7 call $pair))"#;
        let out = run(&InlineCalls, wat, &[0]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32) (result i32 i32)))
              (type (;1;) (func (result i32 i32)))
              (func (;0;) (type 1) (result i32 i32)
                (local i32)
                i32.const 7
                block (type 0) (param i32) (result i32 i32) ;; label = @1
                  local.set 0
                  local.get 0
                  local.get 0
                end
              )
            )"#,
        );
    }
}
