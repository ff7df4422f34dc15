//! Rewriting one function body against a `Remap`.
//!
//! Besides renumbering, this is where references to removed or retyped items
//! are *repaired* so the module stays valid:
//! - a call to a removed function drops its arguments and pushes default
//!   values for its results (`return_call` then returns);
//! - a call to a function whose type lost parameters/results drops the
//!   removed arguments and re-creates the removed results as defaults,
//!   shuffling through scratch locals when they are not at the end;
//! - a function whose own type lost parameters turns them into locals; one
//!   that lost results drops them before each `return` and the final `end`,
//!   or, if some `br_if`/`br_table` leaves the function with its results,
//!   is wrapped in a block of the old results (`return` branches to it);
//! - removed globals read as constants and are written as drops; removed
//!   data/element segments turn `memory.init`/`table.init` into drops.

use crate::frames::{frames, Nesting, Step};
use crate::labels::branches_to_function_label;
use crate::remap::{unrepairable, RResult, Remap};
use crate::types::{self, ValType};
use wasm_encoder::reencode::Reencode;
use wasm_encoder::{BlockType, Encode, Instruction};
use wasmparser::Operator;

/// Scratch locals appended after all others, reused between call sites.
struct Scratch {
    base: u32,
    types: Vec<ValType>,
    in_use: Vec<bool>,
}

impl Scratch {
    fn take(&mut self, ty: ValType) -> u32 {
        for (i, (t, used)) in self.types.iter().zip(&mut self.in_use).enumerate() {
            if *t == ty && !*used {
                *used = true;
                return self.base + i as u32;
            }
        }
        self.types.push(ty);
        self.in_use.push(true);
        self.base + self.types.len() as u32 - 1
    }

    fn release_all(&mut self) {
        self.in_use.iter_mut().for_each(|u| *u = false);
    }
}

/// Whether the removed values of a list are on the stack with the kept ones
/// (to be dropped) or already gone.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Removed {
    OnStack,
    Absent,
}

struct FuncWriter<'r, 'm> {
    remap: &'r mut Remap<'m>,
    code: Vec<u8>,
    scratch: Scratch,
    /// The function's own type index (original space).
    own_type: u32,
    /// Body wrapped in a block because the function's results shrink and
    /// some branch targets the function's own label.
    wrapped: bool,
    /// The function's original results, and which to keep if they shrink.
    own_results: Vec<ValType>,
    own_keep: Option<Vec<bool>>,
    /// The previous instruction never falls through (`unreachable`, `br`,
    /// `return`, ...): the final `end` then needs no trimming.
    after_jump: bool,
    param_map: Vec<u32>,
}

/// Rewrite the body of defined function `func` (absolute, original index).
pub fn rewrite_body(
    remap: &mut Remap<'_>,
    func: u32,
    body: &wasmparser::FunctionBody<'_>,
) -> RResult<wasm_encoder::Function> {
    let m = remap.m;
    let own_type = m.func_types[func as usize];
    let (params, results) = match m.func_type(own_type) {
        Some((p, r)) => (p.to_vec(), r.to_vec()),
        None => return unrepairable(format!("function {func} has a non-function type")),
    };
    let retype = remap.edit.retype.get(&own_type).cloned();

    // Local layout: kept params, then removed params as locals, then the
    // original locals (whose indices therefore do not move), then scratch.
    let mut locals: Vec<(u32, wasm_encoder::ValType)> = Vec::new();
    let mut param_map: Vec<u32> = (0..params.len() as u32).collect();
    if let Some(r) = retype.as_ref().filter(|r| r.changes_params()) {
        let kept = r.keep_params.iter().filter(|k| **k).count() as u32;
        let (mut next_kept, mut next_removed) = (0, kept);
        for (i, keep) in r.keep_params.iter().enumerate() {
            if *keep {
                param_map[i] = next_kept;
                next_kept += 1;
            } else {
                param_map[i] = next_removed;
                next_removed += 1;
                locals.push((1, remap.enc_val_type(params[i])?));
            }
        }
    }
    let mut num_locals = params.len() as u64;
    for pair in body.get_locals_reader()? {
        let (count, ty) = pair?;
        num_locals += u64::from(count);
        locals.push((count, remap.val_type(ty)?));
    }
    let own_keep = retype
        .as_ref()
        .filter(|r| r.changes_results())
        .map(|r| r.keep_results.clone());
    let wrapped = own_keep.is_some() && branches_to_function_label(body)?;
    let mut w = FuncWriter {
        remap,
        code: Vec::new(),
        scratch: Scratch {
            base: u32::try_from(num_locals).unwrap_or(u32::MAX),
            types: Vec::new(),
            in_use: Vec::new(),
        },
        own_type,
        wrapped,
        own_results: results.clone(),
        own_keep,
        after_jump: false,
        param_map,
    };
    if wrapped {
        let bt = match results.as_slice() {
            [single] => BlockType::Result(w.remap.enc_val_type(*single)?),
            _ => BlockType::FunctionType(w.remap.wrapper_types[&own_type]),
        };
        w.emit(&Instruction::Block(bt));
    }
    for step in frames(body)? {
        let Step {
            op, depth, nesting, ..
        } = step?;
        let jumps = matches!(
            op,
            Operator::Unreachable
                | Operator::Return
                | Operator::Br { .. }
                | Operator::BrTable { .. }
                | Operator::Throw { .. }
                | Operator::ThrowRef
                | Operator::Rethrow { .. }
                | Operator::ReturnCall { .. }
                | Operator::ReturnCallIndirect { .. }
                | Operator::ReturnCallRef { .. }
        );
        let after_jump = std::mem::replace(&mut w.after_jump, jumps);
        match op {
            Operator::End if nesting == Nesting::Closes(None) => {
                if w.wrapped {
                    w.emit(&Instruction::End);
                }
                if w.wrapped || !after_jump {
                    w.trim_own_results()?;
                }
                w.emit(&Instruction::End);
            }
            Operator::Return => w.own_return(depth)?,
            Operator::LocalGet { local_index } => {
                let i = w.local(local_index);
                w.emit(&Instruction::LocalGet(i));
            }
            Operator::LocalSet { local_index } => {
                let i = w.local(local_index);
                w.emit(&Instruction::LocalSet(i));
            }
            Operator::LocalTee { local_index } => {
                let i = w.local(local_index);
                w.emit(&Instruction::LocalTee(i));
            }
            Operator::Call { function_index } => w.call(function_index, false, depth)?,
            Operator::ReturnCall { function_index } => w.call(function_index, true, depth)?,
            Operator::CallIndirect {
                type_index,
                table_index,
            } => w.call_indirect(type_index, table_index, false, depth)?,
            Operator::ReturnCallIndirect {
                type_index,
                table_index,
            } => w.call_indirect(type_index, table_index, true, depth)?,
            Operator::CallRef { type_index } => w.call_ref(type_index, false, depth)?,
            Operator::ReturnCallRef { type_index } => w.call_ref(type_index, true, depth)?,
            // A removed function's reference becomes null (`remap.rs`). With
            // typed references it may have stood where only a non-null one
            // validates (a `(ref $t)` local, a vtable's field, `call_ref`'s
            // operand): asserted non-null, it fits wherever `ref.func` did,
            // and traps where it runs.
            Operator::RefFunc { function_index }
                if w.remap.typed_refs && w.remap.func_removed(function_index) =>
            {
                let null = w.remap.instruction(op)?;
                w.emit(&null);
                w.emit(&Instruction::RefAsNonNull);
            }
            Operator::GlobalSet { global_index } if w.remap.global_removed(global_index) => {
                w.emit(&Instruction::Drop)
            }
            Operator::MemoryInit { data_index, .. } if w.remap.data_removed(data_index) => {
                w.drops(3)
            }
            Operator::DataDrop { data_index } if w.remap.data_removed(data_index) => {}
            Operator::TableInit { elem_index, .. } if w.remap.element_removed(elem_index) => {
                w.drops(3)
            }
            Operator::ElemDrop { elem_index } if w.remap.element_removed(elem_index) => {}
            Operator::StructNew { struct_type_index }
                if w.remap.edit.remove_fields.contains_key(&struct_type_index) =>
            {
                return unrepairable("struct.new of a type that lost fields");
            }
            Operator::StructGet {
                struct_type_index,
                field_index,
            }
            | Operator::StructGetS {
                struct_type_index,
                field_index,
            }
            | Operator::StructGetU {
                struct_type_index,
                field_index,
            }
            | Operator::StructSet {
                struct_type_index,
                field_index,
            } if w.remap.edit.remove_fields.contains_key(&struct_type_index) => {
                let removed = &w.remap.edit.remove_fields[&struct_type_index];
                if removed.contains(&field_index) {
                    return unrepairable("access to a removed struct field");
                }
                let field = field_index - removed.range(..field_index).count() as u32;
                let ty = w.remap.type_index(struct_type_index)?;
                w.emit(&match op {
                    Operator::StructGet { .. } => Instruction::StructGet {
                        struct_type_index: ty,
                        field_index: field,
                    },
                    Operator::StructGetS { .. } => Instruction::StructGetS {
                        struct_type_index: ty,
                        field_index: field,
                    },
                    Operator::StructGetU { .. } => Instruction::StructGetU {
                        struct_type_index: ty,
                        field_index: field,
                    },
                    _ => Instruction::StructSet {
                        struct_type_index: ty,
                        field_index: field,
                    },
                });
            }
            op => w.translate(op)?,
        }
    }
    let mut all_locals = locals;
    for ty in w.scratch.types.clone() {
        let ty = w.remap.enc_val_type(ty)?;
        all_locals.push((1, ty));
    }
    let mut merged: Vec<(u32, wasm_encoder::ValType)> = Vec::new();
    for (count, ty) in all_locals {
        match merged.last_mut() {
            Some((c, t)) if *t == ty && c.checked_add(count).is_some() => *c += count,
            _ => merged.push((count, ty)),
        }
    }
    let mut f = wasm_encoder::Function::new(merged);
    f.raw(w.code);
    Ok(f)
}

impl FuncWriter<'_, '_> {
    fn emit(&mut self, insn: &Instruction<'_>) {
        insn.encode(&mut self.code);
    }

    fn drops(&mut self, n: usize) {
        for _ in 0..n {
            self.emit(&Instruction::Drop);
        }
    }

    fn translate(&mut self, op: Operator<'_>) -> RResult<()> {
        let insn = self.remap.instruction(op)?;
        self.emit(&insn);
        Ok(())
    }

    fn local(&self, i: u32) -> u32 {
        self.param_map.get(i as usize).copied().unwrap_or(i)
    }

    fn own_results_change(&self) -> bool {
        self.own_keep.is_some()
    }

    /// With the original results on the stack, keep the kept ones.
    fn trim_own_results(&mut self) -> RResult<()> {
        if let Some(keep) = self.own_keep.clone() {
            let results = self.own_results.clone();
            self.drop_removed(&results, &keep)?;
            self.scratch.release_all();
        }
        Ok(())
    }

    /// Return from the function, the original results on the stack: to the
    /// wrapper block if there is one, else trimming them first.
    fn own_return(&mut self, depth: u32) -> RResult<()> {
        if self.wrapped {
            self.emit(&Instruction::Br(depth));
        } else {
            self.trim_own_results()?;
            self.emit(&Instruction::Return);
        }
        Ok(())
    }

    fn sig(&self, ty: u32) -> RResult<(Vec<ValType>, Vec<ValType>)> {
        match self.remap.m.func_type(ty) {
            Some((p, r)) => Ok((p.to_vec(), r.to_vec())),
            None => unrepairable(format!("type {ty} is not a function type")),
        }
    }

    /// With `tys` on top of the stack, keep only those marked in `keep`.
    fn drop_removed(&mut self, tys: &[ValType], keep: &[bool]) -> RResult<()> {
        let Some(first) = keep.iter().position(|k| !k) else {
            return Ok(());
        };
        let saved = self.stash_kept(tys, keep, first, Removed::OnStack);
        for l in saved.into_iter().flatten() {
            self.emit(&Instruction::LocalGet(l));
        }
        Ok(())
    }

    /// With the kept values of `tys` on the stack, re-create the full list,
    /// pushing default values for the removed ones.
    fn restore_removed(&mut self, tys: &[ValType], keep: &[bool]) -> RResult<()> {
        let Some(first) = keep.iter().position(|k| !k) else {
            return Ok(());
        };
        let saved = self.stash_kept(tys, keep, first, Removed::Absent);
        for i in first..tys.len() {
            match saved[i] {
                Some(l) => self.emit(&Instruction::LocalGet(l)),
                None => {
                    let d = self.remap.default_value(tys[i])?;
                    self.emit(&d);
                }
            }
        }
        Ok(())
    }

    /// Takes the values of `tys[first..]` off the stack, top first: each
    /// kept one into a scratch local (its slot in the answer, by position in
    /// `tys`), each removed one dropped if it is there at all.
    fn stash_kept(
        &mut self,
        tys: &[ValType],
        keep: &[bool],
        first: usize,
        removed: Removed,
    ) -> Vec<Option<u32>> {
        let mut saved = vec![None; tys.len()];
        for i in (first..tys.len()).rev() {
            if keep[i] {
                let l = self.scratch.take(tys[i]);
                saved[i] = Some(l);
                self.emit(&Instruction::LocalSet(l));
            } else if removed == Removed::OnStack {
                self.emit(&Instruction::Drop);
            }
        }
        saved
    }

    /// Emit a call of type `callee_ty`, with the arguments on the stack (and
    /// `operand` — a table index or function reference — above them, saved
    /// in a scratch local of its type while arguments are trimmed).
    /// `emit_call(true)` must emit the tail-call form, `false` the plain one.
    fn call_of_type(
        &mut self,
        callee_ty: u32,
        operand: Option<ValType>,
        tail: bool,
        depth: u32,
        emit_call: &mut dyn FnMut(&mut Self, bool),
    ) -> RResult<()> {
        let retype = self.remap.edit.retype.get(&callee_ty).cloned();
        let same_type = callee_ty == self.own_type;
        let keep_tail = tail && (same_type || (retype.is_none() && !self.own_results_change()));
        if let Some(r) = retype.as_ref().filter(|r| r.changes_params()) {
            let (params, _) = self.sig(callee_ty)?;
            let saved = operand.map(|ty| {
                let l = self.scratch.take(ty);
                self.emit(&Instruction::LocalSet(l));
                l
            });
            self.drop_removed(&params, &r.keep_params)?;
            if let Some(l) = saved {
                self.emit(&Instruction::LocalGet(l));
            }
        }
        self.scratch.release_all();
        emit_call(self, keep_tail);
        if keep_tail {
            return Ok(());
        }
        if let Some(r) = retype.as_ref().filter(|r| r.changes_results()) {
            let (_, results) = self.sig(callee_ty)?;
            self.restore_removed(&results, &r.keep_results)?;
            self.scratch.release_all();
        }
        if tail {
            self.own_return(depth)?;
        }
        Ok(())
    }

    fn call(&mut self, f: u32, tail: bool, depth: u32) -> RResult<()> {
        let callee_ty = self.remap.m.func_types.get(f as usize).copied();
        let callee_ty = match callee_ty {
            Some(t) => t,
            None => return unrepairable(format!("call to unknown function {f}")),
        };
        if self.remap.func_removed(f) {
            let (params, results) = self.sig(callee_ty)?;
            self.drops(params.len());
            for r in results {
                let d = self.remap.default_value(r)?;
                self.emit(&d);
            }
            if tail {
                self.own_return(depth)?;
            }
            return Ok(());
        }
        let new_f = self.remap.function_index(f)?;
        self.call_of_type(callee_ty, None, tail, depth, &mut |w, tail| {
            w.emit(&if tail {
                Instruction::ReturnCall(new_f)
            } else {
                Instruction::Call(new_f)
            })
        })
    }

    fn call_indirect(&mut self, ty: u32, table: u32, tail: bool, depth: u32) -> RResult<()> {
        let new_ty = self.remap.type_index(ty)?;
        let new_table = self.remap.table_index(table)?;
        let index_ty = self
            .remap
            .m
            .table_index_types
            .get(table as usize)
            .copied()
            .unwrap_or(ValType::I32);
        self.call_of_type(ty, Some(index_ty), tail, depth, &mut |w, tail| {
            w.emit(&if tail {
                Instruction::ReturnCallIndirect {
                    type_index: new_ty,
                    table_index: new_table,
                }
            } else {
                Instruction::CallIndirect {
                    type_index: new_ty,
                    table_index: new_table,
                }
            })
        })
    }

    fn call_ref(&mut self, ty: u32, tail: bool, depth: u32) -> RResult<()> {
        let new_ty = self.remap.type_index(ty)?;
        let ref_ty = ValType::Ref {
            nullable: true,
            heap: types::Heap::Concrete(ty),
        };
        self.call_of_type(ty, Some(ref_ty), tail, depth, &mut |w, tail| {
            w.emit(&if tail {
                Instruction::ReturnCallRef(new_ty)
            } else {
                Instruction::CallRef(new_ty)
            })
        })
    }
}
