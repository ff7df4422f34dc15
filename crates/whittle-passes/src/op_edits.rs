//! Rewriting chosen operators of a body, on [`whittle_module::rewrite_ops`].

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use whittle_module::{frames, rewrite_ops, Edit, Module};

/// The raw bytes of a defined function's locals declaration and the
/// operators of its code, each with its byte range in the body.
pub struct BodyParts<'a> {
    pub locals: &'a [u8],
    pub code: &'a [u8],
    /// (start, end) of each operator within `code`, the final `end` included.
    pub ops: Vec<(usize, usize)>,
}

pub fn body_parts(m: &Module, func: u32) -> Result<BodyParts<'_>> {
    let body = m.function_body(func).context("no such function body")?;
    let bytes = m.body(func).context("no such function body")?;
    let walk = frames(&body)?;
    let code_start = walk.next_start();
    let mut ops = Vec::new();
    for step in walk {
        let bytes = step?.bytes;
        ops.push((bytes.start - code_start, bytes.end - code_start));
    }
    Ok(BodyParts {
        locals: &bytes[..code_start],
        code: &bytes[code_start..],
        ops,
    })
}

/// A body of just `unreachable`, with no locals.
pub const UNREACHABLE_BODY: &[u8] = &[0x00, 0x00, 0x0b];

/// A body of `func` in which each operator is replaced by the bytes `with`
/// produces for it, given its index, itself and its bytes (`None` keeps
/// the operator).
pub fn replace_ops(
    m: &Module,
    func: u32,
    mut with: impl FnMut(usize, wasmparser::Operator<'_>, &[u8]) -> Result<Option<Vec<u8>>>,
) -> Result<Vec<u8>> {
    let body = m.function_body(func).context("no such function body")?;
    rewrite_ops(&body, |step, out| {
        match with(step.index, step.op, step.raw)? {
            Some(bytes) => out.extend_from_slice(&bytes),
            None => out.extend_from_slice(step.raw),
        }
        Ok(())
    })
}

/// The edit rewriting the chosen operators (by (function, op index), each
/// with what the pass decided for it) into what `with` makes of them
/// (`None` keeps one as it is).
pub fn edit_ops<T>(
    m: &Module,
    chosen: impl IntoIterator<Item = ((u32, usize), T)>,
    mut with: impl for<'a> FnMut(
        wasmparser::Operator<'a>,
        &T,
    ) -> Result<Option<wasm_encoder::Instruction<'a>>>,
) -> Result<Edit> {
    edit_raw_ops(m, chosen, |op, _, value| {
        Ok(with(op, value)?.map(|insn| encoded(&insn)))
    })
}

/// As [`edit_ops`], with `with` given each chosen operator's bytes too, and
/// making the bytes to put instead: for a pass that can copy most of them
/// (a long `br_table`'s entries).
pub fn edit_raw_ops<T>(
    m: &Module,
    chosen: impl IntoIterator<Item = ((u32, usize), T)>,
    mut with: impl FnMut(wasmparser::Operator<'_>, &[u8], &T) -> Result<Option<Vec<u8>>>,
) -> Result<Edit> {
    let mut by_func: BTreeMap<u32, BTreeMap<usize, T>> = BTreeMap::new();
    for ((f, op), value) in chosen {
        by_func.entry(f).or_default().insert(op, value);
    }
    let mut edit = Edit::default();
    for (f, ops) in by_func {
        let body = replace_ops(m, f, |i, op, raw| match ops.get(&i) {
            Some(value) => with(op, raw, value),
            None => Ok(None),
        })?;
        edit.bodies.insert(f, body);
    }
    Ok(edit)
}

/// The bytes of one instruction.
pub fn encoded(insn: &wasm_encoder::Instruction<'_>) -> Vec<u8> {
    use wasm_encoder::Encode;
    let mut bytes = Vec::new();
    insn.encode(&mut bytes);
    bytes
}
