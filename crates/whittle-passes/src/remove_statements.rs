//! Remove whole statements, one nesting level at a time.
//!
//! This is the tree-aware body reduction (hierarchical delta debugging): a
//! body's top-level statements are the targets of level 0, and a `block`
//! or `if` with everything in it is one of them. Only the constructs that
//! survive level 0 offer their inner statements at level 1, and so on. A
//! giant generated function with one statement that matters is cut down in
//! a number of candidates logarithmic in its size, and nested code goes a
//! subtree at a time before `remove-instructions` looks at single
//! instructions. Statements and their repairs come from
//! [`whittle_module::statements`].

use crate::contract::{SubsetPass, TreePass};
use anyhow::{Context, Result};
use whittle_module::{statements, statements_without, Edit, Module, Statement};

#[derive(Clone)]
pub struct RemoveStatements;

impl SubsetPass for RemoveStatements {
    type Target = Statement;

    fn targets(&self, m: &Module) -> Vec<Statement> {
        self.targets_at(m, 0)
    }

    fn edit(&self, m: &Module, chosen: &[&Statement]) -> Result<Edit> {
        // A level's targets come by function, in code order; a choice
        // across levels (tests) is put in that order first.
        let mut chosen = chosen.to_vec();
        if !chosen.is_sorted_by_key(|s| (s.func, s.first)) {
            chosen.sort_by_key(|s| (s.func, s.first));
        }
        let mut edit = Edit::default();
        for gone in chosen.chunk_by(|a, b| a.func == b.func) {
            let func = gone[0].func;
            let body = m.body(func).context("no such function body")?;
            let mut out = Vec::with_capacity(body.len());
            let mut copied = 0;
            for s in gone {
                // Statements of one level never overlap; an outer one that
                // holds an inner one (a choice across levels) wins.
                if s.bytes.start < copied {
                    continue;
                }
                out.extend_from_slice(&body[copied..s.bytes.start]);
                out.extend_from_slice(&s.repair);
                copied = s.bytes.end;
            }
            out.extend_from_slice(&body[copied..]);
            edit.bodies.insert(func, out);
        }
        Ok(edit)
    }
}

impl TreePass for RemoveStatements {
    fn targets_at(&self, m: &Module, level: usize) -> Vec<Statement> {
        if let Some(listed) = m.take_statements_listed_ahead(level) {
            return listed;
        }
        let mut all = statements(m).unwrap_or_default();
        all.retain(|s| s.depth == level);
        all
    }

    fn hand_back(&self, m: &Module, level: usize, targets: Vec<Statement>) {
        m.hand_back_statements(level, targets);
    }

    /// List the statements ahead when one function holds most of the code
    /// (`Module::is_one_giant_function`: the passes that take out other
    /// functions leave it, and where checks only compile this pass goes
    /// first, its listing made while the original is checked), the walk
    /// saved is noticeable and what the listing holds stays within a few
    /// tens of MB (about 8 bytes per byte of code). Where many functions share the code, `remove-functions`
    /// usually changes it first, and a listing made ahead only held memory
    /// (the peak of a 2.6 MB module of 3000 functions went from 20 to 38
    /// MiB).
    fn prepare(&self, m: &Module) {
        const AHEAD_MAX_CODE_BYTES: usize = 8 << 20;
        if m.is_one_giant_function() && m.code_size() <= AHEAD_MAX_CODE_BYTES {
            m.list_statements_ahead();
        }
    }

    fn targets_without(
        &self,
        targets: Vec<Statement>,
        removed: &[usize],
    ) -> Option<Vec<Statement>> {
        statements_without(targets, removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_wat, module, run};

    const WAT: &str = r#"(module
        (memory 1)
        (func (param i32) (result i32)
          local.get 0 i32.const 1 i32.add local.set 0
          block
            i32.const 0 i32.const 0 i32.store
            local.get 0 drop
          end
          local.get 0))"#;

    #[test]
    fn level_zero_is_the_top_level_statements() {
        let m = module(WAT);
        let top: Vec<_> = RemoveStatements
            .targets_at(&m, 0)
            .iter()
            .map(|s| (s.first, s.last))
            .collect();
        assert_eq!(top, [(0, 3), (4, 10), (11, 11)]);
        let inner: Vec<_> = RemoveStatements
            .targets_at(&m, 1)
            .iter()
            .map(|s| (s.first, s.last))
            .collect();
        assert_eq!(inner, [(5, 7), (8, 9)]);
        assert!(RemoveStatements.targets_at(&m, 2).is_empty());
    }

    #[test]
    fn a_block_goes_with_everything_in_it() {
        let out = run(&RemoveStatements, WAT, &[1]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32) (result i32)))
              (memory (;0;) 1)
              (func (;0;) (type 0) (param i32) (result i32)
                local.get 0
                i32.const 1
                i32.add
                local.set 0
                local.get 0
              )
            )"#,
        );
    }

    #[test]
    fn the_result_statement_becomes_a_default() {
        let out = run(&RemoveStatements, WAT, &[0, 1, 2]);
        assert_wat(
            &out,
            r#"(module
              (type (;0;) (func (param i32) (result i32)))
              (memory (;0;) 1)
              (func (;0;) (type 0) (param i32) (result i32)
                i32.const 0
              )
            )"#,
        );
    }
}
