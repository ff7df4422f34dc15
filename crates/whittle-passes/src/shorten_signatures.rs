//! Shorten runs of parameters or results of function types by bisection:
//! keep the first `k` of each run (`shorten-params`, `shorten-results`).
//!
//! For their count, consecutive entries of one type are alike: how many
//! results a function returns is what Wasmtime limits (1,000 parameters
//! or results) and what register allocation bugs hinge on (a call
//! returning 254 values), whichever of them go. So this pass shortens each
//! such run, keeping its first entries; which entries `trim-params` and
//! `trim-results` find interchangeable is said in `signatures.rs`.

use crate::contract::LengthPass;
use crate::runs::{long_run_lengths, tail};
use crate::signatures::{runs_where, signature_edit, SigList};
use anyhow::Result;
use std::ops::Range;
use whittle_module::{Edit, Module};

/// `shorten-params` or `shorten-results`.
pub struct ShortenSignature(pub SigList);

impl LengthPass for ShortenSignature {
    /// (function type, positions) of a run of at least two entries of one
    /// type.
    type Target = (u32, Range<u32>);

    fn targets(&self, m: &Module) -> Vec<((u32, Range<u32>), usize)> {
        long_run_lengths(runs_where(m, self.0, |_, _| true))
    }

    fn edit(&self, m: &Module, chosen: &[(&(u32, Range<u32>), usize)]) -> Result<Edit> {
        Ok(signature_edit(
            m,
            self.0,
            chosen.iter().map(|&((t, run), keep)| (*t, tail(run, keep))),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, lengths_of, module, run_lengths};

    const SHORTEN_PARAMS: &ShortenSignature = &ShortenSignature(SigList::Params);
    const SHORTEN_RESULTS: &ShortenSignature = &ShortenSignature(SigList::Results);

    #[test]
    fn keeps_the_first_parameters_of_a_run() {
        let out = run_lengths(
            SHORTEN_PARAMS,
            r#"(module
                 (func $f (param i32 i64 i64 i64) local.get 0 drop)
                 (func i32.const 1 i64.const 2 i64.const 3 i64.const 4 call $f))"#,
            &[(0, 1)],
        );
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32 i64)))
              (type (;1;) (func))
              (func $f (;0;) (type 0) (param i32 i64)
                (local i64 i64)
                local.get 0
                drop
              )
              (func (;1;) (type 1)
                i32.const 1
                i64.const 2
                i64.const 3
                i64.const 4
                drop
                drop
                call $f
              )
            )"#,
        );
    }

    const WAT: &str = r#"(module
        (type $t (func (result f32 i32 i32 i32)))
        (func $many (type $t) f32.const 0 i32.const 1 i32.const 2 i32.const 3)
        (func $caller (result i32) call $many i32.add i32.add drop i32.trunc_f32_s))"#;

    #[test]
    fn drops_trailing_results_of_a_run_and_restores_them_at_call_sites() {
        assert_eq!(lengths_of(SHORTEN_RESULTS, &module(WAT)), vec![3]);
        let out = run_lengths(SHORTEN_RESULTS, WAT, &[(0, 1)]);
        assert_wat(
            &out,
            r#"(module
              (type $t (;0;) (func (result f32 i32)))
              (type (;1;) (func (result i32)))
              (func $many (;0;) (type $t) (result f32 i32)
                f32.const 0x0p+0 (;=0;)
                i32.const 1
                i32.const 2
                i32.const 3
                drop
                drop
              )
              (func $caller (;1;) (type 1) (result i32)
                call $many
                i32.const 0
                i32.const 0
                i32.add
                i32.add
                drop
                i32.trunc_f32_s
              )
            )"#,
        );
    }

    #[test]
    fn keeps_types_over_the_parser_limit_reducible() {
        let results = " i32".repeat(1003);
        let m = module(&format!("(module (type (func (result{results}))))"));
        assert_eq!(lengths_of(SHORTEN_RESULTS, &m), vec![1003]);
        let edit = SHORTEN_RESULTS.edit(&m, &[(&(0, 0..1003), 1001)]).unwrap();
        let out = whittle_module::apply(&m, &edit).unwrap();
        let m = Module::parse(out).unwrap();
        assert_eq!(m.func_type(0).unwrap().1.len(), 1001);
    }
}
