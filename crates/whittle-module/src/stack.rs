//! Operand stack types inside a function body, from `wasmparser`'s own
//! function validator.
//!
//! Instruction-level passes delete a run of instructions and must repair the
//! stack: drop what the run consumed, push defaults for what it produced.
//! Rather than re-deriving every instruction's stack effect, the validator
//! is run over the body and asked for the stack types before the
//! instructions of interest.

use crate::module::Module;
use crate::types::{Heap, ValType};
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use wasmparser::{
    BinaryReader, CompositeInnerType, FuncValidator, FunctionBody, Parser, Payload, Validator,
    ValidatorResources, WasmFeatures, WasmModuleResources,
};

/// The operand stack just before an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackSnapshot {
    /// Bottom to top, for the whole function (all frames). `None` is a value
    /// of unknown type, conjured by the polymorphic stack of unreachable code.
    /// A concrete reference is its hierarchy's bottom type here (whose null
    /// stands in for it).
    pub types: Vec<Option<ValType>>,
    /// The same types as the validator has them, concrete references
    /// included: what tells `(ref $a)` from `(ref $b)` when comparing.
    pub exact: Vec<Option<wasmparser::ValType>>,
    /// The innermost frame is unreachable here (after `br`, `unreachable`...).
    pub unreachable: bool,
    /// Height of the stack below the innermost frame (values it cannot pop).
    pub frame_base: usize,
}

/// One walk over `m`'s code: `visit` gets, for each defined function that
/// `wanted` accepts, a validator ready for its body and the body itself.
/// The validators check against `m`'s declarations, validated once per
/// module and its body-only candidates ([`Module::declarations`]); a
/// module whose declarations do not validate is walked by a validator of
/// the whole module, which fails where they do.
pub(crate) fn for_each_body(
    m: &Module,
    mut wanted: impl FnMut(u32) -> bool,
    mut visit: impl FnMut(u32, FuncValidator<ValidatorResources>, &FunctionBody<'_>) -> Result<()>,
) -> Result<()> {
    let Some(declarations) = m.declarations() else {
        return for_each_body_validating_all(m, wanted, visit);
    };
    for (func, range) in (m.num_imported_funcs..).zip(&m.bodies) {
        if !wanted(func) {
            continue;
        }
        let validator = declarations
            .for_function(func, Default::default())
            .with_context(|| format!("function {func} has a body but no declared type"))?;
        let body = FunctionBody::new(BinaryReader::new(&m.bytes[range.clone()], range.start));
        visit(func, validator, &body)?;
    }
    Ok(())
}

/// [`for_each_body`] with every section validated as it is read.
fn for_each_body_validating_all(
    m: &Module,
    mut wanted: impl FnMut(u32) -> bool,
    mut visit: impl FnMut(u32, FuncValidator<ValidatorResources>, &FunctionBody<'_>) -> Result<()>,
) -> Result<()> {
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let mut func = m.num_imported_funcs;
    for payload in Parser::new(0).parse_all(&m.bytes) {
        let payload = payload?;
        if let Payload::CodeSectionEntry(entry) = &payload {
            let to_validate = validator.code_section_entry(entry)?;
            if wanted(func) {
                visit(func, to_validate.into_validator(Default::default()), entry)?;
            }
            func += 1;
        } else {
            validator.payload(&payload)?;
        }
    }
    Ok(())
}

/// Stack snapshots before the instructions at `positions` (indices into the
/// body's operator list) of defined function `func`, whose body may be
/// replaced by `body` (locals + code, as in the code section). Fails if the
/// module, or the body up to the last position, does not validate: the walk
/// stops there (a candidate of `remove-instructions` near the start of a
/// giant function, or before a 70,000-entry `br_table`, walked it all).
pub fn stack_snapshots(
    m: &Module,
    func: u32,
    body: Option<&[u8]>,
    positions: &BTreeSet<usize>,
) -> Result<BTreeMap<usize, StackSnapshot>> {
    let mut out = None;
    for_each_body(
        m,
        |f| f == func,
        |_, fv, entry| {
            let owned;
            let body = match body {
                Some(bytes) => {
                    owned = FunctionBody::new(wasmparser::BinaryReader::new(bytes, 0));
                    &owned
                }
                None => entry,
            };
            out = Some(snapshots_of(fv, body, positions)?);
            Ok(())
        },
    )?;
    out.with_context(|| format!("no defined function {func}"))
}

/// The operand stack height before every instruction of every defined
/// function (one entry per operator, the final `end` included, and one
/// after it), by defined-function position; `None` for a body that does
/// not validate. One walk over the module.
pub fn all_stack_heights(m: &Module) -> Result<Vec<Option<Vec<u32>>>> {
    let mut all = Vec::with_capacity(m.num_defined_funcs() as usize);
    for_each_body(
        m,
        |_| true,
        |_, mut fv, entry| {
            all.push(heights_of(&mut fv, entry).ok());
            Ok(())
        },
    )?;
    Ok(all)
}

/// The operand stack height before every instruction of defined function
/// `func`, and after the last one. Fails if the function does not validate.
pub fn stack_heights(m: &Module, func: u32) -> Result<Vec<usize>> {
    let mut out = None;
    for_each_body(
        m,
        |f| f == func,
        |_, mut fv, entry| {
            out = Some(heights_of(&mut fv, entry)?);
            Ok(())
        },
    )?;
    let heights = out.with_context(|| format!("no defined function {func}"))?;
    Ok(heights.into_iter().map(|h| h as usize).collect())
}

fn heights_of(
    fv: &mut FuncValidator<ValidatorResources>,
    entry: &FunctionBody<'_>,
) -> Result<Vec<u32>> {
    for pair in entry.get_locals_reader()? {
        let (count, ty) = pair?;
        fv.define_locals(0, count, ty)?;
    }
    let mut heights = Vec::new();
    let mut reader = entry.get_operators_reader()?;
    while !reader.eof() {
        let (op, offset) = reader.read_with_offset()?;
        heights.push(fv.operand_stack_height());
        fv.op(offset, &op)?;
    }
    heights.push(fv.operand_stack_height());
    Ok(heights)
}

fn snapshots_of(
    mut fv: FuncValidator<ValidatorResources>,
    body: &FunctionBody<'_>,
    positions: &BTreeSet<usize>,
) -> Result<BTreeMap<usize, StackSnapshot>> {
    for pair in body.get_locals_reader()? {
        let (count, ty) = pair?;
        fv.define_locals(0, count, ty)?;
    }
    let mut out = BTreeMap::new();
    let Some(&last) = positions.last() else {
        return Ok(out);
    };
    let mut reader = body.get_operators_reader()?;
    let mut i = 0;
    while !reader.eof() {
        let (op, offset) = reader.read_with_offset()?;
        if positions.contains(&i) {
            out.insert(i, snapshot(&fv)?);
            if i == last {
                break;
            }
        }
        fv.op(offset, &op)?;
        i += 1;
    }
    Ok(out)
}

pub(crate) fn snapshot(fv: &FuncValidator<ValidatorResources>) -> Result<StackSnapshot> {
    let height = fv.operand_stack_height() as usize;
    let mut types = Vec::with_capacity(height);
    let mut exact = Vec::with_capacity(height);
    for depth in (0..height).rev() {
        let ty = fv.get_operand_type(depth).context("stack depth")?;
        types.push(ty.map(|t| convert(fv.resources(), t)));
        exact.push(ty);
    }
    let frame = fv.get_control_frame(0).context("no control frame")?;
    Ok(StackSnapshot {
        types,
        exact,
        unreachable: frame.unreachable,
        frame_base: frame.height,
    })
}

/// Append the instructions that turn the operand stack `before` a removed
/// run of code into the stack `after` it: drop what the run consumed, push a
/// default value for what it produced (values the two share at the bottom
/// stay). In unreachable code the polymorphic stack supplies whatever the
/// code after the run pops, so only the frame's own values are dropped.
/// Fails when a produced value has no default (a non-nullable reference) or
/// an unknown type.
pub fn repair(before: &StackSnapshot, after: &StackSnapshot, out: &mut Vec<u8>) -> Result<()> {
    use wasm_encoder::{Encode, Instruction};
    if before.unreachable {
        for _ in before.frame_base..before.types.len() {
            Instruction::Drop.encode(out);
        }
        return Ok(());
    }
    let shared = before
        .exact
        .iter()
        .zip(&after.exact)
        .take_while(|(x, y)| x == y)
        .count();
    for _ in shared..before.types.len() {
        Instruction::Drop.encode(out);
    }
    for ty in &after.types[shared..] {
        let ty = ty.context("cannot materialize a value of unknown type")?;
        crate::types::default_instruction(ty)
            .context("no default value for a non-nullable reference")?
            .encode(out);
    }
    Ok(())
}

/// A validator type in our model. A concrete reference type canonicalized
/// by the validator becomes the bottom type of its hierarchy (`nofunc`,
/// `none`, `nocont`): its null is a valid value wherever the original type
/// is expected, and it needs no type index.
pub(crate) fn convert(resources: &ValidatorResources, ty: wasmparser::ValType) -> ValType {
    let wasmparser::ValType::Ref(r) = ty else {
        return crate::types::from_wasmparser(ty);
    };
    match r.heap_type() {
        wasmparser::HeapType::Concrete(idx) | wasmparser::HeapType::Exact(idx) => {
            let (shared, code) = match idx.as_core_type_id() {
                Some(id) => {
                    let sub = resources.sub_type_at_id(id);
                    let code = match sub.composite_type.inner {
                        CompositeInnerType::Func(_) => 0x73,
                        CompositeInnerType::Struct(_) | CompositeInnerType::Array(_) => 0x71,
                        CompositeInnerType::Cont(_) => 0x75,
                    };
                    (sub.composite_type.shared, code)
                }
                None => return crate::types::from_wasmparser(ty),
            };
            ValType::Ref {
                nullable: r.is_nullable(),
                heap: Heap::Abstract { shared, code },
            }
        }
        _ => crate::types::from_wasmparser(ty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_types_before_instructions() {
        let m = Module::parse(
            wat::parse_str(
                r#"(module
                  (type $s (struct))
                  (func (param i32) (result i64)
                    local.get 0      ;; 0
                    ref.null $s      ;; 1
                    drop             ;; 2
                    i64.extend_i32_u ;; 3
                    unreachable      ;; 4
                    i32.add          ;; 5
                    drop             ;; 6
                    i64.const 1))    ;; 7"#,
            )
            .unwrap(),
        )
        .unwrap();
        let snaps = stack_snapshots(&m, 0, None, &[1, 2, 3, 6, 7].into()).unwrap();
        assert_eq!(snaps[&1].types, [Some(ValType::I32)]);
        let none = ValType::Ref {
            nullable: true,
            heap: Heap::Abstract {
                shared: false,
                code: 0x71,
            },
        };
        assert_eq!(snaps[&2].types, [Some(ValType::I32), Some(none)]);
        assert_eq!(snaps[&3].types, [Some(ValType::I32)]);
        assert!(!snaps[&3].unreachable);
        assert_eq!(snaps[&6].types, [Some(ValType::I32)]);
        assert!(snaps[&6].unreachable);
        assert_eq!(snaps[&7].types, []);
    }

    /// The walk stops at the last position asked: what follows it is not
    /// even read (here, an invalid `i32.add` of an empty stack).
    #[test]
    fn snapshots_stop_at_the_last_position() {
        let m =
            Module::parse(wat::parse_str("(module (func i32.const 1 drop i32.add drop))").unwrap());
        // Refused as a whole module: the parse validates nothing here, the
        // walk validates the body.
        let m = m.unwrap();
        assert!(stack_snapshots(&m, 0, None, &[0, 1, 2, 3].into()).is_err());
        let snaps = stack_snapshots(&m, 0, None, &[1, 2].into()).unwrap();
        assert_eq!(snaps[&1].types, [Some(ValType::I32)]);
        assert_eq!(snaps[&2].types, []);
    }

    /// Bodies walked against the declarations validated once are walked
    /// as a validator of the whole module walks them: the same functions,
    /// the same heights, an invalid body failing alike.
    #[test]
    fn bodies_walk_alike_against_the_declarations_alone() {
        let m = Module::parse(
            wat::parse_str(
                r#"(module
                  (import "m" "f" (func $f (param i32)))
                  (global $g (mut i64) (i64.const 0))
                  (func (param i32) (result i32) local.get 0 call $f i32.const 1)
                  (func (result i32) i64.const 1)
                  (func (local f32) global.get $g drop local.get 0 drop))"#,
            )
            .unwrap(),
        )
        .unwrap();
        assert!(m.declarations().is_some());
        let walk = |whole: bool| {
            let mut seen = Vec::new();
            let visit =
                |func, mut fv: FuncValidator<ValidatorResources>, body: &FunctionBody<'_>| {
                    seen.push((func, heights_of(&mut fv, body).ok()));
                    Ok(())
                };
            match whole {
                true => for_each_body_validating_all(&m, |f| f != 2, visit).unwrap(),
                false => for_each_body(&m, |f| f != 2, visit).unwrap(),
            }
            seen
        };
        let alone = walk(false);
        assert_eq!(alone, walk(true));
        assert_eq!(
            alone,
            [
                (1, Some(vec![0, 1, 0, 1, 1])),
                (3, Some(vec![0, 1, 0, 1, 0, 0]))
            ]
        );
        // The second body (function 2, skipped above) returns an i64 where
        // an i32 is declared: walked alone, it fails.
        assert!(stack_heights(&m, 2).is_err());
        assert!(stack_heights(&m, 3).is_ok());
    }
}
