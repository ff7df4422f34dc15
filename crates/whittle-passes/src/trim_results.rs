//! Remove results from function types (e.g. a function returning 300 `i32`s
//! down to the 254 that still trigger the bug). Every function of the type
//! keeps computing the old results and drops the removed ones before it
//! returns; every call site pushes defaults in their place. Types used as
//! block types cannot be retyped that way and are skipped as unrepairable.

use crate::util::{signature_edit, signature_targets, SigList};
use crate::{Choice, Pass, Search};
use anyhow::Result;
use whittle_module::{Edit, Module};

pub struct TrimResults;

impl Pass for TrimResults {
    fn search(&self, m: &Module) -> Search {
        Search::Subsets(signature_targets(m, SigList::Results).len())
    }

    fn edit(&self, m: &Module, choice: Choice<'_>) -> Result<Edit> {
        Ok(signature_edit(m, SigList::Results, choice.subset()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const WAT: &str = r#"(module
        (type $t (func (result i32 i32 i32)))
        (func $many (type $t) i32.const 1 i32.const 2 i32.const 3)
        (func $caller (result i32) call $many i32.add i32.add))"#;

    #[test]
    fn targets_every_result_of_every_function_type() {
        assert_eq!(TrimResults.search(&module(WAT)), Search::Subsets(4));
    }

    #[test]
    fn drops_trailing_results_and_restores_them_at_call_sites() {
        let out = run(&TrimResults, WAT, Choice::Subset(&[1, 2].into()));
        assert_wat(
            &out,
            r#"(module
              (type $t (;0;) (func (result i32)))
              (type (;1;) (func (result i32)))
              (func $many (;0;) (type $t) (result i32)
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
              )
            )"#,
        );
    }

    #[test]
    fn keeps_types_over_the_parser_limit_reducible() {
        let results = " i32".repeat(1003);
        let m = whittle_module::Module::parse(
            wat::parse_str(format!("(module (type (func (result{results}))))")).unwrap(),
        )
        .unwrap();
        assert_eq!(TrimResults.search(&m), Search::Subsets(1003));
        let edit = TrimResults
            .edit(&m, Choice::Subset(&[0, 1].into()))
            .unwrap();
        let out = whittle_module::apply(&m, &edit).unwrap();
        let m = whittle_module::Module::parse(out).unwrap();
        assert_eq!(m.func_type(0).unwrap().1.len(), 1001);
    }
}
