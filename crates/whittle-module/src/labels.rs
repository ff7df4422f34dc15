//! What a body's branches target, read before it is rewritten: whether a
//! function whose results shrink must be wrapped in a block (the index
//! plan reserves a type for the wrapper, the body encoder emits it).

use crate::frames::frames;
use wasmparser::Operator;

/// Does any branch other than `return` leave the function through its own
/// label (relative depth equal to the nesting depth)? Then results can only
/// be trimmed with a wrapper block.
pub(crate) fn branches_to_function_label(
    body: &wasmparser::FunctionBody<'_>,
) -> wasmparser::Result<bool> {
    for step in frames(body)? {
        let step = step?;
        let targets: Vec<u32> = match step.op {
            Operator::TryTable { try_table } => try_table
                .catches
                .iter()
                .map(|c| match c {
                    wasmparser::Catch::One { label, .. }
                    | wasmparser::Catch::OneRef { label, .. }
                    | wasmparser::Catch::All { label }
                    | wasmparser::Catch::AllRef { label } => *label,
                })
                .collect(),
            Operator::Br { relative_depth }
            | Operator::BrIf { relative_depth }
            | Operator::BrOnNull { relative_depth }
            | Operator::BrOnNonNull { relative_depth }
            | Operator::BrOnCast { relative_depth, .. }
            | Operator::BrOnCastFail { relative_depth, .. } => vec![relative_depth],
            Operator::BrTable { targets } => {
                let mut all = targets.targets().collect::<wasmparser::Result<Vec<_>>>()?;
                all.push(targets.default());
                all
            }
            _ => continue,
        };
        if targets.contains(&step.depth) {
            return Ok(true);
        }
    }
    Ok(false)
}
