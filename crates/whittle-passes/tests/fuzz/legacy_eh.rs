//! Random modules using legacy exception handling (`try`, `catch`,
//! `catch_all`, `delegate`, `rethrow`), which wasm-smith does not generate
//! but Wasmtime still compiles and whittle must take apart.
//!
//! Bodies are valid by construction: every statement leaves the stack as
//! it found it, every branch pushes what its label expects, `rethrow` is
//! only emitted inside a handler and `delegate` targets an enclosing label.
//! Blocks use no type, one result, or a multi-value type with a parameter,
//! so that block types are exercised next to the handlers.

use super::generate::Input;
use super::rng::Rng;
use wasm_encoder::{
    BlockType, CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction,
    TagKind, TagSection, TagType, TypeSection, ValType,
};
use wasmparser::WasmFeatures;

/// Function types 0..: the function signatures and block types to use.
const SIGNATURES: &[(&[ValType], &[ValType])] = &[
    (&[], &[]),
    (&[ValType::I32], &[ValType::I32]),
    (&[], &[ValType::I32, ValType::I64]),
    (&[ValType::I32, ValType::I64], &[]),
    (&[ValType::I32], &[ValType::I32, ValType::I64]),
];

/// Tag types: signatures without results.
const TAG_SIGNATURES: &[u32] = &[0, 3];

pub fn module(rng: &mut Rng) -> Option<Input> {
    let mut types = TypeSection::new();
    for (params, results) in SIGNATURES {
        types
            .ty()
            .function(params.iter().copied(), results.iter().copied());
    }
    let num_tags = 1 + rng.below(3) as u32;
    let mut tags = TagSection::new();
    let tag_types: Vec<u32> = (0..num_tags)
        .map(|_| TAG_SIGNATURES[rng.below(TAG_SIGNATURES.len() as u64) as usize])
        .collect();
    for &ty in &tag_types {
        tags.tag(TagType {
            kind: TagKind::Exception,
            func_type_idx: ty,
        });
    }
    let num_funcs = 1 + rng.below(6) as u32;
    let func_types: Vec<u32> = (0..num_funcs)
        .map(|_| rng.below(SIGNATURES.len() as u64) as u32)
        .collect();
    let mut functions = FunctionSection::new();
    let mut code = CodeSection::new();
    let mut exports = ExportSection::new();
    for (f, &ty) in func_types.iter().enumerate() {
        functions.function(ty);
        let budget = 12 + rng.below(80) as u32;
        let (params, results) = SIGNATURES[ty as usize];
        let mut body = Body {
            first_i32_local: params.len() as u32,
            rng,
            func_types: &func_types,
            tag_types: &tag_types,
            labels: Vec::new(),
            instructions: Vec::new(),
            budget,
        };
        body.function(results);
        let mut func = Function::new([(2, ValType::I32), (1, ValType::I64)]);
        for i in &body.instructions {
            func.instruction(i);
        }
        code.function(&func);
        if rng.one_in(2) {
            exports.export(&format!("f{f}"), ExportKind::Func, f as u32);
        }
    }
    let mut module = wasm_encoder::Module::new();
    module.section(&types);
    module.section(&functions);
    module.section(&tags);
    module.section(&exports);
    module.section(&code);
    let bytes = module.finish();
    // Tags belong to the exceptions proposal, whichever instructions use
    // them.
    let features = WasmFeatures::WASM2 | WasmFeatures::EXCEPTIONS | WasmFeatures::LEGACY_EXCEPTIONS;
    wasmparser::Validator::new_with_features(features)
        .validate_all(&bytes)
        .ok()?;
    Some(Input { bytes, features })
}

/// An enclosing label: what a branch to it carries, and whether it is a
/// handler (a target for `rethrow`).
struct Label {
    branch: Vec<ValType>,
    handler: bool,
}

struct Body<'a> {
    /// The first of the two `i32` locals after the parameters.
    first_i32_local: u32,
    rng: &'a mut Rng,
    func_types: &'a [u32],
    tag_types: &'a [u32],
    labels: Vec<Label>,
    instructions: Vec<Instruction<'static>>,
    /// Statements left to emit.
    budget: u32,
}

impl Body<'_> {
    fn function(&mut self, results: &[ValType]) {
        self.labels.push(Label {
            branch: results.to_vec(),
            handler: false,
        });
        self.statements();
        self.push_values(results);
        self.instructions.push(Instruction::End);
    }

    /// A few stack-neutral statements.
    fn statements(&mut self) {
        let n = self.rng.below(4);
        for _ in 0..n {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            self.statement();
        }
    }

    fn statement(&mut self) {
        let nested = self.labels.len() < 8;
        match self.rng.below(if nested { 13 } else { 6 }) {
            0 => {
                self.push_values(&[ValType::I64]);
                self.instructions.push(Instruction::Drop);
            }
            1 => {
                self.push_values(&[ValType::I32]);
                let local = self.first_i32_local + self.rng.below(2) as u32;
                self.instructions.push(Instruction::LocalSet(local));
            }
            2 => {
                let callee = self.rng.below(self.func_types.len() as u64) as u32;
                let (params, results) = SIGNATURES[self.func_types[callee as usize] as usize];
                self.push_values(params);
                self.instructions.push(Instruction::Call(callee));
                self.drop_values(results.len());
            }
            3 => {
                let tag = self.rng.below(self.tag_types.len() as u64) as u32;
                self.push_values(SIGNATURES[self.tag_types[tag as usize] as usize].0);
                self.instructions.push(Instruction::Throw(tag));
            }
            4 => self.branch(),
            5 => self.rethrow(),
            6 | 7 => self.block(),
            8 => self.if_else(),
            _ => self.try_catch(),
        }
    }

    /// `br` or `br_if` to a random enclosing label.
    fn branch(&mut self) {
        let depth = self.rng.below(self.labels.len() as u64) as usize;
        let carried = self.labels[self.labels.len() - 1 - depth].branch.clone();
        self.push_values(&carried);
        if self.rng.one_in(2) {
            self.instructions.push(Instruction::Br(depth as u32));
        } else {
            self.push_values(&[ValType::I32]);
            self.instructions.push(Instruction::BrIf(depth as u32));
            self.drop_values(carried.len());
        }
    }

    /// `rethrow` of an enclosing handler's exception, if there is one.
    fn rethrow(&mut self) {
        let handlers: Vec<usize> = (0..self.labels.len())
            .filter(|&d| self.labels[self.labels.len() - 1 - d].handler)
            .collect();
        if !handlers.is_empty() {
            let depth = handlers[self.rng.below(handlers.len() as u64) as usize];
            self.instructions.push(Instruction::Rethrow(depth as u32));
        }
    }

    /// A random block type: its encoding, parameters and results.
    fn block_type(&mut self) -> (BlockType, &'static [ValType], &'static [ValType]) {
        match self.rng.below(4) {
            0 => (BlockType::Empty, &[], &[]),
            1 => (BlockType::Result(ValType::I32), &[], &[ValType::I32]),
            _ => {
                let ty = 1 + self.rng.below(SIGNATURES.len() as u64 - 1) as u32;
                let (params, results) = SIGNATURES[ty as usize];
                (BlockType::FunctionType(ty), params, results)
            }
        }
    }

    /// A block or loop: its parameters are pushed before and dropped
    /// inside, its results pushed at its end and dropped after.
    fn block(&mut self) {
        let (bt, params, results) = self.block_type();
        let is_loop = self.rng.one_in(3);
        self.push_values(params);
        self.instructions.push(if is_loop {
            Instruction::Loop(bt)
        } else {
            Instruction::Block(bt)
        });
        let branch = if is_loop { params } else { results };
        self.inside(branch, false, params.len(), results);
        self.instructions.push(Instruction::End);
        self.drop_values(results.len());
    }

    fn if_else(&mut self) {
        let (bt, params, results) = self.block_type();
        self.push_values(params);
        self.push_values(&[ValType::I32]);
        self.instructions.push(Instruction::If(bt));
        self.inside(results, false, params.len(), results);
        self.instructions.push(Instruction::Else);
        self.inside(results, false, params.len(), results);
        self.instructions.push(Instruction::End);
        self.drop_values(results.len());
    }

    /// `try` with handlers (`catch` of tags, `catch_all`, or none) or
    /// `delegate` to an enclosing label.
    fn try_catch(&mut self) {
        let (bt, params, results) = self.block_type();
        self.push_values(params);
        self.instructions.push(Instruction::Try(bt));
        self.inside(results, false, params.len(), results);
        if self.rng.one_in(4) {
            let depth = self.rng.below(self.labels.len() as u64) as u32;
            self.instructions.push(Instruction::Delegate(depth));
        } else {
            for _ in 0..self.rng.below(3) {
                let tag = self.rng.below(self.tag_types.len() as u64) as u32;
                let caught = SIGNATURES[self.tag_types[tag as usize] as usize].0;
                self.instructions.push(Instruction::Catch(tag));
                self.inside(results, true, caught.len(), results);
            }
            if self.rng.one_in(2) {
                self.instructions.push(Instruction::CatchAll);
                self.inside(results, true, 0, results);
            }
            self.instructions.push(Instruction::End);
        }
        self.drop_values(results.len());
    }

    /// The inside of a block whose label carries `branch`: drop the
    /// `on_entry` values it starts with, statements, then its `results`.
    fn inside(&mut self, branch: &[ValType], handler: bool, on_entry: usize, results: &[ValType]) {
        self.drop_values(on_entry);
        self.labels.push(Label {
            branch: branch.to_vec(),
            handler,
        });
        self.statements();
        self.labels.pop();
        self.push_values(results);
    }

    fn push_values(&mut self, types: &[ValType]) {
        for ty in types {
            let value = self.rng.below(100) as i64;
            self.instructions.push(match ty {
                ValType::I64 => Instruction::I64Const(value),
                _ => Instruction::I32Const(value as i32),
            });
        }
    }

    fn drop_values(&mut self, n: usize) {
        for _ in 0..n {
            self.instructions.push(Instruction::Drop);
        }
    }
}
