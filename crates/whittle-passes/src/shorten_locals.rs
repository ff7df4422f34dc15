//! Shorten runs of alike locals by bisection: keep the first `k` of each.
//!
//! Locals are alike when they are consecutive, of one type, and never read
//! or written: taking out any `n` of such a run gives the very same body
//! (only indices above the run move), so only their number can matter, as
//! it does when Wasmtime refuses more than 50,000 locals or a register
//! allocator bug needs many of them. A local that is used is alike to
//! nothing (what its reads become matters); `remove-locals` offers it on
//! its own, and each run of alike locals as one target.

use crate::contract::LengthPass;
use crate::find::defined;
use crate::locals::{local_runs, without_locals_in};
use crate::runs::{long_run_lengths, tail};
use anyhow::Result;
use std::collections::BTreeMap;
use std::ops::Range;
use whittle_module::{Edit, Module};

pub struct ShortenLocals;

impl LengthPass for ShortenLocals {
    /// (function, local indices) of a run of at least two alike locals.
    type Target = (u32, Range<u32>);

    fn targets(&self, m: &Module) -> Vec<((u32, Range<u32>), usize)> {
        let mut all = Vec::new();
        for i in 0..m.num_defined_funcs() as usize {
            let f = defined(m, i);
            let Ok(runs) = local_runs(m, f) else { continue };
            all.extend(long_run_lengths(runs.into_iter().map(|r| (f, r))));
        }
        all
    }

    fn edit(&self, m: &Module, chosen: &[(&(u32, Range<u32>), usize)]) -> Result<Edit> {
        let mut by_func: BTreeMap<u32, Vec<Range<u32>>> = BTreeMap::new();
        for &((f, locals), keep) in chosen {
            by_func.entry(*f).or_default().push(tail(locals, keep));
        }
        without_locals_in(m, by_func)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locals::local_runs;
    use crate::testutil::{assert_wat, lengths_of, module, run_lengths};
    use whittle_module::types::ValType;

    const WAT: &str = r#"(module
        (func (param i32) (local i32 i32 i32 f64) (local f64 f64 i64)
          local.get 2
          local.set 0
          local.get 6
          drop))"#;

    #[test]
    fn runs_are_unused_locals_of_one_type() {
        let m = module(WAT);
        let ranges: Vec<(Range<u32>, Option<ValType>)> = local_runs(&m, 0)
            .unwrap()
            .into_iter()
            .map(|r| (r.range, r.key))
            .collect();
        assert_eq!(
            ranges,
            [
                (1..2, Some(ValType::I32)),
                (2..3, None),
                (3..4, Some(ValType::I32)),
                (4..6, Some(ValType::F64)),
                (6..7, None),
                (7..8, Some(ValType::I64)),
            ]
        );
        assert_eq!(lengths_of(&ShortenLocals, &m), vec![2]);
    }

    #[test]
    fn keeps_the_first_of_a_run_and_renumbers_the_rest() {
        let out = run_lengths(&ShortenLocals, WAT, &[(0, 1)]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32)))
              (func (;0;) (type 0) (param i32)
                (local i32 i32 i32 f64 f64 i64)
                local.get 2
                local.set 0
                local.get 5
                drop
              )
            )"#,
        );
    }

    #[test]
    fn a_huge_declaration_is_one_run() {
        let m = module("(module (func (local i32 i32) (local i32)))");
        assert_eq!(lengths_of(&ShortenLocals, &m), vec![3]);
        // Four billion locals in five bytes: never enumerated one by one.
        let mut bytes = wat::parse_str("(module (func))").unwrap();
        let n = bytes.len();
        // The code section becomes one body: one entry of u32::MAX `i32`s,
        // then `end`.
        bytes.truncate(n - 6);
        bytes.extend([
            0x0a, 0x0a, 0x01, 0x08, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x0b,
        ]);
        let m = whittle_module::Module::parse(bytes).unwrap();
        assert_eq!(lengths_of(&ShortenLocals, &m), vec![u32::MAX as usize]);
        let edit = ShortenLocals.edit(&m, &[(&(0, 0..u32::MAX), 3)]).unwrap();
        let out = whittle_module::apply(&m, &edit).unwrap();
        assert!(wasmprinter::print_bytes(out)
            .unwrap()
            .contains("(local i32 i32 i32)"));
    }
}
