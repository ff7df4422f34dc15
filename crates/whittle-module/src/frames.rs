//! The one walk over a body's operators that knows the block nesting.
//!
//! Renumbering a branch, cutting a body short, unwrapping a block, telling
//! a statement from the arm it sits in: each needs, for every operator,
//! how deep it is and which construct it opens, switches or closes. That
//! bookkeeping (`block`, `loop`, `if`, `try` and `try_table` open a frame,
//! `else`, `catch` and `catch_all` start its next arm, `end` and `delegate`
//! close it, the final `end` closes the function's own) is written here
//! once, and every walker of code reads it off a [`Step`].

use std::ops::Range;
use wasmparser::{FunctionBody, Operator, OperatorsReader};

/// The construct that opened a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    Block,
    Loop,
    If,
    Try,
    TryTable,
}

/// An open frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    pub kind: FrameKind,
    /// Operator index of the instruction that opened it.
    pub start: usize,
    /// The arm the code is in: 0 until the first `else`/`catch`/
    /// `catch_all`, then 1, ...
    pub arm: u32,
}

/// What one operator does to the nesting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// `block`, `loop`, `if`, `try`, `try_table`: opens a frame.
    Opens(FrameKind),
    /// `else`, `catch`, `catch_all`: the innermost frame (as it was before
    /// this arm) goes on with its next arm; `None` outside any frame.
    NextArm(Option<Frame>),
    /// `end`, `delegate`: closes the innermost frame, `None` for the
    /// function's own (the final `end`).
    Closes(Option<Frame>),
    /// Any other operator.
    Inside,
}

/// One operator of a body, where it sits.
#[derive(Clone, Debug)]
pub struct Step<'a> {
    /// Its position in the body's operator list.
    pub index: usize,
    pub op: Operator<'a>,
    /// Frames open around it, the function's own not counted: the relative
    /// depth of the function's label. For an operator that opens a frame,
    /// those outside it (where a `try_table`'s handler labels count from);
    /// for one that closes a frame, that frame included.
    pub depth: u32,
    pub nesting: Nesting,
    /// Where it starts in the module (what a validator takes as offset).
    pub offset: usize,
    /// Its bytes, relative to the start of the body (locals included).
    pub bytes: Range<usize>,
    /// Its bytes.
    pub raw: &'a [u8],
}

/// The walk over one body's operators; see [`frames`].
pub struct Frames<'a> {
    reader: OperatorsReader<'a>,
    body: &'a [u8],
    base: usize,
    open: Vec<Frame>,
    index: usize,
    failed: bool,
}

/// Walk `body`'s operators, the final `end` included. A read error is the
/// last item.
pub fn frames<'a>(body: &FunctionBody<'a>) -> wasmparser::Result<Frames<'a>> {
    Ok(Frames {
        reader: body.get_operators_reader()?,
        body: body.as_bytes(),
        base: body.range().start,
        open: Vec::new(),
        index: 0,
        failed: false,
    })
}

impl Frames<'_> {
    /// The frames open after the operators walked so far, outermost first.
    pub fn open(&self) -> &[Frame] {
        &self.open
    }

    /// Where the next operator starts, relative to the start of the body
    /// (before the first: where the code starts, after the locals).
    pub fn next_start(&self) -> usize {
        self.reader.original_position() - self.base
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = wasmparser::Result<Step<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.reader.eof() {
            return None;
        }
        let start = self.next_start();
        let (op, offset) = match self.reader.read_with_offset() {
            Ok(read) => read,
            Err(e) => {
                self.failed = true;
                return Some(Err(e));
            }
        };
        let end = self.next_start();
        let depth = u32::try_from(self.open.len()).unwrap_or(u32::MAX);
        let index = self.index;
        self.index += 1;
        let opens = |kind| Frame {
            kind,
            start: index,
            arm: 0,
        };
        let nesting = match op {
            Operator::Block { .. } => Nesting::Opens(FrameKind::Block),
            Operator::Loop { .. } => Nesting::Opens(FrameKind::Loop),
            Operator::If { .. } => Nesting::Opens(FrameKind::If),
            Operator::Try { .. } => Nesting::Opens(FrameKind::Try),
            Operator::TryTable { .. } => Nesting::Opens(FrameKind::TryTable),
            Operator::Else | Operator::Catch { .. } | Operator::CatchAll => {
                let before = self.open.last().copied();
                if let Some(frame) = self.open.last_mut() {
                    frame.arm += 1;
                }
                Nesting::NextArm(before)
            }
            Operator::End | Operator::Delegate { .. } => Nesting::Closes(self.open.pop()),
            _ => Nesting::Inside,
        };
        if let Nesting::Opens(kind) = nesting {
            self.open.push(opens(kind));
        }
        Some(Ok(Step {
            index,
            op,
            depth,
            nesting,
            offset,
            bytes: start..end,
            raw: &self.body[start..end],
        }))
    }
}

/// The code of `body` (its operators, the final `end` included, without
/// the locals) with each operator replaced by what `with` writes for it:
/// nothing takes it out, its [`Step::raw`] keeps it.
pub fn rewrite_code<'a, E: From<wasmparser::BinaryReaderError>>(
    body: &FunctionBody<'a>,
    mut with: impl FnMut(Step<'a>, &mut Vec<u8>) -> Result<(), E>,
) -> Result<Vec<u8>, E> {
    let mut code = Vec::new();
    for step in frames(body)? {
        with(step?, &mut code)?;
    }
    Ok(code)
}

/// Like [`rewrite_code`], as a whole body (what `Edit::bodies` holds): the
/// locals as they are declared, then the rewritten code.
pub fn rewrite_ops<'a, E: From<wasmparser::BinaryReaderError>>(
    body: &FunctionBody<'a>,
    with: impl FnMut(Step<'a>, &mut Vec<u8>) -> Result<(), E>,
) -> Result<Vec<u8>, E> {
    let code_start = frames(body)?.next_start();
    let mut out = body.as_bytes()[..code_start].to_vec();
    out.extend(rewrite_code(body, with)?);
    Ok(out)
}

/// A body (what `Edit::bodies` holds) of these locals and this code.
pub fn body_of(locals: Vec<(u32, wasm_encoder::ValType)>, code: &[u8]) -> Vec<u8> {
    let mut f = wasm_encoder::Function::new(locals);
    f.raw(code.iter().copied());
    f.into_raw_body()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(wat: &str) -> Vec<(usize, u32, Nesting)> {
        let bytes = wat::parse_str(wat).unwrap();
        let m = crate::Module::parse(bytes).unwrap();
        let body = m.function_body(0).unwrap();
        frames(&body)
            .unwrap()
            .map(|s| {
                let s = s.unwrap();
                (s.index, s.depth, s.nesting)
            })
            .collect()
    }

    #[test]
    fn tells_depth_and_nesting_of_every_operator() {
        let steps = walk(
            "(module (func (param i32)
               block
                 local.get 0
                 if
                   br 1
                 else
                   nop
                 end
               end))",
        );
        let block = Frame {
            kind: FrameKind::Block,
            start: 0,
            arm: 0,
        };
        let if_ = Frame {
            kind: FrameKind::If,
            start: 2,
            arm: 0,
        };
        assert_eq!(
            steps,
            [
                (0, 0, Nesting::Opens(FrameKind::Block)),
                (1, 1, Nesting::Inside),
                (2, 1, Nesting::Opens(FrameKind::If)),
                (3, 2, Nesting::Inside),
                (4, 2, Nesting::NextArm(Some(if_))),
                (5, 2, Nesting::Inside),
                (6, 2, Nesting::Closes(Some(Frame { arm: 1, ..if_ }))),
                (7, 1, Nesting::Closes(Some(block))),
                (8, 0, Nesting::Closes(None)),
            ]
        );
    }

    #[test]
    fn rewrites_ops_keeping_the_locals() {
        let bytes = wat::parse_str("(module (func (local i64) i32.const 7 drop))").unwrap();
        let m = crate::Module::parse(bytes).unwrap();
        let body = m.function_body(0).unwrap();
        let out = rewrite_ops(&body, |step, out| {
            if !matches!(step.op, Operator::I32Const { .. } | Operator::Drop) {
                out.extend_from_slice(step.raw);
            }
            Ok::<(), wasmparser::BinaryReaderError>(())
        })
        .unwrap();
        assert_eq!(out, body_of(vec![(1, wasm_encoder::ValType::I64)], &[0x0b]));
    }
}
