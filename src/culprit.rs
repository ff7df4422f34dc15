//! The function a reduction first tries keeping alone (the driver's
//! `ReducerOptions::culprit`): one oracle call that, when it holds, removes
//! every other function at once.
//!
//! A failure that names its function (`wasm[0]::function[12]`) says which.
//! A memory or compile-time blow-up names none, and there the largest body
//! is the guess: such blow-ups come from one huge function far more often
//! than from many small ones together, and the guess costs no oracle call
//! to make and one to try. Finding the function otherwise costs more on a
//! module with one giant function among 3,000 small ones (bench/resource.sh):
//! delta debugging over the functions (the remove-functions pass) took 12
//! calls, measuring each function alone (as `whittle profile` does) takes
//! 3,001. When the guess fails, remove-functions still finds the function.

use whittle_module::Module;
use whittle_oracle::{failing_function, Criterion, Outcome};

/// The function to try keeping alone first, if any.
pub fn culprit(criterion: &Criterion, outcome: &Outcome, module: &Module) -> Option<u32> {
    outcome
        .message()
        .and_then(failing_function)
        .or_else(|| match criterion {
            Criterion::PeakRssAbove { .. } | Criterion::CompileTimeAbove { .. } => largest(module),
            Criterion::Failure { .. } | Criterion::Differential { .. } => None,
        })
}

/// The defined function with the largest body (the first of equals).
fn largest(module: &Module) -> Option<u32> {
    let (i, _) = module
        .bodies
        .iter()
        .enumerate()
        .max_by_key(|(i, range)| (range.len(), std::cmp::Reverse(*i)))?;
    Some(module.num_imported_funcs + i as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(wat: &str) -> Module {
        Module::parse(wat::parse_str(wat).unwrap()).unwrap()
    }

    #[test]
    fn resource_criteria_guess_the_largest_body() {
        let m = module(
            r#"(module
                 (import "env" "f" (func))
                 (func i32.const 1 drop)
                 (func i32.const 1 drop i32.const 2 drop i32.const 3 drop)
                 (func i32.const 1 drop i32.const 2 drop i32.const 3 drop)
                 (func))"#,
        );
        let memory = Criterion::PeakRssAbove { bytes: 1 << 20 };
        assert_eq!(culprit(&memory, &Outcome::Ok, &m), Some(2));
        let time = Criterion::CompileTimeAbove { seconds: 1.0 };
        assert_eq!(culprit(&time, &Outcome::Ok, &m), Some(2));
        assert_eq!(culprit(&memory, &Outcome::Ok, &module("(module)")), None);
    }

    #[test]
    fn a_named_function_wins_and_failures_need_one() {
        let m = module("(module (func) (func nop nop nop))");
        let named = Outcome::Error {
            message: "failed to compile wasm[0]::function[0]: bad".into(),
        };
        let memory = Criterion::PeakRssAbove { bytes: 1 << 20 };
        assert_eq!(culprit(&memory, &named, &m), Some(0));
        let failure = Criterion::Failure {
            signature: whittle_oracle::Signature::pinned(&named, None, None).unwrap(),
        };
        assert_eq!(culprit(&failure, &named, &m), Some(0));
        let unnamed = Outcome::Error {
            message: "bad".into(),
        };
        assert_eq!(culprit(&failure, &unnamed, &m), None);
    }
}
