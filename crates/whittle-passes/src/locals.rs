//! The declared locals of a body: their ranges and types, which are used,
//! the runs of alike ones (`remove-locals` offers each as one target,
//! `shorten-locals` bisects it), and the edit taking some out.

use crate::removed::Removed;
use crate::runs::{runs, Run};
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{Encode, Instruction};
use wasmparser::Operator;
use whittle_module::types::{self, default_instruction, ValType};
use whittle_module::{body_of, frames, rewrite_code, Edit, Module};

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
pub(crate) fn local_type(declared: &[(Range<u32>, ValType)], l: u32) -> Option<ValType> {
    let k = declared.partition_point(|(r, _)| r.end <= l);
    declared
        .get(k)
        .filter(|(r, _)| r.start <= l)
        .map(|(_, ty)| *ty)
}

/// The local indices `f`'s code reads or writes.
pub(crate) fn used_locals(m: &Module, f: u32) -> Result<BTreeSet<u32>> {
    let body = m.function_body(f).context("body")?;
    let mut used = BTreeSet::new();
    for step in frames(&body)? {
        match step?.op {
            Operator::LocalGet { local_index }
            | Operator::LocalSet { local_index }
            | Operator::LocalTee { local_index } => {
                used.insert(local_index);
            }
            _ => {}
        }
    }
    Ok(used)
}

/// The declared locals of `f` in runs: each maximal run of alike locals
/// (keyed by their type), and each used local alone (no key).
pub(crate) fn local_runs(m: &Module, f: u32) -> Result<Vec<Run<ValType>>> {
    let used = used_locals(m, f)?;
    let mut pieces: Vec<(Range<u32>, Option<ValType>)> = Vec::new();
    for (range, ty) in declared_locals(m, f)? {
        let mut start = range.start;
        for &u in used.range(range.clone()) {
            pieces.push((start..u, Some(ty)));
            pieces.push((u..u + 1, None));
            start = u + 1;
        }
        pieces.push((start..range.end, Some(ty)));
    }
    Ok(runs(pieces))
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
    let code = rewrite_code(&body, |step, code| {
        let insn = match step.op {
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
            insn.encode(code);
        }
        anyhow::Ok(())
    })?;
    Ok(body_of(locals, &code))
}
