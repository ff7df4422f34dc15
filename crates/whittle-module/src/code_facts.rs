//! What a module's function bodies mention, found by one walk of their
//! operators and shared by every module with the same bodies.
//!
//! Several questions are answered only by reading every body: does one take
//! a `ref.func` (an edit that drops declarations must then declare its
//! functions again), which memories, tables and tags do the bodies use
//! (removing a used one cannot be repaired), and how complex are they (the
//! cost's tie-break: non-zero constants, non-zero offsets, declared locals).
//! On a 5.7 MB function each question cost a walk of 30–60 ms, and it was
//! asked again of the candidates of passes that leave the bodies alone
//! (exports, limits, memories) although they share every body with their
//! base. So the answers are found together, once per distinct code, and a
//! module whose bodies are its base's byte for byte shares them
//! ([`crate::candidate`]). They depend on the bodies' bytes
//! alone (indices as written in them), so sharing them is exact.

use crate::operators::is_nonzero_const;
use std::collections::BTreeSet;
use std::convert::Infallible;
use wasm_encoder::reencode::{utils, Error, Reencode};
use wasmparser::{FunctionBody, Operator};

/// What the bodies of a module mention, and their share of its complexity.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CodeFacts {
    /// Some body takes a `ref.func`, or cannot be read to its end.
    pub takes_ref_func: bool,
    /// Every body was read to its end: the sets below are complete.
    pub complete: bool,
    /// Memories, tables and tags (absolute indices) some instruction uses.
    pub memories: BTreeSet<u32>,
    pub tables: BTreeSet<u32>,
    pub tags: BTreeSet<u32>,
    /// The bodies' share of the complexity: the sum of [`body_complexity`].
    pub complexity: usize,
}

impl CodeFacts {
    /// Walk every body once.
    pub(crate) fn of_bodies<'a>(bodies: impl Iterator<Item = FunctionBody<'a>>) -> CodeFacts {
        let mut mentions = Mentions::default();
        let mut facts = CodeFacts {
            complete: true,
            ..CodeFacts::default()
        };
        for body in bodies {
            let (complexity, read_to_end) = walk(&body, Some(&mut mentions));
            facts.complexity = facts.complexity.saturating_add(complexity);
            facts.complete &= read_to_end;
        }
        facts.takes_ref_func = mentions.ref_func || !facts.complete;
        facts.memories = mentions.memories;
        facts.tables = mentions.tables;
        facts.tags = mentions.tags;
        facts
    }
}

/// One body's share of the complexity: its declared locals, non-zero
/// constants and non-zero memory offsets (a body that cannot be read counts
/// what comes before the fault).
pub fn body_complexity(body: &FunctionBody<'_>) -> usize {
    walk(body, None).0
}

/// What instructions (or anything else `Reencode` walks) name, collected
/// through its index hooks, which know every instruction that names a type,
/// a memory, a table or a tag; and whether the last memory argument seen
/// had a non-zero offset. (Also `uses`' recorder of whole modules.)
#[derive(Default)]
pub(crate) struct Mentions {
    pub ref_func: bool,
    pub types: BTreeSet<u32>,
    pub memories: BTreeSet<u32>,
    pub tables: BTreeSet<u32>,
    pub tags: BTreeSet<u32>,
    pub offset: bool,
}

impl Reencode for Mentions {
    type Error = Infallible;

    fn type_index(&mut self, ty: u32) -> Result<u32, Error<Infallible>> {
        self.types.insert(ty);
        Ok(ty)
    }

    fn mem_arg(
        &mut self,
        arg: wasmparser::MemArg,
    ) -> Result<wasm_encoder::MemArg, Error<Infallible>> {
        self.offset |= arg.offset != 0;
        utils::mem_arg(self, arg)
    }

    fn memory_index(&mut self, memory: u32) -> Result<u32, Error<Infallible>> {
        self.memories.insert(memory);
        Ok(memory)
    }

    fn table_index(&mut self, table: u32) -> Result<u32, Error<Infallible>> {
        self.tables.insert(table);
        Ok(table)
    }

    fn tag_index(&mut self, tag: u32) -> Result<u32, Error<Infallible>> {
        self.tags.insert(tag);
        Ok(tag)
    }
}

/// Read one body: its complexity, and whether it was read to its end;
/// with `mentions`, record what it names as well.
fn walk(body: &FunctionBody<'_>, mentions: Option<&mut Mentions>) -> (usize, bool) {
    let mut scratch = Mentions::default();
    let record = mentions.is_some();
    let mentions = mentions.unwrap_or(&mut scratch);
    let mut count: usize = 0;
    let Ok(locals) = body.get_locals_reader() else {
        return (count, false);
    };
    for local in locals {
        match local {
            Ok((n, _)) => count = count.saturating_add(n as usize),
            Err(_) => return (count, false),
        }
    }
    let Ok(mut ops) = body.get_operators_reader() else {
        return (count, false);
    };
    while !ops.eof() {
        let Ok(op) = ops.read() else {
            return (count, false);
        };
        count += usize::from(is_nonzero_const(&op));
        mentions.ref_func |= matches!(op, Operator::RefFunc { .. });
        mentions.offset = false;
        // Only the hooks matter: the instruction built is dropped. Without
        // recording, only an instruction with a memory argument can add.
        if record || op_may_have_memarg(&op) {
            let _ = mentions.instruction(op);
        }
        count += usize::from(mentions.offset);
    }
    (count, true)
}

/// Could this operator carry a memory argument? (Cheap screen so that the
/// complexity alone does not convert every instruction.) Constants, locals,
/// globals, control and plain arithmetic never do.
fn op_may_have_memarg(op: &Operator<'_>) -> bool {
    !matches!(
        op,
        Operator::I32Const { .. }
            | Operator::I64Const { .. }
            | Operator::F32Const { .. }
            | Operator::F64Const { .. }
            | Operator::LocalGet { .. }
            | Operator::LocalSet { .. }
            | Operator::LocalTee { .. }
            | Operator::GlobalGet { .. }
            | Operator::GlobalSet { .. }
            | Operator::I32Add
            | Operator::I64Add
            | Operator::Drop
            | Operator::End
            | Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Else
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::Call { .. }
    )
}

#[cfg(test)]
mod tests {
    use crate::test_support::module;

    #[test]
    fn one_walk_finds_what_the_bodies_use_and_their_complexity() {
        let m = module(
            r#"(module
                 (memory $a 1) (memory $b 1) (memory $c 1)
                 (table $t 1 funcref) (table $u 1 funcref)
                 (tag $e)
                 (func $f (local i32 i64)
                   i32.const 0 i32.load $c offset=4 drop
                   i32.const 7 i32.const 0 i32.const 0 memory.copy $a $c
                   i32.const 0 call_indirect $u
                   ref.func $f drop
                   throw $e))"#,
        );
        let facts = m.code_facts();
        assert!(facts.complete);
        assert!(facts.takes_ref_func);
        assert_eq!(facts.memories, [0, 2].into());
        assert_eq!(facts.tables, [1].into());
        assert_eq!(facts.tags, [0].into());
        // Two locals, one non-zero constant, one non-zero offset.
        assert_eq!(facts.complexity, 2 + 1 + 1);
    }

    #[test]
    fn complexity_without_recording_is_the_same() {
        let m = module(
            r#"(module (memory 1)
                 (func (local f32) i32.const 3 i32.const 0 i64.load offset=8 i64.const 0 i64.store drop))"#,
        );
        let body = m.function_body(0).unwrap();
        assert_eq!(super::body_complexity(&body), 1 + 1 + 1);
        assert_eq!(m.code_facts().complexity, 1 + 1 + 1);
        assert!(!m.code_facts().takes_ref_func);
    }

    #[test]
    fn a_module_with_the_same_bodies_shares_them_and_another_does_not() {
        let a = module(
            r#"(module (memory 1) (func i32.const 0 i32.load drop) (export "x" (memory 0)))"#,
        );
        let b = module(r#"(module (memory 1) (func i32.const 0 i32.load drop))"#);
        let c = module(r#"(module (memory 1) (func i32.const 1 i32.load drop))"#);
        assert_eq!(a.code_facts().memories, [0].into());
        let (mut b, mut c) = (b, c);
        b.share_from(&a, || false);
        assert!(b.code_facts_known());
        c.share_from(&a, || false);
        assert!(!c.code_facts_known());
        assert_eq!(c.code_facts().complexity, 1);
    }
}
