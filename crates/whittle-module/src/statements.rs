//! The statements of function bodies: the tree that body reduction works on.
//!
//! A body is a sequence of statements, and so is each arm of a block,
//! loop, if, try or try_table. A statement is a minimal run of one
//! sequence's instructions that starts with the sequence's operand stack at
//! its base height and ends back there: `local.get 0 i32.const 1 i32.add
//! local.set 0` is one, and so is a whole `block ... end` at the level it
//! sits in. The last run of a sequence may instead leave the sequence's
//! results. Statements are the nodes of the tree; the statements inside a
//! construct's arms are its children, one level deeper.
//!
//! Taking statements out of a sequence never unbalances their neighbours,
//! so a reducer can remove any subset of one level in one candidate. The
//! few statements that leave values (or sit in unreachable code) come with
//! their repair, the default constants or drops that stand in for them,
//! computed here once from `wasmparser`'s validator rather than for every
//! candidate. A statement that ends reachable code (`br`, `return`,
//! `throw`...) and is followed by dead code stands in as `unreachable`:
//! the dead code after it pops from the polymorphic stack and would not
//! validate once reachable. At the end of a sequence it stands in as the
//! defaults of the sequence's results.

use crate::frames::{frames, Nesting};
use crate::module::Module;
use crate::stack::{convert, for_each_body, repair, snapshot, StackSnapshot};
use crate::types::default_instruction;
use anyhow::Result;
use wasm_encoder::Encode;
use wasmparser::{
    BlockType, FuncValidator, FunctionBody, Operator, ValidatorResources, WasmModuleResources,
};

/// The `unreachable` instruction.
const UNREACHABLE: u8 = 0x00;
/// The `drop` instruction.
const DROP: u8 = 0x1a;

/// One statement of a defined function's body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Absolute function index.
    pub func: u32,
    /// First and last operator index, inclusive (the whole of any construct
    /// it holds).
    pub first: usize,
    pub last: usize,
    /// Its bytes, relative to the start of the body (locals included).
    pub bytes: std::ops::Range<usize>,
    /// Constructs around it: 0 at the body's top level.
    pub depth: usize,
    /// What stands in for the statement when it is taken out (drops and
    /// default constants); empty for a balanced statement.
    pub repair: Vec<u8>,
    /// Taking it out leaves every other statement as it is, only moved
    /// (see `statements_without`): it is balanced with nothing standing
    /// in for it, in a sequence of such statements (its last one may leave
    /// the sequence's results) without dead code.
    pub plain: bool,
}

/// Every statement of every defined function whose body validates, ordered
/// by where they end (so the statements of one depth are in code order). A
/// statement whose removal cannot be repaired (it leaves a non-nullable
/// reference) is left out.
pub fn statements(m: &Module) -> Result<Vec<Statement>> {
    let mut all = Vec::new();
    for_each_body(
        m,
        |_| true,
        |func, fv, body| {
            // A body that does not validate offers nothing.
            if let Ok(found) = body_statements(func, fv, body) {
                // A giant function's statements are most of them: moved,
                // not copied.
                if all.is_empty() {
                    all = found;
                } else {
                    all.extend(found);
                }
            }
            Ok(())
        },
    )?;
    Ok(all)
}

/// One instruction sequence being scanned: a body or an arm.
struct Sequence {
    /// Operand stack height where its statements start and end.
    base: u32,
    /// The stack at its start, shared by every statement that starts at the
    /// base height in reachable code.
    at_base: StackSnapshot,
    /// The statement being scanned: its first op, where that op starts
    /// and, unless it started at the base in reachable code, the stack
    /// before it.
    open: Option<(usize, usize, Option<StackSnapshot>)>,
    /// The last statement found, when it ended reachable code: its repair
    /// depends on whether code follows it in this sequence.
    ended_reachable: Option<EndedReachable>,
    /// Its statements so far (positions in `Scan::found`).
    members: Vec<usize>,
    /// Taking a plain statement out of it changes nothing else: no
    /// statement so far ended reachable code, sat in dead code, started
    /// with another stack than the sequence, was left out as unrepairable
    /// or needs a repair though code follows it.
    plain: bool,
}

/// A statement after which the sequence is unreachable.
struct EndedReachable {
    /// Its position in `Scan::found`.
    index: usize,
    /// It is a lone `unreachable`, which cannot stand in for itself.
    lone_unreachable: bool,
    /// How many values its construct had on the stack when it started.
    frame_values: usize,
}

/// The scan of one body: the validator, the sequences open around the
/// current instruction (the body first), the statements found.
struct Scan {
    func: u32,
    /// Where the body starts in the module.
    body_start: usize,
    fv: FuncValidator<ValidatorResources>,
    sequences: Vec<Sequence>,
    found: Vec<Statement>,
    /// The op just validated is `unreachable`.
    at_unreachable: bool,
}

fn body_statements(
    func: u32,
    mut fv: FuncValidator<ValidatorResources>,
    body: &FunctionBody<'_>,
) -> Result<Vec<Statement>> {
    for pair in body.get_locals_reader()? {
        let (count, ty) = pair?;
        fv.define_locals(0, count, ty)?;
    }
    let mut scan = Scan {
        func,
        body_start: body.range().start,
        fv,
        sequences: Vec::new(),
        found: Vec::new(),
        at_unreachable: false,
    };
    scan.enter()?;
    for step in frames(body)? {
        let step = step?;
        let (i, offset, end) = (step.index, step.offset, step.offset + step.raw.len());
        if let Nesting::NextArm(_) | Nesting::Closes(_) = step.nesting {
            // The sequence ends: its last statement leaves what it leaves.
            scan.close(i.saturating_sub(1), offset)?;
            scan.nothing_follows()?;
        } else {
            scan.open(i, offset)?;
        }
        scan.fv.op(offset, &step.op)?;
        scan.at_unreachable = matches!(step.op, Operator::Unreachable);
        match step.nesting {
            Nesting::Opens(_) => scan.enter()?,
            Nesting::NextArm(_) => {
                scan.leave();
                scan.enter()?;
            }
            Nesting::Closes(_) => {
                // The construct may end a statement of the outer sequence.
                scan.leave();
                scan.close_if_balanced(i, end)?;
            }
            Nesting::Inside => scan.close_if_balanced(i, end)?,
        }
    }
    Ok(scan.found)
}

impl Scan {
    /// A sequence starts here (after the op that opens it).
    fn enter(&mut self) -> Result<()> {
        self.sequences.push(Sequence {
            base: self.fv.operand_stack_height(),
            at_base: snapshot(&self.fv)?,
            open: None,
            ended_reachable: None,
            members: Vec::new(),
            plain: true,
        });
        Ok(())
    }

    /// The innermost sequence ends: its statements are plain only if it
    /// stayed so.
    fn leave(&mut self) {
        let Some(seq) = self.sequences.pop() else {
            return;
        };
        for &i in &seq.members {
            let statement = &mut self.found[i];
            statement.plain = seq.plain && statement.repair.is_empty();
        }
    }

    fn unreachable(&self) -> bool {
        self.fv.get_control_frame(0).is_some_and(|f| f.unreachable)
    }

    /// Op `i` (at byte `offset`) of the innermost sequence: it starts a
    /// statement unless one is open.
    fn open(&mut self, i: usize, offset: usize) -> Result<()> {
        let unreachable = self.unreachable();
        let height = self.fv.operand_stack_height();
        let Some(seq) = self.sequences.last_mut() else {
            return Ok(());
        };
        if seq.open.is_none() {
            // Code follows a statement that ended reachable code: only
            // `unreachable` keeps that code dead.
            if let Some(ended) = seq.ended_reachable.take() {
                if ended.lone_unreachable {
                    // The last statement found: its sequence's last member.
                    debug_assert_eq!(seq.members.last(), Some(&ended.index));
                    self.found.remove(ended.index);
                    seq.members.pop();
                } else {
                    self.found[ended.index].repair = vec![UNREACHABLE];
                }
            }
            // A statement is regular when it starts with the stack the
            // sequence started with, values and their types: the values a
            // sequence starts with (a block's parameters) may have been
            // replaced by others of other types.
            let at_base = height == seq.base && !unreachable;
            let before = if at_base && seq.base as usize == seq.at_base.frame_base {
                None
            } else {
                let now = snapshot(&self.fv)?;
                (!at_base || now.exact != seq.at_base.exact).then_some(now)
            };
            // A statement after one that needs a repair: that one's repair
            // would change if this one went.
            let follows_repaired = seq
                .members
                .last()
                .is_some_and(|&m| !self.found[m].repair.is_empty());
            if before.is_some() || unreachable || follows_repaired {
                seq.plain = false;
            }
            seq.open = Some((i, offset, before));
        }
        Ok(())
    }

    /// After op `last` (ending at byte `end`): end the open statement if
    /// the stack is back at the innermost sequence's base.
    fn close_if_balanced(&mut self, last: usize, end: usize) -> Result<()> {
        let height = self.fv.operand_stack_height();
        match self.sequences.last() {
            Some(seq) if seq.open.is_some() && height == seq.base => self.close(last, end),
            _ => Ok(()),
        }
    }

    /// End the innermost sequence's open statement (if any) after op
    /// `last` (ending at byte `end`), with the stack as the validator has
    /// it now.
    fn close(&mut self, last: usize, end: usize) -> Result<()> {
        let unreachable = self.unreachable();
        let height = self.fv.operand_stack_height();
        let depth = self.sequences.len().saturating_sub(1);
        let Some(seq) = self.sequences.last_mut() else {
            return Ok(());
        };
        let Some((first, start, before)) = seq.open.take() else {
            return Ok(());
        };
        let mut after = None;
        let mut balanced = height == seq.base && !unreachable;
        if balanced && seq.base as usize > seq.at_base.frame_base {
            // The values the sequence starts with (a block's parameters, a
            // caught exception's) may have been replaced by others of the
            // same number but other types.
            let now = snapshot(&self.fv)?;
            balanced = now.exact == seq.at_base.exact;
            after = Some(now);
        }
        let mut bytes = Vec::new();
        if before.is_some() || !balanced {
            let before = before.as_ref().unwrap_or(&seq.at_base);
            let after = match after {
                Some(after) => after,
                None => snapshot(&self.fv)?,
            };
            if repair(before, &after, &mut bytes).is_err() {
                // Leaves a value with no default: not a target.
                seq.plain = false;
                return Ok(());
            }
        }
        let stack_before = before.as_ref().unwrap_or(&seq.at_base);
        if unreachable {
            seq.plain = false;
        }
        if !stack_before.unreachable && unreachable {
            seq.ended_reachable = Some(EndedReachable {
                index: self.found.len(),
                lone_unreachable: first == last && self.at_unreachable,
                frame_values: stack_before.types.len() - stack_before.frame_base,
            });
        }
        seq.members.push(self.found.len());
        self.found.push(Statement {
            func: self.func,
            first,
            last,
            bytes: start - self.body_start..end - self.body_start,
            depth,
            repair: bytes,
            // Decided when the sequence ends.
            plain: false,
        });
        Ok(())
    }

    /// The innermost sequence ends here (at an `end`, `else`, `catch`...):
    /// a statement that ended reachable code just before stands in as
    /// drops of the construct's values and defaults of its results.
    fn nothing_follows(&mut self) -> Result<()> {
        let Some(ended) = self
            .sequences
            .last_mut()
            .and_then(|seq| seq.ended_reachable.take())
        else {
            return Ok(());
        };
        let results = self.frame_results();
        let mut repair = vec![DROP; ended.frame_values];
        let defaults = results.as_ref().map(|types| {
            types
                .iter()
                .map(|&ty| default_instruction(convert(self.fv.resources(), ty)))
                .collect::<Option<Vec<_>>>()
        });
        match defaults {
            Some(Some(defaults)) if !ended.lone_unreachable || defaults.is_empty() => {
                for instruction in defaults {
                    instruction.encode(&mut repair);
                }
                self.found[ended.index].repair = repair;
            }
            // A result without a default (or of a type not known here):
            // only `unreachable` stands in.
            _ if ended.lone_unreachable => {
                self.found.remove(ended.index);
                if let Some(seq) = self.sequences.last_mut() {
                    debug_assert_eq!(seq.members.last(), Some(&ended.index));
                    seq.members.pop();
                }
            }
            _ => self.found[ended.index].repair = vec![UNREACHABLE],
        }
        Ok(())
    }

    /// The result types of the innermost construct (the function's, at
    /// the body's end).
    fn frame_results(&self) -> Option<Vec<wasmparser::ValType>> {
        Some(match self.fv.get_control_frame(0)?.block_type {
            BlockType::Empty => Vec::new(),
            BlockType::Type(ty) => vec![ty],
            BlockType::FuncType(idx) => self
                .fv
                .resources()
                .sub_type_at(idx)?
                .unwrap_func()
                .results()
                .to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(wat: &str) -> Vec<(usize, usize, usize, Vec<u8>)> {
        let m = Module::parse(wat::parse_str(wat).unwrap()).unwrap();
        statements(&m)
            .unwrap()
            .into_iter()
            .map(|s| (s.first, s.last, s.depth, s.repair))
            .collect()
    }

    #[test]
    fn splits_a_body_where_the_stack_is_back_at_its_base() {
        let found = of(r#"(module (func (param i32) (result i32)
            local.get 0 i32.const 1 i32.add local.set 0   ;; 0..=3
            block                                         ;; 4
              i32.const 2 drop                            ;; 5..=6
              nop                                         ;; 7
            end                                           ;; 8
            local.get 0))                                 ;; 9"#);
        assert_eq!(
            found,
            [
                (0, 3, 0, vec![]),
                (5, 6, 1, vec![]),
                (7, 7, 1, vec![]),
                (4, 8, 0, vec![]),
                // Leaves the result: an `i32.const 0` stands in for it.
                (9, 9, 0, vec![0x41, 0x00]),
            ]
        );
    }

    #[test]
    fn if_arms_are_sequences_of_their_own() {
        let found = of(r#"(module (func (param i32) (result i64)
            local.get 0                  ;; 0
            if (result i64)              ;; 1
              i64.const 1                ;; 2
            else                         ;; 3
              nop                        ;; 4
              i64.const 2                ;; 5
            end))                        ;; 6"#);
        assert_eq!(
            found,
            [
                (2, 2, 1, vec![0x42, 0x00]),
                (4, 4, 1, vec![]),
                (5, 5, 1, vec![0x42, 0x00]),
                (0, 6, 0, vec![0x42, 0x00]),
            ]
        );
    }

    #[test]
    fn code_after_a_branch_is_a_statement_too() {
        let found = of(r#"(module (func (result i32)
            i32.const 7                  ;; 0
            return                       ;; 1
            i32.const 1                  ;; 2
            i32.add))                    ;; 3"#);
        // `i32.const 7 return` leaves the frame unreachable at its base;
        // the dead `i32.const 1 i32.add` pops from the polymorphic stack.
        assert_eq!(found[0].0..=found[0].1, 0..=1);
        assert_eq!(found.len(), 2);
        assert_eq!((found[1].0, found[1].1), (2, 3));
        // Without the `return`, the dead code would pop from an empty
        // stack: `unreachable` stands in for it.
        assert_eq!(found[0].3, [UNREACHABLE]);
    }

    #[test]
    fn a_branch_at_the_end_stands_in_as_the_results() {
        let found = of(r#"(module (func (result i32)
            block (result i64)           ;; 0
              i64.const 7                ;; 1
              br 0                       ;; 2
            end                          ;; 3
            drop                         ;; 4
            unreachable))                ;; 5"#);
        assert_eq!(
            found,
            [
                // `i64.const 0` gives the block its result.
                (1, 2, 1, vec![0x42, 0x00]),
                (0, 4, 0, vec![]),
                // A lone `unreachable` that the function's result needs is
                // not a target: only itself could stand in for it.
            ]
        );
        // At the end of a function without results it simply goes.
        assert_eq!(
            of("(module (func nop unreachable))"),
            [(0, 0, 0, vec![]), (1, 1, 0, vec![])]
        );
        // The block's parameter is dropped, whatever the dead code pushed.
        let found = of(r#"(module (func (result i32)
            i32.const 1                      ;; 0
            block (param i32) (result i32)   ;; 1
              br 0                           ;; 2
              i32.const 9                    ;; 3
            end))                            ;; 4"#);
        assert_eq!(
            found,
            [
                (2, 3, 1, vec![DROP, 0x41, 0x00]),
                (0, 4, 0, vec![0x41, 0x00])
            ]
        );
    }

    #[test]
    fn a_replaced_parameter_is_repaired() {
        let found = of(r#"(module (func
            i32.const 1                  ;; 0
            block (param i32)            ;; 1
              i64.extend_i32_u           ;; 2
              i32.wrap_i64               ;; 3
              f32.convert_i32_s          ;; 4
              i32.trunc_f32_s            ;; 5
              drop                       ;; 6
            end))                        ;; 7"#);
        // Each conversion keeps the height at the block's base but changes
        // the type there: taking it out drops its operand and pushes a
        // default of its result.
        assert_eq!(
            found,
            [
                (2, 2, 1, vec![0x1a, 0x42, 0x00]),
                (3, 3, 1, vec![0x1a, 0x41, 0x00]),
                (4, 4, 1, vec![0x1a, 0x43, 0, 0, 0, 0]),
                (5, 5, 1, vec![0x1a, 0x41, 0x00]),
                (6, 6, 1, vec![0x1a]),
                (0, 7, 0, vec![]),
            ]
        );
    }
}
