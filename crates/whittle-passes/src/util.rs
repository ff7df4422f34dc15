//! Small helpers shared by passes.

use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use whittle_module::{Edit, Module};

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
    let base = body.range().start;
    let mut reader = body.get_operators_reader()?;
    let code_start = reader.original_position() - base;
    let mut ops = Vec::new();
    while !reader.eof() {
        let start = reader.original_position() - base - code_start;
        reader.read()?;
        ops.push((start, reader.original_position() - base - code_start));
    }
    Ok(BodyParts {
        locals: &bytes[..code_start],
        code: &bytes[code_start..],
        ops,
    })
}

/// A body of just `unreachable`, with no locals.
pub const UNREACHABLE_BODY: &[u8] = &[0x00, 0x00, 0x0b];

/// Index of the `i`th defined function.
pub fn defined(m: &Module, i: usize) -> u32 {
    m.num_imported_funcs + i as u32
}

/// The removable units of a body, as inclusive operator index ranges: each
/// instruction, and each whole block (from `block`/`loop`/`if`/`try`/
/// `try_table` to its `end`). `else`, `catch`, `end` and the final `end` are
/// never units on their own, so any union of units splits into runs of
/// siblings that can be cut out without unbalancing the body.
pub fn units(m: &Module, func: u32) -> Result<Vec<(usize, usize)>> {
    use wasmparser::Operator as O;
    let body = m.function_body(func).context("no such function body")?;
    let mut reader = body.get_operators_reader()?;
    let mut units = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while !reader.eof() {
        match reader.read()? {
            O::Block { .. }
            | O::Loop { .. }
            | O::If { .. }
            | O::Try { .. }
            | O::TryTable { .. } => {
                open.push(units.len());
                units.push((i, i));
            }
            O::End | O::Delegate { .. } => {
                if let Some(u) = open.pop() {
                    units[u].1 = i;
                }
            }
            O::Else | O::Catch { .. } | O::CatchAll => {}
            _ => units.push((i, i)),
        }
        i += 1;
    }
    Ok(units)
}

/// Operator indices of the `else`, `catch` and `catch_all` that separate
/// the arms of constructs in `func`'s body.
pub fn arm_separators(m: &Module, func: u32) -> Result<BTreeSet<usize>> {
    use wasmparser::Operator as O;
    let body = m.function_body(func).context("no such function body")?;
    let mut reader = body.get_operators_reader()?;
    let mut separators = BTreeSet::new();
    let mut i = 0;
    while !reader.eof() {
        if matches!(reader.read()?, O::Else | O::Catch { .. } | O::CatchAll) {
            separators.insert(i);
        }
        i += 1;
    }
    Ok(separators)
}

/// A body of `func` in which each operator index in `replace` is replaced by
/// the bytes `with` produces for it (`None` keeps the operator).
pub fn replace_ops(
    m: &Module,
    func: u32,
    mut with: impl FnMut(usize, wasmparser::Operator<'_>) -> Result<Option<Vec<u8>>>,
) -> Result<Vec<u8>> {
    let parts = body_parts(m, func)?;
    let body = m.function_body(func).context("no such function body")?;
    let mut reader = body.get_operators_reader()?;
    let mut out = parts.locals.to_vec();
    let mut i = 0;
    while !reader.eof() {
        let op = reader.read()?;
        match with(i, op)? {
            Some(bytes) => out.extend_from_slice(&bytes),
            None => {
                let (start, end) = parts.ops[i];
                out.extend_from_slice(&parts.code[start..end]);
            }
        }
        i += 1;
    }
    Ok(out)
}

/// The edit rewriting the chosen operators (by (function, op index), each
/// with what the pass decided for it) into what `with` makes of them
/// (`None` keeps one as it is).
pub fn edit_ops<T>(
    m: &Module,
    chosen: impl IntoIterator<Item = ((u32, usize), T)>,
    mut with: impl FnMut(
        wasmparser::Operator<'_>,
        &T,
    ) -> Result<Option<wasm_encoder::Instruction<'static>>>,
) -> Result<Edit> {
    let mut by_func: BTreeMap<u32, BTreeMap<usize, T>> = BTreeMap::new();
    for ((f, op), value) in chosen {
        by_func.entry(f).or_default().insert(op, value);
    }
    let mut edit = Edit::default();
    for (f, ops) in by_func {
        let body = replace_ops(m, f, |i, op| match ops.get(&i) {
            Some(value) => Ok(with(op, value)?.map(|insn| encoded(&insn))),
            None => Ok(None),
        })?;
        edit.bodies.insert(f, body);
    }
    Ok(edit)
}

/// (function, op index) of every operator `pick` accepts, in every defined
/// function, in code order.
pub fn find_ops(
    m: &Module,
    mut pick: impl FnMut(&wasmparser::Operator<'_>) -> bool,
) -> Vec<(u32, usize)> {
    collect_ops(m, |op| pick(op).then_some(()))
        .into_iter()
        .map(|(f, i, ())| (f, i))
        .collect()
}

/// Like [`find_ops`], keeping what `pick` says of each operator (its
/// callee, its value, ...), in one pass over the code.
pub fn collect_ops<T>(
    m: &Module,
    mut pick: impl FnMut(&wasmparser::Operator<'_>) -> Option<T>,
) -> Vec<(u32, usize, T)> {
    let mut all = Vec::new();
    for i in 0..m.num_defined_funcs() as usize {
        let f = defined(m, i);
        let Some(body) = m.function_body(f) else {
            continue;
        };
        let Ok(mut reader) = body.get_operators_reader() else {
            continue;
        };
        let mut i = 0;
        while !reader.eof() {
            let Ok(op) = reader.read() else { break };
            if let Some(t) = pick(&op) {
                all.push((f, i, t));
            }
            i += 1;
        }
    }
    all
}

/// The targets of a length pass over operators: (function, op index) of
/// every operator `length` gives a length, with that length.
pub fn op_lengths(
    m: &Module,
    length: impl FnMut(&wasmparser::Operator<'_>) -> Option<usize>,
) -> Vec<((u32, usize), usize)> {
    collect_ops(m, length)
        .into_iter()
        .map(|(f, i, len)| ((f, i), len))
        .collect()
}

/// The bytes of one instruction.
pub fn encoded(insn: &wasm_encoder::Instruction<'_>) -> Vec<u8> {
    use wasm_encoder::Encode;
    let mut bytes = Vec::new();
    insn.encode(&mut bytes);
    bytes
}

/// The chosen (function, op) targets grouped by function.
pub fn group_by_func(chosen: &[&(u32, usize)]) -> BTreeMap<u32, BTreeSet<usize>> {
    let mut by_func: BTreeMap<u32, BTreeSet<usize>> = BTreeMap::new();
    for &&(f, op) in chosen {
        by_func.entry(f).or_default().insert(op);
    }
    by_func
}

/// Does this memory instruction have a non-zero offset?
pub fn has_offset(op: &wasmparser::Operator<'_>) -> bool {
    use wasm_encoder::reencode::{utils, Error, Reencode};
    struct Probe(bool);
    impl Reencode for Probe {
        type Error = std::convert::Infallible;
        fn mem_arg(
            &mut self,
            arg: wasmparser::MemArg,
        ) -> Result<wasm_encoder::MemArg, Error<Self::Error>> {
            self.0 |= arg.offset != 0;
            utils::mem_arg(self, arg)
        }
    }
    let mut probe = Probe(false);
    let _ = probe.instruction(op.clone());
    probe.0
}
